#!/bin/sh
# checkpoints.sh: checkpoints, cade undo / redo / diff, headless, against the
# fake LLM in a temporary git project: what shell commands did is undone
# byte-exact, the project's .git is never touched by cade itself, the agent's
# git reset --hard and stash drop are undone, the person's own changes make
# undo refuse, a resumed session keeps its checkpoints, and the size limits
# (checkpoint_max_file, checkpoint_max_tree) show.
. "$top_srcdir/tests/lib.sh"
setup_home
command -v git >/dev/null 2>&1 || { skip "git is not installed"; done_testing; }
W=$T/work; mkdir -p "$W"
G="git -c user.name=t -c user.email=t@example.invalid -c init.defaultBranch=main"

cd "$W" || exit 1
$G init -q && mkdir -p src/sub && printf 'int a;\n' > src/a.c &&
printf 'b\n' > src/sub/b.txt && printf '\001\002binary\377' > src/sub/bin.dat &&
printf '#!/bin/sh\necho run\n' > run.sh && printf 'build/\n' > .gitignore &&
$G add -A && $G commit -qm one && echo two >> src/a.c && $G commit -qam two &&
echo wip > src/a.c && $G stash -q && mkdir build && echo out > build/o.txt || exit 1
echo untracked > notes.txt
cp -a src "$T/src.orig"

# The project's git state, byte for byte (HEAD, index, refs, stash list).
gitsum() { (cd "$W/.git" && find HEAD index packed-refs refs logs/refs/stash -type f 2>/dev/null |
	sort | xargs sha256sum); }
gitsum > "$T/git.before"

cat > "$T/s1.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "c1", "name": "terminal", "arguments": {"command": "rm -rf src && echo x > new.txt && chmod +x run.sh", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "c2", "name": "terminal", "arguments": {"command": "ls", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "c3", "name": "finish", "arguments": {"message": "done"}}]}
]}
JSON
start_fake "$T/s1.json"
"$CADE" -p "clean up" --yes --json </dev/null >"$T/out1.jsonl" 2>"$T/err"; rc=$?
ok $rc "a step that deletes, creates and chmods runs (rc=$rc)"
[ ! -e src ] && [ -f new.txt ] && [ -x run.sh ]; ok $? "the step did its work"
n=$(grep -c '"type":"checkpoint"' "$T/out1.jsonl"); [ "$n" -eq 1 ]
ok $? "one checkpoint: the read-only ls took none ($n)"
grep '"type":"checkpoint"' "$T/out1.jsonl" | grep -q '"changed":true'; ok $? "the checkpoint event says the step changed files"
sid=$(ls "$XDG_STATE_HOME/cade/sessions"); [ -d "$XDG_STATE_HOME/cade/sessions/$sid/shadow.git" ]
ok $? "the shadow repository lives in the session's state directory"
gitsum > "$T/git.mid"; cmp -s "$T/git.before" "$T/git.mid"; ok $? "the session left HEAD, index, refs and stash byte-identical"

"$CADE" diff >"$T/diff" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && grep -q '^deleted file mode' "$T/diff" && grep -q '^+x$' "$T/diff" &&
	grep -q '^new mode 100755' "$T/diff"; ok $? "cade diff shows what the session changed (rc=$rc)"
! grep -q "$(printf '\033')" "$T/diff"; ok $? "cade diff into a pipe has no colour codes"
"$CADE" diff 1 | grep -q 'src/sub/b.txt'; ok $? "cade diff STEP shows one step"

"$CADE" undo </dev/null >"$T/undo.out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q '^+int a;' "$T/undo.out" && [ ! -e src ]
ok $? "without a TTY or --yes, undo prints the diff and exits 1 (rc=$rc)"
grep -q -- '--yes' "$T/err"; ok $? "... and says --yes confirms"

"$CADE" undo --yes </dev/null >/dev/null 2>"$T/err"; rc=$?
ok $rc "cade undo --yes (rc=$rc)"
diff -r "$T/src.orig" src >/dev/null 2>&1; ok $? "src/ is back byte-exact (binary file included)"
[ ! -e new.txt ]; ok $? "the created file is removed"
[ ! -x run.sh ] && [ "$(stat -c %a run.sh)" = 644 ]; ok $? "the mode is restored"
[ -f build/o.txt ] && [ -f notes.txt ]; ok $? "ignored and untouched untracked files stay"
gitsum > "$T/git.after"; cmp -s "$T/git.before" "$T/git.after"; ok $? ".git byte-identical after the session and its undo"
grep -q '"type":"undo"' "$XDG_STATE_HOME/cade/sessions/$sid/events.jsonl"; ok $? "the undo is an event in the session"

"$CADE" redo --yes </dev/null >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && [ ! -e src ] && [ -f new.txt ] && [ -x run.sh ]; ok $? "cade redo puts the step back (rc=$rc)"
"$CADE" undo --yes </dev/null >/dev/null 2>&1 && diff -r "$T/src.orig" src >/dev/null; ok $? "and undo again"

# The person changes a file: undo refuses and names it.
"$CADE" redo --yes </dev/null >/dev/null 2>&1
echo mine >> new.txt
"$CADE" undo --yes </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q 'new.txt' "$T/err" && grep -q 'outside cade' "$T/err" && [ -f new.txt ]
ok $? "undo refuses when the person changed a file since, and lists it (rc=$rc)"
"$CADE" undo --yes --force </dev/null >/dev/null 2>&1 && [ ! -e new.txt ] && [ -d src ]
ok $? "--force undoes anyway"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null

# Three steps, and one that changed nothing (does not count).
cat > "$T/s2.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "d1", "name": "terminal", "arguments": {"command": "echo 1 > f1.txt", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "d2", "name": "file_editor", "arguments": {"command": "create", "path": "f2.txt", "file_text": "2\n", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "d3", "name": "terminal", "arguments": {"command": "mkdir -p src", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "d4", "name": "terminal", "arguments": {"command": "echo 3 > f3.txt && echo changed >> src/a.c", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "d5", "name": "finish", "arguments": {"message": "done"}}]}
]}
JSON
start_fake "$T/s2.json"
"$CADE" -p "three files" --yes --json </dev/null >"$T/out2.jsonl" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && [ -f f1.txt ] && [ -f f2.txt ] && [ -f f3.txt ]; ok $? "a second session makes three changes (rc=$rc)"
"$CADE" undo --list >"$T/list" 2>&1 && grep -q 'no change' "$T/list"; ok $? "undo --list shows the step that changed nothing"
"$CADE" undo --steps 3 --yes </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && [ ! -e f1.txt ] && [ ! -e f2.txt ] && [ ! -e f3.txt ] && diff -r "$T/src.orig" src >/dev/null
ok $? "undo --steps 3 undoes the three steps that changed something (rc=$rc)"
sid2=$(grep -o '"type":"session_start","id":"[^"]*"' "$T/out2.jsonl" | head -1 | sed 's/.*"id":"//; s/"$//')
[ -n "$sid2" ] && [ "$sid2" != "$sid" ]; ok $? "the last session of this workspace is the one found"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null

# Resume keeps checkpoints, and the model hears about the undo.
cat > "$T/s3.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "e1", "name": "terminal", "arguments": {"command": "echo 4 > f4.txt", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "e2", "name": "finish", "arguments": {"message": "done"}}]}
]}
JSON
start_fake "$T/s3.json"
"$CADE" -p "one more" --resume "$sid2" --yes </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && [ -f f4.txt ]; ok $? "the session resumes (rc=$rc)"
grep -q 'The person ran undo' "$RECORD/req-0001.json"; ok $? "the model is told what was undone"
"$CADE" redo --yes </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q 'nothing to redo' "$T/err"; ok $? "a new change after an undo ends redo (rc=$rc)"
"$CADE" undo --steps 2 --yes --session "$sid2" </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q 'only 1 step' "$T/err"; ok $? "undone steps are not undone twice (rc=$rc)"
"$CADE" undo --yes --session "$sid2" </dev/null >/dev/null 2>&1 && [ ! -e f4.txt ]
ok $? "the resumed session's step is undone with --session"
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null

# The agent's git reset --hard and stash drop are undone.
gitsum > "$T/git.before2"
cat > "$T/s4.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "g1", "name": "terminal", "arguments": {"command": "git reset -q --hard HEAD~1 && git stash drop -q && git branch -q scratch", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "g2", "name": "finish", "arguments": {"message": "done"}}]}
]}
JSON
start_fake "$T/s4.json"
"$CADE" -p "reset" --yes </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && [ "$(cat src/a.c)" = "int a;" ] && ! git --no-optional-locks stash list | grep -q .
ok $? "the agent ran git reset --hard HEAD~1 and dropped the stash (rc=$rc)"
"$CADE" diff | grep -q 'git: refs/heads/main'; ok $? "cade diff names the moved branch"
"$CADE" undo --yes </dev/null >/dev/null 2>"$T/err"; rc=$?
gitsum > "$T/git.after2"
[ $rc -eq 0 ] && cmp -s "$T/git.before2" "$T/git.after2"; ok $? "undo restores HEAD, index, refs and the stash list byte for byte (rc=$rc)"
diff -r "$T/src.orig" src >/dev/null && [ ! -e .git/refs/heads/scratch ]; ok $? "... the files and no new branch"
[ "$(git --no-optional-locks stash list | wc -l)" -eq 1 ]; ok $? "git stash list shows the stash again"

# No git: a visible notice, never silence.
mkdir -p "$T/nogit"; for t in sh bash ls cat echo mkdir rm; do p=$(command -v $t) && ln -sf "$p" "$T/nogit/$t"; done
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null
cat > "$T/s5.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "n1", "name": "terminal", "arguments": {"command": "echo 5 > f5.txt", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "n2", "name": "finish", "arguments": {"message": "done"}}]}
]}
JSON
start_fake "$T/s5.json"
# (The sandbox cannot find a shell on this PATH: checkpoints are what is tested.)
PATH=$T/nogit "$CADE" -p "no git" --yes --json --sandbox off </dev/null >"$T/out5.jsonl" 2>"$T/err"
grep '"type":"notice"' "$T/out5.jsonl" | grep -q 'git is not installed'; ok $? "without git, a notice says no checkpoint was taken"
! grep -q '"type":"checkpoint"' "$T/out5.jsonl"; ok $? "... and none is recorded"
# checkpoint_max_file: a big file is noted, not copied; checkpoint_max_tree:
# a workspace over it gets no checkpoints, with a notice.
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null
cat > "$T/s6.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "b1", "name": "terminal", "arguments": {"command": "head -c 300000 /dev/zero > big.bin && echo 6 > f6.txt", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "b2", "name": "finish", "arguments": {"message": "done"}}]}
]}
JSON
mkdir -p "$XDG_CONFIG_HOME/cade"
printf 'checkpoint_max_file = 100000\n' > "$XDG_CONFIG_HOME/cade/config"
start_fake "$T/s6.json"
"$CADE" -p "big" --yes --json </dev/null >"$T/out6.jsonl" 2>"$T/err"
grep '"type":"checkpoint"' "$T/out6.jsonl" | grep -q '"big":\["big.bin"\]'; ok $? "a file over checkpoint_max_file is noted in the checkpoint"
"$CADE" undo --yes </dev/null >/dev/null 2>&1 && [ ! -e f6.txt ] && [ -f big.bin ]
ok $? "undo removes the small file and leaves the big one (never copied)"
rm -f big.bin
kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null
printf 'checkpoint_max_tree = 1000\n' > "$XDG_CONFIG_HOME/cade/config"
head -c 5000 /dev/zero > filler.bin
start_fake "$T/s5.json"
"$CADE" -p "too big" --yes --json </dev/null >"$T/out7.jsonl" 2>"$T/err"
grep '"type":"notice"' "$T/out7.jsonl" | grep -q 'checkpoint_max_tree'; ok $? "a workspace over checkpoint_max_tree gets a notice"
! grep -q '"type":"checkpoint"' "$T/out7.jsonl"; ok $? "... and no checkpoint"
rm -f "$XDG_CONFIG_HOME/cade/config" f5.txt filler.bin
done_testing
