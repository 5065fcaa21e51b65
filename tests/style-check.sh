#!/bin/sh
# style-check.sh: what a script can check of doc/STYLE.md.  Exit 1 on a finding.
top=${1:-.}
status=0
files=$(find "$top/src" "$top/include" -name '*.[ch]' 2>/dev/null)
[ -n "$files" ] || exit 0
# Banned calls: unbounded or error-blind.
if grep -nE '(^|[^_a-z])(sprintf|strcpy|strcat|atoi|atol|strtok|gets)\(' $files; then
	echo "style: banned call (use snprintf/xasprintf/buf_*, strtol via util_parse_long, strtok_r)" >&2
	status=1
fi
# Every .c file opens with a comment paragraph saying what it is for.
for f in $(find "$top/src" -name '*.c'); do
	head -1 "$f" | grep -q '^/\*' || { echo "style: $f does not start with a comment" >&2; status=1; }
done
exit $status
