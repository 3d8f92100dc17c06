#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t15_shapes.sh - graph shapes beyond the seed's: a nested foreach, a branch
# inside a foreach and a foreach inside a branch, each step printing what it
# sees (items, indexes, which artifacts are visible).
. "$(dirname "$0")/lib.sh"

S=$FLOWS/shapes_flow

run_ok "shapes: check" "$S" check
run_ok "shapes: show --dot" "$S" show --dot
assert_eq "shapes: dot starts with digraph" "digraph" "$(head -c 7 "$OUT")"

run_ok "shapes: run" "$S" run
assert_done "shapes: Done!"

# Tasks run in parallel: compare sorted lines. Within a line, each join
# lists its inputs in index (or next-list) order.
expected="branch_join: x-left+x-right; left sees r: no, right sees l: no
branch_join: y-left+y-right; left sees r: no, right sees l: no
end: p_join says 'p0@0 p1@1 p2@2', q says 7
final: p_join says 'p0@0 p1@1 p2@2', q says 7; p_join sees qv: no, q sees joined: no
fork x: input x index 0
fork y: input y index 1
inner x: index 0 item 0
inner x: index 1 item 1
inner x: index 2 item 2
inner y: index 0 item 10
inner y: index 1 item 11
inner y: index 2 item 12
inner_join x: 3 inputs: 0 1 2; sees v: no
inner_join y: 3 inputs: 10 11 12; sees v: no
left x: index 0; sees r: no
left y: index 1; sees r: no
outer x: index 0
outer y: index 1
outer_join: 2 inputs: x-left+x-right y-left+y-right
p_item: p0@0; sees qv: no
p_item: p1@1; sees qv: no
p_item: p2@2; sees qv: no
p_join: p0@0 p1@1 p2@2
q: sees items: no, from_p: no
right x: index 0; sees l: no
right y: index 1; sees l: no
split: sees pair: no"
assert_eq "shapes: what each step saw" "$(printf '%s\n' "$expected" | LC_ALL=C sort)" "$(user_lines_sorted)"

# Task counts per step: 2 outer, 6 inner, 2 of each step inside the outer
# foreach, 3 p_item, 1 of the others.
run_id=$(last_run_id ShapesFlow)
for pair in start:1 outer:2 inner:6 inner_join:2 fork:2 left:2 right:2 branch_join:2 outer_join:1 split:1 \
    p:1 p_item:3 p_join:1 q:1 final:1 end:1; do
    step=${pair%%:*}
    want=${pair#*:}
    got=$(find "$ROOT/ShapesFlow/$run_id/$step" -mindepth 2 -maxdepth 2 -name index 2>/dev/null | wc -l | tr -d ' ')
    assert_eq "shapes: $step has $want successful task(s)" "$want" "$got"
done

# One worker at a time gives the same result.
run_ok "shapes: run with --max-workers 1" "$S" run --max-workers 1
assert_eq "shapes: same lines with one worker" "$(printf '%s\n' "$expected" | LC_ALL=C sort)" "$(user_lines_sorted)"

finish
