/*
 * shellvt.c: the I/O-free half of the persistent shell: the escape-sequence
 * parser (shell_vt), the cleaner (shell_clean) and the bounded capture
 * (shell_capture); shell.c drives them with the bytes it reads (data flow
 * there, protocol in doc/SHELL.md).  Untrusted bytes: tests/fuzz_escape.c.
 *
 * The parser follows ECMA-48 and xterm's control sequences as far as
 * finding where a sequence ends: CSI up to its final byte, OSC up to BEL or
 * ST, DCS/SOS/PM/APC strings up to ST.  Only cade's OSC 6973 markers (with
 * the session's nonce) and CSI ?2004h/l are reported; everything else is
 * dropped.  Deviation: a sequence longer than SHELL_SEQ_MAX is still
 * skipped to its end but never inspected (it cannot be one of ours).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/sha256.h"
#include "cade/util.h"
#include "shell-int.h"

/* ---- escape sequence parser (no I/O) ---------------------------------- */

/* Keep a byte of the current sequence (bounded; longer ones are never ours). */
static void
shell_vt_keep(struct shell_vt *vt, unsigned char c)
{
	if (vt->seqlen < SHELL_SEQ_MAX)
		vt->seq[vt->seqlen++] = (char)c;
	else
		vt->overflow = 1;
}

void
shell_vt_begin(struct shell_vt *vt, enum shell_vt_state st)
{
	vt->state = st;
	vt->seqlen = 0;
	vt->overflow = 0;
}

/* An OSC ended: report it if it is one of our markers. */
static void
shell_vt_osc(struct shell_vt *vt, size_t off)
{
	const char *p;
	size_t nlen = strlen(vt->nonce);
	long rc;

	if (vt->overflow)
		return;
	vt->seq[vt->seqlen] = '\0';
	p = vt->seq;
	if (strncmp(p, SHELL_OSC ";cade;", 10) != 0)
		return;
	p += 10;
	if (strncmp(p, vt->nonce, nlen) != 0 || p[nlen] != ';')
		return;
	p += nlen + 1;
	if (strcmp(p, "S") == 0)
		vt->event(vt->arg, VT_EV_START, 0, off);
	else if (strcmp(p, "L") == 0)
		vt->event(vt->arg, VT_EV_LINEMODE, 0, off);
	else if (strcmp(p, "R") == 0)	/* line mode: the prompt is out */
		vt->event(vt->arg, VT_EV_READING, 0, off);
	else if (p[0] == 'E' && p[1] == ';' &&
	    util_parse_long(p + 2, 0, 255, &rc) == 0)
		vt->event(vt->arg, VT_EV_END, (int)rc, off);
}

/* A CSI ended with final byte c. */
static void
shell_vt_csi(struct shell_vt *vt, unsigned char c, size_t off)
{
	if (vt->overflow || vt->seqlen != 5 || memcmp(vt->seq, "?2004", 5) != 0)
		return;
	if (c == 'h')
		vt->event(vt->arg, VT_EV_READING, 0, off);
	else if (c == 'l')
		vt->event(vt->arg, VT_EV_READ, 0, off);
}

/*
 * Feed bytes: plain text goes to text() in runs, sequences are swallowed,
 * markers become event() calls with the offset just past them.  An ESC
 * inside any sequence starts a new one, so binary junk that opens an OSC
 * cannot hide the marker that follows it.
 */
void
shell_vt_feed(struct shell_vt *vt, const char *data, size_t len)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t i, run = 0;
	int inrun = 0;

#define FLUSH() do {							\
	if (inrun && i > run)						\
		vt->text(vt->arg, data + run, i - run);			\
	inrun = 0;							\
} while (0)
#define TEXT() do {							\
	if (!inrun) {							\
		run = i;						\
		inrun = 1;						\
	}								\
} while (0)
/* A byte no sequence takes: a control goes out at once, anything else ends it as text. */
#define STRAY() do {							\
	if (c < 0x20)							\
		vt->text(vt->arg, data + i, 1);				\
	else {								\
		vt->state = VT_GROUND;					\
		TEXT();							\
	}								\
} while (0)

	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (c == 0x1b) {
			FLUSH();
			if (vt->state == VT_OSC)
				vt->state = VT_OSC_ESC;	/* maybe ST (ESC \) */
			else if (vt->state == VT_STR)
				vt->state = VT_STR_ESC;
			else
				shell_vt_begin(vt, VT_ESC);
			continue;
		}
		if (c == 0x18 || c == 0x1a) {	/* CAN, SUB: abort */
			FLUSH();
			vt->state = VT_GROUND;
			continue;
		}
		switch (vt->state) {
		case VT_GROUND:
			TEXT();
			while (i + 1 < len && p[i + 1] != 0x1b &&
			    p[i + 1] != 0x18 && p[i + 1] != 0x1a)
				i++;
			break;
		case VT_ESC:
			if (c == '[')
				shell_vt_begin(vt, VT_CSI);
			else if (c == ']')
				shell_vt_begin(vt, VT_OSC);
			else if (c == 'P' || c == 'X' || c == '^' || c == '_')
				shell_vt_begin(vt, VT_STR);
			else if (c >= 0x20 && c <= 0x2f)
				vt->state = VT_ESC_INTER;
			else if (c >= 0x30 && c <= 0x7e)
				vt->state = VT_GROUND;
			else
				STRAY();
			break;
		case VT_ESC_INTER:
			if (c >= 0x30 && c <= 0x7e)
				vt->state = VT_GROUND;
			else if (c < 0x20 || c > 0x7e)
				STRAY();	/* 0x20-0x2f: more intermediates */
			break;
		case VT_CSI:
			if (c >= 0x40 && c <= 0x7e) {
				vt->state = VT_GROUND;
				shell_vt_csi(vt, c, i + 1);
			} else if (c >= 0x20 && c <= 0x3f)
				shell_vt_keep(vt, c);
			else
				STRAY();
			break;
		case VT_OSC:
			if (c == 0x07) {
				vt->state = VT_GROUND;
				shell_vt_osc(vt, i + 1);
			} else if (c < 0x20) {
				/* Real OSCs hold no line breaks: junk, give the text back. */
				vt->state = VT_GROUND;
				TEXT();
			} else
				shell_vt_keep(vt, c);
			break;
		case VT_OSC_ESC:
		case VT_STR_ESC:
			if (c == '\\') {
				if (vt->state == VT_OSC_ESC)
					shell_vt_osc(vt, i + 1);
				vt->state = VT_GROUND;
			} else {
				/* Not ST: the ESC began a new sequence. */
				shell_vt_begin(vt, VT_ESC);
				i--;
			}
			break;
		case VT_STR:
			if (c == 0x07)
				vt->state = VT_GROUND;
			else if (c < 0x20) {
				vt->state = VT_GROUND;
				TEXT();
			}
			break;
		}
	}
	FLUSH();
#undef FLUSH
#undef TEXT
#undef STRAY
}

/* ---- capture: head + tail of the cleaned output, bounded --------------- */

void
shell_capture_reset(struct shell_capture *c)
{
	buf_reset(&c->head);
	c->tail_len = 0;
	c->total = 0;
	sha256_init(&c->sha);
}

void
shell_capture_init(struct shell_capture *c, size_t limit)
{
	c->head_max = limit / 2;
	c->tail_max = limit - c->head_max;
	buf_init(&c->head, 0);
	c->tail = xmalloc(2 * c->tail_max + 1);
	shell_capture_reset(c);
}

void
shell_capture_free(struct shell_capture *c)
{
	buf_free(&c->head);
	free(c->tail);
}

/* Add cleaned bytes; the tail window slides so memory stays <= head + 2 * tail. */
static void
shell_capture_add(struct shell_capture *c, const char *s, size_t n)
{
	size_t take;

	sha256_update(&c->sha, s, n);
	c->total += n;
	if (c->head.len < c->head_max) {
		take = c->head_max - c->head.len;
		if (take > n)
			take = n;
		(void)buf_append(&c->head, s, take);
		s += take;
		n -= take;
	}
	while (n > 0) {
		if (c->tail_len == 2 * c->tail_max) {
			memmove(c->tail, c->tail + c->tail_max, c->tail_max);
			c->tail_len = c->tail_max;
		}
		take = 2 * c->tail_max - c->tail_len;
		if (take > n)
			take = n;
		memcpy(c->tail + c->tail_len, s, take);
		c->tail_len += take;
		s += take;
		n -= take;
	}
}

/* Length of the UTF-8 sequence a lead byte starts (1 for anything else). */
static size_t
shell_utf8_len(unsigned char c)
{
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/* Move the capture into a result: whole text, or head + note + tail. */
void
shell_capture_take(struct shell_capture *c, struct shell_result *r)
{
	struct buf out;
	uint8_t md[32];
	size_t hlen = c->head.len, tstart, tlen, i;

	sha256_final(&c->sha, md);
	for (i = 0; i < 32; i++)
		(void)snprintf(r->digest + 2 * i, 3, "%02x", md[i]);
	buf_init(&out, 0);
	if (c->total <= c->head_max + c->tail_max) {
		(void)buf_append(&out, c->head.s, c->head.len);
		(void)buf_append(&out, c->tail, c->tail_len);
	} else {
		/* Cut on character boundaries: back off a split lead, skip continuations. */
		for (i = 1; i <= 3 && i <= hlen; i++) {
			unsigned char b = (unsigned char)c->head.s[hlen - i];

			if ((b & 0xc0) != 0x80) {
				if (shell_utf8_len(b) > i)
					hlen -= i;
				break;
			}
		}
		tstart = c->tail_len - c->tail_max;
		while (tstart < c->tail_len &&
		    ((unsigned char)c->tail[tstart] & 0xc0) == 0x80)
			tstart++;
		tlen = c->tail_len - tstart;
		r->truncated = 1;
		r->dropped = c->total - hlen - tlen;
		(void)buf_append(&out, c->head.s, hlen);
		if (hlen > 0 && c->head.s[hlen - 1] != '\n')
			(void)buf_putc(&out, '\n');
		(void)buf_printf(&out, "[... %zu bytes dropped ...]\n",
		    r->dropped);
		(void)buf_append(&out, c->tail + tstart, tlen);
	}
	r->output = buf_detach(&out, &r->len);
	buf_free(&out);
	shell_capture_reset(c);
}

/* ---- cleaner: CR, control bytes, UTF-8 -------------------------------- */

void
shell_clean_init(struct shell_clean *k, struct shell_capture *cap)
{
	memset(k, 0, sizeof *k);
	k->bol = 1;
	k->cap = cap;
}

static void
shell_clean_emit(struct shell_clean *k, const void *s, size_t n)
{
	if (k->outlen + n > sizeof k->out) {
		shell_capture_add(k->cap, k->out, k->outlen);
		k->outlen = 0;
	}
	memcpy(k->out + k->outlen, s, n);
	k->outlen += n;
	k->bol = ((const char *)s)[n - 1] == '\n';
}

void
shell_clean_flush(struct shell_clean *k)
{
	if (k->outlen > 0)
		shell_capture_add(k->cap, k->out, k->outlen);
	k->outlen = 0;
}

/* 1 if c may follow the bytes in k->u8 (RFC 3629 table: no overlongs or surrogates). */
static int
shell_clean_cont(const struct shell_clean *k, unsigned char c)
{
	unsigned char lead = k->u8[0];

	if ((c & 0xc0) != 0x80)
		return 0;
	if (k->u8len == 1) {
		if (lead == 0xe0 && c < 0xa0)
			return 0;
		if (lead == 0xed && c > 0x9f)
			return 0;
		if (lead == 0xf0 && c < 0x90)
			return 0;
		if (lead == 0xf4 && c > 0x8f)
			return 0;
	}
	return 1;
}

static void
shell_clean_byte(struct shell_clean *k, unsigned char c)
{
	if (k->u8need > 0) {
		if (shell_clean_cont(k, c)) {
			k->u8[k->u8len++] = c;
			if (--k->u8need == 0)
				shell_clean_emit(k, k->u8, k->u8len);
			return;
		}
		k->u8need = 0;
		shell_clean_emit(k, "\xef\xbf\xbd", 3);
	}
	if (k->cr) {
		if (c == '\r')
			return;		/* CR CR LF: ONLCR on a program's own CR LF */
		k->cr = 0;
		if (c == '\n') {
			shell_clean_emit(k, "\n", 1);
			return;
		}
		/* A bare CR rewrites the line (progress bars): keep both as lines. */
		if (!k->bol)
			shell_clean_emit(k, "\n", 1);
	}
	if (c == '\r') {
		k->cr = 1;
		return;
	}
	if (c == '\n' || c == '\t') {
		shell_clean_emit(k, &c, 1);
		return;
	}
	if (c < 0x20 || c == 0x7f)
		return;
	if (c < 0x80) {
		shell_clean_emit(k, &c, 1);
		return;
	}
	if (c >= 0xc2 && c <= 0xf4) {
		k->u8[0] = c;
		k->u8len = 1;
		k->u8need = shell_utf8_len(c) - 1;
		return;
	}
	shell_clean_emit(k, "\xef\xbf\xbd", 3);
}

void
shell_clean_feed(struct shell_clean *k, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, j;

	while (i < n) {
		/* Fast path: a run of printable ASCII with nothing pending. */
		if (k->u8need == 0 && !k->cr) {
			for (j = i; j < n && p[j] >= 0x20 && p[j] < 0x7f; j++)
				;
			if (j - i > 1) {
				shell_clean_flush(k);
				shell_capture_add(k->cap, s + i, j - i);
				k->bol = 0;
				i = j;
				continue;
			}
		}
		shell_clean_byte(k, p[i++]);
	}
}

/* The command is over: settle a half sequence, drop a trailing CR. */
void
shell_clean_end(struct shell_clean *k)
{
	if (k->u8need > 0)
		shell_clean_emit(k, "\xef\xbf\xbd", 3);
	k->u8need = 0;
	k->cr = 0;
	k->bol = 1;
	shell_clean_flush(k);
}
