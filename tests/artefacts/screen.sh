#!/bin/sh
# The console's incident tools, driven in a private tmux server: the time cursor ([ ] { } End),
# `s` writing a snapshot set, and snapshots that cannot be written (a directory that cannot be
# created, a world-writable one that is refused, and a read-only one when not root) while
# cdctop keeps running. Every set written or not is in the event log (Events, and the JSON of a
# later set).
#
# Environment: CDCTOP (the binary). Exit 0 pass, 1 fail, 77 skip (no tmux).

CDCTOP=${CDCTOP:-./src/cdctop}

if ! command -v tmux >/dev/null 2>&1; then
    echo "SKIP: tmux not found"
    exit 77
fi
if [ ! -x "$CDCTOP" ]; then
    echo "FAIL: no cdctop binary at $CDCTOP"
    exit 1
fi

SOCKET=cdca$$
SESSION=cdca
WORK=$(mktemp -d /tmp/cdca.XXXXXX) || exit 1
SNAPDIR=$WORK/snap
FAILS=0
export XDG_CONFIG_HOME="$WORK/xdg"
# a server directory of its own: tmux servers of tests running in parallel never race for one
export TMUX_TMPDIR="$WORK"

cleanup() {
    tmux -L "$SOCKET" kill-server >/dev/null 2>&1
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCKET"
    chmod -R u+w "$WORK" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

t() {
    tmux -L "$SOCKET" -f /dev/null "$@"
}

screen() {
    t capture-pane -p -t "$SESSION"
}

keys() {
    t send-keys -t "$SESSION" "$@"
}

ok() {
    printf 'ok: %s\n' "$*"
}

fail() {
    printf 'FAIL: %s\n' "$*"
    echo "---- screen ----"
    screen
    echo "----------------"
    FAILS=$((FAILS + 1))
}

# Polls (about 10 s at most) until the screen matches the extended regex $1.
wait_for() {
    i=0
    while [ $i -lt 100 ]; do
        screen | grep -Eq -e "$1" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# Polls until the screen no longer matches $1.
wait_gone() {
    i=0
    while [ $i -lt 100 ]; do
        screen | grep -Eq -e "$1" || return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

expect() { # DESCRIPTION REGEX
    if wait_for "$2"; then ok "$1"; else fail "$1 (no match for /$2/)"; fi
}

# The terminal type matches tmux's own, so tmux sends End the way the terminfo entry says.
start() { # COLS ROWS ARGS...
    cols=$1 rows=$2
    shift 2
    t kill-session -t "$SESSION" >/dev/null 2>&1
    t new-session -d -s "$SESSION" -x "$cols" -y "$rows" \
        "env TERM=screen-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$CDCTOP' --no-config $*; echo cdctop exit status \$?; sleep 1" || {
        echo "FAIL: cannot start tmux"
        exit 1
    }
    t set-option -t "$SESSION" remain-on-exit on >/dev/null
}

# The "(10s)" figure of read/s in the Overview header.
records_10s() {
    screen | sed -n 's/.*read\/s [0-9.k]* (1s) \([0-9.k]*\) (10s).*/\1/p' | head -n 1
}

mode_of() {
    ls -ln "$1" | cut -c1-10
}

# --- the time cursor ---------------------------------------------------------------------------
start 100 30 --demo --seed 7 --snapshot-dir "$SNAPDIR"
expect "overview is up" '^TABLE +1s/s'
sleep 6 # six seconds of history
now10=$(records_10s)
if screen | grep -q '^ AT '; then fail "a banner shows before the time cursor moved"; fi
keys '['
expect "[ shows the time banner" '^ AT [0-9]{2}:[0-9]{2}:[0-9]{2} UTC \(-[0-9]+s\)  End: back to now'
keys '{'
expect "{ moves ten seconds back (to the start at most)" '^ AT [0-9:]+ UTC \(-[5-9]s\)'
then10=$(records_10s)
if [ -n "$now10" ] && [ -n "$then10" ] && [ "$now10" != "$then10" ]; then
    ok "read/s over 10 s differs at the cursor ($then10) from now ($now10)"
else
    fail "read/s over 10 s at the cursor ($then10) vs now ($now10)"
fi
expect "the DLQ shows its depth then" '^DLQ ([0-9]+|\?)'
keys Enter
expect "Table detail keeps the time cursor" '^ AT [0-9:]+ UTC'
expect "Table detail shows latency from the history" 'Latency over the [0-9]+s before [0-9:]+ \(10-s history\)'
keys '>'
expect "> switches tables in Table detail" '^public\.notes +key'
keys '<'
expect "< switches back" '^public\.orders +key'
keys End
if wait_gone '^ AT '; then ok "End returns to now"; else fail "banner still shown after End"; fi
expect "Table detail shows the live latency window again" 'Latency over the last [0-9]+s'
keys Escape
expect "Esc goes back to Overview" '^TABLE +1s/s'
keys '[' ']'
if wait_gone '^ AT '; then ok "] past the newest second returns to now"; else fail "] did not return to now"; fi

# --- s writes a snapshot set ---------------------------------------------------------------------
keys s
expect "s reports the snapshot set" "snapshot written: .*cdctop-.*\\.json \\+ \\.txt \\+ \\.html"
json=$(ls "$SNAPDIR"/cdctop-*.json 2>/dev/null | head -n 1)
base=${json%.json}
if [ -n "$json" ] && [ -s "$base.txt" ] && [ -s "$base.html" ]; then
    ok "s wrote $(basename "$base").json, .txt and .html"
    for f in "$base.json" "$base.txt" "$base.html"; do
        if [ "$(mode_of "$f")" = "-rw-------" ]; then
            ok "$(basename "$f") has mode 600"
        else
            fail "$(basename "$f") has mode $(mode_of "$f")"
        fi
    done
    if grep -q '^==== Overview ====$' "$base.txt" && grep -q '</html>' "$base.html"; then
        ok "the set holds the screens and the report"
    else
        fail "text or HTML incomplete"
    fi
else
    fail "snapshot set missing in $SNAPDIR: $(ls "$SNAPDIR" 2>&1)"
fi
keys 5
expect "Events lists the set written" " info +snapshot +snapshot written: $SNAPDIR/cdctop-"
keys q
expect "q quits with status 0" '^cdctop exit status 0$'

# --- snapshots that cannot be written ------------------------------------------------------------
# (missing directories are created, so the one here cannot be: a file stands in its way)
: >"$WORK/inway"
MISSING=$WORK/inway/no/such/dir
start 100 30 --demo --seed 7 --snapshot-dir "$MISSING" --snapshot-every 1
expect "--snapshot-every into a directory that cannot be created shows the error" \
    "snapshot failed: snapshot directory .*Not a directory"
keys Tab
expect "the console still responds (Tab to Shards)" '^SHARD +STATE'
keys s
expect "s into a directory that cannot be created shows the error" \
    "snapshot failed: snapshot directory .*Not a directory"
keys 1
expect "and still responds (1 to Overview)" '^TABLE +1s/s'
keys 5
expect "Events lists the sets that could not be written" \
    " warn +snapshot +snapshot failed: snapshot directory $WORK/inway/"
sleep 2
# the automatic sets failing every second the same way once, and the one s asked for
n=$(screen | grep -c ' warn  snapshot  *snapshot failed: ')
if [ "$n" -eq 2 ]; then
    ok "... once while they fail the same way, and the one s asked for"
else
    fail "... once while they fail the same way, and the one s asked for: $n lines"
fi

if screen | grep -q 'cdctop exit status'; then fail "cdctop ended"; else ok "cdctop keeps running"; fi
keys q
expect "q quits with status 0 after failed snapshots" '^cdctop exit status 0$'

# a directory anyone can write to is refused, and the console goes on
mkdir -m 0777 "$WORK/open"
start 100 30 --demo --seed 7 --snapshot-dir "$WORK/open"
expect "overview is up" '^TABLE +1s/s'
keys s
expect "s into a world-writable directory is refused, saying why" \
    "snapshot failed: snapshot directory .*writable by others"
if [ -n "$(ls -A "$WORK/open")" ]; then fail "nothing is written there"; else ok "nothing is written there"; fi
keys Tab
expect "the console still responds" '^SHARD +STATE'
keys q
expect "q quits with status 0" '^cdctop exit status 0$'

if [ "$(id -u)" != 0 ]; then
    mkdir -p "$WORK/ro" && chmod 555 "$WORK/ro"
    start 100 30 --demo --seed 7 --snapshot-dir "$WORK/ro"
    expect "overview is up" '^TABLE +1s/s'
    keys s
    expect "s into a read-only directory shows the error" "snapshot failed: cannot write .*Permission denied"
    keys Tab
    expect "the console still responds" '^SHARD +STATE'
    keys q
    expect "q quits with status 0" '^cdctop exit status 0$'
else
    # root writes anywhere a mode allows; a file where the directory should be fails for anyone
    : >"$WORK/file"
    start 100 30 --demo --seed 7 --snapshot-dir "$WORK/file"
    expect "overview is up" '^TABLE +1s/s'
    keys s
    expect "s into a path that is not a directory shows the error" \
        "snapshot failed: snapshot directory .*Not a directory"
    keys Tab
    expect "the console still responds" '^SHARD +STATE'
    keys q
    expect "q quits with status 0" '^cdctop exit status 0$'
fi

# --- headless: each set of --snapshot-every is in the event log of the sets after it ---------------
"$CDCTOP" --no-config --demo --seed 7 --headless --duration 3.5 --snapshot-every 1 \
    --snapshot-dir "$WORK/every" 2>"$WORK/every.err"
last=$(ls "$WORK"/every/cdctop-*.json 2>/dev/null | sort | tail -n 1)
if [ -n "$last" ] && python3 - "$last" "$WORK/every" <<'PY'
import json, os, sys
s = json.load(open(sys.argv[1]))
logged = [e["text"] for e in s["events"] if e["kind"] == "snapshot"]
sets = sorted(f for f in os.listdir(sys.argv[2]) if f.endswith(".json"))
# every set before the last, each once, as "snapshot written: DIR/BASE.json + .txt + .html"
want = ["snapshot written: %s/%s + .txt + .html" % (sys.argv[2], f) for f in sets[:-1]]
sys.exit(0 if len(want) >= 2 and logged == want else 1)
PY
then
    ok "headless: the final set's events list every earlier set, once each"
else
    fail "headless: the final set's events list every earlier set ($last)"
fi

if [ $FAILS -gt 0 ]; then
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all artefact screen checks passed"
exit 0
