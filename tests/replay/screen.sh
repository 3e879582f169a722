#!/bin/sh
# The console replaying a recording in a private tmux server: the Overview header shows the
# replay's progress, then "replay finished" with the data kept on screen; recording from the
# console ends with a complete file when the operator quits.
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

finish
