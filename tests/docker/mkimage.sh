#!/bin/sh
# tests/docker/mkimage.sh: build the Docker test images offline (no registry).
#
#   cade-test:1     busybox (static, every applet linked) + bash (static)
#   cade-test-sh:1  the same without bash: exercises the /bin/sh fallback
#
# Root filesystems come from Debian's busybox-static and bash-static packages
# already on the host, imported with `docker import`.  An image that already
# exists is kept unless --force is given.  Usage: mkimage.sh [--force]
set -eu
force=0
[ "${1:-}" = --force ] && force=1
docker=${DOCKER:-docker}

find_bin() {	# find_bin NAME CANDIDATE...: first executable candidate
	_name=$1; shift
	for _c in "$@"; do
		if [ -x "$_c" ]; then echo "$_c"; return 0; fi
	done
	echo "mkimage.sh: $_name not found (apt-get install busybox-static bash-static)" >&2
	return 1
}
BUSYBOX=$(find_bin busybox-static /bin/busybox /usr/bin/busybox)
BASH_STATIC=$(find_bin bash-static /bin/bash-static /usr/bin/bash-static)
# A dynamically linked busybox would not run in an empty root filesystem.
if ! "$BUSYBOX" --list-full >/dev/null 2>&1; then
	echo "mkimage.sh: $BUSYBOX cannot list its applets" >&2; exit 1
fi

tmp=$(mktemp -d /tmp/cade-mkimage.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

mkrootfs() {	# mkrootfs DIR WITH_BASH
	_r=$1
	mkdir -p "$_r/bin" "$_r/sbin" "$_r/usr/bin" "$_r/usr/sbin" "$_r/etc" \
	    "$_r/tmp" "$_r/root" "$_r/workspace" "$_r/proc" "$_r/sys" "$_r/dev"
	chmod 1777 "$_r/tmp"
	cp "$BUSYBOX" "$_r/bin/busybox"
	"$BUSYBOX" --list-full | while read -r applet; do
		[ "$applet" = bin/busybox ] && continue
		[ -e "$_r/$applet" ] || ln -s /bin/busybox "$_r/$applet"
	done
	if [ "$2" = 1 ]; then
		rm -f "$_r/bin/bash"
		cp "$BASH_STATIC" "$_r/bin/bash"
	else
		rm -f "$_r/bin/bash" "$_r/usr/bin/bash"
	fi
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$_r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$_r/etc/group"
	echo cade-test >"$_r/etc/hostname"
}

build() {	# build TAG WITH_BASH
	if [ "$force" = 0 ] && "$docker" image inspect "$1" >/dev/null 2>&1; then
		echo "mkimage.sh: $1 exists"
		return 0
	fi
	_d=$tmp/$(echo "$1" | tr ':' '_')
	mkrootfs "$_d" "$2"
	tar -C "$_d" -c . | "$docker" import \
	    -c 'CMD ["/bin/sh"]' -c 'WORKDIR /' -c 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
	    - "$1" >/dev/null
	echo "mkimage.sh: built $1"
}

build cade-test:1 1
build cade-test-sh:1 0
