# test_http_api.py - `embedstream api` over real HTTP: every status code, traversal, async jobs.
import csv
import json
import os
import signal
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from harness import api as a  # noqa: E402


def make_data_dir():
    """base/data (the API's folder) and base/outside (what traversal would reach)."""
    base = h.tempdir("es-http-")
    data, outside = os.path.join(base, "data"), os.path.join(base, "outside")
    os.makedirs(os.path.join(data, "nested"))
    os.makedirs(outside)
    w = h.write_domain_file
    w("recruit", os.path.join(data, "recruit_small.csv"), 40, seed=1, digits=4)
    w("candidate", os.path.join(data, "candidate_people.jsonl"), 12, seed=2, digits=4)
    w("skill_embedding_dic", os.path.join(data, "skills_dic.csv"), 10, seed=3, digits=4)
    w("skill_embedding_dic", os.path.join(data, "skills_dim16.csv"), 4, dim=16, seed=4, digits=4)
    w("recruit", os.path.join(data, "recruit_dim8.csv"), 5, dim=8, seed=5, digits=4)
    w("recruit", os.path.join(data, "nested", "recruit_nested.csv"), 6, seed=6, digits=4)
    w("recruit", os.path.join(data, "recruit_big.csv"), 3000, seed=7, digits=3)
    extra = [dict(r, salary="1") for r in h.make_rows("skill_embedding_dic", 3, seed=10, digits=4)]
    with open(os.path.join(data, "skills_extra_column.csv"), "w", newline="", encoding="utf-8") as f:
        cw = csv.writer(f)
        cw.writerow(["skill", "salary", "position_category", "vector"])
        for r in extra:
            cw.writerow([r["skill"], r["salary"], r["position_category"], json.dumps(r["vector"])])
    bad = h.make_rows("recruit", 6, seed=8, digits=4)
    bad[4]["id"] = "not-a-uuid"
    h.write_rows("recruit", bad, os.path.join(data, "recruit_badrow.csv"))
    with open(os.path.join(data, "notes.txt"), "w") as f:
        f.write("not data\n")
    secret = w("recruit", os.path.join(outside, "recruit_secret.csv"), 3, seed=9, digits=4)
    os.symlink(secret, os.path.join(data, "link_out.csv"))
    os.symlink(outside, os.path.join(data, "dir_link"))
    os.symlink("recruit_small.csv", os.path.join(data, "link_in.csv"))
    return data, secret


class HttpApiTest(unittest.TestCase):
    """One server on a SQLite store and one API in front of it, shared by the tests."""

    @classmethod
    def setUpClass(cls):
        cls.data, cls.secret = make_data_dir()
        cls.store = h.SqliteStore()
        cls.srv = cls.enterClassContext(h.Server(cls.store.url))
        cls.api = cls.enterClassContext(
            a.Api(cls.data, cls.srv.addr, ["--max-jobs", "3", "--retries", "2"]))
        cls.base = cls.api.base

    def call(self, path, method="GET"):
        return a.call(self.base, path, method)

    def post(self, domain, name, **q):
        return self.call(a.ingest_path(domain, name, **q), "POST")

    def assert_error(self, r, status, *words):
        self.assertEqual(r.status, status, r)
        self.assertIsNotNone(r.json, "error body is not JSON: %r" % r)
        self.assertIsInstance(r.json.get("error"), str, r)
        for w in words:
            self.assertIn(w, r.json["error"], r)

    # ---- read-only endpoints

    def test_healthz(self):
        r = self.call("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "ok")
        self.assertEqual(r.json["server"], self.srv.addr)
        self.assertEqual(r.json["max_jobs"], 3)

    def test_openapi_describes_every_endpoint(self):
        r = self.call("/openapi.json")
        self.assertEqual(r.status, 200, r)
        doc = r.json
        self.assertTrue(doc["openapi"].startswith("3.0"), doc["openapi"])
        for p in ("/data/ingest/{domain}", "/data/jobs", "/data/jobs/{id}", "/data/files",
                  "/healthz", "/openapi.json", "/"):
            self.assertIn(p, doc["paths"])
        codes = set(doc["paths"]["/data/ingest/{domain}"]["post"]["responses"])
        self.assertTrue({"200", "202", "400", "404", "429", "500", "503"} <= codes, codes)
        # Every $ref points at a schema that exists.
        refs = set()

        def walk(v):
            if isinstance(v, dict):
                for k, x in v.items():
                    if k == "$ref":
                        refs.add(x)
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
        walk(doc)
        for ref in refs:
            self.assertIn(ref.rsplit("/", 1)[1], doc["components"]["schemas"], ref)

    def test_files_lists_ingestible_files_with_guessed_domain(self):
        r = self.call("/data/files")
        self.assertEqual(r.status, 200, r)
        files = {f["name"]: f for f in r.json["files"]}
        self.assertEqual(r.json["data_dir"], os.path.realpath(self.data))
        self.assertEqual(files["recruit_small.csv"]["domain"], "recruit")
        self.assertEqual(files["recruit_small.csv"]["format"], "csv")
        self.assertEqual(files["recruit_small.csv"]["size"],
                         os.path.getsize(os.path.join(self.data, "recruit_small.csv")))
        self.assertEqual(files["candidate_people.jsonl"]["domain"], "candidate")
        self.assertEqual(files["skills_dic.csv"]["domain"], "skill_embedding_dic")
        self.assertIsNone(files["link_in.csv"]["domain"])
        # Not ingestible: wrong extension, a link leading out, a directory.
        for name in ("notes.txt", "link_out.csv", "dir_link", "nested"):
            self.assertNotIn(name, files)
        self.assertEqual(sorted(files), [f["name"] for f in r.json["files"]])

    def test_page_is_self_contained_html(self):
        r = self.call("/")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"), r.headers)
        self.assertIn("/data/jobs", r.text)
        self.assertIn("/data/files", r.text)
        for outside in ("http://", "https://", "<link", "src="):
            self.assertNotIn(outside, r.text)

    def test_unknown_paths_and_methods(self):
        self.assert_error(self.call("/nope"), 404)
        self.assert_error(self.call("/data/jobs/999999"), 404)
        self.assert_error(self.call("/data/jobs/abc"), 404)
        r = self.call("/data/ingest/recruit?file_name=recruit_small.csv")  # GET, not POST
        self.assert_error(r, 405)
        self.assertEqual(r.headers["Allow"], "POST")
        self.assert_error(self.call("/data/files", "POST"), 405)

    # ---- synchronous ingest

    def test_200_ingests_and_stores_the_rows(self):
        for domain, name in (("recruit", "recruit_small.csv"),
                             ("candidate", "candidate_people.jsonl"),
                             ("recruit", "nested/recruit_nested.csv")):
            r = self.post(domain, name)
            self.assertEqual(r.status, 200, r)
            path = os.path.join(self.data, name)
            nrows = len(h.read_file_rows(domain, path))
            self.assertEqual(r.json["status"], "success", r)
            self.assertEqual(r.json["rows_sent"], nrows, r)
            self.assertGreaterEqual(r.json["chunks_sent"], 1, r)
            self.assertTrue(r.json["message"], r)
            stored = self.store.rows(domain)
            for key, row in h.expected_store(domain, path).items():
                self.assertEqual(stored.get(key), row, "%s row %s" % (name, key))

    def test_200_with_chunk_size_and_a_link_inside(self):
        r = self.post("recruit", "link_in.csv", chunk_size="7")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["rows_sent"], 40, r)
        self.assertEqual(r.json["chunks_sent"], 6, r)  # 40 rows in chunks of 7

    def test_400_unknown_domain(self):
        self.assert_error(self.post("jobs", "recruit_small.csv"), 400, "unknown domain")
        self.assert_error(self.post("", "recruit_small.csv"), 400, "unknown domain")

    def test_400_bad_query(self):
        self.assert_error(self.call("/data/ingest/recruit", "POST"), 400, "file_name")
        self.assert_error(self.post("recruit", "recruit_small.csv", dim="abc"), 400, "dim")
        self.assert_error(self.post("recruit", "recruit_small.csv", chunk_size="0"), 400)
        self.assert_error(self.post("recruit", "recruit_small.csv", **{"async": "maybe"}), 400)

    def test_ignore_unknown_columns_query(self):
        # issue 9: an unknown column is refused before sending, or dropped when the caller says so
        before = self.store.count("skill_embedding_dic")
        r = self.post("skill_embedding_dic", "skills_extra_column.csv")
        self.assert_error(r, 400, "skills_extra_column.csv:1: unknown column 'salary'",
                          "--ignore-unknown-columns")
        self.assertEqual(self.store.count("skill_embedding_dic"), before)
        self.assert_error(self.post("skill_embedding_dic", "skills_extra_column.csv",
                                    ignore_unknown_columns="maybe"), 400, "ignore_unknown_columns")
        r = self.post("skill_embedding_dic", "skills_extra_column.csv", ignore_unknown_columns="true")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["rows_sent"], 3, r)
        self.assertEqual(self.store.count("skill_embedding_dic"), before + 3)
        params = self.call("/openapi.json").json["paths"]["/data/ingest/{domain}"]["post"]["parameters"]
        self.assertIn("ignore_unknown_columns", [p["name"] for p in params])

    def test_400_unsupported_format(self):
        self.assert_error(self.post("recruit", "notes.txt"), 400, "unsupported")

    def test_400_dimension_mismatch(self):
        before = self.store.count("recruit")
        r = self.post("recruit", "recruit_dim8.csv")
        self.assert_error(r, 400, "8", "384")
        self.assertEqual(self.store.count("recruit"), before)

    def test_400_bad_row_refused_before_sending(self):
        # The loader holds rows to the server's checks, so the file is refused in its own terms
        # (file:line) before a stream begins: no gRPC status, no ingest_log entry.
        before = self.store.count("recruit")
        r = self.post("recruit", "recruit_badrow.csv")
        self.assert_error(r, 400, "recruit_badrow.csv:6:", "'id'", "not-a-uuid")
        self.assertEqual(r.json["code"], "INVALID_ARGUMENT", r)
        self.assertIsNone(r.json.get("grpc_status"), r)
        self.assertEqual(self.store.count("recruit"), before, "a refused file stored rows")
        self.assertNotIn("recruit_badrow.csv", [e["file_name"] for e in self.store.ingest_log()])
        # The table holds 768-d skills: a 16-d stream is refused by the server (FAILED_PRECONDITION).
        self.assertEqual(self.post("skill_embedding_dic", "skills_dic.csv").status, 200)
        skills = self.store.count("skill_embedding_dic")
        r = self.post("skill_embedding_dic", "skills_dim16.csv", dim="16")
        self.assert_error(r, 400, "16", "768")
        self.assertEqual(r.json.get("grpc_status"), 9, r)  # FAILED_PRECONDITION
        self.assertEqual(self.store.count("skill_embedding_dic"), skills)

    def test_404_no_such_file(self):
        self.assert_error(self.post("recruit", "missing.csv"), 404, "missing.csv")
        self.assert_error(self.post("recruit", "nested/missing.csv"), 404)
        # Decoded once only: %252e is a literal "%2e", which is simply not there.
        self.assert_error(self.post("recruit", "%252e%252e%252foutside%252frecruit_secret.csv"), 404)

    def test_400_traversal_in_every_form(self):
        secret_abs = os.path.realpath(self.secret)
        names = [
            "../outside/recruit_secret.csv",
            "%2e%2e%2foutside%2frecruit_secret.csv",
            "%2E%2E/outside/recruit_secret.csv",
            "..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
            "nested/../../outside/recruit_secret.csv",
            "nested%2f..%2f..%2foutside%2frecruit_secret.csv",
            "..",
            urllib.parse.quote(secret_abs, safe=""),
            secret_abs,
            "%2fetc%2fpasswd",
            "link_out.csv",
            "dir_link/recruit_secret.csv",
            "dir_link%2frecruit_secret.csv",
            "recruit_small.csv%00",
            "recruit_small.csv%00.txt",
            "",
        ]
        jobs_before = len(self.call("/data/jobs").json["jobs"])
        for name in names:
            r = self.post("recruit", name)
            self.assert_error(r, 400)
            self.assertEqual(r.json["code"], "INVALID_ARGUMENT", (name, r))
        # Refused before any job (and so any file open) was started.
        self.assertEqual(len(self.call("/data/jobs").json["jobs"]), jobs_before)
        secret_keys = set(h.expected_store("recruit", self.secret))
        self.assertFalse(secret_keys & set(self.store.rows("recruit")),
                         "rows of the file outside the data folder were stored")

    # ---- asynchronous jobs

    def test_202_async_job_polled_to_completion(self):
        path = os.path.join(self.data, "recruit_big.csv")
        r = self.post("recruit", "recruit_big.csv", chunk_size="50", **{"async": "true"})
        self.assertEqual(r.status, 202, r)
        jid = r.json["job_id"]
        self.assertEqual(r.headers["Location"], "/data/jobs/%s" % jid)
        self.assertEqual(r.json["status_url"], "/data/jobs/%s" % jid)
        self.assertIn(r.json["state"], ("queued", "running"))

        def poll():
            j = a.call(self.base, "/data/jobs/%s" % jid).json
            if j["bytes_total"]:
                self.assertLessEqual(j["bytes_read"], j["bytes_total"], j)
            return j if j["state"] in ("succeeded", "failed") else None
        job = h.wait_until(poll, h.scaled(120), "the async job to finish", interval=0.05)
        self.assertEqual(job["state"], "succeeded", job)
        self.assertEqual(job["rows_sent"], 3000, job)
        self.assertEqual(job["chunks_sent"], 60, job)
        self.assertEqual(job["bytes_total"], os.path.getsize(path), job)
        self.assertEqual(job["bytes_read"], job["bytes_total"], job)
        self.assertEqual(job["http_status"], 200, job)
        self.assertEqual(job["result"]["status"], "success", job)
        self.assertEqual(job["result"]["rows_sent"], 3000, job)
        self.assertIsNone(job["error"], job)
        self.assertTrue(job["finished_at"] >= job["started_at"] >= job["created_at"], job)
        listed = self.call("/data/jobs").json
        self.assertIn(jid, [j["id"] for j in listed["jobs"]])
        self.assertEqual(listed["max_jobs"], 3)
        ids = [int(j["id"]) for j in listed["jobs"]]
        self.assertEqual(ids, sorted(ids, reverse=True), "jobs are not newest first")
        self.assertGreaterEqual(self.store.count("recruit"), 3000)

    def test_async_failure_is_recorded_on_the_job(self):
        r = self.post("recruit", "recruit_dim8.csv", **{"async": "1"})
        self.assertEqual(r.status, 202, r)
        job = a.wait_job(self.base, r.json["job_id"])
        self.assertEqual(job["state"], "failed", job)
        self.assertEqual(job["http_status"], 400, job)
        self.assertIn("384", job["error"], job)


class HttpApiBusyTest(unittest.TestCase):
    """An API whose gRPC server accepts connections but never answers, so jobs stay running."""

    def test_429_non_blocking_loop_and_shutdown_cancels(self):
        data, _ = make_data_dir()
        with a.BlackHole() as hole:
            api = a.Api(data, hole.addr, ["--max-jobs", "2", "--retries", "1", "--timeout", "120",
                                          "--grace", "5"])
            with api:
                base = api.base
                r = a.call(base, a.ingest_path("recruit", "recruit_small.csv", **{"async": "true"}),
                           "POST")
                self.assertEqual(r.status, 202, r)
                first = r.json["job_id"]
                a.wait_job(base, first, states=("running",), timeout=20)
                # A synchronous ingest holds its own connection only.
                sync = {}

                def sync_ingest():
                    sync["r"] = a.call(base, a.ingest_path("candidate", "candidate_people.jsonl"),
                                       "POST", timeout=120)
                t = threading.Thread(target=sync_ingest, daemon=True)
                t.start()
                h.wait_until(lambda: a.call(base, "/healthz").json["jobs_active"] == 2,
                             h.scaled(20), "the synchronous ingest to be in flight")
                (health, secs) = a.elapsed(lambda: a.call(base, "/healthz"))
                self.assertEqual(health.status, 200)
                self.assertLess(secs, h.scaled(2.0), "GET /healthz waited for a running ingest")
                # Two in flight with --max-jobs 2: more are refused at once, async or not.
                r = a.call(base, a.ingest_path("skill_embedding_dic", "skills_dic.csv",
                                               **{"async": "true"}), "POST")
                self.assertEqual(r.status, 429, r)
                self.assertEqual(r.json["code"], "RESOURCE_EXHAUSTED", r)
                self.assertEqual(a.call(base, a.ingest_path("recruit", "recruit_small.csv"),
                                        "POST").status, 429)
                jobs = a.call(base, "/data/jobs").json
                self.assertEqual(jobs["active"], 2, jobs)
                self.assertEqual(sorted(j["state"] for j in jobs["jobs"]), ["running", "running"])
                # SIGTERM with both running: the jobs are cancelled, the waiting request answered.
                t0 = time.monotonic()
                api.proc.send_signal(signal.SIGTERM)
                api.proc.wait(h.scaled(30))
                self.assertLess(time.monotonic() - t0, h.scaled(15))
                t.join(h.scaled(30))
                self.assertFalse(t.is_alive())
                self.assertIn(sync["r"].status, (503,), sync["r"])
            self.assertEqual(api.returncode, 0, api.log_tail())
            self.assertIn("cancelling 2 ingest job(s)", api.log)


class HttpApiUnreachableTest(unittest.TestCase):
    def test_503_when_the_server_is_gone(self):
        data, _ = make_data_dir()
        store = h.SqliteStore()
        with h.Server(store.url) as srv:
            addr = srv.addr
        # The server stopped: nothing listens on its port any more.
        with a.Api(data, addr, ["--retries", "2"]) as api:
            (r, secs) = a.elapsed(lambda: a.call(api.base, a.ingest_path("recruit",
                                                                        "recruit_small.csv"),
                                                 "POST", timeout=120))
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.json["code"], "UNAVAILABLE", r)
            self.assertLess(secs, h.scaled(60))
            job = a.call(api.base, "/data/jobs").json["jobs"][0]
            self.assertEqual(job["state"], "failed", job)
            self.assertEqual(job["http_status"], 503, job)
            self.assertEqual(job["result"]["attempts"], 2, "the client did not retry: %s" % job)


class HttpApiServerFailureTest(unittest.TestCase):
    """A server that fails streams with a status the client does not retry."""

    def test_500_on_a_server_error_and_400_on_its_refusals(self):
        import grpc
        data, _ = make_data_dir()
        cases = ((grpc.StatusCode.INTERNAL, "disk on fire", 500, "INTERNAL", 13),
                 (grpc.StatusCode.NOT_FOUND, "no such table", 400, "NOT_FOUND", 5),
                 (grpc.StatusCode.PERMISSION_DENIED, "read-only", 400, "PERMISSION_DENIED", 7),
                 (grpc.StatusCode.UNAUTHENTICATED, "who are you", 400, "UNAUTHENTICATED", 16))
        for code, details, status, name, number in cases:
            with a.FailingGrpcServer(code, details) as srv, \
                    a.Api(data, srv.addr, ["--retries", "1"]) as api:
                r = a.call(api.base, a.ingest_path("recruit", "recruit_small.csv"), "POST")
                self.assertEqual(r.status, status, r)
                self.assertIn(details, r.json["error"], r)
                self.assertIn(name, r.json["error"], r)
                self.assertEqual(r.json["grpc_status"], number, r)


class ApiCommandLineTest(unittest.TestCase):
    def test_help_and_bad_flags(self):
        p = h.run_cmd([h.BIN, "api", "--help"])
        self.assertIn("--data-dir", p.stdout)
        self.assertIn("--max-jobs", p.stdout)
        d = h.tempdir()
        for argv in (["--bogus"], [], ["--data-dir", d, "--max-jobs", "0"],
                     ["--data-dir", d, "--listen", "nowhere"], ["--data-dir", d, "extra"],
                     ["--data-dir", os.path.join(d, "missing")],
                     ["--data-dir", d, "--retries", "x"]):
            p = h.run_cmd([h.BIN, "api"] + argv, check=False)
            self.assertEqual(p.returncode, 2, "api %s: %s" % (argv, p.stderr))
            self.assertTrue(p.stderr.strip(), argv)


if __name__ == "__main__":
    h.main()
