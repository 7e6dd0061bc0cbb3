/**
 * @fileoverview Re-compresses a bzImage's payload in another of the seven kernel formats, so the
 * stub's decoders can be exercised on a real kernel in each format without building one.
 *
 *   await repackKernel(bzImage, 'zstd', 'out/vmlinuz-zstd')   the repacked file's path
 *   await repackedKernel(bzImage, 'zstd')                     the same, cached under out/fixtures/repacked/
 *   readPayloadHeader(bytes)                                  the setup-header fields involved
 *
 * The compressed payload is made with kbuild's exact command lines (linux 6.1
 * scripts/Makefile.lib, as arch/x86/boot/compressed/Makefile uses them for vmlinux.bin.<suffix>):
 * `cat vmlinux.bin.all | COMMAND`, then for every format but gzip (whose own trailer ends with
 * the size) size_append: the uncompressed size as 4 little-endian bytes. The uncompressed payload
 * (vmlinux.bin plus vmlinux.relocs on Debian's CONFIG_X86_NEED_RELOCS kernel) comes from the
 * reference tool of the original payload's format (Debian's is xz), not from the stub's own
 * decoders, which are what the tests built on these files check.
 *
 * The repacked file is the original, byte for byte, except for four setup-header fields
 * (Documentation/x86/boot.rst) and the new payload appended at the end:
 * - payload_offset (0x248) and payload_length (0x24c) point at the new payload. The offset counts
 *   from the start of the protected-mode code, (setup_sects + 1) × 512 (setup_sects 0 means 4).
 * - syssize (0x1f4, 16-byte paragraphs of protected-mode code) covers the new end of the file.
 * - init_size (0x260) is raised if needed; see requiredInitSize.
 *
 * Only a loader that finds the payload through the header and decompresses it itself
 * (efistub's wrapped kernels) boots the new payload. The kernel's own decompressor in the file
 * (ZO), which its own EFI stub and a legacy boot loader run, is linked to the old payload and
 * still decodes that one: booted that way the file still starts (the same vmlinux), but the new
 * payload is never read, so such a boot proves nothing about it. Debian's Authenticode signature
 * no longer matches the file either.
 */
import { spawn } from 'node:child_process';
import {
  closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { projectRoot } from './build-fixture.ts';

export type KernelCompression = 'gzip' | 'xz' | 'zstd' | 'lz4' | 'lzma' | 'bzip2' | 'lzo';

export const KERNEL_COMPRESSIONS: readonly KernelCompression[] = ['gzip', 'xz', 'zstd', 'lz4', 'lzma', 'bzip2', 'lzo'];

interface Codec {
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
 * cmd_lz4_with_size, cmd_lzma_with_size, cmd_bzip2_with_size, cmd_lzo_with_size. Magic numbers
 * from boot.rst (payload_offset) and each format's specification (lz4 -l: the legacy frame;
 * lzma: lc=3 lp=0 pb=2 properties byte 0x5d, then the dictionary size's low bytes).
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

/** The setup-header fields of a bzImage; throws naming the field when it is not one. */
export function readPayloadHeader(image: Uint8Array, file = 'bzImage'): PayloadHeader {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (image.length < INIT_SIZE + 4) throw new Error(`${file}: too short for a setup header (${image.length} bytes)`);
  if (view.getUint32(HEADER_MAGIC, true) !== 0x53726448) throw new Error(`${file}: no "HdrS" magic at 0x202: not a bzImage`);
  const version = view.getUint16(PROTOCOL_VERSION, true);
  // payload_offset/payload_length exist from 2.08, init_size from 2.10 (boot.rst).
  if (version < 0x20a) throw new Error(`${file}: boot protocol 0x${version.toString(16)} is older than 2.10`);
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
    throw new Error(`${file}: payload (offset 0x${header.payloadStart.toString(16)}, length ` +
      `0x${header.payloadLength.toString(16)}) lies outside the file`);
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
 */
export function elfLoadSpan(elfHeaderBytes: Uint8Array): number {
  const elf = Buffer.from(elfHeaderBytes.buffer, elfHeaderBytes.byteOffset, elfHeaderBytes.byteLength);
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) {
    throw new Error('the uncompressed payload is not an ELF64 file');
  }
  const programHeaders = Number(elf.readBigUInt64LE(0x20));
  const entrySize = elf.readUInt16LE(0x36);
  const count = elf.readUInt16LE(0x38);
  let low = Number.MAX_SAFE_INTEGER;
  let high = 0;
  for (let index = 0; index < count; index++) {
    const at = programHeaders + index * entrySize;
    if (at + 56 > elf.length) throw new Error('the payload ELF program headers lie beyond the bytes read');
    const PT_LOAD = 1;
    if (elf.readUInt32LE(at) !== PT_LOAD) continue;
    const physical = Number(elf.readBigUInt64LE(at + 0x18));
    const memorySize = Number(elf.readBigUInt64LE(at + 0x28));
    low = Math.min(low, physical);
    high = Math.max(high, physical + memorySize);
  }
  if (high === 0) throw new Error('the payload ELF has no PT_LOAD segment');
  return high - low;
}

/**
 * init_size for the repacked file. boot.rst: the linear memory from the runtime start address
 * the kernel needs before it can read its memory map. The kernel sets it to the larger of
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
 * The repacked bytes: `original`, zero-padded to 16 bytes, then `payload` (its size trailer
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

/** `command args < input > output`, without blocking the event loop (a test worker's RPC). */
function runPipe(codec: Codec, [command, args]: [string, string[]], input: string, output: string): Promise<void> {
  return new Promise((resolvePromise, rejectPromise) => {
    const inputFd = openSync(input, 'r');
    const outputFd = openSync(output, 'w');
    const child = spawn(command, args, { stdio: [inputFd, outputFd, 'pipe'] });
    closeSync(inputFd);
    closeSync(outputFd);
    let stderr = '';
    child.stderr!.on('data', (chunk) => { stderr += chunk; });
    child.on('error', (error: NodeJS.ErrnoException) => rejectPromise(error.code === 'ENOENT'
      ? new Error(`repack-kernel: ${command} is missing: install the Debian package ${codec.debianPackage}`)
      : error));
    child.on('close', (status, signal) => {
      if (status === 0) resolvePromise();
      else rejectPromise(new Error(`repack-kernel: ${command} ${args.join(' ')} exited ${status ?? signal}: ${stderr.trim()}`));
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

/**
 * Writes to `output` a copy of `bzImage` whose payload is re-compressed in `format` with kbuild's
 * command line (see the file overview) and returns `output`. Throws when the original payload
 * is not in a known format or does not decode to the size its trailer states.
 */
export async function repackKernel(bzImage: string, format: KernelCompression, output: string): Promise<string> {
  const original = readFileSync(bzImage);
  const header = readPayloadHeader(original, bzImage);
  const payload = original.subarray(header.payloadStart, header.payloadStart + header.payloadLength);
  const from = payloadFormat(payload);
  if (from === undefined) {
    throw new Error(`${bzImage}: payload magic ${payload.subarray(0, 6).toString('hex')} is none of ${KERNEL_COMPRESSIONS.join(', ')}`);
  }
  // kbuild's size_append and gzip's ISIZE: the uncompressed size modulo 2^32, little endian.
  const statedSize = payload.readUInt32LE(payload.length - 4);

  output = resolve(output);
  const work = `${output}.work-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const compressedIn = join(work, `payload.${from}`);
    writeFileSync(compressedIn, KBUILD_CODECS[from].sizeAppended ? payload.subarray(0, payload.length - 4) : payload);
    const uncompressed = join(work, 'vmlinux.bin.all');
    await runPipe(KBUILD_CODECS[from], KBUILD_CODECS[from].decompress, compressedIn, uncompressed);
    const uncompressedSize = statSync(uncompressed).size;
    if (uncompressedSize % 2 ** 32 !== statedSize) {
      throw new Error(`${bzImage}: the ${from} payload decodes to ${uncompressedSize} bytes, its trailer says ${statedSize}`);
    }
    const loadSpan = elfLoadSpan(readHead(uncompressed, 65536));

    const codec = KBUILD_CODECS[format];
    const compressedOut = join(work, `payload-new.${format}`);
    await runPipe(codec, codec.compress, uncompressed, compressedOut);
    let newPayload = readFileSync(compressedOut);
    if (codec.sizeAppended) {
      const trailer = Buffer.alloc(4);
      trailer.writeUInt32LE(uncompressedSize % 2 ** 32);
      newPayload = Buffer.concat([newPayload, trailer]);
    }
    const repacked = appendPayload(original, newPayload, requiredInitSize(header.initSize, uncompressedSize, loadSpan));
    mkdirSync(dirname(output), { recursive: true });
    const temporary = join(work, 'repacked');
    writeFileSync(temporary, repacked);
    renameSync(temporary, output);
    return output;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Where repackedKernel keeps `bzImage` repacked in `format`. */
export function repackedKernelPath(bzImage: string, format: KernelCompression): string {
  return join(projectRoot, 'out', 'fixtures', 'repacked', `${format}-${basename(bzImage)}`);
}

/**
 * repackKernel into out/fixtures/repacked/<format>-<basename>, reused while the input keeps its
 * size and mtime (recorded in <that path>.key): xz with a 32 MiB dictionary or zstd -22 on
 * Debian's 66 MB payload takes tens of seconds.
 */
export async function repackedKernel(bzImage: string, format: KernelCompression): Promise<string> {
  const output = repackedKernelPath(bzImage, format);
  const input = statSync(bzImage);
  const key = JSON.stringify({ input: resolve(bzImage), size: input.size, mtimeMs: input.mtimeMs, format,
    command: KBUILD_CODECS[format].compress });
  const keyFile = `${output}.key`;
  if (existsSync(output) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) return output;
  rmSync(keyFile, { force: true });
  await repackKernel(bzImage, format, output);
  writeFileSync(keyFile, key);
  return output;
}
