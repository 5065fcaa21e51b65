/*
 * dockrelay: a relay from a unix socket to the Docker daemon's that goes
 * deaf on SIGUSR1: it drops every connection it relays (a container's
 * streams through it end) and from then on accepts connections but never
 * answers, like a daemon that hangs.  For the tests of the Docker
 * workspace's health check (tests/test_docker.c, tests/docker-e2e.sh).
 *
 *   dockrelay LISTEN_SOCKET DAEMON_SOCKET     (runs until killed)
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cade/util.h"

static volatile sig_atomic_t relay_deaf;

static void
relay_on_usr1(int signo)
{
	(void)signo;
	relay_deaf = 1;
}

/* A unix stream socket and the address of path in sa, or -1. */
static int
relay_socket(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa->sun_path)
		return -1;
	memcpy(sa->sun_path, path, strlen(path));
	return socket(AF_UNIX, SOCK_STREAM, 0);
}

/* Connect to a unix socket, or -1. */
static int
relay_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if ((fd = relay_socket(path, &sa)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The relay's child: listen on path, pass bytes to and from daemon. */
static void
relay_run(int lfd, const char *daemon)
{
	struct pollfd pfd[129];
	int fds[128], n = 0, i, j, c, dropped = 0;
	char tmp[65536];
	ssize_t got;

	for (;;) {
		if (relay_deaf && !dropped) {
			for (i = 0; i < n; i++)
				close(fds[i]);
			n = 0;
			dropped = 1;
		}
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < n; i++) {
			pfd[i + 1].fd = fds[i];
			pfd[i + 1].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n + 1, -1) == -1)
			continue;	/* EINTR: SIGUSR1 */
		if (pfd[0].revents & POLLIN) {
			if ((c = accept(lfd, NULL, NULL)) == -1)
				continue;
			if (relay_deaf)
				continue;	/* held open, never answered */
			if (n + 2 > 128 || (fds[n + 1] = relay_connect(daemon)) == -1) {
				close(c);
				continue;
			}
			fds[n] = c;
			n += 2;
			continue;
		}
		for (i = 0; i < n; i++) {
			if (pfd[i + 1].revents == 0)
				continue;
			j = i ^ 1;	/* its pair */
			got = read(fds[i], tmp, sizeof tmp);
			if (got > 0 && util_write_all(fds[j], tmp, (size_t)got) == 0)
				continue;
			close(fds[i & ~1]);
			close(fds[i | 1]);
			memmove(&fds[i & ~1], &fds[(i & ~1) + 2],
			    (size_t)(n - (i & ~1) - 2) * sizeof *fds);
			n -= 2;
			break;
		}
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	char tmp[sizeof sa.sun_path];
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: dockrelay LISTEN_SOCKET DAEMON_SOCKET\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, relay_on_usr1);
	/*
	 * Listening under a temporary name, then renamed: the socket's name
	 * appears only once a connect() to it can succeed (the tests wait
	 * for the name; between bind and listen a connect is refused).
	 */
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.new", argv[1]) >= sizeof tmp) {
		fprintf(stderr, "dockrelay: socket path too long\n");
		return 1;
	}
	(void)unlink(argv[1]);
	(void)unlink(tmp);
	if ((fd = relay_socket(tmp, &sa)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    listen(fd, 64) == -1 || rename(tmp, argv[1]) == -1) {
		perror("dockrelay");
		return 1;
	}
	relay_run(fd, argv[2]);
	return 0;
}
