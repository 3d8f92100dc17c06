#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t80: tags as Metaflow has them - any UTF-8 text up to 500 bytes, system tags
# recorded with every run (apart, immutable), tag replace, runs --tag (all
# given), and a TAGS column that reads back one way when tags hold commas.
. "$(dirname "$0")/lib.sh"
L=$EXAMPLES/linear_flow
me=$(id -un)
today=$(date -u +%F)

run_ok "a run tagged with spaces, commas and any script" "$L" run --quiet --tag '刺身 means sashimi' --tag 'a,b' --tag "user:$me"
run_ok "a second run" "$L" run --quiet --tag nightly
run_ok "tag list --system" "$L" tag list 1 --system
assert_eq "... the four system tags" "date:$today
metaflow_c_version:$("$L" --version | sed -n 's/.*metaflow-c \([0-9.]*\).*/\1/p')
runtime:dev
user:$me" "$(cat "$OUT")"
run_ok "tag list" "$L" tag list 1
assert_eq "... user tags only; the system one given with --tag is not doubled" "a,b
刺身 means sashimi" "$(cat "$OUT")"
expect_fail "a system tag cannot be removed" 1 "$L" tag remove 1 runtime:dev
assert_contains "... says so" "$(cat "$ERR")" "'runtime:dev' is a system tag of run '1': system tags cannot be removed"
run_ok "tag replace" "$L" tag replace 1 --remove 'a,b' --add ' q"z' --add later
run_ok "tag list after replace" "$L" tag list 1
assert_eq "... removed then added" ' q"z
later
刺身 means sashimi' "$(cat "$OUT")"
expect_fail "tag replace without --add" 2 "$L" tag replace 1 --remove later
expect_fail "tag replace of a bad tag changes nothing" 2 "$L" tag replace 1 --remove later --add $'\xff'
assert_contains "... names the byte" "$(cat "$ERR")" "is not UTF-8 text"
run_ok "runs" "$L" runs
assert_true "... the TAGS column quotes a tag holding a comma or a quote" \
    grep -qF '" q\"z",later,刺身 means sashimi' "$OUT"
run_ok "runs --tag nightly" "$L" runs --tag nightly
assert_true "... only run 2" grep -qE '^2 ' "$OUT"
assert_true "... not run 1" bash -c "! grep -qE '^1 ' '$OUT'"
run_ok "runs --tag with a system tag and a user tag (all of them)" "$L" runs --tag later --tag "user:$me" --json
assert_true "... only run 1" /usr/bin/python3 -c \
    'import json,sys; r=json.load(open(sys.argv[1])); assert [x["run_id"] for x in r]==["1"], r; assert "runtime:dev" in r[0]["system_tags"]' "$OUT"
run_ok "runs --tag nobody has" "$L" runs --tag absent
assert_contains "... says none has them" "$(cat "$OUT")" "no runs of LinearFlow have every tag given"
expect_fail "runs --tag refuses a tag that is not UTF-8" 2 "$L" runs --tag $'\xfe'
finish
