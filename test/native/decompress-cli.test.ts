/**
 * Native tier: `efistub decompress` and `efistub extract`, the stub's decoders compiled by the
 * pipeline into a native program, on real files made by the reference tools. Formats are added
 * to the table as their decoders land in stub-src/decompress/decompress.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../support/build-fixture.ts';
import { runCli } from '../support/cli.ts';
import { debianKernel } from '../support/debian-kernel.ts';

const work = mkdtempSync(join(tmpdir(), 'efistub-decompress-'));


/** Bytes of real programs plus text: x86 code and redundancy, as a kernel has. */
function corpus(size: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  for (const file of ['/usr/bin/qemu-system-x86_64', '/usr/bin/clang-14', '/usr/bin/wasm2c']) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    parts.push(bytes);
    total += bytes.length;
    if (total >= size) break;
  }
  return Buffer.concat(parts).subarray(0, size);
}

/**
 * kbuild's payload: the compressor's output, then the size as 4 little-endian bytes, except for
 * gzip, whose own trailer already ends with the size (scripts/Makefile.lib: cmd_gzip has no
 * size_append). A lying size is made by appending a wrong size (gzip: by rewriting ISIZE).
 */
function kbuildPayload(compressed: Buffer, size: number, gzip = false): Buffer {
  if (gzip) {
    const copy = Buffer.from(compressed);
    copy.writeUInt32LE(size >>> 0, copy.length - 4);
    return copy;
  }
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32LE(size);
  return Buffer.concat([compressed, trailer]);
}

/** A minimal bzImage: boot sector + one setup sector with the header fields extract reads. */
function fakeBzImage(payload: Buffer): Buffer {
  const setup = Buffer.alloc(2 * 512);
  setup[0x1f1] = 1; // setup_sects
  setup.writeUInt32LE(0x53726448, 0x202); // "HdrS"
  setup.writeUInt16LE(0x20f, 0x206); // protocol 2.15
  setup.writeUInt32LE(16, 0x248); // payload_offset, from the start of the protected-mode code
  setup.writeUInt32LE(payload.length, 0x24c);
  return Buffer.concat([setup, Buffer.alloc(16, 0xcc), payload, Buffer.alloc(512, 0x90)]);
}

// kbuild's command line for each format (linux-6.1 scripts/Makefile.lib, scripts/xz_wrap.sh).
const FORMATS = [
  { name: 'gzip', suffix: '.gz', compress: ['gzip', '-n', '-f', '-9', '-c'] },
  { name: 'xz', suffix: '.xz', compress: ['xz', '--check=crc32', '--x86', '--lzma2=,dict=32MiB', '-c'] },
  { name: 'lzma', suffix: '.lzma', compress: ['lzma', '-9', '-c'] },
  { name: 'zstd', suffix: '.zst', compress: ['zstd', '-22', '--ultra', '-q', '-c'] },
  { name: 'lz4', suffix: '.lz4', compress: ['lz4', '-l', '-12', '--favor-decSpeed', '-c'] },
  { name: 'bzip2', suffix: '.bz2', compress: ['bzip2', '-9', '-c'] },
  { name: 'lzo', suffix: '.lzo', compress: ['lzop', '-9', '-c'] },
];

const data = corpus(3 << 20);

beforeAll(() => {
  writeFileSync(join(work, 'data.bin'), data);
});

describe.each(FORMATS)('$name', ({ name, suffix, compress }) => {
  let compressed: Buffer;
  beforeAll(() => {
    compressed = execFileSync(compress[0], [...compress.slice(1), join(work, 'data.bin')], { maxBuffer: 1 << 30 });
    writeFileSync(join(work, `data${suffix}`), compressed);
  });

  it('decompress: byte-for-byte equal to the input of the reference compressor', async () => {
    const run = await runCli(['decompress', `data${suffix}`, '-o', 'plain.bin', '--stats'], work);
    expect(run.stderr).toContain('efistub: decompress: wrote plain.bin');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^format ${name}, \\d+ → ${data.length} bytes, `));
    expect(readFileSync(join(work, 'plain.bin')).equals(data)).toBe(true);
  });

  it('decompress --kbuild-trailer: the size trailer is the exact output size', async () => {
    writeFileSync(join(work, 'payload.bin'), kbuildPayload(compressed, data.length, name === 'gzip'));
    const run = await runCli(['decompress', 'payload.bin', '--kbuild-trailer', '-o', 'payload.out'], work);
    expect(run.status).toBe(0);
    expect(readFileSync(join(work, 'payload.out')).equals(data)).toBe(true);
    writeFileSync(join(work, 'payload-lie.bin'), kbuildPayload(compressed, data.length - 1, name === 'gzip'));
    const lie = await runCli(['decompress', 'payload-lie.bin', '--kbuild-trailer', '-o', 'payload-lie.out'], work);
    expect(lie.status).toBe(1);
    expect(existsSync(join(work, 'payload-lie.out'))).toBe(false);
  });

  it('a truncated file fails with the format and reason, and leaves OUT as it was', async () => {
    writeFileSync(join(work, `truncated${suffix}`), compressed.subarray(0, compressed.length >> 1));
    writeFileSync(join(work, 'keep.bin'), 'previous content');
    const run = await runCli(['decompress', `truncated${suffix}`, '-o', 'keep.bin'], work);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/error ES1002: .*status 0x8000/);
    expect(readFileSync(join(work, 'keep.bin'), 'utf8')).toBe('previous content');
  });

  it('extract: the payload of a bzImage, decompressed', async () => {
    writeFileSync(join(work, 'bzImage'), fakeBzImage(kbuildPayload(compressed, data.length, name === 'gzip')));
    const run = await runCli(['extract', 'bzImage', '-o', 'vmlinux'], work);
    expect(run.stderr).toContain('efistub: extract: wrote vmlinux');
    expect(run.status).toBe(0);
    expect(readFileSync(join(work, 'vmlinux')).equals(data)).toBe(true);
  });
});

describe('extract on something that is not a bzImage', () => {
  it('refuses with the reason and writes nothing', async () => {
    writeFileSync(join(work, 'not-a-kernel'), Buffer.alloc(4096, 0x41));
    const run = await runCli(['extract', 'not-a-kernel', '-o', 'nothing'], work);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no "HdrS" setup header magic at 0x202: not a bzImage');
    expect(existsSync(join(work, 'nothing'))).toBe(false);
  });
});

describe("Debian's kernel", () => {
  it('extract: the vmlinux of linux-image-amd64 is the ELF xz -dc gives', async () => {
    const kernel = debianKernel();
    const image = readFileSync(kernel);
    const setupSectors = image[0x1f1] || 4;
    const offset = (setupSectors + 1) * 512 + image.readUInt32LE(0x248);
    const length = image.readUInt32LE(0x24c);
    const reference = execFileSync('xz', ['-dc'], { input: image.subarray(offset, offset + length - 4), maxBuffer: 1 << 30 });
    const run = await runCli(['extract', kernel, '-o', 'vmlinux-debian', '--stats'], work);
    expect(run.stderr).toContain('efistub: extract: wrote vmlinux-debian');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^format xz, /);
    const vmlinux = readFileSync(join(work, 'vmlinux-debian'));
    expect(vmlinux.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(vmlinux.equals(reference)).toBe(true);
  });
});
