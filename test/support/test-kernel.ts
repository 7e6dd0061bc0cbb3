/**
 * @fileoverview The test kernel: test/fixtures/test-kernel/entry.S, a few hundred bytes of
 * x86-64 code that prints the state the stub entered it in on COM1 and powers the machine off,
 * assembled and linked with binutils and wrapped as a minimal relocatable bzImage.
 *
 * The ELF is what kbuild compresses: vmlinux stripped with `objcopy -S`, an ELF64 x86-64
 * EXEC linked at 0xffffffff81000000 with p_paddr and e_entry at LOAD_PHYSICAL_ADDR 0x1000000
 * (test/fixtures/test-kernel/linker.ld). It carries no relocation table, so the stub can only
 * place it, never relocate it; entry.S is position-independent for that reason.
 *
 * The bzImage follows Documentation/x86/boot.rst (Linux 6.1, from linux-source-6.1) and the
 * layout arch/x86/boot/tools/build.c writes:
 *
 *   0x000  boot sector: zeros, setup header from 0x1f1 (boot_flag 0xAA55 at 0x1fe, "HdrS" at 0x202)
 *   0x200  setup_sects = 1 sector of "setup": the header's tail up to 0x26c, a halt loop where
 *          the jump at 0x200 lands, the kernel_version string
 *   0x400  protected-mode part, syssize paragraphs: a halt loop at code32_start, kernel_info
 *          ("LToP", 2.15), the gzip payload (payload_offset/payload_length, relative to 0x400),
 *          zero padding, and the image CRC-32 in the last 4 bytes ("The Image Checksum")
 *
 * No 16-bit or 32-bit entry exists: loaders that use them (legacy BIOS ones) halt. gzip ends
 * with its own ISIZE, which is the size kbuild's loaders read, so nothing is appended to it.
 * Building twice gives the same bytes: as and ld are deterministic, and node:zlib writes a gzip
 * header with mtime 0.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { projectRoot } from './build-fixture.ts';

export const TEST_KERNEL_DIR = join(projectRoot, 'test', 'fixtures', 'test-kernel');
export const SECTOR = 512;
/** The address the kernel is linked for (LOAD_PHYSICAL_ADDR), its ELF entry and pref_address. */
export const LOAD_PHYSICAL_ADDR = 0x1000000;
/** Setup sectors after the boot sector: one holds the whole header and the version string. */
export const SETUP_SECTS = 1;
export const PROTECTED_MODE_START = (SETUP_SECTS + 1) * SECTOR;
export const BOOT_PROTOCOL_VERSION = 0x020f;
/** The byte after the 0xEB at 0x200: the header ends at 0x202 + 0x6a = 0x26c, as in 6.1's header.S. */
export const HEADER_JUMP_LENGTH = 0x6a;
export const KERNEL_ALIGNMENT = 0x200000;
export const MIN_ALIGNMENT_LOG2 = 21;
export const CMDLINE_SIZE = 2047;
export const INITRD_ADDR_MAX = 0x7fffffff;

// boot.rst, "Details of Header Fields".
export const LOADED_HIGH = 0x01;
export const XLF_KERNEL_64 = 0x01;
export const XLF_CAN_BE_LOADED_ABOVE_4G = 0x02;
export const XLF_5LEVEL = 0x20;

// Protected-mode part layout (offsets from PROTECTED_MODE_START).
const CODE32_HALT_OFFSET = 0x00;
export const KERNEL_INFO_OFFSET = 0x10;
const KERNEL_INFO_SIZE = 0x10;
export const PAYLOAD_OFFSET = 0x20;
/** setup_data types 0..SETUP_TYPE_MAX (6.1: SETUP_INDIRECT | SETUP_ENUM_MAX, 1 << 31 | 9). */
const SETUP_TYPE_MAX = 0x80000009;
const KERNEL_VERSION_TEXT = 'efistub-test-kernel (entry state)';
const KERNEL_VERSION_OFFSET = 0x300;
/** cli; hlt; jmp back to the hlt: where a 16-bit or 32-bit entry would land. */
const HALT_LOOP = [0xfa, 0xf4, 0xeb, 0xfd];

export interface TestKernelOptions {
  /** Sets XLF_5LEVEL in xloadflags (the kernel can run with 5-level paging). Default true. */
  xloadflags5Level?: boolean;
  /** Where to write the bzImage; a new temporary directory's `test-kernel.bzImage` by default. */
  output?: string;
}

/** Runs a binutils program; a missing one is named with the Debian package that has it. */
function binutils(program: string, args: string[], cwd: string): void {
  const result = spawnSync(program, args, { cwd, encoding: 'utf8' });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`test kernel: ${program} not found: install the Debian package binutils ` +
      '(scripts/install-deps.sh installs it)');
  }
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`test kernel: ${program} ${args.join(' ')} failed (status ${result.status}):\n` +
      `${result.stderr}${result.stdout}`);
  }
}

/** Assembles and links entry.S; returns the stripped ELF (vmlinux after `objcopy -S`). */
export function linkTestKernel(): Buffer {
  const work = mkdtempSync(join(tmpdir(), 'efistub-test-kernel-'));
  try {
    binutils('as', ['--64', '-o', 'entry.o', join(TEST_KERNEL_DIR, 'entry.S')], work);
    // max-page-size 4 KiB keeps the file small (ld's x86-64 default aligns segments to 2 MiB in
    // the file); no build-id, so nothing in the ELF depends on the build.
    binutils('ld', ['-T', join(TEST_KERNEL_DIR, 'linker.ld'), '-z', 'max-page-size=0x1000',
      '-z', 'noexecstack', '--build-id=none', '-o', 'vmlinux', 'entry.o'], work);
    binutils('objcopy', ['-S', 'vmlinux', 'vmlinux.stripped'], work);
    return readFileSync(join(work, 'vmlinux.stripped'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Bytes from LOAD_PHYSICAL_ADDR to the end of the last PT_LOAD in memory (p_paddr + p_memsz). */
export function elfMemorySpan(elf: Uint8Array): number {
  const view = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const phoff = Number(view.getBigUint64(0x20, true));
  const phentsize = view.getUint16(0x36, true);
  const phnum = view.getUint16(0x38, true);
  let end = 0;
  for (let index = 0; index < phnum; index++) {
    const header = phoff + index * phentsize;
    if (view.getUint32(header, true) !== 1) continue; // PT_LOAD
    const physical = Number(view.getBigUint64(header + 24, true));
    const memorySize = Number(view.getBigUint64(header + 40, true));
    end = Math.max(end, physical + memorySize - LOAD_PHYSICAL_ADDR);
  }
  return end;
}

/**
 * CRC-32 as arch/x86/boot/tools/build.c computes it: the reflected polynomial (0x04C11DB7
 * bit-reversed), initial value 0xffffffff and no final inversion, so the file with this value
 * appended little-endian has a CRC of 0.
 */
export function imageCrc32(bytes: Uint8Array, crc = 0xffffffff): number {
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return crc >>> 0;
}

/** Wraps a stripped vmlinux ELF into a bzImage (layout in the file overview). */
export function wrapBzImage(elf: Uint8Array, xloadflags5Level: boolean): Buffer {
  const payload = gzipSync(elf, { level: 9 });
  const protectedModeLength = PAYLOAD_OFFSET + payload.length;
  // build.c: room for the CRC, rounded up to whole 16-byte paragraphs.
  const syssize = Math.ceil((protectedModeLength + 4) / 16);
  const image = Buffer.alloc(PROTECTED_MODE_START + syssize * 16);
  const initSize = Math.ceil(elfMemorySpan(elf) / 0x1000) * 0x1000;
  let xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
  if (xloadflags5Level) xloadflags |= XLF_5LEVEL;

  image.writeUInt8(SETUP_SECTS, 0x1f1);
  image.writeUInt32LE(syssize, 0x1f4);
  image.writeUInt16LE(0xaa55, 0x1fe);
  image.writeUInt8(0xeb, 0x200);
  image.writeUInt8(HEADER_JUMP_LENGTH, 0x201);
  image.writeUInt32LE(0x53726448, 0x202); // "HdrS"
  image.writeUInt16LE(BOOT_PROTOCOL_VERSION, 0x206);
  // kernel_version: the string's offset from 0x200 (boot.rst: "set to a pointer ... minus 0x200").
  image.writeUInt16LE(KERNEL_VERSION_OFFSET - 0x200, 0x20e);
  image.writeUInt8(LOADED_HIGH, 0x211);
  image.writeUInt32LE(0x100000, 0x214); // code32_start: where a 32-bit loader puts the halt loop
  image.writeUInt32LE(INITRD_ADDR_MAX, 0x22c);
  image.writeUInt32LE(KERNEL_ALIGNMENT, 0x230);
  image.writeUInt8(1, 0x234); // relocatable_kernel
  image.writeUInt8(MIN_ALIGNMENT_LOG2, 0x235);
  image.writeUInt16LE(xloadflags, 0x236);
  image.writeUInt32LE(CMDLINE_SIZE, 0x238);
  image.writeUInt32LE(PAYLOAD_OFFSET, 0x248);
  image.writeUInt32LE(payload.length, 0x24c);
  image.writeBigUInt64LE(BigInt(LOAD_PHYSICAL_ADDR), 0x258);
  image.writeUInt32LE(initSize, 0x260);
  image.writeUInt32LE(KERNEL_INFO_OFFSET, 0x268);
  Buffer.from(HALT_LOOP).copy(image, 0x202 + HEADER_JUMP_LENGTH);
  image.write(`${KERNEL_VERSION_TEXT}\0`, KERNEL_VERSION_OFFSET, 'latin1');

  const protectedMode = PROTECTED_MODE_START;
  Buffer.from(HALT_LOOP).copy(image, protectedMode + CODE32_HALT_OFFSET);
  const kernelInfo = protectedMode + KERNEL_INFO_OFFSET;
  image.write('LToP', kernelInfo, 'latin1');
  image.writeUInt32LE(KERNEL_INFO_SIZE, kernelInfo + 4); // size: fixed part, header included
  image.writeUInt32LE(KERNEL_INFO_SIZE, kernelInfo + 8); // size_total: no variable-length data
  image.writeUInt32LE(SETUP_TYPE_MAX, kernelInfo + 12);
  payload.copy(image, protectedMode + PAYLOAD_OFFSET);
  image.writeUInt32LE(imageCrc32(image.subarray(0, image.length - 4)), image.length - 4);
  return image;
}

/**
 * Builds the test kernel's bzImage and returns its path. xloadflags5Level (default true) sets
 * XLF_5LEVEL, so the stub may enter it with 5-level paging.
 */
export function buildTestKernel(options: TestKernelOptions = {}): string {
  const image = wrapBzImage(linkTestKernel(), options.xloadflags5Level ?? true);
  const output = options.output ?? join(mkdtempSync(join(tmpdir(), 'efistub-test-kernel-')), 'test-kernel.bzImage');
  writeFileSync(output, image);
  return output;
}

/** What the test kernel reported: one line, `efistub-test-kernel: cs=0x0010 … hdrs=1`. */
export interface EntryState {
  cs: number;
  ds: number;
  es: number;
  ss: number;
  rsi: bigint;
  interruptsEnabled: boolean;
  la57: boolean;
  setupHeaderCopied: boolean;
}

/** The exact line entry.S prints (fixed widths), without its line ending. */
export const ENTRY_STATE_LINE =
  /^efistub-test-kernel: cs=0x([0-9a-f]{4}) ds=0x([0-9a-f]{4}) es=0x([0-9a-f]{4}) ss=0x([0-9a-f]{4}) rsi=0x([0-9a-f]{16}) if=([01]) la57=([01]) hdrs=([01])$/m;

/** Finds and parses the test kernel's line in a console log; undefined when it is not there. */
export function parseEntryState(output: string): EntryState | undefined {
  const match = ENTRY_STATE_LINE.exec(output);
  if (match === null) return undefined;
  return {
    cs: Number.parseInt(match[1], 16),
    ds: Number.parseInt(match[2], 16),
    es: Number.parseInt(match[3], 16),
    ss: Number.parseInt(match[4], 16),
    rsi: BigInt(`0x${match[5]}`),
    interruptsEnabled: match[6] === '1',
    la57: match[7] === '1',
    setupHeaderCopied: match[8] === '1',
  };
}
