#!/bin/sh
# What cdctop does with the trust it is given: where STS calls go (never to --endpoint-url),
# credentials that would cross the network unencrypted, secrets kept out of every text an
# endpoint or a helper can put on screen or into artefacts, credential_process helpers that leave
# children behind or look for inherited sockets, a process that cannot dump core with secrets in
# it, CA bundles and proxies. Everything runs on 127.0.0.1: loopback stand-ins from tests/aws
# (an echoing endpoint, a forward proxy that maps made-up host names to loopback ports, the IMDS
# stub), the real binary headless, and tests/aws/creds-probe.
. "${srcdir:-.}/tests/aws/lib.sh"
need openssl

# cdc NAME [VAR=value...] -- ARGS...: cdctop headless for 3 s with a snapshot set (JSON, text,
# HTML) in $TMP/NAME.d; stdout and stderr in $TMP/NAME.out.
cdc() {
    cdc_name=$1
    shift
    mkdir -p "$TMP/$cdc_name.d"
    run_clean "$cdc_name" "$CDCTOP" "$@" --stream cdc --region us-east-1 --headless --duration 3 \
        --snapshot-dir "$TMP/$cdc_name.d"
    CDC_JSON=$(ls "$TMP/$cdc_name.d"/*.json 2>/dev/null | head -n 1)
    [ -n "$CDC_JSON" ] || fail "$cdc_name: no snapshot written"
}

# nowhere NAME DESCRIPTION VALUE...: no VALUE (nor its form-urlencoded spelling) appears in
# NAME's output (stdout, stderr) or in any of its artefacts.
nowhere() {
    nw_name=$1
    nw_desc=$2
    shift 2
    nw_bad=0
    for v in "$@"; do
        enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$v")
        for f in "$TMP/$nw_name.out" "$TMP/$nw_name.d"/*; do
            [ -f "$f" ] || continue
            if grep -qF -- "$v" "$f" || grep -qF -- "$enc" "$f"; then
                fail "$nw_desc: a secret appears in $(basename "$f")"
                nw_bad=1
            fi
        done
    done
    [ $nw_bad -eq 0 ] && ok "$nw_desc"
}

# A random token of N base64 characters, like a session token or a secret key.
token() {
    python3 -c 'import base64, secrets, sys; print(base64.b64encode(secrets.token_bytes(int(sys.argv[1]))).decode())' "$1"
}


# --- where STS calls go --------------------------------------------------------------------------
start_py kin echo_server.py --mode kinesis
KIN="http://127.0.0.1:$PY_PORT"
start_stub sts --web-token-file "$TMP/webtoken"
STS="http://127.0.0.1:$STUB_PORT"
printf 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjZGN0b3AifQ.c2ln+bmF0/dXJl=\n' >"$TMP/webtoken"

probe show_sts AWS_ACCESS_KEY_ID=AKIDTRUSTEXAMPLE AWS_SECRET_ACCESS_KEY=trustsecretvalue0001 \
    -- --region eu-west-1 --endpoint-url "$KIN" --show-sts
expect show_sts "--endpoint-url does not send STS calls anywhere: the regional endpoint" \
    "sts-endpoint=https://sts.eu-west-1.amazonaws.com/ from=the regional endpoint"

cdc web AWS_WEB_IDENTITY_TOKEN_FILE="$TMP/webtoken" AWS_ROLE_ARN=arn:aws:iam::123456789012:role/web \
    AWS_ENDPOINT_URL_STS="$STS/sts" -- --endpoint-url "$KIN"
jcheck "$CDC_JSON" "web identity through AWS_ENDPOINT_URL_STS while --endpoint-url names Kinesis" \
    's["credentials_source"] == "web identity arn:aws:iam::123456789012:role/web"'
check "the STS endpoint got AssumeRoleWithWebIdentity" \
    grep -q '^POST /sts action=AssumeRoleWithWebIdentity signed=False$' "$TMP/sts.log"
check "the Kinesis endpoint got the Kinesis calls" grep -q 'target=Kinesis_20131202\.' "$TMP/kin.log"
check "and no STS call: the web identity token never went to --endpoint-url" \
    sh -c "! grep -q 'action=Assume' '$TMP/kin.log'"
check "loopback endpoints draw no unencrypted-credentials warning" \
    sh -c "! grep -q unencrypted '$TMP/web.out' '$CDC_JSON'"

cat >"$H/.aws/config" <<EOF
[profile svc]
services = local
web_identity_token_file = $TMP/webtoken
role_arn = arn:aws:iam::123456789012:role/svc

[services local]
sts =
  endpoint_url = $STS/sts
EOF
probe svc -- --profile svc --region us-east-1 --show-sts
expect svc "the profile's services section names the STS endpoint" \
    "sts-endpoint=$STS/sts from=the profile's services section"
expect svc "and the credentials come from there" \
    "creds source=web identity arn:aws:iam::123456789012:role/svc"

# --- proxies, and credentials over plain http ----------------------------------------------------
start_stub imds --region us-east-1
IMDS="http://127.0.0.1:$STUB_PORT"
start_py proxy fwd_proxy.py --map "kinesis.cdctop.test=${KIN##*:}" --map "sts.cdctop.test=${STS##*:}"
PROXY="http://127.0.0.1:$PY_PORT"

cdc proxy_imds HTTP_PROXY="$PROXY" AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS" \
    -- --endpoint-url http://kinesis.cdctop.test/
check "HTTP_PROXY carries the Kinesis calls" grep -q '^POST http://kinesis.cdctop.test/$' "$TMP/proxy.log"
check "and never an instance metadata call" sh -c "! grep -q latest '$TMP/proxy.log'"
check "which went straight to the metadata service" grep -q '^PUT /latest/api/token' "$TMP/imds.log"
jcheck "$CDC_JSON" "credentials from the instance role, through the proxy" \
    's["credentials_source"] == "imds role cdctop-test-role"'
check "signed calls to a non-local http host: one warning on stderr" \
    test "$(grep -c '^cdctop: credentials sent unencrypted to kinesis.cdctop.test (http://)$' "$TMP/proxy_imds.out")" = 1
jcheck "$CDC_JSON" "and the endpoint in the snapshot names the host for the rest of the run" \
    's["endpoint"].endswith("http://kinesis.cdctop.test [unencrypted: kinesis.cdctop.test]")'

probe proxy_container HTTP_PROXY="$PROXY" AWS_CONTAINER_CREDENTIALS_FULL_URI="$IMDS/container-creds" \
    -- --region us-east-1 --endpoint-url http://kinesis.cdctop.test/ --call kinesis
expect proxy_container "container credentials with a proxy set" "creds source=container credentials"
check "and the container agent was not reached through the proxy" \
    sh -c "! grep -q container-creds '$TMP/proxy.log'"
expect proxy_container "the signed call to a non-local http host warns" \
    "warning: credentials sent unencrypted to kinesis.cdctop.test (http://)"

lines=$(wc -l <"$TMP/proxy.log")
cdc proxy_sts HTTP_PROXY="$PROXY" AWS_WEB_IDENTITY_TOKEN_FILE="$TMP/webtoken" \
    AWS_ROLE_ARN=arn:aws:iam::123456789012:role/web AWS_ENDPOINT_URL_STS=http://sts.cdctop.test/sts \
    -- --endpoint-url "$KIN"
check "a web identity token over plain http to a non-local host is warned about" \
    grep -q '^cdctop: credentials sent unencrypted to sts.cdctop.test (http://)$' "$TMP/proxy_sts.out"
check "the loopback Kinesis endpoint is not" sh -c "! grep -q 'unencrypted to 127' '$TMP/proxy_sts.out'"
check "without NO_PROXY, loopback calls go through HTTP_PROXY too" \
    sh -c "tail -n +$((lines + 1)) '$TMP/proxy.log' | grep -q '^POST http://127.0.0.1:'"
lines=$(wc -l <"$TMP/proxy.log")
cdc noproxy HTTP_PROXY="$PROXY" NO_PROXY=127.0.0.1 AWS_ACCESS_KEY_ID=AKIDTRUSTEXAMPLE \
    AWS_SECRET_ACCESS_KEY=trustsecretvalue0001 -- --endpoint-url "$KIN"
check "NO_PROXY sends its hosts direct" test "$(wc -l <"$TMP/proxy.log")" -eq "$lines"
cdc httpsproxy HTTPS_PROXY="$PROXY" AWS_ACCESS_KEY_ID=AKIDTRUSTEXAMPLE \
    AWS_SECRET_ACCESS_KEY=trustsecretvalue0001 -- --endpoint-url "$KIN"
check "HTTPS_PROXY is not used for http endpoints" test "$(wc -l <"$TMP/proxy.log")" -eq "$lines"

# --- secrets echoed by an endpoint, or printed by a helper, go nowhere ------------------------------
start_py echo echo_server.py
ECHO="http://127.0.0.1:$PY_PORT"
SECRET=$(token 30)
SESSION=$(token 120)
cat >"$H/.aws/credentials" <<EOF
[echobase]
aws_access_key_id = AKIDECHOEXAMPLE
aws_secret_access_key = $SECRET
aws_session_token = $SESSION
EOF
cat >"$H/.aws/config" <<'EOF'
[profile echoer]
role_arn = arn:aws:iam::123456789012:role/reader
source_profile = echobase
EOF
cdc echo_assume AWS_ENDPOINT_URL_STS="$ECHO" -- --profile echoer --endpoint-url "$KIN"
jcheck "$CDC_JSON" "an AssumeRole echoed back by STS: the status still says what happened" \
    '"AssumeRole arn:aws:iam::123456789012:role/reader: HTTP 403 AccessDenied: denied" in s["status"]["text"]'
nowhere echo_assume "the session token and secret key are in no artefact, on no screen, not on stderr" \
    "$SESSION" "$SECRET"

WEBTOKEN="eyJhbGciOiJSUzI1NiJ9.$(token 60 | tr -d '=')+/x=="
printf '%s\n' "$WEBTOKEN" >"$TMP/echo-webtoken"
cdc echo_web AWS_WEB_IDENTITY_TOKEN_FILE="$TMP/echo-webtoken" \
    AWS_ROLE_ARN=arn:aws:iam::123456789012:role/web AWS_ENDPOINT_URL_STS="$ECHO" -- --endpoint-url "$KIN"
jcheck "$CDC_JSON" "an echoed AssumeRoleWithWebIdentity is reported" \
    '"AssumeRoleWithWebIdentity arn:aws:iam::123456789012:role/web: HTTP 403 AccessDenied" in s["status"]["text"]'
nowhere echo_web "the web identity token is nowhere, in either spelling" "$WEBTOKEN"

cdc echo_data AWS_ACCESS_KEY_ID=AKIDECHOEXAMPLE AWS_SECRET_ACCESS_KEY="$SECRET" \
    AWS_SESSION_TOKEN="$SESSION" -- --endpoint-url "$ECHO"
jcheck "$CDC_JSON" "a data call echoed back: AccessDeniedException on the status line" \
    '"AccessDeniedException" in s["status"]["text"]'
nowhere echo_data "the session token is nowhere" "$SESSION" "$SECRET"

cat >"$TMP/bin/cred-leak" <<EOF
#!/bin/sh
echo "refresh failed for token $SESSION" >&2
exit 3
EOF
cat >"$TMP/bin/cred-expired" <<'EOF'
#!/bin/sh
echo "the SSO session has expired: run aws sso login" >&2
exit 2
EOF
chmod +x "$TMP/bin/cred-leak" "$TMP/bin/cred-expired"
cat >"$H/.aws/config" <<EOF
[profile leak]
credential_process = $TMP/bin/cred-leak

[profile expired]
credential_process = $TMP/bin/cred-expired
EOF
cdc proc_leak -- --profile leak --endpoint-url "$KIN"
jcheck "$CDC_JSON" "a failing credential_process: what to do, not what it said" \
    '"credential_process (profile leak) failed (exit 3); run it by hand to see its message" in s["status"]["text"]'
nowhere proc_leak "a token on the helper's stderr is nowhere, stderr included" "$SESSION"
cdc proc_expired -- --profile expired --endpoint-url "$KIN"
check "headless: the helper's own line on stderr, once scrubbed" \
    grep -q '^cdctop: credential_process (profile expired) said: the SSO session has expired: run aws sso login$' \
    "$TMP/proc_expired.out"
check "and in no artefact" sh -c "! grep -q 'SSO session' '$TMP/proc_expired.d'/*"

# --- credential_process: helpers that leave children, and inherited descriptors ----------------------
cat >"$TMP/bin/cred-lingering" <<EOF
#!/bin/sh
cat <<'JSON'
{"Version": 1, "AccessKeyId": "AKIDLINGEREXAMPLE", "SecretAccessKey": "lingersecretvalue0001"}
JSON
sleep 300 &
echo \$! >"$TMP/grandchild.pid"
EOF
# Lists its own descriptors, then hands out credentials that expire in 6 s (so they are fetched
# again while connections are open).
cat >"$TMP/bin/cred-fds" <<EOF
#!/bin/sh
n=\$(ls "$TMP"/fds.* 2>/dev/null | wc -l)
for f in /proc/\$\$/fd/*; do readlink "\$f"; done >"$TMP/fds.\$n"
exp=\$(date -u -d "@\$((\$(date +%s) + 6))" +%Y-%m-%dT%H:%M:%SZ)
printf '{"Version": 1, "AccessKeyId": "AKIDFDSEXAMPLE", "SecretAccessKey": "fdssecretvalue0001", "Expiration": "%s"}\n' "\$exp"
EOF
chmod +x "$TMP/bin/cred-lingering" "$TMP/bin/cred-fds"
cat >"$H/.aws/config" <<EOF
[profile lingering]
credential_process = $TMP/bin/cred-lingering

[profile fds]
credential_process = $TMP/bin/cred-fds
EOF
start=$(date +%s%N)
probe lingering -- --profile lingering --region us-east-1
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect lingering "credentials from a helper whose child keeps stdout open" \
    "creds source=credential_process (profile lingering)"
check "taken when the helper exits, not when its child lets go (${elapsed_ms} ms)" test "$elapsed_ms" -lt 5000
gc=$(cat "$TMP/grandchild.pid" 2>/dev/null)
gone() { # gone PID: no such process, or only a zombie waiting for its reaper
    [ -n "$1" ] && { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
}
i=0
while ! gone "$gc" && [ $i -lt 20 ]; do
    sleep 0.1
    i=$((i + 1))
done
check "the helper's leftover child was killed with its process group" gone "$gc"
[ -n "$gc" ] && kill -KILL "$gc" 2>/dev/null

probe fds -- --profile fds --region us-east-1 --endpoint-url "$KIN" --call kinesis --watch 8 \
    --interval 0.2
runs=$(ls "$TMP"/fds.* 2>/dev/null | wc -l)
check "the helper ran again while calls were open ($runs runs)" test "$runs" -ge 2
check "and never inherited a socket" \
    sh -c "! grep -q '^socket:' '$TMP'/fds.*"
expect fds "calls went on across the refreshes" "failed=0 creds_errors=0"

# --- no core dumps with credentials in them -----------------------------------------------------------
expect show_sts "before credentials are looked for, the process is dumpable" "before-creds dumpable=1"
expect show_sts "once they are, it is not" "after-creds dumpable=0"
# The real binary: the files of /proc/PID (its memory, its environment) belong to root once a
# process is not dumpable. Run as an unprivileged user so that the owner tells.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    AS_USER="setpriv --reuid=65534 --regid=65534 --clear-groups"
    want_uid=65534
elif [ "$(id -u)" != 0 ]; then
    AS_USER=""
    want_uid=$(id -u)
else
    AS_USER=none
fi
if [ "$AS_USER" = none ]; then
    echo "note: running as root without setpriv; the dumpable check of the binary is skipped"
else
    # owner_of ARGS...: the owner of /proc/PID/environ of cdctop run with ARGS, 1.5 s after it
    # started.
    owner_of() {
        $AS_USER env -i PATH="$PATH" HOME=/nonexistent LANG=C.UTF-8 \
            ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
            AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIDTRUSTEXAMPLE \
            AWS_SECRET_ACCESS_KEY=trustsecretvalue0001 XDG_CONFIG_HOME=/nonexistent \
            "$CDCTOP" "$@" --headless --duration 3 --snapshot /dev/null >/dev/null 2>&1 &
        pid=$!
        sleep 1.5
        stat -c %u "/proc/$pid/environ" 2>/dev/null
        wait "$pid"
    }
    demo_owner=$(owner_of --demo)
    live_owner=$(owner_of --stream cdc --region us-east-1 --endpoint-url "$KIN")
    check "without credentials (the demo) the process stays dumpable (owner $demo_owner)" \
        test "$demo_owner" = "$want_uid"
    check "with credentials loaded, cdctop is not dumpable (owner $live_owner)" test "$live_owner" = 0
fi

# --- CA bundles -----------------------------------------------------------------------------------
(
    cd "$TMP" &&
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
            -subj "/CN=cdctop throwaway test CA" &&
        openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" &&
        printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >srv.ext &&
        openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem \
            -days 2 -extfile srv.ext
) >"$TMP/openssl.log" 2>&1 || { fail "making the throwaway CA failed"; cat "$TMP/openssl.log"; finish; }
start_py tls echo_server.py --mode kinesis --tls "$TMP/srv.pem" "$TMP/srv.key"
TLS="https://127.0.0.1:$PY_PORT"
KEYS="AWS_ACCESS_KEY_ID=AKIDTRUSTEXAMPLE AWS_SECRET_ACCESS_KEY=trustsecretvalue0001"

# shellcheck disable=SC2086
probe tls_none $KEYS -- --region us-east-1 --endpoint-url "$TLS" --call kinesis
expect tls_none "a private CA without a bundle: a certificate error" "call outcome=AWS_NETWORK"
expect tls_none "which says so" "certificate"
# shellcheck disable=SC2086
probe tls_env $KEYS AWS_CA_BUNDLE="$TMP/ca.pem" -- --region us-east-1 --endpoint-url "$TLS" --call kinesis
expect tls_env "AWS_CA_BUNDLE: verified against the private CA" "call outcome=AWS_OK status=200"
printf '[default]\nca_bundle = %s\n' "$TMP/ca.pem" >"$H/.aws/config"
# shellcheck disable=SC2086
probe tls_profile $KEYS -- --region us-east-1 --endpoint-url "$TLS" --call kinesis
expect tls_profile "the profile's ca_bundle" "call outcome=AWS_OK status=200"
: >"$H/.aws/config"
# shellcheck disable=SC2086
probe tls_missing $KEYS AWS_CA_BUNDLE="$TMP/no-such-ca.pem" -- --region us-east-1 \
    --endpoint-url "$TLS" --call kinesis
expect tls_missing "a missing bundle is a clear error" \
    "ca-error=the CA bundle $TMP/no-such-ca.pem (AWS_CA_BUNDLE) cannot be used: No such file or directory"
expect tls_missing "and the call fails with it rather than trusting other CAs" \
    "call outcome=AWS_NETWORK status=0 code= hint=endpoint unreachable: 127.0.0.1 (the CA bundle"
# shellcheck disable=SC2086
probe tls_proxy $KEYS AWS_CA_BUNDLE="$TMP/ca.pem" HTTPS_PROXY="$PROXY" -- --region us-east-1 \
    --endpoint-url "$TLS" --call kinesis
expect tls_proxy "https through HTTPS_PROXY, verified end to end" "call outcome=AWS_OK status=200"
check "the proxy only tunnelled it" grep -q "^CONNECT 127.0.0.1:${TLS##*:}$" "$TMP/proxy.log"

# shellcheck disable=SC2086
cdc bin_tls_none $KEYS -- --endpoint-url "$TLS"
jcheck "$CDC_JSON" "cdctop without the bundle: the certificate problem on the status line" \
    '"certificate" in s["status"]["text"] + s["status"]["hint"]'
# shellcheck disable=SC2086
cdc bin_tls $KEYS AWS_CA_BUNDLE="$TMP/ca.pem" -- --endpoint-url "$TLS"
jcheck "$CDC_JSON" "with AWS_CA_BUNDLE: TLS succeeds and Kinesis answers" \
    '"ResourceNotFoundException" in s["status"]["text"]'
# shellcheck disable=SC2086
cdc bin_tls_missing $KEYS AWS_CA_BUNDLE="$TMP/no-such-ca.pem" -- --endpoint-url "$TLS"
check "a missing bundle: said on stderr" \
    grep -q "^cdctop: the CA bundle $TMP/no-such-ca.pem (AWS_CA_BUNDLE) cannot be used" "$TMP/bin_tls_missing.out"
jcheck "$CDC_JSON" "and on the status line" '"the CA bundle" in s["status"]["text"] + s["status"]["hint"]'

stop_servers
finish
