/*
 * copy.c: copying logical text (a message, a code block, a command, an
 * observation) to the person's clipboard.
 *
 * The text goes out as an OSC 52 "set clipboard" sequence, which reaches
 * the local clipboard even over SSH.  Inside tmux it is sent twice: plain
 * (tmux takes it into a paste buffer and forwards it when set-clipboard is
 * on) and wrapped in tmux's DCS passthrough (reaches the outer terminal
 * when allow-passthrough is on).  A terminal cannot tell us whether it
 * accepted the sequence, so the text is also written to a file
 * ($XDG_STATE_HOME/cade/clipboard.txt, 0600) and the message says where;
 * when the terminal is not known to support OSC 52, or the text is too big
 * for it, the file is the only copy.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curses.h>
#include <term.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "tui-int.h"

#define COPY_MAX_OSC52	(512 * 1024)	/* bytes of text; terminals cap it */

/* The OSC 52 sequence, wrapped for tmux's passthrough when asked. */
char *
tui_copy_osc52(const char *text, int tmux, size_t *len)
{
	struct buf b;

	buf_init(&b, 0);
	if (tmux)
		buf_puts(&b, "\033Ptmux;\033");	/* ESC doubled inside */
	buf_puts(&b, "\033]52;c;");
	buf_base64(&b, text, strlen(text));
	buf_puts(&b, "\a");
	if (tmux)
		buf_puts(&b, "\033\\");
	return tui_buf_take(&b, len);
}

/* Does the terminal take OSC 52?  terminfo's Ms, or a known family. */
static int
copy_terminal_ok(void)
{
	static const char *const known[] = {
		"xterm", "tmux", "screen", "alacritty", "foot", "kitty",
		"wezterm", "contour", "st-", "rxvt-unicode"
	};
	const char *term = getenv("TERM"), *ms;
	size_t i;

	ms = tigetstr((char *)"Ms");
	if (ms != NULL && ms != (char *)-1)
		return 1;
	if (getenv("TMUX") != NULL)
		return 1;
	if (term == NULL)
		return 0;
	for (i = 0; i < nitems(known); i++)
		if (strncmp(term, known[i], strlen(known[i])) == 0)
			return 1;
	return 0;
}

/* Save the text to the clipboard file; its path or NULL (*err set). */
static char *
copy_file(const char *text, int *err)
{
	char *dir, *path;
	int fd;

	dir = util_xdg_dir("XDG_STATE_HOME", ".local/state");
	if (util_mkdir_p(dir, 0700) == -1) {
		*err = errno;
		free(dir);
		return NULL;
	}
	path = xasprintf("%s/clipboard.txt", dir);
	free(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || util_write_all(fd, text, strlen(text)) == -1) {
		*err = errno;
		if (fd != -1)
			close(fd);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

/* Copy text; returns what to tell the person. */
char *
tui_copy(const char *text)
{
	char *seq, *path, *msg;
	size_t len;
	int err = 0, osc = 0;

	if (copy_terminal_ok() && strlen(text) <= COPY_MAX_OSC52) {
		osc = 1;
		seq = tui_copy_osc52(text, 0, &len);
		tui_screen_raw(seq, len);
		free(seq);
		if (getenv("TMUX") != NULL) {
			seq = tui_copy_osc52(text, 1, &len);
			tui_screen_raw(seq, len);
			free(seq);
		}
	}
	path = copy_file(text, &err);
	if (osc && path != NULL)
		msg = xasprintf("copied %zu bytes (OSC 52; also saved to %s)",
		    strlen(text), path);
	else if (osc)
		msg = xasprintf("copied %zu bytes (OSC 52)", strlen(text));
	else if (path != NULL)
		msg = xasprintf("saved %zu bytes to %s (this terminal may not "
		    "take OSC 52)", strlen(text), path);
	else
		msg = xasprintf("cannot copy: %s", strerror(err));
	free(path);
	return msg;
}
