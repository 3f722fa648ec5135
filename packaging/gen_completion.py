# gen_completion.py - writes embedstream's bash completion from its --help texts: subcommands,
# each one's options, and what follows an option (domains, data files, folders, store URLs).
"""usage: gen_completion.py BINARY OUT

What an option's value completes to comes from its metavariable in --help (D: the domains listed
in --domain's help; PATH: data files and folders; FILE: any file; DIR: folders; URL: store
schemes; A|b|c: the lower-case words among them); an option with any other metavariable
completes to nothing, so a new option is completed as soon as its help names it. The script
needs bash alone (bash-completion's helpers are not required), so it can be sourced anywhere."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helptext  # noqa: E402

# What the loaders read (src/load); extensions named in a file option's help are added to these.
DATA_EXTENSIONS = ["csv", "jsonl", "ndjson", "pkl", "pickle", "parquet"]
STORE_SCHEMES = ["sqlite:", "postgresql://", "postgres:", "null:"]
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def value_kind(o):
    """How the value of option o completes: a _embedstream_value argument, or None."""
    if o.arg in ("D", "DOMAIN"):
        return "domain"
    if o.arg == "PATH":
        return "data"
    if o.arg in ("FILE", "DIR", "URL"):
        return o.arg.lower()
    words = [w for w in o.arg.split("|") if re.match(r"^[a-z][a-z0-9-]*$", w)]
    return "words " + " ".join(words) if "|" in o.arg and words else None


def data_extensions(h):
    found = list(DATA_EXTENSIONS)
    for c in h.commands:
        for o in c.options:
            if o.arg == "PATH":
                found += [e for e in re.findall(r"(?<![\w.])\.([a-z][a-z0-9]*)\b", " ".join(o.help_lines))
                          if e not in found]
    return found


def check_name(name, what):
    if not NAME.match(name):  # the names go into shell code unquoted
        raise helptext.HelpError("%s %r is not a plain name" % (what, name))
    return name


def case_options(h):
    """The case arms of _embedstream_options: each command's option names."""
    arms = []
    for c in h.commands:
        names = [n for o in c.options for n in o.names]
        for n in names:
            check_name(n.lstrip("-"), "option")
        arms.append("    %s) echo '%s' ;;" % (check_name(c.name, "command"), " ".join(names)))
    return "\n".join(arms)


def case_values(h):
    """The case arms of _embedstream_kind: "COMMAND OPTION" -> what its value completes to;
    "flag" for options without a value, nothing for a value we cannot guess."""
    arms = []
    for c in h.commands:
        for o in c.options:
            kind = "flag" if o.arg is None else value_kind(o)
            pattern = "|".join("'%s %s'" % (c.name, n) for n in o.names)
            arms.append("    %s) echo '%s' ;;" % (pattern, kind or "value"))
    return "\n".join(arms)


TEMPLATE = r"""# bash completion for embedstream                             -*- shell-script -*-
# Generated from `embedstream --help` and `embedstream help CMD` by packaging/gen_completion.py
# (@VERSION@); edit the help texts or the generator, not this file.

_embedstream_options() {
  case $1 in
@OPTIONS@
  esac
}

# What the value of option $2 of command $1 completes to: flag (takes none), value (anything),
# domain, data, file, dir, url, or "words W...".
_embedstream_kind() {
  case "$1 $2" in
@KINDS@
    *) echo unknown ;;
  esac
}

# Files ending in one of the data extensions (in any case, as the loaders take them), and
# folders to walk into. mapfile keeps names with blanks or glob characters whole.
_embedstream_datafiles() {
  local f
  local -a found
  compopt -o filenames 2>/dev/null
  mapfile -t COMPREPLY < <(compgen -d -- "$1")
  mapfile -t found < <(compgen -f -- "$1")
  for f in "${found[@]}"; do
    [[ -d $f ]] && continue
    case ${f,,} in
      @EXT_PATTERN@) COMPREPLY+=("$f") ;;
    esac
  done
}

# COMPREPLY: the words of $1 that start with $2.
_embedstream_words() {
  mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

# COMPREPLY for the value $2 (the word so far) of an option of kind $1.
_embedstream_value() {
  case $1 in
    domain) _embedstream_words '@DOMAINS@' "$2" ;;
    data) _embedstream_datafiles "$2" ;;
    file) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$2") ;;
    dir) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$2") ;;
    url) compopt -o nospace 2>/dev/null; _embedstream_words '@SCHEMES@' "$2" ;;
    words\ *) _embedstream_words "${1#words }" "$2" ;;
  esac
}

_embedstream() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd=${COMP_WORDS[1]} kind
  local IFS=$' \t\n'
  COMPREPLY=()
  if ((COMP_CWORD == 1)); then
    if [[ $cur == -* ]]; then
      _embedstream_words '@TOP_OPTIONS@' "$cur"
    else
      _embedstream_words '@COMMANDS@ help' "$cur"
    fi
    return
  fi
  if [[ $cmd == help ]]; then
    ((COMP_CWORD == 2)) && _embedstream_words '@COMMANDS@' "$cur"
    return
  fi
  [[ -n $(_embedstream_options "$cmd") ]] || return
  # --name=value: bash splits the word at '=' when '=' is in COMP_WORDBREAKS (the default).
  if [[ $cur == = && $prev == --* ]]; then
    cur=
  elif [[ $prev == = && $COMP_CWORD -ge 3 ]]; then
    prev=${COMP_WORDS[COMP_CWORD-2]}
  elif [[ $cur == --*=* ]]; then
    prev=${cur%%=*} cur=${cur#*=}
    kind=$(_embedstream_kind "$cmd" "$prev")
    _embedstream_value "$kind" "$cur"
    COMPREPLY=("${COMPREPLY[@]/#/$prev=}")
    return
  fi
  if [[ $prev == -* ]]; then
    kind=$(_embedstream_kind "$cmd" "$prev")
    if [[ $kind != flag && $kind != unknown ]]; then
      _embedstream_value "$kind" "$cur"
      return
    fi
  fi
  _embedstream_words "$(_embedstream_options "$cmd")" "$cur"
} &&
  complete -F _embedstream embedstream
"""


def script(h):
    exts = data_extensions(h)
    for e in exts:
        check_name(e, "extension")
    subs = {
        "@VERSION@": h.version,
        "@OPTIONS@": case_options(h),
        "@KINDS@": case_values(h),
        "@EXT_PATTERN@": "|".join("*." + e for e in exts),
        "@DOMAINS@": " ".join(check_name(d, "domain") for d in helptext.domains(h)),
        "@SCHEMES@": " ".join(STORE_SCHEMES),
        "@TOP_OPTIONS@": " ".join(n for o in h.options for n in o.names),
        "@COMMANDS@": " ".join(c.name for c in h.commands),
    }
    text = TEMPLATE
    for k, v in subs.items():
        text = text.replace(k, v)
    return text


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    text = script(helptext.parse(os.path.abspath(argv[1])))
    with open(argv[2] + ".tmp", "w") as f:
        f.write(text)
    os.replace(argv[2] + ".tmp", argv[2])


if __name__ == "__main__":
    try:
        main(sys.argv)
    except helptext.HelpError as e:
        sys.exit("gen_completion.py: %s" % e)
