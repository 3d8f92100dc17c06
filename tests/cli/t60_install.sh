#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t60_install.sh - `cmake --install` gives a user what they need to build a
# flow of their own: the header, the libraries and a pkg-config file that
# works from wherever it was installed.
. "$(dirname "$0")/lib.sh"

PREFIX=$T_DIR/prefix
run_ok "cmake --install into a prefix" cmake --install "$MF_BUILD" --prefix "$PREFIX"
PC=$(find "$PREFIX" -name metaflow.pc | head -n 1)
assert_true "metaflow.pc is installed" test -n "$PC"
assert_true "metaflow.h is installed" test -f "$PREFIX/include/metaflow.h"
export PKG_CONFIG_PATH=$(dirname "$PC")
run_ok "pkg-config knows metaflow" pkg-config --cflags --libs metaflow
LIBDIR=$(pkg-config --variable=libdir metaflow)
# A sanitizer build's library needs its program built with the same runtime.
SAN=()
grep -q '^MF_SANITIZE:BOOL=ON' "$MF_BUILD/CMakeCache.txt" && SAN=(-fsanitize=address,undefined)
run_ok "a user's flow builds against the installed library" \
    cc -std=c11 -Wall -Werror "${SAN[@]}" "$MF_SRC/examples/linear_flow.c" $(pkg-config --cflags --libs metaflow) \
    -Wl,-rpath,"$LIBDIR" -o "$T_DIR/user_flow"
run_ok "and runs" "$T_DIR/user_flow" run
assert_eq "with the example's output" "the data artifact is: hello world
the data artifact is still: hello world" "$(user_lines)"

finish
