/**
 * @fileoverview Boot step 6b: the virtual offset (KASLR) and the relocation table.
 *
 * A relocatable x86_64 kernel built with RANDOMIZE_BASE carries a table after vmlinux's ELF
 * image (arch/x86/tools/relocs writes it, kbuild appends it before compression). Read from the
 * end backwards it holds three zero-terminated lists of 32-bit entries: 32-bit locations,
 * then inverse 32-bit locations, then 64-bit locations. Each entry, sign-extended to 64 bits,
 * is the kernel virtual address of a field to adjust; the field is at that address minus
 * __START_KERNEL_map (its link-time physical address).
 *
 * On x86_64 the physical address does not matter to these fields (the kernel finds its
 * physical base itself in startup_64); only the virtual offset does. delta = chosen virtual
 * base − LOAD_PHYSICAL_ADDR is added to 32-bit and 64-bit fields and subtracted from inverse
 * 32-bit ones; with delta 0 nothing changes. The virtual base is chosen, as the Linux stub
 * does, in [LOAD_PHYSICAL_ADDR, KERNEL_IMAGE_SIZE − image size) aligned to kernel_alignment,
 * KERNEL_IMAGE_SIZE being 1 GiB for a kernel with the table (RANDOMIZE_BASE). Without a table
 * the virtual base stays at LOAD_PHYSICAL_ADDR.
 *
 * The fields are patched on the heap copy, before the segments are copied: every location is
 * checked to lie inside a segment's file-backed bytes ("relocation outside the kernel" else),
 * and the table must not run into the ELF image.
 */

import { uint32Below } from '../efi/address';
import { EFI_LOAD_ERROR } from '../efi/status';
import { fail, logAppendDecimal, logAppendHex, logAppendHex64, logAppendText, logFinish, logStart } from '../log';
import {
  elfFileEnd, elfMemorySpan, elfRead32, elfSegmentFileOffset, elfSegmentFileSize, elfSegmentOffset, elfSegments,
  START_KERNEL_MAP_LO,
} from './elf-load';
import { kernelImage, kernelImageSize } from './kernel-decompress';
import { multiplyHigh32, placementKaslr, placementVirtualSeed } from './placement';
import { setupValue, SETUP_KERNEL_ALIGNMENT, SETUP_PREF_ADDRESS } from './setup-header';
import { bytesRead32, bytesWrite32 } from '../bytes';

/** KERNEL_IMAGE_SIZE with RANDOMIZE_BASE (arch/x86/include/asm/page_64_types.h). */
const KERNEL_IMAGE_SIZE = 0x40000000;

// [0] virtual base (offset from __START_KERNEL_map), [1] delta, [2..4] entry counts.
const relocateState = new Uint32Array(new ArrayBuffer(20));

/** The kernel's virtual base, low half (the high half is 0xffffffff). */
export function relocateVirtualBaseLo(): number {
  return (START_KERNEL_MAP_LO + relocateState[0]) >>> 0;
}

/** File offset of the `width`-byte field at kernel virtual address entry (low 32 bits), or -1. */
function relocateLocate(entry: number, width: number): number {
  // Sign extension puts kernel addresses at 0xffffffff_8xxxxxxx: the top bit must be set.
  if ((entry & 0x80000000) === 0) {
    return -1;
  }
  const offset = (entry - START_KERNEL_MAP_LO - setupValue(SETUP_PREF_ADDRESS)) >>> 0;
  const count = elfSegments();
  for (let index = 0; index < count; index = (index + 1) | 0) {
    const inside = (offset - elfSegmentOffset[index]) >>> 0;
    const fileSize = elfSegmentFileSize[index] >>> 0;
    if (uint32Below(inside, fileSize) && !uint32Below((fileSize - inside) >>> 0, width)) {
      return (elfSegmentFileOffset[index] + inside) | 0;
    }
  }
  return -1;
}

function relocateAdd32(position: number, value: number): void {
  bytesWrite32(kernelImage, position, (bytesRead32(kernelImage, position) + value) >>> 0);
}

function relocateBad(list: string, entry: number): number {
  logStart('relocate');
  logAppendText(list);
  logAppendText(' relocation outside the kernel: entry ');
  logAppendHex(entry);
  logFinish();
  return fail(EFI_LOAD_ERROR, 'relocate', 'bad relocation table');
}

/** Chooses the virtual base and applies the relocation table for it. */
export function relocateKernel(): number {
  const pref = setupValue(SETUP_PREF_ADDRESS);
  const tableStart = elfFileEnd();
  const end = kernelImageSize();
  const hasTable = uint32Below(tableStart, end);
  let virtualBase = pref;
  if (hasTable && placementKaslr()) {
    const span = elfMemorySpan();
    if (uint32Below((pref + span) >>> 0, KERNEL_IMAGE_SIZE)) {
      const range = (KERNEL_IMAGE_SIZE - pref - span) >>> 0;
      virtualBase = (pref + multiplyHigh32(range, placementVirtualSeed())) >>> 0;
      virtualBase = (virtualBase & ~((setupValue(SETUP_KERNEL_ALIGNMENT) - 1) | 0)) >>> 0;
    }
  }
  relocateState[0] = virtualBase;
  const delta = (virtualBase - pref) >>> 0;
  relocateState[1] = delta;
  logStart('relocate');
  logAppendText('virtual base ');
  logAppendHex64(relocateVirtualBaseLo(), 0xffffffff);
  if (!hasTable) {
    logAppendText(' (no relocation table: fixed)');
  }
  logFinish();
  if (delta === 0) {
    return 0;
  }
  // Walk backwards; `position` is the entry's offset, never below the table's start.
  let position = (end - 4) | 0;
  let count32 = 0;
  let countInverse = 0;
  let count64 = 0;
  for (let list = 0; list < 3; list = (list + 1) | 0) {
    for (;;) {
      if (uint32Below(position, tableStart)) {
        return fail(EFI_LOAD_ERROR, 'relocate', 'the relocation table runs into the kernel image');
      }
      const entry = elfRead32(position);
      position = (position - 4) | 0;
      if (entry === 0) {
        break;
      }
      if (list === 2) {
        const field = relocateLocate(entry, 8);
        if (field < 0) {
          return relocateBad('64-bit', entry);
        }
        // delta < 1 GiB: add to the low half, carry into the high half.
        const low = elfRead32(field);
        relocateAdd32(field, delta);
        if (uint32Below((low + delta) >>> 0, low)) {
          relocateAdd32((field + 4) | 0, 1);
        }
        count64 = (count64 + 1) | 0;
      } else {
        const field = relocateLocate(entry, 4);
        if (field < 0) {
          return relocateBad(list === 0 ? '32-bit' : 'inverse 32-bit', entry);
        }
        if (list === 0) {
          relocateAdd32(field, delta);
          count32 = (count32 + 1) | 0;
        } else {
          relocateAdd32(field, (0 - delta) >>> 0);
          countInverse = (countInverse + 1) | 0;
        }
      }
    }
  }
  logStart('relocate');
  logAppendDecimal(count32);
  logAppendText(' 32-bit, ');
  logAppendDecimal(countInverse);
  logAppendText(' inverse 32-bit, ');
  logAppendDecimal(count64);
  logAppendText(' 64-bit relocations applied, delta ');
  logAppendHex(delta);
  logFinish();
  return 0;
}
