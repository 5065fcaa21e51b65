#!/bin/sh
# bench_tokens.sh: what a provider bills, on a scripted 10-step task (the
# one tests/headless.sh runs): total request bytes, and how much of each
# request is a byte-identical prefix of the request before it (what a
# prompt cache can reuse).  Prints figures; asserts nothing.
. "$(dirname "$0")/lib.sh"
cat > "$B/script.json" <<'JSON'
{"replies": [
 {"content": "Starting.", "tool_calls": [{"id": "c1", "name": "terminal", "arguments": {"command": "mkdir -p src && echo made", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "c2", "name": "file_editor", "arguments": {"command": "create", "path": "src/hello.c", "file_text": "#include <stdio.h>\nint main(void)\n{\n\tputs(\"hello\");\n\treturn 0;\n}\n", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "c3", "name": "file_editor", "arguments": {"command": "str_replace", "path": "src/hello.c", "old_str": "puts(\"hello\");", "new_str": "puts(\"greeting\");", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "c4", "name": "grep", "arguments": {"pattern": "greet[a-z]+", "path": "."}}]},
 {"tool_calls": [{"id": "c5", "name": "glob", "arguments": {"pattern": "**/*.c"}}]},
 {"tool_calls": [{"id": "c6", "name": "terminal", "arguments": {"command": "cc -o hello src/hello.c && ./hello; echo status=$?", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "c7", "name": "task_tracker", "arguments": {"command": "plan", "task_list": [{"id": "1", "title": "write hello", "status": "done"}]}}]},
 {"tool_calls": [{"id": "c8", "name": "think", "arguments": {"thought": "all good"}}]},
 {"tool_calls": [{"id": "c9", "name": "terminal", "arguments": {"command": "ls -la", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "c10", "name": "finish", "arguments": {"message": "Built hello."}}]}
]}
JSON
printf 'sandbox = off\n' > "$XDG_CONFIG_HOME/cade/config"
bench_fake "$B/script.json"
export LLM_API_KEY=sk-bench
cd "$B/work" && "$CADE" -p "write a hello program" -m gpt-4o </dev/null >/dev/null 2>&1
total=0 cached=0 n=0 prev=
for f in "$RECORD"/req-*.json; do
	size=$(stat -c %s "$f")
	total=$((total + size)); n=$((n + 1))
	if [ -n "$prev" ]; then
		# Bytes equal from the start: cmp names the first difference.
		d=$(cmp "$prev" "$f" 2>/dev/null | sed -n 's/.* byte \([0-9]*\),.*/\1/p')
		[ -z "$d" ] && d=$(stat -c %s "$prev")
		[ "$d" -gt 1 ] && d=$((d - 1))
		cached=$((cached + d))
	fi
	prev=$f
done
first=$(stat -c %s "$RECORD/req-0001.json")
awk -v n="$n" -v t="$total" -v c="$cached" -v f="$first" 'BEGIN {
	printf "tokens: %d requests, %d request bytes in all (first %d)\n", n, t, f
	printf "cacheable: %d bytes are a byte-identical prefix of the request before: %.1f%% of requests 2..%d\n", c, 100 * c / (t - f), n
}'
