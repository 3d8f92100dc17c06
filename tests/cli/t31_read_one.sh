#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t31_read_one.sh - the one-call client API on real runs: mf_read() by a path
# with latest_successful and the task left out, errors as a status and a
# message (never a zero), and mf_index() on client handles of foreach tasks.
. "$(dirname "$0")/lib.sh"

R=$FLOWS/one_line_reader
run_ok "branch runs" "$EXAMPLES/branch_flow" run
run_ok "typed flow runs" "$FLOWS/py_types_flow" run

run_ok "one call reads the join's total" "$R" "$ROOT" BranchFlow/latest_successful/join/total
assert_eq "... which is 3" 3 "$(cat "$OUT")"
run_ok "as a double" "$R" --double "$ROOT" BranchFlow/latest_successful/join/total
assert_eq "... an int reads as a double" 3 "$(cat "$OUT")"
run_ok "with the task id" "$R" "$ROOT" BranchFlow/1/a/2/x
assert_eq "... a's x" 1 "$(cat "$OUT")"
run_ok "a parameter" "$R" --double "$ROOT" PyTypesFlow/latest/end/weight
assert_eq "... its default" 0.75 "$(cat "$OUT")"
run_ok "a nested value" "$R" "$ROOT" PyTypesFlow/1/join/positions
assert_eq "... the join's list" "[0,1,2]" "$(cat "$OUT")"

expect_fail "a missing double is an error, not 0.0" 1 "$R" --double "$ROOT" BranchFlow/latest_successful/join/nope
assert_contains "... naming the task and what it has" "$(cat "$ERR")" \
    "task 'BranchFlow/1/join/4' has no artifact 'nope'; its artifacts are 'total' (not found)"
assert_eq "... and printing no number" "" "$(cat "$OUT")"
expect_fail "a str read as a double is a type error" 1 "$R" --double "$ROOT" PyTypesFlow/1/end/done
assert_contains "... with both types" "$(cat "$ERR")" "is a str, not a double (wrong type)"
expect_fail "a step of several tasks needs the task" 1 "$R" "$ROOT" PyTypesFlow/1/body/item
assert_contains "... and lists them" "$(cat "$ERR")" "has 3 tasks (2, 3, 4): name one, as PyTypesFlow/1/body/TASK/item"
expect_fail "no successful run of an unknown flow" 1 "$R" "$ROOT" NoFlow/latest_successful/end/x
assert_contains "... says so" "$(cat "$ERR")" "NoFlow"

# mf_index() on a client handle: the foreach position each body task ran at.
for id in 2 3 4; do
    run_ok "index of body task $id" "$R" --index "$ROOT" PyTypesFlow "1/body/$id"
    want=$("$R" "$ROOT" "PyTypesFlow/1/body/$id/position")
    assert_eq "... equals the position it stored" "$((id - 2))" "$(cat "$OUT")"
    assert_eq "... as the task stored it" "$want" "$(cat "$OUT")"
done
expect_fail "index outside a foreach is an error, not the end of the program" 1 "$R" --index "$ROOT" PyTypesFlow 1/start/1
assert_contains "... with the message" "$(cat "$ERR")" "mf_index() is only available inside a foreach"
finish
