#!/bin/sh
# headless-edge.sh: the hard cases of a headless run: a command past its
# timeout interrupted with C-c, unbounded output, a path escape, stuck
# detection, kill -9 then --resume, and policy without a person.
. "$top_srcdir/tests/lib.sh"
setup_home
JC="$top_builddir/tests/jsoncheck"
W=$T/work; mkdir -p "$W"; cd "$W"

run_fake() {	# run_fake NAME: (re)start the fake with $T/NAME.json
	[ -n "${FAKE_PID:-}" ] && { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; }
	rm -f "$T/port"; start_fake "$T/$1.json"
}
obs() {	# obs CALL_ID: the observation event of that call
	grep "\"call_id\":\"$1\"" "$T/out.jsonl" | grep '"type":"observation"'
}

# 1. timeout, then C-c through is_input; the shell stays usable.
cat > "$T/t1.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "s1", "name": "terminal", "arguments": {"command": "sleep 100", "timeout": 1, "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "s2", "name": "terminal", "arguments": {"command": "C-c", "is_input": true, "timeout": 5, "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "s3", "name": "terminal", "arguments": {"command": "echo alive-$((40+2))", "security_risk": "LOW"}}]},
 {"content": "done"}
]}
JSON
run_fake t1
t0=$(date +%s)
"$CADE" -p "sleep" --json </dev/null >"$T/out.jsonl" 2>"$T/err"; rc=$?
ok $rc "timeout scenario exits 0"
obs s1 | grep -q '"timed_out":true'; ok $? "command past its timeout reported as still running"
obs s2 | grep -q '"exit_code":130'; ok $? "C-c interrupted it (exit 130)"
obs s3 | grep -q 'alive-42'; ok $? "the shell is usable afterwards"
[ $(( $(date +%s) - t0 )) -lt 30 ]; ok $? "nothing waited for the 100 s sleep"

# 1a. SIGINT in the middle of a command: exit 130, the run still ends with finish.
cat > "$T/t1a.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "i1", "name": "terminal", "arguments": {"command": "sleep 60", "timeout": 120, "security_risk": "LOW"}}]},
 {"content": "not reached"}
]}
JSON
run_fake t1a
"$CADE" -p "wait" --json </dev/null >"$T/out.jsonl" 2>"$T/err" &
pid=$!
for i in $(seq 1 600); do grep -q '"type":"tool_running"' "$T/out.jsonl" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
kill -INT $pid; wait $pid; rc=$?
ok $([ $rc -eq 130 ] && echo 0 || echo 1) "SIGINT exits 130 (rc=$rc)"
obs i1 | grep -q '"exit_code":130'; ok $? "the command was interrupted, its observation recorded"
tail -1 "$T/out.jsonl" | grep -q '"type":"finish".*"status":"cancelled"'; ok $? "the run ends with a finish event"

# 1b. A nested shell or `exec bash` keeps command boundaries; `exit` gets a new shell.
cat > "$T/t1b.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "e1", "name": "terminal", "arguments": {"command": "exec bash", "timeout": 10, "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "e2", "name": "terminal", "arguments": {"command": "echo after-exec-$((2+3))", "timeout": 10, "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "e3", "name": "terminal", "arguments": {"command": "exit", "timeout": 10, "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "e4", "name": "terminal", "arguments": {"command": "echo new-shell-$((3+4))", "timeout": 10, "security_risk": "LOW"}}]},
 {"content": "done"}
]}
JSON
run_fake t1b
t0=$(date +%s)
"$CADE" -p "exec" --json </dev/null >"$T/out.jsonl" 2>"$T/err"; rc=$?
ok $rc "exec bash scenario exits 0"
obs e2 | grep -q 'after-exec-5'; ok $? "commands after exec bash still complete"
[ $(( $(date +%s) - t0 )) -lt 15 ]; ok $? "nothing waited for a timeout"
obs e4 | grep -q 'new-shell-7'; ok $? "after exit a new shell takes the next command"

# 2. Unbounded output is capped, and cade's memory stays small.
cat > "$T/t2.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "y1", "name": "terminal", "arguments": {"command": "yes | head -c 50000000; echo; echo tail-marker", "timeout": 300, "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "y2", "name": "terminal", "arguments": {"command": "head -c 300000 /dev/urandom", "security_risk": "LOW"}}]},
 {"content": "ok"}
]}
JSON
run_fake t2
"$CADE" -p "flood" --json </dev/null >"$T/out.jsonl" 2>"$T/err"; rc=$?
ok $rc "flood scenario exits 0"
obs y1 | grep -q '"truncated":true'; ok $? "50 MB of output marked truncated"
len=$(obs y1 | wc -c); [ "$len" -lt 100000 ]; ok $? "observation stays small ($len bytes)"
obs y1 | grep -q 'tail-marker'; ok $? "the tail of the output is kept"
obs y2 >/dev/null; ok $? "binary output recorded"
"$JC" lines "$T/out.jsonl" >/dev/null; ok $? "binary output still yields valid JSON lines"
size=$(wc -c < "$RECORD/req-0003.json"); [ "$size" -lt 200000 ]; ok $? "next request stays bounded ($size bytes)"

# 3. Paths outside the workspace are refused.
mkdir -p "$T/outside"; echo secret > "$T/outside/f"
cat > "$T/t3.json" <<JSON
{"replies": [
 {"tool_calls": [{"id": "p1", "name": "file_editor", "arguments": {"command": "view", "path": "../outside/f", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "p2", "name": "file_editor", "arguments": {"command": "create", "path": "$T/outside/new", "file_text": "x", "security_risk": "LOW"}}]},
 {"content": "ok"}
]}
JSON
ln -s "$T/outside" "$W/link"
run_fake t3
"$CADE" -p "escape" --json </dev/null >"$T/out.jsonl" 2>"$T/err"
obs p1 | grep -q '"error":true'; ok $? "view of ../outside refused"
! obs p1 | grep -q '"text":"secret'; ok $? "and its content not shown"
[ ! -e "$T/outside/new" ]; ok $? "create outside the workspace did not happen"

# 3b. A FIFO in the workspace must not hang a file read; invalid UTF-8 in the
# prompt and from the model is replaced, so every line stays valid UTF-8 JSON.
mkfifo "$W/pipe"
printf '{"replies": [\n {"tool_calls": [{"id": "f1", "name": "file_editor", "arguments": {"command": "view", "path": "pipe", "security_risk": "LOW"}}]},\n {"raw": "data: {\\"choices\\":[{\\"index\\":0,\\"delta\\":{\\"content\\":\\"bad \377\376 bytes\\"}}]}\\n\\ndata: [DONE]\\n\\n"}\n]}\n' > "$T/t3b.json"
run_fake t3b
timeout 60 "$CADE" -p "$(printf 'look \377 here')" --json </dev/null >"$T/out.jsonl" 2>"$T/err"; rc=$?
ok $rc "FIFO + invalid UTF-8 run exits 0 (rc=$rc)"
obs f1 | grep -q 'not a regular file'; ok $? "viewing a FIFO is refused, not hung"
grep -q "$(printf 'bad \357\277\275\357\277\275 bytes')" "$T/out.jsonl"; ok $? "the model's bad bytes arrived as U+FFFD"
iconv -f UTF-8 -t UTF-8 "$T/out.jsonl" >/dev/null 2>&1; ok $? "--json output is valid UTF-8"
iconv -f UTF-8 -t UTF-8 "$RECORD/req-0002.json" >/dev/null 2>&1; ok $? "the next request is valid UTF-8"
rm -f "$W/pipe"

# 4. Stuck detection: the same action with the same result three times.
cat > "$T/t4.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "k1", "name": "terminal", "arguments": {"command": "echo same", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "k2", "name": "terminal", "arguments": {"command": "echo same", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "k3", "name": "terminal", "arguments": {"command": "echo same", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "k4", "name": "terminal", "arguments": {"command": "echo same", "security_risk": "LOW"}}]}
]}
JSON
run_fake t4
"$CADE" -p "loop" --json </dev/null >"$T/out.jsonl" 2>"$T/err"; rc=$?
ok $([ $rc -eq 4 ] && echo 0 || echo 1) "stuck run exits 4 (rc=$rc)"
grep '"type":"finish"' "$T/out.jsonl" | grep -q '"status":"stuck"'; ok $? "finish says stuck"
[ "$(ls "$RECORD"/req-*.json | wc -l)" -eq 3 ]; ok $? "no fourth request was spent"

# 5. Step limit.
run_fake t4
"$CADE" -p "loop" --max-steps 2 </dev/null >/dev/null 2>&1; rc=$?
ok $([ $rc -eq 3 ] && echo 0 || echo 1) "step limit exits 3 (rc=$rc)"

# 5b. Budget: prices in config, a tiny budget, the run stops with exit 3.
mkdir -p "$XDG_CONFIG_HOME/cade"
printf 'model.pricey.price_input = 1000\nmodel.pricey.price_output = 1000\n' > "$XDG_CONFIG_HOME/cade/config"
run_fake t4
"$CADE" -p "loop" -m pricey --max-budget 0.01 --json </dev/null >"$T/out.jsonl" 2>&1; rc=$?
ok $([ $rc -eq 3 ] && echo 0 || echo 1) "budget reached exits 3 (rc=$rc)"
grep '"type":"finish"' "$T/out.jsonl" | grep -q '"status":"budget"'; ok $? "finish says budget"
grep '"type":"usage"' "$T/out.jsonl" | head -1 | grep -q '"cost":[1-9]'; ok $? "usage events carry a cost from the configured prices"
rm -f "$XDG_CONFIG_HOME/cade/config"

# 5c. The endpoint fails: one clear line on stderr, exit 1, nothing on stdout.
printf 'retry_max = 2\nretry_base_ms = 10\nretry_max_ms = 20\n' > "$XDG_CONFIG_HOME/cade/config"
LLM_BASE_URL=http://127.0.0.1:1/v1 "$CADE" -p "x" </dev/null >"$T/out" 2>"$T/err"; rc=$?
ok $([ $rc -eq 1 ] && echo 0 || echo 1) "unreachable endpoint exits 1 (rc=$rc)"
# Never reached: no retry, one line.
[ ! -s "$T/out" ] && [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q '^cade: cannot reach the model endpoint' "$T/err" &&
	! grep -q 'retrying in' "$T/err"; ok $? "one error line on stderr, no retry: $(cat "$T/err")"
# A transient failure (HTTP 500): one line per retry (retry_max 2: one
# retry), then the error.
cat > "$T/t500.json" <<'JSON'
{"replies": [{"fault": "500"}, {"fault": "500"}]}
JSON
run_fake t500
"$CADE" -p "x" </dev/null >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && [ ! -s "$T/out" ] && [ "$(wc -l < "$T/err")" -eq 2 ] && grep -q 'retrying in' "$T/err" &&
	tail -n 1 "$T/err" | grep -q '^cade: ' && ! tail -n 1 "$T/err" | grep -q 'retrying in'; ok $? "HTTP 500: a retry line, then one error line on stderr: $(tail -n 1 "$T/err")"
cat > "$T/t401.json" <<'JSON'
{"replies": [{"fault": "401"}]}
JSON
run_fake t401
"$CADE" -p "x" </dev/null >"$T/out" 2>"$T/err"; rc=$?
ok $([ $rc -eq 1 ] && echo 0 || echo 1) "HTTP 401 exits 1"
grep -qi 'key' "$T/err" && [ "$(wc -l < "$T/err")" -eq 1 ]; ok $? "and says the key is the problem: $(cat "$T/err")"
! grep -q 'sk-test-secret' "$T/err"; ok $? "without showing the key"
# On a terminal (stderr a TTY: progress lines on), through a real pty:
# a failure before the model ever answered is still its one line, no
# "-- error after 1 steps" summary; a run whose steps ran keeps it.
if command -v script >/dev/null 2>&1; then
	LLM_BASE_URL=http://127.0.0.1:1/v1 script -qec "$CADE -p x" /dev/null \
	    </dev/null >"$T/tty" 2>&1
	tr -d '\r' <"$T/tty" | grep -v '^$' >"$T/tty.txt"
	[ "$(wc -l <"$T/tty.txt")" -eq 1 ] && grep -q '^cade: cannot reach the model endpoint' "$T/tty.txt"; ok $? "terminal, unreachable endpoint: the one error line, no summary: $(cat "$T/tty.txt")"
	cat > "$T/tty500.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "e1", "name": "terminal", "arguments": {"command": "echo ran-$((6*7))", "security_risk": "LOW"}}]},
 {"fault": "500"}, {"fault": "500"}]}
JSON
	run_fake tty500
	script -qec "$CADE -p x -y" /dev/null </dev/null >"$T/tty" 2>&1
	tr -d '\r' <"$T/tty" >"$T/tty.txt"
	grep -q 'ran-42' "$T/tty.txt" && grep -q '^-- error after 2 steps' "$T/tty.txt"; ok $? "terminal, a failure after a step ran: the summary line stays: $(tail -n 1 "$T/tty.txt")"
else
	skip "script(1) not installed"; skip "script(1) not installed"
fi
rm -f "$XDG_CONFIG_HOME/cade/config"

# 6. kill -9 in the middle, then --resume last continues with the full history.
cat > "$T/t6.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "r1", "name": "terminal", "arguments": {"command": "echo first-$((1+1))-marker", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "r2", "name": "terminal", "arguments": {"command": "sleep 30", "timeout": 60, "security_risk": "LOW"}}]},
 {"match": ["first-2-marker", "original task words", "go on please", "cade stopped"], "content": "resumed fine"}
]}
JSON
run_fake t6
"$CADE" -p "original task words" </dev/null >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 600); do [ -e "$RECORD/req-0002.json" ] && break; sleep 0.1; done
sleep 0.5
kill -9 $pid; wait $pid 2>/dev/null
out=$("$CADE" --resume last -p "go on please" </dev/null 2>"$T/err"); rc=$?
ok $rc "resume after kill -9 exits 0"
[ "$out" = "resumed fine" ]; ok $? "the resumed request carried the whole history (fake server matched it)"
printf '{"seq":999,"ts":"2026-' >> "$(ls -d "$XDG_STATE_HOME"/cade/sessions/*/ | tail -1)events.jsonl"
"$CADE" sessions >/dev/null 2>&1; ok $? "a torn last line does not break listing"

# 7. Policy without a person: refused by default, aborted, or approved with --yes.
touch "$W/tool.sh"; chmod 755 "$W/tool.sh"
cat > "$T/t7.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "q1", "name": "terminal", "arguments": {"command": "chmod u+s tool.sh", "security_risk": "LOW"}}]},
 {"content": "gave up"}
]}
JSON
run_fake t7
"$CADE" -p "setuid it" --json </dev/null >"$T/out.jsonl" 2>&1; rc=$?
ok $rc "refused action: run still ends normally"
[ ! -u "$W/tool.sh" ]; ok $? "the risky command did not run"
obs q1 | grep -q '"refused":true'; ok $? "the model was told it was refused"
grep '"type":"finish"' "$T/out.jsonl" | grep -q '"refusals":1'; ok $? "summary counts the refusal"
run_fake t7
"$CADE" -p "setuid it" --on-ask abort </dev/null >/dev/null 2>&1; rc=$?
ok $([ $rc -eq 5 ] && echo 0 || echo 1) "--on-ask abort exits 5 (rc=$rc)"
[ ! -u "$W/tool.sh" ]; ok $? "and nothing ran"
run_fake t7
"$CADE" -p "setuid it" --yes </dev/null >/dev/null 2>&1; rc=$?
ok $rc "--yes run exits 0"
[ -u "$W/tool.sh" ]; ok $? "--yes approved it (setuid bit on disk)"
"$CADE" sessions --audit last > "$T/audit" 2>&1; ok $? "cade sessions --audit runs"
grep 'chmod u+s tool.sh' "$T/audit" | grep -q 'allow.*flag:--yes'; ok $? "audit shows who approved the action"
grep -q 'ran .*exit=0 sha256=' "$T/audit"; ok $? "audit shows the exit status and output digest"
cat > "$T/t7a.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "a1", "name": "terminal", "arguments": {"command": "false", "security_risk": "LOW"}},
  {"id": "a2", "name": "file_editor", "arguments": {"command": "create", "path": "audited.txt", "file_text": "x\n", "security_risk": "LOW"}},
  {"id": "a3", "name": "terminal", "arguments": {"command": "chmod u+s tool.sh", "security_risk": "LOW"}}]},
 {"content": "done"}
]}
JSON
run_fake t7a
"$CADE" -p "audit me" </dev/null >/dev/null 2>&1
"$CADE" sessions --audit last > "$T/audit" 2>&1; ok $? "audit of a mixed run"
grep '^[^ ]* *a1 ' "$T/audit" | grep -q ' failed .*exit=1'; ok $? "audit: a command that exits 1 is labelled failed"
grep '^[^ ]* *a2 ' "$T/audit" | grep -q ' ran .*file=audited.txt'; ok $? "audit: an edit names its file"
grep '^[^ ]* *a3 ' "$T/audit" | grep -q 'deny .*refused by rule'; ok $? "audit: a refusal without a person is labelled refused by rule"
# --resume of a session started in another directory: with nobody to ask,
# no (exit 2, nothing sent, the session untouched) unless --yes; with --yes
# it goes on here and says so on stderr.
sid=$(ls -t "$XDG_STATE_HOME/cade/sessions" | head -1)
cat > "$T/t7r.json" <<'JSON'
{"replies": [{"content": "resumed elsewhere"}]}
JSON
run_fake t7r
mkdir -p "$T/elsewhere"
sum0=$(cksum < "$XDG_STATE_HOME/cade/sessions/$sid/events.jsonl")
out=$(cd "$T/elsewhere" && "$CADE" --resume "$sid" -p "go on" </dev/null 2>"$T/r.err"); rc=$?
[ $rc -eq 2 ] && [ -z "$out" ] && [ "$(wc -l < "$T/r.err")" -eq 1 ] &&
    grep -qF "session $sid was started in $W, not here ($T/elsewhere): run it there (cade -C $W --resume $sid), or add --yes" "$T/r.err" &&
    [ ! -e "$RECORD/req-0001.json" ] && [ "$(cksum < "$XDG_STATE_HOME/cade/sessions/$sid/events.jsonl")" = "$sum0" ]; ok $? "--resume of another directory's session, no --yes: refused in one line, exit 2, nothing sent or recorded ($rc: $(cat "$T/r.err"))"
out=$(cd "$T/elsewhere" && "$CADE" --resume "$sid" --yes -p "go on" </dev/null 2>"$T/r.err")
[ "$out" = "resumed elsewhere" ] && grep -qF "session $sid was started in $W; it continues here" "$T/r.err"; ok $? "... with --yes it goes on here and says so on stderr"
(cd "$W" && "$CADE" --resume "$sid" -p "go on" </dev/null >/dev/null 2>"$T/r2.err") ; ! grep -q 'was started in' "$T/r2.err"; ok $? "... and not for this directory's own"

# 7b. Secrets in command output never reach the LLM or the store.
cat > "$T/t7b.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "x1", "name": "terminal", "arguments": {"command": "echo token=$MY_SERVICE_TOKEN", "security_risk": "LOW"}}]},
 {"match": "token=<secret-hidden>", "content": "masked"}
]}
JSON
run_fake t7b
out=$(MY_SERVICE_TOKEN=tok-4f9a8b7c6d5e "$CADE" -p "show token" </dev/null 2>/dev/null)
[ "$out" = "masked" ]; ok $? "the model saw <secret-hidden> instead of the value"
! grep -rq 'tok-4f9a8b7c6d5e' "$RECORD" "$XDG_STATE_HOME"; ok $? "the value is in no request and not in the store"

# 8. title_summarize: the LLM names the session, cade sessions shows it.
printf 'title_summarize = true\n' > "$XDG_CONFIG_HOME/cade/config"
cat > "$T/t8.json" <<'JSON'
{"side_replies": [{"on_match": "Write a title", "content": "Widget Repair Plan"}],
 "replies": [{"content": "ok"}]}
JSON
run_fake t8
"$CADE" -p "please fix the widget that is broken" </dev/null >/dev/null 2>&1
"$CADE" sessions | grep -q 'Widget Repair Plan'; ok $? "the session is listed under the LLM's title"
rm -f "$XDG_CONFIG_HOME/cade/config"
done_testing
