#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t13_foreach_wide.sh - a 1,000-item foreach whose join checks it received
# every item in index order, and the --max-num-splits guard that refuses a
# foreach wider than allowed (100 by default).
. "$(dirname "$0")/lib.sh"

W=$FLOWS/wide_foreach

run_ok "width 10 (default)" "$W" run
assert_done "width 10: Done!"
assert_eq "width 10: join saw 10 in order" "join: 10 items in index order
end: count is 10" "$(user_lines)"

run_ok "width 1000 with --max-num-splits 1000" "$W" run --width 1000 --max-num-splits 1000
assert_done "width 1000: Done!"
assert_eq "width 1000: join saw 1000 in order" "join: 1000 items in index order
end: count is 1000" "$(user_lines)"
run_id=$(last_run_id WideForeachFlow)
assert_eq "width 1000: 1000 work tasks" "1000" "$(ls "$ROOT/WideForeachFlow/$run_id/work" | wc -l | tr -d ' ')"
assert_eq "width 1000: each work task has an index" "1000" \
    "$(find "$ROOT/WideForeachFlow/$run_id/work" -mindepth 2 -maxdepth 2 -name index | wc -l | tr -d ' ')"

# Exactly the limit is allowed.
run_ok "width 100 with the default limit" "$W" run --width 100
assert_eq "width 100: join saw 100" "join: 100 items in index order
end: count is 100" "$(user_lines)"

# One more than the limit fails the foreach step and starts none of its tasks.
expect_fail "width 101 with the default limit fails" 1 "$W" run --width 101
all=$(cat "$OUT" "$ERR")
assert_contains "refusal names the step" "$all" "start"
assert_contains "refusal names the width" "$all" "101"
assert_contains "refusal names --max-num-splits" "$all" "--max-num-splits"
assert_contains "refusal gives the limit" "$all" "100"
run_id=$(last_run_id WideForeachFlow)
assert_true "refused: no work task started" test ! -e "$ROOT/WideForeachFlow/$run_id/work"
assert_eq "refused: no task output" "" "$(user_lines)"

expect_fail "width 11 with --max-num-splits 10 fails" 1 "$W" run --width 11 --max-num-splits 10
assert_contains "refusal gives the lower limit" "$(cat "$OUT" "$ERR")" "10"

finish
