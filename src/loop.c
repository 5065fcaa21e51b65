/*
 * loop.c: the poll(2) event loop.
 *
 * Registered fds live in an array rebuilt into a pollfd vector each turn;
 * timers are a small array searched for the earliest deadline (cade has a
 * handful at a time, so a heap would cost more than it saves).  Signals are
 * caught by a handler that only writes the signal number to a self-pipe;
 * the loop reads the pipe and calls the registered callbacks in normal
 * context.  An fd removed during dispatch is marked dead and skipped, so
 * callbacks may freely add and remove registrations.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/loop.h"
#include "cade/util.h"

struct loop_fd {
	int		 fd;
	short		 events;
	loop_fd_cb	 cb;
	void		*arg;
	int		 dead;
};

struct loop_timer {
	uint64_t	 id;
	uint64_t	 when;
	loop_timer_cb	 cb;
	void		*arg;
};

struct loop_sig {
	int		 signo;
	loop_signal_cb	 cb;
	void		*arg;
};

struct loop {
	struct loop_fd		*fds;
	size_t			 nfds;
	struct loop_timer	*timers;
	size_t			 ntimers;
	uint64_t		 next_timer_id;
	struct loop_sig		*sigs;
	size_t			 nsigs;
	loop_hook_cb		 hook;
	void			*hook_arg;
	struct pollfd		*pfds;
	size_t			 pfds_cap;
	int			 stopped;
	int			 code;
};

/* The self-pipe is process-wide: signal handlers cannot find a loop. */
static int loop_sigpipe[2] = { -1, -1 };
static struct loop *loop_sigowner;

/* Async-signal-safe: record the signal number for the loop. */
static void
loop_sighandler(int signo)
{
	int saved = errno;
	unsigned char c = (unsigned char)signo;

	if (loop_sigpipe[1] != -1)
		(void)write(loop_sigpipe[1], &c, 1);
	errno = saved;
}

/* Drain the self-pipe and dispatch to every callback for each signal. */
static void
loop_sigread(struct loop *l, int fd, int revents, void *arg)
{
	unsigned char c[64];
	ssize_t n, i;
	size_t j;

	while ((n = read(fd, c, sizeof c)) > 0) {
		for (i = 0; i < n; i++) {
			for (j = 0; j < l->nsigs; j++)
				if (l->sigs[j].signo == c[i])
					l->sigs[j].cb(l, c[i], l->sigs[j].arg);
		}
	}
}

/* A new, empty loop. */
struct loop *
loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof *l);

	return l;
}

/* Free the loop; signal handlers it installed are reset to default. */
void
loop_free(struct loop *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nsigs; i++)
		signal(l->sigs[i].signo, SIG_DFL);
	if (loop_sigowner == l) {
		close(loop_sigpipe[0]);
		close(loop_sigpipe[1]);
		loop_sigpipe[0] = loop_sigpipe[1] = -1;
		loop_sigowner = NULL;
	}
	free(l->fds);
	free(l->timers);
	free(l->sigs);
	free(l->pfds);
	free(l);
}

/* Find a live registration. */
static struct loop_fd *
loop_fd_find(struct loop *l, int fd)
{
	size_t i;

	for (i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd && !l->fds[i].dead)
			return &l->fds[i];
	return NULL;
}

/* Watch fd for events. */
int
loop_fd_add(struct loop *l, int fd, short events, loop_fd_cb cb, void *arg)
{
	struct loop_fd *f;

	if (loop_fd_find(l, fd) != NULL)
		return -1;
	l->fds = xreallocarray(l->fds, l->nfds + 1, sizeof *l->fds);
	f = &l->fds[l->nfds++];
	f->fd = fd;
	f->events = events;
	f->cb = cb;
	f->arg = arg;
	f->dead = 0;
	return 0;
}

/* Change the interest set (0 pauses the fd without removing it). */
void
loop_fd_events(struct loop *l, int fd, short events)
{
	struct loop_fd *f = loop_fd_find(l, fd);

	if (f != NULL)
		f->events = events;
}

/* Stop watching fd; safe from inside any callback. */
void
loop_fd_del(struct loop *l, int fd)
{
	struct loop_fd *f = loop_fd_find(l, fd);

	if (f != NULL)
		f->dead = 1;
}

/* Arm a one-shot timer. */
uint64_t
loop_timer_add(struct loop *l, uint64_t delay_ms, loop_timer_cb cb, void *arg)
{
	struct loop_timer *t;

	l->timers = xreallocarray(l->timers, l->ntimers + 1, sizeof *l->timers);
	t = &l->timers[l->ntimers++];
	t->id = ++l->next_timer_id;
	t->when = util_now_ms() + delay_ms;
	t->cb = cb;
	t->arg = arg;
	return t->id;
}

/* Disarm a timer (unknown or fired ids are ignored). */
void
loop_timer_cancel(struct loop *l, uint64_t id)
{
	size_t i;

	for (i = 0; i < l->ntimers; i++) {
		if (l->timers[i].id == id) {
			l->timers[i] = l->timers[--l->ntimers];
			return;
		}
	}
}

/* Catch signo and dispatch it from the loop. */
int
loop_signal_add(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
	struct sigaction sa;
	sigset_t set;
	size_t i;
	int have = 0;

	if (loop_sigowner == NULL) {
		if (pipe2(loop_sigpipe, O_CLOEXEC | O_NONBLOCK) == -1)
			return -1;
		loop_sigowner = l;
		loop_fd_add(l, loop_sigpipe[0], POLLIN, loop_sigread, NULL);
	}
	for (i = 0; i < l->nsigs; i++)
		if (l->sigs[i].signo == signo)
			have = 1;
	l->sigs = xreallocarray(l->sigs, l->nsigs + 1, sizeof *l->sigs);
	l->sigs[l->nsigs].signo = signo;
	l->sigs[l->nsigs].cb = cb;
	l->sigs[l->nsigs].arg = arg;
	l->nsigs++;
	if (have)
		return 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = loop_sighandler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, NULL) == -1)
		return -1;
	/*
	 * main() holds the stop signals blocked while a session is built; a
	 * signal that arrived meanwhile is pending and reaches the loop now.
	 */
	sigemptyset(&set);
	sigaddset(&set, signo);
	return sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* Remove one signal callback; the last one restores the default action. */
void
loop_signal_del(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
	size_t i;
	int left = 0;

	for (i = 0; i < l->nsigs; i++) {
		if (l->sigs[i].signo == signo && l->sigs[i].cb == cb &&
		    l->sigs[i].arg == arg) {
			memmove(&l->sigs[i], &l->sigs[i + 1],
			    (l->nsigs - i - 1) * sizeof *l->sigs);
			l->nsigs--;
			i--;
		} else if (l->sigs[i].signo == signo)
			left = 1;
	}
	if (!left)
		signal(signo, SIG_DFL);
}

/* Set the once-per-turn hook run before sleeping. */
void
loop_before_sleep(struct loop *l, loop_hook_cb cb, void *arg)
{
	l->hook = cb;
	l->hook_arg = arg;
}

/* Milliseconds until the earliest timer, or -1 if none. */
static int
loop_timeout(struct loop *l)
{
	uint64_t now = util_now_ms(), min = UINT64_MAX;
	size_t i;

	for (i = 0; i < l->ntimers; i++)
		if (l->timers[i].when < min)
			min = l->timers[i].when;
	if (min == UINT64_MAX)
		return -1;
	if (min <= now)
		return 0;
	return min - now > INT32_MAX ? INT32_MAX : (int)(min - now);
}

/* Fire due timers in deadline order (earliest first). */
static int
loop_run_timers(struct loop *l)
{
	uint64_t now = util_now_ms();
	struct loop_timer t;
	size_t i, best;
	int fired = 0;

	for (;;) {
		best = SIZE_MAX;
		for (i = 0; i < l->ntimers; i++) {
			if (l->timers[i].when > now)
				continue;
			if (best == SIZE_MAX ||
			    l->timers[i].when < l->timers[best].when ||
			    (l->timers[i].when == l->timers[best].when &&
			    l->timers[i].id < l->timers[best].id))
				best = i;
		}
		if (best == SIZE_MAX)
			return fired;
		t = l->timers[best];
		l->timers[best] = l->timers[--l->ntimers];
		t.cb(l, t.arg);
		fired++;
	}
}

/* Drop registrations removed during dispatch. */
static void
loop_compact(struct loop *l)
{
	size_t i, j = 0;

	for (i = 0; i < l->nfds; i++)
		if (!l->fds[i].dead)
			l->fds[j++] = l->fds[i];
	l->nfds = j;
}

/* One turn: hook, poll, dispatch fds, fire timers. */
int
loop_once(struct loop *l, int timeout_ms)
{
	size_t i, n;
	int t, rc, handled = 0;
	struct loop_fd *f;

	if (l->hook != NULL)
		l->hook(l, l->hook_arg);
	loop_compact(l);
	if (l->pfds_cap < l->nfds) {
		l->pfds_cap = l->nfds + 8;
		l->pfds = xreallocarray(l->pfds, l->pfds_cap, sizeof *l->pfds);
	}
	n = l->nfds;
	for (i = 0; i < n; i++) {
		l->pfds[i].fd = l->fds[i].events != 0 ? l->fds[i].fd : -1;
		l->pfds[i].events = l->fds[i].events;
		l->pfds[i].revents = 0;
	}
	t = loop_timeout(l);
	if (timeout_ms >= 0 && (t == -1 || t > timeout_ms))
		t = timeout_ms;
	rc = poll(l->pfds, n, t);
	if (rc == -1 && errno != EINTR)
		fatal("poll: %s", strerror(errno));
	for (i = 0; rc > 0 && i < n; i++) {
		if (l->pfds[i].revents == 0)
			continue;
		/* The array may move if a callback adds an fd: index again. */
		f = &l->fds[i];
		if (f->dead || f->fd != l->pfds[i].fd)
			continue;
		f->cb(l, f->fd, l->pfds[i].revents, f->arg);
		handled++;
	}
	handled += loop_run_timers(l);
	return handled;
}

/* Run until loop_stop(). */
int
loop_run(struct loop *l)
{
	l->stopped = 0;
	while (!l->stopped)
		loop_once(l, -1);
	return l->code;
}

/* Ask loop_run() to return code after the current turn. */
void
loop_stop(struct loop *l, int code)
{
	l->stopped = 1;
	l->code = code;
}
