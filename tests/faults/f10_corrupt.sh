#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f10_corrupt.sh - each corruption of a store (a flipped byte in an object, a
# deleted object, a truncated index): `verify` finds it and names the task,
# and the advice printed, followed as printed, repairs it (issue 8, item 9):
# a put replaces a corrupt object, and resume runs again a task whose
# objects are missing or corrupt instead of cloning it.
. "$(dirname "$0")/../cli/lib.sh"

F=$FLOWS/trust_flow
TOTAL="end: total is 11116.5" # width 3

# object_of RUN STEP [EXCEPT]: an object file named by the first task of
# RUN/STEP (a hash in its index whose object exists), other than EXCEPT.
object_of() {
    local dir task h
    dir=$ROOT/TrustFlow/$1/$2
    task=$(ls "$dir" | sort -n | head -n 1)
    for h in $(grep -ao '[0-9a-f]\{64\}' "$dir/$task/index" | sort -u); do
        [ "$ROOT/objects/${h:0:2}/${h:2}" = "${3:-}" ] && continue
        [ -f "$ROOT/objects/${h:0:2}/${h:2}" ] && { echo "$ROOT/objects/${h:0:2}/${h:2}"; return; }
    done
}
first_task() { ls "$ROOT/TrustFlow/$1/$2" | sort -n | head -n 1; }
# The command a `verify` fix line tells to run ("fix: resume STEP --origin-run-id R: ...").
fix_cmd() { sed -n 's/^  fix: \(resume [a-z_]* --origin-run-id [0-9]*\):.*/\1/p' "$OUT" | head -n 1; }

run_ok "a clean run" "$F" run
assert_eq "the run's total" "$TOTAL" "$(user_lines)"
run_ok "verify: a clean store" "$F" verify
assert_contains "verify counts what it checked" "$(cat "$OUT")" "0 problem(s) in"
run_ok "verify RUN: clean" "$F" verify 1

# --- a flipped byte in an object ---------------------------------------------------
big=$(object_of 1 start)
assert_true "start stored an object" test -n "$big"
printf '\377' | dd of="$big" bs=1 seek=100 conv=notrunc 2>/dev/null
expect_fail "verify: a flipped byte is a problem (exit 1)" 1 "$F" verify
assert_contains "verify names the task that holds it" "$(cat "$OUT")" "1/start/1 (artifact 'big')"
assert_contains "verify says it is corrupt" "$(cat "$OUT")" "is corrupt: "
fix=$(fix_cmd)
assert_eq "verify's fix resumes from the step that wrote it" "resume start --origin-run-id 1" "$fix"
expect_fail "verify RUN: the same problem" 1 "$F" verify 1 --json
assert_contains "verify --json: the kind" "$(cat "$OUT")" '"kind":"object-corrupt"'
assert_contains "verify --json: not ok" "$(cat "$OUT")" '"ok":false'
expect_fail "dump refuses the corrupt artifact" 1 "$F" dump 1/start/1 --artifact big
assert_contains "its message points at verify and resume" "$(cat "$ERR")" "resume the run (the 'verify' command names"
# follow the advice as printed
# shellcheck disable=SC2086
run_ok "the fix, run as printed, succeeds" "$F" $fix
assert_eq "the resumed run's total" "$TOTAL" "$(user_lines)"
run_ok "verify: clean after the fix" "$F" verify
run_ok "dump of the old run reads the repaired object" "$F" dump 1/start/1 --artifact big
run_ok "a fresh run succeeds" "$F" run
assert_eq "the fresh run's total" "$TOTAL" "$(user_lines)"

# --- a fresh run over a corrupt object (a put must not trust it) ----------------------
printf '\377' | dd of="$big" bs=1 seek=200 conv=notrunc 2>/dev/null
run_ok "a fresh run over a corrupt object succeeds" "$F" run
run_ok "...and replaced the corrupt object" "$F" verify

# --- a deleted object -------------------------------------------------------------
part=$(object_of 1 work "$big")
wtask=$(first_task 1 work)
rm -f "$part"
expect_fail "verify: a deleted object is a problem" 1 "$F" verify
assert_contains "verify names the task" "$(cat "$OUT")" "1/work/$wtask (artifact 'part')"
assert_contains "verify says it is missing" "$(cat "$OUT")" "does not exist"
fix=$(fix_cmd)
# shellcheck disable=SC2086
run_ok "the fix for a deleted object succeeds" "$F" $fix
assert_eq "its total" "$TOTAL" "$(user_lines)"
run_ok "verify: clean again" "$F" verify

# --- plain resume of a failed run whose cloned objects are gone (issue 8, item 9) ---
expect_fail "a run failing at end" 1 env MF_FAIL_AT=end "$F" run
failed=$(last_run_id TrustFlow)
rm -f "$(object_of "$failed" start)"
expect_fail "dump names the missing object and the advice" 1 "$F" dump "$failed/start/1" --artifact big
assert_contains "the advice is to resume" "$(cat "$ERR")" "resume the run"
run_ok "plain resume succeeds" "$F" resume
assert_eq "its total" "$TOTAL" "$(user_lines)"
assert_contains "resume says why it ran start again" "$(cat "$ERR")" "not cloned from $failed/start/1, running it again"
run_ok "a fresh run succeeds too" "$F" run
run_ok "verify: clean" "$F" verify

# --- a truncated index ------------------------------------------------------------
last=$(last_run_id TrustFlow)
jtask=$(first_task "$last" join)
ix=$ROOT/TrustFlow/$last/join/$jtask/index
head -c 20 "$ix" >"$ix.cut" && mv "$ix.cut" "$ix"
expect_fail "verify: a truncated index is a problem" 1 "$F" verify
assert_contains "verify names its task" "$(cat "$OUT")" "tasks: $last/join/$jtask"
assert_contains "verify says the index is corrupt" "$(cat "$OUT")" "task index '"
fix=$(fix_cmd)
assert_eq "the fix resumes from its step" "resume join --origin-run-id $last" "$fix"
# shellcheck disable=SC2086
run_ok "the fix succeeds" "$F" $fix
assert_eq "its total" "$TOTAL" "$(user_lines)"
# The corrupt index is the join's, which resume runs again: it is not even read
# (resume reads a step's origin indexes only to clone that step; t44).
assert_not_contains "resume did not read the index of the step it runs again" "$(cat "$ERR")" "not reusing task"
run_ok "verify RUN of the new run: clean" "$F" verify "$(last_run_id TrustFlow)"

finish
