#!/usr/bin/python3
# bench_parquet.py - a DuckDB-written recruit .parquet into the null: store, per codec, against our CSV path on the same rows.
"""Usage: /usr/bin/python3 bench/bench_parquet.py [ROWS] [--dim 384] [--bin build/embedstream]
                                                  [--codecs snappy,uncompressed,...] [--keep DIR]
                                                  [--repeat N] [--skip-csv]

DuckDB (@duckdb/node-api from npm, installed into the build tree) writes ROWS recruit rows
(default 1,000,000, 384-d random float32 vectors) with its default row groups (122,880 rows),
snappy, and the same rows as CSV; then the same rows again with each other codec. For each file,
`embedstream ingest` runs against a fresh `embedstream serve --store null:`, --repeat times (the
median counts: a shared VM's timing swings); we report rows/s from the client's wall time and
both peak RSS figures (wait4), and the largest decompressed page the reader met (its debug log).
Bars (issue 13): snappy >= 500,000 rows/s; client peak RSS < 64 MiB + the largest decompressed
page. The CSV file is the same rows through our CSV loader, for comparison.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

from common import DEFAULT_BIN, ITEST, SRC, pair

sys.path.insert(0, ITEST)
import parquet_writers as pw  # noqa: E402

ROWS_BAR = 500000
RSS_SLACK_MIB = 64
CODECS = ["snappy", "uncompressed", "zstd", "gzip", "lz4_raw", "brotli"]


def write_files(work, rows, dim, codecs):
    """The snappy file and the CSV, then one file per other codec (rows read from the first)."""
    modules = pw.install(os.path.join(SRC, "build"))
    base = os.path.join(work, "recruit-%d-%d" % (rows, dim))
    files = {c: "%s.%s.parquet" % (base, c) for c in codecs}
    snappy, csv = "%s.snappy.parquet" % base, base + ".csv"
    if not (os.path.exists(snappy) and os.path.exists(csv)):
        pw.write(modules, {"writer": "duckdb", "out": snappy, "duckdb": "COMPRESSION snappy",
                           "generate": {"rows": rows, "dim": dim, "csv": csv}}, work, timeout=7200)
    todo = [{"writer": "duckdb", "out": f, "source": snappy, "duckdb": "COMPRESSION " + c}
            for c, f in files.items() if not os.path.exists(f)]
    if todo:
        pw.write(modules, todo, work, timeout=7200)
    return files, csv


def largest_page_mib(binary, path):
    """The largest page the reader holds (decompressed, or stored and mapped), from its debug log."""
    env = dict(os.environ, ES_LOG_LEVEL="debug")
    p = subprocess.run([binary, "inspect", "--domain", "recruit", "--file", path, "--count"], env=env,
                       capture_output=True, text=True, check=True)
    pages = [int(x) for x in re.findall(r"largest page (\d+) bytes", p.stderr)]
    return round(max(pages, default=0) / 1048576.0, 1)


def median_run(name, binary, path, rows, dim, repeat, work):
    runs = [pair(name, [binary, "serve", "--listen", "127.0.0.1:0", "--store", "null:"],
                 lambda addr: [binary, "ingest", "--domain", "recruit", "--file", path, "--server", addr,
                               "--dim", str(dim)], rows, work) for _ in range(max(1, repeat))]
    mid = sorted(runs, key=lambda r: r["rows_per_s"])[len(runs) // 2]
    return dict(mid, runs_rows_per_s=[r["rows_per_s"] for r in runs],
                peak_client_rss_mib=max(r["client_rss_mib"] for r in runs),
                file_mib=round(os.path.getsize(path) / 1048576.0, 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", nargs="?", type=int, default=1000000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--bin", default=DEFAULT_BIN)
    ap.add_argument("--codecs", default=",".join(CODECS))
    ap.add_argument("--keep", help="directory for the files and logs (kept; existing files are reused)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per file; the median counts")
    ap.add_argument("--skip-csv", action="store_true")
    a = ap.parse_args()
    codecs = a.codecs.split(",")
    work = a.keep or tempfile.mkdtemp(prefix="es-bench-pq-")
    os.makedirs(work, exist_ok=True)
    files, csv = write_files(work, a.rows, a.dim, codecs)
    results = {}
    for codec, path in files.items():
        subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
        r = median_run("parquet-" + codec, a.bin, path, a.rows, a.dim, a.repeat, work)
        r["largest_page_mib"] = largest_page_mib(a.bin, path)
        r["bar_client_rss"] = r["peak_client_rss_mib"] < RSS_SLACK_MIB + r["largest_page_mib"]
        results[codec] = r
    if not a.skip_csv:
        subprocess.run(["cat", csv], stdout=subprocess.DEVNULL, check=True)
        results["csv"] = median_run("csv", a.bin, csv, a.rows, a.dim, a.repeat, work)
    summary = {"rows": a.rows, "dim": a.dim, "work": work,
               "rows_per_s": {k: r["rows_per_s"] for k, r in results.items()},
               "results": results}
    if "snappy" in results:
        summary["bar_snappy_rows_per_s"] = results["snappy"]["rows_per_s"] >= ROWS_BAR
    print(json.dumps(summary, indent=2))
    return 0 if summary.get("bar_snappy_rows_per_s", True) else 1


if __name__ == "__main__":
    sys.exit(main())
