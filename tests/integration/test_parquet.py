# test_parquet.py - Parquet files written at test time by real writers (DuckDB, arrow-rs) read back exactly, stored like CSV, retried, listed.
"""The writers come from npm (@duckdb/node-api, parquet-wasm with apache-arrow, nodejs-polars), installed once
into the build tree by npm-install.sh; without node, npm or the registry this test reports itself
skipped to ctest (exit 77), never passed.

For every domain, each writer, codec and encoding choice: `embedstream inspect` prints exactly
the rows the writer was given (vectors bit for bit as float32 of the value, text byte for byte,
nulls as the fields' defaults). Then: the client's retry reads the file again; the HTTP API lists
and ingests .parquet files. (The spec's Python client from CSV against ours from Parquet, once per
store: test_parquet_interop.py.)"""
import json
import os
import re
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from harness import api as a  # noqa: E402
import parquet_writers as pw  # noqa: E402
from pyserver import PyServer  # noqa: E402

MODULES = None  # node_modules of the writers, set by setUpModule
DIM = 8
PQ_TYPES = {"text": "text", "int": "int32", "strlist": "text[]"}

# (name, writer, options, vector type, int type): DuckDB's COPY options, arrow-rs' properties or
# Polars' writeParquet options (its "lz4" is LZ4_RAW).
CASES = [("duckdb-%s" % c, "duckdb", {"duckdb": "COMPRESSION %s, ROW_GROUP_SIZE 2048" % c}, "float[]", "int32")
         for c in ("uncompressed", "snappy", "gzip", "zstd", "brotli", "lz4_raw")] + [
    ("duckdb-v2", "duckdb", {"duckdb": "COMPRESSION zstd, PARQUET_VERSION V2"}, "float[]", "int32"),
    ("duckdb-v2-double", "duckdb", {"duckdb": "COMPRESSION snappy, PARQUET_VERSION V2"}, "double[]", "int64"),
    ("duckdb-double", "duckdb", {"duckdb": "COMPRESSION snappy"}, "double[]", "int32"),
    ("duckdb-array", "duckdb", {"duckdb": "COMPRESSION snappy"}, "float[%d]" % DIM, "int64"),
] + [("arrow-%s" % c.lower(), "arrow-rs", {"arrow": {"compression": c, "row_group_size": 40, "page_size": 256}},
      "float[]", "int32") for c in ("UNCOMPRESSED", "SNAPPY", "GZIP", "BROTLI", "ZSTD", "LZ4_RAW")] + [
    ("arrow-v2-delta", "arrow-rs", {"arrow": {"compression": "SNAPPY", "version": 2, "dictionary": False,
                                              "row_group_size": 64, "page_size": 512}}, "float[]", "int64"),
    ("arrow-v2-dict", "arrow-rs", {"arrow": {"compression": "ZSTD", "version": 2, "dictionary": True}}, "double[]",
     "int32"),
    ("arrow-fixed-size", "arrow-rs", {"arrow": {"compression": "LZ4_RAW"}}, "float[%d]" % DIM, "int32"),
    ("arrow-encodings", "arrow-rs", {"arrow": {"dictionary": False, "encodings": {
        "exp_years": "DELTA_BINARY_PACKED", "experience_years": "DELTA_BINARY_PACKED",
        "company_name": "DELTA_LENGTH_BYTE_ARRAY", "original_resume": "DELTA_BYTE_ARRAY",
        "position_category": "DELTA_BYTE_ARRAY", "skill": "DELTA_LENGTH_BYTE_ARRAY",
        "id": "DELTA_BYTE_ARRAY", "candidate_id": "DELTA_BYTE_ARRAY"}}}, "float[]", "int32"),
] + [("polars-%s" % c, "polars", {"polars": {"compression": c}}, "float[]", "int32")
      for c in ("uncompressed", "snappy", "gzip", "brotli", "lz4", "zstd")] + [
    ("polars-double", "polars", {"polars": {"compression": "zstd"}}, "double[]", "int64"),
    ("polars-fixed-size", "polars", {}, "float[%d]" % DIM, "int32"),
]


def columns(domain, vec_type, int_type):
    return [(n, vec_type if t == "vector" else int_type if t == "int" else PQ_TYPES[t])
            for n, t in h.DOMAINS[domain].fields]


def rows_with_nulls(domain, n, seed):
    """make_rows' awkward rows, with nulls where the fields have defaults."""
    d = h.DOMAINS[domain]
    rows = h.make_rows(domain, n, dim=DIM, seed=seed)
    for i, r in enumerate(rows):
        for k, (name, typ) in enumerate(d.fields):
            if name != d.key and typ != "vector" and (i + k) % 7 == 3:
                r[name] = None
    return rows


def expected(domain, rows):
    """What inspect must print: nulls as defaults, vectors as float32 bytes, keys as written."""
    out = []
    for r in rows:
        row = {}
        for name, typ in h.DOMAINS[domain].fields:
            v = r[name]
            if typ == "vector":
                row[name] = h.f32_bytes(v)
            elif v is None:
                row[name] = {"text": "", "int": 0, "strlist": []}[typ]
            else:
                row[name] = v
        out.append(row)
    return out


def inspected(domain, path):
    p = h.run_cmd([h.BIN, "inspect", "--domain", domain, "--file", path], proc_timeout=h.scaled(120), check=False)
    if p.returncode:
        raise AssertionError("inspect %s: exit %d: %s" % (path, p.returncode, p.stderr))
    rows = []
    for line in p.stdout.splitlines():
        r = json.loads(line)
        for name, typ in h.DOMAINS[domain].fields:
            if typ == "vector":
                r[name] = struct.pack("<%df" % len(r[name]), *r[name])
        rows.append(r)
    return rows


class Writers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = h.tempdir("es-pq-")
        cls.rows = {d: rows_with_nulls(d, 150, seed=i + 1) for i, d in enumerate(h.DOMAINS)}
        specs = []
        for name, writer, opts, vec, ints in CASES:
            for domain in h.DOMAINS:
                out = os.path.join(cls.dir, "%s.%s.parquet" % (domain, name))
                specs.append(pw.rows_spec(writer, cls.rows[domain], columns(domain, vec, ints), out, **opts))
        pw.write(MODULES, specs, cls.dir)

    def test_every_writer_codec_and_encoding_reads_back_exactly(self):
        for name, _, _, _, _ in CASES:
            for domain in h.DOMAINS:
                with self.subTest(case=name, domain=domain):
                    got = inspected(domain, os.path.join(self.dir, "%s.%s.parquet" % (domain, name)))
                    want = expected(domain, self.rows[domain])
                    self.assertEqual(len(got), len(want))
                    for i, (g, w) in enumerate(zip(got, want)):
                        self.assertEqual(g, w, "%s %s row %d" % (name, domain, i))

    def test_debug_log_names_the_largest_page_stored_or_decompressed(self):
        """bench_parquet's RSS bar is 64 MiB plus this page; for a file stored uncompressed it used
        to be missing (only decompressed pages were counted), so the bar came out as 64 MiB."""
        floats = 150 * DIM * 4  # every vector of the one row group, in one page
        for name in ("duckdb-uncompressed", "duckdb-snappy"):
            with self.subTest(case=name):
                path = os.path.join(self.dir, "recruit.%s.parquet" % name)
                p = h.run_cmd(["env", "ES_LOG_LEVEL=debug", h.BIN, "inspect", "--domain", "recruit", "--file", path,
                               "--count"], proc_timeout=h.scaled(120))
                pages = re.findall(r"column vector: largest page (\d+) bytes", p.stderr)
                self.assertEqual(len(pages), 1, p.stderr)
                self.assertGreaterEqual(int(pages[0]), floats, p.stderr)


class RowGroups(unittest.TestCase):
    def test_duckdb_row_groups_and_v2_pages(self):
        """DuckDB's smallest row group is 2048 rows: 5000 rows make three, in v1 and v2 pages."""
        d = h.tempdir("es-pq-rg-")
        rows = rows_with_nulls("recruit", 5000, seed=77)
        specs = [pw.rows_spec("duckdb", rows, columns("recruit", "float[]", "int32"), os.path.join(d, "%s.parquet" % v),
                              duckdb="COMPRESSION snappy, ROW_GROUP_SIZE 2048, PARQUET_VERSION %s" % v)
                 for v in ("V1", "V2")]
        pw.write(MODULES, specs, d)
        want = expected("recruit", rows)
        for v in ("V1", "V2"):
            self.assertEqual(inspected("recruit", os.path.join(d, "%s.parquet" % v)), want, v)


class ClientAndApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = h.tempdir("es-pq-client-")
        cls.rows = h.make_rows("recruit", 30, seed=3)
        cls.path = os.path.join(cls.dir, "recruit_export.parquet")
        pw.write(MODULES, [pw.rows_spec("arrow-rs", cls.rows, columns("recruit", "float[]", "int32"), cls.path,
                                        arrow={"compression": "SNAPPY", "row_group_size": 7})], cls.dir)

    def test_retry_reads_the_file_again(self):
        with PyServer(record=True, fail_first=1) as ps:
            res = h.run_ingest("recruit", self.path, ps.addr, chunk_size=4, retries=2)
            streams = list(ps.servicer.streams)
        self.assertEqual(res.code, 0, res)
        self.assertEqual([s.outcome for s in streams], ["UNAVAILABLE", "success"])
        want = [h.normalize_row("recruit", r) for r in self.rows]
        for r, raw in zip(want, self.rows):
            r["id"] = raw["id"]  # as sent, before the server lowercases it
        self.assertEqual(streams[1].rows, want)

    def test_http_api_lists_and_ingests_parquet(self):
        store = h.SqliteStore()
        with h.Server(store.url) as srv, a.Api(self.dir, srv.addr) as api:
            r = a.call(api.base, "/data/files")
            self.assertEqual(r.status, 200, r)
            files = {f["name"]: f for f in r.json["files"]}
            self.assertEqual(files["recruit_export.parquet"]["format"], "parquet")
            self.assertEqual(files["recruit_export.parquet"]["domain"], "recruit")
            r = a.call(api.base, a.ingest_path("recruit", "recruit_export.parquet"), "POST")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["rows_sent"], 30)
        self.assertEqual(store.count("recruit"), 30)


def setUpModule():
    global MODULES
    MODULES = pw.install_or_skip(h.BUILD_DIR)


if __name__ == "__main__":
    h.main()
