#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The one-node cluster itself: it starts from Debian's packages under a temporary folder, runs a batch job and
# a job array, keeps what the executor relies on (exit code through --parsable submission, --no-requeue honoured,
# MaxArraySize as configured, sacct from jobcomp/filetxt), and stops by pid file leaving no daemon behind.
. "$(dirname "$0")/lib.sh"

slurm_start max_array=51
run_ok "sbatch --parsable prints the job id" sbatch --parsable --no-requeue -J mf-s00 -o "$T_DIR/o.txt" \
    --wrap 'echo hi; exit 3'
job=$(cat "$OUT")
assert_true "the job id is a number" grep -qE '^[0-9]+$' "$OUT"
assert_true "the job leaves the queue" wait_queue_empty 30
run_ok "scontrol shows the finished job" scontrol show job "$job"
assert_contains "exit code 3 recorded" "$(cat "$OUT")" "ExitCode=3:0"
assert_contains "--no-requeue honoured" "$(cat "$OUT")" "Requeue=0"
assert_eq "the job's output" "hi" "$(cat "$T_DIR/o.txt")"
run_ok "scontrol show config" scontrol show config
assert_contains "MaxArraySize as configured" "$(cat "$OUT")" "MaxArraySize            = 51"
run_ok "a 10-task array" sbatch --parsable --array=0-9%4 -o "$T_DIR/a_%a.txt" --wrap 'echo $SLURM_ARRAY_TASK_ID'
assert_true "the array leaves the queue" wait_queue_empty 60
assert_eq "every array task ran" "10" "$(cat "$T_DIR"/a_*.txt | wc -l | tr -d ' ')"
run_ok "sacct works without slurmdbd (jobcomp/filetxt)" sacct -c -n -o JobID,State
assert_contains "sacct lists the failed job" "$(cat "$OUT")" "FAILED"
pids=$(cat "$SLURM_DIR"/run/*.pid)
run_ok "stop" bash "$SLURM_SCRIPTS/cluster.sh" stop "$SLURM_DIR"
left=""
for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
assert_eq "no daemon left after stop" "" "$left"
finish
