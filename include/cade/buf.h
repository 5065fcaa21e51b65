/*
 * buf.h: the one growable byte buffer.
 *
 * Invariants (after buf_init): s is never NULL and always NUL-terminated at
 * s[len].  An empty buffer owns no memory (cap == 0; s points at a shared
 * empty string), so init never allocates.  A non-zero max caps len: appends
 * that would pass it fail with -1 and leave the buffer unchanged ("toobig",
 * as curl does).  buf_detach() is the one way to take the memory (always a
 * fresh allocation the caller frees); the buffer is then empty and valid.
 */
#ifndef CADE_BUF_H
#define CADE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "cade/util.h"

struct buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
	size_t	 max;	/* 0: no limit */
};

void	buf_init(struct buf *, size_t max);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);
char	*buf_detach(struct buf *, size_t *len);
int	buf_append(struct buf *, const void *, size_t);
int	buf_puts(struct buf *, const char *);
int	buf_putc(struct buf *, int);
int	buf_printf(struct buf *, const char *, ...) CADE_PRINTF(2, 3);
int	buf_vprintf(struct buf *, const char *, va_list) CADE_PRINTF(2, 0);
/* Drop n bytes from the front (n > len drops all). */
void	buf_consume(struct buf *, size_t n);
/* Shorten to n bytes (n <= len). */
void	buf_truncate(struct buf *, size_t n);
/* Append data as base64 (RFC 4648, padded); -1 past max (unchanged). */
int	buf_base64(struct buf *, const void *data, size_t len);
/* Append the bytes base64 text s stands for (padding optional); -1 if it
 * is not base64 or past max (unchanged). */
int	buf_unbase64(struct buf *, const char *s, size_t len);

#endif
