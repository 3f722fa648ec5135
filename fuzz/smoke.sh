#!/bin/sh
# smoke.sh - one fuzz target's smoke run for `make test` (ctest -L fuzz): seeds, then SECONDS of fuzzing.
# Usage: sh fuzz/smoke.sh BIN SEEDS_SCRIPT WORKDIR SECONDS [DICT]
# Exits 0 when the target ran SECONDS without a finding; otherwise 1, after saying on stderr which
# target failed, how, and where the input that shows it is (replay: BIN FILE). Findings are
# copied to WORKDIR/../findings/, which later runs keep; WORKDIR itself starts fresh each run.
set -u
bin=$1 script=$2 work=$3 secs=$4 dict=${5:-}
name=$(basename "$bin")
py=${ES_PYTHON:-/usr/bin/python3}

fail() {
  echo "FUZZ SMOKE FAILED: $name: $*" >&2
  exit 1
}

# A fresh work dir each run: the seeds are regenerated (deterministic) and what libFuzzer adds
# to its corpus is not carried from one run to the next, so a run depends on the tree alone.
rm -rf "$work"
mkdir -p "$work/seeds" "$work/corpus" "$work/findings" || fail "cannot create $work"
# shellcheck disable=SC2086 # ES_FUZZ_SEED_ARGS is a word list (es_fuzz_target's SEED_ARGS)
"$py" "$script" "$work/seeds" ${ES_FUZZ_SEED_ARGS:-} >"$work/seeds.log" 2>&1 || {
  cat "$work/seeds.log" >&2
  fail "the seed script $script failed"
}
[ -n "$(ls "$work/seeds")" ] || fail "the seed script $script wrote no seeds"

set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/findings/"
[ -n "$dict" ] && set -- "$@" -dict="$dict"
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  nice -n 10 "$bin" "$@" "$work/corpus" "$work/seeds" >"$work/fuzz.log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
found=$(ls "$work/findings")
if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
  tail -n 80 "$work/fuzz.log" >&2
  keep=$(dirname "$work")/findings
  mkdir -p "$keep"
  for f in $found; do
    cp "$work/findings/$f" "$keep/$name-$f"
    echo "finding: $keep/$name-$f  (replay: $bin $keep/$name-$f)" >&2
  done
  fail "exit $rc after ${runs:-?} runs; log: $work/fuzz.log"
fi
[ -n "$runs" ] || fail "no run statistics in $work/fuzz.log (did the target start?)"
echo "$name: ${runs} runs in ${secs} s, no crash, leak, timeout or sanitizer report"
