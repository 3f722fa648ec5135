# procs.py - the harness's paths, time bounds and processes: the binary under test, servers, ingests.
"""Paths come from the environment ctest sets (see harness/__init__.py); every time bound a test
waits on goes through scaled(), so sanitizer builds get the same tests with longer bounds."""
import atexit
import collections
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

__all__ = ["HERE", "SOURCE_DIR", "BUILD_DIR", "BIN", "SANITIZE", "SLOW", "PYTHON",
           "SANITIZER_MARKS", "scaled", "wait_until", "free_port", "tempdir", "TempDirCase",
           "ServerProcess",
           "Server", "IngestResult", "ingest_argv", "parse_json_stdout", "run_ingest",
           "start_ingest", "finish_ingest", "run_cmd", "run_unit_binary", "generate", "stats"]

# tests/integration: the test scripts and the helper programs next to them (pyclient.py, ...).
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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


class TempDirCase:
    """Mixin for a TestCase: a fresh temp dir per test as self.dir, and path(...) inside it."""

    def setUp(self):
        super().setUp()
        self.dir = tempdir()

    def path(self, *parts):
        return os.path.join(self.dir, *parts)


@atexit.register
def _remove_tempdirs():
    for d in _tempdirs:
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------- servers

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

    def wait_exit(self, timeout=30.0):
        """Waits (bounded) for the process to end on its own; returns its exit code."""
        try:
            return self.proc.wait(scaled(timeout))
        except subprocess.TimeoutExpired:
            raise AssertionError("%s did not exit within %.0f s:\n%s"
                                 % (self.name, scaled(timeout), self.log_tail())) from None

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

    def sigterm(self, in_flight):
        """SIGTERM, then waits for the server to say it stopped accepting streams with in_flight
        still open (it then drains them for up to --grace seconds)."""
        self.proc.send_signal(signal.SIGTERM)
        self.wait_for_log(r"received SIGTERM: no longer accepting streams; %d in flight" % in_flight)


# ---------------------------------------------------------------- one-shot commands

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


def run_unit_binary(name, env, proc_timeout=300.0):
    """Runs a C test program of the build tree (tests/unit) with env added to ours and checks it
    ran whole: exit 0 (77 is a skip, a failure here), every check passed, no sanitizer report.
    Returns the CompletedProcess (text output)."""
    path = os.path.join(BUILD_DIR, name)
    if not os.path.exists(path):
        raise AssertionError("%s not built" % path)
    p = subprocess.run([path], env=dict(os.environ, **env), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=scaled(proc_timeout))
    said = "%s exited %d:\n%s%s" % (name, p.returncode, p.stdout, p.stderr)
    if p.returncode != 0 or not re.search(r"\b0 failed", p.stdout) or "skipped" in p.stdout:
        raise AssertionError(said)
    for mark in SANITIZER_MARKS:
        if mark in p.stderr:
            raise AssertionError(said)
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
