#!/bin/sh
# End-to-end screen test: runs the real cdctop on the demo inside a private tmux server, types
# keys like an operator and checks with capture-pane what is on the screen.
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

SOCKET=cdct$$
SESSION=cdct
WORK=$(mktemp -d /tmp/cdct.XXXXXX) || exit 1
SNAPDIR=$WORK/snap
FAILS=0

cleanup() {
    tmux -L "$SOCKET" kill-server >/dev/null 2>&1
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCKET"
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

# The screen with each UTF-8 character reduced to one byte, so awk's length counts columns.
narrow_screen() {
    screen | LC_ALL=C tr -d '\200-\277'
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

# Polls until the shell command $1 succeeds (about 10 s at most).
wait_until() {
    i=0
    while [ $i -lt 100 ]; do
        eval "$1" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

expect() { # DESCRIPTION REGEX
    if wait_for "$2"; then ok "$1"; else fail "$1 (no match for /$2/)"; fi
}

# Starts cdctop with the given arguments in a fresh session of the given size.
start() { # COLS ROWS ARGS...
    cols=$1 rows=$2
    shift 2
    t kill-session -t "$SESSION" >/dev/null 2>&1
    t new-session -d -s "$SESSION" -x "$cols" -y "$rows" \
        "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$CDCTOP' $*; echo cdctop exit status \$?; sleep 1" || {
        echo "FAIL: cannot start tmux"
        exit 1
    }
    t set-option -t "$SESSION" remain-on-exit on >/dev/null
}

pane_dead() {
    [ "$(t display-message -p -t "$SESSION" '#{pane_dead}')" = 1 ]
}

# Goes to the first table with <, then presses > until the first screen line names the table
# (Table detail and Rows both start with it).
select_table() { # NAME
    keys '<' '<' '<' '<' '<' '<'
    n=0
    while [ $n -lt 6 ]; do
        i=0
        while [ $i -lt 10 ]; do
            screen | head -n 1 | grep -q "^$1 " && return 0
            sleep 0.1
            i=$((i + 1))
        done
        keys '>'
        n=$((n + 1))
    done
    return 1
}

# --- the main session: the demo streaming at 200 records/s, 80x24 -----------------------------
start 80 24 --demo --seed 7 --demo-rate 200 --pk public.orders=order_id \
    --snapshot-dir "$SNAPDIR"

expect "overview shows the source" '^source +demo'
for table in public.orders public.customers public.order_items public.notes; do
    expect "overview lists $table" "^$table "
done
if wait_until "screen | awk '\$1 == \"public.orders\" && (\$2 + 0 > 0 || \$3 + 0 > 0) { f = 1 } END { exit !f }'"; then
    ok "overview shows a non-zero rate for public.orders"
else
    fail "overview rates stay zero"
fi
expect "overview shows what was read per second" 'read/s [0-9]'
if narrow_screen | awk 'length > 80 { f = 1 } END { exit !f }'; then
    fail "a line is wider than 80 columns"
fi

keys Tab
expect "Tab reaches Shards" '^SHARD +STATE'
if wait_until "[ \$(screen | grep -Eo 'shardId-00000000000[0-3]' | sort -u | wc -l) -eq 4 ]"; then
    ok "Shards shows the 4 shard ids"
else
    fail "Shards does not show 4 shard ids"
fi
keys Tab
expect "Tab reaches Events, newest first" '^Events, newest first'
expect "Events lists the first undecodable record with its reason" 'undecodable +not_json'
keys Tab
expect "Tab reaches Rows" '^KEY +STATE +COMMIT'
keys BTab BTab BTab
expect "Shift-Tab goes back to Overview" '^TABLE +1s/s'

keys Enter
expect "Enter on a table opens Table detail" 'source (learned|guessed|configured)'
if select_table public.orders && wait_for '^public\.orders +key \(order_id\) +source configured'; then
    ok "Table detail shows the configured key of public.orders"
else
    fail "Table detail of public.orders does not show key (order_id) configured"
fi
expect "Table detail shows latency quantiles" 'commit.+emit +-?[0-9]'
if select_table public.order_items && wait_for 'key \(order_id,item_id\) +source learned'; then
    ok "Table detail shows the learned composite key of public.order_items"
else
    fail "composite key of public.order_items not learned"
fi

keys Enter
expect "Enter in Table detail opens Rows" '^KEY +STATE +COMMIT'
expect "Rows lists live rows" '^\[[0-9]+,[0-9]+\] +live '
key=$(screen | sed -n '3p' | sed 's/[][",]/ /g' | awk '{ print $1 }')
if [ -z "$key" ]; then
    fail "no key on the first row line"
else
    keys / "$key"
    expect "/ opens the key prompt" "key contains: $key"
    keys Enter
    expect "search filters rows by key" "key filter \"$key\" \\([0-9]+ match"
    if screen | sed -n '3p' | grep -q "$key"; then
        ok "the first row matches the search"
    else
        fail "the first row after the search does not contain $key"
    fi
    keys Enter
    expect "Enter opens the version history" '^History of \['
    expect "history labels each change" '^COMMIT \(UTC\) +OP +TXID +SHARD +SEQUENCE +MARK'
    expect "history shows a mark" ' (applied|duplicate|stale)$'
    expect "history shows the shard id" 'shardId-|…[0-9]+ '
    keys Escape
    expect "Esc leaves the history" "key filter \"$key\""
    keys Escape
    expect "Esc clears the filter" 'newest change first'
fi

keys 1
expect "1 jumps to Overview" '^TABLE +1s/s'
keys p
expect "p shows PAUSED" 'PAUSED'
sleep 0.3
screen >"$WORK/paused1"
sleep 2.2
screen >"$WORK/paused2"
if cmp -s "$WORK/paused1" "$WORK/paused2"; then
    ok "the screen stays the same while paused"
else
    fail "the screen changed while paused"
    diff "$WORK/paused1" "$WORK/paused2"
fi
keys p
if wait_until "! screen | grep -q PAUSED"; then ok "p again resumes"; else fail "still PAUSED"; fi
if wait_until "! screen | cmp -s - '$WORK/paused2'"; then
    ok "the screen updates again after resuming"
else
    fail "the screen did not update after resuming"
fi

keys s
expect "s reports the snapshot" "snapshot written: $SNAPDIR/cdctop-"
json=$(ls "$SNAPDIR"/cdctop-*.json 2>/dev/null | head -n 1)
txt=${json%.json}.txt
if [ -n "$json" ] && [ -s "$json" ] && [ -s "$txt" ]; then
    ok "snapshot wrote $(basename "$json") and .txt"
    for f in "$json" "$txt"; do
        mode=$(ls -ln "$f" | cut -c1-10)
        if [ "$mode" = "-rw-------" ]; then
            ok "$(basename "$f") has mode 600"
        else
            fail "$(basename "$f") has mode $mode"
        fi
    done
    if head -c 1 "$json" | grep -q '{'; then
        ok "snapshot JSON starts as an object"
    else
        fail "snapshot JSON does not start with {"
    fi
    for heading in '==== Overview ====' '==== Shards ====' \
        '==== Table detail: public.orders ====' '==== Rows: public.notes ===='; do
        if grep -qF "$heading" "$txt"; then
            ok "snapshot text has '$heading'"
        else
            fail "snapshot text lacks '$heading'"
        fi
    done
else
    fail "snapshot files missing in $SNAPDIR: $(ls "$SNAPDIR" 2>&1)"
fi

keys '?'
expect "? shows help" '^cdctop help'
expect "help lists the keys" 'Tab +Shift-Tab'
keys q
expect "q closes help" '^TABLE +1s/s'

t resize-window -t "$SESSION" -x 120 -y 40
if wait_until "[ \$(screen | wc -l) -eq 40 ] && narrow_screen | awk 'length > 100 { f = 1 } END { exit !f }'"; then
    ok "resize to 120x40 redraws with more visible"
else
    fail "no redraw at 120x40"
fi
expect "wider sparkline at 120 columns" 'last [0-9]{2}s'
t resize-window -t "$SESSION" -x 40 -y 10
expect "40x10 shows the too-small message" 'terminal too small'
expect "too-small message says what is needed" 'need 60x16, have'
expect "too-small message says the size" '40x10'
t resize-window -t "$SESSION" -x 80 -y 24
expect "back at 80x24 the overview returns" '^TABLE +1s/s'

keys q
# the pane's shell prints the exit status once cdctop has ended (and lingers a second so
# tmux shows it before the pane closes)
if wait_for '^cdctop exit status [0-9]+'; then
    ok "q quits and the process ends"
    if screen | grep -q '^cdctop exit status 0$'; then
        ok "exit status 0"
    else
        fail "exit status not 0"
    fi
    wait_until pane_dead || fail "the pane did not close"
else
    fail "cdctop still running after q"
fi

# --- hostile values, ASCII mode and a bad theme line: a short demo run ---------------------------
mkdir -p "$WORK/themes"
printf 'color header cyan default bold\ncolor no_such_element red default\n' >"$WORK/themes/t.theme"
start 100 30 --demo --seed 7 --demo-limit 60 --ascii --theme t --theme-dir "$WORK/themes" \
    --snapshot-dir "$SNAPDIR"
expect "a bad theme line is reported as file:line" 't\.theme:2: unknown element'
expect "ASCII mode draws" '^TABLE +1s/s'
if screen | grep -q '[▁▂▃▄▅▆▇█]'; then
    fail "--ascii still draws block elements"
else
    ok "--ascii draws no block elements"
fi
keys 4
wait_for '^KEY +STATE'
if select_table public.notes; then
    ok "Rows of public.notes"
else
    fail "cannot select public.notes in Rows"
fi
# look through every row, the row images scrolled sideways in steps
found=no
pages=0
while [ $pages -lt 4 ] && [ $found = no ]; do
    steps=0
    while [ $steps -lt 8 ]; do
        if screen | grep -qF '\e[2J'; then
            found=yes
            break
        fi
        keys l
        sleep 0.1
        steps=$((steps + 1))
    done
    keys h h h h h h h h PageDown
    sleep 0.2
    pages=$((pages + 1))
done
if [ $found = yes ]; then
    ok "hostile text in public.notes shows escaped as \\e[2J"
else
    fail "no escaped \\e[2J in the Rows of public.notes (is the hostile note the current row?)"
fi
# the value also holds an OSC title sequence: had it reached the terminal, tmux would show it
if [ "$(t display-message -p -t "$SESSION" '#{pane_title}')" = "window title" ]; then
    fail "an escape sequence from the data reached the terminal (pane title changed)"
else
    ok "no escape sequence from the data reached the terminal"
fi
keys q
wait_for '^cdctop exit status 0$' || fail "second run did not quit with status 0"

# --- a theme "file" that never ends: reading stops at 1 MiB, the console starts ------------------
start 100 30 --demo --seed 7 --theme /dev/zero --snapshot-dir "$SNAPDIR"
expect "a theme file that never ends is reported" '/dev/zero: goes on past 1 MiB: not a theme file'
expect "and the console draws" '^TABLE +1s/s'
keys q
wait_for '^cdctop exit status 0$' || fail "the run with --theme /dev/zero did not quit with status 0"

if [ $FAILS -gt 0 ]; then
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all screen checks passed"
exit 0
