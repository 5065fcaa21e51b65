#!/bin/sh
# docs.sh: the docs keep up with the tables in the code: every setting in
# the config table, every long option, every event field, every file.
. "$top_srcdir/tests/lib.sh"
man=$top_srcdir/doc/cade.1
# The SETTINGS section of cade(1) is what the config table says, row for
# row: help, choices, range, default, environment, per-model.
want=$("$top_builddir/tests/confdoc")
[ -n "$want" ]; ok $? "found the config table"
got=$(sed -n '/^\.SH SETTINGS$/,/^\.SH /p' "$man" | sed '1d;$d')
[ "$want" = "$got" ]; ok $? "cade(1) SETTINGS matches the config table"
[ "$want" = "$got" ] || diff_out=$(printf '%s\n' "$want" > "${TMPDIR:-/tmp}/docs.want.$$"; printf '%s\n' "$got" | diff "${TMPDIR:-/tmp}/docs.want.$$" - | head -20; rm -f "${TMPDIR:-/tmp}/docs.want.$$")
[ -z "${diff_out:-}" ] || echo "$diff_out" | sed 's/^/# /'
opts=$(sed -n '/^static const struct main_option main_options/,/^};/s/^	{ \.name = "\([a-z-]*\)".*/\1/p' "$top_srcdir/src/main.c")
[ -n "$opts" ]; ok $? "found the option table"
missing=""; nohelp=""
help=$("$CADE" --help)
for o in $opts; do
	grep -q -- "$(echo "\\-\\-$o" | sed 's/-/\\\\-/g')" "$man" || grep -q -- "--$o" "$man" || missing="$missing $o"
	echo "$help" | grep -q -- "--$o" || nohelp="$nohelp $o"
done
[ -z "$missing" ]; ok $? "every option is in cade(1)${missing:+ (missing:$missing)}"
[ -z "$nohelp" ]; ok $? "every option is in --help${nohelp:+ (missing:$nohelp)}"
# Generated files (an in-tree build writes them next to the sources) say so
# on their first line and are not part of the map.
for f in $(ls "$top_srcdir"/src/*.c "$top_srcdir"/src/*/*.c); do
	rel=${f#$top_srcdir/}
	head -n 1 "$f" | grep -q 'generated .*do not edit' && continue
	grep -q "^$rel" "$top_srcdir/doc/CODE-MAP" || nomap="${nomap:-} $rel"
done
[ -z "${nomap:-}" ]; ok $? "every source file is in doc/CODE-MAP${nomap:+ (missing:$nomap)}"
# doc/TOOLS.md gives apply_patch_models' default as the table has it
# (cade(1) is checked row by row above; --print-config reads the table).
d=$("$CADE" --print-config 2>/dev/null | sed -n 's/^apply_patch_models = \([^ ]*\) .*/\1/p')
[ -n "$d" ] && grep -qF "\`apply_patch_models\` (default \`$d\`" "$top_srcdir/doc/TOOLS.md"; ok $? "doc/TOOLS.md gives apply_patch_models' default (${d:-?})"
# doc/EVENTS.md lists each event type (### `name`) with exactly the fields
# event-table.h declares, in the same order.
table=$top_srcdir/include/cade/event-table.h
types=$(sed -n 's/^EVENT([A-Z_]*, \([a-z_]*\), .*/\1/p' "$table")
[ -n "$types" ]; ok $? "found the event table"
bad=""
for t in $types; do
	want=$(sed -n "s/^F($t, [A-Z]*, \([a-z_]*\), .*/\1/p" "$table" | tr '\n' ' ')
	got=$(awk -v h="### \`$t\`" '$0 == h { on = 1; next }
	    /^#/ { on = 0 } on && /^\| `/ { split($0, a, "`"); printf "%s ", a[2] }' \
	    "$top_srcdir/doc/EVENTS.md")
	[ "$want" = "$got" ] || bad="$bad $t"
done
[ -z "$bad" ]; ok $? "doc/EVENTS.md lists each event's declared fields${bad:+ (differs:$bad)}"
doctypes=$(sed -n 's/^### `\([a-z_]*\)`$/\1/p' "$top_srcdir/doc/EVENTS.md")
[ "$(echo $doctypes)" = "$(echo $types)" ]; ok $? "doc/EVENTS.md has the event types of the table, in order"
# doc/TUI.md's global keys and slash commands are the TUI's tables.
tui=$top_srcdir/doc/TUI.md
want=$("$top_builddir/tests/tuidoc" keys)
got=$(sed -n '/^Global (/,/^With the/p' "$tui" | grep '^| F')
[ -n "$want" ] && [ "$want" = "$got" ]; ok $? "doc/TUI.md lists the global keys of the key table"
want=$("$top_builddir/tests/tuidoc" chat)
got=$(sed -n '/^With the \*\*chat\*\* focused/,/^Pastes use/p' "$tui" | grep '^| ' | sed 1d)
[ -n "$want" ] && [ "$want" = "$got" ]; ok $? "doc/TUI.md lists the chat's keys of the chat key table"
want=$("$top_builddir/tests/tuidoc" confirm)
got=$(sed -n '/^not caught there/,/^Several pending/p' "$tui" | grep '^| ' | sed 1d)
[ -n "$want" ] && [ "$want" = "$got" ]; ok $? "doc/TUI.md lists the prompt's keys of the confirm key table"
want=$("$top_builddir/tests/tuidoc" man)
got=$(sed -n '/^The keys of the chat pane/,/^\.SH /p' "$man" | sed '1d;$d')
[ -n "$want" ] && [ "$want" = "$got" ]; ok $? "cade(1) lists the chat's keys of the chat key table"
want=$("$top_builddir/tests/tuidoc")
got=$(sed -n '/^## Slash commands/,/^$/p;/^## Slash commands/,/^A message/p' "$tui" | grep '^| `/' | uniq)
[ -n "$want" ] && [ "$want" = "$got" ]; ok $? "doc/TUI.md lists the slash commands of the command table"
missing=""
for c in $("$top_builddir/tests/tuidoc" | sed 's/^| `\(\/[a-z]*\).*/\1/'); do
	grep -q "$c\b" "$man" || missing="$missing $c"
done
[ -z "$missing" ]; ok $? "cade(1) names every slash command${missing:+ (missing:$missing)}"
# doc/HACKING.md says where each fact lives: the files it names exist, and
# it covers every member of a tool_entry, every setting flag and every
# event field kind (a new one must be explained there).
hack=$top_srcdir/doc/HACKING.md
bad=""
for f in $(grep -o '\(src\|include\|tests\|doc\)/[A-Za-z0-9_./-]*\.\(c\|h\|md\|1\|am\)' "$hack" | sort -u); do
	case $f in *NAME*) continue;; esac
	[ -e "$top_srcdir/$f" ] || bad="$bad $f"
done
[ -z "$bad" ]; ok $? "the files doc/HACKING.md names exist${bad:+ (missing:$bad)}"
members=$(sed -n '/^struct tool_entry {/,/^};/p' "$top_srcdir/include/cade/tool.h" |
    sed -n 's/.*[ (*]\([a-z_]*\))*(.*;.*/\1/p; s/^\t[a-z 	]*[ *	]\([a-z_]*\);.*/\1/p' | sort -u)
flags=$(sed -n 's/^#define \(CONF_[A-Z_]*\)\t*0x.*/\1/p' "$top_srcdir/include/cade/conf.h")
kinds=$(sed -n 's/^#define EVENT_CTYPE_\([A-Z]*\)\t.*/\1/p' "$top_srcdir/include/cade/event.h")
bad=""
for w in $members $flags $kinds; do grep -q "\`$w\`\|\`$w(" "$hack" || bad="$bad $w"; done
[ -n "$members" ] && [ -n "$flags" ] && [ -n "$kinds" ] && [ -z "$bad" ]
ok $? "doc/HACKING.md explains every tool_entry member, setting flag and event kind${bad:+ (missing:$bad)}"
# ... and every member of a command-table row and every row flag.
pint=$top_srcdir/src/policy/policy-int.h
# (function pointers, also split over lines, and plain members)
pat='s/.*(\*\([a-z_]*\))(.*/\1/p; s/^\t[a-z_ 	]*[ *	]\([a-z_]*\);.*/\1/p'
members=$(sed -n '/^struct pol_cmd {/,/^};/p' "$pint" | sed -n "$pat" | sort -u)
flags=$(sed -n 's/^#define \(CF_[A-Z_]*\)\t.*/\1/p; s/^\t\(K_[A-Z]*\)\t*=.*/\1/p' "$pint")
bad=""
for w in $members $flags; do grep -q "\`$w\`\|\`$w(" "$hack" || bad="$bad $w"; done
[ -n "$members" ] && [ -n "$flags" ] && [ -z "$bad" ]
ok $? "doc/HACKING.md explains every command-table member and flag${bad:+ (missing:$bad)}"
grep -q 'make check' "$top_srcdir/README.md"; ok $? "README shows the test command"
# cade(1) names guides by their installed names; each one is installed.
docs=$(sed -n '/^dist_doc_DATA/,/[^\\]$/p' "$top_srcdir/Makefile.am")
! grep -q 'doc/[A-Z]*\.md' "$man"; ok $? "cade(1) names no source-tree path doc/*.md"
missing=""
for g in $(grep -o '[A-Z][A-Z]*\.md' "$man" | sort -u); do
	[ "$g" = AGENTS.md ] && continue
	echo "$docs" | grep -q "$g" || missing="$missing $g"
done
[ -z "$missing" ]; ok $? "every guide cade(1) names is installed${missing:+ (missing:$missing)}"
# The screens doc/TUI.md and README.md link exist; every screen in
# doc/screens is linked from doc/TUI.md (in one of its two forms) and
# shipped.
missing=""
for f in $(grep -ho 'screens/[a-z-]*\.txt' "$top_srcdir/doc/TUI.md" "$top_srcdir/README.md" | sort -u); do
	[ -f "$top_srcdir/doc/$f" ] || missing="$missing $f"
done
for f in "$top_srcdir"/doc/screens/*.txt; do
	n=$(basename "$f" .txt); n=${n%-ansi}
	grep -q "screens/$n\(-ansi\)\?\.txt" "$top_srcdir/doc/TUI.md" || missing="$missing $n(unlinked)"
	grep -q "doc/screens/$(basename "$f")" "$top_srcdir/src/tui/local.am" || missing="$missing $(basename "$f")(not shipped)"
done
[ -z "$missing" ]; ok $? "doc/screens: linked screens exist, each is linked and shipped${missing:+ (wrong:$missing)}"
# The installed binary must not look into the source tree: no absolute
# source path among its constant strings (debug info aside).
if command -v objcopy >/dev/null 2>&1; then
	ro=$(mktemp)
	objcopy -O binary -j .rodata "$CADE" "$ro"
	! grep -qaF "$top_srcdir/" "$ro"; ok $? "no source path compiled into cade"
	rm -f "$ro"
else
	skip "objcopy is not installed"
fi
done_testing
