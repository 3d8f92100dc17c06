# SPDX-License-Identifier: Apache-2.0
# lib.sh - helpers for the Slurm tests (tests/slurm/s*.sh): the end-to-end helpers (tests/cli/lib.sh) plus a
# one-node cluster started for the test and always torn down, and shims that count the Slurm commands called.
#
#   . "$(dirname "$0")/lib.sh"
#   slurm_start [KEY=VALUE ...]     cluster.sh settings (max_array=51, max_jobs=20, cgroup=1, ...)
#   run_ok "..." "$FLOWS/x" run --with slurm
#   calls sbatch                    how many times sbatch was called since the start (or slurm_reset_calls)
#   finish
#
# A cluster that cannot start fails the test loudly (exit 1): these tests never skip themselves.
SLURM_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) # before cli/lib.sh moves to the test's folder
. "$SLURM_SCRIPTS/../cli/lib.sh"

SLURM_DIR=$T_DIR/cluster
SHIMS=$T_DIR/shims
CALLS=$T_DIR/calls

slurm_teardown() {
    bash "$SLURM_SCRIPTS/cluster.sh" stop "$SLURM_DIR" || true
    t_cleanup
}
trap slurm_teardown EXIT
trap 'exit 130' INT TERM

# Each shim appends its argv (one line) to $CALLS/NAME and runs the real command.
slurm_shims() {
    local n real
    mkdir -p "$SHIMS" "$CALLS"
    for n in sbatch squeue scancel srun scontrol sacct; do
        real=$(PATH=/usr/local/bin:/usr/bin:/bin command -v "$n") || { echo "FAIL - '$n' not installed"; exit 1; }
        printf '#!/bin/sh\necho "$*" >>"%s/%s"\nexec "%s" "$@"\n' "$CALLS" "$n" "$real" >"$SHIMS/$n"
        chmod +x "$SHIMS/$n"
    done
    ORIG_PATH=$PATH
    export PATH="$SHIMS:$PATH"
}

slurm_start() {
    if ! bash "$SLURM_SCRIPTS/cluster.sh" start "$SLURM_DIR" "$@" >"$T_DIR/cap/cluster" 2>&1; then
        echo "FAIL - the one-node Slurm cluster did not start (scripts/install-deps.sh installs it; as root):"
        sed 's/^/#   /' "$T_DIR/cap/cluster"
        exit 1
    fi
    export SLURM_CONF=$SLURM_DIR/etc/slurm.conf
    # Tasks must not think they run inside an allocation unless a test says so.
    unset SLURM_JOB_ID SLURM_JOBID
    slurm_shims
}

slurm_reset_calls() { rm -f "$CALLS"/*; }

# calls NAME: how many times NAME was called.
calls() {
    if [ -f "$CALLS/$1" ]; then wc -l <"$CALLS/$1" | tr -d ' '; else echo 0; fi
}

# The jobs in the queue (any state), one line each.
queue_jobs() { PATH=$ORIG_PATH squeue -h -o '%i %T %j' 2>/dev/null; }

# wait_queue_empty SECONDS: true when the queue empties within SECONDS.
wait_queue_empty() {
    local n=$(($1 * 10))
    while [ -n "$(queue_jobs)" ]; do
        n=$((n - 1)); [ "$n" -gt 0 ] || return 1
        sleep 0.1
    done
}

# The lines the tasks printed under Slurm, without the "[RUN/STEP/TASK (job J)] " prefix, sorted.
job_lines_sorted() {
    sed -n 's/^\[[0-9]*\/[A-Za-z0-9_]*\/[0-9]* (job [0-9_]*)\] //p' "${1:-$OUT}" | grep -v '^slurm log: \|^(Slurm' |
        LC_ALL=C sort
}

# assert_requeue0 DESC: every job the cluster knows has Requeue=0 (and there is at least one).
assert_requeue0() {
    local recs
    recs=$(PATH=$ORIG_PATH scontrol -o show job 2>/dev/null)
    if [ -n "$recs" ] && ! printf '%s\n' "$recs" | grep -q 'Requeue=1'; then
        pass "$1"
    else
        fail "$1" "jobs with Requeue=1 (or none at all):" "$(printf '%s\n' "$recs" | grep -o 'JobId=[0-9]* .*Requeue=[0-9]' | cut -c1-100 | head -5)"
    fi
}

# bg_run LOG CMD...: starts CMD in the background (stdout+stderr to LOG); its pid in $BG.
bg_run() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 &
    BG=$!
}

# wait_for_line FILE TEXT SECONDS: true when FILE contains TEXT within SECONDS.
wait_for_line() {
    local n=$(($3 * 10))
    while ! grep -qF -- "$2" "$1" 2>/dev/null; do
        n=$((n - 1)); [ "$n" -gt 0 ] || return 1
        sleep 0.1
    done
}
