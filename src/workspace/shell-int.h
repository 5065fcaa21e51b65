/*
 * shell-int.h: the I/O-free half of the persistent shell (shellvt.c), shared
 * with shell.c and the fuzz target; not a public contract.
 *
 * shell_vt is the escape-sequence parser: bytes in, text and cade's markers
 * out through callbacks.  shell_clean turns the text into clean UTF-8 lines
 * (CR LF -> LF, control bytes dropped, bad UTF-8 -> U+FFFD) into a
 * shell_capture, which keeps the head and tail of the output within a limit
 * and hashes all of it.
 */
#ifndef CADE_SHELL_INT_H
#define CADE_SHELL_INT_H

#include <stddef.h>

#include "cade/buf.h"
#include "cade/sha256.h"
#include "cade/shell.h"

#define SHELL_OSC		"6973"		/* private OSC number for markers */
#define SHELL_SEQ_MAX		96		/* longest escape kept for inspection */

enum shell_vt_state {
	VT_GROUND, VT_ESC, VT_ESC_INTER, VT_CSI, VT_OSC, VT_OSC_ESC,
	VT_STR, VT_STR_ESC
};

enum shell_vt_event {
	VT_EV_START,		/* S marker: a command line starts running */
	VT_EV_END,		/* E marker: a command finished, prompt due */
	VT_EV_READING,		/* CSI ?2004h: readline waits for input */
	VT_EV_READ,		/* CSI ?2004l: readline has read a line */
	VT_EV_LINEMODE		/* L marker: bash without usable readline paste */
};

struct shell_vt {
	enum shell_vt_state	 state;
	char			 seq[SHELL_SEQ_MAX + 1];
	size_t			 seqlen;
	int			 overflow;
	const char		*nonce;
	void			 (*text)(void *, const char *, size_t);
	void			 (*event)(void *, enum shell_vt_event, int, size_t);
	void			*arg;
};

struct shell_capture {
	struct buf	head;		/* first head_max bytes */
	char		*tail;		/* the latest bytes after head, a sliding window */
	size_t		 tail_len;
	size_t		 head_max, tail_max;
	size_t		 total;		/* everything ever added */
	struct sha256	 sha;
};

struct shell_clean {
	unsigned char	 u8[4];
	size_t		 u8len, u8need;
	int		 cr;		/* a CR waits to see if LF follows */
	int		 bol;		/* at the beginning of a line */
	char		 out[4096];
	size_t		 outlen;
	struct shell_capture *cap;
};

/* Enter a state with an empty sequence (GROUND: ready for new bytes). */
void	shell_vt_begin(struct shell_vt *vt, enum shell_vt_state st);
/* Parse bytes: text to vt->text, markers to vt->event (off: where in data). */
void	shell_vt_feed(struct shell_vt *vt, const char *data, size_t len);
/* A capture keeping about limit bytes (head and tail). */
void	shell_capture_init(struct shell_capture *c, size_t limit);
/* Empty it for the next command. */
void	shell_capture_reset(struct shell_capture *c);
void	shell_capture_free(struct shell_capture *c);
/* Move the capture into a result: whole text, or head + note + tail. */
void	shell_capture_take(struct shell_capture *c, struct shell_result *r);
/* A cleaner writing into cap. */
void	shell_clean_init(struct shell_clean *k, struct shell_capture *cap);
/* Hand what is buffered to the capture. */
void	shell_clean_flush(struct shell_clean *k);
/* Clean text (from shell_vt) into the capture. */
void	shell_clean_feed(struct shell_clean *k, const char *s, size_t n);
/* The command is over: settle a half sequence, drop a trailing CR. */
void	shell_clean_end(struct shell_clean *k);

#endif
