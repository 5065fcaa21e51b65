#!/bin/sh
# bench_agent.sh: the agent's own overhead per step, against the fake LLM
# with zero latency, each step a `think` call (no command runs), so what is
# measured is cade: request building, streaming, parsing, policy, events,
# the store.  Prints figures; asserts nothing.
#
#   1. N think steps (default 200), store on disk then on tmpfs: wall, CPU.
#   2. Durability: N file_editor steps (each changes a file, so the store
#      syncs around it), store on disk vs tmpfs: the wall-clock difference
#      per step is what fdatasync costs on this machine's disk.
#   3. A LONG-step session (default 1,000), sampled from outside while it
#      runs (/proc/PID/schedstat: CPU in ns; /proc/PID/status: VmRSS) at
#      requests 50, 100, 200, 450, 900 and LONG: CPU per extra step
#      (50 -> 450), CPU per step at 100-200 vs at 900-LONG (flatness), RSS
#      at 100, after warm-up (450: past the first condensation when there
#      is one) and at LONG, and the request size at 100 and LONG (the
#      conversation, which is what may grow).  Twice: with a window no
#      request reaches (the conversation grows all along), then with a
#      32k-token window (condensation bounds it).  Each repeated R times
#      (default 3); each figure is the range over the repetitions.
. "$(dirname "$0")/lib.sh"
N=${N:-200}
R=${R:-3}
LONG=${LONG:-1000}
# steps_script N FILE REPLY: N steps, step i's reply printed (with its
# comma) by `REPLY i`, then finish.
steps_script() {
	{
		echo '{"replies": ['
		i=1
		while [ $i -lt "$1" ]; do
			"$3" $i
			i=$((i + 1))
		done
		echo '{"tool_calls": [{"id": "end", "name": "finish", "arguments": {"message": "done"}}]}]}'
	} > "$2"
}
think_reply() {	# a think call
	echo "{\"chunk_size\": 64, \"tool_calls\": [{\"id\": \"t$1\", \"name\": \"think\", \"arguments\": {\"thought\": \"step $1 of the plan\"}}]},"
}
edit_reply() {	# a file_editor call creating a small file
	echo "{\"tool_calls\": [{\"id\": \"e$1\", \"name\": \"file_editor\", \"arguments\": {\"command\": \"create\", \"path\": \"f$1.txt\", \"file_text\": \"step $1\\\\n\", \"security_risk\": \"LOW\"}}]},"
}
think_script() { steps_script "$1" "$2" think_reply; }
edit_script() { steps_script "$1" "$2" edit_reply; }
# timed SCRIPT STEPS: run cade once on it; sets wall user sys rss.
timed() {
	bench_fake "$1"
	rm -rf "$B/work" && mkdir -p "$B/work"
	(cd "$B/work" && /usr/bin/time -f "%e %U %S %M" -o "$B/time" "$CADE" -p "bench" \
	    --max-steps $(($2 + 5)) </dev/null >/dev/null 2>"$B/err") || { cat "$B/err"; exit 1; }
	read -r wall user sys rss < "$B/time"
}
# on_tmpfs: the session store on tmpfs (where fdatasync costs nothing).
on_tmpfs() {
	TMPSTATE=$(mktemp -d /dev/shm/cade-bench.XXXXXX)
	export XDG_STATE_HOME=$TMPSTATE
}
off_tmpfs() {
	rm -rf "$TMPSTATE"
	export XDG_STATE_HOME=$B/state
}
have_shm=0
[ -d /dev/shm ] && [ -w /dev/shm ] && have_shm=1

# 1. Overhead per step.
think_script "$N" "$B/script.json"
timed "$B/script.json" "$N"
awk -v n="$N" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" 'BEGIN {
	printf "agent overhead: %d steps in %.2f s wall = %.0f steps/s\n", n, w, n / w
	printf "cade CPU: %.2f ms per step (user %.2f + sys %.2f s total); peak RSS %d KB\n", (u + s) * 1000 / n, u, s, m
}'
if [ $have_shm = 1 ]; then
	on_tmpfs
	timed "$B/script.json" "$N"
	off_tmpfs
	awk -v n="$N" -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN {
		printf "store on tmpfs: %.0f steps/s, cade CPU %.2f ms per step\n", n / w, (u + s) * 1000 / n }'
fi

# 2. Durability: steps that change a file are synced around (the decision,
# the start, the observation); think steps above are not.
if [ $have_shm = 1 ]; then
	printf 'checkpoints = false\n' > "$XDG_CONFIG_HOME/cade/config"
	edit_script "$N" "$B/edit.json"
	timed "$B/edit.json" "$N"; dw=$wall; dc=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
	on_tmpfs
	timed "$B/edit.json" "$N"; tw=$wall; tc=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
	off_tmpfs
	rm -f "$XDG_CONFIG_HOME/cade/config"
	awk -v n="$N" -v dw="$dw" -v tw="$tw" -v dc="$dc" -v tc="$tc" 'BEGIN {
		printf "durability: %d file-changing steps: %.2f ms wall per step with the store on disk, %.2f on tmpfs: fdatasync costs %.2f ms per changing step (cade CPU %.2f vs %.2f ms per step)\n",
		    n, dw * 1000 / n, tw * 1000 / n, (dw - tw) * 1000 / n, dc * 1000 / n, tc * 1000 / n }'
fi

# 3. The long session, sampled while it runs.
[ -r /proc/self/schedstat ] || { echo "long session: no /proc/PID/schedstat here; skipped"; exit 0; }
nreq() {	# requests the fake has received so far
	set -- "$RECORD"/req-*.json
	[ -e "$1" ] && echo $# || echo 0
}
# sampled STEPS MARKS...: run cade on $B/long.json; print "requests cpu_ns
# rss_kb" when the fake has received each mark's number of requests.
sampled() {
	steps=$1; shift
	bench_fake "$B/long.json"
	rm -rf "$B/work" && mkdir -p "$B/work"
	(cd "$B/work" && exec "$CADE" -p "bench" --max-steps $((steps + 5)) </dev/null >/dev/null 2>"$B/err") &
	pid=$!
	while [ $# -gt 0 ] && kill -0 $pid 2>/dev/null; do
		n=$(nreq)
		if [ "$n" -ge "$1" ]; then
			read -r cpu _ < /proc/$pid/schedstat || break
			while read -r k v _; do
				[ "$k" = VmRSS: ] && break
			done < /proc/$pid/status
			echo "$n $cpu $v"
			shift
			continue
		fi
		sleep 0.01
	done
	wait $pid || { cat "$B/err"; exit 1; }
}
# long_session LABEL CONFIG: R sampled runs of $B/long.json with the config
# file holding CONFIG; prints the figures as ranges over the runs.
long_session() {
	printf '%s\n' "$2" > "$XDG_CONFIG_HOME/cade/config"
	[ $have_shm = 1 ] && on_tmpfs
	: > "$B/long.txt"
	r=1
	while [ $r -le "$R" ]; do
		sampled $((LONG + 100)) 50 100 200 450 900 "$LONG" > "$B/samples"
		[ "$(wc -l < "$B/samples")" -eq 6 ] || { echo "long session: a sample was missed"; cat "$B/samples"; exit 1; }
		# the conversation sent: the request at 100, at LONG, the largest
		q1=$(stat -c %s "$RECORD/req-$(printf %04d 100).json")
		q2=$(stat -c %s "$RECORD/req-$(printf %04d "$LONG").json")
		qmax=$(ls -S "$RECORD"/req-*.json | head -1 | xargs stat -c %s)
		nc=$(grep -l "condensing the history" "$RECORD"/req-*.json | wc -l)
		awk -v q1="$q1" -v q2="$q2" -v qmax="$qmax" -v nc="$nc" '{ n[NR] = $1; c[NR] = $2; m[NR] = $3 } END {
			extra = (c[4] - c[1]) / (n[4] - n[1]) / 1e6
			early = (c[3] - c[2]) / (n[3] - n[2]) / 1e6
			late = (c[6] - c[5]) / (n[6] - n[5]) / 1e6
			grow = (m[6] - m[4]) * 1024 / (n[6] - n[4])
			print extra, early, late, late / early, m[2], m[4], m[6], m[6] / m[4], grow, q1, q2, qmax, nc
		}' "$B/samples" >> "$B/long.txt"
		r=$((r + 1))
	done
	[ $have_shm = 1 ] && off_tmpfs
	rm -f "$XDG_CONFIG_HOME/cade/config"
	awk -v long="$LONG" -v r="$R" -v label="$1" '
	function lo(i) { return min[i] } function hi(i) { return max[i] }
	{ for (i = 1; i <= NF; i++) { if (NR == 1 || $i < min[i]) min[i] = $i; if (NR == 1 || $i > max[i]) max[i] = $i } }
	END {
		printf "long session, %s (%d steps, store on tmpfs, %d runs; ranges min-max):\n", label, long, r
		printf "  CPU per extra step (50 -> 450): %.3f-%.3f ms\n", lo(1), hi(1)
		printf "  CPU per step at 100-200: %.3f-%.3f ms; at 900-%d: %.3f-%.3f ms; ratio %.2f-%.2f\n", lo(2), hi(2), long, lo(3), hi(3), lo(4), hi(4)
		printf "  RSS at 100: %d-%d KB; after warm-up (450): %d-%d KB; at %d: %d-%d KB; ratio %d/450 %.3f-%.3f (%.0f-%.0f bytes per step)\n", lo(5), hi(5), lo(6), hi(6), long, lo(7), hi(7), long, lo(8), hi(8), lo(9), hi(9)
		printf "  the conversation: request at 100 %d bytes, at %d %d bytes (%+.0f per step), largest %d; %d condensations\n", lo(10), long, lo(11), (lo(11) - lo(10)) / (long - 100), hi(12), hi(13)
	}' "$B/long.txt"
}
{
	echo '{"side_replies": [{"on_match": "condensing the history", "content": "SUMMARY: thought the plan through, step by step."}],'
	think_script $((LONG + 100)) /dev/stdout | sed 1s/^{//
} > "$B/long.json"
# A window no request reaches: the conversation grows all along.
long_session "no condensation" "context_window = 100000000"
# A 32k-token window: condensation bounds the conversation.
long_session "32k-token window" "context_window = 32768"
