#!/bin/sh
# Record the demo, replay the recording: the replay rebuilds the same model (counters, sizes,
# rows, latencies from the recorded times), as fast as possible, paced, and from a recording
# split over several files.
. "${srcdir:-.}/tests/lib/common.sh"
need python3

demo() {
    "$CDCTOP" --no-config --demo --seed 7 --headless --snapshot-rows all "$@"
}

replay() {
    "$CDCTOP" --no-config --headless --snapshot-rows all "$@"
}

same() {
    python3 "$srcdir/tests/replay/essence.py" "$1" "$2" >"$TMP/same.out" 2>&1
    status=$?
    cat "$TMP/same.out"
    return $status
}

# --- as fast as possible ---
demo --demo-limit 3000 --demo-rate 0 --record "$TMP/r" --snapshot "$TMP/a.json" 2>"$TMP/a.err"
check "demo with --record exits 0" test $? -eq 0
check "the recording is mode 600" test "$(stat -c %a "$TMP/r")" = 600
check "stderr says how many records were recorded" grep -q "recorded 3000 records to $TMP/r$" "$TMP/a.err"
jcheck "$TMP/a.json" "the demo ran (3000 records)" 's["totals"]["records"] == 3000'
check "one line per record, a header and an end line" \
    test "$(grep -c -e '"type":"record"' -e '"type":"header"' -e '"type":"end"' "$TMP/r")" -eq 3002
check "the demo's DLQ samples are recorded too" grep -q '"type":"dlq"' "$TMP/r"
replay --replay "$TMP/r" --speed max --snapshot "$TMP/b.json" 2>"$TMP/b.err"
check "replay --speed max exits 0" test $? -eq 0
check "replay at max speed: same counters, sizes, rows and latencies" same "$TMP/a.json" "$TMP/b.json"
jcheck "$TMP/b.json" "latencies present (and equal, above)" \
  's["all"]["latency_ms"]["arrival_to_processed"]["count"] > 2900'
jcheck "$TMP/b.json" "the source says it is a replay of the demo" \
  's["source"] == "replay '"$TMP"'/r (recorded from demo (seed 7))"'
jcheck "$TMP/b.json" "the replay says it finished" \
  's["status"]["level"] == "info" and s["status"]["text"] == "replay finished: 3000 records"'
check "no progress line when stderr is not a terminal" sh -c '! grep -q "replay " "$1"' sh "$TMP/b.err"

# --- split over several files ---
demo --demo-limit 3000 --demo-rate 0 --record "$TMP/s" --record-max-bytes 300K \
    --snapshot "$TMP/c.json" 2>"$TMP/c.err"
check "demo with --record-max-bytes exits 0" test $? -eq 0
python3 - "$TMP/s" <<'PY' >"$TMP/files.out"
import json, os, sys
path, files, n = sys.argv[1], [], 0
while os.path.exists(path if n == 0 else "%s.%d" % (path, n)):
    files.append(path if n == 0 else "%s.%d" % (path, n))
    n += 1
ok, records = len(files) >= 3, 0
for i, f in enumerate(files):
    lines = [json.loads(l) for l in open(f, "rb").read().split(b"\n") if l]
    head, end = lines[0], lines[-1]
    records += sum(1 for l in lines if l["type"] == "record")
    ok &= head["type"] == "header" and head["file"] == i and len(head["shards"]) == 4
    ok &= end["type"] == "end" and end["records"] == sum(1 for l in lines if l["type"] == "record")
    ok &= end.get("next") == (None if i == len(files) - 1 else os.path.basename(files[i + 1]))
    ok &= os.path.getsize(f) <= 300 * 1024 and oct(os.stat(f).st_mode & 0o777) == "0o600"
print("ok %d files %d records" % (len(files), records) if ok and records == 3000 else "bad")
PY
cat "$TMP/files.out"
check "split into several files, each with its header and end line, none over the size" \
    grep -q "^ok" "$TMP/files.out"
check "stderr names the extra files" grep -q "and $TMP/s.1 to $TMP/s\." "$TMP/c.err"
replay --replay "$TMP/s" --speed max --snapshot "$TMP/d.json" 2>"$TMP/d.err"
check "replaying the first file reads them all: same result" same "$TMP/c.json" "$TMP/d.json"

# --- paced ---
demo --demo-limit 600 --demo-rate 2000 --record "$TMP/p" --snapshot "$TMP/e.json" 2>/dev/null
span=$(python3 -c '
import json, sys
t = [json.loads(l)["now_ms"] for l in open(sys.argv[1]) if "\"record\"" in l[:20]]
print(max(t) - min(t))' "$TMP/p")
start=$(date +%s%N)
replay --replay "$TMP/p" --speed 2 --snapshot "$TMP/f.json" 2>/dev/null
check "paced replay exits 0" test $? -eq 0
elapsed=$((($(date +%s%N) - start) / 1000000))
echo "recorded span ${span} ms, replayed at 2x in ${elapsed} ms"
check "paced at 2x: takes at least half the recorded span" test "$elapsed" -ge $((span / 2))
check "paced replay: same counters, sizes, rows and latencies" same "$TMP/e.json" "$TMP/f.json"

# --- a full disk (a file size limit stands in for it): reported and counted, never fatal ---
(
    trap '' XFSZ
    ulimit -f 100
    "$CDCTOP" --no-config --demo --seed 7 --headless --demo-limit 3000 --demo-rate 0 \
        --record "$TMP/full" --snapshot - 2>"$TMP/full.err"
    echo $? >"$TMP/full.status"
) | cat >"$TMP/full.json" # through a pipe: the size limit is for files
check "the run goes on to its snapshot" test -s "$TMP/full.json"
check "an incomplete recording makes the exit status 1" test "$(cat "$TMP/full.status")" = 1
check "stderr says how many records were lost" \
    grep -Eq "the recording is incomplete: [0-9]+ records lost to [0-9]+ write errors" "$TMP/full.err"
check "... and how many were recorded" grep -Eq "recorded [0-9]+ of 3000 records to $TMP/full$" "$TMP/full.err"
jcheck "$TMP/full.json" "the status line names the failed write" \
  's["status"]["level"] == "error" and s["status"]["text"].startswith("recording: cannot write") and "records lost" in s["status"]["text"]'
jcheck "$TMP/full.json" "the model has every record anyway" 's["totals"]["records"] == 3000'
replay --replay "$TMP/full" --speed max --snapshot "$TMP/full-replay.json" 2>"$TMP/full-replay.err"
check "what was written replays (exit 0)" test $? -eq 0
jcheck "$TMP/full-replay.json" "... some of the records, fewer than all" \
  '0 < s["totals"]["records"] < 3000'

# --- progress on a terminal ---
if command -v script >/dev/null 2>&1; then
    script -qec "\"$CDCTOP\" --no-config --headless --replay \"$TMP/p\" --speed 0.4 --snapshot \"$TMP/g.json\"" \
        /dev/null >"$TMP/tty.out" 2>&1
    check "on a terminal, headless replay shows its progress" grep -q "replay .*%.*recorded time" "$TMP/tty.out"
    check "... and ends with the finished line" grep -q "replay finished  recorded time" "$TMP/tty.out"
else
    echo "skip: script(1) not installed, progress on a terminal not checked"
fi

finish
