# runner.py - how an integration script reports to ctest: pass, fail, or skipped (exit 77) when tests could not run.
"""Every test script ends with `harness.main()` instead of unittest.main():

  exit 1   a test failed or errored, the script ran no test at all, or it mixes tests run once
           per store (store_test_classes) with others (ctest runs it once per store: the others
           would run once per store too, and a store that cannot run would half-skip the entry);
  exit 77  any test was skipped (a prerequisite such as PostgreSQL, Chromium or PGlite is
           missing): ctest (SKIP_RETURN_CODE 77) lists the entry as "Skipped", never "Passed";
           a block at the end names each skipped test, why, and how many others ran and passed.
           Partial skips are reported the same way, so an entry is "Passed" only when every test
           in it ran; scripts are split by prerequisite (test_postgres.py, test_pgvector.py, ...)
           so that in practice an entry runs whole or skips whole;
  exit 0   every test ran and passed.
"""
import sys
import unittest

__all__ = ["SKIP_EXIT", "main"]

SKIP_EXIT = 77  # ctest's SKIP_RETURN_CODE for every test (CMakeLists.txt)


def _tests(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _tests(t)
        else:
            yield t


def _mixed_store_tests(suite):
    """Names of the test classes that are not per-store in a script that has per-store ones."""
    classes = {type(t) for t in _tests(suite)}
    per_store = [c for c in classes if getattr(c, "factory", None) is not None]
    others = sorted(c.__name__ for c in classes if getattr(c, "factory", None) is None)
    return others if per_store else []


def _report_skips(result, total):
    """The closing block: why tests were skipped, and which (a skipped setUpClass names its
    class, whose tests never started)."""
    ran = result.testsRun - len([t for t, _ in result.skipped if isinstance(t, unittest.TestCase)])
    why = {}
    for test, reason in result.skipped:
        name = test.id() if isinstance(test, unittest.TestCase) else str(test)
        why.setdefault(reason, []).append(name.replace("__main__.", ""))
    out = ["", "=" * 70,
           "SKIPPED: %d of %d tests did not run (%d ran and passed); ctest lists this script as "
           "skipped." % (total - ran, total, ran)]
    for reason, names in why.items():
        out.append("  %s:" % reason)
        out += ["      %s" % n for n in names]
    out.append("=" * 70)
    sys.stderr.write("\n".join(out) + "\n")


class _Program(unittest.TestProgram):
    def runTests(self):
        mixed = _mixed_store_tests(self.test)
        if mixed:
            sys.stderr.write("this script runs tests once per store; move %s to a script of its "
                             "own\n" % ", ".join(mixed))
            sys.exit(1)
        super().runTests()


def main():
    """unittest.main(verbosity=2) for a test script, with the exit codes above."""
    prog = _Program(module="__main__", verbosity=2, exit=False)
    result, total = prog.result, prog.test.countTestCases()
    if not result.wasSuccessful():
        sys.exit(1)
    if total == 0:
        sys.stderr.write("no tests to run\n")
        sys.exit(1)
    if result.skipped:
        _report_skips(result, total)
        sys.exit(SKIP_EXIT)
    sys.exit(0)
