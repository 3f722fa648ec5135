# test_parquet_interop.py - the spec's Python client from CSV and ours from DuckDB's, arrow-rs' and Polars' Parquet store the same tables, once per store.
"""Issue 13's interop test: the same rows (every domain at its own dimension, make_rows' awkward
text) go into one store from CSV through the spec's Python client (pyclient.py), and into three
more of the same backend through our client from Parquet files written by DuckDB (DOUBLE
vectors, narrowed as the CSV path narrows), arrow-rs and Polars (FLOAT vectors); the four stores
must hold identical rows, which are also what the CSV file says. ctest runs this once per store
(integration/test_parquet_interop:sqlite, :postgres). The writers come from npm (as in
test_parquet.py): without node, npm or the registry the script reports itself skipped."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import parquet_writers as pw  # noqa: E402
import pyclient  # noqa: E402
from test_parquet import columns  # noqa: E402

MODULES = None  # node_modules of the writers, set by setUpModule
ROWS = 60
WRITERS = {"duckdb": ("double[]", {"duckdb": "COMPRESSION snappy, ROW_GROUP_SIZE 2048"}),
           "arrow-rs": ("float[]", {"arrow": {"compression": "ZSTD", "row_group_size": 16}}),
           "polars": ("float[]", {"polars": {"compression": "snappy"}})}


class PythonCsvAndOurParquet:
    def test_python_client_from_csv_and_ours_from_parquet_store_the_same(self):
        d = h.tempdir("es-pq-interop-")
        ours = {}
        for writer in WRITERS:
            ours[writer] = self.factory.create()
            self.addCleanup(ours[writer].destroy)
        paths, specs = {}, []
        for domain in h.DOMAINS:
            rows = h.make_rows(domain, ROWS, seed=9)  # the domain's own dimension
            paths[domain] = {"csv": h.write_rows(domain, rows, os.path.join(d, domain + ".csv"))}
            for writer, (vec, opts) in WRITERS.items():
                paths[domain][writer] = os.path.join(d, "%s.%s.parquet" % (domain, writer))
                specs.append(pw.rows_spec(writer, rows, columns(domain, vec, "int32"), paths[domain][writer], **opts))
        pw.write(MODULES, specs, d)
        with h.Server(self.store.url) as srv:
            for domain in h.DOMAINS:
                res = pyclient.ingest(srv.addr, domain, paths[domain]["csv"], chunk_size=7)
                self.assertEqual(res["status"], "success", res)
        for writer, store in ours.items():
            with h.Server(store.url) as srv:
                for domain in h.DOMAINS:
                    out = h.run_ingest(domain, paths[domain][writer], srv.addr, chunk_size=7)
                    self.assertEqual(out.code, 0, out)
                    self.assertEqual((out.out["rows_sent"], out.out["rows_stored"]), (ROWS, ROWS), out.out)
        for domain in h.DOMAINS:
            want = self.store.rows(domain)
            self.assertEqual(len(want), ROWS, domain)
            self.assertEqual(want, h.expected_store(domain, paths[domain]["csv"]), domain)
            for writer, store in ours.items():
                self.assertEqual(store.rows(domain), want, "%s %s" % (writer, domain))


h.store_test_classes(PythonCsvAndOurParquet, globals())


def setUpModule():
    global MODULES
    MODULES = pw.install_or_skip(h.BUILD_DIR)


if __name__ == "__main__":
    h.main()
