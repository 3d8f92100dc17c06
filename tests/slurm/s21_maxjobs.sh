#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# s21_maxjobs.sh - a controller that holds at most 20 jobs (MaxJobCount=20, MinJobAge=2): a 60-item foreach
# cannot be one array; it goes out in arrays of at most 10 (half of MaxJobCount), a submission refused for the
# job count waits and is retried, and the run completes instead of failing.
. "$(dirname "$0")/lib.sh"
slurm_start max_jobs=20 min_job_age=2

run_ok "60-item foreach with MaxJobCount=20" "$FLOWS/wide_foreach" run --with slurm --slurm-poll 2 --quiet --width 60
assert_done "Done!"
assert_contains "the join saw 60 items" "$(cat "$OUT")" "end: count is 60"
assert_true "no array larger than 10" sh -c "! grep -E -- '--array=0-(1[0-9]|[2-9][0-9])' '$CALLS/sbatch'"
assert_true "at least 6 arrays" test "$(grep -c -- '--array=' "$CALLS/sbatch")" -ge 6
finish
