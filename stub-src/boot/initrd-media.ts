/**
 * @fileoverview The initrd a boot loader or the firmware offers through Linux's initrd media
 * device path (Documentation/x86/boot.rst and the Linux EFI stub's efi_load_initrd_dev_path):
 * a handle whose device path is a single vendor media node with LINUX_EFI_INITRD_MEDIA_GUID
 * carries EFI_LOAD_FILE2_PROTOCOL, and LoadFile() on it gives the initrd's bytes. OVMF offers
 * QEMU's -initrd this way; systemd-boot and GRUB do the same for theirs.
 *
 * LocateDevicePath (UEFI 2.10 §7.3.12) finds the handle; LoadFile (§13.2) is asked for the size
 * with an empty buffer first (EFI_BUFFER_TOO_SMALL), then into pages below initrd_addr_max.
 * No such handle means no initrd from here (not an error).
 */

import { addressPlusHi, addressPlusLo } from '../efi/address';
import {
  bootServicesCall, bootServicesResult, efiArgument, efiArgumentGuid, efiArgumentScratch, efiCallSlot, handleProtocol,
  scratchRead32, scratchWrite64, BOOT_RESULT_ADDRESS_HI, BOOT_RESULT_ADDRESS_LO, SCRATCH_OUT_0, SCRATCH_OUT_1,
} from '../efi/boot-services';
import {
  guidWrite, LINUX_EFI_INITRD_MEDIA_GUID_0, LINUX_EFI_INITRD_MEDIA_GUID_1, LINUX_EFI_INITRD_MEDIA_GUID_2,
  LINUX_EFI_INITRD_MEDIA_GUID_3, LOAD_FILE2_PROTOCOL_GUID_0, LOAD_FILE2_PROTOCOL_GUID_1, LOAD_FILE2_PROTOCOL_GUID_2,
  LOAD_FILE2_PROTOCOL_GUID_3,
} from '../efi/guids';
import { EFI_BAD_BUFFER_SIZE, EFI_BUFFER_TOO_SMALL, statusEquals } from '../efi/status';
import { ALLOCATE_MAX_ADDRESS, BOOT_SERVICES_LOCATE_DEVICE_PATH, EFI_LOADER_DATA, EFI_PAGE_SHIFT } from '../efi/tables';
import { fail } from '../log';
import { bootAllocatePages } from './allocations';
import { setupValue, SETUP_INITRD_ADDR_MAX } from './setup-header';

/** Where the device path and the pointer LocateDevicePath advances live in the scratch page. */
const SCRATCH_DEVICE_PATH = 256;
const SCRATCH_DEVICE_PATH_POINTER = 128;
/** Vendor media node (type 4, subtype 3, 20 bytes with its GUID), then the end node (0x7f, 0xff, 4). */
const DEVICE_PATH_MEDIA = 4;
const DEVICE_PATH_MEDIA_VENDOR = 3;
const DEVICE_PATH_VENDOR_LENGTH = 20;
const DEVICE_PATH_END = 0x7f;
const DEVICE_PATH_END_ENTIRE = 0xff;

// [0] address, [1] size (0: no initrd media).
const initrdMediaState = new Uint32Array(new ArrayBuffer(8));

export function initrdMediaAddress(): number {
  return initrdMediaState[0] >>> 0;
}
export function initrdMediaSize(): number {
  return initrdMediaState[1] >>> 0;
}

/** Writes the initrd media device path into the scratch page; returns a status. */
function initrdMediaDevicePath(lo: number, hi: number): number {
  let status = hostPhysWrite32(lo, hi, DEVICE_PATH_MEDIA | (DEVICE_PATH_MEDIA_VENDOR << 8) | (DEVICE_PATH_VENDOR_LENGTH << 16)) >>> 0;
  if (status === 0) {
    status = guidWrite(addressPlusLo(lo, 4), addressPlusHi(lo, hi, 4), LINUX_EFI_INITRD_MEDIA_GUID_0,
      LINUX_EFI_INITRD_MEDIA_GUID_1, LINUX_EFI_INITRD_MEDIA_GUID_2, LINUX_EFI_INITRD_MEDIA_GUID_3);
  }
  if (status === 0) {
    status = hostPhysWrite32(addressPlusLo(lo, DEVICE_PATH_VENDOR_LENGTH), addressPlusHi(lo, hi, DEVICE_PATH_VENDOR_LENGTH),
      DEVICE_PATH_END | (DEVICE_PATH_END_ENTIRE << 8) | (4 << 16)) >>> 0;
  }
  return status;
}

/** LoadFile(This, FilePath, BootPolicy FALSE, *BufferSize, Buffer). */
function initrdMediaLoadFile(protocolLo: number, protocolHi: number, pathLo: number, pathHi: number, size: number,
  bufferLo: number): number {
  const status = scratchWrite64(SCRATCH_OUT_1, size, 0);
  if (status !== 0) {
    return status;
  }
  efiArgument(0, protocolLo, protocolHi);
  efiArgument(1, pathLo, pathHi);
  efiArgument(2, 0, 0);
  efiArgumentScratch(3, SCRATCH_OUT_1);
  efiArgument(4, bufferLo, 0);
  return efiCallSlot(protocolLo, protocolHi, 0, 5);
}

/** Loads the initrd from the initrd media device path when one exists. */
export function initrdMediaLoad(): number {
  initrdMediaState[0] = 0;
  initrdMediaState[1] = 0;
  const scratchLo = hostScratchAddressLo() >>> 0;
  const scratchHi = hostScratchAddressHi() >>> 0;
  const pathLo = addressPlusLo(scratchLo, SCRATCH_DEVICE_PATH);
  const pathHi = addressPlusHi(scratchLo, scratchHi, SCRATCH_DEVICE_PATH);
  let status = initrdMediaDevicePath(pathLo, pathHi);
  if (status === 0) {
    status = scratchWrite64(SCRATCH_DEVICE_PATH_POINTER, pathLo, pathHi);
  }
  if (status === 0) {
    status = scratchWrite64(SCRATCH_OUT_0, 0, 0);
  }
  if (status === 0) {
    status = efiArgumentGuid(0, LOAD_FILE2_PROTOCOL_GUID_0, LOAD_FILE2_PROTOCOL_GUID_1, LOAD_FILE2_PROTOCOL_GUID_2,
      LOAD_FILE2_PROTOCOL_GUID_3);
  }
  if (status !== 0) {
    return fail(status, 'initrd', 'failed to set up the initrd media device path');
  }
  efiArgumentScratch(1, SCRATCH_DEVICE_PATH_POINTER);
  efiArgumentScratch(2, SCRATCH_OUT_0);
  if (bootServicesCall(BOOT_SERVICES_LOCATE_DEVICE_PATH, 3) !== 0) {
    return 0; // nobody offers an initrd this way
  }
  // The device path must have been consumed entirely: only then is the handle the initrd's.
  if (scratchRead32(SCRATCH_DEVICE_PATH_POINTER) !== addressPlusLo(pathLo, DEVICE_PATH_VENDOR_LENGTH)) {
    return 0;
  }
  const handleLo = scratchRead32(SCRATCH_OUT_0);
  const handleHi = scratchRead32((SCRATCH_OUT_0 + 4) | 0);
  status = handleProtocol(handleLo, handleHi, LOAD_FILE2_PROTOCOL_GUID_0, LOAD_FILE2_PROTOCOL_GUID_1,
    LOAD_FILE2_PROTOCOL_GUID_2, LOAD_FILE2_PROTOCOL_GUID_3);
  if (status !== 0) {
    return fail(status, 'initrd', 'the initrd media handle has no EFI_LOAD_FILE2_PROTOCOL');
  }
  const protocolLo = bootServicesResult(BOOT_RESULT_ADDRESS_LO);
  const protocolHi = bootServicesResult(BOOT_RESULT_ADDRESS_HI);
  // handleProtocol reused the scratch GUID slot, not the device path: ask for the size.
  status = initrdMediaLoadFile(protocolLo, protocolHi, pathLo, pathHi, 0, 0);
  const size = scratchRead32(SCRATCH_OUT_1);
  if (!statusEquals(status, EFI_BUFFER_TOO_SMALL)) {
    return fail(status === 0 ? EFI_BAD_BUFFER_SIZE : status, 'initrd', 'LoadFile on the initrd media did not give its size');
  }
  if (scratchRead32((SCRATCH_OUT_1 + 4) | 0) !== 0 || size === 0 || size > 0x7fffffff) {
    return fail(EFI_BAD_BUFFER_SIZE, 'initrd', 'the initrd media is empty or 2 GiB or larger');
  }
  const pages = ((size + 0xfff) >>> EFI_PAGE_SHIFT) >>> 0;
  status = bootAllocatePages(ALLOCATE_MAX_ADDRESS, EFI_LOADER_DATA, pages, setupValue(SETUP_INITRD_ADDR_MAX), 0);
  if (status !== 0) {
    return fail(status, 'initrd', 'failed to allocate the initrd below initrd_addr_max');
  }
  const address = bootServicesResult(BOOT_RESULT_ADDRESS_LO);
  status = initrdMediaLoadFile(protocolLo, protocolHi, pathLo, pathHi, size, address);
  if (status !== 0 || scratchRead32(SCRATCH_OUT_1) !== size) {
    return fail(status === 0 ? EFI_BAD_BUFFER_SIZE : status, 'initrd', 'LoadFile on the initrd media failed');
  }
  initrdMediaState[0] = address;
  initrdMediaState[1] = size;
  return 0;
}
