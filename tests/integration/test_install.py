# test_install.py - make install/uninstall/deb: the installed tree, man page, bash completion,
# systemd units and settings file, and the Debian package, all from the build directory ctest uses.
"""The Makefile's own recipes are run (`make -o build install BUILD=...`: -o keeps make from
reconfiguring or rebuilding the tree under test). A class whose tools the machine lacks
(systemd-analyze, lintian, ...) is skipped, the others still run, and harness.main() reports the
script to ctest as skipped. A sanitizer build skips it all: packaging runs no C code of its own
(the binary's --help is what it reads), and the .deb of such a build would depend on libasan.
What the texts should contain is read here from the binary's --help with parsing of our own,
independent of packaging/helptext.py, so a generator bug cannot hide itself."""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import harness as h

DATA_EXTENSIONS = (".csv", ".jsonl", ".ndjson", ".pkl", ".pickle", ".parquet")
UNITS = ("embedstream.service", "embedstream-api.service")
MANIFEST = os.path.join(h.BUILD_DIR, "install_manifest.txt")


def sh(*argv, env=None, cwd=None, check=True):
    p = subprocess.run(list(argv), capture_output=True, text=True, env=env, cwd=cwd,
                       stdin=subprocess.DEVNULL, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(argv), p.returncode, p.stdout, p.stderr))
    return p


def make(target, **variables):
    """Runs a target of the project's Makefile against the build directory under test."""
    args = ["make", "--no-print-directory", "-o", "build", "-C", h.SOURCE_DIR, target, "BUILD=" + h.BUILD_DIR]
    return sh(*(args + ["%s=%s" % kv for kv in variables.items()]))


def help_text(*args):
    return sh(h.BIN, *args).stdout


def commands():
    block = help_text("--help").split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"(?m)^  ([a-z]+) ", block)


def options(cmd):
    """[(short or None, long, takes a value)] from `embedstream help CMD`'s Options block."""
    block = help_text("help", cmd).split("\nOptions:\n", 1)[1].split("\n\n", 1)[0]
    return [(m.group(1), m.group(2), bool(m.group(3)))
            for m in re.finditer(r"(?m)^ +(?:-(\w), )?--([a-z0-9-]+)( [^ \n]+)?", block)]


def env_defaults():
    """{EMBEDSTREAM_X: default shown in --help or None} over every command."""
    out = {}
    for cmd in commands():
        text = " ".join(help_text("help", cmd).split())
        for m in re.finditer(r"\((?:default ([^;()]*); )?environment: (EMBEDSTREAM_\w+)\)", text):
            out[m.group(2)] = m.group(1)
    top = help_text("--help")
    for name in re.findall(r"(?m)^  (EMBEDSTREAM_\w+) ", top):
        out.setdefault(name, re.search(name + r" +[^\n]*\(default (\w+)\)", top).group(1))
    return out


def files_under(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def render_man(path):
    """The page as text (ASCII, wide lines, no hyphenation) and groff's warnings."""
    env = dict(os.environ, LC_ALL="C", MANWIDTH="200", MAN_KEEP_FORMATTING="")
    p = sh("man", "--warnings=w", "-l", path, env=env)
    return re.sub(r".\x08", "", p.stdout), p.stderr


def setUpModule():
    """The installs below rewrite BUILD/install_manifest.txt; put back the one a real `make install`
    left there, or `make uninstall` would afterwards forget what it installed."""
    global SAVED_MANIFEST
    SAVED_MANIFEST = None
    if os.path.exists(MANIFEST):
        with open(MANIFEST, "rb") as f:
            SAVED_MANIFEST = f.read()


def tearDownModule():
    if SAVED_MANIFEST is None:
        if os.path.exists(MANIFEST):
            os.remove(MANIFEST)
    else:
        with open(MANIFEST, "wb") as f:
            f.write(SAVED_MANIFEST)


class Case(unittest.TestCase):
    """Skipped whole in a sanitizer build, or when one of TOOLS is not on PATH."""
    TOOLS = ("make",)

    @classmethod
    def setUpClass(cls):
        if h.SANITIZE:
            raise unittest.SkipTest("packaging is tested in the normal build only")
        missing = [t for t in cls.TOOLS if not shutil.which(t)]
        if missing:
            raise unittest.SkipTest("not installed: " + ", ".join(missing))


class Tmp(Case):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="es-install-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)


class InstallTree(Tmp):
    EXPECTED = ["etc/default/embedstream", "usr/bin/embedstream",
                "usr/lib/systemd/system/embedstream-api.service",
                "usr/lib/systemd/system/embedstream.service",
                "usr/share/bash-completion/completions/embedstream",
                "usr/share/man/man1/embedstream.1"]

    def test_install_then_uninstall(self):
        dest = self.path("dest")
        make("install", DESTDIR=dest, PREFIX="/usr")
        self.assertEqual(files_under(dest), self.EXPECTED)
        binary = os.path.join(dest, "usr/bin/embedstream")
        self.assertTrue(os.access(binary, os.X_OK))
        self.assertEqual(sh(binary, "--version").stdout, help_text("--version"))
        for unit in UNITS:
            with open(os.path.join(dest, "usr/lib/systemd/system", unit)) as f:
                text = f.read()
            self.assertNotRegex(text, r"@[A-Z_]+@", unit + ": a placeholder left")
            self.assertIn("EnvironmentFile=-/etc/default/embedstream\n", text)
            self.assertRegex(text, r"\nExecStart=/usr/bin/embedstream (serve|api) \$EMBEDSTREAM_\w+_ARGS\n")
            for line in ("DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes",
                         "ProtectHome=yes", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"):
                self.assertIn("\n%s\n" % line, text, unit)
        with open(os.path.join(dest, "usr/lib/systemd/system/embedstream.service")) as f:
            self.assertIn("\nStateDirectory=embedstream\n", f.read())
        make("uninstall", DESTDIR=dest)
        self.assertEqual(files_under(dest), [])

    def test_prefix_usr_local_names_its_own_paths(self):
        dest = self.path("dest")
        make("install", DESTDIR=dest, PREFIX="/usr/local")
        self.assertIn("usr/local/etc/default/embedstream", files_under(dest))
        with open(os.path.join(dest, "usr/local/lib/systemd/system/embedstream.service")) as f:
            text = f.read()
        self.assertIn("\nExecStart=/usr/local/bin/embedstream serve ", text)
        self.assertIn("\nEnvironmentFile=-/usr/local/etc/default/embedstream\n", text)
        make("uninstall", DESTDIR=dest)
        self.assertEqual(files_under(dest), [])

    def test_edited_settings_survive_install_and_uninstall(self):
        dest = self.path("dest")
        make("install", DESTDIR=dest, PREFIX="/usr")
        settings = os.path.join(dest, "etc/default/embedstream")
        with open(settings, "a") as f:
            f.write("EMBEDSTREAM_LISTEN=0.0.0.0:50052\n")
        out = make("install", DESTDIR=dest, PREFIX="/usr").stdout
        self.assertIn("Keeping: " + settings, out)
        make("uninstall", DESTDIR=dest)
        self.assertEqual(files_under(dest), ["etc/default/embedstream"])
        with open(settings) as f:
            self.assertTrue(f.read().endswith("EMBEDSTREAM_LISTEN=0.0.0.0:50052\n"))


class Manifest(Tmp):
    def test_the_tests_keep_the_manifest_of_a_real_install(self):
        """Regression: the tests' own installs replaced the manifest a real `make install` had
        written, so a later `make uninstall` removed temporary paths and left the real files."""
        real = "/usr/local/bin/embedstream\n/usr/local/share/man/man1/embedstream.1\n"
        with open(MANIFEST, "w") as f:
            f.write(real)
        sh(sys.executable, os.path.abspath(__file__), "InstallTree.test_prefix_usr_local_names_its_own_paths")
        with open(MANIFEST) as f:
            self.assertEqual(f.read(), real)


class Settings(Tmp):
    """/etc/default/embedstream: every variable the binary reads, commented, with its default."""

    def test_every_variable_commented_with_its_default(self):
        dest = self.path("dest")
        make("install", DESTDIR=dest, PREFIX="/usr")
        with open(os.path.join(dest, "etc/default/embedstream")) as f:
            lines = f.read().splitlines()
        self.assertEqual([l for l in lines if l.strip() and not l.startswith("#")], [], "something set")
        shown = dict(re.match(r"^#(EMBEDSTREAM_\w+)=(.*)$", l).groups() for l in lines
                     if re.match(r"^#EMBEDSTREAM_\w+=", l))
        units = ""
        for unit in UNITS:
            with open(os.path.join(dest, "usr/lib/systemd/system", unit)) as f:
                units += f.read()
        for name, default in env_defaults().items():
            with self.subTest(variable=name):
                self.assertIn(name, shown)
                m = re.search(r"\nEnvironment=%s=(.*)\n" % name, units)  # the unit's own default wins
                want = m.group(1).replace("%S", "/var/lib") if m else default
                if want is not None:
                    self.assertEqual(shown[name], want)
        for name in shown:  # and nothing the binary or the units do not read
            self.assertTrue(name in env_defaults() or "$" + name in units, name)


class ManPage(Case):
    TOOLS = ("man", "groff", "lexgrog")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.page = os.path.join(h.BUILD_DIR, "packaging", "embedstream.1")
        cls.text, cls.warnings = render_man(cls.page)
        cls.flat = " ".join(cls.text.split())

    def test_renders_without_warnings(self):
        self.assertEqual(self.warnings, "")
        self.assertEqual(sh("groff", "-ww", "-z", "-man", self.page).stderr, "")
        self.assertRegex(sh("lexgrog", self.page).stdout, r': "embedstream - \w')

    def test_every_command_and_option(self):
        cmds = commands()
        self.assertGreaterEqual(len(cmds), 6)
        sections = re.split(r"\n   (?=embedstream [a-z]+ )", "\n" + self.text.split("\nCOMMANDS\n", 1)[1])
        by_cmd = {s.split()[1]: " ".join(s.split()) for s in sections[1:]}
        for cmd in cmds:
            with self.subTest(command=cmd):
                self.assertIn(cmd, by_cmd, "no subsection")
                usage = help_text("help", cmd).splitlines()[0][len("usage: "):]
                self.assertTrue(by_cmd[cmd].startswith(" ".join(usage.split())), usage)
                for short, long, _ in options(cmd):
                    self.assertIn("--" + long, by_cmd[cmd])
                    if short:
                        self.assertIn("-%s, --%s" % (short, long), by_cmd[cmd])
                for example in help_text("help", cmd).split("\nExamples:\n")[1].split("\n\n")[0].splitlines():
                    self.assertIn(" ".join(example.split()), by_cmd[cmd])

    def test_environment_and_exit_status(self):
        env = self.text.split("\nENVIRONMENT\n", 1)[1]
        for name in env_defaults():
            self.assertRegex(env, r"(?m)^ +%s$" % name)
        self.assertIn("ES_LOG_LEVEL", env)
        status = " ".join(self.text.split("\nEXIT STATUS\n", 1)[1].split("\nENVIRONMENT\n")[0].split())
        for cmd in commands():
            codes = re.search(r"Exit codes: (.*?\.)(?:\n\n|\n?$)", help_text("help", cmd), re.S).group(1)
            self.assertIn("%s %s" % (cmd, " ".join(codes.split())), status)


class Completion(Tmp):
    TOOLS = ("bash",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.script = os.path.join(h.BUILD_DIR, "packaging", "embedstream.bash")

    def complete(self, *words, cwd=None):
        """COMPREPLY for the words typed so far (the last one is being completed), the way bash
        calls the function `complete -F` registered: COMP_WORDS, COMP_CWORD, then (cmd, cur, prev)."""
        prog = r'''source "$1"; shift
spec=$(complete -p embedstream) || exit 3
fn=$(sed -n 's/.* -F \([^ ]*\) .*/\1/p' <<<"$spec")
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
"$fn" embedstream "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"'''
        p = sh("bash", "--norc", "--noprofile", "-c", prog, "bash", self.script, "embedstream", *words,
               cwd=cwd or self.tmp)
        self.assertEqual(p.stderr, "")
        return [l for l in p.stdout.splitlines() if l]

    def test_sources_cleanly(self):
        p = sh("bash", "--norc", "--noprofile", "-c", 'source "$1" && complete -p embedstream', "bash", self.script)
        self.assertEqual(p.stderr, "")
        self.assertRegex(p.stdout, r"^complete -F \w+ embedstream\n$")

    def test_subcommands(self):
        self.assertEqual(self.complete("ing"), ["ingest"])
        self.assertEqual(sorted(self.complete("")), sorted(commands() + ["help"]))
        self.assertEqual(sorted(self.complete("help", "")), sorted(commands()))
        self.assertEqual(self.complete("-"), ["-h", "--help", "-V", "--version"])
        self.assertEqual(self.complete("nosuchcommand", "--"), [])

    def test_every_option_of_every_command(self):
        for cmd in commands():
            with self.subTest(command=cmd):
                want = sorted("--" + l for _, l, _ in options(cmd))
                self.assertEqual(sorted(self.complete(cmd, "--")), want)
                want_short = sorted("-" + s for s, _, _ in options(cmd) if s)
                self.assertEqual(sorted(w for w in self.complete(cmd, "-") if not w.startswith("--")), want_short)
        self.assertEqual(self.complete("ingest", "--do"), ["--domain"])

    def test_domains(self):
        domains = ["recruit", "candidate", "skill_embedding_dic"]
        for words in (("ingest", "-d", ""), ("ingest", "--domain", ""), ("generate", "-d", ""),
                      ("inspect", "--file", "x.csv", "--domain", ""), ("ingest", "--domain", "=", "")):
            self.assertEqual(self.complete(*words), domains, words)
        self.assertEqual(self.complete("ingest", "--domain", "=", "ca"), ["candidate"])
        self.assertEqual(self.complete("ingest", "-d", "s"), ["skill_embedding_dic"])

    def test_data_files_and_folders(self):
        names = ["a" + e for e in DATA_EXTENSIONS] + ["UPPER.CSV", "notes.txt", "with space.jsonl", "star*.pkl"]
        for n in names:
            open(self.path(n), "w").close()
        os.mkdir(self.path("sub dir"))
        want = sorted(n for n in names if n.lower().endswith(DATA_EXTENSIONS)) + ["sub dir"]
        for words in (("ingest", "-f", ""), ("ingest", "--file", ""), ("inspect", "-d", "recruit", "-f", "")):
            self.assertEqual(sorted(self.complete(*words)), sorted(want), words)
        self.assertEqual(self.complete("ingest", "-f", "with"), ["with space.jsonl"])
        self.assertIn("notes.txt", self.complete("generate", "-o", ""))  # an output: any name
        self.assertEqual(self.complete("api", "--data-dir", ""), ["sub dir"])

    def test_values_without_completion_and_flags(self):
        self.assertEqual(self.complete("ingest", "--server", ""), [])
        self.assertEqual(self.complete("ingest", "--chunk-size", ""), ["auto"])
        self.assertIn("sqlite:", self.complete("serve", "--store", ""))
        # after a flag or a value, options again
        self.assertIn("--limit", self.complete("inspect", "--count", "--"))
        self.assertIn("--file", self.complete("ingest", "--dim", "384", "--"))


class Systemd(Tmp):
    TOOLS = ("systemd-analyze",)

    def test_units_verify(self):
        tool = "systemd-analyze"
        # Installed under a real prefix (no DESTDIR) so that ExecStart= names an existing binary.
        prefix = self.path("usr")
        sh("cmake", "--install", h.BUILD_DIR, "--prefix", prefix)
        units = [os.path.join(prefix, "lib/systemd/system", u) for u in UNITS]
        env = dict(os.environ, MANPATH=os.path.join(prefix, "share/man"))  # Documentation=man:embedstream(1)
        p = sh(tool, "verify", *units, env=env, check=False)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))
        # The same check sees a broken unit (so the pass above means something).
        broken = self.path("embedstream-broken.service")
        with open(units[0]) as f, open(broken, "w") as g:
            g.write(f.read().replace("/bin/embedstream ", "/bin/no-such-embedstream "))
        p = sh(tool, "verify", broken, env=env, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no-such-embedstream", p.stderr)


class Deb(Tmp):
    TOOLS = ("make", "dpkg-deb", "dpkg-architecture", "readelf", "ldd")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        make("deb")
        version = help_text("--version").split()[1]
        arch = sh("dpkg", "--print-architecture").stdout.strip()
        cls.deb = os.path.join(h.BUILD_DIR, "embedstream_%s_%s.deb" % (version, arch))
        cls.version = version
        cls.multiarch = sh("dpkg-architecture", "-qDEB_HOST_MULTIARCH").stdout.strip()

    def field(self, name):
        return sh("dpkg-deb", "-f", self.deb, name).stdout.strip()

    def test_control(self):
        info = sh("dpkg-deb", "-I", self.deb).stdout
        self.assertIn(" Package: embedstream\n", info)
        self.assertEqual(self.field("Version"), self.version)
        ctrl = self.path("ctrl")
        sh("dpkg-deb", "-e", self.deb, ctrl)
        with open(os.path.join(ctrl, "conffiles")) as f:
            self.assertEqual(f.read(), "/etc/default/embedstream\n")

    def test_depends_on_the_packages_of_the_linked_libraries(self):
        depends = {d.split()[0] for d in self.field("Depends").split(", ")}
        self.assertIn("libgrpc29", depends)
        # Each library the binary names (DT_NEEDED), resolved by ldd, and its package by dpkg -S:
        # an independent route to what dpkg-shlibdeps computed.
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.*)\]", sh("readelf", "-d", h.BIN).stdout)
        resolved = dict(re.findall(r"(?m)^\s+(\S+) => (\S+)", sh("ldd", h.BIN).stdout))
        self.assertTrue(needed)
        for lib in needed:
            with self.subTest(library=lib):
                real = os.path.realpath(resolved[lib])
                owner = None
                # dpkg knows a file by the path its package ships; with merged /usr, ldd may say
                # /usr/lib/... for what dpkg lists as /lib/... or the other way round.
                libdirs = [os.path.join(d, self.multiarch) for d in ("/lib", "/usr/lib")]
                for cand in {resolved[lib], real} | {os.path.join(d, os.path.basename(p)) for d in libdirs
                                                     for p in (resolved[lib], real)}:
                    p = sh("dpkg", "-S", cand, check=False)
                    if p.returncode == 0:
                        owner = p.stdout.split(":")[0]
                        break
                self.assertIsNotNone(owner, "no package owns " + real)
                self.assertIn(owner, depends)

    def test_extracted_binary_runs(self):
        root = self.path("root")
        sh("dpkg-deb", "-x", self.deb, root)
        want = ["etc/default/embedstream", "lib/systemd/system/embedstream-api.service",
                "lib/systemd/system/embedstream.service", "usr/bin/embedstream",
                "usr/share/bash-completion/completions/embedstream",
                "usr/share/doc/embedstream/changelog.gz", "usr/share/doc/embedstream/copyright",
                "usr/share/man/man1/embedstream.1.gz"]
        self.assertEqual(files_under(root), want)
        binary = os.path.join(root, "usr/bin/embedstream")
        self.assertNotIn("not found", sh("ldd", binary).stdout)
        self.assertNotIn(".debug_info", sh("readelf", "-S", binary).stdout, "not stripped")
        self.assertEqual(sh(binary, "--version").stdout, "embedstream %s\n" % self.version)
        self.assertIn("Commands:", sh(binary, "--help").stdout)
        self.assertIn("--domain", sh(binary, "help", "ingest").stdout)
        with gzip.open(os.path.join(root, "usr/share/man/man1/embedstream.1.gz")) as f:
            self.assertIn(b".SH ENVIRONMENT", f.read())
        with gzip.open(os.path.join(root, "usr/share/doc/embedstream/changelog.gz"), "rt") as f:
            self.assertTrue(f.readline().startswith("embedstream (%s) " % self.version))

    def test_lintian_reports_no_error(self):
        if not shutil.which("lintian"):
            self.skipTest("lintian not installed")
        p = sh("lintian", "--fail-on", "error", "-I", self.deb, check=False)
        print(p.stdout, end="", file=sys.stderr)  # warnings and notes stay visible in the log
        self.assertEqual([l for l in p.stdout.splitlines() if l.startswith("E:")], [])
        self.assertEqual(p.returncode, 0, p.stderr)  # 2: an error tag, 1: lintian itself failed


if __name__ == "__main__":
    h.main()
