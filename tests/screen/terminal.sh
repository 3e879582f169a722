#!/bin/sh
# A terminal the console cannot draw on (TERM=dumb, a type without a terminfo entry, TERM unset)
# is refused before anything starts: a message naming the terminal and suggesting --headless,
# exit status 2, and nothing drawn. Real terminal types still get the console. In a private tmux
# server, so cdctop has a real terminal whatever TERM says.
. "${srcdir:-.}/tests/lib/common.sh"
need tmux

SOCKET=cdctt$$
t() {
    tmux -L "$SOCKET" -f /dev/null "$@"
}
trap 't kill-server >/dev/null 2>&1; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCKET"; rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP

# The pane's text, wrapped lines joined.
pane() {
    t capture-pane -p -J -t "$1"
}

# wait_pane SESSION REGEX: polls (about 10 s) until the pane matches.
wait_pane() {
    i=0
    while [ $i -lt 100 ]; do
        pane "$1" | grep -Eq -e "$2" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# run_in_tmux SESSION ENV-ARGS...: cdctop on the demo with that environment, then its status.
run_in_tmux() {
    session=$1
    shift
    t new-session -d -s "$session" -x 200 -y 30 \
        "env $* LANG=C.UTF-8 XDG_CONFIG_HOME='$XDG_CONFIG_HOME' '$CDCTOP' --demo \
         --snapshot-dir '$TMP/snap'; echo cdctop exit status \$?; sleep 30"
}

refused() {
    session=$1
    what=$2
    shift 2
    run_in_tmux "$session" "$@"
    if ! wait_pane "$session" '^cdctop exit status'; then
        fail "$what: cdctop ended"
        pane "$session"
        return
    fi
    check "$what: exit status 2" sh -c "tmux -L '$SOCKET' -f /dev/null capture-pane -p -t '$session' | grep -q '^cdctop exit status 2$'"
    check "$what: the message suggests --headless" sh -c \
        "tmux -L '$SOCKET' -f /dev/null capture-pane -p -J -t '$session' | grep -q -- '--headless'"
    check "$what: nothing of the console was drawn" sh -c \
        "! tmux -L '$SOCKET' -f /dev/null capture-pane -p -t '$session' | grep -q 'Overview\|demo (seed'"
}

refused dumb "TERM=dumb" TERM=dumb
check "TERM=dumb: the message names the terminal and why" sh -c \
    "tmux -L '$SOCKET' -f /dev/null capture-pane -p -J -t dumb | grep -q '^cdctop: the terminal \"dumb\" (TERM) cannot move the cursor'"

refused unknown "an unknown TERM" TERM=no-such-terminal-type
check "an unknown TERM: the message names it" sh -c \
    "tmux -L '$SOCKET' -f /dev/null capture-pane -p -J -t unknown | grep -q '^cdctop: the terminal type \"no-such-terminal-type\" (TERM) is not known here'"

refused unset "TERM unset" -u TERM
check "TERM unset: the message says so" sh -c \
    "tmux -L '$SOCKET' -f /dev/null capture-pane -p -J -t unset | grep -q '^cdctop: TERM is not set'"

# Escape sequences in TERM itself are shown escaped, not played.
run_in_tmux hostile "TERM='x$(printf '\033')]0;pwned$(printf '\007')'"
wait_pane hostile '^cdctop exit status' || fail "a hostile TERM: cdctop ended"
check "a hostile TERM is refused and shown escaped" sh -c \
    "tmux -L '$SOCKET' -f /dev/null capture-pane -p -J -t hostile | grep -qF 'the terminal type \"x\\e]0;pwned\\x07\" (TERM)'"

# Real terminal types are not refused: the console starts, and q ends it with status 0.
for term in xterm-256color vt100 linux; do
    session=ok-$(echo "$term" | tr -cd 'a-z0-9')
    run_in_tmux "$session" "TERM=$term"
    if wait_pane "$session" 'demo \(seed 1\)'; then
        ok "TERM=$term: the console starts"
    else
        fail "TERM=$term: the console starts"
        pane "$session"
    fi
    t send-keys -t "$session" q
    # without an alternate screen (vt100, linux) the line follows what the console left
    if wait_pane "$session" 'cdctop exit status 0($|[^0-9])'; then
        ok "TERM=$term: q ends it with status 0"
    else
        fail "TERM=$term: q ends it with status 0"
        pane "$session"
    fi
done

finish
