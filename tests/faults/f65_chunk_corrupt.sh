#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f65: a large foreach list is stored in chunks (docs/format.md "Chunked
# lists"); a task reads and verifies only the chunk holding its item. A
# flipped byte in one chunk fails exactly the tasks whose items it holds,
# each naming the object, and never hands a task a wrong item; the other
# tasks run. Reading the whole list (dump) fails naming the object too,
# and gc, which must see the chunks as named, deletes none of them.
. "$(dirname "$0")/../cli/lib.sh"
F=$FLOWS/chunked_foreach
W=300

run_ok "a 300-item foreach over 200-byte strings" "$F" run --width $W --max-num-splits $W
assert_done "it is done"
index=.metaflow/ChunkedForeachFlow/1/start/1/index
chunks=$(find .metaflow/objects -type f | sort)
n=$(echo "$chunks" | wc -l | tr -d ' ')
assert_true "the list is in several chunk objects ($n)" test "$n" -ge 3
assert_contains "dump shows the whole list" "$("$F" dump 1/start/1 --artifact items 2>&1)" "item 000299"

# gc counts the chunks as named (through the manifest): it deletes none.
run_ok "gc --delete --grace 0" "$F" gc --delete --grace 0
assert_eq "gc kept every chunk" "$chunks" "$(find .metaflow/objects -type f | sort)"
assert_contains "the list still reads" "$("$F" dump 1/start/1 --artifact items 2>&1)" "item 000299"

# verify hashes each chunk once, also when two runs name the list (run 2,
# a resume, clones start) and per run, where chunks are named only through
# the manifest.
run_ok "a resume clones start and the items" "$F" resume end --origin-run-id 1 --max-num-splits $W
run_ok "verify the whole store" "$F" verify --json
assert_contains "every object file hashed once" "$(cat "$OUT")" "\"objects\":$(find .metaflow/objects -type f | wc -l | tr -d ' ')"
run_ok "verify run 1" "$F" verify 1 --json
assert_contains "run 1: its chunks are checked too" "$(cat "$OUT")" "\"objects\":$(find .metaflow/objects -type f | wc -l | tr -d ' ')"

victim=$(echo "$chunks" | sed -n 2p)
printf '\xff' | dd of="$victim" bs=1 seek=40 conv=notrunc status=none

bad=0 good=0 first=-1 last=-1 wrong=0 named=0
for ((i = 0; i < W; i += 3)); do   # every third item keeps it quick
    if "$F" step work --run-id 1 --task-id $((1000 + i)) --input-paths start/1 \
        --split-stack "start:1:$i:$W" >"$OUT" 2>"$ERR"; then
        good=$((good + 1))
    else
        bad=$((bad + 1))
        [ $first -lt 0 ] && first=$i
        last=$i
        grep -q "wrong item" "$ERR" && wrong=$((wrong + 1))
        grep -q "$victim" "$ERR" && named=$((named + 1))
    fi
done
assert_true "some tasks fail ($bad)" test $bad -gt 0
assert_true "most tasks still run ($good)" test $good -ge $((W / 6))
assert_eq "the failures are one run of consecutive items" "$(((last - first) / 3 + 1))" "$bad"
assert_eq "no task got a wrong item" "0" "$wrong"
assert_eq "every failure names the corrupt object" "$bad" "$named"
expect_fail "dump of the whole list fails" 1 "$F" dump 1/start/1 --artifact items
assert_contains "naming the object" "$(cat "$OUT" "$ERR")" "$victim"

# verify of one run finds the corrupt chunk through the manifest and names
# the tasks whose list holds it in both runs; the whole-store verify does
# not take it for an object no index names.
expect_fail "verify run 1 finds the chunk" 1 "$F" verify 1
assert_contains "it names the chunk" "$(cat "$OUT")" "$victim"
assert_contains "as a chunk of a list" "$(cat "$OUT")" "problem: chunk "
assert_contains "and the artifact it belongs to" "$(cat "$OUT")" "tasks: 1/start/1 (artifact 'items')"
expect_fail "verify of the whole store finds it" 1 "$F" verify
assert_contains "it names both runs' tasks" "$(cat "$OUT")" "2/start/"
assert_contains "the fix resumes from the step" "$(cat "$OUT")" "fix: resume start --origin-run-id 2"
assert_not_contains "not taken for an unnamed object" "$(cat "$OUT")" "no index names it"
finish
