/*
 * fakellm.c: a scripted fake LLM server for tests (doc/FAKELLM.md).
 *
 *   fakellm --script FILE [--record DIR] [--port-file FILE] [--timeout S]
 *           [--port N]   (a fixed port, for tests of local-server discovery)
 *
 * It binds 127.0.0.1 on a port the kernel picks, prints that port and a
 * newline on stdout, and serves HTTP/1.1 from one poll() loop: several
 * connections at once, keep-alive, Content-Length and chunked request
 * bodies, "Expect: 100-continue".  Bytes read from a connection accumulate
 * until fl_http_parse() finds a whole request; the request is recorded
 * (--record) and handed to fakellm_respond(), which returns a plan of
 * timed writes.  The loop plays each connection's plan, sleeping in
 * ppoll() until the next step is due, so a stalled stream never holds up
 * another connection.  SIGTERM, SIGINT or the --timeout end the process.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "fakellm.h"

#define FL_MAX_CONNS	64
#define FL_MAX_HEAD	(64 * 1024)
#define FL_MAX_BODY	(64 * 1024 * 1024)
#define FL_MAX_IN	(FL_MAX_BODY + FL_MAX_HEAD + 65536)

struct fl_conn {
	int		 fd;
	struct buf	 in;
	struct buf	 out;
	int		 busy;		/* playing a plan */
	struct fakellm_plan plan;
	size_t		 step;
	uint64_t	 due;		/* when plan.steps[step] may run */
	int		 continued;	/* sent "100 Continue" for this request */
	int		 close_after;	/* close once out is flushed */
	int		 eof;		/* the peer has stopped sending */
	int		 dead;
};

static volatile sig_atomic_t fl_stop;
static struct fakellm_script fl_script;
static const char *fl_record_dir;
static unsigned long fl_nmodels;	/* GET .../models served */
static struct fl_conn *fl_conns[FL_MAX_CONNS];
static int fl_nconns;

/* Signal handler: ask the loop to finish. */
static void
fl_on_signal(int sig)
{
	fl_stop = 1;
}

/* Case-insensitive search for a header; returns its value or NULL. */
static char *
fl_header(const char *head, const char *name)
{
	const char *line = strstr(head, "\r\n");
	size_t nl = strlen(name);
	const char *end, *v;

	while (line != NULL && line[2] != '\0' && line[2] != '\r') {
		line += 2;
		end = strstr(line, "\r\n");
		if (end == NULL)
			break;
		if ((size_t)(end - line) > nl && strncasecmp(line, name,
		    nl) == 0 && line[nl] == ':') {
			v = line + nl + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			return xstrndup(v, (size_t)(end - v));
		}
		line = end;
	}
	return NULL;
}

/*
 * Try to cut one whole request from the front of s.  Returns 1 (req filled,
 * *used bytes consumed), 0 (need more bytes) or -1 (*status tells why).
 * *expect is set when the headers are complete and ask for 100-continue.
 */
static int
fl_http_parse(const char *s, size_t len, struct fakellm_request *req,
    size_t *used, int *status, int *expect)
{
	const char *end, *sp1, *sp2, *p, *nl;
	char *v, *te = NULL, *cl = NULL, *conn = NULL, *exp = NULL;
	struct buf body;
	size_t hlen, pos, csize;
	long n;
	int rc = -1, http10;

	*expect = 0;
	end = memmem(s, len, "\r\n\r\n", 4);
	if (end == NULL) {
		*status = 431;
		return len > FL_MAX_HEAD ? -1 : 0;
	}
	hlen = (size_t)(end - s) + 4;
	*status = 400;
	sp1 = memchr(s, ' ', hlen);
	nl = memmem(s, hlen, "\r\n", 2);
	if (sp1 == NULL || sp1 > nl)
		return -1;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(nl - sp1 - 1));
	if (sp2 == NULL || sp2 == sp1 + 1 || (size_t)(nl - sp2 - 1) != 8 ||
	    strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return -1;
	http10 = sp2[8] == '0';
	memset(req, 0, sizeof *req);
	req->head = xstrndup(s, hlen - 2);
	te = fl_header(req->head, "Transfer-Encoding");
	cl = fl_header(req->head, "Content-Length");
	conn = fl_header(req->head, "Connection");
	exp = fl_header(req->head, "Expect");
	buf_init(&body, FL_MAX_BODY);
	if (te != NULL && strcasecmp(te, "chunked") == 0) {
		pos = hlen;
		for (;;) {
			p = memmem(s + pos, len - pos, "\r\n", 2);
			if (p == NULL)
				goto more;
			errno = 0;
			csize = strtoul(s + pos, &v, 16);
			if (v == s + pos || errno != 0 || csize > FL_MAX_BODY) {
				*status = csize > FL_MAX_BODY ? 413 : 400;
				goto out;
			}
			pos = (size_t)(p - s) + 2;
			if (csize == 0)
				break;
			if (len - pos < csize + 2)
				goto more;
			if (buf_append(&body, s + pos, csize) != 0) {
				*status = 413;
				goto out;
			}
			if (memcmp(s + pos + csize, "\r\n", 2) != 0)
				goto out;
			pos += csize + 2;
		}
		/* Trailer fields, then an empty line. */
		for (;;) {
			p = memmem(s + pos, len - pos, "\r\n", 2);
			if (p == NULL)
				goto more;
			if (p == s + pos) {
				pos += 2;
				break;
			}
			pos = (size_t)(p - s) + 2;
		}
	} else if (te != NULL) {
		*status = 501;
		goto out;
	} else {
		n = 0;
		if (cl != NULL && util_parse_long(cl, 0, FL_MAX_BODY, &n) != 0) {
			*status = 413;
			goto out;
		}
		if (len - hlen < (size_t)n)
			goto more;
		if (buf_append(&body, s + hlen, (size_t)n) != 0)
			goto out;
		pos = hlen + (size_t)n;
	}
	req->method = xstrndup(s, (size_t)(sp1 - s));
	req->target = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	req->body = buf_detach(&body, &req->body_len);
	req->keep_alive = http10 ? (conn != NULL &&
	    strcasecmp(conn, "keep-alive") == 0) :
	    !(conn != NULL && strcasecmp(conn, "close") == 0);
	*used = pos;
	rc = 1;
	goto out;
more:
	*expect = exp != NULL && strcasecmp(exp, "100-continue") == 0;
	rc = 0;
out:
	if (rc != 1) {
		free(req->head);
		req->head = NULL;
	}
	buf_free(&body);
	free(te);
	free(cl);
	free(conn);
	free(exp);
	return rc;
}

/* Free a request's fields. */
static void
fl_request_free(struct fakellm_request *req)
{
	free(req->method);
	free(req->target);
	free(req->head);
	free(req->body);
}

/* Write a file atomically (tmp + rename) so readers never see half. */
static int
fl_write_file(const char *path, const void *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp", path);
	int fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		goto out;
	if (util_write_all(fd, data, len) != 0) {
		close(fd);
		goto out;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0) {
		fprintf(stderr, "fakellm: cannot write '%s': %s\n", path,
		    strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

/* GET .../models[?...]: a model list, not a request of the script. */
static int
fl_is_models(const struct fakellm_request *req)
{
	size_t n = strcspn(req->target, "?");

	while (n > 1 && req->target[n - 1] == '/')
		n--;
	return strcmp(req->method, "GET") == 0 && n >= 7 &&
	    strncmp(req->target + n - 7, "/models", 7) == 0;
}

/* --record: the exact body, and the request line + headers. */
static void
fl_record(const struct fakellm_request *req)
{
	char *path, *meta, *p, *q;
	const char *kind;
	size_t n = 0;

	if (fl_record_dir == NULL)
		return;
	/* A model list asked for (cade does at start, in the background) is
	 * numbered on its own, so it never shifts the requests' numbers. */
	kind = fl_is_models(req) ? "models" : "req";
	if (*kind == 'r') {
		path = xasprintf("%s/req-%04lu.json", fl_record_dir, req->seq);
		(void)fl_write_file(path, req->body, req->body_len);
		free(path);
	}
	/* Headers with CRLF turned into LF. */
	meta = xmalloc(strlen(req->head) + 1);
	for (p = req->head, q = meta; *p != '\0'; p++) {
		if (p[0] == '\r' && p[1] == '\n')
			continue;
		*q++ = *p;
		n++;
	}
	*q = '\0';
	path = xasprintf("%s/%s-%04lu.meta", fl_record_dir, kind, req->seq);
	(void)fl_write_file(path, meta, n);
	free(path);
	free(meta);
}

/* Start playing a plan on an idle connection. */
static void
fl_conn_start(struct fl_conn *c, uint64_t now)
{
	c->busy = 1;
	c->step = 0;
	c->due = now + (c->plan.n > 0 ? c->plan.steps[0].delay_ms : 0);
}

/* Parse and answer buffered requests while the connection is idle. */
static void
fl_conn_serve(struct fl_conn *c, uint64_t now)
{
	struct fakellm_request req;
	size_t used = 0;
	int rc, status, expect;

	if (c->busy || c->dead || c->close_after)
		return;
	rc = fl_http_parse(c->in.s, c->in.len, &req, &used, &status, &expect);
	if (rc == 0) {
		if (expect && !c->continued) {
			c->continued = 1;
			(void)buf_puts(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
		}
		return;
	}
	if (rc < 0) {
		fakellm_plan_error(&c->plan, status, "invalid_request_error",
		    NULL, "fakellm: cannot parse the HTTP request", 0);
		fl_conn_start(c, now);
		return;
	}
	buf_consume(&c->in, used);
	c->continued = 0;
	req.seq = fl_is_models(&req) ? ++fl_nmodels : ++fl_script.nrequests;
	fl_record(&req);
	fakellm_respond(&fl_script, &req, &c->plan);
	fl_request_free(&req);
	fl_conn_start(c, now);
}

/* Send what is queued; 0 or -1 when the connection is gone. */
static int
fl_conn_flush(struct fl_conn *c)
{
	ssize_t n;

	while (c->out.len > 0) {
		n = send(c->fd, c->out.s, c->out.len, MSG_NOSIGNAL);
		if (n > 0) {
			buf_consume(&c->out, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return -1;
	}
	return 0;
}

/* Run every due plan step whose predecessors have been sent. */
static void
fl_conn_advance(struct fl_conn *c, uint64_t now)
{
	struct fakellm_step *st;

	for (;;) {
		if (c->dead)
			return;
		if (fl_conn_flush(c) != 0) {
			c->dead = 1;
			return;
		}
		if (c->out.len > 0)
			return;
		if (c->close_after) {
			c->dead = 1;
			return;
		}
		if (!c->busy) {
			fl_conn_serve(c, now);
			if (!c->busy) {
				if (c->eof && c->out.len == 0)
					c->dead = 1;
				if (c->out.len == 0)
					return;
			}
			continue;
		}
		if (c->step >= c->plan.n || now < c->due)
			return;
		st = &c->plan.steps[c->step++];
		switch (st->kind) {
		case FAKELLM_SEND:
			if (buf_append(&c->out, st->data, st->len) != 0)
				c->dead = 1;
			break;
		case FAKELLM_CLOSE:
			c->dead = 1;
			break;
		case FAKELLM_END:
			c->busy = 0;
			if (!c->plan.keep_alive)
				c->close_after = 1;
			fakellm_plan_free(&c->plan);
			continue;
		}
		if (c->step < c->plan.n)
			c->due = now + c->plan.steps[c->step].delay_ms;
	}
}

/* Read what arrived; peer close or error marks the connection dead. */
static void
fl_conn_read(struct fl_conn *c)
{
	char chunk[65536];
	ssize_t n;

	for (;;) {
		n = recv(c->fd, chunk, sizeof chunk, 0);
		if (n > 0) {
			if (buf_append(&c->in, chunk, (size_t)n) != 0) {
				c->dead = 1;
				return;
			}
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		/* A half-closed peer may still want the answer. */
		if (n == 0 && !c->eof)
			c->eof = 1;
		else
			c->dead = 1;
		return;
	}
}

/* Accept every pending connection. */
static void
fl_accept(int lfd)
{
	struct fl_conn *c;
	int fd, one = 1;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1)
			return;
		if (fl_nconns == FL_MAX_CONNS) {
			close(fd);
			continue;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof one);
		c = xcalloc(1, sizeof *c);
		c->fd = fd;
		buf_init(&c->in, FL_MAX_IN);
		buf_init(&c->out, 0);
		fl_conns[fl_nconns++] = c;
	}
}

/* Close and free a connection. */
static void
fl_conn_free(struct fl_conn *c)
{
	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	fakellm_plan_free(&c->plan);
	free(c);
}

/* Drop dead connections from the table. */
static void
fl_reap(void)
{
	int i, j;

	for (i = j = 0; i < fl_nconns; i++) {
		if (fl_conns[i]->dead)
			fl_conn_free(fl_conns[i]);
		else
			fl_conns[j++] = fl_conns[i];
	}
	fl_nconns = j;
}

/* Bind 127.0.0.1:*port (0: any) and listen; returns the fd and the port. */
static int
fl_listen(int *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		fatal("socket: %s", strerror(errno));
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)*port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) != 0)
		fatal("cannot listen on 127.0.0.1: %s", strerror(errno));
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Poll every fd until a signal or the deadline. */
static void
fl_serve(int lfd, uint64_t deadline, const sigset_t *waitmask)
{
	struct pollfd pfd[FL_MAX_CONNS + 1];
	struct timespec ts;
	uint64_t now, wake;
	struct fl_conn *c;
	int i, n, timed;

	while (!fl_stop) {
		now = util_now_ms();
		for (i = 0; i < fl_nconns; i++)
			fl_conn_advance(fl_conns[i], now);
		fl_reap();
		if (deadline != 0 && now >= deadline)
			break;
		wake = deadline;
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		for (i = 0; i < fl_nconns; i++) {
			c = fl_conns[i];
			pfd[i + 1].fd = c->fd;
			pfd[i + 1].events = c->eof ? 0 : POLLIN;
			if (c->out.len > 0)
				pfd[i + 1].events |= POLLOUT;
			pfd[i + 1].revents = 0;
			if (c->busy && c->out.len == 0 &&
			    c->step < c->plan.n && (wake == 0 || c->due < wake))
				wake = c->due;
		}
		n = fl_nconns;
		timed = wake != 0;
		wake = wake > now ? wake - now : 0;
		ts.tv_sec = (time_t)(wake / 1000);
		ts.tv_nsec = (long)(wake % 1000) * 1000000;
		if (ppoll(pfd, (nfds_t)n + 1, timed ? &ts : NULL,
		    waitmask) == -1) {
			if (errno == EINTR)
				continue;
			fatal("ppoll: %s", strerror(errno));
		}
		if (pfd[0].revents & POLLIN)
			fl_accept(lfd);
		for (i = 0; i < n; i++) {
			c = fl_conns[i];
			if (pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR))
				fl_conn_read(c);
		}
	}
}

/* Publish the port in a file, atomically. */
static void
fl_port_file(const char *path, int port)
{
	char *s = xasprintf("%d\n", port);

	if (fl_write_file(path, s, strlen(s)) != 0)
		exit(2);
	free(s);
}

/* Print usage and exit 2. */
static void
fl_usage(void)
{
	fprintf(stderr, "usage: fakellm --script FILE [--record DIR]"
	    " [--port-file FILE] [--timeout SECONDS] [--port N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *script = NULL, *port_file = NULL;
	struct sigaction sa;
	sigset_t block, waitmask;
	double timeout = 120;
	uint64_t deadline;
	char *cause = NULL;
	int i, lfd, port;
	long fixed_port = 0;

	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			fl_usage();
		if (strcmp(argv[i], "--script") == 0)
			script = argv[++i];
		else if (strcmp(argv[i], "--record") == 0)
			fl_record_dir = argv[++i];
		else if (strcmp(argv[i], "--port-file") == 0)
			port_file = argv[++i];
		else if (strcmp(argv[i], "--port") == 0) {
			if (util_parse_long(argv[++i], 1, 65535, &fixed_port) != 0)
				fl_usage();
		} else if (strcmp(argv[i], "--timeout") == 0) {
			if (util_parse_double(argv[++i], &timeout) != 0 ||
			    timeout < 0)
				fl_usage();
		} else
			fl_usage();
	}
	if (script == NULL)
		fl_usage();
	if (fakellm_script_load(&fl_script, script, &cause) != 0) {
		fprintf(stderr, "fakellm: %s\n", cause);
		free(cause);
		return 2;
	}
	if (fl_record_dir != NULL && util_mkdir_p(fl_record_dir, 0755) != 0) {
		fprintf(stderr, "fakellm: cannot create '%s': %s\n",
		    fl_record_dir, strerror(errno));
		return 2;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fl_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	port = (int)fixed_port;
	lfd = fl_listen(&port);
	if (port_file != NULL)
		fl_port_file(port_file, port);
	printf("%d\n", port);
	fflush(stdout);

	deadline = timeout > 0 ? util_now_ms() + (uint64_t)(timeout * 1000) : 0;
	fl_serve(lfd, deadline, &waitmask);

	for (i = 0; i < fl_nconns; i++)
		fl_conn_free(fl_conns[i]);
	close(lfd);
	fakellm_script_free(&fl_script);
	return 0;
}
