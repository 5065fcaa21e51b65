/*
 * buf.c: the growable buffer (invariants in include/cade/buf.h).
 *
 * Growth doubles; every append checks the optional max first so input fed
 * from the network or a pty can never grow a buffer without bound.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"

/*
 * An empty buffer points at this shared byte instead of owning memory (as
 * git's strbuf does), so init and detach never allocate and a detached
 * buffer that is dropped leaks nothing.  cap == 0 means "not owned".
 */
static char buf_slop[1];

/* Start empty; s is never NULL. */
void
buf_init(struct buf *b, size_t max)
{
	b->s = buf_slop;
	b->cap = 0;
	b->len = 0;
	b->max = max;
}

/* Release the memory; the buffer is left empty and valid. */
void
buf_free(struct buf *b)
{
	if (b->cap != 0)
		free(b->s);
	buf_init(b, b->max);
}

/* Empty without releasing memory. */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap != 0)
		b->s[0] = '\0';
}

/* Hand the memory to the caller (always a fresh allocation for an empty
 * buffer); the buffer is left empty and valid. */
char *
buf_detach(struct buf *b, size_t *len)
{
	char *s = b->cap != 0 ? b->s : xstrdup("");

	if (len != NULL)
		*len = b->len;
	buf_init(b, b->max);
	return s;
}

/* Make room for n more bytes plus the NUL; -1 if over max. */
static int
buf_grow(struct buf *b, size_t n)
{
	size_t need;

	if (n > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + n + 1;
	if (b->max != 0 && b->len + n > b->max)
		return -1;
	if (need <= b->cap)
		return 0;
	if (b->cap == 0) {
		b->cap = need < 64 ? 64 : need;
		b->s = xmalloc(b->cap);
		b->s[0] = '\0';
		return 0;
	}
	while (b->cap < need)
		b->cap = b->cap < SIZE_MAX / 2 ? b->cap * 2 : need;
	b->s = xrealloc(b->s, b->cap);
	return 0;
}

/* Append bytes (may contain NULs). */
int
buf_append(struct buf *b, const void *data, size_t n)
{
	if (buf_grow(b, n) == -1)
		return -1;
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

/* Append a C string. */
int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

/* Append one byte. */
int
buf_putc(struct buf *b, int c)
{
	char ch = (char)c;

	return buf_append(b, &ch, 1);
}

/* Append formatted text. */
int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -1;
	if ((size_t)n >= b->cap - b->len) {
		if (buf_grow(b, (size_t)n) == -1) {
			b->s[b->len] = '\0';
			return -1;
		}
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	} else if (b->max != 0 && b->len + (size_t)n > b->max) {
		b->s[b->len] = '\0';
		return -1;
	}
	b->len += (size_t)n;
	return 0;
}

/* Append formatted text. */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

/* Remove n bytes from the front. */
void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->s, b->s + n, b->len - n);
	b->len -= n;
	b->s[b->len] = '\0';
}

/* Cut to n bytes. */
void
buf_truncate(struct buf *b, size_t n)
{
	if (n < b->len) {
		b->len = n;
		b->s[n] = '\0';
	}
}

/*
 * Append the bytes of base64 text s (RFC 4648: padding optional, no other
 * characters, whitespace included); -1 if s is not base64 or past max,
 * b unchanged.
 */
int
buf_unbase64(struct buf *b, const char *s, size_t len)
{
	size_t i, n = 0, start = b->len;
	uint32_t v = 0;
	unsigned char out[3];
	int c, d;

	while (len > 0 && s[len - 1] == '=' && n < 2) {
		len--;
		n++;
	}
	for (i = 0, n = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			d = c - 'A';
		else if (c >= 'a' && c <= 'z')
			d = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			d = c - '0' + 52;
		else if (c == '+')
			d = 62;
		else if (c == '/')
			d = 63;
		else
			goto fail;
		v = v << 6 | (uint32_t)d;
		if (++n == 4) {
			out[0] = (unsigned char)(v >> 16);
			out[1] = (unsigned char)(v >> 8);
			out[2] = (unsigned char)v;
			if (buf_append(b, out, 3) == -1)
				goto fail;
			n = 0;
			v = 0;
		}
	}
	/* 2 or 3 characters left: 1 or 2 bytes; 1 left is not base64. */
	if (n == 1)
		goto fail;
	if (n >= 2) {
		out[0] = (unsigned char)(v >> (n == 2 ? 4 : 10));
		out[1] = (unsigned char)(v >> 2);
		if (buf_append(b, out, n - 1) == -1)
			goto fail;
	}
	return 0;
fail:
	buf_truncate(b, start);
	return -1;
}

/* Append len bytes as base64 (RFC 4648, padded); -1 past max, unchanged. */
int
buf_base64(struct buf *b, const void *data, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = data;
	size_t i, start = b->len;
	char q[4];
	uint32_t v;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)s[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		q[0] = b64[v >> 18 & 63];
		q[1] = b64[v >> 12 & 63];
		q[2] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		q[3] = i + 2 < len ? b64[v & 63] : '=';
		if (buf_append(b, q, 4) == -1) {
			buf_truncate(b, start);
			return -1;
		}
	}
	return 0;
}
