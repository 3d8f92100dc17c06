#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# s41_alloc_gang.sh - a gang step of 2 inside an allocation (one sbatch of the whole flow, `run --with slurm`
# within it): the gang is ONE job step, `srun --exact -n2 --kill-on-bad-exit=1`, so its ranks start together
# (tests/flows/gang_flow.c makes each rank wait until the other runs); both ranks are told rank 0's node address,
# the one srun reports for this node (SLURM_LAUNCH_NODE_IPADDR), not 127.0.0.1; the join sees both results; no
# sbatch, no squeue from inside. Then a gang whose rank 1 fails on every attempt: srun ends the other rank, the
# gang runs again as one new step (retries = 1), and the run fails naming the rank instead of hanging.
. "$(dirname "$0")/lib.sh"
slurm_start
real() { PATH=/usr/local/bin:/usr/bin:/bin command -v "$1"; }
cat >"$T_DIR/whole.sh" <<SH
#!/bin/sh
export MF_TEST_GANG_WIDTH=2
"$(real srun)" --exact -n1 printenv SLURM_LAUNCH_NODE_IPADDR >"$T_DIR/launch_ip"
"$FLOWS/gang_flow" run --with slurm --meet "$T_DIR/meet1" >"$T_DIR/ok.log" 2>&1
echo "ok run: \$?"
"$FLOWS/gang_flow" run --with slurm --meet "$T_DIR/meet2" --fail_rank 1 --fail_until 9 >"$T_DIR/fail.log" 2>&1
echo "failing run: \$?"
SH
run_ok "one sbatch of the whole flow" "$(real sbatch)" --parsable --no-requeue -n 4 -o "$T_DIR/whole.log" "$T_DIR/whole.sh"
assert_true "the job ends" wait_queue_empty 300
assert_contains "the gang's run succeeds" "$(cat "$T_DIR/whole.log")" "ok run: 0"
ok=$(cat "$T_DIR/ok.log")
assert_contains "... Done!" "$ok" "Done! Run 1 of GangFlow succeeded"
lines=$(sed -n 's/^\[[0-9]*\/[A-Za-z0-9_]*\/[0-9]* (srun pid [0-9]*)\] //p' "$T_DIR/ok.log" | LC_ALL=C sort)
assert_contains "the join saw both ranks" "$lines" "join saw 2 inputs, total 1"
ip=$(cat "$T_DIR/launch_ip")
assert_true "srun reports this node's address ('$ip')" test -n "$ip"
assert_contains "rank 0 was told rank 0's node address" "$lines" "rank 0 of 2: control 2, main ip $ip, attempt 0"
assert_contains "... and so was rank 1" "$lines" "rank 1 of 2: control 2, main ip $ip, attempt 0"
assert_eq "the ranks met: both were running at once" "rank-0 rank-1" "$(ls "$T_DIR/meet1/0" | xargs)"
run_ok "dump the gang's tasks" "$FLOWS/gang_flow" dump 1/train --json
assert_eq "both ranks record the same job step" "1 2" \
    "$(grep -oE '"job_id":"[0-9]+\.[0-9]+"' "$OUT" | LC_ALL=C sort -u | wc -l) $(grep -oE '"job_id":"[0-9]+\.[0-9]+"' "$OUT" | wc -l)"

fail=$(cat "$T_DIR/fail.log")
assert_contains "the failing gang's run fails" "$(cat "$T_DIR/whole.log")" "failing run: 1"
assert_contains "... naming the rank" "$fail" "rank 1 of 2 of its gang"
assert_contains "... after running the whole gang again" "$fail" "running all 2 tasks again"
assert_eq "no sbatch from inside the allocation" "0" "$(calls sbatch)"
assert_eq "no squeue from inside the allocation" "0" "$(calls squeue)"
assert_eq "no scontrol either: a stopped rank is not asked about" "0" "$(calls scontrol)"
assert_eq "one srun step per gang attempt (1 + 2), all of 2 tasks" "3" \
    "$(grep -cE -- '^--exact -n2 --kill-on-bad-exit=1 ' "$CALLS/srun")"
assert_eq "every other task one srun -n1 step (start, join, end; start)" "4" \
    "$(grep -cE -- '^--exact -n1 -N1 ' "$CALLS/srun")"
assert_eq "no other srun call" "7" "$(calls srun)"
finish
