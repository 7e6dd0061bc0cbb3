/**
 * @fileoverview Builds a small PE32+ EFI application image, already laid out as loaded.
 *
 * The simulator's loaded image is the stub's own PE image at ImageBase, so hello-stub can walk
 * its section table. FileAlignment = SectionAlignment = 4 KiB here, which makes the file layout
 * and the in-memory layout the same bytes (PE/COFF specification, "Optional Header
 * Windows-Specific Fields": FileAlignment may equal SectionAlignment). Written from the PE/COFF
 * specification's field tables; only what a loader and the stub look at is filled in.
 */

export interface PeSectionSpec {
  /** At most 8 ASCII characters. */
  name: string;
  data: Uint8Array | string;
  /** IMAGE_SCN_* flags; defaults to initialized data, readable. */
  characteristics?: number;
  /** VirtualSize if it should differ from data.length (e.g. .bss-like or .linux). */
  virtualSize?: number;
}

export interface BuiltPeSection {
  name: string;
  rva: number;
  virtualSize: number;
  rawSize: number;
}

export interface BuiltPeImage {
  bytes: Uint8Array;
  sizeOfImage: number;
  sections: BuiltPeSection[];
}

export const IMAGE_SCN_CNT_CODE = 0x20;
export const IMAGE_SCN_CNT_INITIALIZED_DATA = 0x40;
export const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
export const IMAGE_SCN_MEM_READ = 0x40000000;
export const IMAGE_SCN_MEM_WRITE = 0x80000000;
export const SECTION_CODE = IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_MEM_READ;
export const SECTION_DATA = IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE;
export const SECTION_RODATA = IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ;

const ALIGNMENT = 0x1000;
const E_LFANEW = 0x80;
const OPTIONAL_HEADER_SIZE = 240; // PE32+ with 16 data directories

const alignUp = (value: number) => Math.ceil(value / ALIGNMENT) * ALIGNMENT;

/** The sections a test stub usually has, with a `.cmdline` holding `cmdline` when given. */
export function defaultSections(cmdline: string | null = 'console=ttyS0 quiet'): PeSectionSpec[] {
  const sections: PeSectionSpec[] = [
    { name: '.text', data: new Uint8Array(0x2345).fill(0xcc), characteristics: SECTION_CODE },
    { name: '.data', data: new Uint8Array(0x180).fill(0x11), characteristics: SECTION_DATA },
    { name: '.sbat', data: 'sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n', characteristics: SECTION_RODATA },
  ];
  if (cmdline !== null) sections.push({ name: '.cmdline', data: `${cmdline}\n`, characteristics: SECTION_RODATA });
  return sections;
}

export interface UkiContents {
  /** The bzImage, as `efistub wrap --kernel` puts it into .linux. */
  linux: Uint8Array;
  /** .cmdline text (written as given, e.g. with its NUL); no section when absent. */
  cmdline?: string;
  /** One .initrd section each, in table order. */
  initrds?: Uint8Array[];
}

/**
 * A unified kernel image's sections: the stub's own (defaultSections without .cmdline), then
 * .linux, .cmdline and the .initrd sections in the UKI order of stub-src/uki.ts.
 */
export function ukiSections(contents: UkiContents): PeSectionSpec[] {
  const sections = defaultSections(null);
  sections.push({ name: '.linux', data: contents.linux, characteristics: SECTION_RODATA });
  if (contents.cmdline !== undefined) sections.push({ name: '.cmdline', data: contents.cmdline, characteristics: SECTION_RODATA });
  for (const initrd of contents.initrds ?? []) sections.push({ name: '.initrd', data: initrd, characteristics: SECTION_RODATA });
  return sections;
}

export function buildPeImage(specs: PeSectionSpec[]): BuiltPeImage {
  const sections: BuiltPeSection[] = [];
  const datas: Uint8Array[] = [];
  let rva = ALIGNMENT; // headers take the first page
  for (const spec of specs) {
    if (spec.name.length > 8 || !/^[\x20-\x7e]*$/.test(spec.name)) throw new Error(`bad section name ${spec.name}`);
    const data = typeof spec.data === 'string' ? new TextEncoder().encode(spec.data) : spec.data;
    const virtualSize = spec.virtualSize ?? data.length;
    const rawSize = alignUp(data.length);
    sections.push({ name: spec.name, rva, virtualSize, rawSize });
    datas.push(data);
    rva += alignUp(Math.max(virtualSize, data.length, 1));
  }
  const headersEnd = E_LFANEW + 4 + 20 + OPTIONAL_HEADER_SIZE + 40 * specs.length;
  if (headersEnd > ALIGNMENT) throw new Error('too many sections for one header page');
  const sizeOfImage = rva;
  const image = Buffer.alloc(sizeOfImage);
  // DOS header: "MZ", e_lfanew.
  image.write('MZ', 0, 'latin1');
  image.writeUInt32LE(E_LFANEW, 0x3c);
  // PE signature and COFF file header.
  image.write('PE\0\0', E_LFANEW, 'latin1');
  const coff = E_LFANEW + 4;
  image.writeUInt16LE(0x8664, coff + 0); // Machine: AMD64
  image.writeUInt16LE(specs.length, coff + 2); // NumberOfSections
  image.writeUInt32LE(0, coff + 4); // TimeDateStamp
  image.writeUInt16LE(OPTIONAL_HEADER_SIZE, coff + 16); // SizeOfOptionalHeader
  image.writeUInt16LE(0x0022, coff + 18); // EXECUTABLE_IMAGE | LARGE_ADDRESS_AWARE
  // Optional header, PE32+.
  const opt = coff + 20;
  const text = sections.find((s) => s.name === '.text');
  image.writeUInt16LE(0x20b, opt + 0); // Magic
  image.writeUInt32LE(text?.rva ?? 0, opt + 16); // AddressOfEntryPoint
  image.writeUInt32LE(text?.rva ?? 0, opt + 20); // BaseOfCode
  image.writeBigUInt64LE(0n, opt + 24); // ImageBase
  image.writeUInt32LE(ALIGNMENT, opt + 32); // SectionAlignment
  image.writeUInt32LE(ALIGNMENT, opt + 36); // FileAlignment
  image.writeUInt32LE(sizeOfImage, opt + 56); // SizeOfImage
  image.writeUInt32LE(ALIGNMENT, opt + 60); // SizeOfHeaders
  image.writeUInt16LE(10, opt + 68); // Subsystem: EFI application
  image.writeUInt16LE(0x0160, opt + 70); // DllCharacteristics: HIGH_ENTROPY_VA | DYNAMIC_BASE | NX_COMPAT
  image.writeUInt32LE(16, opt + 108); // NumberOfRvaAndSizes
  // Section headers.
  let header = opt + OPTIONAL_HEADER_SIZE;
  sections.forEach((section, index) => {
    image.write(section.name.padEnd(8, '\0'), header, 'latin1');
    image.writeUInt32LE(section.virtualSize, header + 8);
    image.writeUInt32LE(section.rva, header + 12);
    image.writeUInt32LE(section.rawSize, header + 16);
    image.writeUInt32LE(section.rva, header + 20); // PointerToRawData = RVA (same layout)
    image.writeUInt32LE((specs[index].characteristics ?? SECTION_RODATA) >>> 0, header + 36);
    image.set(datas[index], section.rva);
    header += 40;
  });
  return { bytes: new Uint8Array(image.buffer, image.byteOffset, image.length), sizeOfImage, sections };
}
