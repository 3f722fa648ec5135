#!/bin/sh
# pglite-install.sh - installs PGlite with pgvector and its socket server (npm) into DIR, once.
# Usage: pglite-install.sh DIR   Exit codes as npm-install.sh's (3: node/npm missing or the
# registry unreachable, and the tests skip, saying so).
set -eu
DIR=${1:?usage: pglite-install.sh DIR}
# Versions that fit together (pglite-socket 0.2.17 names pglite 0.5.14 and pglite-pgvector 0.0.15
# as peers); pinned so a new release cannot change what the tests prove.
exec "$(dirname "$0")/npm-install.sh" "$DIR" @electric-sql/pglite@0.5.14 @electric-sql/pglite-pgvector@0.0.15 \
  @electric-sql/pglite-socket@0.2.17
