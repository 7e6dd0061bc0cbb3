/**
 * @fileoverview Stage "link": out/stub.c + compiler/runtime/*.c → out/stub.efi (or, with the
 * Linux host runtime, a native program for differential tests and benchmarks).
 *
 * The EFI flags live in linker-scripts/*.rsp so the Debian toolchain (default) and llvm-mingw in
 * Docker (`--toolchain docker`, see Dockerfile) produce the same layout.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import type { Diagnostic } from './diagnostics.ts';
import { runTool } from './tools.ts';

export const LINK_COMPILE_FAILED = 701;
export const LINK_FAILED = 702;
export const LINK_DOCKER_FAILED = 703;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runtimeDir = join(root, 'compiler', 'runtime');
export const EFI_RUNTIME_SOURCES = ['wasm-rt.c', 'host-common.c', 'host-efi.c', 'libc-efi.c'];
export const LINUX_RUNTIME_SOURCES = ['wasm-rt.c', 'host-common.c', 'host-linux.c'];
export const DECOMPRESS_TOOL_SOURCES = ['wasm-rt.c', 'host-common.c', 'host-linux.c', 'tool-decompress-linux.c'];

export interface LinkOptions {
  /** 'debian' (clang + lld-link from Debian, default) or 'docker' (llvm-mingw image). */
  toolchain?: 'debian' | 'docker';
  /** Extra -D definitions, e.g. EFISTUB_HEAP_RESERVE_MIB=128. */
  defines?: string[];
  /** Progress callback, one line per step. */
  progress?: (line: string) => void;
}

/** Compiles the wasm2c output with the EFI runtime and links out/stub.efi. */
export function linkEfi(stubC: string, outputEfi: string, options: LinkOptions = {}): Diagnostic[] {
  if (options.toolchain === 'docker') return linkEfiInDocker(stubC, outputEfi, options);
  const buildDir = join(dirname(outputEfi), 'obj-efi');
  mkdirSync(buildDir, { recursive: true });
  const compileFlags = [`@${join(root, 'linker-scripts', 'efi-clang.rsp')}`,
    '-I', join(runtimeDir, 'include-common'), '-I', join(runtimeDir, 'include-efi'), '-I', dirname(stubC),
    ...(options.defines ?? []).map((d) => `-D${d}`)];
  const sources = [stubC, ...EFI_RUNTIME_SOURCES.map((s) => join(runtimeDir, s))];
  const objects: string[] = [];
  for (const source of sources) {
    const object = join(buildDir, source.split('/').pop()!.replace(/\.c$/, '.obj'));
    options.progress?.(`efistub: link: compiling ${source.split('/').pop()}`);
    const run = runTool('link', LINK_COMPILE_FAILED, source, 'clang', [...compileFlags, '-c', source, '-o', object],
      `clang (EFI target) on ${source.split('/').pop()}`);
    if (!run.ok) return run.diagnostics;
    objects.push(object);
  }
  const temporary = `${outputEfi}.tmp`;
  options.progress?.(`efistub: link: linking ${outputEfi}`);
  const run = runTool('link', LINK_FAILED, outputEfi, 'lld-link',
    [`@${join(root, 'linker-scripts', 'efi-lld-link.rsp')}`, `/out:${temporary}`, ...objects], 'lld-link');
  if (!run.ok) {
    rmSync(temporary, { force: true });
    return run.diagnostics;
  }
  renameSync(temporary, outputEfi);
  return [];
}

function linkEfiInDocker(stubC: string, outputEfi: string, options: LinkOptions): Diagnostic[] {
  // The image (Dockerfile) holds llvm-mingw; the repository is mounted at /src and the same
  // response files are used, with llvm-mingw's clang and lld-link instead of Debian's.
  const image = 'efistub-llvm-mingw';
  const relativeC = stubC.startsWith(root) ? stubC.slice(root.length + 1) : stubC;
  const relativeOut = outputEfi.startsWith(root) ? outputEfi.slice(root.length + 1) : outputEfi;
  options.progress?.(`efistub: link: building in Docker image ${image}`);
  const child = spawnSync('docker', ['run', '--rm', '-v', `${root}:/src`, '-w', '/src', image,
    'sh', '/src/linker-scripts/build-in-docker.sh', relativeC, relativeOut], { encoding: 'utf8' });
  if (child.error || child.status !== 0) {
    const why = child.error ? String(child.error.message) : child.stderr.trim().split('\n').slice(-8).join('\n  ');
    return [{ stage: 'link', code: LINK_DOCKER_FAILED, file: outputEfi, line: 0, column: 0,
      message: `docker toolchain failed (build the image first: docker build -t ${image} .):\n  ${why}` }];
  }
  return [];
}

/** Compiles the same wasm2c output with the Linux host runtime into a native program. */
export function linkNative(stubC: string, outputProgram: string, options: LinkOptions = {}): Diagnostic[] {
  return linkLinuxProgram(stubC, outputProgram, LINUX_RUNTIME_SOURCES, [], options);
}

/** The decompression tool: the tool entry's wasm2c output, host-linux.c without its main. */
export function linkDecompressTool(stubC: string, outputProgram: string, options: LinkOptions = {}): Diagnostic[] {
  return linkLinuxProgram(stubC, outputProgram, DECOMPRESS_TOOL_SOURCES, ['EFISTUB_HOST_LINUX_NO_MAIN'], options);
}

function linkLinuxProgram(stubC: string, outputProgram: string, runtimeSources: string[], extraDefines: string[],
  options: LinkOptions): Diagnostic[] {
  const temporary = `${outputProgram}.tmp`;
  options.progress?.(`efistub: link: compiling native ${outputProgram}`);
  const run = runTool('link', LINK_COMPILE_FAILED, stubC, 'clang', ['-O2',
    '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0', ...[...extraDefines, ...(options.defines ?? [])].map((d) => `-D${d}`),
    '-I', join(runtimeDir, 'include-common'), '-I', dirname(stubC),
    stubC, ...runtimeSources.map((s) => join(runtimeDir, s)), '-lm', '-o', temporary], 'clang (native)');
  if (!run.ok) {
    rmSync(temporary, { force: true });
    return run.diagnostics;
  }
  renameSync(temporary, outputProgram);
  return [];
}
