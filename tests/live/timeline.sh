#!/bin/sh
# Rates on event time: a stream written at a steady pace (20 records a second for 10 seconds, by
# the AWS CLI) and read later from the trim horizon, all at once, shows that steady pace in the
# snapshot's timeline, not a burst at the moment it was read; and a replay of the recording shows
# the same timeline.
. "${srcdir:-.}/tests/live/lib.sh"

start_kinesis_local
setup_aws "$KINESIS_URL"
create_stream steady 2 || fail "stream steady created"

BATCHES=10
PER_BATCH=20
python3 - "$TMP" "$BATCHES" "$PER_BATCH" <<'PY'
import json, sys, time
out, batches, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n = 0
for b in range(batches):
    recs = []
    for i in range(per):
        n += 1
        ns = time.time_ns()
        rec = {"type": "full", "op": "c", "before": None, "after": {"id": n, "v": "x" * 40},
               "source": {"ts_ns": ns, "txId": "t%d" % n, "schema": "public", "table": "steady"},
               "ts_ns": ns}
        # blob arguments are raw text with the wrapper (lib.sh: setup_aws)
        recs.append({"Data": json.dumps(rec), "PartitionKey": "k%d" % n})
    with open("%s/batch-%d.json" % (out, b), "w") as f:
        json.dump(recs, f)
PY
t0=$(date +%s.%N)
for b in $(seq 0 $((BATCHES - 1))); do
    awsx kinesis put-records --stream-name steady --records "file://$TMP/batch-$b.json" \
        >/dev/null || fail "batch $b put"
    # one batch a second, on the second
    python3 -c 'import sys,time; t0=float(sys.argv[1]); b=int(sys.argv[2]); d=t0+b+1-time.time(); time.sleep(d if d > 0 else 0)' "$t0" "$b"
done
total=$((BATCHES * PER_BATCH))
sleep 2 # the stream is now some seconds older than its last record

cdctop_live steady --from trim-horizon --until-idle 3 --record "$TMP/steady.rec" \
    --snapshot "$TMP/live.json" 2>"$TMP/live.err"
check "cdctop read the stream and exited 0" test $? -eq 0
jcheck "$TMP/live.json" "every record read once ($total)" "s['totals']['records'] == $total"

# every count of the timeline, and where it sits
timeline_check() { # SNAPSHOT WHAT
    check "$2: the timeline holds every change, at the pace it was written" python3 - "$1" \
        "$total" "$PER_BATCH" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
total, per = int(sys.argv[2]), int(sys.argv[3])
t = s["timeline"]
counts = t["tables"]["public.steady"]
print("basis", t["basis"], "start", t["start"], "end", t["end"], "counts", counts)
ok = t["basis"] == "arrival" and sum(counts) == total
# one batch a second: no second holds more than two batches (a batch may straddle a second, or
# the CLI may be slow once), where a timeline by read time would hold all of them in one second
ok = ok and max(counts) <= 2 * per
# and the changes span about the ten seconds they were written in
ok = ok and sum(1 for c in counts if c > 0) >= 7
sys.exit(0 if ok else 1)
PY
}
timeline_check "$TMP/live.json" "live"
jcheck "$TMP/live.json" "the 10 s rate is the writing pace, not the reading burst" \
    "s['tables'][0]['rate_per_s']['10s'] <= 2 * $PER_BATCH"

"$CDCTOP" --no-config --replay "$TMP/steady.rec" --speed max --headless \
    --snapshot "$TMP/replay.json" 2>"$TMP/replay.err"
check "the recording replays" test $? -eq 0
timeline_check "$TMP/replay.json" "replayed"
# the replay ends with the last record; the live run went on until it was idle
check "the replay's timeline is the live one, up to where the recording ends" python3 -c '
import json, sys
a, b = (json.load(open(p))["timeline"] for p in sys.argv[1:3])
la, lb = a["tables"]["public.steady"], b["tables"]["public.steady"]
sys.exit(0 if a["start"] == b["start"] and la[:len(lb)] == lb and sum(la) == sum(lb) else 1)' \
    "$TMP/live.json" "$TMP/replay.json"
finish
