#!/bin/sh
# cli.sh: flag parsing errors, --help/--version, --print-config, the key rules.
. "$top_srcdir/tests/lib.sh"
setup_home

"$CADE" --version | grep -q '^cade [0-9]'; ok $? "--version prints the version"
"$CADE" --help | grep -q 'usage: cade'; ok $? "--help prints usage"
"$CADE" --bogus >/dev/null 2>"$T/err"; ok $([ $? -eq 2 ] && echo 0 || echo 1) "unknown flag exits 2"
[ "$(wc -l < "$T/err")" -le 2 ] && grep -q "bogus" "$T/err"; ok $? "unknown flag: short error naming it"
"$CADE" --confirm sometimes --print-config >/dev/null 2>"$T/err"; ok $([ $? -eq 2 ] && echo 0 || echo 1) "bad --confirm value exits 2"
grep -q "risky|always|never" "$T/err"; ok $? "error lists the valid values"
"$CADE" --max-steps abc -p x >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "non-numeric --max-steps exits 2"
"$CADE" --api-key sk-123 -p x >/dev/null 2>"$T/err"; ok $([ $? -eq 2 ] && echo 0 || echo 1) "there is no --api-key flag"
"$CADE" -p >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "-p without a prompt exits 2"
"$CADE" -p a b >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "extra argument exits 2"

# Precedence: file < env < flag, shown by --print-config with origins.
mkdir -p "$XDG_CONFIG_HOME/cade"
printf 'model = from-file\nmax_steps = 9\ntheme = light\n' > "$XDG_CONFIG_HOME/cade/config"
out=$(LLM_MODEL=from-env "$CADE" --print-config)
echo "$out" | grep -q '^model = from-env  # env$'; ok $? "env beats file"
echo "$out" | grep -q '^max_steps = 9  # file$'; ok $? "file beats default"
out=$(LLM_MODEL=from-env "$CADE" -m from-flag --print-config)
echo "$out" | grep -q '^model = from-flag  # flag$'; ok $? "flag beats env"

# The key: env is fine and never printed; a readable file holding it is refused.
out=$(LLM_API_KEY=sk-very-secret-value "$CADE" --print-config)
echo "$out" | grep -q 'sk-very-secret-value'; ok $([ $? -ne 0 ] && echo 0 || echo 1) "key never printed"
echo "$out" | grep -q '^api_key = \*\*\*\*'; ok $? "key shown masked"
printf 'api_key = sk-file-secret-1234\n' >> "$XDG_CONFIG_HOME/cade/config"
chmod 644 "$XDG_CONFIG_HOME/cade/config"
"$CADE" --print-config >/dev/null 2>"$T/err"; ok $([ $? -eq 1 ] && echo 0 || echo 1) "0644 config with a key: exit 1"
grep -q 'chmod 600' "$T/err"; ok $? "error says how to fix it"
chmod 600 "$XDG_CONFIG_HOME/cade/config"
"$CADE" --print-config >/dev/null 2>&1; ok $? "0600 config with a key accepted"
printf 'modle = typo\n' > "$XDG_CONFIG_HOME/cade/config"
"$CADE" --print-config >/dev/null 2>"$T/err"; ok $([ $? -eq 1 ] && echo 0 || echo 1) "unknown config key: exit 1"
grep -q "config:1: unknown setting 'modle'" "$T/err"; ok $? "error names file:line and the key"
rm -f "$XDG_CONFIG_HOME/cade/config"

"$CADE" --config "$T/missing.conf" --print-config >/dev/null 2>"$T/err"; ok $([ $? -eq 1 ] && echo 0 || echo 1) "--config naming a missing file: exit 1"
grep -q "missing.conf" "$T/err"; ok $? "and the error names it"
printf '\357\273\277model = bom-model\r\n' > "$T/bom.conf"
"$CADE" --config "$T/bom.conf" --print-config | grep -q '^model = bom-model  # file$'; ok $? "a BOM and CRLF line ends are accepted"
"$CADE" --compact-at 500 --print-config >/dev/null 2>"$T/err"; ok $([ $? -eq 2 ] && echo 0 || echo 1) "--compact-at 500 refused"
grep -q "between 1 and 100" "$T/err"; ok $? "and the error gives the range"
"$CADE" --base-url ftp://x --print-config >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "a non-HTTP base URL refused"
"$CADE" -m '' --print-config >/dev/null 2>&1; ok $([ $? -eq 2 ] && echo 0 || echo 1) "an empty model name refused"

# The TUI refuses to start without a terminal instead of hanging.
"$CADE" </dev/null >/dev/null 2>"$T/err"; ok $([ $? -eq 2 ] && echo 0 || echo 1) "TUI without a TTY exits 2"
grep -q "cade -p" "$T/err"; ok $? "and points at headless mode"
done_testing
