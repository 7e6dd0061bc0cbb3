/**
 * @fileoverview Boot step 9a: the e820 table from the final EFI memory map.
 *
 * Types follow what the Linux stub does (drivers/firmware/efi/libstub/x86-stub.c, setup_e820):
 * memory the OS owns after ExitBootServices (loader and boot-services code/data, conventional)
 * is RAM; ACPI reclaim is ACPI; ACPI NVS is NVS; unusable is UNUSABLE; persistent memory is
 * PMEM; unaccepted memory is RAM in whole 2 MiB units, marked in the unaccepted-memory table
 * the kernel accepts from (e820AddUnaccepted); everything else (reserved, runtime services, MMIO, PAL) is RESERVED.
 * Adjacent ranges of the same type are merged. The first 128 entries go to boot_params'
 * e820_table, the rest to a SETUP_E820_EXT setup_data node allocated before ExitBootServices.
 * Runs after ExitBootServices: it calls no firmware function and allocates nothing.
 */

import { uint32Below } from '../efi/address';
import {
  memoryMapCount, memoryMapEndHi, memoryMapEndLo, memoryMapSizeHi, memoryMapSizeLo, memoryMapStartHi, memoryMapStartLo,
  memoryMapType,
} from '../efi/memory-map';
import {
  EFI_ACPI_MEMORY_NVS, EFI_ACPI_RECLAIM_MEMORY, EFI_BOOT_SERVICES_CODE, EFI_BOOT_SERVICES_DATA,
  EFI_CONVENTIONAL_MEMORY, EFI_LOADER_CODE, EFI_LOADER_DATA, EFI_PERSISTENT_MEMORY, EFI_UNACCEPTED_MEMORY_TYPE,
  EFI_UNUSABLE_MEMORY,
} from '../efi/tables';
import { EFI_BUFFER_TOO_SMALL } from '../efi/status';
import {
  bootParams, bootParamsSetupDataAddress, bootParamsWrite32, bootParamsWrite8, BP_E820_ENTRIES, BP_E820_MAX,
  BP_E820_TABLE, SETUP_DATA_HEADER, SETUP_DATA_PAGES, SETUP_E820_EXT,
} from './boot-params';
import { HDR_SETUP_DATA } from './setup-header';
import {
  unacceptedMark, unacceptedUnitAddressHi, unacceptedUnitAddressLo, unacceptedUnitDown, unacceptedUnitUp,
} from './unaccepted-memory';
import { bytesWrite32 } from '../bytes';

export const E820_RAM = 1;
export const E820_RESERVED = 2;
export const E820_ACPI = 3;
export const E820_NVS = 4;
export const E820_UNUSABLE = 5;
export const E820_PMEM = 7;
const E820_ENTRY_SIZE = 20;
/** Entries the setup_data pages hold beyond the 128 of boot_params. */
export const E820_EXT_CAPACITY = (((SETUP_DATA_PAGES << 12) - SETUP_DATA_HEADER) / E820_ENTRY_SIZE) | 0;
export const E820_CAPACITY = BP_E820_MAX + E820_EXT_CAPACITY;

// Entries: [4 × i] start lo, start hi, size lo, size hi; e820Types[i].
const e820Ranges = new Uint32Array(new ArrayBuffer(E820_CAPACITY * 16));
const e820Types = new Uint8Array(new ArrayBuffer(E820_CAPACITY));
let e820Count = 0;
const e820SetupData = new Uint8Array(new ArrayBuffer(SETUP_DATA_PAGES << 12));

export function e820Type(efiType: number): number {
  switch (efiType) {
    case EFI_LOADER_CODE:
    case EFI_LOADER_DATA:
    case EFI_BOOT_SERVICES_CODE:
    case EFI_BOOT_SERVICES_DATA:
    case EFI_CONVENTIONAL_MEMORY:
    case EFI_UNACCEPTED_MEMORY_TYPE:
      return E820_RAM;
    case EFI_ACPI_RECLAIM_MEMORY:
      return E820_ACPI;
    case EFI_ACPI_MEMORY_NVS:
      return E820_NVS;
    case EFI_UNUSABLE_MEMORY:
      return E820_UNUSABLE;
    case EFI_PERSISTENT_MEMORY:
      return E820_PMEM;
  }
  return E820_RESERVED;
}

export function e820Entries(): number {
  return e820Count;
}

function e820Store(bytes: Uint8Array, offset: number, entry: number): void {
  const at = entry << 2;
  bytesWrite32(bytes, offset, e820Ranges[at]);
  bytesWrite32(bytes, (offset + 4) | 0, e820Ranges[(at + 1) | 0]);
  bytesWrite32(bytes, (offset + 8) | 0, e820Ranges[(at + 2) | 0]);
  bytesWrite32(bytes, (offset + 12) | 0, e820Ranges[(at + 3) | 0]);
  bytesWrite32(bytes, (offset + 16) | 0, e820Types[entry]);
}

/** Appends a range, merged into the previous entry when it continues it with the same type. */
function e820Add(startLo: number, startHi: number, sizeLo: number, sizeHi: number, type: number): number {
  if (((sizeLo | sizeHi) | 0) === 0) {
    return 0;
  }
  if (e820Count > 0) {
    const last = ((e820Count - 1) << 2) | 0;
    const endLo = (e820Ranges[last] + e820Ranges[(last + 2) | 0]) >>> 0;
    const carry = uint32Below(endLo, e820Ranges[last]) ? 1 : 0;
    const endHi = (e820Ranges[(last + 1) | 0] + e820Ranges[(last + 3) | 0] + carry) >>> 0;
    if (e820Types[(e820Count - 1) | 0] === type && endLo === startLo && endHi === startHi) {
      const mergedLo = (e820Ranges[(last + 2) | 0] + sizeLo) >>> 0;
      const mergedCarry = uint32Below(mergedLo, sizeLo) ? 1 : 0;
      e820Ranges[(last + 2) | 0] = mergedLo;
      e820Ranges[(last + 3) | 0] = (e820Ranges[(last + 3) | 0] + sizeHi + mergedCarry) >>> 0;
      return 0;
    }
  }
  if (e820Count === E820_CAPACITY) {
    return EFI_BUFFER_TOO_SMALL;
  }
  const at = e820Count << 2;
  e820Ranges[at] = startLo;
  e820Ranges[(at + 1) | 0] = startHi;
  e820Ranges[(at + 2) | 0] = sizeLo;
  e820Ranges[(at + 3) | 0] = sizeHi;
  e820Types[e820Count] = type;
  e820Count = (e820Count + 1) | 0;
  return 0;
}

/** e820Add for [start, end) given as two addresses. */
function e820AddBetween(startLo: number, startHi: number, endLo: number, endHi: number, type: number): number {
  const borrow = uint32Below(endLo, startLo) ? 1 : 0;
  return e820Add(startLo, startHi, (endLo - startLo) >>> 0, (endHi - startHi - borrow) >>> 0, type);
}

/**
 * An EfiUnacceptedMemoryType range: the whole 2 MiB units inside it are RAM, marked unaccepted
 * in the table the kernel gets (stub-src/boot/unaccepted-memory.ts), which it accepts before
 * use. The stub cannot accept memory itself (that takes TDX or SNP calls), so the parts of
 * partial units at either end, which the bitmap cannot describe, are left RESERVED: at most
 * 2 MiB lost at each end, never unaccepted memory handed over as accepted.
 */
function e820AddUnaccepted(startLo: number, startHi: number, endLo: number, endHi: number): number {
  const firstUnit = unacceptedUnitUp(startLo, startHi);
  const endUnit = unacceptedUnitDown(endLo, endHi);
  if (!uint32Below(firstUnit, endUnit) || !unacceptedMark(firstUnit, endUnit)) {
    return e820AddBetween(startLo, startHi, endLo, endHi, E820_RESERVED);
  }
  const bodyStartLo = unacceptedUnitAddressLo(firstUnit);
  const bodyStartHi = unacceptedUnitAddressHi(firstUnit);
  const bodyEndLo = unacceptedUnitAddressLo(endUnit);
  const bodyEndHi = unacceptedUnitAddressHi(endUnit);
  let status = e820AddBetween(startLo, startHi, bodyStartLo, bodyStartHi, E820_RESERVED);
  if (status === 0) status = e820AddBetween(bodyStartLo, bodyStartHi, bodyEndLo, bodyEndHi, E820_RAM);
  if (status === 0) status = e820AddBetween(bodyEndLo, bodyEndHi, endLo, endHi, E820_RESERVED);
  return status;
}

/**
 * Converts the final memory map into boot_params (and setup_data beyond 128 entries). Returns
 * EFI_BUFFER_TOO_SMALL when even the setup_data pages cannot hold the merged map.
 */
export function e820Build(): number {
  e820Count = 0;
  const count = memoryMapCount();
  for (let index = 0; index < count; index = (index + 1) | 0) {
    const efiType = memoryMapType(index);
    const startLo = memoryMapStartLo(index);
    const startHi = memoryMapStartHi(index);
    let status = 0;
    if (efiType === EFI_UNACCEPTED_MEMORY_TYPE) {
      status = e820AddUnaccepted(startLo, startHi, memoryMapEndLo(index), memoryMapEndHi(index));
    } else {
      status = e820Add(startLo, startHi, memoryMapSizeLo(index), memoryMapSizeHi(index), e820Type(efiType));
    }
    if (status !== 0) {
      return status;
    }
  }
  let inTable = e820Count;
  if (inTable > BP_E820_MAX) {
    inTable = BP_E820_MAX;
  }
  for (let entry = 0; entry < inTable; entry = (entry + 1) | 0) {
    e820Store(bootParams, (BP_E820_TABLE + Math.imul(entry, E820_ENTRY_SIZE)) | 0, entry);
  }
  bootParamsWrite8(BP_E820_ENTRIES, inTable);
  if (e820Count > BP_E820_MAX) {
    const extra = (e820Count - BP_E820_MAX) | 0;
    // setup_data: next (u64) = 0, type (u32), len (u32), then the entries.
    for (let index = 0; index < SETUP_DATA_HEADER; index = (index + 1) | 0) {
      e820SetupData[index] = 0;
    }
    bytesWrite32(e820SetupData, 8, SETUP_E820_EXT);
    bytesWrite32(e820SetupData, 12, Math.imul(extra, E820_ENTRY_SIZE));
    for (let entry = 0; entry < extra; entry = (entry + 1) | 0) {
      e820Store(e820SetupData, (SETUP_DATA_HEADER + Math.imul(entry, E820_ENTRY_SIZE)) | 0, (BP_E820_MAX + entry) | 0);
    }
    const address = bootParamsSetupDataAddress();
    const status = hostHeapToPhys(address, 0, e820SetupData, 0, (SETUP_DATA_HEADER + Math.imul(extra, E820_ENTRY_SIZE)) | 0) >>> 0;
    if (status !== 0) {
      return status;
    }
    bootParamsWrite32(HDR_SETUP_DATA, address);
    bootParamsWrite32((HDR_SETUP_DATA + 4) | 0, 0);
  }
  return 0;
}
