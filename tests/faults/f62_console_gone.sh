#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# f62_console_gone.sh - issue 8 item 10: `run | head -1` must not kill the
# scheduler with SIGPIPE and leave the run `died`: the run finishes, is
# recorded succeeded, and the task logs still have everything.
. "$(dirname "$0")/../cli/lib.sh"

LAST_CMD="wide_foreach run --width 40 | head -1"
timeout -k 10 120 bash -c '"$1" run --width 40 --max-workers 4 | head -1 >"$2"; echo "${PIPESTATUS[0]}" >"$2.rc"' \
    _ "$FLOWS/wide_foreach" "$OUT"
RC=$(cat "$OUT.rc")
assert_eq "the scheduler exits 0 (no SIGPIPE death)" 0 "$RC"
assert_eq "head got one line" 1 "$(wc -l <"$OUT")"
run "$FLOWS/wide_foreach" runs
assert_true "the run is recorded succeeded" grep -Eq '^ *1 .*succeeded' "$OUT"
run_ok "dump of the run works" "$FLOWS/wide_foreach" dump 1/end
run_ok "the end step's log has its line" "$FLOWS/wide_foreach" logs 1/end
assert_contains "the log holds what the console lost" "$(cat "$OUT")" "end: count is 40"

# The same with a failing task: recorded failed, exit 1, not died.
timeout -k 10 120 bash -c 'MF_FAIL_END=1 "$1" run --width 5 | head -1 >/dev/null; echo "${PIPESTATUS[0]}" >"$2.rc"' \
    _ "$FLOWS/wide_foreach" "$OUT"
assert_eq "a failing run exits 1" 1 "$(cat "$OUT.rc")"
run "$FLOWS/wide_foreach" runs
assert_true "the failed run is recorded failed" grep -Eq '^ *2 .*failed' "$OUT"
finish
