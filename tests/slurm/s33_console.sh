#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# s33_console.sh - the run's console under `--with slurm` (src/console.c, as tests/cli/t86_console.sh checks it
# locally): on a pipe, progress lines "N of M tasks done" and every task line with its "(job J)" prefix; under a
# pseudo-terminal (script(1)), the status line redrawn in place, reaching "M of M tasks done", never glued to a
# task line or a Slurm line. The cluster advertises one CPU, so the foreach's jobs wait their turn: the counts
# say how many are queued, from the squeue the run makes anyway (never an extra query: squeue calls stay within
# run time / poll interval + 2).
. "$(dirname "$0")/lib.sh"
slurm_start cpus=1
P=$FLOWS/progress_flow
ESC=$'\x1b'
CR=$'\r'
S=(--with slurm --slurm-poll 1)

run_ok "piped run under slurm" "$P" run "${S[@]}" --width 4 --nap 1 --progress-every 0.5
assert_done "piped: Done! last"
assert_eq "piped: no carriage return" 0 "$(grep -cF "$CR" "$OUT" || true)"
assert_eq "piped: no escape sequence" 0 "$(grep -cF "$ESC" "$OUT" || true)"
assert_eq "task stdout lines keep their job prefix" 4 \
    "$(grep -cE '^\[[0-9]+/work/[0-9]+ \(job [0-9_]+\)\] item [0-3] on stdout$' "$OUT")"
assert_eq "task stderr lines keep their job prefix" 4 \
    "$(grep -cE '^\[[0-9]+/work/[0-9]+ \(job [0-9_]+\)\] item [0-3] on stderr$' "$ERR")"
assert_true "progress lines on a pipe" grep -qE '^\[[0-9]+:[0-9]{2}\] [0-9]+ of [0-9]+ tasks done, [0-9]+ running' "$OUT"
assert_true "jobs waiting for the one CPU are counted as queued" \
    grep -qE '^\[[0-9]+:[0-9]{2}\] [0-9]+ of [0-9]+ tasks done, [0-9]+ running, [1-9][0-9]* queued' "$OUT"
assert_true "summary row: work with 4 tasks" grep -qE '^  work +4 +0 +0 ' "$OUT"

TTY=$T_DIR/cap/tty
slurm_reset_calls
t0=$(date +%s)
LAST_CMD="script: $P run --with slurm --width 4 --nap 1"
timeout -k 10 600 script -qfec "env -u NO_COLOR TERM=xterm $P run ${S[*]} --width 4 --nap 1" /dev/null \
    >"$TTY" 2>&1 </dev/null
RC=$?
t1=$(date +%s)
assert_eq "tty run succeeds" 0 "$RC"
assert_true "tty: the status line is drawn from column 0" grep -qF "${CR}[0:" "$TTY"
assert_true "tty: ... and erased to the end of the line" grep -qF "${ESC}[K" "$TTY"
assert_true "tty: the counts reach 7 of 7" grep -qF "7 of 7 tasks done, 0 running" "$TTY"
assert_true "tty: queued jobs are counted" grep -qE "tasks done, [0-9]+ running, [1-9][0-9]* queued" "$TTY"
assert_true "tty: steps in flight are named" grep -qE "\| work: [0-9]+ running, [0-9]+ done" "$TTY"
glued=$(/usr/bin/python3 - "$TTY" <<'PY'
import re, sys
text = re.sub(r'\x1b\[[0-9;]*m', '', open(sys.argv[1], encoding='utf-8', errors='replace', newline='').read())
bad = [m.start() for m in re.finditer(r'\[[0-9]+/[a-z]+/[0-9]+ \(job', text)
       if not (text[:m.start()].endswith('\n') or text[:m.start()].endswith('\r\x1b[K'))]
print(len(bad))
PY
)
assert_eq "tty: no task or Slurm line glued to a status line" 0 "$glued"
assert_true "tty: summary" grep -qE '^  work +4 +0 +0 ' <(tr -d '\r' <"$TTY")
assert_true "squeue calls <= run time / poll + 2 (the counts ask nothing more)" \
    test "$(calls squeue)" -le $(((t1 - t0) / 1 + 2))
finish
