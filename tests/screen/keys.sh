#!/bin/sh
# Keys as terminals send them, and what the screens show of where one is: the real cdctop in a
# private tmux server replaying the committed recording (the same screens on every run).
#
# - Home, End, PgUp and PgDn as escape sequences (ESC [ 1 ~, ESC O H, ESC [ H, ...), typed at
#   TERM=xterm-256color, whose terminfo entry knows other ones, and at TERM=screen-256color:
#   they move the list; an escape sequence no key of cdctop's sends (ESC [ 9 9 ~, ESC [ 1 ; 5 Z)
#   does nothing at all, where its bytes read one by one would move the time cursor or jump
#   screens.
# - Lists say where the selection is ("row 79/79", "shard 2/4", "table 2/4").
# - The version history shows what the version log keeps, and says it keeps no images.
# - Help explains the columns; R says what it retried (here: nothing, a replay never waits).
# - A large terminal shows the DLQ's trend and the shards below the Overview's tables.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/tmux.sh"

cp "$srcdir/tests/data/recordings/demo-seed7.rec" "$TMP/keys.rec"

# send_seq HEX...: the bytes, as a terminal sends them for one key.
send_seq() {
    keys -H "$@"
}

# same DESCRIPTION FILE: after a moment, the screen is still what FILE holds.
same() {
    sleep 0.6
    screen >"$TMP/after"
    if cmp -s "$1" "$TMP/after"; then
        ok "$2"
    else
        fail "$2"
        diff "$1" "$TMP/after"
    fi
}

# row_is DESCRIPTION N: the Rows screen's selection is N of 79.
row_is() {
    expect "$1" "row $2/79\$"
}

for TERM_TYPE in xterm-256color screen-256color; do
    export TERM_TYPE
    tmux_start 80 24 --replay "$TMP/keys.rec" --speed max
    expect "$TERM_TYPE: the replay finished" "replay finished"

    # the Overview: an unknown sequence neither moves the time cursor nor changes screens
    screen >"$TMP/before"
    send_seq 1b 5b 39 39 7e
    send_seq 1b 5b 31 3b 35 5a
    send_seq 1b 4f 7a
    same "$TMP/before" "$TERM_TYPE: unknown escape sequences on the Overview do nothing"
    if screen | grep -q '^ AT '; then fail "$TERM_TYPE: the time cursor moved"; fi

    keys 4
    expect "$TERM_TYPE: Rows, first row" 'row 1/79$'
    send_seq 1b 5b 34 7e
    row_is "$TERM_TYPE: End as ESC [ 4 ~ goes to the last row" 79
    send_seq 1b 5b 31 7e
    row_is "$TERM_TYPE: Home as ESC [ 1 ~ goes to the first row" 1
    send_seq 1b 5b 38 7e
    row_is "$TERM_TYPE: End as ESC [ 8 ~" 79
    send_seq 1b 5b 37 7e
    row_is "$TERM_TYPE: Home as ESC [ 7 ~" 1
    send_seq 1b 4f 46
    row_is "$TERM_TYPE: End as ESC O F" 79
    send_seq 1b 4f 48
    row_is "$TERM_TYPE: Home as ESC O H" 1
    send_seq 1b 5b 46
    row_is "$TERM_TYPE: End as ESC [ F" 79
    send_seq 1b 5b 48
    row_is "$TERM_TYPE: Home as ESC [ H" 1
    send_seq 1b 5b 36 7e
    row_is "$TERM_TYPE: PgDn as ESC [ 6 ~ moves a page (21 rows)" 22
    send_seq 1b 5b 35 7e
    row_is "$TERM_TYPE: PgUp as ESC [ 5 ~ moves back" 1
    keys j j
    row_is "$TERM_TYPE: j moves one row" 3

    # on Rows, ESC [ 1 ; 5 Z read byte by byte would jump to Overview ('1'), then Events ('5')
    screen >"$TMP/before"
    send_seq 1b 5b 31 3b 35 5a
    send_seq 1b 5b 39 39 7e
    same "$TMP/before" "$TERM_TYPE: unknown escape sequences on Rows do nothing"
    # a lone Esc is still Esc: it closes the key filter prompt
    keys /
    expect "$TERM_TYPE: / opens the filter prompt" 'key contains:'
    keys Escape
    if wait_gone 'key contains:'; then ok "$TERM_TYPE: a lone Esc cancels the prompt"; else
        fail "$TERM_TYPE: a lone Esc cancels the prompt"; fi
    keys q
    wait_for '^cdctop exit status 0$' || fail "$TERM_TYPE: q quits with status 0"
done
unset TERM_TYPE

# --- positions, the version history, Help, R -------------------------------------------------
tmux_start 120 30 --replay "$TMP/keys.rec" --speed max
expect "the replay finished" "replay finished"
expect "the Overview says which table is selected" 'table 1/4$'
keys j
expect "j selects the next table" 'table 2/4$'
keys Tab
expect "Shards says which shard is selected" 'shard 1/4$'
keys G
expect "G selects the last shard" 'shard 4/4$'
expect "Shards hints at R" ' R:retry '
keys R
expect "R says there is nothing to retry, and why" \
    'nothing to retry: the replay source does not wait after errors'
keys 4
expect "Rows of the selected table" '^public\.notes  rows'
keys '<'
expect "Rows says which row is selected" '^public\.orders  rows .* row 1/79$'
keys j j j Enter
expect "Enter opens the version history" '^History of \[102630\]'
expect "the history shows when each change arrived" \
    '^COMMIT \(UTC\) +OP +TXID +SHARD +SEQUENCE +ARRIVED +MARK$'
expect "each version with its arrival time" '^2026-12-07 23:46:38\.869 delete .* 23:46:38\.982 applied$'
expect "it says that versions keep no row image" \
    'versions keep no row image: only the row.s current one \(bold above\) is kept'
expect "a tombstone says what it keeps" \
    '^Deleted \(commit 23:46:38\.869, txid itda2b76ywjt6qskv6e5lczu7y\)'
expect "and that it keeps no image" '\(deleted: a tombstone keeps no image, not even the last live one\)'
keys Escape
keys '?'
expect "Help lists the keys from the key table" '^  R +retry now: readers waiting after an error'
expect "Help names where a key works" '^  t +go to a time: .*'
for col in '1s/s' '10s/s' 'vs now' 'I/U/D/X%' 'p50ms p99ms' 'head' 'calls/s' 'rec/s B/s' 'behind' \
    'thr/err' 'last sequence' 'ARRIVED' 'MARK'; do
    found=no
    for _ in 1 2 3 4 5 6; do
        if screen | grep -qF "  $col "; then
            found=yes
            break
        fi
        keys PageDown
        sleep 0.2
    done
    if [ $found = yes ]; then ok "Help explains the column $col"; else fail "Help explains $col"; fi
    keys Home
    sleep 0.2
done
keys q q
wait_for '^cdctop exit status 0$' || fail "q quits with status 0"

# --- a large terminal: the DLQ's trend and the shards below the tables ------------------------
tmux_start 100 30 --replay "$TMP/keys.rec" --speed max
expect "100x30: the replay finished" "replay finished"
if screen | grep -q '^Shards  4'; then fail "100x30 keeps the Overview to the tables"; else
    ok "100x30 keeps the Overview to the tables"; fi
tmux_start 150 24 --replay "$TMP/keys.rec" --speed max
expect "150x24: the replay finished" "replay finished"
expect "150 columns: the DLQ's trend below the tables" '^DLQ trend  no DLQ watched$'
expect "150 columns: the shards, three to a line" \
    '^shardId-000000000000 latest +0ms +56\.0/s +shardId-000000000001 latest +0ms +53\.0/s +shardId-000000000002 latest'
tmux_start 80 39 --replay "$TMP/keys.rec" --speed max
expect "80x39: the replay finished" "replay finished"
if screen | grep -q '^Shards  4'; then fail "80x39 keeps the Overview to the tables"; else
    ok "80x39 keeps the Overview to the tables"; fi
tmux_start 80 40 --replay "$TMP/keys.rec" --speed max
expect "80x40: the replay finished" "replay finished"
expect "40 rows: the shards, one to a line" '^shardId-000000000003 latest +0ms +44\.0/s$'
keys '['
expect "and in the past, under the AT line, still" '^ AT 23:46:37 UTC'
expect "... the shards as they are now" '^Shards \(now\)  4$'

finish
