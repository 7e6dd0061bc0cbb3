/**
 * @fileoverview The stub's own PE/COFF image in memory: its section table, and a section by name.
 *
 * Source: Microsoft PE/COFF specification ("MS-DOS Stub", "Signature (Image Only)", "COFF File
 * Header (Object and Image)", "Optional Header Image Only", "Section Table (Section Headers)").
 * The UKI payload (.linux, .initrd, .cmdline…) is in sections of the running image, so the
 * stub reads its own headers from the loaded image's ImageBase: e_lfanew at 0x3c → "PE\0\0" →
 * the 20-byte COFF header → the optional header (skipped by SizeOfOptionalHeader) → 40-byte
 * section headers. The image is not trusted more than a file would be: every offset is checked
 * against ImageSize before it is read, one reason per check (as systemd's pe.c does).
 *
 * peImageOpen() records where the section table is; the accessors read one header at a time
 * into a module-level buffer with one hostPhysToHeap copy.
 */

import { addressPlusHi, addressPlusLo, readField16, readField32, uint32AtMost, uint32Below } from './efi/address';
import { EFI_LOAD_ERROR } from './efi/status';
import { fail } from './log';

export const DOS_MAGIC = 0x5a4d; // "MZ"
export const DOS_E_LFANEW = 0x3c;
export const PE_SIGNATURE = 0x00004550; // "PE\0\0"
export const COFF_HEADER_SIZE = 20;
export const COFF_MACHINE = 0;
export const COFF_NUMBER_OF_SECTIONS = 2;
export const COFF_SIZE_OF_OPTIONAL_HEADER = 16;
export const OPTIONAL_HEADER_MAGIC_PE32_PLUS = 0x20b;
export const SECTION_HEADER_SIZE = 40;
export const SECTION_NAME_SIZE = 8;
export const SECTION_VIRTUAL_SIZE = 8;
export const SECTION_VIRTUAL_ADDRESS = 12;
export const SECTION_SIZE_OF_RAW_DATA = 16;
export const SECTION_POINTER_TO_RAW_DATA = 20;
export const SECTION_CHARACTERISTICS = 36;
/** The PE format's limit on NumberOfSections for an image. */
export const PE_MAX_SECTIONS = 96;

// [0..1] image base, [2] image size, [3] section table offset from the base, [4] section count.
const peImageState = new Uint32Array(new ArrayBuffer(20));
const peSectionHeader = new Uint8Array(new ArrayBuffer(SECTION_HEADER_SIZE));
/** Index of the section whose header is in peSectionHeader; -1 for none. */
let peLoadedSection = -1;

export function peImageBaseLo(): number {
  return peImageState[0] >>> 0;
}
export function peImageBaseHi(): number {
  return peImageState[1] >>> 0;
}
export function peSectionCount(): number {
  return peImageState[4] >>> 0;
}

/**
 * Finds the section table of the image at (baseLo, baseHi), `size` bytes long (an image larger
 * than 4 GiB is refused by the caller). Fatal on a malformed image: logs and returns the status.
 */
export function peImageOpen(baseLo: number, baseHi: number, size: number): number {
  peImageState[4] = 0;
  peLoadedSection = -1;
  if (uint32Below(size, 0x40)) {
    return fail(EFI_LOAD_ERROR, 'pe-image', 'image smaller than a DOS header');
  }
  if (readField16(baseLo, baseHi, 0) !== DOS_MAGIC) {
    return fail(EFI_LOAD_ERROR, 'pe-image', 'no MZ signature at the image base');
  }
  const peOffset = readField32(baseLo, baseHi, DOS_E_LFANEW);
  // The signature and COFF header must fit: peOffset + 24 <= size, without overflow.
  if (!uint32AtMost(peOffset, (size - 24) >>> 0)) {
    return fail(EFI_LOAD_ERROR, 'pe-image', 'e_lfanew points outside the image');
  }
  if (readField32(baseLo, baseHi, peOffset) !== PE_SIGNATURE) {
    return fail(EFI_LOAD_ERROR, 'pe-image', 'no PE signature at e_lfanew');
  }
  const coffOffset = (peOffset + 4) >>> 0;
  const sectionCount = readField16(baseLo, baseHi, (coffOffset + COFF_NUMBER_OF_SECTIONS) >>> 0);
  const optionalSize = readField16(baseLo, baseHi, (coffOffset + COFF_SIZE_OF_OPTIONAL_HEADER) >>> 0);
  if (sectionCount > PE_MAX_SECTIONS) {
    return fail(EFI_LOAD_ERROR, 'pe-image', 'more than 96 sections');
  }
  const optionalOffset = (coffOffset + COFF_HEADER_SIZE) >>> 0;
  if (optionalSize < 2 || !uint32AtMost((optionalOffset + optionalSize) >>> 0, size)) {
    return fail(EFI_LOAD_ERROR, 'pe-image', 'optional header outside the image');
  }
  if (readField16(baseLo, baseHi, optionalOffset) !== OPTIONAL_HEADER_MAGIC_PE32_PLUS) {
    return fail(EFI_LOAD_ERROR, 'pe-image', 'not a PE32+ image');
  }
  const tableOffset = (optionalOffset + optionalSize) >>> 0;
  const tableEnd = (tableOffset + Math.imul(sectionCount, SECTION_HEADER_SIZE)) >>> 0;
  if (!uint32AtMost(tableEnd, size)) {
    return fail(EFI_LOAD_ERROR, 'pe-image', 'section table outside the image');
  }
  peImageState[0] = baseLo;
  peImageState[1] = baseHi;
  peImageState[2] = size;
  peImageState[3] = tableOffset;
  peImageState[4] = sectionCount;
  return 0;
}

/** Copies section header `index` into peSectionHeader (once per index). */
function peLoadSectionHeader(index: number): void {
  if (index === peLoadedSection) {
    return;
  }
  const offset = (peImageState[3] + Math.imul(index, SECTION_HEADER_SIZE)) >>> 0;
  const baseLo = peImageState[0] >>> 0;
  const baseHi = peImageState[1] >>> 0;
  hostPhysToHeap(peSectionHeader, 0, addressPlusLo(baseLo, offset), addressPlusHi(baseLo, baseHi, offset), SECTION_HEADER_SIZE);
  peLoadedSection = index;
}

function peSectionHeaderField32(index: number, offset: number): number {
  peLoadSectionHeader(index);
  return (
    peSectionHeader[offset] |
    (peSectionHeader[(offset + 1) | 0] << 8) |
    (peSectionHeader[(offset + 2) | 0] << 16) |
    (peSectionHeader[(offset + 3) | 0] << 24)
  ) >>> 0;
}

/** Byte `position` (0..7) of section `index`'s name; 0 past the end of a shorter name. */
export function peSectionNameByte(index: number, position: number): number {
  peLoadSectionHeader(index);
  return peSectionHeader[position];
}
export function peSectionVirtualSize(index: number): number {
  return peSectionHeaderField32(index, SECTION_VIRTUAL_SIZE);
}
export function peSectionVirtualAddress(index: number): number {
  return peSectionHeaderField32(index, SECTION_VIRTUAL_ADDRESS);
}
export function peSectionRawSize(index: number): number {
  return peSectionHeaderField32(index, SECTION_SIZE_OF_RAW_DATA);
}
export function peSectionCharacteristics(index: number): number {
  return peSectionHeaderField32(index, SECTION_CHARACTERISTICS);
}

/** True when section `index` lies inside the image: VirtualAddress + VirtualSize <= ImageSize. */
export function peSectionInImage(index: number): boolean {
  const start = peSectionVirtualAddress(index);
  const size = peSectionVirtualSize(index);
  const imageSize = peImageState[2] >>> 0;
  return uint32AtMost(start, imageSize) && uint32AtMost(size, (imageSize - start) >>> 0);
}

/** True when section `index` is named `name` (at most 8 characters; the rest of the field NUL). */
export function peSectionNamed(index: number, name: string): boolean {
  const nameLength = name.length;
  if (nameLength > SECTION_NAME_SIZE) {
    return false;
  }
  for (let position = 0; position < SECTION_NAME_SIZE; position = (position + 1) | 0) {
    let expected = 0;
    if (position < nameLength) {
      expected = name.charCodeAt(position);
    }
    if (peSectionNameByte(index, position) !== expected) {
      return false;
    }
  }
  return true;
}

/** Index of the section named `name` (at most 8 characters), or -1. */
export function peFindSection(name: string): number {
  const count = peImageState[4] | 0;
  for (let index = 0; index < count; index = (index + 1) | 0) {
    if (peSectionNamed(index, name)) {
      return index;
    }
  }
  return -1;
}
