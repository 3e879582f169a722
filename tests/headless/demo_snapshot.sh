#!/bin/sh
# Headless runs of the demo: the snapshot JSON contract, its invariants, and determinism.
. "${srcdir:-.}/tests/lib/common.sh"
need python3

run() {
    out=$1
    shift
    "$CDCTOP" --no-config --demo --headless --demo-rate 0 --snapshot-rows all \
        --snapshot "$out" "$@" 2>"$out.stderr"
}

run "$TMP/a.json" --seed 7 --demo-limit 3000
check "headless run exits 0" test $? -eq 0
check "snapshot written with mode 600" test "$(stat -c %a "$TMP/a.json")" = 600
check "stderr names the snapshot path" grep -q "snapshot written to $TMP/a.json" "$TMP/a.json.stderr"
jcheck "$TMP/a.json" "snapshot is version 1 with the documented members" \
  'all(k in s for k in ("version","generated_at","source","totals","record_size_limit_bytes","tables","shards","dlq","rows")) and s["version"] == 1'
jcheck "$TMP/a.json" "every record delivered is counted" 's["totals"]["records"] == 3000'
jcheck "$TMP/a.json" "source names the demo and its seed" '"demo" in s["source"] and "7" in s["source"]'
jcheck "$TMP/a.json" "at least four tables" 'len(s["tables"]) >= 4'
jcheck "$TMP/a.json" "four shards, each with records and a last sequence" \
  'len(s["shards"]) == 4 and all(sh["records"] > 0 and sh["last_sequence"] for sh in s["shards"])'
jcheck "$TMP/a.json" "redeliveries recognised as duplicates" 's["totals"]["duplicates"] > 0'
jcheck "$TMP/a.json" "reordering seen as stale changes" 's["totals"]["stale"] > 0'
jcheck "$TMP/a.json" "malformed records counted by reason" \
  's["totals"]["undecodable"] > 0 and sum(r["count"] for r in s["undecodable_by_reason"].values()) == s["totals"]["undecodable"]'
jcheck "$TMP/a.json" "the split record was reassembled" 's["totals"]["split_changes"] >= 1'
jcheck "$TMP/a.json" "per table: distinct changes plus duplicates equal records" \
  'all(sum(t["changes"].values()) + t["duplicates"] == t["records"] for t in s["tables"])'
jcheck "$TMP/a.json" "per table: stale changes are counted as changes" \
  'all(t["stale"] <= sum(t["changes"].values()) for t in s["tables"])'
jcheck "$TMP/a.json" "every decoded change is in a table or counted unkeyed" \
  's["totals"]["decoded"] == sum(t["records"] for t in s["tables"]) + s["totals"]["unkeyed"]'
jcheck "$TMP/a.json" "inserts, updates and deletes all seen" \
  'all(s["all"]["changes"][k] > 0 for k in ("insert","update","delete"))'
jcheck "$TMP/a.json" "unknown ops counted as upserts" 's["all"]["changes"]["upsert"] > 0'
jcheck "$TMP/a.json" "composite key learned from deletes" \
  'tables[("public","order_items")]["pk"] == {"columns": ["order_id","item_id"], "source": "learned"}'
jcheck "$TMP/a.json" "rows: live rows carry their image, deleted rows none" \
  'all((r["state"] == "live") == (r["row"] is not None) for r in s["rows"]) and any(r["state"] == "deleted" for r in s["rows"])'
jcheck "$TMP/a.json" "rows: keys are objects of the key columns" \
  'all(set(r["key"]) == set(tables[(r["schema"], r["table"])]["pk"]["columns"]) for r in s["rows"] if "_key" not in r["key"])'
jcheck "$TMP/a.json" "rows: commit times are exact nanosecond integers" \
  'all(isinstance(r["commit_ts_ns"], int) and r["commit_ts_ns"] > 1.6e18 for r in s["rows"])'
jcheck "$TMP/a.json" "rows count matches live plus deleted per table" \
  'all(sum(1 for r in s["rows"] if (r["schema"], r["table"]) == k) == t["rows_live"] + t["rows_deleted"] for k, t in tables.items())'
jcheck "$TMP/a.json" "hostile control characters survive as data in the JSON" \
  'any("\x1b[2J" in v for r in s["rows"] if r["row"] for v in r["row"].values() if isinstance(v, str))'
jcheck "$TMP/a.json" "latency: commit->emit percentiles present and ordered" \
  '(lambda l: l["count"] > 0 and l["p50"] <= l["p90"] <= l["p99"] <= l["max"])(s["all"]["latency_ms"]["commit_to_emit"])'
jcheck "$TMP/a.json" "latency: clock skew counted as negative, not dropped" \
  's["all"]["latency_ms"]["commit_to_emit"]["negative"] > 0'
jcheck "$TMP/a.json" "sizes measured against the 1 MiB limit" \
  's["record_size_limit_bytes"] == 1048576 and s["all"]["size_bytes"]["max"] > 0'
jcheck "$TMP/a.json" "DLQ present with counts" \
  's["dlq"] is not None and isinstance(s["dlq"]["visible"], int)'

# Same seed, same reconstructed rows and counters; another seed, different ones.
run "$TMP/b.json" --seed 7 --demo-limit 3000
run "$TMP/c.json" --seed 8 --demo-limit 3000
python3 - "$TMP/a.json" "$TMP/b.json" "$TMP/c.json" <<'PY' >"$TMP/det.out"
import json, sys
def essence(path):
    # The demo's clock starts at the real start time: compare commit times relative to it.
    s = json.load(open(path))
    base = min(r["commit_ts_ns"] for r in s["rows"])
    rows = sorted((r["schema"], r["table"], json.dumps(r["key"], sort_keys=True), r["state"],
                   r["commit_ts_ns"] - base, r["txid"]) for r in s["rows"])
    counts = [(t["schema"], t["table"], t["changes"], t["duplicates"], t["stale"]) for t in s["tables"]]
    return rows, counts, s["totals"]["undecodable"]
a, b, c = essence(sys.argv[1]), essence(sys.argv[2]), essence(sys.argv[3])
print("same-seed-equal" if a == b else "same-seed-differ")
print("other-seed-differ" if a != c else "other-seed-equal")
PY
check "same seed gives the same rows and counters" grep -q same-seed-equal "$TMP/det.out"
check "another seed gives other rows" grep -q other-seed-differ "$TMP/det.out"

# A configured key wins over learning and guessing.
run "$TMP/pk.json" --seed 7 --demo-limit 500 --pk public.orders=order_id --pk 'public.notes = note_id'
jcheck "$TMP/pk.json" "--pk shows as configured" \
  'tables[("public","orders")]["pk"] == {"columns": ["order_id"], "source": "configured"} and tables[("public","notes")]["pk"]["source"] == "configured"'

# Standard output, and --snapshot-rows bounding rows per table.
"$CDCTOP" --no-config --demo --headless --demo-rate 0 --demo-limit 400 --snapshot-rows 3 \
    --snapshot - >"$TMP/stdout.json" 2>/dev/null
check "--snapshot - writes JSON to standard output" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$TMP/stdout.json"
jcheck "$TMP/stdout.json" "--snapshot-rows bounds rows per table" \
  'max(sum(1 for r in s["rows"] if (r["schema"], r["table"]) == k) for k in tables) == 3'

# --duration ends a run that would otherwise go on.
start=$(date +%s)
"$CDCTOP" --no-config --demo --headless --duration 2 --snapshot "$TMP/d.json" 2>/dev/null
end=$(date +%s)
check "--duration 2 stops after about two seconds" test $((end - start)) -ge 2 -a $((end - start)) -le 6
jcheck "$TMP/d.json" "a timed run at the default rate delivers records" 's["totals"]["records"] > 100'

# A snapshot that cannot be written is an error message and exit status 1, not a crash.
"$CDCTOP" --no-config --demo --headless --demo-limit 50 --demo-rate 0 \
    --snapshot "$TMP/missing/dir/x.json" 2>"$TMP/err.txt"
check "unwritable snapshot exits 1" test $? -eq 1
check "unwritable snapshot names the path" grep -q "$TMP/missing/dir/x.json" "$TMP/err.txt"

# A target that is not a regular file (a directory here; /dev/null as root in real life) is
# refused rather than replaced.
mkdir "$TMP/adir"
"$CDCTOP" --no-config --demo --headless --demo-limit 20 --demo-rate 0 \
    --snapshot "$TMP/adir" 2>"$TMP/err2.txt"
check "a non-regular target exits 1" test $? -eq 1
check "a non-regular target is explained" grep -q "not a regular file" "$TMP/err2.txt"
check "a non-regular target is left alone" test -d "$TMP/adir"

finish
