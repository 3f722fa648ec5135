# pglite.py - PGlite (PostgreSQL in WebAssembly, with the real pgvector) for the tests that need pgvector.
"""Debian 12 has no pgvector package; npm's PGlite bundles PostgreSQL with pgvector and a socket
server speaking the wire protocol. Its limits shape what it can prove:
  - the socket server breaks on COPY ... FROM STDIN: stores talk to it with es_copy=off
    (multi-row INSERTs with binary parameters); the COPY encoding is checked in-process instead
    (pglite_copy_check.mjs loads our COPY BINARY bytes with COPY FROM '/dev/blob');
  - one PostgreSQL session behind every socket: transactions of different connections run one
    after another, so nothing here overlaps two transactions.

    reason = pglite.ensure_installed()     # None, or why PGlite cannot be used (tests skip)
    with pglite.PGliteServer() as srv:     # node pglite-server with pgvector on a free port
        srv.url                            # postgresql://postgres:postgres@127.0.0.1:PORT/postgres
"""
import os
import shutil
import sys
import signal
import subprocess
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgserver  # noqa: E402
from harness.procs import BUILD_DIR, HERE, free_port, scaled  # noqa: E402

INSTALL_DIR = os.environ.get("ES_PGLITE_DIR") or os.path.join(BUILD_DIR, "pglite")
SERVER_JS = os.path.join(INSTALL_DIR, "node_modules", "@electric-sql", "pglite-socket", "dist", "scripts",
                         "server.js")

_install_result = []


def ensure_installed():
    """Installs the npm packages once per build dir; None when ready, else the reason to skip."""
    if _install_result:
        return _install_result[0]
    script = os.path.join(HERE, "pglite-install.sh")
    p = subprocess.run(["sh", script, INSTALL_DIR], capture_output=True, text=True, timeout=400)
    if p.returncode == 0:
        reason = None
    elif p.returncode == 3:
        reason = "PGlite not installable here: " + p.stderr.strip()
    else:
        raise RuntimeError("pglite-install.sh failed (%d):\n%s" % (p.returncode, p.stderr))
    _install_result.append(reason)
    return reason


def run_node_script(script, args, timeout=300.0):
    """Runs a .mjs file from INSTALL_DIR (where node resolves the PGlite packages)."""
    target = os.path.join(INSTALL_DIR, os.path.basename(script))
    shutil.copyfile(script, target)
    return subprocess.run(["node", target] + list(args), cwd=INSTALL_DIR, capture_output=True, text=True,
                          timeout=scaled(timeout))


class PGliteServer:
    """`pglite-server` with pgvector loaded, in memory, on a free loopback port."""

    def __init__(self, max_connections=16, ready_timeout=120.0):
        self.port = free_port()
        self.max_connections = max_connections
        self.ready_timeout = scaled(ready_timeout)
        self.proc = None
        self.log_file = tempfile.NamedTemporaryFile(prefix="es-pglite-", suffix=".log", delete=False)

    @property
    def url(self):
        return "postgresql://postgres:postgres@127.0.0.1:%d/postgres" % self.port

    def log(self):
        with open(self.log_file.name, errors="replace") as f:
            return f.read()

    def start(self):
        self.proc = subprocess.Popen(
            ["node", SERVER_JS, "--port", str(self.port), "--host", "127.0.0.1",
             "--max-connections", str(self.max_connections),
             "--extensions", "@electric-sql/pglite-pgvector:vector"],
            cwd=INSTALL_DIR, stdin=subprocess.DEVNULL, stdout=self.log_file, stderr=subprocess.STDOUT)
        self.watchdog = pgserver.start_watchdog([["kill", "-KILL", str(self.proc.pid)]])
        deadline = time.monotonic() + self.ready_timeout
        # "listening" is logged once the socket accepts; then a real query proves the database is up.
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("pglite-server exited with %s:\n%s" % (self.proc.returncode, self.log()))
            if "listening" in self.log() and self._answers():
                return self
            if time.monotonic() >= deadline:
                raise RuntimeError("pglite-server not ready within %.0f s:\n%s" % (self.ready_timeout, self.log()))
            time.sleep(0.1)

    def _answers(self):
        p = subprocess.run(["psql", "-X", "-q", "-t", "-c", "SELECT 1", self.url], capture_output=True, text=True,
                           timeout=scaled(30))
        return p.returncode == 0 and p.stdout.strip() == "1"

    def psql(self, sql, timeout=60.0):
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-t", "-A", "-F", "|", "-c", sql,
                            self.url], capture_output=True, text=True, timeout=scaled(timeout))
        if p.returncode != 0:
            raise RuntimeError("psql on PGlite failed: %s\n%s" % (sql, p.stderr))
        return p.stdout

    def stop(self):
        if self.proc is None:
            return
        self._stop_node()
        if self.watchdog is not None:
            pgserver.release_watchdog(self.watchdog)
            self.watchdog = None

    def _stop_node(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(scaled(20))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
        try:
            os.unlink(self.log_file.name)
        except OSError:
            pass
        return False
