#!/bin/sh
# bench_agent.sh: the agent's own overhead per step.  A 200-step task against
# the fake LLM with zero latency, each step a `think` call (no command runs),
# so what is measured is cade: request building, streaming, parsing, policy,
# events, the store (fsync included in wall time, not in CPU).
. "$(dirname "$0")/lib.sh"
N=${N:-200}
# think_script N FILE: N steps, each a think call, then finish.
think_script() {
	{
		echo '{"replies": ['
		i=1
		while [ $i -lt "$1" ]; do
			echo "{\"chunk_size\": 64, \"tool_calls\": [{\"id\": \"t$i\", \"name\": \"think\", \"arguments\": {\"thought\": \"step $i of the plan\"}}]},"
			i=$((i + 1))
		done
		echo '{"tool_calls": [{"id": "end", "name": "finish", "arguments": {"message": "done"}}]}]}'
	} > "$2"
}
think_script "$N" "$B/script.json"
bench_fake "$B/script.json"
cd "$B/work"
/usr/bin/time -f "%e %U %S %M" -o "$B/time" "$CADE" -p "bench" --max-steps $((N + 5)) </dev/null >/dev/null 2>"$B/err" || { cat "$B/err"; exit 1; }
read -r wall user sys rss < "$B/time"
awk -v n="$N" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" 'BEGIN {
	printf "agent overhead: %d steps in %.2f s wall = %.0f steps/s\n", n, w, n / w
	printf "cade CPU: %.2f ms per step (user %.2f + sys %.2f s total); peak RSS %d KB\n", (u + s) * 1000 / n, u, s, m
}'
# The same with the session store on tmpfs, where fdatasync costs nothing:
# the difference is the price of durability on this machine's disk.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	export XDG_STATE_HOME=$(mktemp -d /dev/shm/cade-bench.XXXXXX)
	bench_fake "$B/script.json"
	/usr/bin/time -f "%e %U %S %M" -o "$B/time" "$CADE" -p "bench" --max-steps $((N + 5)) </dev/null >/dev/null 2>"$B/err" || { cat "$B/err"; exit 1; }
	rm -rf "$XDG_STATE_HOME"
	read -r wall user sys rss < "$B/time"
	awk -v n="$N" -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN {
		printf "store on tmpfs: %.0f steps/s, cade CPU %.2f ms per step\n", n / w, (u + s) * 1000 / n }'
fi
# CPU per extra step: two runs of different lengths, the difference divided
# by the extra steps (start-up and teardown cancel out; the store on tmpfs
# so only cade's own work counts).
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	cpu_of() {	# cpu_of N: cade's user+sys seconds for an N-step task
		n=$1
		think_script "$n" "$B/script-$n.json"
		export XDG_STATE_HOME=$(mktemp -d /dev/shm/cade-bench.XXXXXX)
		bench_fake "$B/script-$n.json"
		/usr/bin/time -f "%U %S" -o "$B/time" "$CADE" -p "bench" --max-steps $((n + 5)) </dev/null >/dev/null 2>&1
		rm -rf "$XDG_STATE_HOME"
		awk '{ printf "%.3f", $1 + $2 }' "$B/time"
	}
	a=$(cpu_of 50); b=$(cpu_of 450)
	awk -v a="$a" -v b="$b" 'BEGIN {
		printf "CPU per extra step (50 -> 450 steps): %.3f ms\n", (b - a) * 1000 / 400 }'
fi
