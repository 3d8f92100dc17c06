#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# t84_report.sh - `report RUN`: one self-contained page of a branch run
# with a retried step, of a failed run and of a 1,000-task foreach: the
# graph with each step's outcome, a timeline bar for every task attempt,
# the cards, the artifacts and tags holding <script> shown as text, the big
# step's lists capped (saying so) and the page light. Each page is rendered
# by headless Chromium: the DOM it built holds the steps, the bars and the
# chart, and no script ran; screenshots are kept under the build directory.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/browser.sh"
FLOW=$FLOWS/card_flow
EVIL_TAG='<script>document.body.setAttribute("data-pwned","tag")</script>'
browser_ok=false
have_browser && browser_ok=true

run_ok "a branch run with a retried step" "$FLOW" run --tag "$EVIL_TAG" --tag plain
run_ok "report of it" "$FLOW" report 1 -o branch.html
html=$(cat branch.html)
for s in start a b join_ab fan work collect end; do
    assert_contains "graph: step $s succeeded" "$html" "data-step=\"$s\" data-status=\"succeeded\""
done
assert_eq "timeline: a bar per attempt (10 tasks, a retried once)" 11 "$(count 'class="mf-bar-task"' "$html")"
assert_contains "the failed first attempt of a is drawn" "$html" 'data-task="1/a/2" data-attempt="0" data-status="failed"'
assert_contains "the run's tags, escaped" "$html" '<span class="tag">&lt;script&gt;document.body.setAttribute(&quot;'
assert_contains "the parameters" "$html" '<td class="mono">width</td><td class="mono">3</td>'
assert_contains "an artifact preview, escaped" "$html" '&quot;&lt;script&gt;document.body.setAttribute(&#39;data-pwned'
assert_contains "the start card" "$html" 'class="mf-chart" data-kind="line" data-points="50"'
assert_contains "a's logs, both attempts" "$html" "a: attempt 1"
assert_eq "no script element" 0 "$(count '<script' "$html")"
assert_eq "nothing loaded from elsewhere" 0 "$(grep -cE '(src|href)="(https?:)?//' branch.html)"
run_ok "report latest to stdout" "$FLOW" report latest
assert_eq "the same page" "$html" "$(cat "$OUT")"
expect_fail "report of a run that does not exist" 1 "$FLOW" report 99
assert_contains "saying so" "$(cat "$ERR")" "99"
expect_fail "report without a run" 2 "$FLOW" report

MF_CARD_FAIL=work run "$FLOW" run
assert_eq "a failed run" 1 "$RC"
run_ok "report of the failed run" "$FLOW" report 2 -o failed.html
fhtml=$(cat failed.html)
assert_contains "its status" "$fhtml" '<td id="run-status">failed</td>'
assert_contains "work failed" "$fhtml" 'data-step="work" data-status="failed"'
assert_contains "collect did not run" "$fhtml" 'data-step="collect" data-status="notrun"'
assert_contains "the failure's log, escaped" "$fhtml" "item 1 fails on purpose &lt;script&gt;"

run_ok "a 1,000-task foreach" "$FLOW" run --width 1000 --max-num-splits 1000 --quiet
run_ok "report of it" "$FLOW" report 3 -o wide.html
whtml=$(cat wide.html)
assert_eq "a timeline bar for each of the 1,000 tasks" 1000 "$(count 'data-task="3/work/' "$whtml")"
assert_contains "the work step summarised" "$whtml" "1000 tasks, 1000 attempts; 0 failed"
assert_contains "tasks listed are capped, saying so" "$whtml" "50 of 1000 tasks listed"
assert_contains "cards are capped, saying so" "$whtml" "the first 20 cards are shown"
assert_contains "logs are capped, saying so" "$whtml" "logs of 50 of 1000 tasks"
size=$(stat -c %s wide.html)
assert_true "the page stays light ($size bytes < 2 MB)" test "$size" -lt 2000000

if $browser_ok; then
    dom=$(dump_dom branch.html)
    assert_eq "chromium: eight steps drawn" 8 "$(count 'class="mf-step"' "$dom")"
    assert_eq "chromium: eleven task bars" 11 "$(count 'class="mf-bar-task"' "$dom")"
    assert_true "chromium: the charts" test "$(count 'class="mf-chart"' "$dom")" -ge 3
    assert_contains "chromium: the artifact shows as text" "$dom" "&lt;script&gt;document.body.setAttribute('data-pwned'"
    assert_eq "chromium: no script ran (it would have set data-pwned)" 0 "$(count 'data-pwned="' "$dom")"
    assert_true "chromium: screenshot of the branch run" screenshot branch.html branch 1200,2600
    dom=$(dump_dom failed.html)
    assert_contains "chromium: the failed step" "$dom" 'data-step="work" data-status="failed"'
    assert_true "chromium: a failed task bar" test "$(count 'data-status="failed"' "$dom")" -ge 2
    assert_true "chromium: screenshot of the failed run" screenshot failed.html failed 1200,2600
    dom=$(dump_dom wide.html)
    assert_eq "chromium: 1,000 bars of the wide step" 1000 "$(count 'data-task="3/work/' "$dom")"
    assert_eq "chromium: no script ran" 0 "$(count 'data-pwned="' "$dom")"
    assert_true "chromium: screenshot of the wide run" screenshot wide.html wide 1200,2600
fi
finish
