# tests/lib.sh: TAP helpers for shell tests.  Source it; call ok/skip; end with done_testing.
: "${CADE:=$PWD/src/cade}"
: "${FAKELLM:=$PWD/tests/fakellm}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
_n=0
_failed=0
ok() {	# ok CONDITION-EXIT-STATUS DESCRIPTION
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; _failed=$((_failed + 1)); fi
}
check() {	# check DESCRIPTION COMMAND...
	_d=$1; shift
	if "$@" >/dev/null 2>&1; then ok 0 "$_d"; else ok 1 "$_d"; fi
}
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $1"; }
diag() { echo "# $*"; }
done_testing() { echo "1..$_n"; [ "$_failed" -eq 0 ]; exit $?; }
# A private HOME/XDG tree so tests never touch the real user's files.
setup_home() {
	T=$(mktemp -d /tmp/cade-test.XXXXXX)
	export HOME=$T/home XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state
	mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_STATE_HOME"
	unset LLM_API_KEY OPENAI_API_KEY LLM_BASE_URL OPENAI_BASE_URL LLM_MODEL CADE_LOG
	trap 'cleanup' EXIT
}
cleanup() {
	[ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null
	[ -n "${T:-}" ] && rm -rf "$T"
}
# start_fake SCRIPT: starts the fake LLM, sets FAKE_PORT, FAKE_URL, RECORD.
start_fake() {
	RECORD=$T/record; rm -rf "$RECORD" "$T/port"; mkdir -p "$RECORD"
	"$FAKELLM" --script "$1" --record "$RECORD" --port-file "$T/port" --timeout 120 >/dev/null 2>"$T/fake.err" &
	FAKE_PID=$!
	for _i in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
	FAKE_PORT=$(cat "$T/port")
	FAKE_URL="http://127.0.0.1:$FAKE_PORT/v1"
	export LLM_BASE_URL=$FAKE_URL LLM_API_KEY=sk-test-secret-key-0123
}
# For tmux tests that define screen() (the pane as text): wait for text to
# show (wait_for TEXT [SECONDS]) or to go (wait_gone TEXT [SECONDS]).
wait_for() {
	_t=$(( ${2:-15} * 10 ))
	while [ $_t -gt 0 ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1; _t=$((_t - 1))
	done
	diag "timed out waiting for '$1'"; screen | sed 's/^/#   /' | head -45
	return 1
}
# tui_shell NAME COLS ROWS: a tmux session NAME (the test's TM, screen()
# and $T/tmux.conf) running sh with the test's private HOME and endpoint,
# its prompt "sh$ " shown.
tui_shell() {
	TM -f "$T/tmux.conf" new-session -d -s "$1" -x "$2" -y "$3" \
	    "env PS1='sh\$ ' ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME LLM_BASE_URL=$LLM_BASE_URL LLM_API_KEY=$LLM_API_KEY sh"
	wait_for 'sh$' 10
}
# prompt_keys TARGET: the confirmation prompt on TARGET (a tmux pane) holds
# the keyboard and its keys count: F9 when it waits (the person was
# typing), then the end of the input-protection delay.
prompt_keys() {
	wait_for ' confirm ' || return 1
	screen | grep -qF 'F9 answers' && TM send-keys -t "$1" F9
	wait_for 'y approve'
}
# wait_until SECONDS COMMAND [ARG...]: run COMMAND (a test's predicate)
# until it succeeds; 1 if it never does within SECONDS.
wait_until() {
	_t=$(( $1 * 10 )); shift
	while [ $_t -gt 0 ]; do
		"$@" && return 0
		sleep 0.1; _t=$((_t - 1))
	done
	diag "timed out waiting for: $*"
	return 1
}
wait_gone() {
	_t=$(( ${2:-15} * 10 ))
	while [ $_t -gt 0 ]; do
		screen | grep -qF -- "$1" || return 0
		sleep 0.1; _t=$((_t - 1))
	done
	diag "'$1' still on screen"; return 1
}
# need_docker IMAGE: 0 if a daemon answers and IMAGE exists (built offline by
# tests/docker/mkimage.sh if missing); otherwise report (a skip, or a
# failure when CI=true), end the test and exit.
need_docker() {
	if docker info >/dev/null 2>&1 && { docker image inspect "$1" >/dev/null 2>&1 ||
	    sh "$top_srcdir/tests/docker/mkimage.sh" >&2; }; then
		return 0
	fi
	if [ "${CI:-}" = true ]; then
		ok 1 "Docker daemon available (CI=true: a missing daemon is a failure)"
	else
		_n=$((_n + 1)); echo "ok $_n # SKIP: no Docker daemon"
	fi
	done_testing
}
