#!/bin/sh
# The verdict and its thresholds, headless: what --fail-on makes of it (exit status 4), what
# --threshold moves, and that every artefact carries the same verdict. A committed recording is
# replayed, so the figures are the same on every run: one undecodable record among 400, and
# commit->emit p99 of about 300 ms.
. "$srcdir/tests/lib/common.sh"
need python3
REC=$srcdir/tests/data/recordings/demo-seed7.rec

run() { # NAME ARGS...: a headless replay; its exit status in $TMP/NAME.rc, JSON in NAME.json
    name=$1
    shift
    "$CDCTOP" --no-config --replay "$REC" --speed max --headless --snapshot "$TMP/$name.json" \
        "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    echo $? >"$TMP/$name.rc"
}
status() { cat "$TMP/$1.rc"; }

run plain
check "without --fail-on a degraded run exits 0" [ "$(status plain)" = 0 ]
jcheck "$TMP/plain.json" "the JSON's verdict is DEGRADED, for the undecodable record" \
    's["verdict"]["word"] == "DEGRADED" and [f["kind"] for f in s["verdict"]["findings"]] == ["undecodable"]'
jcheck "$TMP/plain.json" "the event log has the first undecodable record and the verdict change" \
    '[e["kind"] for e in s["events"]] == ["undecodable", "verdict"]'

run warn --fail-on warn
check "--fail-on warn: exit status 4" [ "$(status warn)" = 4 ]
check "--fail-on warn: standard error says why" \
    grep -q "verdict DEGRADED during the run; at the end: DEGRADED: 1 undecodable records" "$TMP/warn.err"

run bad --fail-on bad
check "--fail-on bad on a degraded run: exit status 0" [ "$(status bad)" = 0 ]

run tolerant --fail-on warn --threshold undecodable=1,5
check "--threshold undecodable=1,5 makes the run OK: exit status 0" [ "$(status tolerant)" = 0 ]
jcheck "$TMP/tolerant.json" "the JSON's verdict is OK" 's["verdict"]["word"] == "OK"'

run strict --fail-on bad --threshold commit_to_emit=100ms,200ms
check "--threshold commit_to_emit=100ms,200ms makes it FAILING: exit status 4" \
    [ "$(status strict)" = 4 ]
jcheck "$TMP/strict.json" "every table's commit_to_emit latency is bad, and the verdict names them" \
    'all(t["latency_ms"]["commit_to_emit"]["level"] == "bad" for t in s["tables"]) and s["verdict"]["word"] == "FAILING" and sum(f["kind"] == "latency" for f in s["verdict"]["findings"]) == len(s["tables"])'

run badspec --threshold commit_to_emit=fast
check "a malformed --threshold is a usage error (exit 2)" [ "$(status badspec)" = 2 ]
check "and says what was expected" grep -q "expected durations" "$TMP/badspec.err"
run badname --threshold colour=1
check "an unknown threshold is named" grep -q "unknown threshold colour" "$TMP/badname.err"
run badfail --fail-on sometimes
check "--fail-on sometimes is a usage error (exit 2)" [ "$(status badfail)" = 2 ]

# the config file takes the same thresholds
mkdir -p "$XDG_CONFIG_HOME/cdctop"
printf 'threshold = undecodable=1,5\nfail-on = warn\n' >"$XDG_CONFIG_HOME/cdctop/config"
"$CDCTOP" --replay "$REC" --speed max --headless --snapshot "$TMP/cfg.json" 2>"$TMP/cfg.err"
check "thresholds and --fail-on from the config file" [ $? = 0 ]
jcheck "$TMP/cfg.json" "and the config's threshold decides the verdict" \
    's["verdict"]["word"] == "OK"'

# the text and HTML of a set carry the same verdict line
mkdir "$TMP/set"
"$CDCTOP" --no-config --replay "$REC" --speed max --headless --snapshot-dir "$TMP/set" 2>/dev/null
base=$(ls "$TMP"/set/*.json | head -n 1)
base=${base%.json}
check "the text snapshot carries the verdict" \
    grep -q "^DEGRADED: 1 undecodable records in the last minute" "$base.txt"
check "the HTML report opens with the verdict" \
    python3 -c 'import sys,re; p=open(sys.argv[1]).read(); i=p.find("DEGRADED"); j=p.find("<h2"); sys.exit(0 if 0 <= i < j else 1)' "$base.html"
finish
