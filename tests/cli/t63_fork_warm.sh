#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t63_fork_warm.sh - issue 10: a forked task makes none of libcbor's lazy
# symbol bindings (the fork server made them once, codec_warm.c), while a
# spawned task, a fresh process, makes them (which shows that the check
# below sees them). The dynamic linker reports each binding on the
# process's stderr with LD_DEBUG=bindings; the scheduler prints a task's
# stderr lines prefixed with its pathspec and pid.
. "$(dirname "$0")/lib.sh"

# cbor_bindings: task lines of $ERR reporting a binding of a libcbor helper.
cbor_bindings() { grep -E '^\[[^]]*/work/[0-9]+ \(pid [0-9]+\)\].*binding .*symbol `_cbor_' "$ERR" | wc -l; }

LD_DEBUG=bindings run "$FLOWS/wide_foreach" run --width 3 --executor spawn
assert_eq "spawn: the run succeeds" 0 "$RC"
assert_true "spawn: its work tasks bind libcbor's helpers themselves" [ "$(cbor_bindings)" -ge 3 ]
LD_DEBUG=bindings run "$FLOWS/wide_foreach" run --width 3 --executor fork
assert_eq "fork: the run succeeds" 0 "$RC"
assert_eq "fork: no work task binds a libcbor helper" 0 "$(cbor_bindings)"
finish
