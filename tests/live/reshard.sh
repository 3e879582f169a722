#!/bin/sh
# Resharding while cdctop tails: update-shard-count, split-shard and merge-shards on
# kinesis-local with records put before, between and after. Every record is read exactly once,
# each key's versions are applied in commit order (the exact stale counts prove it: an older
# change read after a newer one would be counted stale too), and no child shard started before
# all of its parents were closed.
. "${srcdir:-.}/tests/live/lib.sh"

start_kinesis_local
setup_aws "$KINESIS_URL"
create_stream rs 2 || fail "stream rs created"
python3 "$LIVE/dsql.py" gen "$TMP/data" --seed 5 --keys 25 --tag rs

put() {
    python3 "$LIVE/dsql.py" put rs "$TMP/data/phase-$1.json" --results "$TMP/put.json" \
        >/dev/null || fail "phase $1 put"
}

# The open shards as "id start end" lines, by hash range.
open_shards() {
    awsx kinesis list-shards --stream-name rs | python3 -c '
import json, sys
shards = json.load(sys.stdin)["Shards"]
for s in sorted(shards, key=lambda s: int(s["HashKeyRange"]["StartingHashKey"])):
    if "EndingSequenceNumber" not in s["SequenceNumberRange"]:
        r = s["HashKeyRange"]
        print(s["ShardId"], r["StartingHashKey"], r["EndingHashKey"])'
}

put 1
cdctop_bg "$TMP/cdctop.err" rs --from trim-horizon --relist 1 --until-idle 300 \
    --snapshot "$TMP/rs.json"
pid=$BG_PID
# A second reader from LATEST: it must read exactly what is put from now on, children included
# (a child of a parent it read to the end starts at the child's beginning).
cdctop_bg "$TMP/latest.err" rs --from latest --relist 1 --until-idle 300 \
    --snapshot "$TMP/latest.json"
lpid=$BG_PID
for _ in $(seq 1 40); do
    kill -USR1 $lpid
    sleep 0.5
    [ "$(jget "$TMP/latest.json" 'all(x["calls"] > 0 for x in s["shards"]) and len(s["shards"]) == 2' 2>/dev/null)" = True ] && break
done

awsx kinesis update-shard-count --stream-name rs --target-shard-count 4 \
    --scaling-type UNIFORM_SCALING >/dev/null || fail "update-shard-count"
wait_stream rs || fail "stream active after update-shard-count"
put 2

open_shards >"$TMP/open.txt"
set -- $(head -n 1 "$TMP/open.txt")
mid=$(python3 -c 'import sys; print((int(sys.argv[1]) + int(sys.argv[2])) // 2)' "$2" "$3")
awsx kinesis split-shard --stream-name rs --shard-to-split "$1" --new-starting-hash-key "$mid" \
    >/dev/null || fail "split-shard $1"
wait_stream rs || fail "stream active after split-shard"
put 3

open_shards >"$TMP/open.txt"
pair=$(python3 -c '
import sys
rows = [l.split() for l in sys.stdin]
for a, b in zip(rows, rows[1:]):
    if int(a[2]) + 1 == int(b[1]):
        print(a[0], b[0])
        break' <"$TMP/open.txt")
set -- $pair
awsx kinesis merge-shards --stream-name rs --shard-to-merge "$1" --adjacent-shard-to-merge "$2" \
    >/dev/null || fail "merge-shards $1 $2"
wait_stream rs || fail "stream active after merge-shards"
put 4
put 5

# Both readers are asked for snapshots until they have everything, then stopped.
after=$(python3 -c 'import json, sys; print(sum(len(json.load(open(f))) for f in sys.argv[1:]))' \
    "$TMP"/data/phase-[2-5].json)
wait_records $pid "$TMP/rs.json" "$(jget "$TMP/data/expected.json" 's["records"]')" 120 ||
    fail "the trim-horizon reader read everything"
wait_records $lpid "$TMP/latest.json" "$after" 60 || fail "the latest reader read everything"
sleep 2
kill -TERM $pid $lpid
wait $pid
check "cdctop exits 0" test $? -eq 0
wait $lpid
check "cdctop --from latest exits 0" test $? -eq 0
jcheck "$TMP/latest.json" "--from latest read exactly the $after records put after it started" \
    "s['totals']['records'] == $after and s['totals']['undecodable'] == 0"
jcheck "$TMP/latest.json" "--from latest followed the reshards" \
    'len(s["shards"]) >= 9 and all(x["state"] in ("closed", "latest") for x in s["shards"])'
[ -s "$TMP/rs.json" ] || { cat "$TMP/cdctop.err"; fail "snapshot written"; finish; }
awsx kinesis list-shards --stream-name rs >"$TMP/shards.json"

check_data "$TMP/rs.json" "$TMP/data/expected.json" --results "$TMP/put.json"
python3 - "$TMP/rs.json" "$TMP/shards.json" <<'PY' && ok "every shard of the stream is known, with its parents" || fail "every shard of the stream is known, with its parents"
import json, sys
s = json.load(open(sys.argv[1]))
listed = json.load(open(sys.argv[2]))["Shards"]
mine = {x["id"]: x for x in s["shards"]}
for l in listed:
    m = mine.get(l["ShardId"])
    if not m or m["parent"] != l.get("ParentShardId") or \
            m["adjacent_parent"] != l.get("AdjacentParentShardId"):
        print("shard", l, "vs", m)
        sys.exit(1)
sys.exit(0 if len(mine) == len(listed) else 1)
PY
jcheck "$TMP/rs.json" "the stream was resharded three times (2 -> 4 -> 5 -> 4 open shards)" \
    'len(s["shards"]) >= 9 and sum(x["state"] == "closed" for x in s["shards"]) >= 5'
jcheck "$TMP/rs.json" "closed shards are drained and say when" \
    'all(x["closed_at"] and x["started_at"] for x in s["shards"] if x["state"] == "closed")'
python3 - "$TMP/rs.json" <<'PY' && ok "parents finished before children started (merge: both)" || fail "parents finished before children started"
import json, sys
s = json.load(open(sys.argv[1]))
by = {x["id"]: x for x in s["shards"]}
bad, pairs = [], 0
for x in s["shards"]:
    for p in (x["parent"], x["adjacent_parent"]):
        if p and p in by:
            pairs += 1
            if not x["started_at"] or not by[p]["closed_at"] or x["started_at"] < by[p]["closed_at"]:
                bad.append((x["id"], x["started_at"], p, by[p]["closed_at"]))
print("checked %d parent/child pairs" % pairs)
sys.exit(1 if bad or pairs < 7 else 0)
PY
jcheck "$TMP/rs.json" "the open shards are read to the tip" \
    'all(x["state"] == "latest" for x in s["shards"] if x["state"] != "closed")'

finish
