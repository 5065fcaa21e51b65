#!/bin/sh
# docker-undo.sh: checkpoints and cade undo/redo in a Docker workspace.  The
# agent's command runs in a container (cade-test:1) as the owner of the
# project directory; the checkpoints are taken on the host side of the bind
# mount and the shadow store stays on the host.  Undo removes what the
# container created, brings back what it deleted, and leaves restored files
# owned by the workspace's owner.  Skips (counted) only without a daemon,
# and fails then if CI=true.
. "$top_srcdir/tests/lib.sh"
setup_home
W=$T/work; mkdir -p "$W/src/deep"; cd "$W" || exit 1
printf 'alpha\n' > src/a.txt; printf 'deep\n' > src/deep/d.txt; cp -a src "$T/src.orig"
cleanup_docker() {
	ids=$(docker ps -aq --filter "label=cade.root=$W" 2>/dev/null)
	[ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
	cleanup
}
trap "cleanup_docker" EXIT
command -v git >/dev/null 2>&1 || { skip "git is not installed"; done_testing; }
need_docker cade-test:1

# As root, the container runs as the owner of the project directory: make
# that someone else, so its files are not cade's.
want_uid=$(id -u)
if [ "$want_uid" -eq 0 ]; then
	want_uid=4322
	chown -R 4322:4322 "$W"
fi

cat > "$T/s.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "k1", "name": "terminal", "arguments": {"command": "rm -rf src && mkdir -p gen && echo made > gen/made.txt && id -u > uid.txt", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "k2", "name": "finish", "arguments": {"message": "done"}}]}
]}
JSON
start_fake "$T/s.json"
"$CADE" -p "make a mess" --workspace docker --image cade-test:1 --yes --json \
    </dev/null >"$T/out.jsonl" 2>"$T/err"; rc=$?
ok $rc "the step ran in the container (rc=$rc)"
[ ! -e src ] && [ "$(cat uid.txt 2>/dev/null)" = "$want_uid" ] &&
    [ "$(stat -c %u gen/made.txt)" = "$want_uid" ]
ok $? "the container's uid ($want_uid) made the files, and src/ is gone"
grep '"type":"checkpoint"' "$T/out.jsonl" | grep -q '"changed":true'; ok $? "a checkpoint recorded the step"
sid=$(ls "$XDG_STATE_HOME/cade/sessions")
[ -d "$XDG_STATE_HOME/cade/sessions/$sid/shadow.git" ] && [ ! -e "$W/.git" ]
ok $? "the shadow store is on the host, in the session's state directory"

"$CADE" diff | grep -q '^-alpha'; ok $? "cade diff shows the container's changes"
"$CADE" undo --yes </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && diff -r "$T/src.orig" src >/dev/null && [ ! -e gen ] && [ ! -e uid.txt ]
ok $? "cade undo: src/ back byte-exact, the container's files gone (rc=$rc)"
bad=$(find "$W" ! -uid "$want_uid" | head -3)
[ -z "$bad" ]; ok $? "every restored file and directory belongs to the workspace's owner${bad:+ (not: $bad)}"
"$CADE" redo --yes </dev/null >/dev/null 2>&1 && [ -f gen/made.txt ] && [ ! -e src ] &&
    [ "$(stat -c %u gen/made.txt)" = "$want_uid" ]
ok $? "cade redo brings the container's files back, same owner"
docker ps -aq --filter "label=cade.root=$W" | grep -q . && ok 1 "container left behind" ||
    ok 0 "no container left behind"
done_testing
