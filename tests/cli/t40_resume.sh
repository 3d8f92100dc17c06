#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t40_resume.sh - resume re-runs a failed run from where it failed: cloned
# tasks do not run again (a counter file written by every task proves it),
# through a foreach with one failed split, a branch and its joins; resume
# STEP runs that step and all after it again; bad resumes get a message.
. "$(dirname "$0")/lib.sh"

F=$FLOWS/resume_flow
export MF_COUNTER=$PWD/counter

expect_fail "resume before any run is refused" 1 "$F" resume
assert_contains "... saying there is no run" "$(cat "$ERR")" "no run"

# ran: the tasks that appended to the counter since it was last cleared.
ran() { LC_ALL=C sort "$MF_COUNTER" | tr '\n' ' '; }

# 1. A middle step fails; resume runs it and what follows, clones the rest.
: >"$MF_COUNTER"
MF_FAIL_AT=left run "$F" run
assert_eq "failing run exits 1" 1 "$RC"
assert_contains "it says how to resume" "$(tail -n 1 "$OUT")" "resume --origin-run-id 1"
: >"$MF_COUNTER"
run_ok "resume after a failed middle step" "$F" resume
assert_done "resume says Done!"
assert_eq "only the failed step and what follows ran" "end left merge " "$(ran)"
assert_eq "the result is the same as a fresh run" "sum=30 l=31 r=32" "$(user_lines)"
assert_contains "cloned tasks say so" "$(cat "$OUT")" "[2/join/6] cloned from 1/join/6"
assert_contains "resume names its origin" "$(cat "$OUT")" "cloning what succeeded in run 1"
FAN=$(sed -n 's|^\[2/fan/\([0-9]*\)\] cloned from 1/fan/[0-9]*$|\1|p' "$OUT")
run_ok "logs of a cloned task" "$F" logs "2/fan/$FAN" --stderr
assert_eq "... are the log of the task it was cloned from" "fan ran in run 1" "$(cat "$OUT")"

# 2. One split of the foreach fails: only it, the join and what follows run.
: >"$MF_COUNTER"
MF_FAIL_AT=work:2 run "$F" run
assert_eq "run with a failing split exits 1" 1 "$RC"
FAILED=$(last_run_id ResumeFlow)
: >"$MF_COUNTER"
run_ok "resume after a failed split" "$F" resume --origin-run-id "$FAILED"
assert_eq "only the failed split and what follows ran" "end fan join left merge right work:2 " "$(ran)"
assert_eq "the result is right" "sum=30 l=31 r=32" "$(user_lines)"
RESUMED=$(last_run_id ResumeFlow)

# 3. resume STEP: that step and every step after it run again.
: >"$MF_COUNTER"
run_ok "resume from a named step" "$F" resume join --origin-run-id "$RESUMED"
assert_eq "the step and all after it ran, nothing before" "end fan join left merge right " "$(ran)"
W0=$(sed -n "s|^\[[0-9]*/work/\([0-9]*\)\] cloned from $RESUMED/work/.*|\1|p" "$OUT" | head -n 1)
LAST=$(last_run_id ResumeFlow)
run_ok "logs of a clone of a clone" "$F" logs "$LAST/work/$W0" --stderr
assert_contains "... are the log of the task that ran" "$(cat "$OUT")" "ran in run $FAILED"

# 4. Refusals.
expect_fail "resuming a run that succeeded is refused" 1 "$F" resume --origin-run-id "$RESUMED"
assert_contains "... saying there is nothing to resume" "$(cat "$ERR")" "nothing to resume"
expect_fail "an unknown run id is refused" 1 "$F" resume --origin-run-id 999
assert_contains "... listing the runs" "$(cat "$ERR")" "does not exist; its runs are"
expect_fail "new parameter values are refused" 2 "$F" resume --alpha 1
assert_contains "... saying parameters come from the origin" "$(cat "$ERR")" "parameters of its origin run"
expect_fail "an unknown step is refused" 2 "$F" resume nosuch
assert_contains "... naming it" "$(cat "$ERR")" "'nosuch' is not a step"

finish
