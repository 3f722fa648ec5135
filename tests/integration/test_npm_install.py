# test_npm_install.py - npm-install.sh and the npm-backed tests skip (exit 77), never pass or fail, when npm or its registry is not there.
"""The tests that need packages from npm (test_parquet*.py's writers, test_pgvector.py's PGlite)
install them with npm-install.sh, whose exit 3 means "cannot be had here": the tests then report
themselves skipped to ctest. Here npm is a stand-in on PATH that behaves like each way of the
registry being unreachable (a name that does not resolve, a connection refused, a registry that
never answers) or like a real failure, and the Parquet test scripts run against it end to end."""
import os
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
INSTALL = os.path.join(HERE, "npm-install.sh")
# What npm prints when the registry's name does not resolve, or its port refuses connections.
ENOTFOUND = "npm ERR! code ENOTFOUND\nnpm ERR! request to https://registry.npmjs.org/x failed"
REFUSED = "npm ERR! code ECONNREFUSED\nnpm ERR! connect ECONNREFUSED 127.0.0.1:9"


class NpmInstall(unittest.TestCase):
    def setUp(self):
        self.dir = h.tempdir("es-npm-")
        self.bin = os.path.join(self.dir, "bin")
        os.mkdir(self.bin)

    def tool(self, name, body):
        path = os.path.join(self.bin, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body + "\n")
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)

    def fake_npm(self, output, code=1, sleep=0):
        self.tool("node", "exit 0")
        # exec: the sleep is the process timeout stops, not an orphan left behind
        self.tool("npm", "exec sleep %d" % sleep if sleep else "echo '%s' >&2; exit %d" % (output, code))

    def env(self, path_dirs=None, **extra):
        env = dict(os.environ, PATH=os.pathsep.join(path_dirs or [self.bin, os.environ["PATH"]]))
        env.update(extra)
        return env

    def install(self, env):
        return subprocess.run(["/bin/sh", INSTALL, os.path.join(self.dir, "target"), "pkg@1.0.0"], env=env,
                              capture_output=True, text=True, timeout=h.scaled(60))

    def test_unresolvable_or_refusing_registry_is_unavailable(self):
        for output in (ENOTFOUND, REFUSED):
            self.fake_npm(output)
            p = self.install(self.env())
            self.assertEqual(p.returncode, 3, p.stderr)
            self.assertIn("npm registry unreachable", p.stderr)

    def test_silent_registry_is_unavailable_after_the_timeout(self):
        self.fake_npm("", code=0, sleep=30)
        p = self.install(self.env(ES_NPM_TIMEOUT="1"))
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("did not answer within 1 s", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "target", ".installed")))

    def test_no_node_or_npm_is_unavailable(self):
        tools = os.path.join(self.dir, "tools")  # what the script runs, without node or npm
        os.mkdir(tools)
        for t in ("cat", "mkdir", "timeout", "grep", "dirname"):
            os.symlink("/usr/bin/" + t if os.path.exists("/usr/bin/" + t) else "/bin/" + t, os.path.join(tools, t))
        p = self.install(self.env([tools]))
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("node not found", p.stderr)

    def test_other_npm_failures_are_failures(self):
        self.fake_npm("npm ERR! code E404\nnpm ERR! 404 Not Found - GET https://registry.npmjs.org/pkg")
        p = self.install(self.env())
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("E404", p.stderr)

    def test_parquet_tests_report_skipped_without_the_registry(self):
        """End to end: with npm failing as an unreachable registry does, each script that needs
        the Parquet writers exits 77 (ctest's "Skipped"), never 0."""
        self.fake_npm(ENOTFOUND)
        build = os.path.join(self.dir, "build")  # no writers installed there yet
        os.mkdir(build)
        env = self.env(ES_BUILD_DIR=build, ES_BIN=h.BIN, ES_STORES="sqlite")
        for script in ("test_parquet.py", "test_parquet_interop.py"):
            p = subprocess.run([sys.executable, os.path.join(HERE, script)], env=env, capture_output=True,
                               text=True, timeout=h.scaled(120))
            self.assertEqual(p.returncode, 77, "%s: %s" % (script, p.stderr[-2000:]))
            self.assertIn("ctest lists this script as skipped", p.stderr)
            self.assertIn("npm registry unreachable", p.stderr)


if __name__ == "__main__":
    h.main()
