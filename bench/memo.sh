#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# memo.sh - what memoisation costs and saves (issue 15, docs/memoisation.md),
# on bench/memo_flow_all (examples/memo_flow.c built with every step
# memoised, end included, as the benchmark says) with N items
# (default 1,000):
#   run     the flow with --no-cache: every task a process (what a memo saves)
#   first   the first memoised run: every task runs, then publishes its key
#   hit     the same run again: every task cloned, no process started
#   resume  `resume end` of the first run: resume clones the tasks before
#           end (N + 2) and runs end, which resume cannot clone
# Printed: wall time and CPU (user + sys) of each, and the ratios the issue
# sets targets for: hit / resume (<= 2), run / hit (>= 15), (first - run)
# per task (the price of a miss: key, publication), and the code digest's
# time (`cache code-id`, the per-run cost), and one key's computation
# (bench_memo_key, beside SHA-256 of as many bytes). The floor, measured in
# the same run: CPU per process of N posix_spawn+wait of /bin/true
# (bench_spawn); the targets in milliseconds were set where that
# floor was 0.57 ms, so the miss and the code digest are judged as multiples
# of it (0.35x and 26x).
#
# Usage: bench/memo.sh BUILD_DIR [N]
set -u

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 BUILD_DIR [N]" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
N=${2:-1000}
M=$BUILD/bench/memo_flow_all
FLOOR=$BUILD/bench/bench_spawn
for f in "$M" "$FLOOR"; do
    [ -x "$f" ] || { echo "error: '$f' is missing; build first (cmake --build $BUILD)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time (GNU time) is needed; install the 'time' package" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mf-memo.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
unset MF_DATASTORE_ROOT

# timed NAME CMD...: wall and CPU seconds of CMD into NAME.txt ("wall cpu").
timed() {
    local name=$1
    shift
    /usr/bin/time -f '%e %U %S' -o "$name.time" "$@" >"$name.out" 2>&1 || { echo "error: $name failed:" >&2; tail -5 "$name.out" >&2; exit 1; }
    awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$name.time" >"$name.txt"
}
wall() { cut -d' ' -f1 "$1.txt"; }
cpu() { cut -d' ' -f2 "$1.txt"; }

echo "load before: $(uptime)"
timed floor "$FLOOR" -n "$N" -j 16 /bin/true
OPTS=(--n "$N" --max-num-splits "$N" --quiet)
# Each phase in its own datastore, and nothing deleted until the end: on ext4
# without a journal (our hosts) every inode created within 30 s of a large
# deletion scans the deleted ones (recently_deleted), which would bill the
# benchmark's own `rm -rf` to whichever phase came next.
timed run "$M" run "${OPTS[@]}" --no-cache --datastore-root "$TMP/off"
timed first "$M" run "${OPTS[@]}"
FIRST=$(ls .metaflow/MemoFlow | grep -E '^[0-9]+$' | sort -n | tail -1)
timed hit "$M" run "${OPTS[@]}"
grep -q "$((N + 3)) memoised" hit.out || { echo "error: the hit run reused fewer than all tasks:" >&2; tail -3 hit.out >&2; exit 1; }
timed resume "$M" resume end --origin-run-id "$FIRST" --quiet
timed codeid "$M" cache code-id

KEY=$("$BUILD/bench/bench_memo_key" 10000) || { echo "error: bench_memo_key failed" >&2; exit 1; }
printf '%-8s %8s %8s\n' "" "wall s" "CPU s"
for k in floor run first hit resume codeid; do printf '%-8s %8s %8s\n' "$k" "$(wall $k)" "$(cpu $k)"; done
awk -v n="$N" -v run="$(wall run)" -v hit="$(wall hit)" -v res="$(wall resume)" -v first="$(cpu first)" \
    -v runc="$(cpu run)" -v floor="$(cpu floor)" -v code="$(wall codeid)" 'BEGIN {
    printf "hit / resume (wall):        %.2f   (target <= 2)\n", hit / res
    printf "run / hit (wall):           %.1f   (target >= 15)\n", run / hit
    f = floor * 1000 / n
    miss = (first - runc) * 1000 / (n + 3)
    printf "floor per process (CPU):    %.3f ms (spawn+wait of /bin/true)\n", f
    printf "miss cost per task (CPU):   %.3f ms = %.3fx the floor (first - run; target <= 0.35x)\n", miss, miss / f
    printf "cache code-id (wall):       %.1f ms = %.1fx the floor (a whole process; target <= 26x)\n", code * 1000, code * 1000 / f
}'
echo "$KEY (target <= 50 us)"
# The issue set 0.2 ms, 15 ms and 50 us on a host where the floor was 0.57 ms;
# as ratios to the floor, which is what carries across machines: 0.35x, 26x.
echo "load after: $(uptime)"
