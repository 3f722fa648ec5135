# test_http_api.py - `embedstream api` over real HTTP: every status code, traversal, async jobs,
# readiness, cancelling and paging jobs, the one error shape without server-side paths.
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
    os.makedirs(os.path.join(data, "nested", "deeper"))
    w("candidate", os.path.join(data, "nested", "deeper", "people.jsonl"), 3, seed=11, digits=4)
    os.makedirs(os.path.join(data, ".hidden"))
    w("recruit", os.path.join(data, ".hidden", "recruit_hidden.csv"), 2, seed=12, digits=4)
    with open(os.path.join(data, "unnamed.csv"), "w") as f:
        f.write("a,b\n1,2\n")
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


def assert_error(test, r, status, *words, hidden=()):
    """r is an error with this status in the one shape {"error":{"code","message"}}, its message
    holds words, and nothing in it names a server-side absolute path (hidden: the data folders
    whose paths must not show). Returns (code, message)."""
    test.assertEqual(r.status, status, r)
    test.assertIsNotNone(r.json, "error body is not JSON: %r" % r)
    code, msg = a.error_of(r)
    for w in words:
        test.assertIn(w, msg, r)
    for d in hidden:
        for p in {d, os.path.realpath(d), os.path.dirname(os.path.realpath(d))}:
            test.assertNotIn(p, r.text, "an error shows a server-side path")
    if status in (429, 503):
        test.assertRegex(r.headers.get("Retry-After") or "", r"^[1-9][0-9]*$", r.headers)
    return code, msg


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
        return assert_error(self, r, status, *words, hidden=(self.data,))

    # ---- read-only endpoints

    def test_healthz(self):
        r = self.call("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "ok")
        self.assertEqual(r.json["server"], self.srv.addr)
        self.assertEqual(r.json["max_jobs"], 3)

    def test_readyz_when_the_server_answers(self):
        r = self.call("/readyz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"status": "ready", "server": self.srv.addr})
        self.assertEqual(self.call("/readyz", "HEAD").status, 200)

    def test_docs_page_served_by_us(self):
        r = self.call("/docs")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"), r.headers)
        self.assertIn("/openapi.json", r.text)
        for outside in ("http://", "https://", "<link", "src="):
            self.assertNotIn(outside, r.text)

    def test_openapi_describes_every_endpoint(self):
        r = self.call("/openapi.json")
        self.assertEqual(r.status, 200, r)
        doc = r.json
        self.assertTrue(doc["openapi"].startswith("3.0"), doc["openapi"])
        for p in ("/data/ingest/{domain}", "/data/jobs", "/data/jobs/{id}", "/data/files",
                  "/healthz", "/readyz", "/openapi.json", "/docs", "/"):
            self.assertIn(p, doc["paths"])
        ingest = doc["paths"]["/data/ingest/{domain}"]["post"]["responses"]
        self.assertTrue({"200", "202", "400", "404", "409", "429", "500", "503"} <= set(ingest), ingest)
        for code in ("429", "503"):
            self.assertIn("Retry-After", ingest[code]["headers"])
        self.assertIn("delete", doc["paths"]["/data/jobs/{id}"])
        self.assertEqual({p["name"] for p in doc["paths"]["/data/jobs"]["get"]["parameters"]},
                         {"limit", "offset"})
        self.assertIn("503", doc["paths"]["/readyz"]["get"]["responses"])
        # Every error response a route documents is the one shape (or a schema built on it).
        errors = [(p, m, c, json.dumps(r)) for p, ops in doc["paths"].items() for m, op in ops.items()
                  if isinstance(op, dict) for c, r in op.get("responses", {}).items() if c[0] in "45"]
        self.assertGreaterEqual(len(errors), 10, errors)
        for p, m, c, r in errors:
            self.assertRegex(r, r"#/components/schemas/\w*Error", (p, m, c))
            if c in ("429", "503"):
                self.assertIn("Retry-After", r, (p, m, c))
        err = doc["components"]["schemas"]["Error"]
        self.assertEqual(err["required"], ["error"])
        self.assertEqual(err["properties"]["error"]["required"], ["code", "message"])
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
            node = doc
            for part in ref.lstrip("#/").split("/"):
                self.assertIn(part, node, ref)
                node = node[part]

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
        self.assertEqual(files["recruit_small.csv"]["domain_from"], "name")
        # Subfolders' files too, named relative to the folder.
        self.assertEqual(files["nested/recruit_nested.csv"]["domain"], "recruit")
        self.assertEqual(files["nested/deeper/people.jsonl"]["size"],
                         os.path.getsize(os.path.join(self.data, "nested/deeper/people.jsonl")))
        # The name does not tell: the header does (a link in to a recruit file, a JSONL object's keys).
        self.assertEqual((files["link_in.csv"]["domain"], files["link_in.csv"]["domain_from"]),
                         ("recruit", "header"))
        self.assertEqual((files["nested/deeper/people.jsonl"]["domain"],
                          files["nested/deeper/people.jsonl"]["domain_from"]), ("candidate", "header"))
        self.assertEqual((files["unnamed.csv"]["domain"], files["unnamed.csv"]["domain_from"]),
                         (None, None))
        # Not ingestible: wrong extension, a link leading out, a directory, a link to one, hidden.
        for name in ("notes.txt", "link_out.csv", "dir_link", "nested", "dir_link/recruit_secret.csv",
                     ".hidden/recruit_hidden.csv"):
            self.assertNotIn(name, files)
        self.assertEqual(sorted(files), [f["name"] for f in r.json["files"]])
        # What the listing names can be ingested by that name.
        r = self.post("candidate", "nested/deeper/people.jsonl")
        self.assertEqual(r.status, 200, r)

    def test_page_is_self_contained_html(self):
        r = self.call("/")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"), r.headers)
        self.assertIn("/data/jobs", r.text)
        self.assertIn("/data/files", r.text)
        for outside in ("http://", "https://", "<link", "src="):
            self.assertNotIn(outside, r.text)

    def test_unknown_paths_and_methods(self):
        self.assertEqual(self.assert_error(self.call("/nope"), 404)[0], "NOT_FOUND")
        self.assert_error(self.call("/data/jobs/999999"), 404)
        self.assert_error(self.call("/data/jobs/abc"), 404)
        self.assert_error(self.call("/data/jobs/999999", "DELETE"), 404)
        self.assert_error(self.call("/data/jobs/abc", "DELETE"), 404)
        r = self.call("/data/ingest/recruit?file_name=recruit_small.csv")  # GET, not POST
        self.assert_error(r, 405)
        self.assertEqual(r.headers["Allow"], "POST")
        r = self.call("/data/files", "POST")
        self.assert_error(r, 405)
        self.assertEqual(r.headers["Allow"], "GET, HEAD")
        r = self.call("/data/jobs/1", "PUT")
        self.assert_error(r, 405, "PUT")
        self.assertEqual(r.headers["Allow"], "GET, HEAD, DELETE")
        self.assert_error(self.call("/readyz", "DELETE"), 405)

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
        for q in ("limit=abc", "limit=-1", "limit=5000", "offset=x", "limit=1e3"):
            self.assert_error(self.call("/data/jobs?" + q), 400, "limit")

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
        _, msg = self.assert_error(r, 400, "8", "384")
        # Regression: the loader's message named the file by the server's absolute path.
        self.assertTrue(msg.startswith("recruit_dim8.csv:2: "), msg)
        self.assertEqual(self.store.count("recruit"), before)
        # Through a link and in a subfolder: the name the caller gave.
        os.symlink("../recruit_dim8.csv", os.path.join(self.data, "nested", "dim8_link.csv"))
        self.addCleanup(os.remove, os.path.join(self.data, "nested", "dim8_link.csv"))
        _, msg = self.assert_error(self.post("recruit", "nested/dim8_link.csv"), 400)
        self.assertTrue(msg.startswith("nested/dim8_link.csv:2: "), msg)

    def test_400_bad_row_refused_before_sending(self):
        # The loader holds rows to the server's checks, so the file is refused in its own terms
        # (file:line) before a stream begins: no gRPC status, no ingest_log entry.
        before = self.store.count("recruit")
        r = self.post("recruit", "recruit_badrow.csv")
        code, msg = self.assert_error(r, 400, "'id'", "not-a-uuid")
        self.assertTrue(msg.startswith("recruit_badrow.csv:6:"), msg)
        self.assertEqual(code, "INVALID_ARGUMENT", r)
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
            code, _ = assert_error(self, r, 400)  # the path given may be echoed, nothing more
            self.assertEqual(code, "INVALID_ARGUMENT", (name, r))
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
        job = a.wait_job(self.base, r.json["job_id"], states=("succeeded", "failed", "cancelled"))
        self.assertEqual(job["state"], "failed", job)
        self.assertEqual(job["http_status"], 400, job)
        self.assertIn("384", job["error"], job)
        self.assertTrue(job["error"].startswith("recruit_dim8.csv:2: "), job)
        self.assertEqual(a.error_of(a.Response(400, {"Content-Type": "application/json"},
                                               json.dumps(job["result"]).encode()))[0],
                         "INVALID_ARGUMENT")
        self.assertNotIn(os.path.realpath(self.data), json.dumps(job))

    def test_cancelling_a_finished_job_is_a_conflict(self):
        r = self.post("recruit", "recruit_small.csv")
        self.assertEqual(r.status, 200, r)
        jid = r.json["job_id"]
        r = self.call("/data/jobs/%s" % jid, "DELETE")
        self.assert_error(r, 409, "already ended", "succeeded")
        self.assertEqual(r.json["job"]["id"], jid)
        self.assertEqual(r.json["job"]["state"], "succeeded")


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
                code, _ = assert_error(self, r, 429, "--max-jobs 2", hidden=(data,))
                self.assertEqual(code, "RESOURCE_EXHAUSTED", r)
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
            code, msg = assert_error(self, r, 503, hidden=(data,))
            self.assertEqual(code, "UNAVAILABLE", r)
            self.assertIn("is `embedstream serve` running at %s?" % addr, msg)
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
                assert_error(self, r, status, details, name, hidden=(data,))
                self.assertEqual(r.json["grpc_status"], number, r)


class HttpApiReadinessTest(unittest.TestCase):
    """/readyz follows the gRPC server's health check; /healthz stays the API's own liveness."""

    def assert_not_ready(self, base, addr, data):
        def poll():
            r = a.call(base, "/readyz")
            return r if r.status == 503 else None
        r = h.wait_until(poll, h.scaled(20), "/readyz to say 503")
        code, msg = assert_error(self, r, 503, "is `embedstream serve` running at %s?" % addr,
                                 hidden=(data,))
        self.assertEqual((code, r.json["server"]), ("UNAVAILABLE", addr))
        self.assertEqual(a.call(base, "/healthz").status, 200)

    def test_readyz_down_then_up(self):
        data, _ = make_data_dir()
        port = h.free_port()
        addr = "127.0.0.1:%d" % port
        with a.Api(data, addr) as api:
            self.assert_not_ready(api.base, addr, data)  # nothing listens
            with h.Server("null:", listen=addr):
                h.wait_until(lambda: a.call(api.base, "/readyz").status == 200, h.scaled(20),
                             "/readyz to say 200 once the server runs")
            self.assert_not_ready(api.base, addr, data)  # stopped again
        self.assertIn("is not ready", api.log)
        self.assertIn("is ready again", api.log)

    def test_a_server_that_does_not_speak_grpc_is_not_ready(self):
        data, _ = make_data_dir()
        with a.BlackHole() as hole, a.Api(data, hole.addr) as api:
            (r, secs) = a.elapsed(lambda: a.call(api.base, "/readyz"))
            assert_error(self, r, 503, "DEADLINE_EXCEEDED", hidden=(data,))
            self.assertLess(secs, h.scaled(10), "the check is bounded")


class HttpApiCancelTest(unittest.TestCase):
    """DELETE /data/jobs/{id}: the job's stream is cancelled and the server stores nothing."""

    def test_cancel_a_running_stream_stores_nothing(self):
        data, _ = make_data_dir()
        store = h.SqliteStore()
        with h.Server(store.url) as srv, a.Relay(srv.addr, budget=48 * 1024) as relay, \
                a.Api(data, relay.addr) as api:
            before = store.count("recruit")
            r = a.call(api.base, a.ingest_path("recruit", "recruit_big.csv", chunk_size="5",
                                               **{"async": "true"}), "POST")
            self.assertEqual(r.status, 202, r)
            jid = r.json["job_id"]
            # The server has the stream's start and its first chunks; the rest waits in the relay.
            srv.wait_for_log(r"stream \d+ start: .*file=\"recruit_big.csv\"")
            a.wait_job(api.base, jid, states=("running",))
            self.assertGreater(relay.forwarded, 0)
            r = a.call(api.base, "/data/jobs/%s" % jid, "DELETE")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["state"], "cancelled", r)
            self.assertIn("was cancelled (DELETE /data/jobs/%s)" % jid, r.json["error"])
            self.assertEqual(a.error_of(a.Response(409, {"Content-Type": "application/json"},
                                                   json.dumps(r.json["result"]).encode()))[0],
                             "CANCELLED")
            relay.release()  # what the client sent, the cancel included, reaches the server
            srv.wait_for_log(r"stream \d+ end: .*file=\"recruit_big.csv\".* outcome=CANCELLED")
            self.assertEqual(store.count("recruit"), before, "a cancelled job stored rows")
            log = [e for e in store.ingest_log() if e["file_name"] == "recruit_big.csv"]
            self.assertEqual([e["status"] for e in log], ["cancelled"], log)
            self.assertEqual(a.call(api.base, "/data/jobs/%s" % jid).json["state"], "cancelled")
            assert_error(self, a.call(api.base, "/data/jobs/%s" % jid, "DELETE"), 409,
                         "already ended (cancelled)", hidden=(data,))

    def test_cancel_answers_a_waiting_synchronous_request(self):
        data, _ = make_data_dir()
        with a.BlackHole() as hole, a.Api(data, hole.addr, ["--timeout", "120"]) as api:
            sync = {}

            def sync_ingest():
                sync["r"] = a.call(api.base, a.ingest_path("recruit", "recruit_small.csv"),
                                   "POST", timeout=120)
            t = threading.Thread(target=sync_ingest, daemon=True)
            t.start()
            job = h.wait_until(lambda: ([j for j in a.call(api.base, "/data/jobs").json["jobs"]
                                         if j["state"] == "running"] or [None])[0],
                               h.scaled(20), "the synchronous ingest to run")
            (r, secs) = a.elapsed(lambda: a.call(api.base, "/data/jobs/%s" % job["id"], "DELETE"))
            self.assertEqual((r.status, r.json["state"]), (200, "cancelled"), r)
            self.assertLess(secs, h.scaled(5), "the cancel waited for the stream's deadline")
            t.join(h.scaled(30))
            self.assertFalse(t.is_alive())
            code, _ = assert_error(self, sync["r"], 409, "was cancelled", hidden=(data,))
            self.assertEqual(code, "CANCELLED")
            self.assertEqual(sync["r"].json["rows_stored"], 0)


class HttpApiPagingTest(unittest.TestCase):
    def test_finished_jobs_bounded_and_paged(self):
        data, _ = make_data_dir()
        store = h.SqliteStore()
        with h.Server(store.url) as srv, a.Api(data, srv.addr, ["--job-history", "3"]) as api:
            for _ in range(5):
                self.assertEqual(a.call(api.base, a.ingest_path("recruit", "recruit_small.csv"),
                                        "POST").status, 200)
            page = a.call(api.base, "/data/jobs").json
            self.assertEqual((page["total"], page["offset"], page["limit"]), (3, 0, 50), page)
            self.assertEqual([j["id"] for j in page["jobs"]], ["5", "4", "3"])  # the oldest went
            page = a.call(api.base, "/data/jobs?limit=2&offset=1").json
            self.assertEqual([j["id"] for j in page["jobs"]], ["4", "3"])
            self.assertEqual((page["total"], page["limit"], page["offset"]), (3, 2, 1))
            self.assertEqual(a.call(api.base, "/data/jobs?offset=3").json["jobs"], [])
            self.assertEqual(a.call(api.base, "/data/jobs?limit=0").json["jobs"], [])
            assert_error(self, a.call(api.base, "/data/jobs/1"), 404, hidden=(data,))
            self.assertEqual(a.call(api.base, "/data/jobs/3").status, 200)


class ApiCommandLineTest(unittest.TestCase):
    def test_help_and_bad_flags(self):
        p = h.run_cmd([h.BIN, "api", "--help"])
        self.assertIn("--data-dir", p.stdout)
        self.assertIn("--max-jobs", p.stdout)
        d = h.tempdir()
        for argv in (["--bogus"], [], ["--data-dir", d, "--max-jobs", "0"],
                     ["--data-dir", d, "--listen", "nowhere"], ["--data-dir", d, "extra"],
                     ["--data-dir", os.path.join(d, "missing")],
                     ["--data-dir", d, "--retries", "x"], ["--data-dir", d, "--job-history", "-1"],
                     ["--data-dir", d, "--server", "50052"]):
            p = h.run_cmd([h.BIN, "api"] + argv, check=False)
            self.assertEqual(p.returncode, 2, "api %s: %s" % (argv, p.stderr))
            self.assertTrue(p.stderr.strip(), argv)


if __name__ == "__main__":
    h.main()
