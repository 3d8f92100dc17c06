#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# s31_timeout.sh - a step over its time limit (.time_limit = 60: --time=1) is stopped by Slurm and its task
# fails as TIMEOUT, in the console and in the task's stderr log; nothing hangs. (Slurm counts whole minutes, so
# this test takes one to two minutes.)
. "$(dirname "$0")/lib.sh"
slurm_start
t0=$(date +%s)
expect_fail "a step past its time limit fails the run" 1 "$FLOWS/slurm_flow" run --with slurm --slurm-poll 5 \
    --mode sleep
assert_contains "the task names TIMEOUT" "$(cat "$OUT")" "TIMEOUT: the job ran past its time limit"
assert_true "asked for --time=1" grep -q -- '--time=1 ' "$CALLS/sbatch"
assert_true "within 3 minutes" test $(($(date +%s) - t0)) -lt 180
run_ok "logs --stderr" "$FLOWS/slurm_flow" logs 1/work --stderr
assert_contains "the stderr log names TIMEOUT" "$(cat "$OUT")" "TIMEOUT"
run_ok "dump --json" "$FLOWS/slurm_flow" dump 1/work --json
# At least the first task past its limit is TIMEOUT (the run cancels the others, unless they ended too).
assert_true "dump records the job id and TIMEOUT" grep -qE '"job_id":"[0-9]+_[0-9]","job_state":"TIMEOUT"' "$OUT"
assert_true "the state is on disk for metadata rebuild" sh -c "cat '$ROOT'/SlurmFlow/1/work/*/0.slurm | grep -qE '^[0-9]+_[0-9] TIMEOUT\$'"
mv "$ROOT/metadata.db" "$T_DIR/old.db"; rm -f "$ROOT/metadata.db-wal" "$ROOT/metadata.db-shm"
run_ok "metadata rebuild" "$FLOWS/slurm_flow" metadata rebuild
run_ok "dump after the rebuild" "$FLOWS/slurm_flow" dump 1/work --json
assert_true "the rebuilt metadata has the job id and TIMEOUT" grep -qE '"job_id":"[0-9]+_[0-9]","job_state":"TIMEOUT"' "$OUT"
finish
