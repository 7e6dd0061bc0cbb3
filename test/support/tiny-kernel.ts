/**
 * @fileoverview A small synthetic x86_64 bzImage for the boot-flow tests, built from the
 * documents, not from a kernel build.
 *
 * Layout of the file (Documentation/x86/boot.rst, "The Real-Mode Kernel Header", "Details of
 * Header Fields"): a real-mode part of (setup_sects + 1) sectors holding the setup header at
 * 0x1f1, then the protected-mode part: a few bytes standing for the decompressor, a kernel_info
 * block (2.15), the payload at payload_offset (relative to the protected-mode part) and a tail.
 * The payload is gzip (node:zlib); gzip ends with its own ISIZE, so kbuild appends nothing.
 *
 * The payload decompresses to what kbuild compresses: vmlinux, a stripped ELF64 x86-64 EXEC,
 * followed by the relocation table arch/x86/tools/relocs writes. vmlinux here has a PT_NOTE
 * and three PT_LOAD segments like the real one: text (R+X), data (RW, with a .bss tail:
 * p_memsz > p_filesz) and a per-CPU segment whose p_vaddr is 0 and whose p_paddr is real.
 * e_entry is physical (ENTRY(phys_startup_64) in vmlinux.lds). Segment contents are
 * deterministic pseudo-random bytes, with relocation targets written at chosen offsets.
 *
 * The relocation table (arch/x86/boot/compressed/misc.c, handle_relocations), forwards:
 *   0, 64-bit entries…, 0, inverse 32-bit entries…, 0, 32-bit entries…   (end of payload)
 * read backwards from the end. Each entry is the 32-bit truncation of the kernel virtual
 * address of the field (sign-extended by the reader to 0xffffffff8xxxxxxx), i.e. the field's
 * link-time physical address + 0x80000000 (__START_KERNEL_map = 0xffffffff80000000).
 *
 * Every number a test asserts against is returned here (segments, fields, offsets), so a test
 * computes its expectations from this description, never from the stub's code.
 */

import { gzipSync } from 'node:zlib';

export const SECTOR = 512;
export const LOAD_PHYSICAL_ADDR = 0x1000000;
/** __START_KERNEL_map's low half: kernel virtual address of physical 0, truncated to 32 bits. */
export const START_KERNEL_MAP_LO = 0x80000000;
export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export type RelocationKind = '32' | 'inverse32' | '64';

export interface TinySegment {
  flags: number;
  /** p_paddr: the link-time physical address. */
  physical: number;
  /** p_vaddr (64-bit): 0xffffffff8… for text and data, 0 for the per-CPU segment. */
  virtual: bigint;
  fileOffset: number;
  fileSize: number;
  memorySize: number;
  /** The segment's file bytes as they are in vmlinux (relocation targets unpatched). */
  bytes: Uint8Array;
}

export interface TinyRelocation {
  kind: RelocationKind;
  /** Link-time physical address of the field. */
  physical: number;
  /** The table entry (kernel virtual address, low 32 bits). */
  entry: number;
  /** The field's value in vmlinux (4 or 8 bytes). */
  original: bigint;
}

export interface TinyKernelOptions {
  /** Boot protocol version; 0x020f (2.15) by default. */
  version?: number;
  relocatable?: boolean;
  cmdlineSize?: number;
  initSize?: number;
  kernelAlignment?: number;
  prefAddress?: number;
  xloadflags?: number;
  /** Table entries added to the generated ones, e.g. one that points outside the kernel. */
  extraEntries?: { kind: RelocationKind; entry: number }[];
  /** No relocation table at all (a kernel built without RANDOMIZE_BASE). */
  noRelocationTable?: boolean;
  /** Changes the gzip payload after compression (e.g. to corrupt it). */
  corruptPayload?: (gzip: Buffer) => void;
  /**
   * The kernel_version string (boot.rst: the setup header's kernel_version at 0x20e holds its
   * offset less 0x200; the string is NUL-terminated and starts with the release, as `uname -r`
   * prints it), written in the setup sectors; null leaves kernel_version 0 and writes none.
   * Default DEFAULT_KERNEL_VERSION.
   */
  kernelVersion?: string | null;
}

/** The version string of the default tiny kernel: a 6.1 release. */
export const DEFAULT_KERNEL_VERSION = '6.1.0-tiny (efistub boot-flow test)';
/** Where the kernel_version string sits in the file (kernel_version = this − 0x200). */
export const KERNEL_VERSION_OFFSET = 0x200 + 0x1c0;

export interface TinyKernel {
  /** The bzImage file. */
  bzImage: Uint8Array;
  setupSects: number;
  /** Offset just past the setup header: 0x202 + the jump's displacement byte at 0x201. */
  headerEnd: number;
  /** File offset of the payload (protected-mode start + payload_offset). */
  payloadFileOffset: number;
  payload: Uint8Array;
  /** The decompressed payload: vmlinux then the relocation table. */
  decompressed: Uint8Array;
  /** Where vmlinux's bytes end inside `decompressed` (the table follows). */
  elfEnd: number;
  segments: TinySegment[];
  /** e_entry (physical). */
  entry: number;
  relocations: TinyRelocation[];
  prefAddress: number;
  initSize: number;
  kernelAlignment: number;
  cmdlineSize: number;
  /** The kernel_version string written (without its NUL), or null when there is none. */
  kernelVersion: string | null;
}

/** Deterministic filler: xorshift32 from a per-segment seed. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

// The synthetic vmlinux's segments, as offsets from LOAD_PHYSICAL_ADDR (p_paddr − pref).
const TEXT_OFFSET = 0;
const TEXT_FILE_SIZE = 0x2345; // not a page multiple: the RO range is page-rounded
const DATA_OFFSET = 0x4000;
const DATA_FILE_SIZE = 0x1800;
const DATA_MEMORY_SIZE = 0x6000; // .bss tail of 0x4800 bytes
const PERCPU_OFFSET = 0xc000;
const PERCPU_FILE_SIZE = 0x800;
const PERCPU_MEMORY_SIZE = 0x1000;
const KERNEL_VIRTUAL_BASE = 0xffffffff80000000n;

/**
 * Relocation targets: [kind, segment index, offset in the segment, original value]. Values look
 * like what they relocate: sign-extended kernel addresses for 32-bit fields (R_X86_64_32S),
 * per-CPU offsets for inverse ones (R_X86_64_PC32 against per-CPU symbols), 64-bit kernel
 * addresses, and one 64-bit value whose low half is near 2^32 so +delta must carry.
 */
const FIELDS: [RelocationKind, number, number, bigint][] = [
  ['32', 0, 0x100, 0x81001000n],
  ['32', 0, 0x2341, 0x81004010n], // the last four file bytes of text (unaligned)
  ['32', 1, 0x10, 0x8100c000n],
  ['32', 2, 0x8, 0x81000040n], // in the per-CPU segment, by its physical address
  ['inverse32', 0, 0x300, 0x00012345n],
  ['inverse32', 1, 0x20, 0xfffff000n],
  ['64', 1, 0x100, 0xffffffff81002000n],
  ['64', 1, 0x108, 0x00000001ffe00000n], // carries into the high half for any delta ≥ 2 MiB
  ['64', 2, 0x7f8, 0xffffffff81000000n], // the last eight file bytes of the per-CPU segment
];

function writeLe(bytes: Uint8Array, offset: number, value: bigint, width: number): void {
  for (let i = 0; i < width; i++) bytes[offset + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

/** vmlinux (ELF64, x86-64, EXEC) with its segments; relocation table appended when asked. */
function buildVmlinux(pref: number): { elf: Uint8Array; segments: TinySegment[]; entry: number; fields: TinyRelocation[] } {
  const layout: [number, number, number, number, number, bigint][] = [
    // flags, offset from pref, file offset, file size, memory size, p_vaddr
    [PF_R | PF_X, TEXT_OFFSET, 0x1000, TEXT_FILE_SIZE, TEXT_FILE_SIZE, KERNEL_VIRTUAL_BASE + BigInt(pref + TEXT_OFFSET)],
    [PF_R | PF_W, DATA_OFFSET, 0x4000, DATA_FILE_SIZE, DATA_MEMORY_SIZE, KERNEL_VIRTUAL_BASE + BigInt(pref + DATA_OFFSET)],
    [PF_R | PF_W, PERCPU_OFFSET, 0x6000, PERCPU_FILE_SIZE, PERCPU_MEMORY_SIZE, 0n],
  ];
  const segments: TinySegment[] = layout.map(([flags, offset, fileOffset, fileSize, memorySize, virtual], index) => ({
    flags, physical: pref + offset, virtual, fileOffset, fileSize, memorySize,
    bytes: pseudoRandomBytes(fileSize, 0x9e3779b9 ^ (index * 0x85ebca6b)),
  }));
  const fields: TinyRelocation[] = FIELDS.map(([kind, segment, offset, original]) => {
    writeLe(segments[segment].bytes, offset, original, kind === '64' ? 8 : 4);
    const physical = segments[segment].physical + offset;
    return { kind, physical, entry: (physical + START_KERNEL_MAP_LO) >>> 0, original };
  });
  const fileEnd = Math.max(...segments.map((s) => s.fileOffset + s.fileSize));
  const elf = new Uint8Array(fileEnd);
  const view = new DataView(elf.buffer);
  // ELF header (System V gABI, "ELF Header"; x86-64 psABI for EM_X86_64).
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, SYSV
  const programHeaders = 4;
  const entry = pref + TEXT_OFFSET;
  view.setUint16(16, 2, true); // e_type ET_EXEC
  view.setUint16(18, 62, true); // e_machine EM_X86_64
  view.setUint32(20, 1, true); // e_version
  view.setBigUint64(24, BigInt(entry), true); // e_entry (physical)
  view.setBigUint64(32, 64n, true); // e_phoff
  view.setBigUint64(40, 0n, true); // e_shoff: stripped of section headers
  view.setUint16(52, 64, true); // e_ehsize
  view.setUint16(54, 56, true); // e_phentsize
  view.setUint16(56, programHeaders, true); // e_phnum
  view.setUint16(58, 64, true); // e_shentsize
  view.setUint16(60, 0, true); // e_shnum
  const program = (index: number, type: number, flags: number, offset: number, vaddr: bigint, paddr: number,
    fileSize: number, memorySize: number, align: number) => {
    const at = 64 + 56 * index;
    view.setUint32(at, type, true);
    view.setUint32(at + 4, flags, true);
    view.setBigUint64(at + 8, BigInt(offset), true);
    view.setBigUint64(at + 16, vaddr, true);
    view.setBigUint64(at + 24, BigInt(paddr), true);
    view.setBigUint64(at + 32, BigInt(fileSize), true);
    view.setBigUint64(at + 40, BigInt(memorySize), true);
    view.setBigUint64(at + 48, BigInt(align), true);
  };
  segments.forEach((s, index) => {
    program(index, PT_LOAD, s.flags, s.fileOffset, s.virtual, s.physical, s.fileSize, s.memorySize, 0x200000);
    elf.set(s.bytes, s.fileOffset);
  });
  // A PT_NOTE inside the text, as vmlinux has (the stub must skip it).
  program(3, PT_NOTE, PF_R, 0x1000 + 0x2000, segments[0].virtual + 0x2000n, segments[0].physical + 0x2000, 0x30, 0x30, 4);
  return { elf, segments, entry, fields };
}

/** The relocation table for `entries`, in file order (the reader walks it from the end). */
function relocationTable(entries: { kind: RelocationKind; entry: number }[]): Uint8Array {
  const words: number[] = [0];
  for (const e of entries) if (e.kind === '64') words.push(e.entry);
  words.push(0);
  for (const e of entries) if (e.kind === 'inverse32') words.push(e.entry);
  words.push(0);
  for (const e of entries) if (e.kind === '32') words.push(e.entry);
  const table = new Uint8Array(4 * words.length);
  const view = new DataView(table.buffer);
  words.forEach((word, index) => view.setUint32(4 * index, word >>> 0, true));
  return table;
}

export function buildTinyKernel(options: TinyKernelOptions = {}): TinyKernel {
  const pref = options.prefAddress ?? LOAD_PHYSICAL_ADDR;
  const initSize = options.initSize ?? 0x400000;
  const kernelAlignment = options.kernelAlignment ?? 0x200000;
  const cmdlineSize = options.cmdlineSize ?? 2047;
  const vmlinux = buildVmlinux(pref);
  const entries = [...vmlinux.fields, ...(options.extraEntries ?? [])];
  const table = options.noRelocationTable ? new Uint8Array(0) : relocationTable(entries);
  const decompressed = new Uint8Array(vmlinux.elf.length + table.length);
  decompressed.set(vmlinux.elf, 0);
  decompressed.set(table, vmlinux.elf.length);
  const payload = gzipSync(decompressed, { level: 9 });
  options.corruptPayload?.(payload);

  const setupSects = 4;
  const protectedModeStart = (setupSects + 1) * SECTOR;
  const kernelInfoOffset = 0x100; // relative to the protected-mode start, like payload_offset
  const payloadOffset = 0x200;
  const tail = 0x40;
  const file = new Uint8Array(protectedModeStart + payloadOffset + payload.length + tail);
  const view = new DataView(file.buffer);
  file.set([0x4d, 0x5a], 0); // "MZ": a bzImage is also a PE file (its own EFI stub, unused here)
  // Everything after the header in the setup sectors is setup code: non-zero, never copied.
  file.fill(0x90, 0x26c, protectedModeStart);
  const kernelVersion = options.kernelVersion === undefined ? DEFAULT_KERNEL_VERSION : options.kernelVersion;
  if (kernelVersion !== null) {
    if (KERNEL_VERSION_OFFSET + kernelVersion.length + 1 > protectedModeStart) throw new Error('kernel_version string too long for the setup sectors');
    file.set(new TextEncoder().encode(`${kernelVersion}\0`), KERNEL_VERSION_OFFSET);
  }
  // The setup header, boot.rst "The Real-Mode Kernel Header".
  view.setUint8(0x1f1, setupSects);
  view.setUint16(0x1f2, 1, true); // root_flags
  view.setUint32(0x1f4, Math.ceil((file.length - protectedModeStart) / 16), true); // syssize
  view.setUint16(0x1fa, 0xffff, true); // vid_mode: normal
  view.setUint16(0x1fe, 0xaa55, true); // boot_flag
  file[0x200] = 0xeb; // jump: short jmp over the header…
  file[0x201] = 0x6a; // …to 0x26c, the end of a 2.15 header
  file.set(new TextEncoder().encode('HdrS'), 0x202);
  view.setUint16(0x206, options.version ?? 0x020f, true);
  view.setUint16(0x20c, 0x1000, true); // start_sys_seg
  view.setUint16(0x20e, kernelVersion === null ? 0 : KERNEL_VERSION_OFFSET - 0x200, true); // kernel_version: 0x200 + this
  view.setUint8(0x211, 0x01 | 0x80); // loadflags: LOADED_HIGH | CAN_USE_HEAP
  view.setUint16(0x212, 0x8000, true); // setup_move_size
  view.setUint32(0x214, 0x100000, true); // code32_start
  view.setUint16(0x224, 0xde00, true); // heap_end_ptr
  view.setUint32(0x22c, 0x7fffffff, true); // initrd_addr_max
  view.setUint32(0x230, kernelAlignment, true);
  view.setUint8(0x234, options.relocatable === false ? 0 : 1);
  view.setUint8(0x235, 31 - Math.clz32(kernelAlignment)); // min_alignment
  view.setUint16(0x236, options.xloadflags ?? 0x0003, true); // XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G
  view.setUint32(0x238, cmdlineSize, true);
  view.setUint32(0x248, payloadOffset, true);
  view.setUint32(0x24c, payload.length, true);
  view.setBigUint64(0x258, BigInt(pref), true);
  view.setUint32(0x260, initSize, true);
  view.setUint32(0x264, 0, true); // handover_offset: no EFI handover entry
  view.setUint32(0x268, kernelInfoOffset, true);
  // Protected-mode part: stand-in decompressor bytes, kernel_info (boot.rst "The kernel_info"),
  // the payload, a tail.
  file.fill(0xf4, protectedModeStart, protectedModeStart + payloadOffset);
  const info = protectedModeStart + kernelInfoOffset;
  file.set(new TextEncoder().encode('LToP'), info);
  view.setUint32(info + 4, 16, true); // size
  view.setUint32(info + 8, 16, true); // size_total
  view.setUint32(info + 12, 0, true); // setup_type_max
  const payloadFileOffset = protectedModeStart + payloadOffset;
  file.set(payload, payloadFileOffset);
  file.fill(0xcc, payloadFileOffset + payload.length);

  return {
    bzImage: file,
    setupSects,
    headerEnd: 0x202 + file[0x201],
    payloadFileOffset,
    payload,
    decompressed,
    elfEnd: vmlinux.elf.length,
    segments: vmlinux.segments,
    entry: vmlinux.entry,
    relocations: vmlinux.fields,
    prefAddress: pref,
    initSize,
    kernelAlignment,
    cmdlineSize,
    kernelVersion,
  };
}

const tinyKernelCache = new Map<string, TinyKernel>();

/**
 * buildTinyKernel, once per distinct options in a test file's process (options holding functions
 * are told apart by their source text).
 */
export function cachedTinyKernel(options: TinyKernelOptions = {}): TinyKernel {
  const key = JSON.stringify(options, (_k, v) => (typeof v === 'function' ? v.toString() : v));
  let kernel = tinyKernelCache.get(key);
  if (!kernel) tinyKernelCache.set(key, (kernel = buildTinyKernel(options)));
  return kernel;
}

