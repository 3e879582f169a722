# Shared helpers for the live tests: AWS-compatible servers on 127.0.0.1 (started per test on a
# free port and always stopped), the AWS CLI as the independent writer, and cdctop against them.
# Sourced after tests/lib/common.sh; expects $CDCTOP, $srcdir and optionally $builddir.
# shellcheck shell=sh

. "${srcdir:-.}/tests/lib/common.sh"

need python3
need node

LIVE=$srcdir/tests/live
PIDS=""

# Nothing here may reach past loopback or read the operator's AWS setup.
export AWS_ACCESS_KEY_ID=AKIDCDCTOPTEST
export AWS_SECRET_ACCESS_KEY=cdctop-test-secret
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=$TMP/aws-config
export AWS_SHARED_CREDENTIALS_FILE=$TMP/aws-credentials
export AWS_PAGER=""
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN \
    AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
    AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_ENDPOINT_URL
export NO_PROXY='*' no_proxy='*'
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy

# Stops every process this test started: SIGTERM, then SIGKILL after a grace period.
stop_all() {
    for p in $PIDS; do
        kill -TERM "$p" 2>/dev/null
    done
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        alive=""
        for p in $PIDS; do
            kill -0 "$p" 2>/dev/null && alive="$alive $p"
        done
        [ -z "$alive" ] && break
        sleep 0.3
    done
    for p in $PIDS; do
        kill -KILL "$p" 2>/dev/null
    done
    PIDS=""
}
trap 'stop_all; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP PIPE

# track PID: stop_all stops it at the end.
track() {
    PIDS="$PIDS $1"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http PORT [SECONDS]: until something answers HTTP on 127.0.0.1:PORT.
wait_http() {
    python3 - "$1" "${2:-30}" <<'PY'
import socket, sys, time
port, limit = int(sys.argv[1]), float(sys.argv[2])
end = time.time() + limit
while time.time() < end:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        s.settimeout(3)
        if s.recv(16).startswith(b"HTTP/"):
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit(1)
PY
}

# wait_port PORT [SECONDS]: until 127.0.0.1:PORT accepts connections (for moto, which would
# count an HTTP probe as one of its unauthenticated requests).
wait_port() {
    python3 - "$1" "${2:-30}" <<'PY'
import socket, sys, time
port, limit = int(sys.argv[1]), float(sys.argv[2])
end = time.time() + limit
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)
PY
}

# The npm servers: from the source tree, or installed once into the build tree.
find_servers() {
    for d in "${CDCTOP_TEST_SERVERS:-}" "$srcdir/tests/servers/node_modules" \
        "${builddir:-.}/tests/servers/node_modules"; do
        if [ -n "$d" ] && [ -f "$d/kinesis-local/main.js" ] && [ -f "$d/fauxqs/dist/cli.js" ]; then
            SERVERS=$d
            return 0
        fi
    done
    command -v npm >/dev/null 2>&1 || { echo "SKIP: npm is not installed"; exit 77; }
    dir=${builddir:-$TMP}/tests/servers
    mkdir -p "$dir"
    # Tests run in parallel: one installs, the others wait for it.
    if mkdir "$dir/.installing" 2>/dev/null; then
        cp "$srcdir/tests/servers/package.json" "$srcdir/tests/servers/package-lock.json" "$dir/"
        npm ci --prefix "$dir" --no-audit --no-fund >"$dir/npm.log" 2>&1
        rmdir "$dir/.installing"
    else
        for _ in $(seq 1 300); do
            [ -d "$dir/.installing" ] || break
            sleep 1
        done
    fi
    if [ -f "$dir/node_modules/kinesis-local/main.js" ]; then
        SERVERS=$dir/node_modules
        return 0
    fi
    echo "SKIP: the test servers could not be installed (npm ci --prefix tests/servers)"
    exit 77
}

# The AWS CLI, v1 or v2, as a wrapper script taking the same arguments with the endpoint set.
# Blob arguments (--data, Data in --records) are raw text with both versions.
setup_aws() {
    endpoint=$1
    command -v aws >/dev/null 2>&1 || { echo "SKIP: the AWS CLI is not installed"; exit 77; }
    binfmt=""
    case $(aws --version 2>&1) in
    aws-cli/1.*) ;;
    *) binfmt="--cli-binary-format raw-in-base64-out" ;;
    esac
    AWS_WRAPPER=$TMP/aws-wrapper
    cat >"$AWS_WRAPPER" <<EOF
#!/bin/sh
exec aws --endpoint-url "$endpoint" --region us-east-1 --output json $binfmt "\$@"
EOF
    chmod +x "$AWS_WRAPPER"
    export AWS_WRAPPER
}

awsx() {
    "$AWS_WRAPPER" "$@"
}

# start_kinesis_local: sets KINESIS_PORT, KINESIS_URL and KINESIS_PID.
start_kinesis_local() {
    find_servers
    KINESIS_PORT=$(free_port)
    tls=$(free_port)
    pkg=$SERVERS/kinesis-local
    KINESIS_MOCK_CERT_PATH=$pkg/server.json KINESIS_MOCK_PLAIN_PORT=$KINESIS_PORT \
        KINESIS_MOCK_TLS_PORT=$tls CREATE_STREAM_DURATION=0ms DELETE_STREAM_DURATION=0ms \
        MERGE_SHARDS_DURATION=0ms SPLIT_SHARD_DURATION=0ms UPDATE_SHARD_COUNT_DURATION=0ms \
        REGISTER_STREAM_CONSUMER_DURATION=0ms DEREGISTER_STREAM_CONSUMER_DURATION=0ms \
        UPDATE_STREAM_MODE_DURATION=0ms LOG_LEVEL=WARN SHARD_LIMIT=100 \
        node "$pkg/main.js" >"$TMP/kinesis-local.log" 2>&1 &
    KINESIS_PID=$!
    track $KINESIS_PID
    if ! wait_http "$KINESIS_PORT" 60; then
        tail -n 20 "$TMP/kinesis-local.log"
        fail "kinesis-local did not start"
        finish
    fi
    KINESIS_URL=http://127.0.0.1:$KINESIS_PORT
}

# start_moto NO_AUTH_COUNT: moto verifying SigV4 and IAM after the first NO_AUTH_COUNT requests.
# Sets MOTO_PORT and MOTO_URL.
start_moto() {
    command -v moto_server >/dev/null 2>&1 || { echo "SKIP: moto_server is not installed"; exit 77; }
    MOTO_PORT=$(free_port)
    INITIAL_NO_AUTH_ACTION_COUNT=$1 moto_server -H 127.0.0.1 -p "$MOTO_PORT" \
        >"$TMP/moto.log" 2>&1 &
    track $!
    if ! wait_port "$MOTO_PORT" 60; then
        tail -n 20 "$TMP/moto.log"
        fail "moto did not start"
        finish
    fi
    MOTO_URL=http://127.0.0.1:$MOTO_PORT
}

# start_fauxqs: sets FAUXQS_PORT and FAUXQS_URL.
start_fauxqs() {
    find_servers
    FAUXQS_PORT=$(free_port)
    FAUXQS_PORT=$FAUXQS_PORT node "$SERVERS/fauxqs/dist/cli.js" >"$TMP/fauxqs.log" 2>&1 &
    track $!
    if ! wait_http "$FAUXQS_PORT" 60; then
        tail -n 20 "$TMP/fauxqs.log"
        fail "fauxqs did not start"
        finish
    fi
    FAUXQS_URL=http://127.0.0.1:$FAUXQS_PORT
}

# wait_stream NAME: until the stream is ACTIVE (resharding is asynchronous).
wait_stream() {
    for _ in $(seq 1 100); do
        st=$(awsx kinesis describe-stream-summary --stream-name "$1" \
            --query StreamDescriptionSummary.StreamStatus --output text 2>/dev/null)
        [ "$st" = ACTIVE ] && return 0
        sleep 0.2
    done
    return 1
}

# create_stream NAME SHARDS
create_stream() {
    awsx kinesis create-stream --stream-name "$1" --shard-count "$2" >/dev/null &&
        wait_stream "$1"
}

# kraw ENDPOINT OPERATION JSON: a Kinesis call the installed CLI may not know (signed with the
# test keys; the emulators accept it).
kraw() {
    python3 "$LIVE/kraw.py" "$@"
}

# cdctop_live STREAM ARGS...: cdctop headless against the Kinesis endpoint.
cdctop_live() {
    stream=$1
    shift
    "$CDCTOP" --no-config --headless --stream "$stream" --endpoint-url "$KINESIS_URL" \
        --region us-east-1 --snapshot-rows all "$@"
}

# cdctop_bg OUT.err STREAM ARGS...: the same in the background; BG_PID is cdctop itself (not a
# subshell), so a signal sent to it reaches cdctop.
cdctop_bg() {
    err=$1
    stream=$2
    shift 2
    "$CDCTOP" --no-config --headless --stream "$stream" --endpoint-url "$KINESIS_URL" \
        --region us-east-1 --snapshot-rows all "$@" 2>"$err" &
    BG_PID=$!
    track $BG_PID
    # SIGUSR1 ends a process that has not installed its handler yet: give it time to start.
    sleep 1
}

# wait_records PID SNAPSHOT N [SECONDS]: asks cdctop (SIGUSR1) for snapshots until it has read
# N records; false when that does not happen in time.
wait_records() {
    end=$(($(date +%s) + ${4:-60}))
    while [ "$(date +%s)" -lt "$end" ]; do
        kill -USR1 "$1" 2>/dev/null || return 1
        sleep 0.5
        n=$(jget "$2" 's["totals"]["records"]' 2>/dev/null)
        [ -n "$n" ] && [ "$n" -ge "$3" ] && return 0
        sleep 0.5
    done
    return 1
}

# snapshot_now PID SNAPSHOT COPY: a mid-run snapshot, copied aside.
snapshot_now() {
    rm -f "$2"
    kill -USR1 "$1"
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        [ -s "$2" ] && break
        sleep 0.2
    done
    cp "$2" "$3"
}

# jq-like assertions on a snapshot: jcheck from common.sh; this prints a value.
jget() {
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# check_data SNAPSHOT EXPECTED [ARGS]: the snapshot against what dsql.py generated.
check_data() {
    out=$(python3 "$LIVE/dsql.py" check "$@")
    st=$?
    printf '%s\n' "$out"
    failures=$((failures + $(printf '%s\n' "$out" | grep -c '^FAIL')))
    [ $st -eq 0 ] || [ "$(printf '%s\n' "$out" | grep -c '^FAIL')" -gt 0 ] || fail "dsql.py check failed"
}
