#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t12_dedup.sh - content addressing: two branches storing the same 10 MiB
# value leave one object of that size on disk, and running the flow again
# adds no object at all.
. "$(dirname "$0")/lib.sh"

D=$FLOWS/dedup_flow
BIG=$((5 * 1024 * 1024)) # the blob is 10 MiB of incompressible bytes

run_ok "dedup: first run" "$D" run
assert_done "dedup: first run Done!"
assert_eq "dedup: join and end saw one blob" "join: both blobs are 10485760 bytes and equal
end: merged blob is 10485760 bytes" "$(user_lines)"
assert_eq "dedup: one big object" "1" "$(object_count "$ROOT" "$BIG")"
objects_after_first=$(object_count)
big=$(find "$ROOT/objects" -type f -size "+$((BIG - 1))c" | head -n 1)
size=$(stat -c %s "$big" 2>/dev/null || echo 0)
assert_true "dedup: the object holds ~10 MiB ($size bytes)" test "$size" -ge $((10 * 1024 * 1024)) -a "$size" -le $((11 * 1024 * 1024))

# index_names HASH FILE: the index holds the hash, as hex text or raw bytes.
index_names() {
    [ -f "$2" ] || return 1
    grep -qaF "$1" "$2" || od -An -tx1 -v "$2" | tr -d ' \n' | grep -qF "$1"
}

# Both branch tasks (and the join and end, which merged it) point at the
# same object: each index names its hash.
hash=$(basename "$(dirname "$big")")$(basename "$big")
for step in a b join end; do
    task=$(ls "$ROOT/DedupFlow/1/$step" 2>/dev/null | head -n 1)
    assert_true "dedup: $step's index names the object" index_names "$hash" "$ROOT/DedupFlow/1/$step/$task/index"
done

run_ok "dedup: second run" "$D" run
assert_done "dedup: second run Done!"
assert_eq "dedup: second run is run 2" "2" "$(last_run_id DedupFlow)"
assert_eq "dedup: still one big object" "1" "$(object_count "$ROOT" "$BIG")"
assert_eq "dedup: second run adds no object" "$objects_after_first" "$(object_count)"

finish
