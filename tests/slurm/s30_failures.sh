#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# s30_failures.sh - what ends a Slurm task other than success, on a cluster that forgets finished jobs after 2 s
# (MinJobAge=2, no accounting): exit code 3 reported exactly, then `resume --with slurm`; a job cancelled from
# outside fails its task as CANCELLED with the tail of its Slurm log; a bad partition fails the run at once with
# Slurm's message; Ctrl-C (SIGINT) cancels the run's jobs (batched scancel by id) and the queue is empty; after a
# SIGKILLed scheduler, `runs` shows its job still in flight and `slurm-cancel RUN` cancels what it left, by the
# job id the metadata recorded; `dump` shows a task's job id and Slurm's state (text and --json).
. "$(dirname "$0")/lib.sh"
slurm_start min_job_age=2
F=$FLOWS/slurm_flow
S=(--with slurm --slurm-poll 2 --slurm-grace 2)

expect_fail "--with takes a known executor" 2 "$F" run --with nosuch
assert_contains "naming them" "$(cat "$ERR")" "use one of fork, spawn, slurm"
expect_fail "--slurm-poll takes seconds above 0" 2 "$F" run --with slurm --slurm-poll 0
expect_fail "slurm-cancel takes a run id" 2 "$F" slurm-cancel
expect_fail "a step exiting 3 fails the run" 1 "$F" run "${S[@]}" --mode failonce
assert_contains "exit code 3 exactly" "$(cat "$OUT")" "task failed: exit code 3"
sleep 3 # past MinJobAge: the controller no longer knows the job; the exit file still tells
touch allow
run_ok "resume --with slurm" "$F" resume "${S[@]}"
assert_done "the resumed run succeeds"
assert_contains "start was cloned" "$(cat "$OUT")" "1 cloned"
assert_contains "work ran again and succeeded" "$(cat "$OUT")" "end: worked 3"
rm -f allow

slurm_reset_calls
t0=$(date +%s)
expect_fail "one item of the foreach fails" 1 "$F" run "${S[@]}" --mode failone
assert_contains "its exit code" "$(cat "$OUT")" "task failed: exit code 3"
assert_contains "the other items are cancelled" "$(cat "$OUT")" "cancelling the 2 task(s) still queued or running"
assert_true "the queue is empty within 10 s (failure)" wait_queue_empty 10
assert_true "the run ends at once, not at the time limit" test $(($(date +%s) - t0)) -lt 40
assert_eq "one scancel call" "1" "$(calls scancel)"

bg_run "$T_DIR/cap/cancel" "$F" run "${S[@]}" --mode sleep
assert_true "the sleeping step runs" wait_for_line "$T_DIR/cap/cancel" "work: mode sleep" 60
job=$(PATH=$ORIG_PATH squeue -h -o %i | head -1)
PATH=$ORIG_PATH scancel "$job"
wait "$BG"
RC=$?
assert_eq "cancelled from outside: the run fails" "1" "$RC"
assert_contains "the task names CANCELLED" "$(cat "$T_DIR/cap/cancel")" "CANCELLED: the job was cancelled by someone else"
assert_contains "the tail of the Slurm log is shown" "$(cat "$T_DIR/cap/cancel")" "slurm log: "
assert_contains "Slurm's own line is in it" "$(cat "$T_DIR/cap/cancel")" "CANCELLED AT"
run_ok "logs of the cancelled task" "$F" logs 3/work --stderr
assert_contains "its stderr log names CANCELLED" "$(cat "$OUT")" "CANCELLED"
run_ok "dump of the cancelled run" "$F" dump "$(last_run_id SlurmFlow)/work"
assert_contains "dump shows its job and Slurm's state" "$(cat "$OUT")" "; job $job, CANCELLED)"
run_ok "dump --json" "$F" dump "$(last_run_id SlurmFlow)/work" --json
assert_contains "... with job_id and job_state" "$(cat "$OUT")" "\"job_id\":\"$job\",\"job_state\":\"CANCELLED\""
run_ok "runs" "$F" runs
assert_contains "runs counts the jobs of each run" "$(head -1 "$OUT")" "ORIGIN JOBS"

t0=$(date +%s)
expect_fail "a bad partition fails the run" 1 "$F" run "${S[@]}" --slurm-partition nosuchpartition
assert_contains "with Slurm's message" "$(cat "$OUT")" "invalid partition specified: nosuchpartition"
assert_true "at once (under 10 s)" test $(($(date +%s) - t0)) -lt 10

slurm_reset_calls
bg_run "$T_DIR/cap/int" "$F" run "${S[@]}" --mode sleep
assert_true "the sleeping step runs (Ctrl-C)" wait_for_line "$T_DIR/cap/int" "work: mode sleep" 60
kill -INT "$BG"
wait "$BG"
RC=$?
assert_eq "Ctrl-C: the run fails as interrupted (130)" "130" "$RC"
assert_true "the queue is empty within 10 s" wait_queue_empty 10
assert_true "scancel by job id" grep -qE '^[0-9]+$' "$CALLS/scancel"
assert_contains "the task says the run was stopped" "$(cat "$T_DIR/cap/int")" "CANCELLED: the run was stopped"

bg_run "$T_DIR/cap/kill" "$F" run "${S[@]}" --mode sleep
assert_true "the sleeping step runs (SIGKILL)" wait_for_line "$T_DIR/cap/kill" "work: mode sleep" 60
kill -KILL "$BG"
wait "$BG" 2>/dev/null
assert_true "the killed scheduler left its job" test -n "$(queue_jobs)"
left=$(PATH=$ORIG_PATH squeue -h -o %i | head -1)
killed=$(last_run_id SlurmFlow)
run_ok "runs after the SIGKILL" "$F" runs
assert_true "runs shows the run's jobs still in flight" grep -qE "^$killed +died .* 4 \(3 pending or running\)" "$OUT"
run_ok "runs --json" "$F" runs --json
assert_contains "... jobs and jobs_live in JSON" "$(cat "$OUT")" '"jobs":4,"jobs_live":3'
slurm_reset_calls
run_ok "slurm-cancel cancels what it left" "$F" slurm-cancel "$killed"
assert_contains "one job: the foreach's array" "$(cat "$OUT")" "cancel the 1 job(s) of run $killed"
assert_eq "by the id the metadata recorded" "${left%%_*}" "$(cat "$CALLS/scancel")"
assert_true "no jobs file: the metadata is the record" test ! -e "$ROOT/SlurmFlow/$killed/_slurm/jobs"
assert_true "the queue is empty within 10 s (SIGKILL)" wait_queue_empty 10
run_ok "slurm-cancel again" "$F" slurm-cancel "$killed"
assert_requeue0 "every job shows Requeue=0"
finish
