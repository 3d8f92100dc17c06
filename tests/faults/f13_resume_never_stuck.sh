#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f13: plain `resume` never gets stuck. A run recorded without its parameters
# (killed between recording the run and writing them, in stores written
# before run ids were allocated with the parameters) made every later resume
# fail on it and record one more empty failed run, which became the latest.
# Such a run is skipped, saying so; a failed resume that finished no task does
# not hide the run it came from.
. "$(dirname "$0")/../cli/lib.sh"
F=$FLOWS/run_fault_flow

MF_FAULT_FAIL=a expect_fail "run 1 fails in a" 1 "$F" run
run_ok "run 2 succeeds" "$F" run
rm -rf .metaflow/RunFaultFlow/2/_parameters   # as if killed before writing them
MF_FAULT_FAIL=a expect_fail "a resume (still failing in a) fails in a, not on run 2" 1 "$F" resume
assert_contains "it says it skips run 2" "$(cat "$OUT")" "skipping run 2: it never started"
assert_contains "it clones start from run 1" "$(cat "$OUT")" "cloned from 1/start/1"
assert_not_contains "it names no internals" "$(cat "$OUT" "$ERR")" "_parameters"
MF_FAULT_FAIL=a expect_fail "the next resume fails in a again" 1 "$F" resume
assert_contains "it resumes the first resume, run 3" "$(cat "$OUT")" "cloned from 3/start/1"
expect_fail "resuming run 2 by name says it never started" 1 "$F" resume --origin-run-id 2
assert_contains "with a clear message" "$(cat "$ERR")" "run 2 of RunFaultFlow never started"
assert_not_contains "naming no internals" "$(cat "$ERR")" "_parameters"

# A resume that ran again from start and failed there finished no task: the
# next plain resume goes back to the run it came from.
MF_FAULT_FAIL=start expect_fail "resume start fails in start" 1 "$F" resume start --origin-run-id 1
new=$(last_run_id RunFaultFlow)
run_ok "plain resume after it" "$F" resume
assert_contains "it skips the empty resume" "$(cat "$OUT")" "skipping run $new: a resume of run 1 that finished no task"
assert_contains "and clones start from run 1" "$(cat "$OUT")" "cloned from 1/start/1"
assert_done "the resume succeeds"
assert_eq "with the right result" "end: x=1 y=2" "$(user_lines)"
finish
