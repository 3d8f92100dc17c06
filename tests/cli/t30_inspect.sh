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
b x = 2
join total = 3
end total = 3' "$(cat "$OUT")"
run_ok "client reads ForeachFlow" "$R" "$ROOT" ForeachFlow
assert_contains "ForeachFlow's titles" "$(cat "$OUT")" 'start titles = ["Stranger Things","House of Cards","Narcos"]'
assert_contains "ForeachFlow's results" "$(cat "$OUT")" 'end results = ["Stranger Things processed","House of Cards processed","Narcos processed"]'
assert_eq "ForeachFlow: one title per foreach task" 3 "$(grep -c '^a title = ' "$OUT")"
run_ok "client reads ParameterFlow" "$R" "$ROOT" ParameterFlow alpha
assert_eq "ParameterFlow: no artifacts of its own, alpha as given" 'param alpha = 0.5' "$(cat "$OUT")"
run_ok "client reads JSONParameterFlow" "$R" "$ROOT" JSONParameterFlow gdp country
assert_eq "JSONParameterFlow's parameters" 'param gdp = {"FR":2700}
param country = "FR"' "$(cat "$OUT")"
run_ok "client reads MergeArtifactsFlow" "$R" "$ROOT" MergeArtifactsFlow
assert_eq "MergeArtifactsFlow's join" 'join common = 5
join from_a = 6
join pass_down = "a"
join x = 1' "$(grep '^join ' "$OUT")"
assert_eq "MergeArtifactsFlow's branches keep their own x and y" 'a x = 1
a y = 3
b x = 2
b y = 4' "$(grep -E '^[ab] [xy] ' "$OUT")"
assert_eq "MergeArtifactsFlow's end inherits the join's" 'end common = 5
end from_a = 6
end pass_down = "a"
end x = 1' "$(grep '^end ' "$OUT")"
expect_fail "client of an unknown flow" 1 "$R" "$ROOT" NoSuchFlow
assert_contains "... says it has no runs" "$(cat "$ERR")" "flow 'NoSuchFlow' has no runs"
expect_fail "client of an empty root" 1 "$R" "$T_DIR/nothing" LinearFlow
assert_contains "... says nothing was run there" "$(cat "$ERR")" "nothing was run under '$T_DIR/nothing' yet"

# runs
run_ok "runs" "$M" runs
assert_contains "runs shows the run, its status and tags" "$(cat "$OUT")" "succeeded"
assert_contains "... tags" "$(cat "$OUT")" "nightly,v1"
run_ok "runs --json" "$M" runs --json
assert_contains "runs --json: the run" "$(cat "$OUT")" '"run_id":"1","start":'
assert_contains "... its status" "$(cat "$OUT")" '"status":"succeeded","system_tags":["date:'
assert_contains "... its tags" "$(cat "$OUT")" '"tags":["nightly","v1"]'
assert_contains "... not a resume" "$(cat "$OUT")" '"origin_run_id":null,"parameters":{}'
assert_true "... is one JSON array" python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert len(r)==1 and r[0]["end"]>=r[0]["start"]' "$OUT"
run_ok "runs of a flow run with parameters" "$EXAMPLES/json_parameter_flow" runs --json
assert_contains "... shows them" "$(cat "$OUT")" '"parameters":{"country":"FR","gdp":{"FR":2700}}'
run_ok "runs in the table" "$M" runs
assert_eq "... has the header" "ID STATUS STARTED DURATION TAGS ORIGIN" "$(head -n 1 "$OUT" | tr -s ' ')"
assert_true "... and one row: id, status, local start time, duration, tags, origin" \
    grep -qE '^1 +succeeded +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} +[0-9]+\.[0-9]s +nightly,v1 +-$' "$OUT"
run_ok "runs --help" "$M" runs --help
expect_fail "runs with a stray argument" 2 "$M" runs --bogus
run_ok "runs --datastore-root after the command" "$M" runs --datastore-root "$ROOT"
assert_contains "... reads that root" "$(cat "$OUT")" "nightly,v1"
expect_fail "runs under an empty root" 1 "$M" runs --datastore-root "$T_DIR/nothing"
assert_contains "... says nothing was run there" "$(cat "$ERR")" "nothing was run under"

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
expect_fail "a tag that is not UTF-8 is refused" 2 "$M" tag add 1 $'caf\xe9'
assert_contains "... saying which byte" "$(cat "$ERR")" "byte 4 (0xe9) is not UTF-8 text"
expect_fail "tagging an unknown run" 1 "$M" tag add 42 x
assert_contains "... names the run" "$(cat "$ERR")" "'42'"
expect_fail "tag remove from an unknown run" 1 "$M" tag remove 42 x
assert_contains "... names the run" "$(cat "$ERR")" "run '42' of flow 'MergeArtifactsFlow' does not exist"
expect_fail "tag list with a tag" 2 "$M" tag list 1 x
expect_fail "a tag of 501 bytes" 2 "$M" tag add 1 "$(printf 'x%.0s' $(seq 501))"
expect_fail "an empty tag" 2 "$M" tag add 1 ""
expect_fail "a tag with a newline" 2 "$M" tag add 1 $'a\nb'
run_ok "any UTF-8 text is a tag, spaces and commas too" "$M" tag add 1 "刺身 means sashimi" a,b "$(printf 'y%.0s' $(seq 500))"
run_ok "tag list shows them" "$M" tag list 1
assert_contains "... the one with spaces" "$(cat "$OUT")" "刺身 means sashimi"
assert_contains "... the one with a comma" "$(cat "$OUT")" "a,b"
run_ok "tag remove of them" "$M" tag remove 1 "刺身 means sashimi" a,b "$(printf 'y%.0s' $(seq 500))"
expect_fail "a run id that is not a number" 2 "$M" tag add x1 ok
expect_fail "an unknown tag operation" 2 "$M" tag rename 1 x
run_ok "tag --help" "$M" tag --help
run_ok "tag add with --datastore-root after the command" "$M" tag add 1 --datastore-root "$ROOT" late
run_ok "tag list" "$M" tag list 1
assert_contains "... has it" "$(cat "$OUT")" "late"
expect_fail "tagging under an empty root" 1 "$M" tag add 1 x --datastore-root "$T_DIR/nothing"
assert_contains "... says nothing was run there" "$(cat "$ERR")" "nothing was run under"
assert_true "... and creates no database there" test ! -e "$T_DIR/nothing/metadata.db"

# More pathspecs refused or not found, and --artifact on a parameter.
expect_fail "dump of an empty pathspec" 2 "$M" dump ""
assert_contains "... names the run id" "$(cat "$ERR")" "the run id '' is not a number"
expect_fail "dump 1/2: a step must be a name" 2 "$M" dump 1/2
assert_contains "... names the step" "$(cat "$ERR")" "the step '2' is not a step name"
expect_fail "dump 1/a/x: a task id must be a number" 2 "$M" dump 1/a/x
assert_contains "... names the task id" "$(cat "$ERR")" "the task id 'x' is not a number"
expect_fail "dump of an unknown task" 1 "$M" dump 1/a/99
assert_contains "... lists the step's tasks" "$(cat "$ERR")" "step 'a' of run '1' of flow 'MergeArtifactsFlow' has no task '99'; its tasks are 2"
expect_fail "dump without a pathspec" 2 "$M" dump
run_ok "dump --help" "$M" dump --help
run_ok "dump --artifact of a parameter" "$EXAMPLES/parameter_flow" dump 1/start --artifact alpha
assert_contains "... shows its value" "$(cat "$OUT")" "alpha (double) = 0.5"
run_ok "dump --artifact across a run" "$EXAMPLES/foreach_flow" dump 1 --artifact title
assert_eq "... only the tasks that have it" 3 "$(grep -c 'title (str) = ' "$OUT")"
expect_fail "dump --artifact that no task has" 1 "$EXAMPLES/foreach_flow" dump 1 --artifact nope
assert_contains "... says so" "$(cat "$ERR")" "no finished task of '1' has artifact 'nope'"
run_ok "dump --json of a step" "$EXAMPLES/foreach_flow" dump 1/a --json
assert_true "... is a JSON array of its three tasks" python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert [t["artifacts"]["title"] for t in r]==["Stranger Things processed","House of Cards processed","Narcos processed"], r' "$OUT"
expect_fail "logs without a step" 2 "$M" logs 1
expect_fail "logs of an unknown step" 1 "$M" logs 1/nosuch
assert_contains "... lists the steps" "$(cat "$ERR")" "its steps are 'start', 'a', 'b', 'join', 'end'"
run_ok "logs --help" "$M" logs --help

# A failed run: its failed task is shown as not finished, its stderr kept.
F=$FLOWS/fail_flow
MF_TEST_FAIL=fails run "$F" run
assert_eq "FailFlow fails" 1 "$RC"
run_ok "runs of a failed run" "$F" runs
assert_true "... says failed" grep -qE '^1 +failed ' "$OUT"
FT=$(ls "$ROOT/FailFlow/1/fails")
run_ok "dump of the failed run" "$F" dump 1
assert_contains "... shows the failed task as not finished" "$(cat "$OUT")" "== 1/fails/$FT (not finished: failed)"
assert_contains "... and the tasks before it" "$(cat "$OUT")" "present (int) = 1"
expect_fail "dump of the failed task" 1 "$F" dump "1/fails/$FT"
assert_contains "... says it has not finished" "$(cat "$ERR")" "task '1/fails/$FT' of flow 'FailFlow' has not finished: its attempt 0 failed"
run_ok "logs --stderr of the failed task" "$F" logs "1/fails/$FT" --stderr
assert_contains "... has its error" "$(cat "$OUT")" "the test asked step 'fails' to fail"
run_ok "logs of the failed task" "$F" logs "1/fails/$FT"
assert_eq "... verbatim" "fails ran
fails: failing now" "$(cat "$OUT")"
expect_fail "client of a flow without a successful run" 1 "$R" "$ROOT" FailFlow
assert_contains "... lists its runs" "$(cat "$ERR")" "flow 'FailFlow' has no successful run; its runs are: 1 (failed)"

# Retries: each attempt keeps its own log.
run_ok "resilience flow runs" "$FLOWS/resilience_flow" run
RT=$(ls "$ROOT/ResilienceFlow/1/flaky")
run_ok "logs --attempt 0" "$FLOWS/resilience_flow" logs "1/flaky/$RT" --attempt 0
assert_eq "... the first attempt" "flaky attempt 0" "$(cat "$OUT")"
run_ok "logs of the last attempt" "$FLOWS/resilience_flow" logs "1/flaky/$RT"
assert_eq "... the second" "flaky attempt 1" "$(cat "$OUT")"
run_ok "client reads ResilienceFlow" "$R" "$ROOT" ResilienceFlow
assert_contains "... the retried step's artifact" "$(cat "$OUT")" "flaky answer = 42"

finish
