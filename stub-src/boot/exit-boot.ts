/**
 * @fileoverview Boot step 9b: ExitBootServices, the last parts of boot_params, and the jump.
 *
 * The map is fetched (memory-map.ts allocates its buffer first, so the key is current) and
 * ExitBootServices called with its key. When the firmware refuses the key (the map changed
 * between the two calls, e.g. a timer event allocated memory) the map is fetched again into
 * the same buffer, without allocating, and the call retried once (UEFI 2.10 §7.4.6). From then
 * on no boot service exists: the host writes the console to the serial port itself
 * (hostBootServicesExited), and efi_info and the e820 table describe the final map. The kernel
 * is entered through the host: interrupts off, the stub's GDT (CS 0x10, DS 0x18), RSI =
 * boot_params.
 */

import { exitBootServices } from '../efi/boot-services';
import {
  memoryMapBufferHi, memoryMapBufferLo, memoryMapBytes, memoryMapDescriptorSize, memoryMapDescriptorVersion,
  memoryMapFetch, memoryMapKeyHi, memoryMapKeyLo, memoryMapRefetch,
} from '../efi/memory-map';
import { fail, logAppendDecimal, logAppendHex, logAppendText, logFinish, logStart } from '../log';
import {
  bootParamsAddress, bootParamsCommit, bootParamsWrite32, BP_EFI_MEMDESC_SIZE, BP_EFI_MEMDESC_VERSION,
  BP_EFI_MEMMAP, BP_EFI_MEMMAP_HI, BP_EFI_MEMMAP_SIZE,
} from './boot-params';
import { e820Build, e820Entries } from './e820';
import { elfEntryOffset } from './elf-load';
import { pagingLevels, pagingTrampoline } from './paging';
import { placementAddress } from './placement';
import { unacceptedMemoryCommit } from './unaccepted-memory';

let exitBootServicesSucceeded = false;

/** True once ExitBootServices succeeded: no boot service may be called any more. */
export function exitBootServicesDone(): boolean {
  return exitBootServicesSucceeded;
}

/** Leaves the firmware and enters the kernel; returns only on failure. */
export function exitBootAndEnterKernel(): number {
  let status = memoryMapFetch();
  if (status !== 0) {
    return status;
  }
  status = exitBootServices(memoryMapKeyLo(), memoryMapKeyHi());
  let attempts = 1;
  if (status !== 0) {
    status = memoryMapRefetch();
    if (status === 0) {
      status = exitBootServices(memoryMapKeyLo(), memoryMapKeyHi());
      attempts = 2;
    }
  }
  if (status !== 0) {
    return fail(status, 'exit-boot-services', 'the firmware refused ExitBootServices twice');
  }
  exitBootServicesSucceeded = true;
  hostBootServicesExited();
  bootParamsWrite32(BP_EFI_MEMMAP, memoryMapBufferLo());
  bootParamsWrite32(BP_EFI_MEMMAP_HI, memoryMapBufferHi());
  bootParamsWrite32(BP_EFI_MEMMAP_SIZE, memoryMapBytes());
  bootParamsWrite32(BP_EFI_MEMDESC_SIZE, memoryMapDescriptorSize());
  bootParamsWrite32(BP_EFI_MEMDESC_VERSION, memoryMapDescriptorVersion());
  status = e820Build();
  if (status === 0) {
    status = unacceptedMemoryCommit();
  }
  if (status === 0) {
    status = bootParamsCommit();
  }
  if (status !== 0) {
    // Boot services are gone: there is no firmware to return to in a defined state; the host
    // prints the exit line and returns, which is the best that can be said.
    return fail(status, 'exit-boot-services', 'failed to write the e820 table or boot_params');
  }
  const entry = (placementAddress() + elfEntryOffset()) >>> 0;
  logStart('exit-boot-services');
  logAppendText('done (attempt ');
  logAppendDecimal(attempts);
  logAppendText('), e820 entries ');
  logAppendDecimal(e820Entries());
  logAppendText(', entering the kernel at ');
  logAppendHex(entry);
  logAppendText(' with boot_params at ');
  logAppendHex(bootParamsAddress());
  logFinish();
  status = hostEnterKernel(entry, 0, bootParamsAddress(), 0, pagingLevels(), pagingTrampoline()) >>> 0;
  return fail(status, 'enter-kernel', 'the host refused to enter the kernel');
}
