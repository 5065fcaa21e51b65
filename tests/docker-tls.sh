#!/bin/sh
# docker-tls.sh: cade drives a Docker daemon over TCP with mutual TLS, as
# the Docker CLI does (DOCKER_HOST=tcp://..., DOCKER_TLS_VERIFY,
# DOCKER_CERT_PATH).  A second, private dockerd listens on a loopback port
# with throwaway certificates (a CA, a server and a client certificate made
# with the openssl CLI), gets cade-test:1 from the first daemon, and runs
# the task's container: a command's output reaches the model through the
# TLS relay, a wrong CA or a missing certificate is one clear line, and no
# container is left behind.  Then the same daemon, restarted without TLS,
# serves plain tcp:// (DOCKER_TLS_VERIFY unset) on loopback.  Skips (counted) only when not root or without
# dockerd; fails instead when CI=true.
. "$top_srcdir/tests/lib.sh"
setup_home
W=$T/work; C=$T/certs; D=$T/dockerd
mkdir -p "$W" "$C" "$D"
DPID=

stop_dockerd() {
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null
	wait_until 60 sh -c "! kill -0 $DPID 2>/dev/null" ||
	    kill -KILL "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
}
trap 'stop_dockerd; cleanup' EXIT

why=
[ "$(id -u)" -eq 0 ] || why="not root (a second dockerd needs root)"
command -v dockerd >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 ||
    why="${why:-no dockerd}"
command -v openssl >/dev/null 2>&1 || why="${why:-no openssl}"
if [ -z "$why" ] && ! { docker image inspect cade-test:1 >/dev/null 2>&1 ||
    sh "$top_srcdir/tests/docker/mkimage.sh" >&2; }; then
	why="no first Docker daemon with cade-test:1"
fi
if [ -n "$why" ]; then
	if [ "${CI:-}" = true ]; then
		ok 1 "TLS Docker test can run (CI=true: $why is a failure)"
	else
		skip "$why"
	fi
	done_testing
fi

# Throwaway certificates: one CA signs the server (IP 127.0.0.1) and the
# client; another CA signs nothing we use (the wrong CA).
mkcert() {	# mkcert NAME SUBJECT EXT: NAME-key.pem, NAME.pem signed by ca
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$C/$1-key.pem" -out "$C/$1.csr" -subj "$2" 2>/dev/null &&
	printf '%s\n' "$3" > "$C/$1.ext" &&
	openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca-key.pem" \
	    -CAcreateserial -out "$C/$1.pem" -days 2 -extfile "$C/$1.ext" \
	    2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$C/ca-key.pem" -out "$C/ca.pem" -days 2 \
    -subj "/CN=cade test CA" 2>/dev/null &&
mkcert server /CN=127.0.0.1 "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth" &&
mkcert client "/CN=cade test client" "extendedKeyUsage=clientAuth"
ok $? "test certificates made with openssl"
# The client's directory, as the Docker CLI wants it.
CL=$T/client; BAD=$T/wrong-ca
mkdir -p "$CL" "$BAD"
cp "$C/ca.pem" "$CL/ca.pem"
cp "$C/client.pem" "$CL/cert.pem"; cp "$C/client-key.pem" "$CL/key.pem"
cp "$CL/cert.pem" "$CL/key.pem" "$BAD/"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T/other-key.pem" -out "$BAD/ca.pem" -days 2 \
    -subj "/CN=some other CA" 2>/dev/null

tls() {	# tls COMMAND...: with the TLS daemon's environment
	DOCKER_HOST=tcp://127.0.0.1:$PORT DOCKER_TLS_VERIFY=1 \
	    DOCKER_CERT_PATH=$CL "$@"
}
# A second daemon of its own (data, exec root, pidfile), TLS on loopback
# only, no bridge or iptables; a port taken by someone else: try another.
up=1
for try in 1 2 3; do
	PORT=$((20000 + ($$ * 7 + try * 7919) % 30000))
	dockerd --data-root "$D/data" --exec-root "$D/exec" \
	    --pidfile "$D/dockerd.pid" -H "tcp://127.0.0.1:$PORT" --tlsverify \
	    --tlscacert "$C/ca.pem" --tlscert "$C/server.pem" \
	    --tlskey "$C/server-key.pem" --bridge=none --iptables=false \
	    --ip-masq=false >"$D/log" 2>&1 </dev/null &
	DPID=$!
	if wait_until 90 sh -c "! kill -0 $DPID 2>/dev/null ||
	    DOCKER_HOST=tcp://127.0.0.1:$PORT DOCKER_TLS_VERIFY=1 \
	    DOCKER_CERT_PATH=$CL docker version >/dev/null 2>&1" &&
	    kill -0 "$DPID" 2>/dev/null; then
		up=0
		break
	fi
	stop_dockerd
done
ok $up "a second dockerd answers over TLS on 127.0.0.1:$PORT"
if [ $up -ne 0 ]; then
	tail -20 "$D/log" | sed 's/^/#   /'
	done_testing
fi
docker save cade-test:1 | tls docker load >/dev/null
ok $? "cade-test:1 loaded into it"

# 1. The agent's commands run in a container on the TLS daemon.
cat > "$T/t1.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "c1", "name": "terminal", "arguments": {"command": "echo tls-$((6*7)) in $(hostname)", "security_risk": "LOW"}}]},
 {"tool_calls": [{"id": "c2", "name": "terminal", "arguments": {"command": "seq 1 40000 | wc -l; seq 1 40000 >/dev/null; seq 1 30000 | tail -c 200000 | md5sum | cut -c1-8; echo relay-end", "security_risk": "LOW"}}]},
 {"content": "all done"}
]}
JSON
start_fake "$T/t1.json"
cd "$W" || exit 1
tls "$CADE" -p "work over TLS" --workspace docker --image cade-test:1 --yes \
    --json </dev/null >"$T/out.jsonl" 2>"$T/err"; rc=$?
ok $rc "cade -p over TLS exits 0 ($(head -c 300 "$T/err"))"
obs() { grep "\"call_id\":\"$1\"" "$T/out.jsonl" | grep '"type":"observation"'; }
obs c1 | grep -q 'tls-42 in ' && ! obs c1 | grep -q "in $(hostname)\\\\n"
ok $? "a command ran in the container and its output reached the model"
want=$(seq 1 30000 | tail -c 200000 | md5sum | cut -c1-8)
obs c2 | grep -q '40000' && obs c2 | grep -q "$want" && obs c2 | grep -q relay-end
ok $? "more output than one relay buffer arrives whole"
grep -q 'all done' "$T/out.jsonl"; ok $? "the run finished"
[ -z "$(tls docker ps -aq)" ]; ok $? "no container left on the TLS daemon"
kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=

# 2. Refusals: one line naming the problem and the fix, exit 1.
refused() {	# refused DESCRIPTION PATTERN: the last run failed that way
	[ "$rc" -eq 1 ] && [ "$(wc -l < "$T/err")" -eq 1 ] &&
	    grep -q "$2" "$T/err" && ! grep -q 'PRIVATE KEY' "$T/err"
	ok $? "$1: $(cat "$T/err")"
}
LLM_BASE_URL=http://127.0.0.1:1/v1
DOCKER_HOST=tcp://127.0.0.1:$PORT DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$BAD \
    "$CADE" -p x --workspace docker --image cade-test:1 </dev/null \
    >/dev/null 2>"$T/err"; rc=$?
refused "a wrong CA is refused" \
    "TLS handshake .*127.0.0.1:$PORT.*failed.*DOCKER_CERT_PATH"
DOCKER_HOST=tcp://127.0.0.1:$PORT DOCKER_TLS_VERIFY=1 \
    DOCKER_CERT_PATH=$T/nowhere "$CADE" -p x --workspace docker \
    --image cade-test:1 </dev/null >/dev/null 2>"$T/err"; rc=$?
refused "a missing certificate directory" "nowhere/ca.pem is missing.*DOCKER_CERT_PATH"
DOCKER_HOST=tcp://127.0.0.1:$PORT DOCKER_TLS_VERIFY= "$CADE" -p x \
    --workspace docker --image cade-test:1 </dev/null >/dev/null 2>"$T/err"; rc=$?
refused "plain HTTP to the TLS daemon" "wants TLS: set DOCKER_TLS_VERIFY=1"
[ -z "$(tls docker ps -aq)" ]; ok $? "still no container on the TLS daemon"

stop_dockerd
ok 0 "the second dockerd stopped"

# 3. Plain tcp:// (DOCKER_TLS_VERIFY unset) to the same daemon restarted
# without TLS on loopback (its data root keeps the image).
dockerd --data-root "$D/data" --exec-root "$D/exec" --pidfile "$D/dockerd.pid" \
    -H "tcp://127.0.0.1:$PORT" --bridge=none --iptables=false \
    --ip-masq=false >"$D/log" 2>&1 </dev/null &
DPID=$!
plain() { DOCKER_HOST=tcp://127.0.0.1:$PORT DOCKER_TLS_VERIFY= "$@"; }
wait_until 90 sh -c "! kill -0 $DPID 2>/dev/null ||
    DOCKER_HOST=tcp://127.0.0.1:$PORT docker version >/dev/null 2>&1" &&
    kill -0 "$DPID" 2>/dev/null
ok $? "the daemon answers plain TCP on 127.0.0.1:$PORT"
cat > "$T/t3.json" <<'JSON'
{"replies": [
 {"tool_calls": [{"id": "p1", "name": "terminal", "arguments": {"command": "echo plain-$((6*7))", "security_risk": "LOW"}}]},
 {"content": "all done"}
]}
JSON
start_fake "$T/t3.json"
plain "$CADE" -p "work over plain TCP" --workspace docker --image cade-test:1 \
    --yes --json </dev/null >"$T/out.jsonl" 2>"$T/err"; rc=$?
ok $rc "cade -p over plain tcp:// exits 0 ($(head -c 300 "$T/err"))"
obs p1 | grep -q 'plain-42'; ok $? "its command's output reached the model"
[ -z "$(plain docker ps -aq)" ]; ok $? "no container left on the plain TCP daemon"
kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=
LLM_BASE_URL=http://127.0.0.1:1/v1
DOCKER_HOST=tcp://127.0.0.1:$PORT DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$CL \
    "$CADE" -p x --workspace docker --image cade-test:1 </dev/null \
    >/dev/null 2>"$T/err"; rc=$?
refused "TLS to a plain daemon" "TLS handshake .*127.0.0.1:$PORT.*failed"
stop_dockerd
ok 0 "the plain TCP dockerd stopped"
done_testing
