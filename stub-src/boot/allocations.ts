/**
 * @fileoverview The pages the boot flow allocates, kept so that a failed boot gives them back.
 *
 * Every step that allocates (placement, initrd, boot_params, paging, unaccepted memory) goes
 * through bootAllocatePages, which records what the firmware granted and asks the host to allow
 * writes there (hostPhysGrantWrite): the boot flow writes only into memory it allocated. When a step fails before
 * ExitBootServices, main.ts frees them all (bootAllocationsRelease), so the firmware's next
 * boot option finds its memory as it was (STYLE.md: an allocation is handed on or freed).
 * After ExitBootServices there is nothing to give back to.
 */

import { allocatePages, bootServicesResult, freePages, BOOT_RESULT_ADDRESS_HI, BOOT_RESULT_ADDRESS_LO } from '../efi/boot-services';
import { EFI_OUT_OF_RESOURCES } from '../efi/status';
import { EFI_PAGE_SHIFT } from '../efi/tables';

/** More allocations than the boot flow makes (it makes six). */
export const BOOT_ALLOCATIONS_MAX = 16;

// Per allocation: address low, high, pages.
const bootAllocations = new Uint32Array(new ArrayBuffer(BOOT_ALLOCATIONS_MAX * 12));
let bootAllocationCount = 0;

/**
 * AllocatePages, recorded for bootAllocationsRelease, with host writes granted over the pages.
 * Returns the firmware's (or the host's) status; the address is
 * bootServicesResult(BOOT_RESULT_ADDRESS_LO/HI) as after allocatePages.
 */
export function bootAllocatePages(allocateType: number, memoryType: number, pages: number, addressLo: number,
  addressHi: number): number {
  if (bootAllocationCount === BOOT_ALLOCATIONS_MAX) {
    return EFI_OUT_OF_RESOURCES;
  }
  const status = allocatePages(allocateType, memoryType, pages, addressLo, addressHi);
  if (status !== 0) {
    return status;
  }
  const lo = bootServicesResult(BOOT_RESULT_ADDRESS_LO);
  const hi = bootServicesResult(BOOT_RESULT_ADDRESS_HI);
  const at = Math.imul(bootAllocationCount, 3);
  bootAllocations[at] = lo;
  bootAllocations[(at + 1) | 0] = hi;
  bootAllocations[(at + 2) | 0] = pages;
  bootAllocationCount = (bootAllocationCount + 1) | 0;
  return hostPhysGrantWrite(lo, hi, (pages << EFI_PAGE_SHIFT) >>> 0) >>> 0;
}

/** Frees every recorded allocation, the last first. */
export function bootAllocationsRelease(): void {
  while (bootAllocationCount > 0) {
    bootAllocationCount = (bootAllocationCount - 1) | 0;
    const at = Math.imul(bootAllocationCount, 3);
    freePages(bootAllocations[at], bootAllocations[(at + 1) | 0], bootAllocations[(at + 2) | 0]);
  }
}

export function bootAllocationsCount(): number {
  return bootAllocationCount;
}
