/*
 * spawn.h: every child process cade starts goes through here.
 *
 * spawn_pty() runs a program as the leader of a new session on a fresh pty
 * (forkpty), with signals blocked around fork, every signal disposition and
 * the signal mask reset in the child, and every fd >= 3 closed before exec,
 * so a child never inherits cade's sockets, pipes or other ptys.  Failure to
 * exec is reported to the caller (through a close-on-exec pipe), not found
 * later as a mysterious exit 127.  With a sandbox the child enters it
 * after closing fds and before chdir and exec (sandbox_child_enter), so
 * the program is contained from its first instruction; a sandbox that
 * cannot be entered is an error naming the step that failed.  The master fd is non-blocking and
 * close-on-exec; the caller owns it.
 *
 * spawn_kill_session() ends a child started here and everything it left
 * behind in its session (background jobs), then reaps the leader.
 *
 * spawn_run() runs a short helper program (git, for checkpoints) to the end
 * with pipes instead of a pty: stdin fed from memory, stdout and stderr
 * captured up to a cap, a deadline after which the child is killed.  It
 * blocks its caller, so it is only for children that take milliseconds.
 */
#ifndef CADE_SPAWN_H
#define CADE_SPAWN_H

#include <sys/types.h>

#include "cade/buf.h"
#include "cade/sandbox.h"

struct spawn_pty_args {
	const char *const	*argv;		/* argv[0] searched in PATH unless it holds a '/' */
	const char *const	*env_set;	/* "NAME=value" added or replacing; NULL-terminated; may be NULL */
	const char *const	*env_unset;	/* names removed from the environment; may be NULL */
	const char		*cwd;		/* may be NULL: inherit */
	int			 rows, cols;	/* initial window size; 0: 24x80 */
	/* Contain the child (sandbox.h) under mech; NULL / SANDBOX_OFF: not contained. */
	const struct sandbox	*sandbox;
	enum sandbox_mech	 mech;
	int			*sandbox_failed;	/* set to 1 if entering the sandbox failed; may be NULL */
	int			 door_fd;	/* > 2: stays open in the child as SPAWN_DOOR_FD */
};

/* Where door_fd lands in the child (the sandbox escalation channel). */
#define SPAWN_DOOR_FD	63

/* A program with its stdio on given fds, in a new session (no controlling tty). */
struct spawn_proc_args {
	const char *const	*argv;		/* argv[0] searched in PATH unless it holds a '/' */
	const char *const	*envp;		/* the whole environment, NULL-terminated */
	const char		*cwd;		/* may be NULL: inherit */
	int			 fd_in, fd_out, fd_err;
};

struct spawn_run_args {
	const char *const	*argv;		/* argv[0] searched in PATH unless it holds a '/' */
	const char *const	*env_set;	/* as for spawn_pty */
	const char *const	*env_unset;
	const char		*cwd;		/* may be NULL: inherit */
	const char		*in;		/* stdin bytes, or NULL: /dev/null */
	size_t			 inlen;
	struct buf		*out;		/* stdout (its max caps it), or NULL: discarded */
	struct buf		*err;		/* stderr, or NULL: discarded */
	int			 timeout_ms;	/* 0: no deadline */
};

/*
 * Run to completion; returns the wait status (use WIFEXITED...), or -1 with
 * *cause if it could not start or ran past its deadline (then it was killed).
 */
int	spawn_run(const struct spawn_run_args *, char **cause);
/* Start on a new pty; returns the pid and sets *master, or -1 with *cause. */
pid_t	spawn_pty(const struct spawn_pty_args *, int *master, char **cause);
/* Start it; returns the pid, or -1 with *cause (exec failures included). */
pid_t	spawn_process(const struct spawn_proc_args *, char **cause);
/*
 * Start a program on three non-blocking, close-on-exec pipes (fds[0] its
 * stdin to write, fds[1] its stdout and fds[2] its stderr to read) as the
 * leader of a new session, so spawn_kill_session() ends it and whatever it
 * started.  rows/cols are ignored.  Returns the pid, or -1 with *cause.
 */
pid_t	spawn_pipes(const struct spawn_pty_args *, int fds[3], char **cause);
/* Full path of an executable found in PATH (or as given if it holds a '/'); NULL if none. */
char	*spawn_which(const char *name);
/* Set a pty's window size (the kernel signals SIGWINCH to its foreground job). */
int	spawn_pty_resize(int master, int rows, int cols);
/*
 * Non-blocking reap: 1 and *status if pid has exited (now or before), 0 if it
 * is still running, -1 on error (e.g. not our child).
 */
int	spawn_reap(pid_t pid, int *status);
/*
 * SIGHUP the session led by pid (every process whose session id is pid),
 * wait up to grace_ms for the leader, then SIGKILL what is left and reap the
 * leader.  Returns the leader's wait status, or -1 if it could not be reaped.
 */
int	spawn_kill_session(pid_t pid, int grace_ms);

#endif
