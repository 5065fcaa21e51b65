/*
 * test_tui_confirm.c: the confirmation prompt's rules (src/tui/confirm.c)
 * on a made-up queue and a made-up clock, so every timing case is exact:
 * who holds the keyboard when a prompt appears, the input-protection delay
 * (ignored after Tab/F9, letting go when the prompt took the keys itself),
 * text keys after the delay, Esc, the next of several prompts, and the
 * desktop notification's bytes (tmux tests drive the same in the binary).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/agent.h"
#include "cade/policy.h"
#include "cade/util.h"
#include "../src/tui/tui-int.h"
#include "tap.h"

static struct tui_confirm_answer ans;

/* One key to the prompt at time now; returns tui_confirm_key()'s result. */
static int
key(struct tui_confirm *cf, const struct agent_pending *p, size_t n, int c,
    uint64_t now)
{
	struct tui_key k;
	struct tui_confirm_ctx x = { now, 0, 0, 400 };

	memset(&k, 0, sizeof k);
	k.key = c;
	free(ans.reason);
	memset(&ans, 0, sizeof ans);
	return tui_confirm_key(cf, &k, p, n, &ans, &x);
}

/* The queue as the prompt sees it at time now. */
static int
look(struct tui_confirm *cf, const struct agent_pending *p, size_t n,
    uint64_t now, int typing, int term)
{
	struct tui_confirm_ctx x = { now, typing, term, 400 };

	return tui_confirm_update(cf, p, n, &x);
}

int
main(void)
{
	struct policy_verdict v = { .risk = RISK_HIGH, .decision = DECISION_ASK };
	struct agent_pending p[2] = {
		{ .call_id = "c1", .tool = "terminal", .summary = "rm -rf build",
		  .verdict = &v },
		{ .call_id = "c2", .tool = "terminal", .summary = "rm -rf dist",
		  .verdict = &v },
	};
	struct tui_confirm_ctx x = { 0, 0, 0, 400 };
	struct tui_confirm *cf;
	char *s;
	size_t len, i, j;
	int bad, r;

	/* Not typing: the prompt takes the keyboard, keys count after 400 ms. */
	cf = tui_confirm_new();
	ok(look(cf, p, 1, 1000, 0, 0) == 1, "a new action is announced (bell)");
	ok(tui_confirm_holds(cf, 1), "not typing: the prompt takes the keyboard");
	ok(tui_confirm_wake(cf) == 1400, "... keys count from 400 ms on");
	ok(key(cf, p, 1, 't', 1100) == 0 && !tui_confirm_holds(cf, 1),
	    "a text key in the delay: the prompt lets go, the key goes on to the input");
	ok(key(cf, p, 1, 'y', 1200) == 0, "... and a later y is the input's too");
	look(cf, p, 1, 1300, 1, 0);
	ok(!tui_confirm_holds(cf, 1), "... the prompt keeps waiting");
	x.now = 1300;
	tui_confirm_take(cf, &x, 0);
	ok(tui_confirm_holds(cf, 1), "Tab/F9 gives it the keyboard");
	ok(key(cf, p, 1, 'y', 1500) == 1, "a y in the delay after Tab is ignored (used, no answer)");
	ok(key(cf, p, 1, 'y', 1700) == 2 && ans.answer == ANSWER_APPROVE &&
	    strcmp(ans.call_id, "c1") == 0, "y after the delay approves c1");
	tui_confirm_free(cf);

	/* Typing or the pane focused: the prompt waits. */
	cf = tui_confirm_new();
	look(cf, p, 1, 1000, 1, 0);
	ok(!tui_confirm_holds(cf, 1), "typing: the prompt does not take the keyboard");
	ok(key(cf, p, 1, 'y', 5000) == 0, "... so y is the input's");
	tui_confirm_free(cf);
	cf = tui_confirm_new();
	look(cf, p, 1, 1000, 0, 1);
	ok(!tui_confirm_holds(cf, 1), "terminal pane focused: the prompt waits");
	x.now = 2000;
	tui_confirm_take(cf, &x, 1);
	look(cf, p, 1, 2000, 0, 0);	/* F9 moved the focus to the chat */
	ok(tui_confirm_holds(cf, 1), "F9 takes the keyboard from the pane");
	ok(key(cf, p, 1, 0x1b, 2100) == TUI_CONFIRM_RELEASE &&
	    !tui_confirm_holds(cf, 1) && tui_confirm_from_term(cf),
	    "Esc releases the keys back to the pane");
	ok(!tui_confirm_visible(cf, 1), "... and hides the prompt");
	tui_confirm_free(cf);

	/* After the delay: answer keys answer, text keys let go (or not). */
	cf = tui_confirm_new();
	look(cf, p, 2, 1000, 0, 0);
	ok(key(cf, p, 2, 'h', 2000) == 0 && !tui_confirm_holds(cf, 2),
	    "a text key after the delay lets go of a keyboard the prompt took itself");
	x.now = 3000;
	tui_confirm_take(cf, &x, 0);
	ok(key(cf, p, 2, 'h', 3500) == 1 && tui_confirm_holds(cf, 2),
	    "... but is ignored when the person gave it the keyboard");
	ok(key(cf, p, 2, TUI_KEY_PGUP, 3500) == 0 && tui_confirm_holds(cf, 2),
	    "PgUp still scrolls the chat");
	ok(key(cf, p, 2, 'y', 3500) == 2, "y approves the first of two");
	look(cf, p + 1, 1, 3510, 1, 0);
	ok(tui_confirm_holds(cf, 1) && tui_confirm_wake(cf) == 3910,
	    "the next one keeps the keyboard, with a new delay");
	ok(key(cf, p + 1, 1, 'y', 3600) == 1, "... so a double y does not approve it");
	ok(key(cf, p + 1, 1, 'n', 4000) == 1, "n after its delay asks for a reason");
	ok(key(cf, p + 1, 1, '\r', 4100) == 2 && ans.answer == ANSWER_REJECT &&
	    strcmp(ans.call_id, "c2") == 0, "Enter rejects c2");
	free(ans.reason);
	ans.reason = NULL;
	tui_confirm_free(cf);

	/* Every code of every prompt row reaches the prompt's dispatcher and
	 * is used there (the Tab row is the chat's: tui.c). */
	bad = 0;
	for (i = 0; i < tui_confirm_keys_size; i++) {
		for (j = 0; j < TUI_ROW_CODES &&
		    tui_confirm_keys[i].codes[j].key != 0; j++) {
			cf = tui_confirm_new();
			look(cf, p, 1, 1000, 0, 0);
			r = key(cf, p, 1, tui_confirm_keys[i].codes[j].key, 5000);
			if ((tui_confirm_keys[i].confirm != NULL) != (r != 0)) {
				diag("row '%s': key %d gave %d",
				    tui_confirm_keys[i].keys,
				    tui_confirm_keys[i].codes[j].key, r);
				bad++;
			}
			tui_confirm_free(cf);
		}
	}
	ok(bad == 0, "each prompt row's keys are the prompt's, through tui_confirm_key");
	free(ans.reason);
	ans.reason = NULL;

	/* The notification. */
	s = tui_confirm_notify_seq("auto", "xterm-256color", NULL, 0, "hi", &len);
	is_str(s, "\033]9;hi\a", "auto: OSC 9");
	free(s);
	s = tui_confirm_notify_seq("auto", "xterm", "7600", 1, "hi", &len);
	is_str(s, "\033Ptmux;\033\033]777;notify;cade;hi\a\033\\",
	    "VTE inside tmux: OSC 777 through the passthrough");
	free(s);
	s = tui_confirm_notify_seq("osc9", "foot", NULL, 0, "a\033]2;x\ab", &len);
	is_str(s, "\033]9;ab\a", "the text carries no control sequence");
	free(s);
	ok(tui_confirm_notify_seq("off", NULL, NULL, 0, "hi", &len) == NULL,
	    "off: nothing");
	return tap_done();
}
