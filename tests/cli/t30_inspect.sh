#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t30_inspect.sh - looking into past runs: the client API reads back every
# artifact of the six examples; runs, dump, logs and tag on their runs; bad
# and unknown pathspecs refused with a message naming the part.
. "$(dirname "$0")/lib.sh"

R=$FLOWS/client_reader
M=$EXAMPLES/merge_artifacts_flow

run_ok "linear runs" "$EXAMPLES/linear_flow" run
run_ok "branch runs" "$EXAMPLES/branch_flow" run
run_ok "foreach runs" "$EXAMPLES/foreach_flow" run
run_ok "parameter runs" "$EXAMPLES/parameter_flow" run --alpha 0.5
run_ok "json parameter runs" "$EXAMPLES/json_parameter_flow" run --gdp '{"FR": 2700}' --country FR
run_ok "merge_artifacts runs, tagged" "$M" run --tag nightly --tag v1

# The client API reads back every artifact.
run_ok "client reads LinearFlow" "$R" "$ROOT" LinearFlow
assert_eq "LinearFlow's artifacts" 'start my_var = "hello world"
a my_var = "hello world"
end my_var = "hello world"' "$(cat "$OUT")"
run_ok "client reads BranchFlow" "$R" "$ROOT" BranchFlow
assert_eq "BranchFlow's artifacts" 'a x = 1
b x = 2' "$(cat "$OUT")"
run_ok "client reads ForeachFlow" "$R" "$ROOT" ForeachFlow
assert_contains "ForeachFlow's titles" "$(cat "$OUT")" 'start titles = ["Stranger Things","House of Cards","Narcos"]'
assert_contains "ForeachFlow's results" "$(cat "$OUT")" 'end results = ["Stranger Things processed","House of Cards processed","Narcos processed"]'
assert_eq "ForeachFlow: one title per foreach task" 3 "$(grep -c '^a title = ' "$OUT")"
run_ok "client reads ParameterFlow" "$R" "$ROOT" ParameterFlow
assert_eq "ParameterFlow has no artifacts of its own" "" "$(cat "$OUT")"
run_ok "client reads JSONParameterFlow" "$R" "$ROOT" JSONParameterFlow
run_ok "client reads MergeArtifactsFlow" "$R" "$ROOT" MergeArtifactsFlow
assert_eq "MergeArtifactsFlow's join" 'join common = 5
join from_a = 6
join pass_down = "a"
join x = 1' "$(grep '^join ' "$OUT")"

# runs
run_ok "runs" "$M" runs
assert_contains "runs shows the run, its status and tags" "$(cat "$OUT")" "succeeded"
assert_contains "... tags" "$(cat "$OUT")" "nightly,v1"
run_ok "runs --json" "$M" runs --json
assert_contains "runs --json" "$(cat "$OUT")" '"run_id":"1","status":"succeeded"'

# dump
run_ok "dump a run" "$M" dump 1
assert_contains "dump of the run shows the join" "$(cat "$OUT")" "== 1/join/4"
run_ok "dump a step" "$M" dump 1/join
assert_contains "dump of a step" "$(cat "$OUT")" "x (int) = 1"
run_ok "dump a task" "$M" dump 1/a/2
assert_contains "dump of a task" "$(cat "$OUT")" "y (int) = 3"
run_ok "dump one artifact" "$M" dump 1/join/4 --artifact pass_down
assert_eq "... only that one" '== 1/join/4
  pass_down (str) = "a"' "$(cat "$OUT")"
run_ok "dump --json" "$M" dump 1/join/4 --json
assert_contains "dump --json" "$(cat "$OUT")" '"artifacts":{"common":5,"from_a":6,"pass_down":"a","x":1}'
expect_fail "dump of a missing artifact" 1 "$M" dump 1/join/4 --artifact nope
assert_contains "... lists the task's artifacts" "$(cat "$ERR")" "its artifacts are 'common', 'from_a', 'pass_down', 'x'"
expect_fail "dump ../x is refused" 2 "$M" dump ../x
assert_contains "... naming the bad part" "$(cat "$ERR")" "the run id '..' is not a number"
expect_fail "dump 1/a/b/c is refused" 2 "$M" dump 1/a/b/c
assert_contains "... too many parts" "$(cat "$ERR")" "too many parts"
expect_fail "dump of an unknown run" 1 "$M" dump 999
assert_contains "... lists the runs" "$(cat "$ERR")" "run '999' of flow 'MergeArtifactsFlow' does not exist; its runs are: 1"
expect_fail "dump of an unknown step" 1 "$M" dump 1/nosuch
assert_contains "... lists the steps" "$(cat "$ERR")" "its steps are 'start', 'a', 'b', 'join', 'end'"

# logs
run_ok "logs of a task" "$M" logs 1/join/4
assert_eq "... what it printed" "x is 1
pass_down is a
common is 5
from_a is 6" "$(cat "$OUT")"
run_ok "logs of a step" "$M" logs 1/join
assert_contains "... with a header per task" "$(cat "$OUT")" "== 1/join/4 =="
run_ok "logs --stderr of a silent task" "$M" logs 1/join/4 --stderr
assert_eq "... is empty" "" "$(cat "$OUT")"
expect_fail "logs of a missing attempt" 1 "$M" logs 1/join/4 --attempt 3
assert_contains "... says how many it has" "$(cat "$ERR")" "has no attempt 3"

# tags
run_ok "tag add" "$M" tag add 1 reviewed
run_ok "tag list" "$M" tag list 1
assert_eq "... lists all three" "nightly
reviewed
v1" "$(LC_ALL=C sort "$OUT")"
run_ok "tag remove" "$M" tag remove 1 nightly
run_ok "tag list again" "$M" tag list 1
assert_eq "... without it" "reviewed
v1" "$(LC_ALL=C sort "$OUT")"
expect_fail "a bad tag is refused" 2 "$M" tag add 1 "two words"
expect_fail "tagging an unknown run" 1 "$M" tag add 42 x
assert_contains "... names the run" "$(cat "$ERR")" "'42'"

finish
