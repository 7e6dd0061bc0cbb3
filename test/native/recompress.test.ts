/**
 * Stage 'recompress' (compiler/recompress.ts) and `efistub wrap --recompress`.
 *
 * - On the small synthetic kernel (test/support/tiny-kernel.ts, a gzip payload): the new file's
 *   header points at an lz4 payload that lz4 decodes to the original payload; each refusal is a
 *   Diagnostic of stage 'recompress' with its code (missing tool, not a bzImage, unknown format,
 *   corrupt payload, size other than the trailer's, not ELF, failing compressor, unwritable
 *   output, unknown format name), and after each the output directory holds exactly what it
 *   held before: an existing output untouched, no temporary left.
 * - On Debian's kernel through the CLI: `wrap --recompress lz4` gives an image whose .linux
 *   payload starts with lz4's legacy magic and which `efistub extract` decodes to the vmlinux of
 *   the original; a bad format name is a usage error that writes nothing; a corrupt payload
 *   fails with ES1204 [recompress] and leaves an existing output untouched.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { StageFailed } from '../../compiler/diagnostics.ts';
import { readPeInfo } from '../../compiler/pe-inspect.ts';
import {
  appendPayload, KBUILD_CODECS, payloadFormat, readPayloadHeader, RECOMPRESS_BAD_FORMAT, RECOMPRESS_COMPRESS_FAILED,
  RECOMPRESS_DECODE_FAILED, RECOMPRESS_NOT_BZIMAGE, RECOMPRESS_NOT_ELF, RECOMPRESS_SIZE_MISMATCH, RECOMPRESS_TOOL_MISSING,
  RECOMPRESS_UNKNOWN_FORMAT, RECOMPRESS_WRITE_FAILED, recompressKernel, type KernelCompression,
} from '../../compiler/recompress.ts';
import { runCli } from '../support/cli.ts';
import { debianKernel } from '../support/debian-kernel.ts';
import { makeTestPe } from '../support/make-test-pe.ts';
import { buildTinyKernel } from '../support/tiny-kernel.ts';

const LZ4_LEGACY_MAGIC = [0x02, 0x21, 0x4c, 0x18];

/** `command args < input`, its stdout; for the small payloads here a synchronous run is short. */
function pipe(command: string, args: string[], input: Uint8Array): Buffer {
  const child = spawnSync(command, args, { input, maxBuffer: 256 << 20 });
  if (child.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  return child.stdout;
}

/** The payload without kbuild's size trailer. */
function payloadOf(image: Buffer): Buffer {
  const header = readPayloadHeader(image);
  return image.subarray(header.payloadStart, header.payloadStart + header.payloadLength - 4);
}

/** Runs `attempt`, which must fail with one 'recompress' diagnostic of `code` whose message matches `message`. */
async function expectRefusal(attempt: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  const error = await attempt.then(() => undefined, (caught: unknown) => caught);
  expect(error, 'recompressKernel should have failed').toBeInstanceOf(StageFailed);
  const diagnostics = (error as StageFailed).diagnostics;
  expect(diagnostics).toHaveLength(1);
  expect(diagnostics[0].stage).toBe('recompress');
  expect(diagnostics[0].code, diagnostics[0].message).toBe(code);
  expect(diagnostics[0].message).toMatch(message);
}

/**
 * Runs `body` with the environment variable `name` set to `value`: the stage spawns its tools
 * through PATH, runCli's child inherits TMPDIR.
 */
async function withEnvironment(name: string, value: string, body: () => Promise<void>): Promise<void> {
  const saved = process.env[name];
  process.env[name] = value;
  try {
    await body();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

describe('recompressKernel on a small synthetic kernel', () => {
  const work = mkdtempSync(join(tmpdir(), 'efistub-recompress-test-'));
  const tiny = buildTinyKernel();
  const kernel = join(work, 'vmlinuz-tiny');
  writeFileSync(kernel, tiny.bzImage);
  let cases = 0;

  /** A fresh directory holding an existing output with known content, and a check that nothing changed in it. */
  function outputDirectory(): { output: string; expectUntouched: () => void } {
    const directory = join(work, `case-${++cases}`);
    mkdirSync(directory);
    const output = join(directory, 'vmlinuz-out');
    writeFileSync(output, 'the previous output\n');
    return {
      output,
      expectUntouched: () => {
        expect(readdirSync(directory)).toEqual(['vmlinuz-out']);
        expect(readFileSync(output, 'utf8')).toBe('the previous output\n');
      },
    };
  }

  /** The tiny kernel with `payload` appended as its payload (the gzip one stays, unreferenced). */
  function kernelWithPayload(name: string, payload: Uint8Array): string {
    const path = join(work, name);
    writeFileSync(path, appendPayload(tiny.bzImage, payload, tiny.initSize));
    return path;
  }

  it('lz4: the header points at an lz4 payload appended at the end that decodes to the original payload', async () => {
    const { output } = outputDirectory();
    const steps: string[] = [];
    expect(await recompressKernel(kernel, 'lz4', output, (step) => steps.push(step))).toBe(output);
    expect(steps).toEqual(['decoding the gzip payload with gzip -dc', 're-compressing the payload with lz4 -l -9']);
    const image = readFileSync(output);
    const header = readPayloadHeader(image, output);
    const payload = image.subarray(header.payloadStart, header.payloadStart + header.payloadLength);
    expect(payloadFormat(payload)).toBe('lz4');
    expect([...payload.subarray(0, 4)]).toEqual(LZ4_LEGACY_MAGIC);
    expect(header.payloadStart).toBe(Math.ceil(tiny.bzImage.length / 16) * 16);
    expect(payload.readUInt32LE(payload.length - 4)).toBe(tiny.decompressed.length);
    expect(pipe('lz4', ['-dc'], payloadOf(image)).equals(Buffer.from(tiny.decompressed))).toBe(true);
    expect(image.subarray(0, 0x1f0).equals(Buffer.from(tiny.bzImage.subarray(0, 0x1f0)))).toBe(true);
    expect(readdirSync(join(output, '..'))).toEqual(['vmlinuz-out']);
  });

  it('the same format again (gzip → gzip) reproduces kbuild\'s gzip line', async () => {
    const { output } = outputDirectory();
    await recompressKernel(kernel, 'gzip', output);
    const image = readFileSync(output);
    const header = readPayloadHeader(image, output);
    const payload = image.subarray(header.payloadStart, header.payloadStart + header.payloadLength);
    expect(payload.equals(pipe('gzip', KBUILD_CODECS.gzip.compress[1], tiny.decompressed))).toBe(true);
  });

  it('a corrupt payload: ES1204, nothing written', async () => {
    const corrupt = buildTinyKernel({
      corruptPayload: (gzip) => { for (let index = 20; index < 60; index++) gzip[index] ^= 0x5a; },
    });
    const path = join(work, 'vmlinuz-corrupt');
    writeFileSync(path, corrupt.bzImage);
    const { output, expectUntouched } = outputDirectory();
    await expectRefusal(recompressKernel(path, 'lz4', output), RECOMPRESS_DECODE_FAILED,
      /^decoding the gzip payload with gzip -dc: gzip -dc exited 1/);
    expectUntouched();
  });

  it('a trailer stating another size: ES1205, nothing written', async () => {
    const xz = pipe('xz', KBUILD_CODECS.xz.compress[1], tiny.decompressed);
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32LE(tiny.decompressed.length + 1);
    const path = kernelWithPayload('vmlinuz-wrong-size', Buffer.concat([xz, trailer]));
    const { output, expectUntouched } = outputDirectory();
    await expectRefusal(recompressKernel(path, 'lz4', output), RECOMPRESS_SIZE_MISMATCH,
      new RegExp(`the xz payload decodes to ${tiny.decompressed.length} bytes, its last 4 bytes state ${tiny.decompressed.length + 1}`));
    expectUntouched();
  });

  it('an unknown payload format: ES1203', async () => {
    const path = kernelWithPayload('vmlinuz-unknown', Buffer.from('not a compressed payload'));
    const { output, expectUntouched } = outputDirectory();
    await expectRefusal(recompressKernel(path, 'lz4', output), RECOMPRESS_UNKNOWN_FORMAT,
      /magic 6e6f74206120 .* is none of gzip, xz, zstd, lz4, lzma, bzip2, lzo/);
    expectUntouched();
  });

  it('not a bzImage: ES1202', async () => {
    const path = join(work, 'not-a-kernel');
    writeFileSync(path, Buffer.alloc(4096, 0x41));
    const { output, expectUntouched } = outputDirectory();
    await expectRefusal(recompressKernel(path, 'lz4', output), RECOMPRESS_NOT_BZIMAGE, /no "HdrS" magic at 0x202/);
    expectUntouched();
  });

  it('a payload that is not an ELF file: ES1206', async () => {
    const path = kernelWithPayload('vmlinuz-not-elf', gzipSync(Buffer.alloc(1000, 0x42)));
    const { output, expectUntouched } = outputDirectory();
    await expectRefusal(recompressKernel(path, 'lz4', output), RECOMPRESS_NOT_ELF, /not an ELF64 file/);
    expectUntouched();
  });

  it('a missing compressor: ES1201 naming the Debian package', async () => {
    const bin = join(work, 'bin-gzip-only');
    mkdirSync(bin);
    symlinkSync('/usr/bin/gzip', join(bin, 'gzip'));
    const { output, expectUntouched } = outputDirectory();
    await withEnvironment('PATH', bin, () => expectRefusal(recompressKernel(kernel, 'lz4', output), RECOMPRESS_TOOL_MISSING,
      /lz4 not found: install the Debian package 'lz4'/));
    expectUntouched();
  });

  it('a failing compressor (having written part of its output): ES1207, nothing written', async () => {
    const bin = join(work, 'bin-failing-lz4');
    mkdirSync(bin);
    symlinkSync('/usr/bin/gzip', join(bin, 'gzip'));
    // Shell builtins only: PATH holds nothing else.
    writeFileSync(join(bin, 'lz4'), '#!/bin/sh\nprintf "\\002\\041\\114\\030partial"\necho "lz4: simulated write error" >&2\nexit 1\n');
    chmodSync(join(bin, 'lz4'), 0o755);
    const { output, expectUntouched } = outputDirectory();
    await withEnvironment('PATH', bin, () => expectRefusal(recompressKernel(kernel, 'lz4', output), RECOMPRESS_COMPRESS_FAILED,
      /re-compressing the payload with lz4 -l -9: lz4 -l -9 exited 1:\n {2}lz4: simulated write error/));
    expectUntouched();
  });

  it('an output directory that does not exist: ES1208, and it is not created', async () => {
    const missing = join(work, 'no-such-directory');
    await expectRefusal(recompressKernel(kernel, 'lz4', join(missing, 'vmlinuz')), RECOMPRESS_WRITE_FAILED,
      /cannot create a temporary directory beside the output/);
    expect(existsSync(missing)).toBe(false);
  });

  it('an output that is a directory: ES1208 when the rename fails, the directory untouched', async () => {
    const { output } = outputDirectory();
    const directory = join(output, '..', 'a-directory');
    mkdirSync(directory);
    writeFileSync(join(directory, 'inside'), 'kept\n');
    await expectRefusal(recompressKernel(kernel, 'lz4', directory), RECOMPRESS_WRITE_FAILED, /cannot write the output: /);
    expect(readdirSync(directory)).toEqual(['inside']);
    expect(readdirSync(join(output, '..')).sort()).toEqual(['a-directory', 'vmlinuz-out']);
    expect(readFileSync(output, 'utf8')).toBe('the previous output\n');
  });

  it('the input as output: ES1208, the input untouched', async () => {
    const copy = join(work, 'vmlinuz-self');
    copyFileSync(kernel, copy);
    await expectRefusal(recompressKernel(copy, 'lz4', copy), RECOMPRESS_WRITE_FAILED, /the output is the input/);
    expect(readFileSync(copy).equals(Buffer.from(tiny.bzImage))).toBe(true);
  });

  it('a format that is none of the seven: ES1209', async () => {
    const { output, expectUntouched } = outputDirectory();
    await expectRefusal(recompressKernel(kernel, 'lz5' as KernelCompression, output), RECOMPRESS_BAD_FORMAT,
      /'lz5' is not a kernel compression format/);
    expectUntouched();
  });
});

describe('efistub wrap --recompress on Debian\'s kernel', () => {
  const work = mkdtempSync(join(tmpdir(), 'efistub-wrap-recompress-'));
  let kernel = '';
  let stub = '';
  let vmlinux: Buffer;

  async function extract(image: string, output: string): Promise<Buffer> {
    const run = await runCli(['extract', image, '-o', output]);
    expect(run.status, `efistub extract ${image}:\n${run.stderr}`).toBe(0);
    return readFileSync(output);
  }

  beforeAll(async () => {
    kernel = debianKernel();
    stub = makeTestPe({}, mkdtempSync(join(work, 'stub-')));
    vmlinux = await extract(kernel, join(work, 'vmlinux-original'));
  }, 600_000);

  it('lz4: .linux holds the kernel with an lz4 payload that extract decodes to the original vmlinux', async () => {
    const image = join(work, 'lz4.efi');
    // The re-compressed kernel goes through a temporary directory under TMPDIR, removed afterwards.
    const temporaries = mkdtempSync(join(work, 'tmp-'));
    let run = { status: null as number | null, stdout: '', stderr: '' };
    await withEnvironment('TMPDIR', temporaries, async () => {
      run = await runCli(['wrap', '--stub', stub, '--kernel', kernel, '--recompress', 'lz4',
        '--cmdline', 'console=ttyS0', '-o', image]);
    });
    // tsx keeps its compile cache there too (tsx-<uid>).
    expect(readdirSync(temporaries).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${image}\n`);
    expect(run.stderr).toContain('efistub: wrap: decoding the xz payload with xz -dc…\n');
    expect(run.stderr).toContain('efistub: wrap: re-compressing the payload with lz4 -l -9…\n');
    expect(run.stderr).toMatch(/efistub: wrap: \.linux holds the kernel re-compressed: xz payload 0x[0-9a-f]+ bytes → lz4 0x[0-9a-f]+ bytes, kernel \d+\.\d MB → \d+\.\d MB\n/);

    const bytes = readFileSync(image);
    const info = readPeInfo(bytes, image);
    if (Array.isArray(info)) throw new Error(info.map((d) => d.message).join('\n'));
    const section = info.sections.find((entry) => entry.name === '.linux');
    expect(section).toBeDefined();
    const linux = bytes.subarray(section!.pointerToRawData, section!.pointerToRawData + section!.virtualSize);
    const original = readFileSync(kernel);
    expect(linux.length).toBeGreaterThan(original.length);
    const header = readPayloadHeader(linux, '.linux');
    const payload = linux.subarray(header.payloadStart, header.payloadStart + header.payloadLength);
    expect([...payload.subarray(0, 4)]).toEqual(LZ4_LEGACY_MAGIC);
    expect(payload.readUInt32LE(payload.length - 4)).toBe(vmlinux.length);
    expect(header.payloadStart).toBe(Math.ceil(original.length / 16) * 16);

    const linuxFile = join(work, 'lz4-linux-section');
    writeFileSync(linuxFile, linux);
    const extracted = await extract(linuxFile, join(work, 'vmlinux-lz4'));
    expect(extracted.length).toBe(vmlinux.length);
    expect(extracted.equals(vmlinux)).toBe(true);

    const inspected = await runCli(['inspect', image]);
    expect(inspected.status).toBe(0);
    expect(inspected.stdout).toMatch(/ {2}payload {11}lz4, \d+ bytes at file offset 0x[0-9a-f]+, declares \d+ bytes/);
  }, 600_000);

  it('a format name that is none of the seven is a usage error (exit 2) and writes nothing', async () => {
    const image = join(work, 'bad-format.efi');
    const run = await runCli(['wrap', '--stub', stub, '--kernel', kernel, '--recompress', 'lz5', '-o', image]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/efistub: wrap: --recompress 'lz5': not a kernel compression format \(one of gzip, xz, zstd, lz4, lzma, bzip2, lzo\)/);
    expect(existsSync(image)).toBe(false);
  });

  it('--recompress without --kernel is a usage error', async () => {
    const image = join(work, 'no-kernel.efi');
    const run = await runCli(['wrap', '--stub', stub, '--recompress', 'lz4', '--cmdline', 'quiet', '-o', image]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--recompress needs --kernel/);
    expect(existsSync(image)).toBe(false);
  });

  it('a corrupt payload fails with ES1204 [recompress] and leaves an existing output untouched', async () => {
    const corrupt = readFileSync(kernel);
    const header = readPayloadHeader(corrupt, kernel);
    const middle = header.payloadStart + (header.payloadLength >> 1);
    for (let index = middle; index < middle + 64; index++) corrupt[index] ^= 0xff;
    const corruptKernel = join(work, 'vmlinuz-corrupt');
    writeFileSync(corruptKernel, corrupt);
    const directory = mkdtempSync(join(work, 'corrupt-out-'));
    const image = join(directory, 'wrapped.efi');
    writeFileSync(image, 'an earlier image\n');

    const run = await runCli(['wrap', '--stub', stub, '--kernel', corruptKernel, '--recompress', 'lz4', '-o', image]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/: error ES1204: decoding the xz payload with xz -dc: xz -dc exited 1:[^]*\[recompress\]\n/);
    expect(run.stdout).toBe('');
    expect(readFileSync(image, 'utf8')).toBe('an earlier image\n');
    expect(readdirSync(directory)).toEqual(['wrapped.efi']);
  }, 120_000);
});
