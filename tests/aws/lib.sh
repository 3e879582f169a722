# Shared helpers of the credential tests (tests/aws/*.sh): loopback stand-ins started and always
# stopped, and tests/aws/creds-probe run with a clean environment. Sourced; expects $CDCTOP,
# $srcdir and $builddir from `make check`.
# shellcheck shell=sh
. "${srcdir:-.}/tests/lib/common.sh"
need python3
need timeout
PROBE=${builddir:-.}/tests/aws/creds-probe
[ -x "$PROBE" ] || { echo "SKIP: $PROBE is not built"; exit 77; }
STUB="$srcdir/tests/aws/imds_stub.py"

H="$TMP/home"            # the HOME every probe run sees
mkdir -p "$H/.aws" "$TMP/bin"
PIDS=""

stop_servers() {
    for pid in $PIDS; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in $PIDS; do
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 30 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    PIDS=""
}
trap 'stop_servers; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: until 127.0.0.1:PORT accepts connections (20 s at most). Only a TCP connect:
# moto counts every HTTP request against INITIAL_NO_AUTH_ACTION_COUNT, so none is sent here.
wait_port() {
    python3 - "$1" <<'PY'
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

# start_py NAME SCRIPT ARGS...: starts a Python helper from tests/aws that writes its port to
# the file given as --port-file, sets PY_PORT; its log is $TMP/NAME.log.
start_py() {
    name=$1
    script=$2
    shift 2
    rm -f "$TMP/$name.port"
    python3 "$srcdir/tests/aws/$script" --port-file "$TMP/$name.port" --log "$TMP/$name.log" "$@" &
    PIDS="$PIDS $!"
    i=0
    while [ ! -s "$TMP/$name.port" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    PY_PORT=$(cat "$TMP/$name.port" 2>/dev/null)
    [ -n "$PY_PORT" ] || { fail "$script ($name) did not start"; finish; }
}

# start_stub NAME ARGS...: starts the IMDS stub, sets STUB_PORT; its log is $TMP/NAME.log.
start_stub() {
    stub_name=$1
    shift
    start_py "$stub_name" imds_stub.py "$@"
    STUB_PORT=$PY_PORT
}

DEAD_PORT=$(free_port) # nothing listens here: IMDS and STS default to it, never to the network

# run_clean NAME PROGRAM [VAR=value...] -- ARGS...: runs PROGRAM with a clean environment (no
# AWS_* or proxy variables from the caller), HOME=$H, IMDS pointed at a dead loopback port unless
# overridden; stdout and stderr in $TMP/NAME.out, exit status in $TMP/NAME.rc.
run_clean() {
    name=$1
    program=$2
    shift 2
    set -- env -i PATH="$PATH" HOME="$H" LANG=C.UTF-8 \
        ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
        AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$DEAD_PORT" "$@"
    # Replace the "--" separator with the program itself.
    n=$#
    i=0
    for a in "$@"; do
        i=$((i + 1))
        if [ "$a" = "--" ]; then
            set -- "$@" "$program"
        else
            set -- "$@" "$a"
        fi
        [ $i -eq $n ] && break
    done
    shift $n
    timeout 60 "$@" >"$TMP/$name.out" 2>&1
    rc=$?
    echo $rc >"$TMP/$name.rc"
    # 0: done, 1: an expected error, 3: cdctop read nothing because the source failed (these
    # tests check credentials and transport, not streams); anything else is a crash, a
    # sanitizer report or a hang.
    case $rc in
    0 | 1 | 3) ;;
    *)
        fail "$(basename "$program") ($name) exited with status $rc:"
        sed 's/^/    /' "$TMP/$name.out"
        ;;
    esac
    sanitizer_clean "$name"
}

# probe NAME [VAR=value...] -- ARGS...: run_clean with tests/aws/creds-probe.
probe() {
    probe_name=$1
    shift
    run_clean "$probe_name" "$PROBE" "$@"
}

# sanitizer_clean NAME: no AddressSanitizer, LeakSanitizer or UBSan report in NAME's output.
sanitizer_clean() {
    if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP/$1.out"; then
        fail "a sanitizer report in $1:"
        sed 's/^/    /' "$TMP/$1.out"
    fi
}

has() { # has NAME TEXT: the probe's output contains TEXT
    grep -qF -- "$2" "$TMP/$1.out"
}

expect() { # expect NAME DESCRIPTION TEXT
    if has "$1" "$3"; then ok "$2"; else fail "$2: no '$3' in:"; sed 's/^/    /' "$TMP/$1.out"; fi
}

