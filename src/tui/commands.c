/*
 * commands.c: the slash commands and the global keys, one table row each.
 *
 * tmux's cmd_table[] and key tables are the model: a row names the
 * command (or key), its arguments, one line of help and the function that
 * runs it.  /help, Tab completion, the dispatch below and doc/TUI.md's
 * lists (checked by tests/docs.sh) all come from these rows, so a new
 * command or global key is one row and one function here.
 */
#include "config.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/agent.h"
#include "cade/buf.h"
#include "cade/cade.h"
#include "cade/conf.h"
#include "cade/llm.h"
#include "cade/loop.h"
#include "cade/mcp.h"
#include "cade/policy.h"
#include "cade/session.h"
#include "cade/spawn.h"
#include "cade/store.h"
#include "cade/util.h"
#include "cade/workspace.h"
#include "tui-int.h"

static void	tui_cmd_help(struct tui *, const char *);
static void	tui_cmd_model(struct tui *, const char *);
static void	tui_cmd_local(struct tui *, const char *);
static void	tui_cmd_export(struct tui *, const char *);
static void	tui_cmd_confirm(struct tui *, const char *);
static void	tui_cmd_clear(struct tui *, const char *);
static void	tui_cmd_sessions(struct tui *, const char *);
static void	tui_cmd_resume(struct tui *, const char *);
static void	tui_cmd_cost(struct tui *, const char *);
static void	tui_cmd_pause(struct tui *, const char *);
static void	tui_cmd_compact(struct tui *, const char *);
static void	tui_cmd_theme(struct tui *, const char *);
static void	tui_cmd_mcp(struct tui *, const char *);
static void	tui_cmd_quit(struct tui *, const char *);

/* In /help, /complete and doc/TUI.md in this order. */
const struct tui_cmd_entry tui_cmd_table[] = {
	{ .name = "help", .alias = { "?" },
	  .help = "keys and commands", .exec = tui_cmd_help },
	{ .name = "model", .args = "[NAME]",
	  .help = "use another model from the next request (checked against "
	  "the endpoint's list); alone, list them",
	  .exec = tui_cmd_model },
	{ .name = "local",
	  .help = "look for a local server (Ollama, llama.cpp, LM Studio, "
	  "vLLM) and use it", .exec = tui_cmd_local },
	{ .name = "confirm", .args = "always|risky|never",
	  .help = "change the confirmation mode for this session",
	  .exec = tui_cmd_confirm },
	{ .name = "clear", .alias = { "new" },
	  .help = "start a new session (the shell restarts too)",
	  .exec = tui_cmd_clear },
	{ .name = "sessions",
	  .help = "list stored sessions", .exec = tui_cmd_sessions },
	{ .name = "resume", .args = "ID",
	  .help = "switch to a stored session (id, prefix, or last: this "
	  "directory's latest other than this one)",
	  .exec = tui_cmd_resume },
	{ .name = "export", .args = "[FILE]",
	  .help = "write this conversation as Markdown, secrets masked "
	  "(default: cade-ID.md here)", .exec = tui_cmd_export },
	{ .name = "cost",
	  .help = "steps, tokens (cached too), cost estimate, context use",
	  .exec = tui_cmd_cost },
	{ .name = "pause",
	  .help = "pause after the current step; again to resume",
	  .exec = tui_cmd_pause },
	{ .name = "compact",
	  .help = "condense the context now", .exec = tui_cmd_compact },
	{ .name = "theme", .args = "[NAME]",
	  .help = "switch colours now; alone, list the themes",
	  .exec = tui_cmd_theme },
	{ .name = "mcp", .args = "[trust]",
	  .help = "MCP servers and their tools; trust starts the project's",
	  .exec = tui_cmd_mcp },
	{ .name = "undo", .args = "[N] [force]",
	  .help = "undo the last N steps that changed the workspace, shell "
	  "commands included: shows the diff, y applies (CHECKPOINTS.md)",
	  .exec = tui_cmd_undo },
	{ .name = "redo", .args = "[force]",
	  .help = "take the last undo back (diff, then y)",
	  .exec = tui_cmd_redo },
	{ .name = "rewind", .args = "[STEP] [force]",
	  .help = "alone, list the steps; rewind files and conversation to "
	  "before STEP (diff, then y)",
	  .exec = tui_cmd_rewind },
	{ .name = "diff", .args = "[STEP]",
	  .help = "what the session (or step STEP) changed in the workspace",
	  .exec = tui_cmd_diff },
	{ .name = "quit", .alias = { "exit", "q" },
	  .help = "quit", .exec = tui_cmd_quit },
};
const size_t tui_cmd_table_size = nitems(tui_cmd_table);

static void	tui_key_focus(struct tui *, int);
static void	tui_key_zoom(struct tui *, int);
static void	tui_key_orient(struct tui *, int);
static void	tui_key_ratio(struct tui *, int);
static void	tui_key_select(struct tui *, int);
static void	tui_key_prompt(struct tui *, int);
static void	tui_key_help(struct tui *, int);

/* Keys that act on the interface whichever pane has the keyboard. */
const struct tui_key_entry tui_key_table[] = {
	{ .key = TUI_KEY_F2, .ctrl = ']',
	  .help = "give the keyboard to the other pane (in the terminal only "
	  "Ctrl-] does: every other key, F1-F12 too, goes to the program)",
	  .exec = tui_key_focus },
	{ .key = TUI_KEY_F3, .alt = 'z',
	  .help = "zoom the focused pane to the whole window (again: unzoom)",
	  .exec = tui_key_zoom },
	{ .key = TUI_KEY_F4, .alt = 's',
	  .help = "swap side by side / stacked", .exec = tui_key_orient },
	{ .key = TUI_KEY_F5, .alt = '-',
	  .help = "chat narrower (5% steps, down to 20%)",
	  .exec = tui_key_ratio },
	{ .key = TUI_KEY_F6, .alt = '=',
	  .help = "chat wider (5% steps, up to 80%)", .exec = tui_key_ratio },
	{ .key = TUI_KEY_F7, .alt = 'v',
	  .help = "select mode in the chat (the terminal's scrollback: "
	  "Shift-PgUp)",
	  .exec = tui_key_select },
	{ .key = TUI_KEY_F9, .alt = 'p',
	  .help = "answer the confirmation prompt: it takes the keyboard (after Esc, while typing, from the terminal)",
	  .exec = tui_key_prompt },
	{ .key = TUI_KEY_F1,
	  .help = "key help in the chat", .exec = tui_key_help },
};
const size_t tui_key_table_size = nitems(tui_key_table);

/*
 * The chat pane's own keys and the confirmation prompt's: each row names
 * its keys, says what they do, lists the key codes it binds and holds the
 * handler.  The editor (input.c), the chat (tui.c) and the prompt
 * (confirm.c) dispatch by looking keys up here (tui_key_row); /help,
 * doc/TUI.md's tables and cade(1)'s KEYS list come from the same rows.
 * Shift is ignored in the codes (TUI_MOD_ANY: any modifiers).
 */
#define A	TUI_MOD_ALT
#define C	TUI_MOD_CTRL
#define ANY	TUI_MOD_ANY
const struct tui_help_key tui_chat_keys[] = {
	{ .keys = "Enter", .help = "send the message (or run a /command)",
	  .codes = { { '\r', 0 }, { '\r', C } }, .edit = tui_edit_enter },
	{ .keys = "Ctrl-J or Alt-Enter", .help = "newline in the message",
	  .codes = { { '\n', 0 }, { '\n', C }, { '\r', A }, { '\r', A | C } },
	  .edit = tui_edit_newline },
	{ .keys = "Up / Down", .help = "move between lines; at the first/last "
	  "line: history (kept across sessions)",
	  .codes = { { TUI_KEY_UP, 0 }, { TUI_KEY_DOWN, 0 } },
	  .edit = tui_edit_vertical },
	{ .keys = "Left/Right, Ctrl-B/Ctrl-F", .help = "move a character",
	  .codes = { { TUI_KEY_LEFT, 0 }, { TUI_KEY_RIGHT, 0 },
	  { TUI_CTRL('b'), 0 }, { TUI_CTRL('f'), 0 } },
	  .edit = tui_edit_char },
	{ .keys = "Ctrl-A / Ctrl-E", .help = "start / end of the line",
	  .codes = { { TUI_CTRL('a'), 0 }, { TUI_CTRL('e'), 0 } },
	  .edit = tui_edit_line },
	{ .keys = "Alt-B / Alt-F, Ctrl-Left/Right", .help = "move a word",
	  .codes = { { 'b', A }, { 'B', A }, { 'f', A }, { 'F', A },
	  { TUI_KEY_LEFT, A }, { TUI_KEY_RIGHT, A }, { TUI_KEY_LEFT, C },
	  { TUI_KEY_RIGHT, C }, { TUI_KEY_LEFT, A | C },
	  { TUI_KEY_RIGHT, A | C } },
	  .edit = tui_edit_word },
	{ .keys = "Ctrl-K / Ctrl-U", .help = "delete to end / start of line",
	  .codes = { { TUI_CTRL('k'), 0 }, { TUI_CTRL('u'), 0 } },
	  .edit = tui_edit_kill },
	{ .keys = "Ctrl-W, Alt-Backspace / Alt-D",
	  .help = "delete the word before / after",
	  .codes = { { TUI_CTRL('w'), 0 }, { 0x7f, A }, { 0x08, A }, { 'd', A },
	  { 'D', A } },
	  .edit = tui_edit_rubout },
	{ .keys = "Ctrl-Y", .help = "paste what was deleted last",
	  .codes = { { TUI_CTRL('y'), 0 } }, .edit = tui_edit_yank },
	{ .keys = "Backspace, Delete, Ctrl-D", .help = "delete a character "
	  "(Ctrl-D on an empty line quits)",
	  .codes = { { 0x7f, 0 }, { TUI_CTRL('h'), 0 }, { TUI_KEY_DEL, 0 },
	  { TUI_CTRL('d'), 0 } },
	  .edit = tui_edit_delete },
	{ .keys = "Ctrl-T", .help = "swap two characters",
	  .codes = { { TUI_CTRL('t'), 0 } }, .edit = tui_edit_swap },
	{ .keys = "Tab", .help = "complete a /command (when several fit: their "
	  "shared part, and the list in the status bar); after @, a file of "
	  "the workspace (@path:10-40 attaches lines 10 to 40)",
	  .codes = { { '\t', ANY } }, .chat = tui_chat_tab },
	{ .keys = "Ctrl-G, Ctrl-X Ctrl-E", .help = "edit the message in "
	  "$VISUAL / $EDITOR (else vi), starting from the text so far; what "
	  "you save is the message (Enter sends it)",
	  /* Ctrl-X Ctrl-E: tui.c's Ctrl-X prefix calls the same handler. */
	  .codes = { { TUI_CTRL('g'), 0 } }, .chat = tui_chat_editor },
	{ .keys = "Ctrl-R", .help = "search the history backwards: type to "
	  "narrow, Ctrl-R for older, Enter keeps the match (not sent), Esc "
	  "puts back what was there",
	  .codes = { { TUI_CTRL('r'), 0 } }, .edit = tui_edit_search },
	{ .keys = "PgUp / PgDn", .help = "scroll the chat a page",
	  .codes = { { TUI_KEY_PGUP, ANY }, { TUI_KEY_PGDN, ANY } },
	  .chat = tui_chat_scroll },
	{ .keys = "Home / End", .help = "top / bottom of the chat",
	  .codes = { { TUI_KEY_HOME, 0 }, { TUI_KEY_END, 0 } },
	  .chat = tui_chat_scroll },
	{ .keys = "Ctrl-O", .help = "fold / unfold the last observation (or "
	  "reasoning)",
	  .codes = { { TUI_CTRL('o'), ANY } }, .chat = tui_chat_fold },
	{ .keys = "Ctrl-L", .help = "redraw the screen",
	  .codes = { { TUI_CTRL('l'), ANY } }, .chat = tui_chat_redraw },
	{ .keys = "Ctrl-C", .help = "stop the agent's current step (cancels the "
	  "LLM request or interrupts the command); with the agent idle, clears "
	  "the input",
	  .codes = { { TUI_CTRL('c'), 0 } }, .early = 1,
	  .chat = tui_chat_stop },
	/* The same key and handler: it counts the presses. */
	{ .keys = "Ctrl-C twice within 1.5 s",
	  .help = "quit (everything is already saved)",
	  .codes = { { TUI_CTRL('c'), 0 } }, .early = 1,
	  .chat = tui_chat_stop },
};
const size_t tui_chat_keys_size = nitems(tui_chat_keys);

const struct tui_help_key tui_confirm_keys[] = {
	{ .keys = "y", .help = "approve",
	  .codes = { { 'y', 0 }, { 'Y', 0 } }, .confirm = tui_confirm_approve },
	{ .keys = "n", .help = "reject; type an optional reason for the model, "
	  "Enter sends it (Esc goes back)",
	  .codes = { { 'n', 0 }, { 'N', 0 } }, .confirm = tui_confirm_reject },
	{ .keys = "a", .help = "always allow: choose s (this session), p (this "
	  "project: .cade/policy) or u (everywhere: ~/.config/cade/policy); the "
	  "rule to be added is shown",
	  .codes = { { 'a', 0 }, { 'A', 0 } }, .confirm = tui_confirm_always },
	{ .keys = "d", .help = "details: the whole diff or preview, and the "
	  "suggested rule",
	  .codes = { { 'd', 0 }, { 'D', 0 } }, .confirm = tui_confirm_details },
	{ .keys = "Esc", .help = "hide the prompt and give the keys back (to "
	  "the pane if F9 took them from there); the action stays pending "
	  "(N pending (F9) in the status bar)",
	  .codes = { { 0x1b, 0 } }, .early = 1, .confirm = tui_confirm_hide },
	/* F9 is the global key table's (tui_key_table). */
	{ .keys = "Tab, F9", .help = "give the prompt the keyboard",
	  .codes = { { '\t', 0 } }, .chat = tui_chat_take_prompt },
};
const size_t tui_confirm_keys_size = nitems(tui_confirm_keys);
#undef A
#undef C
#undef ANY

/* See tui-int.h. */
const struct tui_help_key *
tui_key_row(const struct tui_help_key *table, size_t n,
    const struct tui_key *k)
{
	const struct tui_keycode *c;
	int mod = k->mod & ~TUI_MOD_SHIFT;
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < TUI_ROW_CODES; j++) {
			c = &table[i].codes[j];
			if (c->key == 0)
				break;
			if (c->key == k->key && (c->mod == TUI_MOD_ANY ||
			    c->mod == mod))
				return &table[i];
		}
	}
	return NULL;
}

/* How doc/TUI.md and /help name a global key: "F3 or Alt-Z". */
char *
tui_key_entry_name(const struct tui_key_entry *k)
{
	char *s = xasprintf("F%d", k->key - TUI_KEY_F1 + 1), *t;

	if (k->ctrl != 0) {
		t = xasprintf("%s or Ctrl-%c", s, k->ctrl);
		free(s);
		s = t;
	}
	if (k->alt != 0) {
		t = xasprintf("%s or Alt-%c", s, k->alt >= 'a' && k->alt <= 'z' ?
		    k->alt - 'a' + 'A' : k->alt);
		free(s);
		s = t;
	}
	return s;
}

/* How /help and doc/TUI.md show a command: "/confirm always|risky|never". */
char *
tui_cmd_entry_usage(const struct tui_cmd_entry *c)
{
	return xasprintf("/%s%s%s", c->name, c->args != NULL ? " " : "",
	    c->args != NULL ? c->args : "");
}

/* The /help (and F1) text, from the tables. */
static char *
tui_help_text(void)
{
	struct buf b;
	size_t i;
	char *s;

	buf_init(&b, 0);
	buf_puts(&b, "keys (doc/TUI.md has the full list)\n");
	for (i = 0; i < tui_key_table_size; i++) {
		s = tui_key_entry_name(&tui_key_table[i]);
		buf_printf(&b, "  %-16s %s\n", s, tui_key_table[i].help);
		free(s);
	}
	buf_puts(&b, "keys in the chat\n");
	for (i = 0; i < tui_chat_keys_size; i++)
		buf_printf(&b, "  %-16s %s\n", tui_chat_keys[i].keys,
		    tui_chat_keys[i].help);
	buf_puts(&b, "keys at a confirmation prompt\n");
	for (i = 0; i < tui_confirm_keys_size; i++)
		buf_printf(&b, "  %-16s %s\n", tui_confirm_keys[i].keys,
		    tui_confirm_keys[i].help);
	buf_puts(&b, "in the terminal pane every key goes to the program; "
	    "Ctrl-] takes the keyboard back; Shift-PgUp browses the "
	    "scrollback (PgUp/PgDn/Home/End, q leaves)\n");
	buf_puts(&b, "commands\n");
	for (i = 0; i < tui_cmd_table_size; i++) {
		s = tui_cmd_entry_usage(&tui_cmd_table[i]);
		buf_printf(&b, "  %-28s %s\n", s, tui_cmd_table[i].help);
		free(s);
	}
	return buf_detach(&b, NULL);
}

/* Show the help in the chat. */
void
tui_cmd_show_help(struct tui *t)
{
	char *text = tui_help_text(), *name;
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	buf_puts(&b, text);
	free(text);
	if (t->usercmds.n > 0)
		buf_puts(&b, "your commands (.cade/commands, "
		    "~/.config/cade/commands)\n");
	for (i = 0; i < t->usercmds.n; i++) {
		name = xasprintf("/%s", t->usercmds.v[i].name);
		buf_printf(&b, "  %-28s %s%s\n", name,
		    t->usercmds.v[i].description != NULL ?
		    t->usercmds.v[i].description : "",
		    t->usercmds.v[i].project ? " (project)" : "");
		free(name);
	}
	tui_chat_notice(t->chat, ITEM_HELP, b.s);
	buf_free(&b);
}

/* The row for a command name or alias, NULL if none. */
static const struct tui_cmd_entry *
tui_cmd_find(const char *name)
{
	const struct tui_cmd_entry *c;
	size_t i, j;

	for (i = 0; i < tui_cmd_table_size; i++) {
		c = &tui_cmd_table[i];
		if (strcmp(c->name, name) == 0)
			return c;
		for (j = 0; j < nitems(c->alias) && c->alias[j] != NULL; j++)
			if (strcmp(c->alias[j], name) == 0)
				return c;
	}
	return NULL;
}

/* Say how a command is used. */
static void
tui_cmd_usage(struct tui *t, const char *name, const char *more)
{
	char *usage = tui_cmd_entry_usage(tui_cmd_find(name)), *s;

	s = xasprintf("usage: %s%s", usage, more != NULL ? more : "");
	tui_chat_notice(t->chat, ITEM_ERROR, s);
	free(s);
	free(usage);
}

/* Run a slash command line ("/name args"). */
void
tui_command(struct tui *t, const char *line)
{
	const struct tui_cmd_entry *c;
	const struct tui_usercmd *u;
	char *cmd = xstrdup(line + 1), *arg, *s;

	arg = cmd + strcspn(cmd, " \t");
	if (*arg != '\0')
		*arg++ = '\0';
	arg = util_trim(arg);
	if ((c = tui_cmd_find(cmd)) != NULL)
		c->exec(t, arg);
	else if ((u = tui_usercmds_find(&t->usercmds, cmd)) != NULL) {
		/* The person's own command: its prompt, arguments in place. */
		s = tui_usercmd_expand(u->body, arg);
		if (*s != '\0')
			agent_submit(t->s->agent, s);
		free(s);
	} else {
		s = xasprintf("unknown command '/%s' (try /help)", cmd);
		tui_chat_notice(t->chat, ITEM_ERROR, s);
		free(s);
	}
	free(cmd);
	tui_dirty(t);
}

/* The n-th completable command name (built-ins, then the person's); NULL past the end. */
static const char *
tui_cmd_name(const struct tui *t, size_t i, int *args)
{
	if (i < tui_cmd_table_size) {
		*args = tui_cmd_table[i].args != NULL;
		return tui_cmd_table[i].name;
	}
	i -= tui_cmd_table_size;
	if (i < t->usercmds.n) {
		*args = 1;
		return t->usercmds.v[i].name;
	}
	return NULL;
}

/*
 * Tab after "/x": complete a command name when only one fits; when several
 * do, extend to the part they share and list them in the status bar.
 */
void
tui_cmd_complete(struct tui *t)
{
	const char *text = tui_input_text(t->input), *first = NULL, *name;
	size_t i, n = strlen(text), nhit = 0, common = 0, k;
	int args, first_args = 0;
	struct buf b;

	if (n < 2 || text[0] != '/' || strchr(text, ' ') != NULL)
		return;
	buf_init(&b, 0);
	for (i = 0; (name = tui_cmd_name(t, i, &args)) != NULL; i++) {
		if (strncmp(name, text + 1, n - 1) != 0)
			continue;
		buf_printf(&b, "%s/%s", b.len > 0 ? "  " : "", name);
		if (first == NULL) {
			first = name;
			first_args = args;
			common = strlen(name);
		}
		for (k = 0; k < common && name[k] == first[k]; k++)
			;
		common = k;
		nhit++;
	}
	if (first != NULL && common > n - 1)
		tui_input_insert(t->input, first + n - 1, common - (n - 1));
	if (nhit == 1 && first_args)
		tui_input_insert(t->input, " ", 1);
	if (nhit > 1)
		tui_hint(t, "%s", b.s);
	buf_free(&b);
}

/* A global key: run its row; 0 if the key is not one. */
int
tui_cmd_key(struct tui *t, const struct tui_key *k)
{
	const struct tui_key_entry *e;
	int alt_chat = t->focus == FOCUS_CHAT && (k->mod & TUI_MOD_ALT) &&
	    !(k->mod & TUI_MOD_CTRL);
	size_t i;

	for (i = 0; i < tui_key_table_size; i++) {
		e = &tui_key_table[i];
		if (k->key == e->key ||
		    (e->ctrl != 0 && k->key == TUI_CTRL(e->ctrl) && k->mod == 0) ||
		    (e->alt != 0 && alt_chat && k->key == e->alt)) {
			e->exec(t, e->key);
			return 1;
		}
	}
	return 0;
}

/* ---- the commands ------------------------------------------------ */

/* /help. */
static void
tui_cmd_help(struct tui *t, const char *arg)
{
	tui_cmd_show_help(t);
}

/* Use model NAME from the next request on (kept across /clear). */
static void
tui_set_model(struct tui *t, const char *name)
{
	agent_set_model(t->s->agent, name);
	free(t->model);
	t->model = xstrdup(name);
}

/* The endpoint's list arrived: show it, or check the name asked for. */
static void
tui_models_done(struct llm_models *m, void *arg)
{
	struct tui *t = arg;
	struct agent_stats st;
	struct buf b;
	size_t i, shown;
	char *s, *want = t->models_want;

	t->models_req = NULL;
	t->models_want = NULL;
	llm_list_prices(m);
	llm_models_cache_put(m);
	agent_reprice(t->s->agent);
	agent_get_stats(t->s->agent, &st);
	buf_init(&b, 0);
	if (want == NULL && m->error != NULL)
		buf_printf(&b, "model: %s (%s)", st.model, m->error);
	else if (want == NULL) {
		buf_printf(&b, "model: %s; %zu at %s:\n", st.model, m->n,
		    m->base_url);
		for (i = shown = 0; i < m->n && shown < 40; i++, shown++) {
			buf_printf(&b, "  %s%s", m->v[i].id, strcmp(m->v[i].id,
			    st.model) == 0 ? " (in use)" : "");
			if (m->v[i].context > 0)
				buf_printf(&b, "  %ldk context", m->v[i].context /
				    1000);
			if (m->v[i].price_in >= 0 && m->v[i].price_out >= 0)
				buf_printf(&b, "  $%.4g/$%.4g per M", m->v[i].price_in,
				    m->v[i].price_out);
			if (m->v[i].images > 0)
				buf_puts(&b, "  images");
			buf_putc(&b, '\n');
		}
		if (m->n > shown)
			buf_printf(&b, "  ... and %zu more (cade models lists them "
			    "all)\n", m->n - shown);
	} else if (m->error == NULL && m->n > 0 && llm_models_find(m, want) ==
	    NULL) {
		s = xasprintf("no model '%s' at %s (/model lists what there is)",
		    want, m->base_url);
		tui_chat_notice(t->chat, ITEM_ERROR, s);
		free(s);
	} else {
		tui_set_model(t, want);
		buf_printf(&b, "model set to %s", want);
		if (m->error != NULL)
			buf_printf(&b, " (not checked: %s)", m->error);
	}
	if (b.len > 0)
		tui_chat_notice(t->chat, ITEM_NOTICE, b.s);
	buf_free(&b);
	free(want);
	llm_models_free(m);
	tui_dirty(t);
}

/* /model [NAME]: list the endpoint's models, or change (checked against them). */
static void
tui_cmd_model(struct tui *t, const char *arg)
{
	if (t->models_req != NULL) {
		tui_chat_notice(t->chat, ITEM_NOTICE, "still asking the endpoint "
		    "for its models");
		return;
	}
	t->models_want = *arg != '\0' ? xstrdup(arg) : NULL;
	t->models_req = llm_models_fetch(t->s->loop, t->cfg, conf_str(t->cfg,
	    "base_url"), TUI_MODELS_MS, 1, tui_models_done, t);
	if (t->models_req == NULL && t->models_want != NULL) {
		tui_set_model(t, arg);
		free(t->models_want);
		t->models_want = NULL;
		tui_chat_notice(t->chat, ITEM_NOTICE, "model set (not checked)");
	}
}

/* A local server answered, or not: once all have, use the first found. */
static void
tui_probe_done(struct llm_models *m, void *arg)
{
	struct tui *t = arg;
	const struct llm_local_server *ls = NULL;
	struct agent_stats st;
	char *cause = NULL, *s;
	size_t i, j;

	for (i = 0; i < llm_local_servers_n; i++)
		if (strcmp(llm_local_servers[i].base_url, m->base_url) == 0) {
			t->probe[i] = NULL;
			llm_models_free(t->probe_res[i]);
			t->probe_res[i] = m;
		}
	for (i = 0; i < llm_local_servers_n; i++)
		if (t->probe[i] != NULL)
			return;		/* the others are still answering */
	for (i = 0; i < llm_local_servers_n && ls == NULL; i++)
		if (t->probe_res[i] != NULL && t->probe_res[i]->error == NULL &&
		    t->probe_res[i]->n > 0)
			ls = &llm_local_servers[i];
	if (ls == NULL) {
		tui_chat_notice(t->chat, ITEM_ERROR, "no local server found "
		    "(tried Ollama :11434, llama.cpp :8080, LM Studio :1234, "
		    "vLLM :8000)");
	} else {
		m = t->probe_res[ls - llm_local_servers];
		conf_set(t->cfg, "base_url", ls->base_url, CONF_RUNTIME, &cause);
		free(cause);
		agent_get_stats(t->s->agent, &st);
		if (llm_models_find(m, st.model) == NULL)
			tui_set_model(t, m->v[0].id);
		agent_get_stats(t->s->agent, &st);
		s = xasprintf("found %s at %s; using it with model %s (%zu "
		    "model%s there: /model lists them)", ls->name, ls->base_url,
		    st.model, m->n, m->n == 1 ? "" : "s");
		tui_chat_notice(t->chat, ITEM_NOTICE, s);
		free(s);
	}
	for (j = 0; j < llm_local_servers_n; j++) {
		llm_models_free(t->probe_res[j]);
		t->probe_res[j] = NULL;
	}
	tui_dirty(t);
}

/* /local: look for a local server and use it. */
static void
tui_cmd_local(struct tui *t, const char *arg)
{
	size_t i;

	if (llm_local_servers_n > nitems(t->probe))
		fatal("tui: more local servers than probe slots");
	for (i = 0; i < llm_local_servers_n; i++)
		if (t->probe[i] != NULL)
			return;		/* already looking */
	tui_chat_notice(t->chat, ITEM_NOTICE, "looking for a local server "
	    "(Ollama, llama.cpp, LM Studio, vLLM)...");
	for (i = 0; i < llm_local_servers_n; i++)
		t->probe[i] = llm_models_fetch(t->s->loop, t->cfg,
		    llm_local_servers[i].base_url, TUI_PROBE_MS, 0,
		    tui_probe_done, t);
	for (i = 0; i < llm_local_servers_n; i++)
		if (t->probe[i] != NULL)
			return;
	tui_chat_notice(t->chat, ITEM_ERROR, "cannot start the probe");
}

/*
 * Ctrl-G or Ctrl-X Ctrl-E: the message so far into $VISUAL (else $EDITOR,
 * else vi) in a private temporary file; what the editor leaves there
 * becomes the message (not sent).  The screen is handed over and taken
 * back; the loop waits meanwhile, as with any full-screen editor.
 */
void
tui_cmd_editor(struct tui *t)
{
	const char *ed = getenv("VISUAL"), *tmp = getenv("TMPDIR");
	const char *argv[6];
	struct spawn_proc_args a;
	char *path, *text, *cause = NULL;
	size_t len;
	int fd, status;
	pid_t pid;

	if (ed == NULL || *ed == '\0')
		ed = getenv("EDITOR");
	if (ed == NULL || *ed == '\0')
		ed = "vi";
	path = xasprintf("%s/cade-message-XXXXXX.md", tmp != NULL && *tmp ==
	    '/' ? tmp : "/tmp");
	if ((fd = mkstemps(path, 3)) == -1 || util_write_all(fd,
	    tui_input_text(t->input), strlen(tui_input_text(t->input))) == -1) {
		tui_hint(t, "cannot write a temporary file for the editor");
		if (fd != -1)
			close(fd);
		free(path);
		return;
	}
	close(fd);
	/* $EDITOR may carry arguments ("emacs -nw"): let sh split it. */
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = "exec $CADE_EDITOR \"$1\"";
	argv[3] = "sh";
	argv[4] = path;
	argv[5] = NULL;
	memset(&a, 0, sizeof a);
	a.argv = argv;
	a.fd_in = STDIN_FILENO;
	a.fd_out = STDOUT_FILENO;
	a.fd_err = STDERR_FILENO;
	setenv("CADE_EDITOR", ed, 1);
	a.envp = (const char *const *)environ;
	tui_screen_suspend();
	pid = spawn_process(&a, &cause);
	while (pid > 0 && waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	unsetenv("CADE_EDITOR");
	tui_screen_resume();
	t->full = 1;
	t->relayout = 1;
	if (pid <= 0) {
		tui_hint(t, "%s", cause);
		free(cause);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		tui_hint(t, "the editor failed: the message is as it was");
	else if ((text = util_read_small(path, 1 << 20, &len, &cause)) == NULL) {
		tui_hint(t, "%s", cause);
		free(cause);
	} else {
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
		tui_input_clear(t->input);
		tui_input_insert(t->input, text, len);
		free(text);
	}
	unlink(path);
	free(path);
	tui_dirty(t);
}

/* See tui-int.h. */
void
tui_cmd_cancel(struct tui *t)
{
	size_t i;

	llm_models_cancel(t->models_req);
	t->models_req = NULL;
	free(t->models_want);
	t->models_want = NULL;
	llm_models_cancel(t->img_req);
	t->img_req = NULL;
	t->bang_running = 0;		/* its answer comes as the shell closes */
	free(t->bang_cmd);
	t->bang_cmd = NULL;
	buf_reset(&t->bang_out);
	free(t->img_wait);
	t->img_wait = NULL;
	for (i = 0; i < llm_local_servers_n; i++) {
		llm_models_cancel(t->probe[i]);
		t->probe[i] = NULL;
		llm_models_free(t->probe_res[i]);
		t->probe_res[i] = NULL;
	}
}

/* /confirm MODE: the policy's confirmation mode (kept across /clear). */
static void
tui_cmd_confirm(struct tui *t, const char *arg)
{
	char *cause = NULL, *s;

	if (policy_set_confirm(t->s->policy, arg, &cause) == -1) {
		free(cause);
		tui_cmd_usage(t, "confirm", NULL);
		return;
	}
	free(t->confirm_mode);
	t->confirm_mode = xstrdup(arg);
	s = xasprintf("confirmation mode: %s", arg);
	tui_chat_notice(t->chat, ITEM_NOTICE, s);
	free(s);
}

/* /clear: a new session around the same screen. */
static void
tui_cmd_clear(struct tui *t, const char *arg)
{
	t->restart = 1;
	free(t->restart_resume);
	t->restart_resume = NULL;
	tui_stop(t, 0);
}

/* /sessions: the session table into the chat. */
static void
tui_cmd_sessions(struct tui *t, const char *arg)
{
	char *text = NULL, *argv[] = { (char *)"sessions", NULL };
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&text, &len)) == NULL) {
		tui_chat_notice(t->chat, ITEM_ERROR, "cannot list sessions");
		return;
	}
	store_list_main(t->cfg, f, 1, argv);
	fclose(f);
	tui_chat_notice(t->chat, ITEM_HELP, text != NULL ? text : "");
	free(text);
}

/* Restart into session id (taken). */
static void
tui_resume_switch(struct tui *t, char *id)
{
	t->restart = 1;
	free(t->restart_resume);
	t->restart_resume = id;
	tui_stop(t, 0);
}

/* The question's keys are live (confirm_delay passed): say so. */
static void
tui_resume_live(struct loop *l, void *arg)
{
	struct tui *t = arg;

	(void)l;
	t->resume_timer = 0;
	if (t->resume_asked != NULL)
		tui_hint(t, "resume %s here? y yes, n or Esc no",
		    t->resume_asked);
}

/* /resume ID: switch to a stored session. */
static void
tui_cmd_resume(struct tui *t, const char *arg)
{
	char *id, *cause = NULL, *root;

	if (*arg == '\0') {
		tui_cmd_usage(t, "resume", " (see /sessions) or /resume last");
		return;
	}
	/* "last" is the session before this one, never this one. */
	if (strcmp(arg, "last") == 0) {
		if ((id = store_resolve_except(t->s->dir, "last", t->s->id,
		    t->s->ws->root, &cause)) == NULL) {
			tui_chat_notice(t->chat, ITEM_ERROR, cause);
			free(cause);
			return;
		}
	} else if ((id = store_resolve(t->s->dir, arg, &cause)) == NULL) {
		tui_chat_notice(t->chat, ITEM_ERROR, cause);
		free(cause);
		return;
	}
	free(t->resume_asked);
	t->resume_asked = NULL;
	/* Another directory's session: ask before it goes on here. */
	root = store_root(t->s->dir, id);
	if (root != NULL && strcmp(root, t->s->ws->root) != 0)
		tui_resume_ask(t, id, root);
	else
		tui_resume_switch(t, id);
	free(root);
}

/* See tui-int.h. */
void
tui_resume_ask(struct tui *t, char *id, const char *root)
{
	char *s;

	s = xasprintf("session %s was started in %s, not here (%s): continue "
	    "it here, with this directory's files? y yes, n or Esc no", id,
	    root, t->s->ws->root);
	tui_chat_notice(t->chat, ITEM_NOTICE, s);
	free(s);
	free(t->resume_asked);
	t->resume_asked = id;
	t->resume_asked_at = util_now_ms();
	if (t->resume_timer != 0)
		loop_timer_cancel(t->s->loop, t->resume_timer);
	t->resume_timer = loop_timer_add(t->s->loop, (uint64_t)conf_int(t->cfg,
	    "confirm_delay"), tui_resume_live, t);
}

/*
 * The answer to /resume of another directory's session.  Taken only on
 * purpose, as the gate's prompt is: not while the input holds text (the
 * key is typing), not within confirm_delay ms of the question; any other
 * key goes on to the input and the question stays.
 */
int
tui_resume_key(struct tui *t, const struct tui_key *k)
{
	char *id = t->resume_asked, *s;

	if (id == NULL || k->mod != 0 || !tui_input_empty(t->input) ||
	    util_now_ms() - t->resume_asked_at <
	    (uint64_t)conf_int(t->cfg, "confirm_delay"))
		return 0;
	if (k->key == 'y' || k->key == 'Y') {
		t->resume_asked = NULL;
		tui_resume_switch(t, id);
	} else if (k->key == 'n' || k->key == 'N' || k->key == 0x1b) {
		s = xasprintf("not resumed: session %s stays where it was; "
		    "this one goes on", id);
		tui_chat_notice(t->chat, ITEM_NOTICE, s);
		free(s);
		free(id);
		t->resume_asked = NULL;
	} else
		return 0;
	tui_dirty(t);
	return 1;
}

/* /export [FILE]: the conversation as Markdown. */
static void
tui_cmd_export(struct tui *t, const char *arg)
{
	char *path, *cause = NULL, *s;
	FILE *f;

	path = *arg != '\0' ? (arg[0] == '/' ? xstrdup(arg) :
	    xasprintf("%s/%s", t->s->ws->root, arg)) :
	    xasprintf("%s/cade-%s.md", t->s->ws->root, t->s->id);
	if ((f = fopen(path, "w")) == NULL) {
		s = xasprintf("cannot write '%s': %s", path, strerror(errno));
		tui_chat_notice(t->chat, ITEM_ERROR, s);
	} else if (store_export(t->s->dir, t->s->id, f, &cause) == -1) {
		fclose(f);
		s = xasprintf("export failed: %s", cause);
		free(cause);
		tui_chat_notice(t->chat, ITEM_ERROR, s);
	} else {
		fclose(f);
		s = xasprintf("exported to %s", path);
		tui_chat_notice(t->chat, ITEM_NOTICE, s);
	}
	free(s);
	free(path);
}

/* /cost: what this session used. */
static void
tui_cmd_cost(struct tui *t, const char *arg)
{
	struct agent_stats st;
	char *s, *cost;

	agent_get_stats(t->s->agent, &st);
	if (st.cost == 0 && !llm_price_known(t->cfg, st.model))
		cost = xstrdup("$? (no price known for this model: set "
		    "price_input and price_output)");
	else
		cost = xasprintf("$%.4f estimated", st.cost);
	s = xasprintf("%d steps, %ld tokens in (%ld cached), %ld out, %s, "
	    "context %.0f%% full, %d refused", st.step, st.tokens_in,
	    st.tokens_cached, st.tokens_out, cost, st.context_pct,
	    st.refusals);
	free(cost);
	tui_chat_notice(t->chat, ITEM_NOTICE, s);
	free(s);
}

/* /pause: pause after this step, or resume. */
static void
tui_cmd_pause(struct tui *t, const char *arg)
{
	if (agent_get_state(t->s->agent) == AGENT_PAUSED) {
		agent_resume(t->s->agent);
		tui_chat_notice(t->chat, ITEM_NOTICE, "resumed");
	} else {
		agent_pause(t->s->agent);
		tui_chat_notice(t->chat, ITEM_NOTICE, "paused after this "
		    "step (/pause again resumes)");
	}
}

/* /compact: condense the context now. */
static void
tui_cmd_compact(struct tui *t, const char *arg)
{
	agent_compact(t->s->agent);
}

/* /theme NAME: switch colours now. */
static void
tui_cmd_theme(struct tui *t, const char *arg)
{
	char *cause = NULL, *s, *list;

	if (*arg == '\0') {
		list = tui_theme_list();
		s = xasprintf("themes: %s (now %s; /theme NAME switches)", list,
		    t->theme.name != NULL ? t->theme.name : "default");
		tui_chat_notice(t->chat, ITEM_NOTICE, s);
		free(s);
		free(list);
		return;
	}
	if (tui_theme_load(&t->theme, arg, &cause) == -1) {
		s = xasprintf("%s (using the default theme)", cause);
		tui_chat_notice(t->chat, ITEM_ERROR, s);
		free(s);
		free(cause);
	}
	tui_screen_set_theme(&t->theme);
	t->full = 1;
}

/* /mcp: the servers and their tools; /mcp trust starts the project's. */
static void
tui_cmd_mcp(struct tui *t, const char *arg)
{
	char *s, *cause = NULL;

	if (strcmp(arg, "trust") == 0) {
		if (!mcp_untrusted(t->s->mcp))
			tui_chat_notice(t->chat, ITEM_NOTICE, "no untrusted "
			    "project MCP servers");
		else if (mcp_trust(t->s->mcp, &cause) == -1) {
			tui_chat_notice(t->chat, ITEM_ERROR, cause);
			free(cause);
		} else
			tui_chat_notice(t->chat, ITEM_NOTICE, "trusted this "
			    "project's .cade/mcp.json; its servers are starting "
			    "(/mcp shows them)");
		return;
	}
	if (*arg != '\0') {
		tui_chat_notice(t->chat, ITEM_ERROR, "usage: /mcp [trust]");
		return;
	}
	s = mcp_describe(t->s->mcp, 1);
	tui_chat_notice(t->chat, ITEM_NOTICE, s);
	free(s);
}

/* /quit. */
static void
tui_cmd_quit(struct tui *t, const char *arg)
{
	t->quit = 1;
	tui_stop(t, CADE_EXIT_OK);
}

/* ---- the global keys --------------------------------------------- */

/* F2: the other pane gets the keyboard. */
static void
tui_key_focus(struct tui *t, int key)
{
	tui_toggle_focus(t);
}

/* F3: zoom. */
static void
tui_key_zoom(struct tui *t, int key)
{
	t->zoom = !t->zoom;
	t->relayout = 1;
	tui_dirty(t);
}

/* F4: side by side <-> stacked. */
static void
tui_key_orient(struct tui *t, int key)
{
	/*
	 * From the last explicit choice when there is one: t->stacked is only
	 * brought up to date at the next frame, and two F4 in one loop turn
	 * must still go there and back.
	 */
	if (t->orient != 0)
		t->orient = t->orient == 2 ? 1 : 2;
	else
		t->orient = t->stacked ? 1 : 2;
	t->relayout = 1;
	tui_dirty(t);
}

/* F5 / F6: the chat's share of the window. */
static void
tui_key_ratio(struct tui *t, int key)
{
	t->ratio += key == TUI_KEY_F5 ? -5 : 5;
	if (t->ratio < 20)
		t->ratio = 20;
	if (t->ratio > 80)
		t->ratio = 80;
	t->relayout = 1;
	tui_hint(t, "split %d%% / %d%%", t->ratio, 100 - t->ratio);
}

/* F7: select mode (chat) or scrollback (terminal). */
static void
tui_key_select(struct tui *t, int key)
{
	if (t->focus == FOCUS_TERM) {
		t->term_scroll = !t->term_scroll;
		if (!t->term_scroll)
			tui_vtpane_scroll_to(t->vt, 0);
	} else if (tui_chat_nitems(t->chat) > 0) {
		t->select_mode = !t->select_mode;
		t->copy_part = 0;
		tui_chat_select(t->chat, t->select_mode ?
		    tui_chat_nitems(t->chat) - 1 : -1);
	}
	tui_dirty(t);
}

/*
 * F9: the prompt takes the keyboard (after Esc, while typing, or from the
 * terminal pane, which gets it back after the answer).
 */
static void
tui_key_prompt(struct tui *t, int key)
{
	struct tui_confirm_ctx x;

	(void)key;
	tui_confirm_context(t, &x);
	tui_confirm_take(t->confirm, &x, t->focus == FOCUS_TERM);
	if (t->focus != FOCUS_CHAT)
		tui_toggle_focus(t);
	tui_confirm_sync(t);
	tui_dirty(t);
}

/* F1: help. */
static void
tui_key_help(struct tui *t, int key)
{
	tui_cmd_show_help(t);
	t->chat_offset = 0;
	tui_dirty(t);
}
