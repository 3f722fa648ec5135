# test_interop.py - the spec's Python client against our server, once per store (our client: test_interop_client.py).
import os
import sys

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pyclient  # noqa: E402

FORMATS = ("csv", "jsonl")


def uuid_row(pb2, dim=384, **over):
    """A valid RecruitRow with a dim-long vector; keyword arguments override fields."""
    fields = dict(id="0190a3c2-7b1e-7cc1-9a2b-3c4d5e6f7a8b", company_name="알파 주식회사",
                  exp_years=3, english_level="B2", primary_keyword="C", vector=[0.5] * dim)
    fields.update(over)
    return pb2.RecruitRow(**fields)


class PythonClientIntoOurServer:
    """The spec's client (pyclient.py) streams into `embedstream serve` on self.store."""

    def test_python_client_rows_stored_exactly(self):
        d = h.tempdir()
        with h.Server(self.store.url) as srv:
            for domain in h.DOMAINS:
                expected = {}
                for i, ext in enumerate(FORMATS):
                    path = h.write_domain_file(domain, os.path.join(d, "%s.%s" % (domain, ext)),
                                               25, seed=40 + i)
                    res = pyclient.ingest(srv.addr, domain, path, chunk_size=6)
                    self.assertEqual(res["status"], "success", res)
                    self.assertEqual((res["rows_sent"], res["chunks_sent"]), (25, 5), res)
                    expected.update(h.expected_store(domain, path))
                got = self.store.rows(domain)
                self.assertEqual(set(got), set(expected))
                for k, row in expected.items():
                    self.assertEqual(got[k], row, "%s %s differs" % (domain, k))


class ProtocolViolations:
    """Each violation: INVALID_ARGUMENT with a message saying which, and nothing stored."""

    def setUp(self):
        super().setUp()
        self.pb2, _ = h.protos()
        self.srv = h.Server(self.store.url).__enter__()
        self.addCleanup(self._stop_server)

    def _stop_server(self):
        self.srv.__exit__(None, None, None)

    def md(self, domain="recruit", dim=384):
        return h.md(domain, dim, "violation.csv")

    def recruit_chunk(self, *rows):
        return self.pb2.IngestDataRequest(
            recruit_chunk=self.pb2.RecruitRowChunk(rows=list(rows) or [uuid_row(self.pb2)]))

    def assert_rejected(self, requests, *words, code=grpc.StatusCode.INVALID_ARGUMENT):
        status, details, _ = pyclient.send_raw(self.srv.addr, requests, timeout=h.scaled(30))
        self.assertEqual(status, code, details)
        for w in words:
            self.assertIn(w.lower(), details.lower(), "the message should say which")
        self.assertEqual(self.store.total_rows(), 0, "a rejected stream left rows")
        return details

    def test_chunk_before_metadata(self):
        self.assert_rejected([self.recruit_chunk(), self.md()], "metadata")

    def test_metadata_twice(self):
        self.assert_rejected([self.md(), self.recruit_chunk(), self.md()], "metadata")

    def test_wrong_chunk_case_for_domain(self):
        cand = self.pb2.CandidateRow(candidate_id="0190a3c2-7b1e-7cc1-9a2b-3c4d5e6f7a8b",
                                     vector=[0.1] * 384)
        wrong = self.pb2.IngestDataRequest(
            candidate_chunk=self.pb2.CandidateRowChunk(rows=[cand]))
        self.assert_rejected([self.md("recruit"), self.recruit_chunk(), wrong], "candidate")

    def test_unknown_domain(self):
        self.assert_rejected([self.md("jobs"), self.recruit_chunk()], "jobs")

    def test_dimension_zero(self):
        self.assert_rejected([self.md(dim=0), self.recruit_chunk()], "dimension")

    def test_dimension_too_big(self):
        self.assert_rejected([self.md(dim=16001), self.recruit_chunk()], "16001")

    def test_bad_row_second_chunk(self):
        good = self.recruit_chunk(uuid_row(self.pb2, id="0190a3c2-7b1e-7cc1-9a2b-000000000001"))
        bad = self.recruit_chunk(uuid_row(self.pb2, id="0190a3c2-7b1e-7cc1-9a2b-000000000002"),
                                 uuid_row(self.pb2, dim=383))
        self.assert_rejected([self.md(), good, bad], "vector")

    def test_bad_rows_each_field(self):
        pb2 = self.pb2
        cases = [
            ("id", self.recruit_chunk(uuid_row(pb2, id="zzz"))),
            ("exp_years", self.recruit_chunk(uuid_row(pb2, exp_years=-1))),
            ("vector", self.recruit_chunk(uuid_row(pb2, vector=[float("nan")] * 384))),
            ("vector", self.recruit_chunk(uuid_row(pb2, vector=[float("inf")] * 384))),
        ]
        for field, chunk in cases:
            with self.subTest(field=field):
                self.assert_rejected([self.md(), chunk], field)
        skill = pb2.IngestDataRequest(skill_embedding_dic_chunk=pb2.SkillEmbeddingDicRowChunk(
            rows=[pb2.SkillEmbeddingDicRow(skill="", position_category="x", vector=[0.1] * 8)]))
        self.assert_rejected([self.md("skill_embedding_dic", 8), skill], "skill")

    def test_invalid_utf8_text(self):
        # Python's protobuf refuses to build it, so patch the serialized bytes: same length.
        req = self.recruit_chunk(uuid_row(self.pb2, company_name="AB"))
        raw = req.SerializeToString().replace(b"AB", b"\xff\xfe", 1)
        md = self.md().SerializeToString()
        client = h.Client(self.srv.addr)
        try:
            status, details, _ = client.send([md, raw])
        finally:
            client.close()
        self.assertEqual(status, grpc.StatusCode.INVALID_ARGUMENT, details)
        self.assertIn("company_name", details)
        self.assertEqual(self.store.total_rows(), 0)

    def test_other_dimension_than_table_failed_precondition(self):
        status, details, resp = pyclient.send_raw(self.srv.addr, [self.md(dim=384),
                                                                  self.recruit_chunk()])
        self.assertEqual(status, grpc.StatusCode.OK, details)
        self.assertEqual((resp.status, resp.total_rows_received, resp.total_chunks_received),
                         ("success", 1, 1))
        status, details, _ = pyclient.send_raw(self.srv.addr, [
            self.md(dim=8), self.recruit_chunk(uuid_row(self.pb2, dim=8,
                                                        id="0190a3c2-7b1e-7cc1-9a2b-0000000000ff"))])
        self.assertEqual(status, grpc.StatusCode.FAILED_PRECONDITION, details)
        self.assertIn("384", details)
        self.assertIn("8", details)
        self.assertEqual(self.store.count("recruit"), 1)


h.store_test_classes(PythonClientIntoOurServer, globals())
h.store_test_classes(ProtocolViolations, globals())

if __name__ == "__main__":
    h.main()
