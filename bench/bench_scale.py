#!/usr/bin/python3
# bench_scale.py - issue 12's figures: CPU-seconds per million rows per side, --threads, --parallel, peak RSS.
"""Usage: /usr/bin/python3 bench/bench_scale.py cpu      [ROWS] [--pg] [--bin B] [--keep DIR]
          /usr/bin/python3 bench/bench_scale.py threads  [ROWS] [--bin B] [--keep DIR]
          /usr/bin/python3 bench/bench_scale.py parallel [ROWS] [--files 8] [--bin B] [--keep DIR]

cpu       For each domain and format (CSV, JSONL), one generated ROWS-row file (default 200,000)
          into `serve --store null:` (and with --pg into a throwaway PostgreSQL 15, durable
          settings): CPU-seconds (user + system, from wait4) per 1,000,000 rows of the client,
          the server and, with --pg, the whole PostgreSQL cluster (postmaster and backends, from
          /proc), with --threads 1 so the figures are per row, not per core.
threads   One ROWS-row 384-d recruit CSV (default 1,000,000) into null:, --threads 1 then 2:
          wall seconds, speedup (bar: >= 1.6x on 2 cores), client CPU-s, peak RSS of each side.
parallel  --files files of ROWS rows (default eight of 125,000) into null:, --parallel 1 (one
          after another) then --parallel 2 (each file --threads 1): wall seconds and ratio.
Peak RSS bar: 64 MiB per process, +16 MiB per extra thread. Figures are only as quiet as the
machine: run it alone, under `nice`, and report `uptime` with them.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from common import DEFAULT_BIN, ITEST, reap_usage, spawn, start_server, stop_server_usage

sys.path.insert(0, ITEST)
import pgserver  # noqa: E402

DOMAINS = ("recruit", "candidate", "skill_embedding_dic")
TICK = os.sysconf("SC_CLK_TCK")


def generate(binary, domain, rows, path, seed=1):
    if not os.path.exists(path):
        subprocess.run([binary, "generate", "--domain", domain, "--rows", str(rows), "--seed", str(seed),
                        "--out", path], check=True, stdout=subprocess.DEVNULL)
    return path


def cluster_cpu(postmaster):
    """CPU-seconds of a PostgreSQL cluster so far: the postmaster's own and its reaped children's
    (backends that ended), plus its live children's."""
    def fields(pid):
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()
    f = fields(postmaster)
    total = sum(int(x) for x in f[11:15])  # utime stime cutime cstime
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != postmaster:
            try:
                c = fields(int(name))
            except OSError:
                continue
            if int(c[1]) == postmaster:
                total += int(c[11]) + int(c[12])
    return total / TICK


def run(binary, store, files, work, client_args=(), server_args=(), cpu_of=None):
    """One server, one client run over files: a dict of seconds, CPU-s and peak RSS per side."""
    srv, addr = start_server([binary, "serve", "--listen", "127.0.0.1:0", "--store", store] + list(server_args),
                             os.path.join(work, "serve.log"))
    try:
        db0 = cpu_of() if cpu_of else 0.0
        argv = [binary, "ingest", "--server", addr, "--timeout", "7200", "--retries", "1"] + list(client_args)
        for f in files:
            argv += ["--file", f]
        t0 = time.monotonic()
        code, cli_mib, cli_cpu = reap_usage(spawn(argv, os.path.join(work, "client.out")), 7200)
        secs = time.monotonic() - t0
        db_cpu = cpu_of() - db0 if cpu_of else None
    finally:
        _, srv_mib, srv_cpu = stop_server_usage(srv, 120)
    with open(os.path.join(work, "client.out")) as f:
        out = f.read()
    if code != 0:
        sys.exit("ingest failed (%d):\n%s" % (code, out))
    return {"seconds": secs, "client_cpu": cli_cpu, "server_cpu": srv_cpu, "db_cpu": db_cpu,
            "client_mib": cli_mib, "server_mib": srv_mib}


def cmd_cpu(a, work):
    pg = None
    if a.pg:
        reason = pgserver.available()
        if reason:
            sys.exit("bench_scale: " + reason)
        pg = pgserver.PgServer(fast=False)
        pg.start()
    per = 1e6 / a.rows
    try:
        print("%-20s %-6s %-5s %12s %12s %12s %10s %10s" % ("domain", "format", "store", "client s/M",
                                                           "server s/M", "pg s/M", "cli MiB", "srv MiB"))
        for domain in DOMAINS:
            for fmt in ("csv", "jsonl"):
                path = generate(a.bin, domain, a.rows, os.path.join(work, "%s.%s" % (domain, fmt)))
                stores = [("null", "null:", None)]
                if pg:
                    db = pg.create_database()
                    stores.append(("pg", pg.url(db), lambda: cluster_cpu(pg.postmaster_pid())))
                for name, url, cpu_of in stores:
                    r = run(a.bin, url, [path], work, ["--domain", domain, "--threads", "1"], cpu_of=cpu_of)
                    print("%-20s %-6s %-5s %12.2f %12.2f %12s %10.1f %10.1f" % (
                        domain, fmt, name, r["client_cpu"] * per, r["server_cpu"] * per,
                        "%.2f" % (r["db_cpu"] * per) if r["db_cpu"] is not None else "-",
                        r["client_mib"], r["server_mib"]), flush=True)
                if pg:
                    pg.drop_database(db)
    finally:
        if pg:
            pg.destroy()


def cmd_threads(a, work):
    path = generate(a.bin, "recruit", a.rows, os.path.join(work, "recruit-%d.csv" % a.rows))
    res = {}
    for t in ("1", "2"):
        res[t] = r = run(a.bin, "null:", [path], work, ["--domain", "recruit", "--threads", t])
        print("--threads %s: %.2f s, client %.2f CPU-s (%.2f per M rows), client %.1f MiB, server %.1f MiB"
              % (t, r["seconds"], r["client_cpu"], r["client_cpu"] * 1e6 / a.rows, r["client_mib"],
                 r["server_mib"]), flush=True)
    ratio = res["1"]["seconds"] / res["2"]["seconds"]
    print(json.dumps({"rows": a.rows, "threads1_s": round(res["1"]["seconds"], 2),
                      "threads2_s": round(res["2"]["seconds"], 2), "speedup": round(ratio, 2)}))
    print("bar: --threads 2 >= 1.6x --threads 1: %s" % ("yes" if ratio >= 1.6 else "NO"))


def cmd_parallel(a, work):
    files = [generate(a.bin, "recruit", a.rows, os.path.join(work, "r%d.csv" % i), seed=i + 1)
             for i in range(a.files)]
    res = {}
    for n in ("1", "2"):
        res[n] = r = run(a.bin, "null:", files, work, ["--domain", "recruit", "--parallel", n, "--threads", "1"])
        print("--parallel %s: %.2f s, client %.2f CPU-s, client %.1f MiB, server %.1f MiB"
              % (n, r["seconds"], r["client_cpu"], r["client_mib"], r["server_mib"]), flush=True)
    print(json.dumps({"files": a.files, "rows_each": a.rows, "parallel1_s": round(res["1"]["seconds"], 2),
                      "parallel2_s": round(res["2"]["seconds"], 2),
                      "ratio": round(res["1"]["seconds"] / res["2"]["seconds"], 2)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("what", choices=("cpu", "threads", "parallel"))
    ap.add_argument("rows", nargs="?", type=int)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--pg", action="store_true")
    ap.add_argument("--bin", default=DEFAULT_BIN)
    ap.add_argument("--keep", help="work directory to keep (generated files are reused)")
    a = ap.parse_args()
    a.rows = a.rows or {"cpu": 200000, "threads": 1000000, "parallel": 125000}[a.what]
    work = a.keep or tempfile.mkdtemp(prefix="es-bench-scale-")
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    try:
        {"cpu": cmd_cpu, "threads": cmd_threads, "parallel": cmd_parallel}[a.what](a, work)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
