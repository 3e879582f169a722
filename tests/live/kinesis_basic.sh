#!/bin/sh
# The live reader against kinesis-local: a 4-shard stream written by the AWS CLI with DSQL
# records (several tables, duplicates, older commits put after newer ones). Every record is read
# exactly once, the rows and counts are what was put, the stream's maximum record size follows
# UpdateMaxRecordSize, and --from a time reads exactly the records put after it.
. "${srcdir:-.}/tests/live/lib.sh"

# The command line: exactly one source; --dlq only with --stream; --from is checked.
"$CDCTOP" --no-config --stream s --demo 2>"$TMP/e1"
check "--stream with --demo is refused (exit 2)" test $? -eq 2
check "... and says why" grep -q -- "either --demo or --stream" "$TMP/e1"
"$CDCTOP" --no-config --demo --dlq q 2>"$TMP/e2"
check "--dlq without --stream is refused" grep -q -- "--dlq needs --stream" "$TMP/e2"
"$CDCTOP" --no-config --headless --stream s --from yesterday 2>"$TMP/e3"
check "a bad --from is refused with the accepted forms" grep -q "trim-horizon, a UTC time" "$TMP/e3"
"$CDCTOP" --no-config --headless --stream s --read-rate 0 2>"$TMP/e4"
check "--read-rate 0 is refused" grep -q "expected a number above 0" "$TMP/e4"
printf 'stream = from-config\nfrom = -15m\nread-rate = 2\nrelist = 5\n' >"$TMP/live.conf"
"$CDCTOP" --config "$TMP/live.conf" --headless --region us-east-1 --endpoint-url http://127.0.0.1:9 \
    --duration 1 --snapshot "$TMP/cfg.json" 2>/dev/null
jcheck "$TMP/cfg.json" "--stream and the live options are read from the config file" \
    's["source"] == "kinesis stream from-config"'

start_kinesis_local
setup_aws "$KINESIS_URL"
create_stream cdc 4 || fail "stream cdc created"

python3 "$LIVE/dsql.py" gen "$TMP/data" --seed 11 --keys 30 --tag basic
python3 "$LIVE/dsql.py" put cdc "$TMP"/data/phase-1.json "$TMP"/data/phase-2.json \
    "$TMP"/data/phase-3.json "$TMP"/data/phase-4.json "$TMP"/data/phase-5.json \
    --results "$TMP/put.json" >/dev/null || fail "records put"

# Tail from the trim horizon; raise the record size limit while it runs (re-described every
# second), then end the run with SIGTERM, which writes the snapshot.
cdctop_bg "$TMP/all.err" cdc --from trim-horizon --until-idle 60 --relist 1 \
    --snapshot "$TMP/all.json"
pid=$BG_PID
wait_records $pid "$TMP/all.json" "$(jget "$TMP/data/expected.json" 's["records"]')" 60 ||
    fail "everything read"
arn=arn:aws:kinesis:us-east-1:000000000000:stream/cdc
awsx kinesis update-max-record-size --stream-arn "$arn" --max-record-size-in-ki-b 5000 \
    >/dev/null 2>&1 ||
    kraw "$KINESIS_URL" UpdateMaxRecordSize "{\"StreamARN\":\"$arn\",\"MaxRecordSizeInKiB\":5000}" \
        >/dev/null || fail "UpdateMaxRecordSize"
for _ in $(seq 1 20); do
    kill -USR1 $pid
    sleep 1
    [ "$(jget "$TMP/all.json" 's["record_size_limit_bytes"]')" = 5120000 ] && break
done
kill -TERM $pid
wait $pid
check "cdctop exits 0 after SIGTERM" test $? -eq 0
[ -s "$TMP/all.json" ] || { cat "$TMP/all.err"; fail "snapshot written"; finish; }

check_data "$TMP/all.json" "$TMP/data/expected.json" --results "$TMP/put.json"
jcheck "$TMP/all.json" "the source names the stream" 's["source"] == "kinesis stream cdc"'
jcheck "$TMP/all.json" "the endpoint is the region and the URL given" \
    "s['endpoint'] == 'us-east-1 $KINESIS_URL'"
jcheck "$TMP/all.json" "credentials come from the environment, and no secret is written" \
    "'environment' in s['credentials_source'] and '$AWS_SECRET_ACCESS_KEY' not in open('$TMP/all.json').read()"
jcheck "$TMP/all.json" "4 shards, all read and caught up" \
    'len(s["shards"]) == 4 and all(x["state"] == "latest" and x["millis_behind_latest"] == 0 and x["started_at"] for x in s["shards"])'
jcheck "$TMP/all.json" "no errors, no throttles" \
    'all(x["errors"] == 0 and x["throttles"] == 0 and x["last_error"] is None for x in s["shards"])'
jcheck "$TMP/all.json" "the polite budget: at most 1 GetRecords per second per shard" \
    'all(x["calls_per_s"] <= 1.0 for x in s["shards"])'
jcheck "$TMP/all.json" "UpdateMaxRecordSize shows up: record_size_limit_bytes 5120000" \
    's["record_size_limit_bytes"] == 5120000'
jcheck "$TMP/all.json" "the status line is not an error" 's["status"]["level"] in ("none", "info")'

# A second stream read by ARN; --from a time: batch A, the time, batch B. Only B is read.
create_stream cdc2 2 || fail "stream cdc2 created"
python3 "$LIVE/dsql.py" gen "$TMP/a" --seed 21 --keys 10 --tag a
python3 "$LIVE/dsql.py" gen "$TMP/b" --seed 22 --keys 12 --tag b
python3 "$LIVE/dsql.py" put cdc2 "$TMP"/a/phase-*.json >/dev/null || fail "batch A put"
# A whole second after the last record of A, and a whole second before the first of B.
at=$(python3 -c 'import time; print(int(time.time()) + 2)')
iso=$(python3 -c 'import sys,time; print(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(sys.argv[1]))))' "$at")
python3 -c 'import sys,time; time.sleep(max(0, int(sys.argv[1]) + 1 - time.time()))' "$at"
python3 "$LIVE/dsql.py" put cdc2 "$TMP"/b/phase-*.json --results "$TMP/putb.json" >/dev/null ||
    fail "batch B put"
arn=arn:aws:kinesis:us-east-1:000000000000:stream/cdc2
cdctop_live "$arn" --from "$iso" --until-idle 5 --snapshot "$TMP/from.json" 2>"$TMP/from.err"
check "cdctop --from $iso exits 0" test $? -eq 0
check_data "$TMP/from.json" "$TMP/b/expected.json" --results "$TMP/putb.json"
jcheck "$TMP/from.json" "a stream given by ARN is shown by name" \
    's["source"] == "kinesis stream cdc2"'
cdctop_live cdc2 --from "$at" --until-idle 5 --snapshot "$TMP/epoch.json" 2>"$TMP/epoch.err"
jcheck "$TMP/epoch.json" "--from epoch seconds reads exactly batch B too" \
    "s['totals']['records'] == $(jget "$TMP/b/expected.json" 's["records"]')"

# A stream that does not exist: shown with the error, the run goes on and writes its snapshot,
# and its exit status says nothing was read (3).
cdctop_live nosuch --from trim-horizon --duration 3 --snapshot "$TMP/none.json" 2>"$TMP/none.err"
check "a missing stream does not end the run early; nothing read: exit status 3" test $? -eq 3
check "a missing stream: its snapshot is written" test -s "$TMP/none.json"
jcheck "$TMP/none.json" "a missing stream is an error on the status line" \
    's["status"]["level"] == "error" and "ResourceNotFound" in s["status"]["text"]'

finish
