#!/bin/sh
# Command line, config file and documentation agree; mistakes give clear messages.
. "${srcdir:-.}/tests/lib/common.sh"
need python3

"$CDCTOP" --help >"$TMP/help.txt"
check "--help exits 0 and lists options" grep -q -- "--snapshot-rows" "$TMP/help.txt"
check "--version prints the version" sh -c '"$CDCTOP" --version | grep -q "^cdctop [0-9]"'

# Every option --help lists is documented in the man page.
for opt in $(grep -o -- '^  --[a-z-]*' "$TMP/help.txt"); do
    pattern=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
    grep -q -- "$pattern" "$srcdir/docs/cdctop.1" || fail "man page lacks $opt"
done
ok "the man page documents every option in --help"

"$CDCTOP" --demo --bogus 2>"$TMP/e1.txt"
check "an unknown option exits 2" test $? -eq 2
check "an unknown option is named" grep -q -- "unknown option '--bogus'" "$TMP/e1.txt"
"$CDCTOP" --demo "--bo$(printf '\033')[31mgus" 2>"$TMP/e1b.txt"
check "an unknown option is named with its controls escaped" \
    grep -qF "unknown option '--bo\e[31mgus'" "$TMP/e1b.txt"
check "and no raw escape reaches stderr" sh -c "! grep -q \"$(printf '\033')\" '$TMP/e1b.txt'"
"$CDCTOP" --headless 2>"$TMP/e2.txt"
check "no source exits 2" test $? -eq 2
check "no source says what to give" grep -q -- "--demo" "$TMP/e2.txt"
"$CDCTOP" --demo --seed abc 2>"$TMP/e3.txt"
check "a bad value exits 2" test $? -eq 2
check "a bad value gives the reason" grep -q "expected a whole number" "$TMP/e3.txt"
"$CDCTOP" --demo --pk orders 2>"$TMP/e4.txt"
check "a malformed --pk is explained" grep -q "SCHEMA.TABLE=COL" "$TMP/e4.txt"

# A config file with bad lines: each reported as file:line, the rest still applies.
cat >"$TMP/bad.conf" <<'CONF'
# a comment
seed = 7
no-such-option = 3
demo-limit = 300
demo-rate = fast
pk = public.orders=order_id
headless
config = /etc/passwd
CONF
"$CDCTOP" --config "$TMP/bad.conf" --demo --demo-rate 0 --snapshot "$TMP/cfg.json" 2>"$TMP/cfg.err"
check "the run goes on despite bad config lines" test -s "$TMP/cfg.json"
check "unknown name reported as file:line" grep -q "^$TMP/bad.conf:3: unknown option" "$TMP/cfg.err"
check "bad value reported as file:line" grep -q "^$TMP/bad.conf:5: expected a number of seconds" "$TMP/cfg.err"
check "command-line-only option refused in the file" grep -q "^$TMP/bad.conf:8: only valid on the command line" "$TMP/cfg.err"
jcheck "$TMP/cfg.json" "good lines apply: seed, limit, key" \
  '"seed 7" in s["source"] and s["totals"]["records"] == 300 and tables[("public","orders")]["pk"]["source"] == "configured"'

# The default config file is read from $XDG_CONFIG_HOME, and the command line wins over it.
mkdir -p "$XDG_CONFIG_HOME/cdctop"
printf 'demo-limit = 120\ndemo-rate = 0\nseed = 3\n' >"$XDG_CONFIG_HOME/cdctop/config"
"$CDCTOP" --demo --headless --seed 4 --snapshot "$TMP/xdg.json" 2>/dev/null
jcheck "$TMP/xdg.json" "XDG config read; command line overrides it" \
  's["totals"]["records"] == 120 and "seed 4" in s["source"]'
"$CDCTOP" --no-config --demo --headless --demo-limit 10 --demo-rate 0 --snapshot "$TMP/nocfg.json" 2>/dev/null
jcheck "$TMP/nocfg.json" "--no-config ignores the config file" '"seed 1" in s["source"]'
"$CDCTOP" --config "$TMP/nope.conf" --demo --headless 2>"$TMP/e5.txt"
check "a missing --config file exits 2" test $? -eq 2
check "a missing --config file is named, with the reason" \
    grep -q "cannot read config file $TMP/nope.conf: No such file or directory" "$TMP/e5.txt"

# Config lines and files are bounded: an over-long line is skipped and reported, the rest loads;
# a "file" that never ends (/dev/zero) is refused at once rather than read until memory ends.
python3 -c 'print("seed = 9"); print("redact = " + "c," * 6000 + "c"); print("demo-limit = 40")' \
    >"$TMP/long.conf"
"$CDCTOP" --config "$TMP/long.conf" --demo --headless --demo-rate 0 --snapshot "$TMP/long.json" \
    2>"$TMP/long.err"
check "a config with an over-long line: the run goes on" test $? -eq 0
check "the over-long line is reported as file:line" \
    grep -q "^$TMP/long.conf:2: line longer than 8192 bytes; skipped" "$TMP/long.err"
jcheck "$TMP/long.json" "the lines around it apply, the long one does not" \
    '"seed 9" in s["source"] and s["totals"]["records"] == 40 and not s.get("redaction")'
timeout 10 "$CDCTOP" --config /dev/zero --demo --headless --demo-limit 5 --snapshot - \
    >/dev/null 2>"$TMP/zero.err"
check "--config /dev/zero ends at once, with exit status 2" test $? -eq 2
check "--config /dev/zero says why" \
    grep -q "config file /dev/zero goes on past 1 MiB: not a config file" "$TMP/zero.err"

finish
