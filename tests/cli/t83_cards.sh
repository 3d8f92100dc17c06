#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t83_cards.sh - cards: a step's heading, text, table, image and charts are
# stored with its task and `card RUN/STEP/TASK` writes them as one page whose
# user text is escaped; a child step does not inherit its parent's card; a
# failed task keeps none; the page rendered by headless Chromium holds the
# table, the image, both charts, and the <script> as text (it did not run).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/browser.sh"
FLOW=$FLOWS/card_flow

run_ok "the card flow runs" "$FLOW" run
run_ok "card writes the start task's card" "$FLOW" card 1/start/1 -o card.html
assert_contains "it names the file" "$(cat "$ERR")" "wrote card.html"
html=$(cat card.html)
assert_contains "the heading" "$html" "<h3>Training summary &lt;script&gt;"
assert_contains "the Markdown-ish text" "$html" "This run trains a <strong>tiny</strong> model"
assert_contains "the table" "$html" '<table class="mf-table" data-rows="4">'
assert_contains "the image, inline" "$html" 'src="data:image/png;base64,iVBORw0KGgo'
assert_contains "a line chart" "$html" 'class="mf-chart" data-kind="line" data-points="50"'
assert_contains "a bar chart" "$html" 'class="mf-chart" data-kind="bar" data-points="12"'
assert_eq "no script element on the page" 0 "$(count '<script' "$html")"
assert_contains "the script is text" "$html" "&lt;script&gt;document.body.setAttribute("
assert_eq "nothing is loaded from elsewhere" 0 "$(grep -cE '(src|href)="(https?:)?//' card.html)"

run_ok "card to stdout" "$FLOW" card 1/start/1
assert_eq "stdout is the same page" "$html" "$(cat "$OUT")"
run_ok "a foreach task's card" "$FLOW" card 1/work/6
assert_contains "its chart" "$(cat "$OUT")" 'data-kind="bar" data-points="3"'
expect_fail "b added nothing: no card (not its parent's)" 1 "$FLOW" card 1/b/3
assert_contains "saying so" "$(cat "$ERR")" "task '1/b/3' has no card"
expect_fail "a task that does not exist" 1 "$FLOW" card 1/start/99
expect_fail "a pathspec without a task" 2 "$FLOW" card 1/start
expect_fail "card without a pathspec" 2 "$FLOW" card

MF_CARD_FAIL=work run "$FLOW" run
assert_eq "a failing run fails" 1 "$RC"
failed=$(grep -ohE 'Task 2/work/[0-9]+ failed' "$OUT" "$ERR" | head -n 1 | cut -d' ' -f2)
expect_fail "the failed task ($failed) has no card" 1 "$FLOW" card "$failed"
assert_contains "saying it did not finish" "$(cat "$ERR")" "has not finished"
run_ok "dump does not list the card as an artifact" "$FLOW" dump 1/start/1
assert_not_contains "no _card" "$(cat "$OUT")" "_card"

if have_browser; then
    dom=$(dump_dom card.html)
    assert_contains "chromium: the heading" "$dom" "Training summary"
    assert_eq "chromium: the table's header and 4 rows" 5 "$(printf '%s' "$dom" | sed -n '/mf-table/,/<\/table>/p' | grep -o '<tr>' | wc -l)"
    assert_contains "chromium: the image" "$dom" '<img class="mf-image" alt="A gradient" src="data:image/png;base64,'
    assert_eq "chromium: two charts" 2 "$(count 'class="mf-chart"' "$dom")"
    assert_contains "chromium: the line" "$dom" "<polyline"
    assert_eq "chromium: twelve bars" 12 "$(count 'class="mf-bar"' "$dom")"
    assert_contains "chromium: the script shows as text" "$dom" "&lt;script&gt;document.body.setAttribute("
    assert_eq "chromium: no script ran (it would have set data-pwned)" 0 "$(count 'data-pwned="' "$dom")"
    assert_true "chromium: a screenshot" screenshot card.html card 1100,1500
fi
finish
