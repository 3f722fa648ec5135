# test_e2e.py - our client and our server as real processes on loopback, once per store backend.
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pyclient  # noqa: E402

import grpc  # noqa: E402  (Debian's python3-grpcio)

CHUNK = 7  # small chunks: every file spans several messages


def stats_rows(st, domain):
    """Row count of a domain in `embedstream stats` output ({"domains": {d: {"rows": n}}})."""
    v = st["domains"][domain]
    return v["rows"] if isinstance(v, dict) else v


class E2E(h.TempDirCase):
    """Tests against self.store (a fresh store per test, from harness store factories)."""

    def assert_ingested(self, res, nrows, chunk=CHUNK):
        self.assertEqual(res.code, 0, res.err)
        self.assertIsNotNone(res.out, "ingest printed no JSON object: " + res.err)
        self.assertEqual(res.out["status"], "success", res.out)
        self.assertEqual(res.out["rows_sent"], nrows, res.out)
        self.assertEqual(res.out["chunks_sent"], -(-nrows // chunk), res.out)
        self.assertTrue(res.out["message"], res.out)
        self.assertGreaterEqual(res.out["seconds"], 0)

    def assert_store_equals(self, domain, expected):
        got = self.store.rows(domain)
        self.assertEqual(set(got), set(expected), "stored keys differ from the file's")
        for key, row in expected.items():
            for field, value in row.items():
                self.assertEqual(got[key][field], value,
                                 "%s %s: field %s differs from the file" % (domain, key, field))

    def test_all_domains_every_field(self):
        with h.Server(self.store.url) as srv:
            for domain in h.DOMAINS:
                expected = {}
                for seed, ext in ((11, "csv"), (12, "jsonl")):
                    path = self.path("%s-%d.%s" % (domain, seed, ext))
                    rows = h.make_rows(domain, 40, seed=seed)
                    # Row 2's key again at the end with row 5's values: within a stream the last wins.
                    key = h.DOMAINS[domain].key
                    rows.append(dict(rows[5], **{key: rows[2][key]}))
                    h.write_rows(domain, rows, path)
                    res = h.run_ingest(domain, path, srv.addr, chunk_size=CHUNK)
                    self.assert_ingested(res, len(rows))
                    expected.update(h.expected_store(domain, path))
                    self.assert_store_equals(domain, expected)
                self.assertEqual(self.store.count(domain), 80)

    def test_ingest_twice_keeps_row_count(self):
        path = h.write_domain_file("candidate", self.path("twice.csv"), 30, seed=5)
        with h.Server(self.store.url) as srv:
            for _ in range(2):
                self.assert_ingested(h.run_ingest("candidate", path, srv.addr, chunk_size=CHUNK), 30)
                self.assertEqual(self.store.count("candidate"), 30)
        self.assert_store_equals("candidate", h.expected_store("candidate", path))
        log = [e for e in self.store.ingest_log() if e["domain"] == "candidate"]
        self.assertEqual([e["status"] for e in log], ["success", "success"], log)
        for e in log:
            self.assertEqual((e["file_name"], e["vector_dimension"], e["rows"], e["chunks"]),
                             ("twice.csv", 768, 30, 5))
            self.assertIsNotNone(e["started_at"])
            self.assertIsNotNone(e["finished_at"])

    def _bad_last_chunk(self, domain, field, spoil):
        good = h.write_domain_file(domain, self.path("good.csv"), 10, seed=21)
        rows = h.make_rows(domain, 30, seed=22)
        spoil(rows[-1])
        bad = h.write_rows(domain, rows, self.path("bad.jsonl"))
        with h.Server(self.store.url) as srv:
            self.assert_ingested(h.run_ingest(domain, good, srv.addr, chunk_size=4), 10, 4)
            # Our client holds rows to the server's checks: it stops at the file's line 30 (a
            # stream already begun is cancelled), exit 2, and never retries.
            res = h.run_ingest(domain, bad, srv.addr, chunk_size=4, retries=3)
            self.assertEqual(res.code, 2, res)
            if res.out is not None:
                self.assertNotEqual(res.out["status"], "success", res.out)
            said = (res.out or {}).get("message", "") + res.err
            self.assertIn("bad.jsonl:30: field '%s'" % field, said)
            self.assertNotIn("retry", res.err.lower(), "a bad file must not be retried")
            # The spec's Python client sends the bad row: the server refuses the whole stream.
            with self.assertRaises(grpc.RpcError) as cm:
                pyclient.ingest(srv.addr, domain, bad, chunk_size=4)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
            self.assertIn(field, cm.exception.details())
            self.assertEqual(self.store.count(domain), 10, "a rejected stream left rows behind")
            self.assert_store_equals(domain, h.expected_store(domain, good))
        log = [e for e in self.store.ingest_log() if e["file_name"] == "bad.jsonl"]
        self.assertTrue(1 <= len(log) <= 2, log)
        self.assertNotIn("success", [e["status"] for e in log], log)

    def test_bad_vector_length_in_last_chunk_stores_nothing(self):
        self._bad_last_chunk("recruit", "vector", lambda r: r["vector"].pop())

    def test_bad_uuid_in_last_chunk_stores_nothing(self):
        self._bad_last_chunk("candidate", "candidate_id",
                             lambda r: r.update(candidate_id="not-a-uuid-1234"))

    def test_dimension_mismatch_refused_by_client(self):
        path = h.write_domain_file("recruit", self.path("r384.csv"), 5, seed=3)
        with h.Server(self.store.url) as srv:
            res = h.run_ingest("recruit", path, srv.addr, dim=768)
            self.assertEqual(res.code, 2, res)
            said = (res.out or {}).get("message", "") + res.err
            self.assertIn("384", said)
            self.assertIn("768", said)
            self.assertEqual(self.store.total_rows(), 0)
            self.assertEqual(self.store.ingest_log(), [], "the client should not have called")

    def test_unreachable_server_exit_4(self):
        path = h.write_domain_file("recruit", self.path("r.csv"), 3, seed=3)
        port = h.free_port()
        t0 = time.monotonic()
        res = h.run_ingest("recruit", path, "127.0.0.1:%d" % port, retries=2, timeout=5)
        elapsed = time.monotonic() - t0
        self.assertEqual(res.code, 4, res)
        self.assertIsNotNone(res.out, res.err)
        self.assertNotEqual(res.out["status"], "success")
        self.assertGreaterEqual(elapsed, 1.0, "two attempts should be separated by a backoff")

    def test_server_killed_mid_stream_client_retry_completes(self):
        name = "killme-recruit.csv"
        path = h.write_domain_file("recruit", self.path(name), 6000, seed=9, digits=4)
        expected = h.expected_store("recruit", path)
        with h.Server(self.store.url) as srv1:
            port = srv1.port
            client = h.start_ingest("recruit", path, srv1.addr, chunk_size=20, retries=6)
            try:
                # The server's stream-start line names the file: rows are flowing. Freezing the
                # client there makes "mid-stream" certain however loaded the machine is.
                srv1.wait_for_log(re.escape(name), timeout=60)
                client.send_signal(signal.SIGSTOP)
                srv1.kill()
                client.send_signal(signal.SIGCONT)
                self.assertIsNone(client.poll(), "the client ended before the kill")
                self.assertEqual(self.store.count("recruit"), 0,
                                 "the killed stream had committed: it was not mid-stream")
                with h.Server(self.store.url, listen="127.0.0.1:%d" % port) as srv2:
                    res = h.finish_ingest(client, proc_timeout=180)
                    self.assertEqual(res.code, 0, res)
                    self.assertEqual(res.out["rows_sent"], 6000, res.out)
                    self.assertEqual(srv2.port, port)
                    self.assertIn(name, srv2.log, "the retry should have reached the new server")
            finally:
                if client.poll() is None:
                    client.send_signal(signal.SIGCONT)
                    client.kill()
                    client.wait()
        self.assertEqual(self.store.count("recruit"), len(expected))
        self.assert_store_equals("recruit", expected)

    def test_stats_reports_counts_and_ingests(self):
        files = {d: h.write_domain_file(d, self.path(d + ".csv"), n, seed=4)
                 for d, n in (("recruit", 12), ("candidate", 9), ("skill_embedding_dic", 5))}
        with h.Server(self.store.url) as srv:
            for d, p in files.items():
                self.assertEqual(h.run_ingest(d, p, srv.addr).code, 0)
            live = h.stats(self.store.url)  # a second reader while the server holds the store
        for st in (live, h.stats(self.store.url)):
            self.assertEqual({d: stats_rows(st, d) for d in files},
                             {"recruit": 12, "candidate": 9, "skill_embedding_dic": 5})
            names = [e.get("file_name") for e in st["last_ingests"]]
            for d in files:
                self.assertIn(d + ".csv", names)


h.store_test_classes(E2E, globals())

if __name__ == "__main__":
    h.main()
