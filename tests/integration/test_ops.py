# test_ops.py - `embedstream serve` operations: the gRPC health service and Prometheus metrics.
"""Real server processes, real gRPC and HTTP calls.

Health (grpc.health.v1.Health, stubs generated at test time from proto/health.proto): Check says
SERVING for "" and embedding.EmbeddingStreamService, NOT_FOUND for other services, and answers
while --max-streams are busy. On SIGTERM the server turns NOT_SERVING before gRPC stops taking
calls: a Watch opened earlier receives NOT_SERVING while a stream still drains, and ends with
UNAVAILABLE once the drain is over; a Check sent during the drain gets UNAVAILABLE from gRPC
itself (the listener is closed and connections got GOAWAY), never SERVING.

Metrics (--metrics-listen, GET /metrics): every counter moves by exactly what an ingest, a
rejected, a refused or a cancelled stream should add; the exposition text is well formed.
"""
import os
import re
import subprocess
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

METRICS_RX = r"metrics listening on (\S+):(\d+)"


def status_enum():
    return h.health_pb()[0].HealthCheckResponse


# ---------------------------------------------------------------- gRPC helpers

class Watcher:
    """A Watch call read on a thread: .statuses grows as messages arrive, .end is the final
    (StatusCode, details) once the call is over."""

    def __init__(self, client, service, timeout=120):
        req = h.health_pb()[0].HealthCheckRequest(service=service)
        self.call = client.health.Watch(req, timeout=h.scaled(timeout))
        self.statuses = []
        self.end = None
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            for r in self.call:
                self.statuses.append(r.status)
            self.end = (grpc.StatusCode.OK, "")
        except grpc.RpcError as e:
            self.end = (e.code(), e.details() or "")

    def wait_statuses(self, n, timeout=20):
        h.wait_until(lambda: len(self.statuses) >= n or self.end, h.scaled(timeout),
                     "%d Watch messages" % n)
        return list(self.statuses)

    def wait_end(self, timeout=30):
        self.thread.join(h.scaled(timeout))
        if self.thread.is_alive():
            raise AssertionError("the Watch call did not end")
        return self.end

    def cancel(self):
        self.call.cancel()
        self.thread.join(h.scaled(10))


# ---------------------------------------------------------------- metrics helpers

LINE_RX = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL_RX = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


class Scrape:
    """One GET /metrics, parsed: samples by (name, sorted label pairs), HELP and TYPE lines."""

    def __init__(self, base):
        with urllib.request.urlopen(base + "/metrics", timeout=h.scaled(10)) as r:
            self.status = r.status
            self.content_type = r.headers.get("Content-Type", "")
            self.text = r.read().decode("utf-8")
        self.samples, self.help, self.type = {}, {}, {}
        self.order = []
        for line in self.text.splitlines():
            if line.startswith("# HELP "):
                name, _, text = line[7:].partition(" ")
                self.help[name] = text
            elif line.startswith("# TYPE "):
                name, _, typ = line[7:].partition(" ")
                self.type[name] = typ
            elif line.strip():
                m = LINE_RX.match(line)
                if not m:
                    raise AssertionError("malformed sample line: %r" % line)
                labels = tuple(sorted(LABEL_RX.findall(m.group(2) or "")))
                key = (m.group(1), labels)
                if key in self.samples:
                    raise AssertionError("duplicate sample: %r" % line)
                self.samples[key] = float(m.group(3))
                self.order.append(key)

    def get(self, name, **labels):
        key = (name, tuple(sorted(labels.items())))
        if key not in self.samples:
            raise AssertionError("no sample %s%s in:\n%s" % (name, labels, self.text))
        return self.samples[key]

    def streams(self, outcome):
        return self.get("embedstream_streams_total", outcome=outcome)

    def buckets(self, name):
        """[(le, cumulative count)] in exposition order."""
        return [(dict(k[1])["le"], v) for k, v in self.samples.items()
                if k[0] == name + "_bucket"]

    def count(self, name):
        return self.get(name + "_count")


def metrics_base(srv):
    m = srv.wait_for_log(METRICS_RX)
    return "http://%s:%s" % (m.group(1), m.group(2))


def http_status(url, method="GET"):
    req = urllib.request.Request(url, method=method, data=b"x" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=h.scaled(10)) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read()


# ---------------------------------------------------------------- tests

class OpsTest(unittest.TestCase):
    """A server on a free port with a fresh SQLite store and a metrics endpoint on another."""

    grace = 5
    extra_args = ()

    def setUp(self):
        self.store = h.SqliteStore()
        self.addCleanup(self.store.destroy)
        args = ["--metrics-listen", "127.0.0.1:0"] + list(self.extra_args)
        self.srv = h.Server(self.store.url, args=args, grace=self.grace).__enter__()
        self.addCleanup(self.srv.__exit__, None, None, None)
        self.base = metrics_base(self.srv)
        self.client = h.Client(self.srv.addr)
        self.addCleanup(self.client.close)

    def scrape(self):
        return Scrape(self.base)



class Health(OpsTest):

    def test_check_serving_for_server_and_service(self):
        S = status_enum()
        for service in ("", h.OUR_SERVICE):
            code, status, details = self.client.check(service)
            self.assertEqual(code, grpc.StatusCode.OK, details)
            self.assertEqual(status, S.SERVING, service)

    def test_check_unknown_service_not_found(self):
        code, status, details = self.client.check("no.such.Service")
        self.assertEqual(code, grpc.StatusCode.NOT_FOUND)
        self.assertIn("no.such.Service", details)

    def test_check_undecodable_request_invalid_argument(self):
        raw = self.client.channel.unary_unary("/grpc.health.v1.Health/Check")
        with self.assertRaises(grpc.RpcError) as cm:
            raw(b"\x0a\x05ab", timeout=h.scaled(10))  # a string field cut short
        self.assertEqual(cm.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_watch_unknown_service_says_service_unknown(self):
        w = Watcher(self.client, "no.such.Service")
        try:
            self.assertEqual(w.wait_statuses(1)[:1], [status_enum().SERVICE_UNKNOWN])
        finally:
            w.cancel()

    def test_other_health_methods_unimplemented(self):
        other = self.client.channel.unary_unary("/grpc.health.v1.Health/List")
        with self.assertRaises(grpc.RpcError) as cm:
            other(b"", timeout=h.scaled(10))
        self.assertEqual(cm.exception.code(), grpc.StatusCode.UNIMPLEMENTED)

    def test_watch_cancelled_by_client_does_not_hold_shutdown(self):
        w = Watcher(self.client, "")
        self.assertEqual(w.wait_statuses(1), [status_enum().SERVING])
        w.cancel()
        self.assertEqual(w.end[0], grpc.StatusCode.CANCELLED)
        # The server still answers, and still stops promptly.
        self.assertEqual(self.client.check("")[1], status_enum().SERVING)
        t0 = time.monotonic()
        self.srv.sigterm(0)
        self.assertEqual(self.srv.wait_exit(), 0, self.srv.log_tail())
        self.assertLess(time.monotonic() - t0, h.scaled(10))


class HealthBusy(OpsTest):
    extra_args = ("--max-streams", "1")

    def test_health_answers_while_max_streams_busy(self):
        s = h.HeldStream(self.client, [h.md(), h.recruit_chunk(0, 2)], [h.recruit_chunk(2, 2)])
        try:
            self.srv.wait_for_log(r"stream 1 start")
            code, _, _ = self.client.send([h.md(), h.recruit_chunk(100, 1)])
            self.assertEqual(code, grpc.StatusCode.RESOURCE_EXHAUSTED, "the one slot is taken")
            for service in ("", h.OUR_SERVICE):
                self.assertEqual(self.client.check(service)[1], status_enum().SERVING)
            w = Watcher(self.client, h.OUR_SERVICE)
            self.assertEqual(w.wait_statuses(1), [status_enum().SERVING])
            w.cancel()
            s.release()
            self.assertEqual(s.outcome()[0], grpc.StatusCode.OK)
        finally:
            s.abandon()


class HealthShutdown(OpsTest):
    grace = 30

    def test_watch_sees_not_serving_while_a_stream_drains(self):
        S = status_enum()
        watchers = [Watcher(self.client, ""), Watcher(self.client, h.OUR_SERVICE)]
        for w in watchers:
            self.assertEqual(w.wait_statuses(1), [S.SERVING])
        self.assertEqual(self.client.check("")[1], S.SERVING)
        s = h.HeldStream(self.client, [h.md(file_name="draining.csv"), h.recruit_chunk(0, 3)],
                       [h.recruit_chunk(3, 3)])
        try:
            self.srv.wait_for_log(r"stream 1 start")
            self.srv.sigterm(1)
            for w in watchers:
                self.assertEqual(w.wait_statuses(2), [S.SERVING, S.NOT_SERVING])
            # Still draining: the stream is open, the Watch calls too.
            self.assertFalse(s.future.done(), "the held stream ended early")
            self.assertIsNone(watchers[0].end)
            # gRPC core takes no new calls once shutdown began: a Check now fails (UNAVAILABLE);
            # it never reports SERVING.
            late = h.Client(self.srv.addr)
            try:
                code, status, details = late.check("", timeout=5)
            finally:
                late.close()
            self.assertEqual(code, grpc.StatusCode.UNAVAILABLE, (status, details))
            s.release()
            code, details, resp = s.outcome()
            self.assertEqual(code, grpc.StatusCode.OK, details)
            self.assertEqual(resp.total_rows_received, 6)
        finally:
            s.abandon()
        # Once the stream is done, the Watch calls end with the server, after NOT_SERVING.
        for w in watchers:
            self.assertEqual(w.wait_end(), (grpc.StatusCode.UNAVAILABLE, "server shutting down"))
            self.assertEqual(w.statuses, [S.SERVING, S.NOT_SERVING])
        self.assertEqual(self.srv.wait_exit(), 0, self.srv.log_tail())
        self.assertEqual(self.store.count("recruit"), 6)

    def test_watch_without_streams_gets_not_serving_then_ends(self):
        S = status_enum()
        w = Watcher(self.client, "")
        self.assertEqual(w.wait_statuses(1), [S.SERVING])
        t0 = time.monotonic()
        self.srv.sigterm(0)
        self.assertEqual(w.wait_end(), (grpc.StatusCode.UNAVAILABLE, "server shutting down"))
        self.assertEqual(w.statuses, [S.SERVING, S.NOT_SERVING])
        self.assertEqual(self.srv.wait_exit(), 0, self.srv.log_tail())
        self.assertLess(time.monotonic() - t0, h.scaled(10), "an idle Watch held the shutdown")


class Metrics(OpsTest):

    def assert_moved(self, before, after, expected):
        """expected: {(name, sorted label pairs): exact change between the two scrapes}."""
        for key, delta in expected.items():
            self.assertEqual(after.samples[key] - before.samples[key], delta,
                             "%s%s moved by %s, expected %s"
                             % (key[0], dict(key[1]), after.samples[key] - before.samples[key],
                                delta))

    def test_ingest_moves_counters_by_file_rows(self):
        path = os.path.join(h.tempdir(), "recruit.csv")
        h.write_domain_file("recruit", path, 37, seed=3)
        before = self.scrape()
        res = h.run_ingest("recruit", path, self.srv.addr, chunk_size=10)
        self.assertEqual(res.code, 0, res.err)
        after = self.scrape()
        K = lambda name, **kw: (name, tuple(sorted(kw.items())))  # noqa: E731
        self.assert_moved(before, after, {
            K("embedstream_rows_total", domain="recruit"): 37,
            K("embedstream_rows_total", domain="candidate"): 0,
            K("embedstream_rows_total", domain="skill_embedding_dic"): 0,
            K("embedstream_streams_total", outcome="success"): 1,
            K("embedstream_streams_total", outcome="invalid_argument"): 0,
            K("embedstream_stream_duration_seconds_count"): 1,
            K("embedstream_store_commit_seconds_count"): 1,
            K("embedstream_bytes_total", domain="candidate"): 0,
        })
        self.assertGreater(after.get("embedstream_bytes_total", domain="recruit"),
                           before.get("embedstream_bytes_total", domain="recruit") + 37 * 384 * 4,
                           "bytes count at least the float32 vectors")
        self.assertGreaterEqual(after.get("embedstream_stream_duration_seconds_sum"),
                                before.get("embedstream_stream_duration_seconds_sum"))
        self.assertEqual(after.get("embedstream_streams_in_flight"), 0)

    def test_bytes_are_exactly_the_request_messages(self):
        msgs = [h.md(), h.recruit_chunk(0, 5), h.recruit_chunk(5, 4)]
        before = self.scrape()
        code, details, _ = self.client.send(msgs)
        self.assertEqual(code, grpc.StatusCode.OK, details)
        after = self.scrape()
        self.assertEqual(after.get("embedstream_bytes_total", domain="recruit")
                         - before.get("embedstream_bytes_total", domain="recruit"),
                         sum(len(m.SerializeToString()) for m in msgs))
        self.assertEqual(after.get("embedstream_rows_total", domain="recruit")
                         - before.get("embedstream_rows_total", domain="recruit"), 9)

    def test_rejected_stream_bumps_its_outcome_only(self):
        before = self.scrape()
        bad = h.recruit_chunk(0, 2)  # a chunk before metadata
        code, _, _ = self.client.send([bad])
        self.assertEqual(code, grpc.StatusCode.INVALID_ARGUMENT)
        after = self.scrape()
        self.assertEqual(after.streams("invalid_argument") - before.streams("invalid_argument"), 1)
        self.assertEqual(after.streams("success"), before.streams("success"))
        self.assertEqual(after.count("embedstream_stream_duration_seconds")
                         - before.count("embedstream_stream_duration_seconds"), 1)
        self.assertEqual(after.count("embedstream_store_commit_seconds"),
                         before.count("embedstream_store_commit_seconds"), "nothing committed")
        self.assertEqual(after.get("embedstream_rows_total", domain="recruit"),
                         before.get("embedstream_rows_total", domain="recruit"))
        # Its bytes arrived before any metadata: they count, under domain "unknown".
        self.assertEqual(after.get("embedstream_bytes_total", domain="unknown"),
                         len(bad.SerializeToString()))

    def test_failed_precondition_outcome(self):
        # A table holding 8-d vectors refuses a 16-d stream (FAILED_PRECONDITION).
        self.assertEqual(self.client.send([h.md(dim=8), h.recruit_chunk(0, 1, dim=8)])[0],
                         grpc.StatusCode.OK)
        before = self.scrape()
        code, details, _ = self.client.send([h.md(dim=16), h.recruit_chunk(50, 1, dim=16)])
        self.assertEqual(code, grpc.StatusCode.FAILED_PRECONDITION, details)
        after = self.scrape()
        self.assertEqual(after.streams("failed_precondition")
                         - before.streams("failed_precondition"), 1)

    def test_cancelled_stream_bumps_cancelled(self):
        before = self.scrape()
        s = h.HeldStream(self.client, [h.md(), h.recruit_chunk(0, 2)])
        self.srv.wait_for_log(r"stream \d+ start")
        s.cancel()
        self.assertTrue(s.future.cancelled())
        h.wait_until(lambda: self.scrape().streams("cancelled") > before.streams("cancelled"),
                     h.scaled(20), "streams_total{outcome=cancelled} to move")
        after = self.scrape()
        self.assertEqual(after.streams("cancelled") - before.streams("cancelled"), 1)
        self.assertEqual(after.streams("success"), before.streams("success"))
        self.assertEqual(after.get("embedstream_streams_in_flight"), 0)

    def test_exposition_format(self):
        sc = self.scrape()
        self.assertEqual(sc.status, 200)
        self.assertEqual(sc.content_type.replace(" ", "").split(";")[:2],
                         ["text/plain", "version=0.0.4"])
        names = {"embedstream_streams_total": "counter", "embedstream_rows_total": "counter",
                 "embedstream_bytes_total": "counter",
                 "embedstream_stream_duration_seconds": "histogram",
                 "embedstream_streams_in_flight": "gauge",
                 "embedstream_store_commit_seconds": "histogram"}
        for name, typ in names.items():
            self.assertEqual(sc.type.get(name), typ, name)
            self.assertTrue(sc.help.get(name), "HELP for " + name)
        for key in sc.samples:  # every sample belongs to a declared family
            base = re.sub(r"_(bucket|sum|count)$", "", key[0])
            self.assertTrue(key[0] in sc.type or base in sc.type, key)
        for d in h.DOMAINS:
            sc.get("embedstream_rows_total", domain=d)
        for outcome in ("success", "invalid_argument", "failed_precondition", "cancelled",
                        "resource_exhausted", "internal"):
            sc.streams(outcome)
        for hist in ("embedstream_stream_duration_seconds", "embedstream_store_commit_seconds"):
            b = sc.buckets(hist)
            self.assertEqual(b[-1][0], "+Inf")
            les = [float(le) for le, _ in b[:-1]]
            self.assertEqual(les, sorted(les))
            self.assertEqual(len(set(les)), len(les))
        self.assertEqual([le for le, _ in sc.buckets("embedstream_stream_duration_seconds")],
                         ["0.01", "0.05", "0.1", "0.5", "1", "5", "10", "30", "60", "300", "+Inf"])

    def test_histograms_cumulative_after_traffic(self):
        for i in range(3):
            self.assertEqual(self.client.send([h.md(), h.recruit_chunk(10 * i, 2)])[0],
                             grpc.StatusCode.OK)
        self.client.send([h.recruit_chunk(0, 1)])
        sc = self.scrape()
        for hist, n in (("embedstream_stream_duration_seconds", 4),
                        ("embedstream_store_commit_seconds", 3)):
            counts = [v for _, v in sc.buckets(hist)]
            self.assertEqual(counts, sorted(counts), hist + " buckets must be cumulative")
            self.assertEqual(counts[-1], sc.count(hist))
            self.assertEqual(sc.count(hist), n)
            self.assertGreater(sc.get(hist + "_sum"), 0)

    def test_other_paths_and_methods(self):
        st, _, _ = http_status(self.base + "/")
        self.assertEqual(st, 404)
        st, headers, _ = http_status(self.base + "/metrics", "POST")
        self.assertEqual(st, 405)
        self.assertIn("GET", headers.get("Allow", ""))
        st, _, body = http_status(self.base + "/metrics", "HEAD")
        self.assertEqual((st, body), (200, b""))


class MetricsBusy(OpsTest):
    extra_args = ("--max-streams", "1")

    def test_in_flight_and_refused_streams(self):
        before = self.scrape()
        self.assertEqual(before.get("embedstream_streams_in_flight"), 0)
        s = h.HeldStream(self.client, [h.md(), h.recruit_chunk(0, 2)], [h.recruit_chunk(2, 3)])
        try:
            self.srv.wait_for_log(r"stream 1 start")
            self.assertEqual(self.scrape().get("embedstream_streams_in_flight"), 1)
            code, _, _ = self.client.send([h.md(), h.recruit_chunk(100, 1)])
            self.assertEqual(code, grpc.StatusCode.RESOURCE_EXHAUSTED)
            mid = self.scrape()
            self.assertEqual(mid.streams("resource_exhausted")
                             - before.streams("resource_exhausted"), 1)
            self.assertEqual(mid.get("embedstream_streams_in_flight"), 1,
                             "a refused stream is never in flight")
            s.release()
            code, details, _ = s.outcome()
            self.assertEqual(code, grpc.StatusCode.OK, details)
        finally:
            s.abandon()
        # Counted out before the answer went out: no waiting needed.
        after = self.scrape()
        self.assertEqual(after.get("embedstream_streams_in_flight"), 0)
        self.assertEqual(after.streams("success") - before.streams("success"), 1)
        self.assertEqual(after.get("embedstream_rows_total", domain="recruit")
                         - before.get("embedstream_rows_total", domain="recruit"), 5)


class MetricsDuringShutdown(OpsTest):
    grace = 30

    def test_scrapes_work_while_draining(self):
        s = h.HeldStream(self.client, [h.md(), h.recruit_chunk(0, 2)], [h.recruit_chunk(2, 2)])
        try:
            self.srv.wait_for_log(r"stream 1 start")
            self.srv.sigterm(1)
            self.assertEqual(self.scrape().get("embedstream_streams_in_flight"), 1)
            s.release()
            self.assertEqual(s.outcome()[0], grpc.StatusCode.OK)
        finally:
            s.abandon()
        self.assertEqual(self.srv.wait_exit(), 0, self.srv.log_tail())


class Flags(unittest.TestCase):

    def run_serve(self, *args):
        return subprocess.run([h.BIN, "serve", "--store", "null:"] + list(args),
                              capture_output=True, text=True, timeout=h.scaled(30),
                              stdin=subprocess.DEVNULL)

    def test_help_names_the_flag(self):
        p = subprocess.run([h.BIN, "serve", "--help"], capture_output=True, text=True,
                           timeout=h.scaled(30))
        self.assertEqual(p.returncode, 0)
        self.assertIn("--metrics-listen", p.stdout)

    def test_bad_metrics_address_exit_2(self):
        for value in ("nohostport", "127.0.0.1:", "127.0.0.1:99999", ":80"):
            with self.subTest(value=value):
                p = self.run_serve("--listen", "127.0.0.1:0", "--metrics-listen", value)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("--metrics-listen", p.stderr)

    def test_metrics_port_in_use_exit_1(self):
        with h.Server("null:", args=["--metrics-listen", "127.0.0.1:0"]) as srv:
            m = srv.wait_for_log(METRICS_RX)
            p = self.run_serve("--listen", "127.0.0.1:0", "--metrics-listen",
                               "%s:%s" % (m.group(1), m.group(2)))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("cannot listen", p.stderr)
        self.assertNotIn("listening on", p.stderr, "it failed before serving")

    def test_no_endpoint_without_the_flag(self):
        with h.Server("null:") as srv:
            c = h.Client(srv.addr)
            try:
                self.assertEqual(c.check("")[1], status_enum().SERVING)
            finally:
                c.close()
            self.assertNotRegex(srv.log, r"metrics listening")


if __name__ == "__main__":
    h.main()
