/**
 * @fileoverview Stage 'pe-writer': adds UKI sections (.linux, .initrd, .cmdline…) to a copy of
 * the stub, the way ukify wraps systemd-stub.
 *
 * Written by hand rather than with pe-library 2.0.1. The design's measurements of pe-library
 * (DESIGN.md, "PE/COFF output") found that it has no call to add a named section, refuses
 * images with a COFF symbol table, never grows SizeOfHeaders (extra section headers silently
 * overwrote the start of .text and the checksum was recomputed over the damage), adds a second
 * .sbat instead of merging, and drops a signature without saying so. Each of those is a rule
 * here; the rest of the job is a few header fields, so this file edits the image directly with
 * the bounds-checked reader in compiler/pe-format.ts. pe-library is not used at all.
 *
 * What the writer guarantees (each has a test in test/fast/pe-writer.test.ts):
 * - the input file is never modified; the output appears only complete (temp file + rename)
 *   and not at all when anything is refused;
 * - only UKI names (stub-src/uki.ts), each at most 8 bytes, each at most once; a name the stub
 *   already has is refused, except .sbat, which is merged into the stub's section (CSV lines,
 *   the `sbat,1,…` header line once) because shim reads exactly one .sbat;
 * - signed images are refused (adding sections invalidates the Authenticode signature: sign
 *   after wrapping), and so are images with a COFF symbol table (its file offset would dangle);
 * - new section headers never overwrite section data: when they do not fit before the first
 *   section's raw data, all raw data moves down by a FileAlignment multiple (RVAs unchanged,
 *   debug directory file pointers adjusted) while the headers stay below the first section's
 *   VirtualAddress; otherwise the image is refused;
 * - new sections go after the last one, each at a 4 KiB-aligned RVA (firmware with memory
 *   protection maps W^X at page granularity), read-only initialized data, raw data at
 *   FileAlignment; `.linux` may reserve a larger VirtualSize than its data (the kernel's
 *   SizeOfImage);
 * - NumberOfSections, SizeOfHeaders, SizeOfImage, SizeOfInitializedData and CheckSum updated.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from './diagnostics.ts';
import {
  COFF_NUMBER_OF_SECTIONS,
  DEBUG_DIRECTORY_ENTRY_SIZE,
  DEBUG_POINTER_TO_RAW_DATA,
  IMAGE_DIRECTORY_ENTRY_DEBUG,
  IMAGE_DIRECTORY_ENTRY_SECURITY,
  IMAGE_SCN_CNT_INITIALIZED_DATA,
  IMAGE_SCN_MEM_READ,
  MAX_IMAGE_SECTIONS,
  OPT_SIZE_OF_HEADERS,
  OPT_SIZE_OF_IMAGE,
  OPT_SIZE_OF_INITIALIZED_DATA,
  OPT_CHECKSUM,
  SECTION_CHARACTERISTICS,
  SECTION_HEADER_SIZE,
  SECTION_NAME_SIZE,
  SECTION_POINTER_TO_RAW_DATA,
  SECTION_SIZE_OF_RAW_DATA,
  SECTION_VIRTUAL_ADDRESS,
  SECTION_VIRTUAL_SIZE,
  alignUp,
  computePeChecksum,
  dataDirectory,
  hex,
  parsePeImage,
  peDiagnostic,
  rvaToFileOffset,
  type PeImage,
  type PeSection,
} from './pe-format.ts';
import { UKI_SECTION_COUNT, UKI_SECTION_LINUX, UKI_SECTION_SBAT, ukiSectionName } from '../stub-src/uki.ts';

/** Codes are API: tests assert them. 300–319 are the reader's (compiler/pe-format.ts). */
export const PeWriterError = {
  READ_FAILED: 320,
  SAME_PATH: 321,
  NAME_TOO_LONG: 322,
  UNKNOWN_SECTION_NAME: 323,
  DUPLICATE_REQUEST: 324,
  EMPTY_SECTION: 325,
  BAD_VIRTUAL_SIZE: 326,
  SIGNED_IMAGE: 327,
  SYMBOL_TABLE: 328,
  SECTION_FILE_POINTERS: 329,
  SECTION_EXISTS: 330,
  TOO_MANY_SECTIONS: 331,
  NO_HEADER_ROOM: 332,
  HEADER_AREA_IN_USE: 333,
  BAD_SBAT: 334,
  SBAT_CONFLICT: 335,
  SBAT_NO_ROOM: 336,
  IMAGE_TOO_LARGE: 337,
  WRITE_FAILED: 338,
  BAD_DEBUG_DIRECTORY: 339,
} as const;

export interface NewSection {
  /** A UKI section name from stub-src/uki.ts, e.g. ".cmdline". */
  name: string;
  data: Uint8Array;
  /**
   * `.linux` only: the VirtualSize to reserve (>= data length), so the loaded image covers the
   * kernel's own SizeOfImage. Other sections get VirtualSize = data length.
   */
  virtualSize?: number;
}

/** Read-only initialized data: never writable, never executable (W^X firmware, NX_COMPAT). */
const UKI_SECTION_CHARACTERISTICS = (IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ) >>> 0;
/** New sections start on a page boundary even if the stub's SectionAlignment were smaller. */
const PAGE_SIZE = 0x1000;
const UINT32_LIMIT = 0x1_0000_0000;
const SBAT_NAME = ukiSectionName(UKI_SECTION_SBAT);
const LINUX_NAME = ukiSectionName(UKI_SECTION_LINUX);

/**
 * Adds `sections` to a copy of the PE image at `inputPath`, written to `outputPath`.
 * Returns [] on success; otherwise diagnostics, and nothing is written.
 */
export function addSections(inputPath: string, sections: NewSection[], outputPath: string): Diagnostic[] {
  const fail = (code: number, message: string, file = inputPath): Diagnostic[] => [peDiagnostic(code, file, message)];

  if (isSameFile(inputPath, outputPath)) {
    return fail(PeWriterError.SAME_PATH, 'output path is the input image; the input is never modified, choose another path');
  }
  let input: Uint8Array;
  try {
    input = fs.readFileSync(inputPath);
  } catch (error) {
    return fail(PeWriterError.READ_FAILED, `cannot read the input image: ${(error as Error).message}`);
  }

  const result = addSectionsToImage(input, sections, inputPath);
  if (!(result instanceof Uint8Array)) return result;

  // Same directory as the output, so the rename is atomic and a failed run leaves no output.
  const temporaryPath = path.join(
    path.dirname(outputPath),
    `.${path.basename(outputPath)}.${process.pid}.${Date.now().toString(36)}.tmp`,
  );
  try {
    fs.writeFileSync(temporaryPath, result);
    fs.renameSync(temporaryPath, outputPath);
  } catch (error) {
    try {
      fs.rmSync(temporaryPath, { force: true });
    } catch {
      // Nothing more to do: the write already failed and is reported below.
    }
    return fail(PeWriterError.WRITE_FAILED, `cannot write the output image: ${(error as Error).message}`, outputPath);
  }
  return [];
}

function isSameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** The in-memory core of addSections: returns the new image, or diagnostics. */
export function addSectionsToImage(input: Uint8Array, sections: NewSection[], file: string): Uint8Array | Diagnostic[] {
  const requestProblems = checkRequest(sections, file);
  if (requestProblems.length > 0) return requestProblems;

  const parsed = parsePeImage(input, file);
  if (Array.isArray(parsed)) return parsed;
  const image = parsed;

  const imageProblems = checkImage(image, sections, file);
  if (imageProblems.length > 0) return imageProblems;

  const layout = planLayout(input, image, sections, file);
  if (Array.isArray(layout)) return layout;
  return writeImage(input, image, layout, file);
}

// --- request and image checks ----------------------------------------------------------------

function isUkiName(name: string): boolean {
  for (let s = 0; s < UKI_SECTION_COUNT; s++) if (ukiSectionName(s) === name) return true;
  return false;
}

function ukiNameList(): string {
  const names: string[] = [];
  for (let s = 0; s < UKI_SECTION_COUNT; s++) names.push(ukiSectionName(s));
  return names.join(' ');
}

function checkRequest(sections: NewSection[], file: string): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const problem = (code: number, message: string): void => {
    problems.push(peDiagnostic(code, file, message));
  };
  const seen = new Set<string>();
  for (const section of sections) {
    const name = section.name;
    const nameBytes = Buffer.byteLength(name, 'utf8');
    if (nameBytes > SECTION_NAME_SIZE) {
      problem(PeWriterError.NAME_TOO_LONG, `section name ${JSON.stringify(name)} is ${nameBytes} bytes; PE image section names hold at most 8`);
      continue;
    }
    if (!isUkiName(name)) {
      problem(PeWriterError.UNKNOWN_SECTION_NAME, `section name ${JSON.stringify(name)} is not a UKI section (${ukiNameList()})`);
      continue;
    }
    if (seen.has(name) && name !== SBAT_NAME) {
      problem(PeWriterError.DUPLICATE_REQUEST, `section ${name} given more than once`);
    }
    seen.add(name);
    if (section.data.length === 0) {
      problem(PeWriterError.EMPTY_SECTION, `section ${name} has no data; leave it out instead`);
    }
    if (section.virtualSize !== undefined) {
      if (name !== LINUX_NAME) {
        problem(PeWriterError.BAD_VIRTUAL_SIZE, `a virtual size can only be given for ${LINUX_NAME}, not ${name}`);
      } else if (
        !Number.isInteger(section.virtualSize) ||
        section.virtualSize < section.data.length ||
        section.virtualSize >= UINT32_LIMIT
      ) {
        problem(
          PeWriterError.BAD_VIRTUAL_SIZE,
          `virtual size ${section.virtualSize} for ${name} must be an integer from the data length (0x${hex(section.data.length)}) to 0xffffffff`,
        );
      }
    }
  }
  return problems;
}

function checkImage(image: PeImage, sections: NewSection[], file: string): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const problem = (code: number, message: string): void => {
    problems.push(peDiagnostic(code, file, message));
  };
  const certificate = dataDirectory(image, IMAGE_DIRECTORY_ENTRY_SECURITY);
  if (certificate.virtualAddress !== 0 || certificate.size !== 0) {
    problem(
      PeWriterError.SIGNED_IMAGE,
      `image is signed (certificate table at file offset 0x${hex(certificate.virtualAddress)}, 0x${hex(certificate.size)} bytes); ` +
        `adding sections would break the signature: wrap the unsigned stub, then sign the wrapped image`,
    );
  }
  if (image.pointerToSymbolTable !== 0 || image.numberOfSymbols !== 0) {
    problem(
      PeWriterError.SYMBOL_TABLE,
      `image has a COFF symbol table (PointerToSymbolTable=0x${hex(image.pointerToSymbolTable)}, NumberOfSymbols=${image.numberOfSymbols}); ` +
        `link the stub without one (no /debug:dwarf), or strip it`,
    );
  }
  for (const s of image.sections) {
    if (s.pointerToRelocations !== 0 || s.pointerToLinenumbers !== 0) {
      problem(
        PeWriterError.SECTION_FILE_POINTERS,
        `section ${s.name} has COFF relocation or line-number pointers (0x${hex(s.pointerToRelocations)}, ` +
          `0x${hex(s.pointerToLinenumbers)}), which images must not have`,
      );
    }
  }
  const present = new Set(image.sections.map((s) => s.name));
  const reported = new Set<string>();
  for (const section of sections) {
    if (section.name !== SBAT_NAME && present.has(section.name) && !reported.has(section.name)) {
      reported.add(section.name);
      problem(PeWriterError.SECTION_EXISTS, `image already has a ${section.name} section; wrap the plain stub, not a wrapped image`);
    }
  }
  return problems;
}

// --- .sbat ----------------------------------------------------------------------------------

/**
 * Merges SBAT CSV texts (shim's SBAT.md): lines in order of appearance, the `sbat,…` header line
 * once and first, exact duplicates once; one component with two different entries is a conflict.
 */
export function mergeSbat(parts: string[], file: string): string | Diagnostic[] {
  let header: string | undefined;
  const lines: string[] = [];
  const byComponent = new Map<string, string>();
  for (const part of parts) {
    for (const rawLine of part.replace(/\0+$/, '').split('\n')) {
      const line = rawLine.replace(/\r$/, '');
      if (line.trim() === '') continue;
      if (!/^[\x20-\x7e]+$/.test(line)) {
        return [peDiagnostic(PeWriterError.BAD_SBAT, file, `.sbat line ${JSON.stringify(line)} is not printable ASCII`)];
      }
      const fields = line.split(',');
      if (fields.length < 2 || fields[0] === '' || !/^[0-9]+$/.test(fields[1])) {
        return [
          peDiagnostic(PeWriterError.BAD_SBAT, file, `.sbat line ${JSON.stringify(line)} is not "component,generation,…" CSV`),
        ];
      }
      const component = fields[0];
      if (component === 'sbat') {
        if (header === undefined) header = line;
        continue;
      }
      const previous = byComponent.get(component);
      if (previous === line) continue;
      if (previous !== undefined) {
        return [
          peDiagnostic(
            PeWriterError.SBAT_CONFLICT,
            file,
            `.sbat component ${component} given twice with different entries: ${JSON.stringify(previous)} and ${JSON.stringify(line)}`,
          ),
        ];
      }
      byComponent.set(component, line);
      lines.push(line);
    }
  }
  if (header !== undefined) lines.unshift(header);
  return lines.map((line) => line + '\n').join('');
}

// --- layout ---------------------------------------------------------------------------------

/** Zero bytes inserted into the original file at `at`; everything from `at` on moves down. */
interface Insertion {
  at: number;
  length: number;
}

interface PlannedSection {
  name: string;
  data: Uint8Array;
  virtualAddress: number;
  virtualSize: number;
  pointerToRawData: number;
  sizeOfRawData: number;
}

interface Layout {
  insertions: Insertion[];
  sizeOfHeaders: number;
  /** Merged .sbat written over the stub's own .sbat section, if any. */
  sbatUpdate?: { section: PeSection; data: Uint8Array; sizeOfRawData: number };
  added: PlannedSection[];
  sizeOfImage: number;
  fileSize: number;
  initializedDataGrowth: number;
}

function mapOffset(insertions: Insertion[], offset: number): number {
  let moved = offset;
  for (const insertion of insertions) if (insertion.at <= offset) moved += insertion.length;
  return moved;
}

function sectionContent(input: Uint8Array, section: PeSection): Uint8Array {
  const length = section.virtualSize > 0 ? Math.min(section.virtualSize, section.sizeOfRawData) : section.sizeOfRawData;
  return input.subarray(section.pointerToRawData, section.pointerToRawData + length);
}

function planLayout(input: Uint8Array, image: PeImage, sections: NewSection[], file: string): Layout | Diagnostic[] {
  const fail = (code: number, message: string): Diagnostic[] => [peDiagnostic(code, file, message)];
  const fileAlignment = image.fileAlignment;
  const insertions: Insertion[] = [];

  // .sbat parts are merged; everything else becomes a new section, in the order given.
  const sbatParts = sections.filter((s) => s.name === SBAT_NAME);
  const existingSbat = image.sections.find((s) => s.name === SBAT_NAME);
  const fresh: NewSection[] = sections.filter((s) => s.name !== SBAT_NAME);
  let sbatData: Uint8Array | undefined;
  const sbatTexts = sbatParts.map((s) => Buffer.from(s.data).toString('latin1'));
  if (existingSbat !== undefined && sbatParts.length > 0) {
    sbatTexts.unshift(Buffer.from(sectionContent(input, existingSbat)).toString('latin1'));
  }
  if (sbatTexts.length >= 2) {
    const merged = mergeSbat(sbatTexts, file);
    if (Array.isArray(merged)) return merged;
    sbatData = Buffer.from(merged, 'latin1');
  } else if (sbatTexts.length === 1) {
    const checked = mergeSbat(sbatTexts, file);
    if (Array.isArray(checked)) return checked;
    sbatData = sbatParts[0].data; // a single .sbat is kept byte for byte
  }
  if (sbatData !== undefined && existingSbat === undefined) {
    // Measurement order does not depend on section order, but keep .sbat where the user put it.
    const index = sections.findIndex((s) => s.name === SBAT_NAME);
    const before = sections.slice(0, index).filter((s) => s.name !== SBAT_NAME).length;
    fresh.splice(before, 0, { name: SBAT_NAME, data: sbatData });
  }

  const newCount = image.numberOfSections + fresh.length;
  if (newCount > MAX_IMAGE_SECTIONS) {
    return fail(PeWriterError.TOO_MANY_SECTIONS, `${newCount} sections would exceed the PE loader limit of ${MAX_IMAGE_SECTIONS}`);
  }

  // Header room. Raw data that starts first bounds the section table from above in the file;
  // the lowest VirtualAddress bounds SizeOfHeaders in memory (headers are mapped at RVA 0).
  const withRaw = image.sections.filter((s) => s.sizeOfRawData > 0);
  const firstRaw = withRaw.length > 0 ? Math.min(...withRaw.map((s) => s.pointerToRawData)) : alignUp(image.fileSize, fileAlignment);
  const lowestVirtualAddress =
    image.sections.length > 0 ? Math.min(...image.sections.map((s) => s.virtualAddress)) : image.sizeOfImage;
  const oldTableEnd = image.sectionTableOffset + image.numberOfSections * SECTION_HEADER_SIZE;
  const newTableEnd = image.sectionTableOffset + newCount * SECTION_HEADER_SIZE;
  const sizeOfHeaders = Math.max(image.sizeOfHeaders, alignUp(newTableEnd, fileAlignment));
  if (sizeOfHeaders > lowestVirtualAddress) {
    return fail(
      PeWriterError.NO_HEADER_ROOM,
      `no room for ${fresh.length} more section headers: headers would end at 0x${hex(sizeOfHeaders)}, past the first section's ` +
        `RVA 0x${hex(lowestVirtualAddress)}; link the stub with fewer sections or a larger gap before the first one`,
    );
  }
  const inUseEnd = Math.min(newTableEnd, firstRaw, input.length);
  for (let i = oldTableEnd; i < inUseEnd; i++) {
    if (input[i] !== 0) {
      return fail(
        PeWriterError.HEADER_AREA_IN_USE,
        `header bytes after the section table are not zero (0x${hex(i)}); refusing to overwrite them with section headers`,
      );
    }
  }
  if (newTableEnd > firstRaw) {
    // Move all raw data down; RVAs stay, so code and relocations are untouched.
    insertions.push({ at: firstRaw, length: alignUp(newTableEnd - firstRaw, fileAlignment) });
  }

  let sbatUpdate: Layout['sbatUpdate'];
  let initializedDataGrowth = 0;
  if (existingSbat !== undefined && sbatData !== undefined) {
    const following = image.sections.filter((s) => s.virtualAddress > existingSbat.virtualAddress);
    const room =
      following.length > 0 ? Math.min(...following.map((s) => s.virtualAddress)) - existingSbat.virtualAddress : Infinity;
    if (sbatData.length > room) {
      return fail(
        PeWriterError.SBAT_NO_ROOM,
        `merged .sbat (0x${hex(sbatData.length)} bytes) does not fit the stub's .sbat slot (0x${hex(room)} bytes of RVA space)`,
      );
    }
    const sizeOfRawData = alignUp(sbatData.length, fileAlignment);
    if (sizeOfRawData > existingSbat.sizeOfRawData) {
      const growth = sizeOfRawData - existingSbat.sizeOfRawData;
      insertions.push({ at: existingSbat.pointerToRawData + existingSbat.sizeOfRawData, length: growth });
      initializedDataGrowth += growth;
    }
    sbatUpdate = { section: existingSbat, data: sbatData, sizeOfRawData: Math.max(sizeOfRawData, existingSbat.sizeOfRawData) };
  }

  // New sections: after the last section, page-aligned RVAs, FileAlignment-aligned raw data.
  const placement = Math.max(image.sectionAlignment, PAGE_SIZE);
  let end = image.sizeOfImage;
  for (const s of image.sections) {
    const virtualSize = s === existingSbat && sbatData !== undefined ? sbatData.length : s.virtualSize || s.sizeOfRawData;
    end = Math.max(end, s.virtualAddress + virtualSize);
  }
  let nextVirtualAddress = alignUp(end, placement);
  let rawCursor = alignUp(mapOffset(insertions, input.length), fileAlignment);
  const added: PlannedSection[] = [];
  for (const s of fresh) {
    const virtualSize = s.virtualSize ?? s.data.length;
    const sizeOfRawData = alignUp(s.data.length, fileAlignment);
    added.push({
      name: s.name,
      data: s.data,
      virtualAddress: nextVirtualAddress,
      virtualSize,
      pointerToRawData: rawCursor,
      sizeOfRawData,
    });
    initializedDataGrowth += sizeOfRawData;
    rawCursor += sizeOfRawData;
    end = nextVirtualAddress + virtualSize;
    nextVirtualAddress = alignUp(end, placement);
  }
  const sizeOfImage = alignUp(end, image.sectionAlignment);
  if (sizeOfImage >= UINT32_LIMIT || rawCursor >= UINT32_LIMIT) {
    return fail(
      PeWriterError.IMAGE_TOO_LARGE,
      `wrapped image too large for PE32+ 32-bit fields (SizeOfImage 0x${hex(sizeOfImage)}, file 0x${hex(rawCursor)})`,
    );
  }
  return { insertions, sizeOfHeaders, sbatUpdate, added, sizeOfImage, fileSize: rawCursor, initializedDataGrowth };
}

// --- writing --------------------------------------------------------------------------------

function writeImage(input: Uint8Array, image: PeImage, layout: Layout, file: string): Uint8Array | Diagnostic[] {
  const output = new Uint8Array(layout.fileSize);
  // Copy the original in pieces between insertion points; inserted ranges stay zero.
  const cuts = [...layout.insertions].sort((a, b) => a.at - b.at);
  let from = 0;
  for (const cut of [...cuts, { at: input.length, length: 0 }]) {
    output.set(input.subarray(from, cut.at), mapOffset(layout.insertions, from));
    from = cut.at;
  }
  const dv = new DataView(output.buffer, output.byteOffset, output.byteLength);
  const map = (offset: number): number => mapOffset(layout.insertions, offset);

  // Headers never move (insertions are all at or after the first raw data).
  for (const s of image.sections) {
    if (s.sizeOfRawData > 0) dv.setUint32(s.headerOffset + SECTION_POINTER_TO_RAW_DATA, map(s.pointerToRawData), true);
  }
  const debugProblem = fixDebugDirectory(input, image, dv, map, file);
  if (debugProblem.length > 0) return debugProblem;

  if (layout.sbatUpdate !== undefined) {
    const { section, data, sizeOfRawData } = layout.sbatUpdate;
    const at = map(section.pointerToRawData);
    output.fill(0, at, at + sizeOfRawData);
    output.set(data, at);
    dv.setUint32(section.headerOffset + SECTION_VIRTUAL_SIZE, data.length, true);
    dv.setUint32(section.headerOffset + SECTION_SIZE_OF_RAW_DATA, sizeOfRawData, true);
  }

  let header = image.sectionTableOffset + image.numberOfSections * SECTION_HEADER_SIZE;
  for (const s of layout.added) {
    output.fill(0, header, header + SECTION_HEADER_SIZE);
    output.set(Buffer.from(s.name, 'latin1'), header);
    dv.setUint32(header + SECTION_VIRTUAL_SIZE, s.virtualSize, true);
    dv.setUint32(header + SECTION_VIRTUAL_ADDRESS, s.virtualAddress, true);
    dv.setUint32(header + SECTION_SIZE_OF_RAW_DATA, s.sizeOfRawData, true);
    dv.setUint32(header + SECTION_POINTER_TO_RAW_DATA, s.pointerToRawData, true);
    dv.setUint32(header + SECTION_CHARACTERISTICS, UKI_SECTION_CHARACTERISTICS, true);
    output.set(s.data, s.pointerToRawData);
    header += SECTION_HEADER_SIZE;
  }

  const o = image.optionalHeaderOffset;
  dv.setUint16(image.coffOffset + COFF_NUMBER_OF_SECTIONS, image.numberOfSections + layout.added.length, true);
  dv.setUint32(o + OPT_SIZE_OF_HEADERS, layout.sizeOfHeaders, true);
  dv.setUint32(o + OPT_SIZE_OF_IMAGE, layout.sizeOfImage, true);
  dv.setUint32(
    o + OPT_SIZE_OF_INITIALIZED_DATA,
    Math.min(image.sizeOfInitializedData + layout.initializedDataGrowth, UINT32_LIMIT - 1),
    true,
  );
  dv.setUint32(o + OPT_CHECKSUM, 0, true);
  dv.setUint32(o + OPT_CHECKSUM, computePeChecksum(output, o + OPT_CHECKSUM), true);
  return output;
}

/**
 * Debug directory entries carry a file offset (PointerToRawData) besides the RVA; when raw data
 * moves, a CodeView/PDB record would otherwise point at the wrong bytes.
 */
function fixDebugDirectory(
  input: Uint8Array,
  image: PeImage,
  dv: DataView,
  map: (offset: number) => number,
  file: string,
): Diagnostic[] {
  const debug = dataDirectory(image, IMAGE_DIRECTORY_ENTRY_DEBUG);
  if (debug.virtualAddress === 0 || debug.size === 0) return [];
  const start = rvaToFileOffset(image, debug.virtualAddress);
  if (start < 0 || start + debug.size > input.length) {
    return [
      peDiagnostic(
        PeWriterError.BAD_DEBUG_DIRECTORY,
        file,
        `debug directory at RVA 0x${hex(debug.virtualAddress)} (0x${hex(debug.size)} bytes) is not inside a section's raw data`,
      ),
    ];
  }
  const inputView = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const count = Math.floor(debug.size / DEBUG_DIRECTORY_ENTRY_SIZE);
  for (let i = 0; i < count; i++) {
    const entry = start + i * DEBUG_DIRECTORY_ENTRY_SIZE;
    const pointer = inputView.getUint32(entry + DEBUG_POINTER_TO_RAW_DATA, true);
    if (pointer !== 0) dv.setUint32(map(entry) + DEBUG_POINTER_TO_RAW_DATA, map(pointer), true);
  }
  return [];
}
