#!/bin/sh
# .ci/node-setup.sh DIR: the npm packages the integration tests drive, in
# DIR/node_modules (tests find them through CADE_NODE_MODULES).  Node comes
# from the machine, or Debian's nodejs and npm when it has none.  Versions
# are pinned so a test run is reproducible.
set -eu
dir=${1:?usage: node-setup.sh DIR}
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "node-setup: installing Debian's nodejs and npm"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
mkdir -p "$dir"
echo "node-setup: npm packages into $dir (node $(node --version))"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
	@modelcontextprotocol/server-everything@2026.8.31 \
	@modelcontextprotocol/server-filesystem@2026.8.31 >/dev/null
