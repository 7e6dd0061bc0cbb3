/**
 * @fileoverview Boot step 6a: vmlinux's ELF headers, and its PT_LOAD segments copied into the
 * kernel's memory.
 *
 * The decompressed payload is vmlinux (objcopy -S: a stripped ELF64 executable, x86-64) with
 * the relocation table appended (stub-src/boot/relocate.ts). Segments are placed by their
 * physical address relative to the address the kernel was linked for (pref_address, i.e.
 * LOAD_PHYSICAL_ADDR): the per-CPU segment has virtual address 0 but a real physical one, so
 * p_vaddr cannot be used. Each segment is checked to lie inside the decoded ELF and inside the
 * allocation; the bytes past p_filesz up to p_memsz are zeroed. The entry point is e_entry
 * (physical: the linker script's ENTRY(phys_startup_64)) relative to the same base.
 *
 * Addresses are 32-bit: the kernel's image is below 1 GiB of size and linked below 4 GiB.
 */

import { uint32AtMost, uint32Below } from '../efi/address';
import { EFI_LOAD_ERROR, EFI_UNSUPPORTED } from '../efi/status';
import { fail, logAppendDecimal, logAppendHex, logAppendText, logFinish, logStart } from '../log';
import { kernelImage, kernelImageSize } from './kernel-decompress';
import { placementAddress, placementSize } from './placement';
import { setupValue, SETUP_PREF_ADDRESS } from './setup-header';
import { bytesRead16, bytesRead32 } from '../bytes';

export const ELF_MAX_SEGMENTS = 16;
const ELF_HEADER_SIZE = 64;
const ELF_PROGRAM_HEADER_SIZE = 56;
const PT_LOAD = 1;
const PF_X = 1;
const EM_X86_64 = 62;
const ET_EXEC = 2;
/** __START_KERNEL_map: kernel virtual address of physical 0 (arch/x86/include/asm/page_64_types.h). */
export const START_KERNEL_MAP_LO = 0x80000000;

// Per PT_LOAD segment, in table order: file offset, offset from pref_address, file size, memory size.
export const elfSegmentFileOffset = new Uint32Array(new ArrayBuffer(ELF_MAX_SEGMENTS * 4));
export const elfSegmentOffset = new Uint32Array(new ArrayBuffer(ELF_MAX_SEGMENTS * 4));
export const elfSegmentFileSize = new Uint32Array(new ArrayBuffer(ELF_MAX_SEGMENTS * 4));
const elfSegmentMemorySize = new Uint32Array(new ArrayBuffer(ELF_MAX_SEGMENTS * 4));
let elfSegmentCount = 0;
// [0] entry offset, [1] end of the ELF file, [2] memory span, [3] text offset, [4] text size.
const elfState = new Uint32Array(new ArrayBuffer(20));

export function elfSegments(): number {
  return elfSegmentCount;
}
export function elfEntryOffset(): number {
  return elfState[0] >>> 0;
}
/** Where the ELF file ends inside the decoded payload: the relocation table follows. */
export function elfFileEnd(): number {
  return elfState[1] >>> 0;
}
/** Bytes from pref_address to the end of the last segment in memory. */
export function elfMemorySpan(): number {
  return elfState[2] >>> 0;
}
export function elfTextOffset(): number {
  return elfState[3] >>> 0;
}
export function elfTextSize(): number {
  return elfState[4] >>> 0;
}

export function elfRead32(offset: number): number {
  return bytesRead32(kernelImage, offset);
}
function elfRead16(offset: number): number {
  return bytesRead16(kernelImage, offset);
}

function elfBad(reason: string): number {
  return fail(EFI_LOAD_ERROR, 'elf', reason);
}

/** Advances elfState[1] to cover [offset, offset + length); false when that overflows. */
function elfCover(offset: number, length: number): boolean {
  const end = (offset + length) >>> 0;
  if (uint32Below(end, offset)) {
    return false;
  }
  if (uint32Below(elfState[1], end)) {
    elfState[1] = end;
  }
  return true;
}

/** Parses and checks the ELF header and program headers of the decoded kernel. */
export function elfParse(): number {
  const size = kernelImageSize();
  elfSegmentCount = 0;
  elfState[1] = 0;
  elfState[2] = 0;
  elfState[4] = 0;
  if (uint32Below(size, ELF_HEADER_SIZE) || elfRead32(0) !== 0x464c457f) {
    return elfBad('the decompressed kernel is not an ELF file');
  }
  // EI_CLASS 2 (64-bit), EI_DATA 1 (little-endian), e_type EXEC, e_machine x86-64.
  if (kernelImage[4] !== 2 || kernelImage[5] !== 1 || elfRead16(16) !== ET_EXEC || elfRead16(18) !== EM_X86_64) {
    return fail(EFI_UNSUPPORTED, 'elf', 'the decompressed kernel is not an x86-64 ELF64 executable');
  }
  const pref = setupValue(SETUP_PREF_ADDRESS);
  const phoff = elfRead32(0x20);
  const shoff = elfRead32(0x28);
  const phentsize = elfRead16(0x36);
  const phnum = elfRead16(0x38);
  const shentsize = elfRead16(0x3a);
  const shnum = elfRead16(0x3c);
  if (elfRead32(0x24) !== 0 || elfRead32(0x2c) !== 0 || phentsize !== ELF_PROGRAM_HEADER_SIZE || phnum === 0) {
    return elfBad('bad ELF program header table');
  }
  if (!elfCover(0, ELF_HEADER_SIZE) || !elfCover(phoff, Math.imul(phnum, phentsize)) ||
    !elfCover(shoff, Math.imul(shnum, shentsize))) {
    return elfBad('ELF tables overflow');
  }
  if (uint32Below(size, elfState[1])) {
    return elfBad('ELF program or section headers lie past the decompressed data');
  }
  for (let index = 0; index < phnum; index = (index + 1) | 0) {
    const header = (phoff + Math.imul(index, ELF_PROGRAM_HEADER_SIZE)) >>> 0;
    if (elfRead32(header) !== PT_LOAD) {
      continue;
    }
    if (elfSegmentCount === ELF_MAX_SEGMENTS) {
      return elfBad('more than 16 PT_LOAD segments');
    }
    const flags = elfRead32((header + 4) | 0);
    const fileOffset = elfRead32((header + 8) | 0);
    const physical = elfRead32((header + 24) | 0);
    const fileSize = elfRead32((header + 32) | 0);
    const memorySize = elfRead32((header + 40) | 0);
    if (
      elfRead32((header + 12) | 0) !== 0 || elfRead32((header + 28) | 0) !== 0 ||
      elfRead32((header + 36) | 0) !== 0 || elfRead32((header + 44) | 0) !== 0
    ) {
      return elfBad('a PT_LOAD segment has a 64-bit offset, address or size');
    }
    if (uint32Below(memorySize, fileSize) || !elfCover(fileOffset, fileSize) || uint32Below(size, elfState[1])) {
      return elfBad('a PT_LOAD segment lies past the decompressed data');
    }
    const offset = (physical - pref) >>> 0;
    const end = (offset + memorySize) >>> 0;
    if (uint32Below(physical, pref) || uint32Below(end, offset) || uint32Below(placementSize(), end)) {
      return elfBad('a PT_LOAD segment lies outside the kernel\'s memory (init_size)');
    }
    elfSegmentFileOffset[elfSegmentCount] = fileOffset;
    elfSegmentOffset[elfSegmentCount] = offset;
    elfSegmentFileSize[elfSegmentCount] = fileSize;
    elfSegmentMemorySize[elfSegmentCount] = memorySize;
    elfSegmentCount = (elfSegmentCount + 1) | 0;
    if (uint32Below(elfState[2], end)) {
      elfState[2] = end;
    }
    if ((flags & PF_X) !== 0 && elfState[4] === 0) {
      elfState[3] = offset;
      elfState[4] = memorySize;
    }
  }
  if (elfSegmentCount === 0) {
    return elfBad('no PT_LOAD segment');
  }
  // e_entry: physical (ENTRY(phys_startup_64)); a virtual one in the kernel map is accepted too.
  let entry = elfRead32(0x18);
  const entryHi = elfRead32(0x1c);
  if (entryHi === 0xffffffff && uint32AtMost(START_KERNEL_MAP_LO, entry)) {
    entry = (entry - START_KERNEL_MAP_LO) >>> 0;
  } else if (entryHi !== 0) {
    return elfBad('the entry point is not a kernel address');
  }
  const entryOffset = (entry - pref) >>> 0;
  if (uint32Below(entry, pref) || !uint32Below(entryOffset, elfState[2])) {
    return elfBad('the entry point lies outside the kernel');
  }
  elfState[0] = entryOffset;
  logStart('elf');
  logAppendDecimal(elfSegmentCount);
  logAppendText(' PT_LOAD segments, span ');
  logAppendHex(elfState[2]);
  logAppendText(', entry +');
  logAppendHex(entryOffset);
  logAppendText(', ELF ends at ');
  logAppendHex(elfState[1]);
  logAppendText(' of ');
  logAppendHex(size);
  logFinish();
  return 0;
}

/** Copies every PT_LOAD segment to the kernel's memory and zeroes its tail (.bss). */
export function elfCopySegments(): number {
  const base = placementAddress();
  for (let index = 0; index < elfSegmentCount; index = (index + 1) | 0) {
    const destination = (base + elfSegmentOffset[index]) >>> 0;
    const fileSize = elfSegmentFileSize[index] >>> 0;
    let status = hostHeapToPhys(destination, 0, kernelImage, elfSegmentFileOffset[index], fileSize) >>> 0;
    if (status === 0 && fileSize !== (elfSegmentMemorySize[index] >>> 0)) {
      status = hostPhysFill((destination + fileSize) >>> 0, 0, 0, (elfSegmentMemorySize[index] - fileSize) >>> 0) >>> 0;
    }
    if (status !== 0) {
      return fail(status, 'elf', 'failed to copy a segment into the kernel\'s memory');
    }
  }
  return 0;
}
