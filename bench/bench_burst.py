#!/usr/bin/python3
# bench_burst.py - server memory around a burst of concurrent streams: before, peak, and after it ends.
"""Usage: /usr/bin/python3 bench/bench_burst.py [--streams 50] [--rows 20000] [--dim 384]
           [--chunk 1000] [--after 10] [--store sqlite|null|postgres] [--bin build/embedstream]

Starts `embedstream serve`, sends one small stream (so the store is open and the first stream's
one-time allocations are made), reads the server's RSS (before), then runs --streams concurrent
streams of --rows recruit rows each (--dim-d vectors, --chunk rows per message, distinct keys per
stream) from client threads that send pre-serialized messages with grpcio, so the clients cost
little CPU next to the server. Reports:
  before        server VmRSS before the burst
  peak          server VmHWM (peak RSS) at the end of the burst
  after         server VmRSS --after seconds after the last stream ended
  rows/s        all rows / wall time from the first stream's start to the last one's end
Bar (issue 9): after - before < 64 MiB.
"""
import argparse
import os
import shutil
import sys
import tempfile
import threading
import time

from common import DEFAULT_BIN, ITEST, start_server, stop_server

sys.path.insert(0, ITEST)
import grpc  # noqa: E402

import harness as h  # noqa: E402  (the generated stubs)

METHOD = "/embedding.EmbeddingStreamService/IngestDataStream"
BAR_MIB = 64


def mib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def stream_messages(p, stream, rows, dim, chunk):
    """Serialized requests of one stream: metadata, then chunks of distinct recruit rows."""
    out = [p.IngestDataRequest(metadata=p.IngestMetadata(
        domain="recruit", file_name="burst-%d.csv" % stream, vector_dimension=dim)).SerializeToString()]
    vec = [((i * 7) % 13) / 13.0 for i in range(dim)]
    for start in range(0, rows, chunk):
        rs = []
        for i in range(start, min(rows, start + chunk)):
            rs.append(p.RecruitRow(id="%08x-0000-4000-8000-%012x" % (stream, i),
                                   company_name="company %d" % i, exp_years=i % 40,
                                   english_level="B2", primary_keyword="python", vector=vec))
        out.append(p.IngestDataRequest(recruit_chunk=p.RecruitRowChunk(rows=rs)).SerializeToString())
    return out


def store_url(kind, work):
    if kind == "null":
        return "null:", None
    if kind == "sqlite":
        return "sqlite:" + os.path.join(work, "burst.db"), None
    import pgserver
    pg = pgserver.PgServer(fast=False)
    pg.start()
    return pg.url(pg.create_database()), pg


def burst(addr, p, msgs, opts):
    """Sends every stream at once, one thread each; returns (wall seconds, errors)."""
    errors = []

    def run(i):
        ch = grpc.insecure_channel(addr, options=opts + [("grpc.use_local_subchannel_pool", 1)])
        try:
            f = ch.stream_unary(METHOD, request_serializer=lambda b: b,
                                response_deserializer=p.IngestDataResponse.FromString)
            f(iter(msgs[i]), timeout=600)
        except grpc.RpcError as e:
            errors.append("%s: %s" % (e.code(), e.details()))
        finally:
            ch.close()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(msgs))]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - t0, errors


def measure(a, url, msgs, p, work):
    """(before, peak, after, wall, errors) of one burst against a fresh server."""
    srv, addr = start_server([a.bin, "serve", "--listen", "127.0.0.1:0", "--store", url,
                              "--max-streams", str(a.streams), "--grace", "60"],
                             os.path.join(work, "serve.log"))
    try:
        opts = [("grpc.max_send_message_length", 64 << 20)]
        with grpc.insecure_channel(addr, options=opts) as warm:
            call = warm.stream_unary(METHOD, request_serializer=lambda b: b,
                                     response_deserializer=p.IngestDataResponse.FromString)
            call(iter(stream_messages(p, 9999, 10, a.dim, 10)), timeout=60)
        time.sleep(1.0)  # settle: what a freshly started, idle server holds
        before = mib(srv.pid, "VmRSS")
        wall, errors = burst(addr, p, msgs, opts)
        peak = mib(srv.pid, "VmHWM")
        time.sleep(a.after)  # the measurement's own interval, not a wait for readiness
        after = mib(srv.pid, "VmRSS")
    finally:
        stop_server(srv)
    return before, peak, after, wall, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--streams", type=int, default=50)
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--chunk", type=int, default=1000)
    ap.add_argument("--after", type=float, default=10.0)
    ap.add_argument("--store", default="sqlite", choices=("sqlite", "null", "postgres"))
    ap.add_argument("--bin", default=DEFAULT_BIN)
    a = ap.parse_args()
    p = h.protos()[0]
    work = tempfile.mkdtemp(prefix="es-burst-")
    url, pg = store_url(a.store, work)
    try:
        print("building %d streams of %d rows (%d-d) ..." % (a.streams, a.rows, a.dim), flush=True)
        msgs = [stream_messages(p, s, a.rows, a.dim, a.chunk) for s in range(a.streams)]
        before, peak, after, wall, errors = measure(a, url, msgs, p, work)
        rows = a.streams * a.rows
        print("command: %s" % " ".join([sys.executable] + sys.argv))
        print("store %s: %d streams x %d rows (%d-d), %d failed" % (a.store, a.streams, a.rows, a.dim,
                                                                   len(errors)))
        for e in errors[:5]:
            print("  error: " + e)
        print("server RSS before %.1f MiB, peak %.1f MiB, %.0f s after %.1f MiB (after - before %.1f MiB, "
              "bar < %d: %s)" % (before, peak, a.after, after, after - before, BAR_MIB,
                                 "PASS" if after - before < BAR_MIB else "FAIL"))
        print("rows/s %.0f (%d rows in %.1f s)" % (rows / wall, rows, wall))
    finally:
        if pg:
            pg.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
