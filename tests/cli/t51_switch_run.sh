#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t51_switch_run.sh - switches and loops at run time: only the chosen case
# runs; a value outside the cases fails with the list of cases; a switch in a
# branch, in a foreach, a branch or a foreach in a case, nested switches, a
# loop inside a foreach; every pass of a loop is its own task; --max-passes;
# resume inside a loop; the switch and loop examples.
. "$(dirname "$0")/lib.sh"

F=$FLOWS/switch_run

# shape NAME [VAR=VALUE ...] -- ARGS: runs the flow of that shape.
shape() {
    local name=$1
    shift
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    run env MF_SHAPE="$name" "${envs[@]}" "$F" "$@"
}

shape in_branch -- run
assert_eq "switch in a branch: only the chosen case ran" "join of 2 inputs: sum 111
ran a
ran ax
ran b" "$(user_lines_sorted)"
shape in_branch MF_CHOICE=y -- run
assert_eq "switch in a branch, other case" "join of 2 inputs: sum 112
ran a
ran ay
ran b" "$(user_lines_sorted)"
shape in_branch MF_CHOICE=z -- run
assert_eq "a value outside the cases fails the run" 1 "$RC"
assert_contains "... listing the cases" "$(cat "$OUT" "$ERR")" "'which' is 'z', which matches no case: the cases are 'x', 'y'"

shape in_foreach -- run
assert_eq "switch in a foreach: each item its own way, joined in order" "1 is odd (from step odd)
2 is even (from step even)
3 is odd (from step odd)
4 is even (from step even)
5 is odd (from step odd)" "$(user_lines)"

shape branch_in -- run
assert_eq "branch inside a switch case" "total 3" "$(user_lines)"
shape branch_in MF_CHOICE=solo -- run
assert_eq "the other case, without the branch" "total 7" "$(user_lines)"

shape foreach_in -- run
assert_eq "foreach inside a switch case" "total 6" "$(user_lines)"
shape foreach_in MF_CHOICE=none -- run
assert_eq "the other case, without the foreach" "total 0" "$(user_lines)"

shape nested -- run
assert_eq "nested switch" "ran leaf_d
ran s2" "$(user_lines_sorted)"
shape nested MF_CHOICE2=c -- run
assert_eq "nested switch, inner case c" "ran leaf_c
ran s2" "$(user_lines_sorted)"
shape nested MF_CHOICE=b -- run
assert_eq "nested switch, outer case b" "ran leaf_b" "$(user_lines_sorted)"

shape loop_in_foreach -- run
assert_eq "a loop inside a foreach: each item its own passes" "item 0 counted to 1
item 1 counted to 3
item 2 counted to 2" "$(user_lines)"
RUN=$(last_run_id SwitchRun)
assert_eq "... one task per pass" 6 "$(ls "$ROOT/SwitchRun/$RUN/count" | wc -l)"

shape foreach_in_loop -- run
assert_eq "a foreach inside a loop: each pass fans out and joins its own items" "round 1 joined 11 and 12
round 2 joined 21 and 22" "$(user_lines)"

# The loop example: 10 passes, 10 tasks, in order.
run_ok "loop example runs" "$EXAMPLES/loop_flow" run
assert_eq "it counts to 10, one pass per task" "$(printf 'pass %d\n' 1 2 3 4 5 6 7 8 9 10)
counted to 10" "$(user_lines)"
assert_eq "10 tasks of the loop step" 10 "$(ls "$ROOT/LoopFlow/1/count" | wc -l)"
run_ok "dump lists every pass of the loop step" "$EXAMPLES/loop_flow" dump 1/count --json
assert_eq "... in order, each with its own artifacts" "1 2 3 4 5 6 7 8 9 10" \
    "$(jq -r '[.[].artifacts.counter] | map(tostring) | join(" ")' "$OUT")"
assert_eq "... the last pass chose to leave" "again again again again again again again again again done" \
    "$(jq -r '[.[].artifacts.next_move] | join(" ")' "$OUT")"
expect_fail "a loop past --max-passes fails" 1 "$EXAMPLES/loop_flow" run --max-passes 3
assert_contains "... saying so" "$(cat "$OUT" "$ERR")" "more than --max-passes 3"

run_ok "switch example, small" "$EXAMPLES/switch_flow" run --value 3
assert_eq "... only small ran" "3 is small
the verdict is small" "$(user_lines)"
run_ok "switch example, big" "$EXAMPLES/switch_flow" run --value 42
assert_eq "... only big ran" "42 is big
the verdict is big" "$(user_lines)"
run_ok "switch example: show lists the cases" "$EXAMPLES/switch_flow" show
assert_contains "... with the condition" "$(cat "$OUT")" "size"

# Resume inside a loop: passes that succeeded are cloned.
export MF_COUNTER=$PWD/counter
: >"$MF_COUNTER"
shape loop MF_FAIL_PASS=4 -- run
assert_eq "a loop failing at pass 4 fails the run" 1 "$RC"
assert_eq "passes 1 to 4 ran" "pass 1
pass 2
pass 3
pass 4" "$(cat "$MF_COUNTER")"
: >"$MF_COUNTER"
shape loop -- resume
assert_eq "resume inside the loop succeeds" 0 "$RC"
assert_eq "it goes on from the failed pass" "pass 4
pass 5
pass 6" "$(cat "$MF_COUNTER")"
assert_eq "... with the right result" "counted to 6" "$(user_lines)"
assert_eq "the resumed run cloned three passes" 3 "$(grep -c 'cloned from .*/count/' "$OUT")"

finish
