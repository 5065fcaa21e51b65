/*
 * log.c: the debug log.  Lines go to a file opened with log_open(), never
 * to the terminal (the TUI owns it).  Each line: time, pid, function, text.
 * The text is masked (secret.h) before it is written: a log line may quote
 * a server's reply or a command, and either may hold a secret.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/log.h"
#include "cade/secret.h"

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
	char *ts, *text, *masked;

	if (log_file == NULL)
		return;
	ts = util_iso_time(util_wall_ms());
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	masked = secret_mask(text, strlen(text), NULL);
	fprintf(log_file, "%s %ld %s: %s\n", ts, (long)getpid(), func, masked);
	free(masked);
	free(text);
	free(ts);
}
