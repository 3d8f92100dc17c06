#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# s10_run.sh - `run --with slurm` on a one-node cluster: the examples print what they print locally; a 200-item
# foreach goes out as exactly one sbatch (a job array) beside one per other task, squeue is called at most once
# per poll interval for the whole run, every job has Requeue=0, and the tasks' logs are stored as locally. Tasks
# that succeed write their own exit file, so no wrapper starts mv (an mv shim on PATH counts the calls).
. "$(dirname "$0")/lib.sh"
slurm_start

for name in linear_flow branch_flow foreach_flow parameter_flow json_parameter_flow merge_artifacts_flow switch_flow; do
    run_ok "$name: local run" "$EXAMPLES/$name" --datastore-root local run
    expected=$(user_lines_sorted)
    run_ok "$name: run --with slurm" "$EXAMPLES/$name" run --with slurm --slurm-poll 2
    assert_done "$name: Done! under slurm"
    assert_eq "$name: the same task output under slurm" "$expected" "$(job_lines_sorted)"
done
a_task=$(ls "$ROOT/LinearFlow/1/a" | head -n 1)
assert_eq "linear_flow: a's stdout stored as its log" "the data artifact is: hello world" \
    "$(cat "$ROOT/LinearFlow/1/a/$a_task/0.stdout" 2>/dev/null)"
run_ok "logs reads a slurm task's log" "$EXAMPLES/linear_flow" logs 1/a
assert_contains "logs shows it" "$(cat "$OUT")" "the data artifact is: hello world"

slurm_reset_calls
# The jobs get this PATH (sbatch exports it): a shim counts the wrappers' mv calls.
printf '#!/bin/sh\necho "$*" >>"%s/mv"\nexec /bin/mv "$@"\n' "$CALLS" >"$SHIMS/mv"
chmod +x "$SHIMS/mv"
t0=$(date +%s)
run_ok "200-item foreach under slurm" "$FLOWS/wide_foreach" run --with slurm --slurm-poll 3 --quiet --width 200 \
    --max-num-splits 1000
t1=$(date +%s)
assert_done "200-item foreach: Done!"
assert_contains "the join saw 200 items" "$(cat "$OUT")" "end: count is 200"
assert_eq "one sbatch for the foreach, one per other task (start, join, end)" "4" "$(calls sbatch)"
assert_true "the foreach went out as one array" grep -q -- '--array=0-199%16' "$CALLS/sbatch"
sq=$(calls squeue)
assert_true "squeue calls ($sq) bounded by run time ($((t1 - t0)) s) / poll (3 s) + 2" \
    test "$sq" -le $(((t1 - t0) / 3 + 2))
assert_eq "no scancel in a run that succeeded" "0" "$(calls scancel)"
assert_eq "no wrapper started mv: each task that succeeded wrote its own exit file" "0" "$(calls mv)"
assert_true "every sbatch had --no-requeue and --parsable" \
    test "$(grep -c -- '--parsable --no-requeue' "$CALLS/sbatch")" -eq 4
assert_requeue0 "every job shows Requeue=0"
finish
