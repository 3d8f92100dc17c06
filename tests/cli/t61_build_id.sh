#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t61_build_id.sh - a run records the build id of the program that ran it:
# the linker's build-id note (read from memory, not by hashing the file).
. "$(dirname "$0")/lib.sh"

if ! command -v sqlite3 >/dev/null || ! command -v readelf >/dev/null; then
    echo "ok - skipped: needs sqlite3 and readelf"
    finish
fi
run_ok "linear runs" "$EXAMPLES/linear_flow" run
NOTE=$(readelf -n "$EXAMPLES/linear_flow" | awk '/Build ID:/ { print $3 }')
assert_true "the example has a build-id note" test -n "$NOTE"
assert_eq "the run records the note" "gnu:$NOTE" \
    "$(sqlite3 "$ROOT/metadata.db" "SELECT build_id FROM runs WHERE run_id = '$(last_run_id LinearFlow)'")"

# A program without the note gets its file's SHA-256, as before (objcopy
# leaves a stale PT_NOTE entry pointing at address 0: it must not be read).
cp "$EXAMPLES/linear_flow" "$T_DIR/no_note"
objcopy --remove-section .note.gnu.build-id "$T_DIR/no_note" 2>/dev/null
if [ -z "$(readelf -n "$T_DIR/no_note" | awk '/Build ID:/')" ]; then
    run_ok "a program without a note runs" "$T_DIR/no_note" run
    assert_eq "the run records the file's hash" "$(sha256sum "$T_DIR/no_note" | cut -d' ' -f1)" \
        "$(sqlite3 "$ROOT/metadata.db" "SELECT build_id FROM runs WHERE run_id = '$(last_run_id LinearFlow)'")"
fi
finish
