# SPDX-License-Identifier: Apache-2.0
# browser.sh - headless Chromium for the tests of HTML pages (t80, t81),
# sourced after lib.sh. Debian's chromium (scripts/install-deps.sh) renders
# the page from its file with no network; the tests read the DOM it built
# (--dump-dom: what the page became, so a script that ran would show) and
# keep a screenshot under the build directory to look at.
#
# have_browser: 0 when chromium is here. When it is not: under CI (CI=true)
# that is a failure; on a developer's machine the browser checks are skipped,
# saying so.
have_browser() {
    BROWSER=$(command -v chromium || command -v chromium-browser || true)
    [ -n "$BROWSER" ] && return 0
    if [ "${CI:-}" = true ]; then
        fail "chromium is not installed (CI=true: the browser checks must run); scripts/install-deps.sh installs it"
    else
        echo "# SKIP browser checks: chromium is not installed (scripts/install-deps.sh installs it; under CI=true this fails)"
    fi
    return 1
}

# Where screenshots are kept: BUILD/tests/artefacts/TEST/.
ARTEFACTS=$MF_BUILD/tests/artefacts/$T_NAME
mkdir -p "$ARTEFACTS" || exit 1

browser() {
    # its own profile per call: tests run in parallel, and a profile is locked by its browser
    local profile
    profile=$(mktemp -d "$T_DIR/chromium.XXXXXX")
    timeout -k 10 300 "$BROWSER" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
        --user-data-dir="$profile" "$@" 2>>"$T_DIR/chromium.log"
}

# dump_dom FILE: the DOM Chromium built from FILE, on stdout.
dump_dom() {
    browser --dump-dom "file://$PWD/$1"
}

# screenshot FILE NAME [WIDTH,HEIGHT]: keeps ARTEFACTS/NAME.png; true when written.
screenshot() {
    rm -f "$ARTEFACTS/$2.png"
    browser --screenshot="$ARTEFACTS/$2.png" --window-size="${3:-1200,2000}" --hide-scrollbars "file://$PWD/$1" \
        >/dev/null
    [ -s "$ARTEFACTS/$2.png" ]
}

# count PATTERN TEXT: how many times the fixed string occurs.
count() {
    printf '%s' "$2" | grep -oF -- "$1" | wc -l
}
