#!/bin/sh
# Nothing from a recording reaches standard error raw: damaged lines holding ESC and C1 controls
# (which the JSON parser quotes in its message), a recording whose own file name holds them, and
# a file that is not a recording at all. The messages stay readable, with the controls escaped.
. "${srcdir:-.}/tests/lib/common.sh"
need python3

# clean FILE: valid UTF-8, no control character but newlines, no C1 control (raw or encoded).
clean() {
    python3 - "$1" <<'PY'
import sys
text = open(sys.argv[1], "rb").read().decode("utf-8")  # raises on a raw C1 byte
sys.exit(any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in text))
PY
}

python3 - "$TMP" <<'PY'
import base64, sys
tmp = sys.argv[1]
head = b'{"type":"header","format":"cdctop-recording","version":1,"source":"t","record_size_limit":1048576}\n'
data = base64.b64encode(b'{"type":"full"}')
rec = b'{"type":"record","shard":"shardId-000000000000","now_ms":1700000000050,"data":"' + data + b'"}\n'
damaged = [
    b"\xc2\x9b31m garbage\n",                                 # C1 CSI, as UTF-8
    b"\x9b31m garbage\n",                                     # C1 CSI, a raw byte
    b'{"type":"record",\x1b[2J:1}\n',                         # ESC where a name belongs
    b'{"a":\xc2\x9b\x1b]0;pwned\x07}\n',                      # CSI, OSC title, BEL
    b'{"type":"record","shard":"x","data":"x"} \x1b[31mred\n',  # ESC after the object
]
with open(tmp + "/damaged.rec", "wb") as f:
    f.write(head + rec + b"".join(damaged) + rec)
with open(tmp.encode() + b"/name-\x1b[31m-\xc2\x9b.rec", "wb") as f:
    f.write(head + rec + damaged[2] + rec)
with open(tmp + "/notrec.rec", "wb") as f:
    f.write(b'\x1b]0;pwned\x07\xc2\x9b2J {"not": "a header"}\n')
PY

"$CDCTOP" --no-config --replay "$TMP/damaged.rec" --speed max --headless \
    --snapshot "$TMP/d.json" 2>"$TMP/d.err"
check "damaged lines: the replay exits 0" test $? -eq 0
jcheck "$TMP/d.json" "damaged lines: the intact records replay" 's["totals"]["records"] == 2'
check "damaged lines: each is reported" test "$(grep -c 'line skipped' "$TMP/d.err")" -eq 5
check "damaged lines: stderr holds no raw control or C1 character" clean "$TMP/d.err"
check "damaged lines: the parser's words stay readable, the controls escaped" \
    grep -qF "damaged.rec:5: string or '}' expected near '\\e'; line skipped" "$TMP/d.err"
check "damaged lines: an encoded C1 control is shown as \\u{009b}" \
    grep -qF "damaged.rec:3: '[' or '{' expected near '\\u{009b}'" "$TMP/d.err"

name=$(printf 'name-\033[31m-\302\233.rec')
"$CDCTOP" --no-config --replay "$TMP/$name" --speed max --headless --snapshot "$TMP/n.json" \
    2>"$TMP/n.err"
check "a file name with controls: the replay exits 0" test $? -eq 0
check "a file name with controls: stderr holds no raw control or C1 character" clean "$TMP/n.err"
check "a file name with controls: named escaped" grep -qF 'name-\e[31m-\u{009b}.rec:3:' "$TMP/n.err"

"$CDCTOP" --no-config --replay "$TMP/notrec.rec" --headless 2>"$TMP/x.err"
check "not a recording: exit status 2" test $? -eq 2
check "not a recording: stderr holds no raw control or C1 character" clean "$TMP/x.err"
check "not a recording: said so" grep -q "notrec.rec is not a cdctop recording" "$TMP/x.err"

finish
