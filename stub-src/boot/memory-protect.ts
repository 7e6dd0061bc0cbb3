/**
 * @fileoverview Boot step 7: the kernel's text made read-only and executable.
 *
 * Firmware that implements EFI_MEMORY_ATTRIBUTE_PROTOCOL (UEFI 2.10 §37.7) may map fresh
 * allocations non-executable; the kernel's startup code then faults on its first instruction.
 * Where the protocol exists the stub clears EFI_MEMORY_XP and sets EFI_MEMORY_RO on the text
 * segment (the first executable PT_LOAD, page-rounded), as the Linux stub does for
 * _text.._etext. Without the protocol the kernel's pages keep the attributes of EfiLoaderCode,
 * which such firmware maps executable (OVMF 2022.11 has no protocol and maps them RWX). When
 * the firmware has DXE services instead, ranges the GCD marks read-only or non-executable are
 * made executable through them (memoryProtectThroughDxe), as the Linux stub does.
 */

import { readField32, uint32Below } from '../efi/address';
import {
  bootServicesResult, efiArgument, efiArgumentScratch, efiCallSlot, locateProtocol, scratchRead32,
  BOOT_RESULT_ADDRESS_HI, BOOT_RESULT_ADDRESS_LO,
} from '../efi/boot-services';
import { configTableFind, configTableFoundHi, configTableFoundLo } from '../efi/config-table';
import {
  DXE_SERVICES_TABLE_GUID_0, DXE_SERVICES_TABLE_GUID_1, DXE_SERVICES_TABLE_GUID_2, DXE_SERVICES_TABLE_GUID_3,
  MEMORY_ATTRIBUTE_PROTOCOL_GUID_0, MEMORY_ATTRIBUTE_PROTOCOL_GUID_1, MEMORY_ATTRIBUTE_PROTOCOL_GUID_2,
  MEMORY_ATTRIBUTE_PROTOCOL_GUID_3,
} from '../efi/guids';
import { EFI_MEMORY_RO, EFI_MEMORY_WB, EFI_MEMORY_XP } from '../efi/tables';
import { fail, logAppendDecimal, logAppendHex, logAppendText, logFinish, logStart, logText } from '../log';
import { elfTextOffset, elfTextSize } from './elf-load';
import { placementAddress } from './placement';

/** EFI_MEMORY_ATTRIBUTE_PROTOCOL: GetMemoryAttributes, SetMemoryAttributes, ClearMemoryAttributes. */
const MEMORY_ATTRIBUTE_SET = 8;
const MEMORY_ATTRIBUTE_CLEAR = 16;

function memoryAttributeCall(slot: number, protocolLo: number, protocolHi: number, start: number, length: number,
  attributes: number): number {
  efiArgument(0, protocolLo, protocolHi);
  efiArgument(1, start, 0);
  efiArgument(2, length, 0);
  efiArgument(3, attributes, 0);
  return efiCallSlot(protocolLo, protocolHi, slot, 4);
}

// DXE services (UEFI PI 1.8 vol. 2 §7.2): the table's signature, two of its functions, and the
// GCD memory space descriptor they use.
const DXE_SERVICES_SIGNATURE_LO = 0x5f455844; // "DXE_"
const DXE_SERVICES_SIGNATURE_HI = 0x56524553; // "SERV"
const DXE_GET_MEMORY_SPACE_DESCRIPTOR = 56;
const DXE_SET_MEMORY_SPACE_ATTRIBUTES = 64;
const GCD_BASE_ADDRESS = 0;
const GCD_LENGTH = 8;
const GCD_ATTRIBUTES = 24;
const GCD_MEMORY_TYPE = 32;
// EFI_GCD_MEMORY_TYPE (PI vol. 2 §7.2.4): NonExistent 0, Reserved 1, SystemMemory 2, MemoryMappedIo 3, …
const GCD_MEMORY_TYPE_SYSTEM_MEMORY = 2;
/** The descriptor's place in the scratch page. */
const SCRATCH_GCD_DESCRIPTOR = 512;

/**
 * The fallback without the protocol, as the Linux stub's efi_adjust_memory_range_protection does
 * it: every GCD system-memory range the text overlaps that is read-only or non-executable gets
 * plain write-back attributes (executable, writable) through SetMemorySpaceAttributes. Returns
 * -1 when the firmware has no DXE services table, else a status.
 */
function memoryProtectThroughDxe(start: number, length: number): number {
  if (!configTableFind(DXE_SERVICES_TABLE_GUID_0, DXE_SERVICES_TABLE_GUID_1, DXE_SERVICES_TABLE_GUID_2,
    DXE_SERVICES_TABLE_GUID_3)) {
    return -1;
  }
  const tableLo = configTableFoundLo();
  const tableHi = configTableFoundHi();
  if (readField32(tableLo, tableHi, 0) !== DXE_SERVICES_SIGNATURE_LO || readField32(tableLo, tableHi, 4) !== DXE_SERVICES_SIGNATURE_HI) {
    logText('memory-attributes', 'ignoring a DXE services table with a bad signature');
    return -1;
  }
  const end = (start + length) >>> 0;
  let next = start;
  let changed = 0;
  while (uint32Below(next, end)) {
    efiArgument(0, next, 0);
    efiArgumentScratch(1, SCRATCH_GCD_DESCRIPTOR);
    let status = efiCallSlot(tableLo, tableHi, DXE_GET_MEMORY_SPACE_DESCRIPTOR, 2);
    if (status !== 0) {
      return fail(status, 'memory-attributes', 'GetMemorySpaceDescriptor failed for the kernel text');
    }
    const base = scratchRead32((SCRATCH_GCD_DESCRIPTOR + GCD_BASE_ADDRESS) | 0);
    const size = scratchRead32((SCRATCH_GCD_DESCRIPTOR + GCD_LENGTH) | 0);
    let rangeEnd = (base + size) >>> 0;
    if (scratchRead32((SCRATCH_GCD_DESCRIPTOR + GCD_BASE_ADDRESS + 4) | 0) !== 0 || uint32Below(next, base) ||
      !uint32Below(next, rangeEnd) || scratchRead32((SCRATCH_GCD_DESCRIPTOR + GCD_LENGTH + 4) | 0) !== 0) {
      // A range reaching 4 GiB or beyond covers the rest of the text.
      rangeEnd = end;
    }
    if (uint32Below(end, rangeEnd)) {
      rangeEnd = end;
    }
    const attributes = scratchRead32((SCRATCH_GCD_DESCRIPTOR + GCD_ATTRIBUTES) | 0);
    if (scratchRead32((SCRATCH_GCD_DESCRIPTOR + GCD_MEMORY_TYPE) | 0) === GCD_MEMORY_TYPE_SYSTEM_MEMORY &&
      (attributes & (EFI_MEMORY_RO | EFI_MEMORY_XP)) !== 0) {
      efiArgument(0, next, 0);
      efiArgument(1, (rangeEnd - next) >>> 0, 0);
      efiArgument(2, EFI_MEMORY_WB, 0);
      status = efiCallSlot(tableLo, tableHi, DXE_SET_MEMORY_SPACE_ATTRIBUTES, 3);
      if (status !== 0) {
        return fail(status, 'memory-attributes', 'SetMemorySpaceAttributes failed for the kernel text');
      }
      changed = (changed + 1) | 0;
    }
    next = rangeEnd;
  }
  logStart('memory-attributes');
  logAppendText('no EFI_MEMORY_ATTRIBUTE_PROTOCOL; DXE services: ');
  logAppendDecimal(changed);
  logAppendText(' range(s) of the kernel text made executable');
  logFinish();
  return 0;
}

/**
 * Makes the kernel text RO+X through the memory attribute protocol, when the firmware has it;
 * else executable through the DXE services, when it has those.
 */
export function memoryProtectKernel(): number {
  const start = (placementAddress() + elfTextOffset()) >>> 0;
  const length = ((elfTextSize() + 0xfff) & ~0xfff) >>> 0;
  if (locateProtocol(MEMORY_ATTRIBUTE_PROTOCOL_GUID_0, MEMORY_ATTRIBUTE_PROTOCOL_GUID_1,
    MEMORY_ATTRIBUTE_PROTOCOL_GUID_2, MEMORY_ATTRIBUTE_PROTOCOL_GUID_3) !== 0) {
    const status = memoryProtectThroughDxe(start, length);
    if (status === -1) {
      logText('memory-attributes', 'no EFI_MEMORY_ATTRIBUTE_PROTOCOL: kernel pages keep EfiLoaderCode attributes');
      return 0;
    }
    return status;
  }
  const protocolLo = bootServicesResult(BOOT_RESULT_ADDRESS_LO);
  const protocolHi = bootServicesResult(BOOT_RESULT_ADDRESS_HI);
  let status = memoryAttributeCall(MEMORY_ATTRIBUTE_CLEAR, protocolLo, protocolHi, start, length, EFI_MEMORY_XP);
  if (status !== 0) {
    return fail(status, 'memory-attributes', 'failed to make the kernel text executable');
  }
  status = memoryAttributeCall(MEMORY_ATTRIBUTE_SET, protocolLo, protocolHi, start, length, EFI_MEMORY_RO);
  if (status !== 0) {
    return fail(status, 'memory-attributes', 'failed to make the kernel text read-only');
  }
  logStart('memory-attributes');
  logAppendText('text ');
  logAppendHex(start);
  logAppendText(' size ');
  logAppendHex(length);
  logAppendText(' read-only, executable');
  logFinish();
  return 0;
}
