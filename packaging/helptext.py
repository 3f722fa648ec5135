# helptext.py - reads `embedstream --help` and every `embedstream help CMD` into one model, for the
# man page and the bash completion generators (so neither can drift from the options).
"""The layout parsed here is the one src/cli/opts_help.c prints (and src/cli/main.c for the top
level): a "usage:" line, description paragraphs, "Options:" with the option in the first 28
columns and its description from column 28 on (or on the next line when the option is wider),
continuation lines indented 28 spaces, a "(default ...; environment: NAME)" note closing the last
line, then "Examples:" (lines indented 2) and a free footer. Anything that does not fit raises
HelpError, so a changed layout breaks the build instead of producing a quietly wrong page."""

import os
import re
import subprocess

# "  -d, --domain D    text" or "      --store URL    text": the text after two spaces or more, or
# (the option being too wide) on the next line, further right.
OPTION_LINE = re.compile(r"^(?P<indent> +)(?:-(?P<short>[A-Za-z0-9]), )?--(?P<long>[a-z0-9][a-z0-9-]*)"
                         r"(?: (?P<arg>\S+))?(?: {2,}(?P<text>\S.*))?$")
ENV_NOTE = re.compile(r"environment: (?P<env>[A-Z][A-Z0-9_]*)\)$")
HEADINGS = ("Commands", "Options", "Environment", "Examples")  # a line "Options:" starts a section
LIST_ITEM = re.compile(r"^  (?P<name>\S+)(?P<pad> {2,})(?P<text>\S.*)$")


class HelpError(Exception):
    pass


class Option:
    def __init__(self, short, long, arg, help_lines):
        self.short = short  # "d" or None
        self.long = long  # "domain"
        self.arg = arg  # "D", "HOST:PORT", None for a flag
        self.help_lines = help_lines  # as printed, the default/environment note included
        m = ENV_NOTE.search(help_lines[-1]) if help_lines else None
        self.env = m.group("env") if m else None

    @property
    def names(self):
        return (["-" + self.short] if self.short else []) + ["--" + self.long]


class Command:
    def __init__(self, name, summary):
        self.name, self.summary = name, summary
        self.usage = ""  # what follows "usage: "
        self.description = []  # lines, "" between paragraphs
        self.options = []
        self.examples = []
        self.footer = []  # lines after the examples (exit codes, notes)


class Help:
    def __init__(self):
        self.version = ""
        self.usage = []  # the top-level usage lines, "embedstream" included
        self.description = []
        self.commands = []
        self.options = []  # the top-level ones (-h, -V)
        self.environment = []  # (NAME, text) from the top-level "Environment:" list
        self.notes = []  # the top-level lines after the lists


def run_help(binary, *args):
    """The binary's output for args, with no EMBEDSTREAM_*/ES_* variable that could colour it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMBEDSTREAM_", "ES_"))}
    env["LC_ALL"] = "C"
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0")  # a sanitizer build's --help is not a leak test
    out = subprocess.run([binary] + list(args), env=env, stdout=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    if not out.strip():
        raise HelpError("%s %s printed nothing" % (binary, " ".join(args)))
    return out.splitlines()


def _sections(lines):
    """Splits a help text at its "Name:" heading lines: [(heading or None, lines)]."""
    out, head, cur = [], None, []
    for line in lines:
        m = re.match(r"^(%s):$" % "|".join(HEADINGS), line)
        if m:
            out.append((head, cur))
            head, cur = m.group(1), []
        else:
            cur.append(line)
    out.append((head, cur))
    return out


def _strip_blank(lines):
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def parse_options(lines, where):
    """The option list of a help text; returns (options, the lines after the list)."""
    opts, i = [], 0
    while i < len(lines) and lines[i].strip():
        m = OPTION_LINE.match(lines[i])
        if not m:
            raise HelpError("%s: not an option line: %r" % (where, lines[i]))
        text, i = ([m.group("text")] if m.group("text") else []), i + 1
        col = len(lines[i - 1]) - len(m.group("text") or "")
        if not text:  # too wide: the description starts on the next line, further right
            col = len(lines[i]) - len(lines[i].lstrip()) if i < len(lines) else 0
            if col <= len(m.group("indent")):
                raise HelpError("%s: --%s has no description" % (where, m.group("long")))
        while i < len(lines) and lines[i].startswith(" " * col) and lines[i].strip():
            text.append(lines[i][col:])
            i += 1
        opts.append(Option(m.group("short"), m.group("long"), m.group("arg"), text))
    return opts, _strip_blank(lines[i:])


def _list_items(lines, where):
    """ "  name   text" items with continuation lines indented to the text: [(name, text)]."""
    items, rest, col = [], [], None
    for n, line in enumerate(lines):
        m = LIST_ITEM.match(line)
        if m:
            col = len(line) - len(m.group("text"))
            items.append((m.group("name"), m.group("text")))
        elif items and col and line.startswith(" " * col) and line.strip():
            items[-1] = (items[-1][0], items[-1][1] + " " + line.strip())
        elif not line.strip() and not items:
            continue
        else:
            rest = lines[n:]
            break
    if not items:
        raise HelpError("%s: an empty list" % where)
    return items, _strip_blank(rest)


def parse_command(binary, name, summary):
    cmd = Command(name, summary)
    where = "embedstream help " + name
    secs = _sections(run_help(binary, "help", name))
    head = _strip_blank(secs[0][1])
    prefix = "usage: embedstream %s" % name
    if not head or not head[0].startswith(prefix):
        raise HelpError("%s: no %r line" % (where, prefix))
    cmd.usage = head[0][len("usage: "):]
    cmd.description = _strip_blank(head[1:])
    for heading, lines in secs[1:]:
        if heading == "Options":
            cmd.options, cmd.footer = parse_options(lines, where)
        elif heading == "Examples":
            body = _strip_blank(lines)
            n = next((k for k, l in enumerate(body) if not l.startswith("  ")), len(body))
            cmd.examples = [l[2:] for l in body[:n]]
            cmd.footer = _strip_blank(body[n:])
        else:
            raise HelpError("%s: unknown section %r" % (where, heading))
    if not cmd.options:
        raise HelpError("%s: no options" % where)
    return cmd


def parse(binary):
    """The whole model: the top level, then every command it lists."""
    h = Help()
    h.version = run_help(binary, "--version")[0]
    secs = _sections(run_help(binary, "--help"))
    head = _strip_blank(secs[0][1])
    while head and re.match(r"^(usage: | {7})embedstream ", head[0]):
        h.usage.append(head[0][7:])
        head = head[1:]
    if not h.usage:
        raise HelpError("embedstream --help: no usage line")
    h.description = _strip_blank(head)
    for heading, lines in secs[1:]:
        if heading == "Commands":
            items, rest = _list_items(lines, "Commands")
            h.commands = [parse_command(binary, n, t) for n, t in items]
        elif heading == "Options":
            h.options, rest = parse_options(lines, "embedstream --help")
        elif heading == "Environment":
            h.environment, rest = _list_items(lines, "Environment")
        else:
            raise HelpError("embedstream --help: unknown section %r" % heading)
        h.notes += rest
    if not h.commands:
        raise HelpError("embedstream --help: no commands")
    return h


def domains(h):
    """The domains, from the --domain option's description ("a, b or c", then optionally
    "; " and words about other values such as ingest's auto, which name no domain)."""
    found = None
    for cmd in h.commands:
        for o in cmd.options:
            if o.long == "domain":
                names = re.split(r",\s*|\s+or\s+", " ".join(o.help_lines).split(";")[0].strip())
                if not all(re.match(r"^[a-z][a-z0-9_]*$", n) for n in names):
                    raise HelpError("%s --domain: cannot read the domains from %r" % (cmd.name, o.help_lines))
                if found is not None and names != found:
                    raise HelpError("the commands list different domains: %r, %r" % (found, names))
                found = names
    if not found:
        raise HelpError("no command has a --domain option")
    return found


def environment(h):
    """Every variable the binary reads: [(NAME, [(command, option)] or None, text)], the
    top-level ones (not tied to an option) first."""
    out = [(name, None, text) for name, text in h.environment]
    seen = {}
    for cmd in h.commands:
        for o in cmd.options:
            if o.env:
                if o.env not in seen:
                    seen[o.env] = (o.env, [], o)
                    out.append(seen[o.env])
                seen[o.env][1].append((cmd.name, o))
    return out
