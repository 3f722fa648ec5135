# test_cli.py - the command line every subcommand shares: options, help, usage errors, environment.
"""One option parser serves every subcommand (src/cli/opts.c). These tests pin what a user sees:
an unknown option is named wherever it stands, a near miss gets "did you mean", a usage error
prints to stderr only (nothing a script could take for a result on stdout), `help CMD` is
`CMD --help`, every help has an Examples block, and options fall back to their environment
variables, the command line winning."""
import os
import unittest

import harness as h
from harness import api as a

EXAMPLE = os.path.join(h.SOURCE_DIR, "examples", "recruit.csv")

COMMANDS = ("serve", "ingest", "generate", "inspect", "stats", "api")


def clean_env(env=None):
    """This process's environment without our variables (a developer's own must not leak in), plus env."""
    e = {k: v for k, v in os.environ.items() if not k.startswith(("EMBEDSTREAM_", "ES_LOG_LEVEL"))}
    e.update(env or {})
    return e


def run(*argv, env=None):
    e = clean_env(env)
    import subprocess
    return subprocess.run([h.BIN] + list(argv), capture_output=True, text=True, env=e,
                          stdin=subprocess.DEVNULL, timeout=h.scaled(30))


class HelpTest(unittest.TestCase):
    def test_every_command_has_help_with_examples(self):
        for cmd in COMMANDS:
            with self.subTest(cmd=cmd):
                p = run(cmd, "--help")
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertTrue(p.stdout.startswith("usage: embedstream %s" % cmd), p.stdout[:80])
                self.assertIn("\nExamples:\n  embedstream", p.stdout)
                self.assertIn("-h, --help", p.stdout)
                self.assertEqual(p.stderr, "")

    def test_help_command_is_command_help(self):
        for cmd in COMMANDS:
            with self.subTest(cmd=cmd):
                self.assertEqual(run("help", cmd).stdout, run(cmd, "--help").stdout)
                self.assertEqual(run(cmd, "-h").stdout, run(cmd, "--help").stdout)

    def test_top_level_help_and_version(self):
        p = run("--help")
        self.assertEqual(p.returncode, 0)
        for cmd in COMMANDS:
            self.assertIn("  %s " % cmd, p.stdout)
        self.assertEqual(run("-h").stdout, p.stdout)
        self.assertEqual(run("help").stdout, p.stdout)
        v = run("-V")
        self.assertEqual(v.returncode, 0)
        self.assertRegex(v.stdout, r"^embedstream \d+\.\d+\.\d+\n$")
        self.assertEqual(run("--version").stdout, v.stdout)

    def test_defaults_and_environment_named_in_help(self):
        p = run("serve", "--help")
        self.assertRegex(p.stdout, r"--max-streams N [^\n]*\n? *\(default 16,")
        self.assertIn("environment: EMBEDSTREAM_STORE", p.stdout)
        self.assertIn("environment: EMBEDSTREAM_SERVER", run("ingest", "--help").stdout)


class UsageErrorTest(unittest.TestCase):
    def assert_usage(self, p, *needles):
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(p.stdout, "", "a usage error prints nothing on stdout")
        for n in needles:
            self.assertIn(n, p.stderr)
        self.assertIn("--help", p.stderr)

    def test_unknown_option_named_wherever_it_stands(self):
        # The last position used to be reported as a missing value.
        for argv in (["--bogus", "-d", "recruit", "-f", "x.csv"],
                     ["-d", "recruit", "--bogus", "-f", "x.csv"],
                     ["-d", "recruit", "-f", "x.csv", "--bogus"]):
            with self.subTest(argv=argv):
                self.assert_usage(run("ingest", *argv), "unknown option '--bogus'")

    def test_did_you_mean(self):
        self.assert_usage(run("ingest", "--domian", "recruit"), "did you mean --domain?")
        self.assert_usage(run("serve", "--max-stream", "3"), "did you mean --max-streams?")
        self.assert_usage(run("ingest", "-d", "recruits"), "did you mean recruit?")
        self.assert_usage(run("serv"), "did you mean 'serve'?")

    def test_abbreviations_are_refused(self):
        # getopt_long would take --dom for --domain; a later --domain-x would break such scripts.
        self.assert_usage(run("ingest", "--dom", "recruit", "-f", "x.csv"),
                          "unknown option '--dom' (did you mean --domain?)")

    def test_missing_value_and_flag_with_value(self):
        self.assert_usage(run("ingest", "-d", "recruit", "--file"), "missing value for --file")
        self.assert_usage(run("inspect", "-d", "recruit", "-f", "x.csv", "--count=1"),
                          "--count takes no value")
        self.assert_usage(run("ingest", "-x"), "unknown option '-x'")

    def test_bad_values_name_option_and_value(self):
        self.assert_usage(run("serve", "--max-streams", "0"), "--max-streams '0'", "1..4096")
        self.assert_usage(run("ingest", "-d", "recruit", "-f", "x", "--chunk-size", "lots"),
                          "--chunk-size 'lots'")
        self.assert_usage(run("stats", "stray"), "unexpected argument 'stray'")

    def test_ingest_usage_error_prints_no_json(self):
        self.assert_usage(run("ingest", "-d", "recruit"), "--domain and --file are required")

    def test_short_and_equals_forms(self):
        ex = os.path.join(h.SOURCE_DIR, "examples", "recruit.csv")
        a = run("inspect", "-d", "recruit", "-f", ex, "-n", "2")
        b = run("inspect", "--domain=recruit", "--file=" + ex, "--limit=2")
        c = run("inspect", "-drecruit", "-f" + ex, "-n2")
        self.assertEqual(a.returncode, 0, a.stderr)
        self.assertEqual(len(a.stdout.splitlines()), 2)
        self.assertEqual(a.stdout, b.stdout)
        self.assertEqual(a.stdout, c.stdout)


class EnvironmentTest(unittest.TestCase):
    def test_environment_fills_an_option_and_the_command_line_wins(self):
        d = h.tempdir()
        db = os.path.join(d, "env.db")
        ok = run("stats", env={"EMBEDSTREAM_STORE": "sqlite:" + os.path.join(d, "missing.db")})
        self.assertEqual(ok.returncode, 1)
        self.assertIn("missing.db", ok.stderr, "the environment's store was used")
        open(db, "wb").close()
        p = run("stats", "--store", "null:", env={"EMBEDSTREAM_STORE": "sqlite:" + db + "x"})
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_serve_and_ingest_from_the_environment_alone(self):
        # EMBEDSTREAM_LISTEN and _STORE start the server, _SERVER points ingest at it; no option.
        store = h.SqliteStore()
        self.addCleanup(store.destroy)
        port = h.free_port()
        env = clean_env({"EMBEDSTREAM_LISTEN": "127.0.0.1:%d" % port, "EMBEDSTREAM_STORE": store.url})
        with h.ServerProcess([h.BIN, "serve", "--grace", "1"], env=env) as srv:
            self.assertEqual(srv.port, port, srv.log)
            p = run("ingest", "-d", "recruit", "-f", EXAMPLE, env={"EMBEDSTREAM_SERVER": srv.addr})
            self.assertEqual(p.returncode, 0, p.stderr)
            # The command line wins: the environment names a port nothing listens on.
            dead = "127.0.0.1:%d" % h.free_port()
            p = run("ingest", "-d", "recruit", "-f", EXAMPLE, "-s", srv.addr, "--retries", "1",
                    env={"EMBEDSTREAM_SERVER": dead})
            self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(store.count("recruit"), 6)
        other = h.free_port()
        with h.ServerProcess([h.BIN, "serve", "--grace", "1", "--listen", "127.0.0.1:%d" % other],
                             env=env) as srv:
            self.assertEqual(srv.port, other, "--listen lost to EMBEDSTREAM_LISTEN")

    def test_api_from_the_environment(self):
        data, elsewhere = h.tempdir(), h.tempdir()
        h.write_domain_file("recruit", os.path.join(data, "from_env.csv"), 2)
        h.write_domain_file("recruit", os.path.join(elsewhere, "from_flag.csv"), 2)
        port = h.free_port()
        env = clean_env({"EMBEDSTREAM_API_LISTEN": "127.0.0.1:%d" % port, "EMBEDSTREAM_DATA_DIR": data,
                         "EMBEDSTREAM_SERVER": "127.0.0.1:50999"})
        with h.ServerProcess([h.BIN, "api", "--grace", "1"], name="api", env=env) as api:
            self.assertEqual(api.port, port, api.log)
            base = "http://" + api.addr
            self.assertEqual(a.call(base, "/healthz").json["server"], "127.0.0.1:50999")
            names = [f["name"] for f in a.call(base, "/data/files").json["files"]]
            self.assertEqual(names, ["from_env.csv"])
        with h.ServerProcess([h.BIN, "api", "--grace", "1", "--data-dir", elsewhere, "-s", "127.0.0.1:50998",
                              "--listen", "127.0.0.1:0"], name="api", env=env) as api:
            self.assertNotEqual(api.port, port)
            base = "http://" + api.addr
            self.assertEqual(a.call(base, "/healthz").json["server"], "127.0.0.1:50998")
            names = [f["name"] for f in a.call(base, "/data/files").json["files"]]
            self.assertEqual(names, ["from_flag.csv"])

    def test_log_level_and_its_older_name(self):
        info = "ingested 6 rows"
        with h.Server("null:") as srv:
            argv = ("ingest", "-d", "recruit", "-f", EXAMPLE, "-s", srv.addr)
            cases = (({}, True), ({"EMBEDSTREAM_LOG_LEVEL": "error"}, False), ({"ES_LOG_LEVEL": "error"}, False),
                     ({"EMBEDSTREAM_LOG_LEVEL": "info", "ES_LOG_LEVEL": "error"}, True),
                     ({"EMBEDSTREAM_LOG_LEVEL": "debug"}, True))
            for env, shown in cases:
                with self.subTest(env=env):
                    p = run(*argv, env=env)
                    self.assertEqual(p.returncode, 0, p.stderr)
                    self.assertEqual(info in p.stderr, shown, p.stderr)
            self.assertIn("DEBUG", run(*argv, env={"EMBEDSTREAM_LOG_LEVEL": "debug"}).stderr)

    def test_bad_environment_value_is_a_usage_error(self):
        p = run("ingest", "-d", "recruit", "-f", "x.csv", env={"EMBEDSTREAM_SERVER": "nohostport"})
        self.assertEqual(p.returncode, 2)
        self.assertIn("EMBEDSTREAM_SERVER='nohostport'", p.stderr)
        self.assertEqual(p.stdout, "")


if __name__ == "__main__":
    h.main()
