#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f17: a metadata write that fails fails the run, saying "no space left on
# device" and naming the database. A full metadata disk printed 70+
# warnings, ended "Done! ... succeeded", exited 0 and left the run 'died';
# full at start, the message was "disk I/O error". Needs to mount a small
# tmpfs (CI runs as root); skipped with a message where that is refused.
. "$(dirname "$0")/../cli/lib.sh"
F=$FLOWS/run_fault_flow

mkdir disk meta
if ! mount -t tmpfs -o size=2m tmpfs disk 2>/dev/null; then
    echo "# skipped: mounting a tmpfs is not permitted here (run as root to test a full disk)"
    finish
fi
if ! mount -t tmpfs -o size=1m tmpfs meta 2>/dev/null; then
    umount disk
    echo "# skipped: mounting a second tmpfs is not permitted here"
    finish
fi
trap 'umount disk meta 2>/dev/null; t_cleanup' EXIT
fill() { dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null; sync; }

# 1. The disk is full before the run starts.
fill disk
expect_fail "a run on a full disk fails" 1 "$F" --datastore-root disk/store run
assert_true "... saying no space is left" grep -qi "no space left on device" "$ERR"
assert_contains "... naming the path" "$(cat "$ERR")" "$PWD/disk/store"

# 2. Only the metadata's disk fills up while the run goes on: start sleeps
# while the test fills it, the scheduler's next records fail.
mkdir store
run_ok "a first run records the metadata" "$F" --datastore-root store run
mv store/metadata.db meta/ && ln -s "$PWD/meta/metadata.db" store/metadata.db
MF_FAULT_SLEEP=start MF_FAULT_SECS=3 timeout 120 "$F" --datastore-root store run >"$OUT" 2>"$ERR" &
pid=$!
sleep 1.5
fill meta
wait $pid
RC=$?
LAST_CMD="run with the metadata disk filled during start"
if [ "$RC" = 1 ]; then pass "the run fails when its metadata cannot be written"; else fail "run fails" "exit $RC"; fi
assert_true "... saying no space is left" grep -qi "no space left on device" "$ERR"
assert_contains "... naming the database" "$(cat "$ERR")" "$PWD/store/metadata.db"
assert_not_contains "... never Done!" "$(cat "$OUT")" "Done!"
assert_true "... with one error, not a warning per record" test "$(grep -c . "$ERR")" -le 3
rm meta/fill
run_ok "runs reads the store once there is room" "$F" --datastore-root store runs
assert_not_contains "... and the second run is not 'succeeded'" "$(sed -n 2p "$OUT")" "succeeded"
finish
