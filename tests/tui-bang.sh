#!/bin/sh
# tui-bang.sh: "!command" in tmux against the fake LLM: it runs in the
# terminal pane (the person's own, not gated), its output is captured up
# to the shell's end marker and offered to the next message (one chat line
# says so), which carries it (capped at output_limit) and shows it as one
# line; Esc on an empty input drops it.
. "$top_srcdir/tests/lib.sh"
export LC_ALL=C.UTF-8
command -v tmux >/dev/null 2>&1 || { skip "tmux not installed"; done_testing; }
setup_home
W=$T/work; mkdir -p "$W"
SOCK=cade-bang-$$
TM() { tmux -L "$SOCK" "$@"; }
trap 'TM kill-server 2>/dev/null; cleanup' EXIT
printf 'set -g default-terminal tmux-256color\nset -g status off\n' > "$T/tmux.conf"
mkdir -p "$XDG_CONFIG_HOME/cade"
printf 'output_limit = 2000\n' > "$XDG_CONFIG_HOME/cade/config"
cat > "$T/script.json" <<'JSON'
{"replies": [
 {"content": "Saw the output."},
 {"content": "Nothing attached."},
 {"content": "Dropped indeed."},
 {"content": "Long output."}
]}
JSON
start_fake "$T/script.json"

screen() { TM capture-pane -p "$@" -t ui; }
lastreq() { ls "$RECORD"/req-*.json | tail -1; }
tui_shell ui 130 30
TM send-keys -t ui "cd $W && clear && $CADE -m fake-model; echo cade-rc=\$?" Enter
wait_for 'keys here'

TM send-keys -t ui "!printf 'alpha-out\\nbeta-out\\n'; false" Enter
wait_for 'will be attached to your next message'
ok $? "a !command's end is seen and its output offered to the next message"
screen | grep -qF "(exit 1, 2 lines) will be attached"; ok $? "... the offer names the exit status and the lines"
screen | grep -q '^alpha-out *$'; ok $? "... the command ran in the terminal pane"
! ls "$RECORD"/req-*.json >/dev/null 2>&1; ok $? "... and nothing went to the model yet"

TM send-keys -t ui "what happened?" Enter
wait_for 'Saw the output.'
grep -qF 'what happened?\n\n<command-output exit=\"1\">\n$ printf '"'"'alpha-out\\nbeta-out\\n'"'"'; false\nalpha-out\nbeta-out\n</command-output>' "$(lastreq)"
ok $? "the next message carries the output after its text"
screen | grep -qF "[attached: output of !printf 'alpha-out\\nbeta-out\\n'; false (exit 1)]"
ok $? "the chat shows it as one line"

TM send-keys -t ui "and now?" Enter
wait_for 'Nothing attached.'
[ "$(grep -o '<command-output exit' "$(lastreq)" | wc -l)" -eq 1 ]; ok $? "the output goes with one message only"

TM send-keys -t ui "!echo drop-me-please" Enter
wait_for 'output of !echo drop-me-please (exit 0, 1 line)'
TM send-keys -t ui Escape
wait_for 'dropped: no command output'; ok $? "Esc on an empty input drops the waiting output"
TM send-keys -t ui "dropped?" Enter
wait_for 'Dropped indeed.'
! grep -q 'drop-me-please' "$(lastreq)"; ok $? "... and it is not sent"

TM send-keys -t ui "!seq 1 5000" Enter
wait_for 'output of !seq 1 5000 (exit 0'
TM send-keys -t ui "long" Enter
wait_for 'Long output.'
req=$(lastreq)
grep -q 'bytes dropped' "$req" && grep -q '\\n4999\\n5000\\n</command-output>' "$req" && [ "$(wc -c < "$req")" -lt 20000 ]
ok $? "a long output is capped at output_limit (head and tail kept)"

TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0'; ok $? "cade exits cleanly"
done_testing
