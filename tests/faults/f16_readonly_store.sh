#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# f16: read-only commands (runs, dump, logs, tag list, show) work on a store
# they cannot write - a user without write permission, a read-only mount -
# and leave it as it was. They failed with SQLite's "attempt to write a
# readonly database": WAL mode needs a -shm file the reader could not create.
. "$(dirname "$0")/../cli/lib.sh"
F=$FLOWS/run_fault_flow

run_ok "a run succeeds" "$F" run
run_ok "it is tagged" "$F" tag add 1 kept
before=$(cd .metaflow && find . -type f | LC_ALL=C sort | xargs sha256sum)

# read_only_checks DESC CMD-PREFIX...: every read-only command through the prefix.
read_only_checks() {
    local desc=$1
    shift
    run_ok "$desc: runs" "$@" runs
    assert_contains "$desc: runs lists run 1" "$(cat "$OUT")" "succeeded"
    run_ok "$desc: dump" "$@" dump 1/a
    assert_contains "$desc: dump shows y" "$(cat "$OUT")" "y (int) = 2"
    run_ok "$desc: logs" "$@" logs 1/end
    assert_contains "$desc: logs shows the line" "$(cat "$OUT")" "end: x=1 y=2"
    run_ok "$desc: tag list" "$@" tag list 1
    assert_eq "$desc: tag list shows the tag" "kept" "$(cat "$OUT")"
    run_ok "$desc: show" "$@" show
}

# 1. A user without write permission. As root, permissions do not stop
# writes: run the commands as nobody.
chmod a+rx "$T_DIR" "$T_DIR/work"
chmod -R a+rX .metaflow
chmod -R a-w .metaflow
if [ "$(id -u)" = 0 ]; then
    if command -v setpriv >/dev/null && setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
        # nobody reads root's runs: in the global namespace (its own, user:nobody, has none)
        as_reader=(env MF_NAMESPACE= setpriv --reuid=nobody --regid=nogroup --clear-groups)
    else
        as_reader=()
        echo "# skipped: no setpriv to drop root's privileges (root ignores permissions)"
    fi
else
    as_reader=(env)
fi
if [ ${#as_reader[@]} -gt 0 ]; then
    read_only_checks "no write permission" "${as_reader[@]}" "$F"
    expect_fail "no write permission: tag add fails" 1 "${as_reader[@]}" "$F" tag add 1 more
fi
chmod -R u+w .metaflow

# 2. A read-only mount (bind mount remounted read-only; needs root).
mkdir ro
if mount --bind .metaflow ro 2>/dev/null && mount -o remount,bind,ro ro 2>/dev/null; then
    trap 'umount ro 2>/dev/null; t_cleanup' EXIT
    read_only_checks "read-only mount" "$F" --datastore-root ro
    umount ro
else
    umount ro 2>/dev/null
    echo "# skipped: mounting a read-only bind mount is not permitted here"
fi

after=$(cd .metaflow && find . -type f | LC_ALL=C sort | xargs sha256sum)
assert_eq "the store is exactly as it was (nothing migrated or written)" "$before" "$after"
finish
