/*
 * screen.c: the terminal itself: ncurses setup and teardown, colours,
 * drawing helpers and sending frames.
 *
 * ncurses (wide-char build) keeps the virtual screen and sends only the
 * cells that changed; cade reads the keyboard itself (keys.c), so ncurses is
 * told not to look at input at all (typeahead(-1): it must never delay a
 * frame waiting for keys).  The tty is put in raw mode (not cbreak): Ctrl-C,
 * Ctrl-Z and Ctrl-\ arrive as keys, never as signals, so they can mean
 * "stop the agent's step" instead of killing cade.  Colours come from
 * terminfo (COLORS, the RGB flag of direct-colour entries): each theme role
 * gets a colour pair, degraded to what the terminal has; terminal-pane cells
 * get pairs on demand from a small hash table.  Truecolor only when the
 * terminal says so: a direct-colour terminfo entry, or COLORTERM=truecolor
 * with a "-direct" entry to match $TERM.  A frame is sent with
 * synchronized output (DECSET 2026) around it when the terminal said it
 * supports the mode (a DECRQM reply, or the Sync terminfo capability).
 *
 * Restoring the terminal: tui_screen_end() on every normal path and from
 * the fatal() hook; crash signals (SEGV, BUS, ABRT, FPE, ILL) run an
 * async-signal-safe restore (saved termios plus precomputed escape
 * strings) and re-raise; SIGTERM/SIGHUP/SIGINT go through the loop and the
 * normal quit path (tui.c).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <curses.h>
#include <term.h>

#include "cade/log.h"
#include "cade/util.h"
#include "tui-int.h"

#define SCREEN_PAIR_HASH	4096

struct screen_pair {
	uint32_t	 fg;
	uint32_t	 bg;
	int		 pair;
	int		 bright;
	int		 used;
};

static SCREEN		*screen_sp;
static int		 screen_active;
static int		 screen_colors;		/* 0: colours off */
static int		 screen_direct;
static int		 screen_sync;
static int		 screen_mouse;
static attr_t		 screen_role_attr[ROLE__COUNT];
static int		 screen_role_pair[ROLE__COUNT];
static struct screen_pair screen_pairs[SCREEN_PAIR_HASH];
static int		 screen_next_pair;
static int		 screen_max_pair;
static struct termios	 screen_saved_tio;
static int		 screen_have_tio;
static char		 screen_restore_seq[512];
static size_t		 screen_restore_len;

static const int screen_crash_signals[] = {
	SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL
};

/* Async-signal-safe: put the tty back as it was. */
void
tui_screen_emergency_restore(void)
{
	ssize_t n;

	if (!screen_active)
		return;
	screen_active = 0;
	if (screen_restore_len > 0)
		n = write(STDOUT_FILENO, screen_restore_seq, screen_restore_len);
	(void)n;
	if (screen_have_tio)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &screen_saved_tio);
}

/* A crash: restore the terminal, then die of the same signal. */
static void
screen_crash(int signo)
{
	tui_screen_emergency_restore();
	signal(signo, SIG_DFL);
	raise(signo);
}

/* Append a terminfo string (if the terminal has it) to the restore sequence. */
static void
screen_restore_add(const char *cap, const char *fallback)
{
	const char *s = NULL;
	size_t n;

	if (cap != NULL) {
		s = tigetstr((char *)cap);
		if (s == (char *)-1)
			s = NULL;
	}
	if (s == NULL)
		s = fallback;
	if (s == NULL)
		return;
	n = strlen(s);
	if (screen_restore_len + n < sizeof screen_restore_seq) {
		memcpy(screen_restore_seq + screen_restore_len, s, n);
		screen_restore_len += n;
	}
}

/* Write bytes straight to the terminal, after ncurses' own output. */
void
tui_screen_raw(const char *s, size_t len)
{
	fflush(stdout);
	if (util_write_all(STDOUT_FILENO, s, len) == -1)
		log_debug("write to the terminal failed: %s", strerror(errno));
}

/* ncurses colour number for a degraded colour. */
static int
screen_color(struct tui_color c, int *bright)
{
	return tui_color_degrade(c, screen_colors, screen_direct, bright);
}

/* Set up one role's pair and attributes. */
static void
screen_setup_role(const struct tui_theme *t, int r)
{
	const struct tui_style *st = &t->role[r];
	attr_t a = 0;
	int fg, bg, bright = 0, bbright = 0;

	if (st->attrs & TUI_A_BOLD)
		a |= A_BOLD;
	if (st->attrs & TUI_A_DIM)
		a |= A_DIM;
	if (st->attrs & TUI_A_UNDERLINE)
		a |= A_UNDERLINE;
	if (st->attrs & TUI_A_REVERSE)
		a |= A_REVERSE;
	if (st->attrs & TUI_A_ITALIC)
		a |= A_ITALIC;
	if (st->attrs & TUI_A_BLINK)
		a |= A_BLINK;
	if (st->attrs & TUI_A_STANDOUT)
		a |= A_STANDOUT;
	screen_role_pair[r] = 0;
	if (screen_colors >= 8) {
		fg = screen_color(st->fg, &bright);
		bg = screen_color(st->bg, &bbright);
		/*
		 * 8 colours: grey is "bold black", which many terminals draw
		 * black, invisible on their black background.  Grey text is
		 * the default colour dimmed instead, a grey background reverse
		 * video; black on black never happens.
		 */
		if (fg == COLOR_BLACK && bright) {
			fg = -1;
			bright = 0;
			a |= A_DIM;
		}
		if (bg == COLOR_BLACK && bbright) {
			bg = -1;
			a |= A_REVERSE;
		}
		if (fg == COLOR_BLACK && bg == COLOR_BLACK)
			fg = COLOR_WHITE;
		if (bright)
			a |= A_BOLD;
		if (init_extended_pair(r + 1, fg, bg) == OK)
			screen_role_pair[r] = r + 1;
	}
	screen_role_attr[r] = a;
}

/* Switch theme: new pairs and attributes for every role. */
void
tui_screen_set_theme(const struct tui_theme *t)
{
	int r;

	for (r = 0; r < ROLE__COUNT; r++)
		screen_setup_role(t, r);
	clearok(curscr, TRUE);
}

/*
 * COLORTERM=truecolor|24bit says the terminal takes 24-bit colour even when
 * $TERM's entry only lists 256: use the matching "-direct" entry
 * (xterm-256color -> xterm-direct) if this system has one.  NULL if not.
 */
static char *
screen_direct_name(const char *term)
{
	const char *ct = getenv("COLORTERM"), *dash;
	char *base, *name;
	int err;

	if (ct == NULL || (strcmp(ct, "truecolor") != 0 &&
	    strcmp(ct, "24bit") != 0) || strstr(term, "direct") != NULL)
		return NULL;
	dash = strstr(term, "-256color");
	base = dash != NULL ? xstrndup(term, (size_t)(dash - term)) :
	    xstrdup(term);
	name = xasprintf("%s-direct", base);
	free(base);
	if (setupterm(name, STDOUT_FILENO, &err) != OK) {	/* no such entry here */
		free(name);
		return NULL;
	}
	del_curterm(cur_term);
	return name;
}

/* Start curses on the terminal; -1 with *cause. */
int
tui_screen_init(const struct tui_screen_opts *o, char **cause)
{
	struct sigaction sa;
	const char *term = getenv("TERM");
	char *direct;
	size_t i;
	int r;

	if (term == NULL || *term == '\0') {
		*cause = xstrdup("TERM is not set");
		return -1;
	}
	if (tcgetattr(STDIN_FILENO, &screen_saved_tio) == 0)
		screen_have_tio = 1;
	direct = screen_direct_name(term);
	if (direct != NULL && (screen_sp = newterm(direct, stdout, stdin)) != NULL)
		log_debug("COLORTERM: using terminfo '%s' for truecolor", direct);
	else
		screen_sp = newterm(term, stdout, stdin);
	free(direct);
	if (screen_sp == NULL) {
		*cause = xasprintf("cannot start the terminal '%s' (no terminfo "
		    "entry?)", term);
		return -1;
	}
	set_term(screen_sp);
	screen_active = 1;
	raw();
	noecho();
	nonl();
	typeahead(-1);
	intrflush(stdscr, FALSE);
	leaveok(stdscr, FALSE);
	scrollok(stdscr, FALSE);
	idlok(stdscr, FALSE);

	screen_colors = 0;
	if (!o->no_color && has_colors() && start_color() == OK) {
		use_default_colors();
		screen_colors = COLORS;
		r = tigetflag((char *)"RGB");
		screen_direct = COLORS >= 0x1000000 || (r > 0 && COLORS > 256);
		screen_max_pair = COLOR_PAIRS - 1;
		if (screen_max_pair > 65535)
			screen_max_pair = 65535;
	}
	if (screen_colors < 8)
		screen_colors = 0;
	for (r = 0; r < ROLE__COUNT; r++)
		screen_setup_role(o->theme, r);
	screen_next_pair = ROLE__COUNT + 1;
	memset(screen_pairs, 0, sizeof screen_pairs);

	/* What undoes our modes, precomputed for the crash path. */
	screen_restore_len = 0;
	screen_restore_add(NULL, "\033[?2004l\033[?1006l\033[?1002l\033[?1000l");
	screen_restore_add("sgr0", "\033[m");
	screen_restore_add("cnorm", NULL);
	screen_restore_add("rmcup", NULL);
	screen_restore_add("rmkx", NULL);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = screen_crash;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND;
	for (i = 0; i < nitems(screen_crash_signals); i++)
		sigaction(screen_crash_signals[i], &sa, NULL);
	util_set_fatal_hook(tui_screen_end);

	screen_mouse = o->mouse;
	/* Bracketed paste; mouse (SGR) only when asked; ask about mode 2026. */
	tui_screen_raw("\033[?2004h", 8);
	if (screen_mouse)
		tui_screen_raw("\033[?1000h\033[?1002h\033[?1006h", 24);
	tui_screen_raw("\033[?2026$p", 9);
	/* Ask the background colour (the answer picks light or dark, tui.c). */
	tui_screen_raw("\033]11;?\033\\", 8);
	r = tigetflag((char *)"Sync");
	if (r > 0 || (tigetstr((char *)"Sync") != NULL &&
	    tigetstr((char *)"Sync") != (char *)-1))
		screen_sync = 1;
	log_debug("terminal %s: %d colours%s, sync %d", term, screen_colors,
	    screen_direct ? " (direct)" : "", screen_sync);
	return 0;
}

/* Leave curses and undo our terminal modes (idempotent). */
void
tui_screen_end(void)
{
	size_t i;

	if (!screen_active)
		return;
	if (screen_mouse)
		tui_screen_raw("\033[?1006l\033[?1002l\033[?1000l", 24);
	tui_screen_raw("\033[?2004l", 8);
	curs_set(1);
	endwin();
	screen_active = 0;
	if (screen_have_tio)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &screen_saved_tio);
	for (i = 0; i < nitems(screen_crash_signals); i++)
		signal(screen_crash_signals[i], SIG_DFL);
	util_set_fatal_hook(NULL);
	if (screen_sp != NULL) {
		delscreen(screen_sp);
		screen_sp = NULL;
	}
}

/* See tui-int.h. */
void
tui_screen_suspend(void)
{
	if (!screen_active)
		return;
	if (screen_mouse)
		tui_screen_raw("\033[?1006l\033[?1002l\033[?1000l", 24);
	tui_screen_raw("\033[?2004l", 8);
	def_prog_mode();
	endwin();
	if (screen_have_tio)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &screen_saved_tio);
}

/* See tui-int.h. */
void
tui_screen_resume(void)
{
	if (!screen_active)
		return;
	reset_prog_mode();
	raw();
	noecho();
	nonl();
	tui_screen_raw("\033[?2004h", 8);
	if (screen_mouse)
		tui_screen_raw("\033[?1000h\033[?1002h\033[?1006h", 24);
	clearok(curscr, TRUE);
}

/* See tui-int.h. */
void
tui_screen_size(int *rows, int *cols)
{
	getmaxyx(stdscr, *rows, *cols);
}

/* SIGWINCH: ask the tty for its size and resize curses' screens. */
void
tui_screen_resized(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

/* See tui-int.h. */
void
tui_screen_role(enum tui_role r, unsigned long *attr, int *pair)
{
	*attr = screen_role_attr[r];
	*pair = screen_role_pair[r];
}

/* Hash a colour combination. */
static unsigned
screen_hash(uint32_t fg, uint32_t bg)
{
	uint32_t h = fg * 2654435761u ^ (bg + 0x9e3779b9u) * 40503u;

	return (h >> 7) % SCREEN_PAIR_HASH;
}

/* Pack a colour for the hash table. */
static uint32_t
screen_pack(struct tui_color c)
{
	return (uint32_t)c.kind << 24 | (c.v & 0xffffff);
}

/* Forget every dynamic pair (the table is full): cells get new ones. */
static void
screen_pairs_reset(void)
{
	memset(screen_pairs, 0, sizeof screen_pairs);
	screen_next_pair = ROLE__COUNT + 1;
	clearok(curscr, TRUE);
}

/* A colour pair for a terminal-pane cell. */
int
tui_screen_pair(struct tui_color fg, struct tui_color bg, int *bright)
{
	struct screen_pair *p;
	uint32_t f, b;
	unsigned h, i;
	int nf, nb, fb = 0, bb = 0;

	*bright = 0;
	if (screen_colors == 0 || (fg.kind == TUI_COLOR_DEFAULT &&
	    bg.kind == TUI_COLOR_DEFAULT))
		return 0;
	f = screen_pack(fg);
	b = screen_pack(bg);
	h = screen_hash(f, b);
	for (i = 0; i < 16; i++) {
		p = &screen_pairs[(h + i) % SCREEN_PAIR_HASH];
		if (p->used && p->fg == f && p->bg == b) {
			*bright = p->bright;
			return p->pair;
		}
		if (!p->used)
			break;
	}
	if (i == 16 || screen_next_pair > screen_max_pair) {
		screen_pairs_reset();
		p = &screen_pairs[h];
	}
	nf = screen_color(fg, &fb);
	nb = screen_color(bg, &bb);
	if (init_extended_pair(screen_next_pair, nf, nb) != OK)
		return 0;
	p->used = 1;
	p->fg = f;
	p->bg = b;
	p->pair = screen_next_pair++;
	p->bright = fb;
	*bright = fb;
	return p->pair;
}

/* Put one character cell (with its combining marks) in a role. */
static void
screen_cell(int y, int x, const wchar_t *wc, int n, uint8_t role, int hl)
{
	cchar_t cc;
	wchar_t buf[CCHARW_MAX + 1];
	int i, pair = screen_role_pair[role];
	attr_t a = screen_role_attr[role];

	if (n > CCHARW_MAX)
		n = CCHARW_MAX;
	for (i = 0; i < n; i++)
		buf[i] = wc[i];
	buf[n] = 0;
	if (hl)
		a |= A_REVERSE;
	setcchar(&cc, buf, a, 0, &pair);
	mvadd_wch(y, x, &cc);
}

/* Draw a styled line clipped to width and padded with its fill role. */
void
tui_screen_draw_line(int y, int x, int width, const struct tui_line *l,
    int hl)
{
	int i = 0, j, col = 0, cw;
	wchar_t sp = L' ';

	if (l != NULL) {
		while (i < l->len) {
			cw = tui_wcwidth(l->wc[i]);
			for (j = i + 1; j < l->len && tui_wcwidth(l->wc[j]) == 0 &&
			    l->wc[j] >= 0x300; j++)
				;
			if (col + cw > width)
				break;
			if (cw == 0) {	/* a stray mark: show it on a space */
				cw = 1;
				screen_cell(y, x + col, &sp, 1, l->role[i], hl);
			} else
				screen_cell(y, x + col, l->wc + i, j - i,
				    l->role[i], hl);
			col += cw;
			i = j;
		}
	}
	for (; col < width; col++)
		screen_cell(y, x + col, &sp, 1, l != NULL ? l->fill : ROLE_NORMAL,
		    hl);
}

/* See tui-int.h. */
void
tui_screen_fill(int y, int x, int h, int w, enum tui_role role)
{
	wchar_t sp = L' ';
	int r, c;

	for (r = 0; r < h; r++)
		for (c = 0; c < w; c++)
			screen_cell(y + r, x + c, &sp, 1, (uint8_t)role, 0);
}

/* Text in one role, clipped to width (no padding). */
void
tui_screen_puts(int y, int x, int width, const char *s, enum tui_role role)
{
	struct tui_line l;

	tui_line_init(&l, (uint8_t)role);
	tui_line_puts(&l, s, (uint8_t)role);
	if (l.width < width)
		width = l.width;
	tui_screen_draw_line(y, x, width, &l, 0);
	tui_line_free(&l);
}

/* Send the frame in one go, inside a synchronized update if supported. */
void
tui_screen_flush(int full)
{
	if (full)
		clearok(curscr, TRUE);
	wnoutrefresh(stdscr);
	if (screen_sync)
		tui_screen_raw("\033[?2026h", 8);
	doupdate();
	if (screen_sync)
		tui_screen_raw("\033[?2026l", 8);
}

/* See tui-int.h. */
void
tui_screen_set_sync(int supported)
{
	screen_sync = supported;
}

/* See tui-int.h. */
int
tui_screen_sync(void)
{
	return screen_sync;
}

/* See tui-int.h. */
int
tui_screen_colors(void)
{
	return screen_direct ? 1 << 24 : screen_colors;
}

/* See tui-int.h. */
int
tui_screen_infd(void)
{
	return STDIN_FILENO;
}
