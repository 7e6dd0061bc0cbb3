/**
 * @fileoverview Thin typed wrappers over EFI_BOOT_SERVICES, the one place that knows the ABI.
 *
 * Like the Linux stub's efi_bs_call, every boot service the stub uses is called through
 * bootServicesCall(slot, argumentCount): it reads the function pointer from the boot services
 * table at the slot's offset (stub-src/efi/tables.ts, UEFI 2.10 §4.4) and calls it through
 * hostEfiCall with the arguments set by efiArgument() as (lo, hi) halves. Out-parameters point
 * into the host's scratch page (hostScratchAddress*), at the SCRATCH_* offsets below, and are
 * read back into a module-level result array read with bootServicesResult(BOOT_RESULT_*).
 * A GUID argument is written to the scratch page first: the firmware takes a pointer to it.
 *
 * bootServicesInit() runs first: it reads the system table the host was handed, checks both
 * table signatures, and remembers the boot services table. Each wrapper returns the firmware's
 * folded status (stub-src/efi/status.ts) and logs nothing: the caller knows what the call was for
 * and writes the message (the reason the Linux stub checks status on the spot).
 */

import { addressPlusHi, addressPlusLo, readField32, writeField64 } from './address';
import { guidWrite } from './guids';
import { EFI_INCOMPATIBLE_VERSION, EFI_INVALID_PARAMETER } from './status';
import {
  BOOT_SERVICES_ALLOCATE_PAGES, BOOT_SERVICES_ALLOCATE_POOL, BOOT_SERVICES_EXIT_BOOT_SERVICES,
  BOOT_SERVICES_FREE_PAGES, BOOT_SERVICES_FREE_POOL, BOOT_SERVICES_GET_MEMORY_MAP,
  BOOT_SERVICES_HANDLE_PROTOCOL, BOOT_SERVICES_LOCATE_PROTOCOL, BOOT_SERVICES_OPEN_PROTOCOL,
  BOOT_SERVICES_SIGNATURE_HI, BOOT_SERVICES_SIGNATURE_LO, SYSTEM_TABLE_BOOT_SERVICES,
  SYSTEM_TABLE_SIGNATURE_HI, SYSTEM_TABLE_SIGNATURE_LO, TABLE_HEADER_SIGNATURE,
} from './tables';

// Offsets of the out-parameters inside the host's scratch page.
export const SCRATCH_OUT_0 = 0;
export const SCRATCH_OUT_1 = 8;
export const SCRATCH_OUT_2 = 16;
export const SCRATCH_OUT_3 = 24;
export const SCRATCH_OUT_4 = 32;
/** Where a GUID argument is placed. */
export const SCRATCH_GUID = 64;

// Indices into the result array (bootServicesResult).
export const BOOT_RESULT_ADDRESS_LO = 0; // AllocatePages/AllocatePool/HandleProtocol/... output
export const BOOT_RESULT_ADDRESS_HI = 1;
export const BOOT_RESULT_MAP_SIZE = 2; // GetMemoryMap: bytes written, or bytes needed
export const BOOT_RESULT_MAP_KEY_LO = 3;
export const BOOT_RESULT_MAP_KEY_HI = 4;
export const BOOT_RESULT_DESCRIPTOR_SIZE = 5;
export const BOOT_RESULT_DESCRIPTOR_VERSION = 6;
export const BOOT_RESULT_COUNT = 8;

/** Most arguments of any boot service the stub calls (OpenProtocol has 6). */
export const EFI_CALL_MAX_ARGUMENTS = 10;

const efiCallHalves = new Uint32Array(new ArrayBuffer(80));
const bootResults = new Uint32Array(new ArrayBuffer(32));
/** [0..1] system table, [2..3] boot services table, [4..5] image handle. */
const firmwarePointers = new Uint32Array(new ArrayBuffer(24));

/** One result of the last wrapper call; `index` is a BOOT_RESULT_* constant. */
export function bootServicesResult(index: number): number {
  return bootResults[index] >>> 0;
}

export function systemTableLo(): number {
  return firmwarePointers[0] >>> 0;
}
export function systemTableHi(): number {
  return firmwarePointers[1] >>> 0;
}
export function bootServicesTableLo(): number {
  return firmwarePointers[2] >>> 0;
}
export function bootServicesTableHi(): number {
  return firmwarePointers[3] >>> 0;
}
export function imageHandleLo(): number {
  return firmwarePointers[4] >>> 0;
}
export function imageHandleHi(): number {
  return firmwarePointers[5] >>> 0;
}

/** Sets argument `index` (0-based) of the next bootServicesCall/efiCallPointer. */
export function efiArgument(index: number, lo: number, hi: number): void {
  efiCallHalves[index << 1] = lo >>> 0;
  efiCallHalves[((index << 1) + 1) | 0] = hi >>> 0;
}

/** Sets argument `index` to the address of `offset` inside the scratch page. */
export function efiArgumentScratch(index: number, offset: number): void {
  const lo = hostScratchAddressLo() >>> 0;
  const hi = hostScratchAddressHi() >>> 0;
  efiArgument(index, addressPlusLo(lo, offset), addressPlusHi(lo, hi, offset));
}

/** Reads the 32-bit word at `offset` of the scratch page. */
export function scratchRead32(offset: number): number {
  return readField32(hostScratchAddressLo() >>> 0, hostScratchAddressHi() >>> 0, offset);
}

/** Writes a 64-bit value at `offset` of the scratch page (an in/out parameter's input). */
export function scratchWrite64(offset: number, lo: number, hi: number): number {
  return writeField64(hostScratchAddressLo() >>> 0, hostScratchAddressHi() >>> 0, offset, lo, hi);
}

/** Copies a 64-bit out-parameter from the scratch page into the result array. */
function bootResultFromScratch(offset: number, indexLo: number, indexHi: number): void {
  bootResults[indexLo] = scratchRead32(offset);
  bootResults[indexHi] = scratchRead32((offset + 4) | 0);
}

/** Writes a GUID to the scratch page (SCRATCH_GUID) and sets argument `index` to point at it. */
export function efiArgumentGuid(index: number, word0: number, word1: number, word2: number, word3: number): number {
  const lo = hostScratchAddressLo() >>> 0;
  const hi = hostScratchAddressHi() >>> 0;
  const guidLo = addressPlusLo(lo, SCRATCH_GUID);
  const guidHi = addressPlusHi(lo, hi, SCRATCH_GUID);
  efiArgument(index, guidLo, guidHi);
  return guidWrite(guidLo, guidHi, word0, word1, word2, word3);
}

/** Calls the firmware function at (functionLo, functionHi) with the arguments set so far. */
export function efiCallPointer(functionLo: number, functionHi: number, argumentCount: number): number {
  if (((functionLo | functionHi) | 0) === 0) {
    return EFI_INVALID_PARAMETER;
  }
  return hostEfiCall(functionLo, functionHi, efiCallHalves, argumentCount) >>> 0;
}

/**
 * Calls the function pointer at byte `slot` of a table or protocol interface at (tableLo,
 * tableHi), with the arguments set so far.
 */
export function efiCallSlot(tableLo: number, tableHi: number, slot: number, argumentCount: number): number {
  return efiCallPointer(readField32(tableLo, tableHi, slot), readField32(tableLo, tableHi, (slot + 4) | 0), argumentCount);
}

/** Calls the boot service in `slot` (a BOOT_SERVICES_* offset) with the arguments set so far. */
export function bootServicesCall(slot: number, argumentCount: number): number {
  return efiCallSlot(firmwarePointers[2] >>> 0, firmwarePointers[3] >>> 0, slot, argumentCount);
}

/**
 * Reads the system table the host was handed and checks the system and boot services table
 * signatures (UEFI 2.10 §4.3, §4.4); EFI_INCOMPATIBLE_VERSION when either is wrong.
 */
export function bootServicesInit(): number {
  const tableLo = hostSystemTableLo() >>> 0;
  const tableHi = hostSystemTableHi() >>> 0;
  firmwarePointers[0] = tableLo;
  firmwarePointers[1] = tableHi;
  firmwarePointers[4] = hostImageHandleLo() >>> 0;
  firmwarePointers[5] = hostImageHandleHi() >>> 0;
  if (((tableLo | tableHi) | 0) === 0) {
    return EFI_INVALID_PARAMETER;
  }
  if (
    (readField32(tableLo, tableHi, TABLE_HEADER_SIGNATURE) | 0) !== (SYSTEM_TABLE_SIGNATURE_LO | 0) ||
    (readField32(tableLo, tableHi, (TABLE_HEADER_SIGNATURE + 4) | 0) | 0) !== (SYSTEM_TABLE_SIGNATURE_HI | 0)
  ) {
    return EFI_INCOMPATIBLE_VERSION;
  }
  const servicesLo = readField32(tableLo, tableHi, SYSTEM_TABLE_BOOT_SERVICES);
  const servicesHi = readField32(tableLo, tableHi, (SYSTEM_TABLE_BOOT_SERVICES + 4) | 0);
  if (((servicesLo | servicesHi) | 0) === 0) {
    return EFI_INVALID_PARAMETER;
  }
  if (
    (readField32(servicesLo, servicesHi, TABLE_HEADER_SIGNATURE) | 0) !== (BOOT_SERVICES_SIGNATURE_LO | 0) ||
    (readField32(servicesLo, servicesHi, (TABLE_HEADER_SIGNATURE + 4) | 0) | 0) !== (BOOT_SERVICES_SIGNATURE_HI | 0)
  ) {
    return EFI_INCOMPATIBLE_VERSION;
  }
  firmwarePointers[2] = servicesLo;
  firmwarePointers[3] = servicesHi;
  return 0;
}

/**
 * AllocatePages(Type, MemoryType, Pages, *Memory) (UEFI 2.10 §7.2.1). (addressLo, addressHi) is
 * the input for ALLOCATE_MAX_ADDRESS / ALLOCATE_ADDRESS; the allocated address is the result
 * BOOT_RESULT_ADDRESS_LO/HI.
 */
export function allocatePages(allocateType: number, memoryType: number, pages: number, addressLo: number, addressHi: number): number {
  const status = scratchWrite64(SCRATCH_OUT_0, addressLo, addressHi);
  if (status !== 0) {
    return status;
  }
  efiArgument(0, allocateType, 0);
  efiArgument(1, memoryType, 0);
  efiArgument(2, pages, 0);
  efiArgumentScratch(3, SCRATCH_OUT_0);
  const result = bootServicesCall(BOOT_SERVICES_ALLOCATE_PAGES, 4);
  bootResultFromScratch(SCRATCH_OUT_0, BOOT_RESULT_ADDRESS_LO, BOOT_RESULT_ADDRESS_HI);
  return result;
}

/** FreePages(Memory, Pages) (UEFI 2.10 §7.2.2). */
export function freePages(addressLo: number, addressHi: number, pages: number): number {
  efiArgument(0, addressLo, addressHi);
  efiArgument(1, pages, 0);
  return bootServicesCall(BOOT_SERVICES_FREE_PAGES, 2);
}

/**
 * GetMemoryMap(*MemoryMapSize, *MemoryMap, *MapKey, *DescriptorSize, *DescriptorVersion) (UEFI
 * 2.10 §7.2.3) into the buffer at (bufferLo, bufferHi) of `bufferSize` bytes. Results:
 * BOOT_RESULT_MAP_SIZE (written, or needed when the status is EFI_BUFFER_TOO_SMALL),
 * BOOT_RESULT_MAP_KEY_LO/HI, BOOT_RESULT_DESCRIPTOR_SIZE, BOOT_RESULT_DESCRIPTOR_VERSION.
 */
export function getMemoryMap(bufferLo: number, bufferHi: number, bufferSize: number): number {
  let status = scratchWrite64(SCRATCH_OUT_0, bufferSize, 0);
  if (status === 0) {
    status = scratchWrite64(SCRATCH_OUT_1, 0, 0);
  }
  if (status === 0) {
    status = scratchWrite64(SCRATCH_OUT_2, 0, 0);
  }
  if (status === 0) {
    status = scratchWrite64(SCRATCH_OUT_3, 0, 0);
  }
  if (status !== 0) {
    return status;
  }
  efiArgumentScratch(0, SCRATCH_OUT_0);
  efiArgument(1, bufferLo, bufferHi);
  efiArgumentScratch(2, SCRATCH_OUT_1);
  efiArgumentScratch(3, SCRATCH_OUT_2);
  efiArgumentScratch(4, SCRATCH_OUT_3);
  const result = bootServicesCall(BOOT_SERVICES_GET_MEMORY_MAP, 5);
  // A map size beyond 4 GiB cannot be real; the high half is dropped here and the caller's
  // bounds checks on the descriptor count catch a lying firmware.
  bootResults[BOOT_RESULT_MAP_SIZE] = scratchRead32(SCRATCH_OUT_0);
  bootResultFromScratch(SCRATCH_OUT_1, BOOT_RESULT_MAP_KEY_LO, BOOT_RESULT_MAP_KEY_HI);
  bootResults[BOOT_RESULT_DESCRIPTOR_SIZE] = scratchRead32(SCRATCH_OUT_2);
  bootResults[BOOT_RESULT_DESCRIPTOR_VERSION] = scratchRead32(SCRATCH_OUT_3);
  return result;
}

/** AllocatePool(PoolType, Size, **Buffer) (UEFI 2.10 §7.2.4); result BOOT_RESULT_ADDRESS_LO/HI. */
export function allocatePool(memoryType: number, size: number): number {
  const status = scratchWrite64(SCRATCH_OUT_0, 0, 0);
  if (status !== 0) {
    return status;
  }
  efiArgument(0, memoryType, 0);
  efiArgument(1, size, 0);
  efiArgumentScratch(2, SCRATCH_OUT_0);
  const result = bootServicesCall(BOOT_SERVICES_ALLOCATE_POOL, 3);
  bootResultFromScratch(SCRATCH_OUT_0, BOOT_RESULT_ADDRESS_LO, BOOT_RESULT_ADDRESS_HI);
  return result;
}

/** FreePool(Buffer) (UEFI 2.10 §7.2.5). */
export function freePool(bufferLo: number, bufferHi: number): number {
  efiArgument(0, bufferLo, bufferHi);
  return bootServicesCall(BOOT_SERVICES_FREE_POOL, 1);
}

/**
 * The arguments HandleProtocol and OpenProtocol share: Handle, *Protocol (the GUID, copied to
 * scratch) and **Interface (a scratch slot cleared first, read back by the caller).
 */
function bootProtocolArguments(
  handleLo: number, handleHi: number, guid0: number, guid1: number, guid2: number, guid3: number,
): number {
  let status = scratchWrite64(SCRATCH_OUT_0, 0, 0);
  if (status === 0) {
    status = efiArgumentGuid(1, guid0, guid1, guid2, guid3);
  }
  if (status !== 0) {
    return status;
  }
  efiArgument(0, handleLo, handleHi);
  efiArgumentScratch(2, SCRATCH_OUT_0);
  return 0;
}

/**
 * HandleProtocol(Handle, *Protocol, **Interface) (UEFI 2.10 §7.3.7) with the GUID given as four
 * words (stub-src/efi/guids.ts); the interface is the result BOOT_RESULT_ADDRESS_LO/HI.
 */
export function handleProtocol(
  handleLo: number, handleHi: number, guid0: number, guid1: number, guid2: number, guid3: number,
): number {
  const status = bootProtocolArguments(handleLo, handleHi, guid0, guid1, guid2, guid3);
  if (status !== 0) {
    return status;
  }
  const result = bootServicesCall(BOOT_SERVICES_HANDLE_PROTOCOL, 3);
  bootResultFromScratch(SCRATCH_OUT_0, BOOT_RESULT_ADDRESS_LO, BOOT_RESULT_ADDRESS_HI);
  return result;
}

/**
 * OpenProtocol(Handle, *Protocol, **Interface, AgentHandle, ControllerHandle, Attributes) (UEFI
 * 2.10 §7.3.9), the agent being the stub's own image and no controller; the interface is the
 * result BOOT_RESULT_ADDRESS_LO/HI.
 */
export function openProtocol(
  handleLo: number, handleHi: number, guid0: number, guid1: number, guid2: number, guid3: number, attributes: number,
): number {
  const status = bootProtocolArguments(handleLo, handleHi, guid0, guid1, guid2, guid3);
  if (status !== 0) {
    return status;
  }
  efiArgument(3, firmwarePointers[4], firmwarePointers[5]);
  efiArgument(4, 0, 0);
  efiArgument(5, attributes, 0);
  const result = bootServicesCall(BOOT_SERVICES_OPEN_PROTOCOL, 6);
  bootResultFromScratch(SCRATCH_OUT_0, BOOT_RESULT_ADDRESS_LO, BOOT_RESULT_ADDRESS_HI);
  return result;
}

/**
 * LocateProtocol(*Protocol, *Registration, **Interface) (UEFI 2.10 §7.3.16), the first
 * interface of any handle; result BOOT_RESULT_ADDRESS_LO/HI.
 */
export function locateProtocol(guid0: number, guid1: number, guid2: number, guid3: number): number {
  let status = scratchWrite64(SCRATCH_OUT_0, 0, 0);
  if (status === 0) {
    status = efiArgumentGuid(0, guid0, guid1, guid2, guid3);
  }
  if (status !== 0) {
    return status;
  }
  efiArgument(1, 0, 0);
  efiArgumentScratch(2, SCRATCH_OUT_0);
  const result = bootServicesCall(BOOT_SERVICES_LOCATE_PROTOCOL, 3);
  bootResultFromScratch(SCRATCH_OUT_0, BOOT_RESULT_ADDRESS_LO, BOOT_RESULT_ADDRESS_HI);
  return result;
}

/**
 * ExitBootServices(ImageHandle, MapKey) (UEFI 2.10 §7.4.6). On EFI_INVALID_PARAMETER the map
 * changed: the caller fetches the map again and retries (§7.4.6; the Linux stub does the same).
 */
export function exitBootServices(mapKeyLo: number, mapKeyHi: number): number {
  efiArgument(0, firmwarePointers[4], firmwarePointers[5]);
  efiArgument(1, mapKeyLo, mapKeyHi);
  return bootServicesCall(BOOT_SERVICES_EXIT_BOOT_SERVICES, 2);
}
