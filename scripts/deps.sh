# Debian 12 packages, sourced by scripts/demo and scripts/test.
# shellcheck shell=sh
BUILD_DEPS="build-essential autoconf automake pkg-config libncurses-dev libev-dev
  libcurl4-openssl-dev libssl-dev libjansson-dev"
TEST_DEPS="libcmocka-dev tmux python3 ncurses-term clang-format chromium"
# The live tests: the AWS CLI writes, npm servers on 127.0.0.1 answer. Each package is installed
# only when its command is missing (a node from another source already brings npm, and Debian's
# npm package would conflict with it).
LIVE_TEST_DEPS="aws:awscli node:nodejs npm:npm"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
    missing=""
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    as_root apt-get update -qq
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}

# install_commands CMD:PACKAGE...: installs each package whose command is not on the PATH.
install_commands() {
    missing=""
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
    done
    # shellcheck disable=SC2086
    [ -z "$missing" ] || install_packages $missing
}

# Every build goes out of the source tree (build-demo/, build-plain/, ...), and automake refuses
# to configure one while the source tree itself is configured ("source directory already
# configured"), as a plain ./configure there leaves it. Such an in-place build is cleaned first.
clean_in_tree_build() {
    [ -f config.status ] || return 0
    echo "note: the source tree was configured in place (./configure); cleaning it with" \
        "make distclean so that the builds in build-*/ can configure" >&2
    if [ -f Makefile ]; then
        make -s distclean >/dev/null 2>&1 || true
    fi
    rm -f config.status
}

# The npm servers the live tests start (pinned in tests/servers/package-lock.json).
install_test_servers() {
    [ -d tests/servers/node_modules ] && return 0
    npm ci --prefix tests/servers --no-audit --no-fund >/dev/null ||
        echo "warning: npm ci --prefix tests/servers failed; the live tests will be skipped" >&2
}
