#!/usr/bin/python3
# bench_pickle.py - a recruit DataFrame .pkl into the null: store: our client vs pandas read_pickle + the spec's client.
"""Usage: /usr/bin/python3 bench/bench_pickle.py [ROWS] [--dim 384] [--bin build/embedstream]
                                                 [--vectors arrays|lists] [--keep DIR] [--skip-python]
                                                 [--repeat N]

Writes one recruit DataFrame with pandas' to_pickle (protocol 5; default 1,000,000 rows x 384,
the vector column one float32 array per row) and measures, for each pair, the client's wall time
from start to exit and each process's peak RSS (wait4):
  ours     embedstream ingest --file X.pkl  ->  embedstream serve --store null:
  python   pandas.read_pickle + the spec's client (tests/integration/pyclient.py, chunks of 1000)
           ->  tests/integration/pyserver.py (null store)
Bars (issue 5): ours >= 500,000 rows/s; our client's peak RSS < file size + 64 MiB. With
--repeat N (default 3) our pair runs N times, each with a fresh server, and the bars apply to the
median run (on a VM whose host reclaims freed memory a single run's timing swings by 20%).
"""
import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time

from common import DEFAULT_BIN, ITEST, PY, SRC, pair

ROWS_BAR = 500000
RSS_SLACK_MIB = 64


# ---- the Python client side: pandas read_pickle feeding the spec's client ----

def py_client(server, path, chunk_size):
    import pandas as pd
    sys.path.insert(0, ITEST)
    import pyclient
    t0 = time.monotonic()
    df = pd.read_pickle(path)
    names = ["id", "company_name", "exp_years", "english_level", "primary_keyword", "vector"]

    def chunks():
        for start in range(0, len(df), chunk_size):
            recs = df.iloc[start:start + chunk_size][names].to_dict("records")
            for r in recs:
                r["vector"] = [float(x) for x in r["vector"]]
                r["exp_years"] = int(r["exp_years"])
            yield recs

    meta = {"file_name": os.path.basename(path), "vector_dimension": len(df["vector"].iloc[0])}
    out = asyncio.run(pyclient.stream_data_to_batch_server(server, "recruit", chunks(), meta))
    out["seconds"] = round(time.monotonic() - t0, 3)
    print(json.dumps(out))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--py-client":
        return py_client(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", nargs="?", type=int, default=1000000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--bin", default=DEFAULT_BIN)
    ap.add_argument("--vectors", choices=("arrays", "lists"), default="arrays")
    ap.add_argument("--keep", help="directory for the .pkl and logs (kept; an existing .pkl is reused)")
    ap.add_argument("--skip-python", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="runs of our pair; the median counts")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="es-bench-pkl-")
    os.makedirs(work, exist_ok=True)
    pkl = os.path.join(work, "recruit-%d-%d-%s.pkl" % (a.rows, a.dim, a.vectors))
    if not os.path.exists(pkl):
        subprocess.run([PY, os.path.join(SRC, "bench", "bench_pickle_gen.py"), pkl, str(a.rows), str(a.dim),
                        a.vectors], check=True)
    size_mib = os.path.getsize(pkl) / 1048576.0
    subprocess.run(["cat", pkl], stdout=subprocess.DEVNULL, check=True)  # warm the page cache for both
    runs = [pair("ours", [a.bin, "serve", "--listen", "127.0.0.1:0", "--store", "null:"],
                 lambda addr: [a.bin, "ingest", "--domain", "recruit", "--file", pkl, "--server", addr,
                               "--dim", str(a.dim)], a.rows, work) for _ in range(max(1, a.repeat))]
    ours = sorted(runs, key=lambda r: r["rows_per_s"])[len(runs) // 2]
    results = [ours]
    if not a.skip_python:
        results.append(pair("python", [PY, os.path.join(ITEST, "pyserver.py"), "--listen", "127.0.0.1:0"],
                            lambda addr: [PY, os.path.abspath(__file__), "--py-client", addr, pkl, "1000"],
                            a.rows, work))
    summary = {"file": pkl, "file_mib": round(size_mib, 1), "rows": a.rows, "dim": a.dim, "vectors": a.vectors,
               "ours_runs_rows_per_s": [r["rows_per_s"] for r in runs],
               "ours_peak_client_rss_mib": max(r["client_rss_mib"] for r in runs),
               "results": results,
               "bar_rows_per_s": ours["rows_per_s"] >= ROWS_BAR,
               "bar_client_rss": max(r["client_rss_mib"] for r in runs) < size_mib + RSS_SLACK_MIB}
    if len(results) > 1 and results[1]["rows_per_s"]:
        summary["speedup_vs_python"] = round(ours["rows_per_s"] / results[1]["rows_per_s"], 1)
    print(json.dumps(summary, indent=2))
    return 0 if summary["bar_rows_per_s"] and summary["bar_client_rss"] else 1


if __name__ == "__main__":
    sys.exit(main())
