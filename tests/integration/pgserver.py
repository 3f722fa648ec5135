# pgserver.py - starts and stops a throwaway PostgreSQL 15 (Debian's binaries) for tests and benchmarks.
"""A private PostgreSQL cluster in a temp dir, on a free TCP port of 127.0.0.1.

PostgreSQL refuses to run as root, so when we are root every server-side command runs as the
`postgres` user (runuser) in a directory that user owns. Clients (psql, embedstream) connect as
the database superuser `postgres` over TCP with trust authentication: the cluster is private to
the test and listens on loopback only.

In-process:
    with PgServer() as pg:              # initdb + start; stop + remove on leave (also on failure)
        db = pg.create_database()       # fresh empty database, returns its name
        pg.url(db)                      # postgresql://postgres@127.0.0.1:PORT/DB
        pg.query(db, "SELECT 1")        # rows as lists of str/None (psql COPY ... CSV)
        pg.restart()                    # fast shutdown + start on the same port
As a program (for bench/, ctest and manual runs):
    pgserver.py start DIR [--fast]      # prints the URL of database "postgres"; server keeps running
    pgserver.py stop DIR
    pgserver.py run -- PROGRAM [ARG...] # PROGRAM with ES_PG_URL naming a fresh database of a
                                        # throwaway cluster; its exit status, or 77 (ctest's
                                        # "skipped") when PostgreSQL 15 is not available here
"""
import argparse
import atexit
import contextlib
import csv
import io
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

PG_BIN = os.environ.get("ES_PG_BIN", "/usr/lib/postgresql/15/bin")
PSQL = shutil.which("psql") or os.path.join(PG_BIN, "psql")
SUPERUSER = "postgres"

# Settings that make a throwaway cluster fast; durability does not matter for tests.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def available():
    """None if a PostgreSQL 15 server can be started here, else the reason it cannot."""
    for prog in ("initdb", "pg_ctl", "postgres", "pg_isready"):
        if not os.access(os.path.join(PG_BIN, prog), os.X_OK):
            return "%s not found in %s (Debian package postgresql-15)" % (prog, PG_BIN)
    if not os.access(PSQL, os.X_OK):
        return "psql not found (Debian package postgresql-client-15)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
    return None


# Runs in its own session: when the test process dies without cleaning up (a ctest timeout kills
# it with SIGKILL), the pipe it holds closes and this stops what the test started.
_WATCHDOG = r"""
import json, shutil, subprocess, sys
todo = json.loads(sys.argv[1])
if sys.stdin.buffer.read() == b"done":  # released by a test that cleaned up itself
    sys.exit(0)
for argv in todo["run"]:
    try:
        subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    except Exception:
        pass
for d in todo["remove"]:
    shutil.rmtree(d, ignore_errors=True)
"""


def start_watchdog(run=(), remove=()):
    """A process that runs the commands `run` and removes the directories `remove` if this
    process dies before calling release_watchdog() on it."""
    todo = {"run": [list(a) for a in run], "remove": list(remove)}
    return subprocess.Popen([sys.executable, "-c", _WATCHDOG, json.dumps(todo)], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def release_watchdog(w):
    """The test cleaned up itself: the watchdog exits without doing anything."""
    try:
        w.stdin.write(b"done")
        w.stdin.close()
    except OSError:
        pass
    w.wait(60)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One private cluster. fast=True turns off fsync (tests); the benchmark keeps the defaults."""

    def __init__(self, base_dir=None, port=None, fast=True, settings=None, log_name="postgres.log"):
        self.owned_dir = base_dir is None
        self.dir = base_dir or tempfile.mkdtemp(prefix="es-pg-")
        self.data = os.path.join(self.dir, "data")
        self.sock_dir = self.dir
        self.log_path = os.path.join(self.dir, log_name)
        self.port = port or free_port()
        self.settings = dict(FAST_SETTINGS if fast else {})
        self.settings.update(settings or {})
        self.started = False
        self.watchdog = None
        self._db_seq = 0

    # -------------------------------------------------------------- running as postgres

    def _as_owner(self, argv):
        """argv run as the `postgres` user when we are root (PostgreSQL refuses root)."""
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--"] + argv
        return argv

    def _chown_dir(self):
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.dir, 0o700)

    def _run(self, argv, timeout=120):
        p = subprocess.run(self._as_owner(argv), stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError("%s exited %d:\n%s%s" % (" ".join(argv), p.returncode, p.stdout,
                                                         p.stderr))
        return p

    # -------------------------------------------------------------- life cycle

    def init(self):
        """initdb with trust auth, UTF-8 and the C locale (fast, deterministic sorting)."""
        self._chown_dir()
        self._run([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", SUPERUSER,
                   "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], timeout=180)
        conf = {"listen_addresses": "'127.0.0.1'", "port": str(self.port),
                "unix_socket_directories": "'%s'" % self.sock_dir, "max_connections": "100",
                "logging_collector": "off", "log_min_messages": "warning"}
        conf.update({k: v for k, v in self.settings.items()})
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\n# embedstream test cluster\n")
            for k, v in conf.items():
                f.write("%s = %s\n" % (k, v))
        return self

    def start(self, timeout=60):
        """Starts the server (pg_ctl, no waiting) and polls pg_isready until it answers."""
        if not os.path.isdir(self.data):
            self.init()
        if self.watchdog is None:
            stop = self._as_owner([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", "immediate",
                                   "-s", "-w", "-t", "30", "stop"])
            self.watchdog = start_watchdog([stop], [self.dir] if self.owned_dir else [])
        self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-l", self.log_path,
                   "-s", "start"], timeout=60)
        self.started = True
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        argv = [os.path.join(PG_BIN, "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port),
                "-U", SUPERUSER, "-d", "postgres"]
        while True:
            if subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True).returncode == 0:
                return
            if time.monotonic() >= deadline:
                raise RuntimeError("PostgreSQL did not accept connections within %.0f s:\n%s"
                                   % (timeout, self.log_tail()))
            time.sleep(0.05)

    def postmaster_pid(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return None

    def stop(self, mode="fast", timeout=60):
        """pg_ctl stop; if that fails or hangs, SIGKILL the postmaster (its children follow)."""
        if not self.started:
            return
        try:
            self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m", mode, "-s", "-w",
                       "-t", str(int(timeout)), "stop"], timeout=timeout + 10)
        except (RuntimeError, subprocess.TimeoutExpired):
            pid = self.postmaster_pid()
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self._wait_gone(pid, 30)
        self.started = False

    @staticmethod
    def _wait_gone(pid, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def restart(self, mode="fast"):
        """Stops (closing every client connection) and starts again on the same port."""
        self.stop(mode)
        self.start()

    def destroy(self):
        self.stop()
        if self.owned_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        if self.watchdog is not None:
            release_watchdog(self.watchdog)
            self.watchdog = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.destroy()
            raise
        return self

    def __exit__(self, *exc):
        self.destroy()
        return False

    def log_tail(self, n=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"

    # -------------------------------------------------------------- clients

    def url(self, db="postgres"):
        return "postgresql://%s@127.0.0.1:%d/%s" % (SUPERUSER, self.port, db)

    def conninfo(self, db="postgres"):
        """libpq key=value form of url(db)."""
        return "host=127.0.0.1 port=%d user=%s dbname=%s" % (self.port, SUPERUSER, db)

    def psql(self, db, sql, timeout=300, check=True):
        """Runs SQL with psql (ON_ERROR_STOP); returns the CompletedProcess (text)."""
        argv = [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
                "-U", SUPERUSER, "-d", db, "-c", sql]
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        # Decoded by hand: text=True would turn the "\r\n" inside stored values into "\n".
        p.stdout = p.stdout.decode("utf-8")
        p.stderr = p.stderr.decode("utf-8", "replace")
        if check and p.returncode != 0:
            raise RuntimeError("psql failed (%d) on %r:\n%s" % (p.returncode, sql, p.stderr))
        return p

    @contextlib.contextmanager
    def held(self, db, sql, timeout=30):
        """Runs sql in a transaction that stays open (its locks held) until the block ends."""
        argv = [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port),
                "-U", SUPERUSER, "-d", db]
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            p.stdin.write("BEGIN;\n%s;\n\\echo held\n" % sql)
            p.stdin.flush()
            line = p.stdout.readline()  # psql answers once the statement has its locks, or exits
            if line.strip() != "held":
                raise RuntimeError("psql could not run %r (exit %s)" % (sql, p.poll()))
            yield
            p.stdin.write("ROLLBACK;\n")
            p.stdin.close()
            p.wait(timeout)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()

    def query(self, db, sql, timeout=300):
        """Rows of a SELECT as lists of str (None for NULL), exact text via COPY ... CSV."""
        p = self.psql(db, "COPY (%s) TO STDOUT WITH (FORMAT csv, NULL '\\N', FORCE_QUOTE *)" % sql,
                      timeout)
        rows = []
        for rec in csv.reader(io.StringIO(p.stdout, newline="")):
            rows.append([None if v == "\\N" else v for v in rec])
        return rows

    def scalar(self, db, sql):
        rows = self.query(db, sql)
        return rows[0][0] if rows else None

    def create_database(self, name=None):
        self._db_seq += 1
        name = name or "es_test_%d" % self._db_seq
        self.psql("postgres", 'CREATE DATABASE "%s" TEMPLATE template0 ENCODING \'UTF8\'' % name)
        return name

    def drop_database(self, name):
        self.psql("postgres", 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name, check=False)


_shared = None


def shared_server():
    """One cluster per test process, started on first use and stopped when the process exits."""
    global _shared
    if _shared is None:
        srv = PgServer()
        try:
            srv.start()
        except BaseException:
            srv.destroy()
            raise
        _shared = srv
        atexit.register(srv.destroy)
    elif not _shared.started:
        _shared.start()
    return _shared


SKIP_EXIT = 77  # ctest's SKIP_RETURN_CODE (CMakeLists.txt)


def run(argv):
    """Runs argv against a fresh database of a throwaway cluster (ES_PG_URL); returns its exit
    status (128 + N when killed by signal N), or SKIP_EXIT when no cluster can start here."""
    reason = available()
    if reason:
        print("pgserver: skipped: %s" % reason)
        return SKIP_EXIT
    with PgServer() as pg:
        env = dict(os.environ, ES_PG_URL=pg.url(pg.create_database()))
        code = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL).returncode
    return code if code >= 0 else 128 - code


def main():
    if sys.argv[1:2] == ["run"]:
        argv = sys.argv[3:] if sys.argv[2:3] == ["--"] else sys.argv[2:]
        if not argv:
            sys.exit("usage: pgserver.py run -- PROGRAM [ARG...]")
        sys.exit(run(argv))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("action", choices=("start", "stop"))
    ap.add_argument("dir", help="cluster directory (created by start, kept by stop)")
    ap.add_argument("--fast", action="store_true", help="fsync off (tests only)")
    ap.add_argument("--port", type=int)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="extra postgresql.conf setting")
    a = ap.parse_args()
    d = os.path.abspath(a.dir)
    if a.action == "start":
        reason = available()
        if reason:
            sys.exit("pgserver: " + reason)
        os.makedirs(d, exist_ok=True)
        settings = dict(s.split("=", 1) for s in a.set)
        srv = PgServer(d, port=a.port, fast=a.fast, settings=settings)
        if os.path.isdir(srv.data):  # restart an existing cluster on its configured port
            srv.port = _configured_port(srv.data) or srv.port
        srv.start()
        print(srv.url())
    else:
        srv = PgServer(d)
        srv.started = True
        srv.stop()


def _configured_port(data):
    port = None
    with open(os.path.join(data, "postgresql.conf")) as f:
        for line in f:
            if line.startswith("port = "):
                port = int(line.split("=", 1)[1])
    return port


if __name__ == "__main__":
    main()
