#!/bin/sh
# Installs the Debian packages efistub's build and tests need, only those missing.
# Run as root (CI and the dev machines are root); otherwise through sudo when present.
# `apt-get update` runs once, first, and only when something is missing, so a machine that
# already has everything is not touched (and needs no network).
set -eu
PACKAGES="clang lld wabt binaryen qemu-system-x86 ovmf mtools dosfstools gdisk \
busybox-static cpio sbsigntool binutils openssl gzip xz-utils zstd lz4 bzip2 lzop linux-source-6.1 \
systemd-boot-efi valgrind"

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "efistub: setup: dpkg/apt-get not found: scripts/install-deps.sh supports Debian (bookworm) only;" \
    "install these packages by other means: $PACKAGES" >&2
  exit 1
fi

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -z "$missing" ]; then
  echo "efistub: setup: Debian packages already installed" >&2
  exit 0
fi

# sudo resets the environment, so the front-end setting travels through env(1).
AS_ROOT="env"
if [ "$(id -u)" != "0" ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "efistub: setup: missing Debian packages:$missing; run scripts/install-deps.sh as root" >&2
    exit 1
  fi
  AS_ROOT="sudo env"
fi
echo "efistub: setup: installing Debian packages:$missing" >&2
$AS_ROOT DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
# shellcheck disable=SC2086
$AS_ROOT DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2
