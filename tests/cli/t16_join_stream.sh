#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t16: a join streams its inputs (issue 14): it reads an input's index when
# the step uses that input and holds a bounded number of them, so a join
# over 1,000 inputs whose indexes are 4 KB each peaks at about the memory of
# a join over 50. Reading every input twice and merging still gives the
# right answers. What a join still holds per input, its handle, stays small:
# a join over 20,000 inputs (hard links to one real input's index) costs
# under 400 bytes per input more than one over 1,000 (about 210 now; 680
# when a handle carried the running task's fields: 68 MiB at 100,000).
. "$(dirname "$0")/lib.sh"
F=$FLOWS/join_stream
N=1000

run_ok "a 1,000-input join" "$F" run --width $N --max-num-splits $N
assert_done "it is done"
assert_eq "sums and merges right" "join: $N inputs, pad 4000 bytes
end: pad 4000 bytes" "$(user_lines)"

# The join again by hand, over all inputs and over 50, under GNU time.
rss() {
    /usr/bin/time -f %M -o rss.txt "$F" step join --run-id 1 --task-id "$1" --input-paths "$2" >"$OUT" 2>"$ERR" ||
        { cat "$ERR" >&2; echo 0; return; }
    cat rss.txt
}
if grep -q '^MF_SANITIZE:BOOL=ON' "$MF_BUILD/CMakeCache.txt"; then
    # Sanitizer builds hold shadow memory and a quarantine of freed blocks: RSS says nothing there.
    pass "skipped the RSS comparison under the sanitizers"
elif [ -x /usr/bin/time ]; then
    all=$(rss 90001 "work/2-$((N + 1))")
    few=$(rss 90002 "work/2-51")
    assert_true "both joins ran ($all KiB, $few KiB)" test "$all" -gt 0 -a "$few" -gt 0
    # 1,000 indexes of 4 KB held at once would be 4 MB more (8 MB decoding).
    assert_true "1,000 inputs cost < 1.5 MB more than 50 ($all vs $few KiB)" test $((all - few)) -lt 1536

    W=$FLOWS/wide_foreach
    M=20000
    run_ok "a 2-item foreach" "$W" run --width 2
    run_ok "its work task's index linked as $M inputs" perl -e 'my ($d, $n) = @ARGV;
        for my $id (4 .. $n + 1) { mkdir "$d/$id" or die "$d/$id: $!"; link("$d/3/index", "$d/$id/index") or die $! }' \
        .metaflow/WideForeachFlow/1/work "$M"
    wrss() {
        MF_JOIN_ANY_ORDER=1 /usr/bin/time -f %M -o rss.txt "$W" step join --run-id 1 --task-id "$1" \
            --input-paths "work/2-$(($2 + 1))" >"$OUT" 2>"$ERR" || { cat "$ERR" >&2; echo 0; return; }
        cat rss.txt
    }
    big=$(wrss 90003 "$M")
    small=$(wrss 90004 1000)
    assert_true "both wide joins ran ($big KiB, $small KiB)" test "$big" -gt 0 -a "$small" -gt 0
    assert_true "a join input costs < 400 bytes ($(((big - small) * 1024 / (M - 1000))) B: $big vs $small KiB)" \
        test $(((big - small) * 1024)) -lt $((400 * (M - 1000)))
else
    pass "skipped the RSS comparison: /usr/bin/time (GNU time) is not installed"
fi
finish
