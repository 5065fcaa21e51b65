/*
 * docker-net.h: where the Docker daemon is and how to talk to it.
 *
 * The daemon is a unix socket (unix:///path, the default), a plain TCP port
 * (tcp://host:port, DOCKER_TLS_VERIFY unset: a daemon on loopback), or a TCP
 * port with mutual TLS (DOCKER_TLS_VERIFY non-empty, the client files ca.pem,
 * cert.pem and key.pem in DOCKER_CERT_PATH, default ~/.docker), as the Docker
 * CLI reads them.  Control calls are libcurl requests set up by dnet_curl();
 * hijacked streams are dnet_conn connections (a raw socket, or a libcurl
 * CONNECT_ONLY handle over TLS), and dnet_stream() turns one into the plain
 * fd the shell code reads and writes, relaying TLS on the event loop.
 */
#ifndef CADE_DOCKER_NET_H
#define CADE_DOCKER_NET_H

#include <sys/types.h>

#include <curl/curl.h>

struct loop;
struct dnet;
struct dnet_conn;
struct dnet_relay;

/* host: "docker_host" or $DOCKER_HOST (NULL or "": the default socket). */
struct dnet	*dnet_new(const char *host, char **cause);
void		 dnet_free(struct dnet *);
/* For messages: the socket path or tcp://host:port. */
const char	*dnet_name(const struct dnet *);
int		 dnet_tls(const struct dnet *);
/* Can we reach the daemon at all?  The cause names the fix. */
int		 dnet_probe(const struct dnet *, char **cause);
/* Point a reset easy handle at path on the daemon; returns the URL (free it). */
char		*dnet_curl(const struct dnet *, CURL *, const char *path);
/* A one-line cause for a failed control call, naming the fix. */
char		*dnet_curl_error(const struct dnet *, CURLcode, const char *errbuf,
		    const char *what);

/* A blocking connection for a hand-written request; NULL with *cause. */
struct dnet_conn *dnet_open(const struct dnet *, char **cause);
int		 dnet_send_all(struct dnet_conn *, const void *, size_t);
/* Bytes read (0 at EOF), or -1 with errno (EAGAIN: nothing in wait_ms). */
ssize_t		 dnet_recv(struct dnet_conn *, void *, size_t, int wait_ms);
void		 dnet_close(struct dnet_conn *);
/* A raw connection's socket, taken from conn (which is freed); -1 over TLS. */
int		 dnet_take_fd(struct dnet_conn *);
/*
 * The stream as a plain non-blocking fd: the socket itself, or over TLS one
 * end of a socketpair relayed to conn on loop by *relay (free it with
 * dnet_relay_free after closing the fd).  Takes conn; -1 with *cause.
 */
int		 dnet_stream(struct dnet_conn *, struct loop *,
		    struct dnet_relay **, char **cause);
void		 dnet_relay_free(struct dnet_relay *);

#endif
