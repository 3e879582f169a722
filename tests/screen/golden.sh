#!/bin/sh
# Golden screens: what an operator sees, pinned. A committed recording is replayed, which uses the
# recorded time, so every screen is the same on every run: the text snapshot's sections (the real
# views drawn offscreen) and the terminal itself at 80x24 and 120x40 are compared with
# tests/screen/golden/*.txt. UPDATE_GOLDEN=1 make check rewrites them after an intended change.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/tmux.sh"

need python3
REC=$srcdir/tests/data/recordings/demo-seed7.rec
cd "$TMP" || exit 1
cp "$REC" golden.rec

# --- the text snapshot, section by section --------------------------------------------------------
mkdir snap
"$CDCTOP" --no-config --replay golden.rec --speed max --headless --snapshot-dir snap 2>/dev/null
txt=$(ls snap/*.txt 2>/dev/null | head -n 1)
if [ -z "$txt" ]; then
    fail "the replay wrote a text snapshot"
else
    # one file per "==== Title ====" section, named after the title
    python3 - "$txt" sections <<'PY'
import os, re, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
name, lines = None, []
def flush():
    if name:
        with open(os.path.join(out, name + ".txt"), "w", encoding="utf-8") as f:
            f.write("".join(lines))
for line in open(src, encoding="utf-8"):
    m = re.match(r"^==== (.*) ====$", line.rstrip("\n"))
    if m:
        flush()
        name = "text-" + re.sub(r"[^a-z0-9]+", "-", m.group(1).lower()).strip("-")
        lines = []
    if name:
        lines.append(line)
flush()
PY
    n=0
    for f in sections/*.txt; do
        golden "$(basename "$f" .txt)" "$f"
        n=$((n + 1))
    done
    check "the text snapshot has every screen (16 sections)" [ "$n" -eq 16 ]
fi

# --- the terminal ----------------------------------------------------------------------------------
# Each screen once the replay has finished: Overview, Table detail, Rows, Shards, Events, Help.
screens_at() { # COLS ROWS
    size=$1x$2
    tmux_start "$1" "$2" --replay golden.rec --speed max
    expect "$size: the replay finished" "replay finished"
    screen_golden "tty-$size-overview"
    keys Enter
    expect "$size: Table detail" "Latency over"
    screen_golden "tty-$size-detail"
    keys Enter
    expect "$size: Rows" "Rows"
    screen_golden "tty-$size-rows"
    keys Escape Escape
    wait_for "TABLE" >/dev/null
    keys Tab
    expect "$size: Shards" "SHARD"
    screen_golden "tty-$size-shards"
    keys Tab
    expect "$size: Events" "Events, newest first"
    screen_golden "tty-$size-events"
    keys '?'
    expect "$size: Help" "Keys|KEYS|keys"
    screen_golden "tty-$size-help"
}
screens_at 80 24
screens_at 120 40

# --- a reader stalled, as a recording tells it -------------------------------------------------
# The same recording with what a live run would have recorded after its last record: DLQ samples,
# and two of the four readers stalled (their calls unanswered for 6.5 s).
python3 - golden.rec stalled.rec <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
last = max(json.loads(l)["now_ms"] for l in lines if '"type":"record"' in l)
extra = [{"type": "dlq", "now_ms": last - 9000, "visible": 3, "in_flight": 0, "delayed": 0, "name": "cdc-dlq"},
         {"type": "dlq", "now_ms": last + 1000, "visible": 11, "in_flight": 2, "delayed": 0, "name": "cdc-dlq"}]
for n in (1, 2):
    extra.append({"type": "event", "now_ms": last + 1500, "level": "bad", "kind": "reader_stalled",
                  "subject": "shardId-%012d" % n, "text": "GetRecords pending for 6.5s with no answer"})
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for l in lines[:-1]:
        out.write(l + "\n")
    for e in extra:
        out.write(json.dumps(e, separators=(",", ":")) + "\n")
    out.write(lines[-1] + "\n")
PY
tmux_start 80 24 --replay stalled.rec --speed max
expect "stalled: the replay finished" "replay finished"
expect "stalled: the verdict says so" "FAILING: READER STALLED: 2/4 shards, GetRecords pending"
screen_golden "tty-80x24-stalled-overview"
keys Tab
expect "stalled: Shards" "SHARD"
screen_golden "tty-80x24-stalled-shards"
keys Tab
expect "stalled: Events" "Events, newest first"
screen_golden "tty-80x24-stalled-events"
# a large terminal: the DLQ's trend and the stalled readers below the tables
tmux_start 120 40 --replay stalled.rec --speed max
expect "stalled, 120x40: the replay finished" "replay finished"
expect "stalled, 120x40: the DLQ's trend" '^DLQ trend  .* 3 . 11 over 10s \(2 samples\)'
screen_golden "tty-120x40-stalled-overview"

tmux_start 40 10 --replay golden.rec --speed max
expect "40x10: too small" "too small"
screen_golden "tty-40x10-too-small"

finish
