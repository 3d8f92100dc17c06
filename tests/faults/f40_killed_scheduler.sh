#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f40_killed_scheduler.sh - a scheduler SIGKILLed at 30 random moments of a
# 200-task flow (a run, then a chain of resumes, each killed): after every
# kill `verify` finds nothing wrong and `runs` says the run died; the last
# resume completes with the right result. MF_KILLS overrides the 30.
. "$(dirname "$0")/../cli/lib.sh"

F=$FLOWS/trust_flow
WIDTH=197          # start + 197 work + join + end = 200 tasks
KILLS=${MF_KILLS:-30}
# total for width W: sum over i < W of (2000 i + 1023), plus 2047.5
TOTAL=$(awk -v w=$WIDTH 'BEGIN { printf "end: total is %.1f", 1000 * w * (w - 1) + 1023 * w + 2047.5 }')
RANDOM=${MF_SEED:-$$}
echo "# seed for the kill moments: ${MF_SEED:-$$}"

# status_of ID: the run's status in `runs` ("" when there is no such run)
status_of() { "$F" runs | awk -v id="$1" '$1 == id { print $2 }'; }

# start_and_kill SECONDS: resumes the latest run, or starts a new one when the
# latest succeeded (a kill came too late) or none is recorded yet, then
# SIGKILLs its scheduler SECONDS later.
start_and_kill() {
    local latest pid
    latest=$(status_of "$(last_run_id TrustFlow)")
    if [ -z "$latest" ] || [ "$latest" = succeeded ]; then
        "$F" run --width $WIDTH --max-num-splits 200 --quiet >/dev/null 2>&1 &
    else
        "$F" resume --max-num-splits 200 --quiet >/dev/null 2>&1 &
    fi
    pid=$!
    sleep "$1"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# One whole run first: the kill moments are spread over its duration, which
# varies tenfold between our hosts (0.2 to 2 s); fixed moments either all
# landed after a fast host's run had ended or never reached a slow host's end.
t0=$(date +%s%N)
run_ok "a whole run, to time it" "$F" run --width $WIDTH --max-num-splits 200 --quiet
DUR_MS=$((($(date +%s%N) - t0) / 1000000))
echo "# a whole run took $DUR_MS ms"
# moment FRACTION_PER_MILLE: that share of a whole run's duration, in seconds
moment() { awk -v f="$1" -v d="$DUR_MS" 'BEGIN { printf "%.3f", f * d / 1000000 }'; }

bad_verify=0 not_died=0
for k in $(seq "$KILLS"); do
    # a moment from 0 to 1.25 times a whole run's duration into the run
    start_and_kill "$(moment $((RANDOM % 1250)))"
    id=$(last_run_id TrustFlow)
    [ -n "$id" ] && run "$F" verify "$id"
    if [ "$RC" -ne 0 ]; then
        bad_verify=$((bad_verify + 1))
        fail "verify after kill $k (run $id)"
    fi
    status=$(status_of "$id")
    # the kill may come after the run ended (then it succeeded) or before
    # it recorded itself (then there is no such run yet)
    case $status in
    died | succeeded | "") ;;
    *)
        not_died=$((not_died + 1))
        fail "run $id after kill $k is '$status', not died"
        ;;
    esac
done
assert_eq "verify was clean after each of the $KILLS kills" 0 "$bad_verify"
assert_eq "every killed run showed as died" 0 "$not_died"
assert_contains "runs lists died runs" "$("$F" runs)" "died"

# the last kill may have come after its run ended: kill early runs until the
# latest one died, so that the final resume has something to resume
for i in $(seq 20); do
    [ "$(status_of "$(last_run_id TrustFlow)")" = died ] && break
    start_and_kill "$(moment $((400 - (i % 4) * 90)))"   # 40%, 31%, 22%, 13% of a run, in turn
done
assert_eq "the latest run died" died "$(status_of "$(last_run_id TrustFlow)")"
# let orphaned tasks of the last kill finish their writes, then resume to the end
sleep 1
run_ok "the last resume completes" "$F" resume --max-num-splits 200
assert_eq "with the right result" "$TOTAL" "$(user_lines)"
assert_contains "it cloned what the killed runs finished" "$(cat "$OUT")" "cloned"
run_ok "verify: clean at the end" "$F" verify
run_ok "gc --delete --grace 0 once no run is going on" "$F" gc --delete --grace 0
run_ok "verify: clean after gc" "$F" verify
run_ok "the result reads back" "$F" dump "$(last_run_id TrustFlow)/end" --artifact total

finish
