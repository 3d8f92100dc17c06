#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f30_metadata.sh - lost or corrupt run metadata (issue 8): `metadata rebuild`
# rebuilds metadata.db from the run directories, and `runs`, `dump` and
# `logs` show what they showed before (times come from file times, a few ms
# off; tags and the origin of a resume are only in the database: not compared).
. "$(dirname "$0")/../cli/lib.sh"

F=$FLOWS/trust_flow
# ID and STATUS of `runs` (STARTED may move across a second boundary).
runs_cols() { "$F" runs | awk 'NR > 1 { print $1, $2 }'; }
snapshot() {
    runs_cols >"$1.runs"
    for r in 1 2 3; do "$F" dump "$r" >"$1.dump$r" 2>&1; done
    "$F" dump 1/end --json >"$1.json"
    "$F" logs 2/join --stderr >"$1.logs" 2>&1
}
same() {
    local f
    for f in runs dump1 dump2 dump3 json logs; do
        assert_eq "$1: $f is the same" "$(cat "before.$f")" "$(cat "$2.$f")"
    done
}

run_ok "run 1" "$F" run --width 4
expect_fail "run 2 fails in join" 1 env MF_FAIL_AT=join "$F" run
run_ok "run 3 resumes it" "$F" resume
snapshot before
assert_contains "the failed run's log is there" "$(cat before.logs)" "asked to fail at 'join'"

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

# a database that misses a run (deleted rows) gets it back, keeping the others
run_ok "a fourth run, tagged" "$F" run --tag keep
run_ok "rebuild with a healthy database changes nothing" "$F" metadata rebuild
assert_contains "it kept the 4 runs" "$(cat "$OUT")" "4 run(s) were already recorded"
run_ok "the tag is still there" "$F" tag list 4
assert_contains "tag kept" "$(cat "$OUT")" "keep"
expect_fail "metadata without a subcommand is a usage error" 2 "$F" metadata
run_ok "metadata --help" "$F" metadata --help
assert_contains "the help says what is lost" "$(cat "$OUT")" "Tags"

finish
