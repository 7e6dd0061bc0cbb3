/**
 * @fileoverview Hello step: `efistub: memory-map: <n> descriptors, 0x<pages> pages of
 * conventional memory`, from a real GetMemoryMap round trip (size query, pool buffer, fetch).
 */

import { memoryMapCount, memoryMapFetch, memoryMapPagesHi, memoryMapPagesLo, memoryMapRelease, memoryMapType } from '../efi/memory-map';
import { uint32Below } from '../efi/address';
import { EFI_CONVENTIONAL_MEMORY } from '../efi/tables';
import { logAppendDecimal, logAppendHex64, logAppendText, logFinish, logStart } from '../log';

export function reportMemoryMap(): number {
  const status = memoryMapFetch();
  if (status !== 0) {
    return status;
  }
  const count = memoryMapCount();
  let pagesLo = 0;
  let pagesHi = 0;
  for (let index = 0; index < count; index = (index + 1) | 0) {
    if (memoryMapType(index) === EFI_CONVENTIONAL_MEMORY) {
      const addLo = memoryMapPagesLo(index);
      const sumLo = (pagesLo + addLo) >>> 0;
      pagesHi = (pagesHi + memoryMapPagesHi(index)) >>> 0;
      if (uint32Below(sumLo, addLo)) {
        pagesHi = (pagesHi + 1) >>> 0;
      }
      pagesLo = sumLo;
    }
  }
  logStart('memory-map');
  logAppendDecimal(count);
  logAppendText(' descriptors, ');
  logAppendHex64(pagesLo, pagesHi);
  logAppendText(' pages of conventional memory');
  logFinish();
  return memoryMapRelease();
}
