#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t42_catch.sh - catch_var as in Metaflow: a step that fails through mf_fail()
# or an API error on its last attempt keeps what that attempt set, plus the
# failure (type and message), and .retries = 2 means 3 attempts in all, the
# last one caught; nothing an earlier failed attempt set is visible. A crash
# or a timeout keeps only what the task inherited, plus the failure, recorded
# by one more attempt (docs/design.md "A catch").
. "$(dirname "$0")/lib.sh"

F=$FLOWS/catch_flow

run_ok "a flow whose steps all fail and are caught succeeds" "$F" run
assert_done "it says Done!"
R=$(last_run_id CatchFlow)
D=$ROOT/CatchFlow/$R
assert_eq "keeps ran 3 attempts (retries = 2), no more" "keeps attempt 0
keeps attempt 1
keeps attempt 2" "$(user_lines | grep '^keeps attempt')"
keeps=$(ls "$D/keeps")
assert_true "keeps recorded no fourth attempt's logs" test ! -e "$D/keeps/$keeps/3.stderr"
assert_contains "the console says the third attempt was caught with what it set" "$(cat "$OUT")" \
    "task failed on attempt 2; caught in artifact 'keeps_failure' with what the step set"
assert_contains "mf_fail's failure: its type, attempt and message" "$(user_lines)" \
    "keeps_failure: type=mf_fail attempt=2 reason=keeps fails on attempt 2"
assert_contains "an API error's failure: its type and message" "$(user_lines)" \
    "api_failure: type=api_error attempt=0 reason=artifact 'no_such_artifact'"
assert_contains "what the caught attempt set is kept" "$(user_lines)" "has kept: yes"
assert_contains "... for an API error too" "$(user_lines)" "has before_error: yes"
assert_contains "what an earlier failed attempt set is never visible" "$(user_lines)" "has from_attempt0: no"
assert_contains "inherited artifacts go on" "$(user_lines)" "has base: yes"
assert_contains "a crash is caught by one more attempt" "$(user_lines)" "crash_failure: type=signal attempt=0"
assert_contains "... which keeps nothing the crashed attempt set" "$(user_lines)" "has before_crash: no"
assert_true "... started after the crash to record it" \
    grep -qE "^\[$R/crash/[0-9]+\] task starting to record its failure in its catch artifact" "$OUT"
crash=$(ls "$D/crash")
assert_contains "... whose log says how it died" "$(cat "$D/crash/$crash/0.stderr")" \
    "task failed: segmentation fault (SIGSEGV)"
assert_contains "a timeout is caught by one more attempt" "$(user_lines)" "slow_failure: type=timeout attempt=0"
assert_contains "... which keeps nothing the timed-out attempt set" "$(user_lines)" "has before_timeout: no"


# dump --json and runs --json of the caught run (item 6 of issue 11)
keeps=$(ls "$D/keeps")
run_ok "dump --json of the caught task" "$F" dump "$R/keeps/$keeps" --json
assert_true "--json gives its exception: type, attempt, reason" jq -e \
    '.[0].exception.type == "mf_fail" and .[0].exception.attempt == 2 and (.[0].exception.reason | test("keeps fails on attempt 2"))' "$OUT"
run_ok "runs --json" "$F" runs --json
assert_true "--json names the run's end task" jq -e --arg r "$R" \
    '(.[] | select(.run_id == $r) | .end_task) | test("^" + $r + "/end/[0-9]+$")' "$OUT"
finish
