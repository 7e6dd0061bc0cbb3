/**
 * @fileoverview Fetching the firmware memory map into a pool buffer, and reading descriptors.
 *
 * GetMemoryMap (UEFI 2.10 §7.2.3) is asked first with an empty buffer for the size it needs,
 * then into a pool buffer of that size plus slack: allocating the buffer can itself split a
 * descriptor and grow the map, so the slack (MEMORY_MAP_SLACK_DESCRIPTORS, the Linux stub uses
 * a few as well) and a bounded retry cover it. The map stays in the pool buffer until
 * memoryMapRelease(); ExitBootServices needs the key of the last fetch.
 *
 * Descriptors are stepped by the firmware's DescriptorSize, never by sizeof(EFI_MEMORY_DESCRIPTOR):
 * the spec reserves the right to grow the structure, and OVMF returns 48 bytes.
 */

import { addressPlusHi, addressPlusLo, readField32, uint32Below } from './address';
import {
  allocatePool, bootServicesResult, freePool, getMemoryMap, BOOT_RESULT_ADDRESS_HI,
  BOOT_RESULT_ADDRESS_LO, BOOT_RESULT_DESCRIPTOR_SIZE, BOOT_RESULT_DESCRIPTOR_VERSION,
  BOOT_RESULT_MAP_KEY_HI, BOOT_RESULT_MAP_KEY_LO, BOOT_RESULT_MAP_SIZE,
} from './boot-services';
import { EFI_BUFFER_TOO_SMALL, EFI_INCOMPATIBLE_VERSION, statusEquals } from './status';
import { fail } from '../log';
import {
  EFI_LOADER_DATA, EFI_MEMORY_DESCRIPTOR_VERSION, EFI_PAGE_SHIFT, MEMORY_DESCRIPTOR_NUMBER_OF_PAGES,
  MEMORY_DESCRIPTOR_PHYSICAL_START, MEMORY_DESCRIPTOR_SIZE, MEMORY_DESCRIPTOR_TYPE,
} from './tables';

/** Descriptors of room added to the size GetMemoryMap asked for. */
export const MEMORY_MAP_SLACK_DESCRIPTORS = 8;
/** Attempts before giving up on a map that keeps growing. */
export const MEMORY_MAP_ATTEMPTS = 4;

// [0..1] buffer, [2] buffer size, [3] map size, [4..5] key, [6] descriptor size, [7] version.
const memoryMapState = new Uint32Array(new ArrayBuffer(32));

export function memoryMapKeyLo(): number {
  return memoryMapState[4] >>> 0;
}
export function memoryMapKeyHi(): number {
  return memoryMapState[5] >>> 0;
}
export function memoryMapDescriptorSize(): number {
  return memoryMapState[6] >>> 0;
}
export function memoryMapDescriptorVersion(): number {
  return memoryMapState[7] >>> 0;
}
/** The buffer holding the last fetched map, and the map's size in bytes (for efi_info). */
export function memoryMapBufferLo(): number {
  return memoryMapState[0] >>> 0;
}
export function memoryMapBufferHi(): number {
  return memoryMapState[1] >>> 0;
}
export function memoryMapBytes(): number {
  return memoryMapState[3] >>> 0;
}

/**
 * Gets the map again into the buffer of the last fetch, allocating nothing: after a failed
 * ExitBootServices only GetMemoryMap and ExitBootServices may be called (UEFI 2.10 §7.4.6), so
 * this neither allocates nor logs. Returns the firmware's status.
 */
export function memoryMapRefetch(): number {
  const status = getMemoryMap(memoryMapState[0] >>> 0, memoryMapState[1] >>> 0, memoryMapState[2] >>> 0);
  if (status === 0) {
    memoryMapState[3] = bootServicesResult(BOOT_RESULT_MAP_SIZE);
    memoryMapState[4] = bootServicesResult(BOOT_RESULT_MAP_KEY_LO);
    memoryMapState[5] = bootServicesResult(BOOT_RESULT_MAP_KEY_HI);
    memoryMapState[6] = bootServicesResult(BOOT_RESULT_DESCRIPTOR_SIZE);
    memoryMapState[7] = bootServicesResult(BOOT_RESULT_DESCRIPTOR_VERSION);
  }
  return status;
}

/** Number of descriptors in the last fetched map; 0 when none was fetched. */
export function memoryMapCount(): number {
  // Both were checked by memoryMapFetch: the size fits the buffer, the descriptor size >= 40.
  const descriptorSize = memoryMapState[6] | 0;
  if (descriptorSize === 0) {
    return 0;
  }
  return ((memoryMapState[3] | 0) / descriptorSize) | 0;
}

function memoryMapDescriptorField(index: number, offset: number): number {
  const at = (Math.imul(index, memoryMapState[6]) + offset) >>> 0;
  const bufferLo = memoryMapState[0] >>> 0;
  const bufferHi = memoryMapState[1] >>> 0;
  return readField32(addressPlusLo(bufferLo, at), addressPlusHi(bufferLo, bufferHi, at), 0);
}
export function memoryMapType(index: number): number {
  return memoryMapDescriptorField(index, MEMORY_DESCRIPTOR_TYPE);
}
export function memoryMapStartLo(index: number): number {
  return memoryMapDescriptorField(index, MEMORY_DESCRIPTOR_PHYSICAL_START);
}
export function memoryMapStartHi(index: number): number {
  return memoryMapDescriptorField(index, (MEMORY_DESCRIPTOR_PHYSICAL_START + 4) | 0);
}
export function memoryMapPagesLo(index: number): number {
  return memoryMapDescriptorField(index, MEMORY_DESCRIPTOR_NUMBER_OF_PAGES);
}
export function memoryMapPagesHi(index: number): number {
  return memoryMapDescriptorField(index, (MEMORY_DESCRIPTOR_NUMBER_OF_PAGES + 4) | 0);
}
/** The descriptor's size in bytes (pages << 12 across the halves). */
export function memoryMapSizeLo(index: number): number {
  return (memoryMapPagesLo(index) << EFI_PAGE_SHIFT) >>> 0;
}
export function memoryMapSizeHi(index: number): number {
  return ((memoryMapPagesHi(index) << EFI_PAGE_SHIFT) | (memoryMapPagesLo(index) >>> (32 - EFI_PAGE_SHIFT))) >>> 0;
}
/** The address just past the descriptor's range. */
export function memoryMapEndLo(index: number): number {
  return (memoryMapStartLo(index) + memoryMapSizeLo(index)) >>> 0;
}
export function memoryMapEndHi(index: number): number {
  const startLo = memoryMapStartLo(index);
  const carry = uint32Below(memoryMapEndLo(index), startLo) ? 1 : 0;
  return (memoryMapStartHi(index) + memoryMapSizeHi(index) + carry) >>> 0;
}

/** Frees the pool buffer of the last fetch, if any. */
export function memoryMapRelease(): number {
  const bufferLo = memoryMapState[0] >>> 0;
  const bufferHi = memoryMapState[1] >>> 0;
  memoryMapState[0] = 0;
  memoryMapState[1] = 0;
  memoryMapState[2] = 0;
  memoryMapState[3] = 0;
  if (((bufferLo | bufferHi) | 0) === 0) {
    return 0;
  }
  const status = freePool(bufferLo, bufferHi);
  if (status !== 0) {
    return fail(status, 'memory-map', 'failed to free the memory map buffer');
  }
  return 0;
}

/**
 * Fetches the current memory map into a new pool buffer (EfiLoaderData), replacing the last
 * one. Fatal on failure: logs the reason and returns the status.
 */
export function memoryMapFetch(): number {
  let status = memoryMapRelease();
  if (status !== 0) {
    return status;
  }
  status = getMemoryMap(0, 0, 0);
  if (!statusEquals(status, EFI_BUFFER_TOO_SMALL)) {
    return fail(status, 'memory-map', 'failed to get the memory map size');
  }
  for (let attempt = 0; attempt < MEMORY_MAP_ATTEMPTS; attempt = (attempt + 1) | 0) {
    let descriptorSize = bootServicesResult(BOOT_RESULT_DESCRIPTOR_SIZE);
    if (descriptorSize < MEMORY_DESCRIPTOR_SIZE) {
      descriptorSize = MEMORY_DESCRIPTOR_SIZE;
    }
    const bufferSize = (bootServicesResult(BOOT_RESULT_MAP_SIZE) + Math.imul(descriptorSize, MEMORY_MAP_SLACK_DESCRIPTORS)) >>> 0;
    status = allocatePool(EFI_LOADER_DATA, bufferSize);
    if (status !== 0) {
      return fail(status, 'memory-map', 'failed to allocate the memory map buffer');
    }
    const bufferLo = bootServicesResult(BOOT_RESULT_ADDRESS_LO);
    const bufferHi = bootServicesResult(BOOT_RESULT_ADDRESS_HI);
    status = getMemoryMap(bufferLo, bufferHi, bufferSize);
    if (status === 0) {
      memoryMapState[0] = bufferLo;
      memoryMapState[1] = bufferHi;
      memoryMapState[2] = bufferSize;
      memoryMapState[3] = bootServicesResult(BOOT_RESULT_MAP_SIZE);
      memoryMapState[4] = bootServicesResult(BOOT_RESULT_MAP_KEY_LO);
      memoryMapState[5] = bootServicesResult(BOOT_RESULT_MAP_KEY_HI);
      memoryMapState[6] = bootServicesResult(BOOT_RESULT_DESCRIPTOR_SIZE);
      memoryMapState[7] = bootServicesResult(BOOT_RESULT_DESCRIPTOR_VERSION);
      if (
        uint32Below(memoryMapState[6], MEMORY_DESCRIPTOR_SIZE) ||
        (memoryMapState[7] >>> 0) !== EFI_MEMORY_DESCRIPTOR_VERSION ||
        uint32Below(bufferSize, memoryMapState[3])
      ) {
        memoryMapRelease();
        return fail(EFI_INCOMPATIBLE_VERSION, 'memory-map', 'unexpected descriptor size, version or map size');
      }
      return 0;
    }
    const freeStatus = freePool(bufferLo, bufferHi);
    if (freeStatus !== 0) {
      return fail(freeStatus, 'memory-map', 'failed to free the memory map buffer');
    }
    if (!statusEquals(status, EFI_BUFFER_TOO_SMALL)) {
      return fail(status, 'memory-map', 'failed to get the memory map');
    }
    status = getMemoryMap(0, 0, 0);
    if (!statusEquals(status, EFI_BUFFER_TOO_SMALL)) {
      return fail(status, 'memory-map', 'failed to get the memory map size');
    }
  }
  return fail(EFI_BUFFER_TOO_SMALL, 'memory-map', 'the memory map kept growing');
}
