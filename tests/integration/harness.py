# harness.py - shared machinery of the integration tests: paths, processes, stores, stubs, file readers.
"""Helpers for tests that drive the real `embedstream` binary on loopback.

Environment (set by ctest; defaults suit a manual run from the source tree):
  ES_BIN         the embedstream binary        (default ES_BUILD_DIR/embedstream)
  ES_SOURCE_DIR  the source tree               (default two levels above this file)
  ES_BUILD_DIR   the build tree                (default ES_SOURCE_DIR/build)
  ES_SANITIZE    "1" under ASan/UBSan: every timeout is stretched by SLOW
  ES_STORES      optional comma list of store factory names to run ("sqlite,postgres")

Store factories: a test class written once against `self.store` runs against every registered
factory (see store_test_classes). A factory makes a fresh, empty store per test and reads rows back
in one normalized form, so tests compare stores and files without knowing the backend:
  text -> str, int -> int, skills -> list of str, vector -> bytes (little-endian float32).
A new backend registers itself with register_store_factory(); a module named in PLUGIN_MODULES
(e.g. tests/integration/store_postgres.py) is imported at the end of this file if it exists.
"""
import atexit
import collections
import contextlib
import csv
import importlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("ES_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BUILD_DIR = os.environ.get("ES_BUILD_DIR") or os.path.join(SOURCE_DIR, "build")
BIN = os.environ.get("ES_BIN") or os.path.join(BUILD_DIR, "embedstream")
SANITIZE = os.environ.get("ES_SANITIZE", "0").lower() in ("1", "on", "true", "yes")
# Sanitized binaries run several times slower; every bound below is multiplied by this.
SLOW = 4.0 if SANITIZE else 1.0
PYTHON = sys.executable

# Under a sanitizer build run outside `make test-asan`, gRPC's own singletons would count as leaks.
if SANITIZE:
    os.environ.setdefault(
        "LSAN_OPTIONS",
        "suppressions=%s:print_suppressions=0" % os.path.join(SOURCE_DIR, "tests", "lsan.supp"))
    os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def scaled(seconds):
    """A time bound, stretched under sanitizers."""
    return seconds * SLOW


def wait_until(predicate, timeout, what="condition", interval=0.02):
    """Polls predicate() until it returns something truthy; fails the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def free_port():
    """A TCP port nobody listens on right now (for 'unreachable' tests and Python servers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_tempdirs = []


def tempdir(prefix="es-itest-"):
    """A temp dir removed when the test process exits (tests also remove their own earlier)."""
    d = tempfile.mkdtemp(prefix=prefix)
    _tempdirs.append(d)
    return d


@atexit.register
def _remove_tempdirs():
    for d in _tempdirs:
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- processes

class ServerProcess:
    """A server subprocess that logs `listening on HOST:PORT` on stderr once it accepts calls.

    Use as a context manager: entering waits (bounded) for that line, leaving stops the process
    (SIGTERM, bounded wait, then SIGKILL), also when the body raised. With check_exit, a clean
    leave also asserts the server exited 0 without sanitizer reports.
    """

    READY = re.compile(r"listening on (\S+):(\d+)")

    def __init__(self, argv, name="server", ready_timeout=20.0, stop_timeout=20.0,
                 check_exit=True, env=None):
        self.argv = list(argv)
        self.name = name
        self.ready_timeout = scaled(ready_timeout)
        self.stop_timeout = scaled(stop_timeout)
        self.check_exit = check_exit
        self.env = env
        self.proc = None
        self.host = self.port = self.addr = None
        self.returncode = None
        self._logdir = tempdir("es-log-")
        self.log_path = os.path.join(self._logdir, name + ".log")

    @property
    def log(self):
        """Everything the process wrote to stdout and stderr so far."""
        try:
            with open(self.log_path, "r", encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def start(self):
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=logf,
                                         stderr=subprocess.STDOUT, env=self.env)
        m = wait_until(self._ready, self.ready_timeout, "%s to log 'listening on'" % self.name)
        self.host, self.port = m.group(1), int(m.group(2))
        self.addr = "%s:%d" % (self.host, self.port)
        return self

    def _ready(self):
        m = self.READY.search(self.log)
        if m:
            return m
        if self.proc.poll() is not None:
            raise AssertionError("%s exited with %s before listening:\n%s"
                                 % (self.name, self.proc.returncode, self.log))
        return None

    def wait_for_log(self, pattern, timeout=20.0, start=0):
        """Waits until the log (from offset start) matches pattern; returns the match."""
        rx = re.compile(pattern)
        return wait_until(lambda: rx.search(self.log, start), scaled(timeout),
                          "%s to log /%s/" % (self.name, pattern))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM, bounded wait, SIGKILL. Returns the exit code (negative: killed by a signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.returncode = self.proc.returncode
                raise AssertionError("%s did not stop within %.0f s of SIGTERM:\n%s"
                                     % (self.name, self.stop_timeout, self.log_tail()))
        self.returncode = self.proc.returncode
        return self.returncode

    def kill(self):
        """SIGKILL, as a crash would: nothing gets to clean up."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.returncode = self.proc.returncode if self.proc else None
        self.check_exit = False
        return self.returncode

    def log_tail(self, n=60):
        return "\n".join(self.log.splitlines()[-n:])

    def assert_clean_exit(self):
        if self.returncode != 0:
            raise AssertionError("%s exited with %s (expected 0):\n%s"
                                 % (self.name, self.returncode, self.log_tail()))
        text = self.log
        for mark in SANITIZER_MARKS:
            if mark in text:
                raise AssertionError("%s log has a sanitizer report:\n%s" % (self.name, text))

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self._force_stop()
            raise

    def _force_stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __exit__(self, exc_type, exc, tb):
        stop_error = None
        try:
            self.stop()
        except AssertionError as e:
            stop_error = e
        finally:
            self._force_stop()
        if exc_type is not None:
            # The body's failure is the one to report; the log says what the server saw.
            sys.stderr.write("---- %s log (tail) ----\n%s\n" % (self.name, self.log_tail()))
            return False
        if stop_error is not None:
            raise stop_error
        if self.check_exit:
            self.assert_clean_exit()
        return False


class Server(ServerProcess):
    """`embedstream serve --listen LISTEN --store URL ...` (LISTEN defaults to a free port)."""

    def __init__(self, store_url, listen="127.0.0.1:0", args=(), grace=5, **kw):
        argv = [BIN, "serve", "--listen", listen, "--store", store_url, "--grace", str(grace)]
        argv += list(args)
        kw.setdefault("name", "embedstream-serve")
        super().__init__(argv, **kw)
        self.store_url = store_url


IngestResult = collections.namedtuple("IngestResult", "code out err")


def ingest_argv(domain, path, server, dim=None, chunk_size=None, retries=None, timeout=None,
                args=()):
    argv = [BIN, "ingest", "--domain", domain, "--file", path, "--server", server]
    if dim is not None:
        argv += ["--dim", str(dim)]
    if chunk_size is not None:
        argv += ["--chunk-size", str(chunk_size)]
    if retries is not None:
        argv += ["--retries", str(retries)]
    if timeout is not None:
        argv += ["--timeout", str(timeout)]
    return argv + list(args)


def parse_json_stdout(stdout):
    """The one JSON object ingest prints, or None if stdout is not exactly one."""
    try:
        value = json.loads(stdout)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def run_ingest(domain, path, server, proc_timeout=120.0, **kw):
    """Runs `embedstream ingest` to completion: IngestResult(code, parsed JSON or None, stderr)."""
    argv = ingest_argv(domain, path, server, **kw)
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=scaled(proc_timeout))
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    return IngestResult(p.returncode, parse_json_stdout(out) if out.strip() else None, err)


def start_ingest(domain, path, server, **kw):
    """Starts `embedstream ingest` in the background; finish with finish_ingest(p)."""
    return subprocess.Popen(ingest_argv(domain, path, server, **kw), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish_ingest(p, proc_timeout=120.0):
    try:
        out, err = p.communicate(timeout=scaled(proc_timeout))
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        raise AssertionError("ingest did not finish within %.0f s:\n%s"
                             % (scaled(proc_timeout), err.decode("utf-8", "replace")))
    out = out.decode("utf-8", "replace")
    return IngestResult(p.returncode, parse_json_stdout(out) if out.strip() else None,
                        err.decode("utf-8", "replace"))


def run_cmd(argv, proc_timeout=120.0, check=True):
    """Runs a command; returns CompletedProcess with text output. check: non-zero exit fails."""
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=scaled(proc_timeout))
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d:\n%s%s" % (" ".join(argv), p.returncode, p.stdout,
                                                      p.stderr))
    return p


def generate(domain, rows, out, dim=None, seed=None, proc_timeout=300.0):
    """`embedstream generate`; returns the output path."""
    argv = [BIN, "generate", "--domain", domain, "--rows", str(rows), "--out", out]
    if dim is not None:
        argv += ["--dim", str(dim)]
    if seed is not None:
        argv += ["--seed", str(seed)]
    run_cmd(argv, proc_timeout)
    return out


def stats(store_url):
    """`embedstream stats --store URL`, parsed."""
    p = run_cmd([BIN, "stats", "--store", store_url])
    return json.loads(p.stdout)


def command_built(cmd):
    """False while a subcommand is still the skeleton's placeholder ('not built yet')."""
    try:
        p = subprocess.run([BIN, cmd, "--help"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "not built yet" not in (p.stdout + p.stderr)


def require_commands(*cmds):
    """unittest skip decorator for tests that need subcommands not built yet."""
    missing = [c for c in cmds if not command_built(c)]
    if missing:
        return unittest.skip("embedstream %s not built yet" % ", ".join(missing))
    return lambda obj: obj


# ---------------------------------------------------------------- proto stubs

_protos = None


def protos():
    """(embedding_stream_pb2, embedding_stream_pb2_grpc), generated once per test run."""
    global _protos
    if _protos is None:
        out = tempdir("es-pb-")
        proto_dir = os.path.join(SOURCE_DIR, "proto")
        subprocess.run([PYTHON, "-m", "grpc_tools.protoc", "-I", proto_dir,
                        "--python_out=" + out, "--grpc_python_out=" + out,
                        os.path.join(proto_dir, "embedding_stream.proto")],
                       check=True, capture_output=True)
        sys.path.insert(0, out)
        _protos = (importlib.import_module("embedding_stream_pb2"),
                   importlib.import_module("embedding_stream_pb2_grpc"))
    return _protos


# ---------------------------------------------------------------- domains and files

Domain = collections.namedtuple("Domain", "name fields key dim uuid_key")

DOMAINS = {
    "recruit": Domain("recruit", [("id", "text"), ("company_name", "text"), ("exp_years", "int"),
                                  ("english_level", "text"), ("primary_keyword", "text"),
                                  ("vector", "vector")], "id", 384, True),
    "candidate": Domain("candidate", [("candidate_id", "text"), ("position_category", "text"),
                                      ("experience_years", "int"), ("original_resume", "text"),
                                      ("skills", "strlist"), ("vector", "vector")],
                        "candidate_id", 768, True),
    "skill_embedding_dic": Domain("skill_embedding_dic", [("skill", "text"),
                                                          ("position_category", "text"),
                                                          ("vector", "vector")], "skill", 768, False),
}


def f32_bytes(values):
    """float32(float64(v)) for each value, little-endian: what the spec's Python client sends."""
    return struct.pack("<%df" % len(values), *values)


def vector_floats(blob):
    return list(struct.unpack("<%df" % (len(blob) // 4), blob))


def normalize_row(domain, raw):
    """A row parsed from a file (str/int/list values) in the stores' normalized form."""
    d = DOMAINS[domain]
    row = {}
    for name, typ in d.fields:
        v = raw[name]
        if typ == "int":
            row[name] = int(v)
        elif typ == "vector":
            row[name] = f32_bytes([float(x) for x in v])
        elif typ == "strlist":
            row[name] = [str(x) for x in v]
        else:
            row[name] = str(v)
    if d.uuid_key:
        row[d.key] = row[d.key].lower()
    return row


def iter_file_rows(domain, path):
    """Raw rows of a CSV or JSONL file, read the way the spec's Python loader would."""
    d = DOMAINS[domain]
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as f:
            for rec in csv.DictReader(f):
                raw = dict(rec)
                for name, typ in d.fields:
                    if typ in ("vector", "strlist"):
                        raw[name] = json.loads(raw[name])
                    elif typ == "int":
                        raw[name] = int(raw[name])
                yield raw
    else:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def read_file_rows(domain, path, lower_keys=True):
    """The file's rows in normalized form, file order, duplicates kept. lower_keys=False keeps
    UUID keys as written (what a client sends, before the server lowercases them)."""
    rows = []
    for r in iter_file_rows(domain, path):
        row = normalize_row(domain, r)
        if not lower_keys:
            row[DOMAINS[domain].key] = str(r[DOMAINS[domain].key])
        rows.append(row)
    return rows


def expected_store(domain, path):
    """What a store must hold after ingesting path: key -> row, the last row per key winning."""
    key = DOMAINS[domain].key
    out = {}
    for row in read_file_rows(domain, path):
        out[row[key]] = row
    return out


# Text a loader must carry through untouched: quotes, separators, newlines, escapes, Korean, emoji.
AWKWARD = [
    'He said "hello", then left',
    "line one\nline two\r\nline three",
    "comma, separated, words",
    "백엔드 개발자 (서울, 판교)",
    "주식회사 \"알파\" — 매칭",
    "tab\there and back\\slash",
    "  leading and trailing spaces  ",
    "emoji 😀 and ünïcödé",
    "'single' quotes; semi;colons",
    "",
]


def _text(rng, i, nonempty=False):
    t = AWKWARD[(i + rng.randrange(len(AWKWARD))) % len(AWKWARD)]
    return t if t or not nonempty else "x"


def make_rows(domain, n, dim=None, seed=1, digits=None, upper_every=5):
    """n deterministic raw rows of a domain, full of awkward text. Vectors hold full-precision
    doubles (float32 rounding matters) unless digits rounds them (smaller files). Every
    upper_every-th UUID key is written in upper case (the server stores it lowercase)."""
    import random
    import uuid
    d = DOMAINS[domain]
    dim = dim or d.dim
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        vec = [rng.uniform(-1.0, 1.0) for _ in range(dim)]
        if digits is not None:
            vec = [round(x, digits) for x in vec]
        elif i % 7 == 3:
            vec[:3] = [1e-39, -0.0, 3.4e38]  # subnormal float32, negative zero, near FLT_MAX
        uid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if upper_every and i % upper_every == 1:
            uid = uid.upper()
        row = {}
        for name, typ in d.fields:
            if typ == "vector":
                row[name] = vec
            elif typ == "int":
                row[name] = rng.randrange(0, 31)
            elif typ == "strlist":
                row[name] = [_text(rng, i + k, True) for k in range(rng.randrange(0, 4))]
            elif name == d.key:
                row[name] = uid if d.uuid_key else "skill %d.%d %s" % (seed, i, _text(rng, i))
            else:
                row[name] = _text(rng, i)
        rows.append(row)
    return rows


def write_rows(domain, rows, path):
    """Writes raw rows as CSV (RFC 4180, header of field names, JSON arrays in cells) or JSONL
    (half the lines with \\u escapes instead of raw UTF-8), by the path's extension."""
    names = [n for n, _ in DOMAINS[domain].fields]
    if path.endswith(".csv"):
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(names)
            for r in rows:
                w.writerow([json.dumps(r[n], ensure_ascii=False) if isinstance(r[n], list)
                            else r[n] for n in names])
    else:
        with open(path, "w", encoding="utf-8") as f:
            for i, r in enumerate(rows):
                f.write(json.dumps({n: r[n] for n in names}, ensure_ascii=bool(i % 2)) + "\n")
    return path


def write_domain_file(domain, path, n, dim=None, seed=1, **kw):
    return write_rows(domain, make_rows(domain, n, dim, seed, **kw), path)


# ---------------------------------------------------------------- stores

class Store:
    """One fresh store. Backends implement url, rows(), count(), ingest_log() and destroy()."""
    url = None

    def rows(self, domain):
        """key -> normalized row dict, of everything committed in domain's table."""
        raise NotImplementedError

    def count(self, domain):
        raise NotImplementedError

    def ingest_log(self):
        """ingest_log entries as dicts (domain, file_name, vector_dimension, rows, chunks, status,
        started_at, finished_at), oldest first."""
        raise NotImplementedError

    def total_rows(self):
        return sum(self.count(d) for d in DOMAINS)

    def destroy(self):
        pass


class SqliteStore(Store):
    def __init__(self):
        self.dir = tempdir("es-sqlite-")
        self.path = os.path.join(self.dir, "es.db")
        self.url = "sqlite:" + self.path

    @contextlib.contextmanager
    def _db(self):
        # Opening would create an empty file where none is; a missing file reads as empty.
        if not os.path.exists(self.path):
            yield None
            return
        # Read-write open, read-only use: a mode=ro reader cannot always open a WAL database.
        con = sqlite3.connect(self.path, timeout=30)
        try:
            yield con
        finally:
            con.close()

    @staticmethod
    def _has_table(con, name):
        return con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                           (name,)).fetchone() is not None

    def count(self, domain):
        with self._db() as con:
            if con is None or not self._has_table(con, domain):
                return 0
            return con.execute('SELECT count(*) FROM "%s"' % domain).fetchone()[0]

    def rows(self, domain):
        d = DOMAINS[domain]
        with self._db() as con:
            if con is None or not self._has_table(con, domain):
                return {}
            cols = ", ".join('"%s"' % n for n, _ in d.fields)
            out = {}
            for rec in con.execute('SELECT %s FROM "%s"' % (cols, domain)):
                row = {}
                for (name, typ), v in zip(d.fields, rec):
                    if typ == "strlist":
                        v = json.loads(v)
                    elif typ == "vector":
                        v = bytes(v)
                    row[name] = v
                out[row[d.key]] = row
            return out

    def ingest_log(self):
        with self._db() as con:
            if con is None or not self._has_table(con, "ingest_log"):
                return []
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute("SELECT * FROM ingest_log ORDER BY rowid")]

    def destroy(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class StoreFactory:
    """Makes a fresh store per test. available() returns None, or why the backend can't run here."""
    name = None

    def available(self):
        return None

    def create(self):
        raise NotImplementedError


class SqliteFactory(StoreFactory):
    name = "sqlite"

    def create(self):
        return SqliteStore()


STORE_FACTORIES = []


def register_store_factory(factory):
    """Adds a backend to every store-parameterized test class (store_test_classes)."""
    STORE_FACTORIES.append(factory)
    return factory


def selected_factories():
    wanted = os.environ.get("ES_STORES")
    if not wanted:
        return list(STORE_FACTORIES)
    names = {n.strip() for n in wanted.split(",") if n.strip()}
    return [f for f in STORE_FACTORIES if f.name in names]


class StoreTestMixin:
    """Gives each test self.store, a fresh store from self.factory, destroyed afterwards."""
    factory = None

    def setUp(self):
        # Before the test class's own setUp, which may start a server on the store.
        self.store = self.factory.create()
        self.addCleanup(self.store.destroy)
        super().setUp()


def store_test_classes(mixin, namespace):
    """Defines one unittest.TestCase per registered store factory from a mixin class that holds
    the tests (and does not itself derive from TestCase), into namespace (a module's globals())."""
    for f in selected_factories():
        name = "%s_%s" % (mixin.__name__, f.name)
        cls = type(name, (StoreTestMixin, mixin, unittest.TestCase), {"factory": f})
        reason = f.available()
        if reason:
            cls = unittest.skip("%s store: %s" % (f.name, reason))(cls)
        cls.__module__ = namespace.get("__name__", cls.__module__)
        namespace[name] = cls


register_store_factory(SqliteFactory())

# Optional backends living next to this file register themselves when imported.
PLUGIN_MODULES = ["store_postgres"]
for _mod in PLUGIN_MODULES:
    if os.path.exists(os.path.join(HERE, _mod + ".py")):
        if HERE not in sys.path:
            sys.path.insert(0, HERE)
        importlib.import_module(_mod)
