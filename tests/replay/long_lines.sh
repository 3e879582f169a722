#!/bin/sh
# A recording line longer than any record line can be (a damaged or hostile file: here 300 MB)
# is skipped and reported by file and line, without being read into memory, and the records
# after it still replay; so is an over-long last line cut short.
. "${srcdir:-.}/tests/lib/common.sh"
need python3

"$CDCTOP" --no-config --demo --headless --demo-limit 200 --demo-rate 0 --record "$TMP/base.rec" \
    --snapshot "$TMP/base.json" 2>/dev/null || fail "the demo recording is made"

# header, 100 records, a 300 MB record line, the other 100 records and the end line; then the
# same with a 20 MB line without its newline at the very end.
python3 - "$TMP/base.rec" "$TMP/long.rec" "$TMP/cut.rec" <<'PY'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
head, recs, end = lines[0], lines[1:-1], lines[-1]
# the demo records DLQ samples among its records: split after the 100th record
nth = [i for i, l in enumerate(recs) if b'"type":"record"' in l]
assert len(nth) == 200 and b'"end"' in end
half = nth[99] + 1
mib = b"A" * (1 << 20)

def long_line(f, mbytes):
    f.write(b'{"type":"record","shard":"shardId-000000000000","now_ms":1,"data":"')
    for _ in range(mbytes):
        f.write(mib)
    f.write(b'"}')

with open(sys.argv[2], "wb") as f:
    f.write(head + b"\n" + b"\n".join(recs[:half]) + b"\n")
    long_line(f, 300)
    f.write(b"\n" + b"\n".join(recs[half:]) + b"\n" + end + b"\n")
with open(sys.argv[3], "wb") as f:
    f.write(head + b"\n" + b"\n".join(recs) + b"\n")
    long_line(f, 20)
# the long lines' numbers, for the messages that name them
open(sys.argv[2] + ".line", "w").write("%d" % (1 + half + 1))
open(sys.argv[3] + ".line", "w").write("%d" % (1 + len(recs) + 1))
PY

# The replay's peak memory (ru_maxrss of the child, KiB on Linux), with its exit status.
peak_kib() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys
st = subprocess.call(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, st)
PY
}

set -- $(peak_kib "$CDCTOP" --no-config --replay "$TMP/long.rec" --speed max --headless \
    --snapshot "$TMP/long.json" 2>"$TMP/long.err")
kib=$1
check "the replay past a 300 MB line exits 0" test "$2" -eq 0
# the line alone would take 300 MB; the replay itself needs some tens of MiB (more under ASan)
check "the 300 MB line is not held in memory (peak ${kib} KiB, under 150 MiB)" \
    test "$kib" -lt 153600
jcheck "$TMP/long.json" "every record before and after the long line replays" \
    's["totals"]["records"] == 200'
check "the long line is reported by file and line, with its length" \
    grep -q "^cdctop: replay: $TMP/long.rec:$(cat "$TMP/long.rec.line"): line of 314572869 bytes, longer than a record line can be (16 MiB); skipped" \
    "$TMP/long.err"
jcheck "$TMP/long.json" "the status line says a damaged line was skipped" \
    '"1 damaged line skipped" in s["status"]["text"]'

"$CDCTOP" --no-config --replay "$TMP/cut.rec" --speed max --headless --snapshot "$TMP/cut.json" \
    2>"$TMP/cut.err"
check "a long last line without its newline: the replay exits 0" test $? -eq 0
jcheck "$TMP/cut.json" "the records before it replay" 's["totals"]["records"] == 200'
check "the long last line is reported" \
    grep -q "cut.rec:$(cat "$TMP/cut.rec.line"): line of 20971589 bytes, longer than a record line can be" "$TMP/cut.err"

rm -f "$TMP/long.rec" "$TMP/cut.rec"
finish
