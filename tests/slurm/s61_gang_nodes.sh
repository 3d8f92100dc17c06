#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# s61_gang_nodes.sh - `--slurm-gang-per-node`: a gang of N asks for one rank per node (sbatch --ntasks=N
# --nodes=N --ntasks-per-node=1, the argv recorded by the sbatch shim), and on this one-node cluster, which
# cannot give 2 nodes, the run fails with Slurm's own reason instead of waiting for ever: sbatch accepts the job
# (EnforcePartLimits=NO, Slurm's default) and it pends with reason PartitionNodeLimit; the first squeue that sees
# that cancels it and fails the gang (and its retry the same way), and the queue is left empty. Inside an
# allocation of one node, the gang's srun asks for 2 nodes the same way and srun's own error fails it at once.
. "$(dirname "$0")/lib.sh"
slurm_start
export MF_TEST_GANG_WIDTH=2

expect_fail "a gang of 2, one per node, on one node fails the run" 1 \
    "$FLOWS/gang_flow" run --with slurm --slurm-gang-per-node --slurm-poll 1 --meet "$T_DIR/meet1"
assert_eq "... the gang's sbatch asked for one rank on each of 2 nodes (both attempts)" "2" \
    "$(grep -c -- '--ntasks=2 --nodes=2 --ntasks-per-node=1 ' "$CALLS/sbatch")"
assert_eq "... and no other sbatch than start's" "3" "$(calls sbatch)"
assert_contains "... with Slurm's reason" "$(cat "$OUT")" \
    "PartitionNodeLimit: Slurm cannot run job"
assert_contains "... saying why" "$(cat "$OUT")" "it asks for more nodes than its partition has or allows"
assert_not_contains "... not as a job lost" "$(cat "$OUT")" "LOST"
assert_true "nothing of the run is left in the queue" wait_queue_empty 30
run_ok "dump the gang's tasks" "$FLOWS/gang_flow" dump 1/train --json
assert_contains "... each rank's job is recorded as cancelled" "$(cat "$OUT")" '"job_state":"CANCELLED"'

real() { PATH=/usr/local/bin:/usr/bin:/bin command -v "$1"; }
cat >"$T_DIR/whole.sh" <<SH
#!/bin/sh
export MF_TEST_GANG_WIDTH=2
timeout 300 "$FLOWS/gang_flow" run --with slurm --slurm-gang-per-node --meet "$T_DIR/meet2" >"$T_DIR/fail.log" 2>&1
echo "per-node run: \$?"
SH
slurm_reset_calls
run_ok "one sbatch of the whole flow, on one node" "$(real sbatch)" --parsable --no-requeue -n 4 -o "$T_DIR/whole.log" "$T_DIR/whole.sh"
assert_true "the job ends" wait_queue_empty 300
assert_contains "inside the allocation the run fails" "$(cat "$T_DIR/whole.log")" "per-node run: 1"
assert_eq "... the gang's srun asked for 2 nodes, one rank each (both attempts)" "2" \
    "$(grep -cE -- '^--exact -n2 --kill-on-bad-exit=1 --nodes=2 --ntasks-per-node=1 ' "$CALLS/srun")"
assert_contains "... with srun's own error" "$(cat "$T_DIR/fail.log")" "asked for 2"
finish
