#!/bin/sh
# tui-ui.sh: the rest of the interface, in tmux against the fake LLM:
# themes (light, 8 colours, NO_COLOR, a broken user theme named by file:line), mouse
# capture only when asked, folding and C-o, newline keys, the confirmation
# prompt's Esc/F9/d/a keys, copy through OSC 52 into tmux's
# buffer, chat scrollback with the unread indicator, the terminal pane's
# scrollback, zoom and orientation keys, slash commands (/help /cost
# /model /sessions /clear /resume /quit), and the terminal restored after
# SIGTERM and after a crash (SIGSEGV).
# CADE_SCREENS=DIR saves capture-pane dumps (doc/screens/).
. "$top_srcdir/tests/lib.sh"
export LC_ALL=C.UTF-8
command -v tmux >/dev/null 2>&1 || { skip "tmux not installed"; done_testing; }
setup_home
W=$T/work; mkdir -p "$W"
SOCK=cade-ui-$$
TM() { tmux -L "$SOCK" "$@"; }
trap 'TM kill-server 2>/dev/null; cleanup' EXIT
printf 'set -g default-terminal tmux-256color\nset -g status off\nset -g set-clipboard on\n' > "$T/tmux.conf"
mkdir -p "$XDG_CONFIG_HOME/cade/themes"
printf 'split_width = 100\n' > "$XDG_CONFIG_HOME/cade/config"
printf '# broken on purpose\nerror = red default\nchat.bogus = blue default\n' > "$XDG_CONFIG_HOME/cade/themes/broken.theme"

cat > "$T/script.json" <<'JSON'
{"models": ["fake-model", {"id": "other-model", "pricing": {"prompt": "0.000002", "completion": "0.000008"}}], "replies": [
 {"content": "## Plan\n\nI will **check** the `build` first:\n\n1. read the logs\n2. fix the test\n\n```sh\nmake check\nif true; then echo ok; fi # done\n```\n\n```python\ns = \"\"\"if first\nif inside\"\"\"\n```\n\n| Tool | Use | Runs |\n|------|-----|---:|\n| make | build it | 12 |\n| cc | compile every C source file of the project into objects, then link them | 3 |"},
 {"content": "| Component | Responsibility | Language | Maintainer | Status |\n|---|---|---|---|---|\n| renderer | drawing Markdown | C | render | done |"},
 {"tool_calls": [{"id": "c1", "name": "terminal", "arguments": {"command": "seq 1 20", "security_risk": "LOW"}}]},
 {"content": "Done with output."},
 {"first_byte_delay_ms": 1500, "content": "Slow reply line one.\nSlow reply line two."},
 {"tool_calls": [{"id": "a1", "name": "terminal", "arguments": {"command": "rm -rf scratch1", "security_risk": "HIGH"}}]},
 {"content": "First removal done."},
 {"tool_calls": [{"id": "a2", "name": "terminal", "arguments": {"command": "rm -rf scratch1", "security_risk": "HIGH"}}]},
 {"content": "Second removal done."}
]}
JSON
start_fake "$T/script.json"

screen() { TM capture-pane -p "$@" -t ui; }
chatcol() { screen | sed -E 's/^(.{60}).*/\1/'; }
termcol() { screen | sed -E 's/^.{61}//'; }
# Conditions the checks below wait for (wait_until, tests/lib.sh).
unfolded() { chatcol | grep -q '│ 20 *$'; }
buffer_is() { [ "$(TM show-buffer 2>/dev/null)" = "$1" ]; }
clipboard_is() { [ "$(cat "$XDG_STATE_HOME/cade/clipboard.txt" 2>/dev/null)" = "$1" ]; }
whole_obs() { TM show-buffer 2>/dev/null | head -1 | grep -qx 1 && TM show-buffer | tail -2 | grep -qx 20; }
three_lines() { chatcol | grep -q '^> first' && chatcol | grep -q '^  second' && chatcol | grep -q '^  third'; }
term_has() { termcol | grep -qx "$1"; }
term_lacks() { ! termcol | grep -qx "$1"; }
input_empty() { ! chatcol | grep -q '^> first'; }
side_by_side() { screen | head -1 | grep -qF '│ terminal'; }
stacked() { ! screen | head -1 | grep -qF '│'; }
save() { [ -n "${CADE_SCREENS:-}" ] && mkdir -p "$CADE_SCREENS" && screen > "$CADE_SCREENS/$1.txt" && screen -e > "$CADE_SCREENS/$1-ansi.txt"; return 0; }
cade_pid() { ps -o pid= --ppid "$(TM display -p -t ui '#{pane_pid}')" | tr -d ' ' | head -1; }
run() {	# run ARGS...: start cade in the pane's shell
	TM send-keys -t ui "clear; $* ; echo cade-rc=\$?" Enter
	wait_for 'keys here'
}

TM -f "$T/tmux.conf" new-session -d -s ui -x 120 -y 40 \
    "env PS1='sh\$ ' ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME LLM_BASE_URL=$LLM_BASE_URL LLM_API_KEY=$LLM_API_KEY sh"
wait_for 'sh$' 5
TM send-keys -t ui "cd $W" Enter

# NO_COLOR: attributes only, no colour escapes.  No mouse capture by default.
run "NO_COLOR=1 $CADE -m fake-model"
wait_for 'idle' 5
screen -e | grep -qE '\[(3[0-7]|4[0-7]|9[0-7]|38;5;|48;5;)[0-9;]*m'; ok $((! $?)) "NO_COLOR: no colour escapes on screen"
screen -e | grep -q '\[7m\|\[1m\|;7m\|;1m'; ok $? "NO_COLOR: the mono theme's attributes remain"
[ "$(TM display -p -t ui '#{mouse_any_flag}')" = 0 ]; ok $? "no mouse capture by default"
TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0'; ok $? "/quit exits 0"

# An 8-colour terminal: colours degrade, nothing from the 256 palette.
run "TERM=xterm $CADE -m fake-model --theme light"
wait_for 'idle' 5
screen -e | grep -qE '\[(3[0-7]|4[0-7])(;[0-9]+)*m|;(3[0-7]|4[0-7])m'; ok $? "TERM=xterm: 8-colour escapes used"
screen -e | grep -qE '(38|48);5;'; ok $((! $?)) "TERM=xterm: no 256-colour escapes"
TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0'

# Light theme (256 colours) and --mouse.
run "$CADE -m fake-model --theme light --mouse"
[ "$(TM display -p -t ui '#{mouse_any_flag}')" = 1 ]; ok $? "--mouse turns mouse capture on"
TM send-keys -t ui "show me markdown" Enter
wait_for 'make check'
screen -e | grep -q '48;5;24m'; ok $? "light theme: its status bar colour (colour 24) is used"
chatcol | grep -qF 'Plan' && ! chatcol | grep -qF '## Plan'; ok $? "markdown heading drawn without its markers"
chatcol | grep -qF 'I will check the build first:'; ok $? "bold and inline code drawn without markers"
chatcol | grep -qF '│ make check'; ok $? "fenced code block framed"
chatcol | grep -qE '│ make │ build it +│   12 │' && ! chatcol | grep -qF '| make'; ok $? "a Markdown table drawn as an aligned grid (a right-aligned column)"
chatcol | grep -qE '│ cc   │ compile every C source file of the +│    3 │' &&
    chatcol | grep -qE '│      │ project into objects, then link them +│      │'; ok $? "a long table cell wrapped at a space within its column"
kw=$(screen -e | grep -F "# done" | head -1)
echo "$kw" | grep -qE '\[([0-9;]*;)?35(;[0-9;]*)?m(\[[0-9;]*m)*if' &&
    echo "$kw" | grep -qE '38;5;244(;[0-9;]*)?m(\[[0-9;]*m)*# done'; ok $? "fenced sh code highlighted: keyword in magenta, comment in grey"
kw=$(screen -e | grep -F "if inside" | head -1)
echo "$kw" | grep -qE '\[([0-9;]*;)?32(;[0-9;]*)?m(\[[0-9;]*m)*if inside' &&
    ! echo "$kw" | grep -qE '35(;[0-9;]*)?m(\[[0-9;]*m)*if inside'; ok $? "a Python string's second line stays a string (green, no keyword)"
save light
# A table whose words cannot fit the chat's columns: each row as Header: value lines.
TM send-keys -t ui "a wide table" Enter
wait_for 'Component: renderer'
screen | grep -qF 'Responsibility: drawing Markdown' && screen | grep -qF 'Status: done' &&
    ! screen | grep -qF '| Component'; ok $? "a table too wide for the chat: its rows become Header: value records"
TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0'

# A broken user theme: clear error with file:line, default theme, still usable.
run "$CADE -m fake-model --theme broken"
wait_for "unknown element 'chat.bogus'"; screen | grep -qF 'broken.theme:3:'; ok $? "bad theme: error names file:line"
screen | grep -qF 'using the default theme'; ok $? "bad theme: falls back to the default"
first_sid=$(screen | grep -o 'session [0-9a-f-]*' | head -1 | cut -d' ' -f2)

TM send-keys -t ui "show output" Enter
wait_for 'Done with output.'
chatcol | grep -qF 'more lines'; ok $? "observation folded with a 'more lines' marker"
chatcol | grep -q '│ 20 *$'; ok $((! $?)) "... the last output line is not shown folded"
TM send-keys -t ui C-o
wait_until 10 unfolded; ok $? "C-o unfolds the observation"

TM send-keys -t ui F7
wait_for 'select:'; ok $? "F7 enters select mode"
TM send-keys -t ui y
wait_until 10 buffer_is "Done with output."; ok $? "y copies the message's logical text via OSC 52 (tmux buffer)"
wait_until 10 clipboard_is "Done with output."; ok $? "... and to the clipboard file"
TM send-keys -t ui Up y
wait_until 10 buffer_is "seq 1 20"; ok $? "on a tool card, y copies the command"
TM send-keys -t ui c
wait_until 10 whole_obs; ok $? "c copies its whole observation"
TM send-keys -t ui Escape
wait_gone 'select:'

# Chat scrollback: PgUp holds the view; new output shows an indicator.
TM send-keys -t ui "slow one" Enter
wait_for 'slow one'
TM send-keys -t ui PPage
wait_for '(scrolled)'; ok $? "PgUp scrolls the chat back"
wait_for 'new lines below' 5; ok $? "output arriving while scrolled: an unread indicator"
chatcol | grep -qF 'Slow reply line two.'; ok $((! $?)) "... and the view did not jump to it"
TM send-keys -t ui End
wait_for 'Slow reply line two.'; ok $? "End goes back to the newest output"
screen | grep -qF 'new lines below'; ok $((! $?)) "... and the indicator is gone"

# Newline keys that survive tmux without extended-keys; nothing is sent.
before=$(ls "$RECORD" | grep -c 'json$')
TM send-keys -t ui "first" C-j "second" M-Enter "third"
wait_until 10 three_lines; ok $? "C-j and M-Enter put newlines in the message"
[ "$(ls "$RECORD" | grep -c 'json$')" -eq "$before" ]; ok $? "... and send nothing"
TM send-keys -t ui C-c
wait_until 10 input_empty

# The confirmation prompt's other keys: Esc, F9, d, a + scope.
mkdir -p "$W/scratch1"
TM send-keys -t ui "clean up" Enter
prompt_keys ui
TM send-keys -t ui Escape
wait_gone ' confirm '; ok $? "Esc hides the prompt"
screen | grep -qF '1 pending (F9)'; ok $? "... the status bar counts the pending action"
TM send-keys -t ui F9
wait_for 'y approve'; ok $? "F9 brings it back"
TM send-keys -t ui d
wait_for 'always allow would add'; ok $? "d shows the details (the rule 'a' would add)"
TM send-keys -t ui a
wait_for 'this session'; screen | grep -qF 'this project' && screen | grep -qF 'everywhere'; ok $? "a asks for the scope"
TM send-keys -t ui s
wait_for 'First removal done.'; [ ! -e "$W/scratch1" ]; ok $? "a + s approves"
mkdir -p "$W/scratch1"
TM send-keys -t ui "again" Enter
wait_for 'Second removal done.'; [ ! -e "$W/scratch1" ]; ok $? "the same action later runs without asking"
grep '"type":"policy_decision"' "$XDG_STATE_HOME/cade/sessions/$first_sid/events.jsonl" | grep '"call_id":"a2"' | grep -q '"decision":"allow"'; ok $? "... allowed by the session rule (store)"

# Terminal scrollback.
TM send-keys -t ui F2
TM send-keys -t ui "seq 1 300" Enter
wait_until 15 term_has 300; ok $? "terminal pane shows the end of the output"
TM send-keys -t ui S-PPage PPage
wait_for 'scrollback'; ok $? "S-PgUp browses the pane's scrollback"
wait_until 10 term_lacks 300; ok $? "... showing older lines"
TM send-keys -t ui q
wait_until 10 term_has 300; ok $? "q returns to the live screen"
TM send-keys -t ui "exit" Enter
wait_for 'the shell exited'; ok $? "the pane says when its shell exits"
TM send-keys -t ui Enter
wait_gone 'the shell exited'
TM send-keys -t ui "echo back-\$((1+1))" Enter
wait_until 15 term_has back-2; ok $? "Enter in the pane starts a new shell"
TM send-keys -t ui C-]
wait_for 'keys here'; ok $? "C-] gives the keyboard back to the chat"

# Zoom and orientation.
TM send-keys -t ui F3
wait_gone 'terminal bash'; ok $? "F3 zooms the chat (terminal hidden)"
TM send-keys -t ui F3 F4
wait_until 10 stacked; ok $? "F4 stacks the panes"
TM send-keys -t ui F4
wait_until 10 side_by_side; ok $? "F4 again: side by side"

# Slash commands.
TM send-keys -t ui "/cost" Enter
wait_for 'tokens in'; ok $? "/cost"
screen | tail -1 | grep -qF '$?'; ok $? "no price known: the status bar shows \$?"
TM send-keys -t ui "/model other-model" Enter
wait_for 'model set to other-model'; screen | tail -1 | grep -qF 'other-model'; ok $? "/model changes the model (status bar)"
screen | tail -1 | grep -qF '$?'; ok $((! $?)) "no price configured: the listed price counts (the status bar no longer shows \$?)"
TM send-keys -t ui "/model" Enter
wait_for '$2/$8 per M'; ok $? "/model shows the listed prices per million tokens"
TM send-keys -t ui "/sessions" Enter
wait_for "$first_sid"; ok $? "/sessions lists the session"
TM send-keys -t ui "/help" Enter
wait_for '/confirm always|risky|never'; ok $? "/help lists the commands"
TM send-keys -t ui "/confirm always" Enter
wait_for 'confirmation mode: always'; screen | tail -1 | grep -qF 'confirm:always'; ok $? "/confirm switches the mode (status bar)"
screen | tail -1 | grep -q 'ctx [0-9][0-9]*%'; ok $? "the status bar shows the context use"
TM send-keys -t ui "/confirm risky" Enter
wait_for 'confirmation mode: risky'
TM send-keys -t ui "/nosuch" Enter
wait_for "unknown command '/nosuch'"; ok $? "unknown command: a clear error"
before_clear=$(ls "$XDG_STATE_HOME/cade/sessions" | wc -l)
TM send-keys -t ui "/clear" Enter
wait_gone 'Done with output.'; ok $? "/clear starts a new session (old messages gone)"
# The screen clears before the new session's directory exists: wait for it.
for i in $(seq 1 100); do
	n=$(ls "$XDG_STATE_HOME/cade/sessions" | wc -l)
	[ "$n" -gt "$before_clear" ] && break
	sleep 0.1
done
[ "$n" -gt "$before_clear" ]; ok $? "... with a new session directory ($before_clear -> $n)"
TM send-keys -t ui "/resume $first_sid" Enter
wait_for 'Done with output.'; ok $? "/resume brings the old session back"
screen | grep -qF '(resumed)'; ok $? "... marked as resumed"

# SIGTERM: saved, status 143 (128+15), terminal restored.
kill -TERM "$(cade_pid)"
wait_for 'cade-rc=143'; ok $? "SIGTERM: exit status 143"
TM send-keys -t ui "clear; stty -a | tr ' ' '\n' | grep -x -e icanon -e echo | tr '\n' ' '; echo" Enter
wait_for 'icanon echo'; ok $? "SIGTERM: terminal modes restored"

# A crash: the handler restores the terminal before dying.
run "$CADE -m fake-model"
kill -SEGV "$(cade_pid)"
wait_for 'cade-rc=139'; ok $? "SIGSEGV: cade dies of the signal"
TM send-keys -t ui "clear; stty -a | tr ' ' '\n' | grep -x -e icanon -e echo | tr '\n' ' '; echo" Enter
wait_for 'icanon echo'; ok $? "SIGSEGV: terminal modes restored anyway"
TM send-keys -t ui "echo alive-\$((1+1))" Enter
wait_for 'alive-2'; ok $? "the shell is usable after the crash"
done_testing
