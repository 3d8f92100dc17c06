#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t14_failure.sh - a task that fails (exit(3), mf_fail, a missing artifact,
# SIGSEGV) fails the run: exit 1, no later task starts, the last lines name
# the task's pathspec and the reason and say how to resume; a task killed by a
# signal has it written into its stderr log.
. "$(dirname "$0")/lib.sh"

F=$FLOWS/fail_flow

run_ok "no failure: the whole flow runs" "$F" run
assert_done "no failure: Done!"
assert_eq "no failure: every step ran" "start ran
exits ran
fails ran
missing ran
segv ran
end ran with present=1" "$(user_lines)"

# check_failure STEP REASON STEPS_THAT_RAN: MF_TEST_FAIL=STEP makes STEP fail.
check_failure() {
    local step=$1 reason=$2 ran=$3 run_id task tail all
    MF_TEST_FAIL=$step run "$F" run
    if [ "$RC" -eq 1 ]; then pass "$step: run exits 1"; else fail "$step: run exits 1" "got exit $RC"; fi
    run_id=$(last_run_id FailFlow)
    task=$(ls "$ROOT/FailFlow/$run_id/$step" 2>/dev/null | head -n 1)
    tail=$(tail -n 8 "$OUT"; tail -n 8 "$ERR")
    all=$(cat "$OUT" "$ERR")
    assert_contains "$step: last lines say failed" "$tail" "failed"
    assert_contains "$step: last lines name $run_id/$step/$task" "$tail" "$run_id/$step/$task"
    assert_contains "$step: last lines give the reason '$reason'" "$tail" "$reason"
    assert_contains "$step: last lines say how to resume" "$tail" "resume"
    assert_eq "$step: the steps before ran, nothing after" "$ran
$step: failing now" "$(user_lines)"
    assert_true "$step: the end step never started" test ! -e "$ROOT/FailFlow/$run_id/end"
    assert_true "$step: the failed task left no index" test ! -e "$ROOT/FailFlow/$run_id/$step/$task/index"
    assert_true "$step: start's index exists" test -n "$(find "$ROOT/FailFlow/$run_id/start" -name index)"
    assert_contains "$step: the task's log kept its output" \
        "$(cat "$ROOT/FailFlow/$run_id/$step/$task/0.stdout" 2>/dev/null)" "$step: failing now"
    ALL=$all
}

check_failure exits "exit code 3" "start ran
exits ran"

check_failure fails "failed" "start ran
exits ran
fails ran"
assert_contains "fails: mf_fail's message is shown" "$ALL" "the test asked step 'fails' to fail"
assert_true "fails: the message is on stderr, prefixed" \
    grep -qE "^\[[0-9]+/fails/[0-9]+ \(pid [0-9]+\)\] .*the test asked step 'fails' to fail" "$ERR"

check_failure missing "failed" "start ran
exits ran
fails ran
missing ran"
assert_contains "missing: the message names the artifact" "$ALL" "no_such_artifact"
assert_true "missing: the message is on stderr and names the step" \
    grep -qE "^\[[0-9]+/missing/[0-9]+ \(pid [0-9]+\)\] .*missing.*no_such_artifact|no_such_artifact.*missing" "$ERR"

check_failure segv "signal SIGSEGV" "start ran
exits ran
fails ran
missing ran
segv ran"
# The task cannot say it died; the scheduler writes it into the task's own log.
segv_task=$(ls "$ROOT/FailFlow/$(last_run_id FailFlow)/segv" | head -n 1)
assert_eq "segv: the task's stderr log ends with the signal, in words and by name" \
    "task failed: segmentation fault (SIGSEGV)" \
    "$(tail -n 1 "$ROOT/FailFlow/$(last_run_id FailFlow)/segv/$segv_task/0.stderr" 2>/dev/null)"

run_ok "dump --json of the step whose task a signal killed" "$F" dump "$(last_run_id FailFlow)/segv" --json
assert_true "--json gives its exception: a signal, SIGSEGV's number" jq -e \
    '.[0].finished == false and .[0].exception.type == "signal" and .[0].exception.signal == 11' "$OUT"
run_ok "runs --json" "$F" runs --json
assert_true "a failed run has no end task" jq -e --arg r "$(last_run_id FailFlow)" \
    '(.[] | select(.run_id == $r) | .end_task) == null' "$OUT"

# Each failed run is its own run; the earlier successful one is untouched.
assert_eq "five runs so far" "5" "$(run_count FailFlow)"
assert_true "run 1's end succeeded" test -n "$(find "$ROOT/FailFlow/1/end" -name index)"

# A datastore root that is a file is named, with the fix, before any run.
: >not_a_dir
expect_fail "a file as datastore root is refused" 1 "$EXAMPLES/linear_flow" --datastore-root not_a_dir run
assert_eq "... in one line naming it" \
    "error: '$PWD/not_a_dir' is a file, not a directory: remove it or choose another path" "$(cat "$ERR")"
expect_fail "... also below it" 1 "$EXAMPLES/linear_flow" --datastore-root not_a_dir/store run
assert_contains "... naming the file" "$(cat "$ERR")" "'$PWD/not_a_dir' is a file, not a directory"

finish
