#!/bin/sh
# One snapshot set, three renderings: the JSON, the text and the HTML report must agree on every
# table's rates, latency percentiles and record-size headroom (with its level), because each
# figure is computed once in the core. The input is a recording made here with a small record
# size limit, so that one table sits in each headroom level.
. "$srcdir/tests/lib/common.sh"
need python3

cd "$TMP" || exit 1
python3 - >agree.rec <<'PY'
import base64, json, random
rng = random.Random(11)
limit = 2000
t0 = 1796000000000
print(json.dumps({"type": "header", "format": "cdctop-recording", "version": 1,
                  "program": "test", "source": "agreement test", "record_size_limit": limit,
                  "started_ms": t0, "started_at": "2026-11-30T01:33:20.000Z",
                  "model_started_ms": t0, "file": 0, "shards": ["s0", "s1"]}))
seq = 0
# (table, records per second, row padding): ok, warn and bad headroom under a 2000-byte limit
tables = [("small", 9, 100), ("large", 4, 1450), ("huge", 1, 1700)]
for sec in range(40):
    for name, per_s, pad in tables:
        for i in range(per_s if sec < 30 else per_s // 2):
            seq += 1
            now = t0 + sec * 1000 + i * (900 // per_s)
            commit_ns = (now - rng.randint(50, 2500)) * 1000000
            emit_ns = commit_ns + rng.randint(5, 900) * 1000000
            key = rng.randint(1, 50)
            rec = {"type": "full", "op": "u", "before": None,
                   "after": {"id": key, "pad": "x" * (pad + rng.randint(0, 150))},
                   "source": {"ts_ns": commit_ns, "txId": "t%d" % seq, "schema": "public",
                              "table": name},
                   "ts_ns": emit_ns}
            data = json.dumps(rec, separators=(",", ":")).encode()
            print(json.dumps({"type": "record", "shard": "s%d" % (seq % 2), "seq": str(seq),
                              "pkey": "k%d" % key, "arrival_ms": emit_ns // 1000000 + 20,
                              "now_ms": now, "len": len(data),
                              "data": base64.b64encode(data).decode()}))
print(json.dumps({"type": "end"}))
PY
mkdir snap
"$CDCTOP" --no-config --replay agree.rec --speed max --headless --snapshot-dir snap 2>err.txt ||
    fail "the replay ends well: $(cat err.txt)"
base=$(ls snap/*.json 2>/dev/null | head -n 1)
base=${base%.json}
if [ -z "$base" ]; then
    fail "a snapshot set was written"
else
    check "JSON, text and HTML agree" python3 "$srcdir/tests/artefacts/agree.py" \
        "$base.json" "$base.txt" "$base.html"
    jcheck "$base.json" "one table in each headroom level" \
        'sorted(t["size_bytes"]["level"] for t in s["tables"]) == ["bad", "ok", "warn"]'
fi
finish
