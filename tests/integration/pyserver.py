# pyserver.py - a minimal conforming IngestDataStream server in Python, for interop tests and the benchmark.
"""Counts rows and chunks (a null store); optionally records every row it received and fails the
first N streams with UNAVAILABLE (after their first chunk, so a client must resend from the start),
or with another status and trailing metadata (fail_code, fail_trailers: a busy server's
RESOURCE_EXHAUSTED with or without grpc-retry-pushback-ms). check_dim rejects a row whose vector
is not the metadata's dimension the way any server might: INVALID_ARGUMENT whose details say
"chunk N, row M: ..." and no trailers of ours. reject_key refuses the row whose key is that value
the same way (a rule of the server's that a client cannot know), with our embedstream-chunk and
embedstream-row trailers too when row_trailers is set.

With server_credentials (grpc.ssl_server_credentials) it serves TLS; with bearer="TOKEN" a call
without `authorization: Bearer TOKEN` gets UNAUTHENTICATED, as a secured server of any make would.

In-process:  srv = PyServer(record=True, fail_first=1).start(); srv.addr; ...; srv.stop()
As a program: pyserver.py [--listen 127.0.0.1:0] [--fail-first N] [--workers N]; logs
              `listening on HOST:PORT` on stderr, stops on SIGTERM/SIGINT (exit 0) after printing
              its totals as JSON on stdout.
"""
import argparse
import concurrent.futures
import json
import os
import signal
import struct
import sys
import threading

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
import harness  # noqa: E402

MAX_MESSAGE = 16 * 1024 * 1024


def _row_dict(domain, row):
    """A received row in the harness's normalized form (vector as little-endian float32 bytes)."""
    out = {}
    for name, typ in harness.DOMAINS[domain].fields:
        v = getattr(row, name)
        if typ == "vector":
            v = struct.pack("<%df" % len(v), *v)
        elif typ == "strlist":
            v = list(v)
        out[name] = v
    return out


class Stream:
    """What one call delivered: metadata, rows (when recording) and totals."""

    def __init__(self):
        self.domain = self.file_name = None
        self.dim = 0
        self.rows = []
        self.chunk_rows = []  # rows per chunk message, in order (when recording)
        self.total_rows = 0
        self.total_chunks = 0
        self.outcome = None  # "success", or the status code name it ended with


class Servicer:
    def __init__(self, pb2, record=False, fail_first=0, fail_code=grpc.StatusCode.UNAVAILABLE,
                 fail_trailers=(), check_dim=False, reject_key=None, row_trailers=False):
        self.pb2 = pb2
        self.record = record
        self.fail_left = fail_first
        self.fail_code = fail_code
        self.fail_trailers = tuple(fail_trailers)
        self.check_dim = check_dim
        self.reject_key = reject_key
        self.row_trailers = row_trailers
        self.bearer = None  # PyServer's bearer
        self.lock = threading.Lock()
        self.streams = []

    def _take_failure(self):
        with self.lock:
            if self.fail_left > 0:
                self.fail_left -= 1
                return True
            return False

    def _end(self, context, st, code, details):
        st.outcome = code.name
        context.abort(code, details)

    def _fail(self, context, st):
        if self.fail_trailers:
            context.set_trailing_metadata(self.fail_trailers)
        self._end(context, st, self.fail_code, "pyserver: failing on purpose")

    def _check_dim(self, context, st, rows):
        for i, r in enumerate(rows):
            if len(r.vector) != st.dim:
                self._end(context, st, grpc.StatusCode.INVALID_ARGUMENT,
                          "chunk %d, row %d: field 'vector': %d values, expected %d"
                          % (st.total_chunks, i, len(r.vector), st.dim))

    def _check_key(self, context, st, rows):
        key = harness.DOMAINS[st.domain].fields[0][0]
        for i, r in enumerate(rows):
            if getattr(r, key) == self.reject_key:
                if self.row_trailers:
                    context.set_trailing_metadata((("embedstream-chunk", str(st.total_chunks)),
                                                   ("embedstream-row", str(i))))
                self._end(context, st, grpc.StatusCode.INVALID_ARGUMENT,
                          "chunk %d, row %d: field '%s': refused by the server's policy"
                          % (st.total_chunks, i, key))

    def IngestDataStream(self, request_iterator, context):  # noqa: N802 (gRPC's name)
        st = Stream()
        with self.lock:
            self.streams.append(st)
        if self.bearer is not None:
            sent = dict(context.invocation_metadata()).get("authorization")
            if sent != "Bearer " + self.bearer:
                self._end(context, st, grpc.StatusCode.UNAUTHENTICATED, "missing or unknown token")
        fail = self._take_failure()
        case = None
        for req in request_iterator:
            which = req.WhichOneof("chunk_data")
            if req.HasField("metadata"):
                if st.domain is not None:
                    self._end(context, st, grpc.StatusCode.INVALID_ARGUMENT, "metadata sent twice")
                md = req.metadata
                if md.domain not in harness.DOMAINS:
                    self._end(context, st, grpc.StatusCode.INVALID_ARGUMENT,
                              "unknown domain '%s'" % md.domain)
                if not 1 <= md.vector_dimension <= 16000:
                    self._end(context, st, grpc.StatusCode.INVALID_ARGUMENT,
                              "vector_dimension %d out of 1..16000" % md.vector_dimension)
                st.domain, st.file_name, st.dim = md.domain, md.file_name, md.vector_dimension
                case = st.domain + "_chunk"
                continue
            if st.domain is None:
                self._end(context, st, grpc.StatusCode.INVALID_ARGUMENT, "chunk before metadata")
            if which != case:
                self._end(context, st, grpc.StatusCode.INVALID_ARGUMENT,
                          "chunk case %s does not match domain %s" % (which, st.domain))
            rows = getattr(req, case).rows
            st.total_chunks += 1
            st.total_rows += len(rows)
            if self.record:
                st.rows.extend(_row_dict(st.domain, r) for r in rows)
                st.chunk_rows.append(len(rows))
            if self.check_dim:
                self._check_dim(context, st, rows)
            if self.reject_key is not None:
                self._check_key(context, st, rows)
            if fail:
                self._fail(context, st)
        if st.domain is None:
            self._end(context, st, grpc.StatusCode.INVALID_ARGUMENT, "no metadata")
        if fail:
            self._fail(context, st)
        st.outcome = "success"
        return self.pb2.IngestDataResponse(
            status="success",
            message="received %d rows in %d chunks" % (st.total_rows, st.total_chunks),
            total_rows_received=st.total_rows, total_chunks_received=st.total_chunks)

    def successful(self):
        with self.lock:
            return [s for s in self.streams if s.outcome == "success"]


class PyServer:
    def __init__(self, listen="127.0.0.1:0", record=False, fail_first=0, workers=8,
                 server_credentials=None, bearer=None, **servicer):
        pb2, pb2_grpc = harness.protos()
        self.servicer = Servicer(pb2, record, fail_first, **servicer)
        self.servicer.bearer = bearer
        self.server = grpc.server(
            concurrent.futures.ThreadPoolExecutor(max_workers=workers),
            options=[("grpc.max_send_message_length", MAX_MESSAGE),
                     ("grpc.max_receive_message_length", MAX_MESSAGE)])
        pb2_grpc.add_EmbeddingStreamServiceServicer_to_server(self.servicer, self.server)
        host = listen.rsplit(":", 1)[0]
        if server_credentials is None:
            self.port = self.server.add_insecure_port(listen)
        else:
            self.port = self.server.add_secure_port(listen, server_credentials)
        if not self.port:
            raise OSError("pyserver: cannot listen on %s" % listen)
        self.addr = "%s:%d" % (host, self.port)

    def start(self):
        self.server.start()
        return self

    def stop(self, grace=2):
        self.server.stop(grace).wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def main(argv=None):
    ap = argparse.ArgumentParser(description="minimal IngestDataStream server (null store)")
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--workers", type=int, default=8)
    a = ap.parse_args(argv)
    srv = PyServer(a.listen, fail_first=a.fail_first, workers=a.workers).start()
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    sys.stderr.write("pyserver: listening on %s\n" % srv.addr)
    sys.stderr.flush()
    done.wait()
    srv.stop()
    ok = srv.servicer.successful()
    print(json.dumps({"streams": len(srv.servicer.streams), "succeeded": len(ok),
                      "rows": sum(s.total_rows for s in ok),
                      "chunks": sum(s.total_chunks for s in ok)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
