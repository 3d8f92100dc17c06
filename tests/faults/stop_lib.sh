# SPDX-License-Identifier: Apache-2.0
# stop_lib.sh - helpers for the stopping tests (f6*_*.sh): start a run of
# tests/flows/stop_flow.c in the background, wait until its tasks are set up,
# then check what is left once it ended.
. "$(dirname "$0")/../cli/lib.sh"

STOP_DIR=$T_DIR/stop
mkdir -p "$STOP_DIR"
export MF_STOP_DIR=$STOP_DIR
BG_PID=
BG_OUT=$T_DIR/cap/bg.out

# bg_run ARGS...: starts the flow with ARGS in the background ($BG_PID).
bg_run() {
    rm -f "$STOP_DIR"/*
    LAST_CMD="stop_flow $* (in the background)"
    "$FLOWS/stop_flow" "$@" >"$BG_OUT" 2>&1 &
    BG_PID=$!
}

# wait_ready N: until N tasks said they are set up (at most 60 s).
wait_ready() {
    local i
    for i in $(seq 600); do
        [ "$(ls "$STOP_DIR" | grep -c '^ready\.')" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# bg_wait SECONDS: waits for the background run at most SECONDS; sets $RC
# (or 999 when it did not end, after killing it) and $ELAPSED (seconds).
bg_wait() {
    local limit=$1 t0 i
    t0=$(date +%s.%N)
    for i in $(seq $((limit * 10))); do
        kill -0 "$BG_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$BG_PID" 2>/dev/null; then
        kill -KILL "$BG_PID"
        wait "$BG_PID" 2>/dev/null
        RC=999
    else
        wait "$BG_PID"
        RC=$?
    fi
    ELAPSED=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    cp "$BG_OUT" "$OUT"
}

# The pids (tasks and their grandchildren) the tasks wrote down that are
# still alive; empty when none is. SIGKILL is delivered asynchronously, so a
# busy machine gets 5 s to finish the deaths that were already sent.
alive_pids() {
    local p i left
    for i in $(seq 50); do
        left=
        for p in $(cat "$STOP_DIR"/pids.* 2>/dev/null); do
            if kill -0 "$p" 2>/dev/null && ! grep -q '^State:.*[ZX]' "/proc/$p/status" 2>/dev/null; then
                left="$left $p"
            fi
        done
        [ -z "$left" ] && return 0
        sleep 0.1
    done
    echo $left
}

# Kills what a failed check left alive, so that the test ends.
stop_cleanup() {
    local p
    for p in $(cat "$STOP_DIR"/pids.* 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    [ -n "$BG_PID" ] && kill -KILL "$BG_PID" 2>/dev/null
    t_cleanup
}
trap stop_cleanup EXIT

# Temporary files anywhere in the store.
tmp_files() {
    find "$ROOT" -name '*.tmp-*' 2>/dev/null
}

# assert_between DESC LOW HIGH VALUE (decimal numbers)
assert_between() {
    if awk -v lo="$2" -v hi="$3" -v v="$4" 'BEGIN { exit !(v >= lo && v <= hi) }'; then
        pass "$1"
    else
        fail "$1" "expected between $2 and $3, got $4"
    fi
}
