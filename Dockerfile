# efistub's alternative toolchain: llvm-mingw's clang and lld-link for the C → .efi stage.
#
#   docker build -t efistub-llvm-mingw .
#   npx efistub build --toolchain docker
#
# The default toolchain is Debian's clang + lld (scripts/install-deps.sh); this image exists for
# hosts without them. Only the link stage runs inside it: `efistub build` runs the earlier stages
# on the host (they need Node and wabt), then mounts the repository at /src and runs
# linker-scripts/build-in-docker.sh, which uses the same flag files as the Debian path.
FROM debian:bookworm-slim

ARG LLVM_MINGW_VERSION=20241217
ARG LLVM_MINGW_FLAVOUR=ucrt-ubuntu-20.04-x86_64

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl xz-utils \
 && rm -rf /var/lib/apt/lists/*

RUN curl -fsSL "https://github.com/mstorsjo/llvm-mingw/releases/download/${LLVM_MINGW_VERSION}/llvm-mingw-${LLVM_MINGW_VERSION}-${LLVM_MINGW_FLAVOUR}.tar.xz" \
    | tar -xJ -C /opt \
 && ln -s "/opt/llvm-mingw-${LLVM_MINGW_VERSION}-${LLVM_MINGW_FLAVOUR}" /opt/llvm-mingw \
 && /opt/llvm-mingw/bin/clang --version \
 && /opt/llvm-mingw/bin/lld-link --version

ENV PATH=/opt/llvm-mingw/bin:$PATH
WORKDIR /src
