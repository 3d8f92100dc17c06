#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f20_gc.sh - `gc` removes what a killed run left (temporary files, objects no
# index names) and nothing a run needs, even while runs go on (issue 8).
. "$(dirname "$0")/../cli/lib.sh"

F=$FLOWS/trust_flow
TOTAL="end: total is 11116.5" # width 3

run_ok "a clean run" "$F" run
run_ok "gc on a clean store finds nothing" "$F" gc --grace 0
assert_contains "nothing found" "$(cat "$OUT")" "gc: 0 file(s) found"

# What a killed writer leaves: a temporary object file, a temporary index,
# and an object whose task died before writing its index.
obj=$(find "$ROOT/objects" -type f | head -n 1)
echo partial >"$obj.tmp-999-abc"
echo partial >"$ROOT/TrustFlow/1/end/$(ls "$ROOT/TrustFlow/1/end")/index.tmp-999-abc"
mkdir -p "$ROOT/objects/00"
orphan=$ROOT/objects/00/$(printf '0%.0s' $(seq 62))
cp "$obj" "$orphan"
named_before=$(object_count)

run_ok "gc lists them (default grace: they are young)" "$F" gc
assert_contains "young files are left alone" "$(cat "$OUT")" "3 younger than 86400 s left alone"
run_ok "gc --grace 0 lists them" "$F" gc --grace 0
assert_contains "it lists 3" "$(cat "$OUT")" "gc: 3 file(s) found, none deleted"
assert_contains "the temporary object file" "$(cat "$OUT")" "found temporary file"
assert_contains "the unnamed object" "$(cat "$OUT")" "found unnamed object"
assert_true "listing deleted nothing" test -f "$orphan" -a -f "$obj.tmp-999-abc"
run_ok "gc --delete --grace 0 removes them" "$F" gc --delete --grace 0
assert_contains "3 deleted" "$(cat "$OUT")" "gc: 3 file(s) deleted"
assert_true "the orphan is gone" test ! -e "$orphan"
assert_eq "no temporary file is left" "" "$(find "$ROOT" -name '*.tmp-*')"
assert_eq "every named object is kept" "$((named_before - 1))" "$(object_count)"
run_ok "verify: clean after gc" "$F" verify
run_ok "dump still reads every artifact" "$F" dump 1/end --json

# gc while a run goes on (default grace): the run loses nothing
MF_SLEEP_MS=300 "$F" run --width 6 --max-workers 2 >live.out 2>&1 &
pid=$!
for _ in 1 2 3 4 5 6; do
    run "$F" gc --delete
    sleep 0.2
done
wait $pid
assert_eq "the live run succeeded" "0" "$?"
assert_eq "its total" "end: total is 38185.5" "$(user_lines live.out)"
run_ok "verify: clean after gc during a run" "$F" verify

# an index that does not read stops gc before it deletes anything
cp "$obj" "$orphan"
touch -d '3 days ago' "$orphan"
ix=$ROOT/TrustFlow/1/start/1/index
head -c 10 "$ix" >"$ix.cut" && mv "$ix.cut" "$ix"
expect_fail "gc refuses while an index is corrupt" 1 "$F" gc --delete
assert_contains "it says why" "$(cat "$ERR")" "gc deletes nothing while an index does not read"
assert_true "the orphan is still there" test -f "$orphan"
expect_fail "gc --grace -1 is a usage error" 2 "$F" gc --grace -1
run_ok "gc --help" "$F" gc --help
assert_contains "the help gives the default grace" "$(cat "$OUT")" "default 86400 s"

finish
