#!/bin/sh
# The demo: build the stub, wrap it with a command line, boot it under OVMF in QEMU (TCG) and
# show its console. `npm run demo` runs this; it installs the Debian packages it needs first.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
[ -d node_modules/porffor ] || npm ci
npx efistub build
npx efistub wrap --cmdline "hello from efistub: console=ttyS0" -o out/hello.efi
npx efistub run out/hello.efi --timeout 180
