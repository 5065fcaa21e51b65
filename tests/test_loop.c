/* test_loop: fd readiness, timer order and cancel, signal delivery, idle sleep. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/loop.h"
#include "cade/util.h"
#include "tap.h"

static char order[16];
static int norder, got_fd, got_sig;

static void
on_timer(struct loop *l, void *arg)
{
	order[norder++] = *(const char *)arg;
	if (*(const char *)arg == 'c')
		loop_stop(l, 7);
}

static void
on_read(struct loop *l, int fd, int revents, void *arg)
{
	char c;

	if (read(fd, &c, 1) == 1)
		got_fd = c;
	loop_fd_del(l, fd);	/* removing itself from its own callback */
}

static void
on_signal(struct loop *l, int signo, void *arg)
{
	got_sig = signo;
	loop_stop(l, 0);
}

static void
on_raise(struct loop *l, void *arg)
{
	kill(getpid(), SIGUSR1);
}

int
main(void)
{
	struct loop *l = loop_new();
	static const char a = 'a', b = 'b', c = 'c', x = 'x';
	uint64_t id, t0;
	int p[2], rc;

	/*
	 * Added out of order; must fire in deadline order; x is cancelled.
	 * The deadlines are 100 ms apart, so the time the adds take (long
	 * under valgrind or on a loaded machine) cannot reorder them.
	 */
	t0 = util_now_ms();
	loop_timer_add(l, 300, on_timer, (void *)&c);
	loop_timer_add(l, 100, on_timer, (void *)&a);
	id = loop_timer_add(l, 150, on_timer, (void *)&x);
	loop_timer_add(l, 200, on_timer, (void *)&b);
	loop_timer_cancel(l, id);
	rc = loop_run(l);
	is_int(rc, 7, "loop_run returns loop_stop's code");
	is_str(order, "abc", "timers fire in deadline order, cancelled one never");
	ok(util_now_ms() - t0 >= 300, "loop slept until the last timer (%llu ms)",
	    (unsigned long long)(util_now_ms() - t0));

	if (pipe(p) == -1)
		return 1;
	loop_fd_add(l, p[0], POLLIN, on_read, NULL);
	is_int(loop_once(l, 0), 0, "nothing ready: a zero-timeout turn handles nothing");
	(void)write(p[1], "z", 1);
	is_int(loop_once(l, 1000), 1, "readable fd dispatched");
	is_int(got_fd, 'z', "callback read the byte");
	(void)write(p[1], "y", 1);
	is_int(loop_once(l, 0), 0, "removed fd is no longer watched");
	is_int(loop_fd_add(l, p[0], POLLIN, on_read, NULL), 0, "fd can be re-added after removal");
	loop_fd_del(l, p[0]);

	loop_signal_add(l, SIGUSR1, on_signal, NULL);
	loop_timer_add(l, 5, on_raise, NULL);
	rc = loop_run(l);
	is_int(got_sig, SIGUSR1, "signal delivered through the loop");

	/* Idle: with no fds ready and no timers, a bounded turn sleeps the full time. */
	t0 = util_now_ms();
	is_int(loop_once(l, 100), 0, "idle turn handles nothing");
	ok(util_now_ms() - t0 >= 95, "idle turn slept in poll");

	close(p[0]);
	close(p[1]);
	loop_free(l);
	return tap_done();
}
