# test_harness.py - the harness's own promises: skips reach ctest as exit 77, store selection fails loudly.
"""Tiny test scripts written to a temp dir and run the way ctest runs ours: their exit status is
what ctest sees (0 passed, 1 failed, 77 skipped)."""
import glob
import os
import subprocess
import sys
import textwrap
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pgserver  # noqa: E402

HEAD = """\
import os, sys, unittest
sys.path.insert(0, %r)
import harness as h
""" % h.HERE


class Runner(unittest.TestCase):

    def run_script(self, body, **env):
        path = os.path.join(h.tempdir(), "test_script.py")
        with open(path, "w") as f:
            f.write(HEAD + textwrap.dedent(body) + "\nif __name__ == '__main__':\n    h.main()\n")
        full = {k: v for k, v in os.environ.items() if k not in ("ES_STORES", "ES_TEST_STORES")}
        full.update(env)
        return subprocess.run([h.PYTHON, path], env=full, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=h.scaled(60))

    def assert_exit(self, p, code, *words):
        self.assertEqual(p.returncode, code, p.stderr)
        for w in words:
            self.assertIn(w, p.stderr)

    def test_all_passed_exit_0(self):
        p = self.run_script("""
            class T(unittest.TestCase):
                def test_a(self): pass
                def test_b(self): pass
        """)
        self.assert_exit(p, 0)
        self.assertNotIn("SKIPPED", p.stderr)

    def test_failure_exit_1_even_with_skips(self):
        p = self.run_script("""
            class T(unittest.TestCase):
                def test_a(self): self.fail("no")
                def test_b(self): self.skipTest("later")
        """)
        self.assert_exit(p, 1)

    def test_everything_skipped_exit_77(self):
        p = self.run_script("""
            @unittest.skip("no widget here")
            class T(unittest.TestCase):
                def test_a(self): pass
                def test_b(self): pass
        """)
        self.assert_exit(p, h.SKIP_EXIT, "SKIPPED: 2 of 2 tests did not run (0 ran and passed)",
                         "no widget here", "T.test_a", "T.test_b")

    def test_skipped_set_up_class_exit_77(self):
        p = self.run_script("""
            class T(unittest.TestCase):
                @classmethod
                def setUpClass(cls): raise unittest.SkipTest("no database")
                def test_a(self): pass
                def test_b(self): pass
        """)
        self.assert_exit(p, h.SKIP_EXIT, "SKIPPED: 2 of 2 tests did not run", "no database",
                         "setUpClass (T)")

    def test_partial_skip_exit_77_naming_what_ran(self):
        p = self.run_script("""
            class T(unittest.TestCase):
                def test_ran(self): pass
                def test_not(self): self.skipTest("needs a GPU")
        """)
        self.assert_exit(p, h.SKIP_EXIT, "SKIPPED: 1 of 2 tests did not run (1 ran and passed)",
                         "needs a GPU", "T.test_not")
        self.assertNotIn("T.test_ran", p.stderr.split("SKIPPED")[1])

    def test_no_tests_exit_1(self):
        self.assert_exit(self.run_script("X = 1\n"), 1, "no tests")

    def test_per_store_and_plain_tests_in_one_script_exit_1_before_running(self):
        p = self.run_script("""
            class M:
                def test_m(self): pass
            h.store_test_classes(M, globals())
            class Plain(unittest.TestCase):
                def test_p(self): pass
        """, ES_STORES="sqlite")
        self.assert_exit(p, 1, "move Plain to a script of its own")
        self.assertNotIn("test_m", p.stderr)

    def test_store_classes_follow_es_stores(self):
        body = """
            class M:
                def test_url(self): print("URL " + self.store.url)
            h.store_test_classes(M, globals())
        """
        p = self.run_script(body, ES_STORES="sqlite")
        self.assert_exit(p, 0, "M_sqlite.test_url")
        self.assertNotIn("M_postgres", p.stderr)
        self.assertIn("URL sqlite:", p.stdout)

    def test_unknown_store_exit_1(self):
        body = """
            class M:
                def test_m(self): pass
            h.store_test_classes(M, globals())
        """
        self.assert_exit(self.run_script(body, ES_STORES="sqlite,mysql"), 1,
                         "ES_STORES names no store mysql")
        self.assert_exit(self.run_script(body, ES_TEST_STORES="sqlite"), 1,
                         "the harness's stores sqlite,postgres differ from ES_TEST_STORES")

    def test_unavailable_store_skips_its_entry(self):
        body = """
            class M:
                def test_m(self): pass
            h.store_test_classes(M, globals())
        """
        p = self.run_script(body, ES_STORES="postgres", ES_PG_BIN="/nonexistent")
        self.assert_exit(p, h.SKIP_EXIT, "postgres store: initdb not found in /nonexistent",
                         "M_postgres.test_m")


class UnitBinaries(unittest.TestCase):

    def test_live_store_test_skips_without_a_database(self):
        path = os.path.join(h.BUILD_DIR, "test_store_pg_live")
        p = subprocess.run([path], env=dict(os.environ, ES_PG_URL=""), capture_output=True, text=True,
                           timeout=h.scaled(60))
        self.assertEqual(p.returncode, h.SKIP_EXIT, p.stdout + p.stderr)
        self.assertIn("skipped (ES_PG_URL not set", p.stdout)

    def test_a_skipping_binary_fails_a_test_that_needs_it(self):
        with self.assertRaisesRegex(AssertionError, "exited 77"):
            h.run_unit_binary("test_store_pg_live", {"ES_PG_URL": ""})

    def test_pgserver_run_skips_without_postgres(self):
        p = subprocess.run([h.PYTHON, pgserver.__file__, "run", "--", "false"],
                           env=dict(os.environ, ES_PG_BIN="/nonexistent"), capture_output=True,
                           text=True, timeout=h.scaled(60))
        self.assertEqual(p.returncode, pgserver.SKIP_EXIT, p.stdout + p.stderr)
        self.assertIn("skipped: initdb not found", p.stdout)


class Scripts(unittest.TestCase):

    def test_every_script_reports_through_the_runner(self):
        """unittest.main() would exit 0 with every test skipped: ctest would say Passed."""
        scripts = glob.glob(os.path.join(h.HERE, "test_*.py"))
        self.assertGreater(len(scripts), 5)
        for path in scripts:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            with self.subTest(script=os.path.basename(path)):
                self.assertNotRegex(text, r"(?m)^\s*unittest\.main\(")
                self.assertRegex(text, r"\nif __name__ == \"__main__\":\n    (h|harness)\.main\(\)\n")


if __name__ == "__main__":
    h.main()
