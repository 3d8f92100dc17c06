#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t82: what a script driving runs needs - --run-id-file on run and resume,
# parameters from METAFLOW_RUN_<NAME> (the command line wins), a list
# parameter split at its separator, file parameters whose content is an
# artifact; unknown options named as such; the resume line after a
# --max-num-splits failure carries the limit the foreach needs.
. "$(dirname "$0")/lib.sh"
F=$FLOWS/automation_flow
PY=/usr/bin/python3

printf 'key = 1\n' >cfg.txt
printf '\x00\xff\x01' >blob.bin
run_ok "run with --run-id-file, a list and two files" "$F" run --quiet --run-id-file out/rid \
    --names 'a,b,,c' --config cfg.txt --blob blob.bin
assert_eq "... the id is in the file" "1" "$(cat out/rid)"
for a in names config blob count; do
    run_ok "dump $a" "$F" dump 1/start/1 --artifact $a --json --full
    cp "$OUT" "$a.json"
done
assert_true "... the list, the text and the bytes are artifacts" $PY -c '
import json,base64
a={k: json.load(open(k+".json"))[0]["artifacts"][k] for k in ("names","config","blob","count")}
assert a["names"]==["a","b","","c"], a["names"]
assert a["config"]=="key = 1\n", a["config"]
assert base64.b64decode(a["blob"])==b"\x00\xff\x01"
assert a["count"]==1'
export METAFLOW_RUN_COUNT=5
run_ok "a parameter from METAFLOW_RUN_COUNT" "$F" run
assert_contains "... is used" "$(user_lines)" "count=5"
run_ok "the command line wins over it" "$F" run --count 3
assert_contains "... 3" "$(user_lines)" "count=3"
METAFLOW_RUN_COUNT=x expect_fail "a bad value from the environment is refused" 2 "$F" run
unset METAFLOW_RUN_COUNT
run_ok "an empty separator-list parameter" "$F" run --quiet --names ''
run_ok "... dump" "$F" dump 4/start/1 --artifact names --json
assert_contains "... is an empty list" "$(cat "$OUT")" '"names":[]'
expect_fail "a missing file" 2 "$F" run --config nope.txt
assert_contains "... names it" "$(cat "$ERR")" "cannot read file 'nope.txt' for parameter 'config'"
expect_fail "a text file that is not UTF-8" 2 "$F" run --config blob.bin
assert_contains "... says so and how to read bytes" "$(cat "$ERR")" ".binary = true"
run_ok "resume --run-id-file" "$F" resume 'start' --origin-run-id 1 --quiet --run-id-file rid2
assert_eq "... the new id" "5" "$(cat rid2)"
expect_fail "an unknown option before a parameter" 2 "$F" run --bogus --count 3
assert_contains "... is named unknown" "$(cat "$ERR")" "unknown option '--bogus' for run"
expect_fail "an unknown option last" 2 "$F" run --count 3 --bogus
assert_contains "... is named unknown too" "$(cat "$ERR")" "unknown option '--bogus' for run"
run_ok "run --help tells of METAFLOW_RUN_" "$F" run --help
assert_contains "... the variable" "$(cat "$OUT")" "METAFLOW_RUN_count"
assert_contains "... the list" "$(cat "$OUT")" "[a list: the text split at ',']"

# A foreach over more items than --max-num-splits: resume must raise it.
E=$EXAMPLES/foreach_flow
run "$E" run --max-num-splits 1
assert_true "... fails" test "$RC" -ne 0
line=$(grep -o "resume --origin-run-id [0-9]* --max-num-splits [0-9]*" "$OUT")
assert_true "... the resume line carries --max-num-splits" test -n "$line"
run_ok "... and that line works" "$E" $line

# --help: one column for every command summary, slurm-cancel's too
run_ok "--help" "$F" --help
assert_true "... run's summary starts where slurm-cancel's does" test \
    "$(grep -E '^  run ' "$OUT" | sed -E 's/^(  run +).*/\1/' | wc -c)" = \
    "$(grep -E '^  slurm-cancel ' "$OUT" | sed -E 's/^(  slurm-cancel +).*/\1/' | wc -c)"
run_ok "step --help" "$F" step --help
assert_not_contains "... points to no file that is not installed" "$(cat "$OUT")" "docs/design.md"
assert_contains "... explains the options itself" "$(cat "$OUT")" "--split-stack S"
finish
