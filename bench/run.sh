#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh - run-level benchmarks: whole-run time and per-task overhead of a
# 1,000-item foreach, the scheduler's peak RSS on a 10,000-item foreach, the
# cost of `show` and `check`, and bench_artifact when it was built.
#
# Usage: bench/run.sh BUILD_DIR        (e.g. bench/run.sh build)
# Env:   MF_BENCH_RUNS (default 5)  runs per hyperfine measurement of a run
#        MF_BENCH_BIG=N (default 10000) items of the peak-RSS foreach
#        MF_BENCH_KEEP=1            keep the temporary directory
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
W=$BUILD/tests/flows/wide_foreach
EXAMPLES="linear_flow branch_flow foreach_flow parameter_flow json_parameter_flow merge_artifacts_flow"
RUNS=${MF_BENCH_RUNS:-5}
BIG=${MF_BENCH_BIG:-10000}

for tool in hyperfine jq; do
    command -v "$tool" >/dev/null || { echo "error: '$tool' is needed; install it" >&2; exit 2; }
done
[ -x "$W" ] || { echo "error: '$W' is missing; build the tests first (cmake --build $1)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mf-bench.XXXXXX") || exit 1
cleanup() { if [ "${MF_BENCH_KEEP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT
cd "$TMP" || exit 1
unset MF_DATASTORE_ROOT

section() { printf '\n== %s\n' "$*"; }

# mean_of JSON: hyperfine's mean wall time in seconds, of its first command.
mean_of() { jq -r '.results[0].mean' "$1"; }
stddev_of() { jq -r '.results[0].stddev' "$1"; }

# 1. A 1,000-item foreach: start + 1,000 work tasks + join + end. Each run
#    starts from an empty datastore so none reuses another's objects.
section "wide foreach: 1,000 items (1,003 tasks), $RUNS runs"
TASKS=1003
hyperfine --style basic --warmup 1 --runs "$RUNS" --prepare 'rm -rf .metaflow' \
    --export-json wide.json "$W run --width 1000 --max-num-splits 1000" || exit 1
mean=$(mean_of wide.json)
sd=$(stddev_of wide.json)
awk -v m="$mean" -v s="$sd" -v n="$TASKS" 'BEGIN {
    printf "whole run:         %.3f s (+/- %.3f s)\n", m, s
    printf "per-task overhead: %.3f ms (run time / %d tasks)\n", m * 1000 / n, n
    printf "throughput:        %.0f tasks/s\n", n / m }'

# 1b. The machine's floor: the same number of bare processes, 16 at once.
section "process floor: 1,000 processes, 16 at once (bench_spawn)"
if [ -x "$BUILD/bench/bench_spawn" ]; then
    "$BUILD/bench/bench_spawn" -n 1000 -j 16 /bin/true
    [ -x "$BUILD/bench/noop_static" ] && "$BUILD/bench/bench_spawn" -n 1000 -j 16 "$BUILD/bench/noop_static"
    "$BUILD/bench/bench_spawn" -n 1000 -j 16 "$BUILD/examples/linear_flow" --help
else
    echo "skipped: $BUILD/bench/bench_spawn was not built"
fi

# 2. The scheduler's peak RSS with 10,000 tasks to track. /usr/bin/time
#    reports the largest RSS of the process tree it waited for: the scheduler,
#    unless one task grew larger (tasks of this flow are tiny).
section "wide foreach: $BIG items, peak RSS"
rm -rf .metaflow
if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o time10k.txt "$W" run --width "$BIG" --max-num-splits "$BIG" >run10k.out 2>run10k.err
    rc=$?
    [ "$rc" -eq 0 ] || { echo "error: the $BIG-item run failed (exit $rc):" >&2; tail -n 5 run10k.out >&2; }
    # Elapsed is "m:ss.ss" or "h:mm:ss"; BIG + 3 tasks in all.
    awk -F': ' -v tasks=$((BIG + 3)) '/Maximum resident set size/ { printf "peak RSS:          %.1f MiB\n", $2 / 1024 }
                /Elapsed \(wall clock\)/ {
                    n = split($2, p, ":"); secs = 0
                    for (i = 1; i <= n; i++) secs = secs * 60 + p[i]
                    printf "wall time:         %.1f s (%.3f ms per task)\n", secs, secs * 1000 / tasks }' time10k.txt
    du -sh .metaflow | awk '{ printf "datastore size:    %s\n", $1 }'
else
    echo "skipped: /usr/bin/time is not installed"
fi

# 3. show and check: graph build, lint and printing, without running a step.
section "resume: a 1,000-item foreach whose last step failed"
rm -rf .metaflow
MF_FAIL_END=1 "$W" run --width 1000 --max-num-splits 1000 --quiet >/dev/null 2>&1
start=$(date +%s.%N)
"$W" resume --max-num-splits 1000 --quiet | tail -n 1
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "resume wall time:  %.3f s (1,002 tasks cloned, 1 run)\n", e - s }'

section "show and check of each example"
cmds=()
for ex in $EXAMPLES; do
    [ -x "$BUILD/examples/$ex" ] || continue
    cmds+=(-n "$ex show" "$BUILD/examples/$ex show" -n "$ex check" "$BUILD/examples/$ex check")
done
hyperfine --style basic -N --warmup 5 --export-markdown show_check.md "${cmds[@]}" >/dev/null || exit 1
cat show_check.md

# 4. The artifact benchmark (encode, store, load), when it was built.
section "bench_artifact"
if [ -x "$BUILD/bench/bench_artifact" ]; then
    "$BUILD/bench/bench_artifact"
else
    echo "skipped: $BUILD/bench/bench_artifact was not built"
fi
