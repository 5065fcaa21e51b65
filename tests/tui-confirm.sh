#!/bin/sh
# tui-confirm.sh: a confirmation is answered only on purpose.  The real cade
# in a tmux pane against the fake LLM; every risky action is `rm -rf vN`,
# so "approved" is checked on disk.  The matrix:
#   not typing   the prompt takes the keyboard; y after the protection
#                delay (the real default, 400 ms) approves: no extra key
#   before       text typed before the prompt appears: the prompt waits,
#                the text stays in the input; Tab, then y approves
#   while        keys typed across the prompt's appearance: none answers,
#                all land in the input in order; Tab, n, Enter rejects
#   after        text typed right after a prompt took the keyboard by
#                itself: it lets go, the text lands in the input; F9, y
#   delay        a key inside the protection delay after Tab is ignored,
#                and the prompt says so; y after the delay approves
#   pane         with the terminal pane focused, keys go to the shell;
#                F9 answers; the keyboard goes back to the pane after
#   Esc          hides the prompt, keys go back, the input is intact; F9
# plus: the bell and an OSC 9 notification through tmux's passthrough
# (read raw with pipe-pane), the key masked and escape sequences shown as
# ^[ in the chat and the prompt (the pane's title unchanged), and "always
# allow -> this project" writing .cade/policy so the same action then runs
# without a question.
. "$top_srcdir/tests/lib.sh"
export LC_ALL=C.UTF-8
command -v tmux >/dev/null 2>&1 || { skip "tmux not installed"; done_testing; }
setup_home
W=$T/work; mkdir -p "$W"
for i in 1 2 3 4 5 6 7 8; do mkdir -p "$W/v$i"; done
SOCK=cade-cf-$$
TM() { tmux -L "$SOCK" "$@"; }
trap 'TM kill-server 2>/dev/null; cleanup' EXIT
printf 'set -g default-terminal tmux-256color\nset -g status off\nset -g allow-passthrough on\n' > "$T/tmux.conf"
mkdir -p "$XDG_CONFIG_HOME/cade"
printf 'split_width = 100\n' > "$XDG_CONFIG_HOME/cade/config"
K=sk-test-secret-key-0123	# start_fake's LLM_API_KEY

rm_call() {	# rm_call N [DELAY_MS] [EXTRA]: a reply asking for rm -rf vN
	printf ' {"first_byte_delay_ms": %s, "tool_calls": [{"id": "r%s", "name": "terminal", "arguments": {"command": "rm -rf v%s%s", "security_risk": "HIGH"}}]},\n' \
	    "${2:-0}" "$1" "$1" "${3:-}"
}
{
	printf '{"replies": [\n'
	rm_call 1 1800 " && echo $K"
	printf ' {"content": "Done 1. The key %s \\u001b]2;PWNED-TITLE\\u0007 \\u001b[31mred"},\n' "$K"
	rm_call 2 1500; printf ' {"content": "Done 2."},\n'
	rm_call 3 700; printf ' {"content": "Kept 3."},\n'
	rm_call 4 1800; printf ' {"content": "Done 4."},\n'
	rm_call 5 0; printf ' {"content": "Done 5."},\n'
	rm_call 6 1500; printf ' {"content": "Done 6."},\n'
	rm_call 7 0; printf ' {"content": "Done 7."},\n'
	rm_call 8 0; printf ' {"content": "Done 8."},\n'
	rm_call 8 0; printf ' {"content": "Done 8 again."}\n'
	printf ']}\n'
} > "$T/script.json"
start_fake "$T/script.json"

screen() { TM capture-pane -p "$@" -t cf; }
chat() { screen | sed -E 's/^(.{60}).*/\1/'; }	# the chat column (the terminal pane shows the shell as it is)
input() { chat | grep '^> ' | tail -1 | sed 's/ *$//'; }
gone() { [ ! -e "$W/v$1" ]; }
# wait_input TEXT: until the chat input holds exactly "> TEXT".
wait_input() {
	_t=150
	while [ $_t -gt 0 ]; do
		[ "$(input)" = "> $1" ] && return 0
		sleep 0.1; _t=$((_t - 1))
	done
	diag "input is '$(input)', not '> $1'"; return 1
}

TM -f "$T/tmux.conf" new-session -d -s cf -x 120 -y 40 \
    "env -u VTE_VERSION PS1='sh\$ ' ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME LLM_BASE_URL=$LLM_BASE_URL LLM_API_KEY=$LLM_API_KEY sh"
wait_for 'sh$' 5
TM send-keys -t cf "cd $W && $CADE -m fake-model; echo cade-rc=\$?" Enter
wait_for 'keys here'
TM pipe-pane -O -t cf "cat > $T/raw.out"

# not typing: the prompt takes the keyboard; y after the delay approves.
TM send-keys -t cf "go one" Enter
wait_for ' confirm '; ok $? "not typing: a risky command raises the prompt"
wait_for 'y approve'; ok $? "... which takes the keyboard after the protection delay"
screen | tail -1 | grep -qF 'keys: prompt'; ok $? "... and the status bar says the prompt has the keys"
chat | grep -qF 'echo <secret-hidden>' && ! chat | grep -qF "$K"; ok $? "the prompt shows the key masked"
TM send-keys -t cf y
wait_for 'Done 1.'; gone 1; ok $? "y approves with no extra key (the real 400 ms default)"
! chat | grep -qF "$K" && chat | grep -qF 'The key <secret-hidden>'; ok $? "the chat shows the key masked (tool card, answer)"
! screen | grep -qF "$K"; ok $? "the terminal pane shows the command and its output with the key masked too"
chat | grep -qF '^[]2;PWNED-TITLE^G' && chat | grep -qF '^[[31mred'; ok $? "escape sequences from the model are shown as ^[ in the chat"
[ "$(TM display -p -t cf '#{pane_title}')" != PWNED-TITLE ]; ok $? "... and the pane's title is unchanged"
for _i in $(seq 50); do grep -qF "$(printf '\033Ptmux;\033\033]9;cade')" "$T/raw.out" 2>/dev/null && break; sleep 0.1; done
grep -qF "$(printf '\033Ptmux;\033\033]9;cade: an action waits')" "$T/raw.out"; ok $? "an OSC 9 notification through tmux's passthrough"
[ "$(tr -cd '\007' < "$T/raw.out" | wc -c)" -ge 2 ]; ok $? "... and the bell"
! grep -qF "$K" "$T/raw.out"; ok $? "the key never reached the terminal"

# before: text typed before the prompt appears stays; Tab takes the prompt.
TM send-keys -t cf "go two" Enter
TM send-keys -t cf -l "try again"
wait_for ' confirm '
wait_for 'Tab or F9 answers'; ok $? "before: the prompt waits, saying Tab or F9 answers"
screen | grep -qF 'y approve'; ok $((! $?)) "... and offers no answer keys meanwhile"
wait_input "try again"; ok $? "... the typed text is in the input, intact"
[ -d "$W/v2" ]; ok $? "... and nothing ran"
TM send-keys -t cf Tab
wait_for 'y approve'; ok $? "Tab gives the prompt the keyboard"
TM send-keys -t cf y
wait_for 'Done 2.'; gone 2; ok $? "y approves: one extra key (Tab)"
wait_input "try again"; ok $? "... the input still holds the text"
TM send-keys -t cf C-u

# while: keys before, during and after the prompt's appearance.
TM send-keys -t cf "go three" Enter
text="yes yes do it and also try again"
i=1
while [ $i -le ${#text} ]; do
	TM send-keys -t cf -l "$(printf '%s' "$text" | cut -c$i)"
	i=$((i + 1)); sleep 0.08
done
wait_for ' confirm '
wait_input "$text"; ok $? "while: every key typed across the prompt's appearance is in the input, in order"
[ -d "$W/v3" ] && screen | grep -qF 'Tab or F9 answers'; ok $? "... none answered the prompt (v3 is still there)"
TM send-keys -t cf Tab
wait_for 'y approve'
TM send-keys -t cf n
wait_for 'reason for the model'
TM send-keys -t cf Enter
wait_for 'Kept 3.'; [ -d "$W/v3" ]; ok $? "Tab, n, Enter rejects: v3 kept"
wait_input "$text"; ok $? "... the input still holds the text"
TM send-keys -t cf C-u

# after: typing right after a prompt took the keyboard by itself.
TM send-keys -t cf "go four" Enter
wait_for ' confirm '
TM send-keys -t cf -l "try again"
wait_input "try again"; ok $? "after: text typed after the prompt appeared lands in the input"
[ -d "$W/v4" ]; ok $? "... and answers nothing (the y of try did not approve)"
wait_for 'Tab or F9 answers'; ok $? "... the prompt let go of the keyboard and says how to take it"
TM send-keys -t cf F9
wait_for 'y approve'
TM send-keys -t cf y
wait_for 'Done 4.'; gone 4; ok $? "F9, y approves"
wait_input "try again"; ok $? "... the input still holds the text"

# delay: a key inside the protection delay after Tab is ignored, visibly.
TM send-keys -t cf Enter	# sends "try again": the model asks for v5 at once
TM send-keys -t cf -l "x"
wait_for ' confirm '
wait_for 'Tab or F9 answers'
TM send-keys -t cf Tab y
wait_for 'key ignored'; ok $? "delay: y right after Tab is ignored, and the prompt says so"
[ -d "$W/v5" ]; ok $? "... nothing ran"
wait_for 'y approve'
TM send-keys -t cf y
wait_for 'Done 5.'; gone 5; ok $? "y after the delay approves"
wait_input "x"; ok $? "... the input holds what was typed before"
TM send-keys -t cf C-u

# pane: with the terminal pane focused, keys go to the shell; F9 answers.
TM send-keys -t cf "go six" Enter
TM send-keys -t cf F2
wait_for 'keys go to the shell'
wait_for ' confirm '
wait_for 'F9 answers'; screen | grep -qF 'keys go to the terminal pane'; ok $? "pane: the prompt says the keys are in the terminal pane and F9 answers"
TM send-keys -t cf -l "echo pane-got-y-keys"
TM send-keys -t cf Enter
wait_for 'pane-got-y-keys'; [ -d "$W/v6" ]; ok $? "... typing y in the shell reaches the shell and answers nothing"
TM send-keys -t cf F9
wait_for 'y approve'; ok $? "F9 takes the keyboard to the prompt"
TM send-keys -t cf y
wait_for 'Done 6.'; gone 6; ok $? "... y approves"
wait_for 'keys go to the shell'; screen | tail -1 | grep -qF 'keys: terminal'; ok $? "... and the keyboard is back in the terminal pane"
TM send-keys -t cf C-]
wait_for 'keys here'

# Esc: the keys go back, nothing typed is lost.
TM send-keys -t cf "go seven" Enter
TM send-keys -t cf -l "keep this"
wait_for ' confirm '
TM send-keys -t cf Tab
wait_for 'y approve'
TM send-keys -t cf Escape
wait_gone ' confirm '; ok $? "Esc hides the prompt"
screen | tail -1 | grep -qF '1 pending (F9)'; ok $? "... the status bar counts it"
TM send-keys -t cf -l " text"
wait_input "keep this text"; ok $? "... keys go back to the input, nothing typed lost"
TM send-keys -t cf F9
wait_for 'y approve'; ok $? "F9 brings the prompt back with the keyboard"
TM send-keys -t cf y
wait_for 'Done 7.'; gone 7; ok $? "... y approves"
wait_input "keep this text"; ok $? "... the input is intact"
TM send-keys -t cf C-u

# always allow -> this project: .cade/policy, then no question.
TM send-keys -t cf "go eight" Enter
prompt_keys cf
TM send-keys -t cf a
wait_for 'this project'
TM send-keys -t cf p
wait_for 'Done 8.'; gone 8; ok $? "a + p approves"
grep -qx 'allow: rm -rf v8' "$W/.cade/policy"; ok $? "... and writes the rule to .cade/policy"
mkdir -p "$W/v8"
TM send-keys -t cf "again" Enter
wait_for 'Done 8 again.'; gone 8; ok $? "the same action then runs without a question"
sid=$(ls -t "$XDG_STATE_HOME/cade/sessions" | head -1)
grep '"type":"policy_decision"' "$XDG_STATE_HOME/cade/sessions/$sid/events.jsonl" | tail -1 | grep -q '"decision":"allow".*"by":"policy"'; ok $? "... allowed by the project rule (store)"
! grep -qF "$K" "$XDG_STATE_HOME/cade/sessions/$sid/events.jsonl"; ok $? "the store holds no key"
"$CADE" sessions --audit "$sid" > "$T/audit" 2>&1
grep -q 'deny .*person .*refused by person' "$T/audit"; ok $? "audit: the person's rejection is labelled refused by person"
grep -qF 'always allow saved (project): allow: rm -rf v8' "$T/audit"; ok $? "audit: the rule saved by always allow is recorded"
TM send-keys -t cf "/quit" Enter
wait_for 'cade-rc=0'; ok $? "quits cleanly"

# A broken project policy stops the TUI before it starts, with file:line.
printf 'rule: bad\nmatch: (unclosed\n' > "$W/.cade/policy"
TM send-keys -t cf "clear; $CADE -m fake-model; echo cade-rc=\$?" Enter
wait_for 'cade-rc=1'; screen | grep -qF '.cade/policy:2:'; ok $? "a broken project policy stops the TUI with file:line"
done_testing
