/**
 * @fileoverview Boot step 4: where the kernel goes (KASLR) and the allocation that holds it.
 *
 * Physical: init_size bytes at a kernel_alignment-aligned address inside EfiConventionalMemory,
 * at or above pref_address (LOAD_PHYSICAL_ADDR: the kernel must not sit below where it was
 * linked) and below 4 GiB (the stub keeps the kernel's addresses in 32 bits; every x86_64
 * firmware has room there). With KASLR the slot is chosen uniformly among all aligned slots of
 * all free regions, as the Linux stub's efi_random_alloc does; without it (`nokaslr`, or `mem=`
 * / `memmap=` on the command line, which make memory the firmware reports free unusable for the
 * kernel) the kernel goes to pref_address if it is free, else to the lowest slot. The pages are
 * EfiLoaderCode: firmware that maps data NX then leaves the kernel executable.
 *
 * Virtual: a seed is kept for the relocation step, which picks the virtual offset once it knows
 * the kernel's size from its ELF headers (stub-src/boot/relocate.ts).
 *
 * Randomness: EFI_RNG_PROTOCOL.GetRNG (UEFI 2.10 §37.5) with the default algorithm, else
 * RDRAND; with neither, KASLR is off and the log says so.
 */

import { bootAllocatePages } from './allocations';
import { uint32AtMost, uint32Below } from '../efi/address';
import {
  bootServicesResult, efiArgument, efiArgumentScratch, efiCallSlot, locateProtocol,
  scratchRead32, BOOT_RESULT_ADDRESS_HI, BOOT_RESULT_ADDRESS_LO, SCRATCH_OUT_1,
} from '../efi/boot-services';
import { RNG_PROTOCOL_GUID_0, RNG_PROTOCOL_GUID_1, RNG_PROTOCOL_GUID_2, RNG_PROTOCOL_GUID_3 } from '../efi/guids';
import {
  memoryMapCount, memoryMapFetch, memoryMapPagesHi, memoryMapPagesLo, memoryMapStartHi, memoryMapStartLo,
  memoryMapType,
} from '../efi/memory-map';
import { EFI_OUT_OF_RESOURCES } from '../efi/status';
import { ALLOCATE_ADDRESS, EFI_CONVENTIONAL_MEMORY, EFI_LOADER_CODE, EFI_PAGE_SHIFT } from '../efi/tables';
import { fail, logAppendHex, logAppendText, logFinish, logStart, logText } from '../log';
import { cmdlineHasOption } from './cmdline';
import { setupValue, SETUP_INIT_SIZE, SETUP_KERNEL_ALIGNMENT, SETUP_PREF_ADDRESS } from './setup-header';

/** EFI_RNG_PROTOCOL.GetRNG (after GetInfo). */
const RNG_GET_RNG = 8;
/** Highest end address (exclusive, in pages) the kernel may use: 4 GiB. */
const PLACEMENT_LIMIT_PAGE = 0x100000;

// [0] physical address, [1] allocation size, [2..3] seed (physical, virtual), [4] KASLR on.
const placementState = new Uint32Array(new ArrayBuffer(24));

export function placementAddress(): number {
  return placementState[0] >>> 0;
}
export function placementSize(): number {
  return placementState[1] >>> 0;
}
/** The seed for the virtual offset; meaningful when placementKaslr(). */
export function placementVirtualSeed(): number {
  return placementState[3] >>> 0;
}
/** True when the kernel's addresses are randomised (KASLR_FLAG goes to boot_params). */
export function placementKaslr(): boolean {
  return placementState[4] !== 0;
}

/** (a * b) >> 32 for unsigned 32-bit a and b: picks index ⌊n · seed / 2^32⌋ from n choices. */
export function multiplyHigh32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const low = Math.imul(aLo, bLo) >>> 0;
  const middle1 = Math.imul(aHi, bLo) >>> 0;
  const middle2 = Math.imul(aLo, bHi) >>> 0;
  // Carry out of the low 32 bits: (low >>> 16) + low halves of the middle products.
  const carry = ((low >>> 16) + (middle1 & 0xffff) + (middle2 & 0xffff)) >>> 16;
  return (Math.imul(aHi, bHi) + (middle1 >>> 16) + (middle2 >>> 16) + carry) >>> 0;
}

const randomHalves = new Uint32Array(new ArrayBuffer(8));

/** Two random words into placementState[2..3]; false when the machine has no randomness. */
function placementSeed(): boolean {
  if (locateProtocol(RNG_PROTOCOL_GUID_0, RNG_PROTOCOL_GUID_1, RNG_PROTOCOL_GUID_2, RNG_PROTOCOL_GUID_3) === 0) {
    const rngLo = bootServicesResult(BOOT_RESULT_ADDRESS_LO);
    const rngHi = bootServicesResult(BOOT_RESULT_ADDRESS_HI);
    efiArgument(0, rngLo, rngHi);
    efiArgument(1, 0, 0);
    efiArgument(2, 8, 0);
    efiArgumentScratch(3, SCRATCH_OUT_1);
    const status = efiCallSlot(rngLo, rngHi, RNG_GET_RNG, 4);
    if (status === 0) {
      placementState[2] = scratchRead32(SCRATCH_OUT_1);
      placementState[3] = scratchRead32((SCRATCH_OUT_1 + 4) | 0);
      logText('kaslr', 'seed from EFI_RNG_PROTOCOL');
      return true;
    }
  }
  if ((hostReadRandom(randomHalves) >>> 0) !== 0) {
    placementState[2] = randomHalves[0];
    placementState[3] = randomHalves[1];
    logText('kaslr', 'seed from RDRAND');
    return true;
  }
  return false;
}

/**
 * Counts the aligned slots of `pages` pages in descriptor `index` (only free memory between
 * minimum and 4 GiB); with `pick` >= 0, returns the page address of slot `pick` instead.
 */
function placementSlots(index: number, pages: number, alignPages: number, minimumPage: number, pick: number): number {
  if (memoryMapType(index) !== EFI_CONVENTIONAL_MEMORY || memoryMapStartHi(index) !== 0) {
    return 0;
  }
  const startPage = memoryMapStartLo(index) >>> EFI_PAGE_SHIFT;
  let endPage = (startPage + memoryMapPagesLo(index)) >>> 0;
  if (memoryMapPagesHi(index) !== 0 || uint32Below(PLACEMENT_LIMIT_PAGE, endPage) || uint32Below(endPage, startPage)) {
    endPage = PLACEMENT_LIMIT_PAGE;
  }
  let firstPage = startPage;
  if (uint32Below(firstPage, minimumPage)) {
    firstPage = minimumPage;
  }
  firstPage = ((firstPage + alignPages - 1) & ~((alignPages - 1) | 0)) >>> 0;
  if (!uint32AtMost(firstPage, endPage) || uint32Below((endPage - firstPage) >>> 0, pages)) {
    return 0;
  }
  const slots = ((((endPage - firstPage - pages) >>> 0) >>> (31 - Math.clz32(alignPages))) + 1) >>> 0;
  if (pick >= 0) {
    return (firstPage + Math.imul(pick, alignPages)) >>> 0;
  }
  return slots;
}

/** Chooses the kernel's physical address and allocates init_size there. */
export function placementAllocate(): number {
  placementState[4] = 0;
  let randomPhysical = false;
  if (cmdlineHasOption('nokaslr')) {
    logText('kaslr', 'off (nokaslr)');
  } else if (!placementSeed()) {
    logText('kaslr', 'off: no EFI_RNG_PROTOCOL and no RDRAND');
  } else {
    placementState[4] = 1;
    randomPhysical = true;
    if (cmdlineHasOption('mem') || cmdlineHasOption('memmap')) {
      randomPhysical = false;
      logText('kaslr', 'physical address fixed: mem= or memmap= on the command line');
    }
  }
  const initSize = setupValue(SETUP_INIT_SIZE);
  const alignment = setupValue(SETUP_KERNEL_ALIGNMENT);
  const pages = ((initSize + 0xfff) >>> EFI_PAGE_SHIFT) >>> 0;
  const alignPages = alignment >>> EFI_PAGE_SHIFT;
  const preferredPage = setupValue(SETUP_PREF_ADDRESS) >>> EFI_PAGE_SHIFT;
  let status = memoryMapFetch();
  if (status !== 0) {
    return status;
  }
  const count = memoryMapCount();
  let total = 0;
  let chosenPage = 0;
  let preferredFree = false;
  for (let index = 0; index < count; index = (index + 1) | 0) {
    const slots = placementSlots(index, pages, alignPages, preferredPage, -1);
    if (slots !== 0) {
      const firstPage = placementSlots(index, pages, alignPages, preferredPage, 0);
      if (firstPage === preferredPage) {
        preferredFree = true;
      }
      if (total === 0 || uint32Below(firstPage, chosenPage)) {
        chosenPage = firstPage;
      }
      total = (total + slots) >>> 0;
    }
  }
  if (total === 0) {
    return fail(EFI_OUT_OF_RESOURCES, 'placement', 'no free memory below 4 GiB holds the kernel\'s init_size');
  }
  if (randomPhysical) {
    let pick = multiplyHigh32(total, placementState[2]);
    for (let index = 0; index < count; index = (index + 1) | 0) {
      const slots = placementSlots(index, pages, alignPages, preferredPage, -1);
      if (uint32Below(pick, slots)) {
        chosenPage = placementSlots(index, pages, alignPages, preferredPage, pick);
        break;
      }
      pick = (pick - slots) >>> 0;
    }
  } else if (preferredFree) {
    chosenPage = preferredPage;
  }
  const address = (chosenPage << EFI_PAGE_SHIFT) >>> 0;
  status = bootAllocatePages(ALLOCATE_ADDRESS, EFI_LOADER_CODE, pages, address, 0);
  if (status !== 0) {
    return fail(status, 'placement', 'failed to allocate the kernel\'s memory');
  }
  placementState[0] = address;
  placementState[1] = (pages << EFI_PAGE_SHIFT) >>> 0;
  logStart('placement');
  logAppendText('physical ');
  logAppendHex(address);
  logAppendText(' size ');
  logAppendHex(placementState[1]);
  logAppendText(' of ');
  logAppendHex(total);
  logAppendText(' slots');
  logFinish();
  return 0;
}
