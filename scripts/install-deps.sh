#!/bin/sh
# Installs the Debian packages efistub's build and tests need, only those missing.
# Run as root (CI and the dev machines are root); otherwise through sudo when present.
set -eu
PACKAGES="clang lld wabt binaryen qemu-system-x86 ovmf mtools dosfstools gdisk \
busybox-static cpio sbsigntool binutils openssl gzip xz-utils zstd lz4 bzip2 lzop"
missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -z "$missing" ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "efistub: setup: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >&2
