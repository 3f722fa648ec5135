# test_integrity_server.py - issue 9, server side: a stream is stored whole or not at all, and exactly as sent.
"""Regression tests for what issue 9 found on the server, each run against every store backend
(SQLite, and PostgreSQL when Debian's PostgreSQL 15 is installed):

  found 2  a stream the transport aborts (RST_STREAM, connection reset or closed, a message cut
           short, a message over the limit, a deadline) is rolled back and ingest_log says
           `cancelled`/`failed` with the reason; `partial` only for a committed stream whose
           response could not be delivered;
  found 3/4 strings: UTF-8 without NUL, stored and echoed exactly as sent;
  found 5  idle streams (--idle-timeout);  compression bombs (inflated within the limit);
  found 8  is in test_integrity_memory.py (it cannot run under ASan);
  CI       an idle stream's status went out before its ingest_log row was written.

Faults are injected with tests/integration/h2raw.py, a raw HTTP/2 client that writes the gRPC
framing by hand.
"""
import os
import sys
import threading
import time
import unittest
import zlib

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import h2raw  # noqa: E402

import test_server as ts  # noqa: E402  (its debug_env; its tests do not run here)

METHOD = h.METHOD
DIM = h.DIM
md = h.md
wire = h.serialize


def pb2():
    return h.protos()[0]


uuid = h.uuid_key


def recruit_chunk(start, n, dim=DIM, **fields):
    """h.recruit_chunk with some fields of every row replaced."""
    m = h.recruit_chunk(start, n, dim)
    for row in m.recruit_chunk.rows:
        for k, v in fields.items():
            setattr(row, k, v)
    return m


def debug_env(**extra):
    env = ts.debug_env()  # a line per staged chunk and before each commit
    env.update(extra)
    return env


class ServerCase:
    """Mixin: a fresh store (StoreTestMixin) and a server on it, per test."""

    server_args = ()

    def setUp(self):
        super().setUp()
        self.srv = h.Server(self.store.url, args=self.server_args, grace=5,
                            env=debug_env()).__enter__()
        self.addCleanup(self.srv.__exit__, None, None, None)
        self.channel = grpc.insecure_channel(self.srv.addr)
        self.addCleanup(self.channel.close)
        self.ingest = self.channel.stream_unary(
            METHOD, request_serializer=wire,
            response_deserializer=pb2().IngestDataResponse.FromString)

    def send(self, messages, timeout=30, **kw):
        """(StatusCode, details, response or None) of a whole stream through grpcio."""
        try:
            resp = self.ingest(iter(list(messages)), timeout=h.scaled(timeout), **kw)
            return grpc.StatusCode.OK, "", resp
        except grpc.RpcError as e:
            return e.code(), e.details() or "", None

    def raw(self):
        c = h2raw.H2Conn(self.srv.host, self.srv.port)
        self.addCleanup(c.abort)
        return c

    def end_line(self, stream_id):
        """The server's end line for stream N (the outcome and the rest of the line)."""
        m = self.srv.wait_for_log(r"stream %d end: .* outcome=(\S+)(.*)" % stream_id)
        return m.group(1), m.group(2)

    def last_log(self):
        log = self.store.ingest_log()
        self.assertTrue(log, "no ingest_log entry")
        return log[-1]

    def assert_rolled_back(self, stream_id, statuses=("cancelled", "failed"), words=()):
        """Stream N ended without storing anything, and ingest_log says why."""
        outcome, rest = self.end_line(stream_id)
        self.assertNotEqual(outcome, "success", rest)
        self.assertEqual(self.store.count("recruit"), 0, "rows of an aborted stream were stored")
        entry = self.last_log()
        self.assertIn(entry["status"], statuses, entry)
        self.assertTrue(entry["message"], entry)
        for w in words:
            self.assertIn(w.lower(), entry["message"].lower(), entry)
        return entry

    def assert_still_serves(self, start=1000):
        code, details, resp = self.send([md(file_name="after.csv"), recruit_chunk(start, 2)])
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(resp.total_rows_received, 2)

    def open_to_chunk(self, file_name="integrity.csv", stream_id=1, **call):
        """A raw call that sent metadata and one valid chunk the server has staged."""
        c = self.raw()
        sid = c.start_call(METHOD, **call)
        c.send_message(sid, wire(md(file_name=file_name)))
        c.send_message(sid, wire(recruit_chunk(0, 3)))
        self.srv.wait_for_log(r"stream %d: chunk 1 staged" % stream_id)
        return c, sid


class TransportAborts(ServerCase):
    """Found 2: nothing of a stream is stored unless the client half-closed after whole messages."""

    server_args = ("--max-message-bytes", "65536")

    def test_found2_rst_stream_after_chunk_not_committed(self):
        c, sid = self.open_to_chunk()
        c.reset(sid, h2raw.ErrorCodes.CANCEL)
        self.assert_rolled_back(1, ("cancelled",))
        self.assert_still_serves()

    def test_found2_connection_reset_after_chunk_not_committed(self):
        c, _ = self.open_to_chunk()
        c.abort()
        self.assert_rolled_back(1, ("cancelled",))
        self.assert_still_serves()

    def test_found2_connection_closed_without_half_close_not_committed(self):
        c, _ = self.open_to_chunk()
        c.close()  # GOAWAY and FIN: the stream never got END_STREAM
        self.assert_rolled_back(1, ("cancelled",))
        self.assert_still_serves()

    def test_found2_message_cut_short_then_reset_not_committed(self):
        c, sid = self.open_to_chunk()
        c.send_prefix_only(sid, 4000, wire(recruit_chunk(3, 3))[:100])
        c.pump(0.2)
        c.abort()
        self.assert_rolled_back(1, ("cancelled",))
        self.assert_still_serves()

    # gRPC core 1.51 (and its master today) drops a partial message silently when END_STREAM
    # arrives (chttp2_transport.cc, grpc_chttp2_maybe_complete_recv_message: Pending while
    # read_closed -> frame_storage reset, no message, no error; upstream grpc/grpc#5268, open).
    # The server application receives exactly what a clean half-close gives it, before and after
    # its status, so it cannot tell. Kept as the regression test for when gRPC reports it.
    @unittest.expectedFailure
    def test_found2_message_cut_short_then_end_stream_not_committed(self):
        c, sid = self.open_to_chunk()
        c.send_prefix_only(sid, 4000, wire(recruit_chunk(3, 3))[:100], end_stream=True)
        res = c.wait_result(sid, h.scaled(10))
        self.assertNotEqual(res.status, 0, "a stream whose last message was cut short got OK")
        self.assert_rolled_back(1)
        self.assert_still_serves()


    def test_found2_message_over_limit_not_committed(self):
        c, sid = self.open_to_chunk()
        c.send_message(sid, b"\x12" * 70000)
        res = c.wait_result(sid, h.scaled(10))
        self.assertEqual(res.status, grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], res)
        self.assert_rolled_back(1)
        self.assert_still_serves()

    def test_found2_deadline_not_committed(self):
        c, sid = self.open_to_chunk(timeout_s=h.scaled(1.5))
        res = c.wait_result(sid, h.scaled(10))
        self.assertEqual(res.status, grpc.StatusCode.DEADLINE_EXCEEDED.value[0], res)
        self.assert_rolled_back(1, ("cancelled",), ("deadline",))
        self.assert_still_serves()

    def test_found2_grpcio_cancel_recorded_cancelled(self):
        go = threading.Event()

        def requests():
            yield md()
            yield recruit_chunk(0, 3)
            go.wait(h.scaled(30))

        fut = self.ingest.future(requests(), timeout=h.scaled(30))
        self.srv.wait_for_log(r"stream 1: chunk 1 staged")
        fut.cancel()
        go.set()
        self.assert_rolled_back(1, ("cancelled",))


class FlowControl(ServerCase):
    """Found 2 with the default message limit: a burst past the window, within the limit.
    Whether a burst overflows depends on how far the server's window grew while it arrived;
    when it did not, the idle timeout ends that stream and the burst is tried again."""

    server_args = ("--idle-timeout", "2")
    TRIES = 5

    def burst(self):
        """Stream k that sent metadata, a chunk and then one 3 MB message (under the 16 MiB
        limit) at once, past the window the server opened: the server resets the stream
        (PROTOCOL_ERROR) and must not commit the chunk."""
        for k in range(1, self.TRIES + 1):
            c, sid = self.open_to_chunk(file_name="burst-%d.csv" % k, stream_id=k)
            c.send_data_unchecked(sid, h2raw.grpc_frame(wire(recruit_chunk(3, 1)) * 50000)[:3000000])
            # Nothing is read until the server is done with the stream: h2 would answer the
            # server's frames on a stream it reset with RST_STREAM, which the server may or may
            # not see in time.
            _, rest = self.end_line(k)
            c.abort()
            if "idle" not in rest:
                return k
        self.fail("%d bursts all fit the server's window: no overflow to test" % self.TRIES)

    # gRPC core 1.51 handles a DATA frame past the window as a stream error that closes only the
    # read side (parsing.cc, init_data_frame_parser: grpc_chttp2_mark_stream_closed(t, s, true,
    # false, err) plus RST_STREAM to the peer): RECV_MESSAGE ends with no message and no error,
    # sending still works, and the error reaches RECV_CLOSE_ON_SERVER only after the server has
    # sent its status. The server commits; ingest_log then says `partial` (the client never got
    # the response). Kept as the regression test for when gRPC reports the read error earlier.
    @unittest.expectedFailure
    def test_found2_burst_past_flow_control_window_not_committed(self):
        k = self.burst()
        self.assert_rolled_back(k)
        self.assert_still_serves()

    def test_found2_burst_past_flow_control_window_never_logged_success(self):
        self.burst()
        entry = self.last_log()
        self.assertTrue(entry["file_name"].startswith("burst-"), entry)
        self.assertIn(entry["status"], ("partial", "cancelled", "failed"), entry)
        self.assert_still_serves()


def meta_bytes(domain=b"recruit", file_name=b"strings.csv", dim=DIM):
    """An IngestDataRequest with metadata, by hand: protobuf runtimes refuse to encode non-UTF-8."""
    inner = ts.field(1, 2, domain) + ts.field(2, 2, file_name) + ts.varint(3 << 3) + ts.varint(dim)
    return ts.field(1, 2, inner)


class Strings(ServerCase):
    """Found 3 and 4: every string is UTF-8 without NUL, or the stream is refused naming the
    field; nothing is cut at a NUL, and what is stored and echoed is what was sent."""

    def assert_refused(self, messages, *words):
        code, details, _ = self.send(messages)
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT, details)
        for w in words:
            self.assertIn(w, details)
        self.assertEqual(self.store.count("recruit") + self.store.count("candidate"), 0)
        return details

    def test_found4_nul_in_company_name_refused(self):
        bad = recruit_chunk(10, 3)
        bad.recruit_chunk.rows[1].company_name = "Ac\x00me"
        self.assert_refused([md(), recruit_chunk(0, 2), bad], "chunk 2, row 1: field 'company_name'",
                            "NUL")
        self.assertEqual(self.last_log()["status"], "failed")

    def test_found4_nul_in_a_row_of_a_message_decoded_whole(self):
        """An unknown field before the rows sends the message down protobuf-c's whole path."""
        bad = recruit_chunk(0, 3)
        bad.recruit_chunk.rows[2].primary_keyword = "C\x00"
        body = ts.field(9, 0, ts.varint(1)) + bad.recruit_chunk.SerializeToString()
        self.assert_refused([md(), ts.chunk_request(body)],
                            "chunk 1, row 2: field 'primary_keyword'", "NUL")

    def test_found4_nul_in_domain_refused(self):
        self.assert_refused([md(domain="recruit\x00x"), recruit_chunk(0, 1)],
                            "metadata field 'domain'", "NUL")

    def test_found4_nul_in_file_name_refused(self):
        self.assert_refused([md(file_name="a\x00b"), recruit_chunk(0, 1)],
                            "metadata field 'file_name'", "NUL")

    def test_found3_file_name_not_utf8_refused(self):
        self.assert_refused([meta_bytes(file_name=b"r\xe9sum\xe9.csv"), recruit_chunk(0, 1)],
                            "metadata field 'file_name'", "not valid UTF-8")
        self.assert_still_serves()

    def test_skills_item_not_utf8_refused(self):
        p = pb2()
        row = p.CandidateRow(candidate_id=uuid(1), position_category="dev", experience_years=1,
                             original_resume="r", skills=["go", "rust"], vector=[0.5] * DIM)
        raw = row.SerializeToString() + ts.field(5, 2, b"c\xe2\x82")
        body = ts.field(1, 2, raw)
        req = ts.field(p.IngestDataRequest.DESCRIPTOR.fields_by_name["candidate_chunk"].number, 2, body)
        self.assert_refused([md(domain="candidate"), req], "chunk 1, row 0: field 'skills': item 2",
                            "not valid UTF-8")

    def test_found3_text_stored_and_echoed_exactly(self):
        name = "이력서 \u00e9t\u00e9 \U0001f600 \"q\", ,;\t" + "\u00e9" * 150 + ".csv"  # > 200 bytes
        company = "Acme \u00e9 \U0001f600 \u4e2d\u6587 \"quoted\"\r\nnext"
        code, details, resp = self.send([md(file_name=name), recruit_chunk(0, 2, company_name=company)])
        self.assertEqual(code, grpc.StatusCode.OK, details)  # the response deserialized: UTF-8
        self.assertIn(name[:40], resp.message)
        self.assertTrue(resp.message.encode("utf-8"))
        self.assertEqual({r["company_name"] for r in self.store.rows("recruit").values()}, {company})
        self.assertEqual(self.last_log()["file_name"], name)

    def test_short_file_name_echoed_whole(self):
        code, details, resp = self.send([md(file_name="\u00e9t\u00e9.csv"), recruit_chunk(0, 1)])
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertIn("from \u00e9t\u00e9.csv (recruit", resp.message)


_bombs = {}


def gzip_bomb(size=256 << 20, wbits=31):
    """size bytes of zeros, gzip (wbits 31) or zlib (15) compressed: about 260 KB for 256 MiB."""
    if (size, wbits) not in _bombs:
        c = zlib.compressobj(9, zlib.DEFLATED, wbits)
        block = b"\0" * (1 << 20)
        parts = [c.compress(block) for _ in range(size >> 20)]
        _bombs[(size, wbits)] = b"".join(parts) + c.flush()
    return _bombs[(size, wbits)]


def proc_mib(pid, key):
    """A memory figure of /proc/PID/status (VmRSS now, VmHWM the peak), MiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    raise AssertionError("no %s for pid %d" % (key, pid))


def peak_rss_mib(pid):
    return proc_mib(pid, "VmHWM")


def rss_mib(pid):
    return proc_mib(pid, "VmRSS")


class Compression(ServerCase):
    """A compressed message is inflated within --max-message-bytes; a bomb is refused before it
    is inflated (gRPC core 1.51 would inflate it whole first), and compressed streams from
    grpcio clients still work."""

    def compressed_call(self, payload, encoding="gzip", file_name="bomb.csv"):
        c = self.raw()
        sid = c.start_call(METHOD, encoding=encoding)
        c.send_message(sid, wire(md(file_name=file_name)))
        c.send_message(sid, payload, compressed=True, end_stream=True)
        return c, sid

    def test_sixteen_gzip_bombs_refused_without_inflating(self):
        bomb = gzip_bomb()
        self.assertLess(len(bomb), 300000)
        self.assert_still_serves(start=500)  # warm: the store open, a stream's buffers used once
        before = peak_rss_mib(self.srv.proc.pid)
        results = [None] * 16

        def one(i):
            with h2raw.H2Conn(self.srv.host, self.srv.port) as c:
                sid = c.start_call(METHOD, encoding="gzip")
                c.send_message(sid, wire(md(file_name="bomb-%d.csv" % i)))
                c.send_message(sid, bomb, compressed=True, end_stream=True)
                results[i] = c.wait_result(sid, h.scaled(60))
        threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(h.scaled(120))
        for r in results:
            self.assertIsNotNone(r)
            self.assertEqual(r.status, grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], r)
            self.assertIn("inflates past --max-message-bytes", r.message)
        if not h.SANITIZE:  # ASan keeps freed memory in quarantine: no RSS figure to judge
            grown = peak_rss_mib(self.srv.proc.pid) - before
            self.assertLess(grown, 64, "16 bombs raised the server's peak RSS by %.0f MiB" % grown)
        bombs = [e for e in self.store.ingest_log() if e["file_name"].startswith("bomb-")]
        self.assertEqual(len(bombs), 16)
        self.assertTrue(all(e["status"] == "failed" for e in bombs), bombs)
        self.assertEqual(self.store.count("recruit"), 2)
        self.assert_still_serves()

    def test_deflate_bomb_refused(self):
        c, sid = self.compressed_call(gzip_bomb(64 << 20, wbits=15), encoding="deflate")
        res = c.wait_result(sid, h.scaled(30))
        self.assertEqual(res.status, grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], res)
        self.assertIn("deflate message inflates past", res.message)

    def test_grpcio_gzip_and_deflate_streams_work(self):
        for i, algo in enumerate((grpc.Compression.Gzip, grpc.Compression.Deflate)):
            code, details, resp = self.send([md(file_name="z%d.csv" % i), recruit_chunk(100 * i, 50),
                                             recruit_chunk(100 * i + 50, 50)], compression=algo)
            self.assertEqual(code, grpc.StatusCode.OK, details)
            self.assertEqual(resp.total_rows_received, 100)
        self.assertEqual(self.store.count("recruit"), 200)
        self.assertIn("inflated from", self.srv.log, "the messages did not arrive compressed")
        stored = self.store.rows("recruit")
        self.assertEqual(stored[uuid(157)]["company_name"], "company 157")

    def test_corrupt_compressed_message_refused(self):
        c0 = zlib.compressobj(9, zlib.DEFLATED, 31)
        gz = c0.compress(wire(recruit_chunk(0, 3))) + c0.flush()
        cases = {"flipped.csv": gz[:20] + bytes([gz[20] ^ 0xff]) + gz[21:],
                 "cut.csv": gz[:len(gz) // 2],
                 "trailing.csv": gz + b"junk"}
        for name, payload in cases.items():
            c, sid = self.compressed_call(payload, file_name=name)
            res = c.wait_result(sid, h.scaled(10))
            self.assertEqual(res.status, grpc.StatusCode.INVALID_ARGUMENT.value[0], (name, res))
            self.assertIn("gzip message", res.message)
        self.assertEqual(self.store.count("recruit"), 0)
        log = {e["file_name"]: e["status"] for e in self.store.ingest_log()}
        self.assertEqual(log, {n: "failed" for n in cases})


class IdleStreams(ServerCase):
    """Found 5: --idle-timeout ends a stream that sends no complete message, and frees its slot."""

    server_args = ("--max-streams", "16", "--idle-timeout", "1")

    def stall(self, n, prefix=False):
        """n raw calls that send metadata (and, with prefix, the start of a message), then nothing."""
        calls = []
        for i in range(n):
            c = self.raw()
            sid = c.start_call(METHOD)
            c.send_message(sid, wire(md(file_name="stalled-%d.csv" % i)))
            if prefix:
                c.send_prefix_only(sid, 4000, wire(recruit_chunk(10 * i, 1))[:50])
            calls.append((c, sid))
        return calls

    def test_found5_stalled_clients_do_not_lock_others_out(self):
        calls = self.stall(16)
        h.wait_until(lambda: self.srv.log.count(" start: ") >= 16, h.scaled(10), "16 streams to start")
        t0 = time.monotonic()
        code, details, _ = self.send([md(), recruit_chunk(0, 1)])
        self.assertEqual(code, grpc.StatusCode.RESOURCE_EXHAUSTED, "the 16 stalled streams hold every slot")

        def admitted():
            code, details, resp = self.send([md(file_name="normal.csv"), recruit_chunk(0, 2)])
            return resp if code == grpc.StatusCode.OK else None
        resp = h.wait_until(admitted, 1 + h.scaled(4), "a normal stream to be admitted", interval=0.05)
        self.assertLess(time.monotonic() - t0, 1 + h.scaled(4))
        self.assertEqual(resp.total_rows_received, 2)
        for c, sid in calls:
            res = c.wait_result(sid, h.scaled(10))
            self.assertEqual(res.status, grpc.StatusCode.DEADLINE_EXCEEDED.value[0], res)
            self.assertIn("--idle-timeout 1", res.message)
        stalled = [e for e in self.store.ingest_log() if e["file_name"].startswith("stalled-")]
        self.assertEqual(len(stalled), 16, stalled)
        for e in stalled:
            self.assertEqual(e["status"], "cancelled", e)
            self.assertIn("idle", e["message"])
        self.assertEqual(self.store.count("recruit"), 2)

    def test_ci_idle_status_only_after_its_log_row(self):
        """Found in CI: the idle status went out before the stream's ingest_log row was written,
        so a client (or a test) that read the log on DEADLINE_EXCEEDED could miss the row."""
        code, _, _ = self.send([md(file_name="first.csv"), recruit_chunk(0, 1)])
        self.assertEqual(code, grpc.StatusCode.OK)  # ingest_log exists from here on
        with self.store.log_locked():
            (c, sid), = self.stall(1)
            # --idle-timeout 1 passes in here; the row cannot be written while the lock is held
            res = c.wait_result(sid, 4.0)
            self.assertFalse(res.ended, "the status went out before the stream's log row: %r" % (res,))
        res = c.wait_result(sid, h.scaled(10))
        log = [e for e in self.store.ingest_log() if e["file_name"] == "stalled-0.csv"]
        self.assertEqual(res.status, grpc.StatusCode.DEADLINE_EXCEEDED.value[0], res)
        self.assertIn("--idle-timeout 1", res.message)
        self.assertEqual([(e["status"], "idle" in e["message"]) for e in log], [("cancelled", True)])

    def test_found5_message_prefix_then_silence_ended(self):
        (c, sid), = self.stall(1, prefix=True)
        res = c.wait_result(sid, h.scaled(10))
        self.assertEqual(res.status, grpc.StatusCode.DEADLINE_EXCEEDED.value[0], res)
        self.assertIn("no complete message for 1 s", res.message)
        self.assert_rolled_back(1, ("cancelled",), ("idle",))

    def test_steady_slow_client_is_not_idle(self):
        def requests():
            yield md(file_name="slow.csv")
            for i in range(4):
                time.sleep(0.4)  # the client's own pace, under the idle timeout
                yield recruit_chunk(10 * i, 1)
        code, details, resp = self.send(requests())
        self.assertEqual(code, grpc.StatusCode.OK, details)
        self.assertEqual(resp.total_rows_received, 4)


class IdleTimeoutOff(ServerCase):
    server_args = ("--idle-timeout", "0")

    def test_zero_never_ends_a_quiet_stream(self):
        def requests():
            yield md(file_name="quiet.csv")
            time.sleep(1.5)  # longer than the shortest timeout; 0 means none
            yield recruit_chunk(0, 1)
        code, details, resp = self.send(requests())
        self.assertEqual(code, grpc.StatusCode.OK, details)


class PartialOnlyWhenUndelivered(ServerCase):
    """`partial` means committed but the response never reached the client: the call was
    cancelled while the commit was running (the commit is held by a lock on the store)."""

    def hold_commit(self):
        """A context manager that blocks the server's next commit until it exits."""
        if isinstance(self.store, h.SqliteStore):
            return _SqliteWriteLock(self.store.path)
        return _PgLogLock(self.store)

    def test_partial_when_cancelled_during_commit(self):
        self.assert_still_serves(start=500)  # creates the tables (PostgreSQL makes them lazily)
        with self.hold_commit():
            c = self.raw()
            sid = c.start_call(METHOD)
            c.send_message(sid, wire(md(file_name="late-cancel.csv")))
            c.send_message(sid, wire(recruit_chunk(0, 3)), end_stream=True)
            self.srv.wait_for_log(r"stream 2: committing")
            c.reset(sid, h2raw.ErrorCodes.CANCEL)
            c.ping(h.scaled(10))  # the server's transport has read the RST_STREAM
        outcome, rest = self.end_line(2)
        self.assertEqual(outcome, "success", rest)
        self.assertIn("not delivered", rest)
        entry = self.last_log()
        self.assertEqual(entry["file_name"], "late-cancel.csv")
        self.assertEqual(entry["status"], "partial", entry)
        self.assertIn("not delivered", entry["message"])
        self.assertEqual(self.store.count("recruit"), 5)

    def test_success_when_delivered(self):
        self.assert_still_serves()
        entry = self.last_log()
        self.assertEqual(entry["status"], "success", entry)


class _SqliteWriteLock:
    def __init__(self, path):
        import sqlite3
        self.con = sqlite3.connect(path, timeout=30, isolation_level=None)

    def __enter__(self):
        self.con.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc):
        self.con.execute("ROLLBACK")
        self.con.close()
        return False


class _PgLogLock:
    """A psql session holding ingest_log exclusively: the commit's log insert waits on it."""

    def __init__(self, store):
        import subprocess
        import pgserver
        self.store = store
        env = dict(os.environ, PGAPPNAME="es-locker")
        self.p = subprocess.Popen([pgserver.PSQL, "-X", "-q", "-h", "127.0.0.1", "-p", str(store.pg.port),
                                   "-U", "postgres", "-d", store.db], stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, text=True)

    def _locked(self):
        return self.store.pg.scalar(
            self.store.db, "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE a.application_name = 'es-locker' AND l.granted "
            "AND l.relation = 'ingest_log'::regclass AND l.mode = 'AccessExclusiveLock'") == "1"

    def __enter__(self):
        self.p.stdin.write("BEGIN; LOCK TABLE ingest_log IN ACCESS EXCLUSIVE MODE;\n")
        self.p.stdin.flush()
        h.wait_until(self._locked, h.scaled(30), "psql to lock ingest_log")
        return self

    def __exit__(self, *exc):
        try:
            self.p.stdin.write("ROLLBACK;\n\\q\n")
            self.p.stdin.close()
            self.p.wait(h.scaled(30))
        finally:
            if self.p.poll() is None:
                self.p.kill()
                self.p.wait()
        return False


h.store_test_classes(TransportAborts, globals())
h.store_test_classes(FlowControl, globals())
h.store_test_classes(Strings, globals())
h.store_test_classes(Compression, globals())
h.store_test_classes(IdleStreams, globals())
h.store_test_classes(IdleTimeoutOff, globals())
h.store_test_classes(PartialOnlyWhenUndelivered, globals())

if __name__ == "__main__":
    h.main()
