# test_security_net.py - the secure default off loopback, TLS failures in words, health and metrics under TLS, `token new`, option errors.
"""Store-independent security tests (null or SQLite stores; test_security.py has the per-store
ones):

- a listener other machines can reach (0.0.0.0, [::], this machine's own address) is refused
  without TLS and tokens, saying what is missing, unless --insecure (which warns); the same for
  --metrics-listen; loopback names and addresses need nothing; over the machine's own address a
  client really gets through, verifying the certificate by --tls-server-name;
- grpc.health.v1.Health answers without a token or a client certificate;
- our client into a grpcio server with TLS and a bearer check;
- a TLS failure is said in words and never retried (exit 5): an expired certificate, another CA,
  a name the certificate does not hold, TLS against plaintext and plaintext against TLS; grpcio
  clients get UNAVAILABLE for the same;
- TLS 1.1 is refused by the gRPC port and the metrics endpoint, TLS 1.2 accepted (openssl
  s_client, with a server of openssl's own as the control that 1.1 works at all here);
- metrics over HTTPS need a token (401 with WWW-Authenticate: Bearer);
- `embedstream token new`, and the options' errors (exit 2).
"""
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pyserver  # noqa: E402
from test_security import Credentials  # noqa: E402

import grpc  # noqa: E402

METRICS_RX = r"metrics listening on (\S+):(\d+)"


def agreed(out, version):
    """Whether s_client's output shows a handshake that agreed on TLS version and a cipher (a
    refused one says "Cipher is (NONE)", whatever version it tried)."""
    return bool(re.search(r"Cipher is (?!\(NONE\))", out)) and ("Protocol  : TLSv%s\n" % version) in out


def own_address():
    """An IPv4 address of this machine that is not loopback, or None."""
    if not shutil.which("ip"):
        return None
    p = subprocess.run(["ip", "-o", "-4", "addr", "show", "scope", "global"], capture_output=True, text=True)
    m = re.search(r"\binet (\d+\.\d+\.\d+\.\d+)/", p.stdout)
    return m.group(1) if m else None


def ipv6_works():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::", 0))
        return True
    except OSError:
        return False


def run_serve(args, timeout=20):
    """`embedstream serve ARGS` expected to stop by itself (a refusal): CompletedProcess."""
    return subprocess.run([h.BIN, "serve", "--store", "null:"] + list(args), capture_output=True, text=True,
                          timeout=h.scaled(timeout))


class Base(Credentials, unittest.TestCase):
    TOKENS = (("ops", None),)

    def setUp(self):
        super().setUp()
        self.token = self.tok["ops"]
        self.token_path = os.path.join(self.dir, "token")
        with open(self.token_path, "w") as f:
            f.write(self.token + "\n")

    def tls(self, cert=None, key=None):
        return ["--tls-cert", cert or self.certs.server, "--tls-key", key or self.certs.server_key]

    def secure(self):
        return self.tls() + ["--tokens", self.tokens]

    def data(self, n=20):
        return h.write_domain_file("recruit", os.path.join(self.dir, "r%d.csv" % n), n, dim=h.DIM)

    def ingest(self, addr, args, n=20):
        argv = h.ingest_argv("recruit", self.data(n), addr, dim=h.DIM, retries=3, args=args)
        p = subprocess.run(argv, capture_output=True, text=True, timeout=h.scaled(120))
        return h.IngestResult(p.returncode, h.parse_json_stdout(p.stdout) if p.stdout.strip() else None, p.stderr)


class NonLoopback(Base):
    def assert_refused(self, args, says):
        p = run_serve(args)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertNotIn("listening on", p.stderr)
        for s in says:
            self.assertIn(s, p.stderr)

    def test_refused_without_tls_and_tokens(self):
        wild = ["0.0.0.0:0"] + (["[::]:0"] if ipv6_works() else [])
        for addr in wild:
            with self.subTest(addr):
                self.assert_refused(["--listen", addr], [
                    "--listen %s is not a loopback address" % addr,
                    "it needs TLS (--tls-cert and --tls-key) and tokens (--tokens)", "--insecure"])
                self.assert_refused(["--listen", addr] + self.tls(), ["it needs tokens (--tokens)"])
                self.assert_refused(["--listen", addr, "--tokens", self.tokens],
                                    ["it needs TLS (--tls-cert and --tls-key)"])
        # metrics: the same rule, for its own address
        self.assert_refused(["--listen", "127.0.0.1:0", "--metrics-listen", "0.0.0.0:0"],
                            ["--metrics-listen 0.0.0.0:0 is not a loopback address"])

    def test_loopback_needs_nothing(self):
        for addr in ("127.0.0.1:0", "localhost:0", "127.0.0.2:0") + (("[::1]:0",) if ipv6_works() else ()):
            with self.subTest(addr), h.Server("null:", listen=addr, args=["--metrics-listen", addr]) as srv:
                self.assertNotIn("WARN", srv.log)

    def test_insecure_listens_and_warns(self):
        with h.Server("null:", listen="0.0.0.0:0", args=["--insecure", "--metrics-listen", "0.0.0.0:0"]) as srv:
            self.assertIn("--listen 0.0.0.0:0 is reachable from other machines and has no TLS (--tls-cert and "
                          "--tls-key) and tokens (--tokens) (--insecure)", srv.log)
            self.assertIn("--metrics-listen 0.0.0.0:0 is reachable", srv.log)
            res = self.ingest("127.0.0.1:%d" % srv.port, [])
            self.assertEqual(res.code, 0, res.err)

    def test_tls_and_tokens_listen_anywhere(self):
        with h.Server("null:", listen="0.0.0.0:0", args=self.secure()) as srv:
            self.assertNotIn("WARN", srv.log)
            res = self.ingest("127.0.0.1:%d" % srv.port, ["--tls-ca", self.certs.ca, "--token-file", self.token_path])
            self.assertEqual(res.code, 0, res.err)

    def test_own_address(self):
        addr = own_address()
        if not addr:
            self.skipTest("this machine has no non-loopback IPv4 address")
        self.assert_refused(["--listen", addr + ":0"], ["--listen %s:0 is not a loopback address" % addr])
        with h.Server("null:", listen=addr + ":0", args=self.secure()) as srv:
            target = "%s:%d" % (addr, srv.port)
            # the certificate holds 127.0.0.1 and localhost, not this address: refused in words ...
            res = self.ingest(target, ["--tls-ca", self.certs.ca, "--token-file", self.token_path])
            self.assertEqual(res.code, 5, res.err)
            self.assertIn("the server's certificate is not for '%s' (connect by a name it holds" % addr,
                          res.out["message"])
            self.assertNotIn("retrying", res.err)
            # ... unless told which name to verify
            res = self.ingest(target, ["--tls-ca", self.certs.ca, "--token-file", self.token_path,
                                       "--tls-server-name", "localhost"])
            self.assertEqual(res.code, 0, res.err)
        with h.Server("null:", listen=addr + ":0", args=["--insecure"]) as srv:
            self.assertIn("is reachable from other machines", srv.log)
            res = self.ingest("%s:%d" % (addr, srv.port), [])
            self.assertEqual(res.code, 0, res.err)


class Handshakes(Base):
    """TLS failures: our client says which (exit 5, no retry); grpcio gets UNAVAILABLE."""

    def assert_denied(self, res, says):
        self.assertEqual(res.code, 5, res.err)
        self.assertIn(says, res.out["message"])
        self.assertNotIn("retrying", res.err)
        self.assertEqual(res.out["rows_stored"], 0)

    def grpcio_send(self, addr, ca):
        c = h.Client(addr, credentials=grpc.ssl_channel_credentials(self.certs.read(ca)),
                     metadata=[("authorization", "Bearer " + self.token)])
        try:
            return c.send([h.md(), h.recruit_chunk(0, 2)], timeout=10)
        finally:
            c.close()

    def test_expired_server_certificate(self):
        db = h.SqliteStore()
        args = self.tls(self.certs.expired, self.certs.expired_key) + ["--tokens", self.tokens]
        with h.Server(db.url, args=args) as srv:
            self.assertIn("is expired or not valid yet (until Feb  1 00:00:00 2020 GMT)", srv.log)
            res = self.ingest(srv.addr, ["--tls-ca", self.certs.ca, "--token-file", self.token_path])
            self.assert_denied(res, "TLS with %s failed: the server's certificate expired on Feb  1 00:00:00 2020 GMT"
                               % srv.addr)
            self.assertEqual(self.grpcio_send(srv.addr, self.certs.ca)[0], grpc.StatusCode.UNAVAILABLE)
        self.assertEqual((db.total_rows(), db.ingest_log()), (0, []))

    def test_other_ca_name_mismatch_and_plaintext(self):
        db = h.SqliteStore()
        auth = ["--token-file", self.token_path]
        with h.Server(db.url, args=self.secure()) as srv:
            res = self.ingest(srv.addr, ["--tls-ca", self.certs.other_ca] + auth)
            self.assert_denied(res, "the server's certificate is not signed by a CA in --tls-ca %s"
                               % self.certs.other_ca)
            self.assertEqual(self.grpcio_send(srv.addr, self.certs.other_ca)[0], grpc.StatusCode.UNAVAILABLE)
            res = self.ingest(srv.addr, ["--tls"] + auth)  # the system's CAs do not know ours
            self.assert_denied(res, "is not signed by a CA in the system's CA certificates")
            res = self.ingest(srv.addr, ["--tls-ca", self.certs.ca, "--tls-server-name", "db.example"] + auth)
            self.assert_denied(res, "the server's certificate is not for 'db.example' (--tls-server-name)")
            res = self.ingest(srv.addr, auth)
            self.assert_denied(res, "the server speaks TLS, and this client does not: add --tls")
            # --tls with the CA named by SSL_CERT_FILE (OpenSSL's variable for the system's CAs)
            p = subprocess.run(h.ingest_argv("recruit", self.data(), srv.addr, dim=h.DIM, args=["--tls"] + auth),
                               capture_output=True, text=True, timeout=h.scaled(60),
                               env=dict(os.environ, SSL_CERT_FILE=self.certs.ca))
            self.assertEqual(p.returncode, 0, p.stderr)
        with h.Server("null:") as plain:
            res = self.ingest(plain.addr, ["--tls-ca", self.certs.ca] + auth)
            self.assert_denied(res, "the server does not speak TLS")
        self.assertEqual(db.count("recruit"), 20)
        self.assertEqual(len(db.ingest_log()), 1)

    def test_down_server_is_still_retried(self):
        """No connection at all says nothing about TLS: retried as before, exit 4."""
        res = self.ingest("127.0.0.1:%d" % h.free_port(), ["--tls-ca", self.certs.ca, "--token-file",
                                                            self.token_path, "--backoff-min", "0.1",
                                                            "--backoff-max", "0.1"])
        self.assertEqual(res.code, 4, res.err)
        self.assertIn("retrying", res.err)

    def test_our_client_into_a_grpcio_tls_server(self):
        creds = grpc.ssl_server_credentials([(self.certs.read(self.certs.server_key),
                                              self.certs.read(self.certs.server))])
        with pyserver.PyServer(record=True, server_credentials=creds, bearer=self.token) as srv:
            res = self.ingest(srv.addr, ["--tls-ca", self.certs.ca, "--token-file", self.token_path])
            self.assertEqual(res.code, 0, res.err)
            self.assertEqual(res.out["rows_stored"], 20)
            res = self.ingest(srv.addr, ["--tls-ca", self.certs.ca])
            self.assertEqual(res.code, 5, res.err)
            self.assertIn("UNAUTHENTICATED: missing or unknown token", res.out["message"])
            res = self.ingest(srv.addr, ["--token-file", self.token_path])
            self.assertEqual(res.code, 5, res.err)
            self.assertIn("the server speaks TLS", res.out["message"])
            self.assertEqual([s.total_rows for s in srv.servicer.successful()], [20])

    def test_grpcio_server_requiring_a_client_certificate(self):
        creds = grpc.ssl_server_credentials([(self.certs.read(self.certs.server_key),
                                              self.certs.read(self.certs.server))],
                                            root_certificates=self.certs.read(self.certs.ca),
                                            require_client_auth=True)
        with pyserver.PyServer(server_credentials=creds) as srv:
            res = self.ingest(srv.addr, ["--tls-ca", self.certs.ca])
            self.assertEqual(res.code, 5, res.err)
            self.assertIn("it wants a client certificate (--tls-cert and --tls-key)", res.out["message"])
            res = self.ingest(srv.addr, ["--tls-ca", self.certs.ca, "--tls-cert", self.certs.client,
                                         "--tls-key", self.certs.client_key])
            self.assertEqual(res.code, 0, res.err)


class HealthAndVersions(Base):
    def test_health_needs_no_credentials(self):
        args = self.secure() + ["--tls-client-ca", self.certs.ca]
        with h.Server("null:", args=args) as srv:
            c = h.Client(srv.addr, credentials=grpc.ssl_channel_credentials(self.certs.read(self.certs.ca)))
            try:
                for service in ("", h.OUR_SERVICE):
                    code, status, details = c.check(service)
                    self.assertEqual(code, grpc.StatusCode.OK, details)
                    self.assertEqual(status, h.health_pb()[0].HealthCheckResponse.SERVING)
                # the same channel, no token, no certificate: the ingest method is closed
                code, details, _ = c.send([h.md(), h.recruit_chunk(0, 1)])
                self.assertEqual(code, grpc.StatusCode.UNAUTHENTICATED, details)
            finally:
                c.close()

    def s_client(self, port, version, extra=()):
        """openssl s_client with version (-tls1_1, -tls1_2): its exit code and output. OPENSSL_CONF
        and SECLEVEL 0 lift Debian's own client floor (TLS 1.2, SHA-256), so a refusal is the server's."""
        p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, version,
                            "-cipher", "DEFAULT@SECLEVEL=0", "-CAfile", self.certs.ca] + list(extra),
                           input="", capture_output=True, text=True, errors="replace", timeout=h.scaled(30),
                           env=dict(os.environ, OPENSSL_CONF="/dev/null"))
        return p.returncode, p.stdout + p.stderr

    def test_tls_1_1_refused_1_2_accepted(self):
        # the control: openssl's own server does speak TLS 1.1 with this client
        port = h.free_port()
        ctl = subprocess.Popen(["openssl", "s_server", "-accept", str(port), "-tls1_1", "-cipher",
                                "DEFAULT@SECLEVEL=0", "-cert", self.certs.server, "-key", self.certs.server_key],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               env=dict(os.environ, OPENSSL_CONF="/dev/null"))  # stdin at EOF would end it
        try:
            # it says ACCEPT once it listens (a probing connection would end it)
            deadline = time.monotonic() + h.scaled(10)
            # raw reads: a buffered readline would keep the ACCEPT line where select cannot see it
            said = b""
            while b"ACCEPT" not in said and time.monotonic() < deadline:
                if select.select([ctl.stdout], [], [], 0.1)[0]:
                    chunk = os.read(ctl.stdout.fileno(), 4096)
                    if not chunk:
                        break
                    said += chunk
            self.assertIn(b"ACCEPT", said, "openssl s_server did not start")
            code, out = self.s_client(port, "-tls1_1")
            self.assertTrue(agreed(out, "1.1"), out)
        finally:
            ctl.kill()
            ctl.communicate()
        with h.Server("null:", args=self.secure() + ["--metrics-listen", "127.0.0.1:0"]) as srv:
            mport = int(srv.wait_for_log(METRICS_RX).group(2))
            for what, p in (("gRPC", srv.port), ("metrics", mport)):
                with self.subTest(what):
                    code, out = self.s_client(p, "-tls1_1")
                    self.assertNotEqual(code, 0, out)
                    self.assertFalse(agreed(out, "1.1"), out)
                    self.assertIn("Cipher is (NONE)", out)
                    code, out = self.s_client(p, "-tls1_2", ["-alpn", "h2"] if what == "gRPC" else [])
                    self.assertTrue(agreed(out, "1.2"), out)
                    self.assertIn("Verify return code: 0 (ok)", out)

    def test_metrics_over_https_need_a_token(self):
        with h.Server("null:", args=self.secure() + ["--metrics-listen", "127.0.0.1:0"]) as srv:
            m = srv.wait_for_log(METRICS_RX)
            self.assertIn("(HTTPS)", srv.log)
            url = "https://127.0.0.1:%s/metrics" % m.group(2)
            # a refused ingest shows in the counters
            self.assertEqual(self.ingest(srv.addr, ["--tls-ca", self.certs.ca]).code, 5)
            code, headers, body = curl(url, self.certs.ca)
            self.assertEqual(code, 401, body)
            self.assertRegex(headers, r'(?im)^www-authenticate: Bearer realm="embedstream"\r?$')
            code, headers, body = curl(url, self.certs.ca, "wrong")
            self.assertEqual(code, 401, body)
            self.assertIn('error="invalid_token"', headers)
            code, headers, body = curl(url, self.certs.ca, self.token)
            self.assertEqual(code, 200, body)
            self.assertIn('embedstream_streams_total{outcome="unauthenticated"} 1', body)
            # plain HTTP to the HTTPS port gets no metrics
            p = subprocess.run(["curl", "-s", "-m", "5", "http://127.0.0.1:%s/metrics" % m.group(2)],
                               capture_output=True, text=True)
            self.assertNotIn("embedstream_streams_total", p.stdout)


def curl(url, ca, token=None):
    """(status, headers, body) of a GET with curl, verifying against ca."""
    argv = ["curl", "-s", "-m", "10", "--cacert", ca, "-D", "-", url]
    if token:
        argv += ["-H", "Authorization: Bearer " + token]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=h.scaled(30))
    head, body = (re.split(r"\r?\n\r?\n", p.stdout, maxsplit=1) + [""])[:2]
    m = re.match(r"HTTP/\S+ (\d+)", head)
    if not m:
        raise AssertionError("curl %s: %s %s" % (url, p.stdout, p.stderr))
    return int(m.group(1)), head, body


class Commands(Base):
    def test_token_new(self):
        path = os.path.join(self.dir, "made")
        p = h.run_cmd([h.BIN, "token", "new", "ci-loader", "--domains", "candidate,recruit", "--tokens", path])
        self.assertRegex(p.stdout, r"^[0-9a-f]{64}\n$")
        self.assertIn("added 'ci-loader' to %s" % path, p.stderr)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        with open(path) as f:
            text = f.read()
        self.assertRegex(text, r"^ci-loader [0-9a-f]{64} recruit,candidate\n$")
        self.assertNotIn(p.stdout.strip(), text)
        for argv, says in ((["new", "ci-loader"], "has a token named 'ci-loader' already"),
                           (["new", "bad name"], "token name 'bad name'"),
                           (["new", "x", "--domains", "recruits"], "did you mean recruit?"),
                           (["new"], "expected the token's NAME"),
                           (["list"], "unknown action 'list'")):
            with self.subTest(argv):
                p = h.run_cmd([h.BIN, "token"] + argv + ["--tokens", path], check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(says, p.stderr)
        p = h.run_cmd([h.BIN, "token", "new", "x"], check=False)
        self.assertEqual((p.returncode, "--tokens FILE is required" in p.stderr), (2, True), p.stderr)

    def test_serve_option_errors(self):
        bad = os.path.join(self.dir, "bad-tokens")
        with open(bad, "w") as f:
            f.write("# ok\nname not-a-hash\n")
        cases = [
            (["--tls-cert", self.certs.server], "--tls-cert and --tls-key go together"),
            (["--tls-client-ca", self.certs.ca], "--tls-client-ca needs --tls-cert and --tls-key"),
            (self.tls(self.certs.server, self.certs.client_key), "is not the key of the certificate in --tls-cert"),
            (self.tls(self.certs.server_key, self.certs.server_key), "no PEM certificate in it"),
            (self.tls() + ["--tls-client-ca", self.certs.server_key], "--tls-client-ca %s: no PEM certificate"
             % self.certs.server_key),
            (["--tokens", bad], "--tokens: %s:2: the second field must be the token's SHA-256" % bad),
            (["--tokens", os.path.join(self.dir, "nope")], "--tokens: %s: No such file" % os.path.join(self.dir, "nope")),
        ]
        for args, says in cases:
            with self.subTest(says):
                p = run_serve(["--listen", "127.0.0.1:0"] + args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(says, p.stderr)

    def test_client_option_errors(self):
        empty = os.path.join(self.dir, "empty")
        open(empty, "w").close()
        cases = [
            (["--tls-cert", self.certs.client], "--tls-cert and --tls-key go together"),
            (["--token-file", os.path.join(self.dir, "nope")], "--token-file: "),
            (["--token-file", empty], "no token on its first line"),
            (["--tls-ca", self.certs.client_key], "--tls-ca %s: no PEM certificate" % self.certs.client_key),
            (["--token", "abc"], "unknown option '--token' (did you mean --token-file?)"),
        ]
        for args, says in cases:
            with self.subTest(says):
                res = self.ingest("127.0.0.1:%d" % h.free_port(), args)
                self.assertEqual(res.code, 2, res.err)
                self.assertIn(says, res.err)
        p = subprocess.run(h.ingest_argv("recruit", self.data(), "127.0.0.1:1", dim=h.DIM),
                           capture_output=True, text=True, env=dict(os.environ, EMBEDSTREAM_TOKEN="two words"))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("EMBEDSTREAM_TOKEN: the token holds a blank", p.stderr)


if __name__ == "__main__":
    h.main()
