#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f43_full_disk.sh - a datastore on a full disk (a 4 MiB tmpfs this test
# mounts; skipped with a message where mount is not permitted): the run
# fails, nothing stored is corrupt (`verify` finds no corrupt object or
# index), and once space is freed `resume` completes.
. "$(dirname "$0")/../cli/lib.sh"

F=$FLOWS/trust_flow
DISK=$T_DIR/work/disk
mkdir -p "$DISK"
if ! mount -t tmpfs -o size=4m tmpfs "$DISK" 2>/dev/null; then
    echo "# skipped: cannot mount a tmpfs here (needs root, as in CI); nothing was tested"
    finish
fi
trap 'umount "$DISK" 2>/dev/null; t_cleanup' EXIT
# never fill anything but the tmpfs
mountpoint -q "$DISK" || { echo "FAIL - $DISK is not a mount point"; exit 1; }
S=$DISK/store

run_ok "a run on the small disk" "$F" --datastore-root "$S" run --width 2
# fill the disk, leaving no room for a run's records
dd if=/dev/zero of="$DISK/filler" bs=64k >/dev/null 2>&1
expect_fail "a run on a full disk fails" 1 "$F" --datastore-root "$S" run --width 6
assert_contains "it says the disk is full" "$(cat "$ERR")" "no space left on device"
assert_contains "it names the metadata it could not write" "$(cat "$ERR")" "metadata.db"
# room for the run's records but not for its 60 work objects (8 KiB each)
truncate -s -256K "$DISK/filler"
expect_fail "a run that fills the disk midway fails" 1 "$F" --datastore-root "$S" run --width 60
# which write meets the full disk first depends on timing (an object, "No
# space left on device", or the metadata database, "no space left on device")
assert_contains "it says the disk is full" "$(cat "$OUT" "$ERR" | tr A-Z a-z)" "no space left on device"
failed=$(last_run_id TrustFlow "$S")
run "$F" --datastore-root "$S" verify
assert_not_contains "verify: no corrupt object or index on a full disk" "$(cat "$OUT")" "corrupt"
rm -f "$DISK/filler"
run_ok "once space is freed, resume completes" "$F" --datastore-root "$S" resume --origin-run-id "$failed"
assert_eq "with the right total" "end: total is 3603427.5" "$(user_lines)"
run_ok "gc --delete --grace 0 removes what the failed writes left" "$F" --datastore-root "$S" gc --delete --grace 0
run_ok "verify: clean at the end" "$F" --datastore-root "$S" verify

finish
