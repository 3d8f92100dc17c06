#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t46_replaced.sh - a flow program replaced on disk during its run (a rebuild
# while it runs) changes nothing for that run: every later task runs the
# image the run started with, under each local executor (spawn runs
# /proc/self/exe, not the path; fork never execs). Without that, the tasks
# after the replacement would run the new file: here an imposter that fails.
. "$(dirname "$0")/lib.sh"

cat >imposter.template <<'SH'
#!/bin/sh
echo "the imposter ran: $*" >&2
exit 7
SH
for ex in spawn fork; do
    cp "$FLOWS/replaced_flow" "prog-$ex"
    cp imposter.template "imposter-$ex"
    chmod +x "imposter-$ex"
    REPLACE_WITH=$PWD/imposter-$ex REPLACE_TARGET=$PWD/prog-$ex run_ok "a run whose program is replaced by its start step ($ex)" \
        "./prog-$ex" run --executor "$ex" --datastore-root "ds-$ex"
    assert_contains "middle ran the original ($ex)" "$(cat "$OUT")" "middle ran the original program"
    assert_contains "end too ($ex)" "$(cat "$OUT")" "end ran the original program, x = 2"
    assert_not_contains "the imposter never ran ($ex)" "$(cat "$OUT" "$ERR")" "the imposter ran"
    run "./prog-$ex" --help
    assert_eq "the file on disk is the imposter now ($ex)" 7 "$RC"
done
finish
