/*
 * shell.c: the persistent interactive shell shared by the terminal tool and
 * the TUI's terminal pane (protocol and limits: doc/SHELL.md).
 *
 * Data flow.  Bytes read from the workspace's shell stream (a pty master, or
 * docker's exec socket: only read/write are used on it) go three ways:
 *
 *   raw bytes ------------------------------------------> observers (pane)
 *   raw bytes -> shell_vt (escape parser) --text--> shell_clean --> capture
 *                                          \--events (markers) --> state
 *
 * shell_vt (shellvt.c) is an incremental state machine with no I/O: it strips
 * CSI/OSC/DCS/... escape sequences and reports the few that matter: cade's
 * markers (OSC 6973 carrying the shell's nonce: S = a command starts, E;rc =
 * a prompt is due, rc being $?) and readline's bracketed-paste toggles
 * (CSI ?2004h: readline is reading; CSI ?2004l: it has read a line).
 * shell_clean turns CR LF into LF, drops other control bytes and replaces
 * invalid UTF-8 with U+FFFD; the capture keeps the first and last halves of
 * output_limit and counts what falls between, so memory stays bounded under
 * endless output, while a SHA-256 runs over everything kept or dropped.
 *
 * A command is pasted into readline (bracketed paste, so tabs and newlines
 * are literal and a multi-line command is one input), followed by Enter.
 * What readline prints before CSI ?2004l is its echo (dropped); what comes
 * before the E marker is the output.  /bin/sh, and bash without readline
 * paste (< 4.4, --noediting), get plain lines instead, the tty's echo being
 * skipped by counting lines (doc/SHELL.md).  Results are handed to done() at the
 * end of the read callback (or from a timer), never from inside shell_run
 * or shell_input, so done() may start the next command or free the shell.
 */
#include "config.h"

#include <sys/random.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/sha256.h"
#include "cade/shell.h"
#include "cade/util.h"
#include "cade/workspace.h"
#include "shell-int.h"

#define SHELL_READ_SIZE		65536
#define SHELL_READS_PER_TURN	16		/* then let the loop serve others */
#define SHELL_WRITE_MAX		(4U << 20)	/* queued input, bytes */
#define SHELL_DEFAULT_LIMIT	30000

/* ---- the shell ---------------------------------------------------------- */

enum shell_state { SH_NEW, SH_INIT, SH_IDLE, SH_DEAD };

struct shell_obs {
	shell_observer_fn	 fn;
	void			*arg;
};

struct shell {
	struct loop		*loop;
	struct workspace	*ws;
	size_t			 limit;
	int			 fd;
	int			 rows, cols;	/* the window size last set */
	enum shell_state	 state;
	int			 bash;		/* 0: plain sh, no readline signals */
	int			 linemode;	/* bash, but plain lines (no paste) */
	char			 nonce[17];
	struct shell_vt		 vt;
	struct shell_clean	 clean;
	struct shell_capture	 cap;
	struct buf		 wq;		/* bytes waiting for POLLOUT */
	struct buf		 cmd;		/* a command waiting for the prompt */
	int			 cmd_queued;

	int			 at_prompt;	/* E seen, no line read since */
	int			 reading;	/* readline active at that prompt */
	int			 running;	/* the agent's command is in the shell */
	int			 echo;		/* dropping the echo of it */
	size_t			 echo_nl;	/* sh: newlines of echo left */
	int			 user_typed;	/* the person typed at this prompt */
	uint64_t		 user_ms;	/* when the person last typed */
	int			 sigchld;

	/* The caller waiting for a result. */
	shell_done_fn		 done;
	void			*done_arg;
	uint64_t		 timer;
	uint64_t		 t0;

	/* The command finished after its caller had its timeout result. */
	int			 late;
	int			 late_rc;
	int			 late_exited;

	/* A result ready to hand over once the current callback unwinds. */
	struct shell_result	*res;
	shell_done_fn		 res_done;
	void			*res_arg;
	uint64_t		 res_timer;

	struct shell_obs	*obs;
	size_t			 nobs;
	size_t			 pub_from;	/* first byte of this chunk to publish */
};

static void	shell_read_cb(struct loop *, int, int, void *);

/* Random hex nonce for the markers. */
static void
shell_make_nonce(char out[17])
{
	uint8_t r[8];
	size_t i;

	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		uint64_t v = util_now_ms() ^ ((uint64_t)getpid() << 32) ^
		    (uint64_t)(uintptr_t)out;

		memcpy(r, &v, sizeof r);
	}
	for (i = 0; i < sizeof r; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", r[i]);
}

/* Write what we can now; ask for POLLOUT for the rest. */
static void
shell_flush(struct shell *s)
{
	ssize_t n;

	while (s->wq.len > 0 && s->fd != -1) {
		n = write(s->fd, s->wq.s, s->wq.len);
		if (n > 0) {
			buf_consume(&s->wq, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		log_debug("write: %s", n < 0 ? strerror(errno) : "0 bytes");
		buf_reset(&s->wq);	/* the read side will see the end */
		break;
	}
	if (s->fd != -1)
		loop_fd_events(s->loop, s->fd, s->wq.len > 0 ?
		    POLLIN | POLLOUT : POLLIN);
}

static int
shell_send(struct shell *s, const void *data, size_t n)
{
	if (s->fd == -1 || buf_append(&s->wq, data, n) != 0)
		return -1;
	shell_flush(s);
	return 0;
}

/* Stage a finished result; it reaches done() when the callback unwinds. */
static void
shell_stage(struct shell *s, int exit_code, int timed_out, const char *note)
{
	struct shell_result *r;

	if (s->done == NULL)
		return;
	shell_clean_flush(&s->clean);
	r = xcalloc(1, sizeof *r);
	shell_capture_take(&s->cap, r);
	if (note != NULL) {
		char *o = xasprintf("%s%s%s\n", r->output,
		    r->len > 0 && r->output[r->len - 1] != '\n' ? "\n" : "", note);

		free(r->output);
		r->output = o;
		r->len = strlen(o);
	}
	r->exit_code = exit_code;
	r->timed_out = timed_out;
	r->duration_ms = util_now_ms() - s->t0;
	if (s->timer != 0)
		loop_timer_cancel(s->loop, s->timer);
	s->timer = 0;
	s->res = r;
	s->res_done = s->done;
	s->res_arg = s->done_arg;
	s->done = NULL;
	s->done_arg = NULL;
}

/* Hand a staged result to its caller; nothing touches s afterwards. */
static void
shell_deliver(struct shell *s)
{
	struct shell_result *r = s->res;
	shell_done_fn fn = s->res_done;
	void *arg = s->res_arg;

	if (r == NULL)
		return;
	s->res = NULL;
	s->res_done = NULL;
	s->res_arg = NULL;
	fn(r, arg);
}

static void
shell_deliver_cb(struct loop *l, void *arg)
{
	struct shell *s = arg;

	s->res_timer = 0;
	shell_deliver(s);
}

/* The agent's command ended with rc (or the shell died: exited). */
static void
shell_finish(struct shell *s, int rc, int exited)
{
	s->running = 0;
	s->echo = 0;
	s->cmd_queued = 0;
	buf_reset(&s->cmd);
	shell_clean_end(&s->clean);
	if (s->done != NULL)
		shell_stage(s, rc, 0, exited ? "[the shell exited]" : NULL);
	else {
		s->late = 1;
		s->late_rc = rc;
		s->late_exited = exited;
	}
}

/* The stream ended or the shell process is gone. */
static void
shell_died(struct shell *s)
{
	if (s->state == SH_DEAD)
		return;
	log_debug("shell %s ended", s->ws->shell_name ? s->ws->shell_name : "");
	s->state = SH_DEAD;
	if (s->fd != -1) {
		loop_fd_del(s->loop, s->fd);
		s->ws->ops->shell_close(s->ws);
		s->fd = -1;
	}
	buf_reset(&s->wq);
	if (s->ws->ops->alive != NULL)
		(void)s->ws->ops->alive(s->ws);	/* reap */
	if (s->running)
		shell_finish(s, -1, 1);
	else if (s->done != NULL) {
		shell_clean_end(&s->clean);
		shell_stage(s, -1, 0, "[the shell exited]");
	}
}

/* Paste the queued command now that readline is listening. */
static void
shell_submit(struct shell *s)
{
	size_t i;
	int multi;

	if (!s->cmd_queued)
		return;
	s->cmd_queued = 0;
	if (s->user_typed) {
		/* C-e C-u: clear what the person left on the line. */
		(void)shell_send(s, "\005\025", 2);
		s->user_typed = 0;
	}
	s->at_prompt = 0;
	s->reading = 0;
	if (s->bash) {
		/* One paste: literal tabs and newlines, read whole by the shell. */
		(void)shell_send(s, "\033[200~", 6);
		(void)shell_send(s, s->cmd.s, s->cmd.len);
		(void)shell_send(s, "\033[201~\r", 7);
	} else {
		/*
		 * Plain lines; several are grouped so one prompt (one E) ends
		 * them.  The tty echoes every line we send: count them.
		 */
		multi = memchr(s->cmd.s, '\n', s->cmd.len) != NULL;
		s->echo_nl = 1;
		for (i = 0; i < s->cmd.len; i++)
			s->echo_nl += s->cmd.s[i] == '\n';
		if (multi) {
			(void)shell_send(s, "{\n", 2);
			s->echo_nl += 2;
		}
		(void)shell_send(s, s->cmd.s, s->cmd.len);
		(void)shell_send(s, multi ? "\n}\n" : "\n", multi ? 3 : 1);
	}
	buf_reset(&s->cmd);
}

/* Text from the parser: output of the agent's command, its echo, or neither. */
static void
shell_on_text(void *arg, const char *t, size_t n)
{
	struct shell *s = arg;
	const char *nl;

	if (s->running && s->echo) {
		if (s->bash || s->cmd_queued)
			return;
		/* sh: the tty echoes each line we sent; skip that many lines. */
		while (s->echo_nl > 0 && n > 0 &&
		    (nl = memchr(t, '\n', n)) != NULL) {
			n -= (size_t)(nl + 1 - t);
			t = nl + 1;
			s->echo_nl--;
		}
		if (s->echo_nl > 0)
			return;
		s->echo = 0;
	}
	if (s->running || s->done != NULL)
		shell_clean_feed(&s->clean, t, n);
}

/* Markers and readline signals from the parser. */
static void
shell_on_event(void *arg, enum shell_vt_event ev, int rc, size_t off)
{
	struct shell *s = arg;

	switch (ev) {
	case VT_EV_END:
		s->at_prompt = 1;
		s->reading = !s->bash && !s->linemode;
		s->user_typed = 0;
		if (s->state == SH_INIT) {
			s->state = SH_IDLE;
			s->pub_from = off;	/* the pane starts at the first real prompt */
			log_debug("shell ready (%s)", s->bash ? "bash" : "sh");
		} else if (s->running && !s->cmd_queued)
			shell_finish(s, rc, 0);
		else if (s->done != NULL) {
			shell_clean_end(&s->clean);
			shell_stage(s, rc, 0, NULL);
		}
		if (s->reading)
			shell_submit(s);
		break;
	case VT_EV_READING:
		if (s->at_prompt) {
			s->reading = 1;
			shell_submit(s);
		}
		break;
	case VT_EV_READ:
		s->at_prompt = 0;
		s->reading = 0;
		if (s->running && !s->cmd_queued)
			s->echo = 0;
		break;
	case VT_EV_LINEMODE:
		/* Old bash (< 4.4: no PS0, no paste) or no line editing: type plain lines. */
		if (s->state == SH_INIT && s->bash) {
			log_debug("bash without readline paste: line mode");
			s->bash = 0;
			s->linemode = 1;
		}
		break;
	case VT_EV_START:
		s->at_prompt = 0;
		if (s->running && !s->cmd_queued)
			s->echo = 0;
		break;
	}
}

/* Readable (or hung up): read a bounded amount, parse, publish, deliver. */
static void
shell_read_cb(struct loop *l, int fd, int revents, void *arg)
{
	struct shell *s = arg;
	char *chunk;
	ssize_t n;
	size_t i;
	int turns;

	if (revents & POLLOUT)
		shell_flush(s);
	if ((revents & (POLLIN | POLLHUP | POLLERR)) == 0)
		goto out;
	chunk = xmalloc(SHELL_READ_SIZE);
	for (turns = 0; turns < SHELL_READS_PER_TURN; turns++) {
		n = read(fd, chunk, SHELL_READ_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {	/* EOF, or EIO: the pty's other side is closed */
			shell_died(s);
			break;
		}
		s->pub_from = s->state == SH_INIT ? (size_t)n : 0;
		shell_vt_feed(&s->vt, chunk, (size_t)n);
		if (s->pub_from < (size_t)n) {
			for (i = 0; i < s->nobs; i++)
				s->obs[i].fn(chunk + s->pub_from,
				    (size_t)n - s->pub_from, s->obs[i].arg);
		}
		if (s->res != NULL || s->state == SH_DEAD)
			break;
	}
	free(chunk);
out:
	shell_deliver(s);
}

/* The command's time is up: report what we have; it keeps running. */
static void
shell_timeout_cb(struct loop *l, void *arg)
{
	struct shell *s = arg;

	s->timer = 0;
	if (s->done == NULL)
		return;
	shell_stage(s, -1, 1, NULL);
	shell_deliver(s);
}

/* SIGCHLD: a local shell may have exited while a job still holds the pty. */
static void
shell_sigchld_cb(struct loop *l, int signo, void *arg)
{
	struct shell *s = arg;

	if (s->state == SH_DEAD || s->ws->ops->alive == NULL ||
	    s->ws->ops->alive(s->ws))
		return;
	shell_died(s);
	shell_deliver(s);
}

/* A shell over ws's stream, not started yet. */
struct shell *
shell_new(struct loop *loop, struct workspace *ws, size_t output_limit)
{
	struct shell *s = xcalloc(1, sizeof *s);

	s->loop = loop;
	s->ws = ws;
	s->limit = output_limit > 0 ? output_limit : SHELL_DEFAULT_LIMIT;
	if (s->limit < 64)
		s->limit = 64;
	s->fd = -1;
	s->state = SH_NEW;
	buf_init(&s->wq, SHELL_WRITE_MAX);
	buf_init(&s->cmd, SHELL_WRITE_MAX);
	shell_capture_init(&s->cap, s->limit);
	shell_clean_init(&s->clean, &s->cap);
	s->vt.nonce = s->nonce;
	s->vt.text = shell_on_text;
	s->vt.event = shell_on_event;
	s->vt.arg = s;
	return s;
}

/* The line that turns a fresh shell into one with markers. */
static char *
shell_init_line(const struct shell *s)
{
	const char *n = s->nonce;

	if (s->bash) {
		/*
		 * Leading space + ignorespace: not in history.  PS0 marks a
		 * command's start, PROMPT_COMMAND its end with $? (bash restores
		 * $? after it, so `echo $?` still works).  Neither is redrawn by
		 * readline, unlike PS1, so each appears exactly once.  Both are
		 * exported so that a nested `bash` or an `exec bash` keeps
		 * marking commands instead of wedging the session.
		 */
		return xasprintf(" HISTCONTROL=ignorespace; unset HISTFILE;"
		    " set +H; bind 'set enable-bracketed-paste on' 2>/dev/null;"
		    " export PAGER=cat GIT_PAGER=cat;"
		    " PS1='\\w\\$ '; PS2='> ';"
		    " { ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] < 404)) ||"
		    " ! [[ -o emacs || -o vi ]]; } &&"
		    " { printf '\\033]" SHELL_OSC ";cade;%s;L\\007'; PS2=;"
		    " PS1=\"$PS1\\\\e]" SHELL_OSC ";cade;%s;R\\\\a\"; };"
		    " PS0='\\e]" SHELL_OSC ";cade;%s;S\\a';"
		    " PROMPT_COMMAND='printf \"\\033]" SHELL_OSC ";cade;%s;E;%%s\\007\" \"$?\"';"
		    " export PS0 PROMPT_COMMAND\n",
		    n, n, n, n);
	}
	/* POSIX sh expands $? in PS1 at each prompt. */
	return xasprintf("PS1=\"$(printf '\\033]" SHELL_OSC ";cade;%s;E;')\\$?$(printf '\\007')\\$ \";"
	    " PS2=''; export PAGER=cat GIT_PAGER=cat\n", n);
}

/* Open the workspace shell and send the init line; see shell.h. */
int
shell_start(struct shell *s, int rows, int cols, char **cause)
{
	char *init;
	int fd;

	if (s->state != SH_NEW && s->state != SH_DEAD) {
		*cause = xstrdup("the shell is already started");
		return -1;
	}
	s->ws->loop = s->loop;
	if ((fd = s->ws->ops->shell_open(s->ws, rows, cols, cause)) == -1)
		return -1;
	s->rows = rows;
	s->cols = cols;
	if (loop_fd_add(s->loop, fd, POLLIN, shell_read_cb, s) != 0) {
		s->ws->ops->shell_close(s->ws);
		*cause = xstrdup("cannot watch the shell stream");
		return -1;
	}
	s->fd = fd;
	s->bash = s->ws->shell_name != NULL &&
	    strcmp(s->ws->shell_name, "bash") == 0;
	s->linemode = 0;
	s->state = SH_INIT;
	s->at_prompt = s->reading = s->running = s->echo = 0;
	s->late = 0;
	shell_vt_begin(&s->vt, VT_GROUND);
	shell_make_nonce(s->nonce);
	shell_clean_init(&s->clean, &s->cap);
	shell_capture_reset(&s->cap);
	buf_reset(&s->wq);
	buf_reset(&s->cmd);
	if (!s->sigchld && s->ws->pid > 0) {
		loop_signal_add(s->loop, SIGCHLD, shell_sigchld_cb, s);
		s->sigchld = 1;
	}
	init = shell_init_line(s);
	(void)shell_send(s, init, strlen(init));
	free(init);
	return 0;
}

/* Drop everything; pending callbacks are not called. */
void
shell_free(struct shell *s)
{
	if (s == NULL)
		return;
	/* A caller still waiting gets its answer now: done() runs exactly once. */
	if (s->done != NULL)
		shell_stage(s, -1, 0, "[cade stopped before the command ended]");
	shell_deliver(s);
	if (s->fd != -1) {
		loop_fd_del(s->loop, s->fd);
		/* Nothing runs: no grace period to wait out (a one-shot run
		 * would spend it just exiting). */
		s->ws->idle_stop = s->state == SH_IDLE && !s->running;
		s->ws->ops->shell_close(s->ws);
	}
	if (s->timer != 0)
		loop_timer_cancel(s->loop, s->timer);
	if (s->res_timer != 0)
		loop_timer_cancel(s->loop, s->res_timer);
	if (s->sigchld)
		loop_signal_del(s->loop, SIGCHLD, shell_sigchld_cb, s);
	shell_result_free(s->res);
	shell_capture_free(&s->cap);
	buf_free(&s->wq);
	buf_free(&s->cmd);
	free(s->obs);
	free(s);
}

/* Common checks before taking a caller; -1 with *cause. */
static int
shell_can_wait(struct shell *s, char **cause)
{
	if (s->state == SH_NEW) {
		*cause = xstrdup("the shell is not started");
		return -1;
	}
	if (s->state == SH_DEAD) {
		*cause = xstrdup("the shell has exited");
		return -1;
	}
	if (s->done != NULL || s->res != NULL) {
		*cause = xstrdup("the shell is busy: a call is already waiting for output");
		return -1;
	}
	return 0;
}

/* Start waiting for the result with a timeout (<= 0: none). */
static void
shell_wait(struct shell *s, int timeout_s, shell_done_fn done, void *arg)
{
	s->done = done;
	s->done_arg = arg;
	s->t0 = util_now_ms();
	if (timeout_s > 0)
		s->timer = loop_timer_add(s->loop, (uint64_t)timeout_s * 1000,
		    shell_timeout_cb, s);
}

/* The command as it will be typed: control bytes other than TAB/LF removed, CR LF -> LF. */
static void
shell_build_cmd(struct shell *s, const char *command)
{
	const unsigned char *p = (const unsigned char *)command;
	size_t n = strlen(command), i;

	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' ||
	    p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	buf_reset(&s->cmd);
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c == '\r') {
			if (i + 1 < n && p[i + 1] == '\n')
				continue;
			c = '\n';
		}
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			continue;
		(void)buf_putc(&s->cmd, c);
	}
}

/* Type a command into the shell; see shell.h. */
int
shell_run(struct shell *s, const char *command, int timeout_s,
    shell_done_fn done, void *arg, char **cause)
{
	if (shell_can_wait(s, cause) != 0)
		return -1;
	if (s->running) {
		*cause = xstrdup("the shell is busy: the previous command is still running");
		return -1;
	}
	if (s->state == SH_IDLE && !s->at_prompt) {
		*cause = xstrdup("the shell is busy: a command the person started is running");
		return -1;
	}
	if (strlen(command) + 16 > SHELL_WRITE_MAX) {
		*cause = xstrdup("the command is too long");
		return -1;
	}
	if (s->late)
		log_debug("dropping unreported end of the previous command");
	s->late = 0;
	shell_clean_init(&s->clean, &s->cap);
	shell_capture_reset(&s->cap);
	shell_build_cmd(s, command);
	s->running = 1;
	s->echo = 1;
	s->cmd_queued = 1;
	shell_wait(s, timeout_s, done, arg);
	if (s->state == SH_IDLE && s->reading)
		shell_submit(s);
	return 0;
}

static const struct {
	const char	*name;
	const char	*bytes;
} shell_keys[] = {
	{ "Enter", "\r" }, { "Return", "\r" }, { "Tab", "\t" },
	{ "Escape", "\033" }, { "Esc", "\033" }, { "Space", " " },
	{ "BSpace", "\177" }, { "Backspace", "\177" },
	{ "Up", "\033[A" }, { "Down", "\033[B" }, { "Right", "\033[C" },
	{ "Left", "\033[D" }, { "Home", "\033[H" }, { "End", "\033[F" },
	{ "PageUp", "\033[5~" }, { "PgUp", "\033[5~" },
	{ "PageDown", "\033[6~" }, { "PgDn", "\033[6~" },
	{ "Delete", "\033[3~" }, { "DC", "\033[3~" }, { "Insert", "\033[2~" },
	{ "F1", "\033OP" }, { "F2", "\033OQ" }, { "F3", "\033OR" },
	{ "F4", "\033OS" }, { "F5", "\033[15~" }, { "F6", "\033[17~" },
	{ "F7", "\033[18~" }, { "F8", "\033[19~" }, { "F9", "\033[20~" },
	{ "F10", "\033[21~" }, { "F11", "\033[23~" }, { "F12", "\033[24~" },
};

/* One key name (C-x, ^X, Enter, ...) -> its bytes appended; 0, or -1 if not a key. */
static int
shell_key(struct buf *out, const char *k, size_t len)
{
	size_t i;
	unsigned char c;

	if ((len == 3 && (k[0] == 'C' || k[0] == 'c') && k[1] == '-') ||
	    (len == 2 && k[0] == '^')) {
		c = (unsigned char)k[len - 1];
		if (c >= 'a' && c <= 'z')
			c = (unsigned char)(c - 'a' + 'A');
		if (c == '?')
			return buf_putc(out, 0x7f) == 0 ? 0 : -1;
		if (c < '@' || c > '_')
			return -1;
		return buf_putc(out, c - '@') == 0 ? 0 : -1;
	}
	for (i = 0; i < nitems(shell_keys); i++) {
		if (strlen(shell_keys[i].name) == len &&
		    strncasecmp(shell_keys[i].name, k, len) == 0)
			return buf_puts(out, shell_keys[i].bytes) == 0 ? 0 : -1;
	}
	return -1;
}

/*
 * Input -> bytes: if every space-separated word is a key name, those keys;
 * otherwise the literal text (newlines become Enter) followed by Enter.
 * Returns 1 for keys, 0 for text.
 */
static int
shell_input_bytes(const char *input, struct buf *out)
{
	const char *p = input, *w;
	size_t i, n;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (w = p; *p != '\0' && *p != ' '; p++)
			;
		if (shell_key(out, w, (size_t)(p - w)) != 0)
			break;
	}
	if (*p == '\0' && out->len > 0)
		return 1;
	buf_reset(out);
	n = strlen(input);
	for (i = 0; i < n; i++) {
		if (input[i] == '\r' && i + 1 < n && input[i + 1] == '\n')
			continue;
		(void)buf_putc(out, input[i] == '\n' ? '\r' : input[i]);
	}
	if (n == 0 || input[n - 1] != '\n')
		(void)buf_putc(out, '\r');
	return 0;
}

/* Send input to what runs in the shell; see shell.h. */
int
shell_input(struct shell *s, const char *input, int timeout_s,
    shell_done_fn done, void *arg, char **cause)
{
	struct buf b;
	int keys;

	if (shell_can_wait(s, cause) != 0)
		return -1;
	if (s->late) {
		/* It already finished: report that rather than type into the prompt. */
		s->late = 0;
		shell_wait(s, 0, done, arg);
		shell_stage(s, s->late_rc, 0, s->late_exited ?
		    "[the shell exited]" :
		    "[the command had already finished; the input was not sent]");
		s->res_timer = loop_timer_add(s->loop, 0, shell_deliver_cb, s);
		return 0;
	}
	buf_init(&b, SHELL_WRITE_MAX);
	keys = shell_input_bytes(input, &b);
	if (!s->running && !keys && s->at_prompt) {
		/* Text at an idle prompt is a command. */
		buf_free(&b);
		return shell_run(s, input, timeout_s, done, arg, cause);
	}
	if (!s->running) {
		shell_clean_init(&s->clean, &s->cap);
		shell_capture_reset(&s->cap);
	}
	if (keys && b.len > 0 && (b.s[0] == 0x03 || b.s[0] == 0x1c)) {
		/* Interrupting: a command still waiting for the prompt is off. */
		s->cmd_queued = 0;
		buf_reset(&s->cmd);
	}
	if (shell_send(s, b.s, b.len) != 0) {
		buf_free(&b);
		*cause = xstrdup("the input is too long");
		return -1;
	}
	buf_free(&b);
	shell_wait(s, timeout_s, done, arg);
	return 0;
}

/* Ctrl-C to the foreground job (the tty turns it into SIGINT). */
void
shell_interrupt(struct shell *s)
{
	s->cmd_queued = 0;
	buf_reset(&s->cmd);
	(void)shell_send(s, "\003", 1);
}

/* 1 while the agent's command, or one the person started, is running. */
int
shell_busy(const struct shell *s)
{
	if (s->running)
		return 1;
	return s->state == SH_IDLE && !s->at_prompt;
}

/* See shell.h: the latest cleaned output of the running command. */
char *
shell_peek(const struct shell *s, size_t max, size_t *total)
{
	const struct shell_capture *c = &s->cap;
	struct buf out;
	size_t from, n;

	*total = c->total;
	if (!s->running)
		return NULL;
	buf_init(&out, 0);
	if (c->total > c->head.len + c->tail_len)
		(void)buf_puts(&out, "[...]\n");
	/* The last max bytes of head + tail, cut after a character start. */
	n = c->tail_len < max ? c->tail_len : max;
	if (n < max && c->total == c->head.len + c->tail_len) {
		from = c->head.len - (max - n < c->head.len ? max - n : c->head.len);
		while (from > 0 && from < c->head.len &&
		    ((unsigned char)c->head.s[from] & 0xc0) == 0x80)
			from++;
		(void)buf_append(&out, c->head.s + from, c->head.len - from);
	}
	from = c->tail_len - n;
	while (from < c->tail_len && from > 0 &&
	    ((unsigned char)c->tail[from] & 0xc0) == 0x80)
		from++;
	(void)buf_append(&out, c->tail + from, c->tail_len - from);
	return buf_detach(&out, NULL);
}

/* The person typing in the pane: passed through, and the time noted. */
void
shell_write_user(struct shell *s, const char *bytes, size_t n)
{
	s->user_ms = util_now_ms();
	if (n == 0)
		return;
	if (!s->running) {
		s->user_typed = 1;
		/* Enter at the prompt: a command is on its way, until E says otherwise. */
		if (s->at_prompt && (memchr(bytes, '\r', n) != NULL ||
		    memchr(bytes, '\n', n) != NULL))
			s->at_prompt = s->reading = 0;
	}
	(void)shell_send(s, bytes, n);
}

/* Terminal replies from the pane's emulator: written, not counted as typing. */
void
shell_write_reply(struct shell *s, const char *bytes, size_t n)
{
	if (n > 0)
		(void)shell_send(s, bytes, n);
}

/* Milliseconds since the person last typed (UINT64_MAX if never). */
uint64_t
shell_user_idle_ms(const struct shell *s)
{
	if (s->user_ms == 0)
		return UINT64_MAX;
	return util_now_ms() - s->user_ms;
}

/* New window size for the shell (and whatever runs in it). */
int
shell_resize(struct shell *s, int rows, int cols)
{
	if (s->state == SH_NEW || s->state == SH_DEAD ||
	    s->ws->ops->shell_resize == NULL)
		return -1;
	s->rows = rows;
	s->cols = cols;
	return s->ws->ops->shell_resize(s->ws, rows, cols);
}

/* See shell.h: what a running command has printed so far. */
size_t
shell_output_peek(const struct shell *s, size_t from, const char **data)
{
	*data = NULL;
	if (!shell_busy(s) || from >= s->cap.head.len)
		return 0;
	*data = s->cap.head.s + from;
	return s->cap.head.len - from;
}

/* A dead shell's successor, at the size the old one had last. */
int
shell_restart(struct shell *s, char **cause)
{
	return shell_start(s, s->rows > 0 ? s->rows : 24,
	    s->cols > 0 ? s->cols : 80, cause);
}

/* Subscribe to the raw byte stream (from the first prompt on). */
void
shell_add_observer(struct shell *s, shell_observer_fn fn, void *arg)
{
	s->obs = xreallocarray(s->obs, s->nobs + 1, sizeof *s->obs);
	s->obs[s->nobs].fn = fn;
	s->obs[s->nobs].arg = arg;
	s->nobs++;
}

/* Unsubscribe (fn and arg must match a shell_add_observer call). */
void
shell_remove_observer(struct shell *s, shell_observer_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < s->nobs; i++) {
		if (s->obs[i].fn == fn && s->obs[i].arg == arg) {
			memmove(&s->obs[i], &s->obs[i + 1],
			    (s->nobs - i - 1) * sizeof *s->obs);
			s->nobs--;
			return;
		}
	}
}

/* 1 once the shell has exited (shell_start may open a new one). */
int
shell_dead(const struct shell *s)
{
	return s->state == SH_DEAD;
}

void
shell_result_free(struct shell_result *r)
{
	if (r == NULL)
		return;
	free(r->output);
	free(r);
}
