/*
 * fileio.c: reading and writing files for the file tools.
 *
 * Reads are whole-file with a size cap.  Writes go to a temporary file in
 * the target's directory which is then rename(2)d over the target, so a
 * crash or a full disk leaves the old file intact and concurrent readers
 * never see half a file; the old mode is kept (rename would otherwise give
 * the temporary file's 0600).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/util.h"

#include "tools-int.h"

#define TOOL_READ_SLACK	64

/* See tools-int.h. */
int
tool_read_file(const char *host, const char *shown, size_t max, char **data,
    size_t *len, char **cause)
{
	struct stat st;
	char *p;
	size_t got = 0;
	ssize_t n;
	int fd;

	if (shown == NULL)
		shown = host;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(host, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		*cause = xasprintf("cannot open '%s': %s", shown, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		*cause = xasprintf("cannot stat '%s': %s", shown, strerror(errno));
		close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		*cause = xasprintf("'%s' is a directory", shown);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*cause = xasprintf("'%s' is not a regular file", shown);
		close(fd);
		return -1;
	}
	if ((size_t)st.st_size > max) {
		*cause = xasprintf("'%s' is too large (%lld bytes, limit %zu)", shown,
		    (long long)st.st_size, max);
		close(fd);
		return -1;
	}
	/*
	 * Zeroed slack after the data: PCRE2's JIT (grep) reads ahead in
	 * 16-byte vectors, harmless in practice but flagged by valgrind/ASan.
	 */
	p = xmalloc((size_t)st.st_size + TOOL_READ_SLACK);
	memset(p + st.st_size, 0, TOOL_READ_SLACK);
	while (got < (size_t)st.st_size) {
		n = read(fd, p + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*cause = xasprintf("cannot read '%s': %s", shown, strerror(errno));
			free(p);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	p[got] = '\0';
	*data = p;
	*len = got;
	return 0;
}

/* See tools-int.h. */
int
tool_is_binary(const char *data, size_t len)
{
	return memchr(data, '\0', len < TOOL_BINARY_PROBE ? len : TOOL_BINARY_PROBE) != NULL;
}

/* See tools-int.h. */
int
tool_write_atomic(const char *host, const char *shown, const char *data, size_t len,
    int mode, char **cause)
{
	struct stat st;
	char *dir, *slash, *tmp;
	mode_t um;
	int fd;

	if (shown == NULL)
		shown = host;
	dir = xstrdup(host);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (util_mkdir_p(dir, 0777) == -1) {
			*cause = xasprintf("cannot create the directory of '%s': %s",
			    shown, strerror(errno));
			free(dir);
			return -1;
		}
	}
	if (mode < 0) {
		if (stat(host, &st) == 0)
			mode = (int)(st.st_mode & 07777);
		else {
			um = umask(0);
			umask(um);
			mode = (int)(0666 & ~um);
		}
	}
	tmp = xasprintf("%s/.cade-tmp-XXXXXX", slash == NULL ? "." : slash == dir ? "/" : dir);
	free(dir);
	fd = mkstemp(tmp);
	if (fd == -1) {
		*cause = xasprintf("cannot create a temporary file for '%s': %s", shown,
		    strerror(errno));
		free(tmp);
		return -1;
	}
	if (util_write_all(fd, data, len) == -1 || fchmod(fd, (mode_t)mode) == -1 ||
	    fsync(fd) == -1) {
		*cause = xasprintf("cannot write '%s': %s", shown, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, host) == -1) {
		*cause = xasprintf("cannot write '%s': %s", shown, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}
