#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f41_concurrent.sh - 8 runs at once on one store, then 8 resumes at once of
# failed runs: every one succeeds with the right result and its own run id,
# no SQLite busy error, and `verify` finds the store whole.
. "$(dirname "$0")/../cli/lib.sh"

F=$FLOWS/trust_flow
TOTAL="end: total is 11116.5" # width 3

for i in 1 2 3 4 5 6 7 8; do
    "$F" run --max-workers 4 >"run$i.out" 2>&1 &
    pids[i]=$!
done
ok=0
for i in 1 2 3 4 5 6 7 8; do
    wait "${pids[i]}" && [ "$(user_lines "run$i.out")" = "$TOTAL" ] && ok=$((ok + 1))
done
assert_eq "8 concurrent runs all succeed with the right total" 8 "$ok"
assert_eq "8 distinct run ids" 8 "$(cat run*.out | sed -n 's/^Done! Run \([0-9]*\) .*/\1/p' | sort -u | wc -l)"
assert_not_contains "no busy database" "$(cat run*.out)" "database is locked"
run_ok "verify after 8 concurrent runs" "$F" verify

# 8 failed runs, then 8 resumes of them at once
for i in 1 2 3 4 5 6 7 8; do
    MF_FAIL_AT=join "$F" run --quiet >/dev/null 2>&1
done
failed=$("$F" runs | awk '$2 == "failed" { print $1 }')
assert_eq "8 failed runs" 8 "$(echo "$failed" | wc -l)"
for id in $failed; do
    "$F" resume --origin-run-id "$id" >"resume$id.out" 2>&1 &
    rpids[id]=$!
done
ok=0
for id in $failed; do
    wait "${rpids[id]}" && [ "$(user_lines "resume$id.out")" = "$TOTAL" ] &&
        grep -q "cloned from $id/start/" "resume$id.out" && ok=$((ok + 1))
done
assert_eq "8 concurrent resumes all succeed, each cloning its origin" 8 "$ok"
assert_not_contains "no busy database" "$(cat resume*.out)" "database is locked"
assert_eq "24 runs in all" 24 "$("$F" runs --json | grep -o '"run_id"' | wc -l)"
run_ok "verify after 8 concurrent resumes" "$F" verify

finish
