#!/bin/sh
# policy-corpus.sh: the policy against a corpus of real commands, through
# `cade policy check --batch --json` in a scratch workspace.  Every command
# in tests/policy-corpus/dangerous.txt must be "ask" or "deny"; at least 95%
# of tests/policy-corpus/everyday.txt must be "allow".  Prints both figures.
# Both run with --sandbox off, so the gate is measured alone (no sandbox
# behind it); a user `deny: rm` must hold through every wrapper.
. "$top_srcdir/tests/lib.sh"
setup_home
corpus=$top_srcdir/tests/policy-corpus
ws=$T/ws
mkdir -p "$ws/src" "$ws/.git" && printf 'ref: refs/heads/topic\n' > "$ws/.git/HEAD"

run() {	# run FILE OUT [ARGS]: one JSON verdict per command line
	f=$1 o=$2; shift 2
	(cd "$ws" && "$CADE" policy check --batch --json --root "$ws" \
	    --sandbox off "$@") < "$f" > "$o" 2>"$T/err"
}
commands() { grep -v '^[[:space:]]*\(#\|$\)' "$1"; }

run "$corpus/dangerous.txt" "$T/d.json"; ok $? "check runs over the dangerous corpus"
nd=$(commands "$corpus/dangerous.txt" | wc -l)
nj=$(wc -l < "$T/d.json")
[ "$nd" -eq "$nj" ]; ok $? "one verdict per dangerous command ($nj of $nd)"
caught=$(grep -c '"decision":"\(ask\|deny\)"' "$T/d.json")
denied=$(grep -c '"decision":"deny"' "$T/d.json")
diag "dangerous: $caught of $nd ask or deny ($denied deny)"
grep '"decision":"allow"' "$T/d.json" | sed 's/^/# allowed: /'
[ "$nd" -ge 60 ] && [ "$caught" -eq "$nd" ]; ok $? "every dangerous command (>= 60) is ask or deny"

run "$corpus/everyday.txt" "$T/e.json"; ok $? "check runs over the everyday corpus"
ne=$(commands "$corpus/everyday.txt" | wc -l)
allowed=$(grep -c '"decision":"allow"' "$T/e.json")
diag "everyday: $allowed of $ne allowed ($((allowed * 100 / ne))%)"
grep -v '"decision":"allow"' "$T/e.json" | sed 's/^/# not allowed: /'
[ "$ne" -ge 40 ] && [ $((allowed * 100)) -ge $((ne * 95)) ]; ok $? "at least 95% of everyday commands (>= 40) are allowed"

# contained by a sandbox, installs of new packages are no longer asked
printf 'pip install requests\nnpm install left-pad\ncargo install ripgrep\n' > "$T/inst.txt"
run "$T/inst.txt" "$T/off.json"
run "$T/inst.txt" "$T/on.json" --sandbox on
[ "$(grep -c '"decision":"ask"' "$T/off.json")" -eq 3 ] &&
    [ "$(grep -c '"decision":"allow"' "$T/on.json")" -eq 3 ]; ok $? "installs: ask with --sandbox off, allowed with --sandbox on"
(cd "$ws" && "$CADE" policy check --sandbox maybe -- ls) >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "--sandbox takes on or off"

# a user's deny: rm holds through every wrapper and nesting
mkdir -p "$XDG_CONFIG_HOME/cade" && printf 'deny: rm\n' > "$XDG_CONFIG_HOME/cade/policy"
run "$corpus/wrapped-rm.txt" "$T/w.json"
nw=$(commands "$corpus/wrapped-rm.txt" | wc -l)
dw=$(grep -c '"decision":"deny"' "$T/w.json")
grep -v '"decision":"deny"' "$T/w.json" | sed 's/^/# not denied: /'
[ "$nw" -ge 30 ] && [ "$dw" -eq "$nw" ]; ok $? "deny: rm holds through $nw wrappers and nestings ($dw denied)"
rm -f "$XDG_CONFIG_HOME/cade/policy"

# every line is a JSON object with the five keys and valid values
bad=$(grep -vc '^{"command":".*","risk":"\(LOW\|MEDIUM\|HIGH\|UNKNOWN\)","decision":"\(allow\|ask\|deny\)","rule":".*","reason":".*"}$' "$T/d.json" "$T/e.json" | awk -F: '{s += $2} END {print s}')
[ "$bad" -eq 0 ]; ok $? "JSON lines carry command, risk, decision, rule, reason"

# the text form, and a project rule file that extends the policy
out=$(cd "$ws" && "$CADE" policy check -- git push origin topic)
echo "$out" | grep -q '^ask .*MEDIUM.*git push origin topic'; ok $? "text output: decision, risk, command"
echo "$out" | grep -q 'always allow? allow-prefix: git push origin'; ok $? "text output shows the narrow rule it would add"
mkdir -p "$ws/.cade" && printf 'allow-prefix: git push origin\n' > "$ws/.cade/policy"
out=$(cd "$ws" && "$CADE" policy check --json -- git push origin topic)
echo "$out" | grep -q '"decision":"allow","rule":"allow-list:project"'; ok $? "project allow list applies"
printf 'rule: oops\nmatch: (\nrisk: HIGH\n' >> "$ws/.cade/policy"
(cd "$ws" && "$CADE" policy check -- ls) >/dev/null 2>"$T/err"; st=$?
[ "$st" -ne 0 ] && [ "$st" -ne 2 ] && grep -q '\.cade/policy:3: bad pattern' "$T/err"; ok $? "a broken rules file stops cade with file:line"
rm -f "$ws/.cade/policy"
"$CADE" policy check >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "no command: exit 2"
done_testing
