#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# s20_arrays.sh - job arrays cut to the cluster's MaxArraySize: with MaxArraySize=51 a 200-item foreach is
# four arrays (51, 51, 51, 47), read from `scontrol show config`, and the run still sees every item. An array's
# batch script holds no task's command line: each element reads its own task from a file (job-N.d/INDEX).
# Following the run costs a look (exit file, logs) per change of a task's folder, not one per task in flight
# at every wake-up: the test folder is local, so its watches are trusted (MF_SLURM_STATS counts the looks).
. "$(dirname "$0")/lib.sh"
slurm_start max_array=51

t0=$(date +%s)
MF_SLURM_STATS=1 run_ok "200-item foreach, MaxArraySize=51" "$FLOWS/wide_foreach" run --with slurm --slurm-poll 3 \
    --quiet --width 200 --max-num-splits 1000 --max-workers 32
secs=$(($(date +%s) - t0 + 1))
assert_done "Done!"
assert_contains "the join saw 200 items" "$(cat "$OUT")" "end: count is 200"
assert_eq "4 arrays + start, join, end = 7 sbatch calls" "7" "$(calls sbatch)"
assert_eq "three arrays of 51" "3" "$(grep -c -- '--array=0-50%32' "$CALLS/sbatch")"
assert_eq "one of 47" "1" "$(grep -c -- '--array=0-46%32' "$CALLS/sbatch")"
slurm_dir=$ROOT/WideForeachFlow/$(last_run_id WideForeachFlow)/_slurm
assert_eq "one task file per array element" "200" "$(find "$slurm_dir" -path '*/job-*.d/*' -type f | wc -l | tr -d ' ')"
assert_eq "four folders of task files" "4" "$(find "$slurm_dir" -name 'job-*.d' -type d | wc -l | tr -d ' ')"
assert_eq "no array script names a task" "4" "$(grep -L -- "'--task-id'" "$slurm_dir"/job-*.sh | wc -l | tr -d ' ')"
assert_requeue0 "every job shows Requeue=0"
# At most 8 looks per task for its folder's changes, plus a sweep of the ~51 tasks in flight every 5 s. Every
# task looked at after every wake-up, as before, was ~120 looks per task here (and grows with the width).
looks=$(sed -n 's/^slurm stats: \([0-9]*\) task looks.*/\1/p' "$ERR")
assert_true "the run's stats were printed (MF_SLURM_STATS)" [ -n "$looks" ]
limit=$((203 * 8 + 51 * (secs / 5 + 1)))
assert_true "task looks ($looks) within $limit (8 per task, a sweep every 5 s over $secs s)" \
    [ "${looks:-999999}" -le "$limit" ]
finish
