/**
 * @fileoverview PE/COFF constants and a small, bounds-checked header reader.
 *
 * Shared by the PE writer (compiler/pe-writer.ts) and `efistub inspect` (compiler/pe-inspect.ts).
 * Names and offsets follow Microsoft's "PE Format" specification (learn.microsoft.com/windows/
 * win32/debug/pe-format): "MS-DOS Stub", "Signature", "COFF File Header", "Optional Header",
 * "Optional Header Data Directories", "Section Table", "Section Flags", ".debug Section",
 * "Appendix A: Calculating Authenticode PE Image Hash" for the checksum field's exclusion.
 *
 * The reader never throws on malformed input: every read is checked against the file length
 * first, one reason per check, and problems come back as Diagnostic entries (codes 300–319,
 * reported under the 'pe-writer' stage, which owns the PE side of the toolchain).
 */

import type { Diagnostic } from './diagnostics.ts';

// --- MS-DOS header and signatures -------------------------------------------------------------

export const IMAGE_DOS_SIGNATURE = 0x5a4d; // "MZ"
/** Offset of e_lfanew, the file offset of the PE signature. */
export const DOS_E_LFANEW_OFFSET = 0x3c;
export const IMAGE_NT_SIGNATURE = 0x00004550; // "PE\0\0"

// --- COFF file header (20 bytes, after the signature) -----------------------------------------

export const COFF_HEADER_SIZE = 20;
export const COFF_MACHINE = 0;
export const COFF_NUMBER_OF_SECTIONS = 2;
export const COFF_TIME_DATE_STAMP = 4;
export const COFF_POINTER_TO_SYMBOL_TABLE = 8;
export const COFF_NUMBER_OF_SYMBOLS = 12;
export const COFF_SIZE_OF_OPTIONAL_HEADER = 16;
export const COFF_CHARACTERISTICS = 18;

export const IMAGE_FILE_MACHINE_I386 = 0x14c;
export const IMAGE_FILE_MACHINE_ARMNT = 0x1c4;
export const IMAGE_FILE_MACHINE_RISCV64 = 0x5064;
export const IMAGE_FILE_MACHINE_LOONGARCH64 = 0x6264;
export const IMAGE_FILE_MACHINE_AMD64 = 0x8664;
export const IMAGE_FILE_MACHINE_ARM64 = 0xaa64;

// --- Optional header (offsets from its start) --------------------------------------------------

export const IMAGE_NT_OPTIONAL_HDR32_MAGIC = 0x10b;
export const IMAGE_NT_OPTIONAL_HDR64_MAGIC = 0x20b;

export const OPT_MAGIC = 0;
export const OPT_SIZE_OF_CODE = 4;
export const OPT_SIZE_OF_INITIALIZED_DATA = 8;
export const OPT_SIZE_OF_UNINITIALIZED_DATA = 12;
export const OPT_ADDRESS_OF_ENTRY_POINT = 16;
export const OPT_BASE_OF_CODE = 20;
/** ImageBase: 4 bytes at 28 in PE32 (after BaseOfData), 8 bytes at 24 in PE32+. */
export const OPT32_IMAGE_BASE = 28;
export const OPT64_IMAGE_BASE = 24;
export const OPT_SECTION_ALIGNMENT = 32;
export const OPT_FILE_ALIGNMENT = 36;
export const OPT_SIZE_OF_IMAGE = 56;
export const OPT_SIZE_OF_HEADERS = 60;
export const OPT_CHECKSUM = 64;
export const OPT_SUBSYSTEM = 68;
export const OPT_DLL_CHARACTERISTICS = 70;
/** NumberOfRvaAndSizes, then the data directories (8 bytes each). */
export const OPT32_NUMBER_OF_RVA_AND_SIZES = 92;
export const OPT64_NUMBER_OF_RVA_AND_SIZES = 108;
export const OPT32_DATA_DIRECTORIES = 96;
export const OPT64_DATA_DIRECTORIES = 112;
export const DATA_DIRECTORY_SIZE = 8;
export const IMAGE_NUMBEROF_DIRECTORY_ENTRIES = 16;

export const IMAGE_SUBSYSTEM_NATIVE = 1;
export const IMAGE_SUBSYSTEM_WINDOWS_GUI = 2;
export const IMAGE_SUBSYSTEM_WINDOWS_CUI = 3;
export const IMAGE_SUBSYSTEM_EFI_APPLICATION = 10;
export const IMAGE_SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER = 11;
export const IMAGE_SUBSYSTEM_EFI_RUNTIME_DRIVER = 12;
export const IMAGE_SUBSYSTEM_EFI_ROM = 13;

export const IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA = 0x0020;
export const IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE = 0x0040;
export const IMAGE_DLLCHARACTERISTICS_FORCE_INTEGRITY = 0x0080;
export const IMAGE_DLLCHARACTERISTICS_NX_COMPAT = 0x0100;
export const IMAGE_DLLCHARACTERISTICS_NO_ISOLATION = 0x0200;
export const IMAGE_DLLCHARACTERISTICS_NO_SEH = 0x0400;
export const IMAGE_DLLCHARACTERISTICS_NO_BIND = 0x0800;
export const IMAGE_DLLCHARACTERISTICS_APPCONTAINER = 0x1000;
export const IMAGE_DLLCHARACTERISTICS_WDM_DRIVER = 0x2000;
export const IMAGE_DLLCHARACTERISTICS_GUARD_CF = 0x4000;
export const IMAGE_DLLCHARACTERISTICS_TERMINAL_SERVER_AWARE = 0x8000;

/** Data directory indices ("Optional Header Data Directories"). */
export const IMAGE_DIRECTORY_ENTRY_EXPORT = 0;
export const IMAGE_DIRECTORY_ENTRY_IMPORT = 1;
export const IMAGE_DIRECTORY_ENTRY_RESOURCE = 2;
export const IMAGE_DIRECTORY_ENTRY_EXCEPTION = 3;
/** The Certificate Table: unlike the others, its "RVA" is a file offset (Authenticode). */
export const IMAGE_DIRECTORY_ENTRY_SECURITY = 4;
export const IMAGE_DIRECTORY_ENTRY_BASERELOC = 5;
export const IMAGE_DIRECTORY_ENTRY_DEBUG = 6;

// --- Debug directory entry (28 bytes) ---------------------------------------------------------

export const DEBUG_DIRECTORY_ENTRY_SIZE = 28;
export const DEBUG_SIZE_OF_DATA = 16;
export const DEBUG_ADDRESS_OF_RAW_DATA = 20;
/** A file offset: must move when raw data moves. */
export const DEBUG_POINTER_TO_RAW_DATA = 24;

// --- Section header (40 bytes) ----------------------------------------------------------------

export const SECTION_HEADER_SIZE = 40;
export const SECTION_NAME = 0;
export const SECTION_NAME_SIZE = 8;
export const SECTION_VIRTUAL_SIZE = 8;
export const SECTION_VIRTUAL_ADDRESS = 12;
export const SECTION_SIZE_OF_RAW_DATA = 16;
export const SECTION_POINTER_TO_RAW_DATA = 20;
export const SECTION_POINTER_TO_RELOCATIONS = 24;
export const SECTION_POINTER_TO_LINENUMBERS = 28;
export const SECTION_NUMBER_OF_RELOCATIONS = 32;
export const SECTION_NUMBER_OF_LINENUMBERS = 34;
export const SECTION_CHARACTERISTICS = 36;

export const IMAGE_SCN_CNT_CODE = 0x00000020;
export const IMAGE_SCN_CNT_INITIALIZED_DATA = 0x00000040;
export const IMAGE_SCN_CNT_UNINITIALIZED_DATA = 0x00000080;
export const IMAGE_SCN_MEM_DISCARDABLE = 0x02000000;
export const IMAGE_SCN_MEM_SHARED = 0x10000000;
export const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
export const IMAGE_SCN_MEM_READ = 0x40000000;
export const IMAGE_SCN_MEM_WRITE = 0x80000000;

export const MAX_FILE_ALIGNMENT = 0x10000;

/** "The Windows loader limits the number of sections to 96" (COFF File Header). */
export const MAX_IMAGE_SECTIONS = 96;

// --- Reader diagnostics -----------------------------------------------------------------------

/** Codes are API (tests assert them); the messages are built where the cause is known. */
export const PeFormatError = {
  TRUNCATED_DOS_HEADER: 300,
  BAD_DOS_SIGNATURE: 301,
  PE_OFFSET_OUTSIDE_FILE: 302,
  BAD_PE_SIGNATURE: 303,
  TRUNCATED_COFF_HEADER: 304,
  TRUNCATED_OPTIONAL_HEADER: 305,
  BAD_OPTIONAL_HEADER_MAGIC: 306,
  SECTION_TABLE_OUTSIDE_FILE: 307,
  SECTION_DATA_OUTSIDE_FILE: 308,
  BAD_ALIGNMENT: 309,
  NO_SECTIONS: 310,
} as const;

export function peDiagnostic(code: number, file: string, message: string): Diagnostic {
  return { stage: 'pe-writer', code, file, line: 0, column: 0, message };
}

// --- Parsed image -----------------------------------------------------------------------------

export interface PeDataDirectory {
  virtualAddress: number;
  size: number;
}

export interface PeSection {
  /** Name with trailing NULs removed (Latin-1, as the 8 bytes are not required to be UTF-8). */
  name: string;
  /** File offset of this section's 40-byte header. */
  headerOffset: number;
  virtualSize: number;
  virtualAddress: number;
  sizeOfRawData: number;
  pointerToRawData: number;
  pointerToRelocations: number;
  pointerToLinenumbers: number;
  numberOfRelocations: number;
  numberOfLinenumbers: number;
  characteristics: number;
}

export interface PeImage {
  fileSize: number;
  /** e_lfanew: file offset of "PE\0\0". */
  peOffset: number;
  coffOffset: number;
  optionalHeaderOffset: number;
  sectionTableOffset: number;
  machine: number;
  numberOfSections: number;
  timeDateStamp: number;
  pointerToSymbolTable: number;
  numberOfSymbols: number;
  sizeOfOptionalHeader: number;
  fileCharacteristics: number;
  /** 0x10b (PE32) or 0x20b (PE32+). */
  magic: number;
  sizeOfCode: number;
  sizeOfInitializedData: number;
  sizeOfUninitializedData: number;
  addressOfEntryPoint: number;
  /** ImageBase as a bigint: PE32+ images are based above 4 GiB (lld-link: 0x140000000). */
  imageBase: bigint;
  sectionAlignment: number;
  fileAlignment: number;
  sizeOfImage: number;
  sizeOfHeaders: number;
  checkSum: number;
  /** File offset of the CheckSum field (excluded from the checksum and from Authenticode). */
  checkSumOffset: number;
  subsystem: number;
  dllCharacteristics: number;
  numberOfRvaAndSizes: number;
  /** File offset of data directory 0. */
  dataDirectoryOffset: number;
  /** min(NumberOfRvaAndSizes, what fits in SizeOfOptionalHeader, 16) entries. */
  dataDirectories: PeDataDirectory[];
  sections: PeSection[];
}

export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function isPowerOfTwo(value: number): boolean {
  return value > 0 && (value & (value - 1)) === 0;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

/** Reads the 8-byte Name field; image files have no string table, so "/4" stays literal. */
export function readSectionName(bytes: Uint8Array, offset: number): string {
  let end = offset;
  while (end < offset + SECTION_NAME_SIZE && bytes[end] !== 0) end++;
  return latin1(bytes, offset, end);
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Parses the headers and section table of a PE image. Validates only what a reader needs to
 * stay inside the file; policy (signed, symbol table, W+X…) is for the callers.
 */
export function parsePeImage(bytes: Uint8Array, file: string): PeImage | Diagnostic[] {
  const fail = (code: number, message: string): Diagnostic[] => [peDiagnostic(code, file, message)];
  const size = bytes.length;
  const dv = view(bytes);

  if (size < 0x40) {
    return fail(PeFormatError.TRUNCATED_DOS_HEADER, `file too short for an MS-DOS header (${size} bytes, need 0x40)`);
  }
  const dosMagic = dv.getUint16(0, true);
  if (dosMagic !== IMAGE_DOS_SIGNATURE) {
    return fail(PeFormatError.BAD_DOS_SIGNATURE, `not a PE image: no MZ signature (found 0x${hex(dosMagic)})`);
  }
  const peOffset = dv.getUint32(DOS_E_LFANEW_OFFSET, true);
  if (peOffset + 4 > size) {
    return fail(
      PeFormatError.PE_OFFSET_OUTSIDE_FILE,
      `PE signature offset (e_lfanew=0x${hex(peOffset)}) outside the file (size 0x${hex(size)})`,
    );
  }
  const signature = dv.getUint32(peOffset, true);
  if (signature !== IMAGE_NT_SIGNATURE) {
    return fail(
      PeFormatError.BAD_PE_SIGNATURE,
      `no PE signature at e_lfanew=0x${hex(peOffset)} (found 0x${hex(signature)})`,
    );
  }
  const coffOffset = peOffset + 4;
  if (coffOffset + COFF_HEADER_SIZE > size) {
    return fail(PeFormatError.TRUNCATED_COFF_HEADER, `file ends inside the COFF file header (size 0x${hex(size)})`);
  }
  const machine = dv.getUint16(coffOffset + COFF_MACHINE, true);
  const numberOfSections = dv.getUint16(coffOffset + COFF_NUMBER_OF_SECTIONS, true);
  const timeDateStamp = dv.getUint32(coffOffset + COFF_TIME_DATE_STAMP, true);
  const pointerToSymbolTable = dv.getUint32(coffOffset + COFF_POINTER_TO_SYMBOL_TABLE, true);
  const numberOfSymbols = dv.getUint32(coffOffset + COFF_NUMBER_OF_SYMBOLS, true);
  const sizeOfOptionalHeader = dv.getUint16(coffOffset + COFF_SIZE_OF_OPTIONAL_HEADER, true);
  const fileCharacteristics = dv.getUint16(coffOffset + COFF_CHARACTERISTICS, true);

  const optionalHeaderOffset = coffOffset + COFF_HEADER_SIZE;
  if (sizeOfOptionalHeader < 2 || optionalHeaderOffset + 2 > size) {
    return fail(
      PeFormatError.TRUNCATED_OPTIONAL_HEADER,
      `no optional header (SizeOfOptionalHeader=0x${hex(sizeOfOptionalHeader)}): an object file, not an image`,
    );
  }
  const magic = dv.getUint16(optionalHeaderOffset + OPT_MAGIC, true);
  if (magic !== IMAGE_NT_OPTIONAL_HDR32_MAGIC && magic !== IMAGE_NT_OPTIONAL_HDR64_MAGIC) {
    return fail(
      PeFormatError.BAD_OPTIONAL_HEADER_MAGIC,
      `optional header magic 0x${hex(magic)} is neither PE32 (0x10b) nor PE32+ (0x20b)`,
    );
  }
  const pe64 = magic === IMAGE_NT_OPTIONAL_HDR64_MAGIC;
  const fixedSize = pe64 ? OPT64_DATA_DIRECTORIES : OPT32_DATA_DIRECTORIES;
  if (sizeOfOptionalHeader < fixedSize) {
    return fail(
      PeFormatError.TRUNCATED_OPTIONAL_HEADER,
      `SizeOfOptionalHeader 0x${hex(sizeOfOptionalHeader)} too small for a ${pe64 ? 'PE32+' : 'PE32'} header (0x${hex(fixedSize)})`,
    );
  }
  if (optionalHeaderOffset + sizeOfOptionalHeader > size) {
    return fail(
      PeFormatError.TRUNCATED_OPTIONAL_HEADER,
      `file ends inside the optional header (ends at 0x${hex(optionalHeaderOffset + sizeOfOptionalHeader)}, size 0x${hex(size)})`,
    );
  }
  const o = optionalHeaderOffset;
  const imageBase = pe64 ? dv.getBigUint64(o + OPT64_IMAGE_BASE, true) : BigInt(dv.getUint32(o + OPT32_IMAGE_BASE, true));
  const sectionAlignment = dv.getUint32(o + OPT_SECTION_ALIGNMENT, true);
  const fileAlignment = dv.getUint32(o + OPT_FILE_ALIGNMENT, true);
  // "FileAlignment … should be a power of 2 between 512 and 64 K" (smaller only when it equals a
  // sub-page SectionAlignment); the upper bound also keeps a writer's padding small.
  if (
    !isPowerOfTwo(fileAlignment) ||
    !isPowerOfTwo(sectionAlignment) ||
    sectionAlignment < fileAlignment ||
    fileAlignment > MAX_FILE_ALIGNMENT
  ) {
    return fail(
      PeFormatError.BAD_ALIGNMENT,
      `bad alignment: SectionAlignment=0x${hex(sectionAlignment)} FileAlignment=0x${hex(fileAlignment)} ` +
        `(both powers of two, FileAlignment <= 0x10000 and <= SectionAlignment)`,
    );
  }
  const numberOfRvaAndSizes = dv.getUint32(o + (pe64 ? OPT64_NUMBER_OF_RVA_AND_SIZES : OPT32_NUMBER_OF_RVA_AND_SIZES), true);
  const dataDirectoryOffset = o + fixedSize;
  const directoriesThatFit = Math.floor((sizeOfOptionalHeader - fixedSize) / DATA_DIRECTORY_SIZE);
  const directoryCount = Math.min(numberOfRvaAndSizes, directoriesThatFit, IMAGE_NUMBEROF_DIRECTORY_ENTRIES);
  const dataDirectories: PeDataDirectory[] = [];
  for (let i = 0; i < directoryCount; i++) {
    const at = dataDirectoryOffset + i * DATA_DIRECTORY_SIZE;
    dataDirectories.push({ virtualAddress: dv.getUint32(at, true), size: dv.getUint32(at + 4, true) });
  }

  const sectionTableOffset = optionalHeaderOffset + sizeOfOptionalHeader;
  const sectionTableEnd = sectionTableOffset + numberOfSections * SECTION_HEADER_SIZE;
  if (sectionTableEnd > size) {
    return fail(
      PeFormatError.SECTION_TABLE_OUTSIDE_FILE,
      `section table (${numberOfSections} entries at 0x${hex(sectionTableOffset)}..0x${hex(sectionTableEnd)}) ` +
        `outside the file (size 0x${hex(size)})`,
    );
  }
  const sections: PeSection[] = [];
  for (let i = 0; i < numberOfSections; i++) {
    const at = sectionTableOffset + i * SECTION_HEADER_SIZE;
    const section: PeSection = {
      name: readSectionName(bytes, at + SECTION_NAME),
      headerOffset: at,
      virtualSize: dv.getUint32(at + SECTION_VIRTUAL_SIZE, true),
      virtualAddress: dv.getUint32(at + SECTION_VIRTUAL_ADDRESS, true),
      sizeOfRawData: dv.getUint32(at + SECTION_SIZE_OF_RAW_DATA, true),
      pointerToRawData: dv.getUint32(at + SECTION_POINTER_TO_RAW_DATA, true),
      pointerToRelocations: dv.getUint32(at + SECTION_POINTER_TO_RELOCATIONS, true),
      pointerToLinenumbers: dv.getUint32(at + SECTION_POINTER_TO_LINENUMBERS, true),
      numberOfRelocations: dv.getUint16(at + SECTION_NUMBER_OF_RELOCATIONS, true),
      numberOfLinenumbers: dv.getUint16(at + SECTION_NUMBER_OF_LINENUMBERS, true),
      characteristics: dv.getUint32(at + SECTION_CHARACTERISTICS, true),
    };
    if (section.sizeOfRawData > 0 && section.pointerToRawData + section.sizeOfRawData > size) {
      return fail(
        PeFormatError.SECTION_DATA_OUTSIDE_FILE,
        `section ${i} (${JSON.stringify(section.name)}) raw data 0x${hex(section.pointerToRawData)}+0x${hex(section.sizeOfRawData)} ` +
          `outside the file (size 0x${hex(size)})`,
      );
    }
    sections.push(section);
  }

  return {
    fileSize: size,
    peOffset,
    coffOffset,
    optionalHeaderOffset,
    sectionTableOffset,
    machine,
    numberOfSections,
    timeDateStamp,
    pointerToSymbolTable,
    numberOfSymbols,
    sizeOfOptionalHeader,
    fileCharacteristics,
    magic,
    sizeOfCode: dv.getUint32(o + OPT_SIZE_OF_CODE, true),
    sizeOfInitializedData: dv.getUint32(o + OPT_SIZE_OF_INITIALIZED_DATA, true),
    sizeOfUninitializedData: dv.getUint32(o + OPT_SIZE_OF_UNINITIALIZED_DATA, true),
    addressOfEntryPoint: dv.getUint32(o + OPT_ADDRESS_OF_ENTRY_POINT, true),
    imageBase,
    sectionAlignment,
    fileAlignment,
    sizeOfImage: dv.getUint32(o + OPT_SIZE_OF_IMAGE, true),
    sizeOfHeaders: dv.getUint32(o + OPT_SIZE_OF_HEADERS, true),
    checkSum: dv.getUint32(o + OPT_CHECKSUM, true),
    checkSumOffset: o + OPT_CHECKSUM,
    subsystem: dv.getUint16(o + OPT_SUBSYSTEM, true),
    dllCharacteristics: dv.getUint16(o + OPT_DLL_CHARACTERISTICS, true),
    numberOfRvaAndSizes,
    dataDirectoryOffset,
    dataDirectories,
    sections,
  };
}

/** The directory at `index`, or an empty one when the image has fewer entries. */
export function dataDirectory(image: PeImage, index: number): PeDataDirectory {
  return image.dataDirectories[index] ?? { virtualAddress: 0, size: 0 };
}

/** File offset of an RVA, through the section that holds it in its raw data; -1 if none. */
export function rvaToFileOffset(image: PeImage, rva: number): number {
  for (const s of image.sections) {
    if (s.sizeOfRawData > 0 && rva >= s.virtualAddress && rva < s.virtualAddress + s.sizeOfRawData) {
      return s.pointerToRawData + (rva - s.virtualAddress);
    }
  }
  if (rva < image.sizeOfHeaders) return rva;
  return -1;
}

/**
 * The PE checksum as the Windows loader and imagehlp's CheckSumMappedFile compute it: the file
 * as little-endian 16-bit words (an odd last byte padded with zero), summed with the carry
 * folded back into the low 16 bits after every add, the 4-byte CheckSum field itself counted as
 * zero; then the file length is added.
 */
export function computePeChecksum(bytes: Uint8Array, checkSumOffset: number): number {
  const length = bytes.length;
  const excludeStart = checkSumOffset;
  const excludeEnd = checkSumOffset + 4;
  let sum = 0;
  let i = 0;
  for (; i + 1 < length; i += 2) {
    let word: number;
    if (i + 1 >= excludeStart && i < excludeEnd) {
      // Slow path for the (at most three) words touching the CheckSum field, byte by byte so an
      // odd field offset is handled too.
      const low = i >= excludeStart && i < excludeEnd ? 0 : bytes[i];
      const high = i + 1 >= excludeStart && i + 1 < excludeEnd ? 0 : bytes[i + 1];
      word = low | (high << 8);
    } else {
      word = bytes[i] | (bytes[i + 1] << 8);
    }
    sum += word;
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (i < length) {
    sum += i >= excludeStart && i < excludeEnd ? 0 : bytes[i];
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum + length) >>> 0;
}

export function hex(value: number | bigint): string {
  return value.toString(16);
}
