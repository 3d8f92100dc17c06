#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# chunk_flip.sh - issue 14's check at full width: a byte flipped in one
# chunk of a 100,000-item list fails only the tasks whose items that chunk
# holds, each naming the object. tests/faults/f65_chunk_corrupt.sh checks
# the same on 300 items in every CI run; this runs the width the issue names
# (a minute or more of both cores: run by hand, results in bench/RESULTS.md).
#
# It runs wide_foreach at N items, flips one byte in the middle chunk of the
# list, then runs `step work` again (new task ids, same run) for every
# STRIDE-th item and prints how many failed, whether they form one run of
# consecutive items, whether every failure names the chunk, and the items
# per chunk for comparison. The split's own task is not re-run: the list it
# stored is what is corrupted.
#
# Usage: bench/chunk_flip.sh BUILD_DIR [N (default 100000)] [STRIDE (default N/1000)]
set -u
[ $# -ge 1 ] && [ -d "$1" ] || { echo "usage: $0 BUILD_DIR [N] [STRIDE]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
N=${2:-100000}
STRIDE=${3:-$((N / 1000 > 0 ? N / 1000 : 1))}
W=$BUILD/tests/flows/wide_foreach
[ -x "$W" ] || { echo "error: '$W' is missing; build the tests first" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mf-chunk-flip.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
DS=$TMP/ds
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "running the $N-item foreach..."
"$W" --datastore-root "$DS" run --width "$N" --max-num-splits "$N" --quiet >"$TMP/run.out" 2>&1 ||
    { echo "error: the run failed:" >&2; tail -n 5 "$TMP/run.out" >&2; exit 1; }

# The list's chunks are its only objects near MF_CHUNK_TARGET (16 KiB); the
# other artifacts are a few bytes (inline) or the last, shorter chunk.
mapfile -t chunks < <(find "$DS/objects" -type f -size +12k -size -24k | sort)
[ "${#chunks[@]}" -ge 2 ] || { echo "error: no chunked list found (${#chunks[@]} chunk-sized objects)" >&2; exit 1; }
victim=${chunks[$((${#chunks[@]} / 2))]}
victim_hex=$(basename "$(dirname "$victim")")$(basename "$victim")
victim_rel=$(basename "$(dirname "$victim")")/$(basename "$victim")   # as messages print it (a path)
size=$(stat -c %s "$victim")
at=$((size / 2))
b=$(dd if="$victim" bs=1 skip="$at" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "\\$(printf %o $(((b + 1) % 256)))" | dd of="$victim" bs=1 seek="$at" conv=notrunc 2>/dev/null
echo "list: ${#chunks[@]} full chunks (~$((N / ${#chunks[@]})) items each); flipped byte $at of chunk $victim_hex"

bad=0 good=0 first=-1 last=-1 named=0 tid=$((N + 10))
for ((i = 0; i < N; i += STRIDE)); do
    tid=$((tid + 1))
    if "$W" --datastore-root "$DS" step work --run-id 1 --task-id "$tid" --input-paths start/1 \
        --split-stack "start:1:$i:$N" >"$TMP/out" 2>"$TMP/err"; then
        good=$((good + 1))
    else
        bad=$((bad + 1))
        [ $first -lt 0 ] && first=$i
        last=$i
        grep -q -e "$victim_hex" -e "$victim_rel" "$TMP/err" && named=$((named + 1))
    fi
done
sampled=$((good + bad))
consecutive=no
[ $bad -gt 0 ] && [ $(((last - first) / STRIDE + 1)) -eq $bad ] && consecutive=yes
echo "tasks re-run: $sampled (every ${STRIDE}th item); failed: $bad (items $first..$last), succeeded: $good"
echo "failed tasks are one run of consecutive items: $consecutive; failures naming the chunk: $named of $bad"
echo "expected failures: at most $((N / ${#chunks[@]} / STRIDE + 1)) (a full chunk's items / stride)"
if [ $bad -gt 0 ] && [ $bad -le $((N / ${#chunks[@]} / STRIDE + 1)) ] && [ "$consecutive" = yes ] && [ $named -eq $bad ] && [ $good -gt $((sampled / 2)) ]; then
    echo "result: only the chunk's tasks failed, each naming it"
else
    echo "result: NOT as expected"
    exit 1
fi
