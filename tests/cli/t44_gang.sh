#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t44_gang.sh - gangs (mf_step.num_parallel, Metaflow's @parallel): N tasks
# of the gang step all run at once (each rank waits in tests/flows/gang_flow.c
# until the files of all N ranks exist, and fails after 120 s otherwise),
# also past --max-workers; each knows its rank, N and the control task from
# mf_current_parallel() and MF_PARALLEL_*; the join sees the N results in
# rank order. One failing rank stops the others and fails the gang; the gang
# step's retries run the whole gang again; the indexes of ranks that had
# succeeded in a failed attempt are dropped, so resume runs the whole gang.
# `check` refuses a gang of fewer than 1 task.
. "$(dirname "$0")/lib.sh"

F=$FLOWS/gang_flow

run_ok "a gang of 3 runs" "$F" run --meet "$T_DIR/meet1"
assert_done "it says Done!"
R=$(last_run_id GangFlow)
assert_contains "the join saw 3 inputs whose ranks sum to 3" "$(user_lines)" "join saw 3 inputs, total 3"
assert_eq "every rank knew N, the control task (rank 0's id) and the address" \
    "rank 0 of 3: control 2, main ip 127.0.0.1, attempt 0
rank 1 of 3: control 2, main ip 127.0.0.1, attempt 0
rank 2 of 3: control 2, main ip 127.0.0.1, attempt 0" "$(user_lines | grep '^rank [0-9] of')"
assert_eq "the 3 ranks met: all were running at once" "rank-0 rank-1 rank-2" "$(ls "$T_DIR/meet1/0" | xargs)"
run_ok "dump reads the join's total" "$F" dump "$R/join" --artifact total
assert_contains "... 3" "$(cat "$OUT")" "total (int) = 3"
run_ok "show names the gang" "$F" show
assert_contains "... on the step that starts it" "$(cat "$OUT")" "=> train (a gang of 3 tasks)"

run_ok "a gang wider than --max-workers starts whole" "$F" run --meet "$T_DIR/meet2" --max-workers 2
assert_contains "... and says so" "$(cat "$OUT")" \
    "the gang of step 'train' has 3 tasks, more than the 2 tasks at once allowed: its tasks all start together anyway"
assert_contains "... all 3 met" "$(user_lines)" "join saw 3 inputs, total 3"

MF_TEST_GANG_WIDTH=1 run_ok "a gang of 1 runs" "$F" run --meet "$T_DIR/meet3"
assert_contains "... its join sees 1 input" "$(user_lines)" "join saw 1 inputs, total 0"

run_ok "rank 1 failing on attempt 0: the whole gang is retried and succeeds" \
    "$F" run --meet "$T_DIR/meet4" --fail_rank 1 --fail_until 1
R=$(last_run_id GangFlow)
assert_contains "... rank 1's failure stops the other ranks" "$(cat "$OUT")" \
    "rank 1 of the gang failed: exit code 1; stopping the other ranks"
assert_true "... rank 0 was ended by the stop" grep -qE "^\[$R/train/2\] rank 0 ended after rank 1 failed: signal SIGTERM" "$OUT"
assert_true "... rank 2 too" grep -qE "^\[$R/train/4\] rank 2 ended after rank 1 failed: signal SIGTERM" "$OUT"
assert_contains "... the gang runs again as a whole" "$(cat "$OUT")" "running all 3 tasks again in 0 s as attempt 1"
assert_eq "... every rank the join saw is from attempt 1" "3" \
    "$(user_lines | grep -c '^rank [0-9] of 3: control 2, main ip 127.0.0.1, attempt 1$')"
assert_eq "... and they met again" "rank-0 rank-1 rank-2" "$(ls "$T_DIR/meet4/1" | xargs)"

expect_fail "rank 2 failing on every attempt fails the run" 1 \
    "$F" run --meet "$T_DIR/meet5" --fail_rank 2 --fail_until 9
R=$(last_run_id GangFlow)
assert_contains "... naming the rank" "$(cat "$OUT")" "Task $R/train/4 failed: rank 2 of 3 of its gang: exit code 1"
assert_not_contains "... the join never ran" "$(cat "$OUT")" "join saw"

expect_fail "rank 1 failing after the others succeeded fails the gang" 1 \
    "$F" run --meet "$T_DIR/meet6" --fail_rank 1 --fail_until 9 --late 1
R=$(last_run_id GangFlow)
assert_eq "... no index is left of the failed gang's ranks" "" "$(ls $ROOT/GangFlow/$R/train/*/index 2>/dev/null)"
run "$F" resume --origin-run-id "$R"
R2=$(last_run_id GangFlow)
assert_true "resume clones start" grep -qE "^\[$R2/start/1\] cloned from $R/start/1" "$OUT"
assert_eq "... and runs the whole gang again: none of its ranks is cloned" "0" \
    "$(grep -cE "^\[$R2/train/[0-9]+\] cloned" "$OUT")"
assert_true "... rank 0 runs" grep -qE "^\[$R2/train/2\] task starting" "$OUT"
assert_true "... and rank 2" grep -qE "^\[$R2/train/4\] task starting" "$OUT"

MF_TEST_GANG_WIDTH=-1 expect_fail "check refuses a gang of -1 tasks" 1 "$F" check
assert_contains "... saying what to set" "$(cat "$OUT" "$ERR")" \
    "step 'start' has .num_parallel = -1: a gang has 1 task or more"

finish
