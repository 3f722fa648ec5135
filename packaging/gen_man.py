# gen_man.py - writes embedstream.1 with help2man, every command's --help in it (an include file
# made from `embedstream help CMD` for each command `embedstream --help` lists).
"""usage: gen_man.py BINARY OUT.1 [CHANGELOG]

help2man frames the page (title, NAME, version); the include file it is given replaces its
SYNOPSIS, DESCRIPTION and OPTIONS (help2man cannot read our lower-case "usage:" lines, and the
top-level Environment list would land under OPTIONS) and adds COMMANDS, EXIT STATUS and
ENVIRONMENT. The page's date is the newest packaging/changelog entry's (SOURCE_DATE_EPOCH, which
help2man honours), so the same tree always makes the same page."""

import email.utils
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helptext  # noqa: E402

OPTION_TOKEN = re.compile(r"(?<![\w-])--?[A-Za-z0-9][\w-]*")
NOTE = re.compile(r"\s*\((?:default (?P<default>.*?); )?environment: [A-Z0-9_]+\)$")


def esc(text):
    """Text for a filled roff line: backslashes escaped, options with real minus signs (so they
    can be copied from the page), a leading . or ' defused."""
    text = text.replace("\\", "\\e")
    text = OPTION_TOKEN.sub(lambda m: m.group(0).replace("-", "\\-"), text)
    return "\\&" + text if text.startswith((".", "'")) else text


def esc_verbatim(line):
    """A line of a command or a table shown as is: every '-' a minus sign."""
    line = line.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + line if line.startswith((".", "'")) else line


def paragraphs(lines):
    """Help text lines as roff: blank lines start paragraphs, indented lines stay verbatim."""
    out, verbatim = [], False
    for line in lines:
        indented = line.startswith("  ")
        if indented != verbatim:
            out.append(".nf" if indented else ".fi")
            verbatim = indented
        if not line.strip():
            out.append(".PP")
        else:
            out.append(esc_verbatim(line) if indented else esc(line))
    if verbatim:
        out.append(".fi")
    return out


def option_head(o):
    names = ", ".join("\\fB%s\\fR" % n.replace("-", "\\-") for n in o.names)
    return names + (" \\fI%s\\fR" % esc(o.arg) if o.arg else "")


def options(opts):
    out = []
    for o in opts:
        out += [".TP", option_head(o)] + [esc(l) for l in o.help_lines]
    return out


def exit_codes(cmd):
    """Splits a command's footer into its "Exit codes: ..." paragraph and the rest."""
    text = " ".join(cmd.footer)
    m = re.match(r"^Exit codes: (.*?)(?:$|(?<=\.) (?=[A-Z]))", text)
    if not m:
        raise helptext.HelpError("embedstream help %s: the help does not end with 'Exit codes: ...'" % cmd.name)
    return m.group(1), text[m.end():].strip()


def synopsis(h):
    out = []
    for usage in h.usage + [c.usage for c in h.commands]:
        words = usage.split(" ", 1)
        out += [".br", ".B " + words[0]] + ([esc(words[1])] if len(words) > 1 else [])
    return out[1:]


def description(h):
    out = paragraphs(h.description) + [".PP", "Commands (each described under \\fBCOMMANDS\\fR):"]
    for c in h.commands:
        out += [".TP", ".B " + c.name, esc(c.summary)]
    return out + [".PP"] + paragraphs(h.notes)


def commands(h):
    out = []
    for c in h.commands:
        out += ['.SS "%s"' % esc(c.usage).replace('"', '\\(dq')]
        out += paragraphs(c.description) + [".PP", "Options:"] + options(c.options)
        if c.examples:
            out += [".PP", "Examples:", ".RS", ".nf"] + [esc_verbatim(l) for l in c.examples] + [".fi", ".RE"]
        rest = exit_codes(c)[1]
        if rest:
            out += [".PP", esc(rest)]
    return out


def environment(h):
    out = []
    for name, uses, text in helptext.environment(h):
        out += [".TP", ".B " + name]
        if uses is None:
            out.append(esc(text))
            continue
        lines = {}  # "--store: what it is" -> the commands that have it so
        for cmd, o in uses:
            m = NOTE.search(" ".join(o.help_lines))
            desc = " ".join(o.help_lines)[:m.start()]
            if m.group("default"):
                desc += " (default %s)" % m.group("default")
            lines.setdefault((o.long, desc), []).append(cmd)
        lines = ["\\fB%s \\-\\-%s\\fR: %s" % (", ".join(cmds), opt.replace("-", "\\-"), esc(desc))
                 for (opt, desc), cmds in lines.items()]
        out += "\n.br\n".join(lines).split("\n")
    return out + [".PP", "An option given on the command line wins over its variable."]


def exit_status(h):
    out = []
    for c in h.commands:
        out += [".TP", ".B " + c.name, esc(exit_codes(c)[0])]
    return out


def include(h):
    # .nh: no hyphenation, which would split names like IngestDataStream and option names.
    sections = [("SYNOPSIS", [".nh"] + synopsis(h)), ("=DESCRIPTION", description(h)),
                ("=OPTIONS", options(h.options)), ("COMMANDS", commands(h)),
                ("EXIT STATUS", exit_status(h)), ("=ENVIRONMENT", environment(h))]
    return "".join("[%s]\n%s\n\n" % (name, "\n".join(body)) for name, body in sections)


def changelog_epoch(path):
    """The date of the newest entry of a Debian changelog, as seconds since the epoch."""
    with open(path) as f:
        for line in f:
            if line.startswith(" -- "):
                return str(int(email.utils.parsedate_to_datetime(line.split(">", 1)[1].strip()).timestamp()))
    raise helptext.HelpError("%s: no trailer line" % path)


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit(__doc__)
    binary, out = os.path.abspath(argv[1]), argv[2]
    h = helptext.parse(binary)
    env = dict(os.environ)
    if len(argv) == 4 and "SOURCE_DATE_EPOCH" not in env:
        env["SOURCE_DATE_EPOCH"] = changelog_epoch(argv[3])
    # NAME: the first sentence of the description, lower case, without its parentheses.
    name = re.sub(r" \([^)]*\)", "", " ".join(h.description)).split(". ")[0].rstrip(".")
    name = name[0].lower() + name[1:]
    with tempfile.NamedTemporaryFile("w", suffix=".h2m") as inc:
        inc.write(include(h))
        inc.flush()
        subprocess.run(["help2man", "--no-info", "--section=1", "--name=" + name, "--include=" + inc.name,
                        "--output=" + out + ".tmp", binary], env=env, check=True)
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except helptext.HelpError as e:
        sys.exit("gen_man.py: %s" % e)
