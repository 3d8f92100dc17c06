#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# f64_stop_no_temps.sh - issue 8 item 10: Ctrl-C leaves no "*.tmp-*" files.
# Tasks killed mid-write cannot remove theirs; the scheduler removes the
# files named with the pid of a task a signal ended (its object and index
# temporaries), and nothing else. Also real interrupts of a flow that writes.
. "$(dirname "$0")/stop_lib.sh"

mkdir -p "$ROOT/objects/zz"
: >"$ROOT/objects/zz/other.tmp-1-1" # another process's (pid 1): not ours to remove
MF_STOP_MODE=tmp bg_run run --max-workers 4 --kill-grace 0.5
assert_true "tasks set up and left temporaries" wait_ready 3
assert_eq "six temporaries before the interrupt" 7 "$(tmp_files | wc -l)"
kill -INT "$BG_PID"
bg_wait 30
assert_eq "exit 130" 130 "$RC"
assert_eq "only the other process's temporary is left" "$ROOT/objects/zz/other.tmp-1-1" "$(tmp_files)"
rm -f "$ROOT/objects/zz/other.tmp-1-1"

# Real interrupts at varied moments of a flow that writes many objects: the
# moments are counted in finished tasks, not seconds, so that a fast machine
# does not finish the run before the interrupt (60 items at fixed delays up
# to 0.4 s did, on an idle host).
stopped=0
for done_before in 0 1 3 6 12 24; do
    "$FLOWS/wide_foreach" run --width 300 --max-num-splits 300 --max-workers 8 >"$BG_OUT" 2>&1 &
    pid=$!
    for i in $(seq 1500); do
        [ "$(grep -c 'task succeeded' "$BG_OUT")" -ge "$done_before" ] && grep -q starting "$BG_OUT" && break
        sleep 0.01
    done
    kill -INT "$pid"
    wait "$pid"
    [ $? = 130 ] && stopped=$((stopped + 1))
done
assert_true "most of the runs were interrupted ($stopped of 6)" [ "$stopped" -ge 4 ]
assert_eq "no temporaries after the interrupted runs" "" "$(tmp_files)"
finish
