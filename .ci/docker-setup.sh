#!/bin/sh
# .ci/docker-setup.sh: a running Docker daemon and the offline test images.
#
# Installs docker.io (and busybox-static, bash-static for the images) when
# missing, starts dockerd in the background if `docker info` fails, waits
# until it answers (60 s), then builds cade-test:1 and cade-test-sh:1 with
# tests/docker/mkimage.sh.  No registry is used.  Exit 1 if the daemon cannot
# start: in CI the Docker tests must run, not skip.
set -eu
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need=""
command -v dockerd >/dev/null 2>&1 || need="$need docker.io"
[ -x /bin/busybox ] || need="$need busybox-static"
[ -x /bin/bash-static ] || need="$need bash-static"
if [ -n "$need" ]; then
	echo "docker-setup: installing$need"
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

wait_daemon() {	# wait_daemon SECONDS: 0 once `docker info` answers
	_i=0
	while [ "$_i" -lt "$1" ]; do
		docker info >/dev/null 2>&1 && return 0
		sleep 1
		_i=$((_i + 1))
	done
	return 1
}

if ! docker info >/dev/null 2>&1; then
	echo "docker-setup: starting dockerd (log: /tmp/dockerd.log)"
	nohup dockerd >/tmp/dockerd.log 2>&1 </dev/null &
	pid=$!
	if ! wait_daemon 60; then
		# Nested in a container without iptables: no bridge is needed,
		# the tests run with networking off.
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "docker-setup: retrying without bridge and iptables"
			nohup dockerd --bridge=none --iptables=false \
			    >>/tmp/dockerd.log 2>&1 </dev/null &
			wait_daemon 60 || true
		fi
	fi
fi
if ! docker info >/dev/null 2>&1; then
	echo "docker-setup: the Docker daemon did not start; its log:" >&2
	tail -30 /tmp/dockerd.log >&2 || true
	exit 1
fi
docker version --format 'docker-setup: daemon {{.Server.Version}}, API {{.Server.APIVersion}}'
sh tests/docker/mkimage.sh
