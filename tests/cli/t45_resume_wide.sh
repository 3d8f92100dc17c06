#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t45_resume_wide.sh - resume of a wide foreach clones every item to the
# same position (the join checks each item against its index, in order),
# and reads the origin's indexes step by step as tasks become ready, not all
# up front: a step that resume runs again is never read, so a damaged index
# of that step in the origin goes unread (issue 14 item 3).
. "$(dirname "$0")/lib.sh"
W=$FLOWS/wide_foreach
N=300

run_ok "a $N-item foreach" "$W" run --width $N --max-num-splits $N
origin=$(last_run_id WideForeachFlow)

# Damage the origin's join index: resume runs join again and must not read it.
join_dir=$(ls -d "$ROOT/WideForeachFlow/$origin/join/"*)
printf 'not an index' >"$join_dir/index"

run_ok "resume join of the $N-item run" "$W" resume join --origin-run-id "$origin" --max-num-splits $N
assert_done "the resume is done"
assert_eq "its join saw $N items in index order" "join: $N items in index order
end: count is $N" "$(user_lines)"
assert_contains "start and every item were cloned" "$(tail -n 1 "$OUT")" "$((N + 1)) cloned"
assert_eq "$N cloned lines name work tasks of the origin" "$N" \
    "$(grep -c "cloned from $origin/work/" "$OUT")"
assert_not_contains "the join's origin index, run again, was never read" "$(cat "$ERR")" "not reusing"
resumed=$(last_run_id WideForeachFlow)
assert_eq "the resumed run has $N work indexes" "$N" \
    "$(find "$ROOT/WideForeachFlow/$resumed/work" -mindepth 2 -maxdepth 2 -name index | wc -l | tr -d ' ')"

# A full resume of a run whose end failed clones everything before it.
run_ok "resume end of the resumed run" "$W" resume end --origin-run-id "$resumed" --max-num-splits $N
assert_contains "start, $N items and the join were cloned" "$(tail -n 1 "$OUT")" "$((N + 2)) cloned"
assert_eq "end ran with the cloned join's count" "end: count is $N" "$(user_lines)"
finish
