/*
 * shell.h: the persistent interactive shell the terminal tool types into.
 *
 * One per session, over the workspace's shell byte stream.  Commands are
 * written to the shell as the person would type them; their end is found by
 * a marker line cade controls (carrying a random nonce and the exit status),
 * escape sequences are stripped from what the model sees, output is capped
 * (the middle is cut with a note), and the raw byte stream is published to
 * observers (the TUI's terminal pane).  A command still running at its
 * timeout is reported, not killed.
 */
#ifndef CADE_SHELL_H
#define CADE_SHELL_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct workspace;
struct shell;

struct shell_result {
	char		*output;	/* cleaned text for the model, never NULL */
	size_t		 len;
	int		 exit_code;	/* -1 if still running / unknown */
	int		 timed_out;	/* still running when the timeout fired */
	int		 truncated;
	size_t		 dropped;	/* bytes cut from the middle */
	uint64_t	 duration_ms;
	char		 digest[65];	/* sha256 hex of the full cleaned output */
};

typedef void (*shell_done_fn)(struct shell_result *, void *arg);	/* callee frees via shell_result_free */
typedef void (*shell_observer_fn)(const char *bytes, size_t n, void *arg);

struct shell	*shell_new(struct loop *, struct workspace *, size_t output_limit);
/* Open the workspace shell and set it up (prompt, markers); -1 with *cause. */
int		 shell_start(struct shell *, int rows, int cols, char **cause);
void		 shell_free(struct shell *);
/*
 * Run a command; done() is called once, always later from the loop (never
 * from inside this call); done() may run the next command or free the
 * shell.  timeout_s <= 0: no timeout.  -1 with *cause if busy, not started
 * or dead.  Protocol and limits: doc/SHELL.md.
 */
int		 shell_run(struct shell *, const char *command, int timeout_s,
		    shell_done_fn, void *arg, char **cause);
/*
 * Send input to a running command (is_input): text, or key names such as
 * "C-c", "C-d", "C-z", "Enter"; then collect output for up to timeout_s.
 */
int		 shell_input(struct shell *, const char *input, int timeout_s,
		    shell_done_fn, void *arg, char **cause);
void		 shell_interrupt(struct shell *);	/* Ctrl-C to the foreground job */
int		 shell_busy(const struct shell *);
/*
 * The running command's cleaned output past byte offset from (the first
 * half of output_limit at most): 0 if nothing new.  *data points into the
 * shell and is valid until the loop runs again.
 */
size_t		 shell_output_peek(const struct shell *, size_t from,
		    const char **data);
/*
 * While the agent's command runs: its latest output as the model will see
 * it (cleaned), at most max bytes plus a "[...]" line when more came before;
 * NULL when no command runs.  *total counts every byte so far.  Caller frees.
 */
char		*shell_peek(const struct shell *, size_t max, size_t *total);
/* The person typing in the terminal pane. */
void		 shell_write_user(struct shell *, const char *, size_t);
/* The pane's terminal emulator answering a query (DSR, DA): not typing. */
void		 shell_write_reply(struct shell *, const char *, size_t);
/* Milliseconds since the person last typed (agent waits while they type). */
uint64_t	 shell_user_idle_ms(const struct shell *);
int		 shell_resize(struct shell *, int rows, int cols);
/*
 * Raw bytes as read (escapes included), from the first prompt on; called
 * from the loop for every read (up to 64 KiB), so coalesce redraws.  An
 * observer must not free the shell.
 */
void		 shell_add_observer(struct shell *, shell_observer_fn, void *arg);
void		 shell_remove_observer(struct shell *, shell_observer_fn, void *arg);
/* 0 while the shell is alive; once dead, shell_start() may open a new one. */
int		 shell_dead(const struct shell *);
/* shell_start() at the window size the shell had last. */
int		 shell_restart(struct shell *, char **cause);
void		 shell_result_free(struct shell_result *);

#endif
