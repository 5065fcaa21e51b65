#!/bin/sh
# bench_tui.sh: the TUI in a tmux pane (120x40, tmux-256color).
#  (a) exec to first complete frame: the pane's shell notes the time, then
#      execs cade, whose debug log records when the first frame was sent
#      (median of RUNS; includes starting the workspace shell);
#  (b) terminal pane throughput: `cat` of a 50 MB text file (MB), and of
#      20 MB (CMB) of colourful `ls --color=always -R`, typed into cade's
#      terminal pane, against the same in a bare tmux pane of the pane's
#      size, in the same tmux server and run; the last screenful must be
#      the same text in both; then the key-to-echo latency of the chat
#      input while the pane floods;
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

# (b) throughput: cade's terminal pane vs a bare tmux pane of the same
# size in the same tmux server.  The files live in the workspace (the
# pane's shell is sandboxed to it).  Each time runs from Enter to the
# moment capture-pane shows the marker echoed after the output; then the
# last screenful above the marker must be the same text in both panes.
seq -f "line %g of the throughput text: lorem ipsum dolor sit amet, consectetur adipiscing" 1 2000000 |
    head -c $((MB * 1024 * 1024)) > "$B/work/big.txt"
# Colourful: ls --color=always -R /usr (SGR on nearly every line), to CMB.
CMB=${CMB:-20}
while [ "$(stat -c %s "$B/work/colour.txt" 2>/dev/null || echo 0)" -lt $((CMB * 1024 * 1024)) ]; do
	ls --color=always -R /usr /etc 2>/dev/null >> "$B/work/colour.txt"
done
truncate -s $((CMB * 1024 * 1024)) "$B/work/colour.txt"
printf '\033[m\n' >> "$B/work/colour.txt"

TM send-keys -t b "clear; cd $B/work; exec $CADE" Enter
wait_for b 'keys here' 20 || exit 1
TM send-keys -t b F2
wait_for b 'keys go to the shell' 5 || exit 1
pid=$(TM display -p -t b '#{pane_pid}')	# the shell exec'd cade
grep -q cade /proc/$pid/cmdline || { echo "bench_tui: pane $pid is not cade" >&2; exit 1; }
# The terminal pane's rows: between its title bar and the status bar.
pane_rows() {	# pane_rows: cade's terminal pane, as text
	screen b | awk '/^ terminal / { on = 1; next } on { l[++n] = $0 } END { for (i = 1; i < n; i++) print l[i] }'
}
prow=$(pane_rows | wc -l)
pcol=$(TM display -p -t b '#{pane_width}')
TM new-session -d -s bare -x "$pcol" -y "$prow" "env PS1='sh\$ ' $ENVS sh"
wait_for bare 'sh$' 5 || exit 1
TM send-keys -t bare "cd $B/work" Enter
# The last screenful of output above the marker (the prompts differ).
tail_above() {	# tail_above FILE: the last prow-2 lines up to the marker line
	awk '/^BENCH-42-DONE$/ { m = NR } { l[NR] = $0 } END {
		for (i = m - n + 1; i <= m; i++) print l[i] }' n=$((prow - 2)) "$1"
}
ms_now() { echo $(( $(date +%s%N) / 1000000 )); }
cpu_of() { awk '{ print $14 + $15 }' /proc/$1/stat; }
hz=$(getconf CLK_TCK)
tpid=$(TM display -p -t bare '#{pid}')	# the tmux server
run_cat() {	# run_cat PANE FILE: sets _ms (Enter to marker), _cc/_tc (CPU ticks)
	TM send-keys -t "$1" "clear" Enter
	sleep 0.3
	_c0=$(cpu_of $pid)
	_t0=$(cpu_of $tpid)
	_s=$(ms_now)
	TM send-keys -t "$1" "cat $2; echo BENCH-\$((6*7))-DONE" Enter
	wait_for "$1" 'BENCH-42-DONE' 600 || exit 1
	_ms=$(( $(ms_now) - _s ))
	_cc=$(( $(cpu_of $pid) - _c0 ))
	_tc=$(( $(cpu_of $tpid) - _t0 ))
}
bench_cat() {	# bench_cat FILE LABEL
	_bytes=$(stat -c %s "$B/work/$1")
	run_cat bare "$1"
	_bare=$_ms _tb=$_tc
	screen bare > "$B/bare.screen"
	run_cat b "$1"
	_pane=$_ms
	sleep 0.2	# the frame after the marker's
	pane_rows > "$B/pane.screen"
	tail_above "$B/bare.screen" > "$B/bare.tail"
	tail_above "$B/pane.screen" > "$B/pane.tail"
	if [ -s "$B/bare.tail" ] && cmp -s "$B/bare.tail" "$B/pane.tail"; then
		_same="screen identical ($((prow - 2)) rows)"
	else
		_same="SCREEN DIFFERS"
		diff "$B/bare.tail" "$B/pane.tail" | head -10 >&2
	fi
	awk -v b="$_bytes" -v bare="$_bare" -v pane="$_pane" -v cpu="$_cc" -v tb="$_tb" -v tc="$_tc" -v hz="$hz" -v l="$2" -v same="$_same" 'BEGIN {
		printf "(b) %s, %.0f MB: bare tmux pane %.2f s (%.1f MB/s, tmux CPU %.2f s); cade pane %.2f s (%.1f MB/s; cade CPU %.2f s, tmux CPU %.2f s): %.2fx the bare speed; %s\n",
		    l, b / 1048576, bare / 1000, b / 1048576 / (bare / 1000), tb / hz, pane / 1000, b / 1048576 / (pane / 1000), cpu / hz, tc / hz, bare / pane, same
	}'
}
bench_cat big.txt "cat of text"
bench_cat colour.txt "cat of colourful ls -R"

# Key-to-echo latency in the chat input while the pane floods: a key sent
# with send-keys, then capture-pane polled until the input shows it.  The
# same with the pane idle gives the cost of the measurement itself.
echo_latency() {	# echo_latency N: "p50 p95 max" in ms
	_str=
	: > "$B/lat"
	_i=0
	while [ $_i -lt "$1" ]; do
		_str="${_str}z"
		_s=$(date +%s%N)
		TM send-keys -t b -l z
		_t=3000
		until screen b | grep -qF -- "> $_str"; do
			_t=$((_t - 1))
			[ $_t -gt 0 ] || { echo "bench_tui: no echo" >&2; return 1; }
		done
		echo $(( ($(date +%s%N) - _s) / 100000 )) >> "$B/lat"	# 0.1 ms
		_i=$((_i + 1))
		sleep 0.05
	done
	sort -n "$B/lat" | awk '{ a[NR] = $1 } END {
		printf "p50 %.1f ms, p95 %.1f ms, max %.1f ms", a[int(NR * 0.5 + 0.5)] / 10, a[int(NR * 0.95 + 0.5)] / 10, a[NR] / 10 }'
}
KEYS=${KEYS:-40}
TM send-keys -t b "clear" Enter
sleep 0.2
TM send-keys -t b C-]
wait_for b 'keys here' 5 || exit 1
idle=$(echo_latency "$KEYS") || exit 1
TM send-keys -t b C-u
TM send-keys -t b F2
wait_for b 'keys go to the shell' 5 || exit 1
TM send-keys -t b "while :; do cat colour.txt big.txt; done" Enter
sleep 1
TM send-keys -t b C-]
wait_for b 'keys here' 5 || exit 1
flood=$(echo_latency "$KEYS") || exit 1
TM send-keys -t b C-u F2
wait_for b 'keys go to the shell' 5 || exit 1
TM send-keys -t b C-c
sleep 0.5
TM send-keys -t b "clear" Enter
echo "(b) key-to-echo in the chat input ($KEYS keys): pane flooding $flood; pane idle (the measurement's own cost) $idle"

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
