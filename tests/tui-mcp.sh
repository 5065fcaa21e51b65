#!/bin/sh
# tui-mcp.sh: an MCP tool's card in tmux against the fake LLM and
# tests/mcp_testserver: the card shows the call's one-line summary from
# the tool's own entry (agent_tool()), as a built-in tool's card does,
# and a resumed session's card the summary recorded with its decision.
. "$top_srcdir/tests/lib.sh"
export LC_ALL=C.UTF-8
command -v tmux >/dev/null 2>&1 || { skip "tmux not installed"; done_testing; }
setup_home
W=$T/work; mkdir -p "$W" "$XDG_CONFIG_HOME/cade"
SOCK=cade-mcp-$$
TM() { tmux -L "$SOCK" "$@"; }
trap 'TM kill-server 2>/dev/null; cleanup' EXIT
printf 'set -g default-terminal tmux-256color\nset -g status off\n' > "$T/tmux.conf"
cat > "$XDG_CONFIG_HOME/cade/mcp.json" <<JSON
{"mcpServers": {"t": {"command": "$top_builddir/tests/mcp_testserver"}}}
JSON
cat > "$T/script.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "m1", "name": "mcp__t__echo", "arguments": {"text": "card-summary-7"}}]},
 {"match": "echo: card-summary-7", "content": "Echoed it."}
]}
JSON
start_fake "$T/script.json"

screen() { TM capture-pane -p "$@" -t ui; }
tui_shell ui 130 30
TM send-keys -t ui "cd $W && clear && $CADE -m fake-model; echo cade-rc=\$?" Enter
wait_for 'keys here'

TM send-keys -t ui "echo through mcp" Enter
wait_for 'Echoed it.' 60; ok $? "the MCP tool ran and the model answered"
screen | grep -qF '{"text":"card-summary-7"}'; r=$?
ok $r "the MCP tool's card shows its summary (the arguments)"
[ $r -eq 0 ] || screen | sed 's/^/#   /'
TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0' 30; ok $? "cade quits cleanly"

# Resumed, the card is drawn before the server is up: the summary the
# tool's entry gave when the call was judged (its policy decision).
TM send-keys -t ui "clear && $CADE -m fake-model --continue; echo cade-rc=\$?" Enter
wait_for '(resumed)' 60 && wait_for 'Echoed it.' 30
screen | grep -qF '{"text":"card-summary-7"}'; r=$?
ok $r "a resumed session's MCP card shows the recorded summary"
[ $r -eq 0 ] || screen | sed 's/^/#   /'
TM send-keys -t ui "/quit" Enter
done_testing
