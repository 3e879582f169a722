# The real cdctop on a real terminal: one private tmux server per test, driven like an operator.
# Sourced after tests/lib/common.sh.
# shellcheck shell=sh

need tmux

TMUX_SOCKET=cdct$$
TMUX_SESSION=cdct

tm() {
    tmux -L "$TMUX_SOCKET" -f /dev/null "$@"
}

tmux_cleanup() {
    tm kill-server >/dev/null 2>&1
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCKET"
    rm -rf "$TMP"
}
trap tmux_cleanup EXIT
trap 'exit 1' INT TERM HUP

# What the terminal shows now (trailing blanks trimmed by tmux).
screen() {
    tm capture-pane -p -t "$TMUX_SESSION"
}

keys() {
    tm send-keys -t "$TMUX_SESSION" "$@"
}

# A failure with the screen it happened on.
fail() {
    echo "FAIL: $*"
    if tm has-session -t "$TMUX_SESSION" >/dev/null 2>&1; then
        echo "---- screen ----"
        screen
        echo "----------------"
    fi
    failures=$((failures + 1))
}

# tmux_start COLS ROWS ARGS...: cdctop in a fresh session of that size. The terminal type is
# $TERM_TYPE (default xterm-256color); the pane stays after cdctop exits and says how it ended.
tmux_start() {
    cols=$1 rows=$2
    shift 2
    tm kill-session -t "$TMUX_SESSION" >/dev/null 2>&1
    args=""
    for a in "$@"; do
        args="$args '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
    done
    tm new-session -d -s "$TMUX_SESSION" -x "$cols" -y "$rows" \
        "env TERM=${TERM_TYPE:-xterm-256color} LANG=C.UTF-8 LC_ALL=C.UTF-8 '$CDCTOP' --no-config $args; echo cdctop exit status \$?; sleep 1" || {
        echo "FAIL: cannot start tmux"
        exit 1
    }
    tm set-option -t "$TMUX_SESSION" remain-on-exit on >/dev/null
}

pane_dead() {
    [ "$(tm display-message -p -t "$TMUX_SESSION" '#{pane_dead}')" = 1 ]
}

# wait_for REGEX [TENTHS]: polls until the screen matches the extended regex (default 10 s).
wait_for() {
    i=0
    while [ "$i" -lt "${2:-100}" ]; do
        screen | grep -Eq -e "$1" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# wait_gone REGEX [TENTHS]: polls until the screen no longer matches.
wait_gone() {
    i=0
    while [ "$i" -lt "${2:-100}" ]; do
        screen | grep -Eq -e "$1" || return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# expect DESCRIPTION REGEX: the screen shows it within 10 s.
expect() {
    if wait_for "$2"; then ok "$1"; else fail "$1 (no match for /$2/)"; fi
}

# screen_golden NAME: the screen, once it has settled (two captures alike), against
# tests/screen/golden/NAME.txt.
screen_golden() {
    prev=""
    i=0
    while [ "$i" -lt 50 ]; do
        cur=$(screen)
        [ -n "$prev" ] && [ "$cur" = "$prev" ] && break
        prev=$cur
        sleep 0.2
        i=$((i + 1))
    done
    printf '%s\n' "$cur" >"$TMP/screen-$1.txt"
    golden "$1" "$TMP/screen-$1.txt"
}
