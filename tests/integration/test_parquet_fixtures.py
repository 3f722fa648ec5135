# test_parquet_fixtures.py - the committed Parquet fixtures (tests/fixtures/parquet) through `embedstream inspect`, and mangled copies of them refused.
"""expected.json (written with the fixtures by make_fixtures.py) says what each file holds: the
rows, vectors as float32 bit patterns, or the error it must give. Every fixture is compared row
by row and bit by bit; hostile copies (truncated, a corrupted footer, a lying length, a page
header larger than the file, huge counts) must exit 2 with a message that names the byte. Through
`ingest`: rows the server would refuse are refused by the client first, and a row a server
refuses is named by its row index."""
import json
import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from pyserver import PyServer  # noqa: E402

FIXTURES = os.path.join(h.SOURCE_DIR, "tests", "fixtures", "parquet")
TYPES = {d: dict(h.DOMAINS[d].fields) for d in h.DOMAINS}


def uleb(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    return bytes(out + bytes([v]))


def zigzag(v):
    return (v << 1) ^ (v >> 63)


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def inspect(domain, path):
    return h.run_cmd([h.BIN, "inspect", "--domain", domain, "--file", path], proc_timeout=h.scaled(120), check=False)


def parsed_rows(domain, stdout):
    """inspect's lines with vectors as float32 hex (inspect prints %.9g, which round-trips)."""
    rows = []
    for line in stdout.splitlines():
        r = json.loads(line)
        for name, typ in TYPES[domain].items():
            if typ == "vector":
                r[name] = [struct.pack("<f", x).hex() for x in r[name]]
        rows.append(r)
    return rows


class Fixtures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(FIXTURES, "expected.json"), encoding="utf-8") as f:
            cls.expected = json.load(f)
        cls.dir = h.tempdir("es-pq-fix-")

    def each_fixture(self, kind, check):
        """check(want, inspect's result) for every fixture expected.json gives `kind` ("rows" or
        "error") for, each as its own subtest."""
        for name, want in sorted(self.expected.items()):
            if kind not in want:
                continue
            with self.subTest(name):
                check(want, inspect(want["domain"], os.path.join(FIXTURES, name + ".parquet")))

    def test_rows_equal_what_was_written(self):
        def check(want, p):
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(parsed_rows(want["domain"], p.stdout), want["rows"])

        self.each_fixture("rows", check)

    def test_refusals_name_the_problem(self):
        def check(want, p):
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(want["error"], p.stderr)
            self.assertNotIn("Sanitizer", p.stderr)

        self.each_fixture("error", check)

    def mangled(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return inspect("recruit", path)

    def assert_refused(self, p, *words):
        self.assertEqual(p.returncode, 2, p.stdout[:300] + p.stderr)
        for w in words:
            self.assertIn(w, p.stderr)
        self.assertEqual(p.stdout, "", "nothing is printed before the file is known good")

    def test_hostile_copies(self):
        data = fixture("encodings_recruit.parquet")
        n = len(data)
        flen = struct.unpack("<I", data[-8:-4])[0]
        footer = n - 8 - flen
        self.assert_refused(self.mangled("empty.parquet", b""), "too short for a Parquet file")
        self.assert_refused(self.mangled("cut.parquet", data[: n // 2]), "byte %d: no PAR1 magic at the end" % (n // 2 - 4))
        self.assert_refused(self.mangled("no_tail.parquet", data[:-1]), "no PAR1 magic at the end")
        lying = data[:-8] + struct.pack("<I", n) + b"PAR1"
        self.assert_refused(self.mangled("lying_footer_length.parquet", lying),
                            "byte %d: the footer length %d is larger than the file allows" % (n - 8, n))
        shifted = data[:-8] + struct.pack("<I", flen - 3) + b"PAR1"
        self.assert_refused(self.mangled("short_footer_length.parquet", shifted), "byte ")
        corrupt = bytearray(data)
        corrupt[footer:footer + 16] = b"\xff" * 16
        self.assert_refused(self.mangled("corrupt_footer.parquet", bytes(corrupt)), "byte %d" % footer)
        self.assert_refused(self.mangled("encrypted.parquet", data[:-4] + b"PARE"), "encrypted (footer magic PARE)")

    def test_page_header_larger_than_the_file(self):
        """The first page header (the id column's, at byte 4) claims 1 GiB of compressed data."""
        data = fixture("pandas_ints.parquet")
        at, spans = 4, {}
        for _ in range(3):  # PageHeader fields 1-3: type, uncompressed and compressed size (i32)
            fid = spans and max(spans) or 0
            fid += data[at] >> 4
            end = at + 1
            while data[end] & 0x80:
                end += 1
            spans[fid] = (at + 1, end + 1)
            at = end + 1
        a, b = spans[3]
        p = self.mangled("huge_page.parquet", data[:a] + uleb(zigzag(1 << 30)) + data[b:])
        self.assert_refused(p, "column 'id': byte 4: a page of 1073741824 bytes, past the end of its column chunk")

    def test_huge_counts(self):
        """The schema list claims 2^31 - 1 elements: refused before anything is allocated."""
        data = fixture("pandas_ints.parquet")
        footer = len(data) - 8 - struct.unpack("<I", data[-8:-4])[0]
        self.assertEqual(data[footer], 0x15)  # FileMetaData field 1 (version), i32
        at = footer + 1
        while data[at] & 0x80:
            at += 1
        self.assertEqual(data[at + 1], 0x19)  # field 2 (schema), a list
        meta = data[footer:at + 2] + b"\xfc" + uleb((1 << 31) - 1) + data[at + 3:-8]
        patched = data[:footer] + meta + struct.pack("<I", len(meta)) + b"PAR1"
        self.assert_refused(self.mangled("huge_count.parquet", patched),
                            "byte %d: FileMetaData field 2: a list longer than the data left" % (at + 8))

    def test_every_truncation_exits_2(self):
        data = fixture("legacy1_candidate.parquet")
        for cut in range(0, len(data), max(1, len(data) // 97)):
            path = os.path.join(self.dir, "t.parquet")
            with open(path, "wb") as f:
                f.write(data[:cut])
            p = inspect("candidate", path)
            self.assertEqual(p.returncode, 2, "cut at %d: %s" % (cut, p.stderr))
            self.assertIn("t.parquet: ", p.stderr)
            self.assertNotIn("Sanitizer", p.stderr)


class Ingest(unittest.TestCase):
    """The fixtures through `embedstream ingest`: a row our server would refuse is refused by the
    client first, in the file's terms, and nothing is stored; a row refused by a rule the client
    cannot know is named by its row index (a Parquet file has no lines)."""

    def test_row_the_server_would_refuse_is_refused_first(self):
        store = h.SqliteStore()
        self.addCleanup(store.destroy)
        path = os.path.join(FIXTURES, "ragged_vector.parquet")
        with h.Server(store.url) as srv:
            res = h.run_ingest("skill_embedding_dic", path, srv.addr, dim=3, chunk_size=2)
        self.assertEqual(res.code, 2, res)
        self.assertIn("%s: row index 2: field 'vector': 2 values, expected 3" % path,
                      res.out["message"])
        self.assertEqual(res.out["rows_stored"], 0, res.out)
        self.assertEqual(store.count("skill_embedding_dic"), 0)

    def test_server_refusal_names_the_row_index(self):
        with open(os.path.join(FIXTURES, "expected.json"), encoding="utf-8") as f:
            rows = json.load(f)["encodings_recruit"]["rows"]
        path = os.path.join(FIXTURES, "encodings_recruit.parquet")
        with PyServer(reject_key=rows[123]["id"], row_trailers=True) as srv:
            res = h.run_ingest("recruit", path, srv.addr, dim=6, chunk_size=50)
        self.assertEqual(res.code, 3, res)
        msg = res.out["message"]
        self.assertIn("%s: row index 123: field 'id'" % path, msg)
        self.assertTrue(msg.endswith("(server: chunk 3, row 23)"), msg)


if __name__ == "__main__":
    h.main()
