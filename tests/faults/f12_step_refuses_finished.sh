#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f12: `step` on a task that already has a committed index exited 0 and
# replaced the task's artifacts. A finished task is final, whatever the run's
# state: succeeded, failed, or still recorded as running.
. "$(dirname "$0")/../cli/lib.sh"
F=$FLOWS/run_fault_flow
index=.metaflow/RunFaultFlow/1/start/1/index

run_ok "a run succeeds" "$F" run
before=$(sha256sum "$index")
expect_fail "step refuses its finished start task" 1 "$F" step start --run-id 1 --task-id 1
assert_contains "it says the task is finished" "$(cat "$ERR")" "task '1/start/1' already finished"
assert_contains "it names the index" "$(cat "$ERR")" "$index"
assert_eq "the index is untouched" "$before" "$(sha256sum "$index")"
expect_fail "step refuses its finished end task" 1 "$F" step end --run-id 1 --task-id 3 --input-paths a/2
assert_contains "it says so for end too" "$(cat "$ERR")" "task '1/end/3' already finished"

MF_FAULT_FAIL=a expect_fail "a run fails in a" 1 "$F" run
index=.metaflow/RunFaultFlow/2/start/1/index
before=$(sha256sum "$index")
expect_fail "step refuses the failed run's finished start task" 1 "$F" step start --run-id 2 --task-id 1
assert_eq "that index is untouched" "$before" "$(sha256sum "$index")"
run_ok "step still runs a task without an index" "$F" step a --run-id 2 --task-id 2 --input-paths start/1
assert_true "which commits it" test -f .metaflow/RunFaultFlow/2/a/2/index
finish
