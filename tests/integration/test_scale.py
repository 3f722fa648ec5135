# test_scale.py - many files over several servers sharing one store, once per store backend:
# streams spread over the servers, a server killed mid-run, overlapping keys from 8 streams at once.
import contextlib
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def run_many(files, server, args=(), proc_timeout=300.0):
    """`embedstream ingest` with several --file: (exit code, [per-file objects], summary, stderr)."""
    argv = [h.BIN, "ingest", "--server", server] + list(args)
    for f in files:
        argv += ["--file", f]
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=h.scaled(proc_timeout))
    lines = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    return p.returncode, lines[:-1], (lines[-1] if lines else None), p.stderr


def streams_ended(server, outcome="success"):
    """How many streams a server's log says ended with outcome."""
    return server.log.count("outcome=%s" % outcome)


class Scale(h.TempDirCase):
    """Tests against self.store, written to by two servers at once."""

    def servers(self, stack, n=2, args=()):
        return [stack.enter_context(h.Server(self.store.url, args=args, name="server%d" % i))
                for i in range(n)]

    def assert_all_succeeded(self, code, per_file, summary, err, n):
        self.assertEqual(code, 0, "%s\n%s" % (per_file, err))
        self.assertEqual(len(per_file), n, per_file)
        for f in per_file:
            self.assertEqual(f["status"], "success", f)
            self.assertEqual(f["rows_stored"], f["rows_sent"], f)
        self.assertEqual(summary["files"], n, summary)
        self.assertEqual(summary["succeeded"], n, summary)
        self.assertEqual(summary["failed"], 0, summary)

    def assert_store_holds(self, expected):
        """expected: domain -> key -> row; the store must hold exactly that."""
        for domain, rows in expected.items():
            got = self.store.rows(domain)
            self.assertEqual(set(got), set(rows), "%s: stored keys differ" % domain)
            for key, row in rows.items():
                self.assertEqual(got[key], row, "%s %s differs from the file" % (domain, key))

    def four_files(self, rows=60):
        specs = [("recruit", "r1.csv", 1), ("recruit", "r2.jsonl", 2), ("candidate", "c.csv", 3),
                 ("skill_embedding_dic", "s.jsonl", 4)]
        files, expected = [], {}
        for domain, name, seed in specs:
            path = h.write_domain_file(domain, self.path(name), rows, seed=seed)
            files.append(path)
            expected.setdefault(domain, {}).update(h.expected_store(domain, path))
        return files, expected

    def test_four_files_over_two_servers(self):
        files, expected = self.four_files()
        with contextlib.ExitStack() as stack:
            a, b = self.servers(stack)
            code, per_file, summary, err = run_many(files, "%s,%s" % (a.addr, b.addr),
                                                    ["--domain", "auto", "--parallel", "2",
                                                     "--chunk-size", "7"])
            self.assert_all_succeeded(code, per_file, summary, err, 4)
            self.assertEqual(sorted(f["file"] for f in per_file), sorted(files))
            self.assertEqual({f["file"]: f["domain"] for f in per_file},
                             {p: d for p, d in zip(files, ["recruit", "recruit", "candidate",
                                                           "skill_embedding_dic"])})
            # round_robin: both servers took streams
            self.assertGreaterEqual(streams_ended(a), 1, a.log_tail())
            self.assertGreaterEqual(streams_ended(b), 1, b.log_tail())
            self.assertEqual(streams_ended(a) + streams_ended(b), 4)
        self.assert_store_holds(expected)

    def test_server_killed_mid_run(self):
        """One of two servers dies while streams are on it: they are sent again, to the other."""
        files, expected = [], {}
        for i in range(6):
            path = h.write_domain_file("recruit", self.path("r%d.csv" % i), 600, seed=20 + i)
            files.append(path)
            expected.update(h.expected_store("recruit", path))
        with contextlib.ExitStack() as stack:
            a, b = self.servers(stack)
            argv = [h.BIN, "ingest", "--domain", "recruit", "--server", "%s,%s" % (a.addr, b.addr),
                    "--parallel", "3", "--chunk-size", "5", "--backoff-min", "0.2",
                    "--backoff-max", "1", "--retries", "5"]
            for f in files:
                argv += ["--file", f]
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            try:
                b.wait_for_log(r"stream \d+ start", timeout=60)
                b.kill()  # SIGKILL, streams in flight
                out, err = p.communicate(timeout=h.scaled(300))
            finally:
                if p.poll() is None:
                    p.kill()
                    p.communicate()
            lines = [json.loads(x) for x in out.splitlines() if x.strip()]
            self.assert_all_succeeded(p.returncode, lines[:-1], lines[-1], err, 6)
            self.assertGreaterEqual(streams_ended(a), 1)
            # the killed streams were retried: more attempts than files
            self.assertIn("retrying", err)
        self.assert_store_holds({"recruit": expected})

    def test_overlapping_keys_eight_streams(self):
        """8 files whose keys overlap by half, sent at once through two servers: every stream
        ends stored (conflicts are retried), every stored row is one of the files' versions."""
        rng = random.Random(5)
        shared = h.make_rows("recruit", 40, seed=99)
        files, versions = [], {}
        for i in range(8):
            own = h.make_rows("recruit", 40, seed=200 + i)
            rows = [dict(r, id=s["id"]) for r, s in zip(h.make_rows("recruit", 40, seed=300 + i), shared)]
            rows += own
            rng.shuffle(rows)  # shared keys in a different order in every file: deadlock bait
            path = h.write_rows("recruit", rows, self.path("o%d.csv" % i))
            files.append(path)
            for key, row in h.expected_store("recruit", path).items():
                versions.setdefault(key, []).append(row)
        with contextlib.ExitStack() as stack:
            a, b = self.servers(stack, args=["--max-streams", "8"])
            code, per_file, summary, err = run_many(
                files, "%s,%s" % (a.addr, b.addr),
                ["--domain", "recruit", "--parallel", "8", "--chunk-size", "10", "--retries", "1"])
            self.assert_all_succeeded(code, per_file, summary, err, 8)
        got = self.store.rows("recruit")
        self.assertEqual(set(got), set(versions))
        self.assertEqual(len(got), 40 + 8 * 40)
        for key, row in got.items():
            self.assertIn(row, versions[key], "stored row %s is no file's version of it" % key)


h.store_test_classes(Scale, globals())

if __name__ == "__main__":
    h.main()
