/**
 * @fileoverview Stage 'recompress': a copy of a bzImage whose payload is re-compressed in another
 * of the seven kernel formats, for `efistub wrap --recompress FORMAT` (a payload the stub decodes
 * faster at boot) and for the tests that exercise the stub's decoders on a real kernel.
 *
 *   await recompressKernel(bzImage, 'lz4', 'out/vmlinuz-lz4')   the written file's path
 *   await recompressedKernelBytes(bzImage, 'lz4')               the same bytes, via a temporary file
 *   readPayloadHeader(bytes, file)                              the setup-header fields involved
 *
 * The new payload is made with kbuild's command lines (linux 6.1 scripts/Makefile.lib, as
 * arch/x86/boot/compressed/Makefile uses them for vmlinux.bin.<suffix>): `cat vmlinux.bin.all |
 * COMMAND`, then for every format but gzip (whose own trailer ends with the size) size_append:
 * the uncompressed size as 4 little-endian bytes. The uncompressed payload (vmlinux.bin plus
 * vmlinux.relocs on a CONFIG_X86_NEED_RELOCS kernel such as Debian's) comes from the reference
 * tool of the original payload's format (Debian's is xz), never from the stub's own decoders,
 * which are what the tests built on these files check.
 *
 * The new file is the original, byte for byte, except for four setup-header fields
 * (Documentation/x86/boot.rst) and the new payload appended at the end:
 * - payload_offset (0x248) and payload_length (0x24c) point at the new payload. The offset counts
 *   from the start of the protected-mode code, (setup_sects + 1) × 512 (setup_sects 0 means 4).
 * - syssize (0x1f4, 16-byte paragraphs of protected-mode code) covers the new end of the file.
 * - init_size (0x260) is raised if needed; see requiredInitSize.
 * So the file grows by the new payload: Debian's 8 MB kernel (xz) becomes 23 MB with lz4.
 *
 * Only a loader that finds the payload through the header and decompresses it itself (efistub)
 * uses the new payload. The kernel's own decompressor in the file (ZO), which its own EFI stub
 * and a legacy boot loader run, is linked to the old payload and still decodes that one: booted
 * that way the file still starts (the same vmlinux), but the new payload is never read. A
 * signature on the original bzImage (Debian's Authenticode one) no longer matches the file.
 *
 * Failures are Diagnostics of stage 'recompress' (codes below), thrown as StageFailed. The work
 * (the uncompressed payload, the new one, the new file) happens in a temporary directory beside
 * the output, removed on every path; the new file is renamed onto the output only at the end, so
 * a failure writes nothing and leaves an existing output untouched.
 */
import { spawn } from 'node:child_process';
import {
  closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { StageFailed, type Diagnostic } from './diagnostics.ts';

const STAGE = 'recompress' as const;

/** A compression or decompression command is not installed (the message names the Debian package). */
export const RECOMPRESS_TOOL_MISSING = 1201;
/** The input is not a bzImage with payload fields (protocol 2.10 or later), or its payload lies outside it. */
export const RECOMPRESS_NOT_BZIMAGE = 1202;
/** The payload's magic number is none of the seven kernel formats. */
export const RECOMPRESS_UNKNOWN_FORMAT = 1203;
/** The reference tool of the payload's format failed to decode it (a corrupt payload). */
export const RECOMPRESS_DECODE_FAILED = 1204;
/** The payload decodes to a size other than the one its last 4 bytes state. */
export const RECOMPRESS_SIZE_MISMATCH = 1205;
/** The uncompressed payload is not an ELF64 file with PT_LOAD segments. */
export const RECOMPRESS_NOT_ELF = 1206;
/** The compressor of the requested format failed. */
export const RECOMPRESS_COMPRESS_FAILED = 1207;
/** Reading the input, creating the temporary directory, or writing or renaming the output failed. */
export const RECOMPRESS_WRITE_FAILED = 1208;
/** The requested format is not one of KERNEL_COMPRESSIONS. */
export const RECOMPRESS_BAD_FORMAT = 1209;

export type KernelCompression = 'gzip' | 'xz' | 'zstd' | 'lz4' | 'lzma' | 'bzip2' | 'lzo';

export const KERNEL_COMPRESSIONS: readonly KernelCompression[] = ['gzip', 'xz', 'zstd', 'lz4', 'lzma', 'bzip2', 'lzo'];

export interface Codec {
  /** kbuild's compression command (KGZIP, XZ … default to these names). */
  compress: [command: string, args: string[]];
  /** The payload ends with size_append's 4 bytes (cmd_<name>_with_size). */
  sizeAppended: boolean;
  /** How the reference tool decodes the payload (trailer removed) to stdout. */
  decompress: [command: string, args: string[]];
  /** The first bytes of the compressed data. */
  magic: number[];
  /** The Debian package providing the commands. */
  debianPackage: string;
}

/**
 * Linux 6.1 scripts/Makefile.lib: cmd_gzip, cmd_xzkern_with_size (scripts/xz_wrap.sh with
 * SRCARCH=x86: `xz --check=crc32 --x86 --lzma2=,dict=32MiB`), cmd_zstd22_with_size,
 * cmd_lz4_with_size, cmd_lzma_with_size, cmd_bzip2_with_size, cmd_lzo_with_size. lz4: 6.1's
 * top Makefile sets LZ4 = lz4c and Makefile.lib runs `$(LZ4) -l -c1 stdin stdout`; lz4c's legacy
 * `-c1` is level 9, so `lz4 -l -9 - -` writes the same bytes (checked with Debian's lz4 1.9.4;
 * plain `lz4` would read `-c1` as "stdout, level 1"). Magic numbers from boot.rst
 * (payload_offset) and each format's specification (lz4 -l: the legacy frame; lzma: lc=3 lp=0
 * pb=2 properties byte 0x5d, then the dictionary size's low bytes).
 */
export const KBUILD_CODECS: Readonly<Record<KernelCompression, Codec>> = {
  gzip: { compress: ['gzip', ['-n', '-f', '-9']], sizeAppended: false, decompress: ['gzip', ['-dc']],
    magic: [0x1f, 0x8b], debianPackage: 'gzip' },
  xz: { compress: ['xz', ['--check=crc32', '--x86', '--lzma2=,dict=32MiB']], sizeAppended: true,
    decompress: ['xz', ['-dc']], magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], debianPackage: 'xz-utils' },
  zstd: { compress: ['zstd', ['-22', '--ultra']], sizeAppended: true, decompress: ['zstd', ['-dc']],
    magic: [0x28, 0xb5, 0x2f, 0xfd], debianPackage: 'zstd' },
  lz4: { compress: ['lz4', ['-l', '-9', '-', '-']], sizeAppended: true, decompress: ['lz4', ['-dc']],
    magic: [0x02, 0x21, 0x4c, 0x18], debianPackage: 'lz4' },
  lzma: { compress: ['lzma', ['-9']], sizeAppended: true, decompress: ['lzma', ['-dc']],
    magic: [0x5d, 0x00, 0x00], debianPackage: 'xz-utils' },
  bzip2: { compress: ['bzip2', ['-9']], sizeAppended: true, decompress: ['bzip2', ['-dc']],
    magic: [0x42, 0x5a, 0x68], debianPackage: 'bzip2' },
  lzo: { compress: ['lzop', ['-9']], sizeAppended: true, decompress: ['lzop', ['-dc']],
    magic: [0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a], debianPackage: 'lzop' },
};

/** boot.rst offsets of the fields read or rewritten here. */
export const SETUP_SECTS = 0x1f1;
export const SYSSIZE = 0x1f4;
export const HEADER_MAGIC = 0x202;
export const PROTOCOL_VERSION = 0x206;
export const PAYLOAD_OFFSET = 0x248;
export const PAYLOAD_LENGTH = 0x24c;
export const INIT_SIZE = 0x260;

export interface PayloadHeader {
  /** setup_sects as the loader uses it (0 read as 4). */
  setupSectors: number;
  /** File offset of the protected-mode code: (setupSectors + 1) × 512. */
  protectedModeStart: number;
  syssize: number;
  payloadOffset: number;
  payloadLength: number;
  initSize: number;
  /** File offset of the payload: protectedModeStart + payloadOffset. */
  payloadStart: number;
}

function diagnostic(code: number, file: string, message: string): Diagnostic {
  return { stage: STAGE, code, file, line: 0, column: 0, message };
}

function refuse(code: number, file: string, message: string): StageFailed {
  return new StageFailed([diagnostic(code, file, message)]);
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

/** The command as a user would type it, without the `-` operands that only name stdin and stdout. */
export function describeCommand([command, args]: [string, string[]]): string {
  return [command, ...args.filter((argument) => argument !== '-')].join(' ');
}

/** The setup-header fields of a bzImage; throws StageFailed (RECOMPRESS_NOT_BZIMAGE) naming the check. */
export function readPayloadHeader(image: Uint8Array, file = 'bzImage'): PayloadHeader {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (image.length < INIT_SIZE + 4) {
    throw refuse(RECOMPRESS_NOT_BZIMAGE, file, `too short for a setup header (${image.length} bytes)`);
  }
  if (view.getUint32(HEADER_MAGIC, true) !== 0x53726448) {
    throw refuse(RECOMPRESS_NOT_BZIMAGE, file, 'no "HdrS" magic at 0x202: not a bzImage');
  }
  const version = view.getUint16(PROTOCOL_VERSION, true);
  // payload_offset/payload_length exist from 2.08, init_size from 2.10 (boot.rst).
  if (version < 0x20a) {
    throw refuse(RECOMPRESS_NOT_BZIMAGE, file, `boot protocol ${hex(version)} is older than 2.10 (no payload fields)`);
  }
  const setupSectors = image[SETUP_SECTS] === 0 ? 4 : image[SETUP_SECTS];
  const protectedModeStart = (setupSectors + 1) * 512;
  const header: PayloadHeader = {
    setupSectors, protectedModeStart,
    syssize: view.getUint32(SYSSIZE, true),
    payloadOffset: view.getUint32(PAYLOAD_OFFSET, true),
    payloadLength: view.getUint32(PAYLOAD_LENGTH, true),
    initSize: view.getUint32(INIT_SIZE, true),
    payloadStart: protectedModeStart + view.getUint32(PAYLOAD_OFFSET, true),
  };
  if (header.payloadLength < 4 || header.payloadStart + header.payloadLength > image.length) {
    throw refuse(RECOMPRESS_NOT_BZIMAGE, file, `payload (offset ${hex(header.payloadStart)}, length ` +
      `${hex(header.payloadLength)}) lies outside the file (${image.length} bytes)`);
  }
  return header;
}

/** The format whose magic number starts `data`, or undefined. */
export function payloadFormat(data: Uint8Array): KernelCompression | undefined {
  return KERNEL_COMPRESSIONS.find((format) => KBUILD_CODECS[format].magic.every((byte, index) => data[index] === byte));
}

/**
 * The memory span of an ELF64 file's PT_LOAD segments, from the lowest p_paddr to the highest
 * p_paddr + p_memsz: for vmlinux, VO__end - VO__text (arch/x86/boot/header.S VO_INIT_SIZE).
 * Throws StageFailed (RECOMPRESS_NOT_ELF) when the bytes are not such a file.
 */
export function elfLoadSpan(elfHeaderBytes: Uint8Array, file = 'vmlinux'): number {
  const elf = Buffer.from(elfHeaderBytes.buffer, elfHeaderBytes.byteOffset, elfHeaderBytes.byteLength);
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) {
    throw refuse(RECOMPRESS_NOT_ELF, file, 'the uncompressed payload is not an ELF64 file');
  }
  const programHeaders = Number(elf.readBigUInt64LE(0x20));
  const entrySize = elf.readUInt16LE(0x36);
  const count = elf.readUInt16LE(0x38);
  let low = Number.MAX_SAFE_INTEGER;
  let high = 0;
  for (let index = 0; index < count; index++) {
    const at = programHeaders + index * entrySize;
    if (at + 56 > elf.length) {
      throw refuse(RECOMPRESS_NOT_ELF, file, `the payload ELF's program header ${index} at ${hex(at)} lies beyond the bytes read`);
    }
    const PT_LOAD = 1;
    if (elf.readUInt32LE(at) !== PT_LOAD) continue;
    const physical = Number(elf.readBigUInt64LE(at + 0x18));
    const memorySize = Number(elf.readBigUInt64LE(at + 0x28));
    low = Math.min(low, physical);
    high = Math.max(high, physical + memorySize);
  }
  if (high === 0) throw refuse(RECOMPRESS_NOT_ELF, file, 'the payload ELF has no PT_LOAD segment');
  return high - low;
}

/**
 * init_size for the new file. boot.rst: the linear memory from the runtime start address the
 * kernel needs before it can read its memory map. The kernel sets it to the larger of
 * VO_INIT_SIZE (the decompressed kernel's memory image) and ZO_INIT_SIZE (its own decompressor
 * plus the compressed payload, moved to the end of that buffer for in-place decompression:
 * header.S). A loader that decompresses the payload itself at the runtime start, then moves the
 * ELF segments to their places within the same buffer, needs what the kernel's extract_kernel()
 * computes (arch/x86/boot/compressed/misc.c): max(output_len, kernel_total_size), the
 * uncompressed payload's size and the memory image's. Recompression changes neither, so for a
 * kernel built by kbuild the value never grows; it is still checked, and rounded up to a page.
 * It is never lowered: the ZO part still describes the decompressor and payload that remain in
 * the file.
 */
export function requiredInitSize(originalInitSize: number, uncompressedSize: number, loadSpan: number): number {
  const needed = Math.ceil(Math.max(uncompressedSize, loadSpan) / 4096) * 4096;
  return Math.max(originalInitSize, needed);
}

/**
 * The new bytes: `original`, zero-padded to 16 bytes, then `payload` (its size trailer
 * included), zero-padded to 16 bytes, with the four header fields rewritten.
 */
export function appendPayload(original: Uint8Array, payload: Uint8Array, initSize: number): Buffer {
  const header = readPayloadHeader(original);
  const align16 = (value: number): number => Math.ceil(value / 16) * 16;
  const payloadStart = align16(original.length);
  const end = align16(payloadStart + payload.length);
  const image = Buffer.alloc(end);
  image.set(original, 0);
  image.set(payload, payloadStart);
  // protectedModeStart is a multiple of 512, so the paragraph count is exact.
  image.writeUInt32LE((end - header.protectedModeStart) / 16, SYSSIZE);
  image.writeUInt32LE(payloadStart - header.protectedModeStart, PAYLOAD_OFFSET);
  image.writeUInt32LE(payload.length, PAYLOAD_LENGTH);
  image.writeUInt32LE(initSize, INIT_SIZE);
  return image;
}

/** A pipe step for runPipe: which command, and the code and words of a failure. */
interface PipeStep {
  codec: Codec;
  command: [string, string[]];
  failureCode: number;
  /** What the step does, for the message: "decoding the xz payload". */
  what: string;
}

/**
 * `command args < input > output`, without blocking the event loop (a test worker's RPC, the
 * CLI's progress). A missing command or a failing one rejects with a StageFailed about `file`.
 */
function runPipe(step: PipeStep, input: string, output: string, file: string): Promise<void> {
  const [command, args] = step.command;
  return new Promise((resolvePromise, rejectPromise) => {
    let inputFd: number | undefined;
    let outputFd: number | undefined;
    try {
      inputFd = openSync(input, 'r');
      outputFd = openSync(output, 'w');
    } catch (error) {
      if (inputFd !== undefined) closeSync(inputFd);
      rejectPromise(refuse(RECOMPRESS_WRITE_FAILED, file, `${step.what}: ${(error as Error).message}`));
      return;
    }
    const child = spawn(command, args, { stdio: [inputFd, outputFd, 'pipe'] });
    closeSync(inputFd);
    closeSync(outputFd);
    let stderr = '';
    child.stderr!.on('data', (chunk) => { stderr += chunk; });
    child.on('error', (error: NodeJS.ErrnoException) => rejectPromise(error.code === 'ENOENT'
      ? refuse(RECOMPRESS_TOOL_MISSING, file,
        `${step.what}: ${command} not found: install the Debian package '${step.codec.debianPackage}'`)
      : refuse(step.failureCode, file, `${step.what}: cannot run ${command}: ${error.message}`)));
    child.on('close', (status, signal) => {
      if (status === 0) { resolvePromise(); return; }
      const detail = stderr.trim().split('\n').filter(Boolean).slice(-4).join('\n  ');
      rejectPromise(refuse(step.failureCode, file, `${step.what}: ${describeCommand(step.command)} ` +
        `${signal ? `was killed by ${signal}` : `exited ${status}`}${detail ? `:\n  ${detail}` : ''}`));
    });
  });
}

function readHead(path: string, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    return buffer.subarray(0, readSync(fd, buffer, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}

/** Writes `bytes` to a new file at `path` and flushes it, so the rename that follows publishes whole data. */
function writeFlushed(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'wx');
  try {
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes to `output` a copy of `bzImage` whose payload is re-compressed in `format` with kbuild's
 * command line (see the file overview) and returns `output` (resolved). `progress` receives one
 * phrase per slow step ("re-compressing the payload with lz4 -l -9"). Throws StageFailed (stage
 * 'recompress'); on failure nothing is written and an existing `output` is untouched. The
 * directory of `output` must exist.
 */
export async function recompressKernel(bzImage: string, format: KernelCompression, output: string,
  progress: (step: string) => void = () => {}): Promise<string> {
  if (!KERNEL_COMPRESSIONS.includes(format)) {
    throw refuse(RECOMPRESS_BAD_FORMAT, bzImage, `'${format}' is not a kernel compression format ` +
      `(one of ${KERNEL_COMPRESSIONS.join(', ')})`);
  }
  output = resolve(output);
  if (output === resolve(bzImage)) {
    throw refuse(RECOMPRESS_WRITE_FAILED, output, 'the output is the input bzImage, which is never modified');
  }
  let original: Buffer;
  try {
    original = readFileSync(bzImage);
  } catch (error) {
    throw refuse(RECOMPRESS_WRITE_FAILED, bzImage, `cannot read the bzImage: ${(error as Error).message}`);
  }
  const header = readPayloadHeader(original, bzImage);
  const payload = original.subarray(header.payloadStart, header.payloadStart + header.payloadLength);
  const from = payloadFormat(payload);
  if (from === undefined) {
    throw refuse(RECOMPRESS_UNKNOWN_FORMAT, bzImage, `the payload's magic ${payload.subarray(0, 6).toString('hex')} ` +
      `(at ${hex(header.payloadStart)}) is none of ${KERNEL_COMPRESSIONS.join(', ')}`);
  }
  // kbuild's size_append and gzip's ISIZE: the uncompressed size modulo 2^32, little endian.
  const statedSize = payload.readUInt32LE(payload.length - 4);

  let work: string;
  try {
    work = mkdtempSync(join(dirname(output), `.${basename(output)}.recompress-`));
  } catch (error) {
    throw refuse(RECOMPRESS_WRITE_FAILED, output, `cannot create a temporary directory beside the output: ${(error as Error).message}`);
  }
  try {
    const compressedIn = join(work, `payload.${from}`);
    try {
      writeFlushed(compressedIn, KBUILD_CODECS[from].sizeAppended ? payload.subarray(0, payload.length - 4) : payload);
    } catch (error) {
      throw refuse(RECOMPRESS_WRITE_FAILED, output, `cannot write the temporary payload: ${(error as Error).message}`);
    }
    const decoder = KBUILD_CODECS[from];
    const uncompressed = join(work, 'vmlinux.bin.all');
    const decoding = `decoding the ${from} payload with ${describeCommand(decoder.decompress)}`;
    progress(decoding);
    await runPipe({ codec: decoder, command: decoder.decompress, failureCode: RECOMPRESS_DECODE_FAILED, what: decoding },
      compressedIn, uncompressed, bzImage);
    const uncompressedSize = statSync(uncompressed).size;
    if (uncompressedSize % 2 ** 32 !== statedSize) {
      throw refuse(RECOMPRESS_SIZE_MISMATCH, bzImage, `the ${from} payload decodes to ${uncompressedSize} bytes, ` +
        `its last 4 bytes state ${statedSize}`);
    }
    const loadSpan = elfLoadSpan(readHead(uncompressed, 65536), `${bzImage} (uncompressed payload)`);

    const codec = KBUILD_CODECS[format];
    const compressedOut = join(work, `payload-new.${format}`);
    const compressing = `re-compressing the payload with ${describeCommand(codec.compress)}`;
    progress(compressing);
    await runPipe({ codec, command: codec.compress, failureCode: RECOMPRESS_COMPRESS_FAILED, what: compressing },
      uncompressed, compressedOut, bzImage);
    let newPayload = readFileSync(compressedOut);
    if (payloadFormat(newPayload) !== format) {
      throw refuse(RECOMPRESS_COMPRESS_FAILED, bzImage, `${compressing}: the output does not start with ${format}'s ` +
        `magic (${newPayload.subarray(0, 6).toString('hex')})`);
    }
    if (codec.sizeAppended) {
      const trailer = Buffer.alloc(4);
      trailer.writeUInt32LE(uncompressedSize % 2 ** 32);
      newPayload = Buffer.concat([newPayload, trailer]);
    }
    const recompressed = appendPayload(original, newPayload, requiredInitSize(header.initSize, uncompressedSize, loadSpan));
    const temporary = join(work, 'recompressed');
    try {
      writeFlushed(temporary, recompressed);
      renameSync(temporary, output);
    } catch (error) {
      throw refuse(RECOMPRESS_WRITE_FAILED, output, `cannot write the output: ${(error as Error).message}`);
    }
    return output;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * recompressKernel into a temporary directory (under the OS's, TMPDIR), read back and removed:
 * the bytes `efistub wrap --recompress` puts in .linux.
 */
export async function recompressedKernelBytes(bzImage: string, format: KernelCompression,
  progress?: (step: string) => void): Promise<Buffer> {
  let directory: string;
  try {
    directory = mkdtempSync(join(tmpdir(), 'efistub-recompress-'));
  } catch (error) {
    throw refuse(RECOMPRESS_WRITE_FAILED, tmpdir(), `cannot create a temporary directory: ${(error as Error).message}`);
  }
  try {
    return readFileSync(await recompressKernel(bzImage, format, join(directory, basename(bzImage)), progress));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
