#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t70_task_inherits.sh - issue 10 item 1: a task inherits nothing of the
# scheduler but its stdio (only fds 0-2, default signal dispositions, its own
# process group, empty stdio buffers, line-buffered stdout, none of the
# scheduler's exit handlers run at its end), under the fork executor (the default)
# and the spawn executor alike; its command line is the same under both.
. "$(dirname "$0")/lib.sh"

for ex in fork spawn; do
    # The scheduler ignores SIGPIPE and catches SIGINT/SIGTERM during a run;
    # the shell here also hands it an ignored SIGHUP and an extra open fd.
    run bash -c 'trap "" HUP; exec 7</dev/null; exec "$@"' _ "$FLOWS/inherit_flow" run --executor "$ex"
    assert_eq "$ex: the checking flow succeeds" 0 "$RC"
    assert_contains "$ex: every work task checked" "$(cat "$OUT")" "end: 4 tasks checked"
    # A forked task is a copy of the scheduler (its argv memory says "run"),
    # a spawned one exec'd its step command line: each executor is the one used.
    began=$([ "$ex" = fork ] && echo run || echo step)
    assert_contains "$ex: the task began as the executor says" "$(cat "$OUT")" "(began as $began)"
    assert_eq "$ex: start printed exactly its own line" "1" "$(user_lines | grep -c '^checked pid')"
    assert_not_contains "$ex: no task ran another process's exit handler" "$(cat "$OUT" "$ERR")" "exit handler of"
    run_ok "$ex: dump works" "$FLOWS/inherit_flow" dump "$(last_run_id InheritFlow)/work" --artifact runs_seen
done
# The same `step` command line, recorded, under both.
run_ok "runs lists both" "$FLOWS/inherit_flow" runs
MF_EXECUTOR=spawn run "$FLOWS/inherit_flow" run --executor fork --quiet
assert_eq "--executor wins over MF_EXECUTOR" 0 "$RC"
MF_EXECUTOR=nope run "$FLOWS/inherit_flow" run
assert_eq "a bad MF_EXECUTOR is a usage error" 2 "$RC"
assert_contains "it names the choices" "$(cat "$ERR")" "use one of fork, spawn"
finish
