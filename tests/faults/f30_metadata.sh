#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f30_metadata.sh - lost or corrupt run metadata (issue 8): `metadata rebuild`
# rebuilds metadata.db from the run directories, and `runs`, `dump` and
# `logs` show what they showed before (times come from file times, a few ms
# off), tags, system tags and the origin of a resume included: each run's
# directory keeps a copy of them (_run.json); a failed attempt's exit code
# too (its "<N>.exit" file), and where a resume's cloned tasks came from
# (RUN/_clones). A damaged copy is said, and that
# run keeps only the tags its directory tells (user, date).
. "$(dirname "$0")/../cli/lib.sh"

F=$FLOWS/trust_flow
# ID, STATUS, TAGS and ORIGIN of `runs` (STARTED may move across a second boundary).
runs_cols() { "$F" runs | awk 'NR > 1 { print $1, $2, $6, $7 }'; }
snapshot() {
    runs_cols >"$1.runs"
    for r in 1 3; do "$F" tag list "$r" --system >"$1.sys$r" 2>&1; done
    for r in 1 2 3; do "$F" dump "$r" >"$1.dump$r" 2>&1; done
    "$F" dump 1/end --json >"$1.json"
    "$F" logs 2/join --stderr >"$1.logs" 2>&1
    "$F" dump 2/join --json 2>&1 | grep -o '"exit_code":[-0-9]*' >"$1.exit"
    "$F" dump 3/start --json 2>&1 | grep -o '"origin":[^,]*' >"$1.clone"
}
same() {
    local f
    for f in runs sys1 sys3 dump1 dump2 dump3 json logs exit clone; do
        assert_eq "$1: $f is the same" "$(cat "before.$f")" "$(cat "$2.$f")"
    done
}

run_ok "run 1" "$F" run --width 4 --tag first
expect_fail "run 2 fails in join" 1 env MF_FAIL_AT=join "$F" run
run_ok "run 3 resumes it" "$F" resume
run_ok "a tag added to run 1 later" "$F" tag add 1 later
run_ok "and one of run 3 replaced" "$F" tag replace 3 --remove none --add resumed
snapshot before
assert_eq "runs shows the tags and the origin" "1 succeeded first,later -
2 failed - -
3 succeeded resumed 2" "$(sort before.runs)"
assert_contains "the failed run's log is there" "$(cat before.logs)" "asked to fail at 'join'"
assert_eq "the failed join's exit code" '"exit_code":1' "$(cat before.exit)"
assert_eq "run 3's start was cloned from run 2's" '"origin":"2/start/1"' "$(cat before.clone)"

rm -f "$ROOT"/metadata.db*
expect_fail "verify: metadata lost is a problem" 1 "$F" verify
assert_contains "verify says to rebuild" "$(cat "$OUT")" "metadata rebuild"
expect_fail "runs: metadata lost" 1 "$F" runs
assert_contains "runs says to rebuild, not to run first" "$(cat "$ERR")" "'metadata rebuild --datastore-root $PWD/$ROOT'"
expect_fail "dump: metadata lost" 1 "$F" dump 1
assert_contains "dump says to rebuild" "$(cat "$ERR")" "is missing, but the root holds run directories"
expect_fail "tag add: metadata lost" 1 "$F" tag add 1 x
assert_contains "tag says to rebuild" "$(cat "$ERR")" "metadata rebuild"
run_ok "metadata rebuild" "$F" metadata rebuild
assert_contains "rebuild counts the runs" "$(cat "$OUT")" "3 run(s)"
assert_contains "every run's tags from its copy" "$(cat "$OUT")" "record copy for 3 of them"
snapshot lost
same "after a lost database" lost
run_ok "verify: clean after the rebuild" "$F" verify

# a corrupt database is moved aside and rebuilt
head -c 4096 /dev/urandom >"$ROOT/metadata.db"
rm -f "$ROOT/metadata.db-wal" "$ROOT/metadata.db-shm"
expect_fail "verify: a corrupt database is a problem" 1 "$F" verify
run_ok "metadata rebuild of a corrupt database" "$F" metadata rebuild
assert_contains "it was moved aside" "$(cat "$OUT")" "metadata.db.broken-"
snapshot corrupt
same "after a corrupt database" corrupt

# a damaged copy: said, and that run keeps the tags its directory tells; the others are whole
echo '{"format": 1, "system_tags": [7]' >"$ROOT/TrustFlow/1/_run.json"
rm -f "$ROOT"/metadata.db*
run_ok "metadata rebuild with a damaged copy" "$F" metadata rebuild
assert_contains "the damaged copy is named" "$(cat "$ERR")" "TrustFlow/1/_run.json' is damaged (malformed JSON"
assert_contains "2 of 3 from their copies" "$(cat "$OUT")" "record copy for 2 of them"
run_ok "run 1's system tags after it" "$F" tag list 1 --system
assert_contains "run 1 keeps its user: tag" "$(cat "$OUT")" "user:"
assert_not_contains "but not its runtime: tag" "$(cat "$OUT")" "runtime:"
assert_eq "run 1 lost its user tags" "1 succeeded - -" "$(runs_cols | grep '^1 ')"
assert_eq "run 3 is whole" "$(grep '^3 ' before.runs)" "$(runs_cols | grep '^3 ')"

# a database that misses a run (deleted rows) gets it back, keeping the others
run_ok "a fourth run, tagged" "$F" run --tag keep
run_ok "rebuild with a healthy database changes nothing" "$F" metadata rebuild
assert_contains "it kept the 4 runs" "$(cat "$OUT")" "4 run(s) were already recorded"
run_ok "the tag is still there" "$F" tag list 4
assert_contains "tag kept" "$(cat "$OUT")" "keep"
# a clone log line that does not parse is said; the lines that do still count
run_ok "a tag change rewrites run 1's damaged copy" "$F" tag add 1 again
echo 'not a clone line' >>"$ROOT/TrustFlow/3/_clones"
rm -f "$ROOT"/metadata.db*
run_ok "metadata rebuild with a bad clone line" "$F" metadata rebuild
assert_contains "the bad line is said, naming the log" "$(cat "$ERR")" "1 line(s) of the clone log '"
assert_contains "with what it means" "$(cat "$ERR")" "TrustFlow/3/_clones' do not parse"
assert_contains "run 3's start is still a clone" "$("$F" dump 3/start --json 2>&1)" '"origin":"2/start/1"'
expect_fail "metadata without a subcommand is a usage error" 2 "$F" metadata
run_ok "metadata --help" "$F" metadata --help
assert_contains "the help says what is lost" "$(cat "$OUT")" "its exit codes and clones' origins are lost"
assert_contains "and where the tags come from" "$(cat "$OUT")" "RUN/_run.json"

finish
