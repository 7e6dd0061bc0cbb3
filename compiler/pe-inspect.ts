/**
 * @fileoverview `efistub inspect IMAGE`: what a PE image's headers and sections say, and what
 * in them would break on firmware with memory protection or under Secure Boot policy.
 *
 * readPeInfo decodes (never throws: malformed input comes back as diagnostics from the reader in
 * compiler/pe-format.ts); formatPeInfo turns the result into the report the CLI prints. The
 * warnings follow DESIGN.md "PE/COFF output": W^X at 4 KiB granularity (a section both
 * writable and executable, or RVAs not page-aligned, breaks under OVMF's memory protection),
 * NX_COMPAT (Microsoft's signing policy), and no COFF symbol table.
 */

import type { Diagnostic } from './diagnostics.ts';
import {
  IMAGE_DIRECTORY_ENTRY_SECURITY,
  IMAGE_DLLCHARACTERISTICS_APPCONTAINER,
  IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE,
  IMAGE_DLLCHARACTERISTICS_FORCE_INTEGRITY,
  IMAGE_DLLCHARACTERISTICS_GUARD_CF,
  IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA,
  IMAGE_DLLCHARACTERISTICS_NO_BIND,
  IMAGE_DLLCHARACTERISTICS_NO_ISOLATION,
  IMAGE_DLLCHARACTERISTICS_NO_SEH,
  IMAGE_DLLCHARACTERISTICS_NX_COMPAT,
  IMAGE_DLLCHARACTERISTICS_TERMINAL_SERVER_AWARE,
  IMAGE_DLLCHARACTERISTICS_WDM_DRIVER,
  IMAGE_FILE_MACHINE_AMD64,
  IMAGE_FILE_MACHINE_ARM64,
  IMAGE_FILE_MACHINE_ARMNT,
  IMAGE_FILE_MACHINE_I386,
  IMAGE_FILE_MACHINE_LOONGARCH64,
  IMAGE_FILE_MACHINE_RISCV64,
  IMAGE_NT_OPTIONAL_HDR64_MAGIC,
  IMAGE_SCN_MEM_EXECUTE,
  IMAGE_SCN_MEM_READ,
  IMAGE_SCN_MEM_WRITE,
  IMAGE_SUBSYSTEM_EFI_APPLICATION,
  IMAGE_SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER,
  IMAGE_SUBSYSTEM_EFI_ROM,
  IMAGE_SUBSYSTEM_EFI_RUNTIME_DRIVER,
  IMAGE_SUBSYSTEM_NATIVE,
  IMAGE_SUBSYSTEM_WINDOWS_CUI,
  IMAGE_SUBSYSTEM_WINDOWS_GUI,
  computePeChecksum,
  dataDirectory,
  hex,
  parsePeImage,
} from './pe-format.ts';

/** Sections whose content is text (UKI convention) and worth printing when short. */
const TEXT_SECTIONS = new Set(['.cmdline', '.osrel', '.uname', '.sbat']);
/** Longer text sections are decoded, but formatPeInfo only gives their length. */
const TEXT_DECODE_LIMIT = 4096;
const TEXT_SHOW_LIMIT = 1024;
const PAGE_SIZE = 0x1000;

export interface PeSectionInfo {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  pointerToRawData: number;
  sizeOfRawData: number;
  characteristics: number;
  readable: boolean;
  writable: boolean;
  executable: boolean;
  /** "r-x", "rw-", … */
  flags: string;
  /** Content of .cmdline/.osrel/.uname/.sbat when it is short printable text (NULs trimmed). */
  text?: string;
}

export interface PeInfo {
  machine: number;
  machineName: string;
  /** Optional-header magic: 0x10b PE32, 0x20b PE32+. */
  magic: number;
  format: 'PE32' | 'PE32+';
  subsystem: number;
  subsystemName: string;
  imageBase: bigint;
  entryPoint: number;
  sectionAlignment: number;
  fileAlignment: number;
  sizeOfHeaders: number;
  sizeOfImage: number;
  dllCharacteristics: number;
  dllCharacteristicNames: string[];
  nxCompat: boolean;
  storedChecksum: number;
  computedChecksum: number;
  symbolTablePointer: number;
  symbolCount: number;
  /** Certificate table: a file offset and size; both 0 when unsigned. */
  certificateOffset: number;
  certificateSize: number;
  sections: PeSectionInfo[];
  /** Problems worth a line in the report; empty for a clean image. */
  warnings: string[];
}

/** Decodes a PE image; diagnostics (never an exception) for malformed input. */
export function readPeInfo(bytes: Uint8Array, file = '<image>'): PeInfo | Diagnostic[] {
  const image = parsePeImage(bytes, file);
  if (Array.isArray(image)) return image;

  const sections: PeSectionInfo[] = image.sections.map((s) => {
    const readable = (s.characteristics & IMAGE_SCN_MEM_READ) !== 0;
    const writable = (s.characteristics & IMAGE_SCN_MEM_WRITE) !== 0;
    const executable = (s.characteristics & IMAGE_SCN_MEM_EXECUTE) !== 0;
    const info: PeSectionInfo = {
      name: s.name,
      virtualAddress: s.virtualAddress,
      virtualSize: s.virtualSize,
      pointerToRawData: s.pointerToRawData,
      sizeOfRawData: s.sizeOfRawData,
      characteristics: s.characteristics,
      readable,
      writable,
      executable,
      flags: (readable ? 'r' : '-') + (writable ? 'w' : '-') + (executable ? 'x' : '-'),
    };
    if (TEXT_SECTIONS.has(s.name)) {
      const length = Math.min(s.virtualSize || s.sizeOfRawData, s.sizeOfRawData);
      if (length <= TEXT_DECODE_LIMIT) {
        const text = decodeText(bytes.subarray(s.pointerToRawData, s.pointerToRawData + length));
        if (text !== undefined) info.text = text;
      }
    }
    return info;
  });

  const certificate = dataDirectory(image, IMAGE_DIRECTORY_ENTRY_SECURITY);
  const info: PeInfo = {
    machine: image.machine,
    machineName: machineName(image.machine),
    magic: image.magic,
    format: image.magic === IMAGE_NT_OPTIONAL_HDR64_MAGIC ? 'PE32+' : 'PE32',
    subsystem: image.subsystem,
    subsystemName: subsystemName(image.subsystem),
    imageBase: image.imageBase,
    entryPoint: image.addressOfEntryPoint,
    sectionAlignment: image.sectionAlignment,
    fileAlignment: image.fileAlignment,
    sizeOfHeaders: image.sizeOfHeaders,
    sizeOfImage: image.sizeOfImage,
    dllCharacteristics: image.dllCharacteristics,
    dllCharacteristicNames: DLL_CHARACTERISTIC_NAMES.filter(([bit]) => (image.dllCharacteristics & bit) !== 0).map(
      ([, name]) => name,
    ),
    nxCompat: (image.dllCharacteristics & IMAGE_DLLCHARACTERISTICS_NX_COMPAT) !== 0,
    storedChecksum: image.checkSum,
    computedChecksum: computePeChecksum(bytes, image.checkSumOffset),
    symbolTablePointer: image.pointerToSymbolTable,
    symbolCount: image.numberOfSymbols,
    certificateOffset: certificate.virtualAddress,
    certificateSize: certificate.size,
    sections,
    warnings: [],
  };
  info.warnings = collectWarnings(info);
  return info;
}

function collectWarnings(info: PeInfo): string[] {
  const warnings: string[] = [];
  for (const s of info.sections) {
    if (s.writable && s.executable) {
      warnings.push(`section ${s.name} is writable and executable (W+X); firmware with memory protection refuses or breaks it`);
    }
  }
  if (!info.nxCompat) {
    warnings.push('NX_COMPAT is not set in DllCharacteristics; Microsoft-signed shim/firmware policy requires it');
  }
  if (info.symbolTablePointer !== 0 || info.symbolCount !== 0) {
    warnings.push(
      `COFF symbol table present (${info.symbolCount} symbols at 0x${hex(info.symbolTablePointer)}); images should not carry one`,
    );
  }
  if (info.sectionAlignment < PAGE_SIZE) {
    warnings.push(`SectionAlignment 0x${hex(info.sectionAlignment)} is below 4 KiB; W^X mapping works per page`);
  } else {
    for (const s of info.sections) {
      if (s.virtualAddress % PAGE_SIZE !== 0) warnings.push(`section ${s.name} RVA 0x${hex(s.virtualAddress)} is not page-aligned`);
    }
  }
  if (info.storedChecksum !== 0 && info.storedChecksum !== info.computedChecksum) {
    warnings.push(`stored checksum 0x${hex(info.storedChecksum)} differs from the computed 0x${hex(info.computedChecksum)}`);
  }
  const entry = info.sections.find((s) => info.entryPoint >= s.virtualAddress && info.entryPoint < s.virtualAddress + s.virtualSize);
  if (info.entryPoint !== 0 && (entry === undefined || !entry.executable)) {
    warnings.push(`entry point 0x${hex(info.entryPoint)} is not inside an executable section`);
  }
  return warnings;
}

/** UTF-8 text without control characters other than tab/newline/CR, trailing NULs trimmed. */
function decodeText(bytes: Uint8Array): string | undefined {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text)) return undefined;
  return text;
}

const DLL_CHARACTERISTIC_NAMES: [number, string][] = [
  [IMAGE_DLLCHARACTERISTICS_HIGH_ENTROPY_VA, 'HIGH_ENTROPY_VA'],
  [IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE, 'DYNAMIC_BASE'],
  [IMAGE_DLLCHARACTERISTICS_FORCE_INTEGRITY, 'FORCE_INTEGRITY'],
  [IMAGE_DLLCHARACTERISTICS_NX_COMPAT, 'NX_COMPAT'],
  [IMAGE_DLLCHARACTERISTICS_NO_ISOLATION, 'NO_ISOLATION'],
  [IMAGE_DLLCHARACTERISTICS_NO_SEH, 'NO_SEH'],
  [IMAGE_DLLCHARACTERISTICS_NO_BIND, 'NO_BIND'],
  [IMAGE_DLLCHARACTERISTICS_APPCONTAINER, 'APPCONTAINER'],
  [IMAGE_DLLCHARACTERISTICS_WDM_DRIVER, 'WDM_DRIVER'],
  [IMAGE_DLLCHARACTERISTICS_GUARD_CF, 'GUARD_CF'],
  [IMAGE_DLLCHARACTERISTICS_TERMINAL_SERVER_AWARE, 'TERMINAL_SERVER_AWARE'],
];

function machineName(machine: number): string {
  switch (machine) {
    case IMAGE_FILE_MACHINE_AMD64:
      return 'x86-64';
    case IMAGE_FILE_MACHINE_I386:
      return 'i386';
    case IMAGE_FILE_MACHINE_ARM64:
      return 'arm64';
    case IMAGE_FILE_MACHINE_ARMNT:
      return 'arm (thumb-2)';
    case IMAGE_FILE_MACHINE_RISCV64:
      return 'riscv64';
    case IMAGE_FILE_MACHINE_LOONGARCH64:
      return 'loongarch64';
    default:
      return 'unknown';
  }
}

function subsystemName(subsystem: number): string {
  switch (subsystem) {
    case IMAGE_SUBSYSTEM_EFI_APPLICATION:
      return 'EFI application';
    case IMAGE_SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER:
      return 'EFI boot service driver';
    case IMAGE_SUBSYSTEM_EFI_RUNTIME_DRIVER:
      return 'EFI runtime driver';
    case IMAGE_SUBSYSTEM_EFI_ROM:
      return 'EFI ROM';
    case IMAGE_SUBSYSTEM_NATIVE:
      return 'native';
    case IMAGE_SUBSYSTEM_WINDOWS_GUI:
      return 'Windows GUI';
    case IMAGE_SUBSYSTEM_WINDOWS_CUI:
      return 'Windows console';
    default:
      return 'unknown';
  }
}

function hex8(value: number): string {
  return '0x' + value.toString(16).padStart(8, '0');
}

/** The `efistub inspect` report: header lines, the section table, text sections, warnings. */
export function formatPeInfo(info: PeInfo, fileSize: number): string {
  const lines: string[] = [];
  const field = (label: string, value: string): void => {
    lines.push(`${(label + ':').padEnd(22)}${value}`);
  };
  field('format', `${info.format} (magic 0x${hex(info.magic)})`);
  field('machine', `${info.machineName} (0x${hex(info.machine)})`);
  field('subsystem', `${info.subsystemName} (${info.subsystem})`);
  field('image base', `0x${hex(info.imageBase)}`);
  field('entry point', `0x${hex(info.entryPoint)}`);
  field('section alignment', `0x${hex(info.sectionAlignment)}`);
  field('file alignment', `0x${hex(info.fileAlignment)}`);
  field('size of headers', `0x${hex(info.sizeOfHeaders)}`);
  field('size of image', `0x${hex(info.sizeOfImage)}`);
  field('file size', `0x${hex(fileSize)} (${fileSize} bytes)`);
  field(
    'dll characteristics',
    `0x${hex(info.dllCharacteristics)}${info.dllCharacteristicNames.length > 0 ? ` (${info.dllCharacteristicNames.join(' ')})` : ''}`,
  );
  field('nx compat', info.nxCompat ? 'yes' : 'NO');
  const checksumState =
    info.storedChecksum === 0 ? 'not set' : info.storedChecksum === info.computedChecksum ? 'ok' : 'MISMATCH';
  field('checksum', `${hex8(info.storedChecksum)} stored, ${hex8(info.computedChecksum)} computed (${checksumState})`);
  field(
    'symbol table',
    info.symbolTablePointer === 0 && info.symbolCount === 0
      ? 'none'
      : `${info.symbolCount} symbols at 0x${hex(info.symbolTablePointer)}`,
  );
  field(
    'certificate table',
    info.certificateSize === 0 && info.certificateOffset === 0
      ? 'none (unsigned)'
      : `0x${hex(info.certificateSize)} bytes at file offset 0x${hex(info.certificateOffset)} (signed)`,
  );

  lines.push('', `sections (${info.sections.length}):`);
  const header = ['#', 'name', 'rva', 'virt size', 'raw offset', 'raw size', 'flags', 'characteristics'];
  const rows = info.sections.map((s, i) => [
    String(i),
    s.name,
    hex8(s.virtualAddress),
    hex8(s.virtualSize),
    hex8(s.pointerToRawData),
    hex8(s.sizeOfRawData),
    s.flags,
    hex8(s.characteristics),
  ]);
  const widths = header.map((h, column) => Math.max(h.length, ...rows.map((row) => row[column].length)));
  for (const row of [header, ...rows]) {
    lines.push('  ' + row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
  }

  for (const s of info.sections) {
    if (s.text === undefined) continue;
    lines.push('');
    if (s.text.length > TEXT_SHOW_LIMIT) {
      lines.push(`${s.name}: ${s.text.length} characters of text (not shown)`);
      continue;
    }
    const textLines = s.text.replace(/\n$/, '').split('\n');
    if (textLines.length === 1) {
      lines.push(`${s.name}: ${JSON.stringify(textLines[0])}`);
    } else {
      lines.push(`${s.name}:`);
      for (const line of textLines) lines.push(`  ${line}`);
    }
  }

  if (info.warnings.length > 0) {
    lines.push('');
    for (const warning of info.warnings) lines.push(`warning: ${warning}`);
  }
  return lines.join('\n') + '\n';
}
