#!/bin/sh
# Runs inside the llvm-mingw image (Dockerfile) with the repository at /src:
#   build-in-docker.sh out/stub.c out/stub.efi
# Same flags as compiler/link.ts uses with Debian's toolchain (efi-clang.rsp, efi-lld-link.rsp).
set -eu
stub_c="$1"
output="$2"
runtime=compiler/runtime
objects=""
build_dir="$(dirname "$output")/obj-efi-docker"
mkdir -p "$build_dir"
for source in "$stub_c" "$runtime/wasm-rt.c" "$runtime/host-common.c" "$runtime/host-efi.c" "$runtime/libc-efi.c"; do
  object="$build_dir/$(basename "$source" .c).obj"
  echo "efistub: link: compiling $(basename "$source") (llvm-mingw)" >&2
  clang @linker-scripts/efi-clang.rsp -I "$runtime/include-common" -I "$runtime/include-efi" \
    -I "$(dirname "$stub_c")" -c "$source" -o "$object"
  objects="$objects $object"
done
echo "efistub: link: linking $output (llvm-mingw)" >&2
# shellcheck disable=SC2086
lld-link @linker-scripts/efi-lld-link.rsp "/out:$output.tmp" $objects
mv "$output.tmp" "$output"
