#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t20_check.sh - flows whose graph the linter refuses (tests/flows/bad_*.c):
# `check` and `run` each exit 1, print every problem as "error: ..." on
# stderr with the steps involved, end with "<Flow>: N problem(s) in the
# graph; nothing was run", and create nothing (no .metaflow/ directory).
# Valid examples pass `check`; `show` and `show --dot` work on bad graphs
# too, and the DOT is checked with Graphviz when `dot` is installed.
. "$(dirname "$0")/lib.sh"

# in_fresh_dir NAME: cd into a new, empty directory for one command.
in_fresh_dir() {
    local dir=$T_DIR/work/$1
    rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || { echo "cannot make $dir" >&2; exit 1; }
}

# assert_nothing_created DESC: the current directory is still empty.
assert_nothing_created() {
    local left
    left=$(ls -A)
    if [ -z "$left" ]; then
        pass "$1"
    else
        fail "$1" "expected an empty directory, found: $(echo $left)"
    fi
}

# assert_refusal DESC FLOW_NAME COUNT: the last command's stderr lists COUNT
# "error: " lines then the summary line, and its exit status was 1.
assert_refusal() {
    local desc=$1 flow=$2 count=$3 errors last
    if [ "$RC" -eq 1 ]; then pass "$desc: exit status 1"; else fail "$desc: exit status 1" "got $RC"; fi
    errors=$(grep -c '^error: ' "$ERR")
    assert_eq "$desc: $count problem line(s) on stderr" "$count" "$errors"
    last=$(tail -n 1 "$ERR")
    assert_eq "$desc: summary line" "$flow: $count problem(s) in the graph; nothing was run" "$last"
}

# check_bad NAME FLOW_NAME COUNT MESSAGE...: `check` and `run` of
# tests/flows/NAME both refuse the graph with each MESSAGE (a fixed string
# naming the steps) and leave their directory empty.
check_bad() {
    local name=$1 flow=$2 count=$3 prog=$FLOWS/$1 cmd msg
    shift 3
    if [ ! -x "$prog" ]; then
        fail "$name: flow program exists" "no executable $prog: build the project first (cmake --build)"
        return
    fi
    for cmd in check run; do
        in_fresh_dir "$name-$cmd"
        run "$prog" "$cmd"
        assert_refusal "$name $cmd" "$flow" "$count"
        for msg in "$@"; do
            assert_contains "$name $cmd: says: $msg" "$(cat "$ERR")" "error: $msg"
        done
        assert_nothing_created "$name $cmd: creates nothing (no .metaflow/)"
        if [ "$cmd" = run ]; then
            assert_not_contains "$name run: no run started" "$(cat "$OUT")" "starting"
        fi
    done
    cd "$T_DIR/work" || exit 1
}

check_bad bad_unjoined BadUnjoinedFlow 1 \
    "steps 'a' and 'b' go to 'end', which cannot be a join: their branches are never joined; add a join step between them and 'end'"

check_bad bad_unreachable BadUnreachableFlow 1 \
    "step 'orphan' is not reachable from 'start': add 'orphan' to the next of the step before it, or remove it"

check_bad bad_missing_step BadMissingStepFlow 2 \
    "step 'a' goes to 'edn', which is not a step of the flow: declare a step 'edn' or fix the name in 'a'.next" \
    "step 'end' is not reachable from 'start'"

check_bad bad_cycle BadCycleFlow 1 \
    "steps 'a' -> 'b' -> 'c' -> 'a' form a cycle: a flow cannot go back to an earlier step; fix 'c'.next"

check_bad bad_unrelated_join BadUnrelatedJoinFlow 1 \
    "join 'join' mixes steps of different splits: 'a1' is in a branch of 'a' and 'b' is in a branch of 'start'; a join closes exactly one split, so close 'a' with its own join before 'join'"

check_bad bad_foreach_unjoined BadForeachUnjoinedFlow 1 \
    "the foreach 'start' over 'items' is never joined: add a join step after 'body', before 'end'"

check_bad bad_join_no_split BadJoinNoSplitFlow 1 \
    "step 'join' is declared a join but closes no split or foreach: nothing before it splits; remove .join from 'join'"

check_bad bad_names BadNamesFlow 4 \
    "step 'index' uses a reserved word" \
    "step 'Bad' has an invalid name" \
    "step 'dead' has no next step: set 'dead'.next" \
    "step 'end' is not reachable from 'start'"

# A custom datastore root is not created either.
if [ -x "$FLOWS/bad_cycle" ]; then
    in_fresh_dir custom-root
    run "$FLOWS/bad_cycle" --datastore-root store run
    assert_eq "run --datastore-root refuses too" 1 "$RC"
    assert_nothing_created "run --datastore-root creates nothing"
    run env MF_DATASTORE_ROOT=envstore "$FLOWS/bad_cycle" run
    assert_eq "run with MF_DATASTORE_ROOT refuses too" 1 "$RC"
    assert_nothing_created "run with MF_DATASTORE_ROOT creates nothing"
    cd "$T_DIR/work" || exit 1
fi

# Valid flows pass check, saying how many steps they have, and create nothing.
for spec in linear_flow:LinearFlow:3 branch_flow:BranchFlow:5 foreach_flow:ForeachFlow:4; do
    IFS=: read -r name flow steps <<<"$spec"
    if [ ! -x "$EXAMPLES/$name" ]; then
        fail "$name: example program exists" "no executable $EXAMPLES/$name"
        continue
    fi
    in_fresh_dir "ok-$name"
    run "$EXAMPLES/$name" check
    assert_eq "$name check: exit 0" 0 "$RC"
    assert_eq "$name check: says the graph looks good" "$flow: the graph looks good ($steps steps)" "$(cat "$OUT")"
    assert_nothing_created "$name check: creates nothing"
    cd "$T_DIR/work" || exit 1
done

# show and show --dot picture a refused graph as declared.
if [ -x "$FLOWS/bad_missing_step" ]; then
    run "$FLOWS/bad_missing_step" show
    assert_eq "show of a bad graph: exit 0" 0 "$RC"
    assert_contains "show lists the missing step as declared" "$(cat "$OUT")" "    => edn"
    run "$FLOWS/bad_missing_step" show --dot
    assert_eq "show --dot of a bad graph: exit 0" 0 "$RC"
    assert_contains "show --dot draws the missing step dashed" "$(cat "$OUT")" '"a" -> "edn" [style=dashed, color=red];'
fi

# Graphviz accepts every DOT we print, valid graph or not.
if command -v dot >/dev/null 2>&1; then
    for prog in "$FLOWS"/bad_* "$EXAMPLES"/*_flow "$FLOWS/shapes_flow"; do
        [ -x "$prog" ] || continue
        run "$prog" show --dot
        if [ "$RC" -eq 0 ] && dot -Tsvg "$OUT" -o /dev/null 2>"$T_DIR/cap/dot.err"; then
            pass "dot accepts show --dot of $(basename "$prog")"
        else
            fail "dot accepts show --dot of $(basename "$prog")" "$(cat "$T_DIR/cap/dot.err")"
        fi
    done
else
    echo "# skipped: Graphviz 'dot' is not installed, DOT output not validated"
fi

finish
