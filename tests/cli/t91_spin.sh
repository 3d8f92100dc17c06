#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t91: reproducing one task (issue 11 item 9). A failed run's report prints,
# for each failed task, the command that re-runs it alone; that line, run as
# printed under sh -c, fails the same way in a scratch run and leaves the
# failed run's records byte for byte as they were. spin re-runs any task (a
# foreach item, a join) from its recorded inputs, at its last attempt, with
# no catch; resume, "latest" (C and
# Python clients) skip scratch runs and `runs` marks them. Bad input gets
# one clear message.
. "$(dirname "$0")/lib.sh"
F=$FLOWS/fail_flow
S=$FLOWS/spin_flow
PY=/usr/bin/python3

# Every file of run RUN of FLOW and every metadata row naming it, as text.
records() {
    (cd "$ROOT/$1/$2" && find . -type f | LC_ALL=C sort | xargs sha256sum)
    $PY -c '
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = \"table\" ORDER BY name"):
    cols = [c[1] for c in db.execute("PRAGMA table_info(%s)" % t)]
    if "flow" in cols and "run_id" in cols:
        for row in sorted(db.execute("SELECT * FROM %s WHERE flow = ? AND run_id = ?" % t, sys.argv[2:4]), key=repr):
            print(t, row)' "$ROOT/metadata.db" "$1" "$2"
}

# The command of the report line for task $1 in the last command's stdout.
spin_line() {
    sed -n "s|^To re-run task $1 alone (under gdb or valgrind too): ||p" "$OUT"
}

# --- a failed task, its line, run as printed -------------------------------
MF_TEST_FAIL=fails run "$F" run
assert_eq "a run failing in step 'fails' fails" 1 "$RC"
cmd=$(spin_line 1/fails/3)
assert_eq "... its report prints the spin line" "$F spin 1/fails/3 --datastore-root $PWD/$ROOT" "$cmd"
records FailFlow 1 >before
MF_TEST_FAIL=fails run sh -c "$cmd"
assert_eq "... that line, run by sh, fails again" 1 "$RC"
assert_contains "... the same way" "$(cat "$ERR")" "error: step 'fails': the test asked step 'fails' to fail"
assert_contains "... in scratch run 2" "$(cat "$OUT")" "spinning task 1/fails/3 into scratch run 2 as task 2/fails/3"
assert_contains "... and says the run is unchanged" "$(cat "$ERR")" "spin: task 2/fails/3 failed (exit 1); run 1 is unchanged"
records FailFlow 1 >after
assert_true "... run 1's files and metadata rows are byte for byte the same" cmp -s before after
run_ok "runs --json" "$F" runs --json
assert_true "... the scratch run is failed, runtime:spin (not dev), from run 1, one task" $PY -c '
import json, sqlite3, sys
r = {x["run_id"]: x for x in json.load(open(sys.argv[1]))}["2"]
assert r["status"] == "failed", r
assert "runtime:spin" in r["system_tags"] and "runtime:dev" not in r["system_tags"], r
assert r["origin_run_id"] == "1", r
db = sqlite3.connect(sys.argv[2])
rows = db.execute("SELECT step, task_id, attempt, status FROM tasks WHERE flow = ? AND run_id = ?", ("FailFlow", "2")).fetchall()
assert rows == [("fails", "3", 0, "failed")], rows' "$OUT" "$ROOT/metadata.db"

run_ok "spin it again, the bug gone" "$F" spin 1/fails/3
assert_contains "... prints the new task" "$(cat "$OUT")" "spin: task 3/fails/3 succeeded; its artifacts: $F dump 3/fails/3"
run_ok "... its artifacts are in the scratch run" "$F" dump 3/fails/3 --artifact present
assert_contains "... inherited from its recorded input" "$(cat "$OUT")" "present (int) = 1"
records FailFlow 1 >after2
assert_true "... run 1 still unchanged" cmp -s before after2
run_ok "runs" "$F" runs
assert_true "... marks both scratch runs (spin)" test "$(grep -c '^[23] .* 1 (spin)$' "$OUT")" = 2
assert_true "... and not run 1" grep -q '^1 .* -$' "$OUT"

# --- resume and "latest" never take a scratch run ---------------------------
run_ok "resume takes the failed run, not a scratch run" "$F" resume
assert_contains "... says it skips run 3" "$(cat "$OUT")" "note: skipping run 3: a spin of one task of run 1, not a run to resume"
assert_contains "... and run 2" "$(cat "$OUT")" "note: skipping run 2: a spin of one task of run 1"
assert_contains "... and resumes run 1" "$(cat "$OUT")" "cloning what succeeded in run 1"
end=$(sed -n 's|^\[\(4/end/[0-9]*\) (pid.*|\1|p' "$OUT")
expect_fail "resume --origin-run-id of a scratch run is refused" 1 "$F" resume --origin-run-id 2
assert_contains "... naming the run to resume" "$(cat "$ERR")" "run 2 of FailFlow is the scratch run of a spin (one task of run 1 run again): there is nothing to resume in it; resume run 1 instead"
run_ok "a spin of the resume's end (run 5)" "$F" spin "$end"
assert_true "... the Python client's latest_run and latest_successful_run are run 4" env PYTHONPATH="$MF_SRC/python" $PY -c '
from metaflow_c import Flow
f = Flow("FailFlow", datastore_root=".metaflow")
assert f.latest_run.id == "4" and f.latest_successful_run.id == "4", (f.latest_run.id, f.latest_successful_run.id)
assert "runtime:spin" in f["5"].system_tags'

# --- a crash, reproduced as a crash; the scratch run then reads as died -----
MF_TEST_FAIL=segv run "$F" run
cmd=$(spin_line 6/segv/5)
assert_eq "a run dying by SIGSEGV prints its spin line" "$F spin 6/segv/5 --datastore-root $PWD/$ROOT" "$cmd"
records FailFlow 6 >before
MF_TEST_FAIL=segv run sh -c "$cmd"
assert_eq "... that line dies by SIGSEGV again" 139 "$RC"
records FailFlow 6 >after
assert_true "... run 6 unchanged" cmp -s before after
run_ok "runs --json" "$F" runs --json
assert_true "... the scratch run is died (its process is gone)" $PY -c '
import json,sys; r={x["run_id"]: x for x in json.load(open(sys.argv[1]))}["7"]; assert r["status"] == "died", r' "$OUT"

# --- several failed tasks, each with its line, each reproducing its item ----
MF_SPIN_FAIL=1 run "$S" run --max-workers 4 --max-num-splits 50
assert_eq "a foreach whose three items fail fails" 1 "$RC"
assert_eq "... a line for each failed task" 3 "$(grep -c '^To re-run task 1/work/[0-9]* alone' "$OUT")"
assert_eq "... 'failed too' for the two after the first" 2 "$(grep -c '^Task 1/work/[0-9]* failed too$' "$OUT")"
records SpinFlow 1 >before
cp "$OUT" run.out
n=0
for id in $(sed -n 's|^To re-run task 1/work/\([0-9]*\) alone.*|\1|p' run.out); do
    cmd=$(sed -n "s|^To re-run task 1/work/$id alone (under gdb or valgrind too): ||p" run.out)
    assert_contains "... task $id's line carries --max-num-splits" "$cmd" " --max-num-splits 50"
    MF_SPIN_FAIL=1 run sh -c "$cmd"
    assert_eq "... task $id's line fails again" 1 "$RC"
    item=$(sed -n "s|^\[1/work/$id (pid [0-9]*)\] work: \(item [0-9]* at index [0-9]*\),.*|\1|p" run.out)
    assert_contains "... with the same item and index ($item)" "$(cat "$ERR")" "$item failed"
    n=$((n + 1))
done
assert_eq "... all three reproduced" 3 "$n"
records SpinFlow 1 >after
assert_true "... run 1 unchanged" cmp -s before after

# --- a foreach item and a join, from their recorded inputs ------------------
run_ok "a foreach run" "$S" run
rid=$(last_run_id SpinFlow)
join=$(sed -n "s|^\[\($rid/join/[0-9]*\) (pid.*|\1|p" "$OUT" | head -n 1)
item=$(sed -n "s|^\[\($rid/work/[0-9]*\) (pid [0-9]*)\] work: item 20 .*|\1|p" "$OUT")
records SpinFlow "$rid" >before
run_ok "spin its join, as SpinFlow/RUN/STEP/TASK" "$S" spin "SpinFlow/$join"
assert_contains "... from all three inputs" "$(cat "$OUT")" "join: total 120 of 3 inputs"
sj=$(last_run_id SpinFlow)
run_ok "... the scratch join's total" "$S" dump "$sj/join/${join##*/}" --artifact total
assert_contains "... is the original's" "$(cat "$OUT")" "total (int) = 120"
run_ok "spin the foreach item 20" "$S" spin "$item"
assert_contains "... sees its item and index" "$(cat "$OUT")" "work: item 20 at index 1, attempt 0"
records SpinFlow "$rid" >after
assert_true "... the run's records unchanged" cmp -s before after
expect_fail "the C client's 'latest' is that run, not a scratch run" 1 "$FLOWS/one_line_reader" "$ROOT" SpinFlow/latest/join/nope
assert_contains "... (a missing artifact names the task read)" "$(cat "$ERR")" "task 'SpinFlow/$rid/join/${join##*/}' has no artifact 'nope'"

# --- a failure its catch_var caught: spin runs its last attempt, uncaught --
C=$FLOWS/catch_flow
run_ok "a run whose failing steps are caught" "$C" run
keeps=$(sed -n 's|^\[\(1/keeps/[0-9]*\) (pid.*|\1|p' "$OUT" | head -n 1)
expect_fail "spin of the task whose last attempt was caught fails" 1 "$C" spin "$keeps"
assert_contains "... as the attempt the run recorded last" "$(cat "$OUT")" "keeps attempt 2"
assert_contains "... with the failure" "$(cat "$ERR")" "error: step 'keeps': keeps fails on attempt 2"
assert_not_contains "... not caught" "$(cat "$ERR")" "caught in artifact"

# --- bad input ---------------------------------------------------------------
run_ok "spin --help" "$S" spin --help
assert_contains "... says how to debug" "$(cat "$OUT")" "gdb --args $S spin RUN/STEP/TASK"
expect_fail "spin without a task" 2 "$S" spin
assert_contains "... says what it needs" "$(cat "$ERR")" "spin needs a task: $S spin RUN/STEP/TASK"
expect_fail "spin of a step, not a task" 2 "$S" spin "$rid/join"
assert_contains "... names the forms" "$(cat "$ERR")" "'$rid/join' is not a task: spin takes RUN/STEP/TASK (e.g. 3/start/1) or SpinFlow/RUN/STEP/TASK"
expect_fail "spin of a step the flow does not have" 2 "$S" spin "$rid/nosuch/1"
assert_contains "... lists its steps" "$(cat "$ERR")" "'nosuch' is not a step of SpinFlow; its steps are: start, work, join, end"
expect_fail "spin of a task that does not exist" 1 "$S" spin "$rid/join/999"
assert_contains "... lists the step's tasks" "$(cat "$ERR")" "run $rid of SpinFlow has no task join/999; the tasks of step 'join' there are: ${join##*/}"
expect_fail "spin of a run that does not exist" 1 "$S" spin 99/join/1
assert_contains "... names the runs" "$(cat "$ERR")" "run '99' of flow 'SpinFlow' does not exist; its runs are:"
expect_fail "spin of another flow's task" 2 "$S" spin FailFlow/1/fails/3
assert_contains "... names both flows" "$(cat "$ERR")" "'FailFlow/1/fails/3' is a task of flow 'FailFlow', but this program runs flow 'SpinFlow'"
expect_fail "spin with a run id that is not a number" 2 "$S" spin "x/join/1"
assert_contains "... says so" "$(cat "$ERR")" "'x' in 'x/join/1' is not a run id"
expect_fail "spin with a task id that is not a number" 2 "$S" spin "$rid/join/abc"
assert_contains "... says so" "$(cat "$ERR")" "'abc' in '$rid/join/abc' is not a task id"
expect_fail "spin with an unknown option" 2 "$S" spin "$join" --bogus
assert_contains "... names it" "$(cat "$ERR")" "unknown option '--bogus' for spin"
expect_fail "spin in a datastore without runs" 1 "$S" spin 1/start/1 --datastore-root empty
assert_true "... creates no metadata there" test ! -e empty/metadata.db
runs_before=$(run_count SpinFlow)
rm "$ROOT/SpinFlow/$item/index"
expect_fail "spin of a task whose input has no index" 1 "$S" spin "$join"
assert_contains "... names the input" "$(cat "$ERR")" "input task $item has no artifact index: it did not succeed"
run_ok "runs --json" "$S" runs --json
assert_true "... the scratch run it began is recorded failed, not running" $PY -c '
import json,sys; r=json.load(open(sys.argv[1]))[0]; assert r["status"] == "failed" and "runtime:spin" in r["system_tags"], r' "$OUT"
assert_eq "... one scratch run more" $((runs_before + 1)) "$(run_count SpinFlow)"
finish
