# test_nginx.py - deploy/nginx.conf in front of two servers: streams go through nginx to both, stored exactly.
"""Runs Debian's nginx with the shipped config (only its addresses, pid and log paths replaced)
in front of two `embedstream serve` on one SQLite file. Skipped, saying why, without nginx."""
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

CONF = os.path.join(h.SOURCE_DIR, "deploy", "nginx.conf")


def nginx_binary():
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def render(backends, port, tls_port, certs, tmp):
    """The shipped config with our servers, our ports, our certificate and everything nginx
    writes under tmp."""
    with open(CONF) as f:
        text = f.read()
    ups = re.findall(r"^\s*server \d+\.\d+\.\d+\.\d+:\d+ .*;$", text, re.M)
    if len(ups) < 2:
        raise AssertionError("deploy/nginx.conf: no upstream server lines to replace")
    text = text.replace(ups[0], "\n".join(re.sub(r"server \S+", "server " + b, ups[0]) for b in backends))
    for line in ups[1:]:
        text = text.replace(line + "\n", "")
    text, n = re.subn(r"^(\s*)listen 50051 http2;", r"\1listen 127.0.0.1:%d http2;" % port, text, flags=re.M)
    assert n == 1, "deploy/nginx.conf: no `listen 50051 http2;` line"
    text, n = re.subn(r"^(\s*)listen 50443 ssl http2;", r"\1listen 127.0.0.1:%d ssl http2;" % tls_port, text,
                      flags=re.M)
    assert n == 1, "deploy/nginx.conf: no `listen 50443 ssl http2;` line"
    text = text.replace("/etc/embedstream/tls/proxy.pem", certs.server).replace(
        "/etc/embedstream/tls/proxy.key", certs.server_key)
    text = re.sub(r"^pid .*;$", "pid %s/nginx.pid;" % tmp, text, flags=re.M)
    text = re.sub(r"^error_log (\S+)", "error_log %s/error.log" % tmp, text, flags=re.M)
    temps = "".join("    %s_temp_path %s/%s;\n" % (k, tmp, k) for k in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    text = text.replace("http {\n", "http {\n" + temps, 1)
    if os.getuid() == 0:  # workers as root: they write under tmp, which only root may
        text = "user root;\n" + text
    path = os.path.join(tmp, "nginx.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


@contextlib.contextmanager
def nginx(conf, tmp, port):
    binary = nginx_binary()
    h.run_cmd([binary, "-t", "-p", tmp, "-c", conf])
    p = subprocess.Popen([binary, "-p", tmp, "-c", conf, "-g", "daemon off;"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def up():
            if p.poll() is not None:
                raise AssertionError("nginx exited: %s" % p.stderr.read().decode())
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
            return False
        h.wait_until(up, 20, "nginx listening")
        yield p
    finally:
        p.terminate()
        try:
            p.wait(timeout=h.scaled(20))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        p.stderr.close()


class Nginx(unittest.TestCase):
    def setUp(self):
        if not nginx_binary():
            raise unittest.SkipTest("nginx is not installed (scripts/install-deps.sh installs Debian's)")
        reason = h.openssl_missing()
        if reason:
            raise unittest.SkipTest(reason)
        self.dir = h.tempdir()
        os.chmod(self.dir, 0o755)
        self.certs = h.tls_certs()

    def test_two_servers_behind_nginx(self):
        """Four files through nginx with --parallel 2: both servers take streams, every file is
        stored exactly; one file is larger than nginx's default 1 MiB body limit. Then two more
        through nginx's TLS listener (--tls-ca), TLS ending at nginx."""
        store = h.SqliteStore()
        self.addCleanup(store.destroy)
        files, expected = [], {}
        for i, n in enumerate((40, 40, 40, 300)):
            p = h.write_domain_file("recruit", os.path.join(self.dir, "r%d.csv" % i), n, seed=70 + i)
            files.append(p)
            expected.update(h.expected_store("recruit", p))
        self.assertGreater(os.path.getsize(files[-1]), 1 << 20)
        port, tls_port = h.free_port(), h.free_port()
        with contextlib.ExitStack() as stack:
            servers = [stack.enter_context(h.Server(store.url, name="server%d" % i)) for i in range(2)]
            conf = render([s.addr for s in servers], port, tls_port, self.certs, self.dir)
            stack.enter_context(nginx(conf, self.dir, port))
            argv = [h.BIN, "ingest", "-d", "recruit", "-s", "127.0.0.1:%d" % port, "--parallel", "2",
                    "--chunk-size", "16"] + sum((["-f", f] for f in files), [])
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=h.scaled(120))
            out = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertEqual([o["status"] for o in out[:-1]], ["success"] * 4, out)
            tls_files = files[:2]
            argv = [h.BIN, "ingest", "-d", "recruit", "-s", "127.0.0.1:%d" % tls_port, "--tls-ca", self.certs.ca,
                     "--parallel", "2"] + sum((["-f", f] for f in tls_files), [])
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=h.scaled(120))
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            out = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
            self.assertEqual(out[-1]["succeeded"], 2, out)
            per_server = [s.log.count("outcome=success") for s in servers]
        self.assertEqual(sum(per_server), 6, per_server)
        self.assertTrue(all(per_server), "nginx sent every stream to one server: %s" % per_server)
        got = store.rows("recruit")
        self.assertEqual(set(got), set(expected))
        for k, row in expected.items():
            self.assertEqual(got[k], row, k)


if __name__ == "__main__":
    h.main()
