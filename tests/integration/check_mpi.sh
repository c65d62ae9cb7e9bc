#!/bin/sh
# check_mpi.sh: mpirun -n 2 spreads a sweep's and a regression suite's runs over two ranks, and both ranks play
# some; every file of the output folders is the same, byte for byte, as the threads of one process give. A run that
# fails is told with its point and seed, and the others are played and written, the same bytes either way. Usage
# errors of mpirun-only misuse. Environment: RT_TOOLS_DIR, RT_SOURCE_DIR, RT_MPIEXEC (empty: CMake found no MPI).
set -u
tools=$RT_TOOLS_DIR
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
if [ -z "${RT_MPIEXEC:-}" ] || [ ! -x "$RT_MPIEXEC" ]; then
    msg="Open MPI not found (install openmpi-bin libopenmpi-dev): CMake found no MPI; configure the build again"
    [ "${CI:-}" = true ] && fail "$msg"
    echo "SKIP: $msg"
    exit 77
fi
mpirun="$RT_MPIEXEC -n 2 --oversubscribe"
[ "$(id -u)" = 0 ] && mpirun="$mpirun --allow-run-as-root"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/robotaxi-mpi-XXXXXX") || fail "no temporary folder"
trap 'rm -rf "$tmp"' EXIT INT TERM

# 1. A sweep of 3 points x 2 replications, its plots and report included.
small="--set demand.trips_per_day=4000 --set human.drivers=200"
sweep="--sweep robotaxi.fleet_size=0,20,40 --replications 2"
"$tools/robotaxi-sim" -q $sweep $small --jobs 2 -o "$tmp/threads" >/dev/null 2>"$tmp/threads.err" ||
    fail "threaded sweep: $(cat "$tmp/threads.err")"
$mpirun "$tools/robotaxi-sim" $sweep $small --jobs 1 -o "$tmp/ranks" >"$tmp/ranks.out" 2>"$tmp/ranks.err" ||
    fail "sweep under mpirun: $(cat "$tmp/ranks.err")"
grep -q "on 2 MPI ranks x 1 threads" "$tmp/ranks.err" || fail "the sweep did not run on 2 ranks: $(cat "$tmp/ranks.err")"
line=$(grep "runs played by rank:" "$tmp/ranks.err") || fail "no runs by rank: $(cat "$tmp/ranks.err")"
case $line in *": 0, "* | *", 0") fail "a rank played no run: $line" ;; esac
for f in sweep.csv sweep_points.csv report.html; do
    [ -s "$tmp/ranks/$f" ] || fail "mpirun's sweep wrote no $f"
done
diff -r "$tmp/threads" "$tmp/ranks" >"$tmp/diff" || fail "the sweep's files differ between threads and ranks:
$(head -20 "$tmp/diff")"
# one summary line, from rank 0 alone
[ "$(grep -c '^sweep: 6 runs' "$tmp/ranks.out")" = 1 ] || fail "stdout: $(cat "$tmp/ranks.out")"

# 2. A regression suite: two scenarios x two policies, regress.csv, the runs and the chart.
regress="--suite $RT_SOURCE_DIR/tests/policies --scenario weekday --scenario ev-weekday --policy nearest
    --policy charge-early"
"$tools/robotaxi-regress" $regress --jobs 2 -o "$tmp/rthreads" >"$tmp/rthreads.out" 2>"$tmp/rthreads.err" ||
    fail "threaded suite: $(cat "$tmp/rthreads.err")"
$mpirun "$tools/robotaxi-regress" $regress --jobs 1 -o "$tmp/rranks" >"$tmp/rranks.out" 2>"$tmp/rranks.err" ||
    fail "suite under mpirun: $(cat "$tmp/rranks.err")"
line=$(grep "runs played by rank:" "$tmp/rranks.err") || fail "no runs by rank: $(cat "$tmp/rranks.err")"
case $line in *": 0, "* | *", 0") fail "a rank played no run: $line" ;; esac
[ -s "$tmp/rranks/regress.csv" ] || fail "mpirun's suite wrote no regress.csv"
diff -r "$tmp/rthreads" "$tmp/rranks" >"$tmp/diff" || fail "the suite's files differ between threads and ranks:
$(head -20 "$tmp/diff")"
grep -q "^weekday (seed 42)" "$tmp/rranks.out" || fail "no table from rank 0: $(cat "$tmp/rranks.out")"

# 3. A run that fails (a depots file of 10 robotaxis for a fleet of 20): told with its point and seed, the others go
# on, sweep.csv holds them, exit 1; the same bytes on threads and ranks.
printf 'lon,lat,vehicles\n114.30,30.59,10\n' >"$tmp/depots.csv"
bad="--no-plots --sweep robotaxi.fleet_size=10,20,10 --set robotaxi.depot_file=$tmp/depots.csv $small"
"$tools/robotaxi-sim" $bad --jobs 2 -o "$tmp/fthreads" >/dev/null 2>"$tmp/fthreads.err"
[ $? = 1 ] || fail "a failed run: threads exit $?"
$mpirun "$tools/robotaxi-sim" $bad --jobs 1 -o "$tmp/franks" >/dev/null 2>"$tmp/franks.err"
[ $? != 0 ] || fail "a failed run under mpirun exited 0"
for e in fthreads franks; do
    grep -q "run 1 (robotaxi.fleet_size=20; seed 42) failed: .*depots.csv: the depots hold 10 vehicles, robotaxi.fleet_size is 20.*; the other runs go on" "$tmp/$e.err" ||
        fail "$e: the failure is not told: $(cat "$tmp/$e.err")"
    [ "$(wc -l <"$tmp/$e/sweep.csv")" = 3 ] || fail "$e: sweep.csv: $(cat "$tmp/$e/sweep.csv")"
done
diff -r "$tmp/fthreads" "$tmp/franks" >"$tmp/diff" || fail "a sweep with a failed run differs:
$(head -20 "$tmp/diff")"

# 4. Under mpirun only a sweep is spread: one day, and merge, are refused (2) rather than played by every rank.
$mpirun "$tools/robotaxi-sim" -q $small -o "$tmp/day" >/dev/null 2>"$tmp/day.err"
[ $? != 0 ] || fail "one day under mpirun was played"
grep -q "2 MPI ranks: only a --sweep spreads its runs over ranks" "$tmp/day.err" || fail "day: $(cat "$tmp/day.err")"
[ ! -e "$tmp/day" ] || fail "one day under mpirun wrote $tmp/day"
echo "ok: sweep, suite and a failed run alike on 2 ranks and on threads; one day refused"
