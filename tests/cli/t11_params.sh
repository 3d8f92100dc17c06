#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t11_params.sh - parameters on the command line: values reach every step,
# and a bad value, an unknown option or a missing value is a usage error
# (exit 2, a message naming the parameter) that creates no run.
. "$(dirname "$0")/lib.sh"

P=$EXAMPLES/parameter_flow
J=$EXAMPLES/json_parameter_flow

run_ok "alpha 0.5" "$P" run --alpha 0.5
assert_done "alpha 0.5: Done!"
assert_eq "alpha 0.5: both steps see it" "alpha is 0.500000
alpha is still 0.500000" "$(user_lines)"

run_ok "alpha=2" "$P" run --alpha=2
assert_eq "alpha=2: --name=value form" "alpha is 2.000000
alpha is still 2.000000" "$(user_lines)"

run_ok "json gdp and country" "$J" run --gdp '{"FR": 2700}' --country FR
assert_done "json: Done!"
assert_eq "json: FR" 'The GDP of FR is $2700B' "$(user_lines)"

run_ok "json country only" "$J" run --country US
assert_eq "json: default gdp" 'The GDP of US is $1939B' "$(user_lines)"

run_ok "json nested value" "$J" run --gdp '{"DE": 4000, "JP": {"x": 1}}' --country DE
assert_eq "json: DE from a larger map" 'The GDP of DE is $4000B' "$(user_lines)"

# A country missing from the map fails the task (Python raises KeyError).
expect_fail "json: unknown country fails the run" 1 "$J" run --country XX
assert_contains "json: the failure names the country" "$(cat "$OUT" "$ERR")" "XX"

# usage_error DESC PARAM CMD...: exit 2, PARAM named on stderr, no new run.
usage_error() {
    local desc=$1 param=$2 flow runs_before
    shift 2
    case $1 in
    "$P") flow=ParameterFlow ;;
    *) flow=JSONParameterFlow ;;
    esac
    runs_before=$(run_count "$flow")
    expect_fail "$desc: exit 2" 2 "$@"
    assert_contains "$desc: stderr names '$param'" "$(cat "$ERR")" "$param"
    assert_eq "$desc: no run directory" "$runs_before" "$(run_count "$flow")"
    assert_eq "$desc: no task ran" "" "$(user_lines)"
}

# In a fresh directory, a refused run must not even create the datastore.
mkdir fresh && cd fresh || exit 1
expect_fail "bad alpha in a fresh dir: exit 2" 2 "$P" run --alpha abc
assert_true "bad alpha creates no datastore" test ! -e "$ROOT/ParameterFlow"
cd .. || exit 1

usage_error "--alpha abc" alpha "$P" run --alpha abc
usage_error "--alpha with no value" alpha "$P" run --alpha
usage_error "--alpha empty" alpha "$P" run --alpha ''
usage_error "--nosuch 1" nosuch "$P" run --nosuch 1
usage_error "--gdp bad JSON" gdp "$J" run --gdp '{"FR": }'
usage_error "--gdp bad JSON with country" gdp "$J" run --gdp '{"FR": }' --country FR
usage_error "--alpha given twice" alpha "$P" run --alpha 1 --alpha 2
usage_error "--max-num-splits abc" max-num-splits "$P" run --max-num-splits abc
usage_error "--max-workers 0" max-workers "$P" run --max-workers 0

# The help names each parameter, its default and its help text.
run_ok "run --help" "$J" run --help
assert_contains "help: --gdp" "$(cat "$OUT")" "--gdp"
assert_contains "help: --country" "$(cat "$OUT")" "--country"
assert_contains "help: country's default" "$(cat "$OUT")" "US"

finish
