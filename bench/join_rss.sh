#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# join_rss.sh - the peak RSS of a join over 100,000 inputs (issue 14: <= 64
# MB) without running 100,000 tasks: a real run of wide_foreach at that
# width is stopped after a few items (item 0 held, then failed:
# MF_HOLD_DIR), the index of one finished item is hard-linked into the task
# directories of all the others, and the join step is run by hand over
# work/2-(N+1), reading every input once (MF_JOIN_ANY_ORDER), under GNU
# time. The same at 1,000 inputs gives the cost per input.
#
# Usage: bench/join_rss.sh BUILD_DIR [N]     (default N: 100000)
set -u
[ $# -ge 1 ] && [ -d "$1" ] || { echo "usage: $0 BUILD_DIR [N]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
N=${2:-100000}
W=$BUILD/tests/flows/wide_foreach
[ -x "$W" ] || { echo "error: '$W' is missing; build the tests first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "error: GNU time (/usr/bin/time) is needed" >&2; exit 2; }
command -v perl >/dev/null || { echo "error: perl is needed" >&2; exit 2; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mf-join-rss.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
unset MF_DATASTORE_ROOT

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir hold
MF_HOLD_DIR=$TMP/hold "$W" run --width "$N" --max-num-splits "$N" --max-workers 2 --quiet >run.out 2>&1 &
pid=$!
run=.metaflow/WideForeachFlow/1
for _ in $(seq 1 3000); do # item 1 (task 3) done: its index is the one copied
    [ -e "$run/work/3/index" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
done
touch hold/go
wait "$pid"
[ -e "$run/work/3/index" ] || { echo "error: no work task finished; see:" >&2; tail -5 run.out >&2; exit 1; }
# Hard links, a fresh copy as the source every 50,000 (ext4 allows 65,000 links to a file).
perl -MFile::Copy -e 'my ($run, $n) = @ARGV; my $src; for my $id (2 .. $n + 1) { my $d = "$run/work/$id";
    mkdir $d unless -d $d; next if -e "$d/index";
    if ($id % 50000 == 2) { $src = "src.$id"; copy("$run/work/3/index", $src) or die "$src: $!" }
    link($src, "$d/index") or die "$d: $!" }' "$run" "$N"

join_rss() { # inputs task-id: prints the join's peak RSS in KiB
    MF_JOIN_ANY_ORDER=1 /usr/bin/time -f '%M %U %S' -o t.txt "$W" step join --run-id 1 --task-id "$2" \
        --input-paths "work/2-$(($1 + 1))" >join.out 2>&1 || { echo "error: the join failed:" >&2; tail -3 join.out >&2; }
    cat t.txt
}
read -r big bu bs < <(join_rss "$N" 900001)
read -r small su ss < <(join_rss 1000 900002)
awk -v n="$N" -v b="$big" -v s="$small" -v bc="$(echo "$bu $bs" | awk '{ print $1 + $2 }')" 'BEGIN {
    printf "join over %d inputs: peak RSS %.1f MiB, CPU %.2f s\n", n, b / 1024, bc
    printf "join over 1000 inputs: peak RSS %.1f MiB\n", s / 1024
    printf "per input: %.0f bytes\n", (b - s) * 1024 / (n - 1000) }'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
