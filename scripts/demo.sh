#!/bin/sh
# The demo: build the stub, fetch Debian's kernel, build a busybox initramfs, wrap them, and boot
# the result under OVMF in QEMU (TCG), showing the console from the firmware to the initramfs.
# `npm run demo` runs this; it installs the Debian packages it needs first.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
[ -d node_modules/porffor ] || npm ci
npx efistub build
npx tsx scripts/demo-kernel.ts
