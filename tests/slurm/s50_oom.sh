#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# s50_oom.sh - with memory enforced (task/cgroup, CR_Core_Memory: needs root and cgroups, as in CI here) a step
# that touches 400 MiB over its 100 MiB (.memory_mb = 100: --mem=100M) fails as OUT_OF_MEMORY.
. "$(dirname "$0")/lib.sh"
slurm_start cgroup=1
expect_fail "a step over its memory fails the run" 1 "$FLOWS/slurm_flow" run --with slurm --slurm-poll 2 \
    --slurm-grace 2 --mode oom
assert_contains "the task names OUT_OF_MEMORY" "$(cat "$OUT")" "OUT_OF_MEMORY: the job used more memory"
assert_true "asked for --mem=100M" grep -q -- '--mem=100M' "$CALLS/sbatch"
finish
