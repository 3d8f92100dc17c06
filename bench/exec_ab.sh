#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# exec_ab.sh - the fork executor against the spawn executor, beside the
# machine's floor measured in the same session: CPU (user + sys of the whole
# process tree) per task of a 1,000-item foreach (1,003 tasks) under each
# executor, and per process of 1,000 posix_spawn+wait of /bin/true, 16 at
# once (bench_spawn). Rounds alternate the three so that load drifts hit all.
#
# Usage: bench/exec_ab.sh BUILD_DIR [ROUNDS]      (default 3 rounds)
set -u
[ $# -ge 1 ] && [ -d "$1" ] || { echo "usage: $0 BUILD_DIR [ROUNDS]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
ROUNDS=${2:-3}
W=$BUILD/tests/flows/wide_foreach
[ -x /usr/bin/time ] || { echo "error: GNU time (/usr/bin/time) is needed" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mf-exec-ab.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
unset MF_DATASTORE_ROOT MF_EXECUTOR

# cpu CMD...: prints "wall cpu" (seconds) of CMD and everything it waited for.
cpu() {
    /usr/bin/time -f '%e %U %S' -o t.txt "$@" >/dev/null 2>&1 || echo "warning: '$*' failed" >&2
    awk '{ printf "%s %.3f\n", $1, $2 + $3 }' t.txt
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-28s %9s %9s %14s\n' round what wall_s cpu_s cpu_ms_per_unit
for r in $(seq "$ROUNDS"); do
    read -r wall c < <(cpu "$BUILD/bench/bench_spawn" -n 1000 -j 16 /bin/true)
    printf '%-6s %-28s %9s %9s %14.3f\n' "$r" "floor: /bin/true x1000" "$wall" "$c" "$(echo "$c" | awk '{ print $1 }')"
    floor=$c
    for ex in fork spawn; do
        mkdir -p old && if [ -e .metaflow ]; then mv .metaflow "old/$(date +%s%N)"; fi # not rm: see task_cost.sh
        read -r wall c < <(cpu "$W" run --width 1000 --max-num-splits 1000 --quiet --executor "$ex")
        awk -v r="$r" -v ex="$ex" -v w="$wall" -v c="$c" -v f="$floor" 'BEGIN {
            printf "%-6s %-28s %9s %9s %14.3f  (%.2fx the floor)\n", r, "foreach 1,003 tasks, " ex, w, c, c / 1.003, (c / 1003) / (f / 1000) }'
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
