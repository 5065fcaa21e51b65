#!/bin/sh
# tui-cmds.sh: slash commands and small screens, in tmux against the fake
# LLM: /cost agrees with the status bar's context use, /theme with no
# argument lists the themes, /resume last right after /clear goes back to
# the session before (not the new empty one), the pane title in scrollback
# mode is whole, the too-small notice fits a 20x6 terminal, a reply from
# the outer terminal (OSC 11) never lands in the chat input, and the
# terminal pane draws dim, strikethrough, half-overwritten wide characters
# and mode 47 as xterm and tmux do.
. "$top_srcdir/tests/lib.sh"
export LC_ALL=C.UTF-8
command -v tmux >/dev/null 2>&1 || { skip "tmux not installed"; done_testing; }
setup_home
W=$T/work; mkdir -p "$W"
SOCK=cade-cmds-$$
TM() { tmux -L "$SOCK" "$@"; }
trap 'TM kill-server 2>/dev/null; cleanup' EXIT
printf 'set -g default-terminal tmux-256color\nset -g status off\n' > "$T/tmux.conf"
mkdir -p "$XDG_CONFIG_HOME/cade/themes"
printf 'split_width = 90\n' > "$XDG_CONFIG_HOME/cade/config"
cp "$top_srcdir/themes/light.theme" "$XDG_CONFIG_HOME/cade/themes/my-own.theme"

mkdir -p "$W/.cade/commands" "$XDG_CONFIG_HOME/cade/commands"
printf -- '---\ndescription: review one file\n---\nPlease review $1 with care (all: $ARGUMENTS).\n' > "$W/.cade/commands/review.md"
printf 'Say hello to $ARGUMENTS.\n' > "$XDG_CONFIG_HOME/cade/commands/greet.md"
cat > "$T/script.json" <<'JSON'
{"replies": [
 {"content": "First session answer."},
 {"content": "Reviewed."},
 {"content": "Edited."}
]}
JSON
start_fake "$T/script.json"

screen() { TM capture-pane -p "$@" -t ui; }
nsessions() { ls "$XDG_STATE_HOME/cade/sessions" 2>/dev/null | wc -l; }

TM -f "$T/tmux.conf" new-session -d -s ui -x 130 -y 30 \
    "env PS1='sh\$ ' ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME LLM_BASE_URL=$LLM_BASE_URL LLM_API_KEY=$LLM_API_KEY sh"
wait_for 'sh$' 10
printf '#!/bin/sh\nsed -i "1s/$/ (edited)/" "$1"\n' > "$T/ed.sh"; chmod +x "$T/ed.sh"
TM send-keys -t ui "cd $W && clear && EDITOR=$T/ed.sh $CADE -m fake-model; echo cade-rc=\$?" Enter
wait_for 'keys here'

# An OSC reply from the outer terminal (as a background-colour query gets)
# arrives on cade's stdin: nothing of it may reach the input.
TM send-keys -t ui -l "$(printf '\033]11;rgb:1e1e/1e1e/1e1e\033\\')"
TM send-keys -t ui -l "typed"
wait_for '> typed'
screen | grep -qF 'rgb:' || screen | grep -qF '11;'; ok $((! $?)) "an OSC reply on stdin does not land in the chat input"
TM send-keys -t ui C-u

# The theme follows the terminal's background: a fake terminal answers the
# OSC 11 query light (the light theme's status bar, colour 24), then dark
# (the default theme's, black on white).
light_bar() { screen -e | tail -1 | grep -q '48;5;24m'; }
dark_bar() { ! light_bar; }
TM send-keys -t ui -l "$(printf '\033]11;rgb:ffff/ffff/ffff\033\\')"
wait_until 10 light_bar; ok $? "OSC 11 answered white: the light theme"
TM send-keys -t ui -l "$(printf '\033]11;rgb:1c1c/1c1c/1c1c\033\\')"
wait_until 10 dark_bar; ok $? "OSC 11 answered near-black: the default (dark) theme"
screen | grep -q '11;rgb'; ok $((! $?)) "... and neither answer reached the input"

TM send-keys -t ui "hello" Enter
wait_for 'First session answer.'
first=$(ls -t "$XDG_STATE_HOME/cade/sessions" | head -1)

# /cost and the status bar say the same context use (a percentage, once);
# with no price known, /cost says "$?".
TM send-keys -t ui "/cost" Enter
wait_for 'tokens in'
chattext() { screen | sed 's/│.*//' | tr -s ' \n' '  '; }	# the chat, unwrapped
cost=$(chattext | sed -n 's/.*context \([0-9][0-9]*\)% full.*/\1/p' | tail -1)
bar=$(screen | tail -1 | sed -n 's/.* \([0-9][0-9]*\)% .*/\1/p')
[ -n "$cost" ] && [ "$cost" = "$bar" ] && [ "$cost" -le 100 ]; ok $? "/cost context use matches the status bar ($cost% vs $bar%)"
chattext | grep -qF 'out, $? (no price known'; ok $? "/cost with no price known says \$?"

# Tab on an ambiguous /co lists the candidates; Ctrl-R finds "hello" in
# the history and Enter keeps it in the input without sending it.
TM send-keys -t ui "/co" Tab
wait_for '/confirm  /cost  /compact'; ok $? "Tab on an ambiguous /co lists the candidates"
TM send-keys -t ui C-u
nreq=$(ls "$RECORD" | grep -c 'json$')
TM send-keys -t ui C-r "hel"
wait_for 'history search'
TM send-keys -t ui Enter
wait_gone 'history search'
screen | grep -q '^> hello *│'; ok $? "C-r finds an earlier message, Enter keeps it in the input"
[ "$(ls "$RECORD" | grep -c 'json$')" -eq "$nreq" ]; ok $? "... without sending it"
TM send-keys -t ui C-u

# The person's own commands: listed by /help, completed by Tab, expanded
# into the message that reaches the model.
TM send-keys -t ui "/help" Enter
wait_for 'your commands'
chattext | grep -q '/review review one file (project)' && chattext | grep -q '/greet'; ok $? "/help lists .cade/commands and ~/.config/cade/commands"
TM send-keys -t ui "/rev" Tab
wait_for '> /review '
TM send-keys -t ui "src/a.c now" Enter
wait_for 'Reviewed.'
grep -q 'Please review src/a.c with care (all: src/a.c now).' "$(ls "$RECORD"/req-*.json | tail -1)"; ok $? "a custom command's expansion reaches the request"

# !command runs in the terminal pane, as the person's own typing.
nreq=$(ls "$RECORD" | grep -c 'json$')
TM send-keys -t ui '!echo bang-$((6*7))' Enter
wait_for 'bang-42'; ok $? "!command runs in the terminal pane"
[ "$(ls "$RECORD" | grep -c 'json$')" -eq "$nreq" ]; ok $? "... and nothing goes to the model"

# /export writes the conversation as Markdown.
TM send-keys -t ui "/export conv.md" Enter
wait_for 'exported to'
grep -q 'Please review src/a.c' "$W/conv.md" && grep -q 'Reviewed.' "$W/conv.md" &&
    ! grep -q "$LLM_API_KEY" "$W/conv.md"; ok $? "/export FILE: the conversation as Markdown"

# $EDITOR for a long message: Ctrl-G and Ctrl-X Ctrl-E start it on the text
# so far; what it leaves is the message, sent on Enter.
TM send-keys -t ui "draft one"
wait_for '> draft one'
TM send-keys -t ui C-g
wait_for '> draft one (edited)'; ok $? "Ctrl-G: \$EDITOR edits the message"
TM send-keys -t ui C-x C-e
wait_for '> draft one (edited) (edited)'; ok $? "Ctrl-X Ctrl-E: the same"
TM send-keys -t ui Enter
wait_for 'Edited.'
grep -q 'draft one (edited) (edited)' "$(ls "$RECORD"/req-*.json | tail -1)"; ok $? "... and the edited text reaches the request"

# /theme alone lists what there is, built-in and the person's own.
TM send-keys -t ui "/theme" Enter
wait_for 'themes:'
screen | grep -F 'themes:' | grep -q 'default' && screen | grep -qF 'my-own' && screen | grep -qF 'light'; ok $? "/theme with no argument lists the themes"

# The terminal pane: faint and struck text, a wide character half
# overwritten (as xterm and tmux draw it), mode 47 restoring the screen.
cat > "$W/pane.sh" <<'SH'
printf 'A\033[2mfaint-one\033[0m \033[9mgone\033[0m Z\n'
printf '\346\274\242\345\255\227\343\201\213\343\201\252\033[3GX\n'
printf 'kept-47\0337\033[?47h\033[H\033[2Jin-alt\033[?47l\0338\n'
SH
TM send-keys -t ui F2
TM send-keys -t ui "sh pane.sh" Enter
wait_for 'kept-47'
screen -e | grep -q "$(printf '\033')\[2mfaint-one"; ok $? "pane: SGR 2 reaches the screen as dim"
screen | grep -q "$(printf 'g\314\266o\314\266n\314\266e\314\266')"; ok $? "pane: SGR 9 shows a stroke through the text"
screen | grep -q "$(printf '\346\274\242X \343\201\213\343\201\252')"; ok $? "pane: X over half a wide character, as tmux and xterm show it"
screen | grep -q 'kept-47' && ! screen | grep -q 'in-alt'; ok $? "pane: mode 47 gives the original screen back"

# The pane gets every key, function keys too (htop's F6, mc's F3): a
# program reading raw bytes sees F6 as ESC [ 1 7 ~.
cat > "$W/keys.sh" <<'SH'
echo ready-keys; stty raw -echo; dd bs=1 count=5 2>/dev/null | od -An -c | tr -s ' ' > keys.out; stty sane; echo got-keys
SH
TM send-keys -t ui "sh keys.sh" Enter
wait_for 'ready-keys'
TM send-keys -t ui F6
wait_for 'got-keys'
grep -q '033 \[ 1 7 ~' "$W/keys.out"; ok $? "F6 reaches the program in the pane ($(cat "$W/keys.out" 2>/dev/null))"
screen | grep -q 'terminal.*all keys go to the shell (C-\] back)'; ok $? "the pane title names the prefix key"

# The pane title in scrollback mode: whole words, nothing cut.
TM send-keys -t ui "seq 1 100" Enter
sleep 0.5
TM send-keys -t ui S-PPage
wait_for 'scrollback'
title=$(screen | head -1)
tpart=$(echo "$title" | sed 's/.*│//; s/ *$//')
# A key hint is there whole, or not at all: never "●" or "(C-] ba" at the edge.
echo "$tpart" | grep -q 'scrollback [0-9]*/[0-9]*' &&
    { ! echo "$tpart" | grep -q '●' || echo "$tpart" | grep -qE '● (PgUp/PgDn, q ends|all keys go to the shell \(C-\] back\))$'; }
ok $? "pane title in scrollback mode is not cut ($tpart)"
TM send-keys -t ui q C-]
wait_for 'keys here'

# /clear, then /resume last: back to the first session.
before=$(nsessions)
TM send-keys -t ui "/clear" Enter
wait_gone 'First session answer.'
for i in $(seq 1 600); do [ "$(nsessions)" -gt "$before" ] && break; sleep 0.1; done
TM send-keys -t ui "/resume last" Enter
wait_for 'First session answer.'; ok $? "/resume last right after /clear resumes the earlier session"
# A session of another directory: /resume asks y/n first.  n keeps this
# session; a text key while the input holds text is typing, not an answer;
# y switches.
sd="$XDG_STATE_HOME/cade/sessions"; cur=$(ls -t "$sd" | head -1)
cp -r "$sd/$cur" "$sd/elsewhere-0001"
sed -i '1s|"root":"[^"]*"|"root":"/elsewhere/proj"|' "$sd/elsewhere-0001/events.jsonl"
chattext() { screen | sed 's/│.*//' | tr -s ' \n' '  '; }
TM send-keys -t ui "/resume elsewhere-0001" Enter
wait_for 'was started in /elsewhere/proj'; chattext | grep -q 'continue it here, with this directory.s files? y yes, n or Esc no'; ok $? "/resume of another directory's session asks y/n first"
# Its keys are live after confirm_delay, as the gate's: the status bar says so.
wait_for 'resume elsewhere-0001 here? y yes'
TM send-keys -t ui n
wait_for 'not resumed: session elsewhere-0001'; ok $? "... n: not resumed, this session goes on"
TM send-keys -t ui "/resume elsewhere-0001" Enter
wait_for 'resume elsewhere-0001 here? y yes'
TM send-keys -t ui "x"
wait_for '> x'
TM send-keys -t ui "y"
wait_for '> xy'; ! screen | grep -q 'session elsewhere-0001 (resumed)'; ok $? "... a y typed into the input is text, not an answer"
TM send-keys -t ui BSpace BSpace
wait_gone '> xy'
TM send-keys -t ui y
wait_for 'session elsewhere-0001 (resumed)'; ok $? "... y with the input empty switches to it"

# 80x24: the status bar keeps state, model, tokens, context and cost (in
# compact forms), and the stacked chat gets at least 60% of the rows.
TM resize-window -t ui -x 80 -y 24 2>/dev/null || TM resize-pane -t ui -x 80 -y 24
wait_for ' terminal '
bar=$(screen | tail -1)
echo "$bar" | grep -q 'idle' && echo "$bar" | grep -q 'fake-model' &&
    echo "$bar" | grep -qE '[0-9.]+k?( in [0-9.]+k? out|/[0-9.]+k? tok)' && echo "$bar" | grep -qE '[0-9]+%' &&
    echo "$bar" | grep -qF '$?'; ok $? "80x24 status bar: state, model, tokens, context, cost ($bar)"
echo "$bar" | grep -qF '$0.0000'; ok $((! $?)) "no price known: '\$?', never \$0.0000"
trow=$(screen | grep -n '^ terminal ' | head -1 | cut -d: -f1)
[ -n "$trow" ] && [ $((trow - 1)) -ge $(((23 * 60 + 99) / 100)) ]; ok $? "80x24 stacked: the chat has $((${trow:-1} - 1)) of 23 rows (>= 60%)"

# 20x6: the too-small notice fits.
TM resize-window -t ui -x 20 -y 6 2>/dev/null || TM resize-pane -t ui -x 20 -y 6
wait_for 'now 20x6'
screen | grep -q 'need 50x14'; ok $? "20x6: the size notice is whole ('$(screen | grep need | sed 's/^ *//')')"
screen | grep -q 'small (\|($'; ok $((! $?)) "20x6: no notice cut mid-way"
TM resize-window -t ui -x 130 -y 30 2>/dev/null || TM resize-pane -t ui -x 130 -y 30
wait_for 'keys here'
TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0'; ok $? "/quit exits 0"

# cade --resume ID of another directory's session: a new session here asks
# first; y goes on in the resumed one.
cp -r "$sd/elsewhere-0001" "$sd/elsewhere-0002"
sed -i '1s|"root":"[^"]*"|"root":"/elsewhere/other"|' "$sd/elsewhere-0002/events.jsonl"
TM send-keys -t ui "clear; $CADE -m fake-model --resume elsewhere-0002; echo cade-rc=\$?" Enter
wait_for 'resume elsewhere-0002 here? y yes'
chattext | grep -q 'session elsewhere-0002 was started in /elsewhere/other, not here' && ! screen | grep -q 'session elsewhere-0002 (resumed)'; ok $? "cade --resume of another directory's session asks first, from a new session"
TM send-keys -t ui y
wait_for 'session elsewhere-0002 (resumed)'; ok $? "... y goes on in it"
TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0'
done_testing
