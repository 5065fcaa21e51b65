#!/bin/sh
# bench_stream.sh: bytes cade writes to the outer terminal while it streams
# a 2,000-token answer in the TUI (tmux pipe-pane records the pane's
# output), per byte of streamed text, and the number of full-screen
# repaints (clear-screen sequences), at 200x60 and 80x24.  Prints figures;
# asserts nothing.
. "$(dirname "$0")/lib.sh"
export LC_ALL=C.UTF-8
command -v tmux >/dev/null 2>&1 || { echo "bench_stream: tmux not installed"; exit 0; }
SOCK=cade-stream-$$
TM() { tmux -L "$SOCK" "$@"; }
trap 'TM kill-server 2>/dev/null; [ -n "${FAKE_PID:-}" ] && kill $FAKE_PID 2>/dev/null; rm -rf "$B"' EXIT
printf 'set -g default-terminal tmux-256color\nset -g status off\n' > "$B/tmux.conf"
printf 'sandbox = off\n' > "$XDG_CONFIG_HOME/cade/config"
# About 2,000 tokens of prose (8,000 bytes), streamed 16 bytes a chunk.
text=$(i=0; while [ $i -lt 160 ]; do printf 'Sentence %03d of the streamed answer, plain prose. ' $i; i=$((i + 1)); done)
tbytes=$(printf '%s' "$text END-OF-ANSWER" | wc -c)
printf '{"replies": [], "side_replies": [{"on_match": "stream please", "chunk_size": 16, "delay_ms": 2, "content": "%s END-OF-ANSWER"}]}\n' "$text" > "$B/script.json"
bench_fake "$B/script.json"
export LLM_API_KEY=sk-bench
ENVS="HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME LLM_BASE_URL=$LLM_BASE_URL LLM_API_KEY=$LLM_API_KEY LC_ALL=C.UTF-8"
for size in 200x60 80x24; do
	w=${size%x*} h=${size#*x}
	# A server of its own per size: a new session on the socket of a
	# server that is still exiting fails ("server exited unexpectedly").
	SOCK=cade-stream-$$-$w
	TM -f "$B/tmux.conf" new-session -d -s s -x "$w" -y "$h" "env $ENVS $CADE"
	t=0; while [ $t -lt 400 ] && ! TM capture-pane -p -t s | grep -q 'keys here'; do sleep 0.05; t=$((t + 1)); done
	: > "$B/out"
	TM pipe-pane -t s "cat >> $B/out"
	TM send-keys -t s "stream please" Enter
	t=0; while [ $t -lt 600 ] && ! grep -q 'END-OF-ANSWER' "$B/out" 2>/dev/null; do sleep 0.05; t=$((t + 1)); done
	sleep 1	# the last frames and the status bar settle
	TM pipe-pane -t s
	if ! grep -q 'END-OF-ANSWER' "$B/out" 2>/dev/null; then
		echo "stream $size: the answer never reached the terminal (no figure)"
		TM kill-server 2>/dev/null
		continue
	fi
	bytes=$(stat -c %s "$B/out")
	clears=$(grep -c "$(printf '\033\\[2J')" "$B/out" 2>/dev/null || true)
	awk -v s="$size" -v b="$bytes" -v t="$tbytes" -v c="${clears:-0}" 'BEGIN {
		printf "stream %s: %d bytes to the terminal for %d bytes of text: %.2f per text byte; %d full-screen repaints\n", s, b, t, b / t, c }'
	TM kill-server
done
