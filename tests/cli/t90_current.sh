#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# t90: Metaflow's `current` in a step and on a client task handle - the
# run's user, namespace and tags (user + system), the parameter names, the
# foreach stack of a foreach nested in a foreach (a branch inside left out),
# and the origin run id after a resume.
. "$(dirname "$0")/lib.sh"
F=$FLOWS/current_flow
R=$FLOWS/current_reader
today=$(date -u +%Y-%m-%d)

USER=alice run_ok "a run with a tag" "$F" run --tag 'two words'
assert_eq "... start sees the run" "user: alice
namespace: user:alice
origin: (none)
tags: <date:$today> <metaflow_c_version:0.1.0> <runtime:dev> <two words> <user:alice>
params: <alpha> <beta>
stack start 1:" "$(user_lines | grep -v '^end\|^stack [^s]')"
# The exact stack of every task (ids stripped; the tasks run in parallel).
user_lines | grep '^stack' | sed -E 's/^stack ([a-z_]+) [0-9]+:/\1:/' | LC_ALL=C sort >stacks
want=""
for s in left mid right branch_join; do
    for x in 0 1; do for y in 0 1 2; do want+="$s: start[$x/2] outer[$y/3]"$'\n'; done; done
done
want+="end:"$'\n'"inner_join: start[0/2]"$'\n'"inner_join: start[1/2]"$'\n'
want+="outer: start[0/2]"$'\n'"outer: start[1/2]"$'\n'"outer_join:"$'\n'"start:"
assert_eq "... every task's foreach stack, exactly" "$(printf '%s' "$want" | LC_ALL=C sort)" "$(cat stacks)"

# The client answers the same for a finished task.
leaf=$(grep -o '1/left/[0-9]*' "$OUT" | head -n 1)
want_leaf=$(user_lines | grep "^stack left ${leaf##*/}:")
USER=alice run_ok "the client opens $leaf (alice's run, in her namespace)" "$R" "$ROOT" CurrentFlow "$leaf"
assert_contains "... the same stack" "$(cat "$OUT")" "$want_leaf"
assert_contains "... the same tags" "$(cat "$OUT")" "tags: <date:$today> <metaflow_c_version:0.1.0> <runtime:dev> <two words> <user:alice>"
assert_contains "... no origin" "$(cat "$OUT")" "origin: (none)"

# A resume: the new run's tasks see the run they resumed.
CURRENT_FAIL=1 USER=bob run "$F" run --alpha x
assert_true "a run failing at end fails" test "$RC" -ne 0
assert_contains "... end saw no origin" "$(user_lines)" "end origin: (none)"
USER=bob run_ok "resume it" "$F" resume --origin-run-id 2
assert_contains "... end sees the origin run id" "$(user_lines)" "end origin: 2"
end3=$(grep -o "3/end/[0-9]*" "$OUT" | head -n 1)
USER=bob run_ok "the client on the resumed end (bob's)" "$R" "$ROOT" CurrentFlow "$end3"
assert_contains "... origin 2" "$(cat "$OUT")" "origin: 2"
assert_contains "... bob's namespace" "$(cat "$OUT")" "namespace: user:bob"

# No metadata: a step asking for the run's record fails, saying why.
mv "$ROOT/metadata.db" meta.bak
run "$F" step start --run-id 1 --task-id 99 --datastore-root "$ROOT"
assert_true "... without metadata.db the step fails" test "$RC" -ne 0
assert_contains "... naming the run's record" "$(cat "$ERR")" "cannot read the record of run '1'"
finish
