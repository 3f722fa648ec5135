# api.py - the harness's HTTP API side: the `embedstream api` process, HTTP calls, misbehaving peers.
"""For test_http_api.py and test_http_page.py (`from harness import api as a`).

Api(...) is a ServerProcess for `embedstream api` (a free port, waits for `listening on`, stops
with SIGTERM and checks a clean exit). call() makes one real HTTP request with urllib and returns
(status, headers, parsed JSON or raw text), 4xx/5xx included.
"""
import concurrent.futures
import json
import socket
import threading
import time
import urllib.error
import urllib.request

import grpc

from .procs import BIN, ServerProcess, scaled, wait_until
from .stubs import protos

__all__ = ["Api", "Response", "call", "ingest_path", "wait_job", "BlackHole", "Relay",
           "FailingGrpcServer", "elapsed", "error_of"]


class Api(ServerProcess):
    """`embedstream api --listen 127.0.0.1:0 --data-dir DIR --server ADDR [args]`."""

    def __init__(self, data_dir, server, args=(), **kw):
        argv = [BIN, "api", "--listen", "127.0.0.1:0", "--data-dir", data_dir,
                "--server", server] + list(args)
        kw.setdefault("name", "embedstream-api")
        super().__init__(argv, **kw)

    @property
    def base(self):
        return "http://%s" % self.addr


class Response:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        self.text = raw.decode("utf-8", "replace")
        ctype = headers.get("Content-Type", "")
        self.json = json.loads(self.text) if ctype.startswith("application/json") and raw else None

    def __repr__(self):
        return "<HTTP %d %s>" % (self.status, self.text[:500])


def error_of(r):
    """(code, message) of an API error body, checking it has the one error shape."""
    err = r.json.get("error") if isinstance(r.json, dict) else None
    if not (isinstance(err, dict) and isinstance(err.get("code"), str)
            and isinstance(err.get("message"), str)):
        raise AssertionError("not an error body {\"error\":{\"code\",\"message\"}}: %r" % r)
    return err["code"], err["message"]


def call(base, path, method="GET", timeout=30.0):
    """One request; path is sent exactly as given (already percent-encoded where wanted)."""
    req = urllib.request.Request(base + path, method=method,
                                 data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=scaled(timeout)) as r:
            return Response(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        with e:
            return Response(e.code, e.headers, e.read())


def ingest_path(domain, name, **query):
    """/data/ingest/DOMAIN?file_name=NAME&k=v, NAME inserted verbatim (callers encode)."""
    q = "file_name=" + name + "".join("&%s=%s" % (k, v) for k, v in query.items())
    return "/data/ingest/%s?%s" % (domain, q)


def wait_job(base, job_id, states=("succeeded", "failed"), timeout=120.0):
    """Polls GET /data/jobs/ID until its state is one of states; returns the job."""
    def poll():
        r = call(base, "/data/jobs/%s" % job_id)
        if r.status != 200:
            raise AssertionError("GET job %s: %r" % (job_id, r))
        return r.json if r.json["state"] in states else None
    return wait_until(poll, scaled(timeout), "job %s to reach %s" % (job_id, "/".join(states)),
                        interval=0.05)


class BlackHole:
    """A TCP listener that accepts connections and never answers: a gRPC server that hangs.

    A job sent there stays running until its deadline or cancellation, which makes "while a job
    is running" a state the tests can reach without racing a real ingest."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.addr = "127.0.0.1:%d" % self.sock.getsockname()[1]
        self.conns = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while not self._stop.is_set():
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except socket.timeout:
                continue
            except OSError:
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(scaled(5))
        for c in self.conns:
            c.close()
        self.sock.close()
        return False


class Relay:
    """A TCP relay in front of a server (HOST:PORT) that forwards the first `budget` bytes a
    client sends on each connection and then holds the rest until release(): a stream that is
    running, part of it at the server, for as long as a test needs, without racing a real
    ingest. Replies always flow; connections that send less (health checks, small files) pass."""

    def __init__(self, target, budget):
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.budget = budget
        self.released = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.addr = "127.0.0.1:%d" % self.sock.getsockname()[1]
        self.forwarded = 0
        self._socks = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]

    def release(self):
        self.released.set()

    def _accept(self):
        while not self._stop.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            s = socket.create_connection(self.target)
            self._socks += [c, s]
            sent = [0]  # this connection's bytes forwarded upstream
            for src, dst, up in ((c, s, sent), (s, c, None)):
                t = threading.Thread(target=self._pump, args=(src, dst, up), daemon=True)
                self._threads.append(t)
                t.start()

    def _pump(self, src, dst, sent):
        """Copies src to dst; sent (a one-item list) counts an upstream connection's bytes."""
        src.settimeout(0.1)
        while not self._stop.is_set():
            if sent and sent[0] >= self.budget and not self.released.wait(0.1):
                continue  # holding: the client's bytes wait in the socket buffers
            try:
                data = src.recv(65536 if not sent or self.released.is_set()
                                else max(1, min(65536, self.budget - sent[0])))
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            if sent:
                sent[0] += len(data)
                self.forwarded += len(data)
            try:
                dst.sendall(data)
            except OSError:
                break
        for x in (src, dst):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self):
        self._threads[0].start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in list(self._threads):
            t.join(scaled(5))
        for x in self._socks:
            x.close()
        self.sock.close()
        return False


class FailingGrpcServer:
    """An in-process IngestDataStream server (Debian's grpcio) that reads the whole stream and
    then fails it with the given grpc.StatusCode and details."""

    def __init__(self, code, details):
        _, pb2_grpc = protos()

        class Servicer(pb2_grpc.EmbeddingStreamServiceServicer):
            def IngestDataStream(self, request_iterator, context):
                for _ in request_iterator:
                    pass
                context.abort(code, details)

        self.server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=4))
        pb2_grpc.add_EmbeddingStreamServiceServicer_to_server(Servicer(), self.server)
        self.addr = "127.0.0.1:%d" % self.server.add_insecure_port("127.0.0.1:0")

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc):
        self.server.stop(grace=None).wait(scaled(10))
        return False


def elapsed(fn):
    """(result of fn(), seconds it took)."""
    t0 = time.monotonic()
    out = fn()
    return out, time.monotonic() - t0
