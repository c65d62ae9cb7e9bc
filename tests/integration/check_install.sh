#!/bin/sh
# check_install: the project installed like a Debian tool, as a user meets it. cmake --install puts the build into a
# temporary prefix; from another folder, the installed robotaxi-sim answers --help, plays a small day of an installed
# scenario given by name (-s wuhan-2024) and refuses an unknown name with 66 and where it looked; the man pages,
# robotaxi.proto, the regression suite and the Python subscriber are where the README says.
#   check_install.sh CMAKE BUILD_DIR PYTHON
set -u
cmake=$1 build=$2 python=$3
tmp=$(mktemp -d /tmp/robotaxi-install-XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
failed=0
fail() { echo "check_install: FAIL: $*" >&2; failed=1; }

cd "$tmp" || exit 1   # nothing below may lean on the source or build folder being the working folder
"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; fail "cmake --install failed"; exit 1; }
sim=$prefix/bin/robotaxi-sim
data=$prefix/share/robotaxi

for tool in robotaxi-sim robotaxi-dispatcher robotaxi-watch robotaxi-map robotaxi-bench robotaxi-client \
            robotaxi-regress robotaxi-eventdiff robotaxi-keygen; do
  [ -x "$prefix/bin/$tool" ] || fail "$prefix/bin/$tool not installed"
  [ -s "$prefix/share/man/man1/$tool.1.gz" ] ||
    fail "no man page $prefix/share/man/man1/$tool.1.gz (Debian's help2man makes them at build time)"
done
[ ! -e "$prefix/bin/robotaxi-regress-worse" ] || fail "the test-only robotaxi-regress-worse was installed"
gzip -dc "$prefix/share/man/man1/robotaxi-sim.1.gz" | grep -q 'NAME\.ini' || fail "robotaxi-sim.1 does not document -s NAME"
for f in robotaxi.proto wuhan.ini wuhan-2024.ini monaco.ini live-demo.csv policies/tolerances.csv \
         policies/baselines.csv policies/weekday.ini python/subscribe.py python/robotaxi_pb2.py; do
  [ -s "$data/$f" ] || fail "$data/$f not installed"
done

"$sim" --help >"$tmp/help.txt" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "robotaxi-sim --help exited $rc"
grep -q '^Usage: robotaxi-sim' "$tmp/help.txt" || fail "robotaxi-sim --help printed no usage"

# a tiny day of the installed calibration scenario, by name
"$sim" -s wuhan-2024 --set demand.trips_per_day=2000 --set robotaxi.fleet_size=20 --set human.drivers=200 \
  --out "$tmp/out" -q --no-plots >"$tmp/day.txt" 2>&1; rc=$?
[ $rc -eq 0 ] || { cat "$tmp/day.txt" >&2; fail "robotaxi-sim -s wuhan-2024 exited $rc"; }
[ -s "$tmp/out/summary.json" ] || fail "the day wrote no summary.json"
grep -q '^name = wuhan-2024' "$tmp/out/config.ini" 2>/dev/null || fail "the day played was not the installed wuhan-2024"

# an unknown name: 66 (EX_NOINPUT) and the folders looked in, the installed one first
"$sim" -s wuhan-1999 --out "$tmp/out2" -q --no-plots >"$tmp/unknown.txt" 2>&1; rc=$?
[ $rc -eq 66 ] || fail "robotaxi-sim -s wuhan-1999 exited $rc, not 66"
grep -q "wuhan-1999: no such file, nor wuhan-1999.ini in $prefix/bin/../share/robotaxi" "$tmp/unknown.txt" ||
  { cat "$tmp/unknown.txt" >&2; fail "the unknown name's message does not say where it looked"; }

# outside a checkout the installed robotaxi-regress uses the installed suite (an unknown scenario lists it: exit 2)
"$prefix/bin/robotaxi-regress" --scenario nope -q >"$tmp/regress.txt" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "robotaxi-regress --scenario nope exited $rc, not 2"
grep -q "no scenario of that name in $data/policies\|no scenario of that name in $prefix/bin/../share/robotaxi/policies" \
  "$tmp/regress.txt" || { cat "$tmp/regress.txt" >&2; fail "robotaxi-regress did not open the installed suite"; }

# the Python subscriber runs from where it is installed, beside its generated robotaxi_pb2.py
"$python" "$data/python/subscribe.py" --help >"$tmp/sub.txt" 2>&1; rc=$?
[ $rc -eq 0 ] || { cat "$tmp/sub.txt" >&2; fail "the installed subscribe.py --help exited $rc"; }

[ $failed -eq 0 ] && echo "check_install: $prefix: 9 tools, 9 man pages, data, a day of wuhan-2024 by name: ok"
exit $failed
