#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f42_killed_tasks.sh - tasks SIGKILLed while they run: the run names each
# killed task and fails, nothing it wrote is trusted, `verify` is clean,
# `gc` removes what the killed tasks left, and `resume` completes.
. "$(dirname "$0")/../cli/lib.sh"

F=$FLOWS/trust_flow
TOTAL="end: total is 38185.5" # width 6

mkdir -p pids
MF_PID_DIR=$PWD/pids MF_SLEEP_MS=4000 "$F" run --width 6 --max-workers 6 >run.out 2>&1 &
pid=$!
# kill the first two work tasks as soon as they show their pids: each sleeps
# 4 s after that, so a loaded machine cannot let one finish first (waiting for
# all six to start could, when starting them takes longer than a task's sleep)
for _ in $(seq 600); do
    [ "$(ls pids | wc -l)" -ge 2 ] && break
    sleep 0.05
done
victims=$(ls pids | sed 's/^work\.//' | head -n 2)
assert_eq "two work tasks to kill" 2 "$(echo "$victims" | wc -w)"
# shellcheck disable=SC2086
kill -9 $victims
wait $pid
RC=$?
assert_eq "the run fails" 1 "$RC"
assert_contains "it names a killed task" "$(cat run.out)" "failed: signal SIGKILL"
run_ok "verify: clean after killed tasks" "$F" verify
run_ok "gc --delete --grace 0 (no run going on)" "$F" gc --delete --grace 0
run_ok "verify: clean after gc" "$F" verify
run_ok "resume completes" "$F" resume
assert_eq "with the right total" "$TOTAL" "$(user_lines)"
assert_contains "it cloned the tasks that were not killed" "$(cat "$OUT")" "cloned from 1/work/"
run_ok "verify: clean at the end" "$F" verify

finish
