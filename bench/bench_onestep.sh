#!/bin/sh
# bench_onestep.sh: a one-step headless task (the model answers at once)
# against the fake LLM: cade -p against the Codex native binary on the same
# fake, median wall and CPU of RUNS runs each, interleaved, and peak RSS,
# with the ratios.  Codex comes from the npm registry; set CODEX to its
# binary, or install it:  npm install --prefix bench/node @openai/codex@0.171.0
# Prints figures; asserts nothing.
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-11}
echo '{"replies": [], "side_replies": [{"on_match": "one-step-task", "content": "done"}]}' > "$B/s.json"
bench_fake "$B/s.json"
export LLM_API_KEY=sk-bench
printf 'sandbox = auto\n' > "$XDG_CONFIG_HOME/cade/config"
if [ -z "${CODEX:-}" ]; then
	for d in "$top_builddir/bench/node" "$top_srcdir/bench/node"; do
		c=$(find "$d/node_modules" -path '*vendor*' -name codex -type f 2>/dev/null | head -1)
		[ -n "$c" ] && CODEX=$c && break
	done
fi
if [ -n "${CODEX:-}" ]; then
	mkdir -p "$B/codex"
	cat > "$B/codex/config.toml" <<TOML
model = "fake-model"
model_provider = "fake"
[model_providers.fake]
name = "fake"
base_url = "$LLM_BASE_URL"
env_key = "LLM_API_KEY"
wire_api = "responses"
TOML
fi
: > "$B/cade.t"; : > "$B/codex.t"
i=0
while [ $i -lt "$RUNS" ]; do
	(cd "$B/work" && /usr/bin/time -f '%e %U %S %M' -a -o "$B/cade.t" "$CADE" -p "one-step-task" </dev/null >/dev/null 2>&1)
	[ -n "${CODEX:-}" ] && (cd "$B/work" && CODEX_HOME="$B/codex" /usr/bin/time -f '%e %U %S %M' -a -o "$B/codex.t" \
		"$CODEX" exec --skip-git-repo-check "one-step-task" </dev/null >/dev/null 2>&1)
	i=$((i + 1))
done
med() {	# med FILE: median wall, cpu, rss_kb
	awk '{ print $1, $2 + $3, $4 }' "$1" | sort -n -k1 | awk '{ w[NR] = $1 } END { printf "%s ", w[int((NR + 1) / 2)] }'
	awk '{ print $2 + $3 }' "$1" | sort -n | awk '{ c[NR] = $1 } END { printf "%s ", c[int((NR + 1) / 2)] }'
	awk '{ print $4 }' "$1" | sort -n | awk '{ r[NR] = $1 } END { printf "%s\n", r[int((NR + 1) / 2)] }'
}
set -- $(med "$B/cade.t")
cw=$1 cc=$2 cr=$3
awk -v w="$cw" -v c="$cc" -v r="$cr" -v n="$RUNS" 'BEGIN {
	printf "one step: cade median %.0f ms wall, %.0f ms CPU, %d MB peak RSS (%d runs)\n", w * 1000, c * 1000, r / 1024, n }'
if [ -n "${CODEX:-}" ]; then
	set -- $(med "$B/codex.t")
	awk -v v="$("$CODEX" --version 2>/dev/null | awk '{ print $2 }')" -v w="$1" -v c="$2" -v r="$3" 'BEGIN {
		printf "one step: Codex %s median %.0f ms wall, %.0f ms CPU, %d MB peak RSS\n", v, w * 1000, c * 1000, r / 1024 }'
	awk -v a="$cw" -v b="$1" -v c="$cc" -v d="$2" -v r="$cr" -v s="$3" 'BEGIN {
		printf "ratio cade/Codex: wall %.3f, CPU %.3f, peak RSS %.3f\n", a / b, c / d, r / s }'
else
	echo "one step: Codex not installed (npm install --prefix bench/node @openai/codex@0.171.0, or set CODEX)"
fi
