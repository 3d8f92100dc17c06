#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t43_time_limit.sh - a step's time limit (.time_limit, the Slurm --time of docs/slurm.md) is also its timeout
# when it runs locally: a step that declares only a 1 s time limit and sleeps a minute is stopped and fails as
# timed out, under the default executor and under --with spawn, and its stderr log says so.
. "$(dirname "$0")/lib.sh"

F=$FLOWS/time_limit_flow
expect_fail "a step past its time limit fails the run" 1 "$F" run
assert_contains "it timed out after its time limit" "$(cat "$OUT")" "timed out after 1 s"
assert_contains "the stderr log says so" "$(cat "$ROOT"/TimeLimitFlow/1/slow/2/0.stderr)" "timed out after 1 s"
expect_fail "the same with --with spawn" 1 "$F" run --with spawn
assert_contains "... timed out after 1 s" "$(cat "$OUT")" "timed out after 1 s"
finish
