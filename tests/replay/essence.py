#!/usr/bin/env python3
"""What a replay must reproduce of the snapshot of the run that was recorded.

  essence.py A.json B.json   prints "equal: ..." and exits 0, or the differences and exits 1

Compared: the session start, the record size limit, the totals, undecodable records by reason,
every table's and all tables' change counts, duplicates, stale changes, latency percentiles, size
figures and last change, the shards' record counts, bytes and last sequence numbers, and every
reconstructed row. Left out: the source's name, the time of the snapshot and the rates over the
seconds before it, the status line, reader calls and the DLQ (polled, not recorded).
"""
import json, sys

def pick(d, keys):
    return {k: d.get(k) for k in keys}

def metrics(m):
    return pick(m, ("changes", "records", "duplicates", "stale", "latency_ms", "size_bytes",
                    "last_change_at"))

def essence(path):
    s = json.load(open(path))
    totals = dict(s["totals"])
    totals.pop("records_per_s", None)
    return {
        "started_at": s["started_at"],
        "limit": s["record_size_limit_bytes"],
        "totals": totals,
        "undecodable": s["undecodable_by_reason"],
        "all": metrics(s["all"]),
        "tables": [dict(metrics(t), **pick(t, ("schema", "table", "pk", "rows_live",
                                               "rows_deleted", "unkeyed")))
                   for t in s["tables"]],
        "shards": [pick(sh, ("id", "records", "bytes", "last_sequence")) for sh in s["shards"]],
        "rows": s["rows"],
    }

def show(a, b, path=""):
    if type(a) != type(b) or not isinstance(a, (dict, list)):
        if a != b:
            print("  %s: %r != %r" % (path, str(a)[:100], str(b)[:100]))
        return
    if isinstance(a, list) and len(a) != len(b):
        print("  %s: %d items != %d" % (path, len(a), len(b)))
        return
    for k in (a.keys() if isinstance(a, dict) else range(len(a))):
        show(a[k], b.get(k) if isinstance(b, dict) else b[k], "%s/%s" % (path, k))

a, b = essence(sys.argv[1]), essence(sys.argv[2])
if a != b:
    print("differ:")
    show(a, b)
    sys.exit(1)
print("equal: %d records, %d rows, %d tables" % (a["totals"]["records"], len(a["rows"]),
                                                 len(a["tables"])))
