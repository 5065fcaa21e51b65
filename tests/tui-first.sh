#!/bin/sh
# tui-first.sh: the first minute, in tmux: with no key and no endpoint the
# TUI says so before the first message; /local finds a local server (the
# fake LLM on LM Studio's port 1234) and uses it, the next message reaching
# it; /model lists the endpoint's models and checks a name against them;
# quitting prints the resume command.  Headless says the same in one line
# (exit 1, no request), `cade models` lists what the endpoint serves, and
# --continue picks the last session of this directory.
. "$top_srcdir/tests/lib.sh"
export LC_ALL=C.UTF-8
setup_home
W=$T/work; mkdir -p "$W"

# Headless, nothing configured: one line, exit 1, at once.
out=$(cd "$W" && "$CADE" -p "hello" </dev/null 2>&1); rc=$?
[ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q 'LLM_API_KEY' &&
    echo "$out" | grep -q 'LLM_BASE_URL' && echo "$out" | grep -q 'config'; ok $? "headless, no key and no endpoint: one line naming LLM_API_KEY, LLM_BASE_URL and the config file, exit 1 ($rc)"

# Headless, an endpoint nobody answers at (refused; a host that cannot
# resolve, or whose lookup times out where DNS is unreachable): one line naming the endpoint, the cause and what to check,
# exit 1, no retry and no backoff wait.
unreach() {	# unreach URL [FLAG]: stderr in $T/u.err, sets rc and ms
	_t0=$(date +%s%N)
	(cd "$W" && LLM_BASE_URL=$1 LLM_API_KEY=k "$CADE" --sandbox off $2 -p "hello" \
	    </dev/null >"$T/u.out" 2>"$T/u.err"); rc=$?
	ms=$(( ($(date +%s%N) - _t0) / 1000000 ))
}
unreach http://127.0.0.1:9/v1
[ $rc -eq 1 ] && [ "$(wc -l < "$T/u.err")" -eq 1 ] &&
    grep -q '^cade: cannot reach the model endpoint http://127.0.0.1:9/v1 (connection refused): .*check LLM_BASE_URL' "$T/u.err" &&
    ! grep -q retrying "$T/u.err" && [ $ms -lt 900 ]; ok $? "headless, connection refused: one line, exit 1, no retry, ${ms} ms ($(cat "$T/u.err"))"
unreach http://127.0.0.1:9/v1 --json
[ $rc -eq 1 ] && [ "$(wc -l < "$T/u.err")" -eq 1 ] && [ "$(grep -c '"type":"error"' "$T/u.out")" -eq 1 ] &&
    ! grep -q '"type":"retry"' "$T/u.out"; ok $? "... --json: one error event, one line on stderr"
unreach http://cade-no-such-host.invalid/v1
[ $rc -eq 1 ] && [ "$(wc -l < "$T/u.err")" -eq 1 ] && grep -qE 'cade-no-such-host.invalid/v1 \((unknown host|no connection within [0-9]+ s)\)' "$T/u.err"; ok $? "headless, unknown host: one line, exit 1 ($(cat "$T/u.err"))"
# ACP: the prompt's JSON-RPC error carries the message, once, and stderr
# does not repeat it.  cade batch: each task's line says why the agent stopped.
mkfifo "$T/acp.in"
(cd "$W" && LLM_BASE_URL=http://127.0.0.1:9/v1 LLM_API_KEY=k timeout 60 "$CADE" acp <"$T/acp.in" >"$T/acp.out" 2>"$T/acp.err") &
ACP_PID=$!
exec 3<>"$T/acp.in"	# read-write: a cade gone early is no SIGPIPE here
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":1,"clientCapabilities":{}}}' \
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"session/new\",\"params\":{\"cwd\":\"$W\",\"mcpServers\":[]}}" >&3
wait_until 20 grep -q '"id":2,"result"' "$T/acp.out"
sid=$(grep -o '"sessionId":"[^"]*"' "$T/acp.out" | head -1 | cut -d'"' -f4)
printf '{"jsonrpc":"2.0","id":3,"method":"session/prompt","params":{"sessionId":"%s","prompt":[{"type":"text","text":"hi"}]}}\n' "$sid" >&3
wait_until 20 grep -q '"id":3,' "$T/acp.out"
exec 3>&-
wait "$ACP_PID" 2>/dev/null
grep -q '"id":3,"error":{"code":-32603,"message":"cannot reach the model endpoint http://127.0.0.1:9/v1 (connection refused)' "$T/acp.out" &&
    [ "$(grep -c 'cannot reach' "$T/acp.out")" -eq 1 ] && ! grep -q 'cannot reach' "$T/acp.err"; ok $? "ACP, connection refused: the prompt's error says it, once, not on stderr"
printf '{"id":"t1","prompt":"do x"}\n' > "$T/tasks.jsonl"
(cd "$W" && LLM_BASE_URL=http://127.0.0.1:9/v1 LLM_API_KEY=k "$CADE" batch "$T/tasks.jsonl" --isolate none --report "$T/rep.json" </dev/null >/dev/null 2>"$T/b.err")
[ "$(grep -c 'cannot reach the model endpoint' "$T/b.err")" -eq 1 ] && grep -q '^batch: t1: error: the agent stopped: error: cannot reach' "$T/b.err" && ! grep -q retrying "$T/b.err"; ok $? "batch, connection refused: the task's line says why, once, no retry"

cat > "$T/script.json" <<'JSON'
{"models": ["local-model", "other-local"],
 "replies": [{"content": "Hello from the local server."}]}
JSON
start_fake "$T/script.json"
"$CADE" models > "$T/models.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '^local-model ' "$T/models.txt" && grep -q '^other-local ' "$T/models.txt" &&
    head -1 "$T/models.txt" | grep -q 'CONTEXT'; ok $? "cade models lists the endpoint's models"
# TLS to a plain HTTP server: the handshake gets no answer and times out
# (connect_timeout = 1 here): the same one line, naming TLS.
printf 'connect_timeout = 1\n' > "$T/ct.conf"
unreach "https://127.0.0.1:$FAKE_PORT/v1" "--config $T/ct.conf"
[ $rc -eq 1 ] && [ "$(wc -l < "$T/u.err")" -eq 1 ] && grep -q "https://127.0.0.1:$FAKE_PORT/v1 (TLS failed: " "$T/u.err" &&
    ! grep -q retrying "$T/u.err"; ok $? "headless, TLS failure: one line, exit 1, no retry ($(cat "$T/u.err"))"
kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=

# Listed prices at start, no /model needed.  The first run fetches the
# endpoint's list in the background (its reply comes 0.5 s late here, so the
# list is in first) and caches it; the next run reads the cache and asks
# nothing.  cost_is FILE: the finish event's cost is the listed price
# ($2/M in, $8/M out) of its tokens.
cat > "$T/priced.json" <<'JSON'
{"models": [{"id": "priced-model", "pricing": {"prompt": "0.000002", "completion": "0.000008"}}],
 "replies": [{"first_byte_delay_ms": 500, "content": "First."}, {"content": "Second."}, {"content": "Third."}]}
JSON
cost_is() {
	grep '"type":"finish"' "$1" | awk '{
		match($0, /"prompt_tokens":[0-9]+/); p = substr($0, RSTART + 16, RLENGTH - 16);
		match($0, /"completion_tokens":[0-9]+/); c = substr($0, RSTART + 20, RLENGTH - 20);
		match($0, /"cost":[0-9.e+-]+/); v = substr($0, RSTART + 7, RLENGTH - 7);
		want = (p * 2 + c * 8) / 1e6; d = v - want; if (d < 0) d = -d;
		exit !(p > 0 && v > 0 && d < 1e-9) }'
}
start_fake "$T/priced.json"
(cd "$W" && "$CADE" --json -m priced-model -p "hello" </dev/null >"$T/p1.jsonl" 2>"$T/p1.err")
cost_is "$T/p1.jsonl"; ok $? "first run, no price configured: the finish event costs the tokens at the listed price"
ls "$HOME"/.cache/cade/models/*.json >/dev/null 2>&1 && [ "$(ls "$RECORD"/models-*.meta | wc -l)" -eq 1 ]; ok $? "... the endpoint's list is cached (one fetch)"
out=$(cd "$W" && "$CADE" -v -m priced-model -p "hello" </dev/null 2>&1 >/dev/null)
line=$(echo "$out" | tail -1)
echo "$line" | awk '{ split($(NF-2), t, "+"); want = sprintf("$%.4f", (t[1] * 2 + t[2] * 8) / 1e6);
	exit !($NF == want && want != "$0.0000") }'; ok $? "next run: the final line shows the listed price cost ($line)"
[ "$(ls "$RECORD"/models-*.meta | wc -l)" -eq 1 ]; ok $? "... from the cache: no second fetch"
kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=
# The list arrives after a reply (0.3 s late, the second reply 1.5 s):
# the tokens counted meanwhile are costed when it comes.
rm -rf "$HOME/.cache/cade/models"
cat > "$T/late.json" <<'JSON'
{"models": [{"id": "priced-model", "pricing": {"prompt": "0.000002", "completion": "0.000008"}}],
 "models_delay_ms": 300,
 "replies": [{"tool_calls": [{"id": "l1", "name": "terminal", "arguments": {"command": "echo late", "security_risk": "LOW"}}]},
  {"first_byte_delay_ms": 1500, "content": "Late done."}]}
JSON
start_fake "$T/late.json"
(cd "$W" && "$CADE" --json -m priced-model -p "hello" </dev/null >"$T/p3.jsonl" 2>"$T/p3.err")
cost_is "$T/p3.jsonl" && [ "$(grep -c '"type":"usage"' "$T/p3.jsonl")" -eq 3 ]; ok $? "the list after the first reply: its tokens are costed when it comes (a usage event), the total at the listed price"
kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=

# --continue (and --resume last) pick this directory's last session, not
# the machine's.
cat > "$T/s4.json" <<'JSON'
{"replies": [{"content": "A done."}, {"content": "B done."}, {"content": "A again."}]}
JSON
start_fake "$T/s4.json"
mkdir -p "$T/dirA" "$T/dirB" "$T/dirC"
(cd "$T/dirA" && "$CADE" -p "task in dir A" </dev/null >/dev/null 2>&1)
(cd "$T/dirB" && "$CADE" -p "task in dir B" </dev/null >/dev/null 2>&1)
out=$(cd "$T/dirA" && "$CADE" -p "and more" --continue </dev/null 2>&1); rc=$?
req=$(ls "$RECORD"/req-*.json | tail -1)
[ $rc -eq 0 ] && grep -q 'task in dir A' "$req" && ! grep -q 'task in dir B' "$req"; ok $? "--continue in dir A resumes dir A's session, though dir B's is newer"
out=$(cd "$T/dirC" && "$CADE" -p "x" --resume last </dev/null 2>&1); rc=$?
[ $rc -ne 0 ] && echo "$out" | grep -q 'no session started in'; ok $? "--resume last where nothing ran: a clear error ($out)"
kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=

# cade sessions export: Markdown with the messages, the command, the
# decision, the output; a secret typed into a message is masked.
cat > "$T/s5.json" <<'JSON'
{"replies": [
 {"content": "Checking.", "tool_calls": [{"id": "e1", "name": "terminal", "arguments": {"command": "echo export-marker-$((6*7))", "security_risk": "LOW"}}]},
 {"content": "All exported."}
]}
JSON
start_fake "$T/s5.json"
(cd "$T/dirC" && "$CADE" -p "run it; the key is $LLM_API_KEY" </dev/null >/dev/null 2>&1)
"$CADE" sessions export last "$T/export.md" 2>"$T/export.err"; rc=$?
[ $rc -eq 0 ] && grep -q '^## You' "$T/export.md" && grep -q '^## cade' "$T/export.md" &&
    grep -q 'All exported.' "$T/export.md" && grep -q '^### terminal' "$T/export.md" &&
    grep -q 'echo export-marker-\$((6\*7))' "$T/export.md" && grep -q '^export-marker-42' "$T/export.md" &&
    grep -q '^Decision: \*\*allow\*\*' "$T/export.md"; ok $? "cade sessions export: messages, command, decision, output as Markdown"
! grep -q "$LLM_API_KEY" "$T/export.md" && grep -q 'secret-hidden' "$T/export.md"; ok $? "... with the key masked"
kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=
unset LLM_API_KEY LLM_BASE_URL

command -v tmux >/dev/null 2>&1 || { skip "tmux not installed"; done_testing; }
SOCK=cade-first-$$
TM() { tmux -L "$SOCK" "$@"; }
trap 'TM kill-server 2>/dev/null; cleanup' EXIT
printf 'set -g default-terminal tmux-256color\nset -g status off\n' > "$T/tmux.conf"
screen() { TM capture-pane -p "$@" -t ui; }
chattext() { screen | sed 's/│.*//' | tr -s ' \n' '  '; }

TM -f "$T/tmux.conf" new-session -d -s ui -x 120 -y 40 \
    "env PS1='sh\$ ' ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME sh"
wait_for 'sh$' 10
TM send-keys -t ui "cd $W && clear && $CADE; echo cade-rc=\$?" Enter
wait_for 'keys here'
chattext | grep -q 'no API key and no endpoint configured' && chattext | grep -q 'LLM_API_KEY' &&
    chattext | grep -q '/local looks for a local server'; ok $? "first run: the TUI says nothing is set up, before any message"

# The fake LLM on LM Studio's port stands in for a local server.
"$FAKELLM" --script "$T/script.json" --record "$T/rec" --port 1234 --port-file "$T/lport" \
    --timeout 120 >/dev/null 2>"$T/fake.err" &
FAKE_PID=$!
for i in $(seq 1 100); do [ -s "$T/lport" ] && break; kill -0 "$FAKE_PID" 2>/dev/null || break; sleep 0.1; done
if [ ! -s "$T/lport" ]; then
	skip "port 1234 is taken here: no local-server probe test"
	skip "port 1234 is taken here"
	skip "port 1234 is taken here"
	skip "port 1234 is taken here"
	skip "port 1234 is taken here"
else
	TM send-keys -t ui "/local" Enter
	wait_for 'found LM Studio'; chattext | grep -q 'found LM Studio at http://127.0.0.1:1234/v1; using it with model local-model'; ok $? "/local finds the server on :1234 and uses it"
	TM send-keys -t ui "hello there" Enter
	wait_for 'Hello from the local server.'; ok $? "... the next message goes to it"
	grep -q '"model":"local-model"' "$T"/rec/req-*.json; ok $? "... with its model"
	TM send-keys -t ui "/model" Enter
	wait_for 'other-local'; chattext | grep -q 'local-model (in use)'; ok $? "/model lists the endpoint's models"
	TM send-keys -t ui "/model no-such-model" Enter
	wait_for "no model 'no-such-model'"; ok $? "/model NAME is checked against the list"
fi
TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0'
sid=$(ls -t "$XDG_STATE_HOME/cade/sessions" | head -1)
screen | grep -q "^resume: cade --resume $sid"; ok $? "quitting prints the resume command ($sid)"

# 8 colours (TERM=xterm): grey is not drawn as bold black, which is black
# on black on many terminals; no colours (TERM=vt100): the mono theme.
# bold_black: text drawn bold black on black or the default background
# (capture-pane -e).
bold_black() {
	screen -e | awk '{
		n = split($0, part, "\033\\[");
		for (i = 1; i <= n; i++) {
			text = part[i];
			if (i > 1) {
				m = index(text, "m"); if (m == 0) continue;
				np = split(substr(text, 1, m - 1), p, ";");
				if (np == 0) { bold = 0; fg = 0; bg = 0 }
				for (j = 1; j <= np; j++) {
					v = p[j] + 0;
					if (v == 0) { bold = 0; fg = 0; bg = 0 }
					else if (v == 1) bold = 1;
					else if (v == 22) bold = 0;
					else if (v >= 30 && v <= 37) fg = v;
					else if (v == 39) fg = 0;
					else if (v >= 40 && v <= 47) bg = v;
					else if (v == 49) bg = 0;
					else if (v == 48 && p[j + 1] == 5) { bg = (p[j + 2] == 0 ? 40 : -1); j += 2 }
					else if (v == 38 && p[j + 1] == 5) { fg = (p[j + 2] == 0 ? 30 : -1); j += 2 }
				}
				text = substr(text, m + 1);
			}
			gsub(/ /, "", text);
			if (bold && fg == 30 && (bg == 0 || bg == 40) && length(text) > 0) c++;
		}
	} END { print c + 0 }'
}
TM send-keys -t ui "clear; TERM=xterm LLM_BASE_URL=http://127.0.0.1:9/v1 LLM_API_KEY=k $CADE --theme default; echo cade-rc=\$?" Enter
wait_for 'keys here'
TM send-keys -t ui "/help" Enter
wait_for 'your commands' 5 >/dev/null || wait_for 'commands'
[ "$(bold_black)" -eq 0 ]; ok $? "TERM=xterm: nothing drawn bold black ($(bold_black) runs)"
# The unreachable endpoint, in the chat: one message, once, no retries.
TM send-keys -t ui "hello" Enter
wait_for 'cannot reach the model endpoint' && wait_until 10 sh -c "tmux -L $SOCK capture-pane -p -t ui | grep -q '^ error '"
[ "$(screen | grep -c 'cannot reach the model endpoint')" -eq 1 ] && ! screen | grep -q 'retrying'; ok $? "TUI, connection refused: the message once in the chat, no retries"
TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0'
TM send-keys -t ui "clear; TERM=vt100 LLM_BASE_URL=http://127.0.0.1:9/v1 LLM_API_KEY=k $CADE; echo cade-rc=\$?" Enter
wait_for 'keys here'
screen -e | grep -qE '\[(3[0-7]|4[0-7]|9[0-7]|38;5;|48;5;)[0-9;]*m'; ok $((! $?)) "TERM=vt100: no colour escapes"
screen -e | grep -q '\[7m\|;7m'; ok $? "TERM=vt100: the mono theme (reverse video status bar)"
TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0'

# The TUI costs at the listed price from the start, without /model: the
# list is fetched in the background (no cache here) and the status bar shows
# the tokens' cost, not $?.
rm -rf "$HOME/.cache/cade/models"
start_fake "$T/priced.json"
TM send-keys -t ui "clear; cd $W && LLM_BASE_URL=$LLM_BASE_URL LLM_API_KEY=k $CADE -m priced-model; echo cade-rc=\$?" Enter
wait_for 'keys here'
TM send-keys -t ui "hello" Enter
wait_for 'First.'
status_cost() {	# the status bar shows the cost of the session's tokens at $2/$8 per M
	_ev=$(ls -t "$XDG_STATE_HOME"/cade/sessions/*/events.jsonl | head -1)
	_want=$(grep '"type":"usage"' "$_ev" | awk '{
		match($0, /"total_prompt_tokens":[0-9]+/); p = substr($0, RSTART + 22, RLENGTH - 22);
		match($0, /"total_completion_tokens":[0-9]+/); c = substr($0, RSTART + 26, RLENGTH - 26);
	} END { if (p > 0) printf "$%.4f", (p * 2 + c * 8) / 1e6 }')
	[ -n "$_want" ] && [ "$_want" != '$0.0000' ] && screen | tail -1 | grep -qF " $_want "
}
wait_until 10 status_cost; ok $? "TUI, no price configured, no /model: the status bar shows the listed price cost ($(screen | tail -1 | tr -s ' '))"
ls "$HOME"/.cache/cade/models/*.json >/dev/null 2>&1; ok $? "... and the list is cached for the next start"
TM send-keys -t ui "/quit" Enter
wait_for 'cade-rc=0'
kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=
done_testing
