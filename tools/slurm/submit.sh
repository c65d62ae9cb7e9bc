#!/bin/sh
# submit.sh: the array of shards, then the merge once every task has succeeded (afterok)
mkdir -p shards
JOBID=$(sbatch --parsable sweep-array.sh)
sbatch --dependency=afterok:$JOBID --job-name=rt-merge --output=shards/merge-%j.out \
    --wrap 'robotaxi-sim merge -o out-sweep shards/*/'
# a task that failed: rerun it alone (it resumes), then merge
#   sbatch --array=3 sweep-array.sh
