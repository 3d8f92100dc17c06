#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f15: the smaller holes. `dump RUN` exited 0 when a task's index had been
# deleted; numeric options took ' 5'; tags took bytes that are not UTF-8;
# messages repeated their prefix, called a NULL value "out of memory", named
# internals and echoed a 100 KB unknown command in full.
. "$(dirname "$0")/../cli/lib.sh"
F=$FLOWS/run_fault_flow

run_ok "a run succeeds" "$F" run
rm .metaflow/RunFaultFlow/1/a/2/index
expect_fail "dump of the run exits 1 when a task's index is gone" 1 "$F" dump 1
assert_contains "... naming the task" "$(cat "$ERR")" "task '1/a/2' succeeded but its artifact index is missing"
assert_contains "... after listing the others" "$(cat "$OUT")" "== 1/end/3"
expect_fail "dump of the step exits 1 too" 1 "$F" dump 1/a
expect_fail "dump of the task exits 1 too" 1 "$F" dump 1/a/2

for bad in ' 5' '5 ' '+5' '0x5' '5e0' '' '99999999999999999999999'; do
    expect_fail "--max-workers '$bad' is refused" 2 "$F" run --max-workers "$bad"
    assert_contains "... naming the option" "$(cat "$ERR")" "for --max-workers: expected a whole number"
done
expect_fail "--max-num-splits ' 5' is refused" 2 "$F" run --max-num-splits ' 5'
expect_fail "step --attempt ' 1' is refused" 2 "$F" step start --run-id 9 --task-id 1 --attempt ' 1'
assert_eq "no run was started by them" 1 "$(run_count RunFaultFlow)"

expect_fail "a tag that is not UTF-8 is refused by run" 2 "$F" run --tag $'\xff\xfe'
assert_contains "... saying why" "$(cat "$ERR")" "byte 1 (0xff) is not UTF-8 text"
run_ok "a tag with spaces in any script is taken" "$F" run --tag '刺身 means sashimi'
run_ok "runs --json" "$F" runs --json
assert_contains "... shows it exactly" "$(cat "$OUT")" '刺身 means sashimi'

long=$(head -c 100000 /dev/zero | tr '\0' x)
expect_fail "a 100 KB unknown command" 2 "$F" "$long"
assert_true "... is not echoed in full" test "$(wc -c <"$ERR")" -lt 400
assert_contains "... but cut" "$(cat "$ERR")" "xxx...'"
expect_fail "a 100 KB unknown option" 2 "$F" "--$long"
assert_true "... is not echoed in full either" test "$(wc -c <"$ERR")" -lt 400
expect_fail "a 100 KB bad --max-workers" 2 "$F" run --max-workers "$long"
assert_true "... nor a bad value" test "$(wc -c <"$ERR")" -lt 400

MF_FAULT_NULL=a expect_fail "a step setting a NULL value fails" 1 "$F" run
assert_contains "... saying the value is NULL" "$(cat "$OUT")" "cannot set artifact 'nothing': its value is NULL"
assert_not_contains "... not out of memory" "$(cat "$OUT" "$ERR")" "out of memory"

# A corrupt object: the message names the artifact once. (Corrupted after
# the last run that stores it: a put replaces an object that does not verify.)
MF_FAULT_FAIL=a expect_fail "a run failing in a" 1 "$F" run
obj=$(find .metaflow/objects -type f -size +0 | head -n 1)
printf 'garbage' | dd of="$obj" bs=1 seek=20 conv=notrunc status=none
expect_fail "dump of a corrupt artifact fails" 1 "$F" dump 1/start/1 --artifact big
assert_eq "... naming the artifact once" 1 "$(grep -o "cannot load artifact 'big'" "$ERR" | wc -l)"
# (resume re-runs a task whose objects are corrupt: run the step by hand)
expect_fail "a step reading the corrupt object fails" 1 "$F" step a --run-id 4 --task-id 7 --input-paths start/1
assert_eq "... and its message names the artifact once" 1 \
    "$(grep -o "cannot load artifact 'big'" "$ERR" | wc -l)"
assert_not_contains "no internal names in any message" "$(cat "$OUT" "$ERR")" "_parameters"
finish
