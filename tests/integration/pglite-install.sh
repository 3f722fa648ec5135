#!/bin/sh
# pglite-install.sh - installs PGlite with pgvector and its socket server (npm) into DIR, once.
# Usage: pglite-install.sh DIR   Exit 0: ready in DIR/node_modules; 3: node/npm missing or the
# registry unreachable (tests skip, saying so); anything else: a real failure.
set -eu
DIR=${1:?usage: pglite-install.sh DIR}
# Versions that fit together (pglite-socket 0.2.17 names pglite 0.5.14 and pglite-pgvector 0.0.15
# as peers); pinned so a new release cannot change what the tests prove.
PKGS="@electric-sql/pglite@0.5.14 @electric-sql/pglite-pgvector@0.0.15 @electric-sql/pglite-socket@0.2.17"
STAMP="$DIR/.installed"

command -v node >/dev/null 2>&1 || { echo "pglite-install: node not found" >&2; exit 3; }
command -v npm >/dev/null 2>&1 || { echo "pglite-install: npm not found" >&2; exit 3; }
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$PKGS" ]; then
  exit 0
fi
mkdir -p "$DIR"
[ -f "$DIR/package.json" ] || echo '{"name":"es-pglite","private":true}' > "$DIR/package.json"
# shellcheck disable=SC2086
if ! timeout 300 npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error $PKGS >"$DIR/npm.log" 2>&1; then
  if grep -q -E "ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNREFUSED|ECONNRESET|network" "$DIR/npm.log"; then
    echo "pglite-install: npm registry unreachable (see $DIR/npm.log)" >&2
    exit 3
  fi
  cat "$DIR/npm.log" >&2
  exit 1
fi
echo "$PKGS" > "$STAMP"
