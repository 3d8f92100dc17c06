#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t17: a foreach's task records are made as workers free up (issue 14): the
# scheduler of a 100,000-item foreach holds about the memory of a 20-item
# one while its first item runs. Item 0 is held (MF_HOLD_DIR) so the
# scheduler's peak RSS is read while the run is at that point, then fails,
# ending the run: the failure stops the rest, and a small resume still
# clones what succeeded.
. "$(dirname "$0")/lib.sh"
W=$FLOWS/wide_foreach

# Runs a foreach of $1 items with one worker, item 0 held; prints the
# scheduler's VmHWM in KiB once item 0 runs (0 if it never did).
held_hwm() {
    local hold=$T_DIR/hold.$1 pid hwm=0
    mkdir -p "$hold"
    MF_HOLD_DIR=$hold "$W" run --width "$1" --max-num-splits "$1" --max-workers 1 >"$OUT" 2>"$ERR" &
    pid=$!
    for _ in $(seq 1 $((T_TIMEOUT * 10))); do
        [ -e "$hold/started" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -e "$hold/started" ] && hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
    touch "$hold/go"
    wait "$pid"
    echo "$hwm"
}

wide=$(held_hwm 100000)
assert_contains "the held item failed the run" "$(cat "$OUT" "$ERR")" "item 0 was held and fails"
assert_contains "nothing after the failure was started" "$(cat "$OUT")" "nothing after the failure was started"
run_id=$(last_run_id WideForeachFlow)
assert_eq "only item 0 of 100,000 ran" "1" "$(ls "$ROOT/WideForeachFlow/$run_id/work" | wc -l | tr -d ' ')"
narrow=$(held_hwm 20)
assert_true "the scheduler's peak RSS was read ($wide KiB, $narrow KiB)" test "${wide:-0}" -gt 0 -a "${narrow:-0}" -gt 0
# A record per item made up front was ~20 MB for 100,000 items (more under the sanitizers).
assert_true "100,000 items cost the scheduler < 4 MB more than 20 ($wide vs $narrow KiB)" \
    test $((wide - narrow)) -lt 4096

# Resume after a failure inside a lazily started foreach: items 1.. of the
# origin never ran, so they run now; item 0 runs again.
narrow_id=$(last_run_id WideForeachFlow)
run_ok "resume of the 20-item run" "$W" resume --origin-run-id "$narrow_id" --max-workers 2
assert_done "the resume is done"
assert_eq "its join saw 20 items in order" "join: 20 items in index order
end: count is 20" "$(user_lines)"
assert_contains "start was cloned" "$(cat "$OUT")" "cloned from $narrow_id/start/1"
finish
