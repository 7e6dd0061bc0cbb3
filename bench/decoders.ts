/**
 * @fileoverview The decoder benchmark (`npm run bench -- decoders`): the stub's seven decoders,
 * compiled by the pipeline into the native tool (compiler/decompress-tool.ts), against the
 * reference command-line tools and against the kernel's own boot-time decoders, on the same
 * input in the same run.
 *
 * Input: the uncompressed payload (vmlinux) of Debian's stock kernel, compressed per format with
 * kbuild's exact command line (linux-6.1 scripts/Makefile.lib, scripts/xz_wrap.sh), fed on stdin
 * as kbuild does (`cat … | gzip -n -f -9`), then kbuild's 4-byte size appended (gzip: its ISIZE
 * is the size). Everything is cached under out/bench/ and rebuilt only when the vmlinux or the
 * command line changes.
 *
 * Columns, each the best of N runs, MB/s of uncompressed output:
 * - efistub: the native tool on the kbuild payload, its own decode-only `seconds=` (the output
 *   buffer is allocated and zeroed before its clock starts);
 * - CLI: the reference tool decoding the compressed file to /dev/null, whole process (start-up,
 *   reading the file, checks, writing to /dev/null), with `cat` of the same file as the floor;
 * - kernel: lib/decompress_*.c from Debian's linux-source-6.1, compiled as
 *   arch/x86/boot/compressed/misc.c compiles them (bench/kernel-shim/), decode-only in memory
 *   (its output buffer touched before the clock starts, as the efistub tool's);
 * - TS-node: stub-src/decompress/decompress.ts run by Node (tsx), decompressKbuildPayload timed;
 * - Wasm-node: the tool's Wasm (the pipeline's bundle + porffor output) instantiated in Node,
 *   toolDecompressKbuild timed (its output prepared before, with toolPrepareKbuildOutput).
 * Every decode's output is hashed and compared with the vmlinux: a wrong decode fails the run.
 * The efistub and kernel columns run one after the other in each repetition, in turns first; next
 * to the ratio of their best times the table gives the median of the per-repetition ratios and
 * their middle half (quartiles): on a machine whose speed moves within minutes, a pair shares
 * the moment, and the spread says how far one run's ratio can be trusted.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// Also installs the hints as no-op globals for the TS-node column.
import { HOST_HINT_FIELDS } from '../test/support/host-hints.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shimDir = join(root, 'bench', 'kernel-shim');

export interface DecoderFormat {
  name: string;
  suffix: string;
  /** kbuild's command line, reading stdin, writing stdout. */
  compress: string[];
  /** The reference tool decoding to stdout. */
  cli: string[];
}

// kbuild's command lines (linux-6.1 scripts/Makefile.lib cmd_gzip, cmd_xzkern via
// scripts/xz_wrap.sh on x86, cmd_lzma, cmd_zstd22, cmd_lz4, cmd_bzip2, cmd_lzo). No -T0: for xz
// and zstd a multi-threaded run writes different bytes (xz block sizes in the block header, zstd
// jobs), and the point is kbuild's exact payload; the formats are compressed in parallel instead.
export const DECODER_FORMATS: DecoderFormat[] = [
  { name: 'gzip', suffix: '.gz', compress: ['gzip', '-n', '-f', '-9'], cli: ['gzip', '-dc'] },
  { name: 'xz', suffix: '.xz', compress: ['xz', '--check=crc32', '--x86', '--lzma2=,dict=32MiB'], cli: ['xz', '-dc', '-T1'] },
  { name: 'lzma', suffix: '.lzma', compress: ['lzma', '-9'], cli: ['lzma', '-dc'] },
  { name: 'zstd', suffix: '.zst', compress: ['zstd', '-22', '--ultra', '-q'], cli: ['zstd', '-dc', '-q'] },
  { name: 'lz4', suffix: '.lz4', compress: ['lz4', '-l', '-12', '--favor-decSpeed'], cli: ['lz4', '-dc'] },
  { name: 'bzip2', suffix: '.bz2', compress: ['bzip2', '-9'], cli: ['bzip2', '-dc'] },
  { name: 'lzo', suffix: '.lzo', compress: ['lzop', '-9'], cli: ['lzop', '-dc'] },
];

export type DecoderColumn = 'efistub' | 'cli' | 'kernel' | 'ts' | 'wasm';
export const DECODER_COLUMNS: DecoderColumn[] = ['efistub', 'cli', 'kernel', 'ts', 'wasm'];

/** One column of one format: the best time, or why there is none. */
export interface Measurement {
  seconds?: number;
  /** Set when the column could not be measured (build failure, wrong output…). */
  failure?: string;
}

export interface DecoderRow {
  format: string;
  compressedBytes: number;
  outputBytes: number;
  columns: Partial<Record<DecoderColumn, Measurement>>;
  /** `cat` of the compressed file to /dev/null: the CLI column's process and I/O floor. */
  catSeconds?: number;
  /**
   * Per repetition that timed both, the kernel decoder's time over efistub's (efistub's speed
   * ratio in that pair of runs, made one after the other, in alternating order).
   */
  kernelPairs?: number[];
  /** With --instructions: instructions executed by the decode call alone (a number), or why not. */
  instructions?: Partial<Record<'efistub' | 'kernel', number | string>>;
}

export interface DecoderBenchOptions {
  /** The uncompressed input (a vmlinux). */
  vmlinux: string;
  /** Where the compressed inputs, the kernel-decoder program and scratch outputs go. */
  workDir: string;
  formats: string[];
  repetitions: number;
  columns: DecoderColumn[];
  progress: (line: string) => void;
  /** An efistub-decompress built elsewhere (its stub.wasm beside it), instead of this tree's. */
  tool?: string;
  /** Also count the instructions of one efistub and one kernel decode under valgrind. */
  instructions?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Processes

interface ProcessResult { status: number | null; stdout: string; stderr: string; seconds: number }

/**
 * Runs a program without blocking the event loop (a long synchronous child starves vitest's RPC
 * when a test drives this). stdin/stdout may be file descriptors; the time is wall-clock from
 * spawn to exit.
 */
function run(command: string, args: string[], options: { stdin?: number; stdout?: number; cwd?: string } = {}):
  Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      cwd: options.cwd,
      stdio: [options.stdin ?? 'ignore', options.stdout ?? 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => { stdout += chunk; });
    child.stderr?.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (status) => {
      resolvePromise({ status, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
  });
}

async function runChecked(command: string, args: string[], options: { stdin?: number; stdout?: number; cwd?: string } = {}):
  Promise<ProcessResult> {
  const result = await run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`efistub: bench: ${command} ${args.join(' ')} failed (exit ${result.status}): ${result.stderr.trim()}`);
  }
  return result;
}

/** sha256 of a file, streamed. */
function hashFile(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (chunk) => hash.update(chunk)).on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}

/** sha256 of what a program writes on stdout (the reference CLIs' check run). */
function hashStdout(command: string, args: string[]): Promise<{ status: number | null; hash: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const hash = createHash('sha256');
    let stderr = '';
    child.stdout.on('data', (chunk) => hash.update(chunk));
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (status) => resolvePromise({ status, hash: hash.digest('hex'), stderr }));
  });
}

function field(line: string, name: string): string | undefined {
  return line.match(new RegExp(`(?:^| )${name}=(\\S+)`))?.[1];
}

// ---------------------------------------------------------------------------------------------
// Inputs

/**
 * Debian's vmlinux, cached as out/bench/vmlinux: the xz payload of the bzImage that
 * test/support/debian-kernel.ts fetches, located as `efistub extract` does and decoded by xz.
 */
export async function prepareDebianVmlinux(progress: (line: string) => void): Promise<string> {
  const benchDir = join(root, 'out', 'bench');
  const vmlinux = join(benchDir, 'vmlinux');
  if (existsSync(vmlinux)) return vmlinux;
  mkdirSync(benchDir, { recursive: true });
  const { debianKernel } = await import('../test/support/debian-kernel.ts');
  const { locateBzImagePayload } = await import('../compiler/decompress-tool.ts');
  progress('efistub: bench: fetching Debian\'s kernel (apt-get download) and extracting its vmlinux…');
  const kernel = debianKernel();
  const image = readFileSync(kernel);
  const payload = locateBzImagePayload(image, kernel);
  if (Array.isArray(payload)) throw new Error(`efistub: bench: ${kernel}: ${payload.map((d) => d.message).join('; ')}`);
  // kbuild appended the size after the xz stream; xz would call those 4 bytes trailing garbage.
  const compressed = join(benchDir, 'debian-payload.xz');
  writeFileSync(compressed, image.subarray(payload.offset, payload.offset + payload.length - 4));
  const temporary = `${vmlinux}.partial`;
  const output = openSync(temporary, 'w');
  try {
    await runChecked('xz', ['-dc', compressed], { stdout: output });
  } finally {
    closeSync(output);
  }
  rmSync(compressed);
  renameSync(temporary, vmlinux);
  return vmlinux;
}

interface CompressedInput {
  format: DecoderFormat;
  /** The compressor's output (what the CLI decodes). */
  compressed: string;
  /** kbuild's payload: compressed + 4-byte size (gzip: compressed as is). */
  payload: string;
}

/** What a cached compressed input was made from: the command line and the input's sha256. */
export function compressedCacheKey(format: DecoderFormat, vmlinuxHash: string): string {
  return `${format.compress.join(' ')}\n${vmlinuxHash}\n`;
}

/**
 * Compresses the vmlinux per format with kbuild's command line, unless workDir already holds the
 * result for this vmlinux and command line (a .key file beside it records both).
 */
async function prepareCompressed(vmlinux: string, vmlinuxHash: string, formats: DecoderFormat[], workDir: string,
  progress: (line: string) => void): Promise<CompressedInput[]> {
  mkdirSync(workDir, { recursive: true });
  const size = statSync(vmlinux).size;
  return Promise.all(formats.map(async (format) => {
    const compressed = join(workDir, `vmlinux${format.suffix}`);
    const payload = join(workDir, `vmlinux.${format.name}.payload`);
    const keyFile = join(workDir, `vmlinux.${format.name}.key`);
    const key = compressedCacheKey(format, vmlinuxHash);
    if (existsSync(compressed) && existsSync(payload) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) {
      return { format, compressed, payload };
    }
    progress(`efistub: bench: compressing with \`${format.compress.join(' ')}\`…`);
    const started = performance.now();
    const input = openSync(vmlinux, 'r');
    const partial = `${compressed}.partial-${process.pid}`;
    const output = openSync(partial, 'w');
    try {
      await runChecked(format.compress[0], format.compress.slice(1), { stdin: input, stdout: output });
    } finally {
      closeSync(input);
      closeSync(output);
    }
    renameSync(partial, compressed);
    const bytes = readFileSync(compressed);
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32LE(size >>> 0);
    // scripts/Makefile.lib: every format but gzip gets size_append; gzip's ISIZE is the size.
    writeFileSync(payload, format.name === 'gzip' ? bytes : Buffer.concat([bytes, trailer]));
    writeFileSync(keyFile, key);
    progress(`efistub: bench: ${format.name}: ${bytes.length} bytes in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return { format, compressed, payload };
  }));
}

// ---------------------------------------------------------------------------------------------
// The kernel's own decoders

/** What misc.c's decoders need from linux-source-6.1 (and what those files include). */
const KERNEL_SOURCE_PATHS = [
  'lib/decompress_inflate.c', 'lib/decompress_unxz.c', 'lib/decompress_unlzma.c', 'lib/decompress_unzstd.c',
  'lib/decompress_unlz4.c', 'lib/decompress_bunzip2.c', 'lib/decompress_unlzo.c',
  'lib/zlib_inflate', 'lib/xz', 'lib/zstd', 'lib/lz4', 'lib/lzo', 'lib/xxhash.c',
  'include/linux/decompress', 'include/linux/zlib.h', 'include/linux/zutil.h', 'include/linux/zconf.h',
  'include/linux/xz.h', 'include/linux/zstd.h', 'include/linux/zstd_lib.h', 'include/linux/zstd_errors.h',
  'include/linux/xxhash.h', 'include/linux/lz4.h', 'include/linux/lzo.h', 'include/linux/crc32poly.h',
];
const KERNEL_SOURCE_TARBALL = '/usr/src/linux-source-6.1.tar.xz';

/**
 * Extracts the decoders from Debian's linux-source-6.1 (scripts/install-deps.sh installs it) into
 * out/bench/linux/, once: nothing of the kernel is committed.
 */
async function extractKernelSources(progress: (line: string) => void): Promise<string> {
  const linuxDir = join(root, 'out', 'bench', 'linux');
  const stamp = join(linuxDir, '.extracted');
  const key = `${KERNEL_SOURCE_TARBALL} ${existsSync(KERNEL_SOURCE_TARBALL) ? statSync(KERNEL_SOURCE_TARBALL).size : 0}\n` +
    `${KERNEL_SOURCE_PATHS.join('\n')}\n`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return linuxDir;
  if (!existsSync(KERNEL_SOURCE_TARBALL)) {
    throw new Error(`${KERNEL_SOURCE_TARBALL} not found: install Debian's linux-source-6.1 (scripts/install-deps.sh)`);
  }
  progress(`efistub: bench: extracting the kernel's decoders from ${KERNEL_SOURCE_TARBALL}…`);
  // Per process: a test and a bench run may extract at the same time; the last rename wins.
  const staging = `${linuxDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await runChecked('tar', ['-xJf', KERNEL_SOURCE_TARBALL, '-C', staging, '--strip-components=1',
    ...KERNEL_SOURCE_PATHS.map((path) => `linux-source-6.1/${path}`)]);
  writeFileSync(join(staging, '.extracted'), key);
  rmSync(linuxDir, { recursive: true, force: true });
  renameSync(staging, linuxDir);
  return linuxDir;
}

/**
 * The code-generation flags linux-6.1's arch/x86/boot/compressed/Makefile gives misc.c, and so
 * the decoders it includes (its KBUILD_CFLAGS for x86-64, lines 36-56): no SSE or MMX (the
 * decompressor runs before the kernel can save vector state), no red zone, no jump tables,
 * position-independent, freestanding. Warnings and the include of linux/hidden.h (symbol
 * visibility) are left out. Until git 5bb95be the bench compiled the decoders with -O2
 * -fno-strict-aliasing only, which let clang copy with SSE registers, as the kernel's boot-time
 * decoders cannot (BENCHMARKS.md: in a one-off comparison zstd's were about 5% faster so, lzo's
 * and gzip's about 3%).
 * The library calls are not the boot's on either side: here both programs call the C library's
 * memcpy, memmove and memset; at boot the kernel's decoders call arch/x86/boot/compressed/
 * string.c's (rep movsq, a byte loop) and the stub compiler/runtime/libc-efi.c's (8-byte loops).
 */
export const KERNEL_PREBOOT_CFLAGS = ['-O2', '-std=gnu11', '-fno-strict-aliasing', '-fPIE', '-fno-jump-tables',
  '-mcmodel=small', '-mno-red-zone', '-mno-mmx', '-mno-sse', '-ffreestanding', '-fshort-wchar', '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables'];

/**
 * Builds out of the extracted sources and bench/kernel-shim/ one program, workDir/kernel-decoders,
 * with one object per format (preboot-decoder.c with KERNEL_FORMAT_<NAME>), compiled with misc.c's
 * flags (KERNEL_PREBOOT_CFLAGS); the driver that times them is an ordinary program. A format that
 * does not compile is reported, not faked: its entry stays unresolved (weak) and the driver says
 * so.
 */
export async function buildKernelDecoders(workDir: string, progress: (line: string) => void):
  Promise<{ program?: string; failures: Map<string, string> }> {
  const failures = new Map<string, string>();
  let linuxDir: string;
  try {
    linuxDir = await extractKernelSources(progress);
  } catch (error) {
    for (const format of DECODER_FORMATS) failures.set(format.name, String((error as Error).message));
    return { failures };
  }
  const objectDir = join(workDir, 'kernel-objects');
  mkdirSync(objectDir, { recursive: true });
  const resourceDir = (await runChecked('clang', ['-print-resource-dir'])).stdout.trim();
  progress('efistub: bench: building the kernel\'s decoders (preboot, as misc.c)…');
  const objects = await Promise.all(DECODER_FORMATS.map(async (format) => {
    const object = join(objectDir, `${format.name}.o`);
    const result = await run('clang', [...KERNEL_PREBOOT_CFLAGS, '-Wno-pointer-sign',
      '-Wno-incompatible-pointer-types-discards-qualifiers', '-nostdinc', '-isystem', join(resourceDir, 'include'),
      '-I', join(shimDir, 'include'), '-I', join(linuxDir, 'include'), '-I', linuxDir,
      `-DKERNEL_FORMAT_${format.name.toUpperCase()}`, `-DKERNEL_ENTRY=kernel_decode_${format.name}`,
      '-c', join(shimDir, 'preboot-decoder.c'), '-o', object]);
    if (result.status !== 0) {
      failures.set(format.name, `kernel decoder did not compile: ${result.stderr.split('\n').find((l) => l.includes('error')) ?? result.stderr.trim()}`);
      return undefined;
    }
    return object;
  }));
  const program = join(workDir, 'kernel-decoders');
  const link = await run('clang', ['-O2', join(shimDir, 'driver.c'),
    ...objects.filter((object): object is string => object !== undefined), '-o', program]);
  if (link.status !== 0) {
    for (const format of DECODER_FORMATS) {
      if (!failures.has(format.name)) failures.set(format.name, `kernel decoder program did not link: ${link.stderr.trim()}`);
    }
    return { failures };
  }
  return { program, failures };
}

// ---------------------------------------------------------------------------------------------
// The stub's decoders in Node: TypeScript, and the tool's Wasm

interface NodeDecoder {
  /** Decodes a kbuild payload; returns the output (exactly the declared size) and the seconds. */
  decode(payload: Uint8Array): { output: Uint8Array; seconds: number; error?: string };
}

/** stub-src/decompress/decompress.ts as TypeScript, the function the boot path calls. */
async function loadTsDecoder(): Promise<NodeDecoder> {
  const decompress = await import(pathToFileURL(join(root, 'stub-src', 'decompress', 'decompress.ts')).href);
  const result = await import(pathToFileURL(join(root, 'stub-src', 'decompress', 'result.ts')).href);
  return {
    decode(payload) {
      const size = decompress.decompressKbuildSize(payload, payload.length) as number;
      const output = new Uint8Array(new ArrayBuffer(size));
      const started = performance.now();
      const status = (decompress.decompressKbuildPayload(payload, payload.length, output, size) as number) >>> 0;
      const seconds = (performance.now() - started) / 1000;
      if (status !== 0) {
        return { output, seconds, error: `status 0x${status.toString(16)} reason ${result.decodeResult[result.DECODE_REASON]}` };
      }
      return { output: output.subarray(0, result.decodeResult[result.DECODE_OUTPUT_LENGTH] as number), seconds };
    },
  };
}

/**
 * The tool's Wasm (stub-src/tools/decompress-main.ts through the pipeline's bundle and porffor
 * stages: the stub.wasm the tool was built from), instantiated in Node and called as
 * compiler/runtime/tool-decompress-linux.c calls it: two hidden (value, type) pairs (new.target,
 * this) first, numbers as (value, 1); a typed array comes back as the address of [count][buffer
 * address], its bytes at buffer + 4. A fresh instance per decode, as a fresh process for the tool.
 */
async function loadWasmDecoder(wasmPath: string): Promise<NodeDecoder> {
  const module = await WebAssembly.compile(readFileSync(wasmPath));
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const entry of WebAssembly.Module.imports(module)) {
    if (entry.kind !== 'function') throw new Error(`efistub: bench: unexpected ${entry.kind} import ${entry.module}.${entry.name}`);
    // The decoders call no host function but the hints, which may do nothing.
    (imports[entry.module] ??= {})[entry.name] = HOST_HINT_FIELDS.includes(entry.name) ? () => {} : () => {
      throw new Error(`efistub: bench: the decoder called host import ${entry.name}`);
    };
  }
  // A result is a lone value or a (value, type) pair, by compilation mode (compiler/runtime/runtime.h).
  type Result = number | [number, number];
  const value = (result: Result): number => (Array.isArray(result) ? result[0] : result) >>> 0;
  return {
    decode(payload) {
      const instance = new WebAssembly.Instance(module, imports);
      const exports = instance.exports as Record<string, (...args: number[]) => Result> & { $: WebAssembly.Memory };
      const memory = exports.$;
      const call = (name: string, ...args: number[]): number =>
        value(exports[name](0, 0, 0, 0, ...args.flatMap((argument) => [argument, 1])));
      // The typed array's header holds its buffer's address; the bytes follow the buffer's length word.
      const bytes = (header: number, length: number): Uint8Array =>
        new Uint8Array(memory.buffer, new DataView(memory.buffer).getUint32(header + 4, true) + 4, length);
      exports.m();
      bytes(call('toolInputBuffer', payload.length), payload.length).set(payload);
      // The output is prepared before the clock starts, as the native tool and TS-node do.
      const prepared = call('toolPrepareKbuildOutput', payload.length);
      const started = performance.now();
      const status = prepared !== 0 ? prepared : call('toolDecompressKbuild', payload.length);
      const seconds = (performance.now() - started) / 1000;
      if (status !== 0) {
        return { output: new Uint8Array(0), seconds, error: `status 0x${status.toString(16)} reason ${call('toolReason')}` };
      }
      return { output: bytes(call('toolOutputBuffer'), call('toolOutputLength')), seconds };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Instruction counts

/**
 * Instructions executed inside `functionName` (and what it calls) during one run of the program,
 * counted by valgrind's callgrind with collection on only within that function: the decode call
 * alone, as the timed figure is, without start-up, file I/O or the output buffer's allocation.
 * Unlike a time it does not move with the machine's load (on a shared machine MB/s moved by 2×
 * within minutes), so it is the figure to compare two builds by; it does not see cache misses.
 * Returns the count, or a failure text.
 */
async function countInstructions(program: string, args: string[], functionName: string): Promise<number | string> {
  const result = await run('valgrind', ['--tool=callgrind', `--toggle-collect=${functionName}`,
    '--callgrind-out-file=/dev/null', program, ...args]);
  if (result.status !== 0) {
    // valgrind exits with the program's status; its own lines start with ==pid==.
    const reason = result.stderr.split('\n').find((line) => line.trim() !== '' && !line.startsWith('==')) ?? '';
    return `exit ${result.status} under valgrind: ${reason.trim() || result.stdout.trim().split('\n').pop()}`;
  }
  const collected = /==\d+== Collected : (\d+)/.exec(result.stderr);
  if (!collected || Number(collected[1]) === 0) return `no instructions counted in ${functionName}`;
  return Number(collected[1]);
}

// ---------------------------------------------------------------------------------------------
// The benchmark

export async function runDecoderBench(options: DecoderBenchOptions): Promise<DecoderRow[]> {
  const { workDir, repetitions, columns, progress } = options;
  const formats = options.formats.map((name) => {
    const format = DECODER_FORMATS.find((candidate) => candidate.name === name);
    if (!format) throw new Error(`efistub: bench: unknown format ${name} (${DECODER_FORMATS.map((f) => f.name).join(', ')})`);
    return format;
  });
  mkdirSync(workDir, { recursive: true });
  const vmlinuxHash = await hashFile(options.vmlinux);
  const outputBytes = statSync(options.vmlinux).size;
  const want = (column: DecoderColumn): boolean => columns.includes(column);

  // Everything that takes a while to build runs together: compression, the kernel's decoders.
  const [inputs, kernel] = await Promise.all([
    prepareCompressed(options.vmlinux, vmlinuxHash, formats, workDir, progress),
    want('kernel') ? buildKernelDecoders(workDir, progress) : Promise.resolve(undefined),
  ]);

  let tool: string | undefined;
  let toolFailure: string | undefined;
  if (options.tool) {
    tool = options.tool;
  } else if (want('efistub') || want('wasm')) {
    progress('efistub: bench: building the efistub decompression tool (once per source change)…');
    const { ensureDecompressTool } = await import('../compiler/decompress-tool.ts');
    const { formatDiagnostic } = await import('../compiler/diagnostics.ts');
    const built = ensureDecompressTool(progress);
    tool = built.tool;
    if (!tool) toolFailure = `tool build failed: ${built.diagnostics.map(formatDiagnostic).join('; ').slice(0, 300)}`;
    else progress(`efistub: bench: tool ${tool.slice(root.length + 1)}`);
  }
  const tsDecoder = want('ts') ? await loadTsDecoder() : undefined;
  let wasmDecoder: NodeDecoder | undefined;
  let wasmFailure = toolFailure;
  if (want('wasm') && tool) {
    try {
      wasmDecoder = await loadWasmDecoder(join(dirname(tool), 'stub.wasm'));
    } catch (error) {
      wasmFailure = `cannot instantiate the tool's Wasm: ${(error as Error).message}`;
    }
  }

  // A directory of this run's own: two runs on one work directory must not delete each other's.
  const scratch = mkdtempSync(join(workDir, 'scratch-'));
  const devNull = openSync('/dev/null', 'w');
  const rows: DecoderRow[] = [];
  try {
    for (const input of inputs) {
      const name = input.format.name;
      const row: DecoderRow = { format: name, compressedBytes: statSync(input.compressed).size, outputBytes, columns: {} };
      const best = (column: DecoderColumn, seconds: number): void => {
        const current = row.columns[column];
        if (current?.failure) return;
        row.columns[column] = { seconds: Math.min(current?.seconds ?? Infinity, seconds) };
      };
      const fail = (column: DecoderColumn, failure: string): void => { row.columns[column] = { failure }; };
      const failed = (column: DecoderColumn): boolean => row.columns[column]?.failure !== undefined;
      const verify = async (column: DecoderColumn, file: string): Promise<boolean> => {
        const hash = await hashFile(file);
        rmSync(file, { force: true });
        if (hash !== vmlinuxHash) fail(column, `WRONG OUTPUT (sha256 ${hash.slice(0, 12)}…, vmlinux ${vmlinuxHash.slice(0, 12)}…)`);
        return hash === vmlinuxHash;
      };
      if (want('efistub') && toolFailure) fail('efistub', toolFailure);
      if (want('wasm') && wasmFailure) fail('wasm', wasmFailure);
      if (want('kernel') && kernel?.failures.has(name)) fail('kernel', kernel.failures.get(name)!);
      if (want('kernel') && !kernel?.program && !failed('kernel')) fail('kernel', 'kernel decoders not built');
      if (want('cli')) {
        // The check run, untimed: the CLI's output must be the vmlinux.
        const checked = await hashStdout(input.format.cli[0], [...input.format.cli.slice(1), input.compressed]);
        if (checked.status !== 0) fail('cli', `exit ${checked.status}: ${checked.stderr.trim()}`);
        else if (checked.hash !== vmlinuxHash) fail('cli', 'WRONG OUTPUT');
      }

      progress(`efistub: bench: ${name}: best of ${repetitions}…`);
      // A decode-only column: its program writes `output` and prints its own `seconds=`.
      // Returns the time, or undefined when the column is not measured or failed.
      const timeDecodeOnly = async (column: 'efistub' | 'kernel', what: string, program: string,
        args: (output: string) => string[]): Promise<number | undefined> => {
        if (!want(column) || failed(column)) return undefined;
        const output = join(scratch, `${name}.${column}.out`);
        const result = await run(program, args(output));
        const line = result.stdout.trim().split('\n').pop() ?? '';
        if (result.status !== 0 || !line.startsWith('ok ')) {
          fail(column, `${what} failed (exit ${result.status}): ${line || result.stderr.trim()}`);
          return undefined;
        }
        if (!(await verify(column, output))) return undefined;
        const seconds = Number(field(line, 'seconds'));
        best(column, seconds);
        return seconds;
      };
      const timeEfistub = () => timeDecodeOnly('efistub', 'tool', tool!, (output) => [input.payload, output, '--kbuild-trailer']);
      const timeKernel = () => timeDecodeOnly('kernel', 'kernel decoder', kernel?.program ?? '',
        (output) => [name, input.payload, output]);
      for (let repetition = 0; repetition < repetitions; repetition++) {
        // One after the other, in turns first: a pair shares the machine's state of the moment,
        // which moves more than the two differ (README), and neither always runs second.
        let efistubSeconds: number | undefined;
        let kernelSeconds: number | undefined;
        if (repetition % 2 === 0) {
          efistubSeconds = await timeEfistub();
          kernelSeconds = await timeKernel();
        } else {
          kernelSeconds = await timeKernel();
          efistubSeconds = await timeEfistub();
        }
        if (efistubSeconds !== undefined && kernelSeconds !== undefined) {
          (row.kernelPairs ??= []).push(kernelSeconds / efistubSeconds);
        }
        if (want('cli') && !failed('cli')) {
          const result = await run(input.format.cli[0], [...input.format.cli.slice(1), input.compressed], { stdout: devNull });
          if (result.status !== 0) fail('cli', `exit ${result.status}: ${result.stderr.trim()}`);
          else best('cli', result.seconds);
          const cat = await runChecked('cat', [input.compressed], { stdout: devNull });
          row.catSeconds = Math.min(row.catSeconds ?? Infinity, cat.seconds);
        }
        for (const [column, decoder] of [['ts', tsDecoder], ['wasm', wasmDecoder]] as const) {
          if (!want(column) || failed(column) || !decoder) continue;
          const decoded = decoder.decode(readFileSync(input.payload));
          if (decoded.error) { fail(column, `decode failed: ${decoded.error}`); continue; }
          const hash = createHash('sha256').update(decoded.output).digest('hex');
          if (hash !== vmlinuxHash) fail(column, 'WRONG OUTPUT');
          else best(column, decoded.seconds);
        }
      }
      if (options.instructions) {
        progress(`efistub: bench: ${name}: counting instructions under valgrind…`);
        row.instructions = {};
        if (want('efistub') && !failed('efistub')) {
          const output = join(scratch, `${name}.efistub.out`);
          const count = await countInstructions(tool!, [input.payload, output, '--kbuild-trailer'], 'Z_stubZ_toolDecompressKbuild');
          row.instructions.efistub = typeof count === 'number' && !(await verify('efistub', output)) ? 'WRONG OUTPUT' : count;
        }
        if (want('kernel') && !failed('kernel')) {
          const output = join(scratch, `${name}.kernel.out`);
          const count = await countInstructions(kernel!.program!, [name, input.payload, output], `kernel_decode_${name}`);
          row.instructions.kernel = typeof count === 'number' && !(await verify('kernel', output)) ? 'WRONG OUTPUT' : count;
        }
      }
      rows.push(row);
      progress(`efistub: bench: ${formatRow(row, columns)}`);
    }
  } finally {
    closeSync(devNull);
    rmSync(scratch, { recursive: true, force: true });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Output

const COLUMN_TITLES: Record<DecoderColumn, string> = {
  efistub: 'efistub native', cli: 'CLI (whole process)', kernel: 'kernel (preboot)', ts: 'TS-node', wasm: 'Wasm-node',
};

function mbps(row: DecoderRow, measurement: Measurement | undefined): string {
  if (!measurement) return '–';
  if (measurement.failure) return `n/a: ${measurement.failure}`;
  return (row.outputBytes / 1e6 / measurement.seconds!).toFixed(1);
}

/** The median of the paired ratios and, with four pairs or more, their middle half. */
function pairedRatio(row: DecoderRow): string {
  const pairs = [...(row.kernelPairs ?? [])].sort((a, b) => a - b);
  if (pairs.length === 0 || row.columns.efistub?.failure || row.columns.kernel?.failure) return '–';
  const at = (fraction: number): number => {
    const position = (pairs.length - 1) * fraction;
    const below = Math.floor(position);
    return pairs[below] + (pairs[Math.min(below + 1, pairs.length - 1)] - pairs[below]) * (position - below);
  };
  const median = `${at(0.5).toFixed(2)}×`;
  return pairs.length < 4 ? median : `${median} (${at(0.25).toFixed(2)}–${at(0.75).toFixed(2)})`;
}

function ratio(row: DecoderRow, over: DecoderColumn): string {
  const efistub = row.columns.efistub?.seconds;
  const reference = row.columns[over]?.seconds;
  if (efistub === undefined || reference === undefined) return '–';
  return `${(reference / efistub).toFixed(2)}×`;
}

export function formatHeader(columns: DecoderColumn[]): string[] {
  return [
    `| format | compressed MB | ${columns.map((c) => `${COLUMN_TITLES[c]} MB/s`).join(' | ')} | efistub/CLI | efistub/kernel | ` +
      'efistub/kernel per pair, median (middle half) | cat floor s |',
    `|---|---:|${columns.map(() => '---:').join('|')}|---:|---:|---:|---:|`,
  ];
}

export const INSTRUCTIONS_HEADER = [
  '| format | efistub instructions/byte | kernel instructions/byte | efistub/kernel (kernel ÷ efistub instructions) |',
  '|---|---:|---:|---:|',
];

export function formatInstructionsRow(row: DecoderRow): string {
  const perByte = (count: number | string | undefined): string =>
    count === undefined ? '–' : typeof count === 'string' ? `n/a: ${count}` : (count / row.outputBytes).toFixed(2);
  const efistub = row.instructions?.efistub;
  const kernel = row.instructions?.kernel;
  const ratioText = typeof efistub === 'number' && typeof kernel === 'number' ? `${(kernel / efistub).toFixed(2)}×` : '–';
  return `| ${row.format} | ${perByte(efistub)} | ${perByte(kernel)} | ${ratioText} |`;
}

export function formatRow(row: DecoderRow, columns: DecoderColumn[]): string {
  return `| ${row.format} | ${(row.compressedBytes / 1e6).toFixed(1)} | ${columns.map((c) => mbps(row, row.columns[c])).join(' | ')} | ` +
    `${ratio(row, 'cli')} | ${ratio(row, 'kernel')} | ${pairedRatio(row)} | ${row.catSeconds === undefined ? '–' : row.catSeconds.toFixed(3)} |`;
}

// ---------------------------------------------------------------------------------------------
// Command line

function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

const DECODERS_HELP = `usage: npm run bench -- decoders [--repetitions N] [--formats gzip,xz,…] [--columns efistub,cli,kernel,ts,wasm]
                                [--input FILE] [--tool out/tools/HASH/efistub-decompress] [--instructions]

Decodes Debian's vmlinux (or FILE), compressed with kbuild's command line per format, with the
stub's native decoders, the reference CLI, the kernel's own boot-time decoders, and the stub's
TypeScript and Wasm in Node; prints MB/s (uncompressed output) and efistub's ratios: of the
best times, and against the kernel's decoders also the median and quartiles of the ratios of
each repetition's pair of runs (made back to back, in turns first). The kernel's decoders are
compiled with arch/x86/boot/compressed/Makefile's flags (no SSE, as at boot).
--tool measures an efistub-decompress built before (its stub.wasm beside it), e.g. to compare
two compiler versions; by default the tool is built from this tree.
--instructions also counts, under valgrind (callgrind), the instructions one decode call of the
efistub tool and of the kernel's decoder executes, and prints them per output byte: unlike MB/s
they do not move with the machine's load (they do not see cache misses either).
`;

/** `npm run bench -- decoders …`; returns the exit status. */
export async function decodersMain(argv: string[]): Promise<number> {
  if (argv.includes('--help')) { process.stdout.write(DECODERS_HELP); return 0; }
  const repetitions = Number(option(argv, '--repetitions') ?? '3');
  const formats = (option(argv, '--formats') ?? DECODER_FORMATS.map((f) => f.name).join(',')).split(',');
  const columns = (option(argv, '--columns') ?? DECODER_COLUMNS.join(',')).split(',') as DecoderColumn[];
  for (const column of columns) {
    if (!DECODER_COLUMNS.includes(column)) throw new Error(`efistub: bench: unknown column ${column}`);
  }
  if (!(repetitions >= 1)) throw new Error('efistub: bench: --repetitions must be at least 1');
  const progress = (line: string): void => { process.stderr.write(`${line}\n`); };
  const input = option(argv, '--input');
  const vmlinux = input ? resolve(input) : await prepareDebianVmlinux(progress);
  const workDir = input ? join(root, 'out', 'bench', `input-${(await hashFile(vmlinux)).slice(0, 12)}`) : join(root, 'out', 'bench');
  const toolOption = option(argv, '--tool');
  const instructions = argv.includes('--instructions');
  if (instructions && spawnSync('valgrind', ['--version']).status !== 0) {
    throw new Error('efistub: bench: --instructions needs valgrind: install Debian package \'valgrind\' (scripts/install-deps.sh)');
  }
  const rows = await runDecoderBench({ vmlinux, workDir, formats, repetitions, columns, progress,
    tool: toolOption ? resolve(toolOption) : undefined, instructions });

  const size = statSync(vmlinux).size;
  // The tool is built from the working tree: say which, since other work may be uncommitted.
  const head = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: root });
  const dirty = await run('git', ['status', '--porcelain', '--', 'stub-src', 'compiler', 'patches'], { cwd: root });
  console.log(toolOption ? `tool: ${resolve(toolOption)}` :
    `source: git ${head.stdout.trim()}${dirty.stdout.trim() ? ' + uncommitted changes in stub-src/compiler/patches' : ''}`);
  console.log(`efistub decoder benchmark: ${input ?? 'Debian vmlinux'} (${(size / 1e6).toFixed(1)} MB), kbuild command lines, ` +
    `best of ${repetitions}; MB/s of uncompressed output; nproc ${availableParallelism()}`);
  console.log('efistub native, kernel: decode-only, in memory; CLI: whole process to /dev/null (cat floor: `cat` of the ' +
    'compressed file); TS-node, Wasm-node: the decode call in this Node process; ratio = efistub MB/s / other MB/s; ' +
    'per pair: efistub/kernel in each repetition (the two run back to back, in turns first), median and quartiles');
  for (const line of formatHeader(columns)) console.log(line);
  for (const row of rows) console.log(formatRow(row, columns));
  if (instructions) {
    console.log('');
    console.log('instructions executed by one decode call (valgrind callgrind, decode-only), per byte of output:');
    for (const line of INSTRUCTIONS_HEADER) console.log(line);
    for (const row of rows) console.log(formatInstructionsRow(row));
  }
  const wrong = rows.some((row) => Object.values(row.columns).some((m) => m?.failure?.startsWith('WRONG OUTPUT')) ||
    Object.values(row.instructions ?? {}).some((count) => count === 'WRONG OUTPUT'));
  return wrong ? 1 : 0;
}
