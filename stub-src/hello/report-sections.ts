/**
 * @fileoverview Hello steps: the stub's own image and its sections, and the .cmdline text.
 *
 * reportSections: the image efiMain opened (ImageBase/ImageSize from LOADED_IMAGE, the PE section
 * table of stub-src/pe-image.ts) → one line per section:
 * `efistub: section: <name> rva 0x<rva> size 0x<virtual size>`.
 * reportCmdline: `efistub: cmdline: <text>` from the .cmdline section (UKI convention,
 * stub-src/uki.ts), trailing NULs and line ends dropped; or `efistub: cmdline: no .cmdline
 * section`.
 */

import { addressPlusHi, addressPlusLo } from '../efi/address';
import {
  loadedImageField, LOADED_IMAGE_FIELD_BASE_HI, LOADED_IMAGE_FIELD_BASE_LO, LOADED_IMAGE_FIELD_SIZE_HI,
  LOADED_IMAGE_FIELD_SIZE_LO,
} from '../efi/proto-loaded-image';
import { EFI_LOAD_ERROR } from '../efi/status';
import { fail, logAppendChar, logAppendHex, logAppendHex64, logAppendText, logFinish, logStart } from '../log';
import {
  peFindSection, peImageBaseHi, peImageBaseLo, peSectionCount, peSectionInImage, peSectionNameByte,
  peSectionVirtualAddress, peSectionVirtualSize,
} from '../pe-image';
import { ukiSectionName, UKI_SECTION_CMDLINE } from '../uki';

/** Longest command line echoed; the rest is cut (the log line ends in "..."). */
export const CMDLINE_ECHO_MAX = 960;
const cmdlineChunk = new Uint8Array(new ArrayBuffer(64));

/** Lists the image's sections; efiMain opened the image first (stub-src/boot/image-sections.ts). */
export function reportSections(): number {
  logStart('loaded-image');
  logAppendText('base ');
  logAppendHex64(loadedImageField(LOADED_IMAGE_FIELD_BASE_LO), loadedImageField(LOADED_IMAGE_FIELD_BASE_HI));
  logAppendText(' size ');
  logAppendHex64(loadedImageField(LOADED_IMAGE_FIELD_SIZE_LO), loadedImageField(LOADED_IMAGE_FIELD_SIZE_HI));
  logFinish();
  const count = peSectionCount();
  for (let index = 0; index < count; index = (index + 1) | 0) {
    logStart('section');
    for (let position = 0; position < 8; position = (position + 1) | 0) {
      const character = peSectionNameByte(index, position);
      if (character === 0) {
        break;
      }
      logAppendChar(character);
    }
    logAppendText(' rva ');
    logAppendHex(peSectionVirtualAddress(index));
    logAppendText(' size ');
    logAppendHex(peSectionVirtualSize(index));
    logFinish();
  }
  return 0;
}

/** Echoes the .cmdline section; needs reportSections() to have opened the image. */
export function reportCmdline(): number {
  const index = peFindSection(ukiSectionName(UKI_SECTION_CMDLINE));
  if (index < 0) {
    logStart('cmdline');
    logAppendText('no .cmdline section');
    logFinish();
    return 0;
  }
  if (!peSectionInImage(index)) {
    return fail(EFI_LOAD_ERROR, 'cmdline', '.cmdline section outside the image');
  }
  const rva = peSectionVirtualAddress(index);
  const baseLo = peImageBaseLo();
  const baseHi = peImageBaseHi();
  const startLo = addressPlusLo(baseLo, rva);
  const startHi = addressPlusHi(baseLo, baseHi, rva);
  // Drop trailing NULs, spaces and line ends: ukify and objcopy pad or end the text with them.
  let length = peSectionVirtualSize(index);
  while (length > 0) {
    const last = (length - 1) | 0;
    const character = hostPhysRead8(addressPlusLo(startLo, last), addressPlusHi(startLo, startHi, last)) & 0xff;
    if (character !== 0 && character !== 0x0a && character !== 0x0d && character !== 0x20) {
      break;
    }
    length = last;
  }
  if (length > CMDLINE_ECHO_MAX) {
    length = CMDLINE_ECHO_MAX;
  }
  logStart('cmdline');
  let done = 0;
  while (done < length) {
    let chunk = (length - done) | 0;
    if (chunk > 64) {
      chunk = 64;
    }
    const status = hostPhysToHeap(cmdlineChunk, 0, addressPlusLo(startLo, done), addressPlusHi(startLo, startHi, done), chunk) >>> 0;
    if (status !== 0) {
      logFinish();
      return fail(status, 'cmdline', 'failed to read the .cmdline section');
    }
    for (let position = 0; position < chunk; position = (position + 1) | 0) {
      logAppendChar(cmdlineChunk[position]);
    }
    done = (done + chunk) | 0;
  }
  logFinish();
  return 0;
}
