# test_columns.py - files with missing, unknown or empty columns refused before anything is sent (issue 9, found 1).
"""A server on a SQLite store holds good rows of recruit and candidate. Each bad variant of the
same rows (same keys: an upsert would overwrite them) must make `embedstream ingest` exit 2 with a
message naming the file and what is wrong, and leave the store row for row as it was, with no
stream begun (no ingest_log entry, no "stream ... start" in the server's log). Before issue 9 the
CSV variants ingested with exit 0 and overwrote exp_years with 0 and company_name with "".
"""
import csv
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

ROWS = 12


def write_csv(path, names, rows):
    """rows (dicts) under the header names; cells as harness.write_rows writes them."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(names)
        for r in rows:
            w.writerow([json.dumps(r[n], ensure_ascii=False) if isinstance(r.get(n), list)
                        else r.get(n, "") for n in names])
    return path


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


def names(domain):
    return [n for n, _ in h.DOMAINS[domain].fields]


@unittest.skipUnless(os.path.exists(h.BIN), "embedstream binary not built")
class ColumnRules(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = h.tempdir("es-columns-")
        cls.store = h.SqliteStore()
        cls.srv = h.Server(cls.store.url).__enter__()
        cls.rows = {d: h.make_rows(d, ROWS, seed=90, digits=4) for d in ("recruit", "candidate")}
        for domain, ext in (("recruit", "csv"), ("candidate", "jsonl")):
            path = h.write_rows(domain, cls.rows[domain], os.path.join(cls.dir, "good." + ext))
            res = h.run_ingest(domain, path, cls.srv.addr)
            assert res.code == 0, res
        cls.before = {d: cls.store.rows(d) for d in ("recruit", "candidate")}
        assert len(cls.before["recruit"]) == ROWS, cls.before

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)
        cls.store.destroy()

    def path(self, name):
        return os.path.join(self.dir, name)

    def assert_refused(self, domain, path, *words, args=()):
        """exit 2, the file and words named, the store and its log untouched, no stream begun."""
        log_before, server_log = self.store.ingest_log(), len(self.srv.log)
        res = h.run_ingest(domain, path, self.srv.addr, args=args)
        said = (res.out or {}).get("message", "") + res.err
        self.assertEqual(res.code, 2, res)
        self.assertNotEqual((res.out or {}).get("status"), "success", res)
        self.assertIn(path, said)
        for w in words:
            self.assertIn(w, said)
        for d in ("recruit", "candidate"):
            self.assertEqual(self.store.rows(d), self.before[d], "%s rows changed" % d)
        self.assertEqual(self.store.ingest_log(), log_before, "a stream was logged")
        self.assertNotIn(" start: ", self.srv.log[server_log:], "a stream was begun")
        # inspect reads with the same loader and refuses the same way
        p = h.run_cmd([h.BIN, "inspect", "--domain", domain, "--file", path] + list(args), check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        for w in words:
            self.assertIn(w, p.stderr)
        return said

    def csv_without(self, name, column, rows=None):
        cols = [n for n in names("recruit") if n != column]
        return write_csv(self.path(name), cols, rows or self.rows["recruit"])

    def test_found1_missing_column_refused(self):
        path = self.csv_without("no_exp.csv", "exp_years")
        self.assert_refused("recruit", path, path + ":1: missing column exp_years",
                            "the recruit domain has the columns id, company_name, exp_years")

    def test_found1_missing_company_name_refused(self):
        path = self.csv_without("no_company.csv", "company_name")
        self.assert_refused("recruit", path, "missing column company_name")

    def test_found1_header_typo_suggests(self):
        cols = ["exp_year" if n == "exp_years" else n for n in names("recruit")]
        rows = [dict(r, exp_year=r["exp_years"]) for r in self.rows["recruit"]]
        path = write_csv(self.path("typo.csv"), cols, rows)
        self.assert_refused("recruit", path, "missing column exp_years; unknown column 'exp_year' "
                            "(did you mean 'exp_years'?)")
        # dropping the unknown column does not fill the missing one
        self.assert_refused("recruit", path, "missing column exp_years",
                            args=["--ignore-unknown-columns"])

    def test_found1_empty_numeric_cell_refused(self):
        rows = [dict(r) for r in self.rows["recruit"]]
        rows[0]["exp_years"] = ""
        path = write_csv(self.path("empty_exp.csv"), names("recruit"), rows)
        self.assert_refused("recruit", path, path + ":2:3: field 'exp_years': empty cell")

    def test_found1_jsonl_missing_field_refused(self):
        rows = [{k: v for k, v in r.items() if k != "experience_years"} for r in self.rows["candidate"]]
        path = write_jsonl(self.path("no_exp.jsonl"), rows)
        self.assert_refused("candidate", path, path + ":1:", "missing field experience_years")

    def test_found1_jsonl_unknown_key_suggests(self):
        rows = [dict(r) for r in self.rows["candidate"]]
        rows[5]["skill"] = ["go"]
        path = write_jsonl(self.path("typo.jsonl"), rows)
        self.assert_refused("candidate", path, path + ":6:",
                            "unknown field 'skill' (did you mean 'skills'?)")

    def test_jsonl_null_key_refused(self):
        rows = [dict(r) for r in self.rows["candidate"]]
        rows[0]["candidate_id"] = None
        path = write_jsonl(self.path("null_key.jsonl"), rows)
        self.assert_refused("candidate", path, path + ":1:", "field 'candidate_id'", "null")

    def test_row_the_server_would_refuse_is_refused_first(self):
        rows = [dict(r) for r in self.rows["recruit"]]
        rows[0]["exp_years"] = -1
        path = write_csv(self.path("negative.csv"), names("recruit"), rows)
        self.assert_refused("recruit", path, path + ":2: field 'exp_years': -1 is negative")

    def test_ignore_unknown_columns_drops_them_knowingly(self):
        # skill_embedding_dic only: this test stores rows, the others compare against self.before.
        rows = h.make_rows("skill_embedding_dic", 5, seed=91, digits=4)
        cols = names("skill_embedding_dic") + ["salary"]
        path = write_csv(self.path("extra.csv"), cols, [dict(r, salary="1") for r in rows])
        self.assert_refused("skill_embedding_dic", path, "unknown column 'salary'",
                            "--ignore-unknown-columns")
        res = h.run_ingest("skill_embedding_dic", path, self.srv.addr, args=["--ignore-unknown-columns"])
        self.assertEqual(res.code, 0, res)
        plain = h.write_rows("skill_embedding_dic", rows, self.path("plain.csv"))
        self.assertEqual(self.store.rows("skill_embedding_dic"),
                         h.expected_store("skill_embedding_dic", plain))
        p = h.run_cmd([h.BIN, "inspect", "--domain", "skill_embedding_dic", "--file", path,
                       "--ignore-unknown-columns"])
        self.assertEqual(len(p.stdout.splitlines()), 5)
        self.assertNotIn("salary", p.stdout)


if __name__ == "__main__":
    h.main()
