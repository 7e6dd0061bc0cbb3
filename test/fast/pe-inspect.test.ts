/**
 * `efistub inspect` (compiler/pe-inspect.ts): decoded fields against binutils' objdump, the
 * report's warnings on doctored copies of a real image, and malformed input: every truncation of
 * the headers, bad signatures, a section table or section data outside the file. The property:
 * readPeInfo never throws; it returns PeInfo or diagnostics with a reason.
 */

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPeInfo, readPeInfo, type PeInfo } from '../../compiler/pe-inspect.ts';
import { addSections } from '../../compiler/pe-writer.ts';
import {
  COFF_NUMBER_OF_SECTIONS,
  IMAGE_DLLCHARACTERISTICS_NX_COMPAT,
  IMAGE_SCN_MEM_WRITE,
  OPT_DLL_CHARACTERISTICS,
  PeFormatError,
  SECTION_CHARACTERISTICS,
  parsePeImage,
  type PeImage,
} from '../../compiler/pe-format.ts';
import { makeTempDir, makeTestPe, objdumpSections } from '../support/make-test-pe.ts';

let dir: string;
let base: string;
let wrapped: string;
let withSymbols: string;

function info(bytes: Uint8Array): PeInfo {
  const result = readPeInfo(bytes, 'test');
  if (Array.isArray(result)) throw new Error(JSON.stringify(result));
  return result;
}

function headers(bytes: Uint8Array): PeImage {
  const result = parsePeImage(bytes, 'test');
  if (Array.isArray(result)) throw new Error(JSON.stringify(result));
  return result;
}

function codes(bytes: Uint8Array): number[] {
  const result = readPeInfo(bytes, 'test');
  return Array.isArray(result) ? result.map((d) => d.code) : [];
}

beforeAll(() => {
  dir = makeTempDir('efistub-pe-inspect-');
  base = makeTestPe({}, makeTempDir('fixture-', dir));
  withSymbols = makeTestPe({ linkArgs: ['/debug:dwarf'] }, makeTempDir('fixture-', dir));
  wrapped = path.join(dir, 'wrapped.efi');
  const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
  const diagnostics = addSections(
    base,
    [
      { name: '.osrel', data: encode('NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n') },
      { name: '.cmdline', data: encode('console=ttyS0 quiet') },
      { name: '.uname', data: encode('6.1.0-18-amd64') },
      { name: '.linux', data: crypto.randomBytes(2000) },
    ],
    wrapped,
  );
  expect(diagnostics).toEqual([]);
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('readPeInfo', () => {
  it('decodes the headers of an lld-link EFI application', () => {
    const i = info(fs.readFileSync(base));
    expect(i.machine).toBe(0x8664);
    expect(i.machineName).toBe('x86-64');
    expect(i.magic).toBe(0x20b);
    expect(i.format).toBe('PE32+');
    expect(i.subsystem).toBe(10);
    expect(i.subsystemName).toBe('EFI application');
    expect(i.imageBase).toBe(0x140000000n);
    expect(i.sectionAlignment).toBe(0x1000);
    expect(i.fileAlignment).toBe(0x200);
    expect(i.sizeOfHeaders).toBe(0x400);
    expect(i.nxCompat).toBe(true);
    expect(i.dllCharacteristicNames).toContain('NX_COMPAT');
    expect(i.certificateSize).toBe(0);
    expect(i.symbolCount).toBe(0);
    const text = i.sections.find((s) => s.name === '.text')!;
    expect(text.flags).toBe('r-x');
    expect(i.sections.find((s) => s.name === '.data')!.flags).toBe('rw-');
    expect(i.entryPoint).toBeGreaterThanOrEqual(text.virtualAddress);
    expect(i.entryPoint).toBeLessThan(text.virtualAddress + text.virtualSize);
    expect(i.warnings).toEqual([]);
  });

  it('agrees with objdump -h on every section', () => {
    for (const file of [base, wrapped]) {
      const i = info(fs.readFileSync(file));
      const objdump = objdumpSections(file);
      expect(objdump.map((s) => s.name)).toEqual(i.sections.map((s) => s.name));
      for (const [k, s] of i.sections.entries()) {
        expect(objdump[k].vma, s.name).toBe(i.imageBase + BigInt(s.virtualAddress));
        expect(objdump[k].fileOffset, s.name).toBe(s.pointerToRawData);
        // objdump reports VirtualSize for PE images (the in-memory size).
        expect(objdump[k].size, s.name).toBe(s.virtualSize);
      }
    }
  });

  it('shows text sections and a matching checksum for a wrapped image', () => {
    const bytes = fs.readFileSync(wrapped);
    const i = info(bytes);
    expect(i.storedChecksum).toBe(i.computedChecksum);
    expect(i.sections.find((s) => s.name === '.cmdline')!.text).toBe('console=ttyS0 quiet');
    expect(i.sections.find((s) => s.name === '.linux')!.text).toBeUndefined();
    const report = formatPeInfo(i, bytes.length);
    expect(report).toMatch(/^format: +PE32\+ \(magic 0x20b\)$/m);
    expect(report).toMatch(/^subsystem: +EFI application \(10\)$/m);
    expect(report).toMatch(/^nx compat: +yes$/m);
    expect(report).toMatch(/^checksum: .*\(ok\)$/m);
    expect(report).toMatch(/^certificate table: +none \(unsigned\)$/m);
    expect(report).toMatch(/^ {2}\d+ +\.text +0x00001000 .* r-x /m);
    expect(report).toMatch(/^ {2}\d+ +\.data +.* rw- /m);
    expect(report).toContain('.cmdline: "console=ttyS0 quiet"');
    expect(report).toContain('.uname: "6.1.0-18-amd64"');
    expect(report).toContain('.osrel:\n  NAME="Debian GNU/Linux"\n  ID=debian\n  VERSION_ID="12"');
    expect(report).not.toContain('warning:');
  });

  it('warns about W+X sections, missing NX_COMPAT, a symbol table and a stale checksum', () => {
    const bytes = Buffer.from(fs.readFileSync(wrapped));
    const img = headers(bytes);
    const text = img.sections.find((s) => s.name === '.text')!;
    const at = text.headerOffset + SECTION_CHARACTERISTICS;
    bytes.writeUInt32LE((bytes.readUInt32LE(at) | IMAGE_SCN_MEM_WRITE) >>> 0, at);
    const dll = img.optionalHeaderOffset + OPT_DLL_CHARACTERISTICS;
    bytes.writeUInt16LE(bytes.readUInt16LE(dll) & ~IMAGE_DLLCHARACTERISTICS_NX_COMPAT, dll);
    const i = info(bytes);
    expect(i.sections.find((s) => s.name === '.text')!.flags).toBe('rwx');
    expect(i.nxCompat).toBe(false);
    const report = formatPeInfo(i, bytes.length);
    expect(report).toMatch(/^warning: section \.text is writable and executable \(W\+X\)/m);
    expect(report).toMatch(/^warning: NX_COMPAT is not set/m);
    expect(report).toMatch(/^warning: stored checksum .* differs/m);
    expect(report).toMatch(/^nx compat: +NO$/m);

    const symbols = info(fs.readFileSync(withSymbols));
    expect(symbols.symbolCount).toBeGreaterThan(0);
    expect(formatPeInfo(symbols, 0)).toMatch(/^warning: COFF symbol table present/m);
  });
});

describe('readPeInfo on malformed input', () => {
  it('explains empty, garbage and non-PE input', () => {
    expect(codes(new Uint8Array(0))).toEqual([PeFormatError.TRUNCATED_DOS_HEADER]);
    expect(codes(crypto.randomBytes(64).fill(0x41, 0, 2))).toEqual([PeFormatError.BAD_DOS_SIGNATURE]);
    const mz = new Uint8Array(0x100);
    mz.set([0x4d, 0x5a]);
    new DataView(mz.buffer).setUint32(0x3c, 0x7fffffff, true);
    expect(codes(mz)).toEqual([PeFormatError.PE_OFFSET_OUTSIDE_FILE]);
    new DataView(mz.buffer).setUint32(0x3c, 0x80, true);
    expect(codes(mz)).toEqual([PeFormatError.BAD_PE_SIGNATURE]);
    const message = (readPeInfo(mz, 'x.efi') as { message: string; file: string }[])[0];
    expect(message.file).toBe('x.efi');
    expect(message.message).toMatch(/no PE signature at e_lfanew=0x80/);
  });

  it('returns diagnostics for every truncation of a real image, never throws', () => {
    const bytes = fs.readFileSync(base);
    const seen = new Set<number>();
    for (let length = 0; length < bytes.length; length++) {
      const result = readPeInfo(bytes.subarray(0, length), 'truncated');
      expect(Array.isArray(result), `length ${length}`).toBe(true);
      for (const d of result as { code: number }[]) seen.add(d.code);
    }
    expect([...seen].sort()).toEqual(
      [
        PeFormatError.TRUNCATED_DOS_HEADER,
        PeFormatError.PE_OFFSET_OUTSIDE_FILE,
        PeFormatError.TRUNCATED_COFF_HEADER,
        PeFormatError.TRUNCATED_OPTIONAL_HEADER,
        PeFormatError.SECTION_TABLE_OUTSIDE_FILE,
        PeFormatError.SECTION_DATA_OUTSIDE_FILE,
      ].sort(),
    );
  });

  it('rejects a section table that runs past the end of the file', () => {
    const bytes = Buffer.from(fs.readFileSync(base));
    const img = headers(bytes);
    bytes.writeUInt16LE(0xffff, img.coffOffset + COFF_NUMBER_OF_SECTIONS);
    expect(codes(bytes)).toEqual([PeFormatError.SECTION_TABLE_OUTSIDE_FILE]);
  });

  it('survives random corruption of the headers', () => {
    const original = fs.readFileSync(base);
    const img = headers(original);
    const headerEnd = img.sectionTableOffset + img.numberOfSections * 40;
    let seed = 12345;
    const random = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 8;
    };
    for (let round = 0; round < 2000; round++) {
      const bytes = Buffer.from(original);
      for (let flips = 1 + (random() % 4); flips > 0; flips--) bytes[random() % headerEnd] = random() & 0xff;
      const result = readPeInfo(bytes, 'fuzz');
      if (!Array.isArray(result)) expect(() => formatPeInfo(result, bytes.length)).not.toThrow();
    }
  });
});
