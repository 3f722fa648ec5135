# test_client_busy_rows.py - issue 9 findings 6 and 7: a busy server is waited for, a rejected row is named by its line.
"""Busy is not failure: a full server's RESOURCE_EXHAUSTED carries grpc-retry-pushback-ms, and our
client waits that long without using up --retries, until --busy-timeout (exit 4, "busy").
Errors in the file's terms: when the server rejects a row, the message names the file and the
row's line (CSV, JSONL) or row index (pickle), from our server's embedstream-chunk/-row trailers
or, from any other server, from "chunk N, row M" in its details; the JSON says rows_stored.
Both against a stock grpcio server (pyserver.py) and a grpcio client, for interop."""
import csv
import json
import os
import re
import sys
import time
import unittest

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from harness import api  # noqa: E402
from harness import DIM, METHOD, Client, HeldStream, md, recruit_chunk, serialize  # noqa: E402
from pyserver import PyServer  # noqa: E402

REFUSED = re.compile(r"stream \d+ refused: .*RESOURCE_EXHAUSTED")
BUSY_RETRY = ("--backoff-min", "0.1", "--backoff-max", "0.2")  # counted retries come fast


def refusals(srv):
    return len(REFUSED.findall(srv.log))


def csv_start_lines(path):
    """The line each data row of a CSV file starts on (1-based; rows may span lines)."""
    out = []
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        next(r)
        before = r.line_num
        for _ in r:
            out.append(before + 1)
            before = r.line_num
    return out


def write_with_bad_row(path, n, bad, spoil, seed=7):
    rows = h.make_rows("recruit", n, dim=DIM, seed=seed)
    spoil(rows[bad])
    return h.write_rows("recruit", rows, path)


def short_vector(row):
    row["vector"] = row["vector"][:-1]


def bad_id(row):
    row["id"] = "not-a-uuid"


class BusyServer(unittest.TestCase):
    """`serve --max-streams 1`, its one slot held by a grpcio stream while our clients come."""

    def setUp(self):
        self.store = h.SqliteStore()
        self.addCleanup(self.store.destroy)
        self.srv = h.Server(self.store.url, args=("--max-streams", "1")).__enter__()
        self.addCleanup(self.srv.__exit__, None, None, None)
        self.client = Client(self.srv.addr)
        self.addCleanup(self.client.close)
        self.dir = h.tempdir()

    def hold_slot(self):
        held = HeldStream(self.client, [md(file_name="held.csv"), recruit_chunk(0, 1)])
        self.addCleanup(held.abandon)
        self.srv.wait_for_log(r'start: .*file="held.csv"')
        return held

    def file(self, name, n, seed):
        return h.write_domain_file("recruit", os.path.join(self.dir, name), n, dim=DIM, seed=seed)

    def test_found6_busy_server_all_clients_succeed(self):
        paths = [self.file("c%02d.csv" % i, 40, 100 + i) for i in range(20)]
        held = self.hold_slot()
        procs = [h.start_ingest("recruit", p, self.srv.addr, dim=DIM, chunk_size=10, args=BUSY_RETRY)
                 for p in paths]
        # Three refusals each would have been the end before; with the slot still held.
        h.wait_until(lambda: refusals(self.srv) >= 60 or all(p.poll() is not None for p in procs),
                     h.scaled(120), "60 refusals")
        held.abandon()  # the held stream is rolled back: the table holds our files only
        results = [h.finish_ingest(p, 600) for p in procs]
        expected = {}
        for path, res in zip(paths, results):
            self.assertEqual(res.code, 0, (path, res))
            self.assertEqual(res.out["rows_stored"], 40, res.out)
            self.assertEqual(res.out["rows_sent"], 40, res.out)
            expected.update(h.expected_store("recruit", path))
        self.assertEqual(self.store.rows("recruit"), expected)

    def test_found6_busy_timeout_expires_exit4(self):
        path = self.file("late.csv", 5, 3)
        self.hold_slot()
        t0 = time.monotonic()
        res = h.run_ingest("recruit", path, self.srv.addr, dim=DIM, retries=1,
                           args=("--busy-timeout", "2.5"))
        took = time.monotonic() - t0
        self.assertEqual(res.code, 4, res)
        msg = res.out["message"]
        self.assertRegex(msg, r"busy for \d+\.\d s", msg)
        self.assertIn("--busy-timeout 2.5", msg)
        self.assertIn(msg, res.err)
        self.assertEqual((res.out["status"], res.out["rows_stored"]), ("failed", 0), res.out)
        self.assertGreaterEqual(took, 2.5)
        self.assertLess(took, h.scaled(20))
        # It waited and came back (with --retries 1): busy refusals are not attempts used up.
        self.assertGreaterEqual(refusals(self.srv), 2)
        self.assertEqual(self.store.count("recruit"), 0)

    def test_busy_refusals_do_not_use_up_retries(self):
        path = self.file("patient.csv", 12, 4)
        held = self.hold_slot()
        p = h.start_ingest("recruit", path, self.srv.addr, dim=DIM, retries=1, args=BUSY_RETRY)
        h.wait_until(lambda: refusals(self.srv) >= 2 or p.poll() is not None, h.scaled(30),
                     "two refusals")
        held.abandon()
        res = h.finish_ingest(p)
        self.assertEqual(res.code, 0, res)
        self.assertEqual(self.store.rows("recruit"), h.expected_store("recruit", path))

    def test_busy_timeout_zero_gives_up_at_the_first_refusal(self):
        path = self.file("now.csv", 3, 5)
        self.hold_slot()
        res = h.run_ingest("recruit", path, self.srv.addr, dim=DIM, args=("--busy-timeout", "0"))
        self.assertEqual(res.code, 4, res)
        self.assertIn("busy", res.out["message"])
        self.assertEqual(refusals(self.srv), 1)

    def test_bad_busy_timeout_is_a_usage_error(self):
        path = self.file("x.csv", 1, 6)
        for bad in ("-1", "soon", "nan", ""):
            res = h.run_ingest("recruit", path, self.srv.addr, args=("--busy-timeout", bad))
            self.assertEqual(res.code, 2, (bad, res))

    def test_grpcio_client_reads_the_pushback_trailer(self):
        self.hold_slot()
        try:
            self.client.ingest(iter([md(), recruit_chunk(50, 1)]), timeout=h.scaled(30))
            self.fail("a second stream was accepted by a full server")
        except grpc.RpcError as e:
            self.assertEqual(e.code(), grpc.StatusCode.RESOURCE_EXHAUSTED, e.details())
            trailers = dict(e.trailing_metadata() or ())
        self.assertIn("grpc-retry-pushback-ms", trailers)
        self.assertGreater(int(trailers["grpc-retry-pushback-ms"]), 0)

    def test_pushback_follows_the_length_of_recent_streams(self):
        for i in range(3):  # streams of a few milliseconds
            code, details, _ = self.client.send([md(), recruit_chunk(100 + i, 1)])
            self.assertEqual(code, grpc.StatusCode.OK, details)
        self.hold_slot()
        try:
            self.client.ingest(iter([md(), recruit_chunk(50, 1)]), timeout=h.scaled(30))
            self.fail("a second stream was accepted by a full server")
        except grpc.RpcError as e:
            ms = int(dict(e.trailing_metadata() or ())["grpc-retry-pushback-ms"])
        self.assertGreaterEqual(ms, 100)  # the floor: never a poll loop
        self.assertLess(ms, 1000)  # not the second said before any stream had ended

    def test_grpcio_retry_policy_honours_the_pushback(self):
        """gRPC's own retry policy (A6) reads the same trailer: a grpcio channel that retries
        RESOURCE_EXHAUSTED gets its stream in once the slot frees, waiting as told."""
        config = {"methodConfig": [{
            "name": [{"service": "embedding.EmbeddingStreamService"}],
            "retryPolicy": {"maxAttempts": 5, "initialBackoff": "0.05s", "maxBackoff": "0.1s",
                            "backoffMultiplier": 2, "retryableStatusCodes": ["RESOURCE_EXHAUSTED"]}}]}
        ch = grpc.insecure_channel(self.srv.addr, options=[
            ("grpc.enable_retries", 1), ("grpc.service_config", json.dumps(config))])
        self.addCleanup(ch.close)
        call = ch.stream_unary(METHOD, request_serializer=serialize,
                               response_deserializer=h.protos()[0].IngestDataResponse.FromString)
        held = self.hold_slot()
        t0 = time.monotonic()
        fut = call.future(iter([md(file_name="retried.csv"), recruit_chunk(70, 2)]),
                          timeout=h.scaled(60))
        h.wait_until(lambda: refusals(self.srv) >= 1, h.scaled(20), "a refusal")
        held.abandon()
        resp = fut.result(timeout=h.scaled(60))
        self.assertEqual(resp.total_rows_received, 2)
        # Told to wait about a second; without the trailer it would have retried in 0.05 s.
        self.assertEqual(refusals(self.srv), 1, "retried before the pushback was over")
        self.assertGreaterEqual(time.monotonic() - t0, 0.5)


class PushbackFromAnyServer(unittest.TestCase):
    """Our client against a stock grpcio server refusing with RESOURCE_EXHAUSTED."""

    def setUp(self):
        self.path = h.write_domain_file("recruit", os.path.join(h.tempdir(), "r.csv"), 9, dim=DIM)

    def ingest(self, srv, *args, retries=2):
        return h.run_ingest("recruit", self.path, srv.addr, dim=DIM, chunk_size=4, retries=retries,
                            args=("--backoff-min", "0.05", "--backoff-max", "0.1") + args)

    def test_pushback_waits_without_counting(self):
        with PyServer(fail_first=3, fail_code=grpc.StatusCode.RESOURCE_EXHAUSTED,
                      fail_trailers=[("grpc-retry-pushback-ms", "200")]) as srv:
            t0 = time.monotonic()
            res = self.ingest(srv, retries=1)
            took = time.monotonic() - t0
        self.assertEqual(res.code, 0, res)
        self.assertEqual((res.out["rows_sent"], res.out["rows_stored"]), (9, 9), res.out)
        self.assertEqual(len(srv.servicer.streams), 4)
        self.assertGreaterEqual(took, 0.6)  # three waits of at least 200 ms

    def test_without_pushback_resource_exhausted_counts_as_before(self):
        for trailers in ([], [("grpc-retry-pushback-ms", "-1")], [("grpc-retry-pushback-ms", "soon")]):
            with self.subTest(trailers=trailers):
                with PyServer(fail_first=5, fail_code=grpc.StatusCode.RESOURCE_EXHAUSTED,
                              fail_trailers=trailers) as srv:
                    res = self.ingest(srv)
                self.assertEqual(res.code, 4, res)
                self.assertIn("gave up after 2 attempts", res.out["message"])
                self.assertNotIn("busy", res.out["message"])
                self.assertEqual(len(srv.servicer.streams), 2)


class RowErrors(unittest.TestCase):
    """A row the server rejects is named by the file's line (or pickle row index)."""

    def setUp(self):
        self.store = h.SqliteStore()
        self.addCleanup(self.store.destroy)
        self.dir = h.tempdir()

    def server(self):
        srv = h.Server(self.store.url).__enter__()
        self.addCleanup(srv.__exit__, None, None, None)
        return srv

    def assert_rejected(self, res, where, reason):
        self.assertEqual(res.code, 3, res)
        msg = res.out["message"]
        self.assertIn("%s: %s" % (where, reason), msg)
        self.assertIn(msg, res.err)
        self.assertEqual((res.out["status"], res.out["rows_stored"]), ("failed", 0), res.out)
        self.assertLessEqual(res.out["rows_sent"], 900)
        return msg

    # Our loaders now refuse every row our server would (in the file's terms, before sending), so
    # the mapping of a server's (chunk, row) to the file is driven by a server rule the client
    # cannot know: PyServer's reject_key, with our trailers as our server sends them
    # (test_grpcio_client_gets_details_and_row_trailers pins that it does) or without them.
    def test_found7_row_error_names_file_line(self):
        # Row 699 is chunk 7, row 99 in chunks of 100; its line is further down than 701, since
        # some rows' text spans lines.
        rows = h.make_rows("recruit", 900, dim=DIM, seed=7)
        path = h.write_rows("recruit", rows, os.path.join(self.dir, "r.csv"))
        line = csv_start_lines(path)[699]
        self.assertGreater(line, 701)
        with PyServer(reject_key=rows[699]["id"], row_trailers=True) as srv:
            res = h.run_ingest("recruit", path, srv.addr, dim=DIM, chunk_size=100)
        msg = self.assert_rejected(res, "%s:%d" % (path, line), "field 'id': refused by the server")
        self.assertTrue(msg.endswith("(server: chunk 7, row 99)"), msg)

    def test_found7_our_client_refuses_the_row_our_server_would(self):
        # The finding's own file, against our server: refused at its line before it is sent.
        path = write_with_bad_row(os.path.join(self.dir, "r.csv"), 900, 699, short_vector)
        line = csv_start_lines(path)[699]
        res = h.run_ingest("recruit", path, self.server().addr, dim=DIM, chunk_size=100)
        self.assertEqual(res.code, 2, res)
        self.assertIn("%s:%d: field 'vector': 7 values, expected 8" % (path, line), res.out["message"])
        self.assertEqual(res.out["rows_stored"], 0)
        self.assertEqual(self.store.count("recruit"), 0)

    def test_jsonl_line_through_split_messages(self):
        # A small message limit splits chunks into messages of varying row counts: the server's
        # "chunk" is a message, and the mapping must follow each message's own count.
        rows = h.make_rows("recruit", 600, dim=DIM, seed=7)
        path = h.write_rows("recruit", rows, os.path.join(self.dir, "r.jsonl"))
        with PyServer(reject_key=rows[431]["id"], row_trailers=True) as srv:
            res = h.run_ingest("recruit", path, srv.addr, dim=DIM, chunk_size=50,
                               args=("--max-message-bytes", "2048"))
        self.assert_rejected(res, "%s:%d" % (path, 432), "field 'id'")

    def test_pickle_names_the_row_index(self):
        import numpy as np
        import pandas as pd
        rows = h.make_rows("recruit", 300, dim=DIM, seed=9)
        bad_id(rows[123])
        df = pd.DataFrame({n: [r[n] for r in rows] for n, _ in h.DOMAINS["recruit"].fields})
        df["vector"] = [np.asarray(v, dtype=np.float32) for v in df["vector"]]
        path = os.path.join(self.dir, "r.pkl")
        df.to_pickle(path)
        # Refused by our loader, in the file's terms, before it is sent (as for CSV and JSONL).
        res = h.run_ingest("recruit", path, self.server().addr, dim=DIM, chunk_size=50)
        self.assertEqual(res.code, 2, res)
        self.assertIn("%s: row index 123: field 'id'" % path, res.out["message"])
        self.assertEqual(self.store.count("recruit"), 0)

    def test_fallback_parses_details_of_a_stock_grpcio_server(self):
        rows = h.make_rows("recruit", 900, dim=DIM, seed=7)
        path = h.write_rows("recruit", rows, os.path.join(self.dir, "r.csv"))
        line = csv_start_lines(path)[699]
        with PyServer(reject_key=rows[699]["id"]) as srv:
            res = h.run_ingest("recruit", path, srv.addr, dim=DIM, chunk_size=100)
        self.assert_rejected(res, "%s:%d" % (path, line), "field 'id': refused by the server")
        self.assertTrue(res.out["message"].endswith("(server: chunk 7, row 99)"), res.out)

    def test_grpcio_client_gets_details_and_row_trailers(self):
        srv = self.server()
        good = recruit_chunk(0, 3)
        bad = recruit_chunk(3, 4)
        del bad.recruit_chunk.rows[2].vector[-1]
        client = Client(srv.addr)
        self.addCleanup(client.close)
        try:
            client.ingest(iter([md(), good, bad]), timeout=h.scaled(30))
            self.fail("a short vector was accepted")
        except grpc.RpcError as e:
            self.assertEqual(e.code(), grpc.StatusCode.INVALID_ARGUMENT, e.details())
            self.assertTrue(e.details().startswith("chunk 2, row 2: field 'vector'"), e.details())
            trailers = dict(e.trailing_metadata() or ())
        self.assertEqual((trailers.get("embedstream-chunk"), trailers.get("embedstream-row")),
                         ("2", "2"), trailers)

    def test_success_reports_rows_stored(self):
        path = h.write_domain_file("recruit", os.path.join(self.dir, "ok.csv"), 25, dim=DIM)
        res = h.run_ingest("recruit", path, self.server().addr, dim=DIM, chunk_size=10)
        self.assertEqual(res.code, 0, res)
        self.assertEqual((res.out["rows_sent"], res.out["rows_stored"], res.out["chunks_sent"]),
                         (25, 25, 3), res.out)


class HttpRowsStored(unittest.TestCase):
    """The HTTP API's ingest results carry rows_stored too, and row errors in the file's terms."""

    def test_rows_stored_and_row_error(self):
        store = h.SqliteStore()
        self.addCleanup(store.destroy)
        data = h.tempdir()
        h.write_domain_file("recruit", os.path.join(data, "ok.csv"), 30, dim=DIM)
        write_with_bad_row(os.path.join(data, "bad.jsonl"), 40, 17, bad_id)
        with h.Server(store.url) as srv, api.Api(data, srv.addr) as a:
            r = api.call(a.base, api.ingest_path("recruit", "ok.csv", dim=DIM), "POST")
            self.assertEqual(r.status, 200, r)
            self.assertEqual((r.json["rows_sent"], r.json["rows_stored"]), (30, 30), r)
            r = api.call(a.base, api.ingest_path("recruit", "bad.jsonl", dim=DIM), "POST")
            self.assertEqual(r.status, 400, r)
            self.assertIn("bad.jsonl:18: field 'id'", api.error_of(r)[1])
            self.assertEqual(r.json["rows_stored"], 0, r)
            spec = api.call(a.base, "/openapi.json").json
        result = spec["components"]["schemas"]["IngestResult"]
        self.assertIn("rows_stored", result["required"])
        self.assertIn("rows_stored", result["properties"])


if __name__ == "__main__":
    h.main()
