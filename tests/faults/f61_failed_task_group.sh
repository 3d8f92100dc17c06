#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# f61_failed_task_group.sh - issue 8 item 5: a failed task's own children
# (its process group) do not outlive it, even when they ignore SIGTERM.
. "$(dirname "$0")/stop_lib.sh"

MF_STOP_MODE=fail bg_run run --max-workers 4
bg_wait 60
assert_eq "the run fails" 1 "$RC"
assert_contains "the task's failure is reported" "$(cat "$OUT")" "failing on purpose"
sleep 0.2
assert_eq "no grandchild of a failed task is left" "" "$(alive_pids)"
finish
