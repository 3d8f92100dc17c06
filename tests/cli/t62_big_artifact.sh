#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t62_big_artifact.sh - a large bytes or f64 artifact is set without copying
# the step's buffer and read back without a second copy: the flow's peak RSS
# stays near one copy of the data; what was set is what is read, also when
# the step changes its buffer after the setter returned.
. "$(dirname "$0")/lib.sh"

BIG=$FLOWS/big_artifact
for kind in bytes f64s; do
    run_ok "a 8 MiB $kind artifact, read back in start and end" "$BIG" run --mib 8 --kind "$kind" --check_in_start true
    assert_contains "start reads back what it set ($kind)" "$(cat "$OUT")" "start: read back what was set"
    assert_contains "end verifies it ($kind)" "$(cat "$OUT")" "end: 8 MiB verified"
done
assert_eq "random data is stored raw: each object about its size" 2 "$(object_count "$ROOT" $((8 << 20)))"

# Peak RSS (GNU time: the largest of the scheduler and its tasks). With a
# copy on set or on read it would be at least 2 x 32 MiB. Sanitizer builds
# hold shadow memory and quarantine: not measured there.
if [ -x /usr/bin/time ] && ! grep -q '^MF_SANITIZE:BOOL=ON' "$MF_BUILD/CMakeCache.txt"; then
    rm -rf "$ROOT"
    run_ok "a 32 MiB artifact under /usr/bin/time" /usr/bin/time -f 'maxrss %M' "$BIG" run --mib 32 --quiet
    KIB=$(awk '/^maxrss/ { print $2 }' "$ERR")
    assert_true "peak RSS ${KIB} KiB is one copy of 32 MiB plus a little (< 52 MiB)" test "${KIB:-999999}" -lt $((52 * 1024))
fi
finish
