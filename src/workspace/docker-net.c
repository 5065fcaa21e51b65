/*
 * docker-net.c: the Docker daemon's address and transport (see
 * docker-net.h): unix socket, plain TCP, or TCP with mutual TLS as the
 * Docker CLI configures it, and the relay that gives the shell a plain fd
 * for a TLS stream.
 *
 * The relay is pumped on cade's event loop: libcurl's socket (CONNECT_ONLY,
 * curl_easy_send/recv) and our end of a socketpair are both watched, and
 * each wakeup moves what it can without blocking.  TLS may hold decrypted
 * bytes that poll() cannot see, so the daemon side is read until libcurl
 * says CURLE_AGAIN, never only on POLLIN.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/log.h"
#include "cade/loop.h"
#include "cade/util.h"
#include "docker-net.h"

#define DNET_DEFAULT_SOCK	"/var/run/docker.sock"
#define DNET_PORT		"2375"	/* the Docker CLI's defaults */
#define DNET_TLS_PORT		"2376"
#define DNET_CONNECT_MS		3000
#define DNET_IO_MS		10000
#define DNET_RELAY_BUF		16384
#define DNET_RELAY_ROUNDS	64	/* then yield to the loop */

enum dnet_kind { DNET_UNIX, DNET_TCP, DNET_TLS };

struct dnet {
	enum dnet_kind	 kind;
	char		*path;		/* unix socket */
	char		*host, *port;	/* tcp */
	char		*name;		/* for messages */
	char		*ca, *cert, *key;
};

struct dnet_conn {
	int	 fd;		/* raw socket, or libcurl's active socket */
	CURL	*curl;		/* TLS: the CONNECT_ONLY handle */
};

struct dnet_relay {
	struct loop		*loop;
	struct dnet_conn	*conn;
	int			 pfd;		/* our socketpair end; -1 once closed */
	int			 eof;		/* the daemon closed the stream */
	uint64_t		 timer;
	char			 up[DNET_RELAY_BUF];	/* shell -> daemon */
	size_t			 uplen, upoff;
	char			 down[DNET_RELAY_BUF];	/* daemon -> shell */
	size_t			 downlen, downoff;
};

/* One file of DOCKER_CERT_PATH, which must be readable. */
static char *
dnet_cert_file(const char *dir, const char *file, char **cause)
{
	char *p = xasprintf("%s/%s", dir, file);

	if (access(p, R_OK) == 0)
		return p;
	*cause = xasprintf("DOCKER_TLS_VERIFY is set but %s is %s (set "
	    "DOCKER_CERT_PATH to the directory with ca.pem, cert.pem and "
	    "key.pem)", p, errno == ENOENT ? "missing" : "not readable");
	free(p);
	return NULL;
}

/* tcp://host[:port][/]; host may be [v6]. */
static int
dnet_parse_tcp(struct dnet *n, const char *spec, char **cause)
{
	const char *hp = spec + 6, *end, *colon;
	size_t len;

	len = strcspn(hp, "/");
	if (hp[len] == '/' && hp[len + 1] != '\0')
		goto bad;
	if (*hp == '[') {
		if ((end = memchr(hp, ']', len)) == NULL)
			goto bad;
		n->host = xstrndup(hp + 1, (size_t)(end - hp - 1));
		colon = end + 1 < hp + len && end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = memchr(hp, ':', len);
		n->host = xstrndup(hp, colon != NULL ? (size_t)(colon - hp) : len);
	}
	if (colon != NULL) {
		n->port = xstrndup(colon + 1, (size_t)(hp + len - colon - 1));
		if (*n->port == '\0' || strspn(n->port, "0123456789") !=
		    strlen(n->port))
			goto bad;
	} else
		n->port = xstrdup(n->kind == DNET_TLS ? DNET_TLS_PORT : DNET_PORT);
	if (*n->host == '\0')
		goto bad;
	return 0;
bad:
	*cause = xasprintf("docker host '%s': expected tcp://host:port", spec);
	return -1;
}

/* TLS as the Docker CLI: DOCKER_TLS_VERIFY non-empty, files in DOCKER_CERT_PATH. */
static int
dnet_tls_files(struct dnet *n, char **cause)
{
	const char *dir = getenv("DOCKER_CERT_PATH"), *home;
	char *def = NULL;
	int rc = -1;

	if (dir == NULL || *dir == '\0') {
		if ((home = getenv("HOME")) == NULL || *home == '\0') {
			*cause = xstrdup("DOCKER_TLS_VERIFY is set but neither "
			    "DOCKER_CERT_PATH nor HOME is (set DOCKER_CERT_PATH "
			    "to the directory with ca.pem, cert.pem and key.pem)");
			return -1;
		}
		dir = def = xasprintf("%s/.docker", home);
	}
	if ((n->ca = dnet_cert_file(dir, "ca.pem", cause)) != NULL &&
	    (n->cert = dnet_cert_file(dir, "cert.pem", cause)) != NULL &&
	    (n->key = dnet_cert_file(dir, "key.pem", cause)) != NULL)
		rc = 0;
	free(def);
	return rc;
}

struct dnet *
dnet_new(const char *host, char **cause)
{
	struct dnet *n = xcalloc(1, sizeof *n);
	const char *verify = getenv("DOCKER_TLS_VERIFY");

	if (host == NULL || *host == '\0')
		n->path = xstrdup(DNET_DEFAULT_SOCK);
	else if (strncmp(host, "unix://", 7) == 0)
		n->path = xstrdup(host + 7);
	else if (host[0] == '/')
		n->path = xstrdup(host);
	else if (strncmp(host, "tcp://", 6) == 0) {
		n->kind = verify != NULL && *verify != '\0' ? DNET_TLS : DNET_TCP;
		if (dnet_parse_tcp(n, host, cause) == -1)
			goto fail;
		n->name = xasprintf("tcp://%s%s%s:%s", strchr(n->host, ':') ?
		    "[" : "", n->host, strchr(n->host, ':') ? "]" : "", n->port);
		if (n->kind == DNET_TLS && dnet_tls_files(n, cause) == -1)
			goto fail;
		return n;
	} else {
		*cause = xasprintf("docker host '%s' is not supported: cade "
		    "talks to the daemon on unix:///path or tcp://host:port "
		    "(with DOCKER_TLS_VERIFY for TLS)", host);
		goto fail;
	}
	if (*n->path != '/') {
		*cause = xasprintf("docker host '%s': expected unix:///absolute/path",
		    host);
		goto fail;
	}
	if (strlen(n->path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		*cause = xasprintf("docker socket path '%s' is too long", n->path);
		goto fail;
	}
	n->name = xstrdup(n->path);
	return n;
fail:
	dnet_free(n);
	return NULL;
}

void
dnet_free(struct dnet *n)
{
	if (n == NULL)
		return;
	free(n->path);
	free(n->host);
	free(n->port);
	free(n->name);
	free(n->ca);
	free(n->cert);
	free(n->key);
	free(n);
}

const char *
dnet_name(const struct dnet *n)
{
	return n->name;
}

int
dnet_tls(const struct dnet *n)
{
	return n->kind == DNET_TLS;
}

/* A blocking, close-on-exec socket connected to the daemon; -1 with errno. */
static int
dnet_connect(const struct dnet *n)
{
	struct sockaddr_un sun;
	struct addrinfo hints, *res, *ai;
	int fd = -1, saved = ECONNREFUSED, one = 1, rc;

	if (n->kind == DNET_UNIX) {
		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, n->path, strlen(n->path) + 1);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			return -1;
		while (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		return fd;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(n->host, n->port, &hints, &res)) != 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		errno = saved;
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

int
dnet_probe(const struct dnet *n, char **cause)
{
	int fd, e;

	if ((fd = dnet_connect(n)) != -1) {
		close(fd);
		return 0;
	}
	e = errno;
	if (n->kind != DNET_UNIX) {
		if (e == ECONNREFUSED)
			*cause = xasprintf("no Docker daemon listening on '%s' "
			    "(connection refused: start dockerd with -H %s, or "
			    "fix DOCKER_HOST)", n->name, n->name);
		else
			*cause = xasprintf("cannot connect to the Docker daemon "
			    "on '%s': %s (check DOCKER_HOST)", n->name,
			    e == EHOSTUNREACH ? "unknown host" : strerror(e));
	} else if (e == ENOENT)
		*cause = xasprintf("no Docker daemon: socket '%s' does not exist "
		    "(start it: sudo systemctl start docker, or dockerd &; or "
		    "point DOCKER_HOST at its socket)", n->path);
	else if (e == EACCES || e == EPERM)
		*cause = xasprintf("permission denied on Docker socket '%s' (add "
		    "yourself to the docker group: sudo usermod -aG docker "
		    "$USER, then log in again)", n->path);
	else if (e == ECONNREFUSED)
		*cause = xasprintf("no Docker daemon listening on '%s' (start "
		    "it: sudo systemctl start docker, or dockerd &)", n->path);
	else
		*cause = xasprintf("cannot connect to Docker socket '%s': %s",
		    n->path, strerror(e));
	return -1;
}

/* The transport options shared by control calls and CONNECT_ONLY streams. */
static char *
dnet_setup(const struct dnet *n, CURL *c, const char *path)
{
	char *url;

	if (n->kind == DNET_UNIX) {
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, n->path);
		url = xasprintf("http://docker%s", path);
	} else
		url = xasprintf("%s://%s%s%s:%s%s", n->kind == DNET_TLS ?
		    "https" : "http", strchr(n->host, ':') ? "[" : "", n->host,
		    strchr(n->host, ':') ? "]" : "", n->port, path);
	if (n->kind == DNET_TLS) {
		curl_easy_setopt(c, CURLOPT_CAINFO, n->ca);
		curl_easy_setopt(c, CURLOPT_SSLCERT, n->cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, n->key);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	return url;
}

char *
dnet_curl(const struct dnet *n, CURL *c, const char *path)
{
	return dnet_setup(n, c, path);
}

char *
dnet_curl_error(const struct dnet *n, CURLcode rc, const char *errbuf,
    const char *what)
{
	const char *detail = errbuf != NULL && *errbuf != '\0' ? errbuf :
	    curl_easy_strerror(rc);

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return xasprintf("docker daemon on '%s' did not answer %s: %s "
		    "(is it running? check DOCKER_HOST)", n->name, what, detail);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		if (n->kind == DNET_TLS)
			return xasprintf("TLS handshake with the Docker daemon on "
			    "'%s' failed: %s (check ca.pem, cert.pem and key.pem "
			    "in DOCKER_CERT_PATH, and that the daemon runs with "
			    "--tlsverify)", n->name, detail);
		break;
	default:
		break;
	}
	return xasprintf("docker daemon on '%s' did not answer %s: %s%s",
	    n->name, what, detail, n->kind == DNET_TCP && rc ==
	    CURLE_GOT_NOTHING ? " (does it want TLS? set DOCKER_TLS_VERIFY=1)" :
	    "");
}

struct dnet_conn *
dnet_open(const struct dnet *n, char **cause)
{
	struct dnet_conn *c = xcalloc(1, sizeof *c);
	char errbuf[CURL_ERROR_SIZE], *url;
	curl_socket_t s = CURL_SOCKET_BAD;
	CURLcode rc;

	if (n->kind != DNET_TLS) {
		if ((c->fd = dnet_connect(n)) == -1) {
			*cause = xasprintf("cannot connect to the Docker daemon "
			    "on '%s': %s", n->name, strerror(errno));
			free(c);
			return NULL;
		}
		return c;
	}
	if ((c->curl = curl_easy_init()) == NULL)
		fatal("curl_easy_init failed");
	errbuf[0] = '\0';
	url = dnet_setup(n, c->curl, "/");
	curl_easy_setopt(c->curl, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)DNET_CONNECT_MS);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(c->curl);
	free(url);
	if (rc == CURLE_OK)
		rc = curl_easy_getinfo(c->curl, CURLINFO_ACTIVESOCKET, &s);
	if (rc != CURLE_OK || s == CURL_SOCKET_BAD) {
		*cause = dnet_curl_error(n, rc, errbuf, "a stream");
		curl_easy_cleanup(c->curl);
		free(c);
		return NULL;
	}
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
	c->fd = (int)s;
	util_set_cloexec(c->fd);
	return c;
}

/* Wait for events on fd up to ms; 1 ready, 0 timeout. */
static int
dnet_wait(int fd, short events, int ms)
{
	struct pollfd pfd = { fd, events, 0 };
	int rc;

	while ((rc = poll(&pfd, 1, ms)) == -1 && errno == EINTR)
		;
	return rc > 0;
}

int
dnet_send_all(struct dnet_conn *c, const void *buf, size_t n)
{
	const char *p = buf;
	size_t sent;
	ssize_t w;
	CURLcode rc;

	while (n > 0) {
		if (c->curl == NULL) {
			if ((w = send(c->fd, p, n, MSG_NOSIGNAL)) == -1) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN && dnet_wait(c->fd, POLLOUT,
				    DNET_IO_MS))
					continue;
				return -1;
			}
			sent = (size_t)w;
		} else {
			rc = curl_easy_send(c->curl, p, n, &sent);
			if (rc == CURLE_AGAIN) {
				if (!dnet_wait(c->fd, POLLOUT, DNET_IO_MS)) {
					errno = ETIMEDOUT;
					return -1;
				}
				continue;
			}
			if (rc != CURLE_OK) {
				errno = EIO;
				return -1;
			}
		}
		p += sent;
		n -= sent;
	}
	return 0;
}

ssize_t
dnet_recv(struct dnet_conn *c, void *buf, size_t n, int wait_ms)
{
	uint64_t until = util_now_ms() + (uint64_t)(wait_ms > 0 ? wait_ms : 0);
	size_t got;
	ssize_t r;
	CURLcode rc;
	int left;

	for (;;) {
		if (c->curl == NULL) {
			r = recv(c->fd, buf, n, MSG_DONTWAIT);
			if (r >= 0)
				return r;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
		} else {
			rc = curl_easy_recv(c->curl, buf, n, &got);
			if (rc == CURLE_OK)
				return (ssize_t)got;
			if (rc != CURLE_AGAIN) {
				errno = EIO;
				return -1;
			}
		}
		left = (int)(until - util_now_ms());
		if (util_now_ms() >= until || !dnet_wait(c->fd, POLLIN, left)) {
			errno = EAGAIN;
			return -1;
		}
	}
}

void
dnet_close(struct dnet_conn *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);	/* closes its socket */
	else if (c->fd != -1)
		close(c->fd);
	free(c);
}

int
dnet_take_fd(struct dnet_conn *c)
{
	int fd;

	if (c->curl != NULL)
		return -1;
	fd = c->fd;
	free(c);
	return fd;
}

/* Watch what each side can take next. */
static void
dnet_relay_events(struct dnet_relay *r)
{
	short sock = 0, pair = 0;

	if (r->pfd == -1)
		return;
	if (!r->eof && r->downoff == r->downlen)
		sock |= POLLIN;
	if (r->upoff < r->uplen)
		sock |= POLLOUT;
	if (r->upoff == r->uplen)
		pair |= POLLIN;
	if (r->downoff < r->downlen)
		pair |= POLLOUT;
	loop_fd_events(r->loop, r->conn->fd, sock);
	loop_fd_events(r->loop, r->pfd, pair);
}

/* Stop relaying: the shell's fd reads EOF. */
static void
dnet_relay_stop(struct dnet_relay *r)
{
	if (r->pfd == -1)
		return;
	loop_fd_del(r->loop, r->conn->fd);
	loop_fd_del(r->loop, r->pfd);
	close(r->pfd);
	r->pfd = -1;
	if (r->timer != 0) {
		loop_timer_cancel(r->loop, r->timer);
		r->timer = 0;
	}
}

static void	dnet_relay_pump(struct dnet_relay *);

static void
dnet_relay_timer_cb(struct loop *l, void *arg)
{
	struct dnet_relay *r = arg;

	(void)l;
	r->timer = 0;
	dnet_relay_pump(r);
}

/* Daemon -> shell; 1 if it would go on (round limit hit). */
static int
dnet_relay_down(struct dnet_relay *r)
{
	ssize_t w;
	size_t got;
	CURLcode rc;
	int i;

	for (i = 0; i < DNET_RELAY_ROUNDS; i++) {
		if (r->downoff < r->downlen) {
			w = write(r->pfd, r->down + r->downoff,
			    r->downlen - r->downoff);
			if (w == -1 && errno == EINTR)
				continue;
			if (w == -1 && errno == EAGAIN)
				return 0;
			if (w <= 0) {
				dnet_relay_stop(r);
				return 0;
			}
			r->downoff += (size_t)w;
			continue;
		}
		if (r->eof) {
			dnet_relay_stop(r);
			return 0;
		}
		r->downoff = r->downlen = 0;
		rc = curl_easy_recv(r->conn->curl, r->down, sizeof r->down, &got);
		if (rc == CURLE_AGAIN)
			return 0;
		if (rc != CURLE_OK || got == 0) {
			if (rc != CURLE_OK)
				log_debug("docker stream: %s", curl_easy_strerror(rc));
			r->eof = 1;
			continue;
		}
		r->downlen = got;
	}
	return 1;
}

/* Shell -> daemon; 1 if it would go on. */
static int
dnet_relay_up(struct dnet_relay *r)
{
	ssize_t got;
	size_t sent;
	CURLcode rc;
	int i;

	for (i = 0; i < DNET_RELAY_ROUNDS && r->pfd != -1; i++) {
		if (r->upoff < r->uplen) {
			rc = curl_easy_send(r->conn->curl, r->up + r->upoff,
			    r->uplen - r->upoff, &sent);
			if (rc == CURLE_AGAIN)
				return 0;
			if (rc != CURLE_OK) {
				log_debug("docker stream: %s", curl_easy_strerror(rc));
				dnet_relay_stop(r);
				return 0;
			}
			r->upoff += sent;
			continue;
		}
		r->upoff = r->uplen = 0;
		got = read(r->pfd, r->up, sizeof r->up);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1 && errno == EAGAIN)
			return 0;
		if (got <= 0) {		/* the shell closed its end */
			dnet_relay_stop(r);
			return 0;
		}
		r->uplen = (size_t)got;
	}
	return r->pfd != -1 && i == DNET_RELAY_ROUNDS;
}

static void
dnet_relay_pump(struct dnet_relay *r)
{
	int more;

	if (r->pfd == -1)
		return;
	more = dnet_relay_down(r);
	if (r->pfd != -1)
		more |= dnet_relay_up(r);
	if (r->pfd == -1)
		return;
	dnet_relay_events(r);
	if (more && r->timer == 0)
		r->timer = loop_timer_add(r->loop, 0, dnet_relay_timer_cb, r);
}

static void
dnet_relay_cb(struct loop *l, int fd, int revents, void *arg)
{
	(void)l;
	(void)fd;
	(void)revents;
	dnet_relay_pump(arg);
}

int
dnet_stream(struct dnet_conn *c, struct loop *loop, struct dnet_relay **relay,
    char **cause)
{
	struct dnet_relay *r;
	int sv[2];

	*relay = NULL;
	if (c->curl == NULL) {
		int fd = dnet_take_fd(c);

		util_set_nonblock(fd);
		return fd;
	}
	if (loop == NULL) {
		*cause = xstrdup("a TLS Docker stream needs the event loop");
		dnet_close(c);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		*cause = xasprintf("socketpair: %s", strerror(errno));
		dnet_close(c);
		return -1;
	}
	util_set_nonblock(sv[0]);
	util_set_nonblock(sv[1]);
	r = xcalloc(1, sizeof *r);
	r->loop = loop;
	r->conn = c;
	r->pfd = sv[1];
	if (loop_fd_add(loop, c->fd, POLLIN, dnet_relay_cb, r) != 0 ||
	    loop_fd_add(loop, r->pfd, POLLIN, dnet_relay_cb, r) != 0) {
		*cause = xstrdup("cannot watch the Docker stream");
		loop_fd_del(loop, c->fd);
		close(sv[0]);
		close(sv[1]);
		dnet_close(c);
		free(r);
		return -1;
	}
	/* Bytes that came with the upgrade may already sit in TLS buffers. */
	r->timer = loop_timer_add(loop, 0, dnet_relay_timer_cb, r);
	*relay = r;
	return sv[0];
}

void
dnet_relay_free(struct dnet_relay *r)
{
	if (r == NULL)
		return;
	dnet_relay_stop(r);
	dnet_close(r->conn);
	free(r);
}
