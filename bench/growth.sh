#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# growth.sh - how a trivial foreach's costs grow with its width (issue 14):
# the same wide_foreach run at 1,000 and 10,000 items (and 100,000 or more
# on request), each from an empty datastore, printing per width: wall time,
# CPU per task (scheduler and tasks, user + system), the largest process's
# RSS, the scheduler's own peak RSS, datastore bytes per task and metadata
# bytes per task, each with its ratio to the 1,000-item figure. Before each
# width, the floor: CPU per process of 1,000 posix_spawn+wait of /bin/true,
# 16 at once (bench_spawn), and the load average; CPU per task is printed
# beside it as a multiple ("x floor"), the figure to compare across hours.
# Then `resume end` of each width's run (its N + 2 tasks before end cloned):
# CPU per clone and its ratio to the first width's (issue 14: resume of a
# 100,000-task run clones at no higher cost per task than at 1,000).
#
# Usage: bench/growth.sh BUILD_DIR [WIDTH...]   (default widths: 1000 10000)
#        e.g. bench/growth.sh build 1000 10000 100000
# Env:   MF_BENCH_REPEAT=N (default 3) runs of each width up to 10,000; the
#        median by CPU per task is the row.
#        MF_BENCH_KEEP=1 keeps the temporary directory (kept anyway over 200,000 tasks in all).
# Every task is a process: 100,000 items take minutes and load both cores;
# run it when the machine is otherwise idle and record `uptime` beside it.
set -u

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 BUILD_DIR [WIDTH...]" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
shift
WIDTHS=${*:-1000 10000}
REPEAT=${MF_BENCH_REPEAT:-3}
W=$BUILD/tests/flows/wide_foreach
[ -x "$W" ] || { echo "error: '$W' is missing; build the tests first (cmake --build $BUILD)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time (GNU time) is needed; install the 'time' package" >&2; exit 2; }
FLOOR=$BUILD/bench/bench_spawn
[ -x "$FLOOR" ] || { echo "error: '$FLOOR' is missing; build the benchmarks first (cmake --build $BUILD)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mf-growth.XXXXXX") || exit 1
# Over 200,000 tasks the datastores are kept: deleting a million task folders takes minutes, and ext4
# then slows every file creation for about five more (bench/RESULTS.md), which the next benchmark pays.
total=0
for n in $WIDTHS; do total=$((total + n)); done  # (repeats of small widths are too few to matter)
cleanup() {
    if [ "${MF_BENCH_KEEP:-0}" = 1 ] || [ "$total" -gt 200000 ]; then
        echo "kept $TMP ($total tasks' folders): delete it with rm -rf when nothing is being measured"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
cd "$TMP" || exit 1
unset MF_DATASTORE_ROOT

echo "load before: $(uptime)"
printf '%-8s %9s %13s %12s %12s %12s %12s %10s %8s  %s\n' width "wall s" "CPU/task ms" "max RSS MiB" "sched MiB" \
    "store B/task" "meta B/task" "floor ms" "x floor" "load (1, 5, 15 min) at start"

# CPU (user + sys) per /bin/true process, in ms, spawned 1,000 times 16 at once.
floor_ms() {
    /usr/bin/time -f '%U %S' -o floor.txt "$FLOOR" -n 1000 -j 16 /bin/true >/dev/null 2>&1 ||
        { echo "warning: bench_spawn failed" >&2; echo 0; return; }
    awk '{ printf "%.3f", ($1 + $2) * 1000 / 1000 }' floor.txt
}

# The scheduler's peak RSS (VmHWM), polled from /proc while it runs: the
# child of /usr/bin/time (whose own figure is the largest of all processes).
sched_hwm() {
    local timepid=$1 kid hwm=0 v
    while kill -0 "$timepid" 2>/dev/null; do
        kid=$(cat "/proc/$timepid/task/$timepid/children" 2>/dev/null | awk '{ print $1 }')
        if [ -n "$kid" ]; then
            v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$kid/status" 2>/dev/null)
            [ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
        fi
        sleep 0.2
    done
    echo "$hwm"
}

# measure N DS: runs the N-item foreach into datastore DS and prints
# "wall cpu_per_task max_rss sched_rss store_per_task meta_per_task".
measure() {
    local n=$1 DS=$2 tasks=$(($1 + 3)) tpid hwm rc meta store
    /usr/bin/time -v -o "time.$n" "$W" run --width "$n" --max-num-splits "$n" --datastore-root "$DS" >"run.$n.out" 2>"run.$n.err" &
    tpid=$!
    hwm=$(sched_hwm "$tpid")
    wait "$tpid"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "error: the $n-item run failed (exit $rc):" >&2
        tail -n 5 "run.$n.err" >&2
        return 1
    fi
    meta=$(cat "$DS"/metadata.db* 2>/dev/null | wc -c)
    store=$(($(du -sb "$DS" | cut -f1) - meta))
    awk -F': ' -v tasks="$tasks" -v hwm="$hwm" -v store="$store" -v meta="$meta" '
        /User time/ { cpu += $2 } /System time/ { cpu += $2 }
        /Maximum resident set size/ { rss = $2 }
        /Elapsed \(wall clock\)/ { k = split($2, p, ":"); for (i = 1; i <= k; i++) wall = wall * 60 + p[i] }
        END { printf "%.2f %.3f %.1f %.1f %.0f %.0f", wall, cpu * 1000 / tasks, rss / 1024, hwm / 1024,
              store / tasks, meta / tasks }' "time.$n"
}

base="" resumes=""
# Each width in its own datastore, none deleted before the end: on ext4
# without a journal (our hosts) an inode created within 30 s of a deletion
# steps over each recently freed inode, so the `rm -rf` of the previous
# width's tens of thousands of files would be billed to the next width.
# Widths up to 10,000 run REPEAT times (a 1,000-item run lasts half a second
# on a fast host, and one run's CPU per task moved by 40% between two
# invocations): the row is the run with the median CPU per task, and the
# others' figures are printed under it.
for n in $WIDTHS; do
    floor=$(floor_ms)
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    reps=1
    [ "$n" -le 10000 ] && reps=$REPEAT
    : >"rows.$n"
    for r in $(seq "$reps"); do
        row=$(measure "$n" "$TMP/ds.$n.$r") || exit 1
        echo "$row $r" >>"rows.$n"
    done
    # the median run by CPU per task (field 2); its datastore is the one resumed
    pick=$(sort -k2,2n "rows.$n" | awk -v m=$(((reps + 1) / 2)) 'NR == m')
    row=${pick% *}
    DS=$TMP/ds.$n.${pick##* }
    [ -z "$base" ] && base=$row
    echo "$n $row $base $floor" | awk -v load="$load" '{
        printf "%-8s %9.2f %13.3f %12.1f %12.1f %12.0f %12.0f %10.3f %7.2fx  %s\n", $1, $2, $3, $4, $5, $6, $7,
               $14, ($14 > 0 ? $3 / $14 : 0), load
        printf "%-8s %8.2fx %12.2fx %11.2fx %11.2fx %11.2fx %11.2fx\n", "  ratio", $2 / $8, $3 / $9,
               $4 / $10, ($11 > 0 ? $5 / $11 : 0), $6 / $12, $7 / $13 }'
    [ "$reps" -gt 1 ] && echo "  CPU/task ms of its $reps runs: $(awk '{ printf "%s ", $2 }' "rows.$n")(median above)"
    # resume's clone (issue 14 item 3): every task before end cloned, end run again (after the row is out:
    # at a million tasks it takes minutes)
    # (repeated like the run, each a new run cloning run 1; the median by CPU)
    : >"resumes.$n"
    for r in $(seq "$reps"); do
        /usr/bin/time -f '%e %U %S' -o "resume.$n" "$W" resume end --origin-run-id 1 --datastore-root "$DS" \
            >"resume.$n.out" 2>&1 ||
            { echo "error: resume of the $n-item run failed:" >&2; tail -n 5 "resume.$n.out" >&2; exit 1; }
        awk -v c=$((n + 2)) '{ printf "%.2f %.3f\n", $1, ($2 + $3) * 1000 / c }' "resume.$n" >>"resumes.$n"
    done
    resumes="$resumes$n $(sort -k2,2n "resumes.$n" | awk -v m=$(((reps + 1) / 2)) 'NR == m')
"
done
echo
echo "resume end of each run: the N + 2 tasks before end cloned, end run again (CPU of the whole resume)"
printf '%-8s %9s %14s %8s\n' width "wall s" "CPU/clone ms" ratio
printf '%s' "$resumes" | awk 'NR == 1 { b = $3 } { printf "%-8s %9.2f %14.3f %7.2fx\n", $1, $2, $3, (b > 0 ? $3 / b : 0) }'
echo "load after:  $(uptime)"
