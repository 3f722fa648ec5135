# parquet_writers.py - real Parquet writers from npm (DuckDB, arrow-rs through parquet-wasm, Polars) for the tests and the benchmark.
"""The writers: DuckDB (@duckdb/node-api), arrow-rs (parquet-wasm, with apache-arrow) and Polars
(nodejs-polars), each its own Parquet implementation. install(build_dir) puts the pinned
packages into BUILD_DIR/parquet-npm once (npm-install.sh)
and returns the node_modules folder, or raises Unavailable when node, npm or the registry is
missing (install_or_skip: the tests then report themselves skipped). write(modules, spec, workdir) runs
parquet_write.mjs on specs (see its header); rows_spec() makes the usual one: rows (dicts) and
their columns to one file."""
import json
import os
import platform
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
# Pinned, so that a new release cannot change what the tests prove. npm leaves out nodejs-polars'
# native part (an optional dependency per platform): it is named for this machine.
POLARS = "0.25.2"
PACKAGES = ["@duckdb/node-api@1.5.6-r.1", "parquet-wasm@0.8.0", "apache-arrow@21.2.0", "nodejs-polars@" + POLARS,
            "nodejs-polars-linux-%s-gnu@%s" % ({"x86_64": "x64", "aarch64": "arm64"}.get(platform.machine(),
                                                                                         platform.machine()), POLARS)]


class Unavailable(Exception):
    pass


def install(build_dir):
    target = os.path.join(build_dir, "parquet-npm")
    p = subprocess.run([os.path.join(HERE, "npm-install.sh"), target] + PACKAGES, capture_output=True, text=True,
                       timeout=600)
    if p.returncode == 3:
        raise Unavailable(p.stderr.strip() or "npm unavailable")
    if p.returncode:
        raise RuntimeError("npm-install.sh failed (%d):\n%s" % (p.returncode, p.stderr))
    return os.path.join(target, "node_modules")


def install_or_skip(build_dir):
    """install(), for a test module's setUpModule: unavailable writers skip the module's tests
    (harness.main() then exits 77, ctest's "Skipped")."""
    try:
        return install(build_dir)
    except Unavailable as e:
        raise unittest.SkipTest("the Parquet writers cannot be installed from npm: %s" % e)


def write(modules, specs, workdir, timeout=1800):
    """Runs the writer over one spec or a list of them (one node process for all)."""
    path = os.path.join(workdir, "specs-%d.json" % os.getpid())
    with open(path, "w", encoding="utf-8") as f:
        json.dump(specs, f)
    p = subprocess.run(["node", os.path.join(HERE, "parquet_write.mjs"), modules, path], capture_output=True,
                       text=True, timeout=timeout)
    if p.returncode:
        raise RuntimeError("parquet_write.mjs failed (%d):\n%s" % (p.returncode, p.stderr))


def rows_spec(writer, rows, columns, out, **options):
    """A spec for rows (dicts keyed by column name) and their columns ([(name, type)] as
    parquet_write.mjs takes them); the rows go to OUT.rows.jsonl beside the file."""
    jsonl = out + ".rows.jsonl"
    with open(jsonl, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({n: r.get(n) for n, _ in columns}, ensure_ascii=False) + "\n")
    spec = {"writer": writer, "out": out, "rows": jsonl, "columns": [list(c) for c in columns]}
    spec.update(options)  # the writer's own: duckdb=, arrow= or polars= (see parquet_write.mjs)
    return spec
