#!/bin/sh
# bench_batch.sh: cade batch against the fake LLM answering every request
# after 200 ms: 20 one-step tasks at --jobs 1 and --jobs 8 (wall seconds and
# cade's CPU seconds, and their ratio), then the peak RSS of a 100-task batch
# at --jobs 8.  Prints figures; asserts nothing.
. "$(dirname "$0")/lib.sh"
mkdir -p "$B/proj"
printf 'sandbox = off\n' > "$XDG_CONFIG_HOME/cade/config"
cat > "$B/script.json" <<'JSON'
{"replies": [], "side_replies": [{"on_match": "bench-task", "first_byte_delay_ms": 200, "content": "done"}]}
JSON
bench_fake "$B/script.json"
export LLM_API_KEY=sk-bench
tasks() {	# tasks N: N one-step tasks in the project
	i=1
	while [ $i -le "$1" ]; do
		printf '{"id": "t%d", "prompt": "bench-task %d", "dir": "%s"}\n' $i $i "$B/proj"
		i=$((i + 1))
	done > "$B/tasks-$1.jsonl"
}
run() {	# run N JOBS: prints "wall user+sys maxrss_kb"
	/usr/bin/time -f '%e %U %S %M' -o "$B/time" "$CADE" batch "$B/tasks-$1.jsonl" \
		--jobs "$2" --isolate none --report "$B/r-$1-$2.json" >/dev/null 2>&1
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$B/time"
}
tasks 20
tasks 100
set -- $(run 20 1); w1=$1 c1=$2
set -- $(run 20 8); w8=$1 c8=$2
echo "batch: 20 one-step tasks, fake LLM latency 200 ms"
echo "  --jobs 1: wall ${w1} s, cade CPU ${c1} s"
echo "  --jobs 8: wall ${w8} s, cade CPU ${c8} s"
awk -v a="$w1" -v b="$w8" 'BEGIN { printf "  speed-up jobs 8 / jobs 1: %.1fx (ideal 8x)\n", a / b }'
set -- $(run 100 8)
echo "batch: 100 one-step tasks at --jobs 8: wall $1 s, cade CPU $2 s, peak RSS $(( $3 / 1024 )) MB"
