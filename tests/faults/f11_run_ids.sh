#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f11: run ids come from the metadata, never from the run directories. After
# the directories of three runs were deleted, new runs took ids 1 to 3 again,
# failed ("run 'N' already exists") and marked the old succeeded run N failed.
. "$(dirname "$0")/../cli/lib.sh"
F=$EXAMPLES/branch_flow

for i in 1 2 3; do run_ok "run $i" "$F" run; done
rm -rf .metaflow/BranchFlow/*
for i in 4 5 6 7; do
    run_ok "run $i after the run directories were deleted" "$F" run
    assert_done "run $i says Done!"
    assert_contains "run $i got id $i" "$(cat "$OUT")" "run $i starting"
done
run_ok "runs lists them" "$F" runs --json
for i in 1 2 3; do
    assert_true "run $i is still recorded as succeeded" \
        grep -qE "\"run_id\": *\"$i\"[^}]*\"status\": *\"succeeded\"" "$OUT"
done
assert_eq "seven runs recorded" 7 "$(grep -o '"run_id"' "$OUT" | wc -l)"

# A directory no run record names (metadata lost, say) is never reused.
mkdir .metaflow/BranchFlow/8
run_ok "a run beside an unrecorded run directory" "$F" run
assert_contains "it skips the taken id" "$(cat "$OUT")" "run 9 starting"
finish
