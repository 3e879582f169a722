#!/bin/sh
# Outages, told truthfully: a frozen server (SIGSTOP) makes every shard "stalled" within the stall
# threshold, the verdict says READER STALLED, and the event log holds the stall and the recovery
# after SIGCONT; an endpoint that refuses connections for 10 s is read again, by every shard,
# within 5 s of its return (connection errors are retried within seconds, not after a backoff
# grown to half a minute), and the snapshot keeps the trace of it.
. "${srcdir:-.}/tests/live/lib.sh"

start_kinesis_local
setup_aws "$KINESIS_URL"
create_stream o 2 || fail "stream o created"
python3 "$LIVE/dsql.py" gen "$TMP/data" --seed 5 --keys 10 --tag o
python3 "$LIVE/dsql.py" put o "$TMP/data/phase-1.json" >/dev/null || fail "records put"

PROXY_PORT=$(free_port)
python3 "$LIVE/faultproxy.py" "$PROXY_PORT" "$KINESIS_PORT" "$TMP/faults.log" \
    >"$TMP/proxy.out" 2>&1 &
track $!
wait_http "$PROXY_PORT" 20 || { fail "the fault proxy started"; finish; }
KINESIS_URL=http://127.0.0.1:$PROXY_PORT

SNAP=$TMP/run.json
cdctop_bg "$TMP/run.err" o --from trim-horizon --read-rate 2 --snapshot "$SNAP" \
    --record "$TMP/outage.rec"
pid=$BG_PID
wait_records $pid "$SNAP" 1 60 || fail "records read before the outage"

# --- a frozen server --------------------------------------------------------------------------
kill -STOP "$KINESIS_PID"
stopped=$(date +%s)
stalled=""
for _ in $(seq 1 40); do
    snapshot_now $pid "$SNAP" "$TMP/frozen.json"
    n=$(jget "$TMP/frozen.json" 'sum(1 for x in s["shards"] if x["state"] == "stalled")')
    [ "$n" = 2 ] && { stalled=$(($(date +%s) - stopped)); break; }
    sleep 0.5
done
kill -CONT "$KINESIS_PID"
check "a frozen server: both shards stalled (after ${stalled:-?} s; threshold 5 s)" \
    test -n "$stalled" -a "${stalled:-99}" -le 10
jcheck "$TMP/frozen.json" "the verdict says READER STALLED, naming the call" \
    's["verdict"]["word"] == "FAILING" and s["verdict"]["findings"][0]["text"].startswith("READER STALLED: 2/2 shards, GetRecords pending")'
jcheck "$TMP/frozen.json" "a stalled shard says since when, and how long its call has waited" \
    'all(x["since"] and x["pending_ms"] >= 5000 for x in s["shards"])'
jcheck "$TMP/frozen.json" "how far behind is a lower bound while nobody answers" \
    'all(x["behind_exact"] is False for x in s["shards"])'
recovered=""
for _ in $(seq 1 40); do
    snapshot_now $pid "$SNAP" "$TMP/thawed.json"
    n=$(jget "$TMP/thawed.json" 'sum(1 for x in s["shards"] if x["state"] in ("latest", "reading"))')
    [ "$n" = 2 ] && { recovered=yes; break; }
    sleep 0.5
done
check "after SIGCONT both shards read again" test -n "$recovered"
jcheck "$TMP/thawed.json" "the event log has each shard's stall and its recovery" \
    'sorted(e["subject"] for e in s["events"] if e["kind"] == "reader_stalled") == sorted(x["id"] for x in s["shards"]) and len([e for e in s["events"] if e["kind"] == "reader_recovered"]) == 2'

# --- refused connections for 10 s -------------------------------------------------------------
python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST"), timeout=10).read()' \
    "http://127.0.0.1:$PROXY_PORT/__fault" '{"action":"refuse","seconds":10}' || fail "refuse armed"
armed=$(date +%s.%N)
sleep 6
snapshot_now $pid "$SNAP" "$TMP/refused.json"
jcheck "$TMP/refused.json" "refused: the shards are in error or backing off, since the outage" \
    'all(x["state"] in ("error", "backoff") and x["since"] for x in s["shards"])'
back=""
while :; do
    now=$(date +%s.%N)
    elapsed=$(python3 -c "print(float('$now') - float('$armed'))")
    [ "$(python3 -c "print(int(float('$elapsed') > 30))")" = 1 ] && break
    snapshot_now $pid "$SNAP" "$TMP/back.json"
    n=$(jget "$TMP/back.json" 'sum(1 for x in s["shards"] if x["state"] in ("latest", "reading") and x["last_error"] is None)')
    if [ "$n" = 2 ]; then
        back=$(python3 -c "print(round(float('$elapsed') - 10, 1))")
        break
    fi
    sleep 0.3
done
check "every shard reads again within 5 s of the endpoint's return (${back:-never} s)" \
    python3 -c "import sys; sys.exit(0 if '$back' and float('$back') <= 5 else 1)"
jcheck "$TMP/back.json" "the event log keeps the outage: errors and their end" \
    'any(e["kind"] == "error" for e in s["events"]) and any(e["kind"] == "error_end" for e in s["events"])'

kill -TERM $pid
wait $pid
check "cdctop exits 0 after all that" test $? -eq 0

# --- the recording tells the same story ---------------------------------------------------------
"$CDCTOP" --no-config --replay "$TMP/outage.rec" --speed max --headless \
    --snapshot "$TMP/replayed.json" 2>"$TMP/replayed.err"
check "the recording replays" test $? -eq 0
check "the replay's event log has the stalls, the errors and the recoveries of the live run" \
    python3 -c '
import json, sys
live, rep = (json.load(open(p)) for p in sys.argv[1:3])
kinds = ("reader_stalled", "reader_recovered", "error", "error_end")
def story(s):
    return sorted((e["kind"], e["subject"]) for e in s["events"] if e["kind"] in kinds and e["subject"])
a, b = story(live), story(rep)
print(len(a), "events live,", len(b), "replayed")
sys.exit(0 if a and a == b else 1)' "$SNAP" "$TMP/replayed.json"
finish
