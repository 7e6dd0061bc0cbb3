/**
 * @fileoverview efiMain: the stub's table of contents, one step per line.
 *
 * The C runtime calls efiMain() once the host is bound and prints the final exit line itself.
 * With a kernel in the image (.linux) the boot flow of DESIGN.md runs, one module of
 * stub-src/boot/ per step, and efiMain returns only when a step failed (that step has said what
 * and why; its status goes back to the firmware, which moves on to its next boot option).
 * Without a kernel the hello steps run and return EFI_SUCCESS.
 */

import { bootServicesInit } from './efi/boot-services';
import { memoryMapRelease } from './efi/memory-map';
import { helloSteps } from './hello/hello-main';
import { fail } from './log';
import { bootAllocationsRelease } from './boot/allocations';
import { bootParamsPrepare } from './boot/boot-params';
import { cmdlineLoad } from './boot/cmdline';
import { elfCopySegments, elfParse } from './boot/elf-load';
import { exitBootAndEnterKernel, exitBootServicesDone } from './boot/exit-boot';
import { imageHasKernel, imageSectionsFind } from './boot/image-sections';
import { initrdLoad } from './boot/initrd';
import { kernelDecompress } from './boot/kernel-decompress';
import { memoryProtectKernel } from './boot/memory-protect';
import { pagingPlan } from './boot/paging';
import { placementAllocate } from './boot/placement';
import { relocateKernel } from './boot/relocate';
import { setupHeaderRead } from './boot/setup-header';
import { sevCheck } from './boot/sev';
import { stageClockMark, stageClockStart } from './boot/stage-clock';
import { unacceptedMemoryPlan, unacceptedMemoryRelease } from './boot/unaccepted-memory';

export function efiMain(): number {
  // The system and boot services tables first: every later step calls through them.
  let status = bootServicesInit();
  if (status !== 0) {
    return fail(status, 'system-table', 'bad system table or boot services table');
  }
  status = imageSectionsFind();
  if (status !== 0) {
    return status;
  }
  if (!imageHasKernel()) {
    return helloSteps();
  }
  return bootKernel();
}

/** The boot flow; on a failure while the firmware still runs, its allocations are given back. */
function bootKernel(): number {
  const status = bootKernelSteps();
  if (status !== 0 && !exitBootServicesDone()) {
    unacceptedMemoryRelease();
    bootAllocationsRelease();
    memoryMapRelease();
  }
  return status;
}

function bootKernelSteps(): number {
  stageClockStart();
  let status = setupHeaderRead();
  if (status === 0) status = sevCheck();
  if (status === 0) status = cmdlineLoad();
  if (status === 0) status = placementAllocate();
  if (status !== 0) {
    return status;
  }
  stageClockMark('setup');
  status = kernelDecompress();
  if (status !== 0) {
    return status;
  }
  stageClockMark('decompress');
  status = elfParse();
  if (status === 0) status = relocateKernel();
  if (status === 0) status = elfCopySegments();
  if (status !== 0) {
    return status;
  }
  stageClockMark('elf+relocate');
  status = memoryProtectKernel();
  if (status === 0) status = initrdLoad();
  if (status === 0) status = bootParamsPrepare();
  if (status === 0) status = pagingPlan();
  if (status === 0) status = unacceptedMemoryPlan();
  if (status !== 0) {
    return status;
  }
  stageClockMark('initrd+boot-params');
  return exitBootAndEnterKernel();
}
