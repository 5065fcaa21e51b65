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

/* In the child: close every fd >= 3 except keep1 < keep2 (async-signal-safe). */
static void
spawn_close_fds2(int keep1, int keep2)
{
	long max;
	int fd;

	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)keep2 + 1, ~0U, 0U) == 0)
		max = keep2 + 1;
#endif
	for (fd = 3; fd < max; fd++) {
		if (fd != keep1 && fd != keep2)
			(void)close(fd);
	}
}

/* In the child after forkpty: clean slate, sandbox, then exec; never returns. */
static void CADE_NORETURN
spawn_child(const char *path, char *const argv[], char *const envp[],
    const struct spawn_pty_args *a, int errfd)
{
	struct spawn_failure f;
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&f, 0, sizeof f);	/* padding too: f is written whole to the pipe */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);	/* EINVAL for KILL/STOP/RT internals: fine */
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);

	if (a->door_fd > 2) {
		/* The escalation channel: fixed number, inherited by the shell. */
		if (errfd == SPAWN_DOOR_FD &&
		    (errfd = fcntl(errfd, F_DUPFD_CLOEXEC, SPAWN_DOOR_FD + 1)) == -1)
			goto fail;
		if (a->door_fd != SPAWN_DOOR_FD &&
		    dup2(a->door_fd, SPAWN_DOOR_FD) == -1)
			goto fail;
		if (a->door_fd == SPAWN_DOOR_FD)
			(void)fcntl(SPAWN_DOOR_FD, F_SETFD, 0);
		spawn_close_fds2(errfd, SPAWN_DOOR_FD);
	} else
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
 * After fork: read the child's report (EOF once it has exec'd).  0 if it
 * exec'd; else the child is reaped, *cause says why (mech names the
 * sandbox that could not be entered, if that was the step) and -1.
 */
static int
spawn_exec_result(int rfd, pid_t pid, const char *argv0, enum sandbox_mech mech,
    int *sandbox_failed, char **cause)
{
	struct spawn_failure f;
	ssize_t n;
	int status;

	do
		n = read(rfd, &f, sizeof f);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof f)
		return 0;
	if (f.stage != NULL) {
		*cause = xasprintf("cannot start the %s sandbox: %s: %s",
		    sandbox_mech_name(mech), f.stage, strerror(f.err));
		if (sandbox_failed != NULL)
			*sandbox_failed = 1;
	} else
		*cause = xasprintf("cannot run '%s': %s", argv0, strerror(f.err));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return -1;
}

/*
 * The parent's side of fork (how: "fork" or "forkpty"), called at once
 * with its pid: the signal mask back to old, then the exec's outcome read
 * from errpipe (its write end closed here).  The child's pid, or -1 with
 * *cause.
 */
static pid_t
spawn_parent(const struct spawn_pty_args *a, pid_t pid, const char *how,
    const sigset_t *old, int errpipe[2], char **cause)
{
	int err = errno;

	sigprocmask(SIG_SETMASK, old, NULL);
	if (pid < 0) {
		*cause = xasprintf("cannot run '%s': %s: %s", a->argv[0], how,
		    strerror(err));
		return -1;
	}
	close(errpipe[1]);
	errpipe[1] = -1;
	if (spawn_exec_result(errpipe[0], pid, a->argv[0], a->mech,
	    a->sandbox_failed, cause) == -1)
		return -1;
	return pid;
}

/* Fork a program onto a new pty as a session leader; see spawn.h. */
pid_t
spawn_pty(const struct spawn_pty_args *a, int *master, char **cause)
{
	struct winsize ws;
	sigset_t all, old;
	char *path = NULL, **envp = NULL;
	int errpipe[2] = { -1, -1 }, fd = -1;
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
		spawn_child(path, (char *const *)a->argv, envp, a, errpipe[1]);
	}
	if ((pid = spawn_parent(a, pid, "forkpty", &old, errpipe, cause)) == -1)
		goto out;
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

/* Child of spawn_process(): stdio, new session, exec; never returns. */
static void CADE_NORETURN
spawn_proc_child(const char *path, const struct spawn_proc_args *a, int errfd)
{
	struct spawn_failure f = { 0, NULL };
	struct sigaction sa;
	sigset_t none;
	int sig, fds[3], i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)setsid();
	fds[0] = a->fd_in;
	fds[1] = a->fd_out;
	fds[2] = a->fd_err;
	/* Lift the sources above 2 first so one dup2 cannot clobber another. */
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0 && fds[i] <= 2 &&
		    (fds[i] = fcntl(fds[i], F_DUPFD, 3)) == -1)
			goto fail;
	for (i = 0; i < 3; i++)
		if (fds[i] >= 0 && dup2(fds[i], i) == -1)
			goto fail;
	if (errfd < 3 || (errfd = fcntl(errfd, F_DUPFD_CLOEXEC, 3)) == -1)
		goto fail;
	spawn_close_fds(errfd);
	if (a->cwd != NULL && chdir(a->cwd) != 0)
		goto fail;
	execve(path, (char *const *)a->argv, (char *const *)a->envp);
fail:
	f.err = errno;
	(void)write(errfd, &f, sizeof f);
	_exit(127);
}

/* See spawn.h. */
pid_t
spawn_process(const struct spawn_proc_args *a, char **cause)
{
	sigset_t all, old;
	char *path;
	int errpipe[2], err;
	pid_t pid;

	if ((path = spawn_which(a->argv[0])) == NULL) {
		*cause = xasprintf("cannot run '%s': not found", a->argv[0]);
		return -1;
	}
	if (pipe2(errpipe, O_CLOEXEC) != 0) {
		*cause = xasprintf("cannot run '%s': pipe: %s", a->argv[0],
		    strerror(errno));
		free(path);
		return -1;
	}
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		spawn_proc_child(path, a, errpipe[1]);
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(errpipe[1]);
	if (pid < 0) {
		*cause = xasprintf("cannot run '%s': fork: %s", a->argv[0],
		    strerror(err));
		goto out;
	}
	if (spawn_exec_result(errpipe[0], pid, a->argv[0], SANDBOX_OFF, NULL,
	    cause) == -1)
		pid = -1;
out:
	close(errpipe[0]);
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

/* In the child of spawn_pipes: the pipes onto 0-2, a new session, exec. */
static void CADE_NORETURN
spawn_pipe_child(const char *path, char *const argv[], char *const envp[],
    const struct spawn_pty_args *a, const int fds[3], int errfd)
{
	struct spawn_failure f = { 0, NULL };
	int i;

	for (i = 0; i < 3; i++)
		if (dup2(fds[i], i) == -1)
			goto fail;
	if (setsid() == -1)
		goto fail;
	spawn_child(path, argv, envp, a, errfd);
fail:
	f.err = errno;
	(void)write(errfd, &f, sizeof f);
	_exit(127);
}

/* Fork a program on three pipes as a session leader; see spawn.h. */
pid_t
spawn_pipes(const struct spawn_pty_args *a, int fds[3], char **cause)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err2[2] = { -1, -1 };
	int errpipe[2] = { -1, -1 }, child[3] = { -1, -1, -1 }, i;
	sigset_t all, old;
	char *path = NULL, **envp = NULL;
	pid_t pid = -1;

	fds[0] = fds[1] = fds[2] = -1;
	if ((path = spawn_which(a->argv[0])) == NULL) {
		*cause = xasprintf("cannot run '%s': not found", a->argv[0]);
		return -1;
	}
	/* Every end close-on-exec: the child's copies are made by dup2. */
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
	    pipe2(err2, O_CLOEXEC) != 0 || pipe2(errpipe, O_CLOEXEC) != 0) {
		*cause = xasprintf("cannot run '%s': pipe: %s", a->argv[0],
		    strerror(errno));
		goto out;
	}
	/* dup2 onto 0-2 must not clobber a pipe end still to be copied. */
	child[0] = in[0];
	child[1] = out[1];
	child[2] = err2[1];
	for (i = 0; i < 3; i++) {
		if (child[i] < 3) {
			int fd3 = fcntl(child[i], F_DUPFD_CLOEXEC, 3);

			if (fd3 == -1) {
				*cause = xasprintf("cannot run '%s': fcntl: %s",
				    a->argv[0], strerror(errno));
				goto out;
			}
			child[i] = fd3;
		}
	}
	envp = spawn_build_env(a->env_set, a->env_unset);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		spawn_pipe_child(path, (char *const *)a->argv, envp, a, child,
		    errpipe[1]);
	if ((pid = spawn_parent(a, pid, "fork", &old, errpipe, cause)) == -1)
		goto out;
	fds[0] = in[1];
	fds[1] = out[0];
	fds[2] = err2[0];
	in[1] = out[0] = err2[0] = -1;
	for (i = 0; i < 3; i++)
		(void)util_set_nonblock(fds[i]);
	log_debug("started %s pid %ld on pipes %d/%d/%d", path, (long)pid,
	    fds[0], fds[1], fds[2]);
out:
	for (i = 0; i < 3; i++)
		if (child[i] >= 3 && child[i] != in[0] && child[i] != out[1] &&
		    child[i] != err2[1])
			close(child[i]);
	for (i = 0; i < 2; i++) {
		if (in[i] != -1)
			close(in[i]);
		if (out[i] != -1)
			close(out[i]);
		if (err2[i] != -1)
			close(err2[i]);
		if (errpipe[i] != -1)
			close(errpipe[i]);
	}
	if (envp != NULL)
		spawn_free_env(envp);
	free(path);
	return pid;
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

/*
 * Run a helper to the end over spawn_pipes(), with a deadline; see
 * spawn.h.  Never contained: git for checkpoints writes the session's
 * state directory, outside any sandbox's writable set.
 */
int
spawn_run(const struct spawn_run_args *a, char **cause)
{
	struct spawn_pty_args pa;
	int fds[3] = { -1, -1, -1 }, status = -1, rc = -1, i;
	size_t off = 0;
	uint64_t deadline, left;
	pid_t pid;
	ssize_t n;

	memset(&pa, 0, sizeof pa);
	pa.argv = a->argv;
	pa.env_set = a->env_set;
	pa.env_unset = a->env_unset;
	pa.cwd = a->cwd;
	if ((pid = spawn_pipes(&pa, fds, cause)) == -1)
		return -1;
	if (a->in == NULL || a->inlen == 0) {
		close(fds[0]);
		fds[0] = -1;
	}
	deadline = a->timeout_ms > 0 ? util_now_ms() + (uint64_t)a->timeout_ms : 0;
	while (fds[1] != -1 || fds[2] != -1) {
		struct pollfd p[3];
		nfds_t np = 0;
		int wait = -1;

		if (deadline != 0) {
			uint64_t now = util_now_ms();

			if (now >= deadline) {
				*cause = xasprintf("'%s' took longer than %d ms: "
				    "stopped", a->argv[0], a->timeout_ms);
				goto out;
			}
			wait = (int)(deadline - now);
		}
		for (i = 0; i < 3; i++)
			if (fds[i] != -1)
				p[np++] = (struct pollfd){ .fd = fds[i],
				    .events = i == 0 ? POLLOUT : POLLIN };
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
			if (p[i].fd == fds[0]) {
				/* No SIGPIPE: the callers ignore it (tui.c,
				 * headless.c, undo.c). */
				n = write(fds[0], a->in + off, a->inlen - off);
				if (n > 0)
					off += (size_t)n;
				if ((n < 0 && errno != EINTR && errno != EAGAIN) ||
				    off == a->inlen) {
					close(fds[0]);
					fds[0] = -1;
				}
			} else if (p[i].fd == fds[1]) {
				if (spawn_run_drain(fds[1], a->out) == 0) {
					close(fds[1]);
					fds[1] = -1;
				}
			} else if (spawn_run_drain(fds[2], a->err) == 0) {
				close(fds[2]);
				fds[2] = -1;
			}
		}
	}
	/* Both outputs closed: the child is exiting (or closed them itself). */
	left = deadline == 0 ? 60000 : deadline > util_now_ms() ?
	    deadline - util_now_ms() : 0;
	if (spawn_wait_ms(pid, (int)left, &status) == 1) {
		pid = -1;
		rc = status;
	} else
		*cause = xasprintf("'%s' did not exit in time: stopped",
		    a->argv[0]);
out:
	if (pid > 0) {
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	for (i = 0; i < 3; i++)
		if (fds[i] != -1)
			close(fds[i]);
	return rc;
}
