#!/bin/sh
# context.sh: context management against a fake LLM with a small declared
# window: requests stay under it, a context-length error condenses and
# retries, condensations are recorded and replayed on resume.
. "$top_srcdir/tests/lib.sh"
setup_home
JC="$top_builddir/tests/jsoncheck"
W=$T/work; mkdir -p "$W"; cd "$W"
mkdir -p "$XDG_CONFIG_HOME/cade"
cat > "$XDG_CONFIG_HOME/cade/config" <<'CFG'
model.small-model.context_window = 8192
model.small-model.output_reserve = 1024
keep_recent = 6
CFG

# 1. 60 steps of ~3 KB observations through an 8k-token window.
{
	echo '{"context_limit_tokens": 8192,'
	echo ' "side_replies": [{"on_match": "condensing the history", "content": "SUMMARY: printed number ranges; nothing left but to go on."}],'
	echo ' "replies": ['
	i=1
	while [ $i -le 60 ]; do
		echo "  {\"tool_calls\": [{\"id\": \"n$i\", \"name\": \"terminal\", \"arguments\": {\"command\": \"seq $i 100000 | head -c 3000\", \"security_risk\": \"LOW\"}}]},"
		i=$((i + 1))
	done
	echo '  {"tool_calls": [{"id": "fin", "name": "finish", "arguments": {"message": "counted"}}]}'
	echo ' ]}'
} > "$T/long.json"
start_fake "$T/long.json"
"$CADE" -p "print number ranges" -m small-model --json </dev/null >"$T/out.jsonl" 2>"$T/err"; rc=$?
ok $rc "60-step session in an 8k window finishes (rc=$rc)"
[ $rc -eq 0 ] || diag "$(tail -3 "$T/err") $(tail -2 "$T/fake.err")"
max=0; over=0
for f in "$RECORD"/req-*.json; do
	n=$(wc -c < "$f"); [ "$n" -gt "$max" ] && max=$n
	[ "$n" -gt 32768 ] && over=$((over + 1))
done
ok $over "no request over the window (largest $max bytes, limit 32768)"
c=$("$JC" count "$T/out.jsonl" condensation); [ "$c" -ge 1 ]; ok $? "condensed $c times"
! grep -q 'context_length' "$T/fake.err"; ok $? "the server never had to refuse a request"
grep -l 'condensing the history' "$RECORD"/req-*.json >/dev/null; ok $? "summarisation requests were sent"
grep '"type":"condensation"' "$T/out.jsonl" | head -1 | grep -q 'SUMMARY: printed'; ok $? "the summary is recorded in the condensation event"
# The range fields are the ones doc/EVENTS.md (and the TUI's notice) read.
grep '"type":"condensation"' "$T/out.jsonl" | head -1 | grep -q '"from":[0-9]*,"to":[1-9]' &&
    grep -q '^F(condensation, INT, from,' "$top_srcdir/include/cade/event-table.h" &&
    grep -q '^F(condensation, INT, to,' "$top_srcdir/include/cade/event-table.h"; ok $? "condensation range: from/to in the event and in the event table"
last=$(ls "$RECORD"/req-*.json | tail -1)
grep -q 'SUMMARY: printed' "$last"; ok $? "later requests carry the summary"
grep -q 'print number ranges' "$last"; ok $? "and still the first user message"

# 2. Resume after condensation sends the same view.
kill $FAKE_PID; wait $FAKE_PID 2>/dev/null
cat > "$T/r.json" <<'JSON'
{"side_replies": [{"on_match": "condensing the history", "content": "SUMMARY: again."}],
 "replies": [{"content": "resumed"}]}
JSON
cp "$last" "$T/before.json"
start_fake "$T/r.json"
out=$("$CADE" --resume last -p "one more thing" -m small-model </dev/null 2>"$T/err"); rc=$?
ok $rc "resume after condensation exits 0"
"$JC" prefix "$T/before.json" "$RECORD/req-0001.json"; ok $? "the resumed request starts with the same view, byte for byte"

# 3. A context-length error from the server: condense, retry, succeed.
kill $FAKE_PID; wait $FAKE_PID 2>/dev/null
cat > "$T/e.json" <<'JSON'
{"side_replies": [{"on_match": "condensing the history", "content": "SUMMARY: ran alpha and beta."}],
 "replies": [
 {"tool_calls": [{"id": "a1", "name": "terminal", "arguments": {"command": "echo alpha-output", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "a2", "name": "terminal", "arguments": {"command": "echo beta-output", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "a3", "name": "terminal", "arguments": {"command": "echo gamma-output", "security_risk": "LOW"}}]},
 {"fault": "context_length"},
 {"match": "SUMMARY: ran alpha and beta", "content": "all done"}
]}
JSON
start_fake "$T/e.json"
out=$("$CADE" -p "run things" --json </dev/null 2>"$T/err" | tee "$T/out.jsonl" | grep '"type":"finish"'); 
echo "$out" | grep -q '"status":"replied"'; ok $? "context-length error: condensed and retried to success"
grep -q '"type":"condensation"' "$T/out.jsonl"; ok $? "the condensation is an event"
n=$(ls "$RECORD"/req-*.json | wc -l); [ "$n" -eq 6 ]; ok $? "4 steps + 1 summary + 1 retry = 6 requests ($n)"
done_testing
