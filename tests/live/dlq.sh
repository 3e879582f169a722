#!/bin/sh
# The DLQ watcher against moto with request authentication on (SigV4 and IAM checked) and
# against fauxqs (queue URLs with a host that does not resolve): depth and in-flight counts, an
# access-denied user, a wrong secret and an unknown key are shown with their hints, and cdctop
# keeps running and writes its snapshot.
. "${srcdir:-.}/tests/live/lib.sh"

# The first 3 requests are free: an admin user, its key and its policy. Everything after is
# signed and checked.
start_moto 3
setup_aws "$MOTO_URL"
awsx iam create-user --user-name admin >/dev/null || fail "admin user created"
awsx iam create-access-key --user-name admin >"$TMP/admin.json" || fail "admin key created"
awsx iam put-user-policy --user-name admin --policy-name all --policy-document \
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","sqs:*","kinesis:*"],"Resource":"*"}]}' ||
    fail "admin policy"
# use_key FILE: the access key in an iam create-access-key answer.
use_key() {
    AWS_ACCESS_KEY_ID=$(jget "$1" 's["AccessKey"]["AccessKeyId"]')
    AWS_SECRET_ACCESS_KEY=$(jget "$1" 's["AccessKey"]["SecretAccessKey"]')
    export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
}
use_key "$TMP/admin.json"
# user NAME ACTIONS: a user allowed the given actions (JSON list), its key in $TMP/NAME.json.
user() {
    awsx iam create-user --user-name "$1" >/dev/null &&
        awsx iam create-access-key --user-name "$1" >"$TMP/$1.json" &&
        awsx iam put-user-policy --user-name "$1" --policy-name p --policy-document \
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":$2,\"Resource\":\"*\"}]}" ||
        fail "user $1 created"
}
user watcher '["kinesis:*","sqs:GetQueueUrl","sqs:GetQueueAttributes"]'
user blind '["kinesis:*","sqs:GetQueueUrl"]'
awsx kinesis create-stream --stream-name s --shard-count 1 >/dev/null || fail "stream created"
url=$(awsx sqs create-queue --queue-name dlq --query QueueUrl --output text) || fail "queue created"
awsx sqs send-message-batch --queue-url "$url" --entries \
    "$(python3 -c 'import json; print(json.dumps([{"Id": "m%d" % i, "MessageBody": "{\"KinesisBatchInfo\":{\"shardId\":\"shardId-000000000000\",\"batchSize\":%d}}" % i} for i in range(7)]))')" \
    >/dev/null || fail "7 messages sent"

KINESIS_URL=$MOTO_URL
use_key "$TMP/watcher.json"
cdctop_bg "$TMP/w.err" s --dlq dlq --dlq-interval 0.5 --until-idle 120 --snapshot "$TMP/w.json"
pid=$BG_PID
# wait_dlq EXPR: until a mid-run snapshot satisfies EXPR (s = the snapshot).
wait_dlq() {
    for _ in $(seq 1 40); do
        kill -USR1 $pid
        sleep 0.5
        [ "$(jget "$TMP/w.json" "bool($1)" 2>/dev/null)" = True ] && return 0
    done
    return 1
}
check "a DLQ holding 7 messages shows 7 visible, none in flight" \
    wait_dlq 's["dlq"]["visible"] == 7 and s["dlq"]["in_flight"] == 0'
use_key "$TMP/admin.json"
awsx sqs receive-message --queue-url "$url" --max-number-of-messages 3 --visibility-timeout 60 \
    >"$TMP/received.json" || fail "messages received"
n=$(jget "$TMP/received.json" 'len(s["Messages"])')
check "messages received with a visibility timeout show as in flight ($n)" \
    wait_dlq "s['dlq']['visible'] == 7 - $n and s['dlq']['in_flight'] == $n"
kill -TERM $pid
wait $pid
check "cdctop exits 0" test $? -eq 0
jcheck "$TMP/w.json" "the DLQ is named and fine" \
    's["dlq"]["name"] == "dlq" and s["dlq"]["error"] is None and s["dlq"]["updated_at"]'
jcheck "$TMP/w.json" "the stream is read alongside, without errors" \
    'len(s["shards"]) == 1 and s["shards"][0]["errors"] == 0 and s["shards"][0]["state"] == "latest"'
jcheck "$TMP/w.json" "credentials from the environment; the secret never written" \
    "s['credentials_source'] == 'environment' and '$AWS_SECRET_ACCESS_KEY' not in open('$TMP/w.json').read() and '$(jget "$TMP/watcher.json" 's["AccessKey"]["SecretAccessKey"]')' not in open('$TMP/w.json').read()"

# A user lacking sqs:GetQueueAttributes: the status line names the action; the run goes on.
use_key "$TMP/blind.json"
cdctop_live s --dlq "$url" --dlq-interval 0.5 --duration 4 --snapshot "$TMP/blind.json.out" \
    2>"$TMP/blind.err"
check "access denied: cdctop keeps running and exits 0 (the stream was read)" test $? -eq 0
check "access denied: the problem is on stderr at the end" \
    grep -q "^cdctop: error: .*GetQueueAttributes" "$TMP/blind.err"
check "access denied: the snapshot is written" test -s "$TMP/blind.json.out"
jcheck "$TMP/blind.json.out" "access denied: the status text names the action, with a hint" \
    's["status"]["level"] == "error" and "GetQueueAttributes" in s["status"]["text"] and "AccessDenied" in s["status"]["text"] and "sqs:GetQueueAttributes" in s["status"]["text"] + s["status"]["hint"]'
jcheck "$TMP/blind.json.out" "access denied: the DLQ shows the error, no counts" \
    '"AccessDenied" in s["dlq"]["error"] and s["dlq"]["visible"] is None'
jcheck "$TMP/blind.json.out" "access denied: the stream is still read" \
    's["shards"][0]["state"] == "latest" and s["shards"][0]["errors"] == 0'

# A wrong secret: the signature hint.
AWS_ACCESS_KEY_ID=$(jget "$TMP/watcher.json" 's["AccessKey"]["AccessKeyId"]')
AWS_SECRET_ACCESS_KEY=not-the-secret-at-all
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
cdctop_live s --dlq dlq --dlq-interval 0.5 --duration 3 --snapshot "$TMP/sig.json" 2>"$TMP/sig.err"
check "wrong secret: cdctop runs to the end; nothing read: exit status 3" test $? -eq 3
check "wrong secret: stderr names the problem" grep -q "^cdctop: error: .*Signature" "$TMP/sig.err"
jcheck "$TMP/sig.json" "wrong secret: the signature error and its hint on the status line" \
    's["status"]["level"] == "error" and "Signature" in s["status"]["text"] and "secret" in s["status"]["hint"]'
jcheck "$TMP/sig.json" "wrong secret: the DLQ and the shards show it" \
    '"SignatureDoesNotMatch" in s["dlq"]["error"] and all(x["state"] in ("error", "pending") for x in s["shards"])'

# An unknown access key.
AWS_ACCESS_KEY_ID=AKIDNOSUCHKEY0000000
export AWS_ACCESS_KEY_ID
cdctop_live s --dlq dlq --dlq-interval 0.5 --duration 3 --snapshot "$TMP/key.json" 2>"$TMP/key.err"
jcheck "$TMP/key.json" "unknown key: named on the status line with its hint" \
    's["status"]["level"] == "error" and "InvalidClientTokenId" in s["status"]["text"] and "access key" in s["status"]["hint"]'

# fauxqs: queue URLs name a host that does not resolve; requests still go to the endpoint.
start_fauxqs
export AWS_ACCESS_KEY_ID=AKIDCDCTOPTEST AWS_SECRET_ACCESS_KEY=cdctop-test-secret
furl=$(python3 "$LIVE/kraw.py" --sqs "$FAUXQS_URL" CreateQueue '{"QueueName":"fdlq"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["QueueUrl"])') || fail "fauxqs queue"
for i in 1 2 3; do
    python3 "$LIVE/kraw.py" --sqs "$FAUXQS_URL" SendMessage \
        "{\"QueueUrl\":\"$furl\",\"MessageBody\":\"m$i\"}" >/dev/null || fail "fauxqs message $i"
done
python3 "$LIVE/kraw.py" --sqs "$FAUXQS_URL" ReceiveMessage \
    "{\"QueueUrl\":\"$furl\",\"MaxNumberOfMessages\":1,\"VisibilityTimeout\":60}" >/dev/null ||
    fail "fauxqs receive"
echo "fauxqs queue URL: $furl"
KINESIS_URL=$FAUXQS_URL
for q in "$furl" fdlq; do
    cdctop_live s --dlq "$q" --dlq-interval 0.5 --duration 2 --snapshot "$TMP/fq.json" \
        2>"$TMP/fq.err"
    jcheck "$TMP/fq.json" "fauxqs, --dlq $q: 2 visible, 1 in flight" \
        's["dlq"]["visible"] == 2 and s["dlq"]["in_flight"] == 1 and s["dlq"]["name"] == "fdlq"'
done

finish
