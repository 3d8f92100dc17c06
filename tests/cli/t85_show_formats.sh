#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t85_show_formats.sh - `show --format text|dot|mermaid|svg`: the DOT of every
# example and test flow (the refused ones too) is read by Graphviz; the
# Mermaid text has as many nodes and edges as the DOT picture, a label per
# step, and draws foreach, switch cases and loops distinctly; the SVG holds
# every step; without `dot` the message names Debian's graphviz package.
. "$(dirname "$0")/lib.sh"

if ! command -v dot >/dev/null; then
    fail "Graphviz's dot is installed (scripts/install-deps.sh installs Debian's graphviz)"
    finish
fi

# The steps `show` lists ("Step NAME" or "Step NAME (join)").
steps_of() { sed -n 's/^Step \([^ ]*\).*/\1/p' "$1"; }

# Each flow as NAME ENV-ASSIGNMENT PROGRAM; two test programs hold several
# flows, picked by the environment.
flows=()
for f in "$EXAMPLES"/*_flow "$FLOWS"/*; do
    n=$(basename "$f")
    case $n in
    *_reader | *.*) continue ;; # readers are programs, not flows
    refused_switch)
        for b in no_condition no_cases dup_value missing_step no_exit plain_cycle unjoined_case join_in_loop \
            foreach_out one_case jump_across back_across; do flows+=("$n:$b MF_BAD=$b $f"); done ;;
    switch_run)
        for b in in_branch in_foreach branch_in foreach_in nested loop_in_foreach foreach_in_loop loop; do
            flows+=("$n:$b MF_SHAPE=$b $f")
        done ;;
    *) [ -x "$f" ] && flows+=("$n MF_UNUSED=1 $f") ;;
    esac
done
[ ${#flows[@]} -ge 40 ] && pass "found ${#flows[@]} flows" || fail "found only ${#flows[@]} flows"

for entry in "${flows[@]}"; do
    read -r n assign prog <<<"$entry"
    f="env $assign $prog"
    run $f show
    cp "$OUT" text.out
    run $f show --format dot
    cp "$OUT" flow.dot
    run $f show --dot
    assert_true "$n: --dot is --format dot" cmp -s "$OUT" flow.dot
    run dot -Tsvg flow.dot
    [ "$RC" -eq 0 ] && pass "$n: dot -Tsvg reads its DOT" || fail "$n: dot -Tsvg reads its DOT" "$(head -3 "$ERR")"

    run_ok "$n: show --format mermaid" $f show --format mermaid
    cp "$OUT" flow.mmd
    assert_eq "$n: mermaid is a top-down flowchart" "flowchart TD" "$(sed -n 4p flow.mmd)"
    dot_nodes=$(grep -c '^  "[^"]*" \[label=' flow.dot)
    mmd_nodes=$(grep -cE '^    [nm][0-9]+[[({]' flow.mmd)
    assert_eq "$n: mermaid nodes = DOT nodes" "$dot_nodes" "$mmd_nodes"
    dot_edges=$(grep -c ' -> ' flow.dot)
    mmd_edges=$(grep -cE '^    n[0-9]+ (-->|==>|-\.->)' flow.mmd)
    assert_eq "$n: mermaid edges = DOT edges" "$dot_edges" "$mmd_edges"
    missing=
    for s in $(steps_of text.out); do
        grep -qE "^    n[0-9]+[[({/]+\"$s(<br>|\")" flow.mmd || missing="$missing $s"
    done
    assert_eq "$n: every step has a mermaid node labelled with its name" "" "$missing"
    # every edge's ends are declared nodes
    undeclared=$(grep -oE '^    n[0-9]+ |[|>] [nm][0-9]+$' flow.mmd | grep -oE '[nm][0-9]+' | sort -u |
        while read -r id; do grep -qE "^    $id[[({]" flow.mmd || echo "$id"; done)
    assert_eq "$n: every mermaid edge joins declared nodes" "" "$undeclared"
done

# The shapes drawn distinctly.
M=$T_DIR/cap/m
"$EXAMPLES/foreach_flow" show --format mermaid >"$M"
assert_contains "foreach: the foreach step names its list" "$(cat "$M")" '[["start<br>foreach over titles"]]:::mf_foreach'
assert_contains "foreach: a thick edge labelled with the list" "$(cat "$M")" 'n0 ==>|"titles"| n1'
assert_contains "foreach: the join is a trapezoid" "$(cat "$M")" '[/"join"\]:::mf_join'
"$EXAMPLES/branch_flow" show --format mermaid >"$M"
assert_contains "branch: the split is a hexagon" "$(cat "$M")" 'n0{{"start<br>(split)"}}:::mf_split'
"$EXAMPLES/switch_flow" show --format mermaid >"$M"
assert_contains "switch: a rhombus naming its condition" "$(cat "$M")" '{"start<br>switch on size"}:::mf_switch'
assert_contains "switch: cases labelled" "$(cat "$M")" '-->|"big"| n'
"$EXAMPLES/loop_flow" show --format mermaid >"$M"
assert_contains "loop: the case going back is dotted" "$(cat "$M")" 'n1 -.->|"again"| n1'
"$EXAMPLES/loop_flow" show --format dot >"$M"
assert_contains "loop: dashed in DOT too" "$(cat "$M")" '"count" -> "count" [label="again", style=dashed, constraint=false]'
"$FLOWS/bad_missing_step" show --format mermaid >"$M"
assert_contains "a missing step is drawn as missing" "$(cat "$M")" 'm0["edn<br>(missing)"]:::mf_missing'

# SVG by Graphviz, holding every step (Graphviz titles each node with its id).
for f in "$EXAMPLES"/*_flow "$FLOWS/shapes_flow"; do
    n=$(basename "$f")
    run "$f" show
    cp "$OUT" text.out
    run_ok "$n: show --format svg" "$f" show --format svg
    assert_true "$n: svg is an SVG document" grep -q '<svg ' "$OUT"
    missing=
    for s in $(steps_of text.out); do
        grep -qF "<title>$s</title>" "$OUT" || missing="$missing $s"
    done
    assert_eq "$n: the svg holds every step" "" "$missing"
done

# Without Graphviz: one message saying how to get it.
expect_fail "svg without dot fails" 1 env PATH=/nonexistent "$EXAMPLES/branch_flow" show --format svg
assert_contains "the message names Debian's graphviz package" "$(cat "$ERR")" "install Debian's graphviz package"
assert_eq "nothing on stdout" "" "$(cat "$OUT")"

expect_fail "an unknown format is a usage error" 2 "$EXAMPLES/branch_flow" show --format png
assert_contains "the message lists the formats" "$(cat "$ERR")" "use text, dot, mermaid or svg"
expect_fail "--format needs a value" 2 "$EXAMPLES/branch_flow" show --format
run_ok "show --format text is the text layout" "$EXAMPLES/branch_flow" show --format text
assert_contains "text layout" "$(cat "$OUT")" "Step start"

finish
