#!/bin/sh
# session-faults.sh: nothing recorded may be lost, nothing done twice.
# Through the real binary against the fake LLM: a store that fails (file
# size limit = disk full) fails the run; kill -9 during a command, then
# --resume tells the model the action started (with its output); a stop
# during a model request leaves a session that resumes; a torn last line is
# cut before appending; SIGTERM while a command ignores Ctrl-C and a TUI
# hang-up still end with a finish event; a failed start leaves no session.
. "$top_srcdir/tests/lib.sh"
setup_home
JC="$top_builddir/tests/jsoncheck"
W=$T/work; mkdir -p "$W"; cd "$W"
S=$XDG_STATE_HOME/cade/sessions

run_fake() {	# run_fake NAME: (re)start the fake with $T/NAME.json
	[ -n "${FAKE_PID:-}" ] && { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; }
	start_fake "$T/$1.json"
}
last_events() { ls -t "$S"/*/events.jsonl | head -n 1; }	# most recently written
nsessions() { ls "$S" 2>/dev/null | wc -l; }
wait_session() {	# wait_session N: until there are more than N sessions
	_end=$(( $(date +%s) + 60 ))
	while [ "$(nsessions)" -le "$1" ] && [ "$(date +%s)" -lt $_end ]; do sleep 0.1; done
}
wait_grep() {	# wait_grep PATTERN FILE [SECONDS]: 0 once it is there
	_end=$(( $(date +%s) + ${3:-60} ))
	while [ "$(date +%s)" -lt $_end ]; do
		grep -q "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# 1. The store fails (file size limit, as a full disk) while the final
# answer is written: the run fails with the error, no "answer" on stdout.
long=$(printf 'x%.0s' $(seq 1 20000))
printf '{"replies": [{"content": "Done. %s"}]}\n' "$long" > "$T/s1.json"
run_fake s1
( trap '' XFSZ; ulimit -f 16; exec "$CADE" -p "question" ) </dev/null >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && [ ! -s "$T/out" ] && grep -q 'cannot write session' "$T/err"; ok $? "a store failure fails the run: exit 1, the error on stderr, nothing on stdout (rc=$rc)"
[ $rc -eq 1 ] || diag "$(head -c 300 "$T/err")"

# 1b. The store cannot take even the first event: same, from the start.
printf '{"replies": [{"content": "Done."}]}\n' > "$T/s1b.json"
run_fake s1b
# (No file at all can grow: stdout to /dev/null, stderr through a pipe.)
{ ( trap '' XFSZ; ulimit -f 0; exec "$CADE" -p "question" ) </dev/null 2>&1 >/dev/null; echo $? > "$T/rc"; } | cat > "$T/err"
rc=$(cat "$T/rc")
[ "$rc" -eq 1 ] && grep -q 'cannot write session' "$T/err"; ok $? "a store that fails at once fails the run too (rc=$rc)"

# 2. kill -9 while a command runs, then --resume: the model hears that the
# action started, outcome unknown, with the output captured before the stop.
cat > "$T/s2.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "k1", "name": "terminal", "arguments": {"command": "echo partial-$((6*7))-marker; sleep 60", "timeout": 120, "security_risk": "LOW"}}]},
 {"match": ["started, outcome unknown", "partial-42-marker", "Continue."], "content": "resumed honestly"},
 {"match": ["not run: cade stopped before this action started"], "content": "told not run"}
]}
JSON
run_fake s2
n=$(nsessions)
"$CADE" -p "run the long thing" </dev/null >/dev/null 2>&1 &
pid=$!
wait_session "$n"
wait_grep '"type":"tool_output".*partial-42-marker' "$(last_events)"; ok $? "a running command's output is recorded as it comes (tool_output)"
kill -9 $pid; wait $pid 2>/dev/null
ev=$(last_events); sid=$(basename "$(dirname "$ev")")
copy=00000000-000000-copy
cp -r "$S/$sid" "$S/$copy"
out=$("$CADE" --resume "$sid" -p "Continue." </dev/null 2>"$T/err"); rc=$?
[ $rc -eq 0 ] && [ "$out" = "resumed honestly" ]; ok $? "after kill -9 the started action is replayed as started, outcome unknown, with its output (rc=$rc)"
[ $rc -eq 0 ] || diag "$(cat "$T/err")"
# The same session with no record that the action started: "not run".
grep -v '"type":"tool_running"\|"type":"tool_output"' "$S/$copy/events.jsonl" > "$T/ev" && cp "$T/ev" "$S/$copy/events.jsonl"
out=$("$CADE" --resume "$copy" -p "Continue." </dev/null 2>"$T/err"); rc=$?
[ $rc -eq 0 ] && [ "$out" = "told not run" ]; ok $? "an action whose start was not stored is replayed as not run (rc=$rc)"
rm -rf "$S/$copy"

# 3. SIGTERM during a model request: exit 143, a finish event, no empty
# assistant message; --resume then continues and sends no content:null.
cat > "$T/s3.json" <<'JSON'
{"replies": [
 {"first_byte_delay_ms": 60000, "content": "never seen"},
 {"match": ["stop me words"], "content": "continued"}
]}
JSON
run_fake s3
"$CADE" -p "stop me words" </dev/null >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 300); do [ -e "$RECORD/req-0001.json" ] && break; sleep 0.1; done
kill -TERM $pid; wait $pid; rc=$?
ev=$(last_events)
[ $rc -eq 143 ]; ok $? "SIGTERM exits 143 = 128+15 (rc=$rc)"
tail -n 1 "$ev" | grep -q '"type":"finish"'; ok $? "the stopped run ends with a finish event"
! grep -q '"type":"assistant_message"' "$ev"; ok $? "no empty assistant message is stored for a stopped request"
out=$("$CADE" -p "" --resume last </dev/null 2>"$T/err"); rc=$?
[ $rc -eq 0 ] && [ "$out" = continued ]; ok $? "--resume continues the stopped task (rc=$rc: $(cat "$T/err"))"
[ -e "$RECORD/req-0002.json" ] && ! grep -q '"content":null' "$RECORD/req-0002.json"; ok $? "the resumed request has no content:null message"

# 4. A torn last line is cut before the next append: nothing written after
# it is glued to it and lost.
printf '{"seq":999,"ts":"2026-' >> "$ev"
cat > "$T/s4.json" <<'JSON'
{"replies": [{"content": "after the tear"}]}
JSON
run_fake s4
out=$("$CADE" --resume last -p "one more question" </dev/null 2>"$T/err"); rc=$?
[ $rc -eq 0 ] && [ "$out" = "after the tear" ]; ok $? "resume over a torn last line works (rc=$rc)"
"$JC" lines "$ev" >/dev/null 2>&1 && ! grep -q '"seq":999' "$ev"; ok $? "the torn line was cut: every line of the file is an event"
grep -q '"text":"one more question"' "$ev"; ok $? "the event after the tear is stored whole"

# 5. SIGTERM while a command ignores Ctrl-C: after the grace period the run
# still ends with a finish event (the action answered).
cat > "$T/s5.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "t1", "name": "terminal", "arguments": {"command": "trap '' INT; echo stubborn-marker; sleep 60", "timeout": 120, "security_risk": "LOW"}}]},
 {"content": "not reached"}
]}
JSON
run_fake s5
n=$(nsessions)
"$CADE" -p "stubborn" </dev/null >/dev/null 2>&1 &
pid=$!
wait_session "$n"
wait_grep '"type":"tool_running"' "$(last_events)"; ok $? "the stubborn command started"
kill -TERM $pid; wait $pid; rc=$?
ev=$(last_events)
[ $rc -eq 143 ]; ok $? "SIGTERM with a command ignoring Ctrl-C exits 143 (rc=$rc)"
tail -n 1 "$ev" | grep -q '"type":"finish"'; ok $? "... and the session still ends with a finish event"
grep '"type":"observation"' "$ev" | grep -q '"call_id":"t1"'; ok $? "... the command is answered in the store"

# 6. A failed start leaves no session behind ("--resume last" must not pick it).
n_before=$(ls "$S" | wc -l)
mkdir -p "$XDG_CONFIG_HOME/cade"
printf 'rule deny nonsense (\n' > "$XDG_CONFIG_HOME/cade/policy"
"$CADE" -p "x" </dev/null >/dev/null 2>"$T/err"; rc=$?
rm -f "$XDG_CONFIG_HOME/cade/policy"
[ $rc -ne 0 ] && [ "$(ls "$S" | wc -l)" -eq "$n_before" ]; ok $? "a failed start (bad policy file) leaves no session (rc=$rc)"

# 7. The TUI hung up mid-command (its terminal closed): finish event.
if command -v tmux >/dev/null 2>&1; then
	cat > "$T/s7.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "h1", "name": "terminal", "arguments": {"command": "sleep 60", "timeout": 120, "security_risk": "LOW"}}]},
 {"content": "not reached"}
]}
JSON
	run_fake s7
	SOCK=cade-sf-$$
	printf 'set -g status off\n' > "$T/tmux.conf"
	n=$(nsessions)
	tmux -L "$SOCK" -f "$T/tmux.conf" new-session -d -x 120 -y 40 -s cade \
	    "cd '$W' && LLM_BASE_URL='$LLM_BASE_URL' LLM_API_KEY=k HOME='$HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' '$CADE' 'hang me up'"
	wait_session "$n"
	ev=$(last_events)
	wait_grep '"type":"tool_running"' "$ev"; ok $? "TUI: the command started"
	tmux -L "$SOCK" kill-server
	wait_grep '"type":"finish"' "$ev" 30; ok $? "TUI hang-up mid-command: the session ends with a finish event"
	# The TUI with a store that fails: the exit status and stderr say so.
	# (stderr is the pane: no file may grow under ulimit -f 0.)
	tmux -L "$SOCK" -f "$T/tmux.conf" new-session -d -x 120 -y 40 -s cade \
	    "cd '$W' && (trap '' XFSZ; ulimit -f 0; LLM_BASE_URL='$LLM_BASE_URL' LLM_API_KEY=k HOME='$HOME' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' exec '$CADE'); echo \$? > '$T/tui-rc'; sleep 60"
	end=$(( $(date +%s) + 60 ))
	while [ ! -s "$T/tui-rc" ] && [ "$(date +%s)" -lt $end ]; do
		tmux -L "$SOCK" capture-pane -p -t cade 2>/dev/null | grep -q 'keys' &&
		    tmux -L "$SOCK" send-keys -t cade C-d 2>/dev/null
		sleep 0.2
	done
	[ "$(cat "$T/tui-rc" 2>/dev/null)" = 1 ] &&
	    tmux -L "$SOCK" capture-pane -p -t cade | grep -q 'cannot write session'; ok $? "TUI: a store failure makes the exit status 1 with the error (rc=$(cat "$T/tui-rc" 2>/dev/null))"
	tmux -L "$SOCK" kill-server 2>/dev/null
else
	skip "tmux not installed"; skip "tmux not installed"; skip "tmux not installed"
fi
done_testing
