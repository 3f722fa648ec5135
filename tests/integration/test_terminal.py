# test_terminal.py - what a person at a terminal sees: progress lines under a pseudo-terminal,
# stats as a table, the logs as text or JSON, and the messages of the common slips (a port
# alone, a busy port, no server there).
import fcntl
import json
import os
import pty
import re
import select
import socket
import struct
import subprocess
import termios
import threading
import time
import unittest

import harness as h
from harness import api as a

EXAMPLE = os.path.join(h.SOURCE_DIR, "examples", "recruit.csv")
TS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def run(argv, env=None, timeout=60):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("EMBEDSTREAM_", "ES_LOG"))}
    e.update(env or {})
    return subprocess.run([h.BIN] + argv, capture_output=True, text=True, env=e,
                          stdin=subprocess.DEVNULL, timeout=h.scaled(timeout))


def text_fields(line):
    """{key: value} of a text log line's "key=value" fields (quoted values unquoted)."""
    return {m.group(1): m.group(3) if m.group(3) is not None else m.group(2)
            for m in re.finditer(r' (\w+)=(?:"([^"]*)"|(\S+))', line)}


class Pty:
    """A command with stderr (and, with tty_stdout, stdout) on a pseudo-terminal: run() returns
    (exit code, what the terminal showed, stdout when it was a pipe). until: a regex the screen
    must show before on_match() is called (a test releasing a held stream, say)."""

    def __init__(self, argv, tty_stdout=False, env=None, cols=None):
        self.argv, self.tty_stdout, self.env, self.cols = argv, tty_stdout, env, cols

    def run(self, until=None, on_match=None, timeout=60):
        master, slave = pty.openpty()
        if self.cols:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, self.cols, 0, 0))
        e = {k: v for k, v in os.environ.items() if not k.startswith(("EMBEDSTREAM_", "ES_LOG"))}
        e.update(self.env or {})
        p = subprocess.Popen([h.BIN] + self.argv, stdin=subprocess.DEVNULL, stderr=slave,
                             stdout=slave if self.tty_stdout else subprocess.PIPE, env=e)
        os.close(slave)
        out = {}
        t = threading.Thread(target=lambda: out.setdefault("stdout", p.stdout.read() if p.stdout else b""))
        t.start()
        screen, matched, deadline = b"", until is None, time.monotonic() + h.scaled(timeout)
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the other side is closed
                    break
                if not chunk:
                    break
                screen += chunk
            if not matched and re.search(until, screen.decode("utf-8", "replace")):
                matched = True
                on_match()
        os.close(master)
        code = p.wait(h.scaled(10))
        t.join(h.scaled(10))
        if p.stdout:
            p.stdout.close()
        if not matched:
            raise AssertionError("the terminal never showed /%s/:\n%r" % (until, screen))
        return code, screen.decode("utf-8", "replace"), out["stdout"].decode("utf-8", "replace")


def last_state(screen):
    """What a terminal shows last after in-place redraws: the text after the last CR of each line."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", screen)
    return [l.split("\r")[-1] for l in text.replace("\r\n", "\n").split("\n") if l.split("\r")[-1].strip()]


class BusyPort:
    """A port something else listens on."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.addr = "127.0.0.1:%d" % self.sock.getsockname()[1]
        return self

    def __exit__(self, *exc):
        self.sock.close()
        return False


class UsageTest(unittest.TestCase):
    def test_a_port_alone_suggests_an_address(self):
        cases = ((["ingest", "-d", "recruit", "-f", EXAMPLE, "--server", "50052"], "--server '50052'", None),
                 (["serve", "--listen", "50052"], "--listen '50052'", None),
                 (["serve", "--metrics-listen", ":9090"], "--metrics-listen ':9090'", "127.0.0.1:9090"),
                 (["api", "--data-dir", ".", "-s", "8000"], "--server '8000'", "127.0.0.1:8000"),
                 (["ingest", "-d", "recruit", "-f", EXAMPLE], "EMBEDSTREAM_SERVER='50052'", None))
        for argv, where, want in cases:
            with self.subTest(argv=argv):
                p = run(argv, env={"EMBEDSTREAM_SERVER": "50052"} if "EMBEDSTREAM" in where else None)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(where, p.stderr)
                self.assertIn("not a port alone (did you mean %s?)" % (want or "127.0.0.1:50052"), p.stderr)
                self.assertEqual(p.stdout, "")

    def test_unreachable_server_asks_whether_it_runs(self):
        addr = "127.0.0.1:%d" % h.free_port()
        res = h.run_ingest("recruit", EXAMPLE, addr, retries=1)
        self.assertEqual(res.code, 4, res)
        want = "is `embedstream serve` running at %s?" % addr
        self.assertIn(want, res.out["message"])
        self.assertIn(want, res.err.strip().splitlines()[-1])


class BusyPortTest(unittest.TestCase):
    """One clear line of ours; no raw gRPC core or libmicrohttpd log."""

    def assert_one_line(self, p, *needles, besides=None):
        """besides: a warning line that may come first (one --insecure asks for)."""
        self.assertEqual(p.returncode, 1, p.stderr)
        lines = p.stderr.splitlines()
        if besides and lines and besides in lines[0]:
            lines = lines[1:]
        self.assertEqual(len(lines), 1, p.stderr)
        for n in needles:
            self.assertIn(n, lines[0])
        for raw in ("chttp2", "created_time", "Failed to bind"):
            self.assertNotIn(raw, p.stderr)

    def test_serve_api_and_metrics(self):
        with BusyPort() as busy:
            self.assert_one_line(run(["serve", "--store", "null:", "--listen", busy.addr]),
                                 "embedstream serve: cannot listen on %s: address already in use" % busy.addr)
            self.assert_one_line(run(["serve", "--store", "null:", "--listen", "127.0.0.1:0",
                                      "--metrics-listen", busy.addr]),
                                 "cannot listen on %s for metrics: address already in use" % busy.addr)
            self.assert_one_line(run(["api", "--data-dir", h.tempdir(), "--listen", busy.addr]),
                                 "embedstream api: cannot listen on %s: address already in use" % busy.addr)
        # TEST-NET-1; --insecure, else the rule for non-loopback listeners refuses it first
        p = run(["serve", "--store", "null:", "--listen", "192.0.2.1:50052", "--insecure"])
        self.assert_one_line(p, "192.0.2.1 is not an address of this machine", besides="has no TLS")

    def test_grpc_core_logs_through_ours_at_debug(self):
        with BusyPort() as busy:
            p = run(["serve", "--store", "null:", "--listen", busy.addr],
                    env={"EMBEDSTREAM_LOG_LEVEL": "debug"})
            self.assertEqual(p.returncode, 1)
            grpc_lines = [l for l in p.stderr.splitlines() if "source=grpc" in l]
            self.assertTrue(grpc_lines, p.stderr)
            for line in p.stderr.splitlines()[:-1]:  # every line ours, the last our message
                self.assertRegex(line, "^" + TS + " (DEBUG|INFO |WARN |ERROR) ")
            self.assertTrue(any("No address added" in l for l in grpc_lines), grpc_lines)
            p = run(["serve", "--store", "null:", "--listen", busy.addr, "--log-format", "json"],
                    env={"EMBEDSTREAM_LOG_LEVEL": "debug"})
            records = [json.loads(l) for l in p.stderr.splitlines()]  # every line JSON
            self.assertTrue([r for r in records if r.get("source") == "grpc" and r["level"] == "debug"
                             and r["file"] and r["line"] > 0])
            self.assertEqual((records[-1]["level"], records[-1]["command"]), ("error", "serve"))
            self.assertIn("address already in use", records[-1]["msg"])


class LogFormatTest(unittest.TestCase):
    def serve_and_ingest(self, fmt_args, env=None):
        store = h.SqliteStore()
        self.addCleanup(store.destroy)
        e = dict(os.environ, **(env or {}))
        with h.Server(store.url, args=fmt_args, env=e) as srv:
            res = h.run_ingest("recruit", EXAMPLE, srv.addr)
            self.assertEqual(res.code, 0, res)
            srv.wait_for_log(r"stream \d+ end")
        return srv.log

    def test_json_lines_carry_the_text_lines_fields(self):
        text = self.serve_and_ingest([])
        for fmt in (["--log-format", "json"], []):
            env = {"EMBEDSTREAM_LOG_FORMAT": "json"} if not fmt else None
            log = self.serve_and_ingest(fmt, env)
            records = [json.loads(l) for l in log.splitlines() if l.strip()]  # every line JSON
            for r in records:
                self.assertRegex(r["time"], "^" + TS + "$")
                self.assertIn(r["level"], ("debug", "info", "warn", "error"))
            self.assertTrue(any(r["msg"].startswith("listening on ") for r in records))
            for event in ("start", "end"):
                rec = [r for r in records if r.get("event") == event][0]
                line = [l for l in text.splitlines() if re.search(r"stream \d+ %s:" % event, l)][0]
                want = text_fields(line)
                got = {("duration" if k == "duration_s" else k): v for k, v in rec.items()}
                self.assertEqual(set(want) - set(got), set(), (line, rec))
                self.assertEqual(rec["msg"], "stream %d %s" % (rec["stream"], event))
                self.assertEqual(rec["domain"], "recruit")
                self.assertEqual(rec["file"], "recruit.csv")
            end = [r for r in records if r.get("event") == "end"][0]
            self.assertEqual((end["rows"], end["chunks"], end["outcome"]), (6, 1, "success"))
            self.assertIsInstance(end["duration_s"], float)

    def test_client_text_in_json_is_escaped(self):
        store = h.SqliteStore()
        self.addCleanup(store.destroy)
        d = h.tempdir()
        odd = os.path.join(d, 'we"ird\tname.csv')
        with open(EXAMPLE, "rb") as f, open(odd, "wb") as g:
            g.write(f.read())
        with h.Server(store.url, args=["--log-format", "json"]) as srv:
            self.assertEqual(h.run_ingest("recruit", odd, srv.addr).code, 0)
            srv.wait_for_log(r'"event":"end"')
            files = [json.loads(l).get("file") for l in srv.log.splitlines() if '"event"' in l]
        self.assertEqual(files, ['we"ird\tname.csv'] * 2)

    def test_api_logs_json_and_refuses_other_formats(self):
        with h.ServerProcess([h.BIN, "api", "--listen", "127.0.0.1:0", "--data-dir", h.tempdir(),
                              "--log-format", "json"], name="api-json") as api:
            pass
        records = [json.loads(l) for l in api.log.splitlines()]
        self.assertTrue(records[0]["msg"].startswith("listening on "), records)
        self.assertEqual(records[-1]["msg"], "stopped")
        for cmd in (["serve"], ["api", "--data-dir", "."]):
            p = run(cmd + ["--log-format", "xml"])
            self.assertEqual(p.returncode, 2)
            self.assertIn("--log-format 'xml': expected text or json", p.stderr)


class ProgressTest(unittest.TestCase):
    """ingest's progress line: on a terminal by default, --progress never/always, --quiet."""

    @classmethod
    def setUpClass(cls):
        cls.dir = h.tempdir()
        cls.big = h.write_domain_file("recruit", os.path.join(cls.dir, "big.csv"), 600, seed=3, digits=3)
        cls.store = h.SqliteStore()
        cls.srv = cls.enterClassContext(h.Server(cls.store.url))

    def test_one_line_updated_in_place_with_rate_and_eta(self):
        # The relay holds the stream after its first chunks: the line must show a rate and an
        # ETA meanwhile, then the end once released.
        with a.Relay(self.srv.addr, budget=64 * 1024) as relay:
            code, screen, out = Pty(["ingest", "-d", "recruit", "-f", self.big, "-s", relay.addr,
                                     "--chunk-size", "5"]).run(until=r"rows/s .*ETA \d", on_match=relay.release)
        self.assertEqual(code, 0, screen)
        self.assertEqual(json.loads(out)["rows_stored"], 600)
        self.assertIn("\r", screen)
        self.assertIn("\x1b[K", screen)  # redrawn in place, not scrolled
        running = [l.strip() for l in screen.split("\r") if "ETA" in l][0]
        self.assertRegex(running, r"^(\x1b\[J)?big\.csv  [\d,]+ rows  [\d.]+ of [\d.]+ MB  \d+%  "
                                  r"[\d,]+ rows/s  [\d.]+ s  ETA [\d.:]+( s)?  [\d,]+ chunks")
        shown = last_state(screen)
        final = [l for l in shown if l.startswith("big.csv")]
        self.assertEqual(len(final), 1, shown)  # one line, not one per update
        size = os.path.getsize(self.big) / 1e6
        self.assertRegex(final[0], r"^big\.csv  600 rows  %.1f of %.1f MB  100%%  .*  120 chunks  done$"
                         % (size, size))
        self.assertTrue(shown[-1].endswith("ingested 600 rows in 120 chunks in %s" % shown[-1].split(" in ")[-1]))

    def test_one_chunk_is_said_so(self):
        code, screen, _ = Pty(["ingest", "-d", "recruit", "-f", EXAMPLE, "-s", self.srv.addr]).run()
        self.assertEqual(code, 0, screen)
        final = [l for l in last_state(screen) if l.startswith("recruit.csv")]
        self.assertRegex(final[0], r"  6 rows  .*  1 chunk  done$")
        self.assertNotIn("1 chunks", screen)

    def test_never_quiet_and_always(self):
        argv = ["ingest", "-d", "recruit", "-f", EXAMPLE, "-s", self.srv.addr]
        code, screen, out = Pty(argv + ["--progress", "never"]).run()
        self.assertEqual(code, 0)
        self.assertNotIn("\r", screen.replace("\r\n", "\n"))  # the terminal's own CR LF aside
        self.assertNotIn("recruit.csv  6 rows", screen)
        self.assertIn("ingested 6 rows in 1 chunk", screen)
        code, screen, out = Pty(argv + ["--quiet"]).run()
        self.assertEqual((code, screen), (0, ""))
        self.assertEqual(json.loads(out)["status"], "success")
        # --quiet keeps errors.
        code, screen, out = Pty(["ingest", "-q", "-d", "recruit", "-f", EXAMPLE, "-s",
                                 "127.0.0.1:%d" % h.free_port(), "--retries", "1"]).run()
        self.assertEqual(code, 4)
        self.assertIn("ERROR ingest failed", screen)
        self.assertNotIn("\r", screen.replace("\r\n", "\n"))
        # Into a pipe: nothing by default; with always, plain lines (no escapes).
        p = run(argv)
        self.assertNotIn("recruit.csv  6 rows", p.stderr)
        p = run(argv + ["--progress", "always"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stderr, r"(?m)^recruit\.csv  6 rows  .*  1 chunk  done$")
        self.assertNotIn("\x1b", p.stderr)
        self.assertNotIn("\r", p.stderr)
        p = run(argv + ["--progress", "sometimes"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--progress 'sometimes': expected auto, always or never", p.stderr)

    def test_a_file_name_cannot_drive_the_terminal(self):
        # Regression: the name went to the terminal as it was, escape sequences included.
        odd = os.path.join(self.dir, "b\x1b[31mred\nx.csv")
        with open(EXAMPLE, "rb") as f, open(odd, "wb") as g:
            g.write(f.read())
        code, screen, _ = Pty(["ingest", "-d", "recruit", "-f", odd, "-s", self.srv.addr]).run()
        self.assertEqual(code, 0, screen)
        self.assertNotIn("\x1b[31m", screen)
        self.assertRegex(screen, r"(?m)^b\?\[31mred\?x\.csv  6 rows  .*  done")
        p = run(["ingest", "-d", "recruit", "-f", odd, "-s", self.srv.addr, "--progress", "always"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("\x1b", p.stderr)
        self.assertRegex(p.stderr, r"(?m)^b\?\[31mred\?x\.csv  6 rows  .*  done$")

    def test_a_narrow_terminal_gets_lines_cut_not_wrapped(self):
        # A line wider than the terminal wraps, and the redraw (CR, erase) then leaves its first
        # part behind on every update: lines are cut to the width, at a character boundary.
        long_name = os.path.join(self.dir, "é" * 20 + ".csv")
        with open(EXAMPLE, "rb") as f, open(long_name, "wb") as g:
            g.write(f.read())
        code, screen, _ = Pty(["ingest", "-d", "recruit", "-f", long_name, "-s", self.srv.addr],
                              cols=40).run()
        self.assertEqual(code, 0, screen)
        progress = [l for l in last_state(screen) if "ingested" not in l]
        self.assertTrue(progress, screen)
        for line in progress:
            self.assertLessEqual(len(line), 39, line)
        self.assertEqual(len(progress[0]), 39, progress)  # cut by characters, not bytes
        self.assertTrue(progress[0].startswith("é" * 20 + ".csv  6 rows"), progress)
        self.assertNotIn("\ufffd", screen)  # no character cut in half

    def test_a_file_name_in_a_log_message_cannot_drive_the_terminal(self):
        # Regression: the text log wrote its message as it was, so a missing file named with an
        # escape sequence coloured the terminal (and a line break could forge a log line).
        odd = os.path.join(self.dir, "no\x1b[31mpe\n2026-01-01T00:00:00.000Z INFO  forged.csv")
        p = run(["ingest", "-d", "recruit", "-f", odd, "-s", self.srv.addr])
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertNotIn("\x1b", p.stderr)
        self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        self.assertIn("no?[31mpe?2026-01-01T00:00:00.000Z INFO  forged.csv: no such file", p.stderr)
        self.assertIn("\x1b[31m", json.loads(p.stdout)["message"])  # JSON escapes it; intact there

    def test_failure_ends_the_line_as_failed(self):
        bad = h.write_domain_file("recruit", os.path.join(self.dir, "dim8.csv"), 3, dim=8)
        code, screen, _ = Pty(["ingest", "-d", "recruit", "-f", bad, "-s", self.srv.addr]).run()
        self.assertEqual(code, 2, screen)  # 8 values where the domain has 384: refused here
        shown = last_state(screen)
        self.assertTrue([l for l in shown if l.startswith("dim8.csv") and l.endswith("failed")], shown)


class GenerateProgressTest(unittest.TestCase):
    def test_terminal_pipe_and_quiet(self):
        d = h.tempdir()
        out = os.path.join(d, "c.jsonl")
        argv = ["generate", "-d", "candidate", "-n", "20000", "-o", out]
        code, screen, _ = Pty(argv).run()
        self.assertEqual(code, 0, screen)
        self.assertRegex(screen, r"c\.jsonl  [\d,]+ rows  [\d.]+ MB  \d+%")  # a live line ...
        shown = last_state(screen)
        self.assertEqual(len(shown), 1, shown)  # ... gone at the end: the summary is the last word
        self.assertTrue(shown[0].startswith("generate: wrote 20000 candidate rows"), shown)
        p = run(argv + ["--progress", "always"])
        self.assertRegex(p.stderr, r"(?m)^c\.jsonl  [\d,]+ rows  [\d.]+ MB  \d+%")
        self.assertNotIn("\x1b", p.stderr)
        size = os.path.getsize(out)
        code, screen, _ = Pty(argv + ["-q"]).run()
        self.assertEqual((code, screen), (0, ""))
        self.assertEqual(os.path.getsize(out), size)  # the same bytes as before


class StatsTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.store = h.SqliteStore()
        d = h.tempdir()
        with h.Server(cls.store.url) as srv:
            for name, rows, seed in (("a.csv", 7, 1), ("b\x1b[31mred.csv", 3, 2)):
                path = h.write_domain_file("recruit", os.path.join(d, name), rows, seed=seed)
                assert h.run_ingest("recruit", path, srv.addr).code == 0
            try:  # a stream the server refuses at its second chunk: logged as failed
                h.Client(srv.addr).ingest(iter([h.md(dim=384, file_name="bad.csv"),
                                                h.recruit_chunk(0, 2, dim=384),
                                                h.recruit_chunk(2, 1, dim=3)]), timeout=h.scaled(10))
            except Exception as e:  # grpc.RpcError
                assert "INVALID_ARGUMENT" in str(e), e

    def test_table_by_default_on_a_terminal(self):
        code, screen, _ = Pty(["stats", "--store", self.store.url], tty_stdout=True).run()
        self.assertEqual(code, 0, screen)
        lines = screen.replace("\r\n", "\n").splitlines()
        self.assertEqual(lines[0], "Store  " + self.store.url)
        self.assertRegex(screen, r"(?m)^DOMAIN +ROWS +DIM\r?$")
        self.assertRegex(screen, r"(?m)^recruit +10 +384\r?$")
        self.assertRegex(screen, r"(?m)^candidate +0 +-\r?$")
        self.assertIn("Last 3 ingests, newest first", screen)
        self.assertRegex(screen, r"(?m)^FINISHED +DOMAIN +FILE +ROWS +CHUNKS +STATUS +DURATION +MESSAGE")
        rows = [l for l in lines if re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ ", l)]
        self.assertEqual(len(rows), 3, screen)
        self.assertRegex(rows[0], r"recruit +bad\.csv +3 +2 +failed +\d+\.\d\d s +chunk 2, row 0: ")
        self.assertRegex(rows[2], r"recruit +a\.csv +7 +1 +success +\d+\.\d\d s +")
        self.assertNotIn("\x1b", screen, "a file name put an escape sequence on the terminal")
        self.assertIn("b?[31mred.csv", rows[1])

    def test_json_into_a_pipe_and_both_on_request(self):
        p = run(["stats", "--store", self.store.url])
        doc = json.loads(p.stdout)  # a pipe gets the JSON, as scripts always did
        self.assertEqual(doc["domains"]["recruit"]["rows"], 10)
        self.assertEqual(run(["stats", "--store", self.store.url, "--format", "json"]).stdout, p.stdout)
        t = run(["stats", "--store", self.store.url, "--format", "table"])
        self.assertEqual(t.returncode, 0, t.stderr)
        self.assertTrue(t.stdout.startswith("Store  "), t.stdout)
        code, screen, _ = Pty(["stats", "--store", self.store.url, "--format", "json"], tty_stdout=True).run()
        self.assertEqual(json.loads(screen)["domains"]["recruit"]["vector_dimension"], 384)
        p = run(["stats", "--store", "null:", "--format", "csv"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--format 'csv': expected json or table", p.stderr)


if __name__ == "__main__":
    h.main()
