#!/bin/sh
# check_slurm.sh: the README's Slurm scripts (tools/slurm/sweep-array.sh and submit.sh, which README.md quotes
# verbatim) run through a one-node Slurm that this test starts on localhost: slurmctld and slurmd of Debian's
# slurm-wlm, as root, with a private slurm.conf, its own ports and folders (auth/none: no munge daemon), stopped on
# every exit. The array of 8 shards and the merge that depends on it give the same folder, byte for byte, as the
# sweep played in one go; a task rerun alone (sbatch --array=3) resumes its shard. Environment: RT_TOOLS_DIR,
# RT_SOURCE_DIR.
set -u
fail() {
    echo "FAIL: $*" >&2
    for f in "${tmp:-/nonexistent}"/log/*; do
        [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }
    done
    exit 1
}
skip() {
    [ "${CI:-}" = true ] && fail "$1"
    echo "SKIP: $1"
    exit 77
}
command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null ||
    skip "slurm-wlm not found (install slurm-wlm)"
[ "$(id -u)" = 0 ] || skip "a one-node Slurm needs root to start slurmd (run the tests as root, as CI does)"

src=$RT_SOURCE_DIR
tmp=$(mktemp -d "${TMPDIR:-/tmp}/robotaxi-slurm-XXXXXX") || fail "no temporary folder"
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/log" "$tmp/work"
export SLURM_CONF="$tmp/slurm.conf"
stop() {
    for pidfile in "$tmp/slurmctld.pid" "$tmp/slurmd.pid"; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
    done
    sleep 1
    for pidfile in "$tmp/slurmctld.pid" "$tmp/slurmd.pid"; do
        [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 1' INT TERM

# The README's scripts are these files, word for word.
for f in sweep-array.sh submit.sh; do
    /usr/bin/python3 - "$src/README.md" "$src/tools/slurm/$f" <<'PY' || fail "README.md does not quote tools/slurm/$f"
import sys
readme, script = (open(p).read() for p in sys.argv[1:])
sys.exit(0 if "```sh\n" + script + "```\n" in readme else 1)
PY
done

# Ports above the usual 6817/6818, unlikely to be taken; a node of 8 CPUs (config_overrides: slurmd takes the
# configured count, not the machine's) so the script's --cpus-per-task=8 runs unchanged, one task at a time.
port=$((17000 + $$ % 2000))
cat >"$SLURM_CONF" <<EOF
ClusterName=robotaxi-check
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/none
CredType=cred/none
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
SlurmdParameters=config_overrides
MpiDefault=none
ReturnToService=2
NodeName=localhost CPUs=8 RealMemory=1000 State=UNKNOWN
PartitionName=check Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i >"$tmp/log/slurmctld.out" 2>&1 &
slurmd -D >"$tmp/log/slurmd.out" 2>&1 &
ready=0
for _ in $(seq 1 60); do
    if sinfo -h -o %T 2>/dev/null | grep -q '^idle'; then
        ready=1
        break
    fi
    sleep 0.5
done
[ $ready = 1 ] || fail "the one-node Slurm did not come up: $(sinfo 2>&1)"
version=$(sbatch --version)

# A study of 8 runs (a small city), one per shard: the README's scripts as they are, its size from STUDY.
export STUDY="--sweep robotaxi.fleet_size=0:70:10 --set demand.trips_per_day=3000 --set human.drivers=150"
export PATH="$RT_TOOLS_DIR:$PATH"
cd "$tmp/work" || fail "cd"
cp "$src/tools/slurm/sweep-array.sh" "$src/tools/slurm/submit.sh" .
sh submit.sh >"$tmp/log/submit.out" 2>&1 || fail "submit.sh: $(cat "$tmp/log/submit.out")"
done_=0
for _ in $(seq 1 240); do
    if [ -z "$(squeue -h 2>/dev/null)" ]; then
        done_=1
        break
    fi
    sleep 0.5
done
[ $done_ = 1 ] || fail "the jobs did not finish in 2 minutes: $(squeue 2>&1)"
[ -f out-sweep/sweep.csv ] || fail "the merge job wrote no out-sweep/sweep.csv: $(cat shards/merge-*.out 2>&1)"
for k in 1 2 3 4 5 6 7 8; do
    grep -q "^shard = $k/8" "shards/$k/shard.ini" || fail "shard $k: $(cat "shards/$k/shard.ini" 2>&1)"
done
robotaxi-sim -q $STUDY -o whole >/dev/null 2>"$tmp/log/whole.err" || fail "the sweep in one go: $(cat "$tmp/log/whole.err")"
diff -r whole out-sweep >"$tmp/log/diff" || fail "the merged sweep differs from the one in one go: $(head "$tmp/log/diff")"

# A task rerun alone resumes its shard: run 2 (shard 3/8) lost its headline, played again, merged again.
rm "shards/3/runs/0002/headline.csv"
sbatch --wait --array=3 sweep-array.sh >"$tmp/log/rerun.out" 2>&1 || fail "sbatch --array=3: $(cat "$tmp/log/rerun.out")"
[ -f "shards/3/runs/0002/headline.csv" ] || fail "the rerun task did not play run 2 again"
robotaxi-sim merge -q -o again shards/*/ >/dev/null 2>"$tmp/log/again.err" || fail "merge: $(cat "$tmp/log/again.err")"
diff -r whole again >"$tmp/log/diff" || fail "after the rerun the merge differs: $(head "$tmp/log/diff")"
echo "ok: $version ran the README's array and merge jobs; the merged sweep = the sweep in one go; a rerun resumed"
