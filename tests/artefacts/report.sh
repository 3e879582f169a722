#!/bin/sh
# The HTML report is fit to attach to a ticket. The demo's four-table stream played as a backlog
# of 15 minutes (so that the rates chart is as wide as it gets) gives a report well under 300 KB,
# which opens with the verdict, names every table in each latency chart's legend, and holds no
# rows; --report-rows N adds N rows per table, and the JSON keeps its own bound (--snapshot-rows).
. "${srcdir:-.}/tests/lib/common.sh"
need python3

CHECK="$srcdir/tests/artefacts/check_artefacts.py"
# 180000 records at the demo's nominal 200 a second: 15 minutes of arrivals
demo() {
    "$CDCTOP" --no-config --demo --headless --seed 7 --demo-rate 0 --demo-limit 180000 "$@"
}

D=$TMP/default
demo --snapshot-dir "$D" 2>"$TMP/default.err"
check "a 15-minute backlog run writes a set" test $? -eq 0
base=$(ls "$D"/cdctop-*.json 2>/dev/null | head -n 1)
base=${base%.json}
check "the default report is under 300 KB, opens with the JSON's verdict, names every table in each latency legend and has no rows" \
    python3 "$CHECK" report "$base.html" "$base.json" 300000 0
jcheck "$base.json" "the stream has its four tables" 'len(s["tables"]) == 4'
check "the rates chart spans the 15 minutes" python3 - "$base.html" <<'PY'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"from (\d\d):(\d\d):(\d\d) to (\d\d):(\d\d):(\d\d) UTC", page)
a = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
b = int(m.group(4)) * 3600 + int(m.group(5)) * 60 + int(m.group(6))
sys.exit(0 if (b - a) % 86400 >= 14 * 60 else 1)
PY
jcheck "$base.json" "the JSON has at most 100 rows per table by default" \
    'max(sum(r["table"] == t["table"] for r in s["rows"]) for t in s["tables"]) == 100'
check "the report is complete and loads nothing" python3 "$CHECK" html "$base.html"

R=$TMP/rows
demo --snapshot-dir "$R" --report-rows 5 --snapshot-rows 7 2>/dev/null
base=$(ls "$R"/cdctop-*.json 2>/dev/null | head -n 1)
base=${base%.json}
check "--report-rows 5: five rows of each table in the report" \
    python3 "$CHECK" report "$base.html" "$base.json" 300000 5
jcheck "$base.json" "--snapshot-rows 7: seven rows of each table in the JSON" \
    'all(sum(r["table"] == t["table"] for r in s["rows"]) == 7 for t in s["tables"])'

finish
