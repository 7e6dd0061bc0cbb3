/**
 * @fileoverview Hello step: allocate 16 pages, write and read back a pattern in every page, free.
 *
 * Proves the allocation path end to end: AllocatePages (AllocateAnyPages, EfiLoaderData), the
 * host's write grant for memory the stub owns, checked writes, reads, FreePages. The allocation
 * is freed on every path out.
 */

import { addressPlusHi, addressPlusLo } from '../efi/address';
import { allocatePages, bootServicesResult, freePages, BOOT_RESULT_ADDRESS_HI, BOOT_RESULT_ADDRESS_LO } from '../efi/boot-services';
import { EFI_DEVICE_ERROR } from '../efi/status';
import { ALLOCATE_ANY_PAGES, EFI_LOADER_DATA, EFI_PAGE_SIZE } from '../efi/tables';
import { fail, logAppendDecimal, logAppendHex, logAppendHex64, logAppendText, logFinish, logStart } from '../log';

export const CHECK_PAGES_COUNT = 16;
/** High half of the pattern; the low half is the page number, so a page mix-up shows. */
export const CHECK_PAGES_PATTERN = 0xa5c30000;

/** Writes the pattern at the first and last word of every page; returns the host's status. */
function checkPagesWrite(baseLo: number, baseHi: number): number {
  for (let page = 0; page < CHECK_PAGES_COUNT; page = (page + 1) | 0) {
    const first = Math.imul(page, EFI_PAGE_SIZE) >>> 0;
    const last = (first + EFI_PAGE_SIZE - 4) >>> 0;
    const pattern = (CHECK_PAGES_PATTERN | page) >>> 0;
    let status = hostPhysWrite32(addressPlusLo(baseLo, first), addressPlusHi(baseLo, baseHi, first), pattern) >>> 0;
    if (status === 0) {
      status = hostPhysWrite32(addressPlusLo(baseLo, last), addressPlusHi(baseLo, baseHi, last), ~pattern >>> 0) >>> 0;
    }
    if (status !== 0) {
      return fail(status, 'pages', 'write refused in the allocated pages');
    }
  }
  return 0;
}

/** Reads the pattern back; logs the first mismatch and returns EFI_DEVICE_ERROR. */
function checkPagesRead(baseLo: number, baseHi: number): number {
  for (let page = 0; page < CHECK_PAGES_COUNT; page = (page + 1) | 0) {
    const first = Math.imul(page, EFI_PAGE_SIZE) >>> 0;
    const last = (first + EFI_PAGE_SIZE - 4) >>> 0;
    const pattern = (CHECK_PAGES_PATTERN | page) >>> 0;
    const readFirst = hostPhysRead32(addressPlusLo(baseLo, first), addressPlusHi(baseLo, baseHi, first)) >>> 0;
    const readLast = hostPhysRead32(addressPlusLo(baseLo, last), addressPlusHi(baseLo, baseHi, last)) >>> 0;
    if ((readFirst | 0) !== (pattern | 0) || (readLast | 0) !== (~pattern | 0)) {
      logStart('pages');
      logAppendText('page ');
      logAppendDecimal(page);
      logAppendText(' reads ');
      logAppendHex(readFirst);
      logAppendText(' instead of ');
      logAppendHex(pattern);
      logFinish();
      return EFI_DEVICE_ERROR;
    }
  }
  return 0;
}

export function checkPages(): number {
  let status = allocatePages(ALLOCATE_ANY_PAGES, EFI_LOADER_DATA, CHECK_PAGES_COUNT, 0, 0);
  if (status !== 0) {
    return fail(status, 'pages', 'failed to allocate 16 pages');
  }
  const baseLo = bootServicesResult(BOOT_RESULT_ADDRESS_LO);
  const baseHi = bootServicesResult(BOOT_RESULT_ADDRESS_HI);
  status = hostPhysGrantWrite(baseLo, baseHi, Math.imul(CHECK_PAGES_COUNT, EFI_PAGE_SIZE)) >>> 0;
  if (status !== 0) {
    fail(status, 'pages', 'write grant refused for the allocated pages');
  } else {
    status = checkPagesWrite(baseLo, baseHi);
    if (status === 0) {
      status = checkPagesRead(baseLo, baseHi);
    }
  }
  const freeStatus = freePages(baseLo, baseHi, CHECK_PAGES_COUNT);
  if (freeStatus !== 0) {
    fail(freeStatus, 'pages', 'failed to free the 16 pages');
    if (status === 0) {
      status = freeStatus;
    }
  }
  if (status !== 0) {
    return status;
  }
  logStart('pages');
  logAppendDecimal(CHECK_PAGES_COUNT);
  logAppendText(' pages at ');
  logAppendHex64(baseLo, baseHi);
  logAppendText(' written, read back and freed');
  logFinish();
  return 0;
}
