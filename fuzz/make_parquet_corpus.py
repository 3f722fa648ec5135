#!/usr/bin/python3
# make_parquet_corpus.py - seeds for fuzz_parquet: the committed fixtures, and (by hand) small files from DuckDB, arrow-rs and Polars in every test setting.
"""Usage: /usr/bin/python3 fuzz/make_parquet_corpus.py OUTDIR [--writers BUILD_DIR]

Without options (the smoke run of `make test`, which needs the same seeds every time and no
network): the committed fixtures, tests/fixtures/parquet/*.parquet, written byte by byte by
make_fixtures.py: every codec (in stored form), v1 and v2 pages, dictionaries, every value and
level encoding, the legacy list forms, several row groups, and the files the reader refuses.

--writers BUILD_DIR (long runs by hand): also, for each domain and each writer setting of
tests/integration/test_parquet.py (codecs, encodings, page versions, list forms), a file of 12
rows with 4-d vectors from the real writers, installed from npm into BUILD_DIR/parquet-npm (as
the integration test does): real compressed streams for the fuzzer to start from."""
import argparse
import glob
import os
import shutil
import sys

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def writer_seeds(out, build):
    sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
    import parquet_writers as pw
    import test_parquet as tp
    modules = pw.install(build)
    tp.DIM = 4
    specs = []
    for domain in tp.h.DOMAINS:
        rows = tp.rows_with_nulls(domain, 12, seed=5)
        for name, writer, opts, vec, ints in tp.CASES:
            vec = vec.replace("[8]", "[4]")
            specs.append(pw.rows_spec(writer, rows, tp.columns(domain, vec, ints),
                                      os.path.join(out, "%s.%s.parquet" % (domain, name)), **opts))
    pw.write(modules, specs, out)
    for f in glob.glob(os.path.join(out, "*.rows.jsonl")) + glob.glob(os.path.join(out, "specs-*.json")):
        os.remove(f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--writers", metavar="BUILD_DIR", help="also seeds from the npm writers (by hand)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for f in sorted(glob.glob(os.path.join(SRC, "tests", "fixtures", "parquet", "*.parquet"))):
        shutil.copy(f, a.out)
    if a.writers:
        writer_seeds(a.out, a.writers)
    print("%d seeds in %s" % (len(glob.glob(os.path.join(a.out, "*.parquet"))), a.out))


if __name__ == "__main__":
    main()
