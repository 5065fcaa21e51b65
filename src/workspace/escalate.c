/*
 * escalate.c: one approved command run outside the sandbox, in the
 * persistent shell's directory and environment, its output on the shell's
 * own terminal (doc/SANDBOX.md, "Escalation").
 *
 * The contained shell holds one end of a socket pair on fd 63 (spawn.c's
 * door_fd); cade keeps the other.  To escalate, cade arms the door with
 * the command and types esc_shell_line() into the shell, which writes
 *
 *   $PWD NUL, `env -0` (NAME=value NUL ...), "cade-end" NUL
 *
 * to the door and then reads one line, the exit status, back from it.
 * The read callback gathers that message (capped), starts the command
 * outside (spawn_process: bash -c COMMAND, that cwd, that environment minus
 * the API keys, stdin /dev/null, stdout and stderr on the pty's slave, so
 * the pane shows it and shell.c captures it between the command's markers)
 * and watches its pidfd; on exit the status goes back through the door.
 * While disarmed the door is not watched and whatever a contained process
 * wrote to it is drained and ignored at the next arm: only cade's command
 * ever runs outside, the shell only supplies where and with what
 * environment.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/spawn.h"
#include "cade/util.h"

#include "escalate.h"

#define ESC_MSG_MAX	(1024 * 1024)	/* an environment is a few KiB */

struct esc {
	struct loop		*loop;
	int			 door;		/* our end; -1 if none */
	int			 master;	/* the shell's pty master (for the slave's name) */
	const char *const	*env_unset;
	char			*command;	/* armed: what runs outside */
	struct buf		 msg;
	int			 watching;
	pid_t			 pid;		/* the outside process, or -1 */
	int			 pidfd;
};

/* The line the shell runs to hand over its state and wait for the status. */
const char *
esc_shell_line(void)
{
	return "__cade_rc=; { printf '%s\\0' \"$PWD\"; env -0; printf '"
	    "cade-end\\0'; } >&63 && IFS= read -r __cade_rc <&63; "
	    "(exit \"${__cade_rc:-126}\")";
}

/* A new, disarmed door over our end of the socket pair. */
struct esc *
esc_new(struct loop *loop, int door, int master, const char *const *env_unset)
{
	struct esc *e = xcalloc(1, sizeof *e);

	e->loop = loop;
	e->door = door;
	e->master = master;
	e->env_unset = env_unset;
	e->pid = -1;
	e->pidfd = -1;
	buf_init(&e->msg, ESC_MSG_MAX);
	(void)util_set_nonblock(door);
	return e;
}

/* Send the exit status line to the waiting shell. */
static void
esc_reply(struct esc *e, int status)
{
	char line[16];
	int n = snprintf(line, sizeof line, "%d\n", status);

	if (e->door != -1 && util_write_all(e->door, line, (size_t)n) == -1)
		log_debug("door: %s", strerror(errno));
}

/* Write a complaint where the command's output would have gone. */
static void
esc_say(int fd, const char *what, const char *arg)
{
	char line[512];
	int n = snprintf(line, sizeof line, "cade: %s%s\r\n", what, arg);

	if (fd >= 0 && n > 0)
		(void)util_write_all(fd, line, (size_t)n < sizeof line ?
		    (size_t)n : sizeof line - 1);
}

/* The outside process ended: reap, reply, stop watching. */
static void
esc_exited(struct loop *l, int fd, int revents, void *arg)
{
	struct esc *e = arg;
	int status = 0, rc;

	(void)l;
	(void)fd;
	(void)revents;
	if ((rc = spawn_reap(e->pid, &status)) == 0)
		return;
	loop_fd_del(e->loop, e->pidfd);
	close(e->pidfd);
	e->pidfd = -1;
	e->pid = -1;
	if (rc == 1 && WIFEXITED(status))
		esc_reply(e, WEXITSTATUS(status));
	else if (rc == 1 && WIFSIGNALED(status))
		esc_reply(e, 128 + WTERMSIG(status));
	else
		esc_reply(e, 126);
}

/* The whole message is in: start the command outside. */
static void
esc_launch(struct esc *e)
{
	const char **envp = NULL;
	const char *cwd;
	struct spawn_proc_args a;
	char slave[128], *cause = NULL, *bash;
	int tty = -1, null = -1;

	if (esc_msg_parse(e->msg.s, e->msg.len, e->env_unset, &cwd, &envp) == -1) {
		log_debug("escalate: a malformed message from the shell");
		esc_reply(e, 126);
		goto out;
	}
	if (ptsname_r(e->master, slave, sizeof slave) != 0 ||
	    (tty = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    (null = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		log_debug("escalate: no terminal: %s", strerror(errno));
		esc_reply(e, 126);
		goto out;
	}
	bash = spawn_which("bash");
	memset(&a, 0, sizeof a);
	a.argv = (const char *const[]){ bash != NULL ? "bash" : "/bin/sh", "-c",
	    e->command, NULL };
	a.envp = envp;
	a.cwd = cwd;
	a.fd_in = null;
	a.fd_out = tty;
	a.fd_err = tty;
	free(bash);
	if (access(cwd, X_OK) == -1) {
		esc_say(tty, "this directory does not exist outside the sandbox "
		    "(its /tmp is private): ", cwd);
		esc_reply(e, 126);
		goto out;
	}
	if ((e->pid = spawn_process(&a, &cause)) == -1) {
		esc_say(tty, "", cause);
		free(cause);
		esc_reply(e, 126);
		goto out;
	}
	log_debug("escalated pid %ld in %s: %s", (long)e->pid, cwd, e->command);
#ifdef SYS_pidfd_open
	e->pidfd = (int)syscall(SYS_pidfd_open, e->pid, 0);
#endif
	if (e->pidfd == -1 || loop_fd_add(e->loop, e->pidfd, POLLIN, esc_exited,
	    e) == -1) {
		/* No pidfd (Linux < 5.3): wait here; the command is the person's. */
		int status;

		while (waitpid(e->pid, &status, 0) == -1 && errno == EINTR)
			;
		e->pid = -1;
		if (e->pidfd != -1)
			close(e->pidfd);
		e->pidfd = -1;
		esc_reply(e, WIFEXITED(status) ? WEXITSTATUS(status) : 126);
	}
out:
	/* One message, one run: a later message (from anyone) starts nothing. */
	free(e->command);
	e->command = NULL;
	if (tty != -1)
		close(tty);
	if (null != -1)
		close(null);
	free(envp);
}

/* Bytes from the shell through the door. */
static void
esc_read(struct loop *l, int fd, int revents, void *arg)
{
	struct esc *e = arg;
	char chunk[4096];
	ssize_t n;

	(void)l;
	(void)revents;
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		if (e->command == NULL)
			continue;		/* not armed, or already launched */
		if (buf_append(&e->msg, chunk, (size_t)n) == -1) {
			log_debug("escalate: the shell's state passes %d bytes",
			    ESC_MSG_MAX);
			buf_reset(&e->msg);
			esc_reply(e, 126);
			continue;
		}
		if (esc_msg_complete(e->msg.s, e->msg.len)) {
			esc_launch(e);
			buf_reset(&e->msg);
		}
	}
	if (n == 0) {
		/* The shell is gone. */
		loop_fd_del(e->loop, fd);
		e->watching = 0;
	}
}

/* Arm: the next message from the shell runs command outside. */
int
esc_arm(struct esc *e, const char *command, char **cause)
{
	char chunk[4096];

	if (e->door == -1) {
		*cause = xstrdup("no escalation channel to the shell (it was not "
		    "started inside a sandbox)");
		return -1;
	}
	esc_disarm(e);
	/* Whatever a contained process wrote meanwhile is not ours. */
	while (read(e->door, chunk, sizeof chunk) > 0)
		;
	buf_reset(&e->msg);
	e->command = xstrdup(command);
	if (!e->watching && loop_fd_add(e->loop, e->door, POLLIN, esc_read,
	    e) == 0)
		e->watching = 1;
	return 0;
}

/* Disarm; an outside command still running is ended (SIGHUP, then SIGKILL). */
void
esc_disarm(struct esc *e)
{
	if (e == NULL)
		return;
	if (e->pid > 0) {
		(void)spawn_kill_session(e->pid, 200);
		e->pid = -1;
	}
	if (e->pidfd != -1) {
		loop_fd_del(e->loop, e->pidfd);
		close(e->pidfd);
		e->pidfd = -1;
	}
	if (e->watching) {
		loop_fd_del(e->loop, e->door);
		e->watching = 0;
	}
	free(e->command);
	e->command = NULL;
	buf_reset(&e->msg);
}

/* Disarm and free; the door fd is the caller's. */
void
esc_free(struct esc *e)
{
	if (e == NULL)
		return;
	esc_disarm(e);
	buf_free(&e->msg);
	free(e);
}
