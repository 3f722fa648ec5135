# stubs.py - the harness's gRPC side: generated stubs, hand-made requests, a raw client, held streams.
"""For tests that talk gRPC to a server themselves instead of through `embedstream ingest`:

    pb2, pb2_grpc = protos()                  # embedding_stream.proto, generated once per run
    c = Client(addr)                          # raw IngestDataStream (messages or bytes) + health
    c.send([md(), recruit_chunk(0, 3)])       # (StatusCode, details, response or None)
    s = HeldStream(c, [md(), recruit_chunk(0, 2)], [recruit_chunk(2, 2)])
    ...; s.release(); s.outcome()             # a stream kept open while the test looks around
    with PingCounter(addr) as proxy: ...      # counts the HTTP/2 PINGs clients send through it
"""
import importlib
import os
import select
import socket
import subprocess
import sys
import threading

import grpc

from .procs import PYTHON, SOURCE_DIR, scaled, tempdir

__all__ = ["METHOD", "OUR_SERVICE", "DIM", "protos", "health_pb", "pb2", "uuid_key", "md",
           "recruit_chunk", "serialize", "Client", "HeldStream", "PingCounter"]

METHOD = "/embedding.EmbeddingStreamService/IngestDataStream"
OUR_SERVICE = "embedding.EmbeddingStreamService"
DIM = 8  # small vectors keep messages small; the server accepts any dimension in 1..16000

_generated = {}


def _generate(proto):
    """(NAME_pb2, NAME_pb2_grpc) of proto/NAME.proto, generated once per test run."""
    if proto not in _generated:
        out = tempdir("es-pb-")
        proto_dir = os.path.join(SOURCE_DIR, "proto")
        subprocess.run([PYTHON, "-m", "grpc_tools.protoc", "-I", proto_dir,
                        "--python_out=" + out, "--grpc_python_out=" + out,
                        os.path.join(proto_dir, proto + ".proto")], check=True, capture_output=True)
        sys.path.insert(0, out)
        _generated[proto] = (importlib.import_module(proto + "_pb2"),
                             importlib.import_module(proto + "_pb2_grpc"))
    return _generated[proto]


def protos():
    """(embedding_stream_pb2, embedding_stream_pb2_grpc)."""
    return _generate("embedding_stream")


def health_pb():
    """(health_pb2, health_pb2_grpc): grpc.health.v1 from proto/health.proto."""
    return _generate("health")


def pb2():
    return protos()[0]


def uuid_key(i):
    """The i-th of a run of valid, distinct, lower-case UUID keys."""
    return "00000000-0000-4000-8000-%012x" % i


def md(domain="recruit", dim=DIM, file_name="test.csv"):
    """A metadata message."""
    p = pb2()
    return p.IngestDataRequest(metadata=p.IngestMetadata(domain=domain, file_name=file_name,
                                                         vector_dimension=dim))


def recruit_chunk(start, n, dim=DIM):
    """A recruit chunk of n valid rows, keyed uuid_key(start) onwards."""
    p = pb2()
    rows = [p.RecruitRow(id=uuid_key(start + i), company_name="company %d" % (start + i),
                         exp_years=i, english_level="B2", primary_keyword="C",
                         vector=[0.25] * dim) for i in range(n)]
    return p.IngestDataRequest(recruit_chunk=p.RecruitRowChunk(rows=rows))


def serialize(m):
    return m if isinstance(m, bytes) else m.SerializeToString()


class Client:
    """A channel with the raw ingest method (messages or bytes) and the health stub. credentials:
    grpc.ssl_channel_credentials(...) for TLS; metadata: sent with every ingest call (such as
    [("authorization", "Bearer TOKEN")])."""

    def __init__(self, addr, options=None, credentials=None, metadata=None):
        if credentials is None:
            self.channel = grpc.insecure_channel(addr, options=options)
        else:
            self.channel = grpc.secure_channel(addr, credentials, options=options)
        self.metadata = metadata
        self.ingest = self.channel.stream_unary(
            METHOD, request_serializer=serialize,
            response_deserializer=pb2().IngestDataResponse.FromString)
        self.health = health_pb()[1].HealthStub(self.channel)

    def send(self, messages, timeout=30):
        """(StatusCode, details, response or None) of a whole stream."""
        try:
            resp = self.ingest(iter(list(messages)), timeout=scaled(timeout), metadata=self.metadata)
            return grpc.StatusCode.OK, "", resp
        except grpc.RpcError as e:
            return e.code(), e.details() or "", None

    def check(self, service, timeout=10):
        """(StatusCode, serving status or None, details)."""
        req = health_pb()[0].HealthCheckRequest(service=service)
        try:
            return grpc.StatusCode.OK, self.health.Check(req, timeout=scaled(timeout)).status, ""
        except grpc.RpcError as e:
            return e.code(), None, e.details() or ""

    def close(self):
        self.channel.close()


class HeldStream:
    """A stream that sends `first`, then stays open until release() (sends `rest` and half-closes)
    or abandon() (the request iterator fails, so gRPC cancels the call)."""

    def __init__(self, client, first, rest=(), timeout=120):
        self._go = threading.Event()
        self._abandon = False
        first, rest = list(first), list(rest)

        def requests():
            for m in first:
                yield m
            # Bounded: a test that never releases must not leave a stream open forever.
            released = self._go.wait(scaled(90))
            if self._abandon or not released:
                raise RuntimeError("stream abandoned by the test")
            for m in rest:
                yield m

        self.future = client.ingest.future(requests(), timeout=scaled(timeout), metadata=client.metadata)

    def release(self):
        self._go.set()

    def abandon(self):
        self._abandon = True
        self._go.set()

    def cancel(self):
        """A client cancel proper (the call ends CANCELLED on both sides)."""
        self.future.cancel()
        self.abandon()

    def outcome(self, timeout=60):
        try:
            return grpc.StatusCode.OK, "", self.future.result(timeout=scaled(timeout))
        except grpc.RpcError as e:
            return e.code(), e.details() or "", None


class PingCounter:
    """A loopback TCP proxy to a plaintext HTTP/2 server that counts the PING frames (not the
    acknowledgements) clients send through it: what keepalive tests wait on.

        with PingCounter(server_addr) as proxy:   # connect clients to proxy.addr
            h.wait_until(lambda: proxy.pings >= 5, ...)
    """

    PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    PING, ACK = 0x6, 0x1

    def __init__(self, target):
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.addr = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.pings = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]

    def __enter__(self):
        self._threads[0].start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.listener.close()
        for t in list(self._threads):
            t.join(scaled(10))
        return False

    def _accept(self):
        while not self._stop.is_set():
            if not select.select([self.listener], [], [], 0.05)[0]:
                continue
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            t = threading.Thread(target=self._pump, args=(client,), daemon=True)
            self._threads.append(t)
            t.start()

    def _pump(self, client):
        """Copies bytes both ways until either side closes, parsing the client's frames."""
        with client, socket.create_connection(self.target) as server:
            pending = b""  # client bytes not yet parsed into whole frame headers
            skip = len(self.PREFACE)  # bytes before the next frame header
            while not self._stop.is_set():
                ready = select.select([client, server], [], [], 0.05)[0]
                for src in ready:
                    data = src.recv(65536)
                    if not data:
                        return
                    (server if src is client else client).sendall(data)
                    if src is client:
                        pending, skip = self._frames(pending + data, skip)

    def _frames(self, buf, skip):
        """Counts the PINGs among the frame headers in buf; returns (unparsed tail, bytes of the
        current frame's payload still to come)."""
        while True:
            if skip:
                n = min(skip, len(buf))
                buf, skip = buf[n:], skip - n
                if skip:
                    return buf, skip
            if len(buf) < 9:
                return buf, 0
            length = int.from_bytes(buf[:3], "big")
            if buf[3] == self.PING and not buf[4] & self.ACK:
                self.pings += 1
            buf, skip = buf[9:], length
