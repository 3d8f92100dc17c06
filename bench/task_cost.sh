#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# task_cost.sh - what one task costs, in measures a loaded machine disturbs
# little: CPU time (task-clock), page faults and context switches of the whole
# process tree from `perf stat`, per task as the difference between a wide and
# a narrow foreach divided by the difference in tasks (the run's fixed costs
# cancel), under each executor, beside the floors measured in the same
# session: posix_spawn + wait of /bin/true (bench_spawn) and fork + _exit +
# wait of a static no-op (noop_static fork), both 16 at once. With
# MF_BENCH_SYSCALLS=1 it also counts each executor's system calls per task
# (strace -f -c, two widths). Rounds alternate everything so that load drifts
# hit all alike. Last, a 3-step linear run's CPU under each executor beside 4
# process starts (MF_BENCH_LINEAR: the program, default BUILD's linear_flow).
#
# Usage: bench/task_cost.sh BUILD_DIR [N1 N2 [ROUNDS]]   (default 100 500 2)
# Env:   MF_BENCH_FLOW=path  the foreach program (default BUILD_DIR's
#        tests/flows/wide_foreach; e.g. a copy of another build's, to A/B)
set -u
[ $# -ge 1 ] && [ -d "$1" ] || { echo "usage: $0 BUILD_DIR [N1 N2 [ROUNDS]]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
N1=${2:-100}
N2=${3:-500}
ROUNDS=${4:-2}
W=${MF_BENCH_FLOW:-$BUILD/tests/flows/wide_foreach}
for t in perf awk; do command -v $t >/dev/null || { echo "error: '$t' is needed" >&2; exit 2; }; done
for f in "$W" "$BUILD/bench/bench_spawn" "$BUILD/bench/noop_static"; do
    [ -x "$f" ] || { echo "error: '$f' is missing; build first" >&2; exit 2; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mf-task-cost.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
unset MF_DATASTORE_ROOT MF_EXECUTOR

# stat CMD...: "task_clock_ms faults context_switches" of CMD and its children.
stat() {
    perf stat -x, -e task-clock,page-faults,context-switches -o st.txt -- "$@" >/dev/null 2>&1 ||
        echo "warning: '$*' failed" >&2
    awk -F, '$3 == "task-clock" { c = $1 } $3 == "page-faults" { f = $1 } $3 == "context-switches" { s = $1 }
             END { print c, f, s }' st.txt
}
# A fresh datastore: the last one moved aside, not deleted (deleted at the
# end). On ext4 without a journal, our hosts' root, every inode created in
# the 30 s after a deletion steps over each inode freed, so a `rm -rf` of the
# previous measurement's thousands of files would be billed to the next.
fresh() { mkdir -p old; if [ -e .metaflow ]; then mv .metaflow "old/$(date +%s%N)"; fi; }
foreach() { fresh; stat "$W" run --width "$1" --max-num-splits "$1" --quiet --executor "$2"; }
# per LABEL "a b c" "x y z" TASKS: the difference per task.
per() {
    awk -v l="$1" -v a="$2" -v b="$3" -v n="$4" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        printf "  %-30s %8.3f ms CPU %8.1f faults %6.2f switches per task\n", l, (y[1] - x[1]) / n, (y[2] - x[2]) / n, (y[3] - x[3]) / n }'
}
floor() {
    awk -v l="$1" -v a="$2" -v n="$3" 'BEGIN {
        split(a, x, " ")
        printf "  %-30s %8.3f ms CPU %8.1f faults %6.2f switches per process\n", l, x[1] / n, x[2] / n, x[3] / n }'
}

echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(uname -sr)"
echo "flow: $W; per task = (width $N2 - width $N1) / $((N2 - N1))"
for r in $(seq "$ROUNDS"); do
    echo "round $r, load $(cut -d' ' -f1-3 /proc/loadavg)"
    floor "floor: spawn /bin/true" "$(stat "$BUILD/bench/bench_spawn" -n 1000 -j 16 /bin/true)" 1000
    floor "floor: fork+exit static noop" "$(stat "$BUILD/bench/noop_static" fork 1000 16)" 1000
    for ex in fork spawn; do
        a=$(foreach "$N1" "$ex")
        b=$(foreach "$N2" "$ex")
        per "foreach, $ex" "$a" "$b" $((N2 - N1))
    done
done
# The 3-step linear run (an existing datastore) against 4 process starts
# (bench_spawn and 3 x /bin/true, one at a time), CPU of 20 runs each.
L=${MF_BENCH_LINEAR:-$BUILD/examples/linear_flow}
if [ -x "$L" ]; then
    fresh
    "$L" run --quiet >/dev/null 2>&1
    lin() { perf stat -r 20 -x, -e task-clock -o st.txt -- "$@" >/dev/null 2>&1; awk -F, '$3 == "task-clock" { print $1 }' st.txt; }
    f=$(lin "$BUILD/bench/bench_spawn" -n 3 -j 1 /bin/true)
    for ex in fork spawn; do
        c=$(lin "$L" run --quiet --executor "$ex")
        awk -v ex="$ex" -v c="$c" -v f="$f" 'BEGIN {
            printf "  3-step linear run, %-6s %8.3f ms CPU; 4 process starts %8.3f ms: %.2fx\n", ex, c, f, c / f }'
    done
fi
if [ "${MF_BENCH_SYSCALLS:-0}" = 1 ] && command -v strace >/dev/null; then
    calls() { fresh; strace -f -c -o sc.txt "$W" run --width "$1" --max-num-splits "$1" --quiet \
                  --executor "$2" >/dev/null 2>&1; awk '$NF == "total" { print $4 }' sc.txt; }
    for ex in fork spawn; do
        a=$(calls 20 "$ex")
        b=$(calls 60 "$ex")
        echo "  system calls per task, $ex: $(( (b - a) / 40 ))"
    done
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
