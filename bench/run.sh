#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run.sh - run-level benchmarks, each printed beside its floor measured in
# the same hyperfine session (right after it) and the ratio: absolute times
# differ across machines and hours, ratios to a floor taken minutes apart
# much less so. Sections follow:
#   foreach   1,000-item foreach, built three ways (build/ like the examples,
#             a user's pkg-config line, a user's CMake find_package) against
#             /bin/true spawned 1,000 times, 16 at once: per-task wall and CPU
#   linear    3-step linear run against 4 process starts
#   big       100 MiB random artifact flow against generate + write with
#             fdatasync + hash twice (bench_big_floor); wall, CPU, peak RSS
#   rss       the scheduler's peak RSS on a MF_BENCH_BIG-item foreach and its
#             per-task cost against the 1,000-item one (flat in N)
#   resume    resume of a 1,000-item foreach whose end failed
#   show      show/check of each example against /bin/true
#   artifact  bench_artifact, when built
# Each section prints the load (uptime) before it.
#
# Usage: bench/run.sh BUILD_DIR        (e.g. bench/run.sh build)
# Env:   MF_BENCH_RUNS (default 5)     runs per hyperfine measurement of a run
#        MF_BENCH_BIG=N (default 10000) items of the peak-RSS foreach
#        MF_BENCH_SECTIONS="foreach linear ..." (default: all)
#        MF_BENCH_KEEP=1               keep the temporary directory
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
W=$BUILD/tests/flows/wide_foreach
EXAMPLES="linear_flow branch_flow foreach_flow parameter_flow json_parameter_flow merge_artifacts_flow"
RUNS=${MF_BENCH_RUNS:-5}
BIG=${MF_BENCH_BIG:-10000}
SECTIONS=${MF_BENCH_SECTIONS:-foreach linear big rss resume show artifact}
SPAWN=$BUILD/bench/bench_spawn

for tool in hyperfine jq awk; do
    command -v "$tool" >/dev/null || { echo "error: '$tool' is needed; install it" >&2; exit 2; }
done
for f in "$W" "$SPAWN"; do
    [ -x "$f" ] || { echo "error: '$f' is missing; build first (cmake --build $1)" >&2; exit 2; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mf-bench.XXXXXX") || exit 1
cleanup() { if [ "${MF_BENCH_KEEP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT
cd "$TMP" || exit 1
unset MF_DATASTORE_ROOT

# fresh: the next run's datastore empty, the last one moved into trash/
# (deleted with $TMP at exit), not deleted: on ext4 without a journal, our
# hosts' root, every inode created in the 30 s after a deletion steps over
# each inode freed, so a `rm -rf` of the previous run's thousands of files
# would be billed to the next run (RESULTS.md, "Benchmarks' honesty").
# hyperfine's --prepare runs it as "$TMP/fresh.sh", before every command,
# floor included, so both pay the same.
cat >"$TMP/fresh.sh" <<'SH'
#!/bin/sh
mkdir -p trash && if [ -e .metaflow ]; then mv .metaflow "trash/$(date +%s%N)"; fi
SH
chmod +x "$TMP/fresh.sh"
fresh() { "$TMP/fresh.sh"; }

want() { case " $SECTIONS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
section() { printf '\n== %s\n   load: %s\n' "$*" "$(uptime | sed 's/.*load average/load average/')"; }

# stat_of JSON NAME FIELD: hyperfine's FIELD (mean, stddev, user, system) in
# seconds for the command named NAME.
stat_of() { jq -r --arg n "$2" ".results[] | select(.command == \$n) | .$3" "$1"; }
# cpu_of JSON NAME: user + system seconds (the command and its children).
cpu_of() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .user + .system' "$1"; }

# row LABEL VALUE FLOOR UNIT: "label  value unit   floor unit   ratio".
row() {
    awk -v l="$1" -v v="$2" -v f="$3" -v u="$4" 'BEGIN {
        printf "  %-34s %10.3f %-3s  floor %10.3f %-3s  ratio %5.2fx\n", l, v, u, f, u, (f > 0 ? v / f : 0) }'
}

machine() {
    printf '== machine\n   %s, %s cores, %s\n' "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
        "$(nproc)" "$(uname -sr)"
}
machine

# The users' builds: the library installed into a prefix, a flow built with
# the README's pkg-config line and with a CMake find_package consumer.
user_builds() {
    cmake --install "$BUILD" --prefix "$TMP/prefix" >/dev/null || return 1
    export PKG_CONFIG_PATH=$TMP/prefix/lib/pkgconfig
    cc -O2 "$SRC/tests/flows/wide_foreach.c" $(pkg-config --cflags --libs metaflow) -o "$TMP/pkgconfig.out" ||
        return 1
    mkdir -p "$TMP/consumer"
    cat >"$TMP/consumer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.22)
project(user_flow C)
find_package(metaflow REQUIRED)
add_executable(wide_cmake $SRC/tests/flows/wide_foreach.c)
target_link_libraries(wide_cmake PRIVATE metaflow::metaflow)
CMAKE
    cmake -S "$TMP/consumer" -B "$TMP/consumer/build" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_PREFIX_PATH="$TMP/prefix" >/dev/null && cmake --build "$TMP/consumer/build" >/dev/null || return 1
    # Copies, not fresh links, all three: the same bytes just written by the
    # linker cost about 3 page faults more per task than a copy made with cp
    # (the page cache's state of the new file, not the program: RESULTS.md),
    # which once made the pkg-config build look 6% slower than the others.
    cp "$TMP/pkgconfig.out" "$TMP/wide_pkgconfig"
    cp "$TMP/consumer/build/wide_cmake" "$TMP/wide_cmake"
    cp "$W" "$TMP/wide_examples"
}

# 1. A 1,000-item foreach: start + 1,000 work tasks + join + end, each run
#    from an empty datastore (the last one moved aside: fresh), beside its
#    floor in the same session.
if want foreach; then
    section "1,000-item foreach (1,003 tasks), 3 builds, beside 1,000 x /bin/true (16 at once), $RUNS runs each"
    ARGS="run --width 1000 --max-num-splits 1000 --quiet"
    cmds=(-n examples "$TMP/wide_examples $ARGS")
    if user_builds; then
        cmds+=(-n pkg-config "$TMP/wide_pkgconfig $ARGS" -n cmake "$TMP/wide_cmake $ARGS")
    else
        echo "   users' builds failed: only the examples build is measured"
        cp "$W" "$TMP/wide_examples"
    fi
    hyperfine --style none --warmup 1 --runs "$RUNS" --prepare "$TMP/fresh.sh" --export-json wide.json \
        "${cmds[@]}" -n floor "$SPAWN -n 1000 -j 16 /bin/true" >/dev/null || exit 1
    fw=$(stat_of wide.json floor mean); fc=$(cpu_of wide.json floor)
    for b in examples pkg-config cmake; do
        m=$(stat_of wide.json "$b" mean)
        [ -n "$m" ] || continue
        row "$b: wall per task (ms)" "$(awk -v m="$m" 'BEGIN { print m * 1000 / 1003 }')" \
            "$(awk -v f="$fw" 'BEGIN { print f * 1000 / 1000 }')" ms
        row "$b: CPU per task (ms)" "$(awk -v c="$(cpu_of wide.json "$b")" 'BEGIN { print c * 1000 / 1003 }')" \
            "$(awk -v f="$fc" 'BEGIN { print f * 1000 / 1000 }')" ms
    done
    for b in pkg-config cmake; do
        m=$(stat_of wide.json "$b" mean)
        [ -n "$m" ] && row "$b vs examples: whole run (s)" "$m" "$(stat_of wide.json examples mean)" s
    done
fi

# 2. A 3-step linear run (scheduler + 3 tasks) against 4 process starts
#    (bench_spawn itself + 3 x /bin/true, one at a time, as the steps run).
if want linear; then
    section "3-step linear run beside 4 process starts"
    "$BUILD/examples/linear_flow" run --quiet >/dev/null 2>&1 # the datastore exists, as for any later run
    hyperfine --style none -N --warmup 5 --runs 40 --export-json linear.json \
        -n linear "$BUILD/examples/linear_flow run --quiet" -n floor "$SPAWN -n 3 -j 1 /bin/true" >/dev/null || exit 1
    row "linear run: wall (ms)" "$(awk -v m="$(stat_of linear.json linear mean)" 'BEGIN { print m * 1000 }')" \
        "$(awk -v m="$(stat_of linear.json floor mean)" 'BEGIN { print m * 1000 }')" ms
    row "linear run: CPU (ms)" "$(awk -v m="$(cpu_of linear.json linear)" 'BEGIN { print m * 1000 }')" \
        "$(awk -v m="$(cpu_of linear.json floor)" 'BEGIN { print m * 1000 }')" ms
fi

# 3. 100 MiB of random bytes set in start and read in end, against the least
#    any program must do for that (bench_big_floor): generate, hash, write
#    with fdatasync, read back and hash. Both keep what they wrote (the
#    floor's files stay in $TMP until the end), so both find new pages.
if want big; then
    BIGF=$BUILD/tests/flows/big_artifact
    FLOOR=$BUILD/bench/bench_big_floor
    section "100 MiB random artifact flow beside its floor, 3 runs each"
    if [ -x "$BIGF" ] && [ -x "$FLOOR" ]; then
        hyperfine --style none --warmup 1 --runs 3 --prepare "$TMP/fresh.sh; sync" --export-json big.json \
            -n flow "$BIGF run --mib 100 --quiet" -n floor "$FLOOR 100 ." >/dev/null || exit 1
        row "100 MiB flow: wall (s)" "$(stat_of big.json flow mean)" "$(stat_of big.json floor mean)" s
        row "100 MiB flow: CPU (s)" "$(cpu_of big.json flow)" "$(cpu_of big.json floor)" s
        if [ -x /usr/bin/time ]; then
            fresh
            /usr/bin/time -f '%M' -o rss_flow.txt "$BIGF" run --mib 100 --quiet >/dev/null 2>&1
            /usr/bin/time -f '%M' -o rss_floor.txt "$FLOOR" 100 . >/dev/null 2>&1
            row "100 MiB flow: peak RSS (MiB)" "$(awk '{ print $1 / 1024 }' rss_flow.txt)" \
                "$(awk '{ print $1 / 1024 }' rss_floor.txt)" MiB
        fi
    else
        echo "   skipped: big_artifact or bench_big_floor was not built"
    fi
fi

# 4. The scheduler's peak RSS with BIG tasks to track (GNU time: the largest
#    RSS in the process tree it waited for; this flow's tasks are tiny), and
#    the per-task cost at that width against the 1,000-item run's.
if want rss && [ "$BIG" -gt 0 ]; then
    section "$BIG-item foreach: peak RSS, per-task cost against 1,000 items"
    fresh
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%e %U %S %M' -o big_n.txt "$W" run --width "$BIG" --max-num-splits "$BIG" --quiet \
            >/dev/null 2>&1 || echo "   error: the $BIG-item run failed"
        read -r e u s m <big_n.txt
        echo "   peak RSS:          $(awk -v m="$m" 'BEGIN { printf "%.1f MiB", m / 1024 }') (target <= 50 MB)"
        echo "   datastore size:    $(du -sh .metaflow | cut -f1)"
        if [ -f wide.json ]; then
            row "per-task wall, $BIG vs 1,000 (ms)" "$(awk -v e="$e" -v n="$BIG" 'BEGIN { print e * 1000 / (n + 3) }')" \
                "$(awk -v m="$(stat_of wide.json examples mean)" 'BEGIN { print m * 1000 / 1003 }')" ms
            row "per-task CPU, $BIG vs 1,000 (ms)" \
                "$(awk -v u="$u" -v s="$s" -v n="$BIG" 'BEGIN { print (u + s) * 1000 / (n + 3) }')" \
                "$(awk -v c="$(cpu_of wide.json examples)" 'BEGIN { print c * 1000 / 1003 }')" ms
        fi
    else
        echo "   skipped: /usr/bin/time is not installed"
    fi
fi

if want resume; then
    section "resume: a 1,000-item foreach whose last step failed"
    fresh
    MF_FAIL_END=1 "$W" run --width 1000 --max-num-splits 1000 --quiet >/dev/null 2>&1
    start=$(date +%s.%N)
    "$W" resume --max-num-splits 1000 --quiet | tail -n 1
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "   resume wall time:  %.3f s (1,002 tasks cloned, 1 run)\n", e - s }'
fi

# 6. show and check: graph build, lint and printing, without running a step,
#    beside one process start.
if want show; then
    section "show and check of each example, beside /bin/true"
    cmds=(-n floor /bin/true)
    for ex in $EXAMPLES; do
        [ -x "$BUILD/examples/$ex" ] || continue
        cmds+=(-n "$ex show" "$BUILD/examples/$ex show" -n "$ex check" "$BUILD/examples/$ex check")
    done
    hyperfine --style none -N --warmup 5 --export-json show.json "${cmds[@]}" >/dev/null || exit 1
    fl=$(stat_of show.json floor mean)
    for ex in $EXAMPLES; do
        for c in show check; do
            m=$(stat_of show.json "$ex $c" mean)
            [ -n "$m" ] && row "$ex $c (ms)" "$(awk -v m="$m" 'BEGIN { print m * 1000 }')" \
                "$(awk -v m="$fl" 'BEGIN { print m * 1000 }')" ms
        done
    done
fi

if want artifact; then
    section "bench_artifact"
    if [ -x "$BUILD/bench/bench_artifact" ]; then
        "$BUILD/bench/bench_artifact"
    else
        echo "   skipped: $BUILD/bench/bench_artifact was not built"
    fi
fi
