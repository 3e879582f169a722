#!/usr/bin/env python3
"""DSQL CDC test data for the live tests: generate records with known outcomes, put them with
the AWS CLI, and check a cdctop snapshot against what was put.

  dsql.py gen DIR [--seed N] [--keys N] [--tag T]
      writes DIR/phase-N.json (put in order, one phase after the other) and DIR/expected.json
  dsql.py put STREAM FILE... [--results OUT]
      puts each file's records with `aws kinesis put-records` (through $AWS_WRAPPER), in order,
      and appends {"shard","seq"} per record to OUT
  dsql.py check SNAPSHOT EXPECTED [--results R] [--exact-stale]
      prints ok:/FAIL: lines; exits 1 when anything failed

Every record of a key goes to the same partition key, so its versions reach cdctop in the order
they were put; duplicates (the same bytes again) go to random partition keys. Expected counts
follow the model's rules: a `c` on a key with no live row is an insert, `u` an update, `d` a
delete; an older change arriving after a newer one is stale (counted, not applied); the same
(commit, txid) again is a duplicate.
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

TABLES = [
    # schema, table, key columns, how a row looks
    ("public", "orders", ["order_id"]),
    ("public", "customers", ["customer_id"]),
    ("app", "order_items", ["order_id", "item_id"]),
]
RANDOM_TABLE = ("public", "events", ["id"])  # every record on a random partition key


def txid(rng):
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    return "".join(rng.choice(alphabet) for _ in range(26))


def key_of(table, n):
    schema, name, cols = table
    if cols == ["order_id", "item_id"]:
        return {"order_id": 1000 + n // 3, "item_id": n % 3 + 1}
    return {cols[0]: n + 1}


def image(table, key, version, rng):
    row = dict(key)
    row["version"] = version
    row["note"] = "v%d %s" % (version, rng.choice(["alpha", "beta", "gamma", "delta"]))
    row["amount"] = "%d.%02d" % (rng.randrange(1, 999), rng.randrange(100))
    row["big"] = 9007199254740993 + version  # beyond 2^53: must come back exactly
    return row


def record(table, op, key, after, commit_ns, tx):
    schema, name, _ = table
    return {
        "type": "full",
        "op": op,
        "before": key if op == "d" else None,
        "after": after,
        "source": {"version": "1.0", "ts_ms": commit_ns // 1000000, "ts_ns": commit_ns,
                   "txId": tx, "schema": schema, "table": name, "db": "postgres",
                   "cluster": "kmabugltfmjdaj2siqr2qbxgju"},
        "ts_ms": (commit_ns + 50000000) // 1000000,
        "ts_ns": commit_ns + 50000000 + 123,
    }


class Gen:
    def __init__(self, seed, keys, tag):
        self.rng = random.Random(seed)
        self.keys = keys
        self.tag = tag
        self.phases = [[] for _ in range(5)]
        self.expected = {"tables": {}, "rows": [], "records": 0, "duplicates": 0, "stale": 0}
        self.clock = time.time_ns() - 3600 * 10**9

    def tick(self):
        self.clock += self.rng.randrange(1000, 5000000)
        return self.clock

    def put(self, phase, data, pkey):
        self.phases[phase].append({"Data": data, "PartitionKey": pkey})
        self.expected["records"] += 1

    def table(self, table, random_keys):
        schema, name, cols = table
        exp = {"records": 0, "duplicates": 0, "stale": 0,
               "changes": {"insert": 0, "update": 0, "delete": 0, "upsert": 0}}
        rng = self.rng
        updated = set(rng.sample(range(self.keys), self.keys // 3))
        deleted = set(rng.sample(sorted(updated), len(updated) // 3))
        duped = set(rng.sample(range(self.keys), self.keys // 5))
        for n in range(self.keys):
            key = key_of(table, n)
            pk = "%s-%s-%s-%d" % (self.tag, schema, name, n)
            pick = (lambda: "%s-r%d" % (self.tag, rng.randrange(10**9))) if random_keys else \
                (lambda: pk)
            c_ns = self.tick()
            first = image(table, key, 1, rng)
            data1 = json.dumps(record(table, "c", key, first, c_ns, txid(rng)))
            self.put(0, data1, pick())
            exp["records"] += 1
            exp["changes"]["insert"] += 1
            final = ("live", first)
            if n in duped:  # the same bytes again, anywhere
                self.put(4, data1, "%s-dup%d" % (self.tag, rng.randrange(10**9)))
                exp["records"] += 1
                exp["duplicates"] += 1
            if n in updated:
                mid_ns = c_ns + 1000
                late = image(table, key, 2, rng)
                u_ns = c_ns + 2000
                newer = image(table, key, 3, rng)
                self.put(1, json.dumps(record(table, "u", key, newer, u_ns, txid(rng))), pick())
                final = ("live", newer)
                exp["records"] += 1
                exp["changes"]["update"] += 1
                if n in deleted:
                    d_ns = c_ns + 3000
                    self.put(2, json.dumps(record(table, "d", key, None, d_ns, txid(rng))), pick())
                    final = ("deleted", None)
                    exp["records"] += 1
                    exp["changes"]["delete"] += 1
                # an older commit put after the newer one: stale, never applied
                self.put(3, json.dumps(record(table, "u", key, late, mid_ns, txid(rng))), pick())
                exp["records"] += 1
                exp["changes"]["update"] += 1
                exp["stale"] += 1
            self.expected["rows"].append({"schema": schema, "table": name, "key": key,
                                          "state": final[0], "row": final[1]})
        exp["random_keys"] = random_keys
        self.expected["tables"]["%s.%s" % (schema, name)] = exp
        self.expected["duplicates"] += exp["duplicates"]
        self.expected["stale"] += exp["stale"]


def cmd_gen(args):
    out = args[0]
    seed, keys, tag = 1, 30, "t"
    i = 1
    while i < len(args):
        if args[i] == "--seed":
            seed = int(args[i + 1])
        elif args[i] == "--keys":
            keys = int(args[i + 1])
        elif args[i] == "--tag":
            tag = args[i + 1]
        i += 2
    g = Gen(seed, keys, tag)
    for t in TABLES:
        g.table(t, False)
    g.table(RANDOM_TABLE, True)
    os.makedirs(out, exist_ok=True)
    for n, recs in enumerate(g.phases):
        with open(os.path.join(out, "phase-%d.json" % (n + 1)), "w") as f:
            json.dump(recs, f)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(g.expected, f)


def aws(*args):
    wrapper = os.environ.get("AWS_WRAPPER")
    if not wrapper:
        sys.exit("dsql.py: set AWS_WRAPPER to the aws wrapper script")
    return subprocess.run([wrapper] + list(args), check=True, capture_output=True, text=True).stdout


def put_batch(stream, recs, results):
    """One put-records call; records that fail (throttled) are put again, in order."""
    pending = recs
    for attempt in range(20):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(pending, f)
            path = f.name
        try:
            resp = json.loads(aws("kinesis", "put-records", "--stream-name", stream,
                                  "--records", "file://" + path))
        finally:
            os.unlink(path)
        retry = []
        for rec, r in zip(pending, resp["Records"]):
            if "SequenceNumber" in r:
                results.append({"shard": r["ShardId"], "seq": r["SequenceNumber"]})
            else:
                retry.append(rec)
        if not retry:
            return
        pending = retry
        time.sleep(0.2 * (attempt + 1))
    sys.exit("dsql.py: put-records kept failing")


def cmd_put(args):
    stream = args[0]
    files, out = [], None
    i = 1
    while i < len(args):
        if args[i] == "--results":
            out = args[i + 1]
            i += 2
        else:
            files.append(args[i])
            i += 1
    results = []
    for path in files:
        with open(path) as f:
            recs = json.load(f)
        for i in range(0, len(recs), 250):
            put_batch(stream, recs[i:i + 250], results)
    if out:
        old = []
        if os.path.exists(out):
            with open(out) as f:
                old = json.load(f)
        with open(out, "w") as f:
            json.dump(old + results, f)
    print(len(results))


class Checker:
    def __init__(self):
        self.failed = 0

    def check(self, desc, cond, detail=""):
        if cond:
            print("ok: " + desc)
        else:
            self.failed += 1
            print("FAIL: %s %s" % (desc, detail))


def row_id(r):
    return (r["schema"], r["table"], json.dumps(r["key"], sort_keys=True))


def cmd_check(args):
    with open(args[0]) as f:
        s = json.load(f)
    with open(args[1]) as f:
        e = json.load(f)
    results = None
    exact_stale = "--exact-stale" in args
    if "--results" in args:
        with open(args[args.index("--results") + 1]) as f:
            results = json.load(f)
    c = Checker()
    t = s["totals"]
    c.check("every record put was read exactly once (%d)" % e["records"],
            t["records"] == e["records"], "got %d" % t["records"])
    c.check("no record undecodable", t["undecodable"] == 0, "got %d" % t["undecodable"])
    c.check("duplicates counted (%d)" % e["duplicates"], t["duplicates"] == e["duplicates"],
            "got %d" % t["duplicates"])
    if exact_stale:
        c.check("stale changes counted (%d)" % e["stale"], t["stale"] == e["stale"],
                "got %d" % t["stale"])
    tables = {"%s.%s" % (x["schema"], x["table"]): x for x in s["tables"]}
    for name, want in e["tables"].items():
        got = tables.get(name)
        if not got:
            c.check("table %s present" % name, False)
            continue
        c.check("%s: %d records" % (name, want["records"]), got["records"] == want["records"],
                "got %d" % got["records"])
        c.check("%s: %d duplicates" % (name, want["duplicates"]),
                got["duplicates"] == want["duplicates"], "got %d" % got["duplicates"])
        c.check("%s: changes %s" % (name, want["changes"]), got["changes"] == want["changes"],
                "got %s" % got["changes"])
        if not want["random_keys"]:
            c.check("%s: %d stale, not applied" % (name, want["stale"]),
                    got["stale"] == want["stale"], "got %d" % got["stale"])
    want_rows = {row_id(r): (r["state"], r["row"]) for r in e["rows"]}
    got_rows = {row_id(r): (r["state"], r["row"]) for r in s["rows"]}
    missing = [k for k in want_rows if k not in got_rows]
    extra = [k for k in got_rows if k not in want_rows]
    wrong = [k for k in want_rows if k in got_rows and got_rows[k] != want_rows[k]]
    c.check("reconstructed rows equal what was put (%d keys)" % len(want_rows),
            not missing and not extra and not wrong,
            "missing %s extra %s wrong %s" % (missing[:3], extra[:3],
                                              [(k, got_rows[k], want_rows[k]) for k in wrong[:2]]))
    if results is not None:
        per = {}
        for r in results:
            per[r["shard"]] = per.get(r["shard"], 0) + 1
        shards = {x["id"]: x for x in s["shards"]}
        got = {k: shards[k]["records"] for k in per if k in shards}
        c.check("per-shard record counts match what the CLI reported %s" % sorted(per.items()),
                got == per and sum(x["records"] for x in s["shards"]) == len(results),
                "got %s" % sorted((x["id"], x["records"]) for x in s["shards"]))
        last = {}
        for r in results:
            if r["shard"] not in last or int(r["seq"]) > int(last[r["shard"]]):
                last[r["shard"]] = r["seq"]
        c.check("each shard's last sequence number is the last one put",
                all(shards.get(k, {}).get("last_sequence") == v for k, v in last.items()))
    sys.exit(1 if c.failed else 0)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    {"gen": cmd_gen, "put": cmd_put, "check": cmd_check}[cmd](args)


if __name__ == "__main__":
    main()
