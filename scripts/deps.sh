# Debian 12 packages, sourced by scripts/demo and scripts/test.
# shellcheck shell=sh
BUILD_DEPS="build-essential autoconf automake pkg-config libncurses-dev libev-dev
  libcurl4-openssl-dev libssl-dev libjansson-dev"
TEST_DEPS="libcmocka-dev tmux python3 ncurses-term"

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
