#!/bin/sh
# mcp.sh: cade with real MCP servers from the npm registry, against the fake
# LLM: @modelcontextprotocol/server-everything (stdio and streamable HTTP)
# and @modelcontextprotocol/server-filesystem.  CI installs them (.ci/run)
# and points CADE_NODE_MODULES at them; elsewhere the test skips without them.
. "$top_srcdir/tests/lib.sh"
setup_home
NM=${CADE_NODE_MODULES:-$top_builddir/tests/node_modules}
EV=$NM/.bin/mcp-server-everything
FS=$NM/.bin/mcp-server-filesystem
if [ ! -x "$EV" ] || [ ! -x "$FS" ] || ! command -v node >/dev/null 2>&1; then
	if [ "${CI:-}" = true ] && [ -n "${CADE_NODE_MODULES:-}" ]; then
		ok 1 "the npm MCP servers are installed in CADE_NODE_MODULES (.ci/node-setup.sh)"
	else
		skip "npm MCP servers not installed (set CADE_NODE_MODULES)"
	fi
	done_testing
fi
W=$T/work; mkdir -p "$W" "$XDG_CONFIG_HOME/cade"
echo "hello from the workspace" > "$W/notes.txt"
cat > "$XDG_CONFIG_HOME/cade/mcp.json" <<EOF
{"mcpServers": {
 "everything": {"command": "$EV"},
 "fs": {"command": "$FS", "args": ["$W"]}
}}
EOF
cd "$W"
# wait_for FILE PATTERN SECONDS: until grep finds it (0) or the time is up (1).
wait_for() {
	_end=$(( $(date +%s) + $3 ))
	while [ "$(date +%s)" -le "$_end" ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# cade mcp list: both servers ready, their tools named mcp__<server>__<tool>.
"$CADE" mcp list >"$T/list" 2>"$T/err"; rc=$?
ok $rc "cade mcp list exits 0"
grep -q '^everything *ready *stdio *2025-' "$T/list" &&
	grep -q '^fs *ready *stdio' "$T/list"; ok $? "both servers ready, with the protocol version"
grep -q 'mcp__everything__echo (read-only)' "$T/list" &&
	grep -q 'mcp__fs__write_file$' "$T/list"; ok $? "tools listed with their read-only hint"
grep -q 'mcp__everything__get-roots-list' "$T/list"; ok $? "tools the server adds after initialisation are offered"
[ ! -s "$T/err" ]; ok $? "servers' stderr is not shown"

# A task that uses MCP tools; the policy asks about the one that is not read-only.
cat > "$T/s1.json" <<EOF
{"replies": [
 {"match": ["mcp__everything__echo", "mcp__fs__read_text_file"],
  "tool_calls": [{"id": "m1", "name": "mcp__everything__echo", "arguments": {"message": "marker-echo-1"}}]},
 {"match": "Echo: marker-echo-1",
  "tool_calls": [{"id": "m2", "name": "mcp__fs__read_text_file", "arguments": {"path": "$W/notes.txt"}}]},
 {"match": "hello from the workspace",
  "tool_calls": [{"id": "m3", "name": "mcp__everything__get-env", "arguments": {}}]},
 {"tool_calls": [{"id": "m4", "name": "mcp__everything__toggle-simulated-logging", "arguments": {}}]},
 {"match": "refused", "content": "All done."}
]}
EOF
start_fake "$T/s1.json"
CADE_LOG=$T/debug.log "$CADE" -p "use the tools" --json </dev/null >"$T/out.jsonl" 2>"$T/err"; rc=$?
ok $rc "headless task with MCP tools exits 0 (rc=$rc)"
[ $rc -eq 0 ] || diag "$(tail -3 "$T/err") $(cat "$T/fake.err")"
grep -q 'Echo: marker-echo-1' "$RECORD/req-0002.json"; ok $? "an MCP tool's result reaches the next request"
grep -q 'hello from the workspace' "$RECORD/req-0003.json"; ok $? "server-filesystem read the workspace file"
grep '"call_id":"m4"' "$T/out.jsonl" | grep -q '"decision":"deny"'; ok $? "a tool not marked read-only is asked about (refused headless)"
grep '"call_id":"m1"' "$T/out.jsonl" | grep '"type":"policy_decision"' | grep -q '"risk":"LOW"'; ok $? "a read-only tool is LOW"
! grep -q 'sk-test-secret-key-0123' "$RECORD"/req-*.json; ok $? "get-env does not hand cade's API key to the model"
grep -q 'notifications/tools/list_changed' "$T/debug.log"; ok $? "the server's list_changed arrived"
awk '/notifications\/tools\/list_changed/ { c = 1 } c && /<- .*tools\/list/ { f = 1 } END { exit !f }' "$T/debug.log"
ok $? "and cade listed the tools again"
# The audit and the export describe MCP calls as their entries did.
"$CADE" sessions --audit last >"$T/audit" 2>&1
grep '^[^ ]* *m1 *mcp__' "$T/audit" | grep -qF '{"message":"marker-echo-1"}'
ok $? "the audit shows an MCP call's summary"
"$CADE" sessions export last "$T/export.md" >/dev/null 2>&1 &&
	grep -A4 '^### mcp__everything__echo' "$T/export.md" | grep -q '"message":.*"marker-echo-1"'
ok $? "the export shows an MCP call's arguments"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null

# A rule allows the tool.
printf 'allow: mcp:everything:toggle-simulated-logging\n' > "$XDG_CONFIG_HOME/cade/policy"
cat > "$T/s2.json" <<'EOF'
{"replies": [
 {"tool_calls": [{"id": "a1", "name": "mcp__everything__toggle-simulated-logging", "arguments": {}}]},
 {"match": "Started simulated", "content": "ok"}
]}
EOF
start_fake "$T/s2.json"
"$CADE" -p "toggle" --json </dev/null >"$T/out2.jsonl" 2>"$T/err"; rc=$?
grep '"call_id":"a1"' "$T/out2.jsonl" | grep '"type":"policy_decision"' | grep -q '"decision":"allow"' && [ $rc -eq 0 ]
ok $? "allow: mcp:everything:<tool> lets it run without asking"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null
printf 'deny: mcp:everything:*\n' > "$XDG_CONFIG_HOME/cade/policy"
start_fake "$T/s2.json"
"$CADE" -p "toggle" --json --yes </dev/null >"$T/out3.jsonl" 2>"$T/err"
grep '"call_id":"a1"' "$T/out3.jsonl" | grep '"type":"policy_decision"' | grep -q '"decision":"deny"'
ok $? "deny: mcp:everything:* holds even with --yes"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null
rm -f "$XDG_CONFIG_HOME/cade/policy"

# Ctrl-C cancels a long-running MCP tool.
cat > "$T/s3.json" <<'EOF'
{"replies": [
 {"tool_calls": [{"id": "l1", "name": "mcp__everything__trigger-long-running-operation", "arguments": {"duration": 60, "steps": 60}}]}
]}
EOF
start_fake "$T/s3.json"
"$CADE" -p "long" --json </dev/null >"$T/out4.jsonl" 2>"$T/err" &
pid=$!
wait_for "$T/out4.jsonl" '"type":"tool_running"' 30; ok $? "the long-running tool started"
t0=$(date +%s)
kill -INT $pid; wait $pid; rc=$?
[ $rc -eq 130 ] && [ $(( $(date +%s) - t0 )) -lt 15 ]; ok $? "SIGINT stops it promptly (rc=$rc)"
grep '"call_id":"l1"' "$T/out4.jsonl" | grep '"type":"observation"' | grep -q 'cancelled'; ok $? "the call is recorded as cancelled"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null

# The server is killed mid-call: a clear error, the server disabled, cade goes on.
cat > "$T/s4.json" <<'EOF'
{"replies": [
 {"tool_calls": [{"id": "k1", "name": "mcp__everything__trigger-long-running-operation", "arguments": {"duration": 60, "steps": 60}}]},
 {"match": "is disabled", "content": "The server went away."}
]}
EOF
start_fake "$T/s4.json"
"$CADE" -p "long" --json </dev/null >"$T/out5.jsonl" 2>"$T/err" &
pid=$!
wait_for "$T/out5.jsonl" '"type":"tool_running"' 30
pkill -TERM -f "$NM/.bin/mcp-server-everything" 2>/dev/null || pkill -TERM -f 'server-everything'
wait $pid; rc=$?
ok $rc "killing the server mid-call does not stop cade (rc=$rc)"
grep -q "mcp: server 'everything' .*disabled for this session" "$T/err"; ok $? "one line on stderr says the server is disabled"
grep '"call_id":"k1"' "$T/out5.jsonl" | grep '"type":"observation"' | grep -q '"error":true'; ok $? "the call fails with that reason"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null

# Streamable HTTP: the same server over HTTP on loopback.
port=$(( 20000 + $$ % 20000 ))
PORT=$port node "$EV" streamableHttp >"$T/http.log" 2>&1 &
hpid=$!
wait_for "$T/http.log" 'listening on port' 30; ok $? "server-everything listens over HTTP"
cat > "$XDG_CONFIG_HOME/cade/mcp.json" <<EOF
{"mcpServers": {"web": {"url": "http://127.0.0.1:$port/mcp"}}}
EOF
"$CADE" mcp list >"$T/list2" 2>"$T/err"
grep -q '^web *ready *http *2025-' "$T/list2" && grep -q 'mcp__web__echo' "$T/list2"; ok $? "cade mcp list over streamable HTTP"
[ $? -eq 0 ] || diag "$(cat "$T/list2" "$T/err")"
cat > "$T/s5.json" <<'EOF'
{"replies": [
 {"tool_calls": [{"id": "h1", "name": "mcp__web__echo", "arguments": {"message": "over-http-7"}}]},
 {"match": "Echo: over-http-7", "content": "ok"}
]}
EOF
start_fake "$T/s5.json"
"$CADE" -p "echo" </dev/null >"$T/out6" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && [ "$(cat "$T/out6")" = ok ]; ok $? "a tool call over streamable HTTP reaches the next request"
kill $hpid 2>/dev/null; wait $hpid 2>/dev/null
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null

# cade mcp add writes the user file (0600) and keeps other entries.
"$CADE" mcp add other -- "$EV" stdio >/dev/null; ok $? "cade mcp add"
grep -q '"web"' "$XDG_CONFIG_HOME/cade/mcp.json" && grep -q '"other"' "$XDG_CONFIG_HOME/cade/mcp.json" &&
	[ "$(stat -c %a "$XDG_CONFIG_HOME/cade/mcp.json")" = 600 ]; ok $? "it keeps the other servers, mode 0600"
"$CADE" mcp add "bad name" -- x >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "a bad name is a usage error"
done_testing
