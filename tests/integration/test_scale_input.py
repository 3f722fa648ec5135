# test_scale_input.py - what the client sends from many files, compressed files, stdin and several parse threads.
"""Store-independent (a recording Python server, pyserver.py), so not in test_scale.py, which
ctest runs once per store."""
import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from pyserver import PyServer  # noqa: E402


def ingest(args, stdin=None, proc_timeout=120.0):
    """`embedstream ingest ARGS`: (exit code, [JSON objects on stdout], stderr)."""
    p = subprocess.run([h.BIN, "ingest"] + list(args), input=stdin,
                       stdin=None if stdin is not None else subprocess.DEVNULL,
                       capture_output=True, timeout=h.scaled(proc_timeout))
    out = p.stdout.decode()
    return p.returncode, [json.loads(x) for x in out.splitlines() if x.strip()], p.stderr.decode()


def compress(tool, path):
    """path compressed by gzip or zstd next to it (the original removed): the new path."""
    if not shutil.which(tool):
        raise unittest.SkipTest("%s is not installed" % tool)
    subprocess.run([tool, "-q", path] + (["--rm"] if tool == "zstd" else []), check=True)
    return path + (".gz" if tool == "gzip" else ".zst")


class Input(h.TempDirCase, unittest.TestCase):
    def test_directory_compressed_domain_auto(self):
        """A directory of .csv.gz, .jsonl.zst and plain files, --domain auto: each file's rows
        reach the server exactly, under the domain its key column names; subdirectories and
        unsupported files are left alone without --recursive."""
        os.makedirs(self.path("d", "sub"))
        want = {}
        for domain, name, seed, tool in [("recruit", "a.csv", 1, "gzip"), ("candidate", "b.jsonl", 2, "zstd"),
                                         ("skill_embedding_dic", "c.csv", 3, None),
                                         ("recruit", "sub/e.csv", 4, None)]:
            p = h.write_domain_file(domain, self.path("d", name), 23, seed=seed)
            rows = h.read_file_rows(domain, p, lower_keys=False)
            want[compress(tool, p) if tool else p] = (domain, rows)
        with open(self.path("d", "notes.txt"), "w") as f:
            f.write("not data\n")
        with PyServer(record=True) as ps:
            code, out, err = ingest(["--domain", "auto", "--file", self.path("d"), "--server", ps.addr,
                                     "--chunk-size", "5", "--parallel", "2"])
            streams = {s.file_name: s for s in ps.servicer.successful()}
        self.assertEqual(code, 0, err)
        top = {p: v for p, v in want.items() if "/sub/" not in p}
        self.assertEqual(sorted(o["file"] for o in out[:-1]), sorted(top))
        self.assertEqual(out[-1]["files"], 3)
        for o in out[:-1]:
            domain, rows = top[o["file"]]
            self.assertEqual((o["status"], o["domain"], o["rows_sent"]), ("success", domain, 23), o)
            st = streams[os.path.basename(o["file"])]
            self.assertEqual(st.domain, domain)
            self.assertEqual(st.rows, rows, o["file"])
        with PyServer() as ps:  # --recursive takes the subdirectory too
            code, out, err = ingest(["-d", "auto", "-f", self.path("d"), "-r", "-s", ps.addr])
        self.assertEqual((code, out[-1]["files"], out[-1]["succeeded"]), (0, 4, 4), err)

    def test_domain_auto_refuses_ambiguous_file(self):
        """A file with both id and candidate_id could be either: refused by name, exit 2."""
        p = self.path("both.csv")
        with open(p, "w") as f:
            f.write("id,candidate_id,vector\n")
        with PyServer() as ps:
            code, out, err = ingest(["-d", "auto", "-f", p, "-s", ps.addr])
            self.assertEqual(ps.servicer.streams, [])
        self.assertEqual(code, 2, err)
        self.assertIn("both.csv", out[0]["message"])

    def test_stdin(self):
        """--file - reads standard input; the rows are the file's. A failure is not retried
        (stdin cannot be read again): exit 4 saying so, after one attempt."""
        p = h.write_domain_file("candidate", self.path("c.jsonl"), 31, seed=9)
        with open(p, "rb") as f:
            data = f.read()
        with PyServer(record=True) as ps:
            code, out, err = ingest(["-d", "candidate", "-f", "-", "--format", "jsonl", "-s", ps.addr,
                                     "--chunk-size", "8"], stdin=data)
            streams = ps.servicer.successful()
        self.assertEqual(code, 0, err)
        self.assertEqual(out[0]["rows_sent"], 31)
        self.assertEqual(streams[0].rows, h.read_file_rows("candidate", p, lower_keys=False))
        with PyServer(fail_first=1) as ps:
            code, out, err = ingest(["-d", "candidate", "-f", "-", "--format", "jsonl", "-s", ps.addr,
                                     "--retries", "3", "--chunk-size", "8"], stdin=data)
            attempts = len(ps.servicer.streams)
        self.assertEqual(code, 4, err)
        self.assertIn("standard input cannot be read again", out[0]["message"])
        self.assertEqual(attempts, 1)
        code, out, err = ingest(["-d", "candidate", "-f", "-", "-s", "127.0.0.1:1"], stdin=data)
        self.assertEqual(code, 2, err)  # no --format: usage error, nothing read
        self.assertIn("--format", err)

    def test_threads_send_identical_streams(self):
        """--threads 1 and 2 send the same messages: same rows (bit for bit) in the same chunks.
        The files are several 1 MiB parse pieces long, and their text fields are full of quoted
        newlines, so cuts fall next to them."""
        for name in ("r.csv", "r.jsonl"):
            with self.subTest(fmt=name):
                p = h.write_domain_file("recruit", self.path(name), 700, seed=12)
                self.assertGreater(os.path.getsize(p), 3 << 20)
                got = []
                for threads in ("1", "2"):
                    with PyServer(record=True) as ps:
                        code, out, err = ingest(["-d", "recruit", "-f", p, "-s", ps.addr, "--threads", threads,
                                                 "--chunk-size", "33"])
                        streams = ps.servicer.successful()
                    self.assertEqual(code, 0, err)
                    got.append((streams[0].chunk_rows, streams[0].rows))
                self.assertEqual(got[0][0], got[1][0])
                self.assertEqual(got[0][1], got[1][1])
                self.assertEqual(got[0][1], h.read_file_rows("recruit", p, lower_keys=False))

    def test_threads_bad_early_row_begins_no_stream(self):
        """Regression: with --threads 2 the loader hands over its first row alone, and the call
        began before the bad row 6 was parsed; the first piece is now read before the call, as
        one thread read the first batch: refused with no stream begun."""
        rows = h.make_rows("candidate", 20, seed=4)
        rows[5]["skill"] = ["go"]
        p = self.path("typo.jsonl")
        with open(p, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
        for threads in ("1", "2"):
            with PyServer() as ps:
                code, out, err = ingest(["-d", "candidate", "-f", p, "-s", ps.addr, "--threads", threads])
                self.assertEqual(ps.servicer.streams, [], "threads %s: a stream began" % threads)
            self.assertEqual(code, 2, err)
            self.assertIn(p + ":6:", out[0]["message"])

    def test_many_files_exit_code_and_fail_fast(self):
        """A bad file fails alone (exit 2, the others stored); --fail-fast starts no file after it."""
        good = [h.write_domain_file("recruit", self.path("g%d.csv" % i), 5, seed=i) for i in range(3)]
        bad = self.path("a_bad.csv")
        with open(bad, "w") as f:
            f.write("id,title\nnot-a-uuid,x\n")
        with PyServer() as ps:
            code, out, err = ingest(["-d", "recruit", "-f", bad] + sum((["-f", g] for g in good), []) +
                                    ["-s", ps.addr, "--parallel", "1"])
            self.assertEqual(code, 2, err)
            status = {o["file"]: o["status"] for o in out[:-1]}
            self.assertEqual(status[bad], "failed")
            self.assertEqual([status[g] for g in good], ["success"] * 3)
            self.assertEqual((out[-1]["succeeded"], out[-1]["failed"]), (3, 1))
            code, out, err = ingest(["-d", "recruit", "-f", bad] + sum((["-f", g] for g in good), []) +
                                    ["-s", ps.addr, "--parallel", "1", "--fail-fast"])
        self.assertEqual(code, 2, err)
        self.assertEqual((out[-1]["succeeded"], out[-1]["failed"], out[-1]["skipped"]), (0, 1, 3), out)


if __name__ == "__main__":
    h.main()
