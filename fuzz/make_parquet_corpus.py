#!/usr/bin/python3
# make_parquet_corpus.py - seeds for fuzz_parquet: the committed fixtures and small files from DuckDB and arrow-rs in every test setting.
"""Usage: /usr/bin/python3 fuzz/make_parquet_corpus.py OUTDIR [BUILD_DIR]

Copies tests/fixtures/parquet/*.parquet and writes, for each domain and each writer setting of
tests/integration/test_parquet.py (codecs, encodings, page versions, list forms), a file of 12
rows with 4-d vectors: small inputs, so that the fuzzer's mutations reach every part of a file.
The writers come from npm (installed into BUILD_DIR/parquet-npm, default build/)."""
import glob
import os
import shutil
import sys

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import parquet_writers as pw  # noqa: E402
import test_parquet as tp  # noqa: E402


def main():
    out = sys.argv[1]
    build = sys.argv[2] if len(sys.argv) > 2 else os.path.join(SRC, "build")
    os.makedirs(out, exist_ok=True)
    for f in glob.glob(os.path.join(SRC, "tests", "fixtures", "parquet", "*.parquet")):
        shutil.copy(f, out)
    modules = pw.install(build)
    tp.DIM = 4
    specs = []
    for domain in tp.h.DOMAINS:
        rows = tp.rows_with_nulls(domain, 12, seed=5)
        for name, writer, opts, vec, ints in tp.CASES:
            vec = vec.replace("[8]", "[4]")
            specs.append(pw.rows_spec(writer, rows, tp.columns(domain, vec, ints),
                                      os.path.join(out, "%s.%s.parquet" % (domain, name)), **opts))
    for writer in ("duckdb", "arrow-rs"):
        pw.write(modules, [s for s in specs if s["writer"] == writer], out)
    for f in glob.glob(os.path.join(out, "*.rows.jsonl")) + glob.glob(os.path.join(out, "specs-*.json")):
        os.remove(f)
    print("%d seeds in %s" % (len(glob.glob(os.path.join(out, "*.parquet"))), out))


if __name__ == "__main__":
    main()
