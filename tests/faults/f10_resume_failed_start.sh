#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f10: resuming a run that failed in its first step (the origin has no task
# at all). Found by UBSan as qsort(NULL, 0, ...) in runtime_resume.c; under
# the sanitizer build this test aborted.
. "$(dirname "$0")/../cli/lib.sh"
F=$FLOWS/run_fault_flow

MF_FAULT_FAIL=start expect_fail "a run failing in start fails" 1 "$F" run
assert_contains "it names the step" "$(cat "$OUT")" "the test asked step 'start' to fail"
MF_FAULT_FAIL=start expect_fail "resuming it, still failing in start, fails cleanly" 1 "$F" resume
assert_contains "the resume says which task failed" "$(cat "$OUT")" "/start/1 failed"
assert_not_contains "no sanitizer report" "$(cat "$ERR")" "runtime error"
run_ok "resuming it once start works" "$F" resume
assert_done "the resume says Done!"
assert_eq "the resumed run computed y" "end: x=1 y=2" "$(user_lines)"
finish
