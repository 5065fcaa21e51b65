/*
 * log.c: the debug log.  Lines go to a file opened with log_open(), never
 * to the terminal (the TUI owns it).  Each line: time, pid, function, text.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/log.h"

static FILE *log_file;

/* Open (append) the log file, 0600. */
int
log_open(const char *path, char **cause)
{
	int fd;

	log_close();
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd == -1 || (log_file = fdopen(fd, "a")) == NULL) {
		*cause = xasprintf("cannot open log '%s': %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	setvbuf(log_file, NULL, _IOLBF, 0);
	return 0;
}

/* Close the log if open. */
void
log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}

/* 1 if logging is on (so callers can skip formatting). */
int
log_enabled(void)
{
	return log_file != NULL;
}

/* Write one line. */
void
log_write(const char *func, const char *fmt, ...)
{
	va_list ap;
	char *ts;

	if (log_file == NULL)
		return;
	ts = util_iso_time(util_wall_ms());
	fprintf(log_file, "%s %ld %s: ", ts, (long)getpid(), func);
	free(ts);
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	fputc('\n', log_file);
}
