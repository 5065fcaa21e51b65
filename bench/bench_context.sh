#!/bin/sh
# bench_context.sh: request bytes of a 100-step session with 4 KB
# observations, with condensation (a 32k-token window) and without (a huge
# window, no shortening).  Prints total bytes sent and bytes per step.
. "$(dirname "$0")/lib.sh"
N=${N:-100}
{
	echo '{"side_replies": [{"on_match": "condensing the history", "content": "SUMMARY: printed ranges of numbers, all fine."}], "replies": ['
	i=1
	while [ $i -lt $N ]; do
		echo "{\"tool_calls\": [{\"id\": \"n$i\", \"name\": \"terminal\", \"arguments\": {\"command\": \"seq $i 1000000 | head -c 4000\", \"security_risk\": \"LOW\"}}]},"
		i=$((i + 1))
	done
	echo '{"tool_calls": [{"id": "end", "name": "finish", "arguments": {"message": "done"}}]}]}'
} > "$B/script.json"
cd "$B/work"
run() {	# run LABEL CONFIG-LINES
	printf '%s\n' "$2" > "$XDG_CONFIG_HOME/cade/config"
	bench_fake "$B/script.json"
	"$CADE" -p "print ranges" -m bench-model --max-steps $((N + 5)) </dev/null >/dev/null 2>"$B/err" || { cat "$B/err"; exit 1; }
	ls "$RECORD"/req-*.json | xargs wc -c | awk -v label="$1" '
		$2 != "total" { n++; sum += $1; if ($1 > max) max = $1; last = $1 }
		END { printf "%-22s %4d requests, %10d bytes total, %8d bytes/request average, last %7d, max %7d\n", label, n, sum, sum / n, last, max }'
}
run "without condensation:" "model.bench-model.context_window = 100000000
keep_recent = 100000"
run "with condensation:" "model.bench-model.context_window = 32768
model.bench-model.output_reserve = 2048"
