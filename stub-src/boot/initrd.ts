/**
 * @fileoverview Boot step 8a: the initrd, every .initrd section concatenated in table order
 * into pages below the kernel's initrd_addr_max (boot.rst; the kernel unpacks concatenated
 * cpio archives in turn, which is how microcode and a main initramfs travel together). An
 * image without .initrd sections takes the initrd a loader or the firmware offers through the
 * initrd media device path (stub-src/boot/initrd-media.ts), e.g. QEMU's -initrd under OVMF.
 * (`initrd=` paths on the command line are not read.)
 */

import { bootAllocatePages } from './allocations';
import { bootServicesResult, BOOT_RESULT_ADDRESS_LO } from '../efi/boot-services';
import { uint32Below } from '../efi/address';
import { EFI_BAD_BUFFER_SIZE } from '../efi/status';
import { ALLOCATE_MAX_ADDRESS, EFI_LOADER_DATA, EFI_PAGE_SHIFT } from '../efi/tables';
import { fail, logAppendDecimal, logAppendHex, logAppendText, logFinish, logStart } from '../log';
import { imageInitrdHi, imageInitrdLo, imageInitrdSections, imageInitrdSize } from './image-sections';
import { setupValue, SETUP_INITRD_ADDR_MAX } from './setup-header';
import { initrdMediaAddress, initrdMediaLoad, initrdMediaSize } from './initrd-media';

// [0] address, [1] size.
const initrdState = new Uint32Array(new ArrayBuffer(8));

export function initrdAddress(): number {
  return initrdState[0] >>> 0;
}
export function initrdSize(): number {
  return initrdState[1] >>> 0;
}

/** Loads the .initrd sections, if any. Fatal when they do not fit below initrd_addr_max. */
export function initrdLoad(): number {
  initrdState[0] = 0;
  initrdState[1] = 0;
  const sections = imageInitrdSections();
  let total = 0;
  for (let which = 0; which < sections; which = (which + 1) | 0) {
    const next = (total + imageInitrdSize(which)) >>> 0;
    if (uint32Below(next, total) || uint32Below(0x7fffffff, next)) {
      return fail(EFI_BAD_BUFFER_SIZE, 'initrd', 'the .initrd sections add up to 2 GiB or more');
    }
    total = next;
  }
  if (total === 0) {
    const status = initrdMediaLoad();
    if (status !== 0) {
      return status;
    }
    initrdState[0] = initrdMediaAddress();
    initrdState[1] = initrdMediaSize();
    logStart('initrd');
    if (initrdState[1] === 0) {
      logAppendText('none');
    } else {
      logAppendHex(initrdState[1]);
      logAppendText(' bytes at ');
      logAppendHex(initrdState[0]);
      logAppendText(' from the LINUX_EFI_INITRD_MEDIA_GUID LoadFile2 protocol');
    }
    logFinish();
    return 0;
  }
  const pages = ((total + 0xfff) >>> EFI_PAGE_SHIFT) >>> 0;
  let status = bootAllocatePages(ALLOCATE_MAX_ADDRESS, EFI_LOADER_DATA, pages, setupValue(SETUP_INITRD_ADDR_MAX), 0);
  if (status !== 0) {
    return fail(status, 'initrd', 'failed to allocate the initrd below initrd_addr_max');
  }
  const address = bootServicesResult(BOOT_RESULT_ADDRESS_LO);
  let offset = 0;
  for (let which = 0; which < sections && status === 0; which = (which + 1) | 0) {
    const size = imageInitrdSize(which);
    status = hostPhysCopy((address + offset) >>> 0, 0, imageInitrdLo(which), imageInitrdHi(which), size) >>> 0;
    offset = (offset + size) >>> 0;
  }
  if (status !== 0) {
    return fail(status, 'initrd', 'failed to copy the initrd');
  }
  initrdState[0] = address;
  initrdState[1] = total;
  logStart('initrd');
  logAppendDecimal(sections);
  logAppendText(' section(s), ');
  logAppendHex(total);
  logAppendText(' bytes at ');
  logAppendHex(address);
  logFinish();
  return 0;
}
