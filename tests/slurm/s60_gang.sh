#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# s60_gang.sh - a gang step of 2 tasks under `run --with slurm`: one sbatch of --ntasks=2 whose script starts
# both ranks with one srun (--kill-on-bad-exit), so they are co-scheduled (tests/flows/gang_flow.c makes each
# rank wait until the other runs); each rank knows its rank, N and the control task, and MF_PARALLEL_MAIN_IP
# comes from the job; the join sees both. A rank that fails ends the other (srun) and the whole gang is
# submitted again (retries = 1), then the run fails naming the rank. Every job shows Requeue=0.
. "$(dirname "$0")/lib.sh"
slurm_start
export MF_TEST_GANG_WIDTH=2

run_ok "a gang of 2 under slurm" "$FLOWS/gang_flow" run --with slurm --slurm-poll 2 --meet "$T_DIR/meet1"
assert_done "it says Done!"
assert_contains "the join saw both ranks" "$(job_lines_sorted)" "join saw 2 inputs, total 1"
ip=$(job_lines_sorted | sed -n 's/^rank 0 of 2: control [0-9]*, main ip \([^,]*\), attempt 0$/\1/p')
assert_true "rank 0 knew the control task and the main address ('$ip')" test -n "$ip"
assert_contains "... and so did rank 1, the same" "$(job_lines_sorted)" "rank 1 of 2: control 2, main ip $ip, attempt 0"
assert_eq "the ranks met: both were running at once" "rank-0 rank-1" "$(ls "$T_DIR/meet1/0" | xargs)"
assert_eq "one sbatch for the gang, one per other task (start, join, end)" "4" "$(calls sbatch)"
assert_eq "... the gang's asked for 2 tasks" "1" "$(grep -c -- '--ntasks=2' "$CALLS/sbatch")"
assert_eq "one srun started both ranks" "1" "$(grep -c -- '--kill-on-bad-exit=1 --ntasks=2' "$CALLS/srun" 2>/dev/null)"
assert_requeue0 "every job shows Requeue=0"

slurm_reset_calls
expect_fail "rank 1 failing on every attempt fails the run" 1 \
    "$FLOWS/gang_flow" run --with slurm --slurm-poll 2 --meet "$T_DIR/meet2" --fail_rank 1 --fail_until 9
assert_contains "... naming the rank" "$(cat "$OUT")" "rank 1 of 2 of its gang"
assert_contains "... after running the whole gang again" "$(cat "$OUT")" "running all 2 tasks again"
assert_eq "... one sbatch per attempt of the gang, beside start's" "3" "$(calls sbatch)"
assert_true "nothing of the run is left in the queue" wait_queue_empty 30
finish
