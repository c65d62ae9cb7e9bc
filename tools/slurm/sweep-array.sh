#!/bin/sh
# sweep-array.sh: one task per shard; submit from the folder that will hold shards/ and the merged sweep
#SBATCH --job-name=rt-sweep
#SBATCH --array=1-8
#SBATCH --cpus-per-task=8
#SBATCH --time=04:00:00
#SBATCH --output=shards/slurm-%A_%a.out
N=8                                  # = the --array range's size; a task rerun alone still plays K/8
K=$SLURM_ARRAY_TASK_ID
STUDY=${STUDY:-"--sweep robotaxi.fleet_size=0:2000:250 --replications 10 --days 10 --baseline"}
RESUME=
[ -f "shards/$K/shard.ini" ] && RESUME=--resume   # a rerun keeps the runs the failed task finished
exec robotaxi-sim -q $STUDY --shard "$K/$N" $RESUME --jobs "${SLURM_CPUS_PER_TASK:-1}" -o "shards/$K"
