#!/bin/sh
# Snapshots go only where nobody else can replace them: a snapshot directory another user owns,
# or that group or others can write to (sticky or not), is refused with a clear message and the
# run goes on; so is one inside a directory others can change. A sticky world-writable parent
# such as /tmp is fine, missing directories are created 0700, and a single --snapshot file
# follows the parent rule.
. "${srcdir:-.}/tests/lib/common.sh"
need python3

demo() {
    "$CDCTOP" --no-config --demo --headless --demo-limit 100 --demo-rate 0 "$@"
}
# no_files DIR: nothing was written in DIR.
no_files() {
    test -z "$(ls -A "$1")"
}

mkdir -m 0777 "$TMP/open"
demo --snapshot-dir "$TMP/open" 2>"$TMP/open.err"
check "a world-writable snapshot directory: the final snapshot fails (exit 1)" test $? -eq 1
check "a world-writable snapshot directory: refused, saying why" grep -q \
    "^cdctop: snapshot failed: snapshot directory $TMP/open is writable by others (mode 0777), who could replace the snapshots written there: not writing there" \
    "$TMP/open.err"
check "a world-writable snapshot directory: nothing written in it" no_files "$TMP/open"

mkdir -m 0770 "$TMP/group"
demo --snapshot-dir "$TMP/group" 2>"$TMP/group.err"
check "a group-writable snapshot directory is refused" \
    grep -q "snapshot directory $TMP/group is writable by its group (mode 0770)" "$TMP/group.err"
check "a group-writable snapshot directory: nothing written in it" no_files "$TMP/group"

mkdir -m 1777 "$TMP/sticky"
demo --snapshot-dir "$TMP/sticky" 2>"$TMP/sticky.err"
check "a sticky world-writable directory is no snapshot directory either" \
    grep -q "snapshot directory $TMP/sticky is writable by others (mode 1777)" "$TMP/sticky.err"

# The run goes on: every periodic set is refused and reported, and the run ends when it should.
start=$(date +%s)
"$CDCTOP" --no-config --demo --headless --demo-rate 50 --duration 3 --snapshot-every 1 \
    --snapshot-dir "$TMP/open" 2>"$TMP/every.err"
check "periodic sets into a refused directory: the run lasts its duration, exit 1" \
    test $? -eq 1 -a $(($(date +%s) - start)) -ge 3
check "periodic sets into a refused directory: each refusal is reported" \
    test "$(grep -c 'snapshot failed: snapshot directory' "$TMP/every.err")" -ge 3

# Another user's directory (needs root to make one).
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    mkdir -m 0700 "$TMP/theirs"
    chown nobody "$TMP/theirs"
    demo --snapshot-dir "$TMP/theirs" 2>"$TMP/theirs.err"
    check "another user's snapshot directory is refused" grep -q \
        "snapshot directory $TMP/theirs belongs to another user (uid $(id -u nobody))" \
        "$TMP/theirs.err"
    check "another user's snapshot directory: nothing written in it" no_files "$TMP/theirs"
    ln -s "$TMP/own-target" "$TMP/theirlink" && mkdir -m 0700 "$TMP/own-target" &&
        chown -h nobody "$TMP/theirlink"
    demo --snapshot-dir "$TMP/theirlink" 2>"$TMP/theirlink.err"
    check "another user's symbolic link as the snapshot directory is refused" \
        grep -q "is a symbolic link owned by another user" "$TMP/theirlink.err"
else
    echo "skip: another user's directory (not root, or no user nobody)"
fi

# Inside a directory others can change: refused before anything is created in it.
demo --snapshot-dir "$TMP/open/mine/sets" 2>"$TMP/inside.err"
check "a snapshot directory to create inside a world-writable one is refused" grep -q \
    "^cdctop: snapshot failed: $TMP/open is writable by others without the sticky bit (mode 0777)" \
    "$TMP/inside.err"
check "nothing was created inside the world-writable directory" no_files "$TMP/open"

# A sticky parent (like /tmp) is fine; missing directories are created, each 0700.
demo --snapshot-dir "$TMP/sticky/incident/run1" 2>"$TMP/created.err"
check "missing snapshot directories under a sticky parent: the set is written" \
    grep -q "^cdctop: snapshot written: $TMP/sticky/incident/run1/cdctop-" "$TMP/created.err"
check "each created directory is 0700" test "$(stat -c %a "$TMP/sticky/incident")" = 700 -a \
    "$(stat -c %a "$TMP/sticky/incident/run1")" = 700
check "the set's three files are there" \
    test "$(ls "$TMP/sticky/incident/run1" | grep -c '\.json$\|\.txt$\|\.html$')" -eq 3

# One file with --snapshot: its directory must be one others cannot change.
demo --snapshot "$TMP/open/final.json" 2>"$TMP/file.err"
check "--snapshot into a world-writable directory: exit 1" test $? -eq 1
check "--snapshot into a world-writable directory: refused, saying why" \
    grep -q "$TMP/open is writable by others without the sticky bit" "$TMP/file.err"
check "--snapshot into a world-writable directory: nothing written" no_files "$TMP/open"
demo --snapshot "$TMP/sticky/final.json" 2>/dev/null
check "--snapshot into a sticky directory is written" test -s "$TMP/sticky/final.json"

finish
