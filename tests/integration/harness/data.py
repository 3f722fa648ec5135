# data.py - the harness's domains and data files: writing test files, reading them as stores should hold them.
"""Rows take two forms here: raw rows (what a file holds: str/int/list values, made by
make_rows, written by write_rows), and normalized rows (what a store must hold and what
harness.stores reads back): text -> str, int -> int, skills -> list of str, vector -> bytes
(little-endian float32), UUID keys lower case."""
import collections
import csv
import json
import random
import struct
import uuid

__all__ = ["Domain", "DOMAINS", "f32_bytes", "vector_floats", "normalize_row", "iter_file_rows",
           "read_file_rows", "expected_store", "AWKWARD", "make_rows", "write_rows",
           "write_domain_file"]

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
