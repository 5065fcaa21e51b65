# bench/lib.sh: shared set-up for the shell benchmarks (a private HOME, the
# fake LLM on loopback).  Benchmarks print figures; they assert nothing.
: "${top_builddir:=$PWD}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
CADE=${CADE:-$top_builddir/src/cade}
FAKELLM=${FAKELLM:-$top_builddir/tests/fakellm}
B=$(mktemp -d /tmp/cade-bench.XXXXXX)
export HOME=$B/home XDG_CONFIG_HOME=$B/config XDG_STATE_HOME=$B/state
mkdir -p "$HOME" "$XDG_CONFIG_HOME/cade" "$XDG_STATE_HOME" "$B/work"
unset LLM_API_KEY OPENAI_API_KEY LLM_MODEL CADE_LOG
trap '[ -n "${FAKE_PID:-}" ] && kill $FAKE_PID 2>/dev/null; rm -rf "$B"' EXIT
bench_fake() {	# bench_fake SCRIPT: start the fake LLM; sets RECORD, LLM_BASE_URL
	[ -n "${FAKE_PID:-}" ] && { kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null; }
	RECORD=$B/record; rm -rf "$RECORD" "$B/port"; mkdir -p "$RECORD"
	"$FAKELLM" --script "$1" --record "$RECORD" --port-file "$B/port" --timeout 600 >/dev/null 2>&1 &
	FAKE_PID=$!
	for _i in $(seq 1 100); do [ -s "$B/port" ] && break; sleep 0.05; done
	export LLM_BASE_URL="http://127.0.0.1:$(cat "$B/port")/v1"
}
