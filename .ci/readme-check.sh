#!/usr/bin/env bash
# The README's two commands, exactly as written, run in-tree on a clean copy
# of the checkout: the newcomer's path (in-tree build, then `make check`).
# The first command ends by launching the TUI, so it runs in a tmux window
# and is quit with Ctrl-D once the TUI is on screen.  Usage: readme-check.sh
# CLEAN_COPY_DIR (a copy of the checkout made before anything was built).
set -euo pipefail
dir=$1
readme=$dir/README.md
logs=$(mktemp -d)
mkdir -p "$logs/home"	# the TUI's sessions and config stay out of the real HOME
# The first two ```sh blocks of the README: set-up-and-build, then tests.
mapfile -t cmds < <(awk '/^```sh$/ { on = 1; next } /^```$/ { on = 0 }
	on && n < 2 { print; n++ }' "$readme")
[ "${#cmds[@]}" -eq 2 ] || { echo "readme-check: cannot find the two commands in $readme"; exit 1; }
echo "== README command 1: ${cmds[0]}"
sock=readme-check-$$
rc=$logs/rc
rm -f "$rc"
printf '%s\n' "${cmds[0]}" > "$logs/cmd1"
# No key in the environment: the TUI still opens (and is quit at once).
# The TUI needs the terminal, so nothing is redirected: the pane's output
# is logged with pipe-pane (set up before the command is let go).
tmux -L "$sock" new-session -d -x 120 -y 40 -c "$dir" \
	"while [ ! -e $logs/go ]; do sleep 0.1; done; env -u LLM_API_KEY -u OPENAI_API_KEY HOME=$logs/home XDG_CONFIG_HOME= XDG_STATE_HOME= bash -e $logs/cmd1; echo \$? >$rc"
tmux -L "$sock" pipe-pane -o "cat >>$logs/log1"
: > "$logs/go"
# Building takes minutes on CI: wait for the TUI (or the end) with a deadline.
deadline=$(( $(date +%s) + 1800 ))
while [ ! -s "$rc" ] && [ "$(date +%s)" -lt "$deadline" ]; do
	if tmux -L "$sock" capture-pane -p 2>/dev/null | grep -q 'session [0-9]'; then
		tmux -L "$sock" send-keys C-d 2>/dev/null || true
	fi
	sleep 2
done
tmux -L "$sock" kill-server 2>/dev/null || true
if [ "$(cat "$rc" 2>/dev/null)" != 0 ]; then
	echo "readme-check: the README's first command failed (status $(cat "$rc" 2>/dev/null || echo none))"
	tail -50 "$logs/log1"; exit 1
fi
echo "== README command 2: ${cmds[1]}"
(cd "$dir" && bash -ec "${cmds[1]}") >"$logs/log2" 2>&1 || {
	echo "readme-check: the README's test command failed"
	tail -30 "$logs/log2"; tail -200 "$dir/test-suite.log" 2>/dev/null; exit 1; }
grep -E '^# (TOTAL|PASS|FAIL|ERROR|SKIP):' "$dir/test-suite.log"
