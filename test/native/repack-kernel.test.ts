/**
 * test/support/repack-kernel.ts on Debian's kernel: for gzip, xz, zstd and lz4, the repacked
 * bzImage's header points at a payload in that format at the end of the file, everything else
 * is the original's bytes, and `efistub extract` of it gives exactly what extracting the original
 * gives. Repacked kernels are cached under out/fixtures/repacked/ for the QEMU tier.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.ts';
import { debianKernel } from '../support/debian-kernel.ts';
import {
  appendPayload, INIT_SIZE, KBUILD_CODECS, PAYLOAD_LENGTH, PAYLOAD_OFFSET, payloadFormat, readPayloadHeader,
  repackedKernel, requiredInitSize, SYSSIZE, type KernelCompression,
} from '../support/repack-kernel.ts';

/** Header bytes the repacking may change: syssize, payload_offset, payload_length, init_size. */
const REWRITTEN = [SYSSIZE, PAYLOAD_OFFSET, PAYLOAD_LENGTH, INIT_SIZE].flatMap((offset) => [0, 1, 2, 3].map((byte) => offset + byte));

async function extract(image: string, output: string): Promise<Buffer> {
  const run = await runCli(['extract', image, '-o', output]);
  expect(run.status, `efistub extract ${image}:\n${run.stderr}`).toBe(0);
  return readFileSync(output);
}

describe('appendPayload (header arithmetic)', () => {
  /** A protocol 2.15 setup header with setup_sects 0 (read as 4), a payload at pm+0x10. */
  function syntheticBzImage(): Buffer {
    const image = Buffer.alloc(5 * 512 + 0x40 + 7, 0xaa);
    image[0x1f1] = 0;
    image.writeUInt32LE(0x53726448, 0x202);
    image.writeUInt16LE(0x20f, 0x206);
    image.writeUInt32LE(0x10, PAYLOAD_OFFSET);
    image.writeUInt32LE(0x20, PAYLOAD_LENGTH);
    image.writeUInt32LE(0x1234000, INIT_SIZE);
    return image;
  }

  it('appends at a 16-byte boundary, pads the end to 16, rewrites only the four fields', () => {
    const original = syntheticBzImage();
    const payload = Buffer.from('28b52ffd' + '11'.repeat(9), 'hex');
    const repacked = appendPayload(original, payload, 0x2000000);
    const start = Math.ceil(original.length / 16) * 16;
    expect(repacked.length).toBe(Math.ceil((start + payload.length) / 16) * 16);
    const header = readPayloadHeader(repacked);
    expect(header.protectedModeStart).toBe(5 * 512);
    expect(header.payloadStart).toBe(start);
    expect(header.payloadLength).toBe(payload.length);
    expect(header.syssize * 16).toBe(repacked.length - 5 * 512);
    expect(header.initSize).toBe(0x2000000);
    expect(repacked.subarray(start, start + payload.length).equals(payload)).toBe(true);
    expect(repacked.subarray(original.length, start).every((byte) => byte === 0)).toBe(true);
    expect(repacked.subarray(start + payload.length).every((byte) => byte === 0)).toBe(true);
    for (let index = 0; index < original.length; index++) {
      if (!REWRITTEN.includes(index) && repacked[index] !== original[index]) throw new Error(`byte 0x${index.toString(16)} changed`);
    }
  });

  it('init_size: at least max(uncompressed size, memory image) in pages, never lowered', () => {
    expect(requiredInitSize(0x3f98000, 65906612, 0x3a00000)).toBe(0x3f98000);
    expect(requiredInitSize(0x1000000, 0x1000001, 0x800000)).toBe(0x1001000);
    expect(requiredInitSize(0x1000000, 0x800000, 0x1800001)).toBe(0x1801000);
  });
});

describe('repackKernel on Debian\'s kernel', () => {
  const work = mkdtempSync(join(tmpdir(), 'efistub-repack-'));
  let kernel: string;
  let original: Buffer;
  let vmlinux: Buffer;

  beforeAll(async () => {
    kernel = debianKernel();
    original = readFileSync(kernel);
    vmlinux = await extract(kernel, join(work, 'vmlinux-original'));
  }, 600_000);

  for (const format of ['gzip', 'xz', 'zstd', 'lz4'] as KernelCompression[]) {
    it(`${format}: header points at a ${format} payload appended at the end; extract gives the same vmlinux`, async () => {
      const path = await repackedKernel(kernel, format);
      const repacked = readFileSync(path);
      const header = readPayloadHeader(repacked, path);
      const payload = repacked.subarray(header.payloadStart, header.payloadStart + header.payloadLength);

      expect(payloadFormat(payload)).toBe(format);
      expect([...payload.subarray(0, KBUILD_CODECS[format].magic.length)]).toEqual(KBUILD_CODECS[format].magic);
      // The payload's trailer (size_append, or gzip's ISIZE) is the uncompressed size.
      expect(payload.readUInt32LE(payload.length - 4)).toBe(vmlinux.length);
      expect(header.payloadStart).toBe(Math.ceil(original.length / 16) * 16);
      expect(repacked.length - (header.payloadStart + header.payloadLength)).toBeLessThan(16);
      expect(header.syssize * 16).toBe(repacked.length - header.protectedModeStart);
      expect(header.initSize).toBeGreaterThanOrEqual(readPayloadHeader(original).initSize);
      expect(header.initSize).toBeGreaterThanOrEqual(Math.ceil(vmlinux.length / 4096) * 4096);
      const changed: number[] = [];
      for (let index = 0; index < original.length; index++) {
        if (repacked[index] !== original[index] && !REWRITTEN.includes(index)) changed.push(index);
      }
      expect(changed).toEqual([]);

      const extracted = await extract(path, join(work, `vmlinux-${format}`));
      expect(extracted.length).toBe(vmlinux.length);
      expect(extracted.equals(vmlinux)).toBe(true);

      if (format === 'xz') {
        // Debian builds with bookworm's xz 5.4.1, so kbuild's xz line gives Debian's payload back.
        const before = readPayloadHeader(original);
        expect(payload.equals(original.subarray(before.payloadStart, before.payloadStart + before.payloadLength)),
          'xz with kbuild\'s line should reproduce Debian\'s own payload').toBe(true);
      }
    }, 600_000);
  }

  it('reuses the cached file while the input keeps its size and mtime', async () => {
    const path = await repackedKernel(kernel, 'lz4');
    const before = statSync(path).mtimeMs;
    expect(await repackedKernel(kernel, 'lz4')).toBe(path);
    expect(statSync(path).mtimeMs).toBe(before);
  });
});
