# Shared helpers for the shell tests. Sourced; expects $CDCTOP and $srcdir from `make check`.
# shellcheck shell=sh

: "${CDCTOP:?set CDCTOP to the cdctop binary}"
: "${srcdir:=.}"

failures=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cdctop-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export XDG_CONFIG_HOME="$TMP/xdg"   # never read the user's own config
export LANG=C.UTF-8

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

ok() {
    echo "ok: $*"
}

# check DESCRIPTION COMMAND...: runs the command, reports ok or FAIL.
check() {
    desc=$1
    shift
    if "$@"; then ok "$desc"; else fail "$desc"; fi
}

need() {
    command -v "$1" >/dev/null 2>&1 || { echo "SKIP: $1 is not installed"; exit 77; }
}

# jcheck FILE DESCRIPTION PYTHON-EXPRESSION: evaluates the expression with `s` bound to the
# parsed snapshot (integers stay exact in Python).
jcheck() {
    file=$1
    desc=$2
    expr=$3
    if python3 - "$file" "$expr" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    s = json.load(f)
ok = eval(sys.argv[2], {"s": s, "tables": {(t["schema"], t["table"]): t for t in s["tables"]}})
if not ok:
    sys.exit(1)
PY
    then ok "$desc"; else fail "$desc"; fi
}

# run_peak_rss FILE COMMAND...: runs the command, writing its peak resident memory in KiB to FILE
# (0 when GNU time is not installed); returns the command's status.
run_peak_rss() {
    out=$1
    shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M -o "$out" "$@"
    else
        echo 0 >"$out"
        "$@"
    fi
}

# check_peak_rss FILE MB: the peak in FILE is under MB megabytes. Not checked without GNU time,
# nor under the sanitizers, whose own memory dwarfs the program's.
check_peak_rss() {
    rss=$(tail -n 1 "$1")
    if grep -q __asan_init "$CDCTOP" 2>/dev/null; then
        echo "note: peak RSS ${rss} KiB not checked under the sanitizers"
    elif [ "$rss" -gt 0 ] 2>/dev/null; then
        check "peak RSS ${rss} KiB stays under $2 MB" test "$rss" -lt $(($2 * 1024))
    else
        echo "note: peak RSS not measured (no /usr/bin/time)"
    fi
}

finish() {
    if [ "$failures" -gt 0 ]; then
        echo "$failures check(s) failed"
        exit 1
    fi
    exit 0
}

# golden NAME FILE: FILE must equal tests/screen/golden/NAME.txt; the difference is shown when it
# does not. UPDATE_GOLDEN=1 rewrites the expected file instead (then review it with git diff).
golden() {
    want="$srcdir/tests/screen/golden/$1.txt"
    if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
        mkdir -p "$(dirname "$want")"
        cp "$2" "$want"
        ok "golden $1 (rewritten)"
    elif [ ! -f "$want" ]; then
        fail "golden $1: no $want (UPDATE_GOLDEN=1 make check writes it)"
    elif cmp -s "$want" "$2"; then
        ok "golden $1"
    else
        fail "golden $1 differs (UPDATE_GOLDEN=1 make check accepts the new screen):"
        diff -u "$want" "$2" | head -n 80
    fi
}
