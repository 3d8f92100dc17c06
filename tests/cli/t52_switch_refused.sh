#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t52_switch_refused.sh - switch graphs that cannot run are refused by check
# and by run, with their message, before anything is created.
. "$(dirname "$0")/lib.sh"

F=$FLOWS/refused_switch

# refused NAME MESSAGE: check and run both exit 1 with MESSAGE; no datastore.
refused() {
    local name=$1 msg=$2
    rm -rf "$ROOT"
    run env MF_BAD="$name" "$F" check
    assert_eq "$name: check exits 1" 1 "$RC"
    assert_contains "$name: check says why" "$(cat "$ERR")" "$msg"
    run env MF_BAD="$name" "$F" run
    assert_eq "$name: run exits 1" 1 "$RC"
    assert_contains "$name: run says why" "$(cat "$ERR")" "$msg"
    assert_true "$name: nothing was created" test ! -e "$ROOT"
}

refused no_condition "switch step 'start' has cases but no condition: set .switch_on"
refused no_cases "switch step 'start' switches on 'x' but has no cases"
refused dup_value "switch step 'start' has two cases for the value 'a'"
refused missing_step "case 'b' goes to 'nowhere', which is not a step of the flow"
refused no_exit "steps 'start', 'spin' and 'spin2' never lead to 'end'"
refused plain_cycle "steps 'c' -> 'd' -> 'c' form a cycle"
refused unjoined_case "the paths of a switch meet at 'meet' under different splits"
refused join_in_loop "join 'j' is inside a loop but closes 'start', which splits before the loop"
refused foreach_out "'body' fans out inside a loop but is joined by 'j' after the loop"
refused one_case "switch step 'start' has only one case: add a case for each other value of 'x', or use .next"
refused jump_across "switch step 'a' jumps into another split: it runs in the branch 'a' of 'start', but its case 'cross' goes to 'c2'"
refused back_across "'top' splits inside a loop but is joined by 'j' after the loop"

finish
