/*
 * safe.c: text the model, a tool or a file controls, made harmless for a
 * terminal.
 *
 * Every byte that reaches the person's terminal from outside cade (the
 * model's answer, streamed text, command output, file names, a server's
 * error message, a policy file's line) goes through safe_text() first; the
 * terminal pane is the one exception, being a terminal by design.  The text
 * is decoded as UTF-8 (bytes that are not become U+FFFD) and:
 *   SAFE_VISIBLE  C0 controls, DEL and C1 controls are shown in caret form
 *                 (ESC as ^[, BEL as ^G, DEL as ^?, the C1 CSI U+009B as
 *                 ^[[ since it means ESC [), so an escape sequence is seen,
 *                 never obeyed;
 *   SAFE_STRIP    escape sequences (CSI, OSC, DCS/SOS/PM/APC strings, and
 *                 two-byte escapes, in their 7-bit and C1 forms) are removed
 *                 whole and other controls dropped, leaving the plain text:
 *                 for output that goes to a file or a pipe.
 * Newlines and tabs are kept in both; CR LF becomes LF.  --json output is
 * JSON-escaped instead (safe_json()).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/safe.h"
#include "cade/util.h"

/* Decode one UTF-8 character at s (n > 0); *cp is U+FFFD for a bad byte. */
static size_t
safe_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t need, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		c &= 0x07;
		min = 0x10000;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if (need >= n) {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = c;
	return need + 1;
}

/* See safe.h. */
int
safe_is_control(uint32_t cp)
{
	return (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7f ||
	    (cp >= 0x80 && cp < 0xa0);
}

/* See safe.h. */
size_t
safe_caret(uint32_t cp, char out[4])
{
	if (cp < 0x20 || cp == 0x7f) {
		out[0] = '^';
		out[1] = cp == 0x7f ? '?' : (char)(cp + 0x40);
		out[2] = '\0';
		return 2;
	}
	if (cp >= 0x80 && cp < 0xa0) {
		/* A C1 control is ESC followed by cp - 0x40. */
		out[0] = '^';
		out[1] = '[';
		out[2] = (char)(cp - 0x40);
		out[3] = '\0';
		return 3;
	}
	out[0] = '\0';
	return 0;
}

/*
 * Length of the escape sequence starting at s[i] (ESC or a C1 introducer,
 * already decoded as cp of k bytes), to the end of its final byte or
 * string terminator, or to the end of the text when it is cut.
 */
static size_t
safe_sequence(const unsigned char *s, size_t n, size_t i, uint32_t cp,
    size_t k)
{
	size_t j = i + k, m;
	uint32_t kind = cp, c;

	if (cp == 0x1b) {
		if (j >= n)
			return n - i;
		kind = s[j] >= 0x40 && s[j] < 0x60 ? s[j] + 0x40 : 0;
		if (kind == 0) {
			/* ESC, intermediates (0x20-0x2f), one final byte. */
			while (j < n && s[j] >= 0x20 && s[j] < 0x30)
				j++;
			if (j < n && s[j] >= 0x30 && s[j] < 0x7f)
				j++;
			return j - i;
		}
		j++;
	}
	if (kind == 0x9b) {
		/* CSI: parameters and intermediates, then a final byte. */
		while (j < n && s[j] >= 0x20 && s[j] < 0x40)
			j++;
		while (j < n && s[j] >= 0x20 && s[j] < 0x30)
			j++;
		return (j < n && s[j] >= 0x40 && s[j] < 0x7f ? j + 1 : j) - i;
	}
	if (kind == 0x9d || kind == 0x90 || kind == 0x98 || kind == 0x9e ||
	    kind == 0x9f) {
		/* A string: up to BEL (OSC), ESC \ or ST (U+009C). */
		while (j < n) {
			if (s[j] == 0x07 && kind == 0x9d)
				return j + 1 - i;
			if (s[j] == 0x1b && j + 1 < n && s[j + 1] == '\\')
				return j + 2 - i;
			m = safe_decode(s + j, n - j, &c);
			if (c == 0x9c)
				return j + m - i;
			j += m;
		}
		return n - i;
	}
	return j - i;	/* other C1 controls and ESC Fe: just themselves */
}

/* Neutralise text into b. */
static void
safe_run(struct buf *b, const char *text, size_t n, enum safe_mode mode)
{
	const unsigned char *s = (const unsigned char *)text;
	char caret[4];
	uint32_t cp;
	size_t i = 0, k;

	while (i < n) {
		k = safe_decode(s + i, n - i, &cp);
		if (cp == '\r' && i + 1 < n && s[i + 1] == '\n') {
			i++;
			continue;
		}
		if (!safe_is_control(cp)) {
			if (cp == 0xfffd && k == 1)
				(void)buf_puts(b, "\xef\xbf\xbd");
			else
				(void)buf_append(b, text + i, k);
			i += k;
			continue;
		}
		if (mode == SAFE_VISIBLE) {
			safe_caret(cp, caret);
			(void)buf_puts(b, caret);
			i += k;
			continue;
		}
		if (cp == 0x1b || (cp >= 0x80 && cp < 0xa0))
			i += safe_sequence(s, n, i, cp, k);
		else
			i += k;
	}
}

/* See safe.h. */
char *
safe_text(const char *text, size_t n, enum safe_mode mode, size_t *outlen)
{
	struct buf b;

	buf_init(&b, 0);
	safe_run(&b, text, n, mode);
	return buf_detach(&b, outlen);
}

/* See safe.h. */
int
safe_clean(const char *s, size_t n)
{
	uint32_t cp;
	size_t i = 0, k;

	while (i < n) {
		k = safe_decode((const unsigned char *)s + i, n - i, &cp);
		if (safe_is_control(cp) || (cp == 0xfffd && k == 1))
			return 0;
		i += k;
	}
	return 1;
}

/* See safe.h. */
enum safe_mode
safe_mode_for(FILE *f)
{
	return isatty(fileno(f)) ? SAFE_VISIBLE : SAFE_STRIP;
}

/* See safe.h. */
void
safe_fputs(const char *s, FILE *f)
{
	char *t;
	size_t n;

	if (safe_clean(s, strlen(s))) {
		fputs(s, f);
		return;
	}
	t = safe_text(s, strlen(s), safe_mode_for(f), &n);
	fwrite(t, 1, n, f);
	free(t);
}

/* See safe.h. */
void
safe_fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	safe_fputs(s, f);
	free(s);
}

/* See safe.h. */
char *
safe_json(const char *json)
{
	struct buf b;
	const char *p;

	/* C1 controls (U+0080-U+009F are C2 80-C2 9F in UTF-8) and DEL. */
	if (strstr(json, "\x7f") == NULL && strstr(json, "\xc2") == NULL)
		return xstrdup(json);
	buf_init(&b, 0);
	for (p = json; *p != '\0'; p++) {
		if (*p == 0x7f)
			(void)buf_puts(&b, "\\u007f");
		else if ((unsigned char)p[0] == 0xc2 &&
		    (unsigned char)p[1] >= 0x80 && (unsigned char)p[1] < 0xa0) {
			(void)buf_printf(&b, "\\u%04x", (unsigned char)p[1]);
			p++;
		} else
			(void)buf_putc(&b, *p);
	}
	return buf_detach(&b, NULL);
}
