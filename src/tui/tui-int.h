/*
 * tui-int.h: what the TUI's files share (not a public contract).
 *
 * The TUI is a family of small files with the tui_ prefix:
 *   theme.c   colour roles, *.theme parser, colour degradation
 *   wrap.c    styled lines, UTF-8 -> wide chars, word wrapping (wcwidth)
 *   keys.c    the key decoder: tty bytes in, keys and pastes out
 *   input.c   the multi-line editor and its history file
 *   chat.c    the chat model (fed by bus events) and its rendering
 *   vtpane.c  the terminal pane: libvterm over the shell's byte stream
 *   screen.c  ncurses setup/teardown, colour pairs, frames, signals
 *   status.c  the status bar
 *   confirm.c the confirmation prompt
 *   copy.c    OSC 52 copy with a file fallback
 *   layout.c  where everything goes, and drawing one frame
 *   tui.c     tui_main: setup, loop callbacks, key dispatch, slash commands
 * The pure parts (theme parser, wrapping, markdown, key decoder, editor, chat
 * model) do no terminal I/O so the unit tests drive them directly.
 */
#ifndef CADE_TUI_INT_H
#define CADE_TUI_INT_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "cade/buf.h"
#include "cade/mention.h"

struct tui;

/* Take a buffer's text and release the buffer (buf_detach re-arms it). */
static inline char *
tui_buf_take(struct buf *b, size_t *len)
{
	char *s = buf_detach(b, len);

	buf_free(b);
	return s;
}

/* ---- theme.c ------------------------------------------------------ */

/* Colour roles: every element on screen is drawn in one of these. */
enum tui_role {
	ROLE_NORMAL,
	ROLE_BORDER,
	ROLE_TITLE,
	ROLE_TITLE_FOCUS,
	ROLE_USER,
	ROLE_USER_LABEL,
	ROLE_ASSISTANT,
	ROLE_ASSISTANT_LABEL,
	ROLE_REASONING,
	ROLE_HEADING,
	ROLE_BOLD,
	ROLE_CODE,
	ROLE_CODEBLOCK,
	ROLE_CODEBLOCK_FRAME,
	ROLE_CODE_KEYWORD,
	ROLE_CODE_STRING,
	ROLE_CODE_COMMENT,
	ROLE_CODE_NUMBER,
	ROLE_BULLET,
	ROLE_CARD,
	ROLE_CARD_TOOL,
	ROLE_STATUS_PENDING,
	ROLE_STATUS_RUNNING,
	ROLE_STATUS_DONE,
	ROLE_STATUS_FAILED,
	ROLE_STATUS_REFUSED,
	ROLE_RISK_LOW,
	ROLE_RISK_MEDIUM,
	ROLE_RISK_HIGH,
	ROLE_RISK_UNKNOWN,
	ROLE_OBSERVATION,
	ROLE_FOLD,
	ROLE_DIFF_ADD,
	ROLE_DIFF_DEL,
	ROLE_DIFF_HUNK,
	ROLE_DIFF_HEADER,
	ROLE_PLAN_DONE,
	ROLE_PLAN_DOING,
	ROLE_PLAN_TODO,
	ROLE_ERROR,
	ROLE_RETRY,
	ROLE_NOTICE,
	ROLE_SELECTION,
	ROLE_STATUSBAR,
	ROLE_STATUSBAR_ALERT,
	ROLE_INPUT,
	ROLE_INPUT_PROMPT,
	ROLE_CONFIRM,
	ROLE_CONFIRM_FRAME,
	ROLE_CONFIRM_TITLE,
	ROLE_CONFIRM_KEY,
	ROLE_UNREAD,
	ROLE__COUNT
};

enum tui_color_kind { TUI_COLOR_DEFAULT, TUI_COLOR_INDEX, TUI_COLOR_RGB };

struct tui_color {
	uint8_t		 kind;
	uint32_t	 v;		/* index 0-255, or 0xRRGGBB */
};

#define TUI_A_BOLD	0x01
#define TUI_A_DIM	0x02
#define TUI_A_UNDERLINE	0x04
#define TUI_A_REVERSE	0x08
#define TUI_A_ITALIC	0x10
#define TUI_A_BLINK	0x20
#define TUI_A_STANDOUT	0x40
#define TUI_A_STRIKE	0x80

struct tui_style {
	struct tui_color fg;
	struct tui_color bg;
	unsigned	 attrs;
};

struct tui_theme {
	char		*name;
	struct tui_style role[ROLE__COUNT];
};

const char	*tui_role_name(enum tui_role);
/* The built-in default (dark) theme. */
void		 tui_theme_builtin(struct tui_theme *);
/*
 * Parse a theme text over what the theme already holds; file names the
 * source in errors ("file:line: ...").  No I/O.  -1 with *cause.
 */
int		 tui_theme_parse(struct tui_theme *, const char *text, size_t len,
		    const char *file, char **cause);
/*
 * Load theme NAME (or a path containing '/'): user dir, CADE_DATADIR, the
 * source tree.  On error *cause says why and the theme is the built-in
 * default; -1.  Found and parsed: 0.
 */
int		 tui_theme_load(struct tui_theme *, const char *name, char **cause);
void		 tui_theme_free(struct tui_theme *);
/* Every theme name that tui_theme_load() can find, sorted, space-separated. */
char		*tui_theme_list(void);
/*
 * Map a colour to what a terminal with ncolors colours can show: -1 for
 * the default colour, an index below ncolors, or 0xRRGGBB when direct
 * (truecolor) is set.  *bright is set when an 8-colour terminal needs bold
 * to show a bright colour.
 */
int		 tui_color_degrade(struct tui_color, int ncolors, int direct, int *bright);
/* The RGB value of a 256-colour palette index (xterm's palette). */
uint32_t	 tui_color_index_rgb(int idx);

/* ---- wrap.c ------------------------------------------------------- */

/* One screen line of styled wide characters (combining marks included). */
struct tui_line {
	wchar_t		*wc;		/* NUL-terminated */
	uint8_t		*role;		/* one per wc */
	int		 len;		/* wide chars */
	int		 cap;
	int		 width;		/* columns */
	uint8_t		 fill;		/* role for the rest of the row */
	int		 item;		/* chat item it belongs to, or -1 */
};

struct tui_lines {
	struct tui_line	*v;
	int		 n;
	int		 cap;
};

/* Column width of a wide char: 0 for combining marks, 1 or 2; controls 1 (shown as '?'). */
int		 tui_wcwidth(wchar_t);
/* Decode UTF-8 (invalid bytes become U+FFFD) into a new wide string; *n its length. */
wchar_t		*tui_utf8_to_wcs(const char *, size_t, int *n);
/* Encode wide chars to a new UTF-8 string. */
char		*tui_wcs_to_utf8(const wchar_t *, int n);
int		 tui_wcswidth(const wchar_t *, int n);

void		 tui_line_init(struct tui_line *, uint8_t fill);
void		 tui_line_free(struct tui_line *);
void		 tui_line_putw(struct tui_line *, wchar_t, uint8_t role);
void		 tui_line_puts(struct tui_line *, const char *utf8, uint8_t role);
/* Drop the characters of a line past width columns. */
void		 tui_line_clip(struct tui_line *, int width);
/* The line's text as UTF-8 (tests, copy); caller frees. */
char		*tui_line_text(const struct tui_line *);

void		 tui_lines_init(struct tui_lines *);
void		 tui_lines_free(struct tui_lines *);
/* Append a new empty line and return it (valid until the next append). */
struct tui_line	*tui_lines_add(struct tui_lines *, uint8_t fill, int item);
/* Move every line of src to the end of dst (src is left empty). */
void		 tui_lines_take(struct tui_lines *dst, struct tui_lines *src);

/*
 * A paragraph being wrapped: spans of styled text go in, lines come out.
 * Breaks at spaces when it can, inside a word only when the word is wider
 * than the line; wide characters never straddle the edge; combining marks
 * stay with their base.  prefix starts the first line, indent (with the
 * same width) the following ones.
 */
struct tui_wrap {
	struct tui_lines *out;
	int		 width;
	uint8_t		 fill;
	int		 item;
	const wchar_t	*indent;
	uint8_t		 indent_role;
	/* private */
	struct tui_line	 word;
	int		 word_width;
	int		 pending_space;
	uint8_t		 space_role;
	struct tui_line	*cur;
};

void		 tui_wrap_begin(struct tui_wrap *, struct tui_lines *out, int width,
		    uint8_t fill, int item, const char *prefix, uint8_t prefix_role,
		    const wchar_t *indent, uint8_t indent_role);
void		 tui_wrap_text(struct tui_wrap *, const char *utf8, size_t len, uint8_t role);
void		 tui_wrap_end(struct tui_wrap *);
/* A line cut (not wrapped) to width, with an ellipsis marker when cut. */
void		 tui_line_cut(struct tui_lines *, int width, uint8_t fill, int item,
		    const char *prefix, uint8_t prefix_role, const char *text,
		    size_t len, uint8_t role);

/* Glyphs: Unicode when the locale is UTF-8, ASCII otherwise. */
struct tui_glyphs {
	const char *vline, *hline, *tl, *bl, *tr, *br, *bullet, *ellipsis,
	    *check, *cross, *dot, *arrow_down, *box_todo, *box_done, *box_doing,
	    *spinner, *warn;
};
extern const struct tui_glyphs *tui_glyph;
void		 tui_glyphs_select(int utf8);

/* ---- keys.c ------------------------------------------------------- */

enum {
	TUI_KEY_NONE = 0,
	/* Codepoints are keys as themselves; specials start past Unicode. */
	TUI_KEY_UP = 0x110000,
	TUI_KEY_DOWN,
	TUI_KEY_LEFT,
	TUI_KEY_RIGHT,
	TUI_KEY_HOME,
	TUI_KEY_END,
	TUI_KEY_PGUP,
	TUI_KEY_PGDN,
	TUI_KEY_INS,
	TUI_KEY_DEL,
	TUI_KEY_BTAB,		/* shift-tab */
	TUI_KEY_F1,		/* F1..F12 consecutive */
	TUI_KEY_F2, TUI_KEY_F3, TUI_KEY_F4, TUI_KEY_F5, TUI_KEY_F6,
	TUI_KEY_F7, TUI_KEY_F8, TUI_KEY_F9, TUI_KEY_F10, TUI_KEY_F11,
	TUI_KEY_F12,
	TUI_KEY_PASTE,		/* a bracketed paste: text in the event */
	TUI_KEY_MOUSE,
	TUI_KEY_SYNC_REPLY,	/* DECRQM answer for mode 2026: value in mouse_b */
	TUI_KEY_FOCUS_IN,
	TUI_KEY_FOCUS_OUT,
	TUI_KEY_OSC		/* an OSC reply from the terminal: body in text/len */
};

#define TUI_MOD_SHIFT	0x01
#define TUI_MOD_ALT	0x02
#define TUI_MOD_CTRL	0x04

#define TUI_CTRL(c)	((c) & 0x1f)

struct tui_key {
	int		 key;		/* codepoint (controls as 0x01..0x1f, 0x7f) or TUI_KEY_* */
	int		 mod;
	const char	*text;		/* paste text (TUI_KEY_PASTE), valid during the callback */
	size_t		 len;
	int		 mouse_b, mouse_x, mouse_y, mouse_release;
};

typedef void (*tui_key_fn)(const struct tui_key *, void *arg);

struct tui_keys;
/* max_paste caps one paste (longer pastes are cut and flagged truncated). */
struct tui_keys	*tui_keys_new(size_t max_paste, tui_key_fn, void *arg);
void		 tui_keys_free(struct tui_keys *);
void		 tui_keys_feed(struct tui_keys *, const char *, size_t);
/* 1 if bytes wait that could be a lone ESC or a sequence's start; 2 inside a paste or a reply string. */
int		 tui_keys_pending(const struct tui_keys *);
/* The ESC timeout passed: deliver what is pending as keys. */
void		 tui_keys_flush(struct tui_keys *);
/* Set when the last paste was cut at max_paste. */
int		 tui_keys_paste_truncated(const struct tui_keys *);
/* A key's name for help and tests ("C-a", "M-b", "Up", "F2"); static buffer. */
const char	*tui_key_name(const struct tui_key *);

/* ---- input.c ------------------------------------------------------ */

enum tui_input_result {
	INPUT_NONE,		/* not for the editor */
	INPUT_CHANGED,
	INPUT_SUBMIT,		/* Enter: take the text with tui_input_take() */
	INPUT_HISTORY_EDGE	/* Up/Down at an edge with no more history */
};

struct tui_input;
struct tui_input	*tui_input_new(const char *history_path, int history_max);
void		 tui_input_free(struct tui_input *);
enum tui_input_result tui_input_key(struct tui_input *, const struct tui_key *);
void		 tui_input_insert(struct tui_input *, const char *utf8, size_t len);
/* The text (UTF-8); valid until the next change. */
const char	*tui_input_text(const struct tui_input *);
/* The non-blank characters just before the cursor (the word being typed); caller frees. */
char		*tui_input_word(const struct tui_input *);
/* Replace that word with utf8 (the cursor ends after it). */
void		 tui_input_replace_word(struct tui_input *, const char *utf8);
/* Take the text, clear the editor, add it to history (saved to the file). */
char		*tui_input_take(struct tui_input *);
void		 tui_input_clear(struct tui_input *);
/* The Ctrl-R query while searching the history, else NULL. */
const char	*tui_input_search(const struct tui_input *);
int		 tui_input_empty(const struct tui_input *);
/*
 * Lay the text out for width columns (prompt on the first row): fills out
 * and reports the cursor row/column among those lines.
 */
void		 tui_input_layout(struct tui_input *, int width, struct tui_lines *out,
		    int *cur_row, int *cur_col);

/* ---- chat.c ------------------------------------------------------- */

struct event;
struct tui_chat;
struct agent;

enum tui_item_kind {
	ITEM_USER, ITEM_ASSISTANT, ITEM_TOOL, ITEM_NOTICE, ITEM_ERROR,
	ITEM_RETRY, ITEM_FINISH, ITEM_HELP, ITEM_DIFF
};

struct tui_chat	*tui_chat_new(void);
void		 tui_chat_free(struct tui_chat *);
void		 tui_chat_clear(struct tui_chat *);
/* Feed one bus event; returns 1 if the chat changed.  a (may be NULL)
 * names the tools its calls use (agent_tool()). */
int		 tui_chat_event(struct tui_chat *, const struct event *,
		    const struct agent *a);
/* Add a local notice (slash command output, errors of the TUI itself). */
void		 tui_chat_notice(struct tui_chat *, enum tui_item_kind, const char *text);
/*
 * Render what changed for width and point *lines at the flat view of every
 * line (valid until the next chat call); returns the count.
 */
int		 tui_chat_lines(struct tui_chat *, int width, const struct tui_line ***);
int		 tui_chat_nitems(const struct tui_chat *);
enum tui_item_kind tui_chat_item_kind(const struct tui_chat *, int item);
/* Fold or unfold an observation (or toggle a card's details). */
void		 tui_chat_toggle(struct tui_chat *, int item);
/* The last tool card with an observation, or -1. */
int		 tui_chat_last_observation(const struct tui_chat *);
/*
 * Copyable parts of an item, in order: the whole message, then each code
 * block; for a tool card its command and its observation.  Returns a new
 * string for part k, or NULL past the end; *what names it.
 */
char		*tui_chat_copy_text(const struct tui_chat *, int item, int part,
		    const char **what);
/* Mark an item selected (-1: none) for select mode. */
void		 tui_chat_select(struct tui_chat *, int item);
int		 tui_chat_selected(const struct tui_chat *);
/*
 * What a code block's lexer carries from line to line (markdown.c): the
 * open span (a comment, a string, a here-document...), what closes it.
 */
struct tui_md_hl {
	int	 span;		/* 0, or 1 + the span's row in its language */
	int	 indent;	/* YAML block: its key's indent; <<-: 1 */
	char	 close[40];	/* what ends the span */
};
/* Roles of one fenced-code line in language lang (markdown.c; tests). */
void		 tui_md_highlight(const char *lang, const wchar_t *, int n,
		    uint8_t *roles, struct tui_md_hl *);
/* Inline Markdown (**bold**, `code`) of one line into a wrapper. */
void		 tui_md_inline(struct tui_wrap *, const char *, size_t len,
		    uint8_t base);
/*
 * A GFM table starting at text+at drawn at width (mdtable.c): the bytes it
 * took, 0 if the line there starts no table.
 */
size_t		 tui_md_table(struct tui_lines *out, const char *text, size_t len,
		    size_t at, int width, uint8_t base, int item);
/* Rendering of markdown text alone (tests). */
void		 tui_md_render(struct tui_lines *out, const char *text, size_t len,
		    int width, uint8_t base_role, int item, int *nblocks);

/* ---- vtfilter.c --------------------------------------------------- */

/*
 * Rewrites in the shell's bytes for what libvterm 0.1.4 lacks (SGR 2 faint
 * carried as font 1, DECSET 47 as 1047); see vtfilter.c.  No I/O.
 */
#define VTF_MAX_SEQ	64
#define VTF_MAX_EV	1024	/* events noted per chunk; more are dropped */

/*
 * What the filter notes for the pane in the bytes it hands on: a REP it
 * took out (run 0: before byte `at`, repeat the last glyph n times), or a
 * run of n printable ASCII bytes at `at` that libvterm reads as plain text
 * in the US-ASCII character set, not inserting (run 1): the pane may put
 * most of it into its grid itself (vtpane.c).
 */
struct tui_vtf_ev {
	size_t		 at;
	long		 n;
	int		 run;
};

struct tui_vtfilter {
	int		 state;
	char		 seq[VTF_MAX_SEQ];	/* a CSI not finished yet */
	size_t		 n;
	long		 stbm_top;	/* the last DECSTBM's top row (1-based), 0 */
	int		 seps;		/* separators in the CSI being read */
	int		 args;		/* ... a parameter byte seen */
	int		 inargs;	/* ... still in its parameters */
	int		 inter;		/* ... an intermediate seen */
	/* libvterm's state for plain text, as far as runs care */
	char		 g[4];		/* designated character sets */
	int		 gl;		/* the one in GL (SI, SO, LS2, LS3) */
	int		 ss;		/* a single shift is pending */
	int		 insert;	/* IRM */
	int		 lrmm;		/* DECLRMM: left and right margins */
	int		 nofast;	/* DECDWL/DECDHL seen: never */
	int		 u8dirty;	/* an 8-bit byte since the last ASCII one */
	struct tui_vtf_ev ev[VTF_MAX_EV];	/* the reader resets nev */
	int		 nev;
};

void		 tui_vtfilter_init(struct tui_vtfilter *);
/* Bytes in, the rewritten bytes appended to out; a split CSI is held. */
void		 tui_vtfilter_feed(struct tui_vtfilter *, const char *, size_t,
		    struct buf *out);

/* ---- vtpane.c ----------------------------------------------------- */

struct tui_vtpane;
struct tui_grid;
typedef void (*tui_vt_out_fn)(const char *, size_t, void *arg);

struct tui_vtpane *tui_vtpane_new(int rows, int cols, int scrollback,
		    tui_vt_out_fn, void *arg);
void		 tui_vtpane_free(struct tui_vtpane *);
void		 tui_vtpane_feed(struct tui_vtpane *, const char *, size_t);
void		 tui_vtpane_resize(struct tui_vtpane *, int rows, int cols);
void		 tui_vtpane_size(const struct tui_vtpane *, int *rows, int *cols);
/* A key from the person: encoded for the inner terminal's modes. */
void		 tui_vtpane_key(struct tui_vtpane *, const struct tui_key *);
void		 tui_vtpane_paste(struct tui_vtpane *, const char *, size_t);
/* Scrollback browsing: lines up from the live screen (clamped). */
void		 tui_vtpane_scroll(struct tui_vtpane *, int delta);
void		 tui_vtpane_scroll_to(struct tui_vtpane *, int offset);
int		 tui_vtpane_scroll_offset(const struct tui_vtpane *);
int		 tui_vtpane_scrollback_lines(const struct tui_vtpane *);
/* 1 if anything needs drawing; tui_vtpane_draw() clears it. */
int		 tui_vtpane_dirty(const struct tui_vtpane *);
/* Bytes fed since the pane was last drawn (how hard it floods). */
size_t		 tui_vtpane_fed(const struct tui_vtpane *);
void		 tui_vtpane_touch(struct tui_vtpane *);
/* Draw dirty rows at (y, x) on stdscr; full redraws everything. */
void		 tui_vtpane_draw(struct tui_vtpane *, int y, int x, int full);
/* Cursor position in the pane and visibility (hidden while scrolled). */
int		 tui_vtpane_cursor(const struct tui_vtpane *, int *row, int *col);
int		 tui_vtpane_altscreen(const struct tui_vtpane *);
/* Text of row r of the live screen as drawn (tests, copy); caller frees. */
char		*tui_vtpane_row_text(const struct tui_vtpane *, int r);
/* TUI_A_* attributes of a live cell as drawn (tests). */
unsigned	 tui_vtpane_cell_attrs(const struct tui_vtpane *, int r, int c);
/* Bells since the last call. */
int		 tui_vtpane_take_bell(struct tui_vtpane *);
const char	*tui_vtpane_title(const struct tui_vtpane *);
/* Plain text straight to the grid (on by default); off: all through
 * libvterm, the reference the fuzzer compares with. */
void		 tui_vtpane_set_fast(struct tui_vtpane *, int on);
/* The pane's cells (grid.h), for tests and the fuzzer. */
const struct tui_grid *tui_vtpane_grid(const struct tui_vtpane *);

/* ---- screen.c ----------------------------------------------------- */

struct tui_screen_opts {
	const struct tui_theme *theme;
	int		 mouse;
	int		 no_color;
};

int		 tui_screen_init(const struct tui_screen_opts *, char **cause);
/* Restore the terminal; safe to call more than once and from the fatal hook. */
void		 tui_screen_end(void);
/* Give the terminal to another program (an editor) and take it back. */
void		 tui_screen_suspend(void);
void		 tui_screen_resume(void);
/* Async-signal-safe part of the restore (crash signals). */
void		 tui_screen_emergency_restore(void);
void		 tui_screen_size(int *rows, int *cols);
void		 tui_screen_set_theme(const struct tui_theme *);
/* Re-read the window size after SIGWINCH and resize ncurses. */
void		 tui_screen_resized(void);
/* ncurses attributes and pair for a role. */
void		 tui_screen_role(enum tui_role, unsigned long *attr, int *pair);
/* A pair for a colour combination (vterm cells); 0 if colours are off. */
int		 tui_screen_pair(struct tui_color fg, struct tui_color bg, int *bright);
/* Draw a styled line at (y, x) into width columns, padded with its fill. */
void		 tui_screen_draw_line(int y, int x, int width, const struct tui_line *,
		    int highlight);
/* Fill a rectangle with a role's spaces. */
void		 tui_screen_fill(int y, int x, int h, int w, enum tui_role);
void		 tui_screen_puts(int y, int x, int width, const char *utf8, enum tui_role);
/* Send the frame (with DECSET 2026 around it when supported). */
void		 tui_screen_flush(int full_redraw);
/* Write bytes to the terminal between frames (OSC 52, bell). */
void		 tui_screen_raw(const char *, size_t);
void		 tui_screen_set_sync(int supported);
int		 tui_screen_sync(void);
int		 tui_screen_colors(void);
/* The terminal's input fd. */
int		 tui_screen_infd(void);

/* ---- copy.c ------------------------------------------------------- */

/* Copy text to the clipboard; returns a message for the person (caller frees). */
char		*tui_copy(const char *text);
/* The OSC 52 sequence for text, wrapped for tmux passthrough if tmux set. */
char		*tui_copy_osc52(const char *text, int tmux, size_t *len);

/* ---- confirm.c ---------------------------------------------------- */

struct agent_pending;
struct tui_confirm;

struct tui_confirm_answer {
	const char	*call_id;
	int		 answer;	/* enum agent_answer */
	char		*reason;	/* caller frees */
	int		 scope;		/* enum policy_scope */
};

/* What the prompt needs to know of the interface (confirm.c says why). */
struct tui_confirm_ctx {
	uint64_t	 now;		/* monotonic ms */
	int		 typing;	/* input not empty, or a key in the last second */
	int		 term_focus;	/* the terminal pane has the keyboard */
	int		 delay;		/* input protection, ms (confirm_delay) */
};

/* tui_confirm_key() results beyond 0 (not ours), 1 (used), 2 (answer). */
#define TUI_CONFIRM_RELEASE	3	/* Esc: keys go back where they were */

struct tui_confirm *tui_confirm_new(void);
void		 tui_confirm_free(struct tui_confirm *);
/* Look at the queue (and the clock); 1 when an action not seen before waits. */
int		 tui_confirm_update(struct tui_confirm *, const struct agent_pending *,
		    size_t n, const struct tui_confirm_ctx *);
int		 tui_confirm_visible(const struct tui_confirm *, size_t npending);
/* Tab or F9: the prompt takes the keyboard (from the pane if from_term). */
void		 tui_confirm_take(struct tui_confirm *, const struct tui_confirm_ctx *,
		    int from_term);
/* 1 while keys go to the prompt. */
int		 tui_confirm_holds(const struct tui_confirm *, size_t npending);
/* When the protection delay ends (a redraw is due), 0 if none runs. */
uint64_t	 tui_confirm_wake(const struct tui_confirm *);
/* 1 (once) if the keyboard should go back to the terminal pane. */
int		 tui_confirm_from_term(struct tui_confirm *);
void		 tui_confirm_layout(struct tui_confirm *, const struct agent_pending *,
		    size_t n, int width, int max_rows, struct tui_lines *out,
		    int *cur_row, int *cur_col);
int		 tui_confirm_key(struct tui_confirm *, const struct tui_key *,
		    const struct agent_pending *, size_t n,
		    struct tui_confirm_answer *, const struct tui_confirm_ctx *);
/*
 * The desktop notification for a pending prompt: OSC 9 or OSC 777 by mode
 * (auto|osc9|osc777|off; auto looks at vte and term), wrapped for tmux's
 * passthrough when tmux is set.  NULL for off.  Caller frees.
 */
char		*tui_confirm_notify_seq(const char *mode, const char *term,
		    const char *vte, int tmux, const char *text, size_t *len);

/* ---- status.c ----------------------------------------------------- */

struct tui_status_info {
	const char	*model;
	const char	*state;
	int		 alert;		/* state needs the person */
	int		 step, max_steps;
	long		 tokens_in, tokens_out, tokens_cached;
	double		 context_pct;	/* next request / model window */
	double		 cost;
	int		 cost_unknown;	/* no price configured: "$?" */
	const char	*confirm;
	const char	*workspace;
	const char	*sandbox;	/* "ns", "landlock", "off", "docker" */
	int		 net;		/* commands can reach the network */
	int		 pending;
	const char	*focus;		/* "chat" or "terminal" */
	const char	*hint;		/* transient message, or NULL */
};

/* Lay the status bar out for width columns into one styled line. */
void		 tui_status_render(struct tui_line *, int width,
		    const struct tui_status_info *);

/* ---- usercmd.c: the person's own slash commands ------------------- */

struct tui_usercmd {
	char		*name;
	char		*description;	/* NULL if the file gives none */
	char		*body;
	int		 project;	/* from .cade/commands (else the user's) */
};

struct tui_usercmds {
	struct tui_usercmd *v;
	size_t		 n;
};

/* (Re)read .cade/commands under root (may be NULL) and ~/.config/cade/commands. */
void		 tui_usercmds_load(struct tui_usercmds *, const char *root);
void		 tui_usercmds_free(struct tui_usercmds *);
const struct tui_usercmd *tui_usercmds_find(const struct tui_usercmds *,
		    const char *name);
/* Split a command file into its description (front matter) and body. */
void		 tui_usercmd_parse(const char *, size_t, char **description,
		    char **body);
/* The body with $ARGUMENTS and $1..$9 replaced; caller frees. */
char		*tui_usercmd_expand(const char *body, const char *args);

/* ---- tui.c, layout.c: the interface's state ------------------------- */

#define TUI_MIN_COLS		50
#define TUI_MIN_ROWS		14

struct session;
struct config;
struct tui_chat;
struct agent;
struct tui_vtpane;
struct tui_input;
struct tui_keys;
struct tui_confirm;

enum tui_focus { FOCUS_CHAT, FOCUS_TERM };

struct tui_rect {
	int	 y, x, h, w;
};

/* The @path candidates of the last Tab (mention.c), shown in a popup. */
#define TUI_POPUP_MAX	8		/* candidates the popup lists at once */
struct tui_mention {
	char		**v;
	size_t		 n, i;
	char		*text;		/* the input as the last Tab left it */
	char		*query;		/* the word as typed (Esc puts it back) */
	size_t		 first;		/* the popup's first row */
	int		 open;		/* the popup is up */
};

struct tui {
	struct config		*cfg;
	struct session		*s;
	char			*model;		/* /model: kept across /clear */
	char			*confirm_mode;	/* /confirm: likewise */
	struct tui_theme	 theme;
	char			*theme_error;
	struct tui_chat		*chat;
	struct tui_vtpane	*vt;
	struct tui_input	*input;
	struct tui_keys		*keys;
	struct tui_confirm	*confirm;

	/* layout */
	int			 rows, cols;
	enum tui_focus		 focus;
	int			 zoom;		/* the focused pane fills the screen */
	int			 orient;	/* 0 auto, 1 side by side, 2 stacked */
	int			 stacked;
	int			 ratio;		/* chat share, % */
	int			 split_width;
	int			 too_small;
	struct tui_rect		 chat_title, chat_r, input_r, term_title, term_r,
				 status_r, sep_r;
	int			 show_chat, show_term;

	/* chat view */
	int			 chat_offset;	/* lines above the bottom; 0 follows */
	int			 chat_total;
	int			 chat_width;
	int			 unread;
	int			 select_mode;
	int			 copy_part;
	int			 term_scroll;	/* scrollback mode in the pane */

	/* frames */
	int			 dirty;		/* something to draw */
	int			 full;		/* redraw everything */
	int			 relayout;
	uint64_t		 last_frame;
	uint64_t		 frame_timer;
	uint64_t		 key_timer;
	int			 first_frame;
	uint64_t		 start_ms;
	int			 cur_y, cur_x;	/* cursor of the last full frame */
	int			 shell_dead;

	/* session control */
	uint64_t		 last_ctrl_c;
	int			 quit;
	int			 exit_code;
	int			 restart;
	char			*restart_resume;
	char			*resume_asked;	/* /resume of elsewhere: waits for y/n */
	uint64_t		 resume_asked_at;
	uint64_t		 resume_timer;	/* its keys become live */
	char			*hint;
	size_t			 npending;
	struct undo_plan	*undo_plan;	/* /undo etc. waiting for y/n */
	int			 undo_force;

	/* requests to the endpoint (commands.c), cancelled with the session */
	struct llm_models_req	*models_req;
	char			*models_want;	/* /model NAME waiting for the list */
	struct llm_models_req	*probe[4];	/* /local, one per llm_local_servers */
	struct llm_models	*probe_res[4];
	struct llm_models_req	*img_req;	/* does the model take images? */
	int			 bang_running;	/* a !command runs in the pane */
	char			*bang_cmd;	/* ... this one */
	struct buf		 bang_out;	/* its output, for the next message */
	char			*img_wait;	/* the message waiting for it */
	int			 img_asked;	/* asked once: no list is no list */
	int			 told_setup;	/* the first-run notice was given */
	char			*last_id;	/* the session to name on quitting */
	struct tui_usercmds	 usercmds;	/* read at each session start */
	struct tui_mention	 mention;	/* Tab cycle over @path candidates */
	int			 theme_auto;	/* no theme chosen: follow the background */
	int			 ctrl_x;	/* Ctrl-X pressed: Ctrl-E opens the editor */

	/* confirmation */
	uint64_t		 last_key_ms;	/* "typing" is a key in the last second */
	uint64_t		 confirm_timer;	/* redraw when the protection delay ends */
	struct buf		 pane_held;	/* pane bytes that may begin a secret */
	uint64_t		 pane_timer;	/* ... fed as they are after a moment */
};

#define TUI_MODELS_MS	8000	/* /model: the endpoint's list */
#define TUI_PROBE_MS	1500	/* /local: a local server answers at once */

/* Something changed: draw at the next frame. */
void		 tui_dirty(struct tui *);
/* Milliseconds before the next frame may be drawn (0: now); ui: the
 * interface changed, pane_bytes: the pane's bytes since its last frame. */
uint64_t	 tui_frame_wait(uint64_t now, uint64_t last_frame, int ui,
		    size_t pane_bytes);
/* COLORFGBG ("15;0"): 1 light background, 0 dark, -1 cannot tell. */
int		 tui_colorfgbg_light(const char *);
/* An OSC 11 reply body ("11;rgb:RRRR/GGGG/BBBB"): 1 light, 0 dark, -1 not one. */
int		 tui_osc11_light(const char *);

/* ---- mention.c: @path completion and attachment ------------------- */

/* Tab on a word starting with "@": complete or cycle; 0 if not such a word. */
int		 tui_mention_complete(struct tui *);
/* A key while the popup is up: 1 if it was the popup's (Shift-Tab, arrows
 * cycle, Enter takes, Esc puts the typed word back); any other key closes
 * it and is not taken. */
int		 tui_mention_key(struct tui *, const struct tui_key *);
/* The popup above the input, inside the chat's rectangle (layout.c). */
void		 tui_mention_draw(struct tui *);
/* Forget the Tab cycle (with the session). */
void		 tui_mention_reset(struct tui *);
/* Rank of a path for the typed letters: 0 best, -1 no fit (tests). */
int		 tui_mention_score(const char *query, const char *rel);
/* The message with its mentions attached (mention.h), refusals as chat
 * notices; NULL if no text was attached. */
char		*tui_mention_expand(struct tui *, const char *text,
		    struct mention_images *imgs);
/* For the chat: text with each attached file shown as "[attached: path]",
 * each command's output as "[attached: output of !cmd (exit N)]". */
void		 tui_mention_fold(const char *text, struct buf *out);
/* The attachment of a !command's output (tui.c makes it, fold reads it). */
#define TUI_BANG_MARK	"\n\n<command-output exit=\""

/* ---- undo.c: /undo /redo /rewind /diff ------------------------------ */

/* The commands' handlers (rows of tui_cmd_table in commands.c). */
void		 tui_cmd_undo(struct tui *, const char *arg);
void		 tui_cmd_redo(struct tui *, const char *arg);
void		 tui_cmd_rewind(struct tui *, const char *arg);
void		 tui_cmd_diff(struct tui *, const char *arg);
/* Ask whether session id (taken) of directory root goes on here. */
void		 tui_resume_ask(struct tui *, char *id, const char *root);
/* y/n/Esc for /resume of another directory's session; 1 if taken. */
int		 tui_resume_key(struct tui *, const struct tui_key *);
/* y/n/Esc for a plan waiting; 1 if the key was taken. */
int		 tui_undo_key(struct tui *, const struct tui_key *);
void		 tui_undo_free(struct tui *);
/* The agent is doing something Ctrl-C should stop. */
int		 tui_agent_busy(struct tui *);
/* Lay out for the current window size and modes (resizes the pty). */
void		 tui_layout(struct tui *);
/* Rows the input wants for its text at width (capped). */
int		 tui_input_rows(struct tui *, int width);
/* Draw one frame; ui: the interface changed, else only the pane did. */
void		 tui_draw(struct tui *, int ui);
/* A short message in the status bar until the next key. */
void		 tui_hint(struct tui *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* Leave the loop (quit, or rebuild the session). */
void		 tui_stop(struct tui *, int code);
/* Give the keyboard to the other pane. */
void		 tui_toggle_focus(struct tui *);
/* The prompt's view of the interface now. */
void		 tui_confirm_context(struct tui *, struct tui_confirm_ctx *);
/* Bring the prompt up to date with the agent's queue (bell, notification). */
void		 tui_confirm_sync(struct tui *);

/* commands.c: slash commands and global keys, one row each. */
struct tui_cmd_entry {
	const char	*name;
	const char	*alias[2];	/* other names, NULL-padded */
	const char	*args;		/* usage of the argument, NULL: none */
	const char	*help;		/* one line */
	void		(*exec)(struct tui *, const char *arg);
};
extern const struct tui_cmd_entry	tui_cmd_table[];
extern const size_t			tui_cmd_table_size;

struct tui_key_entry {
	int		 key;		/* TUI_KEY_F1... */
	int		 ctrl;		/* also Ctrl-this (no other modifier) */
	int		 alt;		/* also Alt-this with the chat focused */
	const char	*help;		/* one line */
	void		(*exec)(struct tui *, int key);
};
extern const struct tui_key_entry	tui_key_table[];
extern const size_t			tui_key_table_size;

/* A key code a row binds: key with exactly these modifiers, Shift aside
 * (TUI_MOD_ANY: with any). */
#define TUI_MOD_ANY	(-1)
struct tui_keycode {
	int		 key;
	int		 mod;
};
#define TUI_ROW_CODES	10

/*
 * A key of the chat or the prompt: how /help, doc/TUI.md and cade(1) name
 * it, the key codes it binds, and its handler.  The dispatchers look keys
 * up here (tui_key_row); a key no row binds is text or not bound.
 */
struct tui_help_key {
	const char	*keys;		/* "Ctrl-A / Ctrl-E" */
	const char	*help;		/* one line */
	struct tui_keycode codes[TUI_ROW_CODES];	/* key 0 ends */
	/* The chat: run before the prompt, popups and modes see the key.
	 * The prompt: run even before the prompt is armed. */
	int		 early;
	/* One handler: the editor's (input.c), the chat's (tui.c: 1 if it
	 * took the key) or the prompt's (confirm.c: as tui_confirm_key). */
	enum tui_input_result (*edit)(struct tui_input *, const struct tui_key *);
	int		(*chat)(struct tui *, const struct tui_key *);
	int		(*confirm)(struct tui_confirm *, const struct tui_key *,
			    struct tui_confirm_answer *);
};
extern const struct tui_help_key	tui_chat_keys[];
extern const size_t			tui_chat_keys_size;
extern const struct tui_help_key	tui_confirm_keys[];
extern const size_t			tui_confirm_keys_size;

/* The row of table whose codes include k's, or NULL. */
const struct tui_help_key *tui_key_row(const struct tui_help_key *table,
		    size_t n, const struct tui_key *);

/* The rows' handlers: the editor's (input.c) ... */
enum tui_input_result	tui_edit_enter(struct tui_input *, const struct tui_key *);
enum tui_input_result	tui_edit_newline(struct tui_input *, const struct tui_key *);
enum tui_input_result	tui_edit_vertical(struct tui_input *, const struct tui_key *);
enum tui_input_result	tui_edit_char(struct tui_input *, const struct tui_key *);
enum tui_input_result	tui_edit_line(struct tui_input *, const struct tui_key *);
enum tui_input_result	tui_edit_word(struct tui_input *, const struct tui_key *);
enum tui_input_result	tui_edit_kill(struct tui_input *, const struct tui_key *);
enum tui_input_result	tui_edit_rubout(struct tui_input *, const struct tui_key *);
enum tui_input_result	tui_edit_yank(struct tui_input *, const struct tui_key *);
enum tui_input_result	tui_edit_delete(struct tui_input *, const struct tui_key *);
enum tui_input_result	tui_edit_swap(struct tui_input *, const struct tui_key *);
enum tui_input_result	tui_edit_search(struct tui_input *, const struct tui_key *);
/* ... the chat's (tui.c) ... */
int		 tui_chat_stop(struct tui *, const struct tui_key *);
int		 tui_chat_scroll(struct tui *, const struct tui_key *);
int		 tui_chat_fold(struct tui *, const struct tui_key *);
int		 tui_chat_redraw(struct tui *, const struct tui_key *);
int		 tui_chat_tab(struct tui *, const struct tui_key *);
int		 tui_chat_editor(struct tui *, const struct tui_key *);
int		 tui_chat_take_prompt(struct tui *, const struct tui_key *);
/* ... and the prompt's (confirm.c). */
int		 tui_confirm_approve(struct tui_confirm *, const struct tui_key *,
		    struct tui_confirm_answer *);
int		 tui_confirm_reject(struct tui_confirm *, const struct tui_key *,
		    struct tui_confirm_answer *);
int		 tui_confirm_always(struct tui_confirm *, const struct tui_key *,
		    struct tui_confirm_answer *);
int		 tui_confirm_details(struct tui_confirm *, const struct tui_key *,
		    struct tui_confirm_answer *);
int		 tui_confirm_hide(struct tui_confirm *, const struct tui_key *,
		    struct tui_confirm_answer *);

/* "/confirm always|risky|never"; caller frees. */
char		*tui_cmd_entry_usage(const struct tui_cmd_entry *);
/* "F3 or Alt-Z"; caller frees. */
char		*tui_key_entry_name(const struct tui_key_entry *);
/* Run "/name args". */
void		 tui_command(struct tui *, const char *line);
/* Tab: complete a command name when one fits. */
void		 tui_cmd_complete(struct tui *);
/* A global key: 1 if it was one (and ran). */
int		 tui_cmd_key(struct tui *, const struct tui_key *);
/* The key and command help into the chat (/help, F1). */
void		 tui_cmd_show_help(struct tui *);
/* Edit the message in $VISUAL / $EDITOR (Ctrl-G, Ctrl-X Ctrl-E). */
void		 tui_cmd_editor(struct tui *);
/* Drop the commands' requests in flight (the session's loop is going). */
void		 tui_cmd_cancel(struct tui *);

#endif
