#!/usr/bin/python3
# bench_pg_alternatives.py - how a stream's rows could reach PostgreSQL, measured with psql alone.
"""Usage: /usr/bin/python3 bench/bench_pg_alternatives.py [ROWS] [--chunk N] [--repeat N] [--set NAME=VALUE]

The measurement behind src/store/pg_write.c's design. On a throwaway PostgreSQL 15 cluster,
ROWS (default 200,000) 384-d recruit-shaped rows (uuid key, real[] vector with a length CHECK)
are made in SQL and dumped as binary COPY files, whole and in chunks of --chunk rows (default
6,400: the client's auto size for 384-d at 1 Gb/s). Each way loads them into an empty table in one
transaction; psql reads the files, as the server would stream them:
  copy          \\copy of the whole file: the reference
  stage_end     COPY every chunk into a temp table, then one INSERT ... SELECT DISTINCT ON (key)
                ... ORDER BY key, seq DESC ON CONFLICT DO UPDATE at the end
  merge_chunks  per chunk: COPY into a temp table, INSERT ... ON CONFLICT DO UPDATE, TRUNCATE
  direct        per chunk: COPY straight into the table
  direct_check  per chunk: look the chunk's keys up (= ANY(array)), then COPY straight in
                (what the store does when the table had rows, and no key exists yet)
Ways run round-robin --repeat times (default 3); the median of each is reported against copy's.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import pgserver  # noqa: E402

COLS = "id, company_name, exp_years, english_level, primary_keyword, vector"
TABLE = ("(id uuid PRIMARY KEY, company_name text NOT NULL, exp_years integer NOT NULL, "
         "english_level text NOT NULL, primary_keyword text NOT NULL, vector real[] NOT NULL "
         "CHECK (cardinality(vector) = 384))")
UPSERT = (" ON CONFLICT (id) DO UPDATE SET company_name = EXCLUDED.company_name, exp_years = EXCLUDED.exp_years,"
          " english_level = EXCLUDED.english_level, primary_keyword = EXCLUDED.primary_keyword,"
          " vector = EXCLUDED.vector")


def make_data(pg, rows, chunk, d):
    pg.psql("postgres", "CREATE TABLE src AS SELECT g AS seq, gen_random_uuid() AS id, 'company ' || g AS "
                        "company_name, g %% 30 AS exp_years, 'fluent'::text AS english_level, 'backend'::text AS "
                        "primary_keyword, (SELECT array_agg(random()::real) FROM generate_series(1, 384) "
                        "WHERE g > 0) AS vector FROM generate_series(1, %d) g" % rows, timeout=3600)
    pg.psql("postgres", "CREATE INDEX ON src (seq) INCLUDE (id)")
    pg.psql("postgres", "VACUUM ANALYZE src")
    pg.psql("postgres", "\\copy (SELECT %s FROM src ORDER BY seq) TO '%s/all.bin' (FORMAT binary)" % (COLS, d))
    n = (rows + chunk - 1) // chunk
    for i in range(n):
        where = "seq > %d AND seq <= %d" % (i * chunk, (i + 1) * chunk)
        pg.psql("postgres", "\\copy (SELECT %s FROM src WHERE %s ORDER BY seq) TO '%s/c%d.bin' (FORMAT binary)"
                % (COLS, where, d, i))
        pg.psql("postgres", "\\copy (SELECT seq, %s FROM src WHERE %s ORDER BY seq) TO '%s/s%d.bin' "
                            "(FORMAT binary)" % (COLS, where, d, i))
    return n


def script(way, n, d):
    lines = ["BEGIN;"]
    if way == "copy":
        lines.append("\\copy t FROM '%s/all.bin' (FORMAT binary)" % d)
    elif way == "stage_end":
        lines.append("CREATE TEMP TABLE stage (seq integer, id uuid, company_name text, exp_years integer, "
                     "english_level text, primary_keyword text, vector real[]) ON COMMIT DROP;")
        lines += ["\\copy stage FROM '%s/s%d.bin' (FORMAT binary)" % (d, i) for i in range(n)]
        lines.append("INSERT INTO t SELECT DISTINCT ON (id) %s FROM stage ORDER BY id, seq DESC%s;" % (COLS, UPSERT))
    elif way == "merge_chunks":
        lines.append("CREATE TEMP TABLE stage (LIKE t) ON COMMIT DROP;")
        for i in range(n):
            lines.append("\\copy stage FROM '%s/c%d.bin' (FORMAT binary)" % (d, i))
            lines.append("INSERT INTO t SELECT * FROM stage%s; TRUNCATE stage;" % UPSERT)
    else:
        for i in range(n):
            if way == "direct_check":
                lines.append("SELECT 1 FROM t WHERE id = ANY(ARRAY(SELECT id FROM src WHERE seq > %d AND seq <= %d))"
                             " LIMIT 1;" % (i * CHUNK[0], (i + 1) * CHUNK[0]))
            lines.append("\\copy t FROM '%s/c%d.bin' (FORMAT binary)" % (d, i))
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


CHUNK = [6400]


def run_way(pg, way, n, d):
    pg.psql("postgres", "DROP TABLE IF EXISTS t; CREATE TABLE t %s; CHECKPOINT" % TABLE)
    path = os.path.join(d, way + ".sql")
    with open(path, "w") as f:
        f.write(script(way, n, d))
    t0 = time.monotonic()
    subprocess.run([pgserver.PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(pg.port),
                    "-U", "postgres", "-d", "postgres", "-f", path], check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("rows", nargs="?", type=int, default=200000)
    ap.add_argument("--chunk", type=int, default=6400)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    a = ap.parse_args()
    CHUNK[0] = a.chunk
    reason = pgserver.available()
    if reason:
        sys.exit(reason)
    d = tempfile.mkdtemp(prefix="es-bench-alt-")
    os.chmod(d, 0o755)
    pg = pgserver.PgServer(fast=False, settings=dict(s.split("=", 1) for s in a.set))
    try:
        pg.start()
        n = make_data(pg, a.rows, a.chunk, d)
        ways = ("copy", "stage_end", "merge_chunks", "direct", "direct_check")
        times = {w: [] for w in ways}
        for _ in range(a.repeat):
            for way in ways:
                times[way].append(run_way(pg, way, n, d))
        base = statistics.median(times["copy"])
        for way in ways:
            secs = statistics.median(times[way])
            print("%-13s %6.2f s  %7.0f rows/s  %4.0f%% of copy   (runs: %s)"
                  % (way, secs, a.rows / secs, 100 * base / secs, " ".join("%.2f" % t for t in times[way])),
                  flush=True)
    finally:
        pg.destroy()
        subprocess.run(["rm", "-rf", d])


if __name__ == "__main__":
    main()
