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


if __name__ == "__main__":
    h.main()
