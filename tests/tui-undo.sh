#!/bin/sh
# tui-undo.sh: /undo, /redo, /diff and /rewind in the real TUI (tmux, 120x40)
# against the fake LLM: the confirmation prompt says the step is undoable,
# undo shows the diff and asks, /rewind rewinds files and conversation and
# the next prompt continues from there (checked in the request the fake
# server receives).
. "$top_srcdir/tests/lib.sh"
export LC_ALL=C.UTF-8
command -v tmux >/dev/null 2>&1 || { skip "tmux not installed"; done_testing; }
command -v git >/dev/null 2>&1 || { skip "git not installed"; done_testing; }
setup_home
W=$T/work; mkdir -p "$W/src"
printf 'keep me\n' > "$W/src/a.txt"
SOCK=cade-undo-$$
TM() { tmux -L "$SOCK" "$@"; }
trap 'TM kill-server 2>/dev/null; cleanup' EXIT
printf 'set -g default-terminal tmux-256color\nset -g status off\n' > "$T/tmux.conf"
mkdir -p "$XDG_CONFIG_HOME/cade"; printf 'split_width = 100\n' > "$XDG_CONFIG_HOME/cade/config"

cat > "$T/script.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "c1", "name": "terminal", "arguments": {"command": "rm -rf src && echo x > new.txt", "security_risk": "HIGH"}}]},
 {"content": "Removed-marker-1."},
 {"content": "Continued-marker-2."}
]}
JSON
start_fake "$T/script.json"

screen() { TM capture-pane -p -t ui -S -200; }
wait_for() {
	_t=$(( ${2:-20} * 10 ))
	while [ $_t -gt 0 ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1; _t=$((_t - 1))
	done
	diag "timed out waiting for '$1'"; TM capture-pane -p -t ui | sed 's/^/#   /' | head -45
	return 1
}
wait_file() { _t=200; while [ $_t -gt 0 ]; do eval "$1" && return 0; sleep 0.1; _t=$((_t - 1)); done; return 1; }
say() { TM send-keys -t ui -l "$1"; TM send-keys -t ui Enter; }

TM -f "$T/tmux.conf" new-session -d -s ui -x 120 -y 40 \
    "env PS1='sh\$ ' ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME LLM_BASE_URL=$LLM_BASE_URL LLM_API_KEY=$LLM_API_KEY sh"
wait_for 'sh$' 10
TM send-keys -t ui "cd $W && clear && $CADE -m fake-model; echo cade-rc=\$?" Enter
wait_for 'idle' 20
say "remove src"
wait_for 'undoable: a checkpoint' 20; ok $? "the confirmation prompt says the step is undoable"
# The prompt takes the keyboard only from someone not typing: Tab gives it.
screen | grep -qF 'y approve' || TM send-keys -t ui Tab
wait_for 'y approve' 20 && TM send-keys -t ui y
wait_for 'Removed-marker-1' 20; ok $? "the step ran"
wait_file '[ ! -e "$W/src" ] && [ -f "$W/new.txt" ]'; ok $? "src/ is gone, new.txt is there"

say "/diff"
wait_for '-keep me' 10; ok $? "/diff shows what the session changed"
say "/undo"
wait_for 'y: apply these changes' 10; ok $? "/undo shows the diff and asks"
[ -f "$W/new.txt" ]; ok $? "nothing is restored before the answer"
TM send-keys -t ui y
wait_file '[ -f "$W/src/a.txt" ] && [ ! -e "$W/new.txt" ]'; ok $? "y undoes: src/ back, new.txt gone"
wait_for 'changed back' 10; ok $? "the undo shows in the chat"
say "/redo"
wait_for 'redo 1 step' 10 && TM send-keys -t ui y
wait_file '[ ! -e "$W/src" ] && [ -f "$W/new.txt" ]'; ok $? "/redo puts the step back"

say "/rewind"
wait_for '/rewind N puts' 10; ok $? "/rewind lists the steps"
say "/rewind 1"
wait_for 'y: rewind the files' 10 && TM send-keys -t ui y
wait_file '[ -f "$W/src/a.txt" ] && [ ! -e "$W/new.txt" ]'; ok $? "/rewind 1 puts the files back"
wait_for 'the conversation goes on' 10
say "next-prompt-marker"
wait_for 'Continued-marker-2' 20; ok $? "a new prompt after the rewind gets an answer"
req=$RECORD/req-0003.json
[ -f "$req" ] && grep -q 'remove src' "$req" && grep -q 'next-prompt-marker' "$req"
ok $? "the request after the rewind holds the first prompt and the new one"
! grep -q 'Removed-marker-1' "$req" && ! grep -q '"c1"' "$req" && ! grep -q 'The person ran' "$req"
ok $? "... and nothing from the rewound branch (no call, no answer, no undo notes)"
say "/quit"
wait_for 'cade-rc=0' 10; ok $? "/quit exits 0"
sid=$(ls "$XDG_STATE_HOME/cade/sessions")
grep -c '"type":"undo"' "$XDG_STATE_HOME/cade/sessions/$sid/events.jsonl" | grep -qx 3
ok $? "undo, redo and rewind are three events in the session"
grep -q 'Removed-marker-1' "$XDG_STATE_HOME/cade/sessions/$sid/events.jsonl"; ok $? "nothing recorded is deleted"
done_testing
