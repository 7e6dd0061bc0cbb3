/**
 * @fileoverview Boot step: unaccepted memory (UEFI 2.9+ EfiUnacceptedMemoryType, used by TDX and
 * SEV-SNP guests whose firmware leaves memory for the OS to accept on first use).
 *
 * The firmware accepts whatever it allocates, so the stub's own memory and the kernel's are
 * accepted. The rest is the kernel's to accept, which Linux supports from 6.5 on
 * (arch/x86 "unaccepted memory", drivers/firmware/efi/unaccepted_memory.c): it expects the EFI
 * stub to install LINUX_EFI_UNACCEPTED_MEM_TABLE, a bitmap of 2 MiB units still unaccepted,
 * and to pass that memory as RAM in e820. Layout (include/linux/efi.h struct
 * efi_unaccepted_memory): u32 version = 1, u32 unit_size, u64 phys_base, u64 size (bitmap
 * bytes), then the bitmap, bit n covering [phys_base + n·unit_size, +unit_size).
 *
 * The table is sized here, before ExitBootServices, for the span of the unaccepted ranges in
 * the current map, allocated, and installed in the configuration table; the bits are set
 * from the final map by the e820 step (ranges only shrink as the firmware accepts memory), and
 * the bitmap is written out then.
 *
 * Kernels before 6.5 know nothing of it: they would use unaccepted memory as if it were
 * accepted, and the guest dies on first touch. The rule that tells them apart is the kernel's
 * version string (setup header kernel_version, boot.rst: a pointer, less 0x200, to a
 * NUL-terminated string that starts with the release): a release below 6.5, or no string at
 * all, is refused when the map holds unaccepted memory.
 */

import { addressPlusHi, addressPlusLo, uint32Below } from '../efi/address';
import { bootServicesCall, bootServicesResult, efiArgument, efiArgumentGuid, BOOT_RESULT_ADDRESS_LO } from '../efi/boot-services';
import {
  LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_0, LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_1, LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_2,
  LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_3,
} from '../efi/guids';
import {
  memoryMapCount, memoryMapEndHi, memoryMapEndLo, memoryMapFetch, memoryMapStartHi, memoryMapStartLo, memoryMapType,
} from '../efi/memory-map';
import { EFI_UNSUPPORTED } from '../efi/status';
import {
  ALLOCATE_MAX_ADDRESS, BOOT_SERVICES_INSTALL_CONFIGURATION_TABLE, EFI_LOADER_DATA, EFI_PAGE_SHIFT,
  EFI_UNACCEPTED_MEMORY_TYPE,
} from '../efi/tables';
import { fail, logAppendDecimal, logAppendHex, logAppendText, logFinish, logStart } from '../log';
import { bootAllocatePages } from './allocations';
import { imageKernelHi, imageKernelLo, imageKernelSize } from './image-sections';
import { setupRead16 } from './setup-header';
import { bytesWrite32 } from '../bytes';

/** The bitmap's unit: 2 MiB, the kernel's PMD size, as the Linux stub uses. */
export const UNACCEPTED_UNIT_SHIFT = 21;
export const UNACCEPTED_TABLE_HEADER = 24;
/** The first Linux release that accepts memory itself (6.5). */
export const UNACCEPTED_MIN_MAJOR = 6;
export const UNACCEPTED_MIN_MINOR = 5;
const HDR_KERNEL_VERSION = 0x20e;

// [0] table address (0: none), [1] first unit (phys_base >> 21), [2] units covered, [3] bits set.
const unacceptedState = new Uint32Array(new ArrayBuffer(16));
let unacceptedBitmap = new Uint8Array(new ArrayBuffer(8));
const unacceptedVersion = new Uint8Array(new ArrayBuffer(16));

/** The first whole unit at or above (lo, hi): ⌈address / 2 MiB⌉ (addresses below 2^53). */
export function unacceptedUnitUp(lo: number, hi: number): number {
  const down = ((lo >>> UNACCEPTED_UNIT_SHIFT) | (hi << (32 - UNACCEPTED_UNIT_SHIFT))) >>> 0;
  return (lo & ((1 << UNACCEPTED_UNIT_SHIFT) - 1)) !== 0 ? (down + 1) >>> 0 : down;
}
/** ⌊address / 2 MiB⌋. */
export function unacceptedUnitDown(lo: number, hi: number): number {
  return ((lo >>> UNACCEPTED_UNIT_SHIFT) | (hi << (32 - UNACCEPTED_UNIT_SHIFT))) >>> 0;
}
export function unacceptedUnitAddressLo(unit: number): number {
  return (unit << UNACCEPTED_UNIT_SHIFT) >>> 0;
}
export function unacceptedUnitAddressHi(unit: number): number {
  return unit >>> (32 - UNACCEPTED_UNIT_SHIFT);
}

/**
 * Marks units [first, end) unaccepted in the bitmap; false when no table was planned or the
 * range lies outside it (the caller then leaves the memory out of e820).
 */
export function unacceptedMark(first: number, end: number): boolean {
  const base = unacceptedState[1] >>> 0;
  const units = unacceptedState[2] >>> 0;
  if (unacceptedState[0] === 0 || uint32Below(first, base) || uint32Below((base + units) >>> 0, end)) {
    return false;
  }
  for (let unit = first; uint32Below(unit, end); unit = (unit + 1) >>> 0) {
    const bit = (unit - base) >>> 0;
    const at = (UNACCEPTED_TABLE_HEADER + (bit >>> 3)) | 0;
    unacceptedBitmap[at] = unacceptedBitmap[at] | (1 << (bit & 7));
    unacceptedState[3] = (unacceptedState[3] + 1) >>> 0;
  }
  return true;
}

/** The kernel's release from its version string: major * 256 + minor, or -1 when unknown. */
function unacceptedKernelRelease(): number {
  const pointer = setupRead16(HDR_KERNEL_VERSION);
  if (pointer === 0) {
    return -1;
  }
  const offset = (pointer + 0x200) | 0;
  if (!uint32Below((offset + 16) >>> 0, imageKernelSize())) {
    return -1;
  }
  if ((hostPhysToHeap(unacceptedVersion, 0, addressPlusLo(imageKernelLo(), offset),
    addressPlusHi(imageKernelLo(), imageKernelHi(), offset), 16) >>> 0) !== 0) {
    return -1;
  }
  let major = 0;
  let minor = 0;
  let position = 0;
  while (position < 16 && unacceptedVersion[position] >= 0x30 && unacceptedVersion[position] <= 0x39) {
    major = (Math.imul(major, 10) + unacceptedVersion[position] - 0x30) | 0;
    position = (position + 1) | 0;
  }
  if (position === 0 || position >= 15 || unacceptedVersion[position] !== 0x2e) {
    return -1;
  }
  position = (position + 1) | 0;
  const minorStart = position;
  while (position < 16 && unacceptedVersion[position] >= 0x30 && unacceptedVersion[position] <= 0x39) {
    minor = (Math.imul(minor, 10) + unacceptedVersion[position] - 0x30) | 0;
    position = (position + 1) | 0;
  }
  if (position === minorStart || major > 255 || minor > 255) {
    return -1;
  }
  return ((major << 8) | minor) | 0;
}

/**
 * Looks for unaccepted memory; when there is some, refuses a kernel too old for it, or sizes,
 * allocates and installs the table (bits set later, from the final map, by e820Build).
 */
export function unacceptedMemoryPlan(): number {
  unacceptedState[0] = 0;
  unacceptedState[3] = 0;
  let status = memoryMapFetch();
  if (status !== 0) {
    return status;
  }
  const count = memoryMapCount();
  let firstUnit = 0;
  let endUnit = 0;
  let ranges = 0;
  for (let index = 0; index < count; index = (index + 1) | 0) {
    if (memoryMapType(index) !== EFI_UNACCEPTED_MEMORY_TYPE) {
      continue;
    }
    const first = unacceptedUnitDown(memoryMapStartLo(index), memoryMapStartHi(index));
    const end = unacceptedUnitUp(memoryMapEndLo(index), memoryMapEndHi(index));
    if (ranges === 0 || uint32Below(first, firstUnit)) firstUnit = first;
    if (ranges === 0 || uint32Below(endUnit, end)) endUnit = end;
    ranges = (ranges + 1) | 0;
  }
  if (ranges === 0) {
    return 0;
  }
  const release = unacceptedKernelRelease();
  logStart('unaccepted-memory');
  logAppendDecimal(ranges);
  logAppendText(' range(s) of unaccepted memory, units ');
  logAppendHex(firstUnit);
  logAppendText(' to ');
  logAppendHex(endUnit);
  logAppendText(' of 2 MiB; kernel release ');
  if (release < 0) {
    logAppendText('unknown');
  } else {
    logAppendDecimal(release >> 8);
    logAppendText('.');
    logAppendDecimal(release & 0xff);
  }
  logFinish();
  if (release < ((UNACCEPTED_MIN_MAJOR << 8) | UNACCEPTED_MIN_MINOR)) {
    return fail(EFI_UNSUPPORTED, 'unaccepted-memory',
      'the firmware left memory unaccepted and the kernel predates Linux 6.5, which accepts memory itself');
  }
  const units = (endUnit - firstUnit) >>> 0;
  // Whole 64-bit words of bitmap, as the kernel reads it as unsigned longs.
  const bitmapBytes = (((units + 63) >>> 6) << 3) >>> 0;
  if (uint32Below(0x1000000, bitmapBytes)) {
    return fail(EFI_UNSUPPORTED, 'unaccepted-memory', 'the unaccepted ranges span more than the bitmap handles (8 PiB)');
  }
  const tableBytes = (UNACCEPTED_TABLE_HEADER + bitmapBytes) >>> 0;
  const pages = ((tableBytes + 0xfff) >>> EFI_PAGE_SHIFT) >>> 0;
  status = bootAllocatePages(ALLOCATE_MAX_ADDRESS, EFI_LOADER_DATA, pages, 0xffffffff, 0);
  if (status !== 0) {
    return fail(status, 'unaccepted-memory', 'failed to allocate the unaccepted-memory table');
  }
  const table = bootServicesResult(BOOT_RESULT_ADDRESS_LO);
  // The heap copy is laid out like the table: header (version 1, unit size, phys_base, size),
  // then the bitmap, all zero until e820Build marks the final map's unaccepted units.
  unacceptedBitmap = new Uint8Array(new ArrayBuffer(tableBytes));
  bytesWrite32(unacceptedBitmap, 0, 1);
  bytesWrite32(unacceptedBitmap, 4, 1 << UNACCEPTED_UNIT_SHIFT);
  bytesWrite32(unacceptedBitmap, 8, unacceptedUnitAddressLo(firstUnit));
  bytesWrite32(unacceptedBitmap, 12, unacceptedUnitAddressHi(firstUnit));
  bytesWrite32(unacceptedBitmap, 16, bitmapBytes);
  if (status === 0) {
    status = hostHeapToPhys(table, 0, unacceptedBitmap, 0, tableBytes) >>> 0;
  }
  if (status === 0) {
    status = efiArgumentGuid(0, LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_0, LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_1,
      LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_2, LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_3);
  }
  if (status === 0) {
    efiArgument(1, table, 0);
    status = bootServicesCall(BOOT_SERVICES_INSTALL_CONFIGURATION_TABLE, 2);
  }
  if (status !== 0) {
    return fail(status, 'unaccepted-memory', 'failed to install the unaccepted-memory table');
  }
  unacceptedState[0] = table;
  unacceptedState[1] = firstUnit;
  unacceptedState[2] = units;
  return 0;
}

/** Removes the table from the configuration table again (a boot that failed before the exit). */
export function unacceptedMemoryRelease(): void {
  if (unacceptedState[0] === 0) {
    return;
  }
  if (efiArgumentGuid(0, LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_0, LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_1,
    LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_2, LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID_3) === 0) {
    efiArgument(1, 0, 0);
    bootServicesCall(BOOT_SERVICES_INSTALL_CONFIGURATION_TABLE, 2);
  }
  unacceptedState[0] = 0;
}

/** Writes the bitmap the e820 step filled to the installed table (after ExitBootServices). */
export function unacceptedMemoryCommit(): number {
  if (unacceptedState[0] === 0) {
    return 0;
  }
  return hostHeapToPhys(unacceptedState[0], 0, unacceptedBitmap, 0, unacceptedBitmap.length) >>> 0;
}
