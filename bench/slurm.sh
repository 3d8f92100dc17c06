#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# slurm.sh - the Slurm executor's cost per task beside Slurm's own, on a one-node cluster started here
# (tests/slurm/cluster.sh, needs root): a 200-item foreach under `run --with slurm` against a bare job array of
# 200 `true` tasks with the same throttle (sbatch --wait), and, inside an allocation, the same foreach against
# 200 bare `srun --exact -n1 true` steps at the same concurrency. Each figure is the best of N runs.
#
# Usage: bench/slurm.sh BUILD_DIR      Env: MF_BENCH_RUNS (default 3), MF_BENCH_W (throttle, default 16)
set -u
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${MF_BENCH_RUNS:-3}
W=${MF_BENCH_W:-16}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mf-bench-slurm.XXXXXX") || exit 1
trap 'bash "$SRC/tests/slurm/cluster.sh" stop "$TMP/cluster"; rm -rf "$TMP"' EXIT
bash "$SRC/tests/slurm/cluster.sh" start "$TMP/cluster" cpus=$W >/dev/null || exit 1
export SLURM_CONF=$TMP/cluster/etc/slurm.conf
cd "$TMP" || exit 1

now() { date +%s.%N; }
best() { sort -n | head -1; }

bare_array() {
    local t0 t1
    t0=$(now)
    sbatch --wait --parsable --array=0-199%$W -o /dev/null --wrap true >/dev/null
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

flow_run() {
    local t0 t1
    rm -rf .metaflow
    t0=$(now)
    "$BUILD/tests/flows/wide_foreach" run --with slurm --quiet --width 200 --max-num-splits 1000 --max-workers $W \
        >/dev/null 2>&1 || echo "run failed" >&2
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

# Inside one allocation of W CPUs: 200 bare steps, W at a time (xargs -P), against the flow.
cat >alloc_bare.sh <<SH
#!/bin/sh
t0=\$(date +%s.%N)
seq 200 | xargs -P $W -I{} srun --exact -n1 -N1 true
t1=\$(date +%s.%N)
awk -v a="\$t0" -v b="\$t1" 'BEGIN { printf "%.3f\\n", b - a }'
SH
cat >alloc_flow.sh <<SH
#!/bin/sh
rm -rf .metaflow
t0=\$(date +%s.%N)
"$BUILD/tests/flows/wide_foreach" run --with slurm --quiet --width 200 --max-num-splits 1000 --max-workers $W >/dev/null 2>&1
t1=\$(date +%s.%N)
awk -v a="\$t0" -v b="\$t1" 'BEGIN { printf "%.3f\\n", b - a }'
SH
in_alloc() { sbatch --wait -n $W -o "$TMP/alloc.out" "$1" >/dev/null; cat "$TMP/alloc.out"; }

for i in $(seq "$RUNS"); do bare_array; done | best >bare
for i in $(seq "$RUNS"); do flow_run; done | best >flow
for i in $(seq "$RUNS"); do in_alloc alloc_bare.sh; done | best >abare
for i in $(seq "$RUNS"); do in_alloc alloc_flow.sh; done | best >aflow
printf '%-52s %8s %12s\n' "best of $RUNS, 200 tasks, $W at a time" "total s" "per task ms"
for pair in "bare job array of 200 'true' (sbatch --array)|bare" "200-item foreach, run --with slurm (203 tasks)|flow" \
    "200 bare 'srun --exact -n1 true' in an allocation|abare" "200-item foreach inside the allocation (203 tasks)|aflow"; do
    label=${pair%|*}; f=${pair#*|}
    t=$(cat "$f")
    n=200; [ "${f#*flow}" != "$f" ] && n=203
    printf '%-52s %8.2f %12.1f\n' "$label" "$t" "$(awk -v t="$t" -v n="$n" 'BEGIN { print t * 1000 / n }')"
done
