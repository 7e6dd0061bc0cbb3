/**
 * zstdDecode (stub-src/decompress/zstd.ts) against the reference CLI, `zstd` (Debian's 1.5.x):
 * - XXH64 on 32-bit halves (zstd-xxhash.ts) and its 64-bit multiply/add/rotate helpers against
 *   BigInt arithmetic written here;
 * - differential: generated corpora (empty, 1 byte, sizes around the 128 KiB block limit, random,
 *   zeros, long repeats, text, x86 code from /usr/bin) compressed by `zstd` with -1, -3, -19,
 *   `-22 --ultra` (kbuild's command, from stdin as kbuild pipes it), --no-check, small windows,
 *   --long=27, -B/-T2 jobs, --single-thread, --no-content-size, and from a file (single-segment
 *   frames with a content size); the output must equal the input (which `zstd -dc` gives too),
 *   and a walker over the block headers checks the files reach every block type, literals type,
 *   stream count, weight encoding and sequence table mode; windows of 2^30 and 2^31;
 * - concatenated frames and skippable frames built here, decoded as `zstd -dc` decodes them;
 * - frames built field by field: valid ones (RLE sequence tables, repeat offsets, Dictionary_ID
 *   0) decode as `zstd -dc` decodes them, and one malformation per reason code ends in that code
 *   and status (and is refused by `zstd -dc` too);
 * - every prefix of small valid files ends in an error;
 * - random mutations end, in bounded time, in an error or the original bytes;
 * - mutated, truncated and output-squeezed files never index outside the input or the output
 *   (test/fixtures/decompress/zstd/guarded-decode.ts puts both behind counting Proxies).
 * Every decode runs in a worker with a timeout (test/support/run-decoder.ts). A missing zstd
 * fails the suite.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as R from '../../stub-src/decompress/zstd-reasons.ts';
import { zstdReasonText } from '../../stub-src/decompress/zstd.ts';
import {
  zstdXxh64, zstdXxh64Begin, zstdXxh64Finish, zstdXxh64Stripes, zstdXxhResultHi,
} from '../../stub-src/decompress/zstd-xxhash.ts';
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_CRC_ERROR, EFI_UNSUPPORTED } from '../../stub-src/efi/status.ts';
import { runDecoderBatch } from '../support/run-decoder.ts';
import { machineCode as x86, pseudoRandom, text } from '../support/corpus.ts';
import { decoderChecks } from '../support/decoder-checks.ts';
import { cliDecode, compressFileWith, compressWith, expectInstalled } from '../support/reference-cli.ts';
import { GUARD_OUT_OF_RANGE } from '../fixtures/decompress/zstd/guarded-decode.ts';

const TIMEOUT = 90_000;
const { decodeAll, expectSuccess: expectRunOk } = decoderChecks('zstd', 'zstdDecode', zstdReasonText, TIMEOUT);
/** The same decodes with the sequence loop's match prefetches turned off. */
const decodeWithoutPrefetch = (jobs: { input: Uint8Array; capacity: number }[]) =>
  runDecoderBatch('../../test/fixtures/decompress/zstd/decode-without-prefetch', 'zstdDecodeWithoutPrefetch', jobs, TIMEOUT);
const work = mkdtempSync(join(tmpdir(), 'zstd-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// Corpora (pseudo-random, text and x86 code from test/support/corpus.ts, and these three)

/** A random pattern repeated with sparse changes: long matches and repeat offsets. */
function repeats(length: number, seed: number): Buffer {
  const pattern = pseudoRandom(997, seed);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = pattern[i % pattern.length] ^ (i % 4093 === 0 ? 0x5a : 0);
  return out;
}

/** Copies of earlier data each followed by 'Z': after the first block, literals are all 'Z' (RLE literals at -19). */
function copies(length: number, seed: number): Buffer {
  const rnd = pseudoRandom(length, seed);
  const out = Buffer.alloc(length);
  rnd.copy(out, 0, 0, 2000);
  let p = 2000;
  for (let k = 0; p < length; k += 4) {
    const size = 20 + (rnd[k] % 60);
    const from = (rnd[k + 1] | (rnd[k + 2] << 8) | (rnd[k + 3] << 16)) % (p - size);
    for (let i = 0; i < size && p < length; i++) out[p++] = out[from + i];
    if (p < length) out[p++] = 0x5a;
  }
  return out;
}

/** Random bytes below 16: a small alphabet whose Huffman weights are written directly. */
function nibbles(length: number, seed: number): Buffer {
  const rnd = pseudoRandom(length, seed);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (rnd[i] & 15) & ((rnd[(i * 3) % length] & 15) | 3);
  return out;
}

const corpora: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from([0x42])],
  ['two bytes', Buffer.from([0x00, 0xff])],
  ['tiny text', Buffer.from('zstd boot stub\n')],
  ['text 131071', text(131071, 1)],
  ['text 131072', text(131072, 2)],
  ['text 131073', text(131073, 3)],
  ['random 200000', pseudoRandom(200000, 4)],
  ['zeros 300000', Buffer.alloc(300000)],
  ['repeats 250000', repeats(250000, 5)],
  ['text 200000', text(200000, 6)],
  ['x86 250000', x86(250000)],
  ['copies 300000', copies(300000, 9)],
  ['nibbles 100000', nibbles(100000, 3)],
  ['mixed 270000', Buffer.concat([text(90000, 7), pseudoRandom(90000, 8), Buffer.alloc(90000, 0x90)])],
];

function compress(data: Buffer, args: string[]): Buffer {
  return compressWith('zstd', ['-c', '-q', ...args], data);
}

/** compress() for many inputs, two `zstd` processes at a time (-19 and -22 take seconds). */
async function compressAll(tasks: { data: Buffer; args: string[]; file: boolean }[]): Promise<Buffer[]> {
  const run = promisify(execFile);
  const results: Buffer[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      const { data, args, file } = tasks[i];
      if (file) {
        const path = join(work, `input-${i}`);
        writeFileSync(path, data);
        results[i] = (await run('zstd', ['-c', '-q', ...args, path], { encoding: 'buffer', maxBuffer: 1 << 30 })).stdout;
        rmSync(path);
      } else {
        const child = run('zstd', ['-c', '-q', ...args], { encoding: 'buffer', maxBuffer: 1 << 30 });
        child.child.stdin!.end(data);
        results[i] = (await child).stdout;
      }
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

function compressFile(data: Buffer, args: string[]): Buffer {
  return compressFileWith('zstd', ['-c', '-q', ...args], data);
}

/** `zstd -dc` of `input`: the output, or null when it refuses. */
function cliDecompress(input: Uint8Array): Buffer | null {
  const r = cliDecode('zstd', input, { args: ['-dc', '-q'] });
  return r.ok ? r.output : null;
}

/**
 * The features a zstd file uses, read from its block and section headers: block types, literals
 * types and stream counts, sequence table modes. Shows which decoder paths a corpus reached.
 */
function features(file: Uint8Array, found: Set<string>): void {
  let at = 0;
  while (at + 4 <= file.length) {
    const magic = file[at] | (file[at + 1] << 8) | (file[at + 2] << 16) | (file[at + 3] << 24);
    if ((magic >>> 4) === 0x184d2a5) { at += 8 + (file[at + 4] | (file[at + 5] << 8) | (file[at + 6] << 16)); continue; }
    const fhd = file[at + 4];
    const single = (fhd & 0x20) !== 0;
    const fcs = [single ? 1 : 0, 2, 4, 8][fhd >> 6];
    found.add(single ? 'single segment' : 'window descriptor');
    if (fhd & 4) found.add('checksum');
    at += 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3] + fcs;
    for (;;) {
      const header = file[at] | (file[at + 1] << 8) | (file[at + 2] << 16);
      const type = (header >> 1) & 3;
      const size = header >> 3;
      found.add(['raw block', 'rle block', 'compressed block'][type]);
      at += 3;
      if (type === 2) {
        const lit = file[at];
        const litType = lit & 3;
        const sizeFormat = (lit >> 2) & 3;
        found.add(['raw literals', 'rle literals', 'huffman literals', 'treeless literals'][litType]);
        let next = at;
        if (litType < 2) {
          const regenerated = sizeFormat === 1 ? (lit >> 4) | (file[at + 1] << 4) : sizeFormat === 3
            ? (lit >> 4) | (file[at + 1] << 4) | (file[at + 2] << 12) : lit >> 3;
          next += (sizeFormat === 1 ? 2 : sizeFormat === 3 ? 3 : 1) + (litType === 0 ? regenerated : 1);
        } else {
          found.add(sizeFormat === 0 ? '1 stream' : '4 streams');
          const b = (i: number): number => file[at + i];
          const compressedSize = sizeFormat < 2 ? (b(1) >> 6) | (b(2) << 2) : sizeFormat === 2 ? (b(2) >> 2) | (b(3) << 6)
            : (b(2) >> 6) | (b(3) << 2) | (b(4) << 10);
          if (litType === 2) found.add(file[at + (sizeFormat < 2 ? 3 : sizeFormat + 2)] < 128 ? 'fse weights' : 'direct weights');
          next += (sizeFormat < 2 ? 3 : sizeFormat + 2) + compressedSize;
        }
        const count = file[next];
        if (count !== 0) {
          const modesAt = next + (count < 128 ? 1 : count < 255 ? 2 : 3);
          const modes = file[modesAt];
          for (const shift of [6, 4, 2]) found.add(['predefined', 'rle', 'fse', 'repeat'][(modes >> shift) & 3] + ' table');
        }
      }
      at += type === 1 ? 1 : size;
      if (header & 1) break;
    }
    if (fhd & 4) at += 4;
  }
}

// ---------------------------------------------------------------------------------------------
// XXH64

const M64 = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;
const rotl64 = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M64;
const round64 = (acc: bigint, lane: bigint): bigint => (rotl64((acc + lane * P2) & M64, 31n) * P1) & M64;
const merge64 = (h: bigint, lane: bigint): bigint => (((h ^ round64(0n, lane)) * P1) + P4) & M64;

/** XXH64, seed 0, in BigInt, from the xxHash specification. */
function referenceXxh64(bytes: Uint8Array): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const n = bytes.length;
  let p = 0;
  let h: bigint;
  if (n >= 32) {
    let v1 = (P1 + P2) & M64; let v2 = P2; let v3 = 0n; let v4 = (0n - P1) & M64;
    for (; p <= n - 32; p += 32) {
      v1 = round64(v1, view.getBigUint64(p, true));
      v2 = round64(v2, view.getBigUint64(p + 8, true));
      v3 = round64(v3, view.getBigUint64(p + 16, true));
      v4 = round64(v4, view.getBigUint64(p + 24, true));
    }
    h = (rotl64(v1, 1n) + rotl64(v2, 7n) + rotl64(v3, 12n) + rotl64(v4, 18n)) & M64;
    h = merge64(merge64(merge64(merge64(h, v1), v2), v3), v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(n)) & M64;
  for (; p + 8 <= n; p += 8) h = (rotl64(h ^ round64(0n, view.getBigUint64(p, true)), 27n) * P1 + P4) & M64;
  if (p + 4 <= n) {
    h = (rotl64(h ^ ((BigInt(view.getUint32(p, true)) * P1) & M64), 23n) * P2 + P3) & M64;
    p += 4;
  }
  for (; p < n; p++) h = (rotl64(h ^ ((BigInt(bytes[p]) * P5) & M64), 11n) * P1) & M64;
  h ^= h >> 33n; h = (h * P2) & M64; h ^= h >> 29n; h = (h * P3) & M64; h ^= h >> 32n;
  return h;
}

describe('zstd XXH64 (64-bit locals)', () => {
  it('XXH64 matches the BigInt reference for every length 0..300 and 100 KiB, and the known empty value', () => {
    expect(zstdXxh64(new Uint8Array(0), 0, 0)).toBe(0x51d8e999);
    expect(zstdXxhResultHi()).toBe(0xef46db37);
    const data = pseudoRandom(102400, 7);
    for (let n = 0; n <= 300; n++) {
      const lo = zstdXxh64(data, 0, n);
      expect((BigInt(zstdXxhResultHi()) << 32n) | BigInt(lo), `length ${n}`).toBe(referenceXxh64(data.subarray(0, n)));
    }
    const lo = zstdXxh64(data, 3, data.length);
    expect((BigInt(zstdXxhResultHi()) << 32n) | BigInt(lo)).toBe(referenceXxh64(data.subarray(3)));
  });

  it('taken a piece at a time (as the frame decoder does, a block at a time) it is the same hash', () => {
    const data = pseudoRandom(4096, 11);
    const hashInSteps = (start: number, cuts: number[]): bigint => {
      zstdXxh64Begin();
      let striped = start;
      for (const cut of cuts) {
        const next = zstdXxh64Stripes(data, striped, cut);
        // Whole stripes from where the last call ended, none past the cut.
        expect((next - striped) % 32).toBe(0);
        expect(next).toBeLessThanOrEqual(cut);
        expect(cut - next).toBeLessThan(32);
        striped = next;
      }
      const end = cuts.length > 0 ? cuts[cuts.length - 1] : start;
      const lo = zstdXxh64Finish(data, start, striped, end);
      return (BigInt(zstdXxhResultHi()) << 32n) | BigInt(lo);
    };
    let seed = 5;
    const next = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    for (let round = 0; round < 200; round++) {
      const start = next(40);
      const cuts: number[] = [];
      let at = start;
      const pieces = next(8);
      for (let k = 0; k < pieces; k++) { at += next(k % 2 === 0 ? 70 : 700); cuts.push(at); }
      expect(hashInSteps(start, cuts), `start ${start} cuts ${cuts.join(',')}`).toBe(referenceXxh64(data.subarray(start, at)));
    }
    // No stripe at all (under 32 bytes in every piece and in all), and a hash of nothing.
    expect(hashInSteps(7, [10, 20, 31])).toBe(referenceXxh64(data.subarray(7, 31)));
    expect(hashInSteps(9, [])).toBe(referenceXxh64(new Uint8Array(0)));
  });
});

// ---------------------------------------------------------------------------------------------
// Differential against the CLI

/** kbuild's `-22 --ultra` takes about 2 s per 300 KB: it runs on these corpora only (and below). */
const KBUILD_CORPORA = new Set(['empty', 'one byte', 'tiny text', 'text 131073', 'zeros 300000', 'x86 250000']);
const LEVELS: string[][] = [
  ['-1'], ['-3'], ['-19'], ['--no-check'], ['-3', '--zstd=wlog=10'], ['-9', '--zstd=wlog=12'],
  ['--long=27'], ['-3', '-T2', '-B262144'], ['--single-thread', '-6'], ['--no-content-size', '-5'],
];

describe('zstd: differential against the zstd CLI', () => {
  it('the zstd CLI is installed (scripts/install-deps.sh)', () => {
    expectInstalled('zstd', /Zstandard CLI/);
  });

  it('decodes every corpus at every level, from stdin (as kbuild pipes it) and from a file', async () => {
    const tasks: { data: Buffer; args: string[]; file: boolean }[] = [];
    const labels: string[] = [];
    for (const [name, data] of corpora) {
      const levels = KBUILD_CORPORA.has(name) ? [...LEVELS, ['-22', '--ultra']] : LEVELS;
      for (const args of levels) {
        tasks.push({ data, args, file: false });
        labels.push(`${name} stdin ${args.join(' ')}`);
      }
      for (const args of [['-3'], ['-9', '--no-check']]) {
        tasks.push({ data, args, file: true });
        labels.push(`${name} file ${args.join(' ')}`);
      }
    }
    const compressed = await compressAll(tasks);
    const found = new Set<string>();
    for (const file of compressed) features(file, found);
    expect([...found].sort()).toEqual(['1 stream', '4 streams', 'checksum', 'compressed block', 'direct weights',
      'fse table', 'fse weights', 'huffman literals', 'predefined table', 'raw block', 'raw literals', 'repeat table',
      'rle block', 'rle literals', 'rle table', 'single segment', 'treeless literals', 'window descriptor']);
    // The CLI agrees with the corpora (so a failure below is the stub's).
    for (let i = 0; i < tasks.length; i += 9) expect(cliDecompress(compressed[i])?.equals(tasks[i].data), labels[i]).toBe(true);
    const runs = await decodeAll(compressed.map((input, i) => ({ input, capacity: tasks[i].data.length })));
    runs.forEach((run, i) => expectRunOk(run, tasks[i].data, labels[i]));
    // Without the sequence loop's match prefetches (the boot step's choice under QEMU's TCG).
    const plain = await decodeWithoutPrefetch(compressed.map((input, i) => ({ input, capacity: tasks[i].data.length })));
    plain.forEach((run, i) => expectRunOk(run, tasks[i].data, `${labels[i]} without prefetch`));
  });

  it('kbuild: `zstd -22 --ultra` on stdin; the 4-byte size trailer is refused as the CLI refuses it', async () => {
    const data = x86(200000);
    const compressed = compress(data, ['-22', '--ultra']);
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32LE(data.length);
    const withTrailer = Buffer.concat([compressed, trailer]);
    expect(cliDecompress(withTrailer)).toBeNull();
    const [plain, trailed] = await decodeAll([{ input: compressed, capacity: data.length }, { input: withTrailer, capacity: data.length }]);
    expectRunOk(plain, data, 'kbuild');
    expect([trailed.status, trailed.reason, trailed.inputOffset]).toEqual([EFI_COMPROMISED_DATA, R.ZSTD_REASON_BAD_MAGIC,
      compressed.length]);
  });

  it('concatenated frames and skippable frames decode as `zstd -dc` decodes them', async () => {
    const a = text(5000, 11);
    const b = pseudoRandom(3000, 12);
    const c = Buffer.alloc(200000, 7);
    const skippable = (nibble: number, payload: Buffer): Buffer => {
      const header = Buffer.alloc(8);
      header.writeUInt32LE(0x184d2a50 + nibble, 0);
      header.writeUInt32LE(payload.length, 4);
      return Buffer.concat([header, payload]);
    };
    const cases: Buffer[] = [
      Buffer.concat([compress(a, ['-3']), compress(b, ['-19']), compress(c, ['--no-check'])]),
      Buffer.concat([skippable(0, Buffer.from('skip me')), compress(a, ['-1'])]),
      Buffer.concat([compress(a, ['-1']), skippable(15, Buffer.alloc(0)), compress(b, ['-1']), skippable(7, pseudoRandom(100, 3))]),
      Buffer.concat([skippable(3, Buffer.from([1, 2, 3]))]),
      Buffer.concat([compress(Buffer.alloc(0), ['-1']), compress(Buffer.alloc(0), ['-1'])]),
    ];
    const expected = cases.map((input) => cliDecompress(input));
    expected.forEach((out, i) => expect(out, `CLI case ${i}`).not.toBeNull());
    const runs = await decodeAll(cases.map((input, i) => ({ input, capacity: expected[i]!.length })));
    runs.forEach((run, i) => expectRunOk(run, expected[i]!, `case ${i}`));
  });

  it('windows above 128 MiB (2^30, 2^31): zstd -d needs --memory for them, the stub\'s window is its output', async () => {
    const data = x86(100000);
    const inputs = [compress(data, ['--long=30']), compress(data, ['--long=31', '--zstd=wlog=31'])];
    for (const input of inputs) {
      expect(cliDecompress(input)).toBeNull();
      const r = cliDecode('zstd', input, { args: ['-dc', '-q', '--memory=2048MB'] });
      expect(r.status).toBe(0);
      expect(r.output.equals(data)).toBe(true);
    }
    const runs = await decodeAll(inputs.map((input) => ({ input, capacity: data.length })));
    runs.forEach((run, i) => expectRunOk(run, data, `window ${i}`));
  });

  it('output capacity: exact fits, one byte less fails with EFI_BUFFER_TOO_SMALL', async () => {
    const data = text(150000, 21);
    const streamed = compress(data, ['-19']);
    const sized = compressFile(data, ['-19']);
    const runs = await decodeAll([
      { input: streamed, capacity: data.length }, { input: streamed, capacity: data.length - 1 },
      { input: sized, capacity: data.length - 1 }, { input: compress(Buffer.alloc(5000, 1), ['-1']), capacity: 4999 },
    ]);
    expectRunOk(runs[0], data, 'exact');
    expect([runs[1].status, runs[1].reason]).toEqual([EFI_BUFFER_TOO_SMALL, R.ZSTD_REASON_OUTPUT_TOO_SMALL]);
    expect([runs[2].status, runs[2].reason]).toEqual([EFI_BUFFER_TOO_SMALL, R.ZSTD_REASON_CONTENT_SIZE_TOO_LARGE]);
    expect(runs[3].status).toBe(EFI_BUFFER_TOO_SMALL);
  });
});

// ---------------------------------------------------------------------------------------------
// Frames built field by field

const MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
/** Frame header: no content size, no checksum, window 2^17 (Block_Maximum_Size 128 KiB). */
const HEADER = [...MAGIC, 0x00, 7 << 3];
/** Frame header with a 1 KiB window (Block_Maximum_Size 1 KiB). */
const HEADER_1K = [...MAGIC, 0x00, 0x00];

function block(type: number, size: number, content: number[], last = true): number[] {
  const header = (size << 3) | (type << 1) | (last ? 1 : 0);
  return [header & 255, (header >> 8) & 255, header >> 16, ...content];
}
const compressedBlock = (content: number[], last = true): number[] => block(2, content.length, content, last);
/** Raw literals section (fewer than 32 bytes: 1-byte header). */
const rawLiterals = (bytes: number[]): number[] => [bytes.length << 3, ...bytes];
const ABCD = rawLiterals([0x61, 0x62, 0x63, 0x64]);
/** One sequence with RLE tables for all three codes (modes byte 0x54), then the bitstream. */
const rleSequence = (ll: number, of: number, ml: number, stream: number[]): number[] => [1, 0x54, ll, of, ml, ...stream];
/** Compressed literals header, Size_Format 0 (one stream) or 1 (four streams): 10-bit sizes. */
function huffmanLiteralsHeader(type: number, fourStreams: boolean, regenerated: number, compressedSize: number): number[] {
  return [((regenerated & 15) << 4) | (fourStreams ? 4 : 0) | type, (regenerated >> 4) | ((compressedSize & 3) << 6),
    compressedSize >> 2];
}
/** Direct Huffman weights 1, 1 (then 2 implied): three symbols. */
const TREE = [0x81, 0x11];

interface Vector { name: string; bytes: number[]; status: number; reason: number; capacity?: number; cliAccepts?: boolean }

function checksummedFrame(): number[] {
  return [...compressFile(text(3000, 31), ['-19'])];
}

const rawBlock2000 = Array.from(pseudoRandom(2000, 41));
const literals200000 = [(200000 & 15) << 4 | 0x0c, (200000 >> 4) & 255, 200000 >> 12];

const malformed: Vector[] = [
  { name: 'no frame in input', bytes: [], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_INPUT_EMPTY },
  { name: 'truncated frame header (magic)', bytes: [0x28, 0xb5, 0x2f], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_FRAME_HEADER_TRUNCATED },
  { name: 'truncated frame header (content size)', bytes: [...MAGIC, 0xc0, 1, 2], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_FRAME_HEADER_TRUNCATED },
  { name: 'bad frame magic', bytes: [0x29, 0xb5, 0x2f, 0xfd, 0x00, 0x38, ...block(0, 0, [])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_BAD_MAGIC },
  { name: 'frame header reserved bit set', bytes: [...MAGIC, 0x08, 0x38, ...block(0, 0, [])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_RESERVED_BIT },
  { name: 'window too large', bytes: [...MAGIC, 0x00, 22 << 3, ...block(0, 0, [])], status: EFI_UNSUPPORTED, reason: R.ZSTD_REASON_WINDOW_TOO_LARGE },
  { name: 'dictionary not supported', bytes: [...MAGIC, 0x21, 0x05, 0x00, ...block(0, 0, [])], status: EFI_UNSUPPORTED, reason: R.ZSTD_REASON_DICTIONARY },
  { name: 'truncated skippable frame', bytes: [0x5a, 0x2a, 0x4d, 0x18, 10, 0, 0, 0, 1, 2, 3], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_SKIPPABLE_TRUNCATED },
  { name: 'truncated block header', bytes: [...HEADER, 0x01, 0x00], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_BLOCK_HEADER_TRUNCATED },
  { name: 'reserved block type', bytes: [...HEADER, ...block(3, 0, [])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_BLOCK_TYPE_RESERVED },
  { name: 'block size over maximum', bytes: [...HEADER_1K, ...block(0, 2000, rawBlock2000)], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_BLOCK_TOO_LARGE },
  { name: 'truncated block', bytes: [...HEADER, ...block(0, 10, [1, 2, 3])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_BLOCK_TRUNCATED },
  { name: 'truncated content checksum', bytes: checksummedFrame().slice(0, -2), status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_CHECKSUM_TRUNCATED },
  { name: 'content checksum mismatch', bytes: checksummedFrame().map((b, i, all) => (i === all.length - 1 ? b ^ 0x10 : b)), status: EFI_CRC_ERROR, reason: R.ZSTD_REASON_CHECKSUM_MISMATCH },
  { name: 'frame content size mismatch', bytes: [...MAGIC, 0x20, 5, ...block(0, 4, [1, 2, 3, 4])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_CONTENT_SIZE_MISMATCH },
  { name: 'output buffer too small (raw block)', bytes: [...HEADER, ...block(0, 10, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])], capacity: 9, status: EFI_BUFFER_TOO_SMALL, reason: R.ZSTD_REASON_OUTPUT_TOO_SMALL, cliAccepts: true },
  { name: 'output buffer too small (rle block)', bytes: [...HEADER, ...block(1, 10, [7])], capacity: 9, status: EFI_BUFFER_TOO_SMALL, reason: R.ZSTD_REASON_OUTPUT_TOO_SMALL, cliAccepts: true },
  { name: 'frame content size over output capacity', bytes: [...MAGIC, 0x20, 5, ...block(0, 5, [1, 2, 3, 4, 5])], capacity: 4, status: EFI_BUFFER_TOO_SMALL, reason: R.ZSTD_REASON_CONTENT_SIZE_TOO_LARGE, cliAccepts: true },
  { name: 'truncated literals header', bytes: [...HEADER, ...compressedBlock([0x0c, 0x00])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_LITERALS_HEADER_TRUNCATED },
  { name: 'literals size over block maximum', bytes: [...HEADER, ...compressedBlock([...literals200000, 0, 0])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_LITERALS_TOO_LARGE },
  { name: 'literals past end of block', bytes: [...HEADER, ...compressedBlock([10 << 3, 1, 2, 3])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_LITERALS_TRUNCATED },
  { name: 'four literal streams for fewer than 6 literals', bytes: [...HEADER, ...compressedBlock([...huffmanLiteralsHeader(2, true, 5, 12), ...TREE, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 0])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_LITERALS_FOUR_STREAMS_TOO_SMALL },
  { name: 'treeless literals without a huffman table', bytes: [...HEADER, ...compressedBlock([...huffmanLiteralsHeader(3, false, 4, 1), 0x01, 0])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_HUFFMAN_TREELESS_WITHOUT_TABLE },
  { name: 'truncated huffman tree description', bytes: [...HEADER, ...compressedBlock([...huffmanLiteralsHeader(2, false, 4, 2), 0x90, 0x11, 0])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_HUFFMAN_HEADER_TRUNCATED },
  { name: 'invalid huffman weights', bytes: [...HEADER, ...compressedBlock([...huffmanLiteralsHeader(2, false, 1, 3), 0x81, 0x22, 0x01, 0])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_HUFFMAN_WEIGHTS_INVALID },
  { name: 'huffman code longer than 11 bits', bytes: [...HEADER, ...compressedBlock([...huffmanLiteralsHeader(2, false, 1, 66), 0xff, ...new Array(64).fill(0xbb), 0x01, 0])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_HUFFMAN_TABLE_TOO_DEEP },
  { name: 'invalid literal stream sizes', bytes: [...HEADER, ...compressedBlock([...huffmanLiteralsHeader(2, true, 8, 12), ...TREE, 100, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_HUFFMAN_JUMP_TABLE },
  { name: 'bit stream without end mark (literals)', bytes: [...HEADER, ...compressedBlock([...huffmanLiteralsHeader(2, false, 1, 3), ...TREE, 0x00, 0])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_STREAM_NO_END_MARK },
  { name: 'corrupt huffman stream', bytes: [...HEADER, ...compressedBlock([...huffmanLiteralsHeader(2, false, 1, 3), ...TREE, 0x80, 0])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_HUFFMAN_STREAM_CORRUPT },
  { name: 'too many huffman weights', bytes: [...HEADER, ...compressedBlock([...huffmanLiteralsHeader(2, false, 4, 6), 0x04, 0xf0, 0x03, 0x00, 0x04, 0x01, 0])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_HUFFMAN_WEIGHT_STREAM },
  { name: 'truncated fse table description', bytes: [...HEADER, ...compressedBlock([...ABCD, 1, 0x80])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_FSE_TABLE_TRUNCATED },
  { name: 'fse accuracy log too large', bytes: [...HEADER, ...compressedBlock([...ABCD, 1, 0x80, 0x05, 0, 0, 0, 1])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_FSE_ACCURACY_TOO_LARGE },
  { name: 'corrupt fse table description', bytes: [...HEADER, ...compressedBlock([...ABCD, 1, 0x20, 0x01, ...new Array(40).fill(0), 1])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_FSE_TABLE_CORRUPT },
  { name: 'truncated sequences header', bytes: [...HEADER, ...compressedBlock([...ABCD, 0x80])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_SEQUENCES_HEADER_TRUNCATED },
  // RFC 8878 §3.1.1.3.2.1.1: "must be all-zeroes"; zstd 1.5.4 does not look at them (its encoder never sets them).
  { name: 'sequence compression modes reserved bits set', bytes: [...HEADER, ...compressedBlock([...ABCD, 1, 0x55, 4, 0, 0, 1])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_SEQUENCES_RESERVED_MODE, cliAccepts: true },
  { name: 'rle sequence symbol out of range', bytes: [...HEADER, ...compressedBlock([...ABCD, ...rleSequence(36, 0, 0, [1])])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_SEQUENCES_RLE_SYMBOL },
  { name: 'repeat mode without a previous table', bytes: [...HEADER, ...compressedBlock([...ABCD, 1, 0xfc, 1])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_SEQUENCES_REPEAT_WITHOUT_TABLE },
  { name: 'bit stream without end mark (sequences)', bytes: [...HEADER, ...compressedBlock([...ABCD, ...rleSequence(4, 0, 0, [0])])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_STREAM_NO_END_MARK },
  { name: 'corrupt sequences bit stream', bytes: [...HEADER, ...compressedBlock([...ABCD, ...rleSequence(4, 0, 0, [2])])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_SEQUENCES_STREAM_CORRUPT },
  { name: 'sequence literals past end of literals', bytes: [...HEADER, ...compressedBlock([...ABCD, ...rleSequence(10, 0, 0, [1])])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_SEQUENCES_LITERALS_OVERRUN },
  { name: 'block output over maximum', bytes: [...HEADER_1K, ...compressedBlock([...ABCD, ...rleSequence(4, 2, 52, [0, 0, 4])])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_BLOCK_OUTPUT_TOO_LARGE },
  { name: 'output buffer too small (sequences)', bytes: [...HEADER, ...compressedBlock([...ABCD, ...rleSequence(4, 0, 0, [1])])], capacity: 6, status: EFI_BUFFER_TOO_SMALL, reason: R.ZSTD_REASON_OUTPUT_TOO_SMALL, cliAccepts: true },
  // Two sequences, the second failing too: the first one's reason is the one reported (sequences
  // are decoded a batch at a time, then checked and executed).
  { name: 'sequence literals past end of literals (the first of two; the second over-reads the stream)', bytes: [...HEADER, ...compressedBlock([...ABCD, 2, 0x54, 5, 5, 0, 0x80])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_SEQUENCES_LITERALS_OVERRUN },
  { name: 'offset beyond output start (the first of two sequences; the second is past the output)', bytes: [...HEADER, ...compressedBlock([...ABCD, 2, 0x54, 2, 5, 0, 0x00, 0x04])], capacity: 6, status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_OFFSET_TOO_FAR },
  { name: 'repeat offset of zero', bytes: [...HEADER, ...compressedBlock([...rawLiterals([]), ...rleSequence(0, 1, 0, [3])])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_OFFSET_ZERO },
  { name: 'offset beyond output start', bytes: [...HEADER, ...compressedBlock([...ABCD, ...rleSequence(4, 5, 0, [0x20])])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_OFFSET_TOO_FAR },
  { name: 'offset beyond output start (previous frame)', bytes: [...MAGIC, 0x00, 0x38, ...block(0, 4, [1, 2, 3, 4]), ...HEADER, ...compressedBlock([...rawLiterals([]), ...rleSequence(0, 0, 0, [1])])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_OFFSET_TOO_FAR },
  { name: 'offset code too large', bytes: [...HEADER, ...compressedBlock([...ABCD, ...rleSequence(4, 31, 0, [1])])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_OFFSET_CODE_TOO_LARGE },
  { name: 'bytes after an empty sequences section', bytes: [...HEADER, ...compressedBlock([...ABCD, 0, 0])], status: EFI_COMPROMISED_DATA, reason: R.ZSTD_REASON_SEQUENCES_TRAILING_BYTES },
];

/** Valid frames the encoder rarely or never writes, with what they decode to. */
const wellFormed: { name: string; bytes: number[]; output: number[] }[] = [
  { name: 'RLE tables, repeat offset 1 after 4 literals', bytes: [...HEADER, ...compressedBlock([...ABCD, ...rleSequence(4, 0, 0, [1])])], output: [0x61, 0x62, 0x63, 0x64, 0x64, 0x64, 0x64] },
  { name: 'literal length 0: offset value 1 is Repeated_Offset2 (4)', bytes: [...HEADER, ...block(0, 4, [1, 2, 3, 4], false), ...compressedBlock([...rawLiterals([]), ...rleSequence(0, 0, 1, [1])])], output: [1, 2, 3, 4, 1, 2, 3, 4] },
  { name: 'literal length 0: offset value 3 is Repeated_Offset1 - 1', bytes: [...HEADER, ...block(0, 4, [1, 2, 3, 4], false), ...compressedBlock([...rawLiterals([9]), ...rleSequence(1, 3, 0, [0x08])], false), ...compressedBlock([...rawLiterals([]), ...rleSequence(0, 1, 0, [0x03])])], output: [1, 2, 3, 4, 9, 1, 2, 3, 9, 1, 2] },
  { name: 'Dictionary_ID present but 0', bytes: [...MAGIC, 0x21, 0x00, 0x03, ...block(0, 3, [1, 2, 3])], output: [1, 2, 3] },
  { name: 'Frame_Content_Size 2 bytes (+256) and 8 bytes', bytes: [...MAGIC, 0x60, 0x00, 0x00, ...block(1, 256, [5]), ...MAGIC, 0xe0, 2, 0, 0, 0, 0, 0, 0, 0, ...block(0, 2, [6, 7])], output: [...new Array(256).fill(5), 6, 7] },
  { name: 'empty raw and RLE blocks', bytes: [...HEADER, ...block(0, 0, [], false), ...block(1, 0, [9], false), ...block(0, 1, [8])], output: [8] },
  // The reference's streaming decoder (what `zstd -d` runs) skips a block of size 0 of any type.
  { name: 'empty compressed block', bytes: [...HEADER, ...block(0, 1, [8], false), ...compressedBlock([])], output: [8] },
];

describe('zstd: frames built field by field', () => {
  it('valid frames decode as `zstd -dc` decodes them', async () => {
    for (const v of wellFormed) expect([...(cliDecompress(Uint8Array.from(v.bytes)) ?? [])], v.name).toEqual(v.output);
    const runs = await decodeAll(wellFormed.map((v) => ({ input: Uint8Array.from(v.bytes), capacity: v.output.length })));
    runs.forEach((run, i) => expectRunOk(run, Uint8Array.from(wellFormed[i].output), wellFormed[i].name));
  });

  it('each malformation ends in its own reason code and status, and `zstd -dc` refuses it too', async () => {
    const covered = new Set(malformed.map((v) => v.reason));
    const all = Object.entries(R).filter(([name]) => name.startsWith('ZSTD_REASON_')).map(([, value]) => value);
    expect(all.filter((reason) => !covered.has(reason as number))).toEqual([]);
    const jobs = malformed.map((v) => ({ input: Uint8Array.from(v.bytes), capacity: v.capacity ?? 1 << 20 }));
    const runs = [...await decodeAll(jobs), ...await decodeWithoutPrefetch(jobs)];
    runs.forEach((run, k) => {
      const v = malformed[k % malformed.length];
      const name = k < malformed.length ? v.name : `${v.name} (without prefetch)`;
      expect(run.timedOut, name).toBe(false);
      expect({ status: run.status, reason: run.reason, text: zstdReasonText(run.reason) }, name)
        .toEqual({ status: v.status, reason: v.reason, text: v.name.replace(/ \(.*\)$/, '') });
    });
    const cliDisagrees = malformed.filter((v) => (cliDecompress(Uint8Array.from(v.bytes)) !== null) !== (v.cliAccepts ?? false));
    expect(cliDisagrees.map((v) => v.name)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Truncation and mutation

describe('zstd: hostile input', () => {
  it('every prefix of small valid files ends in an error', async () => {
    const files = [
      compress(text(2000, 51), ['-19']),
      compress(x86(3000), ['-22', '--ultra']),
      compressFile(Buffer.concat([pseudoRandom(300, 52), Buffer.alloc(300, 1), text(300, 53)]), ['-3']),
    ];
    const jobs: { input: Uint8Array; capacity: number }[] = [];
    for (const file of files) for (let n = 0; n < file.length; n++) jobs.push({ input: file.subarray(0, n), capacity: 1 << 16 });
    const runs = await decodeAll(jobs);
    runs.forEach((run, i) => {
      expect(run.timedOut).toBe(false);
      expect(run.status, `prefix ${jobs[i].input.length}`).not.toBe(0);
    });
  });

  it('random mutations end in an error or the original bytes, in bounded time', async () => {
    const sources: [Buffer, Buffer][] = [];
    for (const [data, args] of [[text(20000, 61), ['-19']], [x86(20000), ['-3']], [repeats(30000, 62), ['-22', '--ultra']],
      [text(200000, 63), ['-1']], [Buffer.concat([text(5000, 64), pseudoRandom(2000, 65)]), ['--long=27']]] as [Buffer, string[]][]) {
      sources.push([data, compress(data, args)]);
    }
    const rnd = pseudoRandom(4 * 600, 66);
    const jobs: { input: Uint8Array; capacity: number }[] = [];
    const originals: Buffer[] = [];
    for (let i = 0; i < 600; i++) {
      const [data, file] = sources[i % sources.length];
      const mutated = Buffer.from(file);
      const count = 1 + (rnd[4 * i] % 3);
      for (let k = 0; k < count; k++) {
        // Bias towards the headers and tables at the start of blocks, where the structure is.
        const span = (rnd[4 * i + 1 + k] & 1) === 0 ? Math.min(mutated.length, 64) : mutated.length;
        const at = (rnd[4 * i + 1 + k] * 7919 + i * 104729) % span;
        mutated[at] ^= 1 << (rnd[4 * i + 3 - k] & 7) || 1;
      }
      jobs.push({ input: mutated, capacity: data.length + 64 });
      originals.push(data);
    }
    const runs = await decodeAll(jobs);
    let failures = 0;
    runs.forEach((run, i) => {
      expect(run.timedOut).toBe(false);
      if (run.status === 0) expect(Buffer.compare(Buffer.from(run.output), originals[i]), `mutation ${i}`).toBe(0);
      else failures++;
    });
    expect(failures).toBeGreaterThan(300);
  });

  it('no index outside the input or the output, on mutated, truncated and squeezed small files', async () => {
    const sources: [Buffer, Buffer][] = [];
    for (const data of [text(6000, 71), x86(6000), Buffer.concat([text(2000, 72), pseudoRandom(500, 73), Buffer.alloc(800, 1)])]) {
      for (const args of [['-1'], ['-19'], ['--no-check', '--zstd=wlog=10']]) sources.push([data, compress(data, args)]);
    }
    sources.push([x86(6000), compress(x86(6000), ['-22', '--ultra'])]);
    const rnd = pseudoRandom(5 * 1000, 74);
    const jobs: { input: Uint8Array; capacity: number }[] = [];
    for (let i = 0; i < 1000; i++) {
      const [data, file] = sources[i % sources.length];
      const mutated = Buffer.from(file);
      for (let k = 0; k <= rnd[5 * i] % 4; k++) {
        const span = (rnd[5 * i + k] & 1) !== 0 ? Math.min(40, mutated.length) : mutated.length;
        mutated[((rnd[5 * i + k + 1] << 8) | rnd[5 * i + k + 2]) % span] ^= 1 << (rnd[5 * i + 4 - k] & 7);
      }
      const cut = rnd[5 * i + 3] % 10 === 0 ? (rnd[5 * i + 2] * 7) % mutated.length : mutated.length;
      const capacity = rnd[5 * i + 1] % 7 === 0 ? (rnd[5 * i + 4] * 31) % (data.length + 1) : data.length + 10;
      jobs.push({ input: mutated.subarray(0, cut), capacity });
    }
    const runs = await runDecoderBatch('../../test/fixtures/decompress/zstd/guarded-decode', 'guardedZstdDecode', jobs, TIMEOUT);
    const outOfRange = runs.filter((run) => run.timedOut || run.status === GUARD_OUT_OF_RANGE)
      .map((run) => `${run.reason} accesses, first at ${run.inputOffset}`);
    expect(outOfRange).toEqual([]);
  });
});

