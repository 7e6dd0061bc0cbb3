/**
 * xzDecode (stub-src/decompress/xz.ts, with lzma2.ts, lzma-decoder.ts, bcj-x86.ts, crc64.ts)
 * against the reference CLI, `xz` (xz-utils 5.4):
 * - differential: generated corpora (empty, 1 byte, sizes around LZMA2's 64 KiB stored chunk
 *   and 2 MiB LZMA chunk limits, random, repetitive, text, x86 code from /usr/bin) compressed
 *   with kbuild's command line (`xz --check=crc32 --x86 --lzma2=,dict=32MiB`, plus the 4-byte
 *   size trailer the caller strips), the checks none/crc32/crc64, presets -0..-9 and -e,
 *   multi-block (--block-size), BCJ x86 on x86 code, lc/lp/pb variants; byte-for-byte equal;
 * - concatenated streams, stream padding and trailing bytes as `xz -dc` treats them;
 * - unsupported features (SHA-256, the other filters) end in EFI_UNSUPPORTED naming them;
 * - files built field by field (test/fixtures/decompress/xz/xz-writer.ts): one malformation per
 *   reason code, asserting status and reason;
 * - CRC-64 and the BCJ filter on their own (check value, piecewise = whole);
 * - every prefix of small valid files fails; random mutations end, in bounded time, in an error
 *   or in exactly what `xz -dc` outputs.
 * Every decode runs in a worker with a timeout (test/support/run-decoder.ts). A missing xz fails
 * the suite.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as XZ from '../../stub-src/decompress/xz.ts';
import * as LZMA2 from '../../stub-src/decompress/lzma2.ts';
import { crc64High, crc64Update } from '../../stub-src/decompress/crc64.ts';
import { bcjX86Decode, bcjX86Reset } from '../../stub-src/decompress/bcj-x86.ts';
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_CRC_ERROR, EFI_UNSUPPORTED } from '../../stub-src/efi/status.ts';
import { pseudoRandom, text, xorshift32 } from '../support/corpus.ts';
import { decoderChecks } from '../support/decoder-checks.ts';
import { appendSize, cliDecode as referenceDecode, compressWith, expectInstalled } from '../support/reference-cli.ts';
import {
  type BlockSpec, FILTER_LZMA2, FILTER_X86, buildStream, crc64, le32, lzma2Chunks, storedLzma2,
} from '../fixtures/decompress/xz/xz-writer.ts';

/** The reason codes and texts: lzma2.ts defines XZ_REASON_LZMA2_* / XZ_REASON_LZMA_* (250–261). */
const X = { ...XZ, ...LZMA2 };
const { decodeAll, expectSuccess, expectFailure } = decoderChecks('xz', 'xzDecode', X.xzReasonText);

function xz(data: Uint8Array, args: string[]): Buffer {
  return compressWith('xz', ['-c', '-T1', ...args], data);
}

/** `xz --format=raw <args> -c`: bare LZMA2 (or filter) data, for files built field by field. */
function xzRaw(data: Uint8Array, args: string[]): Buffer {
  return compressWith('xz', ['--format=raw', ...args, '-c'], data);
}

function cliDecode(data: Uint8Array): { ok: boolean; output: Buffer } {
  return referenceDecode('xz', data);
}

/** kbuild (linux scripts/xz_wrap.sh, Makefile.lib cmd_xzkern): xz --check=crc32 --x86 --lzma2=,dict=32MiB, size_append. */
const KBUILD_ARGS = ['--check=crc32', '--x86', '--lzma2=,dict=32MiB'];
function kbuild(data: Uint8Array): { file: Buffer; stripped: Buffer } {
  const stripped = xz(data, KBUILD_ARGS);
  return { file: appendSize(stripped, data.length), stripped };
}

const x86Code = readFileSync('/usr/bin/gzip');

describe('xz reference CLI', () => {
  it('is installed (scripts/install-deps.sh installs xz-utils)', () => {
    expectInstalled('xz', /xz \(XZ Utils\) 5\./);
  });
});

describe('crc64Update', () => {
  it('has the CRC-64/XZ check value ("123456789" → 0x995dc9bbdf1939fa)', () => {
    const lo = crc64Update(0, 0, new TextEncoder().encode('123456789'), 0, 9);
    expect([lo, crc64High()]).toEqual([0xdf1939fa, 0x995dc9bb]);
  });

  it('agrees with a bitwise reference on lengths 0..40 and continues across pieces', () => {
    for (let length = 0; length <= 40; length++) {
      const data = pseudoRandom(length, length + 1);
      const lo = crc64Update(0, 0, data, 0, length);
      const value = (BigInt(crc64High()) << 32n) | BigInt(lo);
      expect(value, `length ${length}`).toBe(crc64(data));
    }
    const big = pseudoRandom(100_003, 9);
    const whole = crc64Update(0, 0, big, 0, big.length);
    const wholeHigh = crc64High();
    let lo = 0;
    let hi = 0;
    for (let start = 0; start < big.length; start += 7777) {
      lo = crc64Update(lo, hi, big, start, Math.min(big.length, start + 7777));
      hi = crc64High();
    }
    expect([lo, hi]).toEqual([whole, wholeHigh]);
  });
});

describe('bcjX86Decode', () => {
  /** BCJ-encoded bytes of `data`: xz's own x86 encoder, then LZMA2 undone by xz alone. */
  function bcjEncode(data: Buffer, startOffset: number): Buffer {
    const x86 = startOffset === 0 ? '--x86' : `--x86=start=${startOffset}`;
    const raw = xzRaw(data, [x86, '--lzma2=preset=0']);
    return compressWith('xz', ['--format=raw', '--lzma2=preset=0', '-dc'], raw);
  }

  it('undoes xz\'s encoder in one call and in pieces of every awkward size (state across calls)', () => {
    const calls = Buffer.concat([x86Code.subarray(0, 200_000),
      // E8/E9 runs at every spacing, operands with 00/FF top bytes: exercises the mask history.
      Buffer.from(Array.from(pseudoRandom(40_000, 99), (r) => [0xe8, 0xe9, 0x00, 0xff, r][r % 5]))]);
    for (const startOffset of [0, 0x1000]) {
      const encoded = bcjEncode(calls, startOffset);
      expect(encoded.equals(calls)).toBe(false);
      const whole = Uint8Array.from(encoded);
      bcjX86Reset(startOffset);
      bcjX86Decode(whole, 0, whole.length);
      expect(Buffer.from(whole).equals(calls), `whole, start ${startOffset}`).toBe(true);
      for (const piece of [1, 4, 5, 6, 7, 13, 4096]) {
        const buffer = Uint8Array.from(encoded);
        bcjX86Reset(startOffset);
        let done = 0;
        for (let end = Math.min(piece, buffer.length); ; end = Math.min(end + piece, buffer.length)) {
          done += bcjX86Decode(buffer, done, end);
          if (end === buffer.length) break;
        }
        expect(Buffer.from(buffer).equals(calls), `pieces of ${piece}, start ${startOffset}`).toBe(true);
      }
    }
  });
});

describe('xzDecode: differential against xz', () => {
  const corpora: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([0x41])],
    ['random 1k', pseudoRandom(1024, 1)],
    ['random 65535', pseudoRandom(65535, 2)],
    ['random 65536', pseudoRandom(65536, 3)],
    ['random 65537', pseudoRandom(65537, 4)],
    ['zeros 300k', Buffer.alloc(300_000)],
    ['repeated random 1k x 300', Buffer.concat(Array.from({ length: 300 }, () => pseudoRandom(1024, 5)))],
    ['abab', Buffer.from('ab'.repeat(50_000))],
    ['text 200k', text(200_000, 6)],
    ['x86 /usr/bin/gzip', x86Code],
  ];

  it('decodes every corpus with the kbuild command line, the checks and presets', async () => {
    const jobs: { name: string; input: Buffer; expected: Buffer }[] = [];
    for (const [name, data] of corpora) {
      jobs.push({ name: `${name} kbuild`, input: kbuild(data).stripped, expected: data });
      jobs.push({ name: `${name} crc64`, input: xz(data, ['--check=crc64', '-6']), expected: data });
      jobs.push({ name: `${name} none -0`, input: xz(data, ['--check=none', '-0']), expected: data });
    }
    // The CLI agrees with itself (the inputs are what we think they are).
    expect(cliDecode(jobs[jobs.length - 3].input).output.equals(x86Code)).toBe(true);
    const results = await decodeAll(jobs.map((j) => ({ input: j.input, capacity: j.expected.length })));
    results.forEach((run, i) => expectSuccess(run, jobs[i].expected, jobs[i].name));
  });

  it('decodes presets -0..-9 and -e, lc/lp/pb variants, multi-block and BCJ x86 on x86 code', async () => {
    const data = Buffer.concat([text(60_000, 7), x86Code.subarray(0, 60_000), pseudoRandom(10_000, 8)]);
    const argSets: string[][] = [];
    for (let level = 0; level <= 9; level++) argSets.push([`-${level}`]);
    argSets.push(['-e'], ['-9e'], ['-0e', '--check=crc64']);
    for (const lclppb of ['lc=0,lp=2,pb=0', 'lc=4,lp=0,pb=4', 'lc=1,lp=3,pb=1', 'lc=0,lp=0,pb=0', 'lc=2,lp=2,pb=3',
      'lc=0,lp=4,pb=2', 'lc=3,lp=1,pb=2,mf=hc3', 'lc=3,lp=0,pb=2,mode=fast,nice=8']) {
      argSets.push([`--lzma2=preset=6,${lclppb}`]);
    }
    argSets.push(['--block-size=10000'], ['--block-size=65536', '--check=crc64'], ['--block-size=1', '-0'],
      ['--block-size=50000', '--x86', '--lzma2=preset=2', '--check=none'], ['--x86', '--lzma2=preset=9e'],
      ['--x86=start=4096', '--lzma2=preset=1'], ['--x86', '--x86', '--lzma2=preset=1'],
      ['--format=xz', '-T2', '--block-size=30000']);
    const jobs = argSets.map((args) => ({ name: args.join(' '), input: xz(data, args), expected: data }));
    // x86 code itself with BCJ, and the kbuild line on a larger piece of x86 code.
    const bash = readFileSync('/usr/bin/bash').subarray(0, 600_000);
    jobs.push({ name: 'bash --x86 -6', input: xz(bash, ['--x86', '--lzma2=preset=6']), expected: bash });
    jobs.push({ name: 'bash kbuild', input: kbuild(bash).stripped, expected: bash });
    const results = await decodeAll(jobs.map((j) => ({ input: j.input, capacity: j.expected.length })));
    results.forEach((run, i) => expectSuccess(run, jobs[i].expected, jobs[i].name));
  });

  it('decodes around the 2 MiB LZMA chunk limit and the 64 KiB stored chunk limit', async () => {
    const jobs: { name: string; input: Buffer; expected: Buffer }[] = [];
    for (const size of [(1 << 21) - 1, 1 << 21, (1 << 21) + 1]) {
      const data = text(size, size);
      jobs.push({ name: `text ${size}`, input: xz(data, ['-0']), expected: data });
    }
    for (const size of [131071, 131072, 131073]) {
      const data = pseudoRandom(size, size);
      jobs.push({ name: `random ${size}`, input: xz(data, ['-1']), expected: data });
    }
    // Mixed: compressible after incompressible (an LZMA chunk continuing after stored chunks).
    const mixed = Buffer.concat([pseudoRandom(70_000, 9), text(70_000, 10), pseudoRandom(70_000, 9)]);
    jobs.push({ name: 'random/text/random', input: xz(mixed, ['-6']), expected: mixed });
    const results = await decodeAll(jobs.map((j) => ({ input: j.input, capacity: j.expected.length })));
    results.forEach((run, i) => expectSuccess(run, jobs[i].expected, jobs[i].name));
  });

  it('fills the output exactly, and reports a buffer one byte short', async () => {
    const data = text(100_000, 11);
    const stored = pseudoRandom(1000, 12);
    const sized = xz(data, ['-T2', '--block-size=40000']); // multi-threaded: sizes in block headers
    const results = await decodeAll([
      { input: xz(data, ['-6']), capacity: data.length },
      { input: xz(data, ['-6']), capacity: data.length - 1 },
      { input: xz(stored, ['-6']), capacity: 999 },
      { input: sized, capacity: data.length - 1 },
      { input: xz(Buffer.alloc(0), []), capacity: 0 },
    ]);
    expectSuccess(results[0], data, 'exact capacity');
    expectFailure(results[1], EFI_BUFFER_TOO_SMALL, X.XZ_REASON_LZMA2_OUTPUT_FULL, 'one byte short');
    expectFailure(results[2], EFI_BUFFER_TOO_SMALL, X.XZ_REASON_LZMA2_OUTPUT_FULL, 'stored chunk one byte short');
    expectFailure(results[3], EFI_BUFFER_TOO_SMALL, X.XZ_REASON_OUTPUT_FULL, 'block size beyond capacity');
    expectSuccess(results[4], new Uint8Array(0), 'empty into zero capacity');
  });
});

describe('xzDecode: streams, padding and trailing bytes, as xz -dc', () => {
  const a = text(3000, 13);
  const b = pseudoRandom(100_000, 14);
  const aStream = xz(a, ['-6']);
  const bStream = xz(b, ['--check=crc64', '-1']);
  const emptyStream = xz(Buffer.alloc(0), ['--check=none']);
  const both = Buffer.concat([a, b]);
  const zeros = (n: number): Buffer => Buffer.alloc(n);
  const cases: { name: string; input: Buffer; expected?: Buffer; status?: number; reason?: number }[] = [
    { name: 'two streams', input: Buffer.concat([aStream, bStream]), expected: both },
    { name: 'empty stream first', input: Buffer.concat([emptyStream, aStream]), expected: a },
    { name: 'padding 4 between, 8 after', input: Buffer.concat([aStream, zeros(4), bStream, zeros(8)]), expected: both },
    { name: 'padding 12 after', input: Buffer.concat([aStream, zeros(12)]), expected: a },
    { name: 'padding 2 after', input: Buffer.concat([aStream, zeros(2)]), reason: X.XZ_REASON_STREAM_PADDING },
    { name: 'padding 5 between', input: Buffer.concat([aStream, zeros(5), bStream]), reason: X.XZ_REASON_STREAM_PADDING },
    { name: 'kbuild size trailer left on', input: kbuild(a).file, reason: X.XZ_REASON_TRAILING_DATA },
    { name: 'garbage after padding', input: Buffer.concat([aStream, zeros(4), Buffer.from('garbage and more')]), reason: X.XZ_REASON_TRAILING_DATA },
    { name: 'padding before the first stream', input: Buffer.concat([zeros(4), aStream]), reason: X.XZ_REASON_HEADER_MAGIC },
    { name: 'truncated second stream', input: Buffer.concat([aStream, bStream.subarray(0, 100)]), reason: X.XZ_REASON_LZMA2_TRUNCATED },
  ];

  it('decodes or refuses each case as the CLI does', async () => {
    const results = await decodeAll(cases.map((c) => ({ input: c.input, capacity: 200_000 })));
    results.forEach((run, i) => {
      const c = cases[i];
      const cli = cliDecode(c.input);
      if (c.expected) {
        expectSuccess(run, c.expected, c.name);
        expect(cli.ok && cli.output.equals(c.expected), `xz -dc accepts ${c.name}`).toBe(true);
      } else {
        expectFailure(run, c.status ?? EFI_COMPROMISED_DATA, c.reason!, c.name);
        expect(cli.ok, `xz -dc refuses ${c.name}`).toBe(false);
      }
    });
  });
});

describe('xzDecode: unsupported features end in EFI_UNSUPPORTED naming them', () => {
  const data = Buffer.concat([text(20_000, 15), x86Code.subarray(0, 20_000)]);

  it('refuses SHA-256 and each filter other than BCJ x86 / LZMA2', async () => {
    const cases: [string, Buffer, number][] = [
      ['--check=sha256', xz(data, ['--check=sha256']), X.XZ_REASON_CHECK_SHA256_UNSUPPORTED],
      ['--delta', xz(data, ['--delta=dist=4', '--lzma2']), X.XZ_REASON_FILTER_DELTA_UNSUPPORTED],
      ['--powerpc', xz(data, ['--powerpc', '--lzma2']), X.XZ_REASON_FILTER_POWERPC_UNSUPPORTED],
      ['--ia64', xz(data, ['--ia64', '--lzma2']), X.XZ_REASON_FILTER_IA64_UNSUPPORTED],
      ['--arm', xz(data, ['--arm', '--lzma2']), X.XZ_REASON_FILTER_ARM_UNSUPPORTED],
      ['--armthumb', xz(data, ['--armthumb', '--lzma2']), X.XZ_REASON_FILTER_ARMTHUMB_UNSUPPORTED],
      ['--sparc', xz(data, ['--sparc', '--lzma2']), X.XZ_REASON_FILTER_SPARC_UNSUPPORTED],
      ['--arm64', xz(data, ['--arm64', '--lzma2']), X.XZ_REASON_FILTER_ARM64_UNSUPPORTED],
      ['x86 then delta', xz(data, ['--x86', '--delta', '--lzma2']), X.XZ_REASON_FILTER_DELTA_UNSUPPORTED],
    ];
    // Filter IDs xz 5.4 cannot write: RISC-V (0x0B, xz 5.6) and an unknown one, built by hand.
    const block = (id: number): BlockSpec => ({ data: storedLzma2(Buffer.from('abc')), uncompressed: Buffer.from('abc'),
      filters: [{ id, props: Buffer.alloc(0) }, { id: FILTER_LZMA2, props: Buffer.from([0x10]) }] });
    cases.push(['riscv', buildStream({ blocks: [block(0x0b)] }), X.XZ_REASON_FILTER_RISCV_UNSUPPORTED]);
    cases.push(['unknown 0x4242', buildStream({ blocks: [block(0x4242)] }), X.XZ_REASON_FILTER_UNKNOWN_UNSUPPORTED]);
    cases.push(['check id 2', buildStream({ checkType: 2, blocks: [] }), X.XZ_REASON_CHECK_UNKNOWN_UNSUPPORTED]);
    const results = await decodeAll(cases.map(([, input]) => ({ input, capacity: data.length })));
    results.forEach((run, i) => {
      expectFailure(run, EFI_UNSUPPORTED, cases[i][2], cases[i][0]);
      expect(X.xzReasonText(cases[i][2])).toMatch(/not supported/);
    });
    expect(X.xzReasonText(X.XZ_REASON_CHECK_SHA256_UNSUPPORTED)).toMatch(/sha-256/);
    expect(X.xzReasonText(X.XZ_REASON_FILTER_ARM64_UNSUPPORTED)).toMatch(/arm64/);
  });
});

describe('xzDecode: malformed files, one per reason', () => {
  const plain = Buffer.from(text(5000, 16));
  // Raw LZMA2 from xz itself: one LZMA chunk (compressible) and stored chunks (random).
  const lzmaData = xzRaw(plain, ['--lzma2=preset=6']);
  const lzmaBlock: BlockSpec = { data: lzmaData, uncompressed: plain };
  const abc = Buffer.from('abc');
  const storedBlock = (extra: Partial<BlockSpec>): BlockSpec => ({ data: storedLzma2(abc), uncompressed: abc, ...extra });
  const valid = buildStream({ blocks: [lzmaBlock] });
  const chunks = lzma2Chunks(lzmaData);
  const firstChunk = chunks[0];
  const lzmaChunk = (edit: (c: Buffer) => Buffer): BlockSpec => ({ data: Buffer.concat([edit(Buffer.from(firstChunk)), Buffer.from([0])]), uncompressed: plain });
  // Two copies of random data: the second copy is an LZMA chunk of long matches reaching into the first.
  const twice = Buffer.concat([pseudoRandom(70_000, 17), pseudoRandom(70_000, 17)]);
  const twiceRaw = xzRaw(twice, ['--lzma2=preset=6']);
  const twiceChunks = lzma2Chunks(twiceRaw);

  const cases: { name: string; input: Buffer; status?: number; reason: number; capacity?: number }[] = [
    { name: 'five bytes', input: valid.subarray(0, 5), reason: X.XZ_REASON_HEADER_TRUNCATED },
    { name: 'bad magic', input: Buffer.concat([Buffer.from([0xfe]), valid.subarray(1)]), reason: X.XZ_REASON_HEADER_MAGIC },
    { name: 'stream flags reserved bit', input: buildStream({ headerFlags: [1, 1], blocks: [lzmaBlock] }), status: EFI_UNSUPPORTED, reason: X.XZ_REASON_HEADER_FLAGS_RESERVED },
    { name: 'stream flags high nibble', input: buildStream({ headerFlags: [0, 0x11], blocks: [lzmaBlock] }), status: EFI_UNSUPPORTED, reason: X.XZ_REASON_HEADER_FLAGS_RESERVED },
    { name: 'stream header crc', input: flip(valid, 9), status: EFI_CRC_ERROR, reason: X.XZ_REASON_HEADER_CRC },
    { name: 'block header truncated', input: valid.subarray(0, 14), reason: X.XZ_REASON_BLOCK_HEADER_TRUNCATED },
    { name: 'block header crc', input: flip(valid, 12 + 8), status: EFI_CRC_ERROR, reason: X.XZ_REASON_BLOCK_HEADER_CRC },
    { name: 'block flags reserved', input: buildStream({ blocks: [{ ...lzmaBlock, flagsExtra: 0x04 }] }), status: EFI_UNSUPPORTED, reason: X.XZ_REASON_BLOCK_FLAGS_RESERVED },
    { name: 'non-minimal vli', input: buildStream({ blocks: [{ ...lzmaBlock, rawHeader: Buffer.from([2, 0x40, 0x81, 0x00, 0x21, 0x01, 0x16, 0]) }] }), reason: X.XZ_REASON_VLI_INVALID },
    { name: 'ten-byte vli', input: buildStream({ blocks: [{ ...lzmaBlock, rawHeader: Buffer.from([3, 0x40, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01]) }] }), reason: X.XZ_REASON_VLI_INVALID },
    { name: 'properties size beyond header', input: buildStream({ blocks: [{ ...lzmaBlock, rawHeader: Buffer.from([1, 0x00, 0x21, 0x09]) }] }), reason: X.XZ_REASON_BLOCK_HEADER_OVERFLOW },
    { name: 'vli beyond header', input: buildStream({ blocks: [{ ...lzmaBlock, rawHeader: Buffer.from([1, 0x00, 0x21, 0x81]) }] }), reason: X.XZ_REASON_BLOCK_HEADER_OVERFLOW },
    { name: 'header padding not null', input: buildStream({ blocks: [{ ...lzmaBlock, headerPadding: Buffer.from([0, 7]) }] }), status: EFI_UNSUPPORTED, reason: X.XZ_REASON_BLOCK_HEADER_PADDING },
    { name: 'compressed size 0', input: buildStream({ blocks: [{ ...lzmaBlock, compressedSize: 0 }] }), reason: X.XZ_REASON_COMPRESSED_SIZE_ZERO },
    { name: 'lzma2 not last', input: buildStream({ blocks: [storedBlock({ filters: [{ id: FILTER_LZMA2, props: Buffer.from([0]) }, { id: FILTER_X86, props: Buffer.alloc(0) }] })] }), reason: X.XZ_REASON_FILTER_CHAIN_INVALID },
    { name: 'x86 last', input: buildStream({ blocks: [storedBlock({ filters: [{ id: FILTER_X86, props: Buffer.alloc(0) }] })] }), reason: X.XZ_REASON_FILTER_CHAIN_INVALID },
    { name: 'lzma2 properties size 2', input: buildStream({ blocks: [storedBlock({ filters: [{ id: FILTER_LZMA2, props: Buffer.from([0, 0]) }] })] }), reason: X.XZ_REASON_FILTER_PROPERTIES_SIZE },
    { name: 'x86 properties size 3', input: buildStream({ blocks: [storedBlock({ filters: [{ id: FILTER_X86, props: Buffer.from([0, 0, 0]) }, { id: FILTER_LZMA2, props: Buffer.from([0]) }] })] }), reason: X.XZ_REASON_FILTER_PROPERTIES_SIZE },
    { name: 'dictionary size 41', input: buildStream({ blocks: [storedBlock({ filters: [{ id: FILTER_LZMA2, props: Buffer.from([41]) }] })] }), reason: X.XZ_REASON_LZMA2_DICTIONARY_SIZE },
    { name: 'compressed size too large', input: buildStream({ blocks: [storedBlock({ compressedSize: 8 })] }), reason: X.XZ_REASON_COMPRESSED_SIZE_MISMATCH },
    { name: 'compressed size too small', input: buildStream({ blocks: [storedBlock({ compressedSize: 6 })] }), reason: X.XZ_REASON_LZMA2_TRUNCATED },
    { name: 'compressed size beyond input', input: buildStream({ blocks: [storedBlock({ compressedSize: 1000 })] }), reason: X.XZ_REASON_BLOCK_TRUNCATED },
    { name: 'uncompressed size too large', input: buildStream({ blocks: [storedBlock({ uncompressedSize: 4 })] }), reason: X.XZ_REASON_UNCOMPRESSED_SIZE_MISMATCH },
    { name: 'uncompressed size too small (stored)', input: buildStream({ blocks: [storedBlock({ uncompressedSize: 2 })] }), reason: X.XZ_REASON_LZMA2_PAST_BLOCK_SIZE },
    { name: 'uncompressed size too small (lzma)', input: buildStream({ blocks: [{ ...lzmaBlock, uncompressedSize: plain.length - 1 }] }), reason: X.XZ_REASON_LZMA2_PAST_BLOCK_SIZE },
    { name: 'block padding not null', input: buildStream({ blocks: [storedBlock({ padding: Buffer.from([1]) })] }), reason: X.XZ_REASON_BLOCK_PADDING },
    { name: 'block check truncated', input: valid.subarray(0, 12 + 12 + lzmaData.length + 3), reason: X.XZ_REASON_BLOCK_TRUNCATED },
    { name: 'crc32 check', input: buildStream({ blocks: [storedBlock({ check: Buffer.from([1, 2, 3, 4]) })] }), status: EFI_CRC_ERROR, reason: X.XZ_REASON_CHECK_CRC32_MISMATCH },
    { name: 'crc64 check', input: buildStream({ checkType: 4, blocks: [storedBlock({ check: Buffer.alloc(8) })] }), status: EFI_CRC_ERROR, reason: X.XZ_REASON_CHECK_CRC64_MISMATCH },
    { name: 'index truncated', input: valid.subarray(0, valid.length - 14), reason: X.XZ_REASON_INDEX_TRUNCATED },
    { name: 'index count', input: buildStream({ blocks: [lzmaBlock], recordCount: 2 }), reason: X.XZ_REASON_INDEX_COUNT_MISMATCH },
    { name: 'index unpadded size', input: buildStream({ blocks: [lzmaBlock], records: (r) => [[r[0][0] + 1n, r[0][1]]] }), reason: X.XZ_REASON_INDEX_RECORD_MISMATCH },
    { name: 'index uncompressed size', input: buildStream({ blocks: [lzmaBlock], records: (r) => [[r[0][0], r[0][1] - 1n]] }), reason: X.XZ_REASON_INDEX_RECORD_MISMATCH },
    { name: 'index records swapped', input: buildStream({ blocks: [lzmaBlock, storedBlock({})], records: (r) => [r[1], r[0]] }), reason: X.XZ_REASON_INDEX_RECORD_MISMATCH },
    { name: 'index record beyond 2^32', input: buildStream({ blocks: [lzmaBlock], records: (r) => [[r[0][0], r[0][1] + (1n << 32n)]] }), reason: X.XZ_REASON_INDEX_RECORD_MISMATCH },
    { name: 'index padding', input: buildStream({ blocks: [lzmaBlock], indexPaddingLast: 1 }), reason: X.XZ_REASON_INDEX_PADDING },
    { name: 'index crc', input: flip(valid, valid.length - 13), status: EFI_CRC_ERROR, reason: X.XZ_REASON_INDEX_CRC },
    { name: 'footer truncated', input: valid.subarray(0, valid.length - 1), reason: X.XZ_REASON_FOOTER_TRUNCATED },
    { name: 'footer magic', input: buildStream({ blocks: [lzmaBlock], footerMagic: Buffer.from('YY') }), reason: X.XZ_REASON_FOOTER_MAGIC },
    { name: 'footer crc', input: flip(valid, valid.length - 12), status: EFI_CRC_ERROR, reason: X.XZ_REASON_FOOTER_CRC },
    { name: 'backward size', input: buildStream({ blocks: [lzmaBlock], backwardSize: 7 }), reason: X.XZ_REASON_FOOTER_BACKWARD_SIZE },
    { name: 'footer flags', input: buildStream({ blocks: [lzmaBlock], footerFlags: [0, 4] }), reason: X.XZ_REASON_FOOTER_FLAGS_MISMATCH },
    { name: 'lzma2 truncated', input: buildStream({ blocks: [storedBlock({ data: Buffer.from([1, 0, 9, 0x61]) })] }).subarray(0, 12 + 12 + 4), reason: X.XZ_REASON_LZMA2_TRUNCATED },
    { name: 'lzma2 control 0x03', input: buildStream({ blocks: [storedBlock({ data: Buffer.from([1, 0, 2, 0x61, 0x62, 0x63, 3, 0]) })] }), reason: X.XZ_REASON_LZMA2_CONTROL_INVALID },
    { name: 'lzma2 first chunk 0x02', input: buildStream({ blocks: [storedBlock({ data: Buffer.from([2, 0, 2, 0x61, 0x62, 0x63, 0]) })] }), reason: X.XZ_REASON_LZMA2_MISSING_DICTIONARY_RESET },
    { name: 'lzma2 first chunk 0xc0', input: buildStream({ blocks: [lzmaChunk((c) => { c[0] = (c[0] & 0x1f) | 0xc0; return c; })] }), reason: X.XZ_REASON_LZMA2_MISSING_DICTIONARY_RESET },
    { name: 'lzma2 chunk without properties after reset', input: buildStream({ blocks: [{ data: Buffer.concat([Buffer.from([1, 0, 0, 0x61]), Buffer.from([0xa0]), firstChunk.subarray(1, 5), firstChunk.subarray(6), Buffer.from([0])]), uncompressed: plain }] }), reason: X.XZ_REASON_LZMA2_MISSING_PROPERTIES },
    { name: 'lzma2 lc=4 lp=1', input: buildStream({ blocks: [lzmaChunk((c) => { c[5] = 4 + 9; return c; })] }), reason: X.XZ_REASON_LZMA2_PROPERTIES_INVALID },
    { name: 'lzma2 properties 225', input: buildStream({ blocks: [lzmaChunk((c) => { c[5] = 225; return c; })] }), reason: X.XZ_REASON_LZMA2_PROPERTIES_INVALID },
    { name: 'range coder first byte', input: buildStream({ blocks: [lzmaChunk((c) => { c[6] = 1; return c; })] }), reason: X.XZ_REASON_LZMA_RANGE_INIT },
    { name: 'distance before the dictionary start', input: buildStream({ blocks: [{ data: Buffer.concat([Buffer.from([0xe0, 0, 0, 0, 9, 0x5d, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0]), Buffer.from([0])]), uncompressed: abc }] }), reason: X.XZ_REASON_LZMA_DISTANCE },
    { name: 'distance across a mid-block dictionary reset', input: buildStream({ blocks: [{ data: Buffer.concat([...twiceChunks.slice(0, -1), Buffer.from([twiceChunks[twiceChunks.length - 1][0] | 0x60]), twiceChunks[twiceChunks.length - 1].subarray(1), Buffer.from([0])]), uncompressed: twice }] }), reason: X.XZ_REASON_LZMA_DISTANCE },
    { name: 'distance beyond the declared dictionary', input: buildStream({ blocks: [{ data: twiceRaw, uncompressed: twice, filters: [{ id: FILTER_LZMA2, props: Buffer.from([8]) }] }] }), reason: X.XZ_REASON_LZMA_DISTANCE },
    { name: 'lzma chunk uncompressed size one short (match crosses it)', input: buildStream({ blocks: [lzmaChunk((c) => { const u = ((c[0] & 0x1f) << 16 | c[1] << 8 | c[2]) - 1; c[0] = (c[0] & 0xe0) | (u >> 16); c[1] = (u >> 8) & 255; c[2] = u & 255; return c; })] }), reason: X.XZ_REASON_LZMA_PAST_CHUNK_SIZE },
    { name: 'lzma chunk compressed size one long', input: buildStream({ blocks: [lzmaChunk((c) => { const s = ((c[3] << 8) | c[4]) + 1; c[3] = s >> 8; c[4] = s & 255; return Buffer.concat([c, Buffer.from([0])]); })] }), reason: X.XZ_REASON_LZMA_COMPRESSED_SIZE },
    { name: 'lzma chunk compressed size one short', input: buildStream({ blocks: [lzmaChunk((c) => { const s = ((c[3] << 8) | c[4]) - 1; c[3] = s >> 8; c[4] = s & 255; return c.subarray(0, c.length - 1); })] }), reason: X.XZ_REASON_LZMA_COMPRESSED_SIZE },
    { name: 'lzma chunk compressed size 4', input: buildStream({ blocks: [{ data: Buffer.from([0xe0, 0, 0, 0, 3, 0x5d, 0, 0, 0, 0, 0]), uncompressed: abc }] }), reason: X.XZ_REASON_LZMA_COMPRESSED_SIZE },
  ];
  // The range decoder must end at code 0: a chunk that ends on a literal, its size cut by one.
  const endsInLiteral = Buffer.concat([plain, Buffer.from('Z')]);
  const literalChunk = lzma2Chunks(xzRaw(endsInLiteral, ['--lzma2=preset=6']))[0];
  {
    const c = Buffer.from(literalChunk);
    const u = (((c[0] & 0x1f) << 16) | (c[1] << 8) | c[2]) - 1;
    c[1] = (u >> 8) & 255; c[2] = u & 255;
    cases.push({ name: 'range coder not finished at the chunk end', input: buildStream({ blocks: [{ data: Buffer.concat([c, Buffer.from([0])]), uncompressed: plain }] }), reason: X.XZ_REASON_LZMA_NOT_FINISHED });
  }

  it('each ends with its status and reason, and xz -dc refuses it too', async () => {
    // The builder itself makes valid files.
    expect(cliDecode(valid).output.equals(plain)).toBe(true);
    expect(cliDecode(buildStream({ checkType: 4, blocks: [storedBlock({ compressedSize: 'actual', uncompressedSize: 'actual' }), lzmaBlock] })).ok).toBe(true);
    const results = await decodeAll(cases.map((c) => ({ input: c.input, capacity: c.capacity ?? 200_000 })));
    results.forEach((run, i) => {
      const c = cases[i];
      expectFailure(run, c.status ?? EFI_COMPROMISED_DATA, c.reason, c.name);
      if (c.status !== EFI_UNSUPPORTED) expect(cliDecode(c.input).ok, `xz -dc refuses ${c.name}`).toBe(false);
    });
    // Every reason code has a text.
    for (let reason = 200; reason <= 261; reason++) {
      const described = X.xzReasonText(reason) !== 'unknown reason';
      expect(described || (reason > 244 && reason < 250), `reason ${reason}`).toBe(true);
    }
  });

  it('decodes hand-built valid files: sizes in the header, x86 start offsets, two x86 filters, empty LZMA2, stored then LZMA', async () => {
    const data = x86Code.subarray(0, 30_000);
    const bcjRaw = xzRaw(data, ['--x86=start=16', '--lzma2=preset=1']);
    const jobs: { name: string; input: Buffer; expected: Buffer }[] = [
      { name: 'sizes present', input: buildStream({ blocks: [{ ...lzmaBlock, compressedSize: 'actual', uncompressedSize: 'actual' }] }), expected: plain },
      { name: 'x86 start 16', input: buildStream({ blocks: [{ data: bcjRaw, uncompressed: data, filters: [{ id: FILTER_X86, props: le32(16) }, { id: FILTER_LZMA2, props: Buffer.from([0x10]) }] }] }), expected: data },
      { name: 'x86, x86 start 16', input: buildStream({ blocks: [{ data: xzRaw(data, ['--x86', '--x86=start=16', '--lzma2=preset=1']), uncompressed: data, filters: [{ id: FILTER_X86, props: Buffer.alloc(0) }, { id: FILTER_X86, props: le32(16) }, { id: FILTER_LZMA2, props: Buffer.from([0x10]) }] }] }), expected: data },
      { name: 'empty lzma2', input: buildStream({ blocks: [{ data: Buffer.from([0]), uncompressed: Buffer.alloc(0) }] }), expected: Buffer.alloc(0) },
      { name: 'stored then lzma with dictionary reset', input: buildStream({ blocks: [{ data: Buffer.concat([Buffer.from([1, 0, 2]), abc, firstChunk, Buffer.from([0])]), uncompressed: Buffer.concat([abc, plain]) }] }), expected: Buffer.concat([abc, plain]) },
    ];
    // Distance 70000 fits dictionary byte 9 (3 * 2^15 = 98304); byte 8 (65536) is the malformed case.
    jobs.push({ name: 'distance 70000, dictionary byte 9', input: buildStream({ blocks: [{ data: twiceRaw, uncompressed: twice, filters: [{ id: FILTER_LZMA2, props: Buffer.from([9]) }] }] }), expected: twice });
    for (const j of jobs) expect(cliDecode(j.input).output.equals(j.expected), `xz -dc ${j.name}`).toBe(true);
    const results = await decodeAll(jobs.map((j) => ({ input: j.input, capacity: j.expected.length })));
    results.forEach((run, i) => expectSuccess(run, jobs[i].expected, jobs[i].name));
  });
});

function flip(data: Buffer, at: number): Buffer {
  const b = Buffer.from(data);
  b[at] ^= 0x01;
  return b;
}

describe('xzDecode: truncation and mutation', () => {
  const small = Buffer.concat([text(400, 18), x86Code.subarray(4000, 4400)]);
  const files = [xz(small, KBUILD_ARGS), xz(small, ['--check=crc64', '-0']), xz(small, ['--check=none', '--block-size=300'])];

  it('every prefix of small valid files fails (never a hang, never success)', async () => {
    const jobs: { input: Buffer; capacity: number }[] = [];
    for (const file of files) for (let length = 0; length < file.length; length++) jobs.push({ input: file.subarray(0, length), capacity: small.length });
    const results = await decodeAll(jobs);
    results.forEach((run, i) => {
      expect(run.timedOut).toBe(false);
      expect(run.status, `prefix ${jobs[i].input.length}`).not.toBe(0);
    });
    expect(results.length).toBeGreaterThan(600);
  });

  it('random mutations end in an error or exactly the output xz -dc gives', async () => {
    const jobs: { input: Buffer; capacity: number }[] = [];
    const next = xorshift32(12345);
    for (let i = 0; i < 300; i++) {
      const file = Buffer.from(files[i % files.length]);
      const count = 1 + (next() % 3);
      for (let k = 0; k < count; k++) {
        const at = next() % file.length;
        // Mostly in the compressed data (where the CRCs do not guard the LZMA decoder).
        file[at] = (next() % 4 === 0) ? next() & 255 : file[at] ^ (1 << (next() % 8));
      }
      jobs.push({ input: file, capacity: small.length * 2 });
    }
    const results = await decodeAll(jobs);
    let failures = 0;
    results.forEach((run, i) => {
      expect(run.timedOut).toBe(false);
      const cli = cliDecode(jobs[i].input);
      if (run.status === 0) {
        expect(cli.ok, `mutation ${i}: xz -dc accepts what we accept`).toBe(true);
        expect(Buffer.from(run.output).equals(cli.output), `mutation ${i}`).toBe(true);
      } else {
        failures++;
        expect(cli.ok, `mutation ${i}: we refuse (${X.xzReasonText(run.reason)}) what xz -dc accepts`).toBe(false);
      }
    });
    expect(failures).toBeGreaterThan(200);
  });
});
