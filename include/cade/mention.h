/*
 * mention.h: "@path" in a message attaches the file, on every front end.
 *
 * The TUI, headless -p and cade batch hand a person's message here before
 * it reaches the agent: each "@path", "@path:A-B" or "@path:A" (after a
 * blank or at the start) attaches the file, or those lines, after the
 * text, capped at output_limit like an observation; an image file goes as
 * an image content part when the model takes images.  What cannot be
 * attached is refused in one line (outside the workspace, hidden by the
 * sandbox, missing, a directory, binary, too big, images not taken), said
 * through the front end's own callback: a chat notice, a line on stderr.
 * ACP's image blocks come in as extra images and meet the same checks.
 */
#ifndef CADE_MENTION_H
#define CADE_MENTION_H

#include <stddef.h>

#include "cade/agent.h"

struct buf;
struct session;

/* Images on their way to agent_submit_images (path and data owned). */
struct mention_images {
	struct agent_image	*v;
	size_t			 n;
};
void		 mention_images_free(struct mention_images *);
/* Take ownership of data (an image's bytes) under the name path. */
void		 mention_images_add(struct mention_images *, const char *path,
		    void *data, size_t len);

/* One refusal, one line without a newline ("@x not attached: why"). */
typedef void	(*mention_refuse_fn)(const char *line, void *arg);

/*
 * text with each mention attached after it; image mentions added to imgs
 * when the model takes them.  Refusals go to refuse.  NULL if no text was
 * attached (imgs may still have grown).
 */
char		*mention_expand(struct session *, const char *text,
		    struct mention_images *imgs, mention_refuse_fn, void *arg);
/*
 * Keep only the images the model takes (images setting, else the model
 * list; image_max): the others are refused and dropped.
 */
void		 mention_check_images(struct session *, struct mention_images *,
		    mention_refuse_fn, void *arg);
/* 1 if text mentions an image (or extra > 0 images come with it) and
 * only the endpoint's model list, not read yet, can tell whether the
 * model takes images. */
int		 mention_needs_list(struct session *, const char *text,
		    size_t extra);

/*
 * The whole way from a message to the agent: ask the endpoint's model
 * list first when only it can tell (once per process and endpoint), then
 * expand the mentions (with expand: a person's typed text; not text that
 * embeds files, as ACP's resources do), check imgs (taken; may be NULL),
 * and submit.
 * done (may be NULL) is called after the submit, from the loop or from
 * inside this call.  The returned handle (NULL when already submitted)
 * is valid until then; mention_send_cancel() drops the message.
 */
struct mention_send;
struct mention_send *mention_send(struct session *, const char *text,
		    int expand, struct mention_images *imgs, mention_refuse_fn,
		    void (*done)(void *), void *arg);
void		 mention_send_cancel(struct mention_send *);

/* The start of an attached file in a message ("\n\n<file path=\""). */
#define MENTION_FILE_MARK	"\n\n<file path=\""

#endif
