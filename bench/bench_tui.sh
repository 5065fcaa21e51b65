#!/bin/sh
# bench_tui.sh: the TUI in a tmux pane (120x40, tmux-256color).
#  (a) exec to first complete frame: the pane's shell notes the time, then
#      execs cade, whose debug log records when the first frame was sent
#      (median of RUNS; includes starting the workspace shell);
#  (b) terminal pane throughput: `cat` of a 50 MB text file typed into
#      cade's terminal pane, against the same in a bare tmux pane, in the
#      same tmux server and run;
#  (c) CPU while idle: cade's user+sys ticks and context switches over 10 s
#      with nothing happening (should be ~0: no timers while idle).
. "$(dirname "$0")/lib.sh"
export LC_ALL=C.UTF-8
command -v tmux >/dev/null 2>&1 || { echo "bench_tui: tmux not installed"; exit 0; }
RUNS=${RUNS:-5}
MB=${MB:-50}
SOCK=cade-bench-$$
TM() { tmux -L "$SOCK" "$@"; }
trap 'TM kill-server 2>/dev/null; [ -n "${FAKE_PID:-}" ] && kill $FAKE_PID 2>/dev/null; rm -rf "$B"' EXIT
printf 'set -g default-terminal tmux-256color\nset -g status off\nset -g history-limit 2000\nset -g remain-on-exit on\n' > "$B/tmux.conf"
echo '{"replies": []}' > "$B/script.json"
bench_fake "$B/script.json"
export LLM_API_KEY=sk-bench
ENVS="HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME LLM_BASE_URL=$LLM_BASE_URL LLM_API_KEY=$LLM_API_KEY LC_ALL=C.UTF-8"
TM -f "$B/tmux.conf" new-session -d -s b -x 120 -y 40 "env PS1='sh\$ ' $ENVS sh"
screen() { TM capture-pane -p -t "$1"; }
wait_for() {	# wait_for PANE TEXT [SECONDS]
	_t=$(( ${3:-60} * 100 ))
	while [ $_t -gt 0 ]; do
		screen "$1" | grep -qF -- "$2" && return 0
		sleep 0.01; _t=$((_t - 1))
	done
	echo "bench_tui: timed out waiting for '$2'" >&2; return 1
}
ms_of_iso() { date -d "$1" +%s%3N; }
wait_for b 'sh$' 5

# (a) exec to first frame.
: > "$B/firsts"
i=0
while [ $i -lt "$RUNS" ]; do
	rm -f "$B/log"
	TM send-keys -t b "clear; cd $B/work; date +%s%3N > $B/t0; exec $CADE --log $B/log" Enter
	wait_for b 'keys here' 20 || exit 1
	t0=$(cat "$B/t0")
	line=$(grep 'first frame' "$B/log" | head -1)
	t1=$(ms_of_iso "$(echo "$line" | cut -d' ' -f1)")
	inner=$(echo "$line" | sed -E 's/.*first frame ([0-9]+) ms.*/\1/')
	echo "$((t1 - t0)) $inner" >> "$B/firsts"
	TM send-keys -t b "/quit" Enter
	sleep 0.3
	TM respawn-pane -k -t b "env PS1='sh\$ ' $ENVS sh"
	wait_for b 'sh$' 5
	i=$((i + 1))
done
sort -n "$B/firsts" | awk -v n="$RUNS" '{ a[NR] = $1; b[NR] = $2 } END {
	m = int((n + 1) / 2)
	printf "(a) exec to first complete frame: median %d ms (min %d, max %d; %d runs); of which after main(): %d ms\n", a[m], a[1], a[n], n, b[m]
}'

# (b) throughput: cade's terminal pane vs a bare tmux pane.
seq -f "line %g of the throughput text: lorem ipsum dolor sit amet, consectetur adipiscing" 1 2000000 |
    head -c $((MB * 1024 * 1024)) > "$B/big.txt"
bytes=$(stat -c %s "$B/big.txt")
TM new-window -d -t b -n bare "env PS1='sh\$ ' $ENVS sh"
wait_for b:bare 'sh$' 5
TM send-keys -t b:bare "clear" Enter
sleep 0.3
s=$(date +%s%3N)
TM send-keys -t b:bare "cat $B/big.txt; echo BENCH-\$((6*7))-DONE" Enter
wait_for b:bare 'BENCH-42-DONE' 600 || exit 1
bare=$(( $(date +%s%3N) - s ))

TM send-keys -t b "clear; cd $B/work; exec $CADE" Enter
wait_for b 'keys here' 20 || exit 1
TM send-keys -t b F2
wait_for b 'keys go to the shell' 5
sleep 0.5
pid=$(TM display -p -t b '#{pane_pid}')	# the shell exec'd cade
grep -q cade /proc/$pid/cmdline || { echo "bench_tui: pane $pid is not cade" >&2; exit 1; }
read -r u0 s0 <<EOF
$(awk '{ print $14, $15 }' /proc/$pid/stat)
EOF
s=$(date +%s%3N)
TM send-keys -t b "cat $B/big.txt; echo BENCH-\$((6*7))-DONE" Enter
wait_for b 'BENCH-42-DONE' 600 || exit 1
pane=$(( $(date +%s%3N) - s ))
read -r u1 s1 <<EOF
$(awk '{ print $14, $15 }' /proc/$pid/stat)
EOF
hz=$(getconf CLK_TCK)
awk -v b="$bytes" -v bare="$bare" -v pane="$pane" -v cpu=$(( (u1 - u0) + (s1 - s0) )) -v hz="$hz" 'BEGIN {
	printf "(b) cat of %.0f MB: bare tmux pane %.2f s (%.1f MB/s); cade terminal pane %.2f s (%.1f MB/s), %.2fx the bare time; cade CPU %.2f s\n",
	    b / 1048576, bare / 1000, b / 1048576 / (bare / 1000), pane / 1000, b / 1048576 / (pane / 1000), pane / bare, cpu / hz
}'

# (c) idle CPU over 10 s.
TM send-keys -t b C-]
sleep 2
read -r u0 s0 <<EOF
$(awk '{ print $14, $15 }' /proc/$pid/stat)
EOF
c0=$(awk '/^voluntary_ctxt_switches/ { v = $2 } /^nonvoluntary_ctxt_switches/ { n = $2 } END { print v + n }' /proc/$pid/status)
sleep 10
read -r u1 s1 <<EOF
$(awk '{ print $14, $15 }' /proc/$pid/stat)
EOF
c1=$(awk '/^voluntary_ctxt_switches/ { v = $2 } /^nonvoluntary_ctxt_switches/ { n = $2 } END { print v + n }' /proc/$pid/status)
awk -v t=$(( (u1 - u0) + (s1 - s0) )) -v hz="$hz" -v cs=$((c1 - c0)) 'BEGIN {
	printf "(c) idle for 10 s: %d CPU ticks (%.0f ms user+sys), %d context switches (wake-ups)\n", t, t * 1000 / hz, cs
}'
TM send-keys -t b "/quit" Enter
