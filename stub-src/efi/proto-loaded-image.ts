/**
 * @fileoverview EFI_LOADED_IMAGE_PROTOCOL: where the firmware put the stub's own image.
 *
 * Source: UEFI Specification 2.10, §9.1 "EFI Loaded Image Protocol". The stub finds its own PE
 * sections (.linux, .initrd, .cmdline…) from ImageBase, so this is the first protocol it opens.
 */

import { bootServicesResult, handleProtocol, imageHandleHi, imageHandleLo, BOOT_RESULT_ADDRESS_HI, BOOT_RESULT_ADDRESS_LO } from './boot-services';
import { readField32 } from './address';
import {
  LOADED_IMAGE_PROTOCOL_GUID_0, LOADED_IMAGE_PROTOCOL_GUID_1, LOADED_IMAGE_PROTOCOL_GUID_2,
  LOADED_IMAGE_PROTOCOL_GUID_3,
} from './guids';
import { EFI_INVALID_PARAMETER } from './status';

/** EFI_LOADED_IMAGE_PROTOCOL_REVISION. */
export const LOADED_IMAGE_PROTOCOL_REVISION = 0x1000;

export const LOADED_IMAGE_REVISION = 0; // UINT32 (+4 padding)
export const LOADED_IMAGE_PARENT_HANDLE = 8; // EFI_HANDLE
export const LOADED_IMAGE_SYSTEM_TABLE = 16; // EFI_SYSTEM_TABLE *
export const LOADED_IMAGE_DEVICE_HANDLE = 24; // EFI_HANDLE
export const LOADED_IMAGE_FILE_PATH = 32; // EFI_DEVICE_PATH_PROTOCOL *
export const LOADED_IMAGE_RESERVED = 40; // VOID *
export const LOADED_IMAGE_LOAD_OPTIONS_SIZE = 48; // UINT32 (+4 padding)
export const LOADED_IMAGE_LOAD_OPTIONS = 56; // VOID *
export const LOADED_IMAGE_IMAGE_BASE = 64; // VOID *
export const LOADED_IMAGE_IMAGE_SIZE = 72; // UINT64
export const LOADED_IMAGE_IMAGE_CODE_TYPE = 80; // EFI_MEMORY_TYPE
export const LOADED_IMAGE_IMAGE_DATA_TYPE = 84; // EFI_MEMORY_TYPE
export const LOADED_IMAGE_UNLOAD = 88; // EFI_IMAGE_UNLOAD
export const LOADED_IMAGE_SIZE = 96;

// [0..1] interface, [2..3] ImageBase, [4..5] ImageSize, [6] LoadOptionsSize, [7..8] LoadOptions.
const loadedImageFields = new Uint32Array(new ArrayBuffer(48));
export const LOADED_IMAGE_FIELD_INTERFACE_LO = 0;
export const LOADED_IMAGE_FIELD_INTERFACE_HI = 1;
export const LOADED_IMAGE_FIELD_BASE_LO = 2;
export const LOADED_IMAGE_FIELD_BASE_HI = 3;
export const LOADED_IMAGE_FIELD_SIZE_LO = 4;
export const LOADED_IMAGE_FIELD_SIZE_HI = 5;
export const LOADED_IMAGE_FIELD_LOAD_OPTIONS_SIZE = 6;
export const LOADED_IMAGE_FIELD_LOAD_OPTIONS_LO = 7;
export const LOADED_IMAGE_FIELD_LOAD_OPTIONS_HI = 8;

/** One field read by openLoadedImage(); `index` is a LOADED_IMAGE_FIELD_* constant. */
export function loadedImageField(index: number): number {
  return loadedImageFields[index] >>> 0;
}

/**
 * HandleProtocol(ImageHandle, EFI_LOADED_IMAGE_PROTOCOL_GUID) and reads ImageBase, ImageSize
 * and the load options. The firmware owns the interface; nothing to close (HandleProtocol, as
 * the Linux stub uses for the same purpose). EFI_INVALID_PARAMETER when ImageBase is null.
 */
export function openLoadedImage(): number {
  const status = handleProtocol(
    imageHandleLo(), imageHandleHi(),
    LOADED_IMAGE_PROTOCOL_GUID_0, LOADED_IMAGE_PROTOCOL_GUID_1, LOADED_IMAGE_PROTOCOL_GUID_2, LOADED_IMAGE_PROTOCOL_GUID_3,
  );
  if (status !== 0) {
    return status;
  }
  const lo = bootServicesResult(BOOT_RESULT_ADDRESS_LO);
  const hi = bootServicesResult(BOOT_RESULT_ADDRESS_HI);
  if (((lo | hi) | 0) === 0) {
    return EFI_INVALID_PARAMETER;
  }
  loadedImageFields[LOADED_IMAGE_FIELD_INTERFACE_LO] = lo;
  loadedImageFields[LOADED_IMAGE_FIELD_INTERFACE_HI] = hi;
  loadedImageFields[LOADED_IMAGE_FIELD_BASE_LO] = readField32(lo, hi, LOADED_IMAGE_IMAGE_BASE);
  loadedImageFields[LOADED_IMAGE_FIELD_BASE_HI] = readField32(lo, hi, (LOADED_IMAGE_IMAGE_BASE + 4) | 0);
  loadedImageFields[LOADED_IMAGE_FIELD_SIZE_LO] = readField32(lo, hi, LOADED_IMAGE_IMAGE_SIZE);
  loadedImageFields[LOADED_IMAGE_FIELD_SIZE_HI] = readField32(lo, hi, (LOADED_IMAGE_IMAGE_SIZE + 4) | 0);
  loadedImageFields[LOADED_IMAGE_FIELD_LOAD_OPTIONS_SIZE] = readField32(lo, hi, LOADED_IMAGE_LOAD_OPTIONS_SIZE);
  loadedImageFields[LOADED_IMAGE_FIELD_LOAD_OPTIONS_LO] = readField32(lo, hi, LOADED_IMAGE_LOAD_OPTIONS);
  loadedImageFields[LOADED_IMAGE_FIELD_LOAD_OPTIONS_HI] = readField32(lo, hi, (LOADED_IMAGE_LOAD_OPTIONS + 4) | 0);
  if (((loadedImageFields[LOADED_IMAGE_FIELD_BASE_LO] | loadedImageFields[LOADED_IMAGE_FIELD_BASE_HI]) | 0) === 0) {
    return EFI_INVALID_PARAMETER;
  }
  return 0;
}
