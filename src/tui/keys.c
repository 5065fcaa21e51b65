/*
 * keys.c: the key decoder: bytes from the terminal in, keys out.
 *
 * cade reads the tty itself rather than through getch(): it must see a
 * bracketed paste whole (so a pasted newline never sends the message), pass
 * keys on to the terminal pane re-encoded for the inner program's modes,
 * and never sleep waiting for the rest of an escape sequence.  The decoder
 * is an incremental state machine with no I/O: tui_keys_feed() takes any
 * chunk (split anywhere, even inside a UTF-8 character or a CSI sequence)
 * and calls back once per key.  A lone ESC is ambiguous with the start of a
 * sequence; the caller arms a short timer when tui_keys_pending() says so
 * and calls tui_keys_flush() when it fires (as ncurses' ESCDELAY does, but
 * without blocking).
 *
 * Understood: UTF-8 text; C0 controls (Enter is 0x0d, Ctrl-J 0x0a); ESC
 * prefixes as Alt; CSI cursor/editing/function keys in the xterm, VT220
 * and rxvt forms with xterm modifier parameters; SS3 keys (application
 * mode); CSI-u and modifyOtherKeys forms (tmux extended-keys); SGR mouse;
 * focus in/out; the DECRQM reply for mode 2026; bracketed paste (ESC [200~
 * ... ESC [201~); control strings the terminal sends as replies (OSC, DCS,
 * APC up to BEL or ST: an OSC reply becomes one TUI_KEY_OSC event, the
 * others are dropped).  Unknown sequences are dropped whole.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "tui-int.h"

#define KEYS_MAX_SEQ	64
#define KEYS_MAX_STR	1024	/* an OSC/DCS reply body kept; the rest dropped */

struct tui_keys {
	tui_key_fn	 fn;
	void		*arg;
	unsigned char	 seq[KEYS_MAX_SEQ];	/* an incomplete sequence */
	size_t		 nseq;
	int		 in_paste;
	size_t		 paste_match;		/* bytes of ESC [201~ matched */
	struct buf	 paste;
	size_t		 max_paste;
	int		 truncated;
	/* A control string from the terminal (OSC, DCS, APC reply). */
	int		 in_str;		/* its introducer: ']', 'P', '_' */
	int		 str_esc;		/* the last byte was ESC */
	struct buf	 str;
};

static const char keys_paste_end[] = "\033[201~";

/* See tui-int.h. */
struct tui_keys *
tui_keys_new(size_t max_paste, tui_key_fn fn, void *arg)
{
	struct tui_keys *k = xcalloc(1, sizeof *k);

	k->fn = fn;
	k->arg = arg;
	k->max_paste = max_paste;
	buf_init(&k->paste, 0);
	buf_init(&k->str, KEYS_MAX_STR);
	return k;
}

/* See tui-int.h. */
void
tui_keys_free(struct tui_keys *k)
{
	if (k == NULL)
		return;
	buf_free(&k->paste);
	buf_free(&k->str);
	free(k);
}

/* Deliver a key, with the text it carries (a paste, an OSC reply) or none. */
static void
keys_emit_text(struct tui_keys *k, int key, int mod, const char *text,
    size_t len)
{
	struct tui_key ev = { .key = key, .mod = mod, .text = text,
	    .len = len };

	k->fn(&ev, k->arg);
}

/* Deliver a simple key. */
static void
keys_emit(struct tui_keys *k, int key, int mod)
{
	keys_emit_text(k, key, mod, NULL, 0);
}

/* Deliver the collected paste. */
static void
keys_emit_paste(struct tui_keys *k)
{
	keys_emit_text(k, TUI_KEY_PASTE, 0, k->paste.s, k->paste.len);
	buf_reset(&k->paste);
	k->in_paste = 0;
	k->paste_match = 0;
}

/* One paste byte: match the end marker, else collect (up to the cap). */
static void
keys_paste_byte(struct tui_keys *k, unsigned char c)
{
	size_t m;

	for (;;) {
		if (c == (unsigned char)keys_paste_end[k->paste_match]) {
			if (++k->paste_match == sizeof keys_paste_end - 1)
				keys_emit_paste(k);
			return;
		}
		if (k->paste_match == 0)
			break;
		/* A partial match was paste content after all. */
		m = k->paste_match;
		k->paste_match = 0;
		if (k->paste.len + m <= k->max_paste)
			buf_append(&k->paste, keys_paste_end, m);
		else
			k->truncated = 1;
	}
	if (k->paste.len < k->max_paste)
		buf_putc(&k->paste, c);
	else
		k->truncated = 1;
}

/*
 * A control string ended (BEL or ST): an OSC reply goes up as one
 * TUI_KEY_OSC event with its body ("11;rgb:..."); DCS and APC replies are
 * dropped.  Nothing of either ever reaches the editor as typing.
 */
static void
keys_str_end(struct tui_keys *k, int complete)
{
	if (complete && k->in_str == ']')
		keys_emit_text(k, TUI_KEY_OSC, 0, k->str.len > 0 ? k->str.s : "",
		    k->str.len);
	buf_reset(&k->str);
	k->in_str = 0;
	k->str_esc = 0;
}

/* One byte inside a control string. */
static void
keys_str_byte(struct tui_keys *k, unsigned char c)
{
	if (k->str_esc) {
		k->str_esc = 0;
		if (c == '\\') {
			keys_str_end(k, 1);
			return;
		}
		/* ESC then anything else: the string was cut; start over. */
		keys_str_end(k, 0);
		k->seq[k->nseq++] = 0x1b;
		k->seq[k->nseq++] = c;
		return;
	}
	if (c == 0x07)
		keys_str_end(k, 1);
	else if (c == 0x1b)
		k->str_esc = 1;
	else if (c == 0x18 || c == 0x1a)	/* CAN, SUB: abandoned */
		keys_str_end(k, 0);
	else
		(void)buf_putc(&k->str, (char)c);	/* past the cap: dropped */
}

/*
 * Does ESC x y start a control string?  Only the forms terminals answer
 * with: OSC with a number (ESC ] 11;...), DCS replies (ESC P 1$r, ESC P >|,
 * ESC P !|), kitty's APC (ESC _ G).  Alt-] followed by a letter stays a key.
 */
static int
keys_str_start(unsigned char x, unsigned char y)
{
	if (x == ']')
		return y >= '0' && y <= '9';
	if (x == 'P')
		return (y >= '0' && y <= '9') || y == '>' || y == '!';
	if (x == '_')
		return y == 'G';
	return 0;
}

/* xterm modifier parameter (1 + bits) to TUI_MOD_*. */
static int
keys_mod(long p)
{
	int m = 0;

	if (p < 2)
		return 0;
	p -= 1;
	if (p & 1)
		m |= TUI_MOD_SHIFT;
	if (p & 2)
		m |= TUI_MOD_ALT;
	if (p & 4)
		m |= TUI_MOD_CTRL;
	return m;
}

/* "~" keys: VT220 numbers to keys. */
static int
keys_tilde(long n)
{
	switch (n) {
	case 1: case 7: return TUI_KEY_HOME;
	case 2: return TUI_KEY_INS;
	case 3: return TUI_KEY_DEL;
	case 4: case 8: return TUI_KEY_END;
	case 5: return TUI_KEY_PGUP;
	case 6: return TUI_KEY_PGDN;
	case 11: case 12: case 13: case 14: case 15:
		return TUI_KEY_F1 + (int)(n - 11);
	case 17: case 18: case 19: case 20: case 21:
		return TUI_KEY_F1 + 5 + (int)(n - 17);
	case 23: case 24:
		return TUI_KEY_F1 + 10 + (int)(n - 23);
	}
	return TUI_KEY_NONE;
}

/*
 * The key a CSI or SS3 final letter names on its own (cursor keys, Home,
 * End, F1-F4: both forms send these), or TUI_KEY_NONE.
 */
static int
keys_letter(int c)
{
	static const struct {
		char	c;
		int	key;
	} t[] = {
		{ 'A', TUI_KEY_UP }, { 'B', TUI_KEY_DOWN },
		{ 'C', TUI_KEY_RIGHT }, { 'D', TUI_KEY_LEFT },
		{ 'H', TUI_KEY_HOME }, { 'F', TUI_KEY_END },
		{ 'P', TUI_KEY_F1 }, { 'Q', TUI_KEY_F1 + 1 },
		{ 'R', TUI_KEY_F1 + 2 }, { 'S', TUI_KEY_F1 + 3 },
	};
	size_t i;

	for (i = 0; i < nitems(t); i++)
		if (t[i].c == c)
			return t[i].key;
	return TUI_KEY_NONE;
}

/* A codepoint with modifiers from CSI-u / modifyOtherKeys to a key. */
static void
keys_emit_code(struct tui_keys *k, long code, int mod)
{
	if ((mod & TUI_MOD_CTRL) && code >= 0x40 && code < 0x80) {
		code &= 0x1f;
		mod &= ~TUI_MOD_CTRL;
	} else if ((mod & TUI_MOD_SHIFT) && code >= 0x20 && code < 0x7f)
		mod &= ~TUI_MOD_SHIFT;	/* the code is already shifted */
	if (code == 13 || code == 9 || code == 27 || code == 127 ||
	    code >= 0x20)
		keys_emit(k, (int)code, mod);
	else if (code > 0)
		keys_emit(k, (int)code, mod);
}

/* Decode a complete CSI sequence (seq[0..n) starts with ESC [). */
static void
keys_csi(struct tui_keys *k, const unsigned char *s, size_t n, int alt)
{
	long p[8];
	int np = 0, leader = 0, inter = 0, mod;
	unsigned char final = s[n - 1];
	struct tui_key ev;
	size_t i = 2;

	memset(p, 0, sizeof p);
	if (i < n - 1 && (s[i] == '<' || s[i] == '?' || s[i] == '>' ||
	    s[i] == '='))
		leader = s[i++];
	for (; i < n - 1; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (np == 0)
				np = 1;
			if (p[np - 1] < 100000)
				p[np - 1] = p[np - 1] * 10 + (s[i] - '0');
		} else if (s[i] == ';' || s[i] == ':') {
			if (np == 0)
				np = 1;
			if (np < (int)nitems(p))
				np++;
		} else if (s[i] >= 0x20 && s[i] <= 0x2f)
			inter = s[i];
	}
	mod = (np >= 2 ? keys_mod(p[1]) : 0) | (alt ? TUI_MOD_ALT : 0);

	if (leader == '<' && (final == 'M' || final == 'm') && np >= 3) {
		memset(&ev, 0, sizeof ev);
		ev.key = TUI_KEY_MOUSE;
		ev.mouse_b = (int)p[0];
		ev.mouse_x = (int)p[1] - 1;
		ev.mouse_y = (int)p[2] - 1;
		ev.mouse_release = final == 'm';
		k->fn(&ev, k->arg);
		return;
	}
	if (leader == '?' && inter == '$' && final == 'y') {
		if (np >= 2 && p[0] == 2026) {
			memset(&ev, 0, sizeof ev);
			ev.key = TUI_KEY_SYNC_REPLY;
			ev.mouse_b = (int)p[1];
			k->fn(&ev, k->arg);
		}
		return;
	}
	if (leader != 0 || inter != 0)
		return;
	if (keys_letter(final) != TUI_KEY_NONE) {
		keys_emit(k, keys_letter(final), mod);
		return;
	}
	switch (final) {
	case 'Z': keys_emit(k, TUI_KEY_BTAB, mod); return;
	case 'I': keys_emit(k, TUI_KEY_FOCUS_IN, 0); return;
	case 'O': keys_emit(k, TUI_KEY_FOCUS_OUT, 0); return;
	case 'u':
		if (np >= 1)
			keys_emit_code(k, p[0], mod);
		return;
	case '~':
		if (np >= 1 && p[0] == 200) {
			k->in_paste = 1;
			k->paste_match = 0;
			k->truncated = 0;
			buf_reset(&k->paste);
			return;
		}
		if (np >= 3 && p[0] == 27) {	/* modifyOtherKeys */
			keys_emit_code(k, p[2], keys_mod(p[1]));
			return;
		}
		if (np >= 1 && keys_tilde(p[0]) != TUI_KEY_NONE)
			keys_emit(k, keys_tilde(p[0]), mod);
		return;
	case '^': case '$': case '@':	/* rxvt: ^ ctrl, $ shift, @ both */
		if (np >= 1 && keys_tilde(p[0]) != TUI_KEY_NONE)
			keys_emit(k, keys_tilde(p[0]), (final == '$' ?
			    TUI_MOD_SHIFT : final == '^' ? TUI_MOD_CTRL :
			    TUI_MOD_CTRL | TUI_MOD_SHIFT) | mod);
		return;
	}
}

/* Decode an SS3 key (ESC O x). */
static void
keys_ss3(struct tui_keys *k, unsigned char c, int alt)
{
	int mod = alt ? TUI_MOD_ALT : 0;

	if (keys_letter(c) != TUI_KEY_NONE)
		keys_emit(k, keys_letter(c), mod);
	else if (c == 'M')
		keys_emit(k, '\r', mod);
	else if (c >= 'j' && c <= 'y')	/* keypad in application mode */
		keys_emit(k, "*+,-./0123456789"[c - 'j'], mod);
}

/* Length of a UTF-8 sequence from its first byte (1 for invalid). */
static size_t
keys_utf8_len(unsigned char c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 1;
}

/* Decode one UTF-8 character (complete); U+FFFD if invalid. */
static int
keys_utf8(const unsigned char *s, size_t n)
{
	wchar_t *w;
	int c, len;

	w = tui_utf8_to_wcs((const char *)s, n, &len);
	c = len == 1 ? (int)w[0] : 0xfffd;
	free(w);
	return c;
}

/*
 * Try to decode one key at the start of seq.  Returns bytes used, or 0 if
 * more bytes are needed (final: decode what there is anyway).
 */
static size_t
keys_one(struct tui_keys *k, const unsigned char *s, size_t n, int final)
{
	size_t i, need, off = 0;
	int alt = 0;

	if (s[0] == 0x1b) {
		if (n == 1) {
			if (!final)
				return 0;
			keys_emit(k, 0x1b, 0);
			return 1;
		}
		if (s[1] == '[' || s[1] == 'O') {
			off = 0;
		} else if (s[1] == 0x1b && n >= 3 && (s[2] == '[' ||
		    s[2] == 'O')) {
			off = 1;	/* ESC ESC [ ...: Alt plus a sequence */
			alt = 1;
		} else if (s[1] == 0x1b && n == 2 && !final) {
			return 0;
		} else if (s[1] == 0x1b) {
			keys_emit(k, 0x1b, 0);
			return 1;
		} else if ((s[1] == ']' || s[1] == 'P' || s[1] == '_') &&
		    n == 2 && !final) {
			return 0;	/* a reply's start, or Alt + the key */
		} else if (n >= 3 && keys_str_start(s[1], s[2])) {
			k->in_str = s[1];
			k->str_esc = 0;
			buf_reset(&k->str);
			(void)buf_putc(&k->str, (char)s[2]);
			return 3;
		} else {
			/* Alt + a key (maybe a UTF-8 character). */
			need = keys_utf8_len(s[1]);
			if (n < 1 + need) {
				if (!final)
					return 0;
				need = n - 1;
			}
			if (need == 1)
				keys_emit(k, s[1] == 0x7f ? 0x7f : s[1],
				    TUI_MOD_ALT);
			else
				keys_emit(k, keys_utf8(s + 1, need),
				    TUI_MOD_ALT);
			return 1 + need;
		}
		s += off;
		n -= off;
		if (n < 2 || (n == 2 && !final))
			return 0;
		if (n == 2) {	/* final: ESC [ or ESC O alone means Alt-[ / Alt-O */
			keys_emit(k, s[1], TUI_MOD_ALT | (alt ? 0 : 0));
			return 2 + off;
		}
		if (s[1] == 'O') {
			keys_ss3(k, s[2], alt);
			return 3 + off;
		}
		for (i = 2; i < n; i++) {
			if (s[i] >= 0x40 && s[i] <= 0x7e) {
				keys_csi(k, s, i + 1, alt);
				return i + 1 + off;
			}
			if (s[i] < 0x20 || s[i] > 0x7e) {
				/* Broken sequence: drop what came before. */
				return i + off;
			}
		}
		if (!final && n < KEYS_MAX_SEQ)
			return 0;
		return n + off;		/* unterminated: drop */
	}
	if (s[0] >= 0x80) {
		need = keys_utf8_len(s[0]);
		if (n < need) {
			if (!final)
				return 0;
			keys_emit(k, 0xfffd, 0);
			return n;
		}
		keys_emit(k, keys_utf8(s, need), 0);
		return need;
	}
	keys_emit(k, s[0], 0);
	return 1;
}

/* Decode as much of the pending sequence as is complete. */
static void
keys_drain(struct tui_keys *k, int final)
{
	size_t used;

	while (k->nseq > 0 && !k->in_paste && !k->in_str) {
		used = keys_one(k, k->seq, k->nseq, final);
		if (used == 0)
			break;
		memmove(k->seq, k->seq + used, k->nseq - used);
		k->nseq -= used;
	}
}

/* See tui-int.h. */
void
tui_keys_feed(struct tui_keys *k, const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i;

	for (i = 0; i < len; i++) {
		if (k->in_paste) {
			keys_paste_byte(k, p[i]);
			continue;
		}
		if (k->in_str) {
			keys_str_byte(k, p[i]);
			if (!k->in_str && k->nseq > 0)
				keys_drain(k, 0);
			continue;
		}
		if (k->nseq == KEYS_MAX_SEQ)
			keys_drain(k, 1);
		k->seq[k->nseq++] = p[i];
		/* Decode eagerly so a paste start switches modes at once. */
		keys_drain(k, 0);
	}
}

/* See tui-int.h. */
int
tui_keys_pending(const struct tui_keys *k)
{
	if (k->in_paste || k->in_str)
		return 2;
	return k->nseq > 0;
}

/* Timeout: a lone ESC is ESC; an unfinished paste ends here. */
void
tui_keys_flush(struct tui_keys *k)
{
	if (k->in_paste) {
		keys_emit_paste(k);
		return;
	}
	if (k->in_str) {	/* a reply that never ended: drop it */
		keys_str_end(k, 0);
		return;
	}
	keys_drain(k, 1);
}

/* See tui-int.h. */
int
tui_keys_paste_truncated(const struct tui_keys *k)
{
	return k->truncated;
}

/* A readable name for a key. */
const char *
tui_key_name(const struct tui_key *key)
{
	static const struct {
		int		 key;
		const char	*name;
	} names[] = {
		{ TUI_KEY_UP, "Up" }, { TUI_KEY_DOWN, "Down" },
		{ TUI_KEY_LEFT, "Left" }, { TUI_KEY_RIGHT, "Right" },
		{ TUI_KEY_HOME, "Home" }, { TUI_KEY_END, "End" },
		{ TUI_KEY_PGUP, "PgUp" }, { TUI_KEY_PGDN, "PgDn" },
		{ TUI_KEY_INS, "Ins" }, { TUI_KEY_DEL, "Del" },
		{ TUI_KEY_BTAB, "BTab" }, { TUI_KEY_PASTE, "Paste" },
		{ TUI_KEY_MOUSE, "Mouse" }, { '\r', "Enter" }, { '\t', "Tab" },
		{ 0x1b, "Esc" }, { 0x7f, "BSpace" }, { ' ', "Space" },
	};
	static char name[64];
	char base[32];
	int c = key->key;
	size_t i;

	for (i = 0; i < nitems(names) && names[i].key != c; i++)
		;
	if (c >= TUI_KEY_F1 && c <= TUI_KEY_F12)
		snprintf(base, sizeof base, "F%d", c - TUI_KEY_F1 + 1);
	else if (i < nitems(names))
		snprintf(base, sizeof base, "%s", names[i].name);
	else if (c >= 0 && c < 0x20)
		snprintf(base, sizeof base, "C-%c", c + 0x60);
	else if (c < 0x80)
		snprintf(base, sizeof base, "%c", c);
	else if (c < 0x110000)
		snprintf(base, sizeof base, "U+%04X", c);
	else
		snprintf(base, sizeof base, "?%d", c);
	snprintf(name, sizeof name, "%s%s%s%s",
	    key->mod & TUI_MOD_CTRL ? "C-" : "",
	    key->mod & TUI_MOD_ALT ? "M-" : "",
	    key->mod & TUI_MOD_SHIFT ? "S-" : "", base);
	return name;
}
