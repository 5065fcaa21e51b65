/*
 * log.h: debug log to a file, never to the terminal.
 *
 * Off unless log_open() was called (--log FILE or CADE_LOG).  Each line
 * carries a timestamp and the calling function's name.  Callers must not log
 * secrets; secret_mask() exists for text that may hold one.
 */
#ifndef CADE_LOG_H
#define CADE_LOG_H

#include "cade/util.h"

int	log_open(const char *path, char **cause);
void	log_close(void);
int	log_enabled(void);
void	log_write(const char *func, const char *fmt, ...) CADE_PRINTF(2, 3);

#define log_debug(...) do {						\
	if (log_enabled())						\
		log_write(__func__, __VA_ARGS__);			\
} while (0)

#endif
