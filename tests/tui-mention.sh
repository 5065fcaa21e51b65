#!/bin/sh
# tui-mention.sh: "@path" mentions, in tmux against the fake LLM: Tab
# completes a partial name over the workspace's files (.gitignore
# honoured) and cycles; on Enter the file, or a line range of it, reaches
# the request (the chat shows one line for it); a path outside the workspace and one hidden by the sandbox
# are refused with a notice and not attached.
. "$top_srcdir/tests/lib.sh"
export LC_ALL=C.UTF-8
command -v tmux >/dev/null 2>&1 || { skip "tmux not installed"; done_testing; }
setup_home
W=$T/work; mkdir -p "$W/src/deep" "$W/build"
SOCK=cade-mention-$$
TM() { tmux -L "$SOCK" "$@"; }
trap 'TM kill-server 2>/dev/null; cleanup' EXIT
printf 'set -g default-terminal tmux-256color\nset -g status off\n' > "$T/tmux.conf"
mkdir -p "$XDG_CONFIG_HOME/cade"
printf 'sandbox_hidden = %s/secret.env\n' "$W" > "$XDG_CONFIG_HOME/cade/config"

printf 'build/\n' > "$W/.gitignore"
printf 'int widget_marker_a;\n' > "$W/src/deep/widget.c"
printf 'ignored build output\n' > "$W/build/widget.o.c"
seq 1 100 | sed 's/^/line-/' > "$W/lines.txt"
printf 'TOKEN=hidden-value-xyz\n' > "$W/secret.env"
mkdir -p "$W/many"
for i in 01 02 03 04 05 06 07 08 09 10 11 12; do echo "$i" > "$W/many/pop-$i.txt"; done
printf 'outside-value-xyz\n' > "$T/outside.txt"
cat > "$T/script.json" <<'JSON'
{"replies": [
 {"content": "Got the file."},
 {"content": "Got the range."},
 {"content": "Got nothing."}
]}
JSON
start_fake "$T/script.json"

screen() { TM capture-pane -p "$@" -t ui; }
lastreq() { ls "$RECORD"/req-*.json | tail -1; }
TM -f "$T/tmux.conf" new-session -d -s ui -x 130 -y 30 \
    "env PS1='sh\$ ' ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME LLM_BASE_URL=$LLM_BASE_URL LLM_API_KEY=$LLM_API_KEY sh"
wait_for 'sh$' 10
TM send-keys -t ui "cd $W && clear && $CADE -m fake-model; echo cade-rc=\$?" Enter
wait_for 'keys here'

# A partial, spread-out name completes to the one file that fits (the copy
# under the ignored build/ is not offered).
TM send-keys -t ui "look at @wdg" Tab
wait_for '> look at @src/deep/widget.c'; ok $? "Tab completes @wdg to @src/deep/widget.c"
screen | grep -q 'build/widget'; ok $((! $?)) "... a file under a .gitignore'd directory is not offered"

# Several fit: Tab cycles through them, listed in a popup above the input
# with the current one highlighted.
TM send-keys -t ui C-u "@e" Tab
wait_for '> @lines.txt'; ok $? "several fit: the shortest name first"
popup() { screen | sed -n '/╭ @ /,/╰/p'; }
popup | grep -q '╭ @ 1/3 ─' && [ "$(popup | sed -n 's/^│ \([^ ]*\) *│$/\1/p' | tr '\n' ' ')" = "lines.txt .gitignore src/deep/widget.c " ]
ok $? "... a popup lists them (the hidden file not among them)"
[ "$(screen | grep -A1 '^╰' | tail -1 | cut -c1-12)" = "> @lines.txt" ]; ok $? "... right above the input"
# The highlighted row: the selection colour (the default theme's bright black background).
hl() { TM capture-pane -p -e -t ui | grep "$1 " | grep -q '\[100m'; }
hl lines.txt && ! hl .gitignore; ok $? "... the current one highlighted"
TM send-keys -t ui Tab
wait_for '> @.gitignore'; ok $? "a second Tab cycles to the next candidate"
wait_for '╭ @ 2/3'
hl .gitignore && ! hl lines.txt; ok $? "... and the highlight follows"
TM send-keys -t ui Down
wait_for '> @src/deep/widget.c'; ok $? "Down cycles too"
TM send-keys -t ui BTab
wait_for '> @.gitignore'; ok $? "... and Shift-Tab goes back"
TM send-keys -t ui Enter
wait_gone '╭ @'; ok $? "Enter takes the candidate and closes the popup"
screen | grep -q '^> @.gitignore *$' && ! ls "$RECORD"/req-*.json >/dev/null 2>&1
ok $? "... without sending"
TM send-keys -t ui C-u "@e" Tab
wait_for '╭ @ 1/3'
TM send-keys -t ui Escape
wait_gone '╭ @'; ok $? "Esc closes the popup"
screen | grep -q '^> @e *$'; ok $? "... and puts the typed word back"
TM send-keys -t ui C-u

# Many candidates at 80x24 and at the smallest screen: the popup stays
# between the chat's title and the input, listing what fits.
TM send-keys -t ui "@pop" Tab
wait_for '╭ @ 1/12'
[ "$(popup | grep -c '^│ many/pop-')" -eq 8 ]; ok $? "at most eight rows listed"
for size in 80x24 50x14; do
	TM resize-window -t ui -x "${size%x*}" -y "${size#*x}"
	wait_until 15 sh -c "[ \$(tmux -L $SOCK display -p -t ui '#{window_width}x#{window_height}') = $size ]"
	wait_until 15 sh -c "tmux -L $SOCK capture-pane -p -t ui | head -1 | grep -q '^ chat'" &&
	    wait_for '╭ @ 1/12' &&
	    [ "$(screen | grep -A1 '^╰' | tail -1 | cut -c1-12)" = "> @many/pop-" ] &&
	    [ "$(screen | awk '/╭ @/ { print NR }')" -ge 2 ] &&
	    [ "$(screen | wc -L)" -le "${size%x*}" ] &&
	    [ "$(screen | grep -c '^│ many/pop-')" -ge 1 ]
	ok $? "at $size the popup fits between the chat title and the input"
done
TM send-keys -t ui Escape
wait_gone '╭ @'
TM resize-window -t ui -x 130 -y 30
wait_until 15 sh -c "tmux -L $SOCK capture-pane -p -t ui | head -1 | grep -q '^ chat'"
TM send-keys -t ui C-u

# Enter: the file reaches the request.
TM send-keys -t ui "look at @wdg" Tab
wait_for '> look at @src/deep/widget.c'
TM send-keys -t ui " please" Enter
wait_for 'Got the file.'
grep -q 'int widget_marker_a;' "$(lastreq)"; ok $? "the mentioned file's content reaches the request"
grep -q 'look at @src/deep/widget.c please' "$(lastreq)"; ok $? "... with the message as typed"
screen | grep -qF '[attached: src/deep/widget.c]' && ! screen | grep -q 'widget_marker_a'
ok $? "the chat shows the attachment as one line, not the file"

# A line range: only those lines.
TM send-keys -t ui "see @lines.txt:10-12." Enter
wait_for 'Got the range.'
req=$(lastreq)
grep -q 'line-10\\nline-11\\nline-12' "$req" && ! grep -q 'line-9\\n' "$req" && ! grep -q 'line-13' "$req"
ok $? "@lines.txt:10-12 attaches lines 10 to 12 only"
screen | grep -qF '[attached: lines.txt lines 10-12]'; ok $? "... and the chat says which lines"

# Outside the workspace, and hidden by the sandbox: refused, visibly.
TM send-keys -t ui "try @../outside.txt and @secret.env" Enter
wait_for 'Got nothing.'
req=$(lastreq)
! grep -q 'outside-value-xyz' "$req" && ! grep -q 'hidden-value-xyz' "$req"; ok $? "paths outside the workspace or hidden are not attached"
screen | grep -q '@../outside.txt not attached'; ok $? "... a notice says so for the outside path"
screen | grep -q '@secret.env not attached' && screen | grep -q 'hidden by the sandbox'; ok $? "... and for the hidden one"

TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0'; ok $? "cade exits cleanly"
done_testing
