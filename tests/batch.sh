#!/bin/sh
# batch.sh: cade batch against the fake LLM: priority order with --jobs 2,
# each task in its own git worktree, a failed validation fixed on the next
# attempt, a 429 storm moving every task to the fallback model, the report
# agreeing with the sessions' own records, kill -9 then --resume finishing
# only what had not finished, --shard K/N covering every task once and
# merge giving the unsharded report.
. "$top_srcdir/tests/lib.sh"
setup_home
JC="$top_builddir/tests/jsoncheck"
P=$T/proj; mkdir -p "$P"
(cd "$P" && git init -q && git config user.email t@example.invalid &&
	git config user.name t && echo base > base.txt && git add base.txt &&
	git commit -qm base) || { ok 1 "git repository for the tasks"; done_testing; }
mkdir -p "$XDG_CONFIG_HOME/cade"
printf 'retry_base_ms = 10\nretry_max_ms = 20\nsandbox = off\n' > "$XDG_CONFIG_HOME/cade/config"

# Six tasks, three priorities; t4's validation fails until a fix attempt.
cat > "$T/tasks.jsonl" <<EOF
{"id": "t1", "prompt": "do task-1", "priority": 2, "dir": "$P", "validate": "test -f out-1.txt"}
{"id": "t2", "prompt": "do task-2", "priority": 1, "dir": "$P", "validate": "test -f out-2.txt"}

# a comment line
{"id": "t3", "prompt": "do task-3", "priority": 1, "dir": "$P", "validate": "test -f out-3.txt"}
{"id": "t4", "prompt": "do task-4", "priority": 2, "dir": "$P", "validate": "grep -q fixed out-4.txt"}
{"id": "t5", "prompt": "do task-5", "priority": 3, "dir": "$P", "validate": "test -f out-5.txt"}
{"id": "t6", "prompt": "do task-6", "priority": 3, "dir": "$P", "validate": "test -f out-6.txt"}
EOF
side() {	# side N: the replies of task N (most specific first)
	printf '{"on_match": "done-marker-%s", "content": "finished %s"},\n' "$1" "$1"
	printf '{"on_match": "task-%s", "tool_calls": [{"id": "c%s", "name": "terminal", "arguments": {"command": "echo done-%s > out-%s.txt && echo done-marker-%s", "security_risk": "LOW"}}]}' "$1" "$1" "$1" "$1" "$1"
}
script() {	# script [EXTRA-SIDE-REPLIES]: the fake LLM's script
	{
		printf '{"replies": [], "side_replies": [\n%s' "${1:-}"
		printf '{"on_match": "fixed-marker-4", "content": "t4 fixed"},\n'
		printf '{"on_match": "grep -q fixed out-4.txt` failed", "tool_calls": [{"id": "f4", "name": "terminal", "arguments": {"command": "echo fixed > out-4.txt && echo fixed-marker-4", "security_risk": "LOW"}}]},\n'
		for i in 1 2 3 4 5 6; do side $i; [ $i -lt 6 ] && printf ',\n'; done
		printf '\n]}\n'
	} > "$T/script.json"
}
script
start_fake "$T/script.json"
R=$T/report.json
"$CADE" batch "$T/tasks.jsonl" --jobs 2 --fix-attempts 1 --report "$R" >"$T/out" 2>"$T/err"; rc=$?
ok $rc "a batch of six tasks passes (rc=$rc)"
[ $rc -eq 0 ] || diag "$(cat "$T/err" "$T/out" | tail -20)"
order=$(sed -n 's/^batch: \(t[0-9]\): starting.*/\1/p' "$T/err" | tr '\n' ' ')
[ "$order" = "t5 t6 t1 t4 t2 t3 " ]; ok $? "priority order, then file order ($order)"
[ "$("$JC" get "$R" summary.passed)" = 6 ]; ok $? "the report counts six passed"
grep -q '^passed 6, failed 0, errored 0 of 6' "$T/out"; ok $? "the summary table on stdout"
[ "$("$JC" get "$R" tasks.3.id)" = t4 ] && [ "$("$JC" get "$R" tasks.3.fix_attempts)" = 1 ] &&
	[ "$("$JC" get "$R" tasks.3.status)" = passed ]; ok $? "t4 failed validation, then passed after one fix attempt"
[ -f "$R.work/t1/out-1.txt" ] && [ -f "$R.work/t6/out-6.txt" ] && [ ! -e "$P/out-1.txt" ]
ok $? "each task ran in its own worktree; the project is untouched"
git -C "$P" worktree list | grep -q "$R.work/t3"; ok $? "the worktrees are the project's git worktrees"
bad=0
for i in 0 1 2 3 4 5; do
	sid=$("$JC" get "$R" tasks.$i.session_id)
	[ -n "$sid" ] || bad=1
	grep '"type":"finish"' "$XDG_STATE_HOME/cade/sessions/$sid/events.jsonl" | tail -1 > "$T/fin.json"
	[ "$("$JC" get "$T/fin.json" steps)" = "$("$JC" get "$R" tasks.$i.steps)" ] &&
		[ "$("$JC" get "$T/fin.json" prompt_tokens)" = "$("$JC" get "$R" tasks.$i.prompt_tokens)" ] || bad=1
done
ok $bad "the report's steps and tokens are the sessions' own"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null

# A 429 storm on the primary model: every task moves to the fallback.
script '{"on_match": "\"model\":\"primary\"", "fault": "429"},'
printf 'fallback_models = fallback\nretry_max = 2\n' >> "$XDG_CONFIG_HOME/cade/config"
start_fake "$T/script.json"
LLM_MODEL=primary "$CADE" batch "$T/tasks.jsonl" --jobs 3 --fix-attempts 1 --report "$T/r429.json" \
	>"$T/out" 2>"$T/err"; rc=$?
ok $rc "a 429 storm does not fail the batch (rc=$rc)"
[ $rc -eq 0 ] || diag "$(tail -5 "$T/err")"
n=0; for i in 0 1 2 3 4 5; do [ "$("$JC" get "$T/r429.json" tasks.$i.model)" = fallback ] && n=$((n + 1)); done
[ $n -eq 6 ]; ok $? "every task answered by the fallback model ($n of 6)"
grep -q 'rate limits slowed the batch' "$T/err"; ok $? "the batch says rate limits slowed it"
p429=$(grep -l '"model":"primary"' "$RECORD"/req-*.json 2>/dev/null | wc -l)
[ "$p429" -gt 0 ] && [ "$p429" -lt 12 ]; ok $? "the primary rested for every task at once ($p429 requests to it)"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null
printf 'retry_base_ms = 10\nretry_max_ms = 20\nsandbox = off\n' > "$XDG_CONFIG_HOME/cade/config"

# kill -9 mid-batch, then --resume: finished tasks are not run again.
script '{"on_match": "task-3", "delay_ms": 400, "first_byte_delay_ms": 3000, "content": "slow"},'
start_fake "$T/script.json"
"$CADE" batch "$T/tasks.jsonl" --jobs 1 --fix-attempts 1 --report "$T/rk.json" >"$T/out" 2>"$T/err-kill" &
pid=$!
i=0; while [ $i -lt 600 ] && ! grep -q '^batch: t3: running' "$T/err-kill" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
kill -9 $pid; wait $pid 2>/dev/null
done_before=$(grep -c '"status":"passed"' "$T/rk.json.state" 2>/dev/null)
[ "${done_before:-0}" -eq 5 ]; ok $? "five tasks were recorded before the kill ($done_before)"
[ "${done_before:-0}" -eq 5 ] || diag "$(tail -5 "$T/err-kill")"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null
script; start_fake "$T/script.json"
"$CADE" batch "$T/tasks.jsonl" --jobs 2 --fix-attempts 1 --report "$T/rk.json" --resume >"$T/out" 2>"$T/err"; rc=$?
ok $rc "--resume finishes the batch (rc=$rc)"
[ "$(sed -n 's/^batch: \(t[0-9]\): starting.*/\1/p' "$T/err" | tr '\n' ' ')" = "t3 " ]; ok $? "only the unfinished task ran again"
! grep -l 'task-[12456]' "$RECORD"/req-*.json >/dev/null 2>&1; ok $? "no request was made again for a finished task"
[ "$("$JC" get "$T/rk.json" summary.passed)" = 6 ]; ok $? "the resumed report has all six"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null

# Shards cover every task once; merge equals the unsharded report.
start_fake "$T/script.json"
"$CADE" batch "$T/tasks.jsonl" --shard 1/2 --fix-attempts 1 --report "$T/s1.json" >/dev/null 2>&1; r1=$?
"$CADE" batch "$T/tasks.jsonl" --shard 2/2 --fix-attempts 1 --report "$T/s2.json" >/dev/null 2>&1; r2=$?
[ $r1 -eq 0 ] && [ $r2 -eq 0 ]; ok $? "both shards pass"
ids=$(for f in s1 s2; do i=0; while id=$("$JC" get "$T/$f.json" tasks.$i.id 2>/dev/null) && [ -n "$id" ]; do echo "$id"; i=$((i + 1)); done; done | sort | tr '\n' ' ')
[ "$ids" = "t1 t2 t3 t4 t5 t6 " ]; ok $? "the shards hold every task exactly once ($ids)"
"$CADE" batch merge "$T/s2.json" "$T/s1.json" --report "$T/merged.json" >"$T/mout"; rc=$?
ok $rc "merge exits 0"
same=0
for i in 0 1 2 3 4 5; do for k in id status steps fix_attempts validation.exit_code; do
	[ "$("$JC" get "$T/merged.json" tasks.$i.$k)" = "$("$JC" get "$R" tasks.$i.$k)" ] || same=1
done; done
[ "$("$JC" get "$T/merged.json" summary.passed)" = 6 ] || same=1
ok $same "the merged report equals the unsharded one"
grep -q '^passed 6, failed 0, errored 0 of 6' "$T/mout"; ok $? "merge prints the summary"
"$CADE" batch merge "$T/s1.json" "$T/s1.json" >/dev/null 2>"$T/err"; [ $? -eq 1 ] && grep -q 'is in two reports' "$T/err"
ok $? "merging a shard twice is refused"

# --workspace docker: each task in its own container, none left behind.
if docker info >/dev/null 2>&1 && docker image inspect cade-test:1 >/dev/null 2>&1; then
	kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null
	script; start_fake "$T/script.json"
	head -3 "$T/tasks.jsonl" | grep -v '^#' > "$T/dtasks.jsonl"	# t1, t2
	printf 'image = cade-test:1\n' >> "$XDG_CONFIG_HOME/cade/config"
	"$CADE" batch "$T/dtasks.jsonl" --jobs 2 --workspace docker --isolate copy \
		--report "$T/rd.json" >"$T/out" 2>"$T/err"; rc=$?
	ok $rc "two tasks in Docker pass (rc=$rc)"
	[ $rc -eq 0 ] || diag "$(tail -5 "$T/err")"
	ids=$(grep -h '"workspace_id"' "$XDG_STATE_HOME"/cade/sessions/*/events.jsonl 2>/dev/null |
	    sed -n 's/.*"workspace_id":"\([0-9a-f]\{12,\}\)".*/\1/p' | sort -u | wc -l)
	[ "$ids" -ge 2 ]; ok $? "each task had its own container ($ids)"
	# Only this batch's containers: others' tests may run beside it.
	left=$(for t in t1 t2; do docker ps -aq --filter "label=cade.root=$T/rd.json.work/$t"; done | wc -l)
	[ "$left" -eq 0 ]; ok $? "no container left behind ($left)"
	[ -f "$T/rd.json.work/t1/out-1.txt" ]; ok $? "the task's files are in its own copy"
else
	if [ "${CI:-}" = true ]; then
		ok 1 "Docker daemon and cade-test:1 available (CI=true)"
	else
		skip "no Docker daemon: Docker tasks not tested"
	fi
fi

# Bad input: one clear line, exit 2, nothing run.
printf '{"id": "a", "prompt": "x"}\n{"id": "a", "prompt": "y"}\n' > "$T/bad.jsonl"
"$CADE" batch "$T/bad.jsonl" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "bad.jsonl:2: task id 'a' is used twice" "$T/err"; ok $? "a duplicate id names the line"
printf '{"id": "a", "promt": "x"}\n' > "$T/bad.jsonl"
"$CADE" batch "$T/bad.jsonl" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "bad.jsonl:1: unknown key 'promt'" "$T/err"; ok $? "an unknown key is named"
"$CADE" batch "$T/tasks.jsonl" --shard 3/2 >/dev/null 2>"$T/err"; [ $? -eq 2 ]; ok $? "--shard 3/2 is a usage error"
done_testing
