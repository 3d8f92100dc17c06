#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t88_memo_code.sh - the code digest that memo keys carry (docs/memoisation.md,
# "Code identity"), on a corpus of builds of one flow: it must change with a
# helper's constant or body, a same-length string, a static table, a global's
# initialiser and a code-changing compiler flag (zero false hits), and stay
# with a comment edit, a build in another directory and -g on or off.
. "$(dirname "$0")/lib.sh"

SAN=()
grep -q '^MF_SANITIZE:BOOL=ON' "$MF_BUILD/CMakeCache.txt" && SAN=(-fsanitize=address,undefined)
LIBS=$(pkg-config --libs libcbor jansson libzstd sqlite3 libcrypto)
cat >"$T_DIR/base.c" <<'C'
#include <metaflow.h>
/* a comment */
static const int table[] = { 1, 2, 3 };
int scale = 5;
static int helper(int x) { return x * 7; }
static void start(mf_task *t)
{
    mf_set_int(t, "x", helper(table[2] * scale));
    mf_set_str(t, "s", "alpha");
}
static void end(mf_task *t) { (void)t; }
static const mf_step steps[] = {
    { .name = "start", .fn = start, .next = { "end" }, .memoize = true },
    { .name = "end", .fn = end },
};
static const mf_flow flow = { .name = "CorpusFlow", .steps = steps, .nsteps = 2 };
int main(int argc, char **argv) { return mf_main(&flow, argc, argv); }
C

# build NAME SED-EXPR [CFLAGS...]: the base source edited by SED-EXPR, built
# in its own directory; prints the program's code digest.
build() {
    local name=$1 expr=$2
    shift 2
    mkdir -p "$T_DIR/$name"
    sed "$expr" "$T_DIR/base.c" >"$T_DIR/$name/flow.c"
    (cd "$T_DIR/$name" && cc -std=c11 "${SAN[@]}" "$@" -I"$MF_SRC/include" flow.c "$MF_BUILD/libmetaflow.a" \
        $LIBS -lm -lpthread -ldl -o flow) || { echo "build of $name failed"; return 1; }
    "$T_DIR/$name/flow" cache code-id
}

BASE=$(build base 's/x/x/' -O2)
assert_true "the base builds and has a digest" test ${#BASE} -eq 64
same() { assert_eq "same code: $1" "$BASE" "$(build "$@")"; }
differs() {
    local d
    d=$(build "$@")
    if [ ${#d} -eq 64 ] && [ "$d" != "$BASE" ]; then pass "changed code: $1"; else fail "changed code: $1" "digest $d"; fi
}
same comment 's|a comment|another comment, longer|' -O2
same elsewhere 's/x/x/' -O2
same debug 's/x/x/' -O2 -g
differs constant 's/x \* 7/x * 8/' -O2
differs body 's/x \* 7/x + 7/' -O2
differs string 's/"alpha"/"omega"/' -O2
differs table 's/{ 1, 2, 3 }/{ 1, 2, 4 }/' -O2
differs global 's/scale = 5/scale = 6/' -O2
differs flag 's/x/x/' -O1
# The same program reports the same digest as the one its runs are keyed with.
run_ok "a corpus program runs" "$T_DIR/base/flow" run
run_ok "and again" "$T_DIR/base/flow" run
assert_contains "its second run reuses start" "$(cat "$OUT")" "memoised: reused"
run_ok "the debug build runs in the same store" "$T_DIR/debug/flow" run
assert_contains "and reuses the base build's start (same code, -g)" "$(cat "$OUT")" "memoised: reused"
run_ok "the flag build runs in the same store" "$T_DIR/flag/flow" run
assert_not_contains "and reuses nothing (other code)" "$(cat "$OUT")" "memoised: reused"
assert_contains "saying the code changed" "$(cat "$OUT")" "the program's code"
finish
