#!/bin/bash
# demo.sh - the whole path once: a server on a SQLite file, one ingest per domain, what was stored.
# Usage: scripts/demo.sh [path/to/embedstream]   (`make demo` passes build/embedstream)
# ES_DEMO_KEEP=1 keeps the temp dir with the database and the server log.
set -euo pipefail

SRC="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${1:-$SRC/build/embedstream}"
[ -x "$BIN" ] || { echo "demo: no executable at $BIN (run 'make' first)" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/embedstream-demo.XXXXXX")"
DB="$WORK/demo.db"
LOG="$WORK/server.log"
SERVER_PID=""

cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    # Bounded wait for the graceful stop, then make sure.
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${ES_DEMO_KEEP:-0}" = 1 ]; then
    echo "demo: kept $WORK (database demo.db, server.log)" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The spec's port if nobody holds it, otherwise any free port (the server reports which).
listen=127.0.0.1:50052
if (exec 3<>/dev/tcp/127.0.0.1/50052) 2>/dev/null; then listen=127.0.0.1:0; fi

echo "== starting: $BIN serve --listen $listen --store sqlite:$DB"
: >"$LOG" # before the server starts: the background job's own redirect may come later than our first read
"$BIN" serve --listen "$listen" --store "sqlite:$DB" --grace 5 >"$LOG" 2>&1 &
SERVER_PID=$!

addr=""
for _ in $(seq 1 200); do  # up to 20 s
  addr="$(sed -n 's/.*listening on \([^ ]*:[0-9]*\).*/\1/p' "$LOG" | head -n1)"
  [ -n "$addr" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$addr" ]; then
  echo "demo: the server did not start:" >&2
  cat "$LOG" >&2
  exit 1
fi
echo "== server listening on $addr"

# The example files ship in examples/; regenerate any that are missing.
example() {
  local domain=$1 file=$2
  if [ -f "$SRC/examples/$file" ]; then
    echo "$SRC/examples/$file"
  else
    "$BIN" generate --domain "$domain" --rows 20 --seed 1 --out "$WORK/$file" >&2
    echo "$WORK/$file"
  fi
}

status=0
for spec in recruit:recruit.csv candidate:candidate.jsonl skill_embedding_dic:skill_embedding_dic.csv; do
  domain=${spec%%:*}
  file="$(example "$domain" "${spec#*:}")"
  echo "== ingest --domain $domain --file ${file#"$SRC"/}"
  "$BIN" ingest --domain "$domain" --file "$file" --server "$addr" || status=$?
done

echo "== stats --store sqlite:$DB"
"$BIN" stats --store "sqlite:$DB"

if command -v sqlite3 >/dev/null 2>&1; then
  echo "== first rows of each table (vector shown as its dimension)"
  sqlite3 -header -column "$DB" \
    "SELECT id, company_name, exp_years, english_level, primary_keyword,
            length(vector)/4 AS dim FROM recruit LIMIT 3;" \
    "SELECT candidate_id, position_category, experience_years,
            substr(replace(original_resume, char(10), ' '), 1, 30) AS resume_start,
            skills, length(vector)/4 AS dim FROM candidate LIMIT 3;" \
    "SELECT skill, position_category, length(vector)/4 AS dim FROM skill_embedding_dic LIMIT 3;" \
    || status=1
fi

echo "== server log"
cat "$LOG"
exit "$status"
