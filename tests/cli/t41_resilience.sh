#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t41_resilience.sh - retries, timeout and catch; every attempt's logs kept;
# two runs at once in one datastore both recorded.
. "$(dirname "$0")/lib.sh"

F=$FLOWS/resilience_flow

run_ok "a flow with a retried step and a caught timeout succeeds" "$F" run
assert_done "it says Done!"
assert_contains "the first attempt failed and was retried" "$(cat "$OUT")" "attempt 0 failed: exit code 1; retrying"
assert_contains "the retry succeeded" "$(user_lines)" "flaky attempt 1"
assert_contains "the retried step's result is used" "$(user_lines)" "answer=42"
assert_contains "the slow step timed out and was caught" "$(cat "$OUT")" "timed out after 1 s; caught in artifact 'failure'"
assert_contains "the catch artifact holds the reason" "$(user_lines)" "caught: timed out after 1 s (timed_out=true)"
assert_contains "... and the last lines of stderr" "$(user_lines)" "caught stderr: slow: going to sleep"
D=$ROOT/ResilienceFlow/1
assert_true "attempt 0 of flaky kept its logs" test -f "$D"/flaky/2/0.stdout -a -f "$D"/flaky/2/0.stderr
assert_true "attempt 1 of flaky kept its logs" test -f "$D"/flaky/2/1.stdout
assert_contains "attempt 0's stderr says why" "$(cat "$D"/flaky/2/0.stderr)" "the first attempt always fails"
assert_contains "the timed-out attempt's log says so" "$(cat "$D"/slow/3/0.stderr)" "timed out after 1 s"

# With stdout and stderr in one file, a task's stderr line never overtakes
# the scheduler's "task starting" line for it.
"$F" run >"$T_DIR/both.out" 2>&1
started=$(grep -n '^\[2/slow/3\] task starting' "$T_DIR/both.out" | head -n 1 | cut -d: -f1)
said=$(grep -n '^\[2/slow/3 (pid [0-9]*)\] slow: going to sleep' "$T_DIR/both.out" | head -n 1 | cut -d: -f1)
assert_true "in one file, 'task starting' comes before the task's stderr ($started < $said)" \
    test "${started:-0}" -gt 0 -a "${said:-0}" -gt "${started:-0}"

# A scheduler killed outright never records the end of its run: readers say
# the run died (not "running" for ever), and resume takes it like a failure.
"$F" run >"$T_DIR/killed.out" 2>&1 &
SCHED=$!
# Kill as soon as the scheduler has started the slow step (it runs >= 1 s before its timeout), never after a
# fixed time: under ASan on a loaded machine the task may not print anything before it times out.
for _ in $(seq 1200); do grep -q '^\[[0-9]*/slow/[0-9]*\] task starting' "$T_DIR/killed.out" && break; sleep 0.05; done
kill -KILL "$SCHED"
wait "$SCHED" 2>/dev/null
# Its orphaned task: only this test's (same working directory), never a concurrent test's.
for p in $(pgrep -f resilience_flow); do
    [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$PWD" ] && kill -KILL "$p" 2>/dev/null
done
KILLED=$(last_run_id ResilienceFlow)
run_ok "runs after the scheduler was killed" "$F" runs
assert_true "the killed run is listed as died, with no duration" grep -qE "^$KILLED +died +[-0-9]+ [0-9:]+ +- " "$OUT"
run_ok "runs --json" "$F" runs --json
assert_eq "... says died too" "died" "$(jq -r ".[] | select(.run_id == \"$KILLED\") | .status" "$OUT")"
run_ok "a run that died can be resumed" "$F" resume --origin-run-id "$KILLED"
assert_contains "... cloning what succeeded" "$(cat "$OUT")" "cloned from $KILLED/flaky/"

# Two runs at once share the datastore and the metadata safely.
R=$FLOWS/resume_flow
timeout 300 "$R" run --quiet >"$T_DIR/a.out" 2>&1 &
A=$!
timeout 300 "$R" run --quiet >"$T_DIR/b.out" 2>&1 &
B=$!
wait $A
RA=$?
wait $B
RB=$?
assert_eq "two concurrent runs both succeed" "0 0" "$RA $RB"
assert_eq "they got different run ids" "2" "$(run_count ResumeFlow)"
assert_eq "both computed the right result" "sum=30 l=31 r=32
sum=30 l=31 r=32" "$(cat "$T_DIR/a.out" "$T_DIR/b.out" | user_lines /dev/stdin | grep "^sum=")"

finish
