#!/bin/sh
# bench_docker.sh: how long the Docker workspace takes to get going.  Runs
# `cade -p` headless 10 times (N) against the fake LLM, whose first reply is
# one terminal command, and prints medians of: launch -> session_start
# (container created and started, shell exec attached), launch -> the first
# command's observation (start-to-first-command, the headline figure), and
# the whole run including teardown (stop + remove).  The same run with the
# local workspace is printed for comparison.  Needs a daemon and the image
# cade-test:1 (tests/docker/mkimage.sh builds it offline).
. "$(dirname "$0")/lib.sh"
N=${N:-10}
IMAGE=${IMAGE:-cade-test:1}
docker info >/dev/null 2>&1 || { echo "bench_docker: no Docker daemon"; exit 0; }
docker image inspect "$IMAGE" >/dev/null 2>&1 ||
    sh "$top_srcdir/tests/docker/mkimage.sh" >/dev/null || exit 1
cat > "$B/script.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "c1", "name": "terminal", "arguments": {"command": "echo first-command", "security_risk": "LOW"}}]},
 {"content": "done"}
]}
JSON
cd "$B/work"
ms() { date -d "$1" +%s%3N; }	# ISO 8601 -> epoch ms (GNU date)
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
run() {	# run KIND: N runs, medians printed
	: > "$B/ready"; : > "$B/first"; : > "$B/total"
	i=0
	while [ $i -lt "$N" ]; do
		bench_fake "$B/script.json"
		t0=$(date +%s%3N)
		"$CADE" -p "bench" --workspace "$1" --image "$IMAGE" --yes --json \
		    </dev/null >"$B/out.jsonl" 2>"$B/err" || { cat "$B/err"; exit 1; }
		t3=$(date +%s%3N)
		t1=$(ms "$(grep '"type":"session_start"' "$B/out.jsonl" | sed 's/.*"ts":"\([^"]*\)".*/\1/')")
		t2=$(ms "$(grep '"type":"observation"' "$B/out.jsonl" | head -1 | sed 's/.*"ts":"\([^"]*\)".*/\1/')")
		grep '"type":"observation"' "$B/out.jsonl" | grep -q 'first-command' ||
		    { echo "bench_docker: the command did not run"; exit 1; }
		echo $((t1 - t0)) >> "$B/ready"
		echo $((t2 - t0)) >> "$B/first"
		echo $((t3 - t0)) >> "$B/total"
		i=$((i + 1))
	done
	printf '%-7s median of %d: ready %s ms, start-to-first-command %s ms, whole run with teardown %s ms\n' \
	    "$1:" "$N" "$(median < "$B/ready")" "$(median < "$B/first")" "$(median < "$B/total")"
}
run docker
run local
left=$(docker ps -aq --filter "label=cade.root=$B/work")
[ -z "$left" ] || echo "bench_docker: containers left behind: $left"
