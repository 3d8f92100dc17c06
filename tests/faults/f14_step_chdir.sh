#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f14: a step that calls chdir() failed under the default, relative datastore
# root: its index landed under the new directory and the task was reported as
# "exited with code 0 but wrote no artifact index". The root is made absolute
# before any step runs.
. "$(dirname "$0")/../cli/lib.sh"
F=$FLOWS/run_fault_flow
mkdir elsewhere

MF_FAULT_CHDIR=$PWD/elsewhere run_ok "every step chdirs, default root" "$F" run
assert_done "the run says Done!"
assert_eq "the result is right" "end: x=1 y=2" "$(user_lines)"
assert_true "nothing was written under the step's new directory" test -z "$(ls -A elsewhere)"
assert_true "the run is in .metaflow" test -f .metaflow/RunFaultFlow/1/end/3/index

MF_FAULT_CHDIR=/ run_ok "every step chdirs to /, relative --datastore-root" "$F" --datastore-root ./store run
assert_done "that run says Done!"
assert_true "its run is in ./store" test -f store/RunFaultFlow/1/end/3/index
run_ok "dump reads it back with the relative root" "$F" --datastore-root store dump 1/end
assert_contains "y is there" "$(cat "$OUT")" "y"
MF_FAULT_CHDIR=/ run_ok "every step chdirs to /, run --datastore-root rel" "$F" run --datastore-root store2
assert_done "that run says Done! too"
assert_true "its run is in ./store2" test -f store2/RunFaultFlow/1/end/3/index
finish
