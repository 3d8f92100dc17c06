#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t62_big_artifact.sh - a large bytes or f64 artifact is set without copying
# the step's buffer and read back without a second copy: the flow's peak RSS
# stays near one copy of the data, also when the same bytes are stored
# again (the put verifies the object it reuses); what was set is what is read, also when
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
    # The same bytes again: start's put finds the object stored and verifies
    # it before reusing it, which must not map all of it at once.
    run_ok "the same 32 MiB again (the object is reused)" /usr/bin/time -f 'maxrss %M' "$BIG" run --mib 32 --quiet
    KIB=$(awk '/^maxrss/ { print $2 }' "$ERR")
    assert_true "peak RSS ${KIB} KiB when the object is reused (< 52 MiB)" test "${KIB:-999999}" -lt $((52 * 1024))
    # verify hashes the 32 MiB object through the same windows as that put
    run_ok "verify hashes a raw object across its mapping windows" "$BIG" verify
    assert_contains "and finds nothing wrong" "$(cat "$OUT")" "verify: 0 problem(s)"
    # one byte changed 20 MiB in: in the third window, not the first
    obj=$(find "$ROOT/objects" -type f -size +30M | head -n 1)
    at=$((20 << 20))
    b=$(dd if="$obj" bs=1 skip="$at" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
    printf "\\$(printf %o $(((b + 1) % 256)))" | dd of="$obj" bs=1 seek="$at" conv=notrunc 2>/dev/null
    expect_fail "verify finds a byte changed 20 MiB into the object" 1 "$BIG" verify
    assert_contains "and names it corrupt" "$(cat "$OUT" "$ERR")" "corrupt"
fi
finish
