#!/bin/sh
# A flood of hostile fragments, as anyone who can PutRecord into the stream can send (fresh
# chunk ids, indexes near the top of the range, ~75 bytes each), replayed from a recording
# with --fragment-buffer 1M: memory stays small, the oldest pending changes are dropped and
# counted as fragment_evicted, and split changes sent amid the flood still reassemble.
. "${srcdir:-.}/tests/lib/common.sh"
need python3

python3 - "$TMP/bomb.rec" "$TMP/expect.json" <<'PY'
import base64, json, sys, zlib

T0 = 1700000000000
HOSTILE = 40000   # about 12 MB of pending changes as cdctop counts them: 12 times the buffer
EVERY = 200       # one part of a legitimate split change every EVERY hostile records

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF

def split_change(n):
    after = json.dumps({"id": n, "doc": "x" * 300 + " change %d" % n}, separators=(",", ":"))
    cid = "legit-%d" % n
    ts_ns = (T0 - 5000 + n) * 1000000
    head = {"type": "chunked", "op": "c", "before": None, "after": None,
            "source": {"version": "1.0", "ts_ms": ts_ns // 1000000, "ts_ns": ts_ns,
                       "txId": "tx%d" % n, "schema": "public", "table": "big", "db": "postgres",
                       "cluster": "c"},
            "chunked": {"after": {"chunk_id": cid, "total_fragments": 3,
                                  "crc32c": str(crc32c(after.encode()))}},
            "ts_ms": ts_ns // 1000000 + 5, "ts_ns": ts_ns + 5000000}
    cut = [0, 100, 200, len(after)]
    parts = [json.dumps(head).encode()]
    for i in range(3):
        parts.append(json.dumps({"type": "fragment", "chunk_id": cid, "index": i,
                                 "data": after[cut[i]:cut[i + 1]]}).encode())
    return parts

def hostile(n):
    return json.dumps({"type": "fragment", "chunk_id": "b%08x" % n, "index": 1023 - n % 16,
                       "data": "0123456789abcdef"}, separators=(",", ":")).encode()

with open(sys.argv[1], "wb") as f:
    head = {"type": "header", "format": "cdctop-recording", "version": 1, "program": "handmade",
            "source": "fragment flood", "record_size_limit": 10485760, "started_ms": T0,
            "model_started_ms": T0, "file": 0, "shards": ["shardId-000000000000"]}
    f.write(json.dumps(head).encode() + b"\n")
    legit, pending, records = 0, [], 0
    for n in range(HOSTILE):
        recs = [hostile(n)]
        if n % EVERY == 0:
            if not pending:
                pending = split_change(legit)
                legit += 1
            recs.append(pending.pop(0))
        for data in recs:
            line = {"type": "record", "shard": "shardId-000000000000", "seq": str(records + 1),
                    "pkey": "k", "arrival_ms": T0 + n, "now_ms": T0 + n + 10, "len": len(data),
                    "data": base64.b64encode(data).decode()}
            f.write(json.dumps(line).encode() + b"\n")
            records += 1
    f.write(b'{"type":"end","ended_ms":%d,"records":%d,"lost":0}\n' % (T0 + HOSTILE, records))
completed = legit - (1 if pending else 0)
json.dump({"records": records, "hostile": HOSTILE, "started": legit, "completed": completed},
          open(sys.argv[2], "w"))
PY

run_peak_rss "$TMP/rss" "$CDCTOP" --no-config --replay "$TMP/bomb.rec" --speed max --headless \
    --fragment-buffer 1M --snapshot "$TMP/bomb.json" 2>"$TMP/bomb.err"
check "replay of the flood ends cleanly" test $? -eq 0
check_peak_rss "$TMP/rss" 100

cat >"$TMP/check.py" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
e = json.load(open(sys.argv[2]))
reasons = s["undecodable_by_reason"]
evicted = reasons.get("fragment_evicted", {}).get("count", 0)
pending = s["totals"]["fragments_pending"]
big = [t for t in s["tables"] if t["table"] == "big"]
changes = sum(big[0]["changes"].values()) if big else 0
checks = [
    ("every record was read", s["totals"]["records"] == e["records"]),
    ("evictions counted under fragment_evicted", evicted > 0),
    ("its detail names the cause", "dropped" in reasons.get("fragment_evicted", {}).get("last", "")),
    ("every hostile change is pending or was dropped, and counted",
     evicted + pending == e["hostile"] + e["started"] - e["completed"]),
    ("nothing else went wrong", set(reasons) == {"fragment_evicted"}),
    ("split changes amid the flood reassembled", s["totals"]["split_changes"] == e["completed"]),
    ("and each counts as a change of its table", changes == e["completed"]),
]
bad = [name for name, ok in checks if not ok]
for name, ok in checks:
    print(("ok: " if ok else "FAIL: ") + name)
sys.exit(1 if bad else 0)
PY
check "the snapshot shows the flood" python3 "$TMP/check.py" "$TMP/bomb.json" "$TMP/expect.json"
grep -q "fragment_evicted" "$TMP/bomb.json" || fail "fragment_evicted missing from the JSON"

finish
