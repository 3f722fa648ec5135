#!/bin/sh
# format.sh - formats the C sources git tracks with .clang-format; --check only says which differ.
# Usage: scripts/format.sh [--check]. Exit 0: formatted (or, with --check, nothing differs);
# 1: --check found files that differ (listed); 77: clang-format is not installed (a skip for ctest).
set -u
cd "$(dirname "$0")/.." || exit 1
command -v clang-format >/dev/null 2>&1 || {
  echo "skipped: clang-format is not installed (scripts/install-deps.sh installs it)" >&2
  exit 77
}
files=$(git ls-files '*.c' '*.h' '*.cc' 2>/dev/null)
[ -n "$files" ] || { echo "no C sources found (not a git checkout?)" >&2; exit 1; }
if [ "${1:-}" != "--check" ]; then
  # shellcheck disable=SC2086 # one word per file; the tree has no blanks in its paths
  exec clang-format -i $files
fi
bad=0
for f in $files; do
  if ! clang-format "$f" | cmp -s - "$f"; then
    echo "not formatted: $f (scripts/format.sh fixes it)" >&2
    bad=1
  fi
done
exit $bad
