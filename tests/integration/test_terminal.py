# test_terminal.py - what a person at a terminal sees: progress lines under a pseudo-terminal,
# stats as a table, the logs as text or JSON, and the messages of the common slips (a port
# alone, a busy port, no server there).
import json
import os
import re
import socket
import subprocess
import unittest

import harness as h

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

    def assert_one_line(self, p, *needles):
        self.assertEqual(p.returncode, 1, p.stderr)
        lines = p.stderr.splitlines()
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
        p = run(["serve", "--store", "null:", "--listen", "192.0.2.1:50052"])  # TEST-NET-1
        self.assert_one_line(p, "192.0.2.1 is not an address of this machine")

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


if __name__ == "__main__":
    h.main()
