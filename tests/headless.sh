#!/bin/sh
# headless.sh: cade -p end to end against the fake LLM, in a temp workspace,
# with no TTY: a 10-step task checked on disk, --json, setsid + /dev/null stdin.
. "$top_srcdir/tests/lib.sh"
setup_home
JC="$top_builddir/tests/jsoncheck"
W=$T/work; mkdir -p "$W"

cat > "$T/script.json" <<'JSON'
{"replies": [
 {"content": "Starting.", "tool_calls": [{"id": "c1", "name": "terminal", "arguments": {"command": "mkdir -p src && echo made", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "c2", "name": "file_editor", "arguments": {"command": "create", "path": "src/hello.c", "file_text": "#include <stdio.h>\nint main(void)\n{\n\tputs(\"hello\");\n\treturn 0;\n}\n", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "c3", "name": "file_editor", "arguments": {"command": "str_replace", "path": "src/hello.c", "old_str": "puts(\"hello\");", "new_str": "puts(\"greeting\");", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "c4", "name": "apply_patch", "arguments": {"input": "*** Begin Patch\n*** Update File: src/hello.c\n@@\n \tputs(\"greeting\");\n-\treturn 0;\n+\treturn 3;\n*** End Patch\n", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "c5", "name": "grep", "arguments": {"pattern": "greet[a-z]+", "path": "."}}]},
 {"tool_calls": [{"id": "c6", "name": "glob", "arguments": {"pattern": "**/*.c"}}]},
 {"tool_calls": [{"id": "c7", "name": "terminal", "arguments": {"command": "cc -o hello src/hello.c && ./hello; echo status=$?", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "c8", "name": "task_tracker", "arguments": {"command": "plan", "task_list": [{"id": "1", "title": "write hello", "status": "done"}]}}]},
 {"tool_calls": [{"id": "c9", "name": "think", "arguments": {"thought": "all good"}}]},
 {"match": "status=3", "tool_calls": [{"id": "c10", "name": "finish", "arguments": {"message": "Built hello; it prints greeting and exits 3."}}]}
]}
JSON
start_fake "$T/script.json"
cd "$W"
setsid "$CADE" -p "write a hello program" --json -m test-model </dev/null >"$T/out.jsonl" 2>"$T/err" &
pid=$!
wait $pid; rc=$?
ok $([ $rc -eq 0 ] && echo 0 || echo 1) "headless 10-step task exits 0 under setsid with stdin at /dev/null (rc=$rc)"
[ $rc -eq 0 ] || { diag "$(tail -5 "$T/err")"; diag "$(tail -3 "$T/out.jsonl")"; }
grep -q greeting "$W/src/hello.c" && grep -q 'return 3;' "$W/src/hello.c"; ok $? "str_replace and apply_patch edits are on disk"
[ -x "$W/hello" ]; ok $? "the program was built by the terminal tool"
"$JC" lines "$T/out.jsonl" > "$T/types"; ok $? "--json output: every line is an event object"
[ "$("$JC" count "$T/out.jsonl" observation)" -eq 10 ]; ok $? "ten observations"
grep -q '^finish$' "$T/types" && [ "$(tail -1 "$T/types")" = finish ]; ok $? "last event is finish"
grep -q '"status":"finished"' "$T/out.jsonl"; ok $? "finish status is finished"
grep '"call_id":"c5"' "$T/out.jsonl" | grep '"type":"observation"' | grep -q 'hello.c:4:'; ok $? "grep found the edited line"
grep '"call_id":"c7"' "$T/out.jsonl" | grep '"type":"observation"' | grep -q 'status=3'; ok $? "terminal ran the program"
[ ! -s "$T/err" ]; ok $? "nothing on stderr without a TTY or --verbose"
n=$(ls "$RECORD"/req-*.json | wc -l); [ "$n" -eq 10 ]; ok $? "ten LLM requests ($n)"
grep -q '"stream":true' "$RECORD/req-0001.json"; ok $? "requests stream"
bad=0; for i in 1 2 3 4 5 6 7 8 9; do
	"$JC" prefix "$RECORD/req-000$i.json" "$RECORD/req-$(printf %04d $((i + 1))).json" || bad=1
done
ok $bad "each request is a byte-identical prefix of the next (prompt caches hit)"
grep -q 'Bearer sk-test-secret-key-0123' "$RECORD/req-0001.meta"; ok $? "key sent as a bearer token"
! grep -rq 'sk-test-secret-key-0123' "$XDG_STATE_HOME"; ok $? "key not in the session store"
sid=$(ls "$XDG_STATE_HOME/cade/sessions"); [ "$(stat -c %a "$XDG_STATE_HOME/cade/sessions/$sid")" = 700 ] &&
  [ "$(stat -c %a "$XDG_STATE_HOME/cade/sessions/$sid/events.jsonl")" = 600 ]; ok $? "session dir 0700, events 0600"
"$CADE" sessions | grep -q "write a hello program"; ok $? "cade sessions lists it with its title"

# Plain mode: only the final message on stdout.
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null
cat > "$T/s2.json" <<'JSON'
{"replies": [{"content": "The answer is 42."}]}
JSON
start_fake "$T/s2.json"
printf 'Always run make lint-marker-7 before finishing.\n' > "$W/AGENTS.md"
mkdir -p "$W/.cade/skills"
printf -- '---\ntriggers: deploy, release\n---\nTo deploy, run ./ship-marker-9.\n' > "$W/.cade/skills/deploy.md"
out=$("$CADE" -p "question" </dev/null 2>"$T/err"); rc=$?
[ $rc -eq 0 ] && [ "$out" = "The answer is 42." ]; ok $? "a text reply is the final answer on stdout"
grep -q 'lint-marker-7' "$RECORD/req-0001.json"; ok $? "AGENTS.md is in the system prompt"
! grep -q 'ship-marker-9' "$RECORD/req-0001.json"; ok $? "a skill is not sent unless triggered"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null; start_fake "$T/s2.json"
"$CADE" -p "please deploy it" </dev/null >/dev/null 2>&1
grep -q 'ship-marker-9' "$RECORD/req-0001.json"; ok $? "a trigger word brings the skill in"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null; start_fake "$T/s2.json"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null; start_fake "$T/s2.json"
"$CADE" -p "question" -v </dev/null >"$T/out" 2>"$T/err"
grep -q '^-- replied after 1 steps' "$T/err" && grep -q '^-- replied .* tokens, $?$' "$T/err"; ok $? "--verbose: progress and a summary on stderr (cost \$? with no price known)"
[ "$(cat "$T/out")" = "The answer is 42." ] && ! grep -q 'The answer is 42' "$T/err"; ok $? "-p -v: the answer once, on stdout only"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null
cat > "$T/s3.json" <<'JSON'
{"replies": [
 {"content": "Looking first.", "tool_calls": [{"id": "v1", "name": "terminal", "arguments": {"command": "echo hi", "security_risk": "LOW"}}]},
 {"content": "All done here."}
]}
JSON
start_fake "$T/s3.json"
"$CADE" -p "look" -v </dev/null >"$T/out" 2>"$T/err"
grep -q '^Looking first.$' "$T/err" && grep -q '^> terminal' "$T/err" && [ "$(cat "$T/out")" = "All done here." ] &&
    ! grep -q 'All done here' "$T/err"; ok $? "-p -v: text that comes with an action is progress, the answer is not repeated"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null; start_fake "$T/s2.json"
echo "from stdin" | "$CADE" -p - >/dev/null 2>&1
grep -q '"from stdin' "$RECORD/req-0002.json" 2>/dev/null || grep -q 'from stdin' "$RECORD"/req-*.json; ok $? "-p - reads the task from stdin"
"$CADE" -p "" </dev/null >/dev/null 2>"$T/err"; ok $([ $? -eq 2 ] && echo 0 || echo 1) "empty prompt exits 2"
done_testing
