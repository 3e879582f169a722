#!/bin/sh
# Redaction applies to a replay as to a live stream: a recording whose customers rows carry
# emails, replayed with --redact email (or --redact-values), gives a snapshot set in which no
# email appears, neither in the JSON, nor the text, nor the HTML with its rows. Replayed without,
# the same set shows them, so the check has something to find.
. "${srcdir:-.}/tests/lib/common.sh"
need python3

CHECK="$srcdir/tests/artefacts/check_artefacts.py"
REC=$srcdir/tests/data/recordings/demo-seed7.rec

# every email the recording holds, from the records' own bytes
python3 - "$REC" >"$TMP/emails" <<'PY'
import base64, json, sys
seen = set()
for line in open(sys.argv[1], encoding="utf-8"):
    rec = json.loads(line)
    if rec.get("type") != "record":
        continue
    try:
        change = json.loads(base64.b64decode(rec["data"]))
    except ValueError:
        continue  # the recording's undecodable record
    after = change.get("after") if isinstance(change, dict) else None
    if isinstance(after, dict) and isinstance(after.get("email"), str):
        seen.add(after["email"])
print("\n".join(sorted(seen)))
PY
check "the recording holds emails ($(wc -l <"$TMP/emails"))" test "$(wc -l <"$TMP/emails")" -ge 20

replay() { # DIR ARGS...
    dir=$1
    shift
    "$CDCTOP" --no-config --replay "$REC" --speed max --headless --snapshot-rows all \
        --report-rows all --snapshot-dir "$dir" "$@" 2>"$dir.err"
}

replay "$TMP/plain"
for ext in json txt html; do
    check "replayed as recorded, the .$ext shows emails" grep -qF -f "$TMP/emails" "$TMP"/plain/*."$ext"
done

replay "$TMP/email" --redact email
check "--replay --redact email exits 0" test $? -eq 0
for ext in json txt html; do
    check "--redact email: no email in the .$ext" sh -c "! grep -qF -f '$TMP/emails' '$TMP'/email/*.$ext"
done
check "--redact email: nothing that looks like an email is left" \
    sh -c "! grep -rq '@example\.com' '$TMP/email'"
check "--redact email: emails are hashes, names untouched" \
    python3 "$CHECK" redacted "$TMP/email" customers email name
check "--redact email: the JSON says so" python3 "$CHECK" redaction "$TMP/email" '["email"]' false
check "--redact email: a hash is the same in the JSON, the text and the HTML" \
    python3 "$CHECK" across "$TMP/email"

replay "$TMP/values" --redact-values
check "--replay --redact-values exits 0" test $? -eq 0
check "--redact-values: no email in any artefact" sh -c "! grep -rqF -f '$TMP/emails' '$TMP/values'"
check "--redact-values: the JSON says so" python3 "$CHECK" redaction "$TMP/values" '[]' true

finish
