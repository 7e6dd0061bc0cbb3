/**
 * bzip2Decode (stub-src/decompress/bzip2.ts) against the reference CLI, `bzip2` 1.0.8:
 * - differential: generated corpora compressed by `bzip2 -1/-5/-9` and by kbuild's exact
 *   command (`bzip2 -9` on stdin, then the 4-byte size trailer), decoded byte for byte equal;
 * - streams built field by field (test/fixtures/decompress/bzip2/bzip2-writer.ts): valid ones the
 *   encoder never writes (RLE1 counts 252..255, 20-bit codes, six tables) must decode as
 *   `bzip2 -dc` decodes them, and one malformation per reason code must end in that code (and
 *   be refused by `bzip2 -dc` too);
 * - concatenated streams and trailing bytes, as `bzip2 -dc` treats them;
 * - every prefix of small valid files ends in BZIP2_REASON_TRUNCATED (or success exactly where
 *   a whole stream ends);
 * - random mutations end, in bounded time, in an error or the original bytes, agreeing with
 *   `bzip2 -dc` on success.
 * Every decode runs in a worker with a timeout (test/support/run-decoder.ts). A missing bzip2
 * fails the suite.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as B from '../../stub-src/decompress/bzip2.ts';
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_CRC_ERROR, EFI_UNSUPPORTED } from '../../stub-src/efi/status.ts';
import { pseudoRandom, text } from '../support/corpus.ts';
import { decoderChecks } from '../support/decoder-checks.ts';
import { appendSize, cliDecode as referenceDecode, compressWith, expectInstalled } from '../support/reference-cli.ts';
import {
  type BlockSpec, bzip2Crc, plainBlock, pushRun, rle1Decode, writeStream,
} from '../fixtures/decompress/bzip2/bzip2-writer.ts';

const { decodeAll, expectSuccess, expectFailure } = decoderChecks('bzip2', 'bzip2Decode', B.bzip2ReasonText);

/** Runs of every length 1..300 of varying bytes, each ended by a different byte (RLE1 counts 0..251 and splits). */
function runs(): Buffer {
  const parts: Buffer[] = [];
  for (let length = 1; length <= 300; length++) {
    parts.push(Buffer.alloc(length, length % 251), Buffer.from([(length % 251) + 1]));
  }
  // Runs that end the input, and back-to-back runs of one byte (4 + 251, then the rest).
  parts.push(Buffer.alloc(1000, 7), Buffer.alloc(259, 9));
  return Buffer.concat(parts);
}

function compress(data: Uint8Array, args: string[]): Buffer {
  return compressWith('bzip2', args, data);
}

function cliDecode(data: Uint8Array): { ok: boolean; output: Buffer } {
  return referenceDecode('bzip2', data);
}

/** kbuild (linux scripts/Makefile.lib cmd_bzip2): `cat … | bzip2 -9`, then size_append (LE32). */
function kbuild(data: Uint8Array): Buffer {
  return appendSize(compress(data, ['-9']), data.length);
}

describe('bzip2 reference CLI', () => {
  it('is installed (scripts/install-deps.sh installs bzip2)', () => {
    expectInstalled('bzip2', /bzip2, a block-sorting file compressor/);
  });
});

describe('bzip2Decode: differential against bzip2', () => {
  const gzipBinary = readFileSync('/usr/bin/gzip');
  const bashBinary = readFileSync('/usr/bin/bash').subarray(0, 1_100_000);
  const corpora: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([0x41])],
    ['two bytes', Buffer.from([0, 255])],
    ['four equal bytes', Buffer.alloc(4, 0x55)],
    ['five equal bytes', Buffer.alloc(5, 0x55)],
    ['all 256 byte values', Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
    ['random 1k', pseudoRandom(1024, 1)],
    ['random 64k', pseudoRandom(65536, 2)],
    ['zeros 3 MB', Buffer.alloc(3_000_000)],
    ['runs 1..300', runs()],
    ['repeated random 1k x 500', Buffer.concat(Array.from({ length: 500 }, () => pseudoRandom(1024, 3)))],
    ['abab', Buffer.from('ab'.repeat(100_000))],
    ['text 300k', text(300_000, 4)],
    ['x86 /usr/bin/gzip', gzipBinary],
  ];
  const levels = ['-1', '-5', '-9'];

  it('decodes every corpus at -1, -5, -9 and with the kbuild command line', async () => {
    const jobs: { name: string; input: Buffer; expected: Buffer }[] = [];
    for (const [name, data] of corpora) {
      for (const level of levels) jobs.push({ name: `${name} ${level}`, input: compress(data, [level, '-c']), expected: data });
      jobs.push({ name: `${name} kbuild`, input: kbuild(data), expected: data });
    }
    jobs.push({ name: 'x86 /usr/bin/bash 1.1 MB kbuild', input: kbuild(bashBinary), expected: bashBinary });
    jobs.push({ name: 'x86 /usr/bin/bash 1.1 MB -1', input: compress(bashBinary, ['-1']), expected: bashBinary });
    // The CLI agrees with itself on the corpora (the inputs are what we think they are).
    expect(cliDecode(jobs[1].input).output.equals(jobs[1].expected)).toBe(true);
    const results = await decodeAll(jobs.map((j) => ({ input: j.input, capacity: j.expected.length })));
    results.forEach((run, i) => expectSuccess(run, jobs[i].expected, jobs[i].name));
  });

  it('decodes inputs around the block size of -1, -5 and -9 (100k·level, less 19 bytes for RLE1)', async () => {
    const jobs: { name: string; input: Buffer; expected: Buffer }[] = [];
    for (const [level, sizes] of [
      [1, [99_980, 99_981, 99_982, 100_000, 100_001, 199_962, 199_963]],
      [5, [499_981, 499_982, 500_000]],
      [9, [899_981, 899_982, 900_001]],
    ] as [number, number[]][]) {
      for (const size of sizes) {
        const data = pseudoRandom(size, size);
        jobs.push({ name: `random ${size} -${level}`, input: compress(data, [`-${level}`]), expected: data });
      }
    }
    // A run-heavy input whose RLE1 form crosses the -1 block boundary.
    const runny = Buffer.concat(Array.from({ length: 30_000 }, (_, i) => Buffer.alloc(4 + (i % 9), i & 255)));
    jobs.push({ name: 'runs across -1 blocks', input: compress(runny, ['-1']), expected: runny });
    const results = await decodeAll(jobs.map((j) => ({ input: j.input, capacity: j.expected.length })));
    results.forEach((run, i) => expectSuccess(run, jobs[i].expected, jobs[i].name));
  });

  it('fills the output exactly, and reports a buffer one byte short (literal and RLE1 run)', async () => {
    const data = text(5000, 5);
    const runny = Buffer.concat([Buffer.from('x'), Buffer.alloc(300, 0x61)]);
    const results = await decodeAll([
      { input: compress(data, ['-9']), capacity: data.length },
      { input: compress(data, ['-9']), capacity: data.length - 1 },
      { input: compress(runny, ['-9']), capacity: 100 },
      { input: compress(Buffer.alloc(0), ['-9']), capacity: 0 },
      { input: compress(Buffer.from('a'), ['-9']), capacity: 0 },
    ]);
    expectSuccess(results[0], data, 'exact capacity');
    expectFailure(results[1], EFI_BUFFER_TOO_SMALL, B.BZIP2_REASON_OUTPUT_TOO_SMALL, 'one byte short');
    expectFailure(results[2], EFI_BUFFER_TOO_SMALL, B.BZIP2_REASON_OUTPUT_TOO_SMALL, 'run past the end');
    expectSuccess(results[3], new Uint8Array(0), 'empty into zero capacity');
    expectFailure(results[4], EFI_BUFFER_TOO_SMALL, B.BZIP2_REASON_OUTPUT_TOO_SMALL, 'one byte into zero capacity');
  });
});

describe('bzip2Decode: concatenated streams and trailing bytes, as bzip2 -dc', () => {
  const a = text(3000, 6);
  const b = pseudoRandom(150_000, 7);
  const aStream = compress(a, ['-9']);
  const bStream = compress(b, ['-1']);
  const emptyStream = compress(Buffer.alloc(0), ['-5']);
  const both = Buffer.concat([a, b]);
  const cases: { name: string; input: Buffer; expected?: Buffer; reason?: number }[] = [
    { name: 'two streams (-9 then -1)', input: Buffer.concat([aStream, bStream]), expected: both },
    { name: 'empty stream first', input: Buffer.concat([emptyStream, aStream]), expected: a },
    { name: 'three streams', input: Buffer.concat([aStream, emptyStream, bStream]), expected: both },
    { name: 'kbuild size trailer', input: kbuild(a), expected: a },
    { name: 'trailing garbage "xyz"', input: Buffer.concat([aStream, Buffer.from('xyz')]), expected: a },
    { name: 'trailing "BZh0"', input: Buffer.concat([aStream, Buffer.from('BZh0')]), expected: a },
    { name: 'trailing "Bx"', input: Buffer.concat([aStream, Buffer.from('Bx')]), expected: a },
    { name: 'trailing "B"', input: Buffer.concat([aStream, Buffer.from('B')]), reason: B.BZIP2_REASON_TRUNCATED },
    { name: 'trailing "BZh"', input: Buffer.concat([aStream, Buffer.from('BZh')]), reason: B.BZIP2_REASON_TRUNCATED },
    { name: 'trailing "BZh9"', input: Buffer.concat([aStream, Buffer.from('BZh9')]), reason: B.BZIP2_REASON_TRUNCATED },
    { name: 'trailing "BZh9x"', input: Buffer.concat([aStream, Buffer.from('BZh9xxxxxx')]), reason: B.BZIP2_REASON_BAD_BLOCK_MAGIC },
  ];

  it('decodes or refuses each case as the CLI does', async () => {
    const results = await decodeAll(cases.map((c) => ({ input: c.input, capacity: both.length })));
    results.forEach((run, i) => {
      const c = cases[i];
      const cli = cliDecode(c.input);
      if (c.expected) {
        expect(cli.ok, c.name).toBe(true);
        expect(cli.output.equals(c.expected), c.name).toBe(true);
        expectSuccess(run, c.expected, c.name);
      } else {
        expect(cli.ok, c.name).toBe(false);
        expectFailure(run, EFI_COMPROMISED_DATA, c.reason!, c.name);
      }
    });
  });

  it('reports the input consumed: the streams, not the trailer', () => {
    const input = kbuild(a);
    const output = new Uint8Array(a.length);
    expect(B.bzip2Decode(input, input.length, output, output.length)).toBe(0);
    expect(B.bzip2InputConsumed()).toBe(input.length - 4);
  });
});

describe('bzip2Decode: streams the encoder never writes, decoded as bzip2 -dc decodes them', () => {
  // A complete code with lengths 1, 2, …, 19, 20, 20 over 21 symbols (19 bytes + RUNA, RUNB… in
  // symbol order: the long codes land on the MTF indexes and EOB).
  const deepLengths = [...Array.from({ length: 20 }, (_, i) => i + 1), 20];
  const deepUsed = Array.from({ length: 19 }, (_, i) => 0x41 + i);
  const deepPlain = Buffer.from('ABCDEFGHIJKLMNOPQRSSRQPONMLKJIHGFEDCBAAAB'.repeat(3));
  const valid: { name: string; stream: Uint8Array; expected: Uint8Array }[] = [];
  for (const count of [0, 1, 100, 250, 251, 252, 253, 254, 255]) {
    const rle = Uint8Array.from([0x78, 0x41, 0x41, 0x41, 0x41, count, 0x42, 0x41, 0x41, 0x41, 0x41, count]);
    valid.push({ name: `RLE1 count ${count}`, stream: writeStream(1, [{ rle }]), expected: rle1Decode(rle) });
  }
  valid.push({
    name: 'five equal bytes after a run count start a new run',
    stream: writeStream(1, [{ rle: Uint8Array.from([0x43, 0x43, 0x43, 0x43, 2, 0x43, 0x43, 0x43, 0x43, 0, 0x44]) }]),
    expected: Buffer.from('CCCCCCCCCCD'),
  });
  valid.push({
    name: 'three blocks with different symbol maps',
    stream: writeStream(2, [plainBlock(Buffer.from('first block, lower case')), plainBlock(Buffer.from([0, 1, 2, 255, 254, 0])),
      plainBlock(text(2000, 8))]),
    expected: Buffer.concat([Buffer.from('first block, lower case'), Buffer.from([0, 1, 2, 255, 254, 0]), text(2000, 8)]),
  });
  {
    // Six tables, selectors cycling through all of them (MTF values 0..5), codes up to 20 bits.
    const plain = deepPlain;
    const spec: BlockSpec = plainBlock(plain);
    const groupsNeeded = 8;
    const lengths = Array.from({ length: 6 }, (_, t) => {
      const table = deepLengths.slice();
      // Rotate which symbols get the short codes, so each table decodes differently.
      for (let k = 0; k < t; k++) table.push(table.shift()!);
      return table;
    });
    valid.push({
      name: 'six tables, every selector MTF value, 20-bit codes',
      stream: writeStream(9, [{ ...spec, used: deepUsed, groups: 6, lengths,
        selectorMtf: Array.from({ length: groupsNeeded }, (_, i) => i % 6) }]),
      expected: plain,
    });
  }
  valid.push({
    name: 'a run of exactly the block size (level 1: 100000 bytes of RLE1 data)',
    stream: writeStream(1, [{ rle: Buffer.alloc(100_000, 0x41), used: [0x41], symbols: (() => {
      const s: number[] = []; pushRun(s, 100_000); s.push(2); return s;
    })(), selectorMtf: [0] }]),
    expected: rle1Decode(Buffer.alloc(100_000, 0x41)),
  });
  valid.push({
    // Lengths 1,3,3,3,1 and 1,1,1,1,1 oversubscribe: RUNB and the MTF codes do not fit, RUNA and
    // EOB decode as usual. bzip2 -dc accepts this, so must we.
    name: 'oversubscribed tables (unreachable codes)',
    stream: writeStream(9, [{ rle: Buffer.from('A'), used: [0x41, 0x42, 0x43], lengths: [[1, 3, 3, 3, 1], [1, 1, 1, 1, 1]],
      symbols: [0, 4], selectorMtf: [0] }]),
    expected: Buffer.from('A'),
  });
  {
    // More than 18002 selectors: bzip2 1.0.8 reads them all and keeps the first 18002.
    const plain = Buffer.from('selectors');
    valid.push({
      name: '20000 selectors',
      stream: writeStream(9, [{ ...plainBlock(plain), selectorMtf: new Array(20_000).fill(0) }]),
      expected: plain,
    });
  }

  it('bzip2 -dc and bzip2Decode both give the expected bytes', async () => {
    for (const v of valid) {
      const cli = cliDecode(v.stream);
      expect(cli.ok, v.name).toBe(true);
      expect(cli.output.equals(Buffer.from(v.expected)), v.name).toBe(true);
    }
    const results = await decodeAll(valid.map((v) => ({ input: v.stream, capacity: v.expected.length })));
    results.forEach((run, i) => expectSuccess(run, valid[i].expected, valid[i].name));
  });
});

describe('bzip2Decode: malformed streams, one per reason code', () => {
  const plain = Buffer.from('hello hello hello, bzip2 malformed-input vectors\n');
  const good = writeStream(9, [plainBlock(plain)]);
  const many = pseudoRandom(400, 9); // > 50 symbols: needs two selectors
  const patch = (bytes: Uint8Array, offset: number, value: number): Uint8Array => {
    const copy = Uint8Array.from(bytes);
    copy[offset] = value;
    return copy;
  };
  const runSymbols = (length: number, extra: number[]): number[] => {
    const s: number[] = [];
    pushRun(s, length);
    return [...s, ...extra];
  };
  const vectors: { name: string; input: Uint8Array; status: number; reason: number; capacity?: number; cliAccepts?: boolean }[] = [
    { name: 'input ends inside the stream: empty', input: new Uint8Array(0), status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_TRUNCATED },
    { name: 'input ends inside the stream: "BZh9"', input: Buffer.from('BZh9'), status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_TRUNCATED },
    { name: 'bad magic "XZh9"', input: patch(good, 0, 0x58), status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_BAD_MAGIC },
    { name: 'bad magic "BZx9"', input: patch(good, 2, 0x78), status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_BAD_MAGIC },
    { name: 'block size digit "0"', input: patch(good, 3, 0x30), status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_BAD_BLOCK_SIZE },
    { name: 'block size digit "A"', input: patch(good, 3, 0x41), status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_BAD_BLOCK_SIZE },
    { name: 'bad block magic', input: patch(good, 4, 0x30), status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_BAD_BLOCK_MAGIC },
    { name: 'bad end-of-stream magic', input: writeStream(9, [plainBlock(plain)], { endMagic: [0x177245, 0x385091] }),
      status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_BAD_BLOCK_MAGIC },
    { name: 'randomised block', input: writeStream(9, [plainBlock(plain, { randomised: 1 })]), status: EFI_UNSUPPORTED,
      reason: B.BZIP2_REASON_RANDOMISED, cliAccepts: true },
    { name: 'empty symbol map', input: writeStream(9, [plainBlock(plain, { rawMap: [{ width: 16, value: 0 }] })]),
      status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_NO_SYMBOLS },
    { name: 'one huffman table', input: writeStream(9, [plainBlock(plain, { groups: 1 })]), status: EFI_COMPROMISED_DATA,
      reason: B.BZIP2_REASON_BAD_GROUP_COUNT },
    { name: 'seven huffman tables', input: writeStream(9, [plainBlock(plain, { groups: 7 })]), status: EFI_COMPROMISED_DATA,
      reason: B.BZIP2_REASON_BAD_GROUP_COUNT },
    { name: 'zero selectors', input: writeStream(9, [plainBlock(plain, { selectorMtf: [], selectorCount: 0 })]),
      status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_NO_SELECTORS },
    { name: 'selector names a third table of two', input: writeStream(9, [plainBlock(plain, { selectorMtf: [2] })]),
      status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_BAD_SELECTOR },
    { name: 'code length start 0', input: writeStream(9, [plainBlock(plain, { rawLengthBits: { start: 0, bits: [0] } })]),
      status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_BAD_CODE_LENGTH },
    { name: 'code length 21 (20 then +1)', input: writeStream(9, [plainBlock(plain, { rawLengthBits: { start: 20, bits: [1, 0, 0] } })]),
      status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_BAD_CODE_LENGTH },
    { name: 'code length 0 (1 then -1)', input: writeStream(9, [plainBlock(plain, { rawLengthBits: { start: 1, bits: [1, 1, 0] } })]),
      status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_BAD_CODE_LENGTH },
    { name: 'invalid huffman code (incomplete table, unused pattern)', input: writeStream(9, [{ rle: Buffer.from('A'), used: [0x41],
      lengths: [[2, 2, 2], [2, 2, 2]], symbols: [], selectorMtf: [0], trailingBits: [1, 1, ...new Array(64).fill(0)] }]),
      status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_BAD_HUFFMAN_CODE },
    { name: 'more symbol groups than selectors', input: writeStream(9, [plainBlock(many, { selectorMtf: [0], selectorCount: 1 })]),
      status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_SELECTORS_EXHAUSTED },
    { name: 'run length too long (22 RUNA)', input: writeStream(9, [{ rle: Buffer.from('A'), used: [0x41],
      symbols: [...new Array(22).fill(0), 2], selectorMtf: [0] }]), status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_RUN_TOO_LONG },
    { name: 'too many symbols for the block size (a run of 100001 at level 1)', input: writeStream(1, [{ rle: Buffer.from('A'),
      used: [0x41], symbols: runSymbols(100_001, [2]), selectorMtf: [0] }]), status: EFI_COMPROMISED_DATA,
      reason: B.BZIP2_REASON_BLOCK_TOO_LONG },
    { name: 'too many symbols for the block size (a literal after 100000)', input: writeStream(1, [{ rle: Buffer.from('A'),
      used: [0x41, 0x42], symbols: runSymbols(100_000, [2, 3]), selectorMtf: [0] }]), status: EFI_COMPROMISED_DATA,
      reason: B.BZIP2_REASON_BLOCK_TOO_LONG },
    { name: 'origPtr out of range', input: writeStream(9, [plainBlock(plain, { origPtr: plain.length })]),
      status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_ORIG_PTR_RANGE },
    { name: 'origPtr out of range (2^24 - 1)', input: writeStream(9, [plainBlock(plain, { origPtr: 0xffffff })]),
      status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_ORIG_PTR_RANGE },
    { name: 'block crc mismatch', input: writeStream(9, [plainBlock(plain, { crc: (bzip2Crc(plain) ^ 1) >>> 0 })]),
      status: EFI_CRC_ERROR, reason: B.BZIP2_REASON_BLOCK_CRC },
    { name: 'stream crc mismatch', input: writeStream(9, [plainBlock(plain)], { streamCrc: (bzip2Crc(plain) ^ 0x80000000) >>> 0 }),
      status: EFI_CRC_ERROR, reason: B.BZIP2_REASON_STREAM_CRC },
    { name: 'block ends before a run count byte', input: writeStream(9, [{ rle: Buffer.from('xAAAA') }]),
      status: EFI_COMPROMISED_DATA, reason: B.BZIP2_REASON_RUN_COUNT_MISSING },
    { name: 'output buffer too small', input: good, capacity: plain.length - 1, status: EFI_BUFFER_TOO_SMALL,
      reason: B.BZIP2_REASON_OUTPUT_TOO_SMALL, cliAccepts: true },
  ];

  it('every reason code has a vector and a text', () => {
    const codes = Object.entries(B).filter(([name]) => name.startsWith('BZIP2_REASON_')).map(([, value]) => value as number);
    for (const code of codes) {
      expect(vectors.some((v) => v.reason === code), `reason ${code}`).toBe(true);
      expect(B.bzip2ReasonText(code), `reason ${code}`).not.toBe('unknown reason');
    }
  });

  it('ends each with its status and reason; bzip2 -dc refuses each too', async () => {
    const results = await decodeAll(vectors.map((v) => ({ input: v.input, capacity: v.capacity ?? 1 << 20 })));
    results.forEach((run, i) => {
      const v = vectors[i];
      expectFailure(run, v.status, v.reason, v.name);
      if (!v.cliAccepts) expect(cliDecode(v.input).ok, `bzip2 -dc accepts "${v.name}"`).toBe(false);
    });
  });
});

describe('bzip2Decode: truncation', () => {
  it('every prefix of small valid files ends in "truncated", except where a whole stream ends', async () => {
    const one = compress(text(700, 10), ['-1']);
    const two = Buffer.concat([compress(Buffer.from('first'), ['-9']), compress(runs().subarray(0, 600), ['-9'])]);
    const firstLength = compress(Buffer.from('first'), ['-9']).length;
    const jobs: { input: Uint8Array; capacity: number }[] = [];
    const expectations: { name: string; success: boolean }[] = [];
    for (const [label, file] of [['one stream', one], ['two streams', two]] as [string, Buffer][]) {
      for (let length = 0; length < file.length; length++) {
        jobs.push({ input: file.subarray(0, length), capacity: 1 << 16 });
        expectations.push({ name: `${label} prefix ${length}/${file.length}`, success: label === 'two streams' && length === firstLength });
      }
    }
    const results = await decodeAll(jobs);
    results.forEach((run, i) => {
      const e = expectations[i];
      if (e.success) expectSuccess(run, Buffer.from('first'), e.name);
      else expectFailure(run, EFI_COMPROMISED_DATA, B.BZIP2_REASON_TRUNCATED, e.name);
    });
    // The CLI agrees on a sample of them.
    for (const length of [0, 3, 4, 10, 40, one.length - 1]) expect(cliDecode(one.subarray(0, length)).ok).toBe(false);
  });
});

describe('bzip2Decode: random mutations', () => {
  it('end in bounded time in an error or the original bytes, and succeed exactly when bzip2 -dc does', async () => {
    const sources = [text(2000, 11), pseudoRandom(3000, 12), runs().subarray(0, 2500), Buffer.from('short')];
    const compressed = sources.map((s, i) => compress(s, [i % 2 === 0 ? '-9' : '-1']));
    const rnd = pseudoRandom(4 * 300 * 8, 13);
    let r = 0;
    const next = (limit: number): number => {
      const v = rnd.readUInt32LE((r = (r + 4) % (rnd.length - 4)));
      return v % limit;
    };
    const cases: { source: number; input: Buffer; name: string }[] = [];
    for (let i = 0; i < 300; i++) {
      const source = i % sources.length;
      const input = Buffer.from(compressed[source]);
      const kind = next(4);
      const flips = kind === 3 ? 1 + next(4) : 1;
      for (let f = 0; f < flips; f++) {
        // Mostly past the 4-byte stream header, where the interesting fields are.
        const at = next(input.length);
        if (kind === 2) input[at] = next(256);
        else input[at] ^= 1 << next(8);
      }
      cases.push({ source, input, name: `mutation ${i} (kind ${kind}) of source ${source}` });
    }
    const results = await decodeAll(cases.map((c) => ({ input: c.input, capacity: 1 << 16 })));
    let successes = 0;
    results.forEach((run, i) => {
      const c = cases[i];
      expect(run.timedOut, c.name).toBe(false);
      const cli = cliDecode(c.input);
      if (run.status === 0) {
        successes++;
        expect(Buffer.from(run.output).equals(sources[c.source]), c.name).toBe(true);
      }
      expect({ name: c.name, ours: run.status === 0, reason: run.reason }).toEqual({ name: c.name, ours: cli.ok, reason: run.reason });
    });
    console.log(`bzip2 mutations: ${cases.length} cases, ${successes} decoded to the original, the rest refused`);
  });
});
