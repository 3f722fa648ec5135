# test_fault_matrix.py - issue 9's fault matrix: every fault at every point of a stream, per store, then the store checked row by row.
"""A stream of one file (3 chunks: 1100, 1100 and 50 rows of 8-d recruit vectors) is hit by each
FAULT at each POINT; then the table must hold either nothing of the stream or, after our client's
retry where the fault lets it retry, exactly the file's rows (every row compared, and nothing else
in the table changed); SQLite's PRAGMA integrity_check says ok, PostgreSQL has no session left in
a transaction; ingest_log tells the truth (README: success, failed, cancelled, partial); and the
server (restarted after a SIGKILL) still serves: our client sends the file again, which must leave
exactly its rows.

The cases are generated from the two lists below, test_<point>__<fault>, one class per store
(test_fault_matrix:sqlite, :postgres). A new point or fault is one line here (a fault also needs
its inject_<fault> method). Cells that cannot exist are not generated: not_generated() says why
(NOT_GENERATED lists them once the module is loaded). Cells that fail for a known reason outside
our code are expected failures: known_failure() says why. A cell's checks of the store and of the
server afterwards run in tearDown, so they count even in an expected failure.

How a point is reached:
  our client (client_sigkill, server_sigkill, db_restart): the server pauses the stream at the
    point (ES_TEST_PAUSE_FILE, core/testhook.h: the file names the point, the stream waits while
    it does; the test removes it) while `embedstream ingest` waits on it;
  h2raw (rst_stream, truncated, conn_reset): the raw client sends the messages up to the point
    and waits until the server has them (its log; a PING round trip for a message cut short);
    after half-close and during commit the server pauses as above.
Before a paused stream resumes, the test waits until the server has seen the fault (the hook logs
"peer gone" once the paused stream's call has ended), so each cell has one right outcome.
"""
import collections
import os
import re
import signal
import sqlite3
import sys
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import h2raw  # noqa: E402

DIM = h.DIM
CHUNK = 1100         # rows per message: over the server's 1024-row staging batch, so a point
ROWS = 2 * CHUNK + 50  # can fall inside a chunk; 3 chunks, the last short
LAST = 3
RETRY_ARGS = ("--backoff-min", "0.1", "--backoff-max", "0.3")

# phase: "open" (the client has not half-closed), "closed" (half-closed, not committing yet) or
# "commit" (inside the store's commit, everything written, nothing committed).
# hook: where the server pauses for our client (core/testhook.h: "POINT" or "POINT N").
# chunks/cut: what h2raw sends to get there: whole chunks, then half of the next one.
Point = collections.namedtuple("Point", "name phase hook chunks cut")
POINTS = [
    Point("after_metadata", "open", "metadata", 0, False),
    Point("mid_chunk", "open", "rows 2", 1, True),  # client: 1024 of chunk 2's rows staged
    Point("between_chunks", "open", "chunk 1", 1, False),
    Point("before_half_close", "open", "chunk %d" % LAST, LAST, False),
    Point("after_half_close", "closed", "half-closed", LAST, False),
    Point("during_commit", "commit", "commit", LAST, False),
]

# Streamed by our client (embedstream ingest): client_sigkill, server_sigkill, db_restart; by
# h2raw: rst_stream, truncated, conn_reset. doc is the test's description.
Fault = collections.namedtuple("Fault", "name doc")
FAULTS = [
    Fault("client_sigkill", "our client killed (SIGKILL)"),
    Fault("server_sigkill", "the server killed (SIGKILL), restarted on the same store and port"),
    Fault("rst_stream", "RST_STREAM (CANCEL) from the client"),
    Fault("truncated", "END_STREAM after a message cut short"),
    Fault("conn_reset", "the connection reset (SO_LINGER 0, no GOAWAY)"),
    Fault("db_restart", "PostgreSQL: stop -m immediate, then start; SQLite: another process "
                        "holds the write lock, then lets go"),
]


def not_generated(point, fault, store):
    """Why a cell cannot exist (it is then not generated), or None."""
    if fault.name == "truncated" and point.phase != "open":
        return "the client has half-closed: no message can follow on the stream"
    if fault.name == "db_restart" and store == "sqlite" and point.phase == "commit":
        return ("SQLite runs inside the server, which holds the write lock while it commits: "
                "it stops only with the server (server_sigkill)")
    return None


def known_failure(point, fault, store):
    """Why a cell fails today (it is then an expected failure), or None."""
    if fault.name == "truncated":
        # gRPC core 1.51 (chttp2_transport.cc, grpc_chttp2_maybe_complete_recv_message): a
        # message still incomplete when END_STREAM arrives is dropped (Pending while read_closed
        # -> frame_storage reset) with no error, and nothing in the public C API reveals it, so
        # the server sees a clean half-close and commits the messages before it.
        return "gRPC core drops a message cut short by END_STREAM silently (grpc/grpc#5268)"
    return None


# ---------------------------------------------------------------- the matrix

class FaultMatrix:
    """One store and one server for the whole class; each cell streams a file of its own keys."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = h.tempdir("es-faults-")
        cls.pause_file = os.path.join(cls.dir, "pause")
        cls.srv = None
        cls.addClassCleanup(cls.stop_server)
        if isinstance(cls.store, h.PostgresStore):
            # The test cluster runs with synchronous_commit off, which an immediate stop may
            # undo (commits not yet in the WAL): db_restart must not lose earlier cells' rows.
            cls.store.pg.psql("postgres", "ALTER SYSTEM SET synchronous_commit = on")
            cls.store.pg.psql("postgres", "SELECT pg_reload_conf()")
        cls.start_server(None)
        if not re.search(r"ES_TEST_PAUSE_FILE is set", cls.srv.log):
            raise unittest.SkipTest("the server was built without its test hook (a Release build "
                                    "or -DES_TEST_HOOKS=OFF): no point of a stream can be held")
        # Rows in the table before the first cell: streams then look their keys up, as in use.
        seed = os.path.join(cls.dir, "seed.csv")
        h.write_domain_file("recruit", seed, 100, dim=DIM, seed=1)
        res = h.run_ingest("recruit", seed, cls.srv.addr, dim=DIM)
        if res.code != 0:
            raise AssertionError("the seed file did not ingest: %r" % (res,))
        cls.expected = cls.store.rows("recruit")  # what the table holds after the cells so far

    @classmethod
    def stop_server(cls):
        if cls.srv is not None:
            cls.srv.__exit__(None, None, None)  # SIGTERM; a clean exit, no sanitizer report
            cls.srv = None

    @classmethod
    def start_server(cls, port):
        env = dict(os.environ, ES_LOG_LEVEL="debug", ES_TEST_PAUSE_FILE=cls.pause_file)
        listen = "127.0.0.1:%d" % port if port else "127.0.0.1:0"
        cls.srv = h.Server(cls.store.url, listen=listen, grace=5, env=env).__enter__()

    # ------------------------------------------------------------ per cell

    def setUp(self):
        super().setUp()
        self.cell = self._testMethodName[len("test_"):]
        self.fname = self.cell + ".csv"
        self.path = os.path.join(self.dir, self.fname)
        h.write_domain_file("recruit", self.path, ROWS, dim=DIM, seed=zlib.crc32(self.cell.encode()))
        self.file_rows = h.expected_store("recruit", self.path)
        self.assertEqual(len(self.file_rows), ROWS)
        self.disarm()
        self.offset = len(self.srv.log)
        self.procs = []

    def tearDown(self):
        """After every cell, even one that failed (and outside expectedFailure): the store is
        sound and the server serves the file whole."""
        try:
            self.disarm()
            for p in self.procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            self.restore()
            self.assert_store_sound()
            res = self.ingest(retries=3)
            self.assertEqual(res.code, 0, res)
            self.assertEqual(res.out["rows_stored"], ROWS, res.out)
            want = dict(self.expected)
            want.update(self.file_rows)
            self.assert_table(want)
            self.assertEqual(self.log_entries()[-1]["status"], "success")
        finally:
            type(self).expected = self.store.rows("recruit")
            super().tearDown()

    def restore(self):
        """Whatever a failed cell left down comes back up: the database, then the server."""
        if isinstance(self.store, h.PostgresStore) and not self.store.pg.started:
            self.store.pg.start()
        if not self.srv.running():
            self.srv.kill()
            type(self).start_server(self.srv.port)

    # ------------------------------------------------------------ the pause hook

    def arm(self, hook):
        with open(self.pause_file + ".tmp", "w") as f:
            f.write(hook + "\n")
        os.replace(self.pause_file + ".tmp", self.pause_file)

    def disarm(self):
        try:
            os.unlink(self.pause_file)
        except FileNotFoundError:
            pass

    def wait_paused(self, hook):
        self.srv.wait_for_log(r"test hook: paused at %s\b" % re.escape(hook), start=self.offset)

    # ------------------------------------------------------------ what the server says

    def stream_id(self):
        m = self.srv.wait_for_log(r'stream (\d+) start: [^\n]*file="%s"' % re.escape(self.fname),
                                  start=self.offset)
        return m.group(1)

    def end_line(self, sid):
        """(outcome, rest of the line) of stream sid's end line."""
        m = self.srv.wait_for_log(r"stream %s end: [^\n]* outcome=(\S+)([^\n]*)" % sid, start=self.offset)
        return m.group(1), m.group(2)

    def wait_staged(self, sid, chunk):
        self.srv.wait_for_log(r"stream %s: chunk %d staged" % (sid, chunk), start=self.offset)

    def wait_gone(self, hook):
        """Until the paused stream's call has ended: the server saw the fault (core/testhook.h)."""
        self.srv.wait_for_log(r"test hook: peer gone at %s\b" % re.escape(hook), start=self.offset)

    # ------------------------------------------------------------ the store

    def log_entries(self):
        return [e for e in self.store.ingest_log() if e["file_name"] == self.fname]

    def assert_table(self, want):
        got = self.store.rows("recruit")
        missing = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        self.assertTrue(not missing and not extra, "%d rows missing, %d unexpected (e.g. %s)"
                         % (len(missing), len(extra), (missing + extra)[:3]))
        for key, row in want.items():
            self.assertEqual(got[key], row, "row %s differs" % key)

    def assert_store_sound(self):
        if isinstance(self.store, h.SqliteStore):
            con = sqlite3.connect(self.store.path, timeout=30)
            try:
                self.assertEqual(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
            finally:
                con.close()
        else:
            # Streams over, the server's sessions are idle: none left inside a transaction or
            # a COPY (a dead server's among them).
            q = ("SELECT count(*) FROM pg_stat_activity WHERE datname = '%s' AND backend_type = "
                 "'client backend' AND pid <> pg_backend_pid() AND state <> 'idle'" % self.store.db)
            h.wait_until(lambda: self.store.pg.scalar(self.store.db, q) == "0", h.scaled(10),
                         "no session left in a transaction")

    def assert_nothing_stored(self, statuses):
        """None of the stream's rows, the rest of the table unchanged; ingest_log's entries for
        the stream (none when the server or the database died with it) have these statuses."""
        self.assert_table(self.expected)
        log = self.log_entries()
        self.assertTrue(all(e["status"] in statuses for e in log), log)
        return log

    def assert_all_stored(self, statuses):
        """Exactly the file's rows added; ingest_log's entries for the file have these statuses,
        the last one for all the rows."""
        want = dict(self.expected)
        want.update(self.file_rows)
        self.assert_table(want)
        log = self.log_entries()
        self.assertTrue(log, "no ingest_log entry")
        self.assertEqual([e["status"] for e in log][-1:], statuses[-1:], log)
        self.assertTrue(all(e["status"] in statuses for e in log), log)
        self.assertEqual(log[-1]["rows"], ROWS, log[-1])
        return log

    # ------------------------------------------------------------ drivers

    def ingest(self, retries):
        return h.run_ingest("recruit", self.path, self.srv.addr, dim=DIM, chunk_size=CHUNK,
                            retries=retries, timeout=int(h.scaled(60)), args=RETRY_ARGS)

    def start_client(self, retries):
        p = h.start_ingest("recruit", self.path, self.srv.addr, dim=DIM, chunk_size=CHUNK,
                           retries=retries, timeout=int(h.scaled(60)), args=RETRY_ARGS)
        self.procs.append(p)
        return p

    def client_at(self, point, retries):
        """Our client streaming the file, the server paused at point."""
        self.arm(point.hook)
        p = self.start_client(retries)
        self.wait_paused(point.hook)
        return p

    def messages(self):
        """The file as h2raw sends it: metadata, then chunks of CHUNK rows (serialized)."""
        p = h.pb2()
        rows = h.read_file_rows("recruit", self.path, lower_keys=False)
        out = [h.md(dim=DIM, file_name=self.fname).SerializeToString()]
        for i in range(0, len(rows), CHUNK):
            rr = [p.RecruitRow(id=r["id"], company_name=r["company_name"], exp_years=r["exp_years"],
                               english_level=r["english_level"], primary_keyword=r["primary_keyword"],
                               vector=h.vector_floats(r["vector"])) for r in rows[i:i + CHUNK]]
            out.append(p.IngestDataRequest(recruit_chunk=p.RecruitRowChunk(rows=rr)).SerializeToString())
        self.assertEqual(len(out), 1 + LAST)
        return out

    def raw_at(self, point):
        """An h2raw call that reached point; returns (conn, stream id, server's stream id)."""
        msgs = self.messages()
        c = h2raw.H2Conn(self.srv.host, self.srv.port)
        self.addCleanup(c.abort)
        if point.phase != "open":
            self.arm(point.hook)
        sid = c.start_call(h.METHOD)
        c.send_message(sid, msgs[0])
        for m in msgs[1:1 + point.chunks]:
            c.send_message(sid, m)
        if point.phase != "open":
            c.end_stream(sid)
            self.wait_paused(point.hook)
            return c, sid, self.stream_id()
        ssid = self.stream_id()
        if point.chunks:
            self.wait_staged(ssid, point.chunks)
        if point.cut:
            half = h2raw.grpc_frame(msgs[1 + point.chunks])
            c.send_data(sid, half[:len(half) // 2])
            self.assertTrue(c.ping(h.scaled(10)), "no PING ACK")
        return c, sid, ssid

    def client_fault_outcome(self, point, sid):
        """The stream lost its client at point: rolled back (cancelled), unless the commit was
        already under way (then committed and logged partial: the response went nowhere)."""
        outcome, rest = self.end_line(sid)
        if point.phase == "commit":
            self.assertEqual(outcome, "success", rest)
            self.assert_all_stored(["partial"])
        else:
            self.assertEqual(outcome, "CANCELLED", rest)
            log = self.assert_nothing_stored(("cancelled",))
            self.assertEqual(len(log), 1, log)

    # ------------------------------------------------------------ faults

    def inject_client_sigkill(self, point):
        p = self.client_at(point, retries=1)
        sid = self.stream_id()
        p.send_signal(signal.SIGKILL)
        p.wait()
        self.wait_gone(point.hook)
        self.disarm()
        self.client_fault_outcome(point, sid)

    def inject_server_sigkill(self, point):
        p = self.client_at(point, retries=50)
        port = self.srv.port
        self.srv.kill()
        self.disarm()
        self.assert_store_sound()
        self.assert_nothing_stored(())  # the dead server wrote no entry for the stream
        type(self).start_server(port)
        self.offset = 0
        res = h.finish_ingest(p)
        self.assertEqual(res.code, 0, res)
        self.assertEqual(res.out["rows_stored"], ROWS, res.out)
        self.assertEqual(len(self.assert_all_stored(["success"])), 1)

    def inject_rst_stream(self, point):
        c, sid, ssid = self.raw_at(point)
        c.reset(sid, h2raw.ErrorCodes.CANCEL)
        if point.phase != "open":  # the stream is paused: it goes on once the server saw the fault
            self.wait_gone(point.hook)
        self.disarm()
        self.client_fault_outcome(point, ssid)

    def inject_conn_reset(self, point):
        c, sid, ssid = self.raw_at(point)
        c.abort()
        if point.phase != "open":
            self.wait_gone(point.hook)
        self.disarm()
        self.client_fault_outcome(point, ssid)

    def inject_truncated(self, point):
        c, sid, ssid = self.raw_at(point)
        if point.cut:
            c.end_stream(sid)  # the message under way stays cut short
        else:  # between messages: the next one's 5-byte prefix, cut
            c.send_data(sid, h2raw.grpc_frame(b"\x12" * 100)[:3], end_stream=True)
        res = c.wait_result(sid, h.scaled(10))
        outcome, rest = self.end_line(ssid)
        self.assertNotEqual(res.status, 0, "a stream whose last message was cut short got OK: %r" % res)
        self.assertNotEqual(outcome, "success", rest)
        log = self.assert_nothing_stored(("failed", "cancelled"))
        self.assertEqual(len(log), 1, log)

    def inject_db_restart(self, point):
        if isinstance(self.store, h.SqliteStore):
            return self.sqlite_locked(point)
        pg = self.store.pg
        p = self.client_at(point, retries=60)
        sid = self.stream_id()
        pg.stop("immediate")
        self.disarm()
        outcome, rest = self.end_line(sid)
        self.assertEqual(outcome, "UNAVAILABLE", rest)  # retryable: the client tries again
        p.send_signal(signal.SIGSTOP)  # so that the store is seen before its retry lands
        try:
            pg.start()
            self.assert_nothing_stored(("failed", "cancelled"))
        finally:
            p.send_signal(signal.SIGCONT)
        res = h.finish_ingest(p)
        self.assertEqual(res.code, 0, res)
        self.assertEqual(res.out["rows_stored"], ROWS, res.out)
        self.assert_all_stored(["failed", "cancelled", "success"])

    def sqlite_locked(self, point):
        """SQLite has no server to stop; another process holding the write lock is what makes
        it refuse writes for a while. The stream's commit waits for the lock, then lands whole."""
        p = self.client_at(point, retries=1)
        sid = self.stream_id()
        con = sqlite3.connect(self.store.path, timeout=30, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            self.disarm()
            self.srv.wait_for_log(r"stream %s: committing" % sid, start=self.offset)
            self.assertNotRegex(self.srv.log[self.offset:], r"stream %s end:" % sid,
                                "the commit did not wait for the lock")
            self.assert_nothing_stored(())
        finally:
            con.execute("ROLLBACK")
            con.close()
        res = h.finish_ingest(p)
        self.assertEqual(res.code, 0, res)
        self.assertEqual(len(self.assert_all_stored(["success"])), 1)


def _cell(point, fault):
    def test(self):
        getattr(self, "inject_" + fault.name)(point)
    test.__name__ = "test_%s__%s" % (point.name, fault.name)
    test.__doc__ = "%s: %s" % (point.name, fault.doc)
    return test


NOT_GENERATED = {}  # (store, test name) -> why there is no such cell


def _generate(store):
    """The matrix's test methods for one store."""
    tests = {}
    for point in POINTS:
        for fault in FAULTS:
            name = "test_%s__%s" % (point.name, fault.name)
            why = not_generated(point, fault, store)
            if why:
                NOT_GENERATED[(store, name)] = why
                continue
            test = _cell(point, fault)
            if known_failure(point, fault, store):
                test = unittest.expectedFailure(test)
            tests[name] = test
    return tests


h.store_test_classes(FaultMatrix, globals(), shared_store=True, attrs=_generate)

if __name__ == "__main__":
    h.main()
