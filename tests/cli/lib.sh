# SPDX-License-Identifier: Apache-2.0
# lib.sh - helpers for the end-to-end tests (tests/cli/t*.sh): each test runs
# in a fresh temporary directory, drives real flow programs, and counts checks.
#
# Usage in a test:
#   . "$(dirname "$0")/lib.sh"
#   run_ok "linear runs" "$EXAMPLES/linear_flow" run
#   assert_done "linear says Done!"
#   assert_eq "linear output" "the data artifact is: hello world" "$(user_lines)"
#   finish
#
# After run/run_ok/expect_fail: $RC is the exit status, $OUT and $ERR the
# files holding its stdout and stderr.
set -u

: "${MF_BUILD:?set MF_BUILD to the build directory (e.g. MF_BUILD=\$PWD/build)}"
EXAMPLES=$MF_BUILD/examples
FLOWS=$MF_BUILD/tests/flows
ROOT=.metaflow
T_PASS=0
T_FAIL=0
T_NAME=$(basename "$0" .sh)
# A command that hangs fails its check instead of the whole script.
T_TIMEOUT=${MF_TEST_TIMEOUT:-300}

T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mf-$T_NAME.XXXXXX") || exit 1
mkdir -p "$T_DIR/work" "$T_DIR/cap" || exit 1
OUT=$T_DIR/cap/stdout
ERR=$T_DIR/cap/stderr
RC=0
LAST_CMD=
unset MF_DATASTORE_ROOT MF_TEST_FAIL
cd "$T_DIR/work" || exit 1

# MF_TEST_KEEP=1 keeps the directory to look at after the test.
t_cleanup() {
    if [ "${MF_TEST_KEEP:-0}" = 1 ]; then
        echo "# kept $T_DIR"
    else
        rm -rf "$T_DIR"
    fi
}
trap t_cleanup EXIT

# Runs a command with stdout and stderr captured; never fails the script.
run() {
    LAST_CMD="$*"
    timeout -k 10 "$T_TIMEOUT" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    return 0
}

pass() {
    T_PASS=$((T_PASS + 1))
    echo "ok - $1"
}

# fail DESC [DETAIL...]: counts a failure and shows the last command's output.
fail() {
    T_FAIL=$((T_FAIL + 1))
    echo "FAIL - $1"
    shift
    for line in "$@"; do echo "#   $line"; done
    echo "#   last command: $LAST_CMD (exit $RC)"
    echo "#   --- stdout (last 15 lines)"
    tail -n 15 "$OUT" 2>/dev/null | sed 's/^/#   /'
    echo "#   --- stderr (last 15 lines)"
    tail -n 15 "$ERR" 2>/dev/null | sed 's/^/#   /'
}

# run_ok DESC CMD...: the command must exit 0.
run_ok() {
    local desc=$1
    shift
    run "$@"
    if [ "$RC" -eq 0 ]; then pass "$desc"; else fail "$desc" "expected exit 0, got $RC"; fi
}

# expect_fail DESC CODE CMD...: the command must exit with CODE.
expect_fail() {
    local desc=$1 code=$2
    shift 2
    run "$@"
    if [ "$RC" -eq "$code" ]; then pass "$desc"; else fail "$desc" "expected exit $code, got $RC"; fi
}

# The lines the tasks printed, without the "[RUN/STEP/TASK (pid N)] " prefix;
# from the last command's stdout, or from FILE.
user_lines() {
    sed -n 's/^\[[0-9]*\/[A-Za-z0-9_]*\/[0-9]* (pid [0-9]*)\] //p' "${1:-$OUT}"
}

# user_lines, sorted: for output of tasks that run in parallel.
user_lines_sorted() {
    user_lines "$@" | LC_ALL=C sort
}

# assert_eq DESC EXPECTED ACTUAL
assert_eq() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        fail "$1" "expected:" "$(printf '%s\n' "$2" | sed 's/^/  | /')" "actual:" \
            "$(printf '%s\n' "$3" | sed 's/^/  | /')"
    fi
}

# assert_contains DESC HAYSTACK NEEDLE: NEEDLE is a fixed string.
assert_contains() {
    if printf '%s\n' "$2" | grep -qF -- "$3"; then
        pass "$1"
    else
        fail "$1" "expected to find: $3"
    fi
}

# assert_not_contains DESC HAYSTACK NEEDLE
assert_not_contains() {
    if printf '%s\n' "$2" | grep -qF -- "$3"; then
        fail "$1" "expected not to find: $3"
    else
        pass "$1"
    fi
}

# assert_true DESC CMD...: the command (a test, a grep, ...) must succeed.
assert_true() {
    local desc=$1
    shift
    if "$@"; then pass "$desc"; else fail "$desc" "not true: $*"; fi
}

# The last command's stdout ended with a line starting "Done!".
assert_done() {
    local last
    last=$(tail -n 1 "$OUT")
    case $last in
    Done!*) pass "$1" ;;
    *) fail "$1" "last line of stdout does not start with 'Done!': $last" ;;
    esac
}

# The newest run id of FLOW under ROOT (default .metaflow); empty if none.
last_run_id() {
    local dir=${2:-$ROOT}/$1
    [ -d "$dir" ] || return 0
    ls "$dir" | grep -E '^[0-9]+$' | sort -n | tail -n 1
}

# How many run directories FLOW has under ROOT (default .metaflow).
run_count() {
    local dir=${2:-$ROOT}/$1
    if [ -d "$dir" ]; then ls "$dir" | grep -cE '^[0-9]+$'; else echo 0; fi
}

# Object files (ROOT/objects/XX/<62 hex>) under ROOT (default .metaflow) of
# at least MIN bytes (default 0).
object_count() {
    local root=${1:-$ROOT} min=${2:-0} size=()
    [ -d "$root/objects" ] || { echo 0; return 0; }
    [ "$min" -gt 0 ] && size=(-size "+$((min - 1))c")
    find "$root/objects" -mindepth 2 -maxdepth 2 -type f "${size[@]}" |
        awk -F/ 'length($(NF-1)) == 2 && length($NF) == 62 && ($(NF-1) $NF) ~ /^[0-9a-f]+$/' | wc -l
}

# Prints "N passed, N failed" and exits non-zero when a check failed.
finish() {
    echo "$T_PASS passed, $T_FAIL failed"
    exit $((T_FAIL > 0))
}
