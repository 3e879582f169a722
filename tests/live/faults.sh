#!/bin/sh
# Faults between cdctop and kinesis-local, through tests/live/faultproxy.py: throttles, server
# errors, truncated answers, expired iterators, dropped and refused connections. cdctop shows
# each (counters, shard errors, the status line with its hint), backs off, resumes where it was,
# and in the end has lost and repeated nothing: the same totals and rows as a clean run.
. "${srcdir:-.}/tests/live/lib.sh"

start_kinesis_local
setup_aws "$KINESIS_URL"
create_stream f 2 || fail "stream f created"
python3 "$LIVE/dsql.py" gen "$TMP/data" --seed 9 --keys 25 --tag f
put() {
    python3 "$LIVE/dsql.py" put f "$TMP/data/phase-$1.json" --results "$TMP/put.json" \
        >/dev/null || fail "phase $1 put"
}
put 1

PROXY_PORT=$(free_port)
python3 "$LIVE/faultproxy.py" "$PROXY_PORT" "$KINESIS_PORT" "$TMP/faults.log" \
    >"$TMP/proxy.out" 2>&1 &
track $!
wait_http "$PROXY_PORT" 20 || { fail "the fault proxy started"; finish; }
fault() {
    python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST"), timeout=10).read()' \
        "http://127.0.0.1:$PROXY_PORT/__fault" "$1" || fail "fault $1 armed"
}
injected() {
    grep -c "^FAULT $1 $2\$" "$TMP/faults.log"
}
# faults_so_far: faults injected in all (pages not counted: they are not faults).
faults_so_far() {
    grep -vc "^FAULT paginate" "$TMP/faults.log"
}
# wait_faults N: until N faults have been injected in all (throttle backoff reaches 30 s, and a
# loaded machine running the suite in parallel adds to it: two minutes at most).
wait_faults() {
    for _ in $(seq 1 600); do
        [ "$(faults_so_far)" -ge "$1" ] && return 0
        sleep 0.2
    done
    fail "$1 faults injected"
}

# cdctop reads through the proxy; small batches, so faults land in the middle of the data.
KINESIS_URL=http://127.0.0.1:$PROXY_PORT
fault '{"op":"ListShards","action":"error500","count":1}'
# Listings come one shard per page, and one page token expires: the listing starts over.
fault '{"op":"ListShards","action":"expire_token","count":1}'
fault '{"op":"ListShards","action":"paginate","seconds":3600}'
fault '{"op":"GetShardIterator","action":"throttle","count":1}'
cdctop_bg "$TMP/cdctop.err" f --from trim-horizon --read-limit 10 --read-rate 2 --relist 2 \
    --until-idle 120 --snapshot "$TMP/f.json"
pid=$BG_PID
sleep 2

fault '{"op":"GetRecords","action":"throttle","count":3}'
fault '{"op":"GetRecords","action":"error500","count":2}'
fault '{"op":"GetRecords","action":"truncate","count":2}'
fault '{"op":"GetRecords","action":"expired","count":2}'
put 2
wait_faults 12

# Throttled for a while: the mid-run snapshot shows it.
fault '{"op":"GetRecords","action":"throttle","seconds":4}'
sleep 2
snapshot_now $pid "$TMP/f.json" "$TMP/mid-throttle.json"
sleep 2.5
put 3

# The endpoint goes away: connections refused, open ones dropped.
fault '{"action":"refuse","seconds":5}'
sleep 3
snapshot_now $pid "$TMP/f.json" "$TMP/mid-refuse.json"
sleep 3
fault '{"op":"*","action":"drop","count":2}'
wait_faults "$(($(faults_so_far) + 2))"
put 4
put 5

total=$(jget "$TMP/data/expected.json" 's["records"]')
wait_records $pid "$TMP/f.json" "$total" 90 || fail "cdctop caught up after the faults"
sleep 1
kill -TERM $pid
wait $pid
check "cdctop exits 0" test $? -eq 0

check_data "$TMP/f.json" "$TMP/data/expected.json" --results "$TMP/put.json"

throttles=$(($(injected throttle GetRecords) + $(injected throttle GetShardIterator)))
errors=$(($(injected error500 GetRecords) + $(injected truncate GetRecords) +
    $(injected expired GetRecords)))
echo "injected: $throttles throttles, $errors errors, $(injected refuse '.*') refused," \
    "$(injected drop '.*') dropped"
jcheck "$TMP/f.json" "every throttle is counted on its shard ($throttles)" \
    "sum(x['throttles'] for x in s['shards']) == $throttles"
jcheck "$TMP/f.json" "server errors, truncated answers and expired iterators are counted ($errors or more)" \
    "sum(x['errors'] for x in s['shards']) >= $errors"
for f in mid-throttle mid-refuse f; do
    echo "$f: status $(jget "$TMP/$f.json" 's["status"]')"
done
jcheck "$TMP/mid-throttle.json" "throttled: the status line names the error and gives a hint" \
    '"ProvisionedThroughputExceededException" in s["status"]["text"] and s["status"]["level"] in ("warn", "error") and s["status"]["hint"]'
jcheck "$TMP/mid-throttle.json" "throttled: a shard is backing off, with the error" \
    'any(x["state"] == "backoff" and "ProvisionedThroughputExceeded" in (x["last_error"] or "") for x in s["shards"])'
jcheck "$TMP/mid-refuse.json" "unreachable: the status line says so, with a hint" \
    's["status"]["level"] in ("warn", "error") and "network error" in s["status"]["text"] and "unreachable" in s["status"]["hint"]'
jcheck "$TMP/mid-refuse.json" "unreachable: the shards back off" \
    'all(x["state"] in ("backoff", "error") and x["last_error"] for x in s["shards"])'
check "ListShards was paged, and a token expired once" \
    test "$(injected paginate ListShards)" -ge 3 -a "$(injected expire_token ListShards)" -eq 1
jcheck "$TMP/f.json" "paged listings find both shards, once each" \
    'sorted(x["id"] for x in s["shards"]) == ["shardId-000000000000", "shardId-000000000001"]'
jcheck "$TMP/f.json" "recovered: no shard in error, the status line is not an error" \
    'all(x["state"] == "latest" and x["last_error"] is None for x in s["shards"]) and s["status"]["level"] in ("none", "info")'
jcheck "$TMP/f.json" "the read budget held through the retries (<= 2 calls/s per shard)" \
    'all(x["calls_per_s"] <= 2.0 for x in s["shards"])'

finish
