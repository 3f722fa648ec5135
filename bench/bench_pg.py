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
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import pgserver  # noqa: E402

READY = re.compile(r"listening on (\S+:\d+)")
RSS_BAR_MIB = 64
RATE_BAR = 0.80


def reap(p, timeout):
    """Waits (bounded) for a child; returns (exit status, peak RSS in MiB) from wait4()."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            return p.returncode, ru.ru_maxrss / 1024.0
        if time.monotonic() > deadline:
            p.kill()
            deadline = time.monotonic() + 30
        time.sleep(0.05)


def start_server(binary, url, log_path):
    log = open(log_path, "wb")
    p = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--store", url, "--max-streams", "4"],
                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with open(log_path, errors="replace") as f:
            m = READY.search(f.read())
        if m:
            return p, m.group(1)
        if p.poll() is not None:
            break
        time.sleep(0.05)
    p.kill()
    with open(log_path, errors="replace") as f:
        sys.exit("server did not start:\n" + f.read())


def run_ingest_round(pg, binary, csv_path, rows, chunk, work):
    db = pg.create_database()
    pg.psql(db, "CHECKPOINT")
    srv, addr = start_server(binary, pg.url(db), os.path.join(work, "serve.log"))
    try:
        t0 = time.monotonic()
        cli = subprocess.run([binary, "ingest", "--domain", "recruit", "--file", csv_path, "--server", addr,
                              "--chunk-size", chunk, "--timeout", "3600"], capture_output=True, text=True)
        secs = time.monotonic() - t0
    finally:
        srv.send_signal(signal.SIGTERM)
        _, srv_rss = reap(srv, 120)
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
    ap.add_argument("--bin", default=os.path.join(SRC, "build", "embedstream"))
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
