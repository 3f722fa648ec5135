# test_security.py - the gRPC server with TLS, client certificates and bearer tokens, once per store: who gets in, what is stored, what ingest_log says.
"""Certificates come from harness.certs (openssl at test time), tokens from `embedstream token
new`. A stock grpcio client (ssl_channel_credentials and the `authorization` metadata) and our
own client ingest through TLS with a token; every refusal (no token, a wrong or malformed one, a
token for another domain, a plaintext client, a client trusting another CA, a client certificate
missing under mTLS) gets its status and leaves the store without a row and ingest_log without an
entry. ingest_log.client names the token (never the token itself) and the client certificate's
subject. SIGHUP reads the token file again: a removed token is refused for new streams while a
stream already open with it finishes, and a malformed file keeps the tokens in force."""
import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

import grpc  # noqa: E402


def new_token(path, name, domains=None):
    """`embedstream token new NAME` into the token file at path; returns the token."""
    argv = [h.BIN, "token", "new", name, "--tokens", path]
    if domains:
        argv += ["--domains", domains]
    p = h.run_cmd(argv)
    token = p.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", token), p.stdout
    return token


class Credentials:
    """setUp: the test certificates (skipped without openssl), a temp dir and a token file with
    the tokens TOKENS names ((name, domains or None), ...), made by `token new`: self.tok[name]."""
    TOKENS = ()

    def setUp(self):
        super().setUp()
        missing = h.openssl_missing()
        if missing:
            self.skipTest(missing)
        self.certs = h.tls_certs()
        self.dir = h.tempdir()
        self.tokens = os.path.join(self.dir, "tokens")
        self.tok = {name: new_token(self.tokens, name, domains) for name, domains in self.TOKENS}


class SecurityBase(Credentials):
    """A token file with 'all' (every domain) and 'jobs' (recruit only), the test certificates."""
    TOKENS = (("all", None), ("jobs", "recruit"))

    def setUp(self):
        super().setUp()
        self.tok_all, self.tok_jobs = self.tok["all"], self.tok["jobs"]

    def path(self, name):
        return os.path.join(self.dir, name)

    def tls_args(self, client_ca=False):
        args = ["--tls-cert", self.certs.server, "--tls-key", self.certs.server_key, "--tokens", self.tokens]
        return args + (["--tls-client-ca", self.certs.ca] if client_ca else [])

    def server(self, client_ca=False, **kw):
        return h.Server(self.store.url, args=self.tls_args(client_ca), **kw)

    def grpc_client(self, srv, token=None, ca=None, cert=None, key=None, tls=True):
        creds = None
        if tls:
            creds = grpc.ssl_channel_credentials(
                root_certificates=self.certs.read(ca or self.certs.ca),
                private_key=self.certs.read(key) if key else None,
                certificate_chain=self.certs.read(cert) if cert else None)
        md = [("authorization", "Bearer " + token)] if token else None
        return h.Client(srv.addr, credentials=creds, metadata=md)

    def send(self, srv, domain="recruit", n=3, start=0, **kw):
        """One stream of n recruit rows keyed from start (h.DIM-d, as h.md declares)."""
        c = self.grpc_client(srv, **kw)
        try:
            msgs = [h.md(domain=domain)]
            if domain == "recruit":
                msgs.append(h.recruit_chunk(start, n))
            return c.send(msgs)
        finally:
            c.close()

    def token_file(self, token, name="token"):
        path = self.path(name)
        with open(path, "w") as f:
            f.write(token + "\n")
        return path

    def ingest(self, srv, path, token=None, domain="recruit", extra=(), env=None, dim=None):
        argv = h.ingest_argv(domain, path, srv.addr, chunk_size=7, retries=1, dim=dim,
                             args=["--tls-ca", self.certs.ca] + list(extra))
        if token:
            argv += ["--token-file", self.token_file(token)]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=h.scaled(120),
                           env=dict(os.environ, **(env or {})))
        return h.IngestResult(p.returncode, h.parse_json_stdout(p.stdout) if p.stdout.strip() else None, p.stderr)

    def assert_nothing_stored(self):
        self.assertEqual(self.store.total_rows(), 0)
        self.assertEqual(self.store.ingest_log(), [], "a refused stream left an ingest_log entry")


class Security(SecurityBase):
    def test_grpcio_client_with_a_token(self):
        with self.server() as srv:
            code, details, resp = self.send(srv, token=self.tok_all)
            self.assertEqual(code, grpc.StatusCode.OK, details)
            self.assertEqual(resp.total_rows_received, 3)
            srv.wait_for_log(r'stream 1 end: peer=\S+ client="token:all" domain=recruit')
        self.assertEqual(self.store.count("recruit"), 3)
        log = self.store.ingest_log()
        self.assertEqual([(e["status"], e["client"]) for e in log], [("success", "token:all")])
        self.assertNotIn(self.tok_all, srv.log)

    def test_our_client_with_a_token_file_and_the_environment(self):
        path = h.write_domain_file("recruit", self.path("r.csv"), 50)
        with self.server() as srv:
            res = self.ingest(srv, path, token=self.tok_jobs)
            self.assertEqual(res.code, 0, res.err)
            self.assertEqual(res.out["rows_stored"], 50)
            res = self.ingest(srv, path, env={"EMBEDSTREAM_TOKEN": self.tok_all})
            self.assertEqual(res.code, 0, res.err)
            # --token-file wins over the variable
            res = self.ingest(srv, path, token="wrong", env={"EMBEDSTREAM_TOKEN": self.tok_all})
            self.assertEqual(res.code, 5, res.err)
        self.assertEqual(self.store.rows("recruit"), h.expected_store("recruit", path))
        self.assertEqual([e["client"] for e in self.store.ingest_log()], ["token:jobs", "token:all"])
        for tok in (self.tok_all, self.tok_jobs):
            self.assertNotIn(tok, srv.log)

    def test_every_refusal_has_its_status_and_stores_nothing(self):
        other = {"ca": self.certs.other_ca}
        cases = [
            ("no token", {}, grpc.StatusCode.UNAUTHENTICATED, "missing credentials"),
            ("a wrong token", {"token": "0" * 64}, grpc.StatusCode.UNAUTHENTICATED, "invalid token"),
            ("the hash as token", {"token": h1_of(self.tokens, "all")}, grpc.StatusCode.UNAUTHENTICATED,
             "invalid token"),
            ("plaintext client", {"token": self.tok_all, "tls": False}, grpc.StatusCode.UNAVAILABLE, ""),
            ("another CA", dict(other, token=self.tok_all), grpc.StatusCode.UNAVAILABLE, ""),
        ]
        with self.server() as srv:
            for what, kw, want, says in cases:
                with self.subTest(what):
                    code, details, _ = self.send(srv, **kw)
                    self.assertEqual(code, want, details)
                    self.assertIn(says, details)
            with self.subTest("a token for another domain"):
                code, details, _ = self.send(srv, domain="candidate", token=self.tok_jobs)
                self.assertEqual(code, grpc.StatusCode.PERMISSION_DENIED, details)
                self.assertIn("token 'jobs' may not ingest into domain candidate (its domains: recruit)", details)
                srv.wait_for_log(r'client="token:jobs" domain=- .*outcome=PERMISSION_DENIED')
            with self.subTest("a malformed authorization"):
                c = h.Client(srv.addr, credentials=grpc.ssl_channel_credentials(self.certs.read(self.certs.ca)),
                             metadata=[("authorization", "Basic YWxsOnNlY3JldA==")])
                code, details, _ = c.send([h.md(), h.recruit_chunk(0, 2)])
                c.close()
                self.assertEqual(code, grpc.StatusCode.UNAUTHENTICATED, details)
                self.assertIn("expected 'Bearer TOKEN'", details)
            srv.wait_for_log(r"outcome=UNAUTHENTICATED error=\"missing credentials")
        self.assert_nothing_stored()

    def test_our_client_refused_exits_5_without_retrying(self):
        path = h.write_domain_file("candidate", self.path("c.csv"), 20)
        with self.server() as srv:
            for what, token, code_name in (("no token", None, "UNAUTHENTICATED"),
                                           ("wrong token", "x" * 40, "UNAUTHENTICATED"),
                                           ("other domain", self.tok_jobs, "PERMISSION_DENIED")):
                with self.subTest(what):
                    argv_extra = ["--retries", "5"]
                    res = self.ingest(srv, path, token=token, domain="candidate", extra=argv_extra)
                    self.assertEqual(res.code, 5, res.err)
                    self.assertIn(code_name, res.out["message"])
                    self.assertEqual(res.out["rows_stored"], 0)
                    self.assertNotIn("retrying", res.err)
        self.assert_nothing_stored()

    def test_client_certificates(self):
        path = h.write_domain_file("recruit", self.path("r.csv"), 10, dim=h.DIM)
        subject = self.certs.subject_of(self.certs.client)
        with self.server(client_ca=True) as srv:
            self.assertIn("listening on", srv.log)
            self.assertRegex(srv.log, r"listening on \S+ \(TLS, client certificates\)")
            # without a client certificate: refused in words, nothing stored
            code, details, _ = self.send(srv, token=self.tok_all)
            self.assertEqual(code, grpc.StatusCode.UNAUTHENTICATED, details)
            self.assertIn("a client certificate is required", details)
            res = self.ingest(srv, path, token=self.tok_all, dim=h.DIM)
            self.assertEqual(res.code, 5, res.err)
            # a certificate of another CA: the handshake fails, our client says why
            res = self.ingest(srv, path, token=self.tok_all, dim=h.DIM,
                              extra=["--tls-cert", self.certs.other_client, "--tls-key", self.certs.other_client_key])
            self.assertEqual(res.code, 5, res.err)
            self.assertIn("does not accept the client certificate in --tls-cert (CN=intruder)", res.out["message"])
            self.assert_nothing_stored()
            # with one: stored, and ingest_log names both token and certificate
            code, details, _ = self.send(srv, token=self.tok_all, cert=self.certs.client, key=self.certs.client_key)
            self.assertEqual(code, grpc.StatusCode.OK, details)
            res = self.ingest(srv, path, token=self.tok_jobs,
                              extra=["--tls-cert", self.certs.client, "--tls-key", self.certs.client_key],
                              dim=h.DIM)
            self.assertEqual(res.code, 0, res.err)
            srv.wait_for_log(r'client="token:jobs cert:%s"' % re.escape(subject))
        self.assertEqual([e["client"] for e in self.store.ingest_log()],
                         ["token:all cert:" + subject, "token:jobs cert:" + subject])

    def test_sighup_reads_the_token_file_again(self):
        with self.server() as srv:
            held = h.HeldStream(self.grpc_client(srv, token=self.tok_all), [h.md(), h.recruit_chunk(100, 2)],
                                [h.recruit_chunk(102, 2)])
            srv.wait_for_log(r"stream 1 start: .*client=\"token:all\"")
            # 'all' removed, 'jobs' kept: new streams with 'all' are refused at once
            with open(self.tokens) as f:
                lines = f.read().splitlines()
            with open(self.tokens, "w") as f:
                f.write("\n".join(l for l in lines if not l.startswith("all ")) + "\n")
            mark = len(srv.log)
            srv.proc.send_signal(signal.SIGHUP)
            srv.wait_for_log(r"tokens reloaded: 1 from \S+ \(2 before\)", start=mark)
            self.assertEqual(self.send(srv, token=self.tok_all)[0], grpc.StatusCode.UNAUTHENTICATED)
            self.assertEqual(self.send(srv, token=self.tok_jobs, start=10)[0], grpc.StatusCode.OK)
            # the stream that began with it is not cut off
            held.release()
            self.assertEqual(held.outcome()[0], grpc.StatusCode.OK)
            # a malformed file: the tokens in force stay, and the log says why
            with open(self.tokens, "a") as f:
                f.write("broken-line\n")
            mark = len(srv.log)
            srv.proc.send_signal(signal.SIGHUP)
            srv.wait_for_log(r"tokens not reloaded, the 1 loaded before stay in force: \S+:\d+: expected NAME",
                             start=mark)
            self.assertEqual(self.send(srv, token=self.tok_jobs, start=20)[0], grpc.StatusCode.OK)
            # a token made meanwhile works after the next SIGHUP
            with open(self.tokens, "w") as f:
                f.write("\n".join(l for l in lines if not l.startswith("all ")) + "\n")
            fresh = new_token(self.tokens, "fresh")
            self.assertEqual(self.send(srv, token=fresh)[0], grpc.StatusCode.UNAUTHENTICATED)
            mark = len(srv.log)
            srv.proc.send_signal(signal.SIGHUP)
            srv.wait_for_log(r"tokens reloaded: 2 from", start=mark)
            self.assertEqual(self.send(srv, token=fresh, start=30)[0], grpc.StatusCode.OK)
            self.assertTrue(srv.running())
        self.assertEqual([e["client"] for e in self.store.ingest_log()],
                         ["token:jobs", "token:all", "token:jobs", "token:fresh"])


def h1_of(tokens_path, name):
    """The SHA-256 hex the token file holds for name (presented as a token, it must not work)."""
    with open(tokens_path) as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] == name:
                return parts[1]
    raise AssertionError("no token %s in %s" % (name, tokens_path))


h.store_test_classes(Security, globals())

if __name__ == "__main__":
    h.main()
