#!/bin/sh
# Snapshot sets from headless runs: timestamped .json/.txt/.html, private, text that pastes into
# a ticket; redaction that leaves no original value in any artefact; and snapshots that cannot be
# written, which are reported while the run goes on.
. "${srcdir:-.}/tests/lib/common.sh"
need python3

ESC=$(printf '\033')
CHECK="$srcdir/tests/artefacts/check_artefacts.py"

demo() {
    "$CDCTOP" --no-config --demo --headless "$@"
}

# --- periodic sets --------------------------------------------------------------------------------
D=$TMP/sets
demo --seed 7 --snapshot-dir "$D" --snapshot-every 1 --duration 3 2>"$TMP/sets.err"
check "a run with --snapshot-every 1 --duration 3 exits 0" test $? -eq 0
nsets=$(ls "$D"/cdctop-*.json 2>/dev/null | wc -l)
check "several timestamped sets ($nsets)" test "$nsets" -ge 3
check "the directory was created private (700)" test "$(stat -c %a "$D")" = 700
missing=0
for json in "$D"/cdctop-*.json; do
    base=${json%.json}
    for ext in json txt html; do
        [ -s "$base.$ext" ] || missing=$((missing + 1))
        [ "$(stat -c %a "$base.$ext")" = 600 ] || missing=$((missing + 1))
    done
    case $(basename "$base") in
    cdctop-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9].[0-9][0-9][0-9]Z*) ;;
    *) missing=$((missing + 1)) ;;
    esac
done
check "every set has .json, .txt and .html, timestamped, each with mode 600" test $missing -eq 0
check "stderr names each set" test "$(grep -c 'snapshot written: .*\.json + \.txt + \.html' "$TMP/sets.err")" -eq "$nsets"
check "no temporary file is left behind" test "$(ls "$D" | grep -c tmp)" -eq 0
last=$(ls "$D"/cdctop-*.txt | tail -n 1)
for heading in '==== Overview ====' '==== Shards ====' '==== Table detail: public.orders ====' \
    '==== Table detail: public.order_items ====' '==== Rows: public.customers ====' \
    '==== Rows: public.notes ===='; do
    check "the text has '$heading'" grep -qxF "$heading" "$last"
done
check "the text names every table" python3 "$CHECK" tables "$last" "${last%.txt}.json"
check "no escape byte in any text or HTML" test "$(cat "$D"/*.txt "$D"/*.html | grep -c "$ESC")" -eq 0
check "no trailing blanks in the text" test "$(cat "$D"/*.txt | grep -c ' $')" -eq 0
check "text lines fit in 120 columns" python3 "$CHECK" width 120 "$D"/*.txt
check "every JSON parses" python3 "$CHECK" json "$D"/*.json
check "every HTML page is complete, with its charts" python3 "$CHECK" html "$D"/*.html

# --- the hostile note: in the text and the report (rows asked for), escaped -----------------------
H=$TMP/hostile
demo --seed 7 --demo-rate 0 --demo-limit 60 --report-rows all --snapshot-dir "$H" 2>/dev/null
check "the hostile demo note is in the JSON" grep -q 'pasted this from a terminal' "$H"/*.json
check "the text shows the hostile note escaped (\\e[2J)" grep -qF 'pasted this from a terminal: \e[2J\e[H' "$H"/*.txt
check "the HTML shows the hostile note as JSON escapes" grep -qiF 'pasted this from a terminal: \u001b[2J' "$H"/*.html
check "no escape byte in the hostile run's text or HTML" test "$(cat "$H"/*.txt "$H"/*.html | grep -c "$ESC")" -eq 0

# --- redaction (the HTML with its rows, so that it has values to hide) ----------------------------
U=$TMP/plain
demo --seed 7 --demo-rate 0 --demo-limit 3000 --snapshot-rows all --snapshot-dir "$U" 2>/dev/null
python3 "$CHECK" values "$U"/*.json customers email >"$TMP/emails"
python3 "$CHECK" values "$U"/*.json notes body >"$TMP/bodies"
check "the plain run has emails to hide ($(wc -l <"$TMP/emails"))" test "$(wc -l <"$TMP/emails")" -gt 50
check "the plain run has note bodies to hide" test "$(wc -l <"$TMP/bodies")" -gt 20

R=$TMP/redact-email
demo --seed 7 --demo-rate 0 --demo-limit 3000 --snapshot-rows all --report-rows all \
    --snapshot-dir "$R" --snapshot-every 0.2 --redact email 2>"$TMP/r.err"
check "--redact email runs and exits 0" test $? -eq 0
check "no email of the plain run appears in any artefact" sh -c "! grep -rqF -f '$TMP/emails' '$R'"
check "nothing that looks like an email is left" sh -c "! grep -rq '@example\.com' '$R'"
check "the redacted run still has every row" python3 "$CHECK" samerows "$U"/*.json "$R"/$(ls "$R" | grep json | tail -n 1)
check "emails are hashes, other columns untouched" python3 "$CHECK" redacted "$R" customers email name
check "the JSON says what is redacted" python3 "$CHECK" redaction "$R" '["email"]' false
check "a hash is the same in the JSON, the text and the HTML of a set" python3 "$CHECK" across "$R"
check "the undecodable record's bytes are hidden in the text" grep -q 'bytes (hidden: --redact)' "$R"/*.txt

B=$TMP/redact-body
demo --seed 7 --demo-rate 0 --demo-limit 3000 --snapshot-rows all --report-rows all \
    --snapshot-dir "$B" --redact public.notes.body 2>/dev/null
check "no note body of the plain run appears in any artefact" sh -c "! grep -rqF -f '$TMP/bodies' '$B'"
check "not even the hostile note or the big notes' filler" sh -c "! grep -rqE 'pasted this|lorem ipsum|split into fragments' '$B'"
check "bodies are hashes, note ids untouched" python3 "$CHECK" redacted "$B" notes body note_id

# customer_id is the key of customers and a column of orders: one value, one hash, everywhere
K=$TMP/redact-key
demo --seed 7 --demo-rate 0 --demo-limit 3000 --snapshot-rows all --snapshot-dir "$K" \
    --redact customer_id 2>/dev/null
check "equal values get equal hashes, different values different ones" \
    python3 "$CHECK" equal "$U"/*.json "$K"/*.json
V=$TMP/redact-values
demo --seed 7 --demo-rate 0 --demo-limit 3000 --snapshot-rows all --snapshot-dir "$V" \
    --redact-values --pk public.orders=order_id 2>/dev/null
check "--redact-values hashes every non-key column, keeps a configured key, hashes a guessed one consistently" \
    python3 "$CHECK" allvalues "$V"/*.json orders order_id
demo --seed 7 --demo-limit 10 --redact 'a..b' 2>"$TMP/bad.err"
check "a malformed --redact exits 2" test $? -eq 2
check "a malformed --redact is explained" grep -q -- "--redact a..b: empty name" "$TMP/bad.err"

# --- snapshots that cannot be written -------------------------------------------------------------
# (missing directories are created, so the one here cannot be: a file stands in its way)
: >"$TMP/inway"
demo --seed 7 --duration 3 --snapshot-every 1 --snapshot-dir "$TMP/inway/no/such/dir" 2>"$TMP/miss.err"
status=$?
check "periodic snapshots into a directory that cannot be created: the run completes, exit 1 for the final one" test $status -eq 1
check "each failure is on stderr, naming the directory" test "$(grep -c "snapshot failed: snapshot directory $TMP/inway/no/such/dir: Not a directory" "$TMP/miss.err")" -ge 3
demo --seed 7 --duration 2 --snapshot-every 1 --snapshot-dir "$TMP/inway/no/such/dir" \
    --snapshot "$TMP/final.json" 2>"$TMP/miss2.err"
check "failed periodic snapshots alone do not fail the run" test $? -eq 0
check "and the final JSON is written" python3 "$CHECK" json "$TMP/final.json"
: >"$TMP/plainfile"
demo --seed 7 --demo-rate 0 --demo-limit 50 --snapshot-dir "$TMP/plainfile" 2>"$TMP/nd.err"
check "a final set where the directory is a file exits 1" test $? -eq 1
check "and says why" grep -q "snapshot failed: snapshot directory $TMP/plainfile: Not a directory" "$TMP/nd.err"
# a full disk: a 48 KiB file system of our own, where it can be mounted (root, mount namespaces)
mkdir -p "$TMP/fullfs"
if unshare -m sh -c 'mount -t tmpfs -o size=48k tmpfs "$1"' sh "$TMP/fullfs" 2>/dev/null; then
    unshare -m sh -c 'mount -t tmpfs -o size=48k tmpfs "$1" || exit 99
        "$2" --no-config --demo --headless --seed 7 --duration 3 --snapshot-every 1 \
            --snapshot-dir "$1/snaps" 2>"$3"
        echo "status $?"
        echo "left $(ls "$1/snaps" | grep -c "\.tmp\.")"' sh "$TMP/fullfs" "$CDCTOP" "$TMP/full.err" >"$TMP/full.out"
    check "on a full disk the run completes and exits 1 for the final set" grep -qx 'status 1' "$TMP/full.out"
    check "each failure says the disk is full" grep -q 'snapshot failed: cannot write .*No space left on device' "$TMP/full.err"
    check "no temporary file is left on the full disk" grep -qx 'left 0' "$TMP/full.out"
else
    echo "ok: (full disk not checked: cannot mount a file system here)"
fi
if [ "$(id -u)" != 0 ]; then
    mkdir "$TMP/ro" && chmod 555 "$TMP/ro"
    demo --seed 7 --demo-rate 0 --demo-limit 50 --snapshot-dir "$TMP/ro" 2>"$TMP/ro.err"
    check "a final set into a read-only directory exits 1" test $? -eq 1
    check "and says why" grep -q "snapshot failed: cannot write $TMP/ro/cdctop-.*Permission denied" "$TMP/ro.err"
    check "and leaves nothing behind" test -z "$(ls "$TMP/ro")"
    chmod 755 "$TMP/ro"
else
    echo "ok: (read-only directory not checked: root writes anyway)"
fi

finish
