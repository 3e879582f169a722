#!/bin/sh
# The HTML report renders in a real browser, offline: headless Chromium, without a network, takes a
# screenshot (which must not be blank) and dumps the DOM (whose SVG charts must hold drawn data).
# Skips (77) only when no Chromium is installed (scripts/deps.sh installs it with the test
# dependencies).
. "${srcdir:-.}/tests/lib/common.sh"
need python3

CHECK="$srcdir/tests/artefacts/check_artefacts.py"
BROWSER=
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then
        BROWSER=$b
        break
    fi
done
if [ -z "$BROWSER" ]; then
    echo "SKIP: no Chromium (install the Debian package chromium)"
    exit 77
fi

D=$TMP/sets
"$CDCTOP" --no-config --demo --headless --seed 7 --duration 4 --snapshot-dir "$D" 2>/dev/null
check "the run writes a set" test $? -eq 0
page=$(ls "$D"/cdctop-*.html 2>/dev/null | head -n 1)
check "the set has an HTML report" test -s "$page"
check "the report is complete, loads nothing and has at least 4 charts with data" \
    python3 "$CHECK" html "$page"
check "no http:// or https:// anywhere in it" sh -c "! grep -qiE 'https?://' '$page'"

# No network at all when the kernel lets us make an empty network namespace; the flags below keep
# Chromium's own background traffic off in any case.
NONET=
if command -v unshare >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
    NONET="unshare -n"
fi
browse() { # OUTPUT-OPTION...
    # shellcheck disable=SC2086
    timeout 120 $NONET "$BROWSER" --headless --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update --disable-sync \
        --disable-default-apps --disable-extensions --host-resolver-rules='MAP * ~NOTFOUND' \
        --user-data-dir="$(mktemp -d "$TMP/profile.XXXXXX")" "$@" "file://$page"
}

browse --screenshot="$TMP/out.png" --window-size=1200,3000 >"$TMP/shot.log" 2>&1
check "Chromium takes a screenshot ($( [ -n "$NONET" ] && echo 'no network' || echo 'network flags only'))" test -s "$TMP/out.png"
if [ -s "$TMP/out.png" ]; then
    if stats=$(python3 "$CHECK" png "$TMP/out.png" 50 2>&1); then
        ok "the screenshot is not blank: $stats"
    else
        fail "the screenshot is blank: $stats"
    fi
else
    cat "$TMP/shot.log"
fi

browse --dump-dom >"$TMP/dom.html" 2>"$TMP/dom.log"
check "Chromium parses the page (--dump-dom)" grep -q '</html>' "$TMP/dom.html"
# the DOM as the browser built it: the serialiser adds no DOCTYPE, so put one back
{ echo '<!DOCTYPE html>'; cat "$TMP/dom.html"; } >"$TMP/dom-doc.html"
check "in the browser's DOM the charts hold paths, rects and polylines with coordinates" \
    python3 "$CHECK" html "$TMP/dom-doc.html"

finish
