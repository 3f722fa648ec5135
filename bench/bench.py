#!/usr/bin/python3
# bench.py - rows/s and peak RSS of our client+server (null:, SQLite) vs the spec's Python pair (null).
"""Usage: /usr/bin/python3 bench/bench.py [ROWS] [--bin build/embedstream] [--chunk-size auto|N]
                                          [--keep DIR] [--skip-python]

Generates one 384-d recruit CSV with `embedstream generate` (ROWS rows, default 1,000,000), then
for each pair starts the server, streams the file with the client and measures:
  rows/s       the file's rows / the client's wall time (process start to exit)
  peak RSS     each process's ru_maxrss, from wait4() when it exits
Pairs: ours -> `serve --store null:`, ours -> `serve --store sqlite:`, pyclient.py -> pyserver.py.
Bars (issue 2): ours >= 15x the Python pair's rows/s on null; our client and server < 64 MiB each
on a 1,000,000-row file.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from common import DEFAULT_BIN, ITEST, PY, read_log, reap, spawn, start_server, stop_server

RSS_BAR_MIB = 64
SPEED_BAR = 15.0


def run_pair(name, server_argv, client_argv, rows, work):
    tag = re.sub(r"\W+", "-", name)
    srv_log = os.path.join(work, tag + "-server.log")
    srv, addr = start_server(server_argv, srv_log, timeout=30)
    try:
        out_path = os.path.join(work, tag + "-client.out")
        t0 = time.monotonic()
        code, client_rss = reap(spawn(client_argv + ["--server", addr], out_path), 7200)
        seconds = time.monotonic() - t0
    finally:
        srv_code, server_rss = stop_server(srv)
    out = read_log(out_path)
    try:
        result = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {}
    ok = code == 0 and result.get("rows_sent") == rows
    if not ok:
        print("%s: client exit %s, output:\n%s\nserver log tail:\n%s"
              % (name, code, out, "\n".join(read_log(srv_log).splitlines()[-20:])), file=sys.stderr)
    return {"pair": name, "ok": ok, "seconds": seconds, "rows_s": rows / seconds if ok else 0.0,
            "client_mib": client_rss, "server_mib": server_rss, "server_exit": srv_code}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", nargs="?", type=int, default=1000000)
    ap.add_argument("--bin", default=DEFAULT_BIN)
    ap.add_argument("--chunk-size", default="auto")
    ap.add_argument("--keep", help="work directory to keep (default: a temp dir, removed)")
    ap.add_argument("--skip-python", action="store_true")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="es-bench-")
    os.makedirs(work, exist_ok=True)
    try:
        data = os.path.join(work, "recruit.csv")
        t0 = time.monotonic()
        subprocess.run([a.bin, "generate", "--domain", "recruit", "--rows", str(a.rows),
                        "--dim", "384", "--seed", "1", "--out", data], check=True)
        print("file: %s, %d rows, %.1f MiB, generated in %.1f s"
              % (data, a.rows, os.path.getsize(data) / 2**20, time.monotonic() - t0), flush=True)
        ours = [a.bin, "ingest", "--domain", "recruit", "--file", data, "--chunk-size",
                a.chunk_size, "--timeout", "7200", "--retries", "1"]
        pairs = [("ours, null:", [a.bin, "serve", "--listen", "127.0.0.1:0", "--store", "null:"],
                  ours),
                 ("ours, sqlite:", [a.bin, "serve", "--listen", "127.0.0.1:0", "--store",
                                    "sqlite:" + os.path.join(work, "bench.db")], ours)]
        if not a.skip_python:
            pairs.append(("python, null", [PY, os.path.join(ITEST, "pyserver.py"), "--listen",
                                           "127.0.0.1:0"],
                          [PY, os.path.join(ITEST, "pyclient.py"), "--domain", "recruit",
                           "--file", data, "--chunk-size", a.chunk_size, "--timeout", "7200"]))
        results = []
        for name, server_argv, client_argv in pairs:
            r = run_pair(name, server_argv, client_argv, a.rows, work)
            results.append(r)
            print("  %-14s %s" % (name, "ok" if r["ok"] else "FAILED"), flush=True)
        report(results, a.rows)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


def report(results, rows):
    print("\n%-14s %10s %12s %16s %16s" % ("pair", "seconds", "rows/s", "client peak MiB",
                                           "server peak MiB"))
    for r in results:
        print("%-14s %10.2f %12.0f %16.1f %16.1f" % (r["pair"], r["seconds"], r["rows_s"],
                                                      r["client_mib"], r["server_mib"]))
    by = {r["pair"]: r for r in results}
    ours, py = by.get("ours, null:"), by.get("python, null")
    if ours and py and py["rows_s"]:
        ratio = ours["rows_s"] / py["rows_s"]
        print("\nspeed: ours/python on null = %.1fx (bar >= %.0fx): %s"
              % (ratio, SPEED_BAR, "PASS" if ratio >= SPEED_BAR else "FAIL"))
    for r in results:
        if r["pair"].startswith("ours"):
            worst = max(r["client_mib"], r["server_mib"])
            verdict = "PASS" if worst < RSS_BAR_MIB else "FAIL"
            note = "" if rows >= 1000000 else " (bar is for 1,000,000 rows)"
            print("memory (%s): client %.1f MiB, server %.1f MiB (bar < %d MiB each): %s%s"
                  % (r["pair"], r["client_mib"], r["server_mib"], RSS_BAR_MIB, verdict, note))


if __name__ == "__main__":
    main()
