/*
 * loop.h: the one event loop (poll(2) based, single-threaded).
 *
 * Everything that waits registers here: fds with read/write interest,
 * one-shot monotonic timers, and signals (delivered through a self-pipe, so
 * callbacks run in normal context, never in a signal handler).  An idle loop
 * sleeps in poll() with no timeout.  Callbacks may add or remove fds and
 * timers, including their own.  The before-sleep hook runs once per turn just
 * before poll(): the place to draw the screen once.
 */
#ifndef CADE_LOOP_H
#define CADE_LOOP_H

#include <poll.h>
#include <stdint.h>

struct loop;

typedef void (*loop_fd_cb)(struct loop *, int fd, int revents, void *arg);
typedef void (*loop_timer_cb)(struct loop *, void *arg);
typedef void (*loop_signal_cb)(struct loop *, int signo, void *arg);
typedef void (*loop_hook_cb)(struct loop *, void *arg);

struct loop	*loop_new(void);
void		 loop_free(struct loop *);

/* events: POLLIN|POLLOUT.  One registration per fd; 0 or -1 if present. */
int		 loop_fd_add(struct loop *, int fd, short events, loop_fd_cb, void *arg);
void		 loop_fd_events(struct loop *, int fd, short events);
void		 loop_fd_del(struct loop *, int fd);

/* One-shot timer after delay_ms; returns an id > 0 for loop_timer_cancel. */
uint64_t	 loop_timer_add(struct loop *, uint64_t delay_ms, loop_timer_cb, void *arg);
void		 loop_timer_cancel(struct loop *, uint64_t id);

/*
 * Catch signo (SA_RESTART) and call cb from the loop; several cbs allowed.
 * signo is unblocked afterwards, so one held back while the session was
 * being built (main() blocks the stop signals first) is delivered now.
 */
int		 loop_signal_add(struct loop *, int signo, loop_signal_cb, void *arg);
void		 loop_signal_del(struct loop *, int signo, loop_signal_cb, void *arg);

void		 loop_before_sleep(struct loop *, loop_hook_cb, void *arg);

/* Run until loop_stop(); returns the code given to loop_stop(). */
int		 loop_run(struct loop *);
void		 loop_stop(struct loop *, int code);
/* One turn: wait at most timeout_ms (-1: no limit); returns events handled. */
int		 loop_once(struct loop *, int timeout_ms);

#endif
