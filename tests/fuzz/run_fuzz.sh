#!/bin/sh
# run_fuzz.sh DRIVER SEEDS WORK RUNS SECONDS: one bounded libFuzzer run, as each fuzz ctest makes it. New inputs go to
# WORK/corpus (emptied first: every run starts from the committed seeds alone, with a fixed seed, so a failure
# reproduces), never into SEEDS; a crash, leak or timeout is written to WORK/ as crash-*, leak-* or timeout-* and
# fails the test. RUNS inputs at most, SECONDS at most (a cap for slow machines: reaching it still passes).
set -eu
[ $# -eq 5 ] || { echo "usage: run_fuzz.sh DRIVER SEEDS WORK RUNS SECONDS" >&2; exit 2; }
driver=$1 seeds=$2 work=$3 runs=$4 seconds=$5
rm -rf "$work/corpus"
mkdir -p "$work/corpus"
exec "$driver" -seed=1 -runs="$runs" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -malloc_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds"
