/*
 * spawn.c: the one place cade forks and execs.
 *
 * spawn_pty() prepares everything that needs memory in the parent (the
 * resolved path, the environment vector), blocks every signal, forkpty()s,
 * and restores the mask.  The child only makes async-signal-safe calls:
 * reset dispositions and mask, close fds >= 3 (close_range, or a bounded
 * loop), chdir, execve.  If exec fails the child writes errno into a
 * close-on-exec pipe; the parent reads that pipe until EOF, so a successful
 * exec costs one short read and a failed one is an error with a reason.
 *
 * spawn_kill_session() finds the session's processes through /proc (a
 * process's session id is field 6 of /proc/PID/stat), signals them, and
 * waits for the leader on a pidfd so the grace period is a poll, not a
 * sleep loop.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cade/log.h"
#include "cade/spawn.h"
#include "cade/util.h"

extern char **environ;

/* Full path of an executable: as given if it holds '/', else the first PATH hit. */
char *
spawn_which(const char *name)
{
	const char *path, *p, *end;
	char *cand;

	if (name == NULL || *name == '\0')
		return NULL;
	if (strchr(name, '/') != NULL)
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	if ((path = getenv("PATH")) == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		struct stat sb;

		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		if (end == p)
			cand = xasprintf("./%s", name);
		else
			cand = xasprintf("%.*s/%s", (int)(end - p), p, name);
		if (stat(cand, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    access(cand, X_OK) == 0)
			return cand;
		free(cand);
		if (*end == '\0')
			break;
	}
	return NULL;
}

/* 1 if the "NAME=value" entry's name is in names. */
static int
spawn_env_listed(const char *entry, const char *const *names)
{
	const char *eq = strchr(entry, '=');
	size_t klen = eq != NULL ? (size_t)(eq - entry) : strlen(entry);

	for (; names != NULL && *names != NULL; names++) {
		if (strncmp(*names, entry, klen) == 0 && (*names)[klen] == '\0')
			return 1;
	}
	return 0;
}

/* environ minus env_unset, with env_set applied (replacing same-named entries). */
static char **
spawn_build_env(const char *const *env_set, const char *const *env_unset)
{
	size_t n = 0, m = 0, i, j, o = 0;
	char **env;

	while (environ[n] != NULL)
		n++;
	while (env_set != NULL && env_set[m] != NULL)
		m++;
	env = xcalloc(n + m + 1, sizeof *env);
	for (i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t klen = eq != NULL ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		int replaced = 0;

		for (j = 0; j < m; j++) {
			if (strncmp(env_set[j], environ[i], klen) == 0 &&
			    env_set[j][klen] == '=') {
				replaced = 1;
				break;
			}
		}
		if (!replaced && !spawn_env_listed(environ[i], env_unset))
			env[o++] = xstrdup(environ[i]);
	}
	for (j = 0; j < m; j++)
		env[o++] = xstrdup(env_set[j]);
	env[o] = NULL;
	return env;
}

static void
spawn_free_env(char **env)
{
	size_t i;

	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/* In the child: close every fd >= 3 except keep (async-signal-safe). */
static void
spawn_close_fds(int keep)
{
	long max;
	int fd;

#ifdef SYS_close_range
	if (keep > 3 && syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U) != 0)
		goto slow;
	if (syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U) == 0)
		return;
slow:
#endif
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++) {
		if (fd != keep)
			(void)close(fd);
	}
}

/* What a failed child reports through the pipe: errno and, for the sandbox, its step. */
struct spawn_failure {
	int		 err;
	const char	*stage;		/* static string, valid in the parent too */
};

/*
 * In the child after forkpty or fork: clean slate, fds[0..2] (if given:
 * spawn_run's pipes) onto 0-2, sandbox, then exec; never returns.
 */
static void CADE_NORETURN
spawn_child(const char *path, char *const argv[], char *const envp[],
    const struct spawn_pty_args *a, const int *fds, int errfd)
{
	struct spawn_failure f = { 0, NULL };
	struct sigaction sa;
	sigset_t none;
	int sig, i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);	/* EINVAL for KILL/STOP/RT internals: fine */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	for (i = 0; fds != NULL && i < 3; i++) {
		if (dup2(fds[i], i) == -1)
			goto fail;
	}
	spawn_close_fds(errfd);
	if (sandbox_child_enter(a->sandbox, a->mech, errfd, &f.stage) != 0)
		goto fail;
	if (a->cwd != NULL && chdir(a->cwd) != 0)
		goto fail;
	execve(path, argv, envp);
fail:
	f.err = errno;
	(void)write(errfd, &f, sizeof f);
	_exit(127);
}

/*
 * In the parent: wait for the child's exec on the close-on-exec pipe.  1 if
 * it failed (the child is reaped, *cause names the program or the sandbox
 * step), 0 if it ran.
 */
static int
spawn_exec_failed(pid_t pid, int errread, const struct spawn_pty_args *a,
    char **cause)
{
	struct spawn_failure f;
	ssize_t n;
	int status;

	do
		n = read(errread, &f, sizeof f);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof f)
		return 0;
	if (f.stage != NULL) {
		*cause = xasprintf("cannot start the %s sandbox: %s: %s",
		    sandbox_mech_name(a->mech), f.stage, strerror(f.err));
		if (a->sandbox_failed != NULL)
			*a->sandbox_failed = 1;
	} else
		*cause = xasprintf("cannot run '%s': %s", a->argv[0],
		    strerror(f.err));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 1;
}

/* Fork a program onto a new pty as a session leader; see spawn.h. */
pid_t
spawn_pty(const struct spawn_pty_args *a, int *master, char **cause)
{
	struct winsize ws;
	sigset_t all, old;
	char *path = NULL, **envp = NULL;
	int errpipe[2] = { -1, -1 }, fd = -1, err = 0;
	pid_t pid = -1;

	*master = -1;
	if ((path = spawn_which(a->argv[0])) == NULL) {
		*cause = xasprintf("cannot run '%s': not found", a->argv[0]);
		return -1;
	}
	if (pipe2(errpipe, O_CLOEXEC) != 0) {
		*cause = xasprintf("cannot run '%s': pipe: %s", a->argv[0],
		    strerror(errno));
		goto out;
	}
	if (errpipe[1] < 3) {
		/* forkpty puts the pty on 0-2: move the pipe out of the way. */
		int fd3 = fcntl(errpipe[1], F_DUPFD_CLOEXEC, 3);

		if (fd3 == -1) {
			*cause = xasprintf("cannot run '%s': fcntl: %s",
			    a->argv[0], strerror(errno));
			goto out;
		}
		close(errpipe[1]);
		errpipe[1] = fd3;
	}
	envp = spawn_build_env(a->env_set, a->env_unset);
	memset(&ws, 0, sizeof ws);
	ws.ws_row = a->rows > 0 ? (unsigned short)a->rows : 24;
	ws.ws_col = a->cols > 0 ? (unsigned short)a->cols : 80;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid == 0) {
		spawn_child(path, (char *const *)a->argv, envp, a, NULL,
		    errpipe[1]);
	}
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		*cause = xasprintf("cannot run '%s': forkpty: %s", a->argv[0],
		    strerror(err));
		goto out;
	}

	close(errpipe[1]);
	errpipe[1] = -1;
	if (spawn_exec_failed(pid, errpipe[0], a, cause)) {
		pid = -1;
		goto out;
	}
	if (util_set_nonblock(fd) != 0 || util_set_cloexec(fd) != 0) {
		*cause = xasprintf("cannot run '%s': pty: %s", a->argv[0],
		    strerror(errno));
		(void)spawn_kill_session(pid, 0);
		pid = -1;
		goto out;
	}
	log_debug("started %s pid %ld on pty fd %d", path, (long)pid, fd);
	*master = fd;
	fd = -1;
out:
	if (fd != -1)
		close(fd);
	if (errpipe[0] != -1)
		close(errpipe[0]);
	if (errpipe[1] != -1)
		close(errpipe[1]);
	if (envp != NULL)
		spawn_free_env(envp);
	free(path);
	return pid;
}

/* TIOCSWINSZ on the master; the kernel sends SIGWINCH to the foreground job. */
int
spawn_pty_resize(int master, int rows, int cols)
{
	struct winsize ws;

	if (master < 0 || rows <= 0 || cols <= 0 || rows > 65535 || cols > 65535)
		return -1;
	memset(&ws, 0, sizeof ws);
	ws.ws_row = (unsigned short)rows;
	ws.ws_col = (unsigned short)cols;
	return ioctl(master, TIOCSWINSZ, &ws);
}

/* waitpid(WNOHANG) with EINTR retried. */
int
spawn_reap(pid_t pid, int *status)
{
	pid_t r;

	do
		r = waitpid(pid, status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	return r == pid ? 1 : 0;
}

/* Signal every process whose session id is sid (read from /proc). */
static void
spawn_signal_session(pid_t sid, int sig)
{
	DIR *d;
	struct dirent *de;

	if ((d = opendir("/proc")) == NULL) {
		(void)kill(-sid, sig);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char path[64], line[512], *p;
		long pid, sess;
		FILE *f;
		int ok;

		if (util_parse_long(de->d_name, 1, 0x7fffffff, &pid) != 0)
			continue;
		(void)snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		ok = fgets(line, sizeof line, f) != NULL;
		fclose(f);
		/* "pid (comm) state ppid pgrp session ...": comm may hold ')'. */
		if (!ok || (p = strrchr(line, ')')) == NULL)
			continue;
		if (sscanf(p + 1, " %*c %*d %*d %ld", &sess) != 1)
			continue;
		if (sess == (long)sid)
			(void)kill((pid_t)pid, sig);
	}
	closedir(d);
}

/* Wait up to ms for pid to exit; 1 if it did (reaped into *status). */
static int
spawn_wait_ms(pid_t pid, int ms, int *status)
{
	uint64_t deadline = util_now_ms() + (uint64_t)(ms > 0 ? ms : 0);
	int pfd = -1, r;

#ifdef SYS_pidfd_open
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
	for (;;) {
		uint64_t now;

		if ((r = spawn_reap(pid, status)) != 0)
			break;
		now = util_now_ms();
		if (now >= deadline)
			break;
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };

			(void)poll(&p, 1, (int)(deadline - now));
		} else {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			/* No pidfd (old kernel): a bounded shutdown-only wait. */
			(void)nanosleep(&ts, NULL);
		}
	}
	if (pfd >= 0)
		close(pfd);
	return r;
}

/* HUP the session, grace, KILL the rest, reap the leader; see spawn.h. */
int
spawn_kill_session(pid_t pid, int grace_ms)
{
	int status = 0, r;

	if (pid <= 0)
		return -1;
	if ((r = spawn_reap(pid, &status)) == 0) {
		spawn_signal_session(pid, SIGHUP);
		(void)kill(pid, SIGCONT);
		r = spawn_wait_ms(pid, grace_ms, &status);
	}
	/* Jobs the shell left behind keep its session id after it exits. */
	spawn_signal_session(pid, SIGKILL);
	if (r == 0) {
		(void)kill(pid, SIGKILL);
		while ((r = (int)waitpid(pid, &status, 0)) < 0 && errno == EINTR)
			;
		r = r == pid ? 1 : -1;
	}
	if (r != 1)
		return -1;
	log_debug("pid %ld ended, status %#x", (long)pid, status);
	return status;
}

/* Append what fd has to b (beyond b's max: read and dropped); 0 at EOF. */
static int
spawn_run_drain(int fd, struct buf *b)
{
	char chunk[16384];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n > 0) {
			if (b != NULL)
				(void)buf_append(b, chunk, (size_t)n);
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : 0;
	}
}

/* Close both ends of a pipe that are still open. */
static void
spawn_close_pair(int p[2])
{
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	p[0] = p[1] = -1;
}

/* Run a helper to the end over pipes, with a deadline; see spawn.h. */
int
spawn_run(const struct spawn_run_args *a, char **cause)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int errpipe[2] = { -1, -1 }, fds[3], status = -1, e = 0, rc = -1;
	char *path = NULL, **envp = NULL;
	size_t off = 0;
	uint64_t deadline;
	sigset_t all, old;
	pid_t pid = -1;
	ssize_t n;
	/* The child's settings as spawn_child takes them: never contained
	 * (git for checkpoints writes the session's state directory). */
	struct spawn_pty_args ca = { .argv = a->argv, .cwd = a->cwd };

	if ((path = spawn_which(a->argv[0])) == NULL) {
		*cause = xasprintf("cannot run '%s': not found", a->argv[0]);
		return -1;
	}
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
	    pipe2(err, O_CLOEXEC) != 0 || pipe2(errpipe, O_CLOEXEC) != 0) {
		*cause = xasprintf("cannot run '%s': pipe: %s", a->argv[0],
		    strerror(errno));
		goto out;
	}
	if (a->in == NULL || a->inlen == 0) {
		close(in[1]);
		in[1] = -1;
	}
	fds[0] = in[0];
	fds[1] = out[1];
	fds[2] = err[1];
	envp = spawn_build_env(a->env_set, a->env_unset);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		spawn_child(path, (char *const *)a->argv, envp, &ca, fds,
		    errpipe[1]);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		*cause = xasprintf("cannot run '%s': fork: %s", a->argv[0],
		    strerror(e));
		goto out;
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(errpipe[1]);
	in[0] = out[1] = err[1] = errpipe[1] = -1;
	if (spawn_exec_failed(pid, errpipe[0], &ca, cause)) {
		pid = -1;
		goto out;
	}
	if ((in[1] != -1 && util_set_nonblock(in[1]) != 0) ||
	    util_set_nonblock(out[0]) != 0 || util_set_nonblock(err[0]) != 0) {
		*cause = xasprintf("cannot run '%s': %s", a->argv[0],
		    strerror(errno));
		goto out;
	}

	deadline = a->timeout_ms > 0 ? util_now_ms() + (uint64_t)a->timeout_ms : 0;
	while (out[0] != -1 || err[0] != -1) {
		struct pollfd p[3];
		nfds_t np = 0;
		int wait = -1, i;

		if (deadline != 0) {
			uint64_t now = util_now_ms();

			if (now >= deadline) {
				*cause = xasprintf("'%s' took longer than %d ms: "
				    "stopped", a->argv[0], a->timeout_ms);
				goto out;
			}
			wait = (int)(deadline - now);
		}
		if (in[1] != -1)
			p[np++] = (struct pollfd){ .fd = in[1], .events = POLLOUT };
		if (out[0] != -1)
			p[np++] = (struct pollfd){ .fd = out[0], .events = POLLIN };
		if (err[0] != -1)
			p[np++] = (struct pollfd){ .fd = err[0], .events = POLLIN };
		if (poll(p, np, wait) < 0) {
			if (errno == EINTR)
				continue;
			*cause = xasprintf("cannot run '%s': poll: %s",
			    a->argv[0], strerror(errno));
			goto out;
		}
		for (i = 0; i < (int)np; i++) {
			if (p[i].revents == 0)
				continue;
			if (p[i].fd == in[1]) {
				/* A pipe write never raises SIGPIPE here: the
				 * callers ignore it (tui.c, headless.c). */
				n = write(in[1], a->in + off, a->inlen - off);
				if (n > 0)
					off += (size_t)n;
				if ((n < 0 && errno != EINTR && errno != EAGAIN) ||
				    off == a->inlen) {
					close(in[1]);
					in[1] = -1;
				}
			} else if (p[i].fd == out[0]) {
				if (spawn_run_drain(out[0], a->out) == 0) {
					close(out[0]);
					out[0] = -1;
				}
			} else if (spawn_run_drain(err[0], a->err) == 0) {
				close(err[0]);
				err[0] = -1;
			}
		}
	}
	/* Both outputs closed: the child is exiting (or closed them itself). */
	for (;;) {
		int r = spawn_reap(pid, &status);
		uint64_t now = util_now_ms();

		if (r == 1) {
			pid = -1;
			rc = status;
			break;
		}
		if (r < 0 || (deadline != 0 && now >= deadline)) {
			*cause = xasprintf("'%s' did not exit in time: stopped",
			    a->argv[0]);
			break;
		}
		if (spawn_wait_ms(pid, deadline != 0 ? (int)(deadline - now) :
		    1000, &status) == 1) {
			pid = -1;
			rc = status;
			break;
		}
	}
out:
	if (pid > 0) {
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	spawn_close_pair(in);
	spawn_close_pair(out);
	spawn_close_pair(err);
	spawn_close_pair(errpipe);
	if (envp != NULL)
		spawn_free_env(envp);
	free(path);
	return rc;
}
