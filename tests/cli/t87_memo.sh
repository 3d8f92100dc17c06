#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t87_memo.sh - memoised steps (docs/memoisation.md): a second run with
# nothing changed starts no memoised task; parameters 1, 2, 1 (the third
# reuses the first); a declared environment variable; --no-cache,
# --recompute, two runs at once; what is never published (a task that read
# its run id, a caught failure) and what is (a success on a retry); a missing
# object or a garbled entry is a miss that says so; cache list/explain/clear.
. "$(dirname "$0")/lib.sh"

M=$EXAMPLES/memo_flow
T=$FLOWS/memo_test_flow
started() { grep -c "task starting" "$OUT"; }
entries() { "$1" cache list | grep -vc '^no memo entries'; }

run_ok "memo_flow runs" "$M" run
assert_eq "the first run starts every task" 11 "$(started)"
assert_eq "its result" "sum of squares: 204" "$(user_lines)"
run_ok "memo_flow runs again, nothing changed" "$M" run
assert_eq "the second run starts only end (not memoised)" 1 "$(started)"
assert_eq "the same result" "sum of squares: 204" "$(user_lines)"
assert_contains "each hit is said" "$(cat "$OUT")" "[2/square/5] memoised: reused 1/square/5"
assert_contains "a foreach's hits are summed up" "$(cat "$OUT")" "8 of 8 tasks of step 'square' reused"
assert_contains "the last line counts them" "$(tail -n 1 "$OUT")" "10 cloned (10 memoised)"
run_ok "a reused task reads like any" "$M" dump 2/total/10
assert_contains "its artifact" "$(cat "$OUT")" "total (int) = 204"
assert_contains "dump says it is a memo hit, and of what" "$(head -n 1 "$OUT")" "== 2/total/10 (memo hit of 1/total/10)"
run_ok "dump --json of the reused task" "$M" dump 2/total/10 --json
assert_true "--json marks the hit and names its origin" jq -e \
    '.[0].memo_hit == true and .[0].origin == "1/total/10"' "$OUT"
run_ok "dump --json of the first run's task" "$M" dump 1/total/10 --json
assert_true "a task that ran is no hit and has no origin" jq -e '.[0].memo_hit == false and .[0].origin == null' "$OUT"
run_ok "runs --json" "$M" runs --json
assert_true "runs counts each run's hits" jq -e \
    '(.[] | select(.run_id == "2") | .memo_hits) == 10 and (.[] | select(.run_id == "1") | .memo_hits) == 0' "$OUT"
run_ok "runs" "$M" runs
assert_true "the table has a MEMO column" grep -Eq '^ID .* ORIGIN +MEMO' "$OUT"
assert_true "run 2's row says 10" grep -Eq '^2 .* - +10 *$' "$OUT"
run_ok "explain a reused task" "$M" cache explain 2/square/5
assert_contains "it names the origin" "$(cat "$OUT")" "reused 1/square/5"

# Parameters 1, 2, 1: the third run reuses the first.
run_ok "n=3" "$M" run --n 3
run_ok "n=4" "$M" run --n 4
assert_contains "a miss says what changed" "$(cat "$OUT")" "changed since 3/start/1: the parameters"
run_ok "n=3 again" "$M" run --n 3
assert_eq "n=3 again starts only end" 1 "$(started)"
assert_contains "it reuses the n=3 run" "$(cat "$OUT")" "[5/start/1] memoised: reused 3/start/1"

# A declared environment variable is in the key; its value is never stored.
MEMO_FLOW_OFFSET=1 run_ok "with MEMO_FLOW_OFFSET=1" "$M" run
assert_contains "start is reused" "$(cat "$OUT")" "[6/start/1] memoised: reused 1/start/1"
assert_contains "square misses, naming the variable" "$(cat "$OUT")" "environment variables it declared (MEMO_FLOW_OFFSET)"
assert_eq "its result" "sum of squares: 212" "$(user_lines)"
run_ok "explain a square task of that run" "$M" cache explain 6/square/2
assert_contains "explain names the variable" "$(cat "$OUT")" "MEMO_FLOW_OFFSET"
assert_true "the value is not in any entry" bash -c "! grep -rq '\"1\"' $ROOT/MemoFlow/.memo"

# --no-cache: everything runs, nothing is published.
BEFORE=$(entries "$M")
run_ok "--no-cache" "$M" run --n 6 --no-cache
assert_eq "--no-cache starts every task" 9 "$(started)"
assert_eq "--no-cache publishes nothing" "$BEFORE" "$(entries "$M")"
# --recompute: a deterministic step recomputed agrees with its entry.
run_ok "--recompute square" "$M" run --recompute square
assert_eq "square's 8 tasks and end start" 9 "$(started)"
assert_not_contains "no nondeterminism warning" "$(cat "$OUT")" "not deterministic"
expect_fail "--recompute of an unknown step is a usage error" 2 "$M" run --recompute nosuch
assert_contains "it names the step" "$(cat "$ERR")" "'nosuch' is not a step of flow 'MemoFlow'"
N_RUNS=$(ls -d "$ROOT"/MemoFlow/[0-9]* | wc -l)
expect_fail "--recompute of a step that is not memoised" 2 "$M" run --recompute end
assert_contains "it says so" "$(cat "$ERR")" "step 'end' is not memoised"
assert_eq "neither created a run" "$N_RUNS" "$(ls -d "$ROOT"/MemoFlow/[0-9]* | wc -l)"

# Two runs computing the same keys at once: both succeed, one entry a key.
run_ok "cache clear" "$M" cache clear
assert_eq "no entries left" 0 "$(entries "$M")"
"$M" run --n 5 --quiet >"$T_DIR/a.out" 2>&1 &
A=$!
run "$M" run --n 5 --quiet
wait "$A"
assert_eq "both concurrent runs succeed" "0 0" "$RC $?"
assert_eq "one entry per key (start, 5 squares, total)" 7 "$(entries "$M")"
assert_eq "the same result" "$(user_lines "$T_DIR/a.out")" "$(user_lines)"

# What is never published, and what is.
MEMO_CATCH=1 run_ok "the test flow runs (flaky retried, caught caught)" "$T" run
R1=$(last_run_id MemoTestFlow)
assert_true "the task that read its run id is marked" test -f "$ROOT/MemoTestFlow/$R1/identity/2/uncacheable"
run_ok "the test flow runs again" "$T" run
assert_contains "start is reused" "$(cat "$OUT")" "memoised: reused $R1/start/1"
assert_contains "identity (read its run id) runs" "$(cat "$OUT")" "/identity/2] task starting"
assert_contains "flaky (succeeded on a retry) is reused" "$(cat "$OUT")" "memoised: reused $R1/flaky/3"
assert_contains "caught (a caught failure) runs" "$(cat "$OUT")" "/caught/4] task starting"
run_ok "--recompute noisy" "$T" run --recompute noisy
assert_contains "a step that differs for the same key is named" "$(cat "$OUT")" \
    "warning: step 'noisy' is not deterministic"

# A missing object or a garbled entry is a miss that says so, then runs.
rm -rf "$ROOT/objects"
run_ok "runs with the origin's objects gone" "$T" run
assert_contains "the miss names what is missing" "$(cat "$OUT")" "its artifact 'blob'"
assert_contains "and start runs" "$(cat "$OUT")" "/start/1] task starting"
for f in "$ROOT"/MemoFlow/.memo/v1/keys/*/*; do echo garbage >"$f"; done
run_ok "runs with garbled entries" "$M" run --n 5
assert_contains "a garbled entry is said" "$(cat "$OUT")" "is not a valid entry"
assert_eq "and every task runs" 8 "$(started)"
run_ok "cache prune" "$M" cache prune
run_ok "cache list after prune" "$M" cache list
assert_eq "the republished entries stay" 7 "$(grep -c . "$OUT")"
finish
