#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t92: namespaces as Metaflow has them. Alice and bob share a datastore; each
# sees their own runs by default (runs, the latest run, the C client), a run
# of the other named by its id is refused saying which namespace holds it and
# the option that reads it; --namespace '' (or MF_NAMESPACE='') is the global
# view; any tag is a namespace; the option wins over the variable; a resume
# by bob of alice's run reads the logs of the tasks it cloned from hers.
. "$(dirname "$0")/lib.sh"
P=$EXAMPLES/parameter_flow
R=$FLOWS/one_line_reader
unset MF_NAMESPACE

USER=alice run_ok "alice runs (1)" "$P" run --quiet --alpha 1
USER=bob run_ok "bob runs (2), tagged project:x" "$P" run --quiet --alpha 2 --tag project:x
USER=alice run_ok "alice runs (3), tagged project:x" "$P" run --quiet --alpha 3 --tag project:x

ids() { /usr/bin/python3 -c 'import json,sys; print(",".join(r["run_id"] for r in json.load(open(sys.argv[1]))))' "$OUT"; }
USER=bob run_ok "bob's runs" "$P" runs --json
assert_eq "... his own only" "2" "$(ids)"
USER=alice run_ok "alice's runs" "$P" runs --json
assert_eq "... hers only, newest first" "3,1" "$(ids)"
USER=bob run_ok "the table too" "$P" runs
assert_true "... run 2" grep -qE '^2 ' "$OUT"
assert_true "... not run 1" bash -c "! grep -qE '^1 ' '$OUT'"
USER=bob run_ok "runs --namespace '' (global)" "$P" runs --json --namespace ''
assert_eq "... every run" "3,2,1" "$(ids)"
USER=bob run_ok "runs --namespace user:alice" "$P" runs --json --namespace user:alice
assert_eq "... alice's" "3,1" "$(ids)"
USER=bob run_ok "runs --namespace project:x: any tag is a namespace" "$P" runs --json --namespace project:x
assert_eq "... both users' tagged runs" "3,2" "$(ids)"
USER=bob MF_NAMESPACE= run_ok "MF_NAMESPACE='' (global)" "$P" runs --json
assert_eq "... every run" "3,2,1" "$(ids)"
USER=bob MF_NAMESPACE=project:x run_ok "MF_NAMESPACE=project:x" "$P" runs --json
assert_eq "... the tagged runs" "3,2" "$(ids)"
USER=bob MF_NAMESPACE=project:x run_ok "--namespace wins over MF_NAMESPACE" "$P" runs --json --namespace user:alice
assert_eq "... alice's" "3,1" "$(ids)"
USER=carol run_ok "carol has no runs" "$P" runs
assert_eq "... says where the runs are" \
    "(no runs of ParameterFlow in namespace 'user:carol'; 3 in other namespaces: --namespace '' lists every run)" \
    "$(cat "$OUT")"
USER=carol MF_NAMESPACE=$'a\tb' expect_fail "MF_NAMESPACE that is not a tag" 1 "$P" runs
assert_contains "... names the variable" "$(cat "$ERR")" "MF_NAMESPACE is not a namespace: invalid tag"
expect_fail "--namespace that is not a tag" 2 "$P" runs --namespace $'\xff'
assert_contains "... says why" "$(cat "$ERR")" "invalid --namespace: invalid tag"

# An explicit run of the other user: refused, naming both namespaces and the fix.
refused="error: run 1 of ParameterFlow is not in namespace 'user:bob' (it is in 'user:alice'): add --namespace 'user:alice' to read it, or --namespace '' for every namespace"
USER=bob expect_fail "bob dumps alice's run 1" 1 "$P" dump 1
assert_eq "... refused" "$refused" "$(cat "$ERR")"
USER=bob expect_fail "bob reads its logs" 1 "$P" logs 1/start
assert_eq "... refused" "$refused" "$(cat "$ERR")"
USER=bob expect_fail "bob's report of it" 1 "$P" report 1 -o r.html
assert_eq "... refused" "$refused" "$(cat "$ERR")"
USER=bob run_ok "dump 1 --namespace user:alice" "$P" dump 1/start --artifact alpha --namespace user:alice
assert_contains "... alice's alpha" "$(cat "$OUT")" "alpha (double) = 1.0"
USER=bob run_ok "logs 1/start --namespace ''" "$P" logs 1/start --namespace ''
assert_contains "... alice's output" "$(cat "$OUT")" "alpha is 1.000000"
USER=bob MF_NAMESPACE= run_ok "dump 1 with MF_NAMESPACE=''" "$P" dump 1/end --artifact alpha
USER=bob run_ok "report latest: bob's" "$P" report latest -o r.html
assert_true "... of run 2" grep -q 'ParameterFlow run 2 report' r.html

# The C client in another process: the same default, the same refusal.
USER=bob run_ok "mf_read of bob's latest" "$R" "$ROOT" ParameterFlow/latest/start/alpha
assert_eq "... his alpha" "2.0" "$(cat "$OUT")"
USER=alice run_ok "mf_read of alice's latest" "$R" "$ROOT" ParameterFlow/latest/start/alpha
assert_eq "... hers" "3.0" "$(cat "$OUT")"
USER=bob expect_fail "mf_read of alice's run 1" 1 "$R" "$ROOT" ParameterFlow/1/start/alpha
assert_contains "... refused" "$(cat "$ERR")" \
    "run 'ParameterFlow/1' is not in namespace 'user:bob' (it is in 'user:alice')"
assert_contains "... with the code" "$(cat "$ERR")" "(not in the current namespace)"
USER=bob MF_NAMESPACE=user:alice run_ok "mf_read with MF_NAMESPACE=user:alice" "$R" "$ROOT" ParameterFlow/1/start/alpha
assert_eq "... alice's" "1.0" "$(cat "$OUT")"

# Bob resumes alice's run: the new run is his; its clones' logs are hers.
USER=bob run_ok "bob resumes alice's run 1 at end" "$P" resume end --origin-run-id 1
USER=bob run_ok "bob's runs" "$P" runs --json
assert_eq "... the resume is his" "4,2" "$(ids)"
USER=bob run_ok "logs of the cloned start" "$P" logs 4/start
assert_contains "... alice's task's output" "$(cat "$OUT")" "alpha is 1.000000"
finish
