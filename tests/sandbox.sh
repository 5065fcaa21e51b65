#!/bin/sh
# sandbox.sh: the local workspace's sandbox through the real binary, for each
# mechanism this machine supports (forced with --sandbox): writes outside fail,
# credentials are hidden, only loopback is reachable, outside processes cannot
# be signalled, /tmp is private, builds work, escalation runs outside only when
# approved; then the same as an unprivileged throwaway user when run as root.
#
# As root the whole test re-runs itself in a network namespace of its own
# (unshare --net) where 198.18.0.1 (a benchmarking address, never routed) is
# added to lo with a listener on it: the "outside network" the sandbox must
# not reach.  No traffic leaves this machine.
. "$top_srcdir/tests/lib.sh"

if [ "$(id -u)" = 0 ] && [ -z "${CADE_SBX_NETNS:-}" ] &&
    command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1; then
	CADE_SBX_NETNS=1 exec unshare --net sh "$0" "$@"
fi

setup_home
JC="$top_builddir/tests/jsoncheck"
# Paths outside /tmp (the namespace sandbox's /tmp is private, so a HOME in
# /tmp would be trivially invisible): under the build tree.
B=$(mktemp -d "$top_builddir/tests/sandbox.XXXXXX") || exit 1
chmod 755 "$B"
trap 'cleanup; [ -n "${LPID:-}" ] && kill "$LPID" 2>/dev/null; [ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null; rm -rf "$B"' EXIT
export HOME=$B/home
mkdir -p "$HOME/.ssh" "$B/out"
echo SECRET-KEY-MATERIAL > "$HOME/.ssh/id_ed25519"
chmod 700 "$HOME/.ssh"
PY=$(command -v /usr/bin/python3 || command -v python3)

# The outside network: a listener on a non-loopback address of our netns.
EXTPORT=
if [ -n "${CADE_SBX_NETNS:-}" ] && [ -n "$PY" ]; then
	ip link set lo up && ip addr add 198.18.0.1/32 dev lo
	"$PY" -c 'import socket,sys
s=socket.socket(); s.bind(("198.18.0.1",0)); s.listen(8)
open(sys.argv[1]+".tmp","w").write(str(s.getsockname()[1])); import os; os.rename(sys.argv[1]+".tmp",sys.argv[1])
while True:
    c,_=s.accept(); c.close()' "$B/extport" &
	LPID=$!
	for _i in $(seq 1 100); do [ -s "$B/extport" ] && break; sleep 0.05; done
	EXTPORT=$(cat "$B/extport" 2>/dev/null)
	"$PY" -c 'import socket,sys; socket.create_connection(("198.18.0.1",int(sys.argv[1])),2)' "$EXTPORT" ||
		EXTPORT=
fi
# An outside process the sandbox must not be able to signal.
sleep 300 &
SPID=$!

"$CADE" sandbox check > "$T/check" 2>&1; rc=$?
ok $rc "cade sandbox check exits 0"
grep -q '^namespaces: ' "$T/check" && grep -q '^landlock: ' "$T/check" &&
    grep -q '^seccomp: ' "$T/check" && grep -q '^auto picks: ' "$T/check"
ok $? "cade sandbox check reports namespaces, landlock, seccomp and the pick"
diag "$(tr '\n' '|' < "$T/check")"
MECHS=
ABI=$(sed -n 's/^landlock: ABI \([0-9]*\).*/\1/p' "$T/check")
grep -q '^namespaces: yes' "$T/check" && MECHS="$MECHS namespaces"
grep -q '^landlock: ABI' "$T/check" && ! grep -q 'failed to start' "$T/check" &&
    MECHS="$MECHS landlock"

# A workspace with a C project and a test file.
mkws() {
	W=$B/ws-$1; rm -rf "$W"; mkdir -p "$W"
	printf '#include <stdio.h>\nint main(void){puts("built-ok");return 0;}\n' > "$W/hello.c"
	printf 'hello: hello.c\n\tcc -o hello hello.c\n' > "$W/Makefile"
	printf 'def test_ok():\n    assert 1 + 1 == 2\n' > "$W/test_x.py"
}

# One headless run: run MECH SCRIPT EXTRA-FLAGS...; output in $T/out.jsonl.
run() {
	_m=$1; _s=$2; shift 2
	kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null
	start_fake "$_s"
	(cd "$W" && setsid "$CADE" -p "sandbox test" --json --sandbox "$_m" -m test-model "$@" \
	    </dev/null >"$T/out.jsonl" 2>"$T/err")
}
# obs ID: the text of observation ID.
obs() { grep '"type":"observation"' "$T/out.jsonl" | grep "\"call_id\":\"$1\"" ; }

term() {	# term ID COMMAND [EXTRA-JSON]: one terminal call as a reply
	printf ' {"tool_calls": [{"id": "%s", "name": "terminal", "arguments": {"command": "%s", "security_risk": "LOW"%s}}]},\n' "$1" "$2" "${3:-}"
}

for M in $MECHS; do
	mkws "$M"
	{
		echo '{"replies": ['
		term w "echo x > $B/out/canary-$M; echo write-rc=\$?"
		term s "cat $HOME/.ssh/id_* ; ls -A $HOME/.ssh; echo ssh-done"
		term n "(exec 3<>/dev/tcp/198.18.0.1/${EXTPORT:-9}) 2>/dev/null && echo ext-connected; echo ext-done"
		term l "$PY -c 'import socket; s=socket.socket(); s.bind((\\\"127.0.0.1\\\",0)); s.listen(1); socket.create_connection(s.getsockname(),2); print(\\\"lo-connected\\\")' 2>&1 | tail -1"
		term k "kill $SPID; echo kill-rc=\$?"
		term d "echo hi > /dev/null && echo devnull-ok; find /dev -type b 2>/dev/null | wc -l | sed s/^/blockdevs=/; ls -A /run 2>/dev/null | wc -l | sed s/^/run=/; tty | sed s/^/tty=/"
		term t "echo tmp-probe > /tmp/cade-sbx-$$-$M && cat /tmp/cade-sbx-$$-$M; echo tmpdir-probe > \$TMPDIR/p && cat \$TMPDIR/p; echo TMPDIR=\$TMPDIR"
		term b "make -s && ./hello"
		term g "git init -q && git add -A && git -c user.name=t -c user.email=t@example.com commit -qm init && git log --oneline | wc -l | sed s/^/commits=/"
		term p "$PY -m pytest -q -p no:cacheprovider test_x.py 2>&1 | tail -1"
		term e "touch $B/out/escalated-$M && echo esc-ran" ', "sandbox": "off", "justification": "test: write outside"'
		echo ' {"tool_calls": [{"id": "f", "name": "finish", "arguments": {"message": "done"}}]}'
		echo ']}'
	} > "$T/s-$M.json"
	run "$M" "$T/s-$M.json" --yes; rc=$?
	ok $rc "$M: headless run exits 0 (rc=$rc)"
	[ $rc -eq 0 ] || { diag "$(tail -3 "$T/err")"; diag "$(tail -2 "$T/out.jsonl")"; }
	want=ns; [ "$M" = landlock ] && want=landlock
	grep '"type":"session_start"' "$T/out.jsonl" | grep -q "\"sandbox\":{\"mechanism\":\"$want\"" &&
	    grep '"type":"session_start"' "$T/out.jsonl" | grep -q '"hidden":\[[^]]*\.ssh'
	ok $? "$M: session_start records the mechanism and the hidden paths"
	obs w | grep -q 'write-rc=1' && [ ! -e "$B/out/canary-$M" ]
	ok $? "$M: a write outside the workspace fails and the file does not exist"
	obs s | grep -q ssh-done && ! obs s | grep -q SECRET-KEY && ! obs s | grep -q id_ed25519
	ok $? "$M: cat ~/.ssh/id_* shows nothing"
	if [ -n "$EXTPORT" ]; then
		obs n | grep -q ext-done && ! obs n | grep -q ext-connected
		ok $? "$M: TCP to a non-loopback address of this network namespace fails"
	else
		skip "$M: no listener on a non-loopback address (needs root, unshare, ip and python3)"
	fi
	if [ -z "$PY" ]; then
		skip "$M: no python3 for the loopback listener"
	elif [ "$M" = namespaces ]; then
		obs l | grep -q lo-connected
		ok $? "$M: loopback inside the sandbox works"
	else
		! obs l | grep -q lo-connected
		ok $? "$M: loopback is refused too (Landlock cannot tell addresses apart; doc/SANDBOX.md)"
	fi
	if [ "$M" = landlock ] && [ "${ABI:-0}" -lt 6 ]; then
		skip "$M: Landlock ABI $ABI has no signal scoping (ABI >= 6)"
	else
		obs k | grep -q 'kill-rc=1' && kill -0 "$SPID"
		ok $? "$M: kill of a process outside fails and it still runs"
	fi
	obs d | grep -q devnull-ok && obs d | grep -q 'tty=/dev/pts/'
	ok $? "$M: /dev/null and the pty work"
	if [ "$M" = namespaces ]; then
		obs d | grep -q 'blockdevs=0' && obs d | grep -q 'run=0'
		ok $? "$M: a fresh /dev without disks, an empty /run (no service sockets)"
	fi
	if [ "$M" = namespaces ]; then
		obs t | grep -q tmp-probe && [ ! -e "/tmp/cade-sbx-$$-$M" ] && obs t | grep -q 'TMPDIR=/tmp'
		ok $? "$M: /tmp writes land in a private /tmp, not the host's"
	else
		! obs t | grep -q 'tmp-probe' && [ ! -e "/tmp/cade-sbx-$$-$M" ] &&
		    obs t | grep -q tmpdir-probe && obs t | grep -q 'TMPDIR=/tmp/cade-sandbox-'
		ok $? "$M: /tmp is read-only; \$TMPDIR is a private directory"
	fi
	obs b | grep -q built-ok && [ -x "$W/hello" ]
	ok $? "$M: a C project builds with make"
	obs g | grep -q 'commits=1' && [ -d "$W/.git" ]
	ok $? "$M: git commit inside the workspace"
	if [ -n "$PY" ] && "$PY" -c 'import pytest' 2>/dev/null; then
		obs p | grep -q '1 passed'
		ok $? "$M: python3 -m pytest runs"
	else
		skip "$M: pytest is not installed (python3-pytest)"
	fi
	grep '"type":"policy_decision"' "$T/out.jsonl" | grep '"call_id":"e"' |
	    grep '"risk":"MEDIUM"' | grep -q '"by":"flag:--yes"' &&
	    obs e | grep -q esc-ran && [ -e "$B/out/escalated-$M" ]
	ok $? "$M: an escalation is asked (MEDIUM), approved (--yes) and runs outside"

	# Without --yes the same escalation is refused and nothing runs outside.
	{
		echo '{"replies": ['
		term e "touch $B/out/refused-$M" ', "sandbox": "off", "justification": "test"'
		echo ' {"tool_calls": [{"id": "f", "name": "finish", "arguments": {"message": "done"}}]}'
		echo ']}'
	} > "$T/r-$M.json"
	run "$M" "$T/r-$M.json"
	grep '"type":"policy_decision"' "$T/out.jsonl" | grep '"call_id":"e"' |
	    grep -q '"decision":"deny"' && [ ! -e "$B/out/refused-$M" ]
	ok $? "$M: headless escalation without --yes is refused"
done
[ -n "$MECHS" ] || skip "no sandbox mechanism starts on this machine"

# C-c ends an escalated command still running outside: had it gone on, it
# would have created the file while the shell slept inside.
if [ -n "$MECHS" ]; then
	M=$(echo $MECHS | cut -d' ' -f1); mkws "$M-cc"
	cat > "$T/cc.json" <<JSON
{"replies": [
 {"tool_calls": [{"id": "e", "name": "terminal", "arguments": {"command": "echo started-outside; sleep 7; touch $B/out/late", "sandbox": "off", "justification": "test", "security_risk": "LOW", "timeout": 2}}]},
 {"tool_calls": [{"id": "c", "name": "terminal", "arguments": {"command": "C-c", "is_input": true, "security_risk": "LOW", "timeout": 3}}]},
 {"tool_calls": [{"id": "s", "name": "terminal", "arguments": {"command": "sleep 8; echo slept", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "f", "name": "finish", "arguments": {"message": "done"}}]}
]}
JSON
	run "$M" "$T/cc.json" --yes
	obs e | grep -q started-outside && obs e | grep -q '"timed_out":true' &&
	    obs s | grep -q slept && [ ! -e "$B/out/late" ]
	ok $? "$M: C-c ends an escalated command still running outside the sandbox"
fi

# The file tools refuse hidden paths (the workspace is HOME itself here).
W=$HOME
cat > "$T/f.json" <<JSON
{"replies": [
 {"tool_calls": [{"id": "v", "name": "file_editor", "arguments": {"command": "view", "path": "$HOME/.ssh/id_ed25519", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "g", "name": "grep", "arguments": {"pattern": "SECRET-KEY", "path": "."}}]},
 {"tool_calls": [{"id": "f", "name": "finish", "arguments": {"message": "done"}}]}
]}
JSON
run auto "$T/f.json" --confirm never
obs v | grep -q 'hidden by the sandbox' && ! obs v | grep -q SECRET-KEY
ok $? "file_editor refuses a hidden path"
obs g | grep -q '"text"' && ! obs g | grep -q 'id_ed25519'
ok $? "grep does not search hidden paths"

# Never silently open: where user namespaces are refused (a user namespace
# whose own limit is 0 stands in for Ubuntu's AppArmor rule), auto falls
# back to Landlock and says so in session_start, and a forced
# --sandbox namespaces is an error.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
    unshare -Urm --fork sh -c 'echo 0 > /proc/sys/user/max_user_namespaces' 2>/dev/null; then
	W=$B/ws-fallback; mkdir -p "$W"
	cat > "$T/fb.json" <<JSON
{"replies": [
 {"tool_calls": [{"id": "w", "name": "terminal", "arguments": {"command": "echo x > $B/out/fallback; echo write-rc=\$?", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "f", "name": "finish", "arguments": {"message": "done"}}]}
]}
JSON
	kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null
	start_fake "$T/fb.json"
	(cd "$W" && unshare -Urm --fork sh -c 'echo 0 > /proc/sys/user/max_user_namespaces &&
	    exec "$0" -p t --json --confirm never -m test-model' "$CADE" \
	    </dev/null >"$T/out.jsonl" 2>"$T/err")
	if echo "$MECHS" | grep -q landlock; then
		grep '"type":"session_start"' "$T/out.jsonl" | grep -q '"mechanism":"landlock"' &&
		    obs w | grep -q 'write-rc=1' && [ ! -e "$B/out/fallback" ]
		ok $? "userns refused: auto falls back to Landlock, still contained"
	else
		grep '"type":"session_start"' "$T/out.jsonl" | grep -q '"mechanism":"off"' &&
		    grep -q 'not contained' "$T/err"
		ok $? "userns refused, no Landlock: auto says the commands are not contained"
	fi
	(cd "$W" && unshare -Urm --fork sh -c 'echo 0 > /proc/sys/user/max_user_namespaces &&
	    exec "$0" -p t --sandbox namespaces -m test-model' "$CADE" </dev/null >/dev/null 2>"$T/err"); rc=$?
	[ $rc -ne 0 ] && grep -q 'cannot start the ns sandbox' "$T/err"
	ok $? "userns refused: --sandbox namespaces is an error, not a silent fallback (rc=$rc)"
else
	skip "cannot refuse user namespaces here (needs root and unshare)"
	skip "cannot refuse user namespaces here (needs root and unshare)"
fi

# The TUI: the status bar names the mechanism; an escalation is asked with
# the command marked as running outside, and runs outside once approved.
if command -v tmux >/dev/null 2>&1 && [ -n "$MECHS" ]; then
	M=$(echo $MECHS | cut -d' ' -f1); want=ns; [ "$M" = landlock ] && want=landlock
	W=$B/ws-tui; mkdir -p "$W"
	cat > "$T/tui.json" <<JSON
{"replies": [
 {"tool_calls": [{"id": "e", "name": "terminal", "arguments": {"command": "touch $B/out/tui-escalated", "sandbox": "off", "justification": "publish the build", "security_risk": "LOW"}}]},
 {"content": "Escalated-done."}
]}
JSON
	kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null
	start_fake "$T/tui.json"
	SOCK=cade-sbx-$$
	TM() { tmux -L "$SOCK" "$@"; }
	screen() { TM capture-pane -p -t sbx; }
	printf 'set -g status off\n' > "$T/tmux.conf"
	TM -f "$T/tmux.conf" new-session -d -s sbx -x 180 -y 40 \
	    "cd $W && env ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME LLM_BASE_URL=$LLM_BASE_URL LLM_API_KEY=$LLM_API_KEY $CADE -m fake-model --sandbox $M"
	wait_for "sandbox: $want net: off" 20
	ok $? "TUI: the status bar shows sandbox: $want net: off"
	TM send-keys -t sbx "publish it" Enter
	wait_for ' confirm ' 20 && screen | grep -qF 'OUTSIDE THE SANDBOX' &&
	    screen | grep -qF 'MEDIUM'
	ok $? "TUI: the escalation is asked, marked as running outside the sandbox, MEDIUM"
	[ ! -e "$B/out/tui-escalated" ]
	ok $? "TUI: nothing ran before the answer"
	prompt_keys sbx		# the prompt holds the keyboard, past its delay
	TM send-keys -t sbx y
	wait_for 'Escalated-done.' 20 && [ -e "$B/out/tui-escalated" ]
	ok $? "TUI: approved, it ran outside the sandbox"
	TM kill-server 2>/dev/null
else
	skip "tmux missing or no mechanism: TUI escalation not tested"
fi

# The unprivileged path: the same checks as a throwaway user (CI runs as root).
if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null 2>&1 &&
    command -v setpriv >/dev/null 2>&1; then
	U=cadesbx$$
	# Everything the user touches lives in a directory anyone can enter:
	# the build tree may sit below one only root can (a mktemp -d checkout).
	UB=$(mktemp -d /var/tmp/cade-sbx.XXXXXX) && chmod 755 "$UB"
	if useradd -M -d "$UB/uhome" -s /bin/sh "$U" 2>/dev/null; then
		uid=$(id -u "$U")
		mkdir -p "$UB/uhome/.ssh" "$UB/uws"
		echo SECRET-KEY-MATERIAL > "$UB/uhome/.ssh/id_rsa"
		chown -R "$U:" "$UB/uhome" "$UB/uws"
		chmod 755 "$B" "$T"
		mkdir -p "$UB/ubin" "$UB/out" && cp "$CADE" "$UB/ubin/cade" &&
		    chmod 755 "$UB/ubin" "$UB/ubin/cade" && chmod 1777 "$UB/out"
		for M in $MECHS; do
			cat > "$T/u-$M.json" <<JSON
{"replies": [
 {"tool_calls": [{"id": "i", "name": "terminal", "arguments": {"command": "id -u; echo x > $UB/out/u-$M; echo write-rc=\$?; cat ~/.ssh/id_rsa; kill $SPID; echo kill-rc=\$?; touch in-ws && echo ws-ok", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "f", "name": "finish", "arguments": {"message": "done"}}]}
]}
JSON
			chmod 644 "$T/u-$M.json"
			kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null
			start_fake "$T/u-$M.json"
			(cd "$UB/uws" && setpriv --reuid="$uid" --regid="$(id -g "$U")" --clear-groups \
			    env HOME="$UB/uhome" XDG_CONFIG_HOME="$UB/uhome/.config" \
			    XDG_STATE_HOME="$UB/uhome/.state" \
			    "$UB/ubin/cade" -p t --json --confirm never --sandbox "$M" -m test-model \
			    </dev/null >"$T/out.jsonl" 2>"$T/err"); rc=$?
			[ $rc -eq 0 ] && obs i | grep -q "\"text\":\"$uid\\\\n" &&
			    obs i | grep -q 'write-rc=1' &&
			    [ ! -e "$UB/out/u-$M" ] && ! obs i | grep -q SECRET-KEY &&
			    obs i | grep -q 'kill-rc=1' && obs i | grep -q ws-ok && [ -e "$UB/uws/in-ws" ]
			u_ok=$?
			ok $u_ok "$M as an unprivileged user: contained the same way (rc=$rc)"
			[ $u_ok -eq 0 ] || { diag "$(tail -3 "$T/err")"; diag "$(obs i | cut -c1-300)"; }
		done
		userdel "$U" 2>/dev/null
		rm -rf "$UB"
	else
		skip "useradd failed: the unprivileged path is not tested"
	fi
else
	skip "not root: this whole test already ran unprivileged"
fi
done_testing
