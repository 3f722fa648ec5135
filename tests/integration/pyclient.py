# pyclient.py - the spec's Python streaming client (guide section 3), rebuilt for interop tests and the benchmark.
"""A client written after grpc-communication-guide.md section 3, with the section 5.1 channel
options, reading CSV the way the spec's loader would (csv module + json.loads for `vector` and
`skills`) or JSONL (json.loads per line): harness.iter_file_rows, which the tests' expectations
are read with too.

As a library:  ingest(target, domain, path, chunk_size=1000) -> {"status", "message", "rows_sent",
                 "chunks_sent"}; raises grpc.aio.AioRpcError on a failed call.
               send_raw(target, requests) -> (grpc.StatusCode, details, response or None) for tests
                 that send hand-made (possibly invalid) message sequences.
As a program:  pyclient.py --server HOST:PORT --domain D --file PATH [--chunk-size N] [--dim N]
                 [--timeout S]; prints one JSON object like `embedstream ingest`; exit 0 success,
                 2 bad input, 3 rejected, 4 unavailable, 1 else.
"""
import argparse
import asyncio
import json
import os
import sys
import time

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
import harness  # noqa: E402  (stub generation, the domains' field lists, the file reader)

MAX_MESSAGE = 16 * 1024 * 1024

# Section 5.1 of the guide, verbatim.
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE),
    ("grpc.max_receive_message_length", MAX_MESSAGE),
    ("grpc.keepalive_time_ms", 30000),
    ("grpc.keepalive_timeout_ms", 10000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.http2.min_time_between_pings_ms", 10000),
    ("grpc.use_local_subchannel_pool", 1),
]

ROW_MESSAGES = {"recruit": "RecruitRow", "candidate": "CandidateRow",
                "skill_embedding_dic": "SkillEmbeddingDicRow"}
CHUNK_MESSAGES = {"recruit": "RecruitRowChunk", "candidate": "CandidateRowChunk",
                  "skill_embedding_dic": "SkillEmbeddingDicRowChunk"}


def calculate_optimal_chunk_size(network_bandwidth_mbps=100, vector_dimension=384,
                                 target_latency_ms=100):
    """Section 5.2 of the guide."""
    bytes_per_second = (network_bandwidth_mbps * 1024 * 1024) / 8
    bytes_per_chunk = bytes_per_second * (target_latency_ms / 1000)
    bytes_per_row = (vector_dimension * 4) + 500
    optimal_size = int(bytes_per_chunk / bytes_per_row)
    return max(100, min(optimal_size, 10000))


def load_chunks(domain, path, chunk_size):
    """The file's rows as dicts, chunk_size at a time (memory stays flat)."""
    chunk = []
    for rec in harness.iter_file_rows(domain, path):
        chunk.append(rec)
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def create_chunk_message(pb2, domain, chunk):
    """Section 3.3: one RowChunk message of the domain's type."""
    if domain not in ROW_MESSAGES:
        raise ValueError(f"Unknown domain: {domain}")
    row_cls = getattr(pb2, ROW_MESSAGES[domain])
    names = [n for n, _ in harness.DOMAINS[domain].fields]
    rows = [row_cls(**{n: data[n] for n in names}) for data in chunk]
    return getattr(pb2, CHUNK_MESSAGES[domain])(rows=rows)


def generate_requests(pb2, domain, chunks, metadata, counters=None):
    """Section 3.2: metadata first, then one `{domain}_chunk` message per chunk."""
    metadata_msg = pb2.IngestMetadata(domain=domain, file_name=metadata["file_name"],
                                      vector_dimension=metadata["vector_dimension"])
    yield pb2.IngestDataRequest(metadata=metadata_msg)
    for chunk in chunks:
        if counters is not None:
            counters["chunks"] += 1
            counters["rows"] += len(chunk)
        yield pb2.IngestDataRequest(**{f"{domain}_chunk": create_chunk_message(pb2, domain, chunk)})


async def stream_data_to_batch_server(target, domain, chunks, metadata, timeout=600):
    """Section 3.1 (with the 5.1 options and the 4.3 timeout)."""
    pb2, pb2_grpc = harness.protos()
    channel = grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
    stub = pb2_grpc.EmbeddingStreamServiceStub(channel)
    try:
        request_iter = generate_requests(pb2, domain, chunks, metadata)
        response = await stub.IngestDataStream(request_iter, timeout=timeout)
        return {"status": response.status, "message": response.message,
                "rows_sent": response.total_rows_received,
                "chunks_sent": response.total_chunks_received}
    finally:
        await channel.close()


def _check_first_dim(chunks, dim):
    """The spec loader's check: the first row's vector length must equal the dimension."""
    first = True
    for chunk in chunks:
        if first and chunk:
            n = len(chunk[0]["vector"])
            if n != dim:
                raise ValueError(f"vector dimension mismatch: file has {n}, expected {dim}")
            first = False
        yield chunk


def ingest(target, domain, path, chunk_size=1000, dim=None, timeout=600, file_name=None):
    """Streams one file; returns the response as a dict. Raises grpc.aio.AioRpcError."""
    dim = dim or harness.DOMAINS[domain].dim
    metadata = {"file_name": file_name or os.path.basename(path), "vector_dimension": dim}
    chunks = _check_first_dim(load_chunks(domain, path, chunk_size), dim)
    return asyncio.run(stream_data_to_batch_server(target, domain, chunks, metadata, timeout))


def send_raw(target, requests, timeout=60):
    """Sends a hand-made request sequence: (grpc.StatusCode, details, response or None)."""
    _, pb2_grpc = harness.protos()
    with grpc.insecure_channel(target, options=CHANNEL_OPTIONS) as channel:
        stub = pb2_grpc.EmbeddingStreamServiceStub(channel)
        try:
            response = stub.IngestDataStream(iter(list(requests)), timeout=timeout)
            return grpc.StatusCode.OK, "", response
        except grpc.RpcError as e:
            return e.code(), e.details() or "", None


EXIT_FOR_CODE = {grpc.StatusCode.INVALID_ARGUMENT: 3, grpc.StatusCode.FAILED_PRECONDITION: 3,
                 grpc.StatusCode.UNAVAILABLE: 4}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", default="127.0.0.1:50052")
    ap.add_argument("--domain", required=True, choices=sorted(harness.DOMAINS))
    ap.add_argument("--file", required=True)
    ap.add_argument("--chunk-size", default="1000")
    ap.add_argument("--dim", type=int)
    ap.add_argument("--bandwidth-mbps", type=float, default=1000)
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args(argv)
    dim = a.dim or harness.DOMAINS[a.domain].dim
    chunk_size = (calculate_optimal_chunk_size(a.bandwidth_mbps, dim)
                  if a.chunk_size == "auto" else int(a.chunk_size))
    t0 = time.monotonic()
    code = 0
    try:
        out = ingest(a.server, a.domain, a.file, chunk_size, dim, a.timeout)
    except grpc.aio.AioRpcError as e:
        out = {"status": "failed", "message": f"{e.code().name}: {e.details()}",
               "rows_sent": 0, "chunks_sent": 0}
        code = EXIT_FOR_CODE.get(e.code(), 1)
    except (OSError, ValueError, KeyError) as e:
        out = {"status": "failed", "message": str(e), "rows_sent": 0, "chunks_sent": 0}
        code = 2
    out["seconds"] = round(time.monotonic() - t0, 3)
    print(json.dumps(out))
    return code


if __name__ == "__main__":
    sys.exit(main())
