/*
 * http.c: libcurl's multi interface driven by the cade loop.
 *
 * curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when
 * it next needs a tick (CURLMOPT_TIMERFUNCTION); we mirror both into the
 * loop as fd registrations and one loop timer.  When the loop reports
 * activity we call curl_multi_socket_action(), then collect finished
 * transfers with curl_multi_info_read() and hand each to its done function.
 * Nothing blocks and nothing polls: an idle driver registers no fd and no
 * timer.  A done function may free the whole driver (its owner's free, e.g.
 * llm_free); the free is deferred until curl has returned to us
 * (depth/dying).  Users: the LLM client, MCP's HTTP transport and the
 * Docker workspace's health check, each with its own driver.
 */
#include "config.h"

#include <poll.h>
#include <stdlib.h>

#include "cade/log.h"
#include "cade/loop.h"
#include "cade/util.h"
#include "cade/http.h"

struct http_xfer {
	CURL			*easy;
	http_done_fn	 done;
	void			*arg;
};

struct http_driver {
	struct loop		*loop;
	CURLM			*multi;
	uint64_t		 timer;		/* loop timer id, 0: none */
	struct http_xfer	*x;
	size_t			 nx;
	int			*fds;		/* sockets registered with the loop */
	size_t			 nfds;
	int			 depth;		/* inside socket_action/done */
	int			 dying;		/* http_free() while deep */
};

static void	http_check(struct http_driver *);

/* Free everything (the transfers must have been removed). */
static void
http_destroy(struct http_driver *h)
{
	size_t i;

	for (i = 0; i < h->nx; i++)
		curl_multi_remove_handle(h->multi, h->x[i].easy);
	if (h->timer != 0)
		loop_timer_cancel(h->loop, h->timer);
	/* Cached connections may close without a CURL_POLL_REMOVE. */
	for (i = 0; i < h->nfds; i++)
		loop_fd_del(h->loop, h->fds[i]);
	h->nfds = 0;
	curl_multi_cleanup(h->multi);
	free(h->fds);
	free(h->x);
	free(h);
}

/* Leave a curl-driven section; finish a free requested inside it. */
static void
http_leave(struct http_driver *h)
{
	if (--h->depth == 0 && h->dying)
		http_destroy(h);
}

/* Loop: a watched socket is ready; let curl act on it. */
static void
http_fd(struct loop *loop, int fd, int revents, void *arg)
{
	struct http_driver *h = arg;
	int ev = 0, running;

	if (revents & (POLLIN | POLLHUP))
		ev |= CURL_CSELECT_IN;
	if (revents & POLLOUT)
		ev |= CURL_CSELECT_OUT;
	if (revents & (POLLERR | POLLNVAL))
		ev |= CURL_CSELECT_ERR;
	h->depth++;
	curl_multi_socket_action(h->multi, fd, ev, &running);
	http_check(h);
	http_leave(h);
}

/* Loop: curl's timeout expired. */
static void
http_tick(struct loop *loop, void *arg)
{
	struct http_driver *h = arg;
	int running;

	h->timer = 0;
	h->depth++;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check(h);
	http_leave(h);
}

/* curl: start, change or stop watching a socket. */
static int
http_socket(CURL *easy, curl_socket_t s, int what, void *userp,
    void *socketp)
{
	struct http_driver *h = userp;
	short events = 0;
	size_t i;

	if (what == CURL_POLL_REMOVE) {
		for (i = 0; i < h->nfds; i++) {
			if (h->fds[i] == s) {
				h->fds[i] = h->fds[--h->nfds];
				loop_fd_del(h->loop, s);
				break;
			}
		}
		if (socketp != NULL)
			curl_multi_assign(h->multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= POLLIN;
	if (what & CURL_POLL_OUT)
		events |= POLLOUT;
	if (socketp == NULL) {
		if (loop_fd_add(h->loop, s, events, http_fd, h) == -1)
			loop_fd_events(h->loop, s, events);
		else {
			h->fds = xreallocarray(h->fds, h->nfds + 1,
			    sizeof *h->fds);
			h->fds[h->nfds++] = s;
		}
		curl_multi_assign(h->multi, s, h);
	} else
		loop_fd_events(h->loop, s, events);
	return 0;
}

/* curl: call us back in timeout_ms (-1: never). */
static int
http_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_driver *h = userp;

	if (h->timer != 0) {
		loop_timer_cancel(h->loop, h->timer);
		h->timer = 0;
	}
	if (timeout_ms >= 0)
		h->timer = loop_timer_add(h->loop, (uint64_t)timeout_ms,
		    http_tick, h);
	return 0;
}

/* Hand finished transfers to their owners. */
static void
http_check(struct http_driver *h)
{
	struct http_xfer x;
	CURLMsg *msg;
	CURLcode rc;
	size_t i;
	int left;

	while (!h->dying &&
	    (msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		x.easy = msg->easy_handle;
		rc = msg->data.result;
		for (i = 0; i < h->nx; i++)
			if (h->x[i].easy == x.easy)
				break;
		if (i == h->nx)
			continue;
		x = h->x[i];
		h->x[i] = h->x[--h->nx];
		curl_multi_remove_handle(h->multi, x.easy);
		x.done(x.easy, rc, x.arg);
	}
}

/* A multi handle whose sockets and timer live on loop. */
struct http_driver *
http_new(struct loop *loop)
{
	struct http_driver *h;

	h = xcalloc(1, sizeof *h);
	h->loop = loop;
	if ((h->multi = curl_multi_init()) == NULL)
		fatal("curl_multi_init failed");
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, http_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, http_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;
}

/* Free, or mark for freeing once curl has returned. */
void
http_free(struct http_driver *h)
{
	if (h == NULL)
		return;
	if (h->depth > 0) {
		h->dying = 1;
		return;
	}
	http_destroy(h);
}

/* Start a transfer; done(easy, result, arg) is called once it ends. */
int
http_add(struct http_driver *h, CURL *easy, http_done_fn done, void *arg,
    char **cause)
{
	CURLMcode mc;

	mc = curl_multi_add_handle(h->multi, easy);
	if (mc != CURLM_OK) {
		*cause = xasprintf("cannot start request: %s",
		    curl_multi_strerror(mc));
		return -1;
	}
	h->x = xreallocarray(h->x, h->nx + 1, sizeof *h->x);
	h->x[h->nx].easy = easy;
	h->x[h->nx].done = done;
	h->x[h->nx].arg = arg;
	h->nx++;
	return 0;
}

/* Abort a transfer quietly (must not be called from a curl callback). */
void
http_remove(struct http_driver *h, CURL *easy)
{
	size_t i;

	for (i = 0; i < h->nx; i++) {
		if (h->x[i].easy == easy) {
			h->x[i] = h->x[--h->nx];
			curl_multi_remove_handle(h->multi, easy);
			return;
		}
	}
}
