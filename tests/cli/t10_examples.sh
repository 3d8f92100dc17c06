#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t10_examples.sh - the seed's six examples: each run prints exactly what the
# Python original prints, and show, show --dot and check succeed on each.
. "$(dirname "$0")/lib.sh"

# check_example NAME EXPECTED [SORT]: runs NAME and compares its task output.
check_example() {
    local name=$1 expected=$2 sorted=${3:-}
    run_ok "$name: run exits 0" "$EXAMPLES/$name" run
    assert_done "$name: run ends with Done!"
    if [ -n "$sorted" ]; then
        assert_eq "$name: user lines" "$expected" "$(user_lines_sorted)"
    else
        assert_eq "$name: user lines" "$expected" "$(user_lines)"
    fi
}

check_example linear_flow "the data artifact is: hello world
the data artifact is still: hello world"

check_example branch_flow "a is 1
b is 2
total is 3"

check_example foreach_flow "Stranger Things processed
House of Cards processed
Narcos processed"

check_example parameter_flow "alpha is 0.010000
alpha is still 0.010000"

check_example json_parameter_flow "The GDP of US is \$1939B"

check_example merge_artifacts_flow "x is 1
pass_down is a
common is 5
from_a is 6"

# Each example ran once, as run 1 of its flow, with an index per task.
assert_eq "linear_flow: run id 1" "1" "$(last_run_id LinearFlow)"
for step in start a end; do
    assert_true "linear_flow: $step has an index" test -f "$ROOT/LinearFlow/1/$step/$(ls "$ROOT/LinearFlow/1/$step" | head -n 1)/index"
done
assert_eq "foreach_flow: three tasks of a" "3" "$(ls "$ROOT/ForeachFlow/1/a" | wc -l | tr -d ' ')"
# Task output is kept as the task's log too.
a_task=$(ls "$ROOT/LinearFlow/1/a" | head -n 1)
assert_eq "linear_flow: a's log" "the data artifact is: hello world" "$(cat "$ROOT/LinearFlow/1/a/$a_task/0.stdout" 2>/dev/null)"

for name in linear_flow branch_flow foreach_flow parameter_flow json_parameter_flow merge_artifacts_flow; do
    run_ok "$name: show" "$EXAMPLES/$name" show
    assert_contains "$name: show names start" "$(cat "$OUT")" "start"
    run_ok "$name: show --dot" "$EXAMPLES/$name" show --dot
    assert_eq "$name: dot starts with digraph" "digraph" "$(head -c 7 "$OUT")"
    run_ok "$name: check" "$EXAMPLES/$name" check
    run_ok "$name: --help" "$EXAMPLES/$name" --help
    run_ok "$name: run --help" "$EXAMPLES/$name" run --help
done

# Every command has a --help that exits 0 and starts with its usage line.
mkdir -p help && cd help || exit 1
for cmd in run resume show check runs dump logs tag step; do
    run_ok "branch_flow $cmd --help" "$EXAMPLES/branch_flow" $cmd --help
    assert_contains "$cmd --help starts with its usage" "$(head -n 1 "$OUT")" "usage: $EXAMPLES/branch_flow $cmd"
done
assert_true "no --help created a datastore" test ! -e "$ROOT"
cd .. || exit 1

# The graphs in show: where each step goes.
run_ok "branch_flow: show" "$EXAMPLES/branch_flow" show
assert_contains "branch_flow: show has the join" "$(cat "$OUT")" "join"
run_ok "foreach_flow: show --dot" "$EXAMPLES/foreach_flow" show --dot
assert_contains "foreach_flow: dot has start -> a" "$(tr -d ' "' <"$OUT")" "start->a"

# Parameters are listed by run --help with their help text.
run_ok "parameter_flow: run --help" "$EXAMPLES/parameter_flow" run --help
assert_contains "run --help lists --alpha" "$(cat "$OUT")" "--alpha"
assert_contains "run --help shows alpha's help" "$(cat "$OUT")" "Learning rate"
run_ok "json_parameter_flow: run --help" "$EXAMPLES/json_parameter_flow" run --help
assert_contains "run --help shows gdp's help" "$(cat "$OUT")" "Country-GDP Mapping"
assert_contains "run --help shows country's help" "$(cat "$OUT")" "Choose a country"

# A second run of the same flow is run 2; MF_DATASTORE_ROOT and the option move the root.
run_ok "linear_flow: second run" "$EXAMPLES/linear_flow" run
assert_eq "linear_flow: run id 2" "2" "$(last_run_id LinearFlow)"
MF_DATASTORE_ROOT=$PWD/envroot run_ok "run under MF_DATASTORE_ROOT" "$EXAMPLES/linear_flow" run
assert_eq "env root holds run 1" "1" "$(last_run_id LinearFlow envroot)"
MF_DATASTORE_ROOT=$PWD/envroot run_ok "--datastore-root beats the env" "$EXAMPLES/linear_flow" run --datastore-root optroot
assert_eq "option root holds run 1" "1" "$(last_run_id LinearFlow optroot)"
assert_eq "env root still has one run" "1" "$(run_count LinearFlow envroot)"

# --max-workers 1 runs the branch one task at a time, with the same output.
run_ok "branch_flow: --max-workers 1" "$EXAMPLES/branch_flow" run --max-workers 1
assert_eq "branch_flow: same lines with one worker" "a is 1
b is 2
total is 3" "$(user_lines)"

finish
