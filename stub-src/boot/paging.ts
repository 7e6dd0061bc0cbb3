/**
 * @fileoverview Boot step: the paging depth the kernel is entered with.
 *
 * x86-64 has 4-level paging (48-bit addresses) and, on CPUs with LA57 (CPUID.(EAX=7,ECX=0):ECX
 * bit 16), 5-level paging (57-bit). A kernel built for it says so with XLF_5LEVEL in xloadflags
 * (boot.rst) and then expects to be entered in 5-level mode on such a CPU, as the Linux stub
 * does (efi_5level_switch); `no5lvl` on the command line keeps 4 levels, as does a kernel
 * without XLF_5LEVEL. Firmware usually runs in 4 levels (OVMF 2022.11 does), so the switch is
 * made just before the jump, by the host (hostEnterKernel), through two pages allocated here
 * below 4 GiB: the change needs paging off for a moment, which only 32-bit code can survive.
 * On a CPU without LA57 the firmware's mode is kept: it can only be 4 levels.
 */

import { uint32Below } from '../efi/address';
import { bootAllocatePages } from './allocations';
import { bootServicesResult, BOOT_RESULT_ADDRESS_LO } from '../efi/boot-services';
import { ALLOCATE_MAX_ADDRESS, EFI_LOADER_CODE } from '../efi/tables';
import { fail, logText } from '../log';
import { cmdlineHasOption } from './cmdline';
import { setupValue, SETUP_XLOADFLAGS, XLF_5LEVEL } from './setup-header';

export const CPUID_STRUCTURED_FEATURES = 7;
export const CPUID_7_ECX_LA57 = 0x10000;
/** Pages of the host's trampoline: its code, GDT and stack; the new top-level table. */
export const PAGING_TRAMPOLINE_PAGES = 2;

// [0] levels to enter with (0: keep the firmware's), [1] trampoline address.
const pagingState = new Uint32Array(new ArrayBuffer(8));
const pagingRegisters = new Uint32Array(new ArrayBuffer(16));

export function pagingLevels(): number {
  return pagingState[0] >>> 0;
}
export function pagingTrampoline(): number {
  return pagingState[1] >>> 0;
}

/** True when the CPU can do 5-level paging. */
export function pagingCpuHasLa57(): boolean {
  hostCpuid(0, 0, pagingRegisters);
  if (uint32Below(pagingRegisters[0], CPUID_STRUCTURED_FEATURES)) {
    return false;
  }
  hostCpuid(CPUID_STRUCTURED_FEATURES, 0, pagingRegisters);
  return (pagingRegisters[2] & CPUID_7_ECX_LA57) !== 0;
}

/** Chooses the depth and, on an LA57 CPU, allocates the trampoline pages. */
export function pagingPlan(): number {
  pagingState[0] = 0;
  pagingState[1] = 0;
  if (!pagingCpuHasLa57()) {
    logText('paging', '4-level (the CPU has no LA57)');
    return 0;
  }
  let levels = 5;
  if ((setupValue(SETUP_XLOADFLAGS) & XLF_5LEVEL) === 0) {
    levels = 4;
    logText('paging', '4-level: the kernel does not support 5-level paging (no XLF_5LEVEL)');
  } else if (cmdlineHasOption('no5lvl')) {
    levels = 4;
    logText('paging', '4-level: no5lvl on the command line');
  } else {
    logText('paging', '5-level (CPU has LA57, kernel has XLF_5LEVEL)');
  }
  const status = bootAllocatePages(ALLOCATE_MAX_ADDRESS, EFI_LOADER_CODE, PAGING_TRAMPOLINE_PAGES, 0xffffffff, 0);
  if (status !== 0) {
    return fail(status, 'paging', 'failed to allocate the paging trampoline below 4 GiB');
  }
  const trampoline = bootServicesResult(BOOT_RESULT_ADDRESS_LO);
  pagingState[0] = levels;
  pagingState[1] = trampoline;
  return 0;
}
