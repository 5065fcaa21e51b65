#!/bin/sh
# provider-faults.sh: what a headless run does with servers that misbehave,
# through the real binary: one stderr line per retry (no -v needed), an
# overall request deadline, and absurd usage numbers clamped so that
# max_budget still trips.
. "$top_srcdir/tests/lib.sh"
setup_home
JC="$top_builddir/tests/jsoncheck"
W=$T/work; mkdir -p "$W" "$XDG_CONFIG_HOME/cade"
cd "$W"
printf 'retry_base_ms = 10\nretry_max_ms = 20\n' > "$XDG_CONFIG_HOME/cade/config"

cat > "$T/s1.json" <<'JSON'
{"replies": [{"fault": "503"}, {"content": "fine"}]}
JSON
start_fake "$T/s1.json"
out=$("$CADE" -p "question" </dev/null 2>"$T/err"); rc=$?
[ $rc -eq 0 ] && [ "$out" = fine ]; ok $? "a retried request still answers (rc=$rc)"
n=$(grep -c 'retrying in' "$T/err")
[ "$n" -eq 1 ] && [ "$(wc -l < "$T/err")" -eq 1 ]; ok $? "without -v or a TTY, one stderr line per retry ($n)"
[ "$n" -eq 1 ] || diag "$(cat "$T/err")"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null

cat > "$T/s2.json" <<'JSON'
{"replies": [{"first_byte_delay_ms": 60000}, {"first_byte_delay_ms": 60000},
 {"first_byte_delay_ms": 60000}, {"first_byte_delay_ms": 60000},
 {"first_byte_delay_ms": 60000}]}
JSON
start_fake "$T/s2.json"
printf 'retry_base_ms = 10\nretry_max_ms = 20\nfirst_byte_timeout = 2\nrequest_deadline = 3\n' > "$XDG_CONFIG_HOME/cade/config"
start=$(date +%s)
"$CADE" -p "question" </dev/null >/dev/null 2>"$T/err"; rc=$?
took=$(( $(date +%s) - start ))
[ $rc -eq 1 ] && grep -q 'no complete reply within 3 s (request_deadline)' "$T/err" && [ $took -lt 20 ]; ok $? "a silent server: the request deadline ends the run and says so (rc=$rc, ${took}s)"
[ $rc -eq 1 ] || diag "$(cat "$T/err")"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null

# Usage numbers no request can have: clamped, flagged, and counted.
cat > "$T/s3.json" <<'JSON'
{"replies": [
 {"raw": "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"think\",\"arguments\":\"{\\\"thought\\\":\\\"x\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":1e300,\"completion_tokens\":12345678901234567890123456789012345678901234}}\n\ndata: [DONE]\n\n"},
 {"content": "done"}]}
JSON
start_fake "$T/s3.json"
printf 'price_input = 1\nprice_output = 1\n' > "$XDG_CONFIG_HOME/cade/config"
"$CADE" -p "question" --json --max-budget 1 </dev/null >"$T/out.jsonl" 2>"$T/err"; rc=$?
[ $rc -eq 3 ] && grep -q '"status":"budget"' "$T/out.jsonl"; ok $? "absurd usage counts: max_budget trips (rc=$rc)"
grep '"type":"usage"' "$T/out.jsonl" | grep -q '"implausible":true'; ok $? "absurd usage: the usage event is flagged implausible"
! grep '"type":"usage"' "$T/out.jsonl" | grep -q '"cost":-'; ok $? "absurd usage: no negative cost"
done_testing
