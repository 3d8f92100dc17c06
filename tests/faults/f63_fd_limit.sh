#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# f63_fd_limit.sh - issue 8 item 10: --max-workers above what `ulimit -n`
# allows runs fewer tasks at once (and says so once) instead of failing with
# "Too many open files".
. "$(dirname "$0")/../cli/lib.sh"

run bash -c 'ulimit -n 64 && exec "$1" run --width 100 --max-workers 64' _ "$FLOWS/wide_foreach"
assert_eq "the run succeeds under ulimit -n 64" 0 "$RC"
assert_done "it says Done!"
assert_eq "the note is printed once" 1 "$(grep -c 'more than this process.s open-file limit allows' "$OUT")"
assert_not_contains "no 'Too many open files'" "$(cat "$OUT" "$ERR")" "Too many open files"
assert_contains "the join saw every item" "$(cat "$OUT")" "join: 100 items in index order"

# With a limit that allows them, no note.
run bash -c 'ulimit -n 1024 && exec "$1" run --width 20 --max-workers 64' _ "$FLOWS/wide_foreach"
assert_eq "under ulimit -n 1024 it succeeds" 0 "$RC"
assert_not_contains "and says nothing of the limit" "$(cat "$OUT")" "open-file limit"
finish
