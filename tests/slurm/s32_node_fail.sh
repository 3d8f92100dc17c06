#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# s32_node_fail.sh - the node fails under a running job (`scontrol update state=down`): Slurm ends the job as
# NODE_FAIL (--no-requeue: it is not silently run again); the task's attempt fails with NODE_FAIL in the message
# and in the metadata, and the step's retry resubmits it as a new job once the node is back. Then PREEMPTED the
# same way, with a scontrol shim (see below).
#
# Every wait is on a condition with a bound: the failure line, the node's state, the run's exit. (The first
# version waited for "attempt 0 failed: NODE_FAIL", but the line reads "attempt 0 failed: signal SIGTERM
# (NODE_FAIL: ...)", so it timed out, and its bare `wait` could hang; it also took the first job of squeue as
# the one to cancel, which could be another step's job still completing.)
. "$(dirname "$0")/lib.sh"
slurm_start
F=$FLOWS/slurm_retry_flow

# wait_exit PID SECONDS: the exit status of background job PID, or 124 after killing it if it runs longer.
wait_exit() {
    local n=$(($2 * 10))
    while kill -0 "$1" 2>/dev/null; do
        n=$((n - 1))
        if [ "$n" -le 0 ]; then
            kill -TERM "$1" 2>/dev/null
            wait "$1" 2>/dev/null
            return 124
        fi
        sleep 0.1
    done
    wait "$1"
}

node_state() { PATH=$ORIG_PATH sinfo -h -N -o '%T' 2>/dev/null | head -1; }
# node_up SECONDS: true when the node takes jobs again within SECONDS.
node_up() {
    local n=$(($1 * 10))
    while :; do
        case $(node_state) in idle | mixed | allocated | completing) return 0 ;; esac
        n=$((n - 1)); [ "$n" -gt 0 ] || return 1
        sleep 0.1
    done
}
# The job id of a task's first attempt, from its prefixed output line: "[1/work/2 (job 5)] work: attempt 0".
job_of() { sed -n 's/^\[[^]]* (job \([0-9_]*\))\] work: attempt 0$/\1/p' "$1" | head -1; }

bg_run "$T_DIR/cap/nf" "$F" run --with slurm --slurm-poll 2 --slurm-grace 2
assert_true "the first attempt runs" wait_for_line "$T_DIR/cap/nf" "work: attempt 0" 120
PATH=$ORIG_PATH scontrol update nodename=mfnode state=down reason=s32
assert_true "the attempt fails" wait_for_line "$T_DIR/cap/nf" "] attempt 0 failed: " 120
assert_contains "... as NODE_FAIL, with what Slurm said" "$(grep -F '] attempt 0 failed: ' "$T_DIR/cap/nf")" \
    "NODE_FAIL: the node running the job failed"
# The node comes back: by this resume, or by itself (ReturnToService=2 takes a DOWN node back when its slurmd
# registers again), in which case the resume is refused as "Invalid node state" and is not needed.
case $(node_state) in down* | drain*) PATH=$ORIG_PATH scontrol update nodename=mfnode state=resume 2>/dev/null ;; esac
assert_true "the node is back" node_up 120
wait_exit "$BG" 300
RC=$?
assert_eq "the retry succeeds: the run succeeds" "0" "$RC"
assert_contains "the retry ran" "$(cat "$T_DIR/cap/nf")" "work: attempt 1"
assert_eq "start, work, work's retry, end: four sbatch calls" "4" "$(calls sbatch)"
state=$(/usr/bin/python3 -c 'import sqlite3,sys; print("|".join(str(r[0]) for r in sqlite3.connect(sys.argv[1]).execute(
    "select job_state from tasks where run_id = ? and step = ? order by attempt", ("1", "work"))))' "$ROOT/metadata.db")
assert_eq "the metadata: NODE_FAIL, then no state" "NODE_FAIL|None" "$state"
run_ok "dump --json" "$F" dump 1/work --json
assert_true "dump shows the retry's own job" grep -qE '"job_id":"[0-9]+","job_state":null' "$OUT"
assert_requeue0 "every job shows Requeue=0"

# PREEMPTED: a one-node cluster without a preemption setup cannot preempt, so the job is cancelled from outside
# and a scontrol shim reports it as Slurm reports a preempted job (JobState=PREEMPTED): the mapping to the
# message, the metadata and the retry is what is tested here.
real=$(PATH=$ORIG_PATH command -v scontrol)
printf '#!/bin/sh\necho "$*" >>"%s/scontrol"\n"%s" "$@" | sed "s/JobState=CANCELLED/JobState=PREEMPTED/"\n' \
    "$CALLS" "$real" >"$SHIMS/scontrol"
bg_run "$T_DIR/cap/pre" "$F" run --with slurm --slurm-poll 2 --slurm-grace 2
assert_true "the first attempt runs (preemption)" wait_for_line "$T_DIR/cap/pre" "work: attempt 0" 120
job=$(job_of "$T_DIR/cap/pre")
assert_true "its job id is shown" test -n "$job"
PATH=$ORIG_PATH scancel "$job"
wait_exit "$BG" 300
RC=$?
assert_eq "the retry succeeds after a preemption" "0" "$RC"
assert_contains "the attempt failed as PREEMPTED" "$(grep -F '] attempt 0 failed: ' "$T_DIR/cap/pre")" \
    "PREEMPTED: the job was preempted"
state=$(/usr/bin/python3 -c 'import sqlite3,sys; print("|".join(str(r[0]) for r in sqlite3.connect(sys.argv[1]).execute(
    "select job_state from tasks where run_id = ? and step = ? order by attempt", ("2", "work"))))' "$ROOT/metadata.db")
assert_eq "the metadata: PREEMPTED, then no state" "PREEMPTED|None" "$state"
finish
