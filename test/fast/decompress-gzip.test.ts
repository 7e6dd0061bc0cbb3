/**
 * gzip decoder (stub-src/decompress/gzip.ts around inflate.ts), run as TypeScript in a worker
 * with a timeout (test/support/run-decoder.ts).
 *
 * Properties:
 * - valid files: the output equals the input and what `gzip -dc` (gzip 1.12, the reference CLI)
 *   writes, for generated corpora × gzip levels (kbuild's `gzip -n -f -9` included) and Node's
 *   zlib (a second, independent encoder) with every strategy, so stored, fixed and dynamic
 *   blocks all occur; header fields and multi-member files as gzip reads them;
 * - malformed vectors (own bit-level constructions of the ideas in zlib's inflate coverage
 *   tests) end in the exact status and reason, and zlib (Node) reports the matching message;
 * - every proper prefix of a small single-member file fails as truncated, never hangs;
 * - random mutations end in an error or in the output the references agree on;
 * - every access stays in bounds (an instrumented copy of the source checks each index).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { runDecoderBatch, type DecodeRun } from '../support/run-decoder.ts';
import {
  EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_CRC_ERROR, EFI_INVALID_PARAMETER, EFI_UNSUPPORTED,
} from '../../stub-src/efi/status.ts';
import * as gz from '../../stub-src/decompress/gzip.ts';
import { pseudoRandom, xorshift32, zeroLedBlocks } from '../support/corpus.ts';

const TIMEOUT = 60_000;

// ---------------------------------------------------------------------------------------------
// References

/** gzip's output, as a plain Uint8Array (a Buffer's slice() is a view, not a copy). */
function gzipCli(data: Uint8Array, args: string[]): Uint8Array {
  const run = spawnSync('gzip', [...args, '-c'], { input: data, maxBuffer: 1 << 28 });
  if (run.error || run.status !== 0) throw new Error(`gzip ${args.join(' ')} failed: ${run.error ?? run.stderr}`);
  return Uint8Array.from(run.stdout);
}

/** `gzip -dc`: exit status 0 (ok), 1 (error) or 2 (ok with a warning, e.g. trailing garbage). */
function gunzipCli(file: Uint8Array): { status: number; stdout: Buffer; stderr: string } {
  const run = spawnSync('gzip', ['-dc'], { input: file, maxBuffer: 1 << 28 });
  if (run.error) throw run.error;
  return { status: run.status ?? -1, stdout: run.stdout, stderr: run.stderr.toString() };
}

function zlibMessage(decode: () => unknown): string {
  try {
    decode();
  } catch (error) {
    return (error as Error).message;
  }
  return 'ok';
}

// ---------------------------------------------------------------------------------------------
// Corpora (deterministic: test/support/corpus.ts's xorshift generator)

const prng = xorshift32;

function randomBytes(length: number, seed: number): Uint8Array {
  return new Uint8Array(pseudoRandom(length, seed));
}

function text(length: number, seed: number): Uint8Array {
  const words = ['the', 'kernel', 'stub', 'decompresses', 'payload', 'boot', 'memory', 'map', 'of', 'and',
    'a', 'firmware', 'page', 'table', 'relocation', 'entry', 'x86_64', 'linux', 'efi', 'gzip'];
  const next = prng(seed);
  let s = '';
  while (s.length < length) s += words[next() % words.length] + ((next() & 15) === 0 ? '.\n' : ' ');
  return new TextEncoder().encode(s.slice(0, length));
}

/** Runs and literals mixed: long matches at every distance class, RLE. */
function repetitive(length: number, seed: number): Uint8Array {
  const next = prng(seed);
  const out = new Uint8Array(length);
  let i = 0;
  while (i < length) {
    const kind = next() & 3;
    if (kind === 0 || i < 300) {
      const run = 1 + (next() % 600);
      const value = next() & 255;
      for (let k = 0; k < run && i < length; k++) out[i++] = value;
    } else {
      const distance = 1 + (next() % Math.min(i, 32768));
      const run = 3 + (next() % 1000);
      for (let k = 0; k < run && i < length; k++, i++) out[i] = out[i - distance];
    }
  }
  return out;
}

function machineCode(length: number): Uint8Array {
  const bytes = readFileSync('/usr/bin/gzip');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = bytes[i % bytes.length];
  return out;
}

interface Case { name: string; data: Uint8Array }

function corpora(): Case[] {
  const cases: Case[] = [
    { name: 'empty', data: new Uint8Array(0) },
    { name: 'one byte', data: new Uint8Array([0x5a]) },
    { name: 'two bytes', data: new Uint8Array([0, 255]) },
    { name: 'random 100k', data: randomBytes(100_000, 1) },
    { name: 'zeros 300k', data: new Uint8Array(300_000) },
    { name: 'repetitive 200k', data: repetitive(200_000, 2) },
    { name: 'text 150k', data: text(150_000, 3) },
    { name: 'x86 code (/usr/bin/gzip)', data: new Uint8Array(readFileSync('/usr/bin/gzip')) },
    { name: 'zero-led 128-byte blocks', data: new Uint8Array(zeroLedBlocks()) },
  ];
  // Window (32 KiB), stored block (65535) and match length (258) boundaries.
  for (const size of [257, 258, 259, 32767, 32768, 32769, 65535, 65536, 65537]) {
    cases.push({ name: `random ${size}`, data: randomBytes(size, size) });
    cases.push({ name: `text ${size}`, data: text(size, size) });
  }
  cases.push({ name: 'machine code 70000', data: machineCode(70_000) });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Building vectors: a bit writer (RFC 1951 §3.1.1: fields LSB first, Huffman codes MSB first)

class BitWriter {
  private bytes: number[] = [];
  private accumulator = 0;
  private count = 0;
  bits(value: number, count: number): this {
    for (let i = 0; i < count; i++) this.push((value >>> i) & 1);
    return this;
  }
  code(code: number, length: number): this {
    for (let i = length - 1; i >= 0; i--) this.push((code >>> i) & 1);
    return this;
  }
  /** A symbol of the fixed literal/length code (RFC 1951 §3.2.6). */
  fixed(symbol: number): this {
    if (symbol < 144) return this.code(0x30 + symbol, 8);
    if (symbol < 256) return this.code(0x190 + symbol - 144, 9);
    if (symbol < 280) return this.code(symbol - 256, 7);
    return this.code(0xc0 + symbol - 280, 8);
  }
  align(): this {
    while (this.count !== 0) this.push(0);
    return this;
  }
  raw(bytes: number[]): this {
    this.align();
    this.bytes.push(...bytes);
    return this;
  }
  finish(): Uint8Array {
    this.align();
    return Uint8Array.from(this.bytes);
  }
  private push(bit: number): void {
    this.accumulator |= bit << this.count;
    if (++this.count === 8) {
      this.bytes.push(this.accumulator);
      this.accumulator = 0;
      this.count = 0;
    }
  }
}

function crc32(data: Uint8Array): number {
  return zlib.crc32 ? zlib.crc32(data) : zlib.gzipSync(data).readUInt32LE(zlib.gzipSync(data).length - 8);
}

function header(flags = 0, extra: number[] = []): number[] {
  return [0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3, ...extra];
}

function trailer(data: Uint8Array): number[] {
  const crc = crc32(data);
  const length = data.length;
  return [crc & 255, (crc >>> 8) & 255, (crc >>> 16) & 255, crc >>> 24,
    length & 255, (length >>> 8) & 255, (length >>> 16) & 255, length >>> 24];
}

/** A gzip member around raw DEFLATE data, with the trailer of `plain`. */
function member(raw: Uint8Array, plain: Uint8Array, head: number[] = header()): Uint8Array {
  return Uint8Array.from([...head, ...raw, ...trailer(plain)]);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/**
 * Dynamic block header whose code length code is {0: 2, 1: 2, 2: 2, 3: 3, 18: 3} (codes 00, 01,
 * 10, 110, 111), sent as HCLEN 18 entries in the RFC's order. `lengths` (each 0..3) are sent one
 * by one, except runs of 11 or more zeros, which use symbol 18.
 */
function dynamicBlock(writer: BitWriter, literalCount: number, distanceCount: number, lengths: number[]): BitWriter {
  writer.bits(1, 1).bits(2, 2).bits(literalCount - 257, 5).bits(distanceCount - 1, 5).bits(18 - 4, 4);
  const order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1];
  const codeLength: Record<number, number> = { 0: 2, 1: 2, 2: 2, 3: 3, 18: 3 };
  const code: Record<number, number> = { 0: 0, 1: 1, 2: 2, 3: 6, 18: 7 };
  for (const symbol of order) writer.bits(codeLength[symbol] ?? 0, 3);
  for (let i = 0; i < lengths.length;) {
    let run = 0;
    while (i + run < lengths.length && lengths[i + run] === 0 && run < 138) run++;
    if (run >= 11) {
      writer.code(code[18], 3).bits(run - 11, 7);
      i += run;
    } else {
      writer.code(code[lengths[i]], codeLength[lengths[i]]);
      i++;
    }
  }
  return writer;
}

/** Lengths for a literal/length + distance code set: `set` maps symbol → length. */
function lengthsOf(literalCount: number, distanceCount: number, literal: Record<number, number>,
  distance: Record<number, number>): number[] {
  const lengths = new Array(literalCount + distanceCount).fill(0);
  for (const [symbol, length] of Object.entries(literal)) lengths[Number(symbol)] = length;
  for (const [symbol, length] of Object.entries(distance)) lengths[literalCount + Number(symbol)] = length;
  return lengths;
}

// ---------------------------------------------------------------------------------------------

beforeAll(() => {
  // The reference must be there: a missing gzip fails the suite (scripts/install-deps.sh).
  const version = spawnSync('gzip', ['--version']);
  if (version.error || version.status !== 0) throw new Error('gzip (the reference CLI) is not installed');
});

async function decodeAll(inputs: { input: Uint8Array; capacity: number }[]): Promise<DecodeRun[]> {
  const runs = await runDecoderBatch('gzip', 'gzipDecode', inputs, TIMEOUT);
  for (const run of runs) expect(run.timedOut, 'decoder timed out').toBe(false);
  return runs;
}

function expectEqualBytes(actual: Uint8Array, expected: Uint8Array, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const same = Buffer.compare(Buffer.from(actual), Buffer.from(expected)) === 0;
  if (!same) {
    let i = 0;
    while (actual[i] === expected[i]) i++;
    expect.fail(`${label}: first difference at byte ${i}`);
  }
}

describe('gzipDecode on valid files', () => {
  it('decodes generated corpora compressed by gzip (levels 1, 6, 9, kbuild) and Node zlib (all strategies)', async () => {
    const jobs: { name: string; data: Uint8Array; file: Uint8Array }[] = [];
    for (const { name, data } of corpora()) {
      // kbuild (linux-6.1 scripts/Makefile.lib cmd_gzip): gzip -n -f -9
      jobs.push({ name: `${name} / gzip -n -f -9 (kbuild)`, data, file: gzipCli(data, ['-n', '-f', '-9']) });
      jobs.push({ name: `${name} / gzip -1`, data, file: gzipCli(data, ['-1']) });
      jobs.push({ name: `${name} / gzip -6`, data, file: gzipCli(data, ['-6']) });
      const strategies: [string, zlib.ZlibOptions][] = [
        ['zlib level 0 (stored)', { level: 0 }],
        ['zlib fixed', { strategy: zlib.constants.Z_FIXED }],
        ['zlib huffman only', { strategy: zlib.constants.Z_HUFFMAN_ONLY }],
        ['zlib rle', { strategy: zlib.constants.Z_RLE }],
        ['zlib level 9 memLevel 1 windowBits 9', { level: 9, memLevel: 1, windowBits: 9 }],
      ];
      for (const [label, options] of strategies) {
        jobs.push({ name: `${name} / ${label}`, data, file: zlib.gzipSync(data, options) });
      }
    }
    const runs = await decodeAll(jobs.map((job) => ({ input: job.file, capacity: job.data.length })));
    jobs.forEach((job, i) => {
      expect(runs[i].status, `${job.name}: status (reason ${runs[i].reason})`).toBe(0);
      expectEqualBytes(runs[i].output, job.data, job.name);
    });
    // The reference agrees on a sample (every 7th file; the CLI's output is the definition).
    for (let i = 0; i < jobs.length; i += 7) {
      const reference = gunzipCli(jobs[i].file);
      expect(reference.status, jobs[i].name).toBe(0);
      expectEqualBytes(runs[i].output, reference.stdout, `${jobs[i].name} vs gzip -dc`);
    }
    console.log(`gzip valid corpora: ${jobs.length} files decoded`);
  });

  it('reads every header field: FTEXT, FHCRC, FEXTRA, FNAME, FCOMMENT, and the old 1f 9e magic', async () => {
    const data = text(5000, 9);
    const raw = zlib.deflateRawSync(data);
    const crc16 = (bytes: number[]): number[] => {
      const c = crc32(Uint8Array.from(bytes));
      return [c & 255, (c >>> 8) & 255];
    };
    const name = [...new TextEncoder().encode('vmlinux.bin'), 0];
    const comment = [...new TextEncoder().encode('a comment'), 0];
    const all = header(0x1f, [6, 0, 0x41, 0x70, 2, 0, 1, 2, ...name, ...comment]);
    const files: [string, Uint8Array][] = [
      ['FTEXT', member(raw, data, header(0x01))],
      ['FHCRC', member(raw, data, [...header(0x02), ...crc16(header(0x02))])],
      ['FEXTRA', member(raw, data, header(0x04, [4, 0, 1, 2, 3, 4]))],
      ['FEXTRA empty', member(raw, data, header(0x04, [0, 0]))],
      ['FNAME', member(raw, data, header(0x08, name))],
      ['FCOMMENT', member(raw, data, header(0x10, comment))],
      ['all flags', member(raw, data, [...all, ...crc16(all)])],
      ['gzip without -n (FNAME from gzip)', gzipCli(data, ['-9'])],
      ['magic 1f 9e (pre-1.0 gzip)', (() => { const f = member(raw, data); f[1] = 0x9e; return f; })()],
    ];
    const runs = await decodeAll(files.map(([, file]) => ({ input: file, capacity: data.length })));
    files.forEach(([label, file], i) => {
      expect(runs[i].status, `${label}: reason ${runs[i].reason}`).toBe(0);
      expectEqualBytes(runs[i].output, data, label);
      const reference = gunzipCli(file);
      expect(reference.status, `${label}: gzip -dc ${reference.stderr}`).toBe(0);
      expectEqualBytes(runs[i].output, reference.stdout, `${label} vs gzip -dc`);
    });
  });

  it('follows gzip -dc after a member: more members, zero padding, garbage, a lone byte, other formats', async () => {
    const a = text(3000, 11);
    const b = randomBytes(2000, 12);
    const fileA = gzipCli(a, ['-9']);
    const fileB = gzipCli(b, ['-1']);
    const empty = gzipCli(new Uint8Array(0), ['-9']);
    const ab = concat(a, b);
    // [label, file, expected output or null for an error, expected gzip exit status]
    const cases: [string, Uint8Array, Uint8Array | null, number][] = [
      ['two members', concat(fileA, fileB), ab, 0],
      ['three members with an empty one', concat(fileA, empty, fileB), ab, 0],
      ['empty member only', empty, new Uint8Array(0), 0],
      ['one zero byte of padding', concat(fileA, new Uint8Array(1)), a, 0],
      ['512 zero bytes of padding', concat(fileA, new Uint8Array(512)), a, 0],
      ['padding between members ends the file (gzip: trailing garbage)', concat(fileA, new Uint8Array(4), fileB), a, 2],
      ['trailing garbage "AB"', concat(fileA, Uint8Array.from([0x41, 0x42])), a, 2],
      ['trailing kbuild-style size word', concat(fileA, Uint8Array.from([0xb8, 0x0b, 0, 0])), a, 2],
      ['zeros then garbage', concat(fileA, Uint8Array.from([0, 0, 0x41])), a, 2],
      ['one trailing non-zero byte', concat(fileA, Uint8Array.from([0x41])), null, 1],
      ['trailing 1f', concat(fileA, Uint8Array.from([0x1f])), null, 1],
      ['trailing 1f 8b (truncated member)', concat(fileA, Uint8Array.from([0x1f, 0x8b])), null, 1],
      ['second member corrupt', concat(fileA, fileB.subarray(0, fileB.length - 1)), null, 1],
      ['trailing pack-format magic 1f 1e', concat(fileA, Uint8Array.from([0x1f, 0x1e, 0, 0])), null, 1],
    ];
    const runs = await decodeAll(cases.map(([, file, expected]) => ({ input: file, capacity: (expected ?? ab).length + 16 })));
    cases.forEach(([label, file, expected, cliStatus], i) => {
      const reference = gunzipCli(file);
      expect(reference.status, `${label}: gzip -dc exit status (${reference.stderr})`).toBe(cliStatus);
      if (expected === null) {
        expect(runs[i].status, label).not.toBe(0);
      } else {
        expect(runs[i].status, `${label}: reason ${runs[i].reason}`).toBe(0);
        expectEqualBytes(runs[i].output, expected, label);
        expectEqualBytes(runs[i].output, reference.stdout, `${label} vs gzip -dc`);
      }
    });
    expect(runs[cases.findIndex((c) => c[0] === 'one trailing non-zero byte')].reason).toBe(gz.GZIP_REASON_TRAILING_BYTE);
    const other = runs[cases.findIndex((c) => c[0].startsWith('trailing pack'))];
    expect([other.status, other.reason]).toEqual([EFI_UNSUPPORTED, gz.GZIP_REASON_TRAILING_OTHER_FORMAT]);
  });

  it('accepts the edge cases zlib accepts: a lone 1-bit code, no distance codes, empty stored and fixed blocks', async () => {
    const literals = new TextEncoder().encode('abc');
    const cases: [string, Uint8Array, Uint8Array][] = [
      // Literal/length code with only end-of-block (one 1-bit code); one distance code of 0 bits.
      ['lone end-of-block code', dynamicBlock(new BitWriter(), 257, 1, lengthsOf(257, 1, { 256: 1 }, {})).code(0, 1).finish(),
        new Uint8Array(0)],
      // Literals only, the distance code empty.
      ['literals without distance codes',
        dynamicBlock(new BitWriter(), 257, 1, lengthsOf(257, 1, { 97: 2, 98: 2, 99: 2, 256: 2 }, {}))
          .code(0, 2).code(1, 2).code(2, 2).code(3, 2).finish(), literals],
      // One distance code of length 1 (incomplete, accepted), used once: "abc" then copy 3 at 3.
      ['single distance code',
        dynamicBlock(new BitWriter(), 258, 3, lengthsOf(258, 3, { 97: 2, 98: 2, 99: 2, 256: 3, 257: 3 }, { 2: 1 }))
          .code(0, 2).code(1, 2).code(2, 2).code(7, 3).code(0, 1).code(6, 3).finish(), Uint8Array.from([97, 98, 99, 97, 98, 99])],
      ['empty stored block then fixed', new BitWriter().bits(0, 1).bits(0, 2).raw([0, 0, 0xff, 0xff]).bits(1, 1).bits(1, 2)
        .fixed(97).fixed(256).finish(), Uint8Array.from([97])],
      ['empty fixed blocks', new BitWriter().bits(0, 1).bits(1, 2).fixed(256).bits(1, 1).bits(1, 2).fixed(256).finish(),
        new Uint8Array(0)],
      ['match of 258 at distance 1', new BitWriter().bits(1, 1).bits(1, 2).fixed(120).fixed(285).code(0, 5).fixed(256).finish(),
        new Uint8Array(259).fill(120)],
    ];
    const runs = await decodeAll(cases.map(([, raw, plain]) => ({ input: member(raw, plain), capacity: plain.length })));
    cases.forEach(([label, raw, plain], i) => {
      expect(zlibMessage(() => zlib.inflateRawSync(raw)), `${label}: zlib`).toBe('ok');
      expectEqualBytes(new Uint8Array(zlib.inflateRawSync(raw)), plain, `${label}: zlib output`);
      expect(runs[i].status, `${label}: reason ${runs[i].reason}`).toBe(0);
      expectEqualBytes(runs[i].output, plain, label);
    });
  });
});

describe('gzipDecode on malformed input', () => {
  it('reports each DEFLATE error with its reason, where zlib reports the same message', async () => {
    const fixedStart = (): BitWriter => new BitWriter().bits(1, 1).bits(1, 2);
    // [reason, zlib's message, raw DEFLATE]
    const vectors: [number, string, Uint8Array][] = [
      [gz.GZIP_REASON_INVALID_BLOCK_TYPE, 'invalid block type', new BitWriter().bits(1, 1).bits(3, 2).finish()],
      [gz.GZIP_REASON_INVALID_BLOCK_TYPE, 'invalid block type', new BitWriter().bits(0, 1).bits(1, 2).fixed(256).bits(1, 1).bits(3, 2).finish()],
      [gz.GZIP_REASON_STORED_LENGTH_MISMATCH, 'invalid stored block lengths', new BitWriter().bits(1, 1).bits(0, 2).raw([1, 0, 0, 0, 0x41]).finish()],
      [gz.GZIP_REASON_STORED_LENGTH_MISMATCH, 'invalid stored block lengths', new BitWriter().bits(1, 1).bits(0, 2).raw([0, 0, 0xff, 0xfe]).finish()],
      [gz.GZIP_REASON_STORED_BLOCK_TRUNCATED, 'unexpected end of file', new BitWriter().bits(1, 1).bits(0, 2).raw([5, 0, 0xfa, 0xff, 1, 2]).finish()],
      // HLIT 30 → 287 literal/length codes; HDIST 30 → 31 distance codes.
      [gz.GZIP_REASON_TOO_MANY_SYMBOLS, 'too many length or distance symbols', new BitWriter().bits(1, 1).bits(2, 2).bits(30, 5).bits(0, 5).bits(0, 4).bits(0, 16).finish()],
      [gz.GZIP_REASON_TOO_MANY_SYMBOLS, 'too many length or distance symbols', new BitWriter().bits(1, 1).bits(2, 2).bits(0, 5).bits(30, 5).bits(0, 4).bits(0, 16).finish()],
      // Code length code: 16, 17, 18, 0 all of length 1 (four 1-bit codes).
      [gz.GZIP_REASON_CODE_LENGTHS_OVERSUBSCRIBED, 'invalid code lengths set', new BitWriter().bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4)
        .bits(1, 3).bits(1, 3).bits(1, 3).bits(1, 3).bits(0, 16).finish()],
      // Code length code: only symbol 0, length 1 (zlib refuses an incomplete code length code).
      [gz.GZIP_REASON_CODE_LENGTHS_INCOMPLETE, 'invalid code lengths set', new BitWriter().bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4)
        .bits(0, 3).bits(0, 3).bits(0, 3).bits(1, 3).bits(0, 16).finish()],
      // Code length code: 18 and 0 at length 3 each (a quarter of the code space).
      [gz.GZIP_REASON_CODE_LENGTHS_INCOMPLETE, 'invalid code lengths set', new BitWriter().bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4)
        .bits(0, 3).bits(0, 3).bits(3, 3).bits(3, 3).bits(0, 16).finish()],
      // Code length code {16: 1, 0: 1}; the first length sent is 16 (repeat the previous).
      [gz.GZIP_REASON_REPEAT_WITHOUT_PREVIOUS, 'invalid bit length repeat', new BitWriter().bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4)
        .bits(1, 3).bits(0, 3).bits(0, 3).bits(1, 3).code(1, 1).bits(0, 2).bits(0, 16).finish()],
      // Code length code {18: 1, 0: 1}; 138 + 138 zeros for 258 lengths.
      [gz.GZIP_REASON_REPEAT_TOO_LONG, 'invalid bit length repeat', new BitWriter().bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4)
        .bits(0, 3).bits(0, 3).bits(1, 3).bits(1, 3).code(1, 1).bits(127, 7).code(1, 1).bits(127, 7).bits(0, 16).finish()],
      // 138 + 120 zeros: every length 0, so no end-of-block code.
      [gz.GZIP_REASON_MISSING_END_OF_BLOCK, 'invalid code -- missing end-of-block', new BitWriter().bits(1, 1).bits(2, 2).bits(0, 5).bits(0, 5).bits(0, 4)
        .bits(0, 3).bits(0, 3).bits(1, 3).bits(1, 3).code(1, 1).bits(127, 7).code(1, 1).bits(109, 7).bits(0, 16).finish()],
      [gz.GZIP_REASON_LITERAL_LENGTHS_OVERSUBSCRIBED, 'invalid literal/lengths set',
        dynamicBlock(new BitWriter(), 257, 1, lengthsOf(257, 1, { 0: 1, 1: 1, 256: 1 }, {})).bits(0, 16).finish()],
      [gz.GZIP_REASON_LITERAL_LENGTHS_INCOMPLETE, 'invalid literal/lengths set',
        dynamicBlock(new BitWriter(), 257, 1, lengthsOf(257, 1, { 0: 2, 256: 2 }, {})).bits(0, 16).finish()],
      [gz.GZIP_REASON_DISTANCES_OVERSUBSCRIBED, 'invalid distances set',
        dynamicBlock(new BitWriter(), 257, 3, lengthsOf(257, 3, { 0: 1, 256: 1 }, { 0: 1, 1: 1, 2: 1 })).bits(0, 16).finish()],
      [gz.GZIP_REASON_DISTANCES_INCOMPLETE, 'invalid distances set',
        dynamicBlock(new BitWriter(), 257, 2, lengthsOf(257, 2, { 0: 1, 256: 1 }, { 0: 2, 1: 2 })).bits(0, 16).finish()],
      // Fixed code symbols 286 and 287 exist in the code but not in the alphabet.
      [gz.GZIP_REASON_INVALID_LITERAL_LENGTH_CODE, 'invalid literal/length code', fixedStart().fixed(97).fixed(286).fixed(256).finish()],
      [gz.GZIP_REASON_INVALID_LITERAL_LENGTH_CODE, 'invalid literal/length code', fixedStart().fixed(287).fixed(256).finish()],
      // A lone 1-bit end-of-block code; the other bit value decodes to nothing.
      [gz.GZIP_REASON_INVALID_LITERAL_LENGTH_CODE, 'invalid literal/length code',
        dynamicBlock(new BitWriter(), 257, 1, lengthsOf(257, 1, { 256: 1 }, {})).code(1, 1).bits(0, 16).finish()],
      // Fixed distance codes 30 and 31 likewise.
      [gz.GZIP_REASON_INVALID_DISTANCE_CODE, 'invalid distance code', fixedStart().fixed(97).fixed(257).code(30, 5).fixed(256).finish()],
      [gz.GZIP_REASON_INVALID_DISTANCE_CODE, 'invalid distance code', fixedStart().fixed(97).fixed(257).code(31, 5).fixed(256).finish()],
      // A length with no distance code at all.
      [gz.GZIP_REASON_INVALID_DISTANCE_CODE, 'invalid distance code',
        dynamicBlock(new BitWriter(), 258, 1, lengthsOf(258, 1, { 97: 2, 256: 2, 257: 1 }, {})).code(2, 2).code(0, 1).bits(0, 16).finish()],
      // The unused half of a single 1-bit distance code.
      [gz.GZIP_REASON_INVALID_DISTANCE_CODE, 'invalid distance code',
        dynamicBlock(new BitWriter(), 258, 1, lengthsOf(258, 1, { 97: 2, 256: 2, 257: 1 }, { 0: 1 })).code(2, 2).code(0, 1).code(1, 1).bits(0, 16).finish()],
      [gz.GZIP_REASON_DISTANCE_TOO_FAR_BACK, 'invalid distance too far back', fixedStart().fixed(257).code(0, 5).fixed(256).finish()],
      [gz.GZIP_REASON_DISTANCE_TOO_FAR_BACK, 'invalid distance too far back', fixedStart().fixed(97).fixed(257).code(1, 5).fixed(256).finish()],
      // Distance 32768 (code 29, extra 8191) after 32767 bytes: one too far (stored block first).
      [gz.GZIP_REASON_DISTANCE_TOO_FAR_BACK, 'invalid distance too far back', (() => {
        const w = new BitWriter().bits(0, 1).bits(0, 2).raw([0xff, 0x7f, 0x00, 0x80, ...new Array(32767).fill(7)]);
        return w.bits(1, 1).bits(1, 2).fixed(257).code(29, 5).bits(8191, 13).fixed(256).finish();
      })()],
      [gz.GZIP_REASON_UNEXPECTED_END_OF_INPUT, 'unexpected end of file', fixedStart().fixed(97).finish()],
      [gz.GZIP_REASON_UNEXPECTED_END_OF_INPUT, 'unexpected end of file', new BitWriter().bits(0, 1).bits(1, 2).fixed(256).finish()],
      [gz.GZIP_REASON_UNEXPECTED_END_OF_INPUT, 'unexpected end of file', new Uint8Array(0)],
    ];
    // No trailer: the DEFLATE data is all there is, so a truncated stream stays truncated.
    const file = (raw: Uint8Array): Uint8Array => Uint8Array.from([...header(), ...raw]);
    const runs = await decodeAll(vectors.map(([, , raw]) => ({ input: file(raw), capacity: 1 << 16 })));
    vectors.forEach(([reason, message, raw], i) => {
      const label = `${gz.gzipReasonText(reason)} #${i} (${Buffer.from(raw.subarray(0, 24)).toString('hex')})`;
      expect(zlibMessage(() => zlib.inflateRawSync(raw)), `${label}: zlib`).toBe(message);
      expect(runs[i].status, label).toBe(EFI_COMPROMISED_DATA);
      expect(runs[i].reason, `${label}: got ${gz.gzipReasonText(runs[i].reason)}`).toBe(reason);
    });
    // Each DEFLATE reason has a vector (the argument and output-size reasons are tested below).
    const covered = new Set(vectors.map(([reason]) => reason));
    for (let reason = 101; reason <= 117; reason++) expect(covered.has(reason), `reason ${reason} has a vector`).toBe(true);
    // gzip 1.12 fails on all of them as well (where it reads zeros from its window instead of
    // refusing a distance too far back, the missing trailer still fails it).
    for (const [, , raw] of vectors) expect(gunzipCli(file(raw)).status).toBe(1);
  });

  it('reports each wrapper error with its status and reason, as gzip -dc and zlib refuse them', async () => {
    const data = text(4000, 21);
    const good = gzipCli(data, ['-n', '-9']);
    const raw = zlib.deflateRawSync(data);
    const patch = (file: Uint8Array, offset: number, value: number): Uint8Array => {
      const copy = Uint8Array.from(file);
      copy[offset < 0 ? copy.length + offset : offset] = value;
      return copy;
    };
    const head = header(0x02);
    // [label, file, status, reason, zlib's message or null where zlib differs]
    const vectors: [string, Uint8Array, number, number, string | null][] = [
      ['empty input', new Uint8Array(0), EFI_COMPROMISED_DATA, gz.GZIP_REASON_HEADER_TRUNCATED, 'unexpected end of file'],
      ['one byte', Uint8Array.from([0x1f]), EFI_COMPROMISED_DATA, gz.GZIP_REASON_HEADER_TRUNCATED, 'unexpected end of file'],
      ['not gzip (zip magic)', Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]), EFI_COMPROMISED_DATA, gz.GZIP_REASON_NOT_GZIP, 'incorrect header check'],
      // (zlib's message for this one is "unknown compression method", its header state machine's.)
      ['header cut after 9 bytes', good.subarray(0, 9), EFI_COMPROMISED_DATA, gz.GZIP_REASON_HEADER_TRUNCATED, null],
      ['method 7', patch(good, 2, 7), EFI_UNSUPPORTED, gz.GZIP_REASON_UNKNOWN_METHOD, 'unknown compression method'],
      ['encrypted flag 0x20', patch(good, 3, 0x20), EFI_UNSUPPORTED, gz.GZIP_REASON_ENCRYPTED, null],
      ['reserved flag 0x40', patch(good, 3, 0x40), EFI_COMPROMISED_DATA, gz.GZIP_REASON_RESERVED_FLAGS, 'unknown header flags set'],
      ['reserved flag 0x80', patch(good, 3, 0x80), EFI_COMPROMISED_DATA, gz.GZIP_REASON_RESERVED_FLAGS, 'unknown header flags set'],
      ['header crc off by one', member(raw, data, [...head, (crc32(Uint8Array.from(head)) + 1) & 255, (crc32(Uint8Array.from(head)) >>> 8) & 255]),
        EFI_CRC_ERROR, gz.GZIP_REASON_HEADER_CRC_MISMATCH, 'header crc mismatch'],
      ['header crc missing', Uint8Array.from([...head, 0]), EFI_COMPROMISED_DATA, gz.GZIP_REASON_HEADER_TRUNCATED, 'unexpected end of file'],
      ['FEXTRA longer than the file', Uint8Array.from(header(0x04, [100, 0, 1, 2, 3])), EFI_COMPROMISED_DATA, gz.GZIP_REASON_HEADER_TRUNCATED, 'unexpected end of file'],
      ['FEXTRA length cut', Uint8Array.from(header(0x04, [100])), EFI_COMPROMISED_DATA, gz.GZIP_REASON_HEADER_TRUNCATED, 'unexpected end of file'],
      ['FNAME unterminated', Uint8Array.from(header(0x08, [0x61, 0x62, 0x63])), EFI_COMPROMISED_DATA, gz.GZIP_REASON_HEADER_TRUNCATED, 'unexpected end of file'],
      ['FCOMMENT unterminated', Uint8Array.from(header(0x18, [0x61, 0, 0x63])), EFI_COMPROMISED_DATA, gz.GZIP_REASON_HEADER_TRUNCATED, 'unexpected end of file'],
      ['trailer cut to 4 bytes', good.subarray(0, good.length - 4), EFI_COMPROMISED_DATA, gz.GZIP_REASON_TRAILER_TRUNCATED, 'unexpected end of file'],
      ['trailer missing', good.subarray(0, good.length - 8), EFI_COMPROMISED_DATA, gz.GZIP_REASON_TRAILER_TRUNCATED, 'unexpected end of file'],
      ['crc flipped', patch(good, -8, good[good.length - 8] ^ 1), EFI_CRC_ERROR, gz.GZIP_REASON_CRC_MISMATCH, 'incorrect data check'],
      ['length off by 256', patch(good, -3, good[good.length - 3] ^ 1), EFI_CRC_ERROR, gz.GZIP_REASON_LENGTH_MISMATCH, 'incorrect length check'],
      ['length off by 2^24', patch(good, -1, good[good.length - 1] ^ 1), EFI_CRC_ERROR, gz.GZIP_REASON_LENGTH_MISMATCH, 'incorrect length check'],
    ];
    const runs = await decodeAll(vectors.map(([, file]) => ({ input: file, capacity: data.length })));
    vectors.forEach(([label, file, status, reason, message], i) => {
      expect([runs[i].status, runs[i].reason], `${label}: got ${gz.gzipReasonText(runs[i].reason)}`).toEqual([status, reason]);
      expect(gunzipCli(file).status, `${label}: gzip -dc exit status`).toBe(1);
      if (message !== null) expect(zlibMessage(() => zlib.gunzipSync(file)), `${label}: zlib`).toBe(message);
    });
  });

  it('keeps each member its own window: a match into the previous member is too far back (as zlib)', async () => {
    // Member 1: "xyz". Member 2: a match of 3 at distance 3 first, which only member 1 could feed.
    const first = member(new BitWriter().bits(1, 1).bits(1, 2).fixed(120).fixed(121).fixed(122).fixed(256).finish(),
      new TextEncoder().encode('xyz'));
    const raw = new BitWriter().bits(1, 1).bits(1, 2).fixed(257).code(2, 5).fixed(256).finish();
    const second = member(raw, new TextEncoder().encode('xyz'));
    const [run] = await decodeAll([{ input: concat(first, second), capacity: 16 }]);
    expect([run.status, run.reason]).toEqual([EFI_COMPROMISED_DATA, gz.GZIP_REASON_DISTANCE_TOO_FAR_BACK]);
    expect(run.inputOffset).toBeGreaterThanOrEqual(first.length);
    expect(zlibMessage(() => zlib.gunzipSync(concat(first, second)))).toBe('invalid distance too far back');
  });

  it('reports output too small at every capacity below the size, and refuses bad arguments', async () => {
    const data = repetitive(3000, 31);
    const files = [gzipCli(data, ['-9']), zlib.gzipSync(data, { level: 0 }), zlib.gzipSync(data, { strategy: zlib.constants.Z_FIXED })];
    const jobs: { input: Uint8Array; capacity: number }[] = [];
    for (const file of files) {
      for (let capacity = 0; capacity < data.length; capacity += 37) jobs.push({ input: file, capacity });
      jobs.push({ input: file, capacity: data.length - 1 });
    }
    const runs = await decodeAll(jobs);
    runs.forEach((run, i) => {
      expect([run.status, run.reason], `capacity ${jobs[i].capacity}`).toEqual([EFI_BUFFER_TOO_SMALL, gz.GZIP_REASON_OUTPUT_TOO_SMALL]);
    });
    // inputLength beyond the array, capacity beyond the array: in-process (the worker sizes
    // the output itself).
    const output = new Uint8Array(16);
    expect(gz.gzipDecode(files[0], files[0].length + 1, output, 16) >>> 0).toBe(EFI_INVALID_PARAMETER);
    expect(gz.gzipDecode(files[0], files[0].length, output, 17) >>> 0).toBe(EFI_INVALID_PARAMETER);
    expect(gz.gzipDecode(files[0], -1, output, 16) >>> 0).toBe(EFI_INVALID_PARAMETER);
  });

  it('fails on every proper prefix of single-member files, as truncated', async () => {
    const plain = text(1500, 41);
    const files: [string, Uint8Array][] = [
      ['dynamic (gzip -9)', gzipCli(plain, ['-n', '-9'])],
      ['stored', zlib.gzipSync(plain.subarray(0, 300), { level: 0 })],
      ['fixed', zlib.gzipSync(plain.subarray(0, 300), { strategy: zlib.constants.Z_FIXED })],
      ['all header fields', (() => {
        const all = header(0x1e, [3, 0, 1, 2, 3, 0x61, 0, 0x62, 0]);
        const c = crc32(Uint8Array.from(all));
        return member(zlib.deflateRawSync(plain.subarray(0, 200)), plain.subarray(0, 200), [...all, c & 255, (c >>> 8) & 255]);
      })()],
      ['empty', gzipCli(new Uint8Array(0), ['-n'])],
    ];
    const truncated = new Set([gz.GZIP_REASON_UNEXPECTED_END_OF_INPUT, gz.GZIP_REASON_HEADER_TRUNCATED,
      gz.GZIP_REASON_TRAILER_TRUNCATED, gz.GZIP_REASON_STORED_BLOCK_TRUNCATED]);
    let count = 0;
    for (const [label, file] of files) {
      const jobs = [];
      for (let length = 0; length < file.length; length++) jobs.push({ input: file.subarray(0, length), capacity: plain.length });
      const runs = await decodeAll(jobs);
      runs.forEach((run, length) => {
        expect(run.status, `${label}: prefix ${length}/${file.length}`).toBe(EFI_COMPROMISED_DATA);
        expect(truncated.has(run.reason), `${label}: prefix ${length}: ${gz.gzipReasonText(run.reason)}`).toBe(true);
        expect(run.inputOffset, `${label}: prefix ${length}: offset`).toBeLessThanOrEqual(length);
      });
      count += runs.length;
    }
    // Two members: the cut right after the first is a whole file for gzip too; all others fail.
    const first = gzipCli(plain.subarray(0, 40), ['-n']);
    const two = concat(first, gzipCli(plain.subarray(40, 80), ['-n']));
    const runs = await decodeAll(Array.from({ length: two.length }, (_, length) => ({ input: two.subarray(0, length), capacity: 80 })));
    runs.forEach((run, length) => {
      const reference = gunzipCli(two.subarray(0, length));
      expect(run.status === 0, `two members: prefix ${length}: ours ${run.status}, gzip ${reference.status}`).toBe(reference.status === 0);
      expect(run.status === 0).toBe(length === first.length);
    });
    console.log(`gzip truncation: ${count + runs.length} prefixes`);
  });

  it('ends random mutations in an error or in the output both references agree on', async () => {
    const next = prng(0x5eed);
    const sources = [
      gzipCli(text(3000, 51), ['-n', '-9']),
      gzipCli(repetitive(3000, 52), ['-n', '-6']),
      zlib.gzipSync(machineCode(2000), { strategy: zlib.constants.Z_FIXED }),
      zlib.gzipSync(text(500, 53), { level: 0 }),
      gzipCli(randomBytes(600, 54), ['-n', '-1']),
    ];
    const cases: Uint8Array[] = [];
    for (let i = 0; i < 400; i++) {
      const file = Uint8Array.from(sources[i % sources.length]);
      const edits = 1 + (next() % 3);
      for (let e = 0; e < edits; e++) {
        // Mostly the DEFLATE data; sometimes the header or trailer; bit flips or random bytes.
        const offset = next() % file.length;
        if (next() & 1) file[offset] ^= 1 << (next() & 7);
        else file[offset] = next() & 255;
      }
      cases.push(file);
    }
    const runs = await decodeAll(cases.map((input) => ({ input, capacity: 1 << 16 })));
    let succeeded = 0;
    runs.forEach((run, i) => {
      const reference = gunzipCli(cases[i]);
      const zlibOk = zlibMessage(() => zlib.gunzipSync(cases[i])) === 'ok';
      if (run.status === 0) {
        succeeded++;
        expect(reference.status === 0 || reference.status === 2, `mutation ${i}: we succeed, gzip fails`).toBe(true);
        expectEqualBytes(run.output, reference.stdout, `mutation ${i} vs gzip -dc`);
      } else {
        // A failure where both references succeed would be a decoder bug.
        expect(reference.status === 1 || !zlibOk, `mutation ${i}: we fail (${gz.gzipReasonText(run.reason)}), both references succeed`).toBe(true);
      }
    });
    console.log(`gzip mutations: ${runs.length} cases, ${succeeded} decoded (harmless edits), the rest refused`);
  });
});

/** zlib's message for each DEFLATE reason (inflate.c's strm->msg texts). */
const ZLIB_MESSAGE: Record<number, string> = {
  [gz.GZIP_REASON_INVALID_BLOCK_TYPE]: 'invalid block type',
  [gz.GZIP_REASON_STORED_LENGTH_MISMATCH]: 'invalid stored block lengths',
  [gz.GZIP_REASON_STORED_BLOCK_TRUNCATED]: 'unexpected end of file',
  [gz.GZIP_REASON_TOO_MANY_SYMBOLS]: 'too many length or distance symbols',
  [gz.GZIP_REASON_CODE_LENGTHS_OVERSUBSCRIBED]: 'invalid code lengths set',
  [gz.GZIP_REASON_CODE_LENGTHS_INCOMPLETE]: 'invalid code lengths set',
  [gz.GZIP_REASON_REPEAT_WITHOUT_PREVIOUS]: 'invalid bit length repeat',
  [gz.GZIP_REASON_REPEAT_TOO_LONG]: 'invalid bit length repeat',
  [gz.GZIP_REASON_MISSING_END_OF_BLOCK]: 'invalid code -- missing end-of-block',
  [gz.GZIP_REASON_LITERAL_LENGTHS_OVERSUBSCRIBED]: 'invalid literal/lengths set',
  [gz.GZIP_REASON_LITERAL_LENGTHS_INCOMPLETE]: 'invalid literal/lengths set',
  [gz.GZIP_REASON_DISTANCES_OVERSUBSCRIBED]: 'invalid distances set',
  [gz.GZIP_REASON_DISTANCES_INCOMPLETE]: 'invalid distances set',
  [gz.GZIP_REASON_INVALID_LITERAL_LENGTH_CODE]: 'invalid literal/length code',
  [gz.GZIP_REASON_INVALID_DISTANCE_CODE]: 'invalid distance code',
  [gz.GZIP_REASON_DISTANCE_TOO_FAR_BACK]: 'invalid distance too far back',
  [gz.GZIP_REASON_UNEXPECTED_END_OF_INPUT]: 'unexpected end of file',
};

describe('inflate against zlib on mutated raw DEFLATE', () => {
  it('gives zlib\'s verdict: the same output where zlib decodes, the same error where it refuses', async () => {
    const next = prng(0xdef1a7e);
    const sources = [
      zlib.deflateRawSync(text(2000, 61), { level: 9 }),
      zlib.deflateRawSync(repetitive(2000, 62), { level: 6 }),
      zlib.deflateRawSync(machineCode(1500), { strategy: zlib.constants.Z_FIXED }),
      zlib.deflateRawSync(text(300, 63), { level: 0 }),
      zlib.deflateRawSync(randomBytes(300, 64), { level: 1 }),
      zlib.deflateRawSync(text(1500, 65), { strategy: zlib.constants.Z_HUFFMAN_ONLY }),
    ];
    const cases: { input: Uint8Array; plain: Uint8Array | null; message: string }[] = [];
    for (let i = 0; i < 2400; i++) {
      const raw = Uint8Array.from(sources[i % sources.length]);
      const edits = 1 + (next() % 2);
      for (let e = 0; e < edits; e++) {
        // Headers of dynamic blocks sit near the start: weight the first 40 bytes.
        const offset = (next() & 1) !== 0 ? next() % Math.min(40, raw.length) : next() % raw.length;
        if (next() & 1) raw[offset] ^= 1 << (next() & 7);
        else raw[offset] = next() & 255;
      }
      let message = 'ok';
      let plain: Uint8Array | null = null;
      let consumed = raw.length;
      try {
        const result = zlib.inflateRawSync(raw, { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
        plain = new Uint8Array(result.buffer);
        consumed = result.engine.bytesWritten;
      } catch (error) {
        message = (error as Error).message;
      }
      // Where zlib decodes, a member with the right trailer right after the data it consumed;
      // where it refuses, the data alone (no trailer to read as more DEFLATE).
      const input = plain === null ? Uint8Array.from([...header(), ...raw])
        : member(raw.subarray(0, consumed), plain);
      cases.push({ input, plain, message });
    }
    const runs = await decodeAll(cases.map(({ input, plain }) => ({ input, capacity: plain ? plain.length : 1 << 16 })));
    let decoded = 0;
    const reasons = new Map<string, number>();
    runs.forEach((run, i) => {
      const { plain, message } = cases[i];
      if (plain !== null) {
        decoded++;
        expect(run.status, `mutation ${i}: zlib decodes, we fail with ${gz.gzipReasonText(run.reason)}`).toBe(0);
        expectEqualBytes(run.output, plain, `mutation ${i}`);
      } else {
        expect(run.status, `mutation ${i}: zlib refuses (${message})`).not.toBe(0);
        expect(ZLIB_MESSAGE[run.reason], `mutation ${i}: ours ${gz.gzipReasonText(run.reason)}`).toBe(message);
        reasons.set(message, (reasons.get(message) ?? 0) + 1);
      }
    });
    console.log(`raw DEFLATE mutations: ${runs.length} cases, ${decoded} decoded like zlib, refusals by message:`,
      Object.fromEntries(reasons));
  });
});

/**
 * Copies of gzip.ts and inflate.ts in which every `input[i]` and `output[i]` goes through a check
 * that throws unless 0 <= i < inputLength (resp. outputCapacity): the bounds rule of the
 * decoders (every read inside the input, every write inside the capacity), tested on the real
 * source rather than argued. Returns the module name for runDecoderBatch.
 */
function instrumentedDecoder(): string {
  const sourceDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'stub-src');
  const directory = mkdtempSync(join(tmpdir(), 'gzip-bounds-'));
  // ES modules, as in the project (tsx would load .ts outside a "type": "module" tree as CommonJS).
  writeFileSync(join(directory, 'package.json'), '{ "type": "module" }\n');
  const wrap = (line: string, name: string, check: string): string => {
    let out = '';
    let i = 0;
    const pattern = new RegExp(`(?<![\\w.])${name}\\[`, 'g');
    for (let match = pattern.exec(line); match !== null; match = pattern.exec(line)) {
      let j = pattern.lastIndex;
      for (let depth = 1; depth > 0; j++) depth += line[j] === '[' ? 1 : line[j] === ']' ? -1 : 0;
      out += `${line.slice(i, match.index)}${name}[${check}(${wrap(line.slice(pattern.lastIndex, j - 1), name, check)})]`;
      i = j;
      pattern.lastIndex = j;
    }
    return out + line.slice(i);
  };
  const rewrite = (file: string): string => readFileSync(join(sourceDir, 'decompress', file), 'utf8').split('\n')
    .map((line) => (/^\s*(\*|\/\/|\/\*)/.test(line) ? line : wrap(wrap(line, 'input', 'boundsIn'), 'output', 'boundsOut')))
    .join('\n')
    .replace(/from '\.\/(result|crc32|low-bits)'/g, (_, module) => `from '${join(sourceDir, 'decompress', module)}.ts'`)
    .replace(/from '\.\.\/efi\/status'/g, `from '${join(sourceDir, 'efi', 'status')}.ts'`)
    // Bulk copies: the first and last byte each one reads and writes go through the checks too.
    .replace(/import \{ LZ_SHORT_COPY, lzCopyMatch \} from '\.\/lz-copy';/,
      `import { LZ_SHORT_COPY, lzCopyMatch as lzCopyMatchUnchecked } from '${join(sourceDir, 'decompress', 'lz-copy')}.ts';`)
    .replace(/^(\s*)output\.set\(input\.subarray\(([^,]+), ([^)]+)\), ([^)]+)\);$/gm,
      '$1boundsCopy($2, $3, $4);\n$1output.set(input.subarray($2, $3), $4);');
  writeFileSync(join(directory, 'inflate.ts'), rewrite('inflate.ts') + `
function lzCopyMatch(output: Uint8Array, op: number, distance: number, length: number): number {
  if (length > 0) {
    boundsOut(op - distance);
    boundsOut(op + length - 1);
  }
  return lzCopyMatchUnchecked(output, op, distance, length);
}
function boundsCopy(from: number, end: number, to: number): void {
  if (end > from) {
    boundsIn(from);
    boundsIn(end - 1);
    boundsOut(to);
    boundsOut(to + end - from - 1);
  }
}
let boundsInputLength = 0;
let boundsOutputCapacity = 0;
export function boundsSet(inputLength: number, outputCapacity: number): void {
  boundsInputLength = inputLength;
  boundsOutputCapacity = outputCapacity;
}
export function boundsIn(i: number): number {
  if (!(i >= 0 && i < boundsInputLength)) throw new Error(\`input index \${i} outside [0, \${boundsInputLength})\`);
  return i;
}
export function boundsOut(i: number): number {
  if (!(i >= 0 && i < boundsOutputCapacity)) throw new Error(\`output index \${i} outside [0, \${boundsOutputCapacity})\`);
  return i;
}
`);
  writeFileSync(join(directory, 'gzip.ts'), rewrite('gzip.ts').replace("} from './inflate';", 'boundsIn, boundsOut, boundsSet,\n} from \'./inflate\';') + `
export function gzipDecodeChecked(input: Uint8Array, inputLength: number, output: Uint8Array, outputCapacity: number): number {
  boundsSet(inputLength, outputCapacity);
  return gzipDecode(input, inputLength, output, outputCapacity);
}
`);
  return relative(join(sourceDir, 'decompress'), join(directory, 'gzip'));
}

describe('bounds', () => {
  it('reads only input[0, inputLength) and touches only output[0, outputCapacity), on valid, cut, small and mutated files', async () => {
    const module = instrumentedDecoder();
    const next = prng(0xb0b);
    const plains = [machineCode(6000), text(9000, 81), repetitive(40_000, 82), new Uint8Array(0), Uint8Array.from([7])];
    const files: Uint8Array[] = [];
    for (const plain of plains) {
      files.push(gzipCli(plain, ['-n', '-9']), zlib.gzipSync(plain, { level: 0 }),
        zlib.gzipSync(plain, { strategy: zlib.constants.Z_FIXED }), zlib.gzipSync(plain, { level: 1 }));
    }
    const jobs: { input: Uint8Array; capacity: number }[] = [];
    for (const file of files) {
      for (let cut = 0; cut < file.length; cut += 1 + (next() % 23)) jobs.push({ input: file.subarray(0, cut), capacity: 50_000 });
      for (const capacity of [0, 1, 257, 3000, 39_999, 50_000]) jobs.push({ input: file, capacity });
      for (let k = 0; k < 150; k++) {
        const mutated = Uint8Array.from(file);
        for (let e = 1 + (next() % 3); e > 0; e--) {
          const offset = (next() & 1) !== 0 ? 10 + (next() % 50) : next() % mutated.length;
          if (offset < mutated.length) mutated[offset] = next() & 255;
        }
        jobs.push({ input: mutated, capacity: 1 + (next() % 50_000) });
      }
    }
    let runs: DecodeRun[];
    try {
      runs = await runDecoderBatch(module, 'gzipDecodeChecked', jobs, TIMEOUT);
    } finally {
      rmSync(dirname(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'stub-src', 'decompress', module)),
        { recursive: true, force: true });
    }
    expect(runs.every((run) => !run.timedOut)).toBe(true);
    console.log(`gzip bounds: ${runs.length} runs, ${runs.filter((run) => run.status === 0).length} decoded, no access out of range`);
  });
});

describe('inflateRaw (the DEFLATE layer other wrappers can reuse)', () => {
  it('starts at `start`, writes from `outputStart`, and reports where the stream and the output end', async () => {
    const { inflateRaw, inflateState, INFLATE_STATE_INPUT_END, INFLATE_STATE_OUTPUT_END } =
      await import('../../stub-src/decompress/inflate.ts');
    for (const [label, plain, options] of [
      ['dynamic', text(20_000, 71), { level: 9 }],
      ['stored', text(300, 72), { level: 0 }],
      ['fixed', text(300, 73), { strategy: zlib.constants.Z_FIXED }],
    ] as [string, Uint8Array, zlib.ZlibOptions][]) {
      const raw = zlib.deflateRawSync(plain, options);
      const input = concat(Uint8Array.from([9, 9, 9, 9, 9]), raw, Uint8Array.from([0xaa, 0xbb, 0xcc]));
      const output = new Uint8Array(7 + plain.length + 5);
      expect(inflateRaw(input, 5, input.length, output, 7, output.length), label).toBe(0);
      expect(inflateState[INFLATE_STATE_INPUT_END], label).toBe(5 + raw.length);
      expect(inflateState[INFLATE_STATE_OUTPUT_END], label).toBe(7 + plain.length);
      expectEqualBytes(output.subarray(7, 7 + plain.length), plain, label);
      expect([...output.subarray(0, 7), ...output.subarray(7 + plain.length)].every((byte) => byte === 0), label).toBe(true);
    }
  });
});

describe('gzipReasonText', () => {
  it('names every reason', () => {
    expect(gz.gzipReasonText(99)).toBe('unrecognised reason code');
    for (const [name, value] of Object.entries(gz)) {
      if (name.startsWith('GZIP_REASON_')) {
        expect(gz.gzipReasonText(value as number), name).not.toBe('unrecognised reason code');
      }
    }
  });
});
