#!/usr/bin/python3
# make_rowsrc_corpus.py - seeds for fuzz_rowsrc: real chunk requests of each domain, cut several ways.
"""Usage: /usr/bin/python3 fuzz/make_rowsrc_corpus.py OUT_DIR

Each seed is one byte saying how fuzz_rowsrc cuts the message into slices, then an
IngestDataRequest serialized by the protobuf runtime (stubs generated with grpc_tools)."""
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    gen = tempfile.mkdtemp(prefix="es-fuzz-pb-")
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(SRC, "proto"),
                    "--python_out=" + gen, os.path.join(SRC, "proto", "embedding_stream.proto")], check=True)
    sys.path.insert(0, gen)
    import embedding_stream_pb2 as p
    uid = "0190a8c2-abcd-7ef0-8000-%012x"
    msgs = {
        "recruit": p.IngestDataRequest(recruit_chunk=p.RecruitRowChunk(rows=[
            p.RecruitRow(id=uid % i, company_name="c%d" % i, exp_years=i, english_level="B2",
                         primary_keyword="go", vector=[0.5 * i, -1.0, 3.25]) for i in range(3)])),
        "candidate": p.IngestDataRequest(candidate_chunk=p.CandidateRowChunk(rows=[
            p.CandidateRow(candidate_id=uid % i, position_category="backend", experience_years=i,
                           original_resume="r", skills=["c", "sql"][:i], vector=[1.0, 2.0]) for i in range(3)])),
        "skill": p.IngestDataRequest(skill_embedding_dic_chunk=p.SkillEmbeddingDicRowChunk(rows=[
            p.SkillEmbeddingDicRow(skill="s%d" % i, position_category="x", vector=[0.0, float(i)])
            for i in range(2)])),
        "empty": p.IngestDataRequest(recruit_chunk=p.RecruitRowChunk()),
    }
    # Strings that are not text (a NUL, bytes that are not UTF-8): the runtime will not encode
    # them, so they are patched into the bytes of encoded rows of the same length.
    bad = {}
    for tag, repl in (("nul", b"c\x00"), ("latin1", b"c\xe9"), ("cut", b"\xe2\x82")):
        m = p.IngestDataRequest(recruit_chunk=p.RecruitRowChunk(rows=[
            p.RecruitRow(id=uid % i, company_name="cc", exp_years=i, vector=[1.0]) for i in range(3)]))
        data = m.SerializeToString()
        at = data.rfind(b"cc")  # the last row's company_name
        bad["text-" + tag] = data[:at] + repl + data[at + 2:]
    shutil.rmtree(gen)
    n = 0
    for name, m in list(msgs.items()) + list(bad.items()):
        data = m if isinstance(m, bytes) else m.SerializeToString()
        for how in (0x00, 0x02, 0x07, 0x3f, 0x41, 0x45):
            with open(os.path.join(out, "%s-%02x" % (name, how)), "wb") as f:
                f.write(bytes([how]) + data)
            n += 1
    print("%d seeds in %s" % (n, out))


if __name__ == "__main__":
    main()
