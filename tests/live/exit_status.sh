#!/bin/sh
# Headless exit statuses for a cron job: a source that never delivered anything because of a
# problem (unreachable endpoint, no credentials, a missing stream) ends with exit status 3 and
# the problem and its hint on standard error, snapshot still written; a healthy stream with
# nothing new exits 0 with nothing but the snapshot line. A server's error message reaches
# standard error escaped.
. "${srcdir:-.}/tests/live/lib.sh"

# no_raw_controls FILE: valid UTF-8 without controls (other than newlines) or C1 controls.
no_raw_controls() {
    python3 - "$1" <<'PY'
import sys
text = open(sys.argv[1], "rb").read().decode("utf-8")  # raises on invalid UTF-8
sys.exit(any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in text))
PY
}

# An endpoint nobody listens on.
closed=$(free_port)
"$CDCTOP" --no-config --headless --stream s --endpoint-url "http://127.0.0.1:$closed" \
    --region us-east-1 --duration 2 --snapshot "$TMP/closed.json" 2>"$TMP/closed.err"
check "unreachable endpoint: exit status 3" test $? -eq 3
check "unreachable endpoint: the snapshot is still written" test -s "$TMP/closed.json"
check "unreachable endpoint: stderr says what failed" \
    grep -Eq '^cdctop: (error|warning): ListShards: network error: connection refused' "$TMP/closed.err"
check "unreachable endpoint: stderr gives the hint" \
    grep -q "^cdctop: hint: endpoint unreachable: 127.0.0.1" "$TMP/closed.err"
check "unreachable endpoint: stderr says nothing was read" \
    grep -q "^cdctop: nothing was read from the source (exit status 3)$" "$TMP/closed.err"

# No credentials anywhere (the environment, the files, the instance are all ruled out).
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$CDCTOP" --no-config --headless --stream s \
    --endpoint-url "http://127.0.0.1:$closed" --region us-east-1 --duration 2 \
    --snapshot "$TMP/nocreds.json" 2>"$TMP/nocreds.err"
check "no credentials: exit status 3" test $? -eq 3
check "no credentials: stderr says so" grep -q "^cdctop: error: .*no AWS credentials" "$TMP/nocreds.err"
check "no credentials: stderr gives the hint" grep -q "^cdctop: hint: " "$TMP/nocreds.err"
jcheck "$TMP/nocreds.json" "no credentials: the snapshot shows the same problem" \
    's["status"]["level"] == "error" and "credentials" in s["status"]["text"]'

start_kinesis_local
setup_aws "$KINESIS_URL"

# A stream that does not exist.
cdctop_live nosuch --duration 3 --snapshot "$TMP/missing.json" 2>"$TMP/missing.err"
check "missing stream: exit status 3" test $? -eq 3
check "missing stream: stderr names the error" \
    grep -q "^cdctop: error: .*ResourceNotFoundException" "$TMP/missing.err"
check "missing stream: stderr gives the hint" \
    grep -q "^cdctop: hint: stream or queue not found in us-east-1" "$TMP/missing.err"

# A healthy stream with nothing in it: a run that worked, with no records.
create_stream quiet 2 || fail "stream created"
cdctop_live quiet --duration 3 --snapshot "$TMP/quiet.json" 2>"$TMP/quiet.err"
check "healthy empty stream: exit status 0" test $? -eq 0
jcheck "$TMP/quiet.json" "healthy empty stream: no records, both shards read" \
    's["totals"]["records"] == 0 and all(x["state"] == "latest" for x in s["shards"]) and len(s["shards"]) == 2'
check "healthy empty stream: stderr holds only the snapshot line" \
    test "$(cat "$TMP/quiet.err")" = "cdctop: snapshot written to $TMP/quiet.json"

# A server whose error message carries terminal controls: on stderr they are escapes.
hport=$(free_port)
python3 - "$hport" >"$TMP/hostile.log" 2>&1 <<'PY' &
import http.server, json, sys
MESSAGE = "User x is not authorized \x1b]0;pwned\x07 \x9b31m to perform: kinesis:ListShards"
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"__type": "AccessDeniedException", "message": MESSAGE}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
track $!
wait_http "$hport" 20 || fail "the hostile server started"
"$CDCTOP" --no-config --headless --stream s --endpoint-url "http://127.0.0.1:$hport" \
    --region us-east-1 --duration 2 --snapshot "$TMP/hostile.json" 2>"$TMP/hostile.err"
check "hostile server message: exit status 3" test $? -eq 3
check "hostile server message: stderr holds no raw control or C1 character" \
    no_raw_controls "$TMP/hostile.err"
check "hostile server message: still readable" \
    grep -qF 'AccessDeniedException: User x is not authorized' "$TMP/hostile.err"
check "hostile server message: the CSI byte shown as \\u{009b}" grep -qF '\u{009b}31m' "$TMP/hostile.err"

finish
