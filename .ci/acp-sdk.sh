#!/usr/bin/env bash
# .ci/acp-sdk.sh BUILDDIR: install the official ACP TypeScript client
# (@agentclientprotocol/sdk 2.4.0, from the npm registry) into
# BUILDDIR/tests/node, where tests/acp.sh looks for it.  Needs node and npm.
set -euo pipefail
dir=$1/tests/node
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name":"cade-acp-tests","private":true}' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
	@agentclientprotocol/sdk@2.4.0 >/dev/null
test -f "$dir/node_modules/@agentclientprotocol/sdk/package.json"
