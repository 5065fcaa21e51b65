#!/bin/sh
# docs.sh: the man page and --help keep up with the code: every setting in
# the config table and every long option is documented.
. "$top_srcdir/tests/lib.sh"
man=$top_srcdir/doc/cade.1
keys=$(sed -n 's/^	{ "\([a-z_]*\)", CONF_T_.*/\1/p' "$top_srcdir/src/conf.c")
[ -n "$keys" ]; ok $? "found the config key table"
missing=""
for k in $keys; do grep -q "^\.B $k\$" "$man" || missing="$missing $k"; done
[ -z "$missing" ]; ok $? "every setting is in cade(1)${missing:+ (missing:$missing)}"
opts=$(sed -n 's/^	{ "\([a-z-]*\)", [a-z_]*argument.*/\1/p' "$top_srcdir/src/main.c")
[ -n "$opts" ]; ok $? "found the option table"
missing=""; nohelp=""
help=$("$CADE" --help)
for o in $opts; do
	grep -q -- "$(echo "\\-\\-$o" | sed 's/-/\\\\-/g')" "$man" || grep -q -- "--$o" "$man" || missing="$missing $o"
	echo "$help" | grep -q -- "--$o" || nohelp="$nohelp $o"
done
[ -z "$missing" ]; ok $? "every option is in cade(1)${missing:+ (missing:$missing)}"
[ -z "$nohelp" ]; ok $? "every option is in --help${nohelp:+ (missing:$nohelp)}"
for f in $(ls "$top_srcdir"/src/*.c "$top_srcdir"/src/*/*.c); do
	rel=${f#$top_srcdir/}
	grep -q "^$rel" "$top_srcdir/doc/CODE-MAP" || nomap="${nomap:-} $rel"
done
[ -z "${nomap:-}" ]; ok $? "every source file is in doc/CODE-MAP${nomap:+ (missing:$nomap)}"
# Every default written in cade(1) is the table's (what --print-config shows).
bad=""
sed -n 's/^	{ "\([a-z_]*\)", CONF_T_[A-Z]*, "\([^"]*\)".*/\1 \2/p' "$top_srcdir/src/conf.c" > "${TMPDIR:-/tmp}/cade-docs-defaults.$$"
while read -r k d; do
	[ -z "$d" ] && continue
	txt=$(awk -v k="$k" '$0 == ".B " k { f = 1; next } f && /^\.(TP|SH|SS)/ { exit } f { print }' "$man" | sed 's/\\-/-/g' | tr '\n' ' ')
	case "$txt" in *"Default: $d"*) ;; *) bad="$bad $k" ;; esac
done < "${TMPDIR:-/tmp}/cade-docs-defaults.$$"
rm -f "${TMPDIR:-/tmp}/cade-docs-defaults.$$"
[ -z "$bad" ]; ok $? "cade(1) states each setting's default as the table has it${bad:+ (differs:$bad)}"
d=$(sed -n 's/^	{ "apply_patch_models", CONF_T_STR, "\([^"]*\)".*/\1/p' "$top_srcdir/src/conf.c")
grep -qF "\`apply_patch_models\` (default \`$d\`" "$top_srcdir/doc/TOOLS.md"; ok $? "doc/TOOLS.md gives apply_patch_models' default ($d)"
"$CADE" --print-config 2>/dev/null | grep -F "apply_patch_models" | grep -qF "$d"; ok $? "--print-config shows the same apply_patch_models default"
grep -q 'make check' "$top_srcdir/README.md"; ok $? "README shows the test command"
done_testing
