# test_http_api_security.py - `embedstream api` over HTTPS with bearer tokens, driven by curl, in front of a TLS gRPC server.
"""Certificates from harness.certs (openssl at test time), tokens from `embedstream token new`.
The API serves HTTPS (--tls-cert/--tls-key) and wants a token (--tokens) on every route but /,
/healthz and /readyz: none or a wrong one is 401 with WWW-Authenticate: Bearer, a token for another domain
is 403, and neither reaches the gRPC server. The API's own calls go to a gRPC server that wants TLS
and its own token (--server-tls-ca, --server-token-file), whose name ingest_log.client records.
A listener other machines can reach is refused (exit 2) without HTTPS and tokens, unless
--insecure. SIGHUP reads the token file again."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from harness import api as a  # noqa: E402

FILE = "recruit_sec.csv"
ROWS = 30


def new_token(path, name, domains=None):
    argv = [h.BIN, "token", "new", name, "--tokens", path] + (["--domains", domains] if domains else [])
    token = h.run_cmd(argv).stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", token), token
    return token


class Base(unittest.TestCase):
    def setUp(self):
        missing = h.openssl_missing() or (None if shutil.which("curl") else "curl is not installed")
        if missing:
            self.skipTest(missing)
        self.certs = h.tls_certs()
        self.dir = h.tempdir("es-apisec-")
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.data)
        h.write_domain_file("recruit", os.path.join(self.data, FILE), ROWS, seed=31, digits=4)
        h.write_domain_file("candidate", os.path.join(self.data, "candidate_sec.jsonl"), 5, seed=32, digits=4)
        self.api_tokens = os.path.join(self.dir, "api-tokens")
        self.tok_all = new_token(self.api_tokens, "ops")
        self.tok_jobs = new_token(self.api_tokens, "jobs", "recruit")
        self.srv_tokens = os.path.join(self.dir, "srv-tokens")
        self.srv_token_file = os.path.join(self.dir, "api.token")
        with open(self.srv_token_file, "w") as f:
            f.write(new_token(self.srv_tokens, "http-api") + "\n")
        self.store = h.SqliteStore()

    def tls(self):
        return ["--tls-cert", self.certs.server, "--tls-key", self.certs.server_key]

    def grpc_server(self):
        return h.Server(self.store.url, args=self.tls() + ["--tokens", self.srv_tokens])

    def api(self, srv, extra=(), listen=None):
        args = self.tls() + ["--tokens", self.api_tokens, "--server-tls-ca", self.certs.ca,
                             "--server-token-file", self.srv_token_file] + list(extra)
        api = a.Api(self.data, srv.addr, args)
        if listen:
            api.argv[api.argv.index("--listen") + 1] = listen
        return api

    def curl(self, api, path, token=None, method="GET", cacert=True, scheme="https"):
        """(curl's exit code, HTTP status, headers text, JSON body or None)."""
        argv = ["curl", "-sS", "-D", "-", "-o", os.path.join(self.dir, "body"), "-X", method,
                "--max-time", str(h.scaled(60))]
        if cacert:
            argv += ["--cacert", self.certs.ca]
        if token:
            argv += ["-H", "Authorization: Bearer " + token]
        p = subprocess.run(argv + ["%s://%s%s" % (scheme, api.addr, path)], capture_output=True, text=True,
                           timeout=h.scaled(90))
        m = re.search(r"^HTTP/\S+ (\d+)", p.stdout, re.M)
        body = None
        if m and os.path.exists(os.path.join(self.dir, "body")):
            with open(os.path.join(self.dir, "body")) as f:
                text = f.read()
            body = json.loads(text) if text.startswith("{") else text
        return p.returncode, int(m.group(1)) if m else None, p.stdout, body if m else p.stderr


class HttpsAndTokens(Base):
    def test_routes_tokens_and_domains(self):
        ingest = a.ingest_path("recruit", FILE)
        with self.grpc_server() as srv, self.api(srv) as api:
            # open routes: probes and the page need no token
            for path in ("/healthz", "/readyz", "/"):
                code, status, _, _ = self.curl(api, path)
                self.assertEqual((code, status), (0, 200), path)
            # no token, a wrong one: 401 with the challenge; nothing reaches the gRPC server
            for path, method in (("/data/files", "GET"), ("/data/jobs", "GET"), ("/openapi.json", "GET"),
                                 (ingest, "POST")):
                for token, challenge in ((None, 'Bearer realm="embedstream"\n'),
                                         ("f" * 64, 'Bearer realm="embedstream", error="invalid_token"')):
                    with self.subTest(path=path, token=bool(token)):
                        code, status, head, body = self.curl(api, path, token, method)
                        self.assertEqual((code, status), (0, 401), head)
                        self.assertIn("WWW-Authenticate: " + challenge, head)
                        self.assertEqual(body["error"]["code"], "UNAUTHENTICATED", body)
            # a token for recruit only: 403 for candidate, before any gRPC call
            code, status, _, body = self.curl(api, a.ingest_path("candidate", "candidate_sec.jsonl"),
                                              self.tok_jobs, "POST")
            self.assertEqual(status, 403, body)
            self.assertEqual(body["error"]["code"], "PERMISSION_DENIED", body)
            self.assertIn("token 'jobs' may not ingest into domain candidate", body["error"]["message"])
            self.assertEqual(self.store.ingest_log(), [])
            # the right token: listed, ingested through TLS and the API's own gRPC token
            code, status, _, body = self.curl(api, "/data/files", self.tok_jobs)
            self.assertEqual(status, 200, body)
            self.assertIn(FILE, [f["name"] for f in body["files"]])
            code, status, _, doc = self.curl(api, "/openapi.json", self.tok_jobs)
            self.assertEqual(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer")
            self.assertEqual(doc["paths"]["/healthz"]["get"]["security"], [])
            self.assertIn("401", doc["paths"]["/data/ingest/{domain}"]["post"]["responses"])
            code, status, _, body = self.curl(api, ingest, self.tok_jobs, "POST")
            self.assertEqual(status, 200, body)
            self.assertEqual(body["status"], "success", body)
            for tok in (self.tok_all, self.tok_jobs):
                self.assertNotIn(tok, api.log)
        self.assertEqual(self.store.count("recruit"), ROWS)
        self.assertEqual([e["client"] for e in self.store.ingest_log()], ["token:http-api"])

    def test_https_only_and_trusted_only(self):
        with self.grpc_server() as srv, self.api(srv) as api:
            code, _, _, err = self.curl(api, "/healthz", cacert=False)
            self.assertEqual(code, 60, err)  # curl: the peer's certificate cannot be verified
            code, status, _, _ = self.curl(api, "/healthz", scheme="http")
            self.assertNotEqual(status, 200)
            # TLS 1.1 is refused, 1.2 agreed
            for version, ok in (("-tls1_1", False), ("-tls1_2", True)):
                p = subprocess.run(["openssl", "s_client", "-connect", api.addr, version, "-cipher",
                                    "DEFAULT@SECLEVEL=0", "-CAfile", self.certs.ca], input="",
                                   capture_output=True, text=True, timeout=h.scaled(30),
                                   env=dict(os.environ, OPENSSL_CONF="/dev/null"))
                out = p.stdout + p.stderr
                self.assertEqual("Cipher is (NONE)" not in out, ok, out)  # (NONE): no handshake
                if ok:
                    self.assertRegex(out, r"Protocol\s*: TLSv1\.2")
                    self.assertIn("Verify return code: 0 (ok)", out)

    def test_api_calls_refused_by_the_grpc_server(self):
        # the API's token is not the gRPC server's: a refusal by the server like any other (400, not
        # the caller's 401), with the server's word; nothing stored
        with open(self.srv_token_file, "w") as f:
            f.write("0" * 64 + "\n")
        with self.grpc_server() as srv, self.api(srv) as api:
            code, status, _, body = self.curl(api, a.ingest_path("recruit", FILE), self.tok_all, "POST")
            self.assertEqual(status, 400, body)
            self.assertEqual(body["error"]["code"], "UNAUTHENTICATED", body)
            self.assertIn("invalid token", body["error"]["message"])
        self.assertEqual(self.store.total_rows(), 0)
        self.assertEqual(self.store.ingest_log(), [])

    def test_sighup_reads_the_token_file_again(self):
        with self.grpc_server() as srv, self.api(srv) as api:
            self.assertEqual(self.curl(api, "/data/jobs", self.tok_jobs)[1], 200)
            with open(self.api_tokens) as f:
                lines = [ln for ln in f if not ln.startswith("jobs ")]
            with open(self.api_tokens, "w") as f:
                f.writelines(lines)
            at = len(api.log)
            api.proc.send_signal(signal.SIGHUP)
            api.wait_for_log(r"tokens reloaded: 1 from", start=at)
            self.assertEqual(self.curl(api, "/data/jobs", self.tok_jobs)[1], 401)
            self.assertEqual(self.curl(api, "/data/jobs", self.tok_all)[1], 200)
            # a malformed file keeps the tokens in force
            with open(self.api_tokens, "a") as f:
                f.write("broken line without a hash\n")
            at = len(api.log)
            api.proc.send_signal(signal.SIGHUP)
            api.wait_for_log(r"tokens not reloaded, the 1 loaded before stay in force", start=at)
            self.assertEqual(self.curl(api, "/data/jobs", self.tok_all)[1], 200)


class Listeners(Base):
    def run_api(self, args, listen):
        p = subprocess.run([h.BIN, "api", "--data-dir", self.data, "--listen", listen] + args,
                           capture_output=True, text=True, timeout=h.scaled(30))
        return p.returncode, p.stderr

    def test_non_loopback_needs_https_and_tokens(self):
        code, err = self.run_api([], "0.0.0.0:0")
        self.assertEqual(code, 2, err)
        self.assertIn("--listen 0.0.0.0:0 is not a loopback address", err)
        self.assertIn("it needs TLS (--tls-cert and --tls-key) and tokens (--tokens)", err)
        code, err = self.run_api(self.tls(), "0.0.0.0:0")
        self.assertEqual(code, 2, err)
        self.assertIn("it needs tokens (--tokens)", err)
        code, err = self.run_api(["--tls-cert", self.certs.server], "127.0.0.1:0")
        self.assertEqual(code, 2, err)
        self.assertIn("--tls-cert and --tls-key go together", err)
        code, err = self.run_api(["--server-tls-ca", os.path.join(self.dir, "missing.pem")], "127.0.0.1:0")
        self.assertNotEqual(code, 0, err)
        self.assertIn("--server-tls", err)
        self.assertIn("missing.pem", err)

    def test_insecure_listens_and_warns(self):
        with self.grpc_server() as srv:
            api = a.Api(self.data, srv.addr, ["--insecure"])
            api.argv[api.argv.index("--listen") + 1] = "0.0.0.0:0"
            with api:
                self.assertIn("is reachable from other machines", api.log)
                api.addr = "127.0.0.1:%d" % api.port
                self.assertEqual(self.curl(api, "/healthz", scheme="http")[1], 200)

    def test_tls_and_tokens_listen_anywhere(self):
        with self.grpc_server() as srv, self.api(srv, listen="0.0.0.0:0") as api:
            api.addr = "127.0.0.1:%d" % api.port
            self.assertEqual(self.curl(api, "/data/jobs", self.tok_all)[1], 200)
            self.assertNotIn("reachable from other machines", api.log)


if __name__ == "__main__":
    h.main()
