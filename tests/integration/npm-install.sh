#!/bin/sh
# npm-install.sh - installs pinned npm packages into DIR once (the tests' PGlite server, Parquet writers).
# Usage: npm-install.sh DIR PACKAGE@VERSION...   Exit 0: ready in DIR/node_modules; 3: node/npm
# missing or the registry unreachable or silent for ES_NPM_TIMEOUT (300) s (the tests then skip,
# saying so); anything else: a real failure.
set -eu
DIR=${1:?usage: npm-install.sh DIR PACKAGE@VERSION...}
shift
PKGS="$*"
STAMP="$DIR/.installed"
WAIT=${ES_NPM_TIMEOUT:-300} # seconds npm may take

command -v node >/dev/null 2>&1 || { echo "npm-install: node not found" >&2; exit 3; }
command -v npm >/dev/null 2>&1 || { echo "npm-install: npm not found" >&2; exit 3; }
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$PKGS" ]; then
  exit 0
fi
mkdir -p "$DIR"
[ -f "$DIR/package.json" ] || echo '{"name":"es-test-deps","private":true}' > "$DIR/package.json"
rc=0
# shellcheck disable=SC2086
timeout "$WAIT" npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error $PKGS >"$DIR/npm.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
  # A registry that drops packets never answers: npm is still waiting when timeout stops it.
  if [ "$rc" -eq 124 ]; then
    echo "npm-install: the npm registry did not answer within $WAIT s (see $DIR/npm.log)" >&2
    exit 3
  fi
  if grep -q -E "ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNREFUSED|ECONNRESET|network" "$DIR/npm.log"; then
    echo "npm-install: npm registry unreachable (see $DIR/npm.log)" >&2
    exit 3
  fi
  cat "$DIR/npm.log" >&2
  exit 1
fi
echo "$PKGS" > "$STAMP"
