/**
 * The test kernel's bzImage (test/support/test-kernel.ts), read back the way the workstation
 * side reads any kernel (compiler/setup-header.ts readSetupHeader, which `efistub wrap` runs)
 * and field by field against Documentation/x86/boot.rst; its payload gunzips to the ELF the
 * stub expects (e_entry and p_paddr at LOAD_PHYSICAL_ADDR, no relocation table after it).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSetupHeader, type SetupHeader } from '../../compiler/setup-header.ts';
import {
  buildTestKernel, imageCrc32, LOAD_PHYSICAL_ADDR, parseEntryState, PROTECTED_MODE_START, XLF_5LEVEL,
} from '../support/test-kernel.ts';

const ET_EXEC = 2;
const EM_X86_64 = 62;
const PT_LOAD = 1;

interface ProgramHeader { type: number; flags: number; offset: number; virtual: bigint; physical: number; fileSize: number; memorySize: number }

function programHeaders(elf: Buffer): ProgramHeader[] {
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const headers: ProgramHeader[] = [];
  for (let index = 0; index < elf.readUInt16LE(0x38); index++) {
    const at = phoff + index * elf.readUInt16LE(0x36);
    headers.push({
      type: elf.readUInt32LE(at), flags: elf.readUInt32LE(at + 4), offset: Number(elf.readBigUInt64LE(at + 8)),
      virtual: elf.readBigUInt64LE(at + 16), physical: Number(elf.readBigUInt64LE(at + 24)),
      fileSize: Number(elf.readBigUInt64LE(at + 32)), memorySize: Number(elf.readBigUInt64LE(at + 40)),
    });
  }
  return headers;
}

describe('test kernel bzImage', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'efistub-test-kernel-fast-'));
  let image = Buffer.alloc(0);
  let header: SetupHeader;

  beforeAll(() => {
    image = readFileSync(buildTestKernel({ output: join(outDir, 'default.bzImage') }));
    const parsed = readSetupHeader(image, 'default.bzImage');
    if (Array.isArray(parsed)) throw new Error(parsed.map((diagnostic) => diagnostic.message).join('\n'));
    header = parsed;
  });

  it('has the setup header readSetupHeader accepts, with the fields boot.rst asks for', () => {
    expect(header.version).toBe(0x020f);
    expect(header.loadflags & 1).toBe(1); // LOADED_HIGH
    expect(header.xloadflags).toBe(0x23); // KERNEL_64 | CAN_BE_LOADED_ABOVE_4G | 5LEVEL
    expect(header.kernelAlignment).toBe(0x200000);
    expect(header.relocatable).toBe(true);
    expect(header.prefAddress).toBe(BigInt(LOAD_PHYSICAL_ADDR));
    expect(header.cmdlineSize).toBe(2047);
    expect(header.initrdAddrMax).toBe(0x7fffffff);
    expect(header.payloadFormat).toBe('gzip');
    expect(header.payloadOffset).toBeGreaterThanOrEqual(PROTECTED_MODE_START);
    expect(header.initSize % 0x1000).toBe(0);
  });

  it('lays the boot sector and header out as boot.rst describes', () => {
    expect(image.readUInt16LE(0x1fe)).toBe(0xaa55);
    expect(image[0x200]).toBe(0xeb);
    expect(0x202 + image[0x201]).toBe(0x26c); // the header's end, as in 6.1's header.S
    expect(image.toString('latin1', 0x202, 0x206)).toBe('HdrS');
    const setupSects = image[0x1f1];
    expect(setupSects).toBe(1);
    expect(image[0x235]).toBe(21); // min_alignment: 2 MiB
    // syssize covers the protected-mode part, which runs to the end of the file.
    expect((setupSects + 1) * 512 + image.readUInt32LE(0x1f4) * 16).toBe(image.length);
    // kernel_info (2.15) at kernel_info_offset in the protected-mode part.
    const kernelInfo = (setupSects + 1) * 512 + image.readUInt32LE(0x268);
    expect(image.toString('latin1', kernelInfo, kernelInfo + 4)).toBe('LToP');
    expect(image.readUInt32LE(kernelInfo + 4)).toBe(16);
    // "The Image Checksum": the CRC of the whole file, its own last 4 bytes included, is 0.
    expect(imageCrc32(image)).toBe(0);
  });

  it('carries a gzip payload that decodes to the ELF the stub loads, its size in gzip\'s ISIZE', () => {
    const payload = image.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength);
    const elf = gunzipSync(payload);
    expect(header.declaredSize).toBe(elf.length);
    expect(elf.readUInt32BE(0)).toBe(0x7f454c46);
    expect(elf[4]).toBe(2); // ELFCLASS64
    expect(elf[5]).toBe(1); // little-endian
    expect(elf.readUInt16LE(16)).toBe(ET_EXEC);
    expect(elf.readUInt16LE(18)).toBe(EM_X86_64);
    expect(elf.readBigUInt64LE(0x18)).toBe(BigInt(LOAD_PHYSICAL_ADDR)); // e_entry, physical
    const loads = programHeaders(elf).filter((segment) => segment.type === PT_LOAD);
    expect(loads[0].physical).toBe(LOAD_PHYSICAL_ADDR);
    expect(loads[0].virtual).toBe(0xffffffff81000000n);
    expect(loads[0].flags).toBe(5); // R + X: code and strings
    // The stack's segment: writable, inside init_size.
    expect(loads.some((segment) => segment.flags === 6 && segment.memorySize > 0)).toBe(true);
    for (const segment of loads) {
      expect(segment.physical - LOAD_PHYSICAL_ADDR + segment.memorySize).toBeLessThanOrEqual(header.initSize);
    }
    // The stub refuses a decoded kernel under 4 KiB (stub-src/boot/kernel-decompress.ts).
    expect(elf.length).toBeGreaterThanOrEqual(0x1000);
    // Stripped: no .symtab; the ELF's section headers are the file's last bytes (no relocation table).
    const shoff = Number(elf.readBigUInt64LE(0x28));
    expect(shoff + elf.readUInt16LE(0x3a) * elf.readUInt16LE(0x3c)).toBe(elf.length);
    expect(elf.includes(Buffer.from('.symtab'))).toBe(false);
  });

  it('is deterministic, and xloadflags5Level: false clears XLF_5LEVEL only', () => {
    const again = readFileSync(buildTestKernel({ output: join(outDir, 'again.bzImage') }));
    expect(again.equals(image)).toBe(true);
    const four = readFileSync(buildTestKernel({ xloadflags5Level: false, output: join(outDir, 'four.bzImage') }));
    expect(four.readUInt16LE(0x236)).toBe(image.readUInt16LE(0x236) & ~XLF_5LEVEL);
    expect(four.subarray(0, 0x236).equals(image.subarray(0, 0x236))).toBe(true);
    expect(four.subarray(0x238, four.length - 4).equals(image.subarray(0x238, image.length - 4))).toBe(true);
    expect(imageCrc32(four)).toBe(0);
  });

  it('parses the line entry.S prints, and nothing near it', () => {
    const line = 'efistub-test-kernel: cs=0x0010 ds=0x0018 es=0x0018 ss=0x0018 rsi=0x000000003dccb000 if=0 la57=1 hdrs=1';
    expect(parseEntryState(`noise\n${line}\nmore\n`)).toEqual({
      cs: 0x10, ds: 0x18, es: 0x18, ss: 0x18, rsi: 0x3dccb000n, interruptsEnabled: false, la57: true,
      setupHeaderCopied: true,
    });
    expect(parseEntryState(line.replace('cs=0x0010', 'cs=0x10'))).toBeUndefined();
    expect(parseEntryState(`${line} extra`)).toBeUndefined();
  });
});
