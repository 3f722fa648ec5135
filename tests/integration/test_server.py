# test_server.py - `embedstream serve` on its own: protocol errors, limits, cancels, shutdown, logs.
"""Server behaviour driven by hand-made Python gRPC calls (stubs generated at test time):
each protocol violation gets INVALID_ARGUMENT and stores nothing; --max-streams refuses extra
streams at once while the others finish; SIGTERM lets a stream in flight commit within --grace
and cancels (rolls back) one still open after it; client cancels and deadlines roll back; every
stream logs a start and an end line."""
import os
import subprocess
import sys
import time
import unittest

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

def debug_env():
    env = dict(os.environ)
    env["ES_LOG_LEVEL"] = "debug"  # adds a line per staged chunk, so tests know where a stream is
    return env


class ServerTest(unittest.TestCase):
    """Each test gets a fresh SQLite store and a server on a free port."""

    server_args = ()
    grace = 5

    def setUp(self):
        self.store = h.SqliteStore()
        self.addCleanup(self.store.destroy)
        self.srv = h.Server(self.store.url, args=self.server_args, grace=self.grace,
                            env=debug_env()).__enter__()
        self.addCleanup(self.srv.__exit__, None, None, None)
        self.client = h.Client(self.srv.addr)
        self.addCleanup(self.client.close)

    def assert_invalid(self, messages, *words):
        code, details, _ = self.client.send(messages)
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT, details)
        for w in words:
            self.assertIn(w.lower(), details.lower(), "the message should say which")
        self.assertEqual(self.store.total_rows(), 0, "a rejected stream left rows")
        return details

    def end_line(self, outcome, start=0):
        """Waits for a stream's end log line with this outcome; returns the match."""
        return self.srv.wait_for_log(r"stream (\d+) end: peer=\S+ domain=(\S+) file=\"([^\"]*)\" "
                                     r"rows=(\d+) chunks=(\d+) duration=([\d.]+)s outcome=%s(.*)"
                                     % outcome, start=start)


class ProtocolErrors(ServerTest):
    """Violations the interop suite does not already send, each INVALID_ARGUMENT, nothing stored."""

    def test_first_message_with_neither(self):
        self.assert_invalid([h.pb2().IngestDataRequest(), h.recruit_chunk(0, 1)], "neither", "metadata")

    def test_later_message_with_neither(self):
        self.assert_invalid([h.md(), h.recruit_chunk(0, 2), h.pb2().IngestDataRequest()], "message 3",
                            "neither")

    def test_stream_ends_before_metadata(self):
        self.assert_invalid([], "ended before metadata")

    def test_undecodable_message(self):
        self.assert_invalid([h.serialize(h.md()), h.serialize(h.recruit_chunk(0, 1)), b"\x0a\xff\xff\xff"],
                            "message 3", "not a valid IngestDataRequest")

    def test_metadata_and_chunk_in_one_message(self):
        both = h.md()
        both.recruit_chunk.CopyFrom(h.recruit_chunk(0, 1).recruit_chunk)
        self.assert_invalid([both], "metadata", "recruit_chunk")

    def test_wrong_case_names_both_domains(self):
        p = h.pb2()
        skill = p.IngestDataRequest(skill_embedding_dic_chunk=p.SkillEmbeddingDicRowChunk(
            rows=[p.SkillEmbeddingDicRow(skill="go", position_category="x", vector=[0.1] * h.DIM)]))
        self.assert_invalid([h.md(), h.recruit_chunk(0, 2), skill], "skill_embedding_dic_chunk",
                            "recruit")

    def test_bad_row_names_chunk_row_and_field(self):
        bad = h.recruit_chunk(10, 3)
        bad.recruit_chunk.rows[2].exp_years = -4
        details = self.assert_invalid([h.md(), h.recruit_chunk(0, 5), bad], "exp_years")
        self.assertIn("chunk 2, row 2", details)

    def test_failed_stream_is_logged_and_recorded(self):
        bad = h.recruit_chunk(0, 2)
        del bad.recruit_chunk.rows[1].vector[:]
        self.assert_invalid([h.md(file_name="bad.csv"), h.recruit_chunk(100, 3), bad], "vector")
        m = self.end_line("INVALID_ARGUMENT")
        self.assertEqual((m.group(2), m.group(3)), ("recruit", "bad.csv"))
        self.assertIn("chunk 2, row 1", m.group(7))
        log = self.store.ingest_log()
        self.assertEqual(len(log), 1, log)
        self.assertEqual(log[0]["file_name"], "bad.csv")
        self.assertNotEqual(log[0]["status"], "success")


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, wire_type, payload=b""):
    """One protobuf field by hand: key, then the payload as given (length-prefixed for type 2)."""
    key = varint(number << 3 | wire_type)
    return key + (varint(len(payload)) + payload if wire_type == 2 else payload)


def chunk_request(body):
    """An IngestDataRequest whose h.recruit_chunk field holds `body` as it is."""
    number = h.pb2().IngestDataRequest.DESCRIPTOR.fields_by_name["recruit_chunk"].number
    return field(number, 2, body)


class ChunkFraming(ServerTest):
    """The server reads a canonically framed chunk message's rows one by one from gRPC's slices
    (no joined copy) and leaves any other framing to protobuf-c whole: both must read what
    protobuf reads, and refuse what it refuses."""

    def rows_of(self, start, n):
        return [r.SerializeToString() for r in h.recruit_chunk(start, n).recruit_chunk.rows]

    def test_unknown_fields_between_rows_are_skipped(self):
        rows = self.rows_of(0, 3)
        junk = field(7, 0, varint(300)) + field(8, 5, b"\x01\x02\x03\x04") + \
            field(9, 1, b"\x00" * 8) + field(10, 2, b"ignored")
        body = junk + field(1, 2, rows[0]) + junk + field(1, 2, rows[1]) + field(1, 2, rows[2]) + junk
        code, details, resp = self.client.send([h.md(), chunk_request(body)])
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual((resp.total_rows_received, resp.total_chunks_received), (3, 1))
        stored = self.store.rows("recruit")
        self.assertEqual(sorted(stored), [h.uuid_key(i) for i in range(3)])
        self.assertEqual(stored[h.uuid_key(1)]["company_name"], "company 1")

    def test_non_minimal_row_key_is_still_field_1(self):
        rows = self.rows_of(0, 2)
        body = b"\x8a\x00" + varint(len(rows[0])) + rows[0] + field(1, 2, rows[1])
        code, details, resp = self.client.send([h.md(), chunk_request(body)])
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(self.store.count("recruit"), 2)

    def test_chunk_field_twice_decoded_whole_by_protobuf_c(self):
        """Not one field to the end: protobuf-c decodes it whole, and keeps the last occurrence
        of the oneof (the Python runtime would merge them; no conforming client sends this)."""
        first, second = chunk_request(field(1, 2, self.rows_of(0, 1)[0])), \
            chunk_request(field(1, 2, self.rows_of(1, 2)[1]))
        code, details, resp = self.client.send([h.md(), first + second])
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual((resp.total_rows_received, resp.total_chunks_received), (1, 1))
        self.assertEqual(list(self.store.rows("recruit")), [h.uuid_key(2)])

    def test_group_wire_type_refused(self):
        body = field(1, 2, self.rows_of(0, 1)[0]) + varint(11 << 3 | 3)
        self.assert_invalid([h.md(), chunk_request(body)], "message 2", "not a valid IngestDataRequest")

    def test_row_running_past_the_chunk_refused(self):
        row = self.rows_of(0, 1)[0]
        body = varint(1 << 3 | 2) + varint(len(row) + 40) + row
        self.assert_invalid([h.md(), chunk_request(body)], "message 2", "not a valid")

    def test_undecodable_row_refused(self):
        body = field(1, 2, self.rows_of(0, 1)[0]) + field(1, 2, b"\x0a\xff\xff")
        self.assert_invalid([h.md(), chunk_request(body)], "chunk 1, row 1", "RecruitRow")

    def test_big_chunk_staged_in_batches_names_the_row(self):
        """A chunk of more rows than the server stages at once, over several gRPC slices:
        a bad row far into it is named by its index in the whole chunk."""
        good = h.recruit_chunk(0, 3000, dim=64)
        code, details, resp = self.client.send([h.md(dim=64), good])
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual((resp.total_rows_received, self.store.count("recruit")), (3000, 3000))
        bad = h.recruit_chunk(5000, 3000, dim=64)
        bad.recruit_chunk.rows[2500].english_level = "\u00e9"
        bad.recruit_chunk.rows[2500].exp_years = -1
        code, details, _ = self.client.send([h.md(dim=64), h.recruit_chunk(10000, 2, dim=64), bad])
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT, details)
        self.assertIn("chunk 2, row 2500", details)
        self.assertIn("exp_years", details)
        self.assertEqual(self.store.count("recruit"), 3000, "the failed stream left rows")


class Responses(ServerTest):

    def test_success_response_and_log_lines(self):
        msgs = [h.md(file_name="recruit.csv"), h.recruit_chunk(0, 4), h.recruit_chunk(4, 3)]
        code, details, resp = self.client.send(msgs)
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual((resp.status, resp.total_rows_received, resp.total_chunks_received),
                         ("success", 7, 2))
        self.assertEqual(resp.message, "stored 7 rows from recruit.csv (recruit, 8-d) in 2 chunks")
        self.assertEqual(self.store.count("recruit"), 7)
        start = self.srv.wait_for_log(r"stream (\d+) start: peer=(ipv[46]:\S+) domain=recruit "
                                      r"file=\"recruit.csv\" dim=8")
        end = self.end_line("success")
        self.assertEqual(end.group(1), start.group(1))
        self.assertEqual((end.group(4), end.group(5)), ("7", "2"))
        self.assertEqual(self.store.ingest_log()[-1]["status"], "success")

    def test_metadata_only_stream_commits_nothing_successfully(self):
        code, details, resp = self.client.send([h.md()])
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual((resp.total_rows_received, resp.total_chunks_received), (0, 0))

    def test_unknown_method_unimplemented(self):
        other = self.client.channel.unary_unary("/embedding.EmbeddingStreamService/Nope")
        t0 = time.monotonic()
        with self.assertRaises(grpc.RpcError) as cm:
            other(b"", timeout=h.scaled(20))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.UNIMPLEMENTED)
        self.assertLess(time.monotonic() - t0, h.scaled(10), "answered at once, not at the deadline")


class Keepalive(ServerTest):
    # A default gRPC server answers the third too-early ping with GOAWAY too_many_pings.
    IDLE_PINGS = 5

    def test_frequent_client_pings_never_get_goaway(self):
        # Far more eager than the spec's 30 s pings: a default gRPC server would answer these
        # with GOAWAY too_many_pings after a few, failing the open stream.
        options = [("grpc.keepalive_time_ms", 100), ("grpc.keepalive_timeout_ms", 5000),
                   ("grpc.keepalive_permit_without_calls", 1),
                   ("grpc.http2.max_pings_without_data", 0),
                   ("grpc.http2.min_time_between_pings_ms", 100)]
        idle = []  # how the idle wait ended; raising in the request iterator would only cancel
        with h.PingCounter(self.srv.addr) as proxy:
            client = h.Client(proxy.addr, options=options)
            try:
                def requests():
                    yield h.md()
                    # The scenario itself: a stream idle while pings go out.
                    want = proxy.pings + self.IDLE_PINGS
                    try:
                        idle.append(h.wait_until(lambda: proxy.pings >= want, h.scaled(30),
                                                 "%d pings on the idle stream" % self.IDLE_PINGS))
                    except AssertionError as e:
                        idle.append(e)
                    yield h.recruit_chunk(0, 2)

                resp = client.ingest(requests(), timeout=h.scaled(60))
                if isinstance(idle[0], AssertionError):
                    raise idle[0]
                self.assertEqual(resp.total_rows_received, 2)
                # The same connection still carries calls.
                resp = client.ingest(iter([h.md(), h.recruit_chunk(2, 1)]), timeout=h.scaled(30))
                self.assertEqual(resp.total_rows_received, 1)
            finally:
                client.close()
        self.assertNotIn("too_many_pings", self.srv.log)
        self.assertEqual(self.store.count("recruit"), 3)


class MessageLimit(ServerTest):
    server_args = ("--max-message-bytes", "65536")

    def test_bigger_message_resource_exhausted(self):
        big = h.recruit_chunk(0, 10, dim=2000)  # ~80 kB
        code, details, _ = self.client.send([h.md(dim=2000), h.recruit_chunk(100, 1, dim=2000), big])
        self.assertEqual(code, grpc.StatusCode.RESOURCE_EXHAUSTED, details)
        self.assertEqual(self.store.total_rows(), 0)
        code, details, resp = self.client.send([h.md(dim=2000), h.recruit_chunk(100, 2, dim=2000)])
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(self.store.count("recruit"), 2)


class MaxStreams(ServerTest):
    server_args = ("--max-streams", "2")

    def test_extra_stream_refused_at_once_others_proceed(self):
        held = [h.HeldStream(self.client, [h.md(file_name="held%d.csv" % i), h.recruit_chunk(10 * i, 3)],
                           [h.recruit_chunk(10 * i + 3, 2)]) for i in range(2)]
        try:
            for i in range(2):
                self.srv.wait_for_log(r"start: .*file=\"held%d.csv\"" % i)
            t0 = time.monotonic()
            code, details, _ = self.client.send([h.md(file_name="third.csv"), h.recruit_chunk(50, 1)])
            self.assertEqual(code, grpc.StatusCode.RESOURCE_EXHAUSTED, details)
            self.assertIn("max-streams", details)
            self.assertLess(time.monotonic() - t0, h.scaled(5), "refused at once")
            self.srv.wait_for_log(r"refused: .*RESOURCE_EXHAUSTED")
        finally:
            for s in held:
                s.release()
        for s in held:
            code, details, resp = s.outcome()
            self.assertEqual(code, grpc.StatusCode.OK, details)
            self.assertEqual(resp.total_rows_received, 5)
        self.assertEqual(self.store.count("recruit"), 10)
        # Slots are free again.
        code, details, _ = self.client.send([h.md(), h.recruit_chunk(60, 1)])
        self.assertEqual(code, grpc.StatusCode.OK, details)


class Cancels(ServerTest):

    def test_client_cancel_mid_stream_stores_nothing(self):
        s = h.HeldStream(self.client, [h.md(file_name="cancel.csv"), h.recruit_chunk(0, 4)])
        self.srv.wait_for_log(r"chunk 1 staged")
        s.future.cancel()
        self.end_line("CANCELLED")
        self.assertEqual(self.store.count("recruit"), 0)
        code, details, _ = self.client.send([h.md(), h.recruit_chunk(0, 1)])
        self.assertEqual(code, grpc.StatusCode.OK, "the server still serves: %s" % details)

    def test_failing_request_iterator_stores_nothing(self):
        s = h.HeldStream(self.client, [h.md(file_name="abandon.csv"), h.recruit_chunk(0, 4)])
        self.srv.wait_for_log(r"chunk 1 staged")
        s.abandon()
        code, _, _ = s.outcome()
        self.assertNotEqual(code, grpc.StatusCode.OK)
        self.end_line("CANCELLED")
        self.assertEqual(self.store.count("recruit"), 0)

    def test_deadline_mid_stream_stores_nothing(self):
        s = h.HeldStream(self.client, [h.md(file_name="slow.csv"), h.recruit_chunk(0, 4)],
                       timeout=3)
        self.srv.wait_for_log(r"chunk 1 staged")
        code, _, _ = s.outcome()
        s.release()
        self.assertEqual(code, grpc.StatusCode.DEADLINE_EXCEEDED)
        self.end_line("(DEADLINE_EXCEEDED|CANCELLED)")
        self.assertEqual(self.store.count("recruit"), 0)


class Shutdown(ServerTest):
    grace = 20

    def test_stream_in_flight_commits_within_grace(self):
        s = h.HeldStream(self.client, [h.md(file_name="late.csv"), h.recruit_chunk(0, 4)],
                       [h.recruit_chunk(4, 4)])
        self.srv.wait_for_log(r"chunk 1 staged")
        self.srv.sigterm(1)
        # New streams are refused while the old one may finish.
        late = h.Client(self.srv.addr)
        try:
            code, _, _ = late.send([h.md(), h.recruit_chunk(100, 1)], timeout=10)
            self.assertNotEqual(code, grpc.StatusCode.OK)
        finally:
            late.close()
        s.release()
        code, details, resp = s.outcome()
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(resp.total_rows_received, 8)
        self.assertEqual(self.srv.wait_exit(), 0, self.srv.log_tail())
        self.assertEqual(self.store.count("recruit"), 8)
        self.assertIn("server stopped", self.srv.log)


class ShortGrace(ServerTest):
    grace = 1

    def test_stream_open_past_grace_cancelled_and_rolled_back(self):
        s = h.HeldStream(self.client, [h.md(file_name="stuck.csv"), h.recruit_chunk(0, 4)],
                       [h.recruit_chunk(4, 4)])
        try:
            self.srv.wait_for_log(r"chunk 1 staged")
            t0 = time.monotonic()
            self.srv.sigterm(1)
            self.assertEqual(self.srv.wait_exit(), 0, self.srv.log_tail())
            self.assertLess(time.monotonic() - t0, h.scaled(15))
            code, _, _ = s.outcome()
            self.assertNotEqual(code, grpc.StatusCode.OK)
        finally:
            s.abandon()
        self.assertRegex(self.srv.log, r"grace period over: cancelling 1 open stream")
        self.assertRegex(self.srv.log, r"outcome=CANCELLED error=\"cancelled: server shutting down")
        self.assertEqual(self.store.count("recruit"), 0)
        log = [e for e in self.store.ingest_log() if e["file_name"] == "stuck.csv"]
        self.assertEqual(len(log), 1, log)
        self.assertNotEqual(log[0]["status"], "success")


class Flags(unittest.TestCase):

    def run_serve(self, *args):
        return subprocess.run([h.BIN, "serve"] + list(args), capture_output=True, text=True,
                              timeout=h.scaled(30), stdin=subprocess.DEVNULL)

    def test_help(self):
        p = self.run_serve("--help")
        self.assertEqual(p.returncode, 0)
        for flag in ("--listen", "--store", "--max-streams", "--max-message-bytes", "--grace"):
            self.assertIn(flag, p.stdout)

    def test_bad_flags_exit_2(self):
        for args in (["--bogus"], ["--max-streams", "0"], ["--max-streams", "x"], ["--grace", "-1"],
                     ["--listen", "nohostport"], ["--max-message-bytes", "12"], ["--listen"],
                     ["stray"], ["--store", "mysql://x"]):
            with self.subTest(args=args):
                p = self.run_serve(*args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertTrue(p.stderr.strip(), "a message says why")

    def test_port_in_use_exit_1(self):
        store = h.SqliteStore()
        self.addCleanup(store.destroy)
        with h.Server(store.url) as srv:
            p = self.run_serve("--listen", srv.addr, "--store", "null:")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("cannot listen", p.stderr)


if __name__ == "__main__":
    h.main()
