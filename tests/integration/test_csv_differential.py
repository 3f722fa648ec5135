# test_csv_differential.py - thousands of odd CSV files read by our loader and by Python's csv module: same rows, or refused with the line.
"""A seeded generator writes a few thousand small CSV files full of what breaks CSV readers:
quotes, doubled quotes, text after a closing quote, stray and unterminated quotes, embedded LF,
CR LF and lone CR, CR LF and lone-CR record ends, a BOM, blank lines, a missing final newline,
empty and blank cells, fields of only spaces, long fields, NULs, invalid UTF-8, rows too short or
too wide, and headers with missing, extra, duplicate or mistyped columns (some read with
--ignore-unknown-columns). tests/tools/loader_dump reads them all in one process.

The oracle is Python's csv module (the reader the spec's loader uses) followed by our documented
rules (README "Input files"): the header holds every field once and nothing else, each record is
as wide as the header, the cell conversions of load/cells.h, and the server's row checks. For
every file both must agree: the same rows with the same cell text, ints and float32 vectors, each
on the same line; or both refuse, ours with "file:LINE" inside the first bad record.

Where we deliberately read differently from Python's csv module (the oracle models our choice):
- An unterminated quote. Python (strict=False) takes everything to the end of the file as one
  field, silently merging the rows after it into one cell; we refuse, naming the line where the
  quote opens.
- A NUL. Python 3.11 keeps it in the field; a C string cannot hold it and the server refuses it
  (issue 9, found 4), so a NUL in a text cell is refused. In a column dropped with
  --ignore-unknown-columns it is never looked at.
- Invalid UTF-8. Python's open(encoding="utf-8") refuses the whole file at the first bad byte,
  without a line; we refuse the cell holding it, with its line, and never decode a dropped
  column. The oracle decodes with surrogateescape to see the same cells.
- A BOM. We skip it as the utf-8-sig codec does; Python's utf-8 codec would make it part of the
  first column's name.
- Long fields. Python's csv refuses fields over 128 KiB by default; we take records up to
  256 MiB (pandas' C parser has no such limit either), so the oracle lifts csv.field_size_limit.
"""
import csv
import io
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

DUMP = os.environ.get("ES_LOADER_DUMP") or os.path.join(h.BUILD_DIR, "loader_dump")
FILES = 3000
SEED = 20261130
DOMAINS = ("recruit", "skill_embedding_dic")

csv.field_size_limit(sys.maxsize)


# ---------------------------------------------------------------- the oracle

class Refused(Exception):
    """The first bad record spans lines lo..hi; our message must name a line in between."""

    def __init__(self, lo, hi, why):
        super().__init__("lines %d-%d: %s" % (lo, hi, why))
        self.lo, self.hi, self.why = lo, hi, why


class BadCell(Exception):
    pass


FLT_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]
FLT_TIE = float.fromhex("0x1.ffffffp+127")  # FLT_MAX + half an ulp
NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def f32(x):
    """float -> float32 as protobuf's Python binding narrows it (FLT_MAX up to the tie)."""
    if math.isnan(x):
        return x
    if abs(x) > FLT_MAX:
        return math.copysign(FLT_MAX if abs(x) <= FLT_TIE else math.inf, x)
    return struct.unpack("<f", struct.pack("<f", x))[0]


def text_cell(cell):
    if "\x00" in cell:
        raise BadCell("NUL")
    try:
        cell.encode("utf-8")
    except UnicodeEncodeError:
        raise BadCell("not UTF-8")
    return cell


def int_cell(cell):
    s = cell.strip(" \t")
    if not s:
        raise BadCell("empty count")
    if s[0] == "+" and len(s) > 1 and s[1] in "0123456789":
        s = s[1:]
    if not NUMBER.fullmatch(s):
        raise BadCell("not a number")
    v = float(s)
    if not math.isfinite(v) or v != math.floor(v) or not -2**31 <= v < 2**31:
        raise BadCell("not an int32")
    return int(v)


def vector_cell(cell):
    if cell == "":
        raise BadCell("empty vector")
    try:
        v = json.loads(cell)
    except ValueError:
        raise BadCell("not JSON")
    if not isinstance(v, list) or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in v):
        raise BadCell("not an array of numbers")
    try:
        return [f32(float(x)) for x in v]
    except OverflowError:
        raise BadCell("integer too large for a float")


CONVERT = {"text": text_cell, "int": int_cell, "vector": vector_cell}


def check_row(domain, row, dim):
    """The server's checks (core/validate.c); returns the file's dimension."""
    d = h.DOMAINS[domain]
    key = row[d.key]
    if (d.uuid_key and not UUID.fullmatch(key)) or key == "":
        raise BadCell("bad key")
    for name, typ in d.fields:
        if typ == "int" and row[name] < 0:
            raise BadCell("negative")
    vec = row["vector"]
    if dim is None and not 1 <= len(vec) <= 16000:
        raise BadCell("dimension")
    if dim is not None and len(vec) != dim:
        raise BadCell("dimension mismatch")
    if not all(math.isfinite(x) for x in vec):
        raise BadCell("not finite")
    return len(vec)


def unterminated(text):
    """Whether the file ends inside a quoted field: Python's csv state machine, quotes only."""
    state = "start"
    for c in text:
        if state == "quoted":
            state = "quote_in_quoted" if c == '"' else "quoted"
        elif state == "quote_in_quoted":
            state = "quoted" if c == '"' else "start" if c in ",\r\n" else "field"
        elif state == "start":
            state = "quoted" if c == '"' else "start" if c in ",\r\n" else "field"
        elif c in ",\r\n":
            state = "start"
    return state == "quoted"


def rejoin(cell):
    """A cell's text from its bytes: a character whose bytes a quote split in the file (`"\xf0\x9f"\x98\x80`)
    is whole again in the cell, as our loader, reading bytes, sees it."""
    return cell.encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")


def records(text):
    """(first line, last line, cells) of each record Python's csv module reads, blank ones out."""
    reader = csv.reader(io.StringIO(text, newline=""))
    out, prev = [], 0
    for cells in reader:
        if cells:
            out.append((prev + 1, reader.line_num, [rejoin(c) for c in cells]))
        prev = reader.line_num
    return out


def header_map(domain, names, ignore, lo, hi):
    fields = [n for n, _ in h.DOMAINS[domain].fields]
    if len(set(n for n in names if n in fields)) != len([n for n in names if n in fields]):
        raise Refused(lo, hi, "duplicate column")
    if set(fields) - set(names):
        raise Refused(lo, hi, "missing column")
    if not ignore and set(names) - set(fields):
        raise Refused(lo, hi, "unknown column")
    return [n if n in fields else None for n in names]


def oracle(data, domain, ignore):
    """[(line, row)] as our rules read the file through Python's csv module, or Refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", "surrogateescape")
    recs = records(text)
    open_quote = unterminated(text)
    if not recs:
        return []
    if open_quote and len(recs) == 1:
        raise Refused(recs[0][0], recs[0][1], "unterminated quote")
    lo, hi, names = recs[0]
    colmap = header_map(domain, names, ignore, lo, hi)
    types = dict(h.DOMAINS[domain].fields)
    rows, dim = [], None
    for i, (lo, hi, cells) in enumerate(recs[1:], 1):
        if open_quote and i == len(recs) - 1:
            raise Refused(lo, hi, "unterminated quote")
        if len(cells) != len(names):
            raise Refused(lo, hi, "width")
        try:
            row = {n: CONVERT[types[n]](c) for n, c in zip(colmap, cells) if n is not None}
            dim = check_row(domain, row, dim)
        except BadCell as e:
            raise Refused(lo, hi, str(e))
        rows.append((lo, row))
    return rows


# ---------------------------------------------------------------- the generator

TEXTS = ["plain", "", " ", "   ", "a,b", 'say "hi"', '"', '""', "line\nbreak", "cr\ronly",
         "crlf\r\nend", "한국어", "😀 emoji", "\ufeffbom inside", "trailing  ", "\t tab", "x" * 300,
         "'single'", "a\\b", ",", "\n", "\r\n"]
BAD_TEXT = [b"a\x00b", b"\x00", b"\xff", b"bad\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"ok\xe2\x82x"]
INTS = ["0", "7", " 12 ", "+3", "3.0", "1e1", "", "  ", "-1", "2147483647", "2147483648", "abc",
        "1.5", "\t4", " +5", "0x1", "+", "-0", "1_0", "٣", "1e400", "00"]
ODD_VECTORS = ["", "[]", "[NaN]", "[Infinity, 1]", "[1e39]", "[1,]", "[01]", " [1, 2] ", "[1, 2] x",
               "[true]", '["1"]', "[1e400]", "[-1e-50, 2]", "[[1]]", "1, 2", "[3.4028235677973366e38]",
               "[-0.0, 1]", "[1" + "0" * 400 + "]", "[ 1 ,\n 2 ]", "[1.0e+2,-2E-2]", "[-NaN]", "[.5]"]


def vector_text(rng, dim, gentle):
    if not gentle and rng.random() < 0.12:
        return rng.choice(ODD_VECTORS)
    n = dim if gentle or rng.random() < 0.95 else dim + rng.choice((-1, 1))
    vals = [rng.choice([rng.uniform(-1, 1), rng.randint(-5, 5), -0.0, rng.uniform(-1, 1) * 1e-40])
            for _ in range(max(n, 0))]
    fmt = rng.choice([repr, lambda x: "%.3g" % x, lambda x: "%.9e" % x])
    return "[" + rng.choice([", ", ",", " , "]).join(fmt(v) for v in vals) + "]"


def key_text(rng, domain, i, gentle):
    odd = not gentle and rng.random() < 0.2
    if domain == "skill_embedding_dic":
        return rng.choice(["go", "rust %d" % i, "", "c, c++", "s\nkill"]) if odd else "skill %d" % i
    u = "%08x-%04x-4%03x-a%03x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                                      rng.getrandbits(12), rng.getrandbits(48))
    return rng.choice([u.upper(), "not-a-uuid", "", u.upper()]) if odd else u


def cell_bytes(rng, domain, name, typ, i, dim, gentle):
    """One cell's content. gentle: only text cells are odd (so many files hold many rows)."""
    if name == h.DOMAINS[domain].key:
        return key_text(rng, domain, i, gentle).encode()
    if typ == "int":
        return (rng.choice(INTS) if not gentle and rng.random() < 0.4 else str(rng.randint(0, 40))).encode()
    if typ == "vector":
        return vector_text(rng, dim, gentle).encode()
    r = rng.random()
    if r < 0.04 and not gentle:
        return rng.choice(BAD_TEXT)
    if r < 0.045:
        return b"L" * rng.choice((1000, 70000, 140000))  # Python's csv stops at 131072 by default
    return "".join(rng.choice(TEXTS) for _ in range(rng.randint(0, 2))).encode()


def quote(rng, cell, gentle=False):
    """A cell as a field: mostly as Python's csv writes it, sometimes wrongly on purpose."""
    r = rng.random() if not gentle or rng.random() < 0.2 else 0.5
    needs = any(c in cell for c in (b",", b'"', b"\r", b"\n"))
    if r < 0.05:
        return cell  # raw, even when it needs quotes
    if r < 0.07:
        cut = rng.randint(0, len(cell))
        return b'"' + cell[:cut].replace(b'"', b'""') + b'"' + cell[cut:].replace(b'"', b"")
    if r < 0.09:
        cut = rng.randint(0, len(cell))
        return cell[:cut] + b'"' + cell[cut:]  # a stray quote
    if r < 0.095:
        return b'"' + cell  # never closed
    if r < 0.11:
        return b" " + b'"' + cell.replace(b'"', b'""') + b'"'  # a blank before the quote
    if needs or r < 0.3:
        return b'"' + cell.replace(b'"', b'""') + b'"'
    return cell


def header(rng, domain):
    names = [n for n, _ in h.DOMAINS[domain].fields]
    if rng.random() < 0.2:
        rng.shuffle(names)
    r = rng.random()
    if r < 0.03:
        names.pop(rng.randrange(len(names)))
    elif r < 0.1:
        names.insert(rng.randint(0, len(names)), rng.choice(["extra", "", "salary", "x\x00y"]))
    elif r < 0.12:
        i = rng.randrange(len(names))
        names[i] = names[i][:-1]
    elif r < 0.14:
        names.append(names[0])
    elif r < 0.15:
        names[0] = " " + names[0]
    return names


def make_file(rng, i):
    """(bytes, domain, ignore): one odd CSV file."""
    domain = rng.choice(DOMAINS)
    types = dict(h.DOMAINS[domain].fields)
    gentle = i % 3 == 0
    names = header(rng, domain) if not gentle else [n for n, _ in h.DOMAINS[domain].fields]
    ignore = 1 if rng.random() < 0.3 else 0
    eol = rng.choice([b"\n", b"\r\n", b"\r"])
    dim = rng.choice((1, 2, 3))
    recs = [[quote(rng, n.encode()) if rng.random() < 0.1 else n.encode() for n in names]]
    for k in range(rng.choice((0, 1, 2, 3, 4, 6)) if not gentle else rng.randint(3, 12)):
        cells = [quote(rng, cell_bytes(rng, domain, n, types.get(n, "text"), k, dim, gentle), gentle)
                 for n in names]
        r = rng.random() if not gentle else 1
        if r < 0.03:
            cells.pop()
        elif r < 0.06:
            cells.append(b"more")
        recs.append(cells)
    out = []
    for rec in recs:
        if rng.random() < 0.05:
            out.append(b"")  # a blank line
        out.append(b",".join(rec))
    sep = [rng.choice([b"\n", b"\r\n", b"\r"]) if rng.random() < 0.1 else eol for _ in out]
    data = b"".join(line + s for line, s in zip(out, sep))
    if rng.random() < 0.3:
        data = data[:-len(sep[-1])]  # no final line end
    if rng.random() < 0.1:
        data = b"\xef\xbb\xbf" + data
    if rng.random() < 0.03 and data:
        at = rng.randrange(len(data))
        data = data[:at] + rng.choice([b'"', b",", b"\n", b"\r", b"\x00", b"\xff"]) + data[at + 1:]
    if rng.random() < 0.005:
        data = rng.choice([b"", b"\xef\xbb\xbf", b"\n\n", b"\r\n"])
    return data, domain, ignore


# ---------------------------------------------------------------- the comparison

def run_dump(manifest):
    p = subprocess.run([DUMP], input="".join(manifest).encode(), capture_output=True,
                       timeout=h.scaled(600))
    if p.returncode != 0:
        raise AssertionError("loader_dump exited %d: %s" % (p.returncode, p.stderr.decode(errors="replace")))
    results, cur = [], None
    for line in p.stdout.decode("utf-8").split("\n"):
        if line == "F":
            cur = {"rows": [], "error": None}
        elif line.startswith("R "):
            n, row = line[2:].split(" ", 1)
            cur["rows"].append((int(n), json.loads(row)))
        elif line.startswith("E "):
            cur["error"] = json.loads(line[2:])
            results.append(cur)
        elif line == "K":
            results.append(cur)
    return results


def same_row(domain, ours, want):
    for name, typ in h.DOMAINS[domain].fields:
        a, b = ours[name], want[name]
        if typ == "vector":
            if [struct.pack("<f", x) for x in a] != [struct.pack("<f", x) for x in b]:
                return "%s: %r != %r" % (name, a, b)
        elif a != b:
            return "%s: %r != %r" % (name, a, b)
    return None


def compare(path, domain, ignore, data, got):
    """None when we and the oracle agree on the file, else what differs."""
    try:
        want = oracle(data, domain, ignore)
    except Refused as r:
        m = re.match(re.escape(path) + r":(\d+)[:]", got["error"] or "")
        if not m:
            return "oracle refuses (%s), we %s" % (r, got["error"] or "accept it")
        if not r.lo <= int(m.group(1)) <= r.hi:
            return "line %s outside the oracle's %s: %s" % (m.group(1), r, got["error"])
        return None
    if got["error"] is not None:
        return "oracle accepts %d rows, we refuse: %s" % (len(want), got["error"])
    if len(want) != len(got["rows"]):
        return "%d rows, oracle %d" % (len(got["rows"]), len(want))
    for (line, row), (wline, wrow) in zip(got["rows"], want):
        if line != wline:
            return "row on line %d, oracle says %d" % (line, wline)
        diff = same_row(domain, row, wrow)
        if diff:
            return "line %d: %s" % (line, diff)
    return None


@unittest.skipUnless(os.path.exists(DUMP), "loader_dump not built")
class CsvDifferential(unittest.TestCase):
    def test_oracle_knows_pythons_reading(self):
        # The oracle's own footing: what Python's csv makes of the cases we read alike.
        self.assertEqual(records('a,"b\nc"\r\n\r\n"x""y"z,\n'), [(1, 2, ["a", "b\nc"]), (4, 4, ['x"yz', ""])])
        self.assertTrue(unterminated('a,"b'))
        self.assertFalse(unterminated('a,"b""c",d"e'))

    def test_odd_files_agree_with_python_csv(self):
        rng = random.Random(SEED)
        d = h.tempdir("es-csvdiff-")
        files, manifest = [], []
        for i in range(FILES):
            data, domain, ignore = make_file(rng, i)
            path = os.path.join(d, "f%04d.csv" % i)
            with open(path, "wb") as f:
                f.write(data)
            files.append((path, domain, ignore, data))
            manifest.append("%s %d %s\n" % (domain, ignore, path))
        results = run_dump(manifest)
        self.assertEqual(len(results), len(files))
        bad, accepted, rows = [], 0, 0
        for (path, domain, ignore, data), got in zip(files, results):
            why = compare(path, domain, ignore, data, got)
            if why:
                bad.append("%s (%s, ignore=%d): %s\n    %r" % (path, domain, ignore, why, data[:300]))
            if got["error"] is None:
                accepted += 1
                rows += len(got["rows"])
        print("%d files: %d accepted (%d rows), %d refused, %d disagreements"
              % (len(files), accepted, rows, len(files) - accepted, len(bad)), file=sys.stderr)
        self.assertEqual(bad, [], "%d files read differently:\n%s" % (len(bad), "\n".join(bad[:15])))
        # The generator must reach both outcomes in earnest, or the test proves little.
        self.assertGreater(accepted, FILES // 5)
        self.assertGreater(len(files) - accepted, FILES // 5)


if __name__ == "__main__":
    h.main()
