#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# s40_alloc.sh - one sbatch of a whole flow: inside the allocation (SLURM_JOB_ID set) `run --with slurm` runs
# each task as a job step (srun --exact -n1), never calls sbatch or squeue, and the flow succeeds; each task's
# job step id (JOB.STEP) is recorded in the metadata (dump, runs).
. "$(dirname "$0")/lib.sh"
slurm_start
cat >"$T_DIR/whole.sh" <<SH
#!/bin/sh
"$FLOWS/slurm_flow" run --with slurm --mode env && "$EXAMPLES/foreach_flow" run --with slurm
SH
real_sbatch=$(PATH=/usr/local/bin:/usr/bin:/bin command -v sbatch)
run_ok "one sbatch of the whole flow" "$real_sbatch" --parsable --no-requeue -n 4 -o "$T_DIR/whole.log" "$T_DIR/whole.sh"
assert_true "the job ends" wait_queue_empty 120
assert_eq "no sbatch from inside the allocation" "0" "$(calls sbatch)"
assert_eq "no squeue from inside the allocation" "0" "$(calls squeue)"
assert_true "each task an srun step (6 + 6)" test "$(calls srun)" -eq 12
assert_true "srun --exact -n1" grep -q -- '--exact -n1' "$CALLS/srun"
log=$(cat "$T_DIR/whole.log")
assert_contains "slurm_flow done" "$log" "Done! Run 1 of SlurmFlow succeeded"
assert_contains "foreach_flow done" "$log" "Done! Run 1 of ForeachFlow succeeded"
assert_true "the work step ran as a job step" sh -c "grep -qE 'work: job [0-9]+ step [0-9]+' '$T_DIR/whole.log'"
step=$(sed -n 's/.*work: job \([0-9]*\) step \([0-9]*\).*/\1.\2/p' "$T_DIR/whole.log" | head -1)
run_ok "dump --json" "$FLOWS/slurm_flow" dump 1/work --json
assert_contains "each task records its job step as its job id" "$(cat "$OUT")" "\"job_id\":\"$step\""
run_ok "runs" "$FLOWS/slurm_flow" runs
assert_true "runs counts the 6 job steps, none in flight" grep -qE '^1 +succeeded .* 6$' "$OUT"
finish
