#!/bin/sh
# The credential chain, the region, IMDSv2 with background refresh, and signed calls, all on
# 127.0.0.1: a Python stand-in for IMDS/container/STS-web-identity, and moto with request
# authentication on, set up through the AWS CLI. Drives tests/aws/creds-probe, which prints where
# credentials came from (never the secrets) and the outcome of signed calls.
. "${srcdir:-.}/tests/aws/lib.sh"

# --- environment and profile files ------------------------------------------------------------
probe env AWS_ACCESS_KEY_ID=AKIDENVEXAMPLE AWS_SECRET_ACCESS_KEY=envsecretvalue0001 \
    AWS_SESSION_TOKEN=envtoken0001 AWS_REGION=eu-central-1 -- --resolve
expect env "environment credentials" "creds source=environment"
expect env "environment session token" "token=yes"
expect env "region from AWS_REGION" "region=eu-central-1"

cat >"$H/.aws/credentials" <<'EOF'
# shared credentials
[default]
aws_access_key_id = AKIDDEFAULTEXAMPLE
aws_secret_access_key = defaultsecretvalue0001

[dev]
aws_access_key_id=AKIDDEVEXAMPLE
aws_secret_access_key=devsecretvalue0001
aws_session_token = devtoken0001
EOF
cat >"$H/.aws/config" <<'EOF'
[default]
region = sa-east-1

[profile dev]
region = ap-northeast-1
s3 =
    max_concurrent_requests = 20
    region = nested-not-a-region

[profile cfgonly]
aws_access_key_id = AKIDCFGEXAMPLE
aws_secret_access_key = cfgsecretvalue0001
EOF

probe default -- --resolve
expect default "[default] in ~/.aws/credentials" "creds source=profile default (~/.aws/credentials)"
expect default "region from the [default] config section" "region=sa-east-1"
probe dev -- --profile dev --resolve
expect dev "--profile dev" "creds source=profile dev (~/.aws/credentials)"
expect dev "profile region; the indented s3 block is skipped" "region=ap-northeast-1"
probe awsprofile AWS_PROFILE=dev -- --resolve
expect awsprofile "AWS_PROFILE selects the profile" "creds source=profile dev (~/.aws/credentials)"
probe envwins AWS_PROFILE=dev AWS_ACCESS_KEY_ID=AKIDENVEXAMPLE \
    AWS_SECRET_ACCESS_KEY=envsecretvalue0001 -- --resolve
expect envwins "AWS_PROFILE alone leaves the environment first" "creds source=environment"
probe explicit AWS_ACCESS_KEY_ID=AKIDENVEXAMPLE AWS_SECRET_ACCESS_KEY=envsecretvalue0001 \
    -- --profile dev --resolve
expect explicit "--profile removes the environment provider" "creds source=profile dev"
probe cfgonly -- --profile cfgonly --resolve
expect cfgonly "static keys in ~/.aws/config" "creds source=profile cfgonly (~/.aws/config)"
probe regionorder AWS_DEFAULT_REGION=us-west-1 -- --profile dev --resolve
expect regionorder "AWS_DEFAULT_REGION before the profile's region" "region=us-west-1"
probe regionflag AWS_DEFAULT_REGION=us-west-1 AWS_REGION=us-west-2 -- --region eu-west-2 --resolve
expect regionflag "--region first" "region=eu-west-2"
probe noprofile AWS_PROFILE=nosuch -- --resolve
expect noprofile "an unknown AWS_PROFILE is named" \
    "error=profile nosuch not found in ~/.aws/credentials or ~/.aws/config"

mkdir -p "$TMP/elsewhere"
cat >"$TMP/elsewhere/creds" <<'EOF'
[other]
aws_access_key_id = AKIDOTHEREXAMPLE
aws_secret_access_key = othersecretvalue0001
EOF
cat >"$TMP/elsewhere/conf" <<'EOF'
[profile other]
region = ca-central-1
EOF
probe files AWS_SHARED_CREDENTIALS_FILE="$TMP/elsewhere/creds" AWS_CONFIG_FILE="$TMP/elsewhere/conf" \
    -- --profile other --resolve
expect files "AWS_SHARED_CREDENTIALS_FILE" "creds source=profile other ($TMP/elsewhere/creds)"
expect files "AWS_CONFIG_FILE" "region=ca-central-1"

# --- credential_process -------------------------------------------------------------------------
cat >"$TMP/bin/cred-helper" <<EOF
#!/bin/sh
# Records its arguments one per line, then prints credentials.
for a in "\$@"; do printf '%s\n' "\$a"; done >"$TMP/helper-args"
cat <<'JSON'
{"Version": 1, "AccessKeyId": "AKIDPROCEXAMPLE", "SecretAccessKey": "procsecretvalue0001",
 "SessionToken": "proctoken0001", "Expiration": "2099-01-01T00:00:00Z"}
JSON
EOF
cat >"$TMP/bin/cred-fail" <<'EOF'
#!/bin/sh
echo "helper: the SSO session has expired, run login" >&2
echo "second line" >&2
exit 1
EOF
chmod +x "$TMP/bin/cred-helper" "$TMP/bin/cred-fail"
cat >>"$H/.aws/config" <<EOF

[profile proc]
credential_process = "$TMP/bin/cred-helper" --name "two words" it\\'s '\$HOME'

[profile procfail]
credential_process = $TMP/bin/cred-fail --x

[profile procmissing]
credential_process = $TMP/bin/no-such-helper
EOF
probe proc -- --profile proc --resolve
expect proc "credential_process credentials" "creds source=credential_process (profile proc)"
expect proc "credential_process expiry is carried" "token=yes expires_in="
printf '%s\n' --name "two words" "it's" '$HOME' >"$TMP/helper-want"
check "credential_process is split shell-style, without a shell" cmp -s "$TMP/helper-args" "$TMP/helper-want"
probe procfail -- --profile procfail --resolve
expect procfail "a failing credential_process is reported without quoting it" \
    "error=credential_process (profile procfail) failed (exit 1); run it by hand to see its message"
expect procfail "its first stderr line goes to the side note only" \
    "note: credential_process (profile procfail) said: helper: the SSO session has expired, run login"
check "the helper's words are in no error message" \
    sh -c "! grep -v '^note: ' '$TMP/procfail.out' | grep -q 'SSO session'"
probe procmissing -- --profile procmissing --resolve
expect procmissing "a missing credential_process is named" "cannot run $TMP/bin/no-such-helper"

# --- nothing configured -------------------------------------------------------------------------
mv "$H/.aws" "$H/aws-away"
probe nothing -- --resolve
expect nothing "no credentials: the message says so" "error=no AWS credentials found; tried:"
for part in "environment (AWS_ACCESS_KEY_ID unset)" "web identity (AWS_WEB_IDENTITY_TOKEN_FILE unset)" \
    "profile default (no ~/.aws/credentials, no ~/.aws/config)" "container (" "IMDS (connection refused"; do
    expect nothing "the sources tried include $part" "$part"
done
check "no credentials: the probe exits 1" test "$(cat "$TMP/nothing.rc")" = 1
probe nothing2 AWS_EC2_METADATA_DISABLED=true -- --resolve
expect nothing2 "AWS_EC2_METADATA_DISABLED is reported" "IMDS (disabled by AWS_EC2_METADATA_DISABLED)"
expect nothing2 "without any region" "region-error=no AWS region"
mv "$H/aws-away" "$H/.aws"

# --- IMDSv2, container and web identity against the loopback stub --------------------------------
start_stub stub --expiry 3600 --region eu-west-3 --container-token "Bearer ctoken" \
    --web-token-file "$TMP/webtoken"
printf 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJwcm9iZSJ9.\n' >"$TMP/webtoken"
IMDS="http://127.0.0.1:$STUB_PORT"
python3 - "$IMDS" <<'PY' && ok "the stub refuses metadata without a token (401)" || fail "the stub served without a token"
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1] + "/latest/meta-data/iam/security-credentials/", timeout=5)
    sys.exit(1)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 401 else 1)
PY
first=$(wc -l <"$TMP/stub.log")
mv "$H/.aws" "$H/aws-away"
probe imds AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS" -- --resolve
expect imds "IMDSv2 credentials" "creds source=imds role cdctop-test-role"
expect imds "IMDS session token carried" "token=yes"
expect imds "region from IMDS" "region=eu-west-3"
check "every metadata GET of the probe carried a valid token" \
    sh -c "tail -n +$((first + 1)) '$TMP/stub.log' | grep '^GET /latest' | grep -q . &&
           ! tail -n +$((first + 1)) '$TMP/stub.log' | grep '^GET /latest' | grep -qv 'token=valid'"
check "the token was asked for with a 21600 s TTL" grep -q '^PUT /latest/api/token ttl=21600$' "$TMP/stub.log"
lines=$(wc -l <"$TMP/stub.log")
probe imdsoff AWS_EC2_METADATA_SERVICE_ENDPOINT="$IMDS" AWS_EC2_METADATA_DISABLED=true -- --resolve
expect imdsoff "AWS_EC2_METADATA_DISABLED=true skips IMDS" "IMDS (disabled by AWS_EC2_METADATA_DISABLED)"
check "AWS_EC2_METADATA_DISABLED=true sends nothing to IMDS" test "$(wc -l <"$TMP/stub.log")" -eq "$lines"

probe container AWS_CONTAINER_CREDENTIALS_FULL_URI="$IMDS/container-creds" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer ctoken" -- --region us-east-1
expect container "container credentials with the authorization token" "creds source=container credentials"
printf 'Bearer ctoken\n' >"$TMP/ctoken"
probe containerfile AWS_CONTAINER_CREDENTIALS_FULL_URI="$IMDS/container-creds" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$TMP/ctoken" AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong \
    -- --region us-east-1
expect containerfile "the token file wins over the variable" "creds source=container credentials"
probe containerbad AWS_CONTAINER_CREDENTIALS_FULL_URI="$IMDS/container-creds" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer wrong" -- --region us-east-1
expect containerbad "a refused container token" "error=container credentials: HTTP 403: bad authorization token"
probe containerhost AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.10/creds" -- --region us-east-1
expect containerhost "plain http only to loopback or the container agents" "must use https"

probe web AWS_WEB_IDENTITY_TOKEN_FILE="$TMP/webtoken" AWS_ROLE_ARN=arn:aws:iam::123456789012:role/web \
    AWS_ENDPOINT_URL_STS="$IMDS/sts" -- --region us-east-1
expect web "web identity credentials" "creds source=web identity arn:aws:iam::123456789012:role/web"
check "AssumeRoleWithWebIdentity is sent unsigned" grep -q '^POST /sts action=AssumeRoleWithWebIdentity signed=False$' "$TMP/stub.log"
mv "$H/aws-away" "$H/.aws"

start_stub badcode --mode bad-code
probe imdsbad AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$STUB_PORT" HOME="$TMP/empty" -- --resolve
expect imdsbad "IMDS: a 200 with Code other than Success is an error" "AssumeRoleUnauthorizedAccess"

# The signed-call checks need moto and the AWS CLI; everything above runs without them.
if ! command -v moto_server >/dev/null 2>&1 || ! command -v aws >/dev/null 2>&1; then
    echo "note: moto_server or the AWS CLI is missing; the signed-call checks are skipped"
else
# --- moto with request authentication on -----------------------------------------------------------
MOTO_PORT=$(free_port)
MOTO="http://127.0.0.1:$MOTO_PORT"
SETUP_CALLS=9 # exactly the AWS CLI calls below; every later request must be signed
INITIAL_NO_AUTH_ACTION_COUNT=$SETUP_CALLS moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$TMP/moto.log" 2>&1 &
PIDS="$PIDS $!"
wait_port "$MOTO_PORT" || { fail "moto did not start"; finish; }

cli() {
    env -i PATH="$PATH" HOME="$TMP/cli" AWS_ACCESS_KEY_ID=setup AWS_SECRET_ACCESS_KEY=setup \
        AWS_EC2_METADATA_DISABLED=true timeout 60 aws --endpoint-url "$MOTO" --region us-east-1 \
        --output json "$@"
}
ALLOW='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kinesis:*","sqs:*","sts:*"],"Resource":"*"}]}'
TRUST_ALICE='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sts:AssumeRole"}]}'
TRUST_ANY='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}'
cli iam create-user --user-name alice >/dev/null &&
    cli iam create-access-key --user-name alice >"$TMP/alice1.json" &&
    cli iam create-access-key --user-name alice >"$TMP/alice2.json" &&
    cli iam put-user-policy --user-name alice --policy-name all --policy-document "$ALLOW" &&
    cli iam create-user --user-name bob >/dev/null &&
    cli iam create-access-key --user-name bob >"$TMP/bob.json" &&
    cli iam create-role --role-name reader --assume-role-policy-document "$TRUST_ALICE" >/dev/null &&
    cli iam put-role-policy --role-name reader --policy-name all --policy-document "$ALLOW" &&
    cli iam create-role --role-name second --assume-role-policy-document "$TRUST_ANY" >/dev/null ||
    { fail "the IAM setup through the AWS CLI failed"; finish; }
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["AccessKey"][sys.argv[2]])' "$1" "$2"; }
AK=$(field "$TMP/alice1.json" AccessKeyId)
AS=$(field "$TMP/alice1.json" SecretAccessKey)
AK2=$(field "$TMP/alice2.json" AccessKeyId)
AS2=$(field "$TMP/alice2.json" SecretAccessKey)
BK=$(field "$TMP/bob.json" AccessKeyId)
BS=$(field "$TMP/bob.json" SecretAccessKey)
cli kinesis list-streams >/dev/null 2>&1
check "moto checks requests after the setup calls (the CLI's dummy key is refused)" test $? -ne 0

mv "$H/.aws" "$H/aws-away"
probe ok_kinesis AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$AS" -- --region us-east-1 \
    --endpoint-url "$MOTO" --call kinesis
expect ok_kinesis "a signed Kinesis ListStreams is accepted" "call outcome=AWS_OK status=200"
probe ok_sqs AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$AS" -- --region us-east-1 \
    --endpoint-url "$MOTO" --call sqs
expect ok_sqs "a signed SQS ListQueues is accepted" "call outcome=AWS_OK status=200"
probe badsig AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="x$AS" -- --region us-east-1 \
    --endpoint-url "$MOTO" --call kinesis
expect badsig "a wrong secret is AWS_BAD_SIGNATURE" "call outcome=AWS_BAD_SIGNATURE status=403 code=SignatureDoesNotMatch"
expect badsig "with the signature hint" "hint=signature rejected: check the secret key and this machine's clock (must be within 5 minutes)"
probe badkey AWS_ACCESS_KEY_ID=AKIAUNKNOWNEXAMPLE1 AWS_SECRET_ACCESS_KEY="$AS" -- --region us-east-1 \
    --endpoint-url "$MOTO" --call sqs
expect badkey "an unknown key is AWS_BAD_CREDS" "call outcome=AWS_BAD_CREDS status=403 code=InvalidClientTokenId"
expect badkey "with its hint" "hint=the access key is not known to AWS: check the profile or environment"
probe denied AWS_ACCESS_KEY_ID="$BK" AWS_SECRET_ACCESS_KEY="$BS" -- --region us-east-1 \
    --endpoint-url "$MOTO" --call kinesis
expect denied "a user without the permission is AWS_ACCESS_DENIED" "call outcome=AWS_ACCESS_DENIED status=403"
expect denied "naming the action" "hint=the credentials lack kinesis:ListStreams"
mv "$H/aws-away" "$H/.aws"

cat >>"$H/.aws/credentials" <<EOF

[base]
aws_access_key_id = $AK
aws_secret_access_key = $AS
EOF
cat >>"$H/.aws/config" <<'EOF'

[profile reader]
role_arn = arn:aws:iam::123456789012:role/reader
source_profile = base
role_session_name = cdctop-probe

[profile second]
role_arn = arn:aws:iam::123456789012:role/second
source_profile = reader

[profile fromenv]
role_arn = arn:aws:iam::123456789012:role/reader
credential_source = Environment

[profile loop1]
role_arn = arn:aws:iam::123456789012:role/reader
source_profile = loop2

[profile loop2]
role_arn = arn:aws:iam::123456789012:role/reader
source_profile = loop1
EOF
probe assume AWS_ENDPOINT_URL_STS="$MOTO" -- --profile reader --region us-east-1 --endpoint-url "$MOTO" \
    --call kinesis
expect assume "assume-role through moto's STS" \
    "creds source=assume-role arn:aws:iam::123456789012:role/reader via profile base"
expect assume "the assumed credentials carry a session token" "token=yes expires_in=3"
expect assume "and pass moto's signature check on Kinesis" "call outcome=AWS_OK status=200"
probe assume_sqs AWS_ENDPOINT_URL_STS="$MOTO" -- --profile reader --region us-east-1 --endpoint-url "$MOTO" \
    --call sqs
expect assume_sqs "and on SQS" "call outcome=AWS_OK status=200"
probe chained AWS_ENDPOINT_URL_STS="$MOTO" -- --profile second --region us-east-1 --endpoint-url "$MOTO" \
    --call kinesis
expect chained "two chained roles" "creds source=assume-role arn:aws:iam::123456789012:role/second via profile base"
expect chained "the second role has no policy: moto says so" "assumed-role/second/"
probe fromenv AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$AS" AWS_ENDPOINT_URL_STS="$MOTO" -- \
    --profile fromenv --region us-east-1 --endpoint-url "$MOTO" --call kinesis
expect fromenv "credential_source = Environment" "creds source=assume-role arn:aws:iam::123456789012:role/reader via environment"
expect fromenv "its calls pass" "call outcome=AWS_OK status=200"
probe cycle AWS_ENDPOINT_URL_STS="$MOTO" -- --profile loop1 --region us-east-1
expect cycle "a source_profile cycle is detected" "error=source_profile cycle: loop1 -> loop2 -> loop1"

# --- the real binary, headless, against the same moto -----------------------------------------------
# snap NAME [VAR=value...]: cdctop --stream cdc against moto for 3 s; snapshot in $TMP/NAME.json.
snap() {
    name=$1
    shift
    env -i PATH="$PATH" HOME="$H" LANG=C.UTF-8 ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
        UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$DEAD_PORT" \
        "$@" timeout 60 "$CDCTOP" --stream cdc --endpoint-url "$MOTO" --region us-east-1 \
        --headless --duration 3 --snapshot "$TMP/$name.json" >"$TMP/$name.out" 2>&1
    sanitizer_clean "$name"
}
if "$CDCTOP" --help 2>/dev/null | grep -q -- '--stream NAME'; then
    env -i PATH="$PATH" HOME="$TMP/cli" AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$AS" \
        AWS_EC2_METADATA_DISABLED=true timeout 60 aws --endpoint-url "$MOTO" --region us-east-1 \
        kinesis create-stream --stream-name cdc --shard-count 1 ||
        fail "creating the stream with alice's key"
    mv "$H/.aws" "$H/aws-away"
    snap bin_env AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$AS"
    jcheck "$TMP/bin_env.json" "cdctop: environment credentials in the snapshot" \
        's["credentials_source"] == "environment" and s["status"]["level"] != "error"'
    snap bin_badsig AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="x$AS"
    jcheck "$TMP/bin_badsig.json" "cdctop: a wrong secret shows the signature hint" \
        's["status"]["hint"].startswith("signature rejected: check the secret key")'
    mv "$H/aws-away" "$H/.aws"
    snap bin_assume AWS_PROFILE=reader AWS_ENDPOINT_URL_STS="$MOTO"
    jcheck "$TMP/bin_assume.json" "cdctop: assume-role credentials through moto's STS" \
        's["credentials_source"] == "assume-role arn:aws:iam::123456789012:role/reader via profile base" and s["status"]["level"] != "error"'
else
    echo "note: $CDCTOP has no --stream yet; the real-binary checks are skipped"
fi

# --- IMDS credentials that expire every few seconds, used against moto throughout ------------------
printf '[["%s", "%s"], ["%s", "%s"]]\n' "$AK" "$AS" "$AK2" "$AS2" >"$TMP/keys.json"
start_stub refresh --expiry 8 --keys "$TMP/keys.json" --region us-east-1
mv "$H/.aws" "$H/aws-away"
probe refresh AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$STUB_PORT" -- \
    --endpoint-url "$MOTO" --call kinesis --watch 12 --interval 0.2
mv "$H/aws-away" "$H/.aws"
expect refresh "IMDS credentials used for signed calls" "creds source=imds role cdctop-test-role"
refreshes=$(sed -n 's/^summary refreshes=\([0-9]*\).*/\1/p' "$TMP/refresh.out")
check "credentials were refreshed in the background before they expired (${refreshes:-0} times)" \
    test "${refreshes:-0}" -ge 2
expect refresh "no call failed across the refreshes" "failed=0 creds_errors=0"
check "no call failed: none reported" sh -c "! grep -q '^call outcome=' '$TMP/refresh.out'"
calls=$(sed -n 's/.* calls=\([0-9]*\).*/\1/p' "$TMP/refresh.out")
check "calls kept going during the refreshes (${calls:-0} calls)" test "${calls:-0}" -ge 20

fi

# --- secrets never appear ------------------------------------------------------------------------
leaked=0
for out in "$TMP"/*.out "$TMP"/bin_*.json; do
    [ -f "$out" ] || continue
    for secret in "$AS" "$AS2" "$BS" envsecretvalue0001 defaultsecretvalue0001 devsecretvalue0001 \
        cfgsecretvalue0001 othersecretvalue0001 procsecretvalue0001 proctoken0001 envtoken0001 \
        devtoken0001 stub-session-token "Bearer ctoken" eyJhbGciOiJub25lIn0; do
        [ -n "$secret" ] || continue # the moto keys exist only when moto ran
        if grep -qF -- "$secret" "$out"; then
            fail "a secret appears in $(basename "$out")"
            leaked=1
        fi
    done
done
[ $leaked -eq 0 ] && ok "no secret or token appears in any output"
if [ -f "$TMP/moto.log" ]; then
    check "no request left 127.0.0.1 (moto saw only loopback)" sh -c "! grep -v '^127\.0\.0\.1 ' '$TMP/moto.log' | grep -q ' \"[A-Z]* /'"
fi

stop_servers
finish
