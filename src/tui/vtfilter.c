/*
 * vtfilter.c: the few rewrites the terminal pane makes in the shell's byte
 * stream before libvterm reads it, for what libvterm 0.1.4 lacks.
 *
 *   SGR 2 (faint)       libvterm ignores it.  Rewritten to SGR 11 (first
 *                       alternative font), which libvterm does keep per cell
 *                       (attrs.font); vtpane.c draws font 1 as dim.  SGR 22
 *                       (normal intensity: ends bold and faint) gets a "10"
 *                       (primary font) after it.  SGR 10-19 from the program
 *                       itself are dropped: the pane has one font.
 *   DECSET/DECRST 47    the alternate screen without 1049's cursor save;
 *                       libvterm knows 1047 and 1049 only.  Rewritten to 1047.
 *   REP (CSI Ps b)      taken out of the stream, its offset in the output
 *                       and count noted (an event, ev[]): libvterm 0.1.4
 *                       repeats its last glyph forever when that glyph has
 *                       no width (or there is none yet: "\e[b" alone), so
 *                       vtpane.c repeats the glyph itself.  One cut up by
 *                       controls becomes an unknown CSI (final '~').
 *   CSI parameters      at most 16 (separators past the 15th dropped):
 *                       libvterm 0.1.4 writes a 17th past its array.
 *   DECSTBM             passed on unchanged; the region's top row is noted
 *                       (stbm_top): libvterm 0.1.4 keeps a region whose top
 *                       a smaller pane cuts off and then scrolls it with a
 *                       negative size, so vtpane.c resets the region first.
 *
 * SGR 9 (strikethrough) needs no rewrite: libvterm keeps it.  Colour
 * parameters (38/48/58 with ;5;N or ;2;R;G;B, or any colon form) are copied
 * untouched, so a "2" inside them is never read as faint.
 *
 * An incremental state machine with no I/O (doc/STYLE.md): bytes in, bytes
 * out, a CSI split anywhere across reads is held until its final byte.
 * Anything that is not a complete CSI sequence passes through unchanged; a
 * CSI longer than VTF_MAX_SEQ, or interrupted by a control, is passed on
 * raw, but for its separators past the 15th.  ECMA-48 5.4 for the CSI shape; xterm's ctlseqs for the
 * meaning of the parameters.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "tui-int.h"

enum { VTF_GROUND, VTF_ESC, VTF_CSI, VTF_CSI_RAW, VTF_STR, VTF_STR_ESC };

#define VTF_MIN_RUN	8	/* shorter runs are not worth an event */

/*
 * libvterm 0.1.4 keeps 16 CSI parameters but does not stop counting them:
 * a 17th separator writes past its array.  Separators beyond the 15th are
 * dropped, in every CSI however it is cut or interrupted by controls.
 */
#define VTF_MAX_PARAMS	16

/*
 * A byte of the CSI being read, as libvterm's parser sees it: 1 if it is a
 * separator past the limit (to drop).  f->inargs ends at the first byte
 * that is not a parameter byte, a leader before any, or a C0 control.
 */
static int
vtf_arg_byte(struct tui_vtfilter *f, unsigned char c)
{
	if (!f->inargs)
		return 0;
	if (c >= '0' && c <= '9') {
		f->args = 1;
		return 0;
	}
	if (c == ';' || c == ':') {
		f->args = 1;
		if (f->seps >= VTF_MAX_PARAMS - 1)
			return 1;
		f->seps++;
		return 0;
	}
	if (c >= 0x3c && c <= 0x3f && !f->args)
		return 0;	/* a leader */
	if (c < 0x20 || c == 0x7f)
		return 0;	/* executed inside the CSI; it goes on */
	f->inargs = 0;
	return 0;
}

/* See tui-int.h. */
void
tui_vtfilter_init(struct tui_vtfilter *f)
{
	memset(f, 0, sizeof *f);
	f->state = VTF_GROUND;
	memset(f->g, 'B', sizeof f->g);		/* US-ASCII in G0-G3 */
}

/* The value of a parameter token (digits only), capped; -1 if not digits. */
static long
vtf_num(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v < 100000)
			v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Append token t (one parameter, or "22;10") to the list being built, as
 * long as the list stays within the parameters libvterm keeps (*nput
 * counts them).
 */
static void
vtf_put(struct buf *b, int *nput, const char *t, size_t n)
{
	int k = 1;
	size_t i;

	for (i = 0; i < n; i++)	/* libvterm counts both separators */
		k += t[i] == ';' || t[i] == ':';
	if (*nput + k > VTF_MAX_PARAMS)
		return;
	if (*nput > 0)
		buf_putc(b, ';');
	buf_append(b, t, n);
	*nput += k;
}

/*
 * Rewrite an SGR's parameters p[0..n) (between "ESC [" and "m") into out.
 * Returns 0 if the sequence is to be dropped whole (it only set fonts).
 */
static int
vtf_sgr(const char *p, size_t n, struct buf *out)
{
	const char *tok[VTF_MAX_SEQ];
	size_t len[VTF_MAX_SEQ], nt = 0, i, j, skip;
	int nput = 0;
	long v;

	if (n == 0) {
		buf_puts(out, "\033[m");
		return 1;
	}
	for (i = 0; i <= n && nt < VTF_MAX_SEQ; i = j + 1) {
		for (j = i; j < n && p[j] != ';'; j++)
			;
		tok[nt] = p + i;
		len[nt++] = j - i;
	}
	buf_puts(out, "\033[");
	for (i = 0; i < nt; i++) {
		if (memchr(tok[i], ':', len[i]) != NULL) {
			vtf_put(out, &nput, tok[i], len[i]);
			continue;
		}
		v = len[i] == 0 ? 0 : vtf_num(tok[i], len[i]);
		if ((v == 38 || v == 48 || v == 58) && i + 1 < nt) {
			/* A colour: copy it whole, whatever its numbers. */
			skip = vtf_num(tok[i + 1], len[i + 1]) == 5 ? 2 :
			    vtf_num(tok[i + 1], len[i + 1]) == 2 ? 4 : 0;
			vtf_put(out, &nput, tok[i], len[i]);
			for (j = 1; j <= skip && i + j < nt; j++)
				vtf_put(out, &nput, tok[i + j], len[i + j]);
			i += j - 1;
		} else if (v == 2)
			vtf_put(out, &nput, "11", 2);
		else if (v == 22)
			vtf_put(out, &nput, "22;10", 5);
		else if (v >= 10 && v <= 19)
			continue;
		else
			vtf_put(out, &nput, tok[i], len[i]);
	}
	if (nput == 0) {
		out->len -= 2;		/* only fonts: nothing to send */
		out->s[out->len] = '\0';
		return 0;
	}
	buf_putc(out, 'm');
	return 1;
}

/* DECSET/DECRST ("ESC [ ? ... h|l"): 47 becomes 1047. */
static void
vtf_decset(const char *p, size_t n, char final, struct buf *out)
{
	size_t i, j;
	int nput = 0;

	buf_puts(out, "\033[?");
	for (i = 0; i <= n; i = j + 1) {
		for (j = i; j < n && p[j] != ';'; j++)
			;
		if (vtf_num(p + i, j - i) == 47 && j - i == 2)
			vtf_put(out, &nput, "1047", 4);
		else
			vtf_put(out, &nput, p + i, j - i);
	}
	buf_putc(out, final);
}

/* Note an event for the pane (see struct tui_vtf_ev). */
static void
vtf_event(struct tui_vtfilter *f, size_t at, long n, int run)
{
	if (f->nev == VTF_MAX_EV)
		return;
	f->ev[f->nev].at = at;
	f->ev[f->nev].n = n;
	f->ev[f->nev++].run = run;
}

/* RIS, DECSTR: libvterm's character sets and modes back to their start. */
static void
vtf_reset(struct tui_vtfilter *f)
{
	memset(f->g, 'B', sizeof f->g);
	f->gl = f->ss = f->insert = f->lrmm = 0;
}

/* Does parameter list p[0..n) hold the number v? */
static int
vtf_has(const char *p, size_t n, long v)
{
	size_t i, j;

	for (i = 0; i <= n; i = j + 1) {
		for (j = i; j < n && p[j] != ';' && p[j] != ':'; j++)
			;
		if (j > i && vtf_num(p + i, j - i) == v)
			return 1;
	}
	return 0;
}

/* A complete CSI in f->seq ("ESC [" ... final): rewritten or copied. */
static void
vtf_csi(struct tui_vtfilter *f, struct buf *out)
{
	const char *p = f->seq + 2;
	size_t n = f->n - 3, i;
	char final = f->seq[f->n - 1];

	for (i = 0; i < n; i++)
		if (p[i] < 0x30 || p[i] > 0x3f)
			break;		/* intermediates: not ours */
	if (i == n && final == 'm' && (n == 0 || (p[0] != '<' && p[0] != '=' &&
	    p[0] != '>' && p[0] != '?'))) {
		vtf_sgr(p, n, out);
		return;
	}
	if (i == n && (final == 'h' || final == 'l') && n > 1 && p[0] == '?') {
		if (vtf_has(p + 1, n - 1, 69))
			f->lrmm = final == 'h';
		vtf_decset(p + 1, n - 1, final, out);
		return;
	}
	if (i == n && (final == 'h' || final == 'l') && n > 0 && p[0] <= ';' &&
	    vtf_has(p, n, 4))
		f->insert = final == 'h';
	if (n == 1 && p[0] == '!' && final == 'p')
		vtf_reset(f);	/* DECSTR */
	if (i == n && final == 'b' && (n == 0 || (p[0] >= '0' && p[0] <= ';'))) {
		/* REP: taken out, its place and count noted for vtpane.c. */
		for (i = 0; i < n && p[i] != ';' && p[i] != ':'; i++)
			;
		vtf_event(f, out->len, i == 0 ? 1 : vtf_num(p, i), 0);
		return;
	}
	if (i == n && final == 'r' && (n == 0 || (p[0] >= '0' && p[0] <= ';'))) {
		/* DECSTBM, passed on; its top noted (see tui_vtfilter). */
		for (i = 0; i < n && p[i] != ';' && p[i] != ':'; i++)
			;
		f->stbm_top = i == 0 ? 1 : vtf_num(p, i);
	}
	buf_append(out, f->seq, f->n);
}

/*
 * Ground bytes in[i, end) (no ESC among them): copied to out at once;
 * runs of printable ASCII that libvterm will read as plain text (see
 * struct tui_vtf_ev) noted on the way, and the state that decides that
 * (SI/SO, a pending single shift, and whether libvterm's UTF-8 decoder
 * may hold something: after any 8-bit byte, until the next ASCII
 * character has gone through it) followed.
 */
static void
vtf_ground(struct tui_vtfilter *f, const char *in, size_t i, size_t end,
    struct buf *out)
{
	size_t base = out->len, j, start = (size_t)-1;
	unsigned char c;
	int plain = !f->nofast && !f->insert && !f->lrmm;

	for (j = i; j < end; j++) {
		c = (unsigned char)in[j];
		if (c >= 0x20 && c < 0x7f) {
			if (start == (size_t)-1 && !f->u8dirty && !f->ss &&
			    plain && f->g[f->gl] == 'B')
				start = j;
			f->u8dirty = 0;	/* libvterm's decoder is clean after it */
			f->ss = 0;
			continue;
		}
		if (start != (size_t)-1 && j - start >= VTF_MIN_RUN)
			vtf_event(f, base + (start - i), (long)(j - start), 1);
		start = (size_t)-1;
		if (c >= 0x80)
			f->u8dirty = 1;
		else if (c == 0x0e)
			f->gl = 1;	/* SO */
		else if (c == 0x0f)
			f->gl = 0;	/* SI */
	}
	if (start != (size_t)-1 && end - start >= VTF_MIN_RUN)
		vtf_event(f, base + (start - i), (long)(end - start), 1);
	buf_append(out, in + i, end - i);
}

/* ESC then c (no '[', no string): what it does to plain text. */
static void
vtf_escape(struct tui_vtfilter *f, unsigned char c)
{
	char inter = f->n > 1 ? f->seq[1] : 0;

	if (inter >= '(' && inter <= '+')
		f->g[inter - '('] = (char)c;	/* SCS: G0-G3 */
	else if (inter == '#')
		f->nofast = 1;	/* double-size lines: half as many columns */
	else if (inter == 0 && c == 'c')
		vtf_reset(f);	/* RIS */
	else if (inter == 0 && (c == 'n' || c == 'o'))
		f->gl = c == 'n' ? 2 : 3;	/* LS2, LS3 */
	else if (inter == 0 && (c == 'N' || c == 'O'))
		f->ss = 1;	/* SS2, SS3 */
}

/* See tui-int.h. */
void
tui_vtfilter_feed(struct tui_vtfilter *f, const char *in, size_t len,
    struct buf *out)
{
	size_t i, run;
	const char *esc;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c >= 0x80)
			f->u8dirty = 1;
		switch (f->state) {
		case VTF_GROUND:
			/* Copy the plain run up to the next ESC at once. */
			esc = memchr(in + i, '\033', len - i);
			run = esc != NULL ? (size_t)(esc - in) : len;
			vtf_ground(f, in, i, run, out);
			i = run;
			if (i < len) {
				f->seq[0] = '\033';
				f->n = 1;
				f->state = VTF_ESC;
			}
			break;
		case VTF_ESC:
			/*
			 * As libvterm's parser: controls run without ending
			 * the escape, NUL, DEL and 8-bit bytes are ignored in
			 * it, intermediates gather, '[' starts a CSI whatever
			 * came between, ']' and 'P' a string, and any other
			 * byte ends it.
			 */
			if (c == 0x00 || c == 0x7f || c >= 0x80)
				break;
			if (c < 0x20 && c != 0x1b && c != 0x18 && c != 0x1a) {
				buf_putc(out, (char)c);
				if (c == 0x0e || c == 0x0f)
					f->gl = c == 0x0e;
				break;
			}
			if (c >= 0x20 && c <= 0x2f) {
				if (f->n < VTF_MAX_SEQ - 1)
					f->seq[f->n++] = (char)c;
				break;
			}
			if (c == '[') {
				f->seq[0] = '\033';
				f->seq[1] = '[';
				f->n = 2;
				f->state = VTF_CSI;
				f->seps = 0;
				f->args = 0;
				f->inargs = 1;
				f->inter = 0;
				break;
			}
			if (c < 0x20) {
				/*
				 * ESC, CAN, SUB: libvterm drops the escape, so
				 * it is not passed on (a lone ESC would join
				 * what follows once a REP after it is taken
				 * out); the byte again, as ground.
				 */
				f->n = 0;
				f->state = VTF_GROUND;
				i--;
				break;
			}
			buf_append(out, f->seq, f->n);
			buf_putc(out, (char)c);
			f->state = c == ']' || c == 'P' ? VTF_STR : VTF_GROUND;
			if (f->state == VTF_GROUND)
				vtf_escape(f, c);
			f->n = 0;
			break;
		case VTF_STR:
		case VTF_STR_ESC:
			/*
			 * An OSC or DCS string, passed on: BEL or ST ends it,
			 * CAN and SUB cancel it, ESC then anything but a
			 * backslash starts an escape; controls run inside it.
			 */
			if (f->state == VTF_STR_ESC && c >= 0x20 && c != 0x7f) {
				if (c == '\\') {
					buf_putc(out, (char)c);
					f->state = VTF_GROUND;
				} else {
					/*
					 * libvterm drops the string and reads
					 * an escape from the ESC passed on: a
					 * CAN drops that ESC too, and the
					 * escape goes again whole (else a REP
					 * taken out of it left the ESC to
					 * join the text after it, and "ESC ]
					 * ESC [ b [ b" ran libvterm's own REP,
					 * which never ends: found by
					 * fuzz_grid).
					 */
					buf_putc(out, 0x18);
					f->seq[0] = '\033';
					f->n = 1;
					f->state = VTF_ESC;
					i--;
				}
				break;
			}
			if (c == 0x1b) {
				if (f->state == VTF_STR) {
					buf_putc(out, (char)c);
					f->state = VTF_STR_ESC;
				} else {	/* ESC ESC: a new escape */
					buf_putc(out, 0x18);
					f->seq[0] = '\033';
					f->n = 1;
					f->state = VTF_ESC;
				}
				break;
			}
			buf_putc(out, (char)c);
			if ((c == 0x07 && f->state == VTF_STR) || c == 0x18 ||
			    c == 0x1a)
				f->state = VTF_GROUND;
			break;
		case VTF_CSI:
			if (c == 0x1b || c == 0x18 || c == 0x1a) {
				/* libvterm drops the CSI too: not passed on. */
				f->n = 0;
				f->state = VTF_GROUND;
				i--;
				break;
			}
			if (c < 0x20 || c > 0x7e || f->n == VTF_MAX_SEQ) {
				/* Not one we rewrite: hand it on as it comes. */
				buf_append(out, f->seq, f->n);
				f->n = 0;
				f->state = VTF_CSI_RAW;
				i--;
				break;
			}
			if (vtf_arg_byte(f, c))
				break;
			f->seq[f->n++] = (char)c;
			if (c >= 0x40) {
				vtf_csi(f, out);
				f->n = 0;
				f->state = VTF_GROUND;
			}
			break;
		case VTF_CSI_RAW:
			/*
			 * The rest of a CSI passed on raw, as libvterm reads
			 * it: parameters (separators capped), intermediates,
			 * then a final or invalid byte; controls run inside.
			 */
			if (c == 0x1b || c == 0x18 || c == 0x1a) {
				/*
				 * libvterm drops what it has of the CSI; a CAN
				 * says so, or what follows a REP taken out
				 * would continue it.
				 */
				if (c == 0x1b)
					buf_putc(out, 0x18);
				f->state = VTF_GROUND;
				i--;
				break;
			}
			if (f->inargs) {
				if (vtf_arg_byte(f, c))
					break;
				if (f->inargs) {
					buf_putc(out, (char)c);
					break;
				}
			}
			if (c < 0x20 || c == 0x7f || (c >= 0x20 && c <= 0x2f)) {
				f->inter |= c >= 0x20 && c <= 0x2f;
				buf_putc(out, (char)c);
				break;
			}
			if (c == 'b' && !f->inter)
				c = '~';	/* a REP cut up: not run */
			if (c == 'r' && !f->inter)
				f->stbm_top = 1 << 20;	/* a region, unknown */
			buf_putc(out, (char)c);
			f->state = VTF_GROUND;
			break;
		}
	}
}
