#!/bin/sh
# Replay and record, byte for byte: a recording written by hand (records that are not UTF-8, hold
# NUL bytes or are not JSON; hostile shard ids, sequence numbers and partition keys) replays and
# is recorded again with exactly the same records. Damaged recordings replay what is intact.
. "${srcdir:-.}/tests/lib/common.sh"
need python3

# The hand-written recording, and what the replay must make of it.
python3 - "$TMP/in.rec" "$TMP/expect.json" <<'PY'
import base64, json, sys

T0 = 1700000000000  # 2023-11-14T22:13:20Z, long before any test run
shards = ["shardId-000000000000", "shardId-000000000001", 'odd "shard" \\ \t é']

def dsql(n, table="orders"):
    ts_ns = (T0 - 5000 + n) * 1000000 + 123
    rec = {"type": "full", "op": "c", "before": None,
           "after": {"order_id": n, "note": "ok \u00e9 \u2028"},
           "source": {"version": "1.0", "ts_ms": ts_ns // 1000000, "ts_ns": ts_ns,
                      "txId": "tx%d" % n, "schema": "public", "table": table, "db": "postgres",
                      "cluster": "c"},
           "ts_ms": ts_ns // 1000000 + 10, "ts_ns": ts_ns + 10000000}
    return json.dumps(rec, ensure_ascii=False).encode()

# (data, shard, seq, pkey, arrival offset, now offset, undecodable reason or None)
records = [
    (dsql(1), 0, "49000000000000000000000000000000000000000000000000000001", "k1", 0, 40, None),
    (b"\xff\xfe\x00\x01 not json \x80", 1, "2", "k2", 5, 41, "not_json"),
    (b"", 0, "3", "k3", 6, 42, "empty"),
    (b"plain text, not JSON", 2, "4", "k4", 7, 43, "not_json"),
    (b"[1,2,3]", 0, "5", 'pk "quoted" \\ \n\t\x01\x7f é 𝄞 \u2028', 8, 44, "not_object"),
    (b'{"hello":"world"}', 1, "6", b"\xc3\x28\xff bad utf-8", 9, 45, "unknown_format"),
    (b"\x00" * 16, 2, None, None, None, 46, "not_json"),
    (dsql(2), 1, "7 \"odd\" seq", "", 11, 47, None),
    (bytes(range(256)), b"bad\xffshard", b"\x80\x81", "k9", 12, 48, "not_json"),
    (dsql(3, "notes"), 2, "9", "k10", 13, 1049, None),
]

def text(obj, name, value):
    if value is None:
        obj[name] = None
    elif isinstance(value, bytes):
        obj[name + "_b64"] = base64.b64encode(value).decode()
    else:
        obj[name] = value

with open(sys.argv[1], "wb") as f:
    head = {"type": "header", "format": "cdctop-recording", "version": 1,
            "program": "handmade", "source": "handmade \"test\"", "record_size_limit": 2048,
            "started_ms": T0, "model_started_ms": T0 - 100, "file": 0, "shards": shards}
    f.write(json.dumps(head, ensure_ascii=False).encode() + b"\n")
    f.write(b'{"type":"note","text":"a line of a later kind is ignored"}\n')
    for i, (data, shard, seq, pkey, arr, now, _) in enumerate(records):
        line = {"type": "record", "extra": {"ignored": True}}
        text(line, "shard", shards[shard] if isinstance(shard, int) else shard)
        text(line, "seq", seq)
        text(line, "pkey", pkey)
        line["arrival_ms"] = None if arr is None else T0 + arr
        line["now_ms"] = T0 + now
        b64 = base64.b64encode(data).decode()
        if i == 3:
            b64 = b64.rstrip("=")  # unpadded base64 is read too
        else:
            line["len"] = len(data)
        line["data"] = b64
        f.write(json.dumps(line, ensure_ascii=False).encode() + b"\n")
    f.write(b'{"type":"end","ended_ms":%d,"records":%d,"lost":0}\n' % (T0 + 2000, len(records)))

reasons = {}
for r in records:
    if r[6]:
        reasons[r[6]] = reasons.get(r[6], 0) + 1
json.dump({"records": len(records), "reasons": reasons}, open(sys.argv[2], "w"))
PY

# The comparison: every record's exact bytes and metadata, in order.
cat >"$TMP/same.py" <<'PY'
import base64, json, sys

def text(obj, name):
    if obj.get(name) is not None:
        return obj[name].encode()
    if obj.get(name + "_b64") is not None:
        return base64.b64decode(obj[name + "_b64"] + "==="[: -len(obj[name + "_b64"]) % 4])
    return None

def records(path):
    out = []
    for raw in open(path, "rb").read().split(b"\n"):
        if not raw.strip():
            continue
        line = json.loads(raw)
        if line.get("type") != "record":
            continue
        data = line["data"]
        out.append((text(line, "shard"), text(line, "seq"), text(line, "pkey"),
                    line.get("arrival_ms"), line.get("now_ms"),
                    base64.b64decode(data + "==="[: -len(data) % 4])))
    return out

a, b = records(sys.argv[1]), records(sys.argv[2])
if a != b:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            print("record %d differs:\n  %r\n  %r" % (i, x, y))
    print("%d records in, %d out" % (len(a), len(b)))
    sys.exit(1)
print("%d records equal" % len(a))
PY

"$CDCTOP" --no-config --replay "$TMP/in.rec" --speed max --record "$TMP/out.rec" --headless \
    --snapshot "$TMP/s.json" 2>"$TMP/rt.err"
check "replay with --record exits 0" test $? -eq 0
check "the new recording is mode 600" test "$(stat -c %a "$TMP/out.rec")" = 600
check "stderr says what was recorded" grep -q "recorded 10 records to $TMP/out.rec" "$TMP/rt.err"
check "records, their bytes and metadata survive a replay and a new recording" \
    python3 "$TMP/same.py" "$TMP/in.rec" "$TMP/out.rec"
jcheck "$TMP/s.json" "every record counted" 's["totals"]["records"] == 10'
python3 - "$TMP/s.json" "$TMP/expect.json" <<'PY' >"$TMP/reasons.out"
import json, sys
s, e = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
got = {k: v["count"] for k, v in s["undecodable_by_reason"].items()}
print("equal" if got == e["reasons"] and s["totals"]["undecodable"] == sum(got.values())
      else "differ %r %r" % (got, e["reasons"]))
PY
check "undecodable records counted by reason" grep -q equal "$TMP/reasons.out"
jcheck "$TMP/s.json" "the decodable records decoded" \
  's["totals"]["decoded"] == 3 and {t["table"] for t in s["tables"]} == {"orders", "notes"}'
jcheck "$TMP/s.json" "the source names the replay and the recorded source" \
  's["source"].startswith("replay ") and "recorded from handmade" in s["source"]'
jcheck "$TMP/s.json" "the record size limit comes from the header" \
  's["record_size_limit_bytes"] == 2048'
jcheck "$TMP/s.json" "the session start comes from the header" \
  's["started_at"] == "2023-11-14T22:13:19.900Z"'
jcheck "$TMP/s.json" "shards registered by id, header order first, odd ids kept" \
  '[sh["id"] for sh in s["shards"]][:3] == ["shardId-000000000000", "shardId-000000000001", "odd \"shard\" \\ \t é"] and len(s["shards"]) == 4'
jcheck "$TMP/s.json" "arrival->processed latency is the recorded one (35-1036 ms)" \
  '(lambda l: l["count"] == 3 and 33 <= l["p50"] <= 45 and 990 <= l["max"] <= 1040)(s["all"]["latency_ms"]["arrival_to_processed"])'
jcheck "$TMP/s.json" "the snapshot is taken at the last record's recorded time" \
  's["generated_at"] == "2023-11-14T22:13:21.049Z"'
python3 - "$TMP/out.rec" <<'PY' >"$TMP/head.out"
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
h, e = json.loads(lines[0]), json.loads(lines[-2])
ok = (h["type"] == "header" and h["format"] == "cdctop-recording" and h["version"] == 1
      and h["record_size_limit"] == 2048 and h["source"].startswith("replay ")
      and h["program"].startswith("cdctop ") and h["file"] == 0
      and e == {"type": "end", "ended_ms": e["ended_ms"], "records": 10, "lost": 0}
      and lines[-1] == b"")
print("ok" if ok else "bad %r %r" % (h, e))
PY
check "the new recording has a header and an end line" grep -q '^ok' "$TMP/head.out"
"$CDCTOP" --no-config --replay "$TMP/out.rec" --speed max --record "$TMP/out.rec" --headless \
    --snapshot "$TMP/x.json" 2>"$TMP/over.err"
check "an existing recording is never overwritten (exit 2)" test $? -eq 2
check "... and the refusal names it" grep -q "out.rec already exists" "$TMP/over.err"

# A crash cut the last line: the complete lines replay, the cut is reported, exit 0.
python3 - "$TMP/in.rec" "$TMP/cut.rec" <<'PY'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-2]  # no end line
last = lines.pop()
open(sys.argv[2], "wb").write(b"\n".join(lines) + b"\n" + last[: len(last) // 2])
PY
"$CDCTOP" --no-config --replay "$TMP/cut.rec" --speed max --headless --snapshot "$TMP/cut.json" \
    2>"$TMP/cut.err"
check "a truncated recording replays, exit 0" test $? -eq 0
check "the truncated last line is reported on stderr" grep -q "truncated line" "$TMP/cut.err"
jcheck "$TMP/cut.json" "the complete lines replayed" 's["totals"]["records"] == 9'
jcheck "$TMP/cut.json" "the status line keeps the warning" \
  's["status"]["level"] == "warn" and "damaged" in s["status"]["text"] and "cut short" in s["status"]["text"]'

# A damaged line in the middle: counted and skipped; the rest replays.
python3 - "$TMP/in.rec" "$TMP/mid.rec" <<'PY'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
lines[4] = lines[4][:40] + b"\x00\xff garbage"
lines[6] = b'{"type":"record","shard":"s","data":"not base64!"}'
open(sys.argv[2], "wb").write(b"\n".join(lines))
PY
"$CDCTOP" --no-config --replay "$TMP/mid.rec" --speed max --headless --snapshot "$TMP/mid.json" \
    2>"$TMP/mid.err"
check "a damaged recording replays, exit 0" test $? -eq 0
check "the damaged lines are named by file and line" \
    sh -c 'grep -q "mid.rec:5: " "$1" && grep -q "mid.rec:7: data is not valid base64" "$1"' \
    sh "$TMP/mid.err"
jcheck "$TMP/mid.json" "the other records replayed" 's["totals"]["records"] == 8'

# Not a recording at all, or no file: exit 2 with the reason.
printf '{"type":"record"}\n' >"$TMP/nothdr.rec"
"$CDCTOP" --no-config --replay "$TMP/nothdr.rec" --headless --snapshot "$TMP/n.json" 2>"$TMP/n.err"
check "a file without a header is refused (exit 2)" test $? -eq 2
check "... saying it is not a recording" grep -q "not a cdctop recording" "$TMP/n.err"
"$CDCTOP" --no-config --replay "$TMP/missing.rec" --headless 2>"$TMP/m.err"
check "a missing recording exits 2" test $? -eq 2
check "... naming it" grep -q "missing.rec" "$TMP/m.err"
"$CDCTOP" --no-config --replay "$TMP/in.rec" --demo --headless 2>"$TMP/both.err"
check "--replay with --demo is refused" test $? -eq 2
"$CDCTOP" --no-config --replay "$TMP/in.rec" --speed fast --headless 2>"$TMP/sp.err"
check "a bad --speed is refused with the reason" grep -q "number above 0 or max" "$TMP/sp.err"
"$CDCTOP" --no-config --demo --record "$TMP/red.rec" --redact-values --headless 2>"$TMP/red.err"
check "--record with --redact-values is refused (exit 2): a recording is raw" test $? -eq 2
check "... saying why, and no file is created" \
    sh -c 'grep -q "cannot be combined with --redact" "$1" && [ ! -e "$2" ]' sh "$TMP/red.err" \
    "$TMP/red.rec"
"$CDCTOP" --no-config --replay "$TMP/in.rec" --speed max --redact-values --headless \
    --snapshot "$TMP/red.json" 2>/dev/null
check "... a replay can be redacted instead" test $? -eq 0
"$CDCTOP" --no-config --demo --speed 2 --headless 2>"$TMP/sp2.err"
check "--speed without --replay is refused" grep -q "speed needs --replay" "$TMP/sp2.err"

finish
