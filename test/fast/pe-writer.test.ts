/**
 * The PE writer (compiler/pe-writer.ts) on small EFI images built at test time with the
 * project's clang + lld-link flags. Each rule in the writer's header has a case here; results
 * are checked with our reader and, independently, with binutils objdump, a test-local checksum
 * and sbsign/sbverify.
 */

import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSections, addSectionsToImage, mergeSbat, PeWriterError, type NewSection } from '../../compiler/pe-writer.ts';
import { readPeInfo, type PeInfo } from '../../compiler/pe-inspect.ts';
import {
  DEBUG_ADDRESS_OF_RAW_DATA,
  DEBUG_POINTER_TO_RAW_DATA,
  DEBUG_SIZE_OF_DATA,
  IMAGE_DIRECTORY_ENTRY_DEBUG,
  PeFormatError,
  dataDirectory,
  parsePeImage,
  rvaToFileOffset,
  type PeImage,
} from '../../compiler/pe-format.ts';
import { UKI_SECTION_COUNT, ukiSectionName } from '../../stub-src/uki.ts';
import { haveCommand, makeTempDir, makeTestPe, objdumpSections } from '../support/make-test-pe.ts';

const SBAT_HEADER = 'sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md';
const STUB_SBAT = `${SBAT_HEADER}\nefistub,1,efistub,efistub,0.1.0,https://example.invalid/efistub\n`;
const KERNEL_SBAT = `${SBAT_HEADER}\nlinux,1,Debian,linux,6.1.0,https://www.debian.org/\n`;

let dir: string;
let base: string; // .text .rdata .data .reloc
let crowded: string; // + 8 extra sections: all UKI sections overflow the 0x400 headers
let crowdedDebug: string; // crowded, linked with /debug (a CodeView debug directory entry)
let full: string; // + 78 extra sections: no room below the first section's RVA
let withSymbols: string; // /debug:dwarf leaves a COFF symbol table
let withSbat: string; // the stub's own .sbat
let signed: string;
let keyPath: string;
let certPath: string;

function read(file: string): Buffer {
  return fs.readFileSync(file);
}

function info(file: string): PeInfo {
  const result = readPeInfo(read(file), file);
  if (Array.isArray(result)) throw new Error(JSON.stringify(result));
  return result;
}

function image(file: string): PeImage {
  const result = parsePeImage(read(file), file);
  if (Array.isArray(result)) throw new Error(JSON.stringify(result));
  return result;
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(read(file)).digest('hex');
}

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

let outputCounter = 0;
function outputPath(): string {
  outputCounter += 1;
  return path.join(dir, `out-${outputCounter}.efi`);
}

/** Raw bytes of a section as the file holds them (SizeOfRawData long). */
function rawSection(bytes: Uint8Array, img: PeImage, name: string): Uint8Array {
  const s = img.sections.find((section) => section.name === name);
  if (s === undefined) throw new Error(`no ${name}`);
  return bytes.subarray(s.pointerToRawData, s.pointerToRawData + s.sizeOfRawData);
}

/**
 * The PE checksum written independently of compiler/pe-format.ts: the whole file as 16-bit
 * words with the field zeroed, summed without folding (exact in a double for files < 2^37 bytes),
 * folded at the end (end-around carry is associative), plus the file length.
 */
function independentChecksum(file: string): number {
  const bytes = Buffer.from(read(file));
  const e_lfanew = bytes.readUInt32LE(0x3c);
  const field = e_lfanew + 4 + 20 + 64;
  bytes.writeUInt32LE(0, field);
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += bytes.readUInt16LE(i);
  if (bytes.length % 2 === 1) sum += bytes[bytes.length - 1];
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum + bytes.length;
}

function storedChecksum(file: string): number {
  const bytes = read(file);
  return bytes.readUInt32LE(bytes.readUInt32LE(0x3c) + 4 + 20 + 64);
}

function allUkiSections(): NewSection[] {
  const sections: NewSection[] = [];
  for (let s = 0; s < UKI_SECTION_COUNT; s++) {
    const name = ukiSectionName(s);
    sections.push({ name, data: text(name === '.sbat' ? KERNEL_SBAT : `payload of ${name}\n`.repeat(s + 1)) });
  }
  return sections;
}

function sign(input: string, output: string): void {
  execFileSync('sbsign', ['--key', keyPath, '--cert', certPath, '--output', output, input], { stdio: 'pipe' });
}

function verify(file: string): string {
  return execFileSync('sbverify', ['--cert', certPath, file], { encoding: 'utf8', stdio: 'pipe' });
}

beforeAll(() => {
  dir = makeTempDir('efistub-pe-writer-');
  base = makeTestPe({}, makeTempDir('fixture-', dir));
  crowded = makeTestPe({ extraSections: 8 }, makeTempDir('fixture-', dir));
  crowdedDebug = makeTestPe({ extraSections: 8, linkArgs: ['/debug', '/pdb:' + path.join(dir, 'x.pdb')] }, makeTempDir('fixture-', dir));
  full = makeTestPe({ extraSections: 78 }, makeTempDir('fixture-', dir));
  withSymbols = makeTestPe({ linkArgs: ['/debug:dwarf'] }, makeTempDir('fixture-', dir));
  withSbat = makeTestPe({ sbat: STUB_SBAT }, makeTempDir('fixture-', dir));
  keyPath = path.join(dir, 'key.pem');
  certPath = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-subj', '/CN=efistub test key', '-days', '1'],
    { stdio: 'pipe' },
  );
  signed = path.join(dir, 'signed.efi');
  sign(base, signed);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('test fixture (the toolchain flags the design relies on)', () => {
  it('lld-link gives 4 KiB SectionAlignment, NX_COMPAT, no W+X section, no symbol table', () => {
    const i = info(base);
    expect(i.sectionAlignment, 'SectionAlignment').toBe(0x1000);
    expect(i.nxCompat, 'NX_COMPAT').toBe(true);
    expect(i.sections.filter((s) => s.writable && s.executable).map((s) => s.name), 'W+X sections').toEqual([]);
    expect(i.symbolTablePointer).toBe(0);
    expect(i.warnings).toEqual([]);
    expect(i.sections.map((s) => s.name)).toEqual(['.text', '.rdata', '.data', '.reloc']);
  });
});

describe('addSections', () => {
  it('adds .cmdline with the exact bytes, read-only, page-aligned after the last section', () => {
    const out = outputPath();
    const cmdline = text('console=ttyS0 root=/dev/vda1 quiet\n');
    const before = info(base);
    const baseHash = sha256(base);
    expect(addSections(base, [{ name: '.cmdline', data: cmdline }], out)).toEqual([]);
    expect(sha256(base)).toBe(baseHash);

    const after = info(out);
    const last = before.sections[before.sections.length - 1];
    const added = after.sections.find((s) => s.name === '.cmdline')!;
    expect(added).toBeDefined();
    expect(added.virtualAddress).toBe(Math.ceil((last.virtualAddress + last.virtualSize) / 0x1000) * 0x1000);
    expect(added.virtualSize).toBe(cmdline.length);
    expect(added.sizeOfRawData).toBe(0x200);
    expect(added.pointerToRawData % 0x200).toBe(0);
    expect(added.characteristics).toBe(0x40000040);
    expect(added.flags).toBe('r--');
    expect(added.text).toBe('console=ttyS0 root=/dev/vda1 quiet\n');
    expect(after.sections.length).toBe(before.sections.length + 1);
    expect(after.sizeOfImage).toBe(added.virtualAddress + 0x1000);
    expect(after.warnings).toEqual([]);

    const img = image(out);
    expect(img.numberOfSections).toBe(5);
    expect(img.sizeOfInitializedData).toBe(image(base).sizeOfInitializedData + 0x200);

    // binutils' view: section present, size and file offset agree, bytes exact.
    const objdump = objdumpSections(out).find((s) => s.name === '.cmdline');
    expect(objdump).toBeDefined();
    expect(objdump!.size).toBe(cmdline.length);
    expect(objdump!.vma).toBe(img.imageBase + BigInt(added.virtualAddress));
    expect(Buffer.from(read(out).subarray(objdump!.fileOffset, objdump!.fileOffset + cmdline.length))).toEqual(
      Buffer.from(cmdline),
    );
  });

  it('writes a checksum equal to an independent recomputation', () => {
    const out = outputPath();
    expect(addSections(base, allUkiSections(), out)).toEqual([]);
    expect(storedChecksum(out)).not.toBe(0);
    expect(storedChecksum(out)).toBe(independentChecksum(out));
    expect(info(out).computedChecksum).toBe(independentChecksum(out));
  });

  it('output can be signed with sbsign and verified with sbverify', () => {
    const out = outputPath();
    expect(addSections(base, [{ name: '.cmdline', data: text('quiet') }, { name: '.linux', data: crypto.randomBytes(5000) }], out)).toEqual([]);
    const signedOut = outputPath();
    sign(out, signedOut);
    expect(verify(signedOut)).toContain('Signature verification OK');
    const i = info(signedOut);
    expect(i.certificateSize).toBeGreaterThan(0);
  });

  it('refuses a signed image, saying to sign after wrapping, and writes nothing', () => {
    const out = outputPath();
    const diagnostics = addSections(signed, [{ name: '.cmdline', data: text('quiet') }], out);
    expect(diagnostics.map((d) => d.code)).toEqual([PeWriterError.SIGNED_IMAGE]);
    expect(diagnostics[0].stage).toBe('pe-writer');
    expect(diagnostics[0].message).toMatch(/sign the wrapped image/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses an image with a COFF symbol table', () => {
    expect(info(withSymbols).symbolTablePointer).not.toBe(0);
    const out = outputPath();
    const diagnostics = addSections(withSymbols, [{ name: '.cmdline', data: text('quiet') }], out);
    expect(diagnostics.map((d) => d.code)).toEqual([PeWriterError.SYMBOL_TABLE]);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('grows SizeOfHeaders when the new headers do not fit, keeping every original section intact', () => {
    const before = image(crowded);
    const beforeBytes = read(crowded);
    const out = outputPath();
    expect(addSections(crowded, allUkiSections(), out)).toEqual([]);
    const after = image(out);
    const afterBytes = read(out);

    expect(after.sizeOfHeaders).toBeGreaterThan(before.sizeOfHeaders);
    expect(after.sizeOfHeaders % before.fileAlignment).toBe(0);
    expect(after.sizeOfHeaders).toBeLessThanOrEqual(before.sections[0].virtualAddress);
    expect(after.sectionTableOffset + after.numberOfSections * 40).toBeLessThanOrEqual(after.sizeOfHeaders);
    expect(after.numberOfSections).toBe(before.numberOfSections + UKI_SECTION_COUNT);
    for (const s of before.sections) {
      const moved = after.sections.find((t) => t.name === s.name)!;
      expect(moved.virtualAddress, s.name).toBe(s.virtualAddress);
      expect(moved.virtualSize, s.name).toBe(s.virtualSize);
      expect(moved.characteristics, s.name).toBe(s.characteristics);
      expect(Buffer.from(rawSection(afterBytes, after, s.name)), s.name).toEqual(Buffer.from(rawSection(beforeBytes, before, s.name)));
    }
    // Headers before the section table are unchanged except the fields the writer owns.
    expect(Buffer.from(afterBytes.subarray(0, after.coffOffset))).toEqual(Buffer.from(beforeBytes.subarray(0, before.coffOffset)));
    for (const s of allUkiSections()) {
      expect(Buffer.from(rawSection(afterBytes, after, s.name).subarray(0, s.data.length)), s.name).toEqual(Buffer.from(s.data));
    }
    const objdumpNames = objdumpSections(out).map((s) => s.name);
    expect(objdumpNames).toEqual(after.sections.map((s) => s.name));
    expect(storedChecksum(out)).toBe(independentChecksum(out));
    const signedOut = outputPath();
    sign(out, signedOut);
    expect(verify(signedOut)).toContain('Signature verification OK');
  });

  it('moves debug directory file pointers along with the raw data', () => {
    const before = image(crowdedDebug);
    const debug = dataDirectory(before, IMAGE_DIRECTORY_ENTRY_DEBUG);
    expect(debug.size).toBeGreaterThan(0);
    const out = outputPath();
    expect(addSections(crowdedDebug, allUkiSections(), out)).toEqual([]);
    const after = image(out);
    expect(after.sizeOfHeaders).toBeGreaterThan(before.sizeOfHeaders);
    const bytes = read(out);
    const entry = rvaToFileOffset(after, debug.virtualAddress);
    const size = bytes.readUInt32LE(entry + DEBUG_SIZE_OF_DATA);
    const rva = bytes.readUInt32LE(entry + DEBUG_ADDRESS_OF_RAW_DATA);
    const pointer = bytes.readUInt32LE(entry + DEBUG_POINTER_TO_RAW_DATA);
    expect(pointer).toBe(rvaToFileOffset(after, rva));
    expect(bytes.subarray(pointer, pointer + 4).toString('latin1')).toBe('RSDS'); // CodeView PDB 7.0
    expect(size).toBeGreaterThan(24);
  });

  it('refuses when the headers would reach the first section RVA', () => {
    const out = outputPath();
    const diagnostics = addSections(full, allUkiSections(), out);
    expect(diagnostics.map((d) => d.code)).toEqual([PeWriterError.NO_HEADER_ROOM]);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('merges a user .sbat into the stub .sbat: one section, the header line once', () => {
    const out = outputPath();
    expect(addSections(withSbat, [{ name: '.sbat', data: text(KERNEL_SBAT) }, { name: '.cmdline', data: text('quiet') }], out)).toEqual([]);
    const after = info(out);
    const sbat = after.sections.filter((s) => s.name === '.sbat');
    expect(sbat.length).toBe(1);
    expect(sbat[0].text).toBe(
      `${SBAT_HEADER}\nefistub,1,efistub,efistub,0.1.0,https://example.invalid/efistub\nlinux,1,Debian,linux,6.1.0,https://www.debian.org/\n`,
    );
    expect(sbat[0].virtualAddress).toBe(info(withSbat).sections.find((s) => s.name === '.sbat')!.virtualAddress);
    expect(storedChecksum(out)).toBe(independentChecksum(out));
  });

  it('merges a .sbat larger than its raw slot by moving the following raw data', () => {
    const before = image(withSbat);
    const beforeBytes = read(withSbat);
    const extra = Array.from({ length: 30 }, (_, i) => `component${i},1,Vendor,component${i},1.0,https://example.invalid/${i}`);
    const out = outputPath();
    expect(addSections(withSbat, [{ name: '.sbat', data: text(extra.join('\n') + '\n') }], out)).toEqual([]);
    const after = image(out);
    const afterBytes = read(out);
    const sbat = info(out).sections.find((s) => s.name === '.sbat')!;
    expect(sbat.sizeOfRawData).toBeGreaterThan(0x200);
    expect(sbat.text!.split('\n')[0]).toBe(SBAT_HEADER);
    expect(sbat.text!.split('\n').length).toBe(2 + 30 + 1);
    for (const s of before.sections) {
      if (s.name === '.sbat') continue;
      expect(Buffer.from(rawSection(afterBytes, after, s.name)), s.name).toEqual(Buffer.from(rawSection(beforeBytes, before, s.name)));
    }
    const signedOut = outputPath();
    sign(out, signedOut);
    expect(verify(signedOut)).toContain('Signature verification OK');
  });

  it('merges two user .sbat parts into one new section when the stub has none', () => {
    const out = outputPath();
    expect(addSections(base, [{ name: '.sbat', data: text(STUB_SBAT) }, { name: '.sbat', data: text(KERNEL_SBAT) }], out)).toEqual([]);
    const sbat = info(out).sections.filter((s) => s.name === '.sbat');
    expect(sbat.length).toBe(1);
    expect(sbat[0].text!.match(/^sbat,/gm)!.length).toBe(1);
    expect(sbat[0].text).toContain('efistub,1,');
    expect(sbat[0].text).toContain('linux,1,');
  });

  it('refuses one .sbat component given twice with different entries', () => {
    const out = outputPath();
    const diagnostics = addSections(withSbat, [{ name: '.sbat', data: text('efistub,2,efistub,efistub,0.2.0,https://x\n') }], out);
    expect(diagnostics.map((d) => d.code)).toEqual([PeWriterError.SBAT_CONFLICT]);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('mergeSbat keeps order, drops exact duplicates and stray NULs', () => {
    expect(mergeSbat([STUB_SBAT + '\0\0', KERNEL_SBAT, STUB_SBAT], 'x')).toBe(
      `${SBAT_HEADER}\nefistub,1,efistub,efistub,0.1.0,https://example.invalid/efistub\nlinux,1,Debian,linux,6.1.0,https://www.debian.org/\n`,
    );
    expect(mergeSbat(['not csv\n'], 'x')).toEqual([expect.objectContaining({ code: PeWriterError.BAD_SBAT })]);
  });

  it('refuses unknown and over-long names, duplicates and empty data, writing nothing', () => {
    const cases: [NewSection[], number[]][] = [
      [[{ name: '.text2', data: text('x') }], [PeWriterError.UNKNOWN_SECTION_NAME]],
      [[{ name: '.cmdlinexx', data: text('x') }], [PeWriterError.NAME_TOO_LONG]],
      [[{ name: '.cmdline', data: text('a') }, { name: '.cmdline', data: text('b') }], [PeWriterError.DUPLICATE_REQUEST]],
      [[{ name: '.initrd', data: new Uint8Array(0) }], [PeWriterError.EMPTY_SECTION]],
      [[{ name: '.cmdline', data: text('a'), virtualSize: 0x1000 }], [PeWriterError.BAD_VIRTUAL_SIZE]],
      [[{ name: '.linux', data: text('abc'), virtualSize: 2 }], [PeWriterError.BAD_VIRTUAL_SIZE]],
      [
        [{ name: '.bogus', data: text('x') }, { name: '.initrd', data: new Uint8Array(0) }],
        [PeWriterError.UNKNOWN_SECTION_NAME, PeWriterError.EMPTY_SECTION],
      ],
    ];
    for (const [sections, codes] of cases) {
      const out = outputPath();
      const diagnostics = addSections(base, sections, out);
      expect(diagnostics.map((d) => d.code), JSON.stringify(sections.map((s) => s.name))).toEqual(codes);
      expect(fs.existsSync(out)).toBe(false);
    }
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a section the image already has (wrapping a wrapped image)', () => {
    const wrapped = outputPath();
    expect(addSections(base, [{ name: '.cmdline', data: text('quiet') }], wrapped)).toEqual([]);
    const out = outputPath();
    const diagnostics = addSections(wrapped, [{ name: '.cmdline', data: text('loud') }], out);
    expect(diagnostics.map((d) => d.code)).toEqual([PeWriterError.SECTION_EXISTS]);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('gives .linux the requested virtual size, covered by SizeOfImage', () => {
    const out = outputPath();
    const kernel = crypto.randomBytes(3000);
    expect(addSections(base, [{ name: '.linux', data: kernel, virtualSize: 0x123456 }, { name: '.initrd', data: text('initrd') }], out)).toEqual([]);
    const i = info(out);
    const linux = i.sections.find((s) => s.name === '.linux')!;
    const initrd = i.sections.find((s) => s.name === '.initrd')!;
    expect(linux.virtualSize).toBe(0x123456);
    expect(linux.sizeOfRawData).toBe(0xc00);
    expect(initrd.virtualAddress).toBe(Math.ceil((linux.virtualAddress + 0x123456) / 0x1000) * 0x1000);
    expect(i.sizeOfImage).toBe(initrd.virtualAddress + 0x1000);
    const bytes = read(out);
    expect(Buffer.from(bytes.subarray(linux.pointerToRawData, linux.pointerToRawData + kernel.length))).toEqual(kernel);
  });

  it('refuses more sections than the loader limit of 96', () => {
    const crammed = makeTestPe({ extraSections: 85 }, makeTempDir('fixture-', dir));
    const out = outputPath();
    const diagnostics = addSections(crammed, allUkiSections(), out);
    expect(diagnostics.map((d) => d.code)).toEqual([PeWriterError.TOO_MANY_SECTIONS]);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses to overwrite non-zero bytes after the section table', () => {
    const bytes = Buffer.from(read(base));
    const img = image(base);
    bytes[img.sectionTableOffset + img.numberOfSections * 40 + 3] = 0xcc;
    const result = addSectionsToImage(bytes, [{ name: '.cmdline', data: text('x') }], 'poked');
    expect(Array.isArray(result) && result.map((d) => d.code)).toEqual([PeWriterError.HEADER_AREA_IN_USE]);
  });

  it('refuses a merged .sbat that outgrows the stub .sbat RVA slot', () => {
    const big = Array.from({ length: 80 }, (_, i) => `component${i},1,Vendor,component${i},1.0,https://example.invalid/${i}`);
    const out = outputPath();
    const diagnostics = addSections(withSbat, [{ name: '.sbat', data: text(big.join('\n') + '\n') }], out);
    expect(diagnostics.map((d) => d.code)).toEqual([PeWriterError.SBAT_NO_ROOM]);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses an image that would outgrow 32-bit SizeOfImage', () => {
    const out = outputPath();
    const diagnostics = addSections(base, [{ name: '.linux', data: text('k'), virtualSize: 0xffffff00 }], out);
    expect(diagnostics.map((d) => d.code)).toEqual([PeWriterError.IMAGE_TOO_LARGE]);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('wraps a PE32 (i686) image too', () => {
    const pe32 = makeTestPe({ target: 'i686' }, makeTempDir('fixture-', dir));
    expect(info(pe32).magic).toBe(0x10b);
    const out = outputPath();
    expect(addSections(pe32, [{ name: '.cmdline', data: text('quiet') }], out)).toEqual([]);
    const i = info(out);
    expect(i.sections.find((s) => s.name === '.cmdline')!.text).toBe('quiet');
    expect(storedChecksum(out)).toBe(independentChecksum(out));
    expect(objdumpSections(out).map((s) => s.name)).toContain('.cmdline');
  });

  it('never writes over its input, and reports an unreadable input', () => {
    const copy = path.join(dir, 'copy.efi');
    fs.copyFileSync(base, copy);
    const hash = sha256(copy);
    expect(addSections(copy, [{ name: '.cmdline', data: text('x') }], copy).map((d) => d.code)).toEqual([PeWriterError.SAME_PATH]);
    expect(sha256(copy)).toBe(hash);
    const out = outputPath();
    expect(addSections(path.join(dir, 'missing.efi'), [{ name: '.cmdline', data: text('x') }], out).map((d) => d.code)).toEqual([
      PeWriterError.READ_FAILED,
    ]);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('reports garbage and truncated input as diagnostics, never an exception', () => {
    const bytes = read(base);
    const sections = [{ name: '.cmdline', data: text('x') }];
    expect(addSectionsToImage(new Uint8Array(0), sections, 'empty')).toEqual([
      expect.objectContaining({ code: PeFormatError.TRUNCATED_DOS_HEADER }),
    ]);
    expect(addSectionsToImage(crypto.randomBytes(4096), sections, 'garbage')).toEqual([
      expect.objectContaining({ code: PeFormatError.BAD_DOS_SIGNATURE }),
    ]);
    for (let length = 0; length < bytes.length; length += 7) {
      const result = addSectionsToImage(bytes.subarray(0, length), sections, 'truncated');
      expect(Array.isArray(result), `length ${length}`).toBe(true);
    }
  });

  it('never throws on randomly corrupted headers (property: output or diagnostics)', () => {
    const original = read(withSbat);
    const img = image(withSbat);
    const headerEnd = img.sectionTableOffset + img.numberOfSections * 40;
    const sections = [
      { name: '.cmdline', data: text('quiet') },
      { name: '.sbat', data: text(KERNEL_SBAT) },
    ];
    let seed = 987654321;
    const random = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    let written = 0;
    for (let round = 0; round < 1500; round++) {
      const bytes = Buffer.from(original);
      for (let flips = 1 + (random() % 3); flips > 0; flips--) bytes[img.peOffset + (random() % (headerEnd - img.peOffset))] = random() & 0xff;
      const result = addSectionsToImage(bytes, sections, 'fuzz');
      if (result instanceof Uint8Array) {
        written += 1;
        expect(Array.isArray(readPeInfo(result, 'fuzz-out'))).toBe(false);
      }
    }
    expect(written).toBeGreaterThan(0);
  });
});

describe('the tools these tests lean on', () => {
  it('are installed (scripts/install-deps.sh)', () => {
    for (const tool of ['clang', 'lld-link', 'objdump', 'sbsign', 'sbverify', 'openssl']) {
      expect(haveCommand(tool), tool).toBe(true);
    }
  });
});
