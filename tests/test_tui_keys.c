/*
 * test_tui_keys.c: the key decoder (sequences split at every byte, ESC
 * timeout, bracketed paste never submitting) and the editor (readline
 * keys, newline keys, history saved across sessions in a real file).
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "../src/tui/tui-int.h"
#include "tap.h"

static struct buf names;

/* Record each key by name, pastes with their text. */
static void
collect(const struct tui_key *k, void *arg)
{
	(void)arg;
	if (names.len > 0)
		buf_putc(&names, ' ');
	if (k->key == TUI_KEY_PASTE)
		buf_printf(&names, "Paste[%.*s]", (int)k->len, k->text);
	else if (k->key == TUI_KEY_OSC)
		buf_printf(&names, "OSC[%.*s]", (int)k->len, k->text);
	else if (k->key == TUI_KEY_SYNC_REPLY)
		buf_printf(&names, "Sync=%d", k->mouse_b);
	else if (k->key == TUI_KEY_MOUSE)
		buf_printf(&names, "Mouse%d@%d,%d", k->mouse_b, k->mouse_x,
		    k->mouse_y);
	else
		buf_puts(&names, tui_key_name(k));
}

/* Decode s in one go and byte by byte; both must give want. */
static void
decode(const char *s, const char *want, const char *what)
{
	struct tui_keys *k;
	size_t i, n = strlen(s);
	char *whole;

	buf_reset(&names);
	k = tui_keys_new(1 << 20, collect, NULL);
	tui_keys_feed(k, s, n);
	if (tui_keys_pending(k))
		tui_keys_flush(k);
	whole = xstrdup(names.s);
	tui_keys_free(k);

	buf_reset(&names);
	k = tui_keys_new(1 << 20, collect, NULL);
	for (i = 0; i < n; i++)
		tui_keys_feed(k, s + i, 1);
	if (tui_keys_pending(k))
		tui_keys_flush(k);
	tui_keys_free(k);
	if (!ok(strcmp(whole, want) == 0 && strcmp(names.s, want) == 0,
	    "keys: %s", what))
		diag("  got '%s' / byte by byte '%s', want '%s'", whole,
		    names.s, want);
	free(whole);
}

static void
test_keys(void)
{
	struct tui_keys *k;
	const char *s;

	buf_init(&names, 0);
	decode("ab\r", "a b Enter", "text and Enter");
	/* Replies from the outer terminal are never typing (issue: OSC 11 in the input). */
	decode("a\033]11;rgb:1e1e/1e1e/1e1e\033\\b", "a OSC[11;rgb:1e1e/1e1e/1e1e] b",
	    "OSC reply ended by ST: one event, no text");
	decode("\033]10;rgb:ffff/ffff/ffff\007x", "OSC[10;rgb:ffff/ffff/ffff] x",
	    "OSC reply ended by BEL");
	decode("\033P1$r0;1m\033\\\033P>|tmux 3.3a\033\\z", "z",
	    "DCS replies (DECRQSS, XTVERSION) dropped whole");
	decode("\033_Gi=1;OK\033\\q", "q", "kitty APC reply dropped");
	decode("\033]11;rgb:0/0/0\033[A", "Up", "an unterminated OSC cut by a sequence");
	decode("\033]", "M-]", "Alt-] alone is still a key");
	decode("\033]x", "M-] x", "Alt-] then a letter is still typing");
	decode("\x01\x05\x0a\x7f", "C-a C-e C-j BSpace", "control keys");
	decode("\033[A\033[B\033OC\033OD", "Up Down Right Left", "arrows, CSI and SS3");
	decode("\033[1;5C\033[1;3D", "C-Right M-Left", "modified arrows");
	decode("\033[5~\033[6~\033[H\033[F\033[1~\033[4~", "PgUp PgDn Home End Home End",
	    "paging and home/end forms");
	decode("\033OP\033[12~\033[24~", "F1 F2 F12", "function keys");
	decode("\033b\033\r", "M-b M-Enter", "Alt as an ESC prefix");
	decode("\xc3\xa9\xe4\xb8\xad", "U+00E9 U+4E2D", "UTF-8 characters");
	decode("\033", "Esc", "lone ESC after the timeout");
	decode("\033[200~line 1\nline 2\r\033[201~x",
	    "Paste[line 1\nline 2\r] x", "bracketed paste arrives whole");
	decode("\033[200~a\033[20b\033[201~", "Paste[a\033[20b]",
	    "paste: a partial end marker is content");
	decode("\033[?2026;2$y", "Sync=2", "DECRQM reply for mode 2026");
	decode("\033[<0;10;5M", "Mouse0@9,4", "SGR mouse");
	decode("\033[97;5u\033[27;5;106~", "C-a C-j", "CSI-u and modifyOtherKeys");
	decode("\033[Z", "BTab", "shift-tab");

	/* Pending state: an ESC waits, a complete key does not. */
	buf_reset(&names);
	k = tui_keys_new(16, collect, NULL);
	tui_keys_feed(k, "\033", 1);
	ok(tui_keys_pending(k) && names.len == 0, "ESC alone is held");
	tui_keys_feed(k, "[A", 2);
	ok(!tui_keys_pending(k) && strcmp(names.s, "Up") == 0,
	    "the rest of the sequence completes it");
	buf_reset(&names);
	s = "\033[200~0123456789abcdefXYZ\033[201~";
	tui_keys_feed(k, s, strlen(s));
	ok(tui_keys_paste_truncated(k) && strcmp(names.s,
	    "Paste[0123456789abcdef]") == 0, "paste over the cap is cut and flagged");
	tui_keys_free(k);
	buf_free(&names);
}

/* Feed a key to the editor. */
static enum tui_input_result
key(struct tui_input *in, int c, int mod)
{
	struct tui_key k;

	memset(&k, 0, sizeof k);
	k.key = c;
	k.mod = mod;
	return tui_input_key(in, &k);
}

static void
type(struct tui_input *in, const char *s)
{
	for (; *s != '\0'; s++)
		key(in, (unsigned char)*s, 0);
}

static void
test_input(void)
{
	struct tui_input *in;
	struct tui_key p;
	struct tui_lines ls;
	char dir[] = "/tmp/cade-tui-hist.XXXXXX", *path, *s;
	int r, c;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	path = xasprintf("%s/history", dir);
	in = tui_input_new(path, 100);
	type(in, "hello world");
	key(in, TUI_CTRL('w'), 0);
	is_str(tui_input_text(in), "hello ", "C-w deletes the word before");
	key(in, TUI_CTRL('y'), 0);
	is_str(tui_input_text(in), "hello world", "C-y yanks it back");
	key(in, TUI_CTRL('a'), 0);
	key(in, 'b', TUI_MOD_ALT);
	key(in, 'f', TUI_MOD_ALT);
	type(in, ",");
	is_str(tui_input_text(in), "hello, world", "C-a, M-f move by words");
	key(in, TUI_CTRL('k'), 0);
	is_str(tui_input_text(in), "hello,", "C-k kills to the end");
	key(in, TUI_CTRL('u'), 0);
	ok(tui_input_empty(in), "C-u kills to the start");

	type(in, "line one");
	is_int(key(in, '\n', 0), INPUT_CHANGED, "C-j inserts a newline");
	type(in, "two");
	key(in, '\r', TUI_MOD_ALT);
	type(in, "three");
	is_str(tui_input_text(in), "line one\ntwo\nthree", "M-Enter inserts a newline too");
	key(in, TUI_KEY_UP, 0);
	key(in, TUI_CTRL('e'), 0);
	type(in, "!");
	is_str(tui_input_text(in), "line one\ntwo!\nthree", "Up moves between lines");
	memset(&p, 0, sizeof p);
	p.key = TUI_KEY_PASTE;
	p.text = "\r\npasted\r\n\tblock\r\n";
	p.len = strlen(p.text);
	r = tui_input_key(in, &p);
	is_int(r, INPUT_CHANGED, "a paste never submits");
	is_str(tui_input_text(in), "line one\ntwo!\npasted\n\tblock\n\nthree",
	    "paste: CRLF becomes newlines, tabs kept, text intact");
	tui_input_clear(in);
	type(in, "first entry");
	is_int(key(in, '\r', 0), INPUT_SUBMIT, "Enter submits");
	s = tui_input_take(in);
	is_str(s, "first entry", "take gives the text");
	free(s);
	type(in, "multi");
	key(in, '\n', 0);
	type(in, "line\\entry");
	free(tui_input_take(in));
	tui_input_free(in);

	in = tui_input_new(path, 100);
	type(in, "draft");
	key(in, TUI_KEY_UP, 0);
	is_str(tui_input_text(in), "multi\nline\\entry",
	    "history: multi-line entry read back from the file");
	key(in, TUI_KEY_UP, 0);
	key(in, TUI_KEY_UP, 0);
	is_str(tui_input_text(in), "first entry", "history: older entry");
	is_int(key(in, TUI_KEY_UP, 0), INPUT_HISTORY_EDGE, "history: edge reported");
	key(in, TUI_KEY_DOWN, 0);
	key(in, TUI_KEY_DOWN, 0);
	key(in, TUI_KEY_DOWN, 0);
	is_str(tui_input_text(in), "draft", "history: Down returns to the draft");

	/* Ctrl-R: history is "first entry", "second...", "multi\nline\\entry". */
	tui_input_clear(in);
	type(in, "draft2");
	key(in, TUI_CTRL('r'), 0);
	ok(tui_input_search(in) != NULL, "C-r starts a history search");
	type(in, "entry");
	is_str(tui_input_text(in), "multi\nline\\entry", "search: the newest match");
	key(in, TUI_CTRL('r'), 0);
	is_str(tui_input_text(in), "first entry", "search: C-r again, the next older match");
	key(in, 0x1b, 0);
	ok(tui_input_search(in) == NULL && strcmp(tui_input_text(in), "draft2") == 0,
	    "search: Esc puts back what was typed");
	key(in, TUI_CTRL('r'), 0);
	type(in, "first");
	is_int(key(in, '\r', 0), INPUT_CHANGED, "search: Enter keeps the match without sending");
	ok(tui_input_search(in) == NULL && strcmp(tui_input_text(in), "first entry") == 0,
	    "search: ... the match is in the editor");
	key(in, TUI_CTRL('r'), 0);
	type(in, "zzz-nothing");
	is_str(tui_input_text(in), "first entry", "search: no match keeps the last one");
	key(in, TUI_KEY_LEFT, 0);
	ok(tui_input_search(in) == NULL, "search: an editing key ends it");

	tui_input_clear(in);
	type(in, "abcdefghij");
	tui_lines_init(&ls);
	tui_input_layout(in, 8, &ls, &r, &c);
	is_int(ls.n, 2, "layout: wraps under the prompt");
	ok(r == 1 && c == 6, "layout: cursor at the end of row 2");
	tui_lines_free(&ls);
	tui_input_free(in);
	unlink(path);
	rmdir(dir);
	free(path);
}

/* The person's own slash commands: front matter and arguments. */
static void
test_usercmd(void)
{
	const char *f = "---\ndescription: review a file\nmodel: x\n---\n\n"
	    "Review $1 then $2; all: $ARGUMENTS; none: $3.\n";
	char *d, *b, *e;

	tui_usercmd_parse(f, strlen(f), &d, &b);
	is_str(d, "review a file", "usercmd: description from the front matter");
	is_str(b, "Review $1 then $2; all: $ARGUMENTS; none: $3.\n",
	    "usercmd: the body after it");
	e = tui_usercmd_expand(b, "a.c  b.c");
	is_str(e, "Review a.c then b.c; all: a.c  b.c; none: .\n",
	    "usercmd: $1..$9 and $ARGUMENTS replaced");
	free(d);
	free(b);
	free(e);
	tui_usercmd_parse("Just do it.", 11, &d, &b);
	ok(d == NULL && strcmp(b, "Just do it.") == 0, "usercmd: no front matter");
	free(b);
	tui_usercmd_parse("---\nnot closed", 14, &d, &b);
	ok(d == NULL && strcmp(b, "---\nnot closed") == 0,
	    "usercmd: an unclosed front matter is text");
	free(b);
}

/*
 * The key tables are the bindings: every code of every row reaches its
 * handler through the real dispatchers, no code is in two rows with
 * different handlers, and every key the editor acts on (other than typed
 * text and pastes) is a row's.
 */
static void
test_key_table(void)
{
	static const int mods[] = { 0, TUI_MOD_SHIFT, TUI_MOD_ALT, TUI_MOD_CTRL,
		TUI_MOD_ALT | TUI_MOD_CTRL };
	const struct tui_help_key *row, *other;
	const struct tui_keycode *c;
	struct tui_input *in;
	struct tui_key k;
	enum tui_input_result r;
	int bad = 0, dup = 0, unbound = 0, nocode = 0, key, mod;
	size_t i, j, m;

	for (i = 0; i < tui_chat_keys_size; i++) {
		row = &tui_chat_keys[i];
		if (row->codes[0].key == 0 ||
		    (row->edit == NULL) == (row->chat == NULL)) {
			diag("row '%s': no codes or not one handler", row->keys);
			nocode++;
		}
		for (j = 0; j < TUI_ROW_CODES && row->codes[j].key != 0; j++) {
			c = &row->codes[j];
			memset(&k, 0, sizeof k);
			k.key = c->key;
			k.mod = c->mod == TUI_MOD_ANY ? 0 : c->mod;
			other = tui_key_row(tui_chat_keys, tui_chat_keys_size, &k);
			if (other != row && (other == NULL ||
			    other->chat != row->chat || other->edit != row->edit)) {
				diag("row '%s': %s is another row's", row->keys,
				    tui_key_name(&k));
				dup++;
			}
			if (row->edit == NULL)
				continue;
			/* Through the editor, on text with the cursor inside. */
			in = tui_input_new(NULL, 10);
			tui_input_insert(in, "one two", 7);
			r = tui_input_key(in, &k);
			if (r == INPUT_NONE) {
				diag("row '%s': %s not handled", row->keys,
				    tui_key_name(&k));
				bad++;
			}
			tui_input_free(in);
		}
	}
	ok(nocode == 0, "every chat key row binds codes to one handler");
	ok(dup == 0, "no key code is bound by two chat key rows");
	ok(bad == 0, "every editor row's codes reach the editor's handler");

	/* Every key the editor takes is a row's (or text, or a paste). */
	for (key = 1; key < TUI_KEY_F12 + 1; key++) {
		if (key == 0x100)
			key = TUI_KEY_UP;
		for (m = 0; m < nitems(mods); m++) {
			mod = mods[m];
			memset(&k, 0, sizeof k);
			k.key = key;
			k.mod = mod;
			in = tui_input_new(NULL, 10);
			tui_input_insert(in, "one two", 7);
			r = tui_input_key(in, &k);
			tui_input_free(in);
			if (r == INPUT_NONE || ((mod & ~TUI_MOD_SHIFT) == 0 &&
			    key >= 0x20 && key < 0x110000 && key != 0x7f &&
			    !(key >= 0x80 && key < 0xa0)))
				continue;
			row = tui_key_row(tui_chat_keys, tui_chat_keys_size, &k);
			if (row == NULL || row->edit == NULL) {
				diag("%s acts with no row", tui_key_name(&k));
				unbound++;
			}
		}
	}
	ok(unbound == 0, "every key the editor acts on has a row");

	/* The prompt's rows: codes, one handler, and reached by lookup. */
	nocode = dup = 0;
	for (i = 0; i < tui_confirm_keys_size; i++) {
		row = &tui_confirm_keys[i];
		if (row->codes[0].key == 0 ||
		    (row->confirm == NULL) == (row->chat == NULL))
			nocode++;
		for (j = 0; j < TUI_ROW_CODES && row->codes[j].key != 0; j++) {
			memset(&k, 0, sizeof k);
			k.key = row->codes[j].key;
			if (tui_key_row(tui_confirm_keys, tui_confirm_keys_size,
			    &k) != row)
				dup++;
		}
	}
	ok(nocode == 0 && dup == 0,
	    "every prompt key row binds its own codes to one handler");
}

int
main(void)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "en_US.UTF-8");
	test_keys();
	test_input();
	test_key_table();
	test_usercmd();
	return tap_done();
}
