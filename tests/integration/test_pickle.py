# test_pickle.py - .pkl files made by Debian's pandas/NumPy read by `embedstream inspect`, and hostile pickles refused.
"""Every fixture is pickled at test time (protocols 2 to 5) from objects built with pandas 1.5 and
NumPy; what `embedstream inspect` prints must equal what pandas holds, vectors bit for bit
(inspect prints %.9g, which round-trips float32). Hostile files must exit 2 with a message that
names the problem, never crash (the suite also runs under ASan/UBSan)."""
import json
import math
import os
import pickle
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

import numpy as np  # noqa: E402  (Debian's python3-numpy, /usr/bin/python3)
import pandas as pd  # noqa: E402

PROTOCOLS = (2, 3, 4, 5)
FIELDS = {
    "recruit": [("id", "text"), ("company_name", "text"), ("exp_years", "int"),
                ("english_level", "text"), ("primary_keyword", "text"), ("vector", "vector")],
    "candidate": [("candidate_id", "text"), ("position_category", "text"), ("experience_years", "int"),
                  ("original_resume", "text"), ("skills", "strlist"), ("vector", "vector")],
    "skill_embedding_dic": [("skill", "text"), ("position_category", "text"), ("vector", "vector")],
}


def uuid(i):
    return "%08x-0000-4000-8000-%012x" % (i, i * 7919)


def is_missing(v):
    if v is None or v is pd.NA:
        return True
    return isinstance(v, (float, np.floating)) and math.isnan(v)


def norm(typ, v):
    """A value as pandas holds it, in the form inspect prints (vector: float32 bytes)."""
    if typ == "vector":
        return np.asarray(list(v) if not isinstance(v, np.ndarray) else v).astype(np.float32).tobytes()
    if not isinstance(v, (list, np.ndarray)) and is_missing(v):
        return {"text": "", "int": 0, "strlist": []}[typ]
    if typ == "int":
        return int(v)
    if typ == "strlist":
        return [str(x) for x in v]
    return str(v)


def df_expected(domain, df):
    cols = set(df.columns)
    nvec = sum(1 for c in df.columns if isinstance(c, str) and c.startswith("vector_"))
    rows = []
    for i in range(len(df)):
        row = {}
        for name, typ in FIELDS[domain]:
            if name in cols:
                v = df[name].iloc[i]
            elif name == df.index.name:
                v = df.index[i]
            else:
                v = [df["vector_%d" % j].iloc[i] for j in range(nvec)]
            row[name] = norm(typ, v)
        rows.append(row)
    return rows


def dict_expected(domain, d):
    n = len(d[FIELDS[domain][0][0]])
    return [{name: norm(typ, d[name][i]) for name, typ in FIELDS[domain]} for i in range(n)]


def list_expected(domain, rows):
    return [{name: norm(typ, r[name]) for name, typ in FIELDS[domain]} for r in rows]


def expected(domain, obj):
    if isinstance(obj, pd.DataFrame):
        return df_expected(domain, obj)
    if isinstance(obj, dict):
        return dict_expected(domain, obj)
    return list_expected(domain, obj)


def parsed(domain, line):
    raw = json.loads(line, parse_int=lambda s: -0.0 if s == "-0" else int(s))  # keep -0's sign
    row = {}
    for name, typ in FIELDS[domain]:
        v = raw[name]
        row[name] = np.array(v, dtype=np.float32).tobytes() if typ == "vector" else v
    return row


# ---------------------------------------------------------------- fixtures

def vecs(rng, n, dim, dtype=np.float32):
    return [(rng.standard_normal(dim) * 3).astype(dtype) for _ in range(n)]


def recruit_frames(rng):
    n, dim = 7, 5
    ids = [uuid(i) for i in range(n)]
    base = {"id": ids, "company_name": ["Acme", None, "Zeta", "Ünïcode 회사", np.nan, "", "q\"uote"],
            "exp_years": [1, 2, 3, 0, 40, 7, 2147483647],
            "english_level": ["B2", "C1", np.nan, "A1", "A2", None, "B1"],
            "primary_keyword": ["python", "c", "go", "rust", "sql", "java", "k8s"]}
    out = {}
    out["object_f32"] = pd.DataFrame(dict(base, vector=vecs(rng, n, dim)))
    out["object_f64"] = pd.DataFrame(dict(base, vector=vecs(rng, n, dim, np.float64),
                                          exp_years=[1, None, 3, 4, None, 6, 7]))
    out["lists"] = pd.DataFrame(dict(base, vector=[[float(x) for x in v] for v in vecs(rng, n, dim, np.float64)],
                                     exp_years=pd.Series([1, None, 3, 4, 5, 6, 7], dtype=object)))
    m32 = np.stack(vecs(rng, n, dim))
    block = pd.DataFrame(m32, columns=["vector_%d" % j for j in range(dim)])
    for k, v in base.items():
        block[k] = v
    out["block_f32"] = block
    block64 = pd.DataFrame(np.stack(vecs(rng, n, 3, np.float64)), columns=["vector_%d" % j for j in (2, 0, 1)])
    for k, v in base.items():
        block64[k] = v
    out["block_f64_shuffled"] = block64
    full = out["object_f32"]
    out["filtered"] = full[full.exp_years != 3]
    out["set_index"] = full.set_index("id")
    ext = pd.DataFrame(dict(base, vector=vecs(rng, n, dim)))
    ext["english_level"] = pd.Categorical(ext["english_level"])
    ext["company_name"] = pd.array(base["company_name"], dtype="string")
    ext["exp_years"] = pd.array([1, None, 3, 4, 5, None, 7], dtype="Int64")
    out["extension_dtypes"] = ext
    out["empty"] = pd.DataFrame({k: [] for k in list(base) + ["vector"]})
    return out


def recruit_plain(rng):
    n, dim = 4, 6
    rows = []
    for i in range(n):
        r = {"id": uuid(100 + i), "company_name": "co%d" % i, "exp_years": np.int64(i * 3),
             "english_level": None if i == 2 else "B2", "primary_keyword": np.str_("kw%d" % i),
             "vector": [np.float32(x) for x in vecs(rng, 1, dim)[0]] if i % 2 else list(vecs(rng, 1, dim)[0])}
        rows.append(r)
    cols = {"id": np.array([uuid(200 + i) for i in range(n)]),  # a NumPy str ('<U') array
            "company_name": ["a", "b", None, "d"], "exp_years": np.arange(n, dtype=np.int32),
            "english_level": ("x", "y", "z", "w"), "primary_keyword": ["p"] * n,
            "vector": np.stack(vecs(rng, n, dim))}
    cols64 = dict(cols, vector=np.asfortranarray(np.stack(vecs(rng, n, dim, np.float64))),
                  exp_years=[1.0, float("nan"), 3.0, 4.0])
    return {"list_of_dicts": rows, "dict_of_lists": cols, "dict_of_lists_f64_fortran": cols64}


def candidate_objs(rng):
    n, dim = 6, 8
    ids = [uuid(300 + i) for i in range(n)]
    base = {"candidate_id": ids, "position_category": ["Backend", "Frontend", None, "Data", "ML", "QA"],
            "experience_years": [0, 1, 2, 3, 4, 5],
            "original_resume": ["line1\nline2", "", "tab\there", "emoji 🚀", np.nan, "x" * 3000]}
    skills_lists = [["python", "sql"], [], None, ["c"], ["go", "rust", "한국어"], ["a"] * 50]
    out = {}
    out["skills_lists"] = pd.DataFrame(dict(base, skills=skills_lists, vector=vecs(rng, n, dim)))
    out["skills_object_arrays"] = pd.DataFrame(dict(
        base, skills=[np.array(s if s is not None else [], dtype=object) for s in skills_lists],
        vector=vecs(rng, n, dim, np.float64)))
    out["skills_str_arrays"] = pd.DataFrame(dict(
        base, skills=[np.array(s if s is not None else [], dtype=str) for s in skills_lists],
        vector=[[float(x) for x in v] for v in vecs(rng, n, dim)]))
    out["list_of_dicts"] = [{"candidate_id": ids[i], "position_category": "P", "experience_years": i,
                             "original_resume": "r", "skills": tuple(skills_lists[i] or ()),
                             "vector": vecs(rng, 1, dim)[0]} for i in range(n)]
    return out


def skill_objs(rng):
    n, dim = 5, 7
    skills = ["python", "c++", "데이터", "go", "sql"]
    out = {}
    out["frame_f64"] = pd.DataFrame({"skill": skills, "position_category": ["a", np.nan, "c", None, "e"],
                                     "vector": vecs(rng, n, dim, np.float64)})
    out["dict_of_lists"] = {"skill": skills, "position_category": ["x"] * n,
                            "vector": [[float(x) for x in v] for v in vecs(rng, n, dim)]}
    # float64 -> float32 rounding at the edges: ties to even, subnormals, -0, the largest float32.
    special = [0.1, -0.0, 16777217.0, 1e-40, 1e-46, 3.4028234663852886e38, -2.5e-45, 1.0000000596046448]
    out["special_values"] = pd.DataFrame({"skill": ["f64", "f32"], "position_category": ["", ""],
                                          "vector": [special, np.array(special, dtype=np.float32)]})
    return out


class PickleFixtures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = harness.tempdir("es-pickle-")

    def inspect(self, domain, path):
        return harness.run_cmd([harness.BIN, "inspect", "--domain", domain, "--file", path],
                               proc_timeout=300, check=False)

    def check_file(self, domain, obj, name, protocol):
        path = os.path.join(self.dir, "%s-%s-p%d.pkl" % (domain, name, protocol))
        with open(path, "wb") as f:
            pickle.dump(obj, f, protocol=protocol)
        p = self.inspect(domain, path)
        self.assertEqual(p.returncode, 0, "%s: %s" % (path, p.stderr))
        got = [parsed(domain, line) for line in p.stdout.splitlines() if line.strip()]
        want = expected(domain, obj)
        self.assertEqual(len(got), len(want), path)
        for i, (g, w) in enumerate(zip(got, want)):
            self.assertEqual(g, w, "%s row %d" % (path, i))
        return len(got)

    def check_all(self, domain, objs):
        for name, obj in objs.items():
            for proto in PROTOCOLS:
                with self.subTest(domain=domain, shape=name, protocol=proto):
                    self.check_file(domain, obj, name, proto)

    def test_recruit_frames(self):
        self.check_all("recruit", recruit_frames(np.random.default_rng(1)))

    def test_recruit_plain_pickles(self):
        self.check_all("recruit", recruit_plain(np.random.default_rng(2)))

    def test_candidate(self):
        self.check_all("candidate", candidate_objs(np.random.default_rng(3)))

    def test_skill_embedding_dic(self):
        self.check_all("skill_embedding_dic", skill_objs(np.random.default_rng(4)))

    def test_block_placement_slice_stop_past_last_column(self):
        # Interleaved columns: pandas places the object block at slice(1, 5, 2) over 4 columns, a
        # stop past the last column (regression: refused as "outside the DataFrame's columns").
        df = pd.DataFrame({"vector_0": np.float32([1, 2, 3]), "skill": ["a", "b", "c"],
                           "vector_1": np.float32([-1, -2, -3]), "position_category": ["p", "q", "r"]})
        for proto in PROTOCOLS:
            with self.subTest(protocol=proto):
                self.assertEqual(self.check_file("skill_embedding_dic", df, "interleaved", proto), 3)

    def test_many_rows_cross_batches_and_frames(self):
        # 2500 rows: pickle's 1000-item APPENDS batches, protocol 4/5 FRAMEs inside float lists,
        # and several loader chunks.
        rng = np.random.default_rng(5)
        n, dim = 2500, 384
        df = pd.DataFrame({"id": [uuid(i) for i in range(n)], "company_name": ["c%d" % (i % 17) for i in range(n)],
                           "exp_years": rng.integers(0, 30, n), "english_level": ["B2"] * n,
                           "primary_keyword": ["k"] * n,
                           "vector": [[float(x) for x in v] for v in vecs(rng, n, dim, np.float64)]})
        for proto in (2, 5):
            with self.subTest(protocol=proto, vector="lists"):
                self.assertEqual(self.check_file("recruit", df, "many-lists", proto), n)
        df["vector"] = vecs(rng, n, dim)
        for proto in (2, 4):
            with self.subTest(protocol=proto, vector="arrays"):
                self.assertEqual(self.check_file("recruit", df, "many-arrays", proto), n)

    def test_missing_vector_is_an_error(self):
        df = pd.DataFrame({"skill": ["a", "b"], "position_category": ["x", "y"],
                           "vector": [np.zeros(3, np.float32), None]})
        path = os.path.join(self.dir, "missing-vector.pkl")
        df.to_pickle(path)
        p = self.inspect("skill_embedding_dic", path)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("row index 1: field 'vector'", p.stderr)

    def test_missing_column_is_an_error(self):
        path = os.path.join(self.dir, "no-column.pkl")
        pd.DataFrame({"skill": ["a"], "vector": [[1.0]]}).to_pickle(path)
        p = self.inspect("skill_embedding_dic", path)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(path + ": missing column position_category (the skill_embedding_dic domain", p.stderr)

    def test_to_pickle_default_and_ingest_extension(self):
        # DataFrame.to_pickle (protocol 5), read through the loader table by its extension.
        df = recruit_frames(np.random.default_rng(6))["object_f32"]
        for ext in (".pkl", ".pickle"):
            path = os.path.join(self.dir, "to_pickle" + ext)
            df.to_pickle(path)
            p = self.inspect("recruit", path)
            self.assertEqual(p.returncode, 0, p.stderr)
            got = [parsed("recruit", line) for line in p.stdout.splitlines()]
            self.assertEqual(got, df_expected("recruit", df))


# ---------------------------------------------------------------- hostile files

class PrefaultedFixtures(PickleFixtures):
    """The same files with the prefault worker on (normally only files of 64 MiB or more get
    it): a second thread faulting graph memory in while the interpreter writes it, and arrays
    growing under it, must not change a row (and, under ASan, not race or leak)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        os.environ["ES_PICKLE_PREFAULT_MIN"] = "0"

    @classmethod
    def tearDownClass(cls):
        del os.environ["ES_PICKLE_PREFAULT_MIN"]

    test_recruit_plain_pickles = test_candidate = test_skill_embedding_dic = None
    test_missing_vector_is_an_error = test_missing_column_is_an_error = None
    test_to_pickle_default_and_ingest_extension = None


class Boom:
    """Pickles as a call to os.system: Python's own unpickler would run it."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch " + self.marker,))


def small_frame():
    return pd.DataFrame({"skill": ["a"], "position_category": ["b"], "vector": [np.float32([1.5, -2])]})


class HostilePickles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = harness.tempdir("es-pickle-bad-")

    def refused(self, data, needle, domain="skill_embedding_dic", name="bad.pkl"):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        p = harness.run_cmd([harness.BIN, "inspect", "--domain", domain, "--file", path], check=False)
        for mark in harness.SANITIZER_MARKS:
            self.assertNotIn(mark, p.stderr)
        self.assertEqual(p.returncode, 2, "exit %d for %r\n%s" % (p.returncode, data[:80], p.stderr))
        self.assertEqual(p.stdout, "")
        if needle:
            self.assertIn(needle, p.stderr)
        return p.stderr

    def test_os_system_via_reduce(self):
        marker = os.path.join(self.dir, "pwned")
        for proto in PROTOCOLS:
            with self.subTest(protocol=proto):
                self.refused(pickle.dumps(Boom(marker), protocol=proto), "global 'posix.system' is not allowed")
        self.refused(b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R.", "global 'os.system' is not allowed")
        self.refused(b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93X\x01\x00\x00\x001\x85R.",
                     "global 'builtins.eval' is not allowed")
        self.assertFalse(os.path.exists(marker))

    def test_globals_outside_the_allowlist_inside_a_frame(self):
        df = small_frame()
        df["when"] = pd.Timestamp("2024-01-01")
        self.refused(pickle.dumps(df, protocol=5), "is not allowed")

    def test_unsupported_opcodes_and_protocols(self):
        self.refused(pickle.dumps([{"skill": "a"}], protocol=0), "no PROTO opcode")
        self.refused(pickle.dumps([{"skill": "a"}], protocol=1), "no PROTO opcode")
        self.refused(b"\x80\x06N.", "pickle protocol 6 is not supported")
        self.refused(b"\x80\x02\x82\x01.", "opcode EXT1 (0x82) is not supported")
        self.refused(b"\x80\x02X\x01\x00\x00\x00aQ.", "opcode BINPERSID (0x51) is not supported")
        self.refused(b"\x80\x05\x8f.", "opcode EMPTY_SET (0x8f) is not supported")
        self.refused(b"\x80\x02\xff.", "unknown opcode 0xff")
        self.refused(b"", "empty file")
        self.refused(b"\x80\x02N.", "not a DataFrame")
        path = os.path.join(self.dir, "gz.pkl")
        small_frame().to_pickle(path, compression="gzip")
        with open(path, "rb") as f:
            self.refused(f.read(), "gzip-compressed, not a plain pickle")

    def test_deep_nesting(self):
        self.refused(b"\x80\x02" + b"(" * 100000 + b"t" * 100000 + b".", "nesting deeper than")
        # Lists nested without marks: the graph is never walked recursively, so only the shape fails.
        self.refused(b"\x80\x02" + b"]" * 200000 + b"a" * 199999 + b".", "not a dict")
        self.refused(b"\x80\x02" + b"}" + b"X\x06\x00\x00\x00vector]" * 1 + b"s" + b"." , None)

    def test_huge_declared_lengths(self):
        big8 = struct.pack("<Q", (1 << 63) + 5)
        self.refused(b"\x80\x04\x8d" + big8 + b"abc.", "runs past the end of the file")
        self.refused(b"\x80\x04\x8e" + big8 + b"abc.", "runs past the end of the file")
        self.refused(b"\x80\x05\x96" + struct.pack("<Q", 1 << 40) + b".", "runs past the end of the file")
        self.refused(b"\x80\x02X\xff\xff\xff\xffab.", "runs past the end of the file")
        self.refused(b"\x80\x02\x8b\xff\xff\xff\x7f\x00.", "runs past the end of the file")
        self.refused(b"\x80\x04\x95" + big8 + b"N.", "FRAME runs past the end")
        self.refused(b"\x80\x02Nr\xfe\xff\xff\xff.", "memo index 4294967294 is too large")
        self.refused(b"\x80\x02j\x05\x00\x00\x00.", "memo entry 5 is not set")
        # A numpy array whose shape claims more data than the bytes hold.
        arr = pickle.dumps(np.zeros(4, np.float32), protocol=5)
        self.refused(arr.replace(b"K\x04\x85", b"J\x00\x00\x00\x40\x85"), "numpy.ndarray")

    def truncations(self, data, step, domain):
        path = os.path.join(self.dir, "trunc.pkl")
        for n in range(0, len(data), step):
            with open(path, "wb") as f:
                f.write(data[:n])
            p = harness.run_cmd([harness.BIN, "inspect", "--domain", domain, "--file", path], check=False)
            self.assertEqual(p.returncode, 2, "prefix of %d bytes: exit %d %s" % (n, p.returncode, p.stderr))
            for mark in harness.SANITIZER_MARKS:
                self.assertNotIn(mark, p.stderr)

    def test_truncation_at_every_byte(self):
        # Every prefix of a small plain pickle through the real binary; every 8th prefix of a
        # DataFrame (tests/unit/test_pickle_vm.c cuts DataFrames at every byte, in-process).
        rows = [{"skill": "s", "position_category": None, "vector": [1.5, np.float32(2)]}]
        small = pickle.dumps(rows, protocol=4)
        self.assertLess(len(small), 400)
        self.truncations(small, 1, "skill_embedding_dic")
        frame = pickle.dumps(small_frame(), protocol=5)
        self.assertLess(len(frame), 2000)
        self.truncations(frame, 8, "skill_embedding_dic")

    def test_cycles_and_wrong_shapes(self):
        # A list that contains itself, used as the vector.
        self.refused(b"\x80\x02]q\x00(}(X\x05\x00\x00\x00skillX\x01\x00\x00\x00a"
                     b"X\x11\x00\x00\x00position_categoryN" b"X\x06\x00\x00\x00vectorh\x00ue.",
                     "vector item 0 is a dict")
        self.refused(pickle.dumps({"skill": ["a", "b"], "position_category": ["x"], "vector": [[1.0], [2.0]]}),
                     "has 1 values")
        self.refused(pickle.dumps([{"skill": "a", "position_category": "b", "vector": "1,2"}]),
                     "expected a list or array of numbers, got str")
        rows = [{"candidate_id": "c", "position_category": "p", "experience_years": 2 ** 70,
                 "original_resume": "", "skills": [], "vector": [1.0]}]
        self.refused(pickle.dumps(rows), "field 'experience_years': expected an integer, got int beyond 64 bits",
                     domain="candidate")
        rows[0]["experience_years"] = 2 ** 31
        self.refused(pickle.dumps(rows), "2147483648 does not fit a 32-bit integer", domain="candidate")

    def test_unused_big_int_is_fine(self):
        # In the DataFrame's attrs: part of the pickle, read by the interpreter, used by no field.
        path = os.path.join(self.dir, "bigint.pkl")
        df = pd.DataFrame({"skill": ["a"], "position_category": ["p"], "vector": [[0.5]]})
        df.attrs["extra"] = 2 ** 100
        with open(path, "wb") as f:
            pickle.dump(df, f, protocol=2)
        p = harness.run_cmd([harness.BIN, "inspect", "--domain", "skill_embedding_dic", "--file", path])
        self.assertEqual(json.loads(p.stdout)["vector"], [0.5])



class ColumnRules(unittest.TestCase):
    """Issue 9: a pickle that lacks a column of its domain, or carries one the domain does not have,
    is refused before any row comes out (exit 2, nothing printed), every such column named at once;
    a null in the key or the vector is an error naming the row index. The unit test
    tests/unit/test_pickle_columns.c pins the same rules in-process, with ignore_unknown_columns."""

    @classmethod
    def setUpClass(cls):
        cls.dir = harness.tempdir("es-pickle-cols-")

    def refused(self, obj, domain, needles, name):
        path = os.path.join(self.dir, name + ".pkl")
        with open(path, "wb") as f:
            pickle.dump(obj, f, protocol=5)
        p = harness.run_cmd([harness.BIN, "inspect", "--domain", domain, "--file", path], check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stdout, "", "a row came out before the refusal")
        for needle in needles:
            self.assertIn(needle.replace("PATH", path), p.stderr)
        return p.stderr

    def recruit(self, **cols):
        base = {"id": [uuid(1), uuid(2)], "company_name": ["a", "b"], "exp_years": [1, 2],
                "english_level": ["B2", "C1"], "primary_keyword": ["go", "c"],
                "vector": [np.float32([1, 2]), np.float32([3, 4])]}
        base.update(cols)
        return pd.DataFrame({k: v for k, v in base.items() if v is not None})

    def test_dataframe_typo_column_named_with_suggestion(self):
        df = self.recruit(exp_years=None, exp_year=[1, 2])
        self.refused(df, "recruit", ["PATH: missing column exp_years; unknown column 'exp_year' "
                                     "(did you mean 'exp_years'?) (pass --ignore-unknown-columns"], "typo")

    def test_dataframe_every_missing_and_unknown_column_named(self):
        df = self.recruit(company_name=None, english_level=None, notes=["x", "y"], rank=[1, 2])
        self.refused(df, "recruit", ["PATH: missing columns company_name, english_level; "
                                     "unknown columns 'notes', 'rank'"], "several")

    def test_list_of_dicts_row_lacking_a_field_names_the_row(self):
        rows = [{"skill": "a", "position_category": "p", "vector": [1.0]},
                {"skill": "b", "position_category": "p", "vector": [1.0]},
                {"skill": "c", "vector": [1.0]}]
        self.refused(rows, "skill_embedding_dic", ["PATH: row index 2: missing column position_category"], "short-row")

    def test_vector_column_and_vector_n_columns_refused(self):
        df = pd.DataFrame(np.float32([[1, 2], [3, 4]]), columns=["vector_0", "vector_1"])
        df["skill"] = ["a", "b"]
        df["position_category"] = ["p", "q"]
        df["vector"] = [[1.0, 2.0], [3.0, 4.0]]
        self.refused(df, "skill_embedding_dic",
                     ["a 'vector' column and 2 vector_N columns: only one of them may give the vector"], "both")

    def test_null_key_is_an_error_naming_the_row(self):
        for null in (None, np.nan, pd.NA):
            with self.subTest(null=repr(null)):
                df = self.recruit(id=pd.array([uuid(1), null], dtype=object))
                self.refused(df, "recruit", ["row index 1: field 'id': null (None, NaN or pandas.NA), "
                                             "but the key must be present"], "null-key")

    def test_null_key_in_categorical_and_string_columns(self):
        df = self.recruit(id=pd.Categorical([uuid(1), None]))
        self.refused(df, "recruit", ["row index 1: field 'id': null"], "null-key-cat")
        df = self.recruit(id=pd.array([None, uuid(2)], dtype="string"))
        self.refused(df, "recruit", ["row index 0: field 'id': null"], "null-key-string")

    def test_null_vector_is_an_error_naming_the_row(self):
        df = self.recruit(vector=[np.float32([1, 2]), None])
        self.refused(df, "recruit", ["row index 1: field 'vector': null (None, NaN or pandas.NA), "
                                     "but the vector must be present"], "null-vector")


if __name__ == "__main__":
    harness.main()
