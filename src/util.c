/*
 * util.c: allocation wrappers, fatal(), clocks, parsing and fd helpers.
 *
 * Allocation failure is not recoverable in cade: the wrappers abort through
 * fatal(), which first runs the registered hook (the TUI restores the
 * terminal there) so the person's shell is never left broken.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cade/util.h"

static void (*util_fatal_hook)(void);

/* Register the function fatal() runs before printing (terminal restore). */
void
util_set_fatal_hook(void (*fn)(void))
{
	util_fatal_hook = fn;
}

/* Report and exit; the hook runs once even if it fails recursively. */
void
fatal(const char *fmt, ...)
{
	void (*hook)(void) = util_fatal_hook;
	va_list ap;

	util_fatal_hook = NULL;
	if (hook != NULL)
		hook();
	fputs("cade: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* malloc that never returns NULL (zero-size requests get one byte). */
void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		fatal("out of memory allocating %zu bytes", size);
	return p;
}

/* calloc that never returns NULL. */
void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		fatal("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

/* realloc that never returns NULL. */
void *
xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		fatal("out of memory reallocating %zu bytes", size);
	return p;
}

/* realloc of an array, checking n * size for overflow. */
void *
xreallocarray(void *ptr, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		fatal("array of %zu x %zu bytes overflows", n, size);
	return xrealloc(ptr, n * size);
}

/* strdup that never returns NULL. */
char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* Copy at most n bytes of s, always NUL-terminated. */
char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* See util.h. */
void
util_free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

/* vasprintf that never fails. */
char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		fatal("out of memory formatting a string");
	return s;
}

/* asprintf that never fails. */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* Monotonic milliseconds: for timeouts, never for display. */
uint64_t
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wall-clock milliseconds since the epoch: for event timestamps. */
int64_t
util_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ISO 8601 UTC with milliseconds. */
char *
util_iso_time(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char tmp[32];

	gmtime_r(&t, &tm);
	strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%03dZ", tmp, (int)(ms % 1000));
}

/* strtol over the whole string with range check. */
int
util_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* strtod over the whole string. */
int
util_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Make fd non-blocking. */
int
util_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Mark fd close-on-exec so children never inherit it. */
int
util_set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl == -1)
		return -1;
	return fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

/* See util.h. */
int
util_write_text_atomic(const char *path, const char *text, mode_t mode,
    char **cause)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd != -1 && util_write_all(fd, text, strlen(text)) == 0 &&
	    util_write_all(fd, "\n", 1) == 0 && fsync(fd) == 0 &&
	    close(fd) == 0) {
		fd = -1;
		rc = rename(tmp, path);
	}
	if (rc != 0)
		*cause = xasprintf("cannot write '%s': %s", path,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	if (rc != 0)
		(void)unlink(tmp);
	free(tmp);
	return rc;
}

/* A small regular file, whole; see util.h (git's strbuf_read_file). */
char *
util_read_small(const char *path, size_t max, size_t *len, char **cause)
{
	struct stat st;
	char *data = NULL;
	size_t have = 0;
	ssize_t n;
	int fd, err;

	/* O_NONBLOCK: opening a FIFO with no writer must not wait for one. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		err = errno;
		if (cause != NULL)
			*cause = xasprintf("cannot open '%s': %s", path,
			    strerror(err));
		errno = err;
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		err = errno;
		if (cause != NULL)
			*cause = xasprintf("cannot stat '%s': %s", path,
			    strerror(err));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = EINVAL;
		if (cause != NULL)
			*cause = xasprintf("'%s' is not a regular file", path);
		goto fail;
	}
	if ((uintmax_t)st.st_size > max) {
		err = EFBIG;
		if (cause != NULL)
			*cause = xasprintf("'%s' is too big (%jd bytes, at most "
			    "%zu)", path, (intmax_t)st.st_size, max);
		goto fail;
	}
	data = xmalloc(max + 1);
	for (;;) {
		n = read(fd, data + have, max + 1 - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err = errno;
			if (cause != NULL)
				*cause = xasprintf("cannot read '%s': %s", path,
				    strerror(err));
			goto fail;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > max) {	/* it grew while we read */
			err = EFBIG;
			if (cause != NULL)
				*cause = xasprintf("'%s' is too big (at most "
				    "%zu bytes)", path, max);
			goto fail;
		}
	}
	close(fd);
	data = xrealloc(data, have + 1);
	data[have] = '\0';
	if (len != NULL)
		*len = have;
	return data;
fail:
	free(data);
	close(fd);
	errno = err;
	return NULL;
}

/* Write everything, waiting on a non-blocking fd when it is full. */
int
util_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	struct pollfd pfd;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			(void)poll(&pfd, 1, 1000);
			continue;
		}
		return -1;
	}
	return 0;
}

/* See util.h. */
int
util_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd, rc = -1, saved;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd != -1 && util_write_all(fd, data, len) == 0 &&
	    fdatasync(fd) == 0) {
		rc = close(fd);
		fd = -1;
		if (rc == 0)
			rc = rename(tmp, path);
	}
	saved = errno;
	if (fd != -1)
		close(fd);
	if (rc != 0)
		(void)unlink(tmp);
	free(tmp);
	errno = saved;
	return rc;
}

/* mkdir -p; existing directories are fine. */
int
util_mkdir_p(const char *path, mode_t mode)
{
	char *tmp = xstrdup(path), *p;
	int rc = 0;

	for (p = tmp + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(tmp, mode) == -1 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(tmp);
	return rc;
}

/* Expand "~/..." with $HOME. */
char *
util_expand_home(const char *path)
{
	const char *home = getenv("HOME");

	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') &&
	    home != NULL && *home != '\0')
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

/* $XDG_*_HOME/cade, or ~/<fallback>/cade. */
char *
util_xdg_dir(const char *xdg_var, const char *fallback)
{
	const char *v = getenv(xdg_var), *home = getenv("HOME");

	if (v != NULL && v[0] == '/')
		return xasprintf("%s/cade", v);
	if (home == NULL || *home == '\0')
		home = "/tmp";
	return xasprintf("%s/%s/cade", home, fallback);
}

/* Trim ASCII whitespace both ends, in place. */
char *
util_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
static size_t
util_utf8_seq(const unsigned char *s, size_t len)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Whole buffer is valid UTF-8. */
int
util_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = util_utf8_seq(p + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* Copy with each invalid byte replaced by U+FFFD. */
char *
util_utf8_sanitize(const char *s, size_t len, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(len * 3 + 1);
	size_t i = 0, o = 0, n;

	while (i < len) {
		if ((n = util_utf8_seq(p + i, len - i)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return out;
}
