#!/bin/sh
# The console replaying a recording in a private tmux server: the Overview header shows the
# replay's progress, then "replay finished" with the data kept on screen; recording from the
# console ends with a complete file when the operator quits. The time cursor reaches back over
# everything a run read before it started watching (as --from reads), t goes to a time, and the
# Overview then says how each rate differs now.
. "${srcdir:-.}/tests/lib/common.sh"
need python3
need tmux

SOCKET=cdcrp$$
SESSION=rp
t() {
    tmux -L "$SOCKET" -f /dev/null "$@"
}
trap 't kill-server >/dev/null 2>&1; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCKET"; rm -rf "$TMP"' EXIT

screen() {
    t capture-pane -p -t "$SESSION"
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

expect() { # DESCRIPTION REGEX
    if wait_for "$2"; then
        ok "$1"
    else
        fail "$1 (no match for /$2/)"
        screen
    fi
}

wait_gone() {
    i=0
    while [ $i -lt 100 ]; do
        screen | grep -Eq -e "$1" || return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

start() { # ARGS...
    t kill-session -t "$SESSION" >/dev/null 2>&1
    t new-session -d -s "$SESSION" -x 120 -y 30 \
        "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 XDG_CONFIG_HOME='$XDG_CONFIG_HOME' '$CDCTOP' --no-config $*; echo cdctop exit status \$?; sleep 30" ||
        { fail "tmux starts"; finish; }
}

# A recording spanning about 3 s of recorded time.
"$CDCTOP" --no-config --demo --seed 5 --demo-limit 1500 --demo-rate 500 --headless \
    --record "$TMP/r" --snapshot "$TMP/a.json" 2>/dev/null
check "the demo was recorded" test -s "$TMP/r"

start --replay "$TMP/r" --speed 1 --record "$TMP/again"
expect "the header shows the replay's progress" \
    'replay +[0-9.]+%  recorded time 20[0-9-]+ [0-9:]+Z  speed 1x  [0-9]+s left'
expect "the source names the replay" "source replay $TMP/r \(recorded from demo \(seed 5\)\)"
expect "at the end: replay finished, and the data stays" "replay finished  recorded time"
expect "... all records on screen" "records 1,?500 "
expect "... the source is marked finished" "\(finished\)"
t send-keys -t "$SESSION" q
expect "quitting exits 0" "cdctop exit status 0"
check "the console's recording ends with its end line" \
    python3 -c 'import json,sys; l=open(sys.argv[1]).read().splitlines(); e=json.loads(l[-1]); sys.exit(not (e["type"] == "end" and e["records"] == 1500))' "$TMP/again"

# --- the time cursor over the whole timeline ------------------------------------------------------
# The committed recording as a run started with --from -2m would have made it: the stream's records
# arrived up to two minutes before the program started watching, and it read them all at once.
python3 - "$srcdir/tests/data/recordings/demo-seed7.rec" "$TMP/from.rec" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
last = max(l["now_ms"] for l in lines if l["type"] == "record")
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for l in lines:
        if l["type"] == "header":
            l["model_started_ms"] = last
        if l["type"] == "record":
            l["now_ms"] = last
            l["arrival_ms"] -= 120000
        out.write(json.dumps(l, separators=(",", ":")) + "\n")
PY
start --replay "$TMP/from.rec" --speed max
expect "the replay of what a run read before it started finished" "replay finished"
expect "it started watching at the end" ' up 0s$'
t send-keys -t "$SESSION" '{'
expect "{ goes back before the start" '^ AT 23:46:28 UTC \(-10s\)'
t send-keys -t "$SESSION" End
if wait_gone '^ AT '; then ok "End returns to now"; else fail "End returns to now"; fi
t send-keys -t "$SESSION" t
expect "t asks for a time" 'go to time \(-5m, 22:04, 2026-12-07T22:04:00Z\):'
t send-keys -t "$SESSION" 23:44:38 Enter
expect "t 23:44:38 goes to what was read two minutes before the start" \
    '^ AT 23:44:38 UTC \(-2m00s\)'
expect "the Overview says how each rate differs now" '^TABLE +1s/s +10s/s +vs now '
expect "each table's rate then, and now lower by as much" \
    '^public\.orders +[0-9.]+ +([0-9.]+) +-[0-9.]+ '
then=$(screen | awk '$1 == "public.orders" { print $3 }')
delta=$(screen | awk '$1 == "public.orders" { print $4 }')
check "now - then: the 10 s rate then ($then) has gone ($delta)" [ "-$then" = "$delta" ]
t send-keys -t "$SESSION" End
if wait_gone '^ AT '; then ok "End returns to now"; else fail "End returns to now"; fi
if screen | grep -q 'vs now'; then fail "vs now is gone at now"; else ok "vs now is gone at now"; fi
t send-keys -t "$SESSION" t -5m Enter
expect "a time before the timeline goes to where it begins" '^ AT 23:44:37 UTC'
expect "and says so" 'go to time: the timeline begins at 23:44:37 UTC: showing that'
t send-keys -t "$SESSION" t 23:46:38 Enter
if wait_gone '^ AT '; then ok "the newest second is now"; else fail "the newest second is now"; fi
expect "and says so" 'go to time: that is now, or later: showing now'
t send-keys -t "$SESSION" t soon Enter
expect "a time that cannot be read is said so" 'go to time: cannot read "soon"'
if screen | grep -q '^ AT '; then fail "and the cursor stays at now"; else ok "and the cursor stays at now"; fi
t send-keys -t "$SESSION" t 2 Escape
if wait_gone 'go to time \('; then ok "Esc leaves the prompt"; else fail "Esc leaves the prompt"; fi
if screen | grep -q '^ AT '; then fail "without moving the cursor"; else ok "without moving the cursor"; fi
t send-keys -t "$SESSION" q
expect "quitting exits 0" "cdctop exit status 0"

finish
