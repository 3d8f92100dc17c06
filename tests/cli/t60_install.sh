#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t60_install.sh - `cmake --install` gives a user what they need to build a
# flow of their own, with the README's own lines: the header, the libraries,
# a pkg-config file found through PKG_CONFIG_PATH=PREFIX/lib/pkgconfig, and a
# CMake package (find_package(metaflow), metaflow::metaflow). Both link the
# fast way (static, non-PIE, nothing to find at run time) and the programs run
# with no LD_LIBRARY_PATH; metaflow-shared.pc's program finds the .so itself.
. "$(dirname "$0")/lib.sh"

PREFIX=$T_DIR/prefix
run_ok "cmake --install into a prefix" cmake --install "$MF_BUILD" --prefix "$PREFIX"
assert_true "metaflow.h is installed" test -f "$PREFIX/include/metaflow.h"
# The README's line: PKG_CONFIG_PATH="$HOME/.local/lib/pkgconfig" for ~/.local.
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
unset LD_LIBRARY_PATH
run_ok "pkg-config finds metaflow where the README says" pkg-config --cflags --libs metaflow
# A sanitizer build's library needs its program built with the same runtime.
SAN=()
grep -q '^MF_SANITIZE:BOOL=ON' "$MF_BUILD/CMakeCache.txt" && SAN=(-fsanitize=address,undefined)
cp "$MF_SRC/examples/linear_flow.c" "$T_DIR/linear_flow.c"
EXPECT="the data artifact is: hello world
the data artifact is still: hello world"

# exe_checks NAME PROGRAM: runs it in a fresh datastore; it must need no
# libmetaflow.so and be a non-PIE executable (ELF type EXEC).
exe_checks() {
    rm -rf "$ROOT"
    run_ok "$1 runs" "$2" run
    assert_eq "$1 prints the example's output" "$EXPECT" "$(user_lines)"
    assert_not_contains "$1 needs no libmetaflow.so" "$(readelf -d "$2")" "libmetaflow"
    assert_contains "$1 is not PIE (fast start)" "$(readelf -h "$2")" "EXEC (Executable file)"
    assert_contains "$1 binds its symbols at start (no forked task binds one)" "$(readelf -d "$2")" "BIND_NOW"
}

run_ok "the README's cc line builds a flow" \
    cc -std=c11 -Wall -Werror "${SAN[@]}" "$T_DIR/linear_flow.c" $(pkg-config --cflags --libs metaflow) \
    -o "$T_DIR/user_flow"
exe_checks "the pkg-config flow" "$T_DIR/user_flow"

mkdir -p "$T_DIR/consumer"
cat >"$T_DIR/consumer/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.22)
project(user_flow C)
find_package(metaflow 0.1 REQUIRED)
add_executable(linear_flow ../linear_flow.c)
target_link_libraries(linear_flow PRIVATE metaflow::metaflow)
add_executable(linear_flow_shared ../linear_flow.c)
target_link_libraries(linear_flow_shared PRIVATE metaflow::shared)
metaflow_add_flow(memo_flow ../memo_flow.c)
CMAKE
cp "$MF_SRC/examples/memo_flow.c" "$T_DIR/memo_flow.c"
run_ok "a CMake consumer configures with find_package(metaflow)" \
    cmake -S "$T_DIR/consumer" -B "$T_DIR/consumer/build" -DCMAKE_PREFIX_PATH="$PREFIX" \
    -DCMAKE_C_FLAGS="${SAN[*]}" -DCMAKE_EXE_LINKER_FLAGS="${SAN[*]}"
run_ok "and builds against metaflow::metaflow" cmake --build "$T_DIR/consumer/build"
exe_checks "the CMake flow" "$T_DIR/consumer/build/linear_flow"
assert_true "mf-fingerprint is installed" test -x "$PREFIX/bin/mf-fingerprint"
run_ok "metaflow_add_flow's program" "$T_DIR/consumer/build/memo_flow" cache code-id --steps
assert_contains "has per-step code identity" "$(cat "$OUT")" "(per-step fingerprints)"
assert_contains "for its memoised steps" "$(cat "$OUT")" "square step:"
rm -rf "$ROOT"
run_ok "metaflow::shared's flow runs without LD_LIBRARY_PATH" "$T_DIR/consumer/build/linear_flow_shared" run
assert_contains "it uses the installed libmetaflow.so" "$(readelf -d "$T_DIR/consumer/build/linear_flow_shared")" \
    "libmetaflow.so"

run_ok "metaflow-shared.pc builds a flow" \
    cc -std=c11 -Wall -Werror "${SAN[@]}" "$T_DIR/linear_flow.c" $(pkg-config --cflags --libs metaflow-shared) \
    -o "$T_DIR/shared_flow"
rm -rf "$ROOT"
run_ok "which finds libmetaflow.so by its run path" "$T_DIR/shared_flow" run
assert_eq "with the example's output" "$EXPECT" "$(user_lines)"
# Neither libmetaflow.so nor the program binds a symbol in a forked task:
# both were bound at start (LD_DEBUG=bindings reports each binding on the
# task's stderr, which the scheduler prints prefixed "[RUN/STEP/ID (pid N)]").
for prog in "$T_DIR/shared_flow" "$T_DIR/consumer/build/linear_flow_shared"; do
    rm -rf "$ROOT"
    LD_DEBUG=bindings run "$prog" run --executor fork
    assert_eq "$(basename "$prog") runs with LD_DEBUG" 0 "$RC"
    assert_eq "no forked task of $(basename "$prog") binds a symbol of the library or the program" 0 \
        "$(grep -cE '^\[[^]]* \(pid [0-9]+\)\].*binding file [^ ]*(libmetaflow|shared_flow|linear_flow_shared)' "$ERR")"
done

finish
