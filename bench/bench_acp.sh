#!/bin/sh
# bench_acp.sh: what cade acp costs a client.  One process, raw JSON-RPC lines
# through a FIFO: the time to answer initialize, to open N sessions (each a
# workspace, a shell and a store), to run one prompt in every session at once
# against the fake LLM, and the process's peak RSS (/usr/bin/time).
. "$(dirname "$0")/lib.sh"
N=${ACP_SESSIONS:-20}
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
wait_n() {	# wait_n PATTERN COUNT: until COUNT lines of out match
	while [ "$(grep -c "$1" "$B/out")" -lt "$2" ]; do sleep 0.01; done
}
printf '{"replies": [' > "$B/script.json"
i=1; while [ $i -le "$N" ]; do
	[ $i -gt 1 ] && printf ',' >> "$B/script.json"
	printf '{"content": "answer %d"}' $i >> "$B/script.json"; i=$((i + 1))
done
printf ']}\n' >> "$B/script.json"
bench_fake "$B/script.json"
mkfifo "$B/in"
cd "$B/work"
/usr/bin/time -f '%M' -o "$B/rss" "$CADE" acp <"$B/in" >"$B/out" 2>"$B/err" &
acp_pid=$!
exec 7>"$B/in"
t0=$(now)
printf '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":1}}\n' >&7
wait_n '"id":0,"result"' 1
t1=$(now)
i=1; while [ $i -le "$N" ]; do
	printf '{"jsonrpc":"2.0","id":%d,"method":"session/new","params":{"cwd":"%s","mcpServers":[]}}\n' $i "$B/work" >&7
	i=$((i + 1))
done
wait_n '"result":{"sessionId"' "$N"
t2=$(now)
for sid in $(sed -n 's/.*"result":{"sessionId":"\([^"]*\)".*/\1/p' "$B/out"); do
	printf '{"jsonrpc":"2.0","id":"p-%s","method":"session/prompt","params":{"sessionId":"%s","prompt":[{"type":"text","text":"hi"}]}}\n' "$sid" "$sid" >&7
done
wait_n '"stopReason":"end_turn"' "$N"
t3=$(now)
exec 7>&-
wait "$acp_pid"
echo "initialize answered after       $(ms "$t0" "$t1") ms (process start included)"
echo "$N sessions opened in            $(ms "$t1" "$t2") ms ($(( $(ms "$t1" "$t2") / N )) ms each)"
echo "$N prompts, all at once, done in $(ms "$t2" "$t3") ms"
echo "protocol lines on stdout:        $(wc -l <"$B/out")"
echo "peak RSS of cade acp:            $(cat "$B/rss") KiB with $N sessions"
