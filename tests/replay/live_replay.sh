#!/bin/sh
# Record a live tail of kinesis-local, then replay the recording: it holds every record put, byte
# for byte (hostile ones too), and the replay rebuilds the model the live run built.
. "${srcdir:-.}/tests/live/lib.sh"

start_kinesis_local
setup_aws "$KINESIS_URL"
create_stream rec 3 || fail "stream rec created"

python3 "$LIVE/dsql.py" gen "$TMP/data" --seed 31 --keys 20 --tag rec
python3 "$LIVE/dsql.py" put rec "$TMP"/data/phase-*.json --results "$TMP/put.json" >/dev/null ||
    fail "records put"
# Bytes the AWS CLI cannot put as text: not UTF-8, a NUL, not JSON; a partition key with quotes.
kraw "$KINESIS_URL" PutRecord \
    '{"StreamName":"rec","PartitionKey":"k \"odd\" \\ é","Data":"//4AAW5vdCBqc29ugA=="}' \
    >/dev/null || fail "a binary record put"

cdctop_live rec --from trim-horizon --until-idle 3 --record "$TMP/live.rec" \
    --snapshot "$TMP/live.json" 2>"$TMP/live.err"
check "live tail with --record exits 0" test $? -eq 0
check "the recording is mode 600" test "$(stat -c %a "$TMP/live.rec")" = 600

python3 - "$TMP/live.rec" "$TMP/put.json" "$TMP"/data/phase-*.json <<'PY' >"$TMP/bytes.out"
import base64, json, sys
from collections import Counter
lines = [json.loads(l) for l in open(sys.argv[1], "rb").read().split(b"\n") if l]
recs = [l for l in lines if l["type"] == "record"]
got = Counter((r["pkey"].encode(), base64.b64decode(r["data"])) for r in recs)
want = Counter()
for path in sys.argv[3:]:
    for r in json.load(open(path)):
        want[(r["PartitionKey"].encode(), r["Data"].encode())] += 1
want[('k "odd" \\ é'.encode(), b"\xff\xfe\x00\x01not json\x80")] += 1
put = {(p["shard"], p["seq"]) for p in json.load(open(sys.argv[2]))}
seen = {(r["shard"], r["seq"]) for r in recs}
head = lines[0]
ok = (got == want and put <= seen and len(seen) == len(recs) == len(put) + 1
      and head["source"] == "kinesis stream rec" and len(head["shards"]) == 3
      and all(r["arrival_ms"] and r["now_ms"] >= r["arrival_ms"] - 5000 for r in recs))
print("ok %d records" % len(recs) if ok else "bad: %d recorded, %d put; not recorded %r, not put %r"
      % (len(recs), len(put), list(want - got)[:3], list(got - want)[:3]))
PY
cat "$TMP/bytes.out"
check "the recording holds every record put, byte for byte, with its shard and sequence" \
    grep -q "^ok" "$TMP/bytes.out"

"$CDCTOP" --no-config --headless --snapshot-rows all --replay "$TMP/live.rec" --speed max \
    --snapshot "$TMP/replay.json" 2>"$TMP/replay.err"
check "replay of the live recording exits 0" test $? -eq 0
python3 "$srcdir/tests/replay/essence.py" "$TMP/live.json" "$TMP/replay.json" >"$TMP/same.out"
st=$?
cat "$TMP/same.out"
check "the replay rebuilds what the live run built, latencies included" test $st -eq 0
jcheck "$TMP/replay.json" "the source says where the recording came from" \
  's["source"].endswith("(recorded from kinesis stream rec)")'
jcheck "$TMP/replay.json" "the binary record is counted as not JSON" \
  's["undecodable_by_reason"]["not_json"]["count"] == 1'

finish
