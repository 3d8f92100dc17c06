#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# f60_stop_bounded.sh - issue 8 item 5: stopping a run is bounded even when its
# tasks ignore SIGTERM and have no timeout. SIGINT: SIGTERM to each task's
# group, SIGKILL after --kill-grace, exit 130; SIGTERM: the same after the
# default 10 s grace, exit 143; a second SIGINT kills at once. The run is
# recorded failed and resumes; no task or grandchild outlives the run.
. "$(dirname "$0")/stop_lib.sh"

# SIGINT with --kill-grace 1: ends in about a second, exit 130.
MF_STOP_MODE=hang bg_run run --max-workers 4 --kill-grace 1
assert_true "SIGINT: tasks set up" wait_ready 3
kill -INT "$BG_PID"
bg_wait 30
assert_eq "SIGINT: run exits 130" 130 "$RC"
assert_between "SIGINT: stopped within the 1 s grace (+ slack)" 0.5 6 "$ELAPSED"
assert_contains "SIGINT: says it stops" "$(cat "$OUT")" "interrupted by SIGINT: stopping 3 running task(s)"
assert_contains "SIGINT: says it kills" "$(cat "$OUT")" "kill grace over: killing 3 task(s)"
assert_contains "SIGINT: reported" "$(cat "$OUT")" "was interrupted by SIGINT"
assert_contains "SIGINT: resume hint" "$(cat "$OUT")" "resume --origin-run-id 1"
sleep 0.2
assert_eq "SIGINT: no task or grandchild left" "" "$(alive_pids)"
run "$FLOWS/stop_flow" runs
assert_true "SIGINT: run 1 recorded failed" grep -Eq '^ *1 .*failed' "$OUT"

# A second SIGINT kills at once, whatever the grace.
MF_STOP_MODE=hang bg_run run --max-workers 4 --kill-grace 600
assert_true "second SIGINT: tasks set up" wait_ready 3
kill -INT "$BG_PID"
sleep 0.5
kill -INT "$BG_PID"
bg_wait 30
assert_eq "second SIGINT: exit 130" 130 "$RC"
assert_between "second SIGINT: killed at once" 0 5 "$ELAPSED"
assert_contains "second SIGINT: says so" "$(cat "$OUT")" "interrupted again: killing 3 task(s)"
sleep 0.2
assert_eq "second SIGINT: no task or grandchild left" "" "$(alive_pids)"

# SIGTERM with the default grace (10 s): exit 143.
MF_STOP_MODE=hang bg_run run --max-workers 4
assert_true "SIGTERM: tasks set up" wait_ready 3
kill -TERM "$BG_PID"
bg_wait 60
assert_eq "SIGTERM: run exits 143" 143 "$RC"
assert_between "SIGTERM: after the default 10 s grace" 9.5 20 "$ELAPSED"
assert_contains "SIGTERM: says the grace" "$(cat "$OUT")" "SIGKILL in 10 s"
sleep 0.2
assert_eq "SIGTERM: no task or grandchild left" "" "$(alive_pids)"

# The interrupted run resumes: the tasks now finish.
run_ok "resume of the interrupted run completes" "$FLOWS/stop_flow" resume --origin-run-id 3
assert_contains "resume: end ran" "$(cat "$OUT")" "end: 3 items"

# resume exits 130 on SIGINT too.
MF_STOP_MODE=hang bg_run resume --origin-run-id 1 --kill-grace 0.5
assert_true "resume SIGINT: tasks set up" wait_ready 3
kill -INT "$BG_PID"
bg_wait 30
assert_eq "resume SIGINT: exit 130" 130 "$RC"

# A bad --kill-grace is refused with the range.
expect_fail "--kill-grace 0 is refused" 2 "$FLOWS/stop_flow" run --kill-grace 0
assert_contains "--kill-grace message" "$(cat "$ERR")" "from 0.001 to 86400"
finish
