/*
 * tui.c: the interactive interface (tui_main), its layout and its keys.
 *
 * tui_main starts the screen, builds the session (session_open: the same
 * core headless mode runs) with the chat model subscribed to the event bus
 * and the terminal pane subscribed to the shell's byte stream, then runs
 * the loop.  Everything that happens only records what changed (dirty
 * flags); the loop's before-sleep hook draws one frame per turn, at most
 * one every TUI_FRAME_MS (a one-shot timer defers the rest, so a fast
 * token stream or a flood of shell output costs a bounded number of
 * frames), and nothing wakes the loop while idle.
 *
 * Keys (doc/TUI.md): the tty is read here and decoded by keys.c.  A few
 * global keys (F1-F9, Ctrl-]) always act on the interface; with the
 * terminal pane focused every other key goes to the shell; with the chat
 * focused keys go to the confirmation prompt when it shows, else to the
 * editor, slash commands and scrolling.  /clear and /resume rebuild the
 * session: that needs a fresh loop, so the running loop is stopped and
 * tui_main builds the next session around the same screen.
 */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curses.h>

#include "cade/agent.h"
#include "cade/cade.h"
#include "cade/conf.h"
#include "cade/event.h"
#include "cade/llm.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/policy.h"
#include "cade/safe.h"
#include "cade/secret.h"
#include "cade/session.h"
#include "cade/shell.h"
#include "cade/store.h"
#include "cade/util.h"
#include "cade/workspace.h"
#include "tui-int.h"

#define TUI_FRAME_MS		16	/* at most ~60 frames a second */
#define TUI_FLOOD_FRAME_MS	50	/* ... 20 while the pane floods */
#define TUI_FLOOD_BYTES		32768	/* pane bytes in a frame: a flood */
#define TUI_ESC_MS		30	/* a lone ESC after this long */
#define TUI_PASTE_MS		1000	/* an unterminated paste ends */
#define TUI_QUIT_MS		1500	/* second Ctrl-C within this quits */
#define TUI_MAX_PASTE		(8 * 1024 * 1024)
#define TUI_TYPING_MS		1000	/* a key this recent: the person is typing */
#define TUI_HOLD_MS		30	/* pane bytes held while they may begin a secret */
#define TUI_READ_SIZE		65536



static void	tui_background(struct tui *, const char *);

/* Something changed: draw at the next frame. */
void
tui_dirty(struct tui *t)
{
	t->dirty = 1;
}

/* A short message in the status bar until the next key. */
void
tui_hint(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	free(t->hint);
	va_start(ap, fmt);
	t->hint = xvasprintf(fmt, ap);
	va_end(ap);
	tui_dirty(t);
}

/* A copy of s fit for the screen (controls shown as ^[), NULL if it is. */
static char *
tui_safe_string(const char *s, void *arg)
{
	(void)arg;
	return safe_clean(s, strlen(s)) ? NULL : safe_text(s, strlen(s),
	    SAFE_VISIBLE, NULL);
}

/*
 * Bus sink: every event goes to the chat model, its text neutralised first
 * (an escape sequence from the model is shown as ^[..., never obeyed).
 */
static void
tui_sink(const struct event *ev, void *arg)
{
	struct tui *t = arg;
	struct event copy = *ev;

	if ((copy.data = cJSON_Duplicate(ev->data, 1)) == NULL)
		fatal("out of memory");
	event_rewrite_strings(copy.data, tui_safe_string, NULL);
	tui_chat_event(t->chat, &copy, t->s != NULL ? t->s->agent : NULL);
	cJSON_Delete(copy.data);
	tui_dirty(t);
}

static void	tui_pane_timer(struct loop *, void *);

/*
 * The pane's bytes with secrets masked, as everywhere else: a tail that may
 * begin a secret waits for the next bytes, or TUI_HOLD_MS at most (flush).
 * A secret cut by escape sequences (a line editor redrawing it) is not
 * seen; the shell is the person's, so this is a courtesy, not a guarantee.
 */
static void
tui_pane_feed(struct tui *t, const char *bytes, size_t n, int flush)
{
	struct buf *h = &t->pane_held;
	char *masked;
	size_t keep, mlen;

	if (h->len == 0 && (secret_count() == 0 ||
	    (!secret_present(bytes, n) && secret_partial_tail(bytes, n) == 0))) {
		tui_vtpane_feed(t->vt, bytes, n);
		return;
	}
	(void)buf_append(h, bytes, n);
	keep = flush ? 0 : secret_partial_tail(h->s, h->len);
	masked = secret_mask(h->s, h->len - keep, &mlen);
	tui_vtpane_feed(t->vt, masked, mlen);
	free(masked);
	buf_consume(h, h->len - keep);
	if (keep > 0 && t->pane_timer == 0 && t->s != NULL)
		t->pane_timer = loop_timer_add(t->s->loop, TUI_HOLD_MS,
		    tui_pane_timer, t);
}

/* Held bytes waited long enough: they were not a secret. */
static void
tui_pane_timer(struct loop *l, void *arg)
{
	struct tui *t = arg;

	(void)l;
	t->pane_timer = 0;
	tui_pane_feed(t, "", 0, 1);	/* the frame hook sees the pane dirty */
}

/* Shell observer: raw pty bytes into the terminal pane. */
static void
tui_shell_bytes(const char *bytes, size_t n, void *arg)
{
	struct tui *t = arg;

	/*
	 * No tui_dirty(): the frame hook sees the pane's own dirty rows, and
	 * marking the whole interface dirty would repaint the chat and defeat
	 * the flood pacing (tui_frame_wait) on every read.
	 */
	tui_pane_feed(t, bytes, n, 0);
}

/* The pane's encoded keys go to the shell as the person's typing. */
static void
tui_vt_out(const char *s, size_t n, void *arg)
{
	struct tui *t = arg;

	if (t->s != NULL && t->s->shell != NULL)
		shell_write_user(t->s->shell, s, n);
}

/* Leave the loop (quit, or rebuild the session). */
void
tui_stop(struct tui *t, int code)
{
	t->exit_code = code;
	if (t->s != NULL)
		loop_stop(t->s->loop, code);
}

/* The agent is doing something a Ctrl-C should stop. */
int
tui_agent_busy(struct tui *t)
{
	enum agent_state st = agent_get_state(t->s->agent);

	return st == AGENT_THINKING || st == AGENT_RUNNING || st == AGENT_CONFIRM;
}

/* Frame timer: nothing to do but wake the loop; the hook draws. */
static void
tui_frame_timer(struct loop *l, void *arg)
{
	struct tui *t = arg;

	(void)l;
	t->frame_timer = 0;
}

/*
 * How long to wait before the next frame (0: draw now).  At most one frame
 * every TUI_FRAME_MS; while the pane floods (TUI_FLOOD_BYTES or more since
 * its last frame) and nothing else changed, one every TUI_FLOOD_FRAME_MS:
 * as tmux defers its redraw, the pane's bytes get the time and what shows
 * is the newest screen.  A key or any other change to the interface keeps
 * the short interval, so typing stays responsive during a flood.
 */
uint64_t
tui_frame_wait(uint64_t now, uint64_t last_frame, int ui, size_t pane_bytes)
{
	uint64_t gap = !ui && pane_bytes >= TUI_FLOOD_BYTES ?
	    TUI_FLOOD_FRAME_MS : TUI_FRAME_MS;

	if (now < last_frame || now - last_frame >= gap)
		return 0;
	return gap - (now - last_frame);
}

/* Before-sleep hook: draw once per turn, paced by tui_frame_wait(). */
static void
tui_frame(struct loop *l, void *arg)
{
	struct tui *t = arg;
	uint64_t now, wait;
	int ui;

	if (t->s != NULL && shell_dead(t->s->shell) != t->shell_dead) {
		t->shell_dead = shell_dead(t->s->shell);	/* SIGCHLD woke us */
		tui_dirty(t);
	}
	if (!t->dirty && !tui_vtpane_dirty(t->vt))
		return;
	if (t->quit || t->restart)
		return;
	now = util_now_ms();
	wait = tui_frame_wait(now, t->last_frame, t->dirty, tui_vtpane_fed(t->vt));
	if (wait > 0) {
		if (t->frame_timer == 0)
			t->frame_timer = loop_timer_add(l, wait, tui_frame_timer, t);
		return;
	}
	ui = t->dirty;
	t->dirty = 0;
	t->last_frame = now;
	tui_draw(t, ui || !t->show_term);
}

/* ---- commands ---------------------------------------------------- */

/* A message for the agent: "@path" mentions attach their files (mention.c). */
static void
tui_send(struct tui *t, const char *text)
{
	struct mention_images imgs;
	char *full, *b;

	memset(&imgs, 0, sizeof imgs);
	full = tui_mention_expand(t, text, &imgs);
	if (t->bang_out.len > 0) {
		/* The output of the person's !commands since the last message. */
		if (full == NULL)
			full = xstrdup(text);
		b = xasprintf("%s%s", full, t->bang_out.s);
		free(full);
		full = b;
		buf_reset(&t->bang_out);
	}
	agent_submit_images(t->s->agent, full != NULL ? full : text, imgs.v,
	    imgs.n);
	free(full);
	mention_images_free(&imgs);
}

/*
 * A !command ended: its cleaned output (capped at output_limit by the
 * shell, as the agent's are) waits for the next message, which takes it.
 */
static void
tui_bang_done(struct shell_result *r, void *arg)
{
	struct tui *t = arg;
	char *cmd, *nl, *s;
	size_t lines = 0, i;

	if (!t->bang_running || t->s == NULL) {
		shell_result_free(r);
		return;
	}
	t->bang_running = 0;
	cmd = t->bang_cmd;
	t->bang_cmd = NULL;
	if ((nl = strchr(cmd, '\n')) != NULL)
		*nl = '\0';
	for (i = 0; i < r->len; i++)
		lines += r->output[i] == '\n';
	if (r->len > 0 && r->output[r->len - 1] != '\n')
		lines++;
	buf_printf(&t->bang_out, TUI_BANG_MARK "%d\">\n$ %s\n%s%s</command-output>",
	    r->exit_code, cmd, r->output, r->len > 0 &&
	    r->output[r->len - 1] != '\n' ? "\n" : "");
	s = xasprintf("output of !%s (exit %d, %zu line%s) will be attached to "
	    "your next message (Esc on an empty input drops it)", cmd,
	    r->exit_code, lines, lines == 1 ? "" : "s");
	tui_chat_notice(t->chat, ITEM_NOTICE, s);
	free(s);
	free(cmd);
	shell_result_free(r);
	tui_dirty(t);
}

/* The endpoint's model list is in (or failed): send the waiting message. */
static void
tui_images_listed(struct llm_models *m, void *arg)
{
	struct tui *t = arg;
	char *text = t->img_wait;

	t->img_req = NULL;
	t->img_wait = NULL;
	t->img_asked = 1;	/* an endpoint without a list is not asked again */
	llm_list_prices(m);
	llm_models_free(m);
	if (text != NULL)
		tui_send(t, text);
	free(text);
	tui_dirty(t);
}

/*
 * !command: run in the pane by the shell's own protocol, so its end and
 * output are known (tui_bang_done).  When the shell is busy (a program
 * the person started, or the agent's command), it is typed as before,
 * into what runs there, and nothing is captured.
 */
static void
tui_bang(struct tui *t, const char *cmd)
{
	char *cause = NULL;

	if (!t->bang_running && shell_run(t->s->shell, cmd, 0, tui_bang_done, t,
	    &cause) == 0) {
		t->bang_running = 1;
		free(t->bang_cmd);
		t->bang_cmd = xstrdup(cmd);
		tui_hint(t, "running in the terminal pane (F2 to go there); its "
		    "output goes with your next message");
		return;
	}
	free(cause);
	shell_write_user(t->s->shell, cmd, strlen(cmd));
	shell_write_user(t->s->shell, "\r", 1);
	tui_hint(t, "typed into the terminal pane (F2 to go there): the "
	    "shell was busy, so its output is not captured");
}

/* Enter: a command, or a message for the agent. */
static void
tui_submit(struct tui *t)
{
	char *text = tui_input_take(t->input);

	t->chat_offset = 0;
	tui_mention_reset(t);
	if (text[0] == '/' && text[1] != '/' && text[1] != '\0')
		tui_command(t, text);
	else if (text[0] == '!' && text[1] != '!' && text[1] != '\0' &&
	    strchr(text, '\n') == NULL && !shell_dead(t->s->shell)) {
		/*
		 * !command: the person's own, typed into the terminal pane as if
		 * there (so not the agent's, and not gated); "!!" sends a
		 * message starting with "!".
		 */
		tui_bang(t, text + 1);
	} else if (*text != '\0' && text[0] == '!' && text[1] == '!')
		agent_submit(t->s->agent, text + 1);
	else if (t->img_wait != NULL && *text != '\0') {
		/* Keep the order: this one waits until the first is sent. */
		tui_input_insert(t->input, text, strlen(text));
		tui_hint(t, "still asking the endpoint whether the model takes "
		    "images: send again in a moment");
	} else if (*text != '\0' && !t->img_asked &&
	    mention_needs_list(t->s, text[0] == '/' ?
	    text + 1 : text, 0) && (t->img_req = llm_models_fetch(t->s->loop,
	    t->cfg, conf_str(t->cfg, "base_url"), TUI_MODELS_MS, 1,
	    tui_images_listed, t)) != NULL) {
		t->img_wait = xstrdup(text[0] == '/' ? text + 1 : text);
		tui_hint(t, "asking the endpoint whether the model takes images");
	} else if (*text != '\0')
		tui_send(t, text[0] == '/' ? text + 1 : text);
	free(text);
	t->relayout = 1;
}

/* ---- keys -------------------------------------------------------- */

/* Copy a part of the selected item. */
static void
tui_copy_item(struct tui *t, int item, int part)
{
	const char *what = NULL;
	char *text, *msg;

	text = tui_chat_copy_text(t->chat, item, part, &what);
	if (text == NULL && part > 0) {
		t->copy_part = 0;
		text = tui_chat_copy_text(t->chat, item, 0, &what);
	}
	if (text == NULL) {
		tui_hint(t, "nothing to copy here");
		return;
	}
	msg = tui_copy(text);
	tui_hint(t, "%s: %s", what, msg);
	free(msg);
	free(text);
}

/* Keys in select mode (chat). */
static int
tui_select_key(struct tui *t, const struct tui_key *k)
{
	int sel = tui_chat_selected(t->chat), n = tui_chat_nitems(t->chat);

	switch (k->key) {
	case TUI_KEY_UP: case 'k':
		if (sel > 0)
			sel--;
		t->copy_part = 0;
		break;
	case TUI_KEY_DOWN: case 'j':
		if (sel < n - 1)
			sel++;
		t->copy_part = 0;
		break;
	case TUI_KEY_HOME: case 'g':
		sel = 0;
		break;
	case TUI_KEY_END: case 'G':
		sel = n - 1;
		break;
	case 'o': case ' ': case '\r':
		tui_chat_toggle(t->chat, sel);
		break;
	case 'y':
		tui_copy_item(t, sel, 0);
		break;
	case 'c':
		t->copy_part++;
		tui_copy_item(t, sel, t->copy_part);
		break;
	case 0x1b: case 'q': case TUI_KEY_F7:
		t->select_mode = 0;
		tui_chat_select(t->chat, -1);
		break;
	default:
		return 0;
	}
	if (t->select_mode)
		tui_chat_select(t->chat, sel);
	tui_dirty(t);
	return 1;
}

/* Keys for the terminal pane's scrollback browser. */
static int
tui_term_scroll_key(struct tui *t, const struct tui_key *k)
{
	int page = t->term_r.h > 2 ? t->term_r.h - 1 : 1;

	switch (k->key) {
	case TUI_KEY_PGUP: tui_vtpane_scroll(t->vt, page); break;
	case TUI_KEY_PGDN: tui_vtpane_scroll(t->vt, -page); break;
	case TUI_KEY_UP: case 'k': tui_vtpane_scroll(t->vt, 1); break;
	case TUI_KEY_DOWN: case 'j': tui_vtpane_scroll(t->vt, -1); break;
	case TUI_KEY_HOME: case 'g':
		tui_vtpane_scroll_to(t->vt, tui_vtpane_scrollback_lines(t->vt));
		break;
	case TUI_KEY_END: case 'G': case 'q': case 0x1b: case TUI_KEY_F7:
		tui_vtpane_scroll_to(t->vt, 0);
		t->term_scroll = 0;
		break;
	default:
		return 0;
	}
	if (k->key == TUI_KEY_PGDN && tui_vtpane_scroll_offset(t->vt) == 0)
		t->term_scroll = 0;
	tui_dirty(t);
	return 1;
}

/* Toggle focus between the panes. */
void
tui_toggle_focus(struct tui *t)
{
	t->focus = t->focus == FOCUS_CHAT ? FOCUS_TERM : FOCUS_CHAT;
	if (t->zoom)
		t->relayout = 1;
	t->select_mode = 0;
	tui_chat_select(t->chat, -1);
	tui_dirty(t);
}

/* Ctrl-C in the chat: stop the step; twice quickly: quit. */
static void
tui_ctrl_c(struct tui *t)
{
	uint64_t now = util_now_ms();

	if (t->last_ctrl_c != 0 && now - t->last_ctrl_c < TUI_QUIT_MS) {
		t->quit = 1;
		tui_stop(t, CADE_EXIT_OK);
		return;
	}
	t->last_ctrl_c = now;
	if (tui_agent_busy(t)) {
		agent_cancel(t->s->agent);
		tui_hint(t, "stopped; C-c again to quit");
	} else if (!tui_input_empty(t->input)) {
		tui_input_clear(t->input);
		t->relayout = 1;
		tui_hint(t, "C-c again to quit");
	} else
		tui_hint(t, "C-c again to quit");
}

/* See tui-int.h. */
void
tui_confirm_context(struct tui *t, struct tui_confirm_ctx *x)
{
	x->now = util_now_ms();
	x->typing = !tui_input_empty(t->input) || (t->last_key_ms != 0 &&
	    x->now - t->last_key_ms < TUI_TYPING_MS);
	x->term_focus = t->focus == FOCUS_TERM;
	x->delay = (int)conf_int(t->cfg, "confirm_delay");
}

/* The protection delay ended: draw the prompt's keys. */
static void
tui_confirm_timer(struct loop *l, void *arg)
{
	struct tui *t = arg;

	(void)l;
	t->confirm_timer = 0;
	tui_dirty(t);
}

/* A new action waits: the bell and a desktop notification, as configured. */
static void
tui_confirm_alert(struct tui *t)
{
	char *seq;
	size_t len;

	if (conf_bool(t->cfg, "bell"))
		tui_screen_raw("\a", 1);
	seq = tui_confirm_notify_seq(conf_str(t->cfg, "notify"), getenv("TERM"),
	    getenv("VTE_VERSION"), getenv("TMUX") != NULL,
	    "cade: an action waits for your confirmation", &len);
	if (seq != NULL)
		tui_screen_raw(seq, len);
	free(seq);
}

/* See tui-int.h. */
void
tui_confirm_sync(struct tui *t)
{
	const struct agent_pending *p;
	struct tui_confirm_ctx x;
	uint64_t wake;
	size_t np;

	p = agent_pending(t->s->agent, &np);
	tui_confirm_context(t, &x);
	if (tui_confirm_update(t->confirm, p, np, &x))
		tui_confirm_alert(t);
	t->npending = np;
	wake = tui_confirm_wake(t->confirm);
	if (wake != 0 && t->confirm_timer == 0)
		t->confirm_timer = loop_timer_add(t->s->loop, wake > x.now ?
		    wake - x.now : 0, tui_confirm_timer, t);
}

/* An answer or Esc: the keyboard goes back to the pane it came from. */
static void
tui_confirm_done(struct tui *t)
{
	if (tui_confirm_from_term(t->confirm) && t->focus == FOCUS_CHAT)
		tui_toggle_focus(t);
}

/* Ctrl-C: stop the step, clear the input, or (twice) quit. */
int
tui_chat_stop(struct tui *t, const struct tui_key *k)
{
	(void)k;
	tui_ctrl_c(t);
	return 1;
}

/* PgUp / PgDn: a page; Home / End: the top / the bottom. */
int
tui_chat_scroll(struct tui *t, const struct tui_key *k)
{
	int page = t->chat_r.h > 2 ? t->chat_r.h - 2 : 1;

	switch (k->key) {
	case TUI_KEY_PGUP:
		t->chat_offset += page;
		break;
	case TUI_KEY_PGDN:
		t->chat_offset -= page;
		if (t->chat_offset < 0)
			t->chat_offset = 0;
		break;
	case TUI_KEY_HOME:
		t->chat_offset = t->chat_total;
		break;
	default:
		t->chat_offset = 0;
		break;
	}
	tui_dirty(t);
	return 1;
}

/* Ctrl-O: fold or unfold the last observation. */
int
tui_chat_fold(struct tui *t, const struct tui_key *k)
{
	(void)k;
	tui_chat_toggle(t->chat, tui_chat_last_observation(t->chat));
	tui_dirty(t);
	return 1;
}

/* Ctrl-L: draw the whole screen again. */
int
tui_chat_redraw(struct tui *t, const struct tui_key *k)
{
	(void)k;
	t->full = 1;
	tui_dirty(t);
	return 1;
}

/* Tab: complete an @path, else a /command. */
int
tui_chat_tab(struct tui *t, const struct tui_key *k)
{
	(void)k;
	if (!tui_mention_complete(t))
		tui_cmd_complete(t);
	t->relayout = 1;
	tui_dirty(t);
	return 1;
}

/* Ctrl-G (and Ctrl-X Ctrl-E): the message in $EDITOR; while searching
 * the history the key is the search's. */
int
tui_chat_editor(struct tui *t, const struct tui_key *k)
{
	(void)k;
	if (tui_input_search(t->input) != NULL)
		return 0;
	tui_cmd_editor(t);
	return 1;
}

/* Tab: the prompt that waits while the person types takes the keyboard. */
int
tui_chat_take_prompt(struct tui *t, const struct tui_key *k)
{
	struct tui_confirm_ctx x;
	size_t np;

	(void)k;
	(void)agent_pending(t->s->agent, &np);
	if (np == 0 || tui_confirm_holds(t->confirm, np))
		return 0;
	tui_confirm_context(t, &x);
	tui_confirm_take(t->confirm, &x, 0);
	tui_confirm_sync(t);
	tui_dirty(t);
	return 1;
}

/* Keys with the chat focused: the rows of tui_chat_keys and
 * tui_confirm_keys, around the prompt, the popups and the modes. */
static void
tui_chat_key(struct tui *t, const struct tui_key *k)
{
	const struct tui_help_key *row, *prow;
	const struct agent_pending *p;
	struct tui_confirm_answer ans;
	struct tui_confirm_ctx x;
	size_t np;
	int r;
	char *cause = NULL;

	row = tui_key_row(tui_chat_keys, tui_chat_keys_size, k);
	if (row != NULL && row->early && row->chat != NULL && row->chat(t, k))
		return;
	if (tui_resume_key(t, k) || tui_undo_key(t, k))
		return;
	p = agent_pending(t->s->agent, &np);
	tui_confirm_context(t, &x);
	r = tui_confirm_key(t->confirm, k, p, np, &ans, &x);
	if (r == 2) {
		if (agent_confirm(t->s->agent, ans.call_id, (enum agent_answer)
		    ans.answer, ans.reason, (enum policy_scope)ans.scope,
		    &cause) == -1) {
			tui_chat_notice(t->chat, ITEM_ERROR, cause);
			free(cause);
		}
		free(ans.reason);
	}
	if (r == 2 || r == TUI_CONFIRM_RELEASE)
		tui_confirm_done(t);
	if (r != 0) {
		tui_dirty(t);
		return;
	}
	prow = tui_key_row(tui_confirm_keys, tui_confirm_keys_size, k);
	if (prow != NULL && prow->chat != NULL && prow->chat(t, k))
		return;
	if (t->select_mode && tui_select_key(t, k))
		return;
	/* Ctrl-X, a prefix: Ctrl-X Ctrl-E is Ctrl-G (readline's). */
	if (t->ctrl_x) {
		t->ctrl_x = 0;
		if (k->key == TUI_CTRL('x'))
			return;
		if (k->key == TUI_CTRL('e') && k->mod == 0 &&
		    tui_chat_editor(t, k))
			return;
	} else if (k->key == TUI_CTRL('x') && k->mod == 0) {
		t->ctrl_x = 1;
		return;
	}
	if (tui_mention_key(t, k))	/* the @path popup's keys */
		return;
	/* Esc on an empty input drops the !command output waiting. */
	if (k->key == 0x1b && k->mod == 0 && t->bang_out.len > 0 &&
	    tui_input_empty(t->input) && tui_input_search(t->input) == NULL) {
		buf_reset(&t->bang_out);
		tui_hint(t, "dropped: no command output goes with your next "
		    "message");
		tui_dirty(t);
		return;
	}
	if (row != NULL && !row->early && row->chat != NULL && row->chat(t, k))
		return;
	switch (tui_input_key(t->input, k)) {
	case INPUT_SUBMIT:
		tui_submit(t);
		break;
	case INPUT_CHANGED:
		t->relayout = t->relayout || t->input_r.h != tui_input_rows(t,
		    t->input_r.w);
		break;
	case INPUT_NONE:
		/* Ctrl-D on an empty line (tui_edit_delete leaves it). */
		if (k->key == TUI_CTRL('d') && k->mod == 0 &&
		    tui_input_empty(t->input)) {
			t->quit = 1;
			tui_stop(t, CADE_EXIT_OK);
		}
		break;
	case INPUT_HISTORY_EDGE:
		break;
	}
	tui_dirty(t);
}

/* Mouse (only with --mouse): wheel scrolls, a click focuses. */
static void
tui_mouse(struct tui *t, const struct tui_key *k)
{
	int in_term = t->show_term && k->mouse_y >= t->term_r.y - 1 &&
	    k->mouse_y < t->term_r.y + t->term_r.h && k->mouse_x >= t->term_r.x &&
	    k->mouse_x < t->term_r.x + t->term_r.w;
	int b = k->mouse_b & ~(4 | 8 | 16);

	if (b == 64 || b == 65) {
		if (in_term) {
			tui_vtpane_scroll(t->vt, b == 64 ? 3 : -3);
			t->term_scroll = tui_vtpane_scroll_offset(t->vt) > 0;
		} else {
			t->chat_offset += b == 64 ? 3 : -3;
			if (t->chat_offset < 0)
				t->chat_offset = 0;
		}
	} else if (b == 0 && !k->mouse_release) {
		if ((in_term && t->focus == FOCUS_CHAT) ||
		    (!in_term && t->focus == FOCUS_TERM))
			tui_toggle_focus(t);
	}
	tui_dirty(t);
}

/* The person ended the pane's shell: start a new one in its place. */
static void
tui_restart_shell(struct tui *t)
{
	char *cause = NULL, *s;
	int rows, cols;

	tui_vtpane_size(t->vt, &rows, &cols);
	tui_vtpane_feed(t->vt, "\r\n", 2);
	if (shell_start(t->s->shell, rows, cols, &cause) == -1) {
		s = xasprintf("cannot restart the shell: %s", cause);
		tui_chat_notice(t->chat, ITEM_ERROR, s);
		free(s);
		free(cause);
	}
	tui_dirty(t);
}

/* One decoded key. */
static void
tui_key(const struct tui_key *k, void *arg)
{
	struct tui *t = arg;

	if (t->quit || t->restart)
		return;
	if (k->key == TUI_KEY_SYNC_REPLY) {
		if (k->mouse_b == 1 || k->mouse_b == 2)
			tui_screen_set_sync(1);
		return;
	}
	if (k->key == TUI_KEY_OSC) {
		if (k->len > 3 && strncmp(k->text, "11;", 3) == 0) {
			char *r = xstrndup(k->text, k->len);

			tui_background(t, r);
			free(r);
		}
		return;
	}
	if (k->key == TUI_KEY_FOCUS_IN || k->key == TUI_KEY_FOCUS_OUT)
		return;
	if (k->key == TUI_KEY_MOUSE) {
		tui_mouse(t, k);
		return;
	}
	if (t->hint != NULL) {
		free(t->hint);
		t->hint = NULL;
		tui_dirty(t);
	}
	if (k->key != TUI_CTRL('c'))
		t->last_ctrl_c = 0;
	if (k->key == TUI_KEY_PASTE && tui_keys_paste_truncated(t->keys))
		tui_hint(t, "paste cut at %d MiB", TUI_MAX_PASTE >> 20);
	if (t->too_small && k->key == TUI_CTRL('c')) {
		tui_ctrl_c(t);
		return;
	}
	/* A prompt that came since the last frame decides before this key. */
	tui_confirm_sync(t);
	t->last_key_ms = util_now_ms();
	/*
	 * The terminal pane gets every key, F1-F12 included (htop's F6, mc's
	 * F3); only the prefix key, Ctrl-], takes the keyboard back, and F9
	 * while a confirmation waits (the prompt says so).
	 */
	if ((t->focus != FOCUS_TERM || (k->key == TUI_CTRL(']') &&
	    k->mod == 0) || (k->key == TUI_KEY_F9 && t->npending > 0)) &&
	    tui_cmd_key(t, k))
		return;
	if (t->focus == FOCUS_TERM) {
		if (t->term_scroll && tui_term_scroll_key(t, k))
			return;
		if (k->key == TUI_KEY_PGUP && (k->mod & TUI_MOD_SHIFT)) {
			t->term_scroll = 1;
			tui_term_scroll_key(t, k);
			return;
		}
		t->term_scroll = 0;
		if (shell_dead(t->s->shell)) {
			if (k->key == '\r')
				tui_restart_shell(t);
			return;
		}
		if (tui_vtpane_scroll_offset(t->vt) > 0) {
			tui_vtpane_scroll_to(t->vt, 0);
			tui_dirty(t);
		}
		tui_vtpane_key(t->vt, k);
		return;
	}
	tui_chat_key(t, k);
}

/* ---- loop callbacks ---------------------------------------------- */

/* ESC or paste timeout: deliver what the decoder holds. */
static void
tui_key_timer(struct loop *l, void *arg)
{
	struct tui *t = arg;

	(void)l;
	t->key_timer = 0;
	tui_keys_flush(t->keys);
}

/* The terminal is readable. */
static void
tui_read_tty(struct loop *l, int fd, int revents, void *arg)
{
	struct tui *t = arg;
	char buf[TUI_READ_SIZE];
	ssize_t n;
	int pending;

	(void)revents;
	n = read(fd, buf, sizeof buf);
	if (n <= 0) {
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			return;
		/* The terminal went away (hangup): save and leave. */
		loop_fd_del(l, fd);
		t->quit = 1;
		tui_stop(t, CADE_EXIT_INTERRUPTED);
		return;
	}
	if (t->key_timer != 0) {
		loop_timer_cancel(l, t->key_timer);
		t->key_timer = 0;
	}
	tui_keys_feed(t->keys, buf, (size_t)n);
	if ((pending = tui_keys_pending(t->keys)) != 0 && !t->quit && !t->restart)
		t->key_timer = loop_timer_add(l, pending == 2 ? TUI_PASTE_MS :
		    TUI_ESC_MS, tui_key_timer, t);
}

/* See tui-int.h. */
static void
tui_sigwinch(struct loop *l, int signo, void *arg)
{
	struct tui *t = arg;

	(void)l;
	(void)signo;
	tui_screen_resized();
	t->relayout = 1;
	tui_dirty(t);
}

/* SIGTERM, SIGHUP, SIGINT: leave through the normal path. */
static void
tui_sigquit(struct loop *l, int signo, void *arg)
{
	struct tui *t = arg;

	(void)l;
	log_debug("signal %d: quitting", signo);
	t->quit = 1;
	tui_stop(t, CADE_EXIT_SIGNAL + signo);	/* 143 for SIGTERM */
}

static const int tui_quit_signals[] = { SIGTERM, SIGHUP, SIGINT };
static const struct cade_run tui_no_run;

/* Hook the TUI onto the session's loop. */
static void
tui_attach(struct tui *t)
{
	size_t i;

	loop_fd_add(t->s->loop, tui_screen_infd(), POLLIN, tui_read_tty, t);
	loop_signal_add(t->s->loop, SIGWINCH, tui_sigwinch, t);
	for (i = 0; i < nitems(tui_quit_signals); i++)
		loop_signal_add(t->s->loop, tui_quit_signals[i], tui_sigquit, t);
	loop_before_sleep(t->s->loop, tui_frame, t);
	shell_add_observer(t->s->shell, tui_shell_bytes, t);
}

/* Unhook (before the session and its loop go away). */
static void
tui_detach(struct tui *t)
{
	size_t i;

	if (t->key_timer != 0)
		loop_timer_cancel(t->s->loop, t->key_timer);
	if (t->frame_timer != 0)
		loop_timer_cancel(t->s->loop, t->frame_timer);
	if (t->confirm_timer != 0)
		loop_timer_cancel(t->s->loop, t->confirm_timer);
	if (t->pane_timer != 0)
		loop_timer_cancel(t->s->loop, t->pane_timer);
	if (t->resume_timer != 0)
		loop_timer_cancel(t->s->loop, t->resume_timer);
	t->key_timer = t->frame_timer = t->confirm_timer = t->pane_timer = 0;
	t->resume_timer = 0;
	buf_reset(&t->pane_held);
	loop_fd_del(t->s->loop, tui_screen_infd());
	loop_signal_del(t->s->loop, SIGWINCH, tui_sigwinch, t);
	for (i = 0; i < nitems(tui_quit_signals); i++)
		loop_signal_del(t->s->loop, tui_quit_signals[i], tui_sigquit, t);
	loop_before_sleep(t->s->loop, NULL, NULL);
}

/* Open a session (new, or resumed) sized for the terminal pane. */
static int
tui_open_session(struct tui *t, const char *resume, char **cause)
{
	struct session_opts so;
	int rows, cols;

	tui_vtpane_size(t->vt, &rows, &cols);
	memset(&so, 0, sizeof so);
	so.resume = resume;
	so.rows = rows;
	so.cols = cols;
	so.ask = ASK_PERSON;
	so.replay_to_sinks = 1;
	so.sink[0] = tui_sink;
	so.sink_arg = t;
	so.model = t->model;
	so.confirm = t->confirm_mode;
	t->s = session_open(t->cfg, &so, cause);
	if (t->s == NULL)
		return -1;
	tui_usercmds_load(&t->usercmds, t->s->ws->root);
	tui_attach(t);
	return 0;
}

/* Pick the theme: config, NO_COLOR, and the terminal's colours. */
static void
tui_pick_theme(struct tui *t, int *no_color)
{
	const char *name = conf_str(t->cfg, "theme"), *nc = getenv("NO_COLOR");
	char *cause = NULL;

	*no_color = nc != NULL && *nc != '\0';
	if (*no_color && strcmp(name, "default") == 0)
		name = "mono";
	/*
	 * No theme chosen: follow the terminal's background.  COLORFGBG now;
	 * the OSC 11 answer, when the terminal gives one, decides later
	 * (tui_background()).
	 */
	t->theme_auto = !*no_color && conf_origin_of(t->cfg, "theme") ==
	    CONF_DEFAULT;
	if (t->theme_auto && tui_colorfgbg_light(getenv("COLORFGBG")) == 1)
		name = "light";
	if (tui_theme_load(&t->theme, name, &cause) == -1) {
		t->theme_error = xasprintf("%s (using the default theme)", cause);
		free(cause);
	}
}

/* See tui-int.h. */
int
tui_colorfgbg_light(const char *v)
{
	const char *bg;
	long n;
	char *end;

	if (v == NULL || (bg = strrchr(v, ';')) == NULL)
		return -1;
	n = strtol(bg + 1, &end, 10);
	if (end == bg + 1 || *end != '\0' || n < 0 || n > 255)
		return -1;
	return n == 7 || (n >= 9 && n <= 15);	/* rxvt's convention */
}

/* See tui-int.h. */
int
tui_osc11_light(const char *reply)
{
	unsigned long c[3];
	const char *p;
	char *end;
	size_t i, digits;
	double l;

	if (strncmp(reply, "11;rgb:", 7) != 0)
		return -1;
	p = reply + 7;
	for (i = 0; i < 3; i++) {
		c[i] = strtoul(p, &end, 16);
		digits = (size_t)(end - p);
		if (digits < 1 || digits > 4 || (i < 2 && *end != '/'))
			return -1;
		c[i] = c[i] * 65535 / ((1ul << (4 * digits)) - 1);
		p = end + 1;
	}
	/* Relative luminance (Rec. 709); above half is a light background. */
	l = (0.2126 * (double)c[0] + 0.7152 * (double)c[1] + 0.0722 *
	    (double)c[2]) / 65535.0;
	return l > 0.5;
}

/* The terminal answered the OSC 11 query: light or dark theme to match. */
static void
tui_background(struct tui *t, const char *reply)
{
	int light = tui_osc11_light(reply);
	const char *want;
	char *cause = NULL;

	if (!t->theme_auto || light < 0)
		return;
	want = light ? "light" : "default";
	log_debug("terminal background: %s (%s)", reply, want);
	if (t->theme.name != NULL && strcmp(t->theme.name, want) == 0)
		return;
	if (tui_theme_load(&t->theme, want, &cause) == -1) {
		free(cause);
		return;
	}
	tui_screen_set_theme(&t->theme);
	t->full = 1;
	tui_dirty(t);
}

/* The session ended (quit or restart): record, close. */
static void
tui_close_session(struct tui *t)
{
	if (t->s == NULL)
		return;
	if (tui_agent_busy(t))
		agent_cancel(t->s->agent);
	tui_undo_free(t);
	tui_cmd_cancel(t);
	free(t->last_id);
	t->last_id = xstrdup(t->s->id);
	tui_detach(t);
	session_close(t->s);
	t->s = NULL;
}

/* The TUI. */
int
tui_main(struct config *cfg, const struct cade_run *run)
{
	struct tui t;
	struct tui_screen_opts so;
	char *cause = NULL, *hist, *dir, *resume = NULL, *store_err = NULL;
	char *here, *elsewhere = NULL, *elsewhere_root = NULL;
	const char *cs;
	int no_color, rc;

	memset(&t, 0, sizeof t);
	buf_init(&t.pane_held, 0);
	buf_init(&t.bang_out, 0);
	t.start_ms = util_now_ms();
	t.cfg = cfg;
	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	tui_glyphs_select(cs != NULL && strcmp(cs, "UTF-8") == 0);
	t.ratio = (int)conf_int(cfg, "split_ratio");
	if (t.ratio < 20 || t.ratio > 80)
		t.ratio = 50;
	t.split_width = (int)conf_int(cfg, "split_width");
	tui_pick_theme(&t, &no_color);

	memset(&so, 0, sizeof so);
	so.theme = &t.theme;
	so.mouse = conf_bool(cfg, "mouse");
	so.no_color = no_color;
	signal(SIGPIPE, SIG_IGN);
	if (tui_screen_init(&so, &cause) == -1) {
		fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		tui_theme_free(&t.theme);
		free(t.theme_error);
		return CADE_EXIT_ERROR;
	}

	/* A terminal without colours (vt100) gets the mono theme, as NO_COLOR. */
	if (tui_screen_colors() == 0 && t.theme_auto) {
		t.theme_auto = 0;
		if (tui_theme_load(&t.theme, "mono", &cause) == 0)
			tui_screen_set_theme(&t.theme);
		free(cause);
		cause = NULL;
	}
	t.chat = tui_chat_new();
	t.confirm = tui_confirm_new();
	t.keys = tui_keys_new(TUI_MAX_PASTE, tui_key, &t);
	dir = util_xdg_dir("XDG_STATE_HOME", ".local/state");
	if (util_mkdir_p(dir, 0700) == -1)
		log_debug("cannot create '%s': %s", dir, strerror(errno));
	hist = xasprintf("%s/history", dir);
	free(dir);
	t.input = tui_input_new(hist, 1000);
	free(hist);
	t.vt = tui_vtpane_new(24, 80, (int)conf_int(cfg, "scrollback"),
	    tui_vt_out, &t);
	tui_layout(&t);
	if (t.too_small)
		tui_vtpane_resize(t.vt, 24, 80);

	/*
	 * --resume of another directory's session: a new session here asks
	 * first, as /resume does (y restarts into it); a prompt given waits
	 * in the input.
	 */
	if (run->resume != NULL) {
		dir = store_dir(cfg);
		here = conf_workspace_root(cfg, NULL, &cause);
		free(cause);
		cause = NULL;
		if (here == NULL || (elsewhere = store_elsewhere(dir, run->resume,
		    here, &elsewhere_root)) == NULL)
			resume = xstrdup(run->resume);
		free(here);
		free(dir);
		if (elsewhere != NULL && run->prompt != NULL) {
			tui_input_insert(t.input, run->prompt,
			    strlen(run->prompt));
			run = &tui_no_run;
		}
	}
	rc = CADE_EXIT_OK;
	for (;;) {
		if (tui_open_session(&t, resume, &cause) == -1) {
			if (resume == NULL || t.quit) {
				tui_screen_end();
				fprintf(stderr, "cade: %s\n", cause);
				free(cause);
				rc = CADE_EXIT_ERROR;
				break;
			}
			/* /resume of a bad id: back to a new session, say why. */
			free(resume);
			resume = NULL;
			tui_chat_clear(t.chat);
			tui_chat_notice(t.chat, ITEM_ERROR, cause);
			free(cause);
			cause = NULL;
			continue;
		}
		/* First run, nothing set up: say so before the first message. */
		if (!t.told_setup && llm_unconfigured(cfg)) {
			tui_chat_notice(t.chat, ITEM_ERROR, llm_unconfigured_text);
			tui_chat_notice(t.chat, ITEM_NOTICE, "/local looks for a "
			    "local server (Ollama, llama.cpp, LM Studio, vLLM) and "
			    "uses it");
		}
		t.told_setup = 1;
		if (elsewhere != NULL) {
			tui_resume_ask(&t, elsewhere, elsewhere_root);
			elsewhere = NULL;
			free(elsewhere_root);
			elsewhere_root = NULL;
		}
		if (t.theme_error != NULL) {
			tui_chat_notice(t.chat, ITEM_ERROR, t.theme_error);
			free(t.theme_error);
			t.theme_error = NULL;
		}
		if (run->prompt != NULL && *run->prompt != '\0') {
			agent_submit(t.s->agent, run->prompt);
			run = &tui_no_run;	/* the first session only */
		}
		t.relayout = 1;
		t.full = 1;
		tui_dirty(&t);
		t.exit_code = CADE_EXIT_OK;
		loop_run(t.s->loop);
		rc = t.exit_code;
		/* The store failed: the chat showed it; the exit says it too. */
		if (t.s->store_error != NULL && store_err == NULL)
			store_err = xstrdup(t.s->store_error);
		if (!t.restart || t.quit) {
			tui_close_session(&t);
			break;
		}
		/* /clear or /resume: a new session around the same screen. */
		t.restart = 0;
		free(resume);
		resume = t.restart_resume;
		t.restart_resume = NULL;
		tui_close_session(&t);
		tui_chat_clear(t.chat);
		tui_vtpane_free(t.vt);
		t.vt = tui_vtpane_new(t.term_r.h > 0 ? t.term_r.h : 24,
		    t.term_r.w > 0 ? t.term_r.w : 80,
		    (int)conf_int(cfg, "scrollback"), tui_vt_out, &t);
		t.chat_offset = t.unread = 0;
		t.select_mode = 0;
	}
	tui_screen_end();
	if (store_err != NULL) {
		fprintf(stderr, "cade: %s\n", store_err);
		free(store_err);
		rc = CADE_EXIT_ERROR;
	}
	/* How to come back (the terminal is the person's again). */
	if (t.last_id != NULL && rc != CADE_EXIT_ERROR) {
		printf("resume: cade --resume %s\n", t.last_id);
		fflush(stdout);
	}
	free(t.last_id);
	tui_usercmds_free(&t.usercmds);
	tui_mention_reset(&t);
	free(resume);
	free(elsewhere);
	free(elsewhere_root);
	free(t.restart_resume);
	free(t.resume_asked);
	free(t.hint);
	free(t.theme_error);
	free(t.model);
	free(t.confirm_mode);
	tui_vtpane_free(t.vt);
	tui_input_free(t.input);
	tui_keys_free(t.keys);
	tui_confirm_free(t.confirm);
	tui_chat_free(t.chat);
	tui_theme_free(&t.theme);
	buf_free(&t.pane_held);
	buf_free(&t.bang_out);
	return rc;
}
