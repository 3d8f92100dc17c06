#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t86_console.sh - a run's console (src/console.c). On a pipe: no escape
# sequence and no carriage return, progress lines "N of M tasks done", a
# summary listing every step. Under a pseudo-terminal (script(1), from
# bsdutils): the status line redrawn in place with carriage return + erase,
# reaching "M of M tasks done", colours unless NO_COLOR or --color never.
# --timestamps, --quiet, --color always on a pipe, a failed run's summary.
. "$(dirname "$0")/lib.sh"

P=$FLOWS/progress_flow
ESC=$'\x1b'
CR=$'\r'

# count_of FILE STRING: lines of FILE holding STRING (fixed).
count_of() { grep -cF -- "$2" "$1" || true; }

# ---- a piped run -------------------------------------------------------
run_ok "piped run" "$P" run --width 6 --nap 0.3 --progress-every 0.2
assert_done "piped run: Done! last"
assert_eq "piped stdout: no escape sequence" 0 "$(count_of "$OUT" "$ESC")"
assert_eq "piped stdout: no carriage return" 0 "$(count_of "$OUT" "$CR")"
assert_eq "piped stderr: no escape sequence" 0 "$(count_of "$ERR" "$ESC")"
assert_eq "piped stderr: no carriage return" 0 "$(count_of "$ERR" "$CR")"
assert_eq "task stdout lines keep their prefix" 6 "$(grep -cE '^\[[0-9]+/work/[0-9]+ \(pid [0-9]+\)\] item [0-5] on stdout$' "$OUT")"
assert_eq "task stderr lines keep their prefix" 6 "$(grep -cE '^\[[0-9]+/work/[0-9]+ \(pid [0-9]+\)\] item [0-5] on stderr$' "$ERR")"
# The run lasts longer than 0.2 s (each item naps 0.3 s): at least one progress line.
assert_true "progress lines on a pipe" grep -qE '^\[[0-9]+:[0-9]{2}\] [0-9]+ of [0-9]+ tasks done, [0-9]+ running' "$OUT"
# The summary: a header and one row per step with its task count.
assert_true "summary header" grep -qE '^  STEP +TASKS +CLONED +FAILED +SLOWEST TASK +TASK TIME +WALL TIME$' "$OUT"
for row in "start 1" "work 6" "join 1" "end 1"; do
    set -- $row
    assert_true "summary row: $1 with $2 task(s)" grep -qE "^  $1 +$2 +0 +0 +[0-9]+ \([0-9.]+ s\) +[0-9.]+ s +[0-9.]+ s$" "$OUT"
done
summary_at=$(grep -n '^  STEP ' "$OUT" | cut -d: -f1)
done_at=$(grep -n '^Done!' "$OUT" | cut -d: -f1)
assert_true "the summary comes just before Done!" [ "$((summary_at + 5))" -eq "$done_at" ]

# --color always colours a pipe too (and still draws no status line there).
run_ok "--color always on a pipe" "$P" run --width 2 --nap 0 --color always
assert_true "colour sequences" grep -qF "${ESC}[32mDone!" "$OUT"
assert_true "task prefixes coloured" grep -qE "^${ESC}\[36m\[[0-9]+/work/" "$OUT"
assert_eq "no carriage return" 0 "$(count_of "$OUT" "$CR")"
expect_fail "--color bogus is a usage error" 2 "$P" run --color bogus
assert_contains "--color message" "$(cat "$ERR")" "invalid --color 'bogus': use auto, always or never"

# --timestamps: every line starts with the local date and time.
run_ok "--timestamps" "$P" run --width 2 --nap 0 --timestamps
stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} '
assert_eq "every stdout line is stamped" "$(wc -l <"$OUT")" "$(grep -cE "$stamp" "$OUT")"
assert_true "task lines are stamped" grep -qE "${stamp}\[[0-9]+/work/[0-9]+ \(pid [0-9]+\)\] item 0 on stdout$" "$OUT"
assert_true "stderr lines are stamped" grep -qE "${stamp}\[[0-9]+/work/[0-9]+ \(pid [0-9]+\)\] item 0 on stderr$" "$ERR"

# --quiet: the tasks' own output and the last line; no per-task lines, no progress, no summary.
run_ok "--quiet" "$P" run --width 6 --nap 0.3 --progress-every 0.2 --quiet
assert_done "--quiet: Done! last"
assert_eq "--quiet: no per-task lines" 0 "$(count_of "$OUT" "task starting")"
assert_eq "--quiet: no progress lines" 0 "$(count_of "$OUT" "tasks done")"
assert_eq "--quiet: no summary" 0 "$(count_of "$OUT" "SLOWEST TASK")"
assert_eq "--quiet: the tasks' output stays" 6 "$(count_of "$OUT" "on stdout")"

# A failed run: the summary counts the failure, then the failure report.
expect_fail "a failing item" 1 "$P" run --width 3 --nap 0 --fail_item 1
assert_true "summary row: work with 1 failed" grep -qE '^  work +3 +0 +1 ' "$OUT"
assert_true "summary row: a step not run" grep -qE '^  join +0 +0 +0  \(not run\)$' "$OUT"
assert_true "the resume hint is still last" sh -c "tail -n 1 '$OUT' | grep -q '^To resume from where it failed'"
assert_eq "failed run piped: no escape sequence" 0 "$(count_of "$OUT" "$ESC")"

# ---- under a pseudo-terminal -----------------------------------------
TTY=$T_DIR/cap/tty
# script(1) gives the command a terminal and copies what it writes to our file.
in_tty() { timeout -k 10 "$T_TIMEOUT" script -qfec "$*" /dev/null >"$TTY" 2>&1 </dev/null; }

LAST_CMD="script: $P run --width 6 --nap 0.3"
in_tty env -u NO_COLOR TERM=xterm "$P" run --width 6 --nap 0.3
assert_true "tty: the status line is drawn from column 0" grep -qF "${CR}[0:" "$TTY"
assert_true "tty: ... and erased to the end of the line" grep -qF "${ESC}[K" "$TTY"
assert_true "tty: the counts reach 9 of 9" grep -qF "9 of 9 tasks done, 0 running" "$TTY"
assert_true "tty: steps in flight are named" grep -qE "\| work: [0-9]+ running, [0-9]+ done" "$TTY"
redraws=$(grep -oF "${CR}[0:" "$TTY" | wc -l)
assert_true "tty: the status line is redrawn ($redraws times)" [ "$redraws" -ge 5 ]
# Every task line starts on a fresh line: right after a newline, or after
# the erase of the status line that was there (never glued to it).
glued=$(/usr/bin/python3 - "$TTY" <<'PY'
import re, sys
text = re.sub(r'\x1b\[[0-9;]*m', '', open(sys.argv[1], encoding='utf-8', errors='replace', newline='').read())
bad = [m.start() for m in re.finditer(r'\[[0-9]+/work/[0-9]+ \(pid', text)
       if not (text[:m.start()].endswith('\n') or text[:m.start()].endswith('\r\x1b[K'))]
print(len(bad))
PY
)
assert_eq "tty: no task line glued to a status line" 0 "$glued"
assert_true "tty: colours" grep -qF "${ESC}[32mDone!" "$TTY"
assert_true "tty: summary" grep -qE '^  work +6 +0 +0 ' <(tr -d '\r' <"$TTY")

in_tty env NO_COLOR=1 TERM=xterm "$P" run --width 3 --nap 0
assert_eq "tty + NO_COLOR: no colour" 0 "$(grep -cE "${ESC}\[[0-9;]*m" "$TTY" || true)"
assert_true "tty + NO_COLOR: still the status line" grep -qF "6 of 6 tasks done" "$TTY"
in_tty env -u NO_COLOR TERM=xterm "$P" run --width 3 --nap 0 --color never
assert_eq "tty + --color never: no colour" 0 "$(grep -cE "${ESC}\[[0-9;]*m" "$TTY" || true)"
in_tty env NO_COLOR=1 TERM=xterm "$P" run --width 3 --nap 0 --color always
assert_true "tty + NO_COLOR + --color always: colour" grep -qF "${ESC}[32mDone!" "$TTY"
in_tty env -u NO_COLOR TERM=xterm "$P" run --width 3 --nap 0 --quiet
assert_eq "tty + --quiet: no status line" 0 "$(count_of "$TTY" "tasks done")"
assert_eq "tty + --quiet: no erase sequence" 0 "$(count_of "$TTY" "${ESC}[K")"
in_tty env -u NO_COLOR TERM=dumb "$P" run --width 3 --nap 0
assert_eq "tty + TERM=dumb: no escape sequence" 0 "$(count_of "$TTY" "$ESC")"

finish
