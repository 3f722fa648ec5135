# test_interop_client.py - our client against a Python server (the spec's, pyserver.py): what it receives.
"""Store-independent, so not in test_interop.py, which ctest runs once per store."""
import os
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from pyserver import PyServer  # noqa: E402

FORMATS = ("csv", "jsonl")


class OurClientIntoPythonServer(unittest.TestCase):
    """`embedstream ingest` against pyserver.py: the server received exactly the file's rows."""

    def test_rows_received_exactly(self):
        d = h.tempdir()
        for domain in h.DOMAINS:
            for i, ext in enumerate(FORMATS):
                with self.subTest(domain=domain, fmt=ext):
                    name = "%s.%s" % (domain, ext)
                    path = h.write_domain_file(domain, os.path.join(d, name), 25, seed=60 + i)
                    with PyServer(record=True) as ps:
                        res = h.run_ingest(domain, path, ps.addr, chunk_size=6)
                        streams = ps.servicer.successful()
                    self.assertEqual(res.code, 0, res)
                    self.assertEqual(res.out["status"], "success")
                    self.assertEqual(len(streams), 1)
                    st = streams[0]
                    self.assertEqual((st.domain, st.file_name, st.dim),
                                     (domain, name, h.DOMAINS[domain].dim))
                    self.assertEqual((st.total_rows, st.total_chunks), (25, 5))
                    self.assertEqual(st.rows, h.read_file_rows(domain, path, lower_keys=False))

    def test_vectors_are_float32_of_the_double(self):
        # Values whose float32 rounding a float-by-float strtof path could get wrong.
        d = h.tempdir()
        rows = h.make_rows("skill_embedding_dic", 1, dim=6, seed=1)
        rows[0]["vector"] = [0.1, 1.0000000596046448, 3.4028235677973366e38 * 0.999999,
                             1.401298464324817e-45, -2.5e-44, 16777217.0]
        path = h.write_rows("skill_embedding_dic", rows, os.path.join(d, "v.jsonl"))
        with PyServer(record=True) as ps:
            res = h.run_ingest("skill_embedding_dic", path, ps.addr, dim=6)
            streams = ps.servicer.successful()
        self.assertEqual(res.code, 0, res)
        got = streams[0].rows[0]["vector"]
        self.assertEqual(got, struct.pack("<6f", *rows[0]["vector"]))

    def test_retry_after_unavailable(self):
        d = h.tempdir()
        path = h.write_domain_file("recruit", os.path.join(d, "r.csv"), 30, seed=7)
        with PyServer(record=True, fail_first=1) as ps:
            t0 = time.monotonic()
            res = h.run_ingest("recruit", path, ps.addr, chunk_size=4, retries=2)
            elapsed = time.monotonic() - t0
            streams = list(ps.servicer.streams)
        self.assertEqual(res.code, 0, res)
        self.assertEqual([s.outcome for s in streams], ["UNAVAILABLE", "success"])
        self.assertEqual(streams[1].rows, h.read_file_rows("recruit", path, lower_keys=False))
        self.assertEqual(res.out["rows_sent"], 30)
        self.assertGreaterEqual(elapsed, 1.0, "the retry should come after a backoff")


if __name__ == "__main__":
    h.main()
