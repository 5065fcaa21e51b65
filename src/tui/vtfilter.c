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
 *                       and count noted (rep_at, rep_n): libvterm 0.1.4
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

enum { VTF_GROUND, VTF_ESC, VTF_CSI, VTF_CSI_RAW };

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

	for (i = 0; i < n; i++)
		k += t[i] == ';';
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
		vtf_decset(p + 1, n - 1, final, out);
		return;
	}
	if (i == n && final == 'b' && (n == 0 || (p[0] >= '0' && p[0] <= ';'))) {
		/* REP: taken out, its place and count noted for vtpane.c. */
		if (f->nrep < VTF_MAX_REP) {
			for (i = 0; i < n && p[i] != ';' && p[i] != ':'; i++)
				;
			f->rep_at[f->nrep] = out->len;
			f->rep_n[f->nrep++] = i == 0 ? 1 : vtf_num(p, i);
		}
		return;
	}
	if (i == n && final == 'r' && (n == 0 || (p[0] >= '0' && p[0] <= ';'))) {
		/* DECSTBM, passed on; its top noted (see tui_vtfilter). */
		for (i = 0; i < n && p[i] != ';'; i++)
			;
		f->stbm_top = i == 0 ? 1 : vtf_num(p, i);
	}
	buf_append(out, f->seq, f->n);
}

/* See tui-int.h. */
void
tui_vtfilter_feed(struct tui_vtfilter *f, const char *in, size_t len,
    struct buf *out)
{
	size_t i, run;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		switch (f->state) {
		case VTF_GROUND:
			/* Copy the plain run up to the next ESC at once. */
			for (run = i; run < len && in[run] != '\033'; run++)
				;
			buf_append(out, in + i, run - i);
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
			 * it, intermediates gather, and '[' starts a CSI
			 * whatever came between (so the CSI is seen here too).
			 */
			if (c == 0x00 || c == 0x7f || c >= 0x80)
				break;
			if (c < 0x20 && c != 0x1b && c != 0x18 && c != 0x1a) {
				buf_putc(out, (char)c);
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
			} else {
				buf_append(out, f->seq, f->n);
				f->n = 0;
				f->state = VTF_GROUND;
				i--;	/* this byte again, as ground */
			}
			break;
		case VTF_CSI:
			if (c == 0x1b || c == 0x18 || c == 0x1a) {
				/* libvterm drops the CSI too. */
				buf_append(out, f->seq, f->n);
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
			/* The rest of a CSI passed on raw, its separators capped. */
			if (c == 0x1b || c == 0x18 || c == 0x1a || !f->inargs) {
				f->state = VTF_GROUND;
				i--;
				break;
			}
			if (vtf_arg_byte(f, c))
				break;
			if (!f->inargs) {
				f->state = VTF_GROUND;
				if (c == 'b')
					c = '~';	/* a REP cut up: not run */
			}
			buf_putc(out, (char)c);
			break;
		}
	}
}
