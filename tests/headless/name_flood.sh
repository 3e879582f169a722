#!/bin/sh
# Names anyone can invent, replayed with --max-memory 16M: 3 000 table names (each one's metrics
# would take about 100 KiB), 5 000 shard ids and a shard id of 300 bytes on 20 000 records.
# Memory stays small; the snapshot shows "(other tables)" and "(other shards)" with how many
# names each holds, the totals stay exact, and the long id is one shard.
. "${srcdir:-.}/tests/lib/common.sh"
need python3

python3 - "$TMP/names.rec" "$TMP/expect.json" <<'PY'
import base64, json, sys

T0 = 1700000000000
TABLES, SHARDS, LONG = 3000, 5000, 20000
long_id = "shardId-" + "9" * 292

def change(n, table, op, v):
    ts_ns = (T0 - 5000) * 1000000 + n
    return json.dumps({"type": "full", "op": op, "before": None, "after": {"id": 1, "v": v},
                       "source": {"version": "1.0", "ts_ms": ts_ns // 1000000, "ts_ns": ts_ns,
                                  "txId": "tx%d" % n, "schema": "public", "table": table,
                                  "db": "postgres", "cluster": "c"},
                       "ts_ms": ts_ns // 1000000 + 5, "ts_ns": ts_ns + 5000000},
                      separators=(",", ":")).encode()

lines = []
def record(data, shard):
    n = len(lines)
    lines.append({"type": "record", "shard": shard, "seq": str(n + 1), "pkey": "k",
                  "arrival_ms": T0 + n // 10, "now_ms": T0 + n // 10 + 3, "len": len(data),
                  "data": base64.b64encode(data).decode()})

n = 0
for i in range(TABLES):
    table = "t%04d" % i
    first = change(n, table, "c", 0)
    record(first, "shardId-%012d" % (i % 4))
    record(first, "shardId-%012d" % ((i + 1) % 4))   # redelivered on another shard
    record(change(n + 1, table, "u", 1), "shardId-%012d" % (i % 4))
    n += 2
for i in range(LONG):
    record(change(n, "orders", "u", i), long_id)
    n += 1
for i in range(SHARDS):
    record(change(n, "orders", "u", LONG + i), "hostile-shard-%06d" % i)
    n += 1

with open(sys.argv[1], "wb") as f:
    head = {"type": "header", "format": "cdctop-recording", "version": 1, "program": "handmade",
            "source": "name flood", "record_size_limit": 1048576, "started_ms": T0,
            "model_started_ms": T0, "file": 0, "shards": []}
    f.write(json.dumps(head).encode() + b"\n")
    for line in lines:
        f.write(json.dumps(line).encode() + b"\n")
    f.write(b'{"type":"end","ended_ms":%d,"records":%d,"lost":0}\n' % (T0 + n, len(lines)))
json.dump({"records": len(lines), "tables": TABLES + 1, "changes": 2 * TABLES + SHARDS + LONG,
           "duplicates": TABLES, "shard_ids": 4 + SHARDS + 1, "long_records": LONG,
           "long_prefix": long_id[:100]}, open(sys.argv[2], "w"))
PY

run_peak_rss "$TMP/rss" "$CDCTOP" --no-config --replay "$TMP/names.rec" --speed max --headless \
    --max-memory 16M --snapshot "$TMP/names.json" 2>"$TMP/names.err"
check "replay of the names ends cleanly" test $? -eq 0
check_peak_rss "$TMP/rss" 64

cat >"$TMP/check.py" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
e = json.load(open(sys.argv[2]))
tables, shards = s["tables"], s["shards"]
other_t = [t for t in tables if t["other"]]
other_s = [x for x in shards if x["other"]]
own_t = [t for t in tables if not t["other"]]
own_s = [x for x in shards if not x["other"]]
long_s = [x for x in own_s if x["id"].startswith(e["long_prefix"])]
changes = sum(sum(t["changes"].values()) for t in tables)
checks = [
    ("every record was read", s["totals"]["records"] == e["records"]),
    ("a few tables of their own", 2 <= len(own_t) < 100),
    ("one (other tables) bucket", len(other_t) == 1 and other_t[0]["table"] == "(other tables)"
     and other_t[0]["schema"] is None),
    ("it counts every name folded into it",
     other_t and other_t[0]["folded_names"] == e["tables"] - len(own_t)
     and other_t[0]["folded_names_exact"]),
    ("changes exact across tables", changes == e["changes"]),
    ("changes exact in all", sum(s["all"]["changes"].values()) == e["changes"]),
    ("duplicates exact", s["totals"]["duplicates"] == e["duplicates"]
     and sum(t["duplicates"] for t in tables) == e["duplicates"]),
    ("nothing undecodable", s["totals"]["undecodable"] == 0),
    ("a few shards of their own", 2 <= len(own_s) < 100),
    ("one (other shards) bucket", len(other_s) == 1 and other_s[0]["id"] == "(other shards)"),
    ("it counts every id folded into it",
     other_s and other_s[0]["folded_ids"] == e["shard_ids"] - len(own_s)),
    ("records exact across shards", sum(x["records"] for x in shards) == e["records"]),
    ("the long shard id is one shard",
     len(long_s) == 1 and long_s[0]["records"] == e["long_records"]
     and len(long_s[0]["id"].encode()) <= 128),
]
for name, ok in checks:
    print(("ok: " if ok else "FAIL: ") + name)
sys.exit(0 if all(ok for _, ok in checks) else 1)
PY
check "the snapshot shows the buckets" python3 "$TMP/check.py" "$TMP/names.json" "$TMP/expect.json"

# The screens (as text) and the HTML report name the buckets and their counts too.
"$CDCTOP" --no-config --replay "$TMP/names.rec" --speed max --headless --max-memory 16M \
    --snapshot-dir "$TMP/set" 2>/dev/null
folded=$(python3 -c 'import json,sys; print([t for t in json.load(open(sys.argv[1]))["tables"] if t["other"]][0]["folded_names"])' "$TMP/names.json")
ids=$(python3 -c 'import json,sys; print([x for x in json.load(open(sys.argv[1]))["shards"] if x["other"]][0]["folded_ids"])' "$TMP/names.json")
check "the screens name (other tables) with its count" \
    grep -q "(other tables): $folded names" "$TMP"/set/*.txt
check "the Shards screen lists (other shards)" grep -q "^(other shards) " "$TMP"/set/*.txt
check "the report names (other tables) with its count" \
    grep -q "(other tables): $folded names" "$TMP"/set/*.html
check "the report names (other shards) with its count" \
    grep -q "(other shards): $ids ids" "$TMP"/set/*.html

finish
