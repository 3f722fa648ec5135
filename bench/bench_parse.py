# bench_parse.py - the loaders' parse rate (`embedstream inspect --count`) of one or more binaries, runs interleaved, medians.
"""Usage: bench_parse.py [--rows N] [--domain D] [--format csv|jsonl] [--runs K] BIN [BIN...]

Generates a file once (build/bench-parse-D-N.FMT, reused), then runs `BIN inspect --count` on it
K times per binary, the binaries taking turns so that a busy machine slows them alike. Prints,
per binary, the median rows per second of wall time and of CPU time (user + sys of the child,
steadier than wall time when other jobs share the cores). Compare a build before and after a
change: bench_parse.py /tmp/embedstream.before build/embedstream
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys

import common


def run_once(binary, domain, path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([binary, "inspect", "--domain", domain, "--file", path, "--count"],
                         capture_output=True, check=True, timeout=3600).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    res = json.loads(out)
    return res["rows_per_second"], res["rows"] / cpu if cpu > 0 else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bins", nargs="+")
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--domain", default="recruit")
    ap.add_argument("--format", default="csv", choices=("csv", "jsonl"))
    ap.add_argument("--runs", type=int, default=9)
    a = ap.parse_args()
    path = os.path.join(common.SRC, "build", "bench-parse-%s-%d.%s" % (a.domain, a.rows, a.format))
    if not os.path.exists(path):
        subprocess.run([a.bins[-1], "generate", "--domain", a.domain, "--rows", str(a.rows),
                        "--out", path], check=True)
    wall = {b: [] for b in a.bins}
    cpu = {b: [] for b in a.bins}
    for _ in range(a.runs):
        for b in a.bins:
            w, c = run_once(b, a.domain, path)
            wall[b].append(w)
            cpu[b].append(c)
    for b in a.bins:
        print("%s: median %.0f rows/s wall, %.0f rows/CPU-s (CPU min %.0f, max %.0f; %d runs)"
              % (b, statistics.median(wall[b]), statistics.median(cpu[b]), min(cpu[b]), max(cpu[b]),
                 a.runs))


if __name__ == "__main__":
    sys.exit(main())
