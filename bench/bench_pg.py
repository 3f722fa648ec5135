#!/usr/bin/python3
# bench_pg.py - 1,000,000 384-d recruit rows into PostgreSQL 15: `embedstream ingest` vs psql's binary \copy.
"""Usage: /usr/bin/python3 bench/bench_pg.py [ROWS] [--bin build/embedstream] [--keep DIR]
                                             [--chunk-size auto|N] [--repeat N] [--set NAME=VALUE]

One throwaway PostgreSQL 15 cluster (tests/integration/pgserver.py, durable default settings plus
--set ones), one generated 384-d recruit CSV (`embedstream generate`), then, --repeat times:
  ingest   `embedstream serve --store postgresql://...` + `embedstream ingest` into an empty
           table: rows/s = file rows / client wall time (process start to exit, commit included);
           the server's peak RSS (ru_maxrss from wait4) is reported after it stops.
  \\copy    the same rows, dumped once from that table in binary (COPY TO), loaded by
           `psql -c "\\copy recruit_copy FROM file (FORMAT binary)"` into an identical empty table
           (LIKE recruit INCLUDING ALL): the database's own limit for this data.
Both start after a CHECKPOINT. Bars (issue 3): ingest >= 80% of the \\copy rate; server < 64 MiB.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from common import DEFAULT_BIN, ITEST, start_server, stop_server

sys.path.insert(0, ITEST)
import pgserver  # noqa: E402

RSS_BAR_MIB = 64
RATE_BAR = 0.80


def run_ingest_round(pg, binary, csv_path, rows, chunk, work):
    db = pg.create_database()
    pg.psql(db, "CHECKPOINT")
    srv, addr = start_server([binary, "serve", "--listen", "127.0.0.1:0", "--store", pg.url(db),
                              "--max-streams", "4"], os.path.join(work, "serve.log"))
    try:
        t0 = time.monotonic()
        cli = subprocess.run([binary, "ingest", "--domain", "recruit", "--file", csv_path, "--server", addr,
                              "--chunk-size", chunk, "--timeout", "3600"], capture_output=True, text=True)
        secs = time.monotonic() - t0
    finally:
        _, srv_rss = stop_server(srv, 120)
    out = json.loads(cli.stdout) if cli.stdout.strip() else {}
    if cli.returncode != 0 or out.get("status") != "success":
        sys.exit("ingest failed (%d): %s %s" % (cli.returncode, cli.stdout, cli.stderr))
    stored = int(pg.scalar(db, "SELECT count(*) FROM recruit"))
    if stored != rows:
        sys.exit("ingest stored %d rows, expected %d" % (stored, rows))
    return db, rows / secs, secs, srv_rss


def run_copy_round(pg, db, dump, rows):
    pg.psql(db, "DROP TABLE IF EXISTS recruit_copy; CREATE TABLE recruit_copy (LIKE recruit INCLUDING ALL)")
    pg.psql(db, "CHECKPOINT")
    t0 = time.monotonic()
    pg.psql(db, "\\copy recruit_copy FROM '%s' (FORMAT binary)" % dump, timeout=3600)
    secs = time.monotonic() - t0
    stored = int(pg.scalar(db, "SELECT count(*) FROM recruit_copy"))
    if stored != rows:
        sys.exit("\\copy stored %d rows, expected %d" % (stored, rows))
    return rows / secs, secs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("rows", nargs="?", type=int, default=1000000)
    ap.add_argument("--bin", default=DEFAULT_BIN)
    ap.add_argument("--keep", help="work directory to keep (CSV is reused when present)")
    ap.add_argument("--chunk-size", default="auto")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="postgresql.conf setting for the cluster")
    a = ap.parse_args()
    reason = pgserver.available()
    if reason:
        sys.exit("bench_pg: " + reason)
    work = a.keep or tempfile.mkdtemp(prefix="es-bench-pg-")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)  # the dump is read by psql (us) but the cluster dir is postgres's
    csv_path = os.path.join(work, "recruit-%d.csv" % a.rows)
    if not os.path.exists(csv_path):
        subprocess.run([a.bin, "generate", "--domain", "recruit", "--rows", str(a.rows), "--dim", "384",
                        "--seed", "7", "--out", csv_path], check=True)
    pg = pgserver.PgServer(fast=False, settings=dict(s.split("=", 1) for s in a.set))
    ingest, copy, rss = [], [], []
    try:
        pg.start()
        for i in range(a.repeat):
            db, rate, secs, srv_rss = run_ingest_round(pg, a.bin, csv_path, a.rows, a.chunk_size, work)
            ingest.append(rate)
            rss.append(srv_rss)
            dump = os.path.join(work, "recruit.bin")
            pg.psql(db, "\\copy recruit TO '%s' (FORMAT binary)" % dump, timeout=3600)
            crate, csecs = run_copy_round(pg, db, dump, a.rows)
            copy.append(crate)
            print("round %d: ingest %.0f rows/s (%.1f s, server peak RSS %.1f MiB)   \\copy %.0f rows/s (%.1f s)"
                  % (i + 1, rate, secs, srv_rss, crate, csecs), flush=True)
            pg.drop_database(db)
    finally:
        pg.destroy()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    ratio = statistics.median(ingest) / statistics.median(copy)
    print(json.dumps({"rows": a.rows, "ingest_rows_per_s": round(statistics.median(ingest)),
                      "copy_rows_per_s": round(statistics.median(copy)), "ratio": round(ratio, 3),
                      "server_peak_rss_mib": round(max(rss), 1)}))
    ok = ratio >= RATE_BAR and max(rss) < RSS_BAR_MIB
    print("bars: ingest >= %d%% of \\copy: %s; server peak RSS < %d MiB: %s"
          % (RATE_BAR * 100, "yes" if ratio >= RATE_BAR else "NO", RSS_BAR_MIB,
             "yes" if max(rss) < RSS_BAR_MIB else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
