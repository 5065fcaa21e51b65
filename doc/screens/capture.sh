#!/bin/sh
# capture.sh: regenerate the doc/screens/*.txt dumps: a scripted session
# against the fake LLM in a 120x40 tmux pane, read back with capture-pane
# (plain text, and -ansi.txt with the colour escapes).
#   top_builddir=BUILD sh doc/screens/capture.sh [OUTDIR]
: "${top_builddir:=$PWD}"
CADE=${CADE:-$top_builddir/src/cade}
FAKELLM=${FAKELLM:-$top_builddir/tests/fakellm}
OUT=${1:-$(cd "$(dirname "$0")" && pwd)}
# The shipped themes (light) from this source tree, installed or not.
CADE_DATADIR=${CADE_DATADIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export CADE_DATADIR
mkdir -p "$OUT"
export LC_ALL=C.UTF-8
T=$(mktemp -d /tmp/cade-screens.XXXXXX)
SOCK=cade-screens-$$
TM() { tmux -L "$SOCK" "$@"; }
trap 'TM kill-server 2>/dev/null; kill $FAKE_PID 2>/dev/null; rm -rf "$T"' EXIT
export HOME=$T/home XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state
mkdir -p "$HOME" "$XDG_CONFIG_HOME/cade" "$XDG_STATE_HOME" "$T/demo/src"
printf 'split_width = 100\nsplit_ratio = 55\n' > "$XDG_CONFIG_HOME/cade/config"
cat > "$T/demo/src/calc.c" <<'C'
#include <stdio.h>

int
add(int a, int b)
{
	return a - b;
}

int
main(void)
{
	printf("2 + 3 = %d\n", add(2, 3));
	return add(2, 3) == 5 ? 0 : 1;
}
C
cat > "$T/script.json" <<'JSON'
{"replies": [
 {"content": "I'll reproduce it first, then fix `add()`.", "tool_calls": [{"id": "p1", "name": "task_tracker", "arguments": {"command": "plan", "task_list": [{"title": "reproduce the failure", "status": "in_progress"}, {"title": "fix add()", "status": "todo"}, {"title": "run the program again", "status": "todo"}]}}]},
 {"tool_calls": [{"id": "t1", "name": "terminal", "arguments": {"command": "cc -Wall -o calc src/calc.c && ./calc; echo status=$?", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "e1", "name": "file_editor", "arguments": {"command": "str_replace", "path": "src/calc.c", "old_str": "\treturn a - b;", "new_str": "\treturn a + b;", "security_risk": "MEDIUM"}}]},
 {"tool_calls": [{"id": "t2", "name": "terminal", "arguments": {"command": "cc -Wall -o calc src/calc.c && ./calc; echo status=$?", "security_risk": "LOW"}}]},
 {"content": "## Fixed\n\n`add()` subtracted instead of adding:\n\n- changed **one line** in `src/calc.c`\n- the program now prints `2 + 3 = 5` and exits 0\n\n| call | before | after |\n|------|-------:|------:|\n| add(2, 3) | -1 | 5 |\n\n```c\nint add(int a, int b) { return a + b; }\n```"}
]}
JSON
RECORD=$T/record; mkdir -p "$RECORD"
"$FAKELLM" --script "$T/script.json" --port-file "$T/port" --timeout 120 >/dev/null 2>&1 &
FAKE_PID=$!
for _i in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
export LLM_BASE_URL="http://127.0.0.1:$(cat "$T/port")/v1" LLM_API_KEY=sk-demo
wait_for() {
	_t=300
	while [ $_t -gt 0 ]; do
		TM capture-pane -p -t s | grep -qF -- "$1" && return 0
		sleep 0.1; _t=$((_t - 1))
	done
	echo "capture.sh: timed out waiting for '$1'" >&2; exit 1
}
dump() { TM capture-pane -p -t s > "$OUT/$1.txt"; TM capture-pane -p -e -t s > "$OUT/$1-ansi.txt"; }
printf 'set -g default-terminal tmux-256color\nset -g status off\n' > "$T/tmux.conf"
screen() { TM capture-pane -p -t s; }
# Wait until the screen no longer shows $1 (at most 5 s: the next prompt
# may come up before a poll sees this one go).
wait_gone() {
	_g=50
	while [ $_g -gt 0 ] && screen | grep -qF -- "$1"; do
		sleep 0.1; _g=$((_g - 1))
	done
}
# Run the session: $1 = extra flags, $2 = name of the main dump.
session() {
	TM -f "$T/tmux.conf" new-session -d -s s -x 120 -y 40 "cd $T/demo && $CADE -m demo-model $1"
	wait_for 'keys here'
	TM send-keys -t s "the program in src/calc.c says 2 + 3 = -1; fix it" Enter
	# Approve each action as a person would.  A prompt takes the keyboard
	# by itself only when nobody typed in the last second; otherwise it
	# says "Tab or F9 answers" and F9 gives it the keyboard.  Its keys
	# (y approve ...) show once it holds the keyboard and its short
	# input-protection delay is over; keep the prompt with the edit's diff.
	_t=600
	while [ $_t -gt 0 ] && ! screen | grep -qF 'int add(int a, int b)'; do
		_s=$(screen)
		case $_s in
		*'y approve'*)
			case $_s in *'confirm  file_editor'*) dump confirm ;; esac
			TM send-keys -t s y
			wait_gone 'y approve' ;;
		*'F9 answers'*)
			TM send-keys -t s F9
			wait_for 'y approve' ;;
		esac
		sleep 0.1; _t=$((_t - 1))
	done
	wait_for ' idle '
	dump "$2"
	TM kill-server
}
rm -f "$RECORD"/*
session "--confirm always" main
kill $FAKE_PID; wait $FAKE_PID 2>/dev/null
cp "$T/demo/src/calc.c" "$T/calc.fixed"
sed -i 's/return a + b;/return a - b;/' "$T/demo/src/calc.c"
"$FAKELLM" --script "$T/script.json" --port-file "$T/port2" --timeout 120 >/dev/null 2>&1 &
FAKE_PID=$!
for _i in $(seq 1 100); do [ -s "$T/port2" ] && break; sleep 0.05; done
export LLM_BASE_URL="http://127.0.0.1:$(cat "$T/port2")/v1"
mv "$OUT/confirm.txt" "$T/c.txt"; mv "$OUT/confirm-ansi.txt" "$T/c-ansi.txt"
session "--confirm always --theme light" light
mv "$T/c.txt" "$OUT/confirm.txt"; mv "$T/c-ansi.txt" "$OUT/confirm-ansi.txt"
