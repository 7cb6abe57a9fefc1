#!/bin/sh
# quickstart.sh — set zhconv up on a fresh Debian machine: install the
# packages it needs, build it, and convert a bundled sample.
#   sh quickstart.sh        (as root, or with sudo available)
set -e
cd "$(dirname "$0")"

PACKAGES="build-essential autoconf automake libtool gettext autopoint help2man
  pkg-config libopencc-dev libopencc-data opencc libutf8proc-dev libyaml-dev
  libcmark-dev parallel"

if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
if ! dpkg -s $PACKAGES >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $PACKAGES
fi

[ -x configure ] || ./bootstrap
[ -f Makefile ] || ./configure
make -j"$(nproc 2>/dev/null || echo 2)"

echo
echo "== src/zhconv --to=cn tests/data/samples/ft-article-tw.txt (first lines) =="
ZHCONV_DATA_DIR="$PWD/data" src/zhconv --to=cn tests/data/samples/ft-article-tw.txt | head -n 4
