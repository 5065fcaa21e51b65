#!/bin/sh
# small-files.sh: every small file cade reads at start-up (AGENTS.md, skills,
# the config, policy rules) goes through one reader that refuses what is not
# a regular file and never blocks: a FIFO must not hang start-up.
. "$top_srcdir/tests/lib.sh"
setup_home
W=$T/work; mkdir -p "$W/.cade/skills"
cat > "$T/s.json" <<'JSON'
{"replies": [{"content": "The answer is 42."}, {"content": "The answer is 42."}]}
JSON
start_fake "$T/s.json"
cd "$W"
mkfifo AGENTS.md .cade/AGENTS.md .cade/skills/deploy.md
out=$(timeout 60 "$CADE" -p "please deploy" </dev/null 2>"$T/err"); rc=$?
[ $rc -eq 0 ] && [ "$out" = "The answer is 42." ]; ok $? "FIFOs named AGENTS.md, .cade/AGENTS.md and a skill are skipped (rc=$rc)"
rm -f AGENTS.md .cade/AGENTS.md .cade/skills/deploy.md

mkdir -p "$XDG_CONFIG_HOME/cade"; mkfifo "$XDG_CONFIG_HOME/cade/policy"
timeout 60 "$CADE" -p "question" </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "policy.*not a regular file" "$T/err"; ok $? "a FIFO as the policy rules file is refused, not waited on (rc=$rc)"
[ $rc -eq 1 ] || diag "$(cat "$T/err")"
rm -f "$XDG_CONFIG_HOME/cade/policy"

mkfifo "$XDG_CONFIG_HOME/cade/config"
timeout 60 "$CADE" -p "question" </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "config.*not a regular file" "$T/err"; ok $? "a FIFO as the config file is refused, not waited on (rc=$rc)"
[ $rc -eq 1 ] || diag "$(cat "$T/err")"
rm -f "$XDG_CONFIG_HOME/cade/config"
done_testing
