#!/bin/sh
# acp.sh: cade acp driven by the official ACP TypeScript client
# (@agentclientprotocol/sdk 2.4.0, tests/acp-client.mjs) against the fake LLM:
# initialize, sessions, edits and commands, permissions checked on disk,
# cancel, load, stop reasons, image blocks, two sessions at once, malformed
# input, and the same decisions in the store as headless mode.  Skips when node or the
# package is missing (CI installs both: .ci/run).
. "$top_srcdir/tests/lib.sh"
setup_home
CLIENT="$top_srcdir/tests/acp-client.mjs"
: "${ACP_SDK:=$top_builddir/tests/node/node_modules/@agentclientprotocol/sdk}"
export ACP_SDK CADE
if ! command -v node >/dev/null 2>&1; then
	skip "node is not installed"; done_testing
fi
if [ ! -f "$ACP_SDK/package.json" ] ||
    ! grep -q '"version": "2.4.0"' "$ACP_SDK/package.json"; then
	skip "@agentclientprotocol/sdk 2.4.0 is not installed in $ACP_SDK"; done_testing
fi

# run_client SCENARIO WORKDIR [cade flags]: PASS/FAIL lines become TAP.
run_client() {
	# A scenario that hangs is cut off (and fails) rather than stalling the suite.
	timeout 300 node "$CLIENT" "$@" >"$T/client.out" 2>"$T/client.err"
	_rc=$?
	while IFS= read -r _l; do
		case $_l in
		PASS\ *) ok 0 "${_l#PASS }" ;;
		FAIL\ *) ok 1 "${_l#FAIL }" ;;
		VAR\ *) _v=${_l#VAR }; eval "VAR_${_v%%=*}=\${_v#*=}" ;;
		esac
	done <"$T/client.out"
	if [ $_rc -ne 0 ]; then
		diag "client exit $_rc"; diag "$(tail -5 "$T/client.err")"
	fi
	grep -q '^PASS\|^FAIL' "$T/client.out" || ok 1 "$1: the client reported nothing"
}

stop_fake() { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=; }

W=$T/work; mkdir -p "$W"

diag "node $(node --version), client library in $ACP_SDK"

# --- initialize, new session, a prompt that edits and runs a command ------
cat > "$T/basic.json" <<'JSON'
{"replies": [
 {"reasoning": "thinking about it", "tool_calls": [
  {"id": "call_plan", "name": "task_tracker", "arguments": {"command": "plan", "task_list": [{"title": "write hello.txt", "status": "done"}, {"title": "show it", "status": "todo"}]}},
  {"id": "call_edit", "name": "file_editor", "arguments": {"command": "create", "path": "hello.txt", "file_text": "hello from cade\n", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "call_patch", "name": "apply_patch", "arguments": {"input": "*** Begin Patch\n*** Update File: hello.txt\n@@\n-hello from cade\n+hello from ACP\n*** End Patch\n", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "call_cat", "name": "terminal", "arguments": {"command": "cat hello.txt", "security_risk": "LOW"}}]},
 {"content": "All done."}
]}
JSON
start_fake "$T/basic.json"
RECORD=$RECORD run_client basic "$W"
stop_fake

# --- session/load replays that session, and it takes a prompt -----------
cat > "$T/load.json" <<'JSON'
{"replies": [{"content": "Again: done."}, {"fault": "401"}]}
JSON
start_fake "$T/load.json"
if [ -n "${VAR_session:-}" ]; then
	SESSION=$VAR_session RECORD=$RECORD run_client load "$W"
else
	skip "session/load: no session from the first scenario"
fi
stop_fake

# --- permissions: allow_once, reject_once, a client error, a deny rule ----
P=$T/perm; mkdir -p "$P"; : > "$P/one.txt"; : > "$P/two.txt"; : > "$P/three.txt"; : > "$P/four.txt"
mkdir -p "$XDG_CONFIG_HOME/cade"
printf 'deny-prefix: rm forbidden.txt\n' > "$XDG_CONFIG_HOME/cade/policy"
cat > "$T/perm.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "call_rm1", "name": "terminal", "arguments": {"command": "rm one.txt", "security_risk": "MEDIUM"}}]},
 {"content": "Removed."},
 {"tool_calls": [{"id": "call_rm2", "name": "terminal", "arguments": {"command": "rm two.txt", "security_risk": "MEDIUM"}}]},
 {"match": "the person rejected this action", "content": "Understood, left it."},
 {"tool_calls": [{"id": "call_rm3", "name": "terminal", "arguments": {"command": "rm three.txt", "security_risk": "MEDIUM"}},
                 {"id": "call_deny", "name": "terminal", "arguments": {"command": "rm forbidden.txt", "security_risk": "LOW"}}]},
 {"content": "Could not."},
 {"tool_calls": [{"id": "call_push1", "name": "terminal", "arguments": {"command": "git push origin main", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "call_push2", "name": "terminal", "arguments": {"command": "git push origin main", "security_risk": "LOW"}}]},
 {"content": "Pushed twice."},
 {"tool_calls": [{"id": "call_push3", "name": "terminal", "arguments": {"command": "git push origin release", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "call_push4", "name": "terminal", "arguments": {"command": "git push origin release", "security_risk": "LOW"}}]},
 {"content": "Not pushed."},
 {"tool_calls": [{"id": "call_rm4", "name": "terminal", "arguments": {"command": "rm four.txt", "security_risk": "MEDIUM"}}]},
 {"match": "the request was cancelled", "content": "Left four.txt."}
]}
JSON
start_fake "$T/perm.json"
RECORD=$RECORD run_client permission "$P"
rm -f "$XDG_CONFIG_HOME/cade/policy"
stop_fake

# --- session/cancel in the middle of a command -----------------------------
C=$T/cancel; mkdir -p "$C"; : > "$C/keep.txt"
cat > "$T/cancel.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "call_sleep", "name": "terminal", "arguments": {"command": "cat token.txt; echo live-1; sleep 60; touch late.txt", "security_risk": "LOW"}}]},
 {"content": "Yes."},
 {"tool_calls": [{"id": "call_k1", "name": "terminal", "arguments": {"command": "rm keep.txt", "security_risk": "MEDIUM"}}]},
 {"tool_calls": [{"id": "call_k2", "name": "terminal", "arguments": {"command": "rm keep.txt", "security_risk": "MEDIUM"}}]},
 {"content": "Removed."}
]}
JSON
start_fake "$T/cancel.json"
# A secret (by the *_TOKEN rule) that a command prints: masked for the client.
echo tok-acp-0123456789 > "$C/token.txt"
ACP_TEST_TOKEN=tok-acp-0123456789 run_client cancel "$C"
stop_fake

# --- stop reasons and slash commands --------------------------------------
S=$T/stops; mkdir -p "$S"
cat > "$T/stops.json" <<'JSON'
{"replies": [
 {"content": "I cannot help with that.", "finish_reason": "content_filter"},
 {"content": "aaaa", "finish_reason": "length"},
 {"content": "bbbb", "finish_reason": "length"},
 {"content": "cccc", "finish_reason": "length"},
 {"tool_calls": [{"id": "call_t1", "name": "think", "arguments": {"thought": "hmm"}}]},
 {"tool_calls": [{"id": "call_t2", "name": "think", "arguments": {"thought": "hmm?"}}]},
 {"tool_calls": [{"id": "call_t3", "name": "think", "arguments": {"thought": "hmm!"}}]},
 {"content": "Fresh budget."}
]}
JSON
start_fake "$T/stops.json"
run_client stops "$S"
stop_fake

# --- image blocks: to the model as content parts, or refused in one line ------
I=$T/images; mkdir -p "$I"
cat > "$T/images.json" <<'JSON'
{"models": [
  {"id": "vision-model", "architecture": {"input_modalities": ["text", "image"]}},
  {"id": "text-model", "architecture": {"input_modalities": ["text"]}}],
 "replies": [{"content": "Saw them."}, {"content": "No image."}, {"content": "Text only."}]}
JSON
start_fake "$T/images.json"
RECORD=$RECORD run_client images "$I" -m vision-model
SESSION=$VAR_imgsession run_client imagesload "$I"
RECORD=$RECORD run_client imagesno "$I" -m text-model
printf 'images = off\n' > "$T/images-off.conf"
run_client imagesoff "$I" --config "$T/images-off.conf"
stop_fake

# --- two sessions in one process --------------------------------------------
M=$T/multi; mkdir -p "$M/a" "$M/b"
# Each session's second request (it carries its call's result) is
# answered by the side reply: on a loaded machine one session may ask
# twice before the other asked once, and must not take its command.
cat > "$T/multi.json" <<'JSON'
{"side_replies": [{"on_match": "call_h", "content": "Here."}],
 "replies": [
 {"tool_calls": [{"id": "call_h1", "name": "terminal", "arguments": {"command": "touch here.txt", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "call_h2", "name": "terminal", "arguments": {"command": "touch here.txt", "security_risk": "LOW"}}]}
]}
JSON
start_fake "$T/multi.json"
run_client multi "$M"
stop_fake

# --- an MCP server the client names --------------------------------------------
Q=$T/mcp; mkdir -p "$Q"
cat > "$T/mcp.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "call_m1", "name": "mcp__t__echo", "arguments": {"text": "hi from mcp"}}]},
 {"match": "hi from mcp", "content": "Echoed."}
]}
JSON
start_fake "$T/mcp.json"
MCPSRV=$top_builddir/tests/mcp_testserver run_client mcp "$Q"
stop_fake

# --- malformed input, straight JSON lines ----------------------------------
R=$T/raw; mkdir -p "$R"
cat > "$T/raw.json" <<'JSON'
{"replies": [{"content": "slow answer", "first_byte_delay_ms": 3000}]}
JSON
start_fake "$T/raw.json"
cd "$R"
{
	printf '{"jsonrpc":"2.0","id":1,"method":"session/new","params":{"cwd":"/tmp","mcpServers":[]}}\n'
	printf 'this is not json\n'
	printf '[{"jsonrpc":"2.0","id":2,"method":"initialize"}]\n'
	printf '{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":1}}\n'
	printf '{"jsonrpc":"2.0","id":4,"method":"no/such/method","params":{}}\n'
	printf '{"jsonrpc":"2.0","id":5,"method":"session/new","params":{"cwd":"relative"}}\n'
	printf '{"jsonrpc":"2.0","id":6,"method":"session/prompt","params":{"sessionId":"nope","prompt":[{"type":"text","text":"x"}]}}\n'
	printf '{"jsonrpc":"2.0","id":7,"method":"session/new","params":{"cwd":"%s","mcpServers":[{"name":"kept","command":"/bin/true","args":[],"env":[]}]}}\n' "$R"
	printf '{"jsonrpc":"1.0","id":8,"method":"initialize","params":{}}\n'
	printf '{"jsonrpc":"2.0","method":"no/such/notification","params":{}}\n'
	printf '{"jsonrpc":"2.0","id":99,"result":{}}\n'
} > "$T/raw.in"
# A fifo keeps stdin open while the prompts are in flight.
mkfifo "$T/raw.fifo"
"$CADE" acp <"$T/raw.fifo" >"$T/raw.out" 2>"$T/raw.err" &
acp_pid=$!
exec 7>"$T/raw.fifo"
cat "$T/raw.in" >&7
wait_line() {	# wait_line PATTERN: up to 60 s for a line in raw.out
	for _i in $(seq 1 600); do grep -q "$1" "$T/raw.out" && return 0; sleep 0.1; done
	return 1
}
wait_line '"id":7,"result"'; ok $? "a session opens after the bad lines (mcpServers accepted)"
sid=$(sed -n 's/.*"id":7,"result":{"sessionId":"\([^"]*\)".*/\1/p' "$T/raw.out")
printf '{"jsonrpc":"2.0","id":10,"method":"session/prompt","params":{"sessionId":"%s","prompt":[{"type":"text","text":"slowly"}]}}\n' "$sid" >&7
printf '{"jsonrpc":"2.0","id":11,"method":"session/prompt","params":{"sessionId":"%s","prompt":[{"type":"text","text":"again"}]}}\n' "$sid" >&7
wait_line '"id":11,"error"'; ok $? "a prompt while one runs is refused"
wait_line '"id":10,"result":{"stopReason":"end_turn"}'; ok $? "the first prompt still ends"
exec 7>&-
for _i in $(seq 1 600); do kill -0 $acp_pid 2>/dev/null || break; sleep 0.1; done
wait $acp_pid; rc=$?
ok $rc "EOF on stdin: cade acp exits 0 (rc=$rc)"
errcode() { sed -n "s/.*\"id\":$1,\"error\":{\"code\":\\(-[0-9]*\\).*/\\1/p" "$T/raw.out"; }
[ "$(errcode 1)" = -32600 ]; ok $? "a request before initialize: -32600 ($(errcode 1))"
grep -q '"id":null,"error":{"code":-32700' "$T/raw.out"; ok $? "a line that is not JSON: parse error with a null id"
[ "$(grep -c '"id":null,"error":{"code":-32600' "$T/raw.out")" -ge 1 ]; ok $? "a batch: invalid request"
grep -q '"id":3,"result":{"protocolVersion":1' "$T/raw.out"; ok $? "initialize answers after the errors"
[ "$(errcode 4)" = -32601 ]; ok $? "an unknown method: -32601"
[ "$(errcode 5)" = -32602 ]; ok $? "a relative cwd: -32602"
[ "$(errcode 6)" = -32002 ]; ok $? "an unknown session: -32002"
[ "$(errcode 8)" = -32600 ]; ok $? "jsonrpc 1.0: -32600"
[ "$(errcode 11)" = -32600 ]; ok $? "the second prompt: -32600"
nl=$(wc -l <"$T/raw.out")
bad=$(grep -cv '^{"jsonrpc":"2.0",' "$T/raw.out")
[ "$bad" -eq 0 ] && [ "$nl" -ge 12 ]; ok $? "stdout holds only JSON-RPC lines ($nl lines, $bad others)"
! grep -q '"id":99' "$T/raw.out"; ok $? "a stray response and an unknown notification get no answer"
[ -s "$XDG_STATE_HOME/cade/sessions/$sid/events.jsonl" ] &&
    grep -q '"type":"finish"' "$XDG_STATE_HOME/cade/sessions/$sid/events.jsonl"; ok $? "the session is stored"
cd "$T"
stop_fake

# --- the same decisions as headless mode ------------------------------------
cat > "$T/equiv.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "call_e1", "name": "file_editor", "arguments": {"command": "create", "path": "eq.txt", "file_text": "x\n", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "call_e2", "name": "terminal", "arguments": {"command": "rm eq.txt", "security_risk": "MEDIUM"}}]},
 {"tool_calls": [{"id": "call_e3", "name": "finish", "arguments": {"message": "Made and removed eq.txt."}}]}
]}
JSON
TASK="make eq.txt, then remove it"
E1=$T/eq1; E2=$T/eq2; mkdir -p "$E1" "$E2"
start_fake "$T/equiv.json"
(cd "$E1" && "$CADE" -p "$TASK" --json --yes </dev/null >"$T/eq.jsonl" 2>"$T/eq.err"); rc=$?
ok $rc "headless run of the task (rc=$rc)"
hs=$(sed -n 's/.*"type":"session_start","id":"\([^"]*\)".*/\1/p' "$T/eq.jsonl" | head -1)
stop_fake
start_fake "$T/equiv.json"
HEADLESS_SESSION=$hs TASK=$TASK run_client equiv "$E2"
stop_fake
[ ! -e "$E1/eq.txt" ] && [ ! -e "$E2/eq.txt" ]; ok $? "both runs removed eq.txt"

done_testing
