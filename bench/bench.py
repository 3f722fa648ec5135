#!/usr/bin/python3
# bench.py - rows/s and peak RSS of our client+server (null:, SQLite) vs the spec's Python pair (null).
"""Usage: /usr/bin/python3 bench/bench.py [ROWS] [--bin build/embedstream] [--chunk-size auto|N]
                                          [--keep DIR] [--skip-python] [--tls [--repeat N]]

Generates one 384-d recruit CSV with `embedstream generate` (ROWS rows, default 1,000,000), then
for each pair starts the server, streams the file with the client and measures:
  rows/s       the file's rows / the client's wall time (process start to exit)
  peak RSS     each process's ru_maxrss, from wait4() when it exits
Pairs: ours -> `serve --store null:`, ours -> `serve --store sqlite:`, pyclient.py -> pyserver.py.
Bars (issue 2): ours >= 15x the Python pair's rows/s on null; our client and server < 64 MiB each
on a 1,000,000-row file.

--tls (issue 11): instead, ours -> `serve --store null:` over plaintext and over TLS with a bearer
token (a self-signed P-256 certificate made with openssl, a token made with `token new`), the
same file, runs interleaved --repeat times (default 3); medians of rows/s and of peak RSS.
Bar: TLS >= 0.85x plaintext rows/s. The load average is printed before and after, since the
machine may be shared.
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
TLS_BAR = 0.85


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


def make_tls(a, work):
    """(server args, client args) for TLS with a token: a self-signed certificate for 127.0.0.1
    (its own CA) and a token file of one token, in work."""
    cert, key = os.path.join(work, "bench.pem"), os.path.join(work, "bench.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    tokens, token_file = os.path.join(work, "tokens"), os.path.join(work, "token")
    p = subprocess.run([a.bin, "token", "new", "bench", "--tokens", tokens], check=True,
                       capture_output=True, text=True)
    with open(token_file, "w") as f:
        f.write(p.stdout)
    return (["--tls-cert", cert, "--tls-key", key, "--tokens", tokens],
            ["--tls-ca", cert, "--token-file", token_file])


def median(values):
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def run_tls(a, data, ours, work):
    """Plaintext and TLS+token pairs, interleaved a.repeat times; the report and the bar."""
    srv_tls, cli_tls = make_tls(a, work)
    serve = [a.bin, "serve", "--listen", "127.0.0.1:0", "--store", "null:"]
    pairs = [("plaintext", serve, ours), ("TLS+token", serve + srv_tls, ours + cli_tls)]
    print("load average before: %.2f %.2f %.2f on %d CPUs" % (os.getloadavg() + (os.cpu_count(),)))
    runs = {name: [] for name, _, _ in pairs}
    for i in range(a.repeat):
        for name, server_argv, client_argv in pairs:
            r = run_pair(name, server_argv, client_argv, a.rows, work)
            runs[name].append(r)
            print("  run %d %-10s %s %10.0f rows/s" % (i + 1, name, "ok" if r["ok"] else "FAILED", r["rows_s"]),
                  flush=True)
    print("load average after:  %.2f %.2f %.2f" % os.getloadavg())
    med = {}
    print("\n%-10s %14s %16s %16s   (medians of %d runs)" % ("pair", "rows/s", "client peak MiB",
                                                            "server peak MiB", a.repeat))
    for name in runs:
        rs = runs[name]
        med[name] = {k: median([r[k] for r in rs]) for k in ("rows_s", "client_mib", "server_mib")}
        print("%-10s %14.0f %16.1f %16.1f" % (name, med[name]["rows_s"], med[name]["client_mib"],
                                              med[name]["server_mib"]))
    plain = med["plaintext"]["rows_s"]
    ratio = med["TLS+token"]["rows_s"] / plain if plain else 0.0
    print("\ntls: TLS+token / plaintext rows/s = %.2f (bar >= %.2f): %s"
          % (ratio, TLS_BAR, "PASS" if ratio >= TLS_BAR else "FAIL"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", nargs="?", type=int, default=1000000)
    ap.add_argument("--bin", default=DEFAULT_BIN)
    ap.add_argument("--chunk-size", default="auto")
    ap.add_argument("--keep", help="work directory to keep (default: a temp dir, removed)")
    ap.add_argument("--skip-python", action="store_true")
    ap.add_argument("--tls", action="store_true", help="plaintext against TLS with a token (see above)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each pair with --tls")
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
        if a.tls:
            run_tls(a, data, ours, work)
            return
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
