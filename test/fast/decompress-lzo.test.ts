/**
 * lzoDecode (stub-src/decompress/lzo.ts) against the reference CLI, `lzop` 1.04 (LZO 2.10):
 * - differential: generated corpora compressed by `lzop -1/-3/-7/-9`, with CRC-32 and with
 *   compressed-data checksums, without checksums, from a file (name, mode, mtime in the header)
 *   and by kbuild's exact command (`lzop -9` on stdin, then the 4-byte size trailer), including
 *   empty input and multi-block input (> 256 KiB), decoded byte for byte equal;
 * - hand-made LZO1X streams that walk every instruction form (first literal run of 1..3 and of
 *   4+ literals, long literal runs, M1 after trailing literals and after a literal run, M2, M3
 *   and M4 with long lengths, M4 with the high distance bit, trailing literals 1..3), headers of
 *   the old (< 0x0940) layout and with an extra field, multipart archives and trailing bytes:
 *   decoded as `lzop -dc` decodes them;
 * - each match form whose length is in its first byte (M1 in both states, M2, M3, M4 with and
 *   without the high distance bit, overlapping or not, 0..3 trailing literals), once close to the
 *   block's ends (lzoDecompressBlock's exact path) and once far from them (its table decode),
 *   decoded as `lzop -dc` decodes them and the same both ways;
 * - one malformation per reason code, asserting the exact status and reason;
 * - every prefix of small valid files fails;
 * - random mutations end, in bounded time, in an error or in the bytes `lzop -dc` produces.
 * Adler-32 is checked against zlib. Every decode runs in a worker with a timeout. A missing
 * lzop fails the suite.
 */
import { readFileSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as Z from '../../stub-src/decompress/lzo.ts';
import { adler32Update } from '../../stub-src/decompress/adler32.ts';
import { decodeResult, DECODE_INPUT_OFFSET, DECODE_REASON } from '../../stub-src/decompress/result.ts';
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_CRC_ERROR, EFI_UNSUPPORTED } from '../../stub-src/efi/status.ts';
import { pseudoRandom, text, xorshift32, zeroLedBlocks } from '../support/corpus.ts';
import { decoderChecks } from '../support/decoder-checks.ts';
import { appendSize, cliDecode as referenceDecode, compressFileWith, compressWith, expectInstalled } from '../support/reference-cli.ts';

const { decodeAll, expectSuccess, expectFailure } = decoderChecks('lzo', 'lzoDecode', Z.lzoReasonText);

/** Independent references: zlib's Adler-32 (zlib stream trailer) and CRC-32 (gzip trailer). */
function referenceAdler32(data: Uint8Array): number {
  const z = zlib.deflateSync(data, { level: 0 });
  return z.readUInt32BE(z.length - 4);
}
function referenceCrc32(data: Uint8Array): number {
  const gz = zlib.gzipSync(data, { level: 0 });
  return gz.readUInt32LE(gz.length - 8);
}

function be32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b;
}
function be16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

/** `lzop <args> -c` on stdin, or on a file (the header then carries name, mode, mtime). */
function compress(data: Uint8Array, args: string[], fromFile = false): Buffer {
  return fromFile ? compressFileWith('lzop', [...args, '-c'], data, 'vmlinux.bin') : compressWith('lzop', [...args, '-c'], data);
}

/** lzop exits 2 for warnings (multipart archive, trailing garbage) with the data written. */
function cliDecode(data: Uint8Array): { ok: boolean; output: Buffer } {
  return referenceDecode('lzop', data, { okStatuses: [0, 2] });
}

/** kbuild (linux scripts/Makefile.lib cmd_lzo): `cat … | lzop -9`, then size_append (LE32). */
function kbuild(data: Uint8Array): Buffer {
  return appendSize(compress(data, ['-9']), data.length);
}

// ---- An lzop writer for hand-made files ---------------------------------------------------

const MAGIC = Buffer.from([0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a]);
const F_ADLER32_D = 0x1;
const F_ADLER32_C = 0x2;
const F_H_EXTRA_FIELD = 0x40;
const F_CRC32_D = 0x100;
const F_H_FILTER = 0x800;
const F_H_CRC32 = 0x1000;
const OS_UNIX = 0x03000000;

interface HeaderSpec {
  version?: number; libVersion?: number; needed?: number; method?: number; level?: number; flags?: number;
  filter?: number; name?: string; extra?: Buffer; badExtraChecksum?: boolean; badChecksum?: boolean;
}

function header(spec: HeaderSpec): Buffer {
  const version = spec.version ?? 0x1040;
  const flags = (spec.flags ?? OS_UNIX) | (spec.extra ? F_H_EXTRA_FIELD : 0) | (spec.filter !== undefined ? F_H_FILTER : 0);
  const parts: Buffer[] = [be16(version), be16(spec.libVersion ?? 0x20a0)];
  if (version >= 0x0940) parts.push(be16(spec.needed ?? 0x0940));
  parts.push(Buffer.from([spec.method ?? 1]));
  if (version >= 0x0940) parts.push(Buffer.from([spec.level ?? 5]));
  parts.push(be32(flags));
  if (spec.filter !== undefined) parts.push(be32(spec.filter));
  parts.push(be32(0o100644), be32(0x5f000000));
  if (version >= 0x0940) parts.push(be32(0));
  const name = Buffer.from(spec.name ?? '', 'latin1');
  parts.push(Buffer.from([name.length]), name);
  const body = Buffer.concat(parts);
  let checksum = (flags & F_H_CRC32) ? referenceCrc32(body) : referenceAdler32(body);
  if (spec.badChecksum) checksum ^= 1;
  const out = [MAGIC, body, be32(checksum)];
  if (spec.extra) {
    const field = Buffer.concat([be32(spec.extra.length), spec.extra]);
    let c = (flags & F_H_CRC32) ? referenceCrc32(field) : referenceAdler32(field);
    if (spec.badExtraChecksum) c ^= 1;
    out.push(field, be32(c));
  }
  return Buffer.concat(out);
}

/** A block without checksums (flags without F_*32_D/C): sizes, then the data. */
function rawBlock(uncompressedSize: number, data: Buffer): Buffer {
  return Buffer.concat([be32(uncompressedSize), be32(data.length), data]);
}
const END = be32(0);

/** LZO1X length bytes for a length field that was 0: zero bytes for each 255, then the rest. */
function zeros(count: number, last: number): Buffer {
  return Buffer.concat([Buffer.alloc(count), Buffer.from([last])]);
}

// Stream 1: every short form. Output sizes are noted in the comments.
const literals533 = pseudoRandom(533, 21);
const tour = Buffer.concat([
  Buffer.from([20]), Buffer.from('abc'), // first byte 20: 3 literals, state 3
  Buffer.from([0x01, 0x00]), Buffer.from('d'), // M1 2-byte at distance 1, 1 trailing literal → 6
  Buffer.from([0x04, 0x00]), // M1 2-byte at distance 2, no literals → 8, state 0
  Buffer.from([0x00]), zeros(2, 5), literals533, // literal run 15+510+5+3 = 533 → 541, state 4
  Buffer.from([0x20]), zeros(1, 16), Buffer.from([(51 << 2) | 2, 7]), Buffer.from('xy'), // M3 304 at 500, 2 literals → 847
  Buffer.from([236, 10]), // M2 length 8 at 84 → 855, state 0
  Buffer.from([0x0f]), Buffer.from('eighteen literals!'), // literal run 18 → 873, state 4
  Buffer.from([0x20]), zeros(64, 1), Buffer.from([0, 0]), // M3 31+16320+1+2 = 16354 at 1 → 17227, state 0
  Buffer.from([0x01]), Buffer.from('four'), // literal run 4 → 17231, state 4
  Buffer.from([0x0d, 5]), Buffer.from('!'), // M1 3-byte at 2049+3+20 = 2072, 1 literal → 17235
  Buffer.from([0x15, (36 << 2) | 3, 1]), Buffer.from('end'), // M4 length 7 at 16384+100, 3 literals → 17245
  Buffer.from([0x11, 0, 0]),
]);
const TOUR_SIZE = 17245;

// Stream 2: a long literal run, M4 with the high distance bit, M3 with a long length.
const literals40000 = pseudoRandom(40_000, 22);
const far = Buffer.concat([
  Buffer.from([0x00]), zeros(156, 202), literals40000, // literal run 15+39780+202+3 = 40000, state 4
  Buffer.from([0x19, 40 << 2, 15]), // M4 length 3 at 16384+16384+1000 → 40003, state 0
  Buffer.from([0x02]), Buffer.from('fives'), // literal run 5 → 40008, state 4
  Buffer.from([0x20]), zeros(10, 1), Buffer.from([0, 0]), // M3 31+2550+1+2 = 2584 at 1 → 42592
  Buffer.from([0x11, 0, 0]),
]);
const FAR_SIZE = 42_592;

// Stream 3: a first literal run of 4+ literals (first byte 17 + 6) followed by a match.
const firstRun = Buffer.concat([Buffer.from([23]), Buffer.from('abcdef'), Buffer.from([0x3f, 5 << 2, 0]), Buffer.from([0x11, 0, 0])]);
const FIRST_RUN_SIZE = 6 + 33;

describe('lzop reference CLI', () => {
  it('is installed (scripts/install-deps.sh installs lzop)', () => {
    expectInstalled('lzop', /lzop 1\./);
  });
});

describe('adler32Update', () => {
  it('agrees with zlib on lengths 0..64, large buffers and in pieces', () => {
    for (let length = 0; length <= 64; length++) {
      const data = pseudoRandom(length, length + 1);
      expect(adler32Update(1, data, 0, length), `length ${length}`).toBe(referenceAdler32(data));
    }
    const big = Buffer.concat([Buffer.alloc(100_000, 0xff), pseudoRandom(1 << 20, 5)]);
    const whole = adler32Update(1, big, 0, big.length);
    expect(whole).toBe(referenceAdler32(big));
    let running = 1;
    for (let start = 0; start < big.length; start += 77_777) running = adler32Update(running, big, start, Math.min(big.length, start + 77_777));
    expect(running).toBe(whole);
  });

  it('agrees with zlib on all-zero 128-byte blocks and on blocks zero but for one byte, at every offset', () => {
    const zeroLed = zeroLedBlocks();
    expect(adler32Update(1, zeroLed, 0, zeroLed.length)).toBe(referenceAdler32(zeroLed));
    // from starts across a block: the zero-block test at each alignment, after low and high grew
    const mixed = Buffer.concat([pseudoRandom(3000, 9), zeroLed, Buffer.alloc(5000), pseudoRandom(200, 10)]);
    for (let start = 0; start < 128; start += 9) {
      expect(adler32Update(1, mixed, start, mixed.length), `start ${start}`).toBe(referenceAdler32(mixed.subarray(start)));
    }
  });
});

describe('lzoDecode: differential against lzop', () => {
  const gzipBinary = readFileSync('/usr/bin/gzip');
  const bashBinary = readFileSync('/usr/bin/bash').subarray(0, 1_200_000);
  const corpora: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([0x41])],
    ['three bytes', Buffer.from('abc')],
    ['random 100k', pseudoRandom(100_000, 2)],
    ['zeros 300k', Buffer.alloc(300_000)],
    ['abc repeated', Buffer.from('abc'.repeat(70_000))],
    ['repeated random 1k x 200', Buffer.concat(Array.from({ length: 200 }, () => pseudoRandom(1024, 3)))],
    ['text 200k', text(200_000, 4)],
    ['x86 /usr/bin/gzip', gzipBinary],
    ['zero-led 128-byte blocks', zeroLedBlocks()],
  ];
  const options = [['-1'], ['-3'], ['-7'], ['-9'], ['-9', '--crc32'], ['-3', '-C', '-C'], ['-1', '--crc32', '-C', '-C'], ['-1', '-F']];

  it('decodes every corpus with 8 option sets, from a file and with the kbuild command line', async () => {
    const jobs: { name: string; input: Buffer; expected: Buffer }[] = [];
    for (const [name, data] of corpora) {
      for (const args of options) jobs.push({ name: `${name} ${args.join(' ')}`, input: compress(data, args), expected: data });
      jobs.push({ name: `${name} -9 from a file`, input: compress(data, ['-9'], true), expected: data });
      jobs.push({ name: `${name} kbuild`, input: kbuild(data), expected: data });
    }
    jobs.push({ name: 'x86 /usr/bin/bash 1.2 MB kbuild', input: kbuild(bashBinary), expected: bashBinary });
    jobs.push({ name: 'x86 /usr/bin/bash 1.2 MB -1', input: compress(bashBinary, ['-1']), expected: bashBinary });
    const results = await decodeAll(jobs.map((j) => ({ input: j.input, capacity: j.expected.length })));
    results.forEach((run, i) => expectSuccess(run, jobs[i].expected, jobs[i].name));
  });

  it('decodes multi-block inputs around the 256 KiB block size', async () => {
    const jobs: { name: string; input: Buffer; expected: Buffer }[] = [];
    for (const size of [262_143, 262_144, 262_145, 524_288, 700_001]) {
      const data = Buffer.concat([text(size >> 1, size), pseudoRandom(size - (size >> 1), size)]);
      jobs.push({ name: `${size} -9`, input: compress(data, ['-9']), expected: data });
      jobs.push({ name: `${size} -1 --crc32 -C -C`, input: compress(data, ['-1', '--crc32', '-C', '-C']), expected: data });
    }
    const results = await decodeAll(jobs.map((j) => ({ input: j.input, capacity: j.expected.length })));
    results.forEach((run, i) => expectSuccess(run, jobs[i].expected, jobs[i].name));
  });

  it('stops at the end block and skips the kbuild trailer, saying how much it used', () => {
    for (const data of [text(50_000, 5), Buffer.alloc(0)]) {
      const input = kbuild(data);
      const output = new Uint8Array(data.length + 16);
      expect(Z.lzoDecode(input, input.length, output, output.length)).toBe(0);
      expect(Z.lzoInputConsumed()).toBe(input.length - 4);
      expect(Buffer.from(output.subarray(0, data.length)).equals(data)).toBe(true);
    }
  });

  it('fills the output exactly, and reports a buffer one byte short (compressed and stored blocks)', async () => {
    const data = text(5000, 5);
    const random = pseudoRandom(5000, 6);
    const results = await decodeAll([
      { input: compress(data, ['-9']), capacity: data.length },
      { input: compress(data, ['-9']), capacity: data.length - 1 },
      { input: compress(random, ['-1']), capacity: random.length - 1 },
      { input: compress(Buffer.alloc(0), ['-1']), capacity: 0 },
    ]);
    expectSuccess(results[0], data, 'exact capacity');
    expectFailure(results[1], EFI_BUFFER_TOO_SMALL, Z.LZO_REASON_OUTPUT_TOO_SMALL, 'compressed block one byte short');
    expectFailure(results[2], EFI_BUFFER_TOO_SMALL, Z.LZO_REASON_OUTPUT_TOO_SMALL, 'stored block one byte short');
    expectSuccess(results[3], new Uint8Array(0), 'empty into zero capacity');
  });
});

describe('lzoDecode: hand-made files, as lzop -dc reads them', () => {
  const a = text(3000, 7);
  const aFile = compress(a, ['-9']);
  const cases: { name: string; input: Buffer }[] = [
    { name: 'every short instruction form', input: Buffer.concat([header({}), rawBlock(TOUR_SIZE, tour), END]) },
    { name: 'long literal run and M4 with the high distance bit', input: Buffer.concat([header({ level: 1 }), rawBlock(FAR_SIZE, far), END]) },
    { name: 'first literal run of 6, then M3', input: Buffer.concat([header({ method: 2, level: 1 }), rawBlock(FIRST_RUN_SIZE, firstRun), END]) },
    { name: 'stored block', input: Buffer.concat([header({}), rawBlock(5, Buffer.from('hello')), END]) },
    { name: 'two blocks', input: Buffer.concat([header({}), rawBlock(5, Buffer.from('hello')), rawBlock(TOUR_SIZE, tour), END]) },
    { name: 'old header layout (version 0x0930)', input: Buffer.concat([header({ version: 0x0930 }), rawBlock(TOUR_SIZE, tour), END]) },
    { name: 'LZO1X-999 level 0 (default level)', input: Buffer.concat([header({ method: 3, level: 0 }), rawBlock(TOUR_SIZE, tour), END]) },
    { name: 'CRC-32 header checksum and a name', input: Buffer.concat([header({ flags: OS_UNIX | F_H_CRC32, name: 'vmlinux.bin', needed: 0x1001 }), rawBlock(5, Buffer.from('hello')), END]) },
    { name: 'extra field', input: Buffer.concat([header({ extra: Buffer.from('extra data') }), rawBlock(5, Buffer.from('hello')), END]) },
    { name: 'multipart archive', input: Buffer.concat([aFile, aFile]) },
    { name: 'trailing garbage', input: Buffer.concat([aFile, Buffer.from('garbage!!')]) },
    { name: 'trailing zero bytes', input: Buffer.concat([aFile, Buffer.alloc(20)]) },
    { name: 'trailing partial magic', input: Buffer.concat([aFile, MAGIC.subarray(0, 5)]) },
  ];

  it('decodes each one to the bytes lzop -dc produces', async () => {
    const expected = cases.map((c) => {
      const cli = cliDecode(c.input);
      expect({ name: c.name, ok: cli.ok }).toEqual({ name: c.name, ok: true });
      return cli.output;
    });
    expect(expected[0].length).toBe(TOUR_SIZE);
    expect(expected[1].length).toBe(FAR_SIZE);
    expect(expected[2].equals(Buffer.from('abcdef'.repeat(6) + 'abc'))).toBe(true);
    expect(expected[9].equals(Buffer.concat([a, a]))).toBe(true);
    const results = await decodeAll(cases.map((c, i) => ({ input: c.input, capacity: expected[i].length })));
    results.forEach((run, i) => expectSuccess(run, expected[i], cases[i].name));
  });
});

// Each match form with its length in the instruction byte, decoded once by lzoDecompressBlock's
// table decode and once by its exact path: which one decodes an instruction depends only on how
// close it is to the block's ends (LZO_TABLE_INPUT_ROOM, LZO_TABLE_OUTPUT_ROOM).
/**
 * 50,000 bytes of output before each form, so that every distance up to 49,151 reaches into it,
 * from few enough bytes that the block stays compressed: a literal run of 2,999 (18 + 255·11 +
 * 176) random literals, then an M3 of 47,001 (31 + 255·184 + 48 + 2) bytes from 2,999 back that
 * repeats them. State 0 after it.
 */
const PREFIX_OUTPUT = 50_000;
const prefixRun = Buffer.concat([
  Buffer.from([0x00]), zeros(11, 176), pseudoRandom(2999, 23),
  Buffer.from([0x20]), zeros(184, 48), Buffer.from([(2998 << 2) & 0xff, (2998 << 2) >> 8]),
]);
/** LZO1X's 16-bit little-endian distance word of M3 and M4: distance bits, then 2 trailing-literal bits. */
const word = (field: number, trailing: number): Buffer => Buffer.from([((field << 2) | trailing) & 0xff, (field << 2) >> 8]);
/** Match instructions (lengths in the byte) by length, distance and number of trailing literals. */
const m1AfterLiterals = (distance: number, trailing: number): Buffer =>
  Buffer.from([(((distance - 1) & 3) << 2) | trailing, (distance - 1) >> 2]);
const m1AfterRun = (distance: number, trailing: number): Buffer =>
  Buffer.from([(((distance - 2049) & 3) << 2) | trailing, (distance - 2049) >> 2]);
const m2 = (length: number, distance: number, trailing: number): Buffer =>
  Buffer.from([((length - 1) << 5) | (((distance - 1) & 7) << 2) | trailing, (distance - 1) >> 3]);
const m3 = (length: number, distance: number, trailing: number): Buffer =>
  Buffer.concat([Buffer.from([32 | (length - 2)]), word(distance - 1, trailing)]);
const m4 = (length: number, distance: number, trailing: number): Buffer => {
  const high = distance >= 32768 ? 8 : 0;
  return Buffer.concat([Buffer.from([16 | high | (length - 2)]), word(distance - 16384 - (high << 11), trailing)]);
};
const forms: { name: string; bytes: Buffer; output: number }[] = [
  { name: 'M2 3 bytes from 1 back (overlapping)', bytes: m2(3, 1, 0), output: 3 },
  { name: 'M2 8 bytes from 2048 back, 3 literals', bytes: Buffer.concat([m2(8, 2048, 3), Buffer.from('xyz')]), output: 11 },
  { name: 'M2 5 bytes from 9 back, 1 literal', bytes: Buffer.concat([m2(5, 9, 1), Buffer.from('q')]), output: 6 },
  { name: 'M3 33 bytes from 16384 back, 2 literals', bytes: Buffer.concat([m3(33, 16384, 2), Buffer.from('ab')]), output: 35 },
  { name: 'M3 20 bytes from 5 back (overlapping)', bytes: m3(20, 5, 0), output: 20 },
  { name: 'M3 3 bytes from 1 back, 3 literals', bytes: Buffer.concat([m3(3, 1, 3), Buffer.from('cde')]), output: 6 },
  { name: 'M4 9 bytes from 49151 back, 1 literal', bytes: Buffer.concat([m4(9, 49151, 1), Buffer.from('f')]), output: 10 },
  { name: 'M4 3 bytes from 16385 back (high bit clear)', bytes: m4(3, 16385, 0), output: 3 },
  { name: 'M4 5 bytes from 32768 back (distance field 0, high bit set), 2 literals', bytes: Buffer.concat([m4(5, 32768, 2), Buffer.from('gh')]), output: 7 },
  { name: 'M1 after a literal run: 3 bytes from 3000 back, 1 literal',
    bytes: Buffer.concat([Buffer.from([0x01]), Buffer.from('wxyz'), m1AfterRun(3000, 1), Buffer.from('i')]), output: 4 + 3 + 1 },
  { name: 'M1 after 2 trailing literals: 2 bytes from 700 back, 3 literals',
    bytes: Buffer.concat([m2(3, 100, 2), Buffer.from('cd'), m1AfterLiterals(700, 3), Buffer.from('efg')]), output: 3 + 2 + 2 + 3 },
  { name: 'M1 after 1 trailing literal: 2 bytes from 1 back (overlapping)',
    bytes: Buffer.concat([m2(3, 100, 1), Buffer.from('c'), m1AfterLiterals(1, 0)]), output: 3 + 1 + 2 },
];
/** M3 of 31 + 40 + 2 = 73 bytes from 1 back: output and input after a form, for its table decode. */
const PADDING = Buffer.concat([Buffer.from([0x20, 40]), word(0, 0)]);
const PADDING_OUTPUT = 73;
const END_MARKER = Buffer.from([0x11, 0, 0]);

describe('lzoDecode: each match form on the table decode and on the exact path', () => {
  it('decodes each form to the bytes lzop -dc produces, the same on both paths', async () => {
    // Exact path: the form's output is the block's last, less than the table decode's room.
    // Table decode: the padding after it gives the room.
    for (const form of forms) expect(form.output, form.name).toBeLessThan(Z.LZO_TABLE_OUTPUT_ROOM);
    expect(PADDING_OUTPUT).toBeGreaterThanOrEqual(Z.LZO_TABLE_OUTPUT_ROOM);
    expect(PADDING.length + END_MARKER.length).toBeGreaterThanOrEqual(Z.LZO_TABLE_INPUT_ROOM);
    const files = forms.flatMap((form) => {
      const size = PREFIX_OUTPUT + form.output;
      return [
        Buffer.concat([header({}), rawBlock(size, Buffer.concat([prefixRun, form.bytes, END_MARKER])), END]),
        Buffer.concat([header({}), rawBlock(size + PADDING_OUTPUT, Buffer.concat([prefixRun, form.bytes, PADDING, END_MARKER])), END]),
      ];
    });
    const names = forms.flatMap((form) => [`${form.name}, exact path`, `${form.name}, table decode`]);
    const expected = files.map((file, i) => {
      const cli = cliDecode(file);
      expect({ name: names[i], ok: cli.ok }).toEqual({ name: names[i], ok: true });
      return cli.output;
    });
    const results = await decodeAll(files.map((input, i) => ({ input, capacity: expected[i].length })));
    results.forEach((run, i) => expectSuccess(run, expected[i], names[i]));
    forms.forEach((form, k) => {
      const exact = expected[2 * k];
      const table = expected[2 * k + 1];
      expect(exact.length, form.name).toBe(PREFIX_OUTPUT + form.output);
      expect(table.subarray(0, exact.length).equals(exact), form.name).toBe(true);
      expect(table.subarray(exact.length).equals(Buffer.alloc(PADDING_OUTPUT, exact[exact.length - 1])), form.name).toBe(true);
    });
  });
});

/** A literal run of 3, then an M2 from 8 back (before the block start), then padding and the end marker. */
const M2_BEFORE_START_ROOMY = Buffer.from([20, 0x61, 0x62, 0x63, 64 | (7 << 2), 0, 0, 0, 0, 0, 0x11, 0, 0]);

describe('lzoDecode: one malformation per reason code', () => {
  const hello = rawBlock(5, Buffer.from('hello'));
  const good = Buffer.concat([header({}), hello, END]);
  const data = text(3000, 8);
  const adlerFile = compress(data, ['-3', '-C', '-C']); // d and c Adler-32
  const crcFile = compress(data, ['-3', '--crc32', '-C', '-C']); // d and c CRC-32
  const firstBlock = (file: Buffer): number => {
    // magic 9, version..needed 6, method+level 2, flags 4, mode 4, mtime 8, name length 1 (stdin: 0), checksum 4
    return 9 + 6 + 2 + 4 + 4 + 8 + 1 + 4 + file[9 + 6 + 2 + 4 + 4 + 8];
  };
  const flip = (b: Buffer, at: number): Buffer => { const c = Buffer.from(b); c[at] ^= 1; return c; };
  const withBlock = (block: Buffer, spec: HeaderSpec = {}): Buffer => Buffer.concat([header(spec), block, END]);
  const a0 = firstBlock(adlerFile);
  const c0 = firstBlock(crcFile);
  // [name, input, status, reason, also refused by lzop -dc?]
  const vectors: [string, Buffer, number, number, boolean][] = [
    ['empty input', Buffer.alloc(0), EFI_COMPROMISED_DATA, Z.LZO_REASON_EMPTY_INPUT, true],
    ['bad magic', Buffer.from('not an lzop file at all'), EFI_COMPROMISED_DATA, Z.LZO_REASON_BAD_MAGIC, true],
    ['truncated header', good.subarray(0, 12), EFI_COMPROMISED_DATA, Z.LZO_REASON_TRUNCATED_HEADER, true],
    ['truncated header (name)', withBlock(hello, { name: 'abcdef' }).subarray(0, 38), EFI_COMPROMISED_DATA, Z.LZO_REASON_TRUNCATED_HEADER, true],
    ['version below 0x0900', withBlock(hello, { version: 0x0800 }), EFI_COMPROMISED_DATA, Z.LZO_REASON_VERSION, true],
    ['needs a newer lzop', withBlock(hello, { needed: 0x2000 }), EFI_UNSUPPORTED, Z.LZO_REASON_VERSION_NEEDED, true],
    ['version needed below 0x0900', withBlock(hello, { needed: 0x0800 }), EFI_COMPROMISED_DATA, Z.LZO_REASON_VERSION_NEEDED_INVALID, true],
    ['header checksum', withBlock(hello, { badChecksum: true }), EFI_CRC_ERROR, Z.LZO_REASON_HEADER_CHECKSUM, true],
    ['header checksum (CRC-32)', withBlock(hello, { flags: OS_UNIX | F_H_CRC32, badChecksum: true }), EFI_CRC_ERROR, Z.LZO_REASON_HEADER_CHECKSUM, true],
    ['unknown method', withBlock(hello, { method: 4 }), EFI_UNSUPPORTED, Z.LZO_REASON_METHOD, true],
    ['method 0', withBlock(hello, { method: 0 }), EFI_UNSUPPORTED, Z.LZO_REASON_METHOD, true],
    ['level 10', withBlock(hello, { level: 10 }), EFI_UNSUPPORTED, Z.LZO_REASON_LEVEL, true],
    ['reserved flag', withBlock(hello, { flags: OS_UNIX | 0x4000 }), EFI_UNSUPPORTED, Z.LZO_REASON_RESERVED_FLAGS, true],
    ['filter', withBlock(hello, { filter: 1, needed: 0x0950 }), EFI_UNSUPPORTED, Z.LZO_REASON_FILTER, false],
    ['extra field checksum', withBlock(hello, { extra: Buffer.from('xyz'), badExtraChecksum: true }), EFI_CRC_ERROR, Z.LZO_REASON_EXTRA_FIELD_CHECKSUM, true],
    ['truncated extra field', withBlock(hello, { extra: Buffer.alloc(40) }).subarray(0, 60), EFI_COMPROMISED_DATA, Z.LZO_REASON_TRUNCATED_HEADER, true],
    ['compressed checksum without data checksum', withBlock(hello, { flags: OS_UNIX | F_ADLER32_C }), EFI_COMPROMISED_DATA, Z.LZO_REASON_CHECKSUM_FLAGS, true],
    ['truncated block header', good.subarray(0, good.length - 15), EFI_COMPROMISED_DATA, Z.LZO_REASON_TRUNCATED_BLOCK_HEADER, true],
    ['missing end block', good.subarray(0, good.length - 4), EFI_COMPROMISED_DATA, Z.LZO_REASON_TRUNCATED_BLOCK_HEADER, true],
    ['split file', withBlock(Buffer.concat([be32(0xffffffff), be32(5), Buffer.from('hello')])), EFI_UNSUPPORTED, Z.LZO_REASON_SPLIT_FILE, true],
    ['block above 64 MiB', withBlock(Buffer.concat([be32(0x04000001), be32(5), Buffer.from('hello')])), EFI_COMPROMISED_DATA, Z.LZO_REASON_BLOCK_TOO_LARGE, true],
    ['compressed size 0', withBlock(Buffer.concat([be32(5), be32(0)])), EFI_COMPROMISED_DATA, Z.LZO_REASON_COMPRESSED_SIZE, true],
    ['compressed size above the block size', withBlock(Buffer.concat([be32(5), be32(6), Buffer.from('hello!')])), EFI_COMPROMISED_DATA, Z.LZO_REASON_COMPRESSED_SIZE, true],
    ['truncated block', good.subarray(0, good.length - 6), EFI_COMPROMISED_DATA, Z.LZO_REASON_TRUNCATED_BLOCK, true],
    ['compressed-data Adler-32', flip(adlerFile, a0 + 15), EFI_CRC_ERROR, Z.LZO_REASON_COMPRESSED_ADLER32, true],
    ['compressed-data CRC-32', flip(crcFile, c0 + 15), EFI_CRC_ERROR, Z.LZO_REASON_COMPRESSED_CRC32, true],
    ['data Adler-32', flip(adlerFile, a0 + 11), EFI_CRC_ERROR, Z.LZO_REASON_ADLER32, true],
    ['data CRC-32', flip(crcFile, c0 + 11), EFI_CRC_ERROR, Z.LZO_REASON_CRC32, true],
    ['data Adler-32 of a stored block', withBlock(Buffer.concat([be32(5), be32(5), be32(1), Buffer.from('hello')]), { flags: OS_UNIX | F_ADLER32_D }), EFI_CRC_ERROR, Z.LZO_REASON_ADLER32, true],
    ['data CRC-32 of a stored block', withBlock(Buffer.concat([be32(5), be32(5), be32(1), Buffer.from('hello')]), { flags: OS_UNIX | F_CRC32_D }), EFI_CRC_ERROR, Z.LZO_REASON_CRC32, true],
    ['LZO data runs past the block', withBlock(rawBlock(10, Buffer.from([20, 0x61, 0x62, 0x63]))), EFI_COMPROMISED_DATA, Z.LZO_REASON_INPUT_OVERRUN, true],
    ['first literal run past the block', withBlock(rawBlock(10, Buffer.from([25, 0x61, 0x62]))), EFI_COMPROMISED_DATA, Z.LZO_REASON_INPUT_OVERRUN, true],
    ['long literal run past the block', withBlock(rawBlock(1000, Buffer.from([0, 0, 0, 0, 9, 1, 2, 3]))), EFI_COMPROMISED_DATA, Z.LZO_REASON_INPUT_OVERRUN, true],
    ['LZO data produces more than the block', withBlock(rawBlock(1000, tour)), EFI_COMPROMISED_DATA, Z.LZO_REASON_OUTPUT_OVERRUN, true],
    ['match before the block start', withBlock(rawBlock(20, Buffer.from([20, 0x61, 0x62, 0x63, 64 | (7 << 2), 0, 0x11, 0, 0]))), EFI_COMPROMISED_DATA, Z.LZO_REASON_LOOKBEHIND_OVERRUN, true],
    // The same M2 with nine bytes of input and 37 of output from it: lzoDecompressBlock's table decode.
    ['M2 before the block start, far from its ends', withBlock(rawBlock(40, M2_BEFORE_START_ROOMY)), EFI_COMPROMISED_DATA, Z.LZO_REASON_LOOKBEHIND_OVERRUN, true],
    // First byte 17 is an ordinary M4 instruction (no bitstream-version byte as in Linux's LZO-RLE).
    ['match into the previous block', withBlock(Buffer.concat([hello, rawBlock(20, Buffer.from([0x11, 1 << 2, 0, 0x11, 0, 0]))])), EFI_COMPROMISED_DATA, Z.LZO_REASON_LOOKBEHIND_OVERRUN, true],
    ['data after the end marker', withBlock(rawBlock(TOUR_SIZE, Buffer.concat([tour, Buffer.from([0])]))), EFI_COMPROMISED_DATA, Z.LZO_REASON_INPUT_NOT_CONSUMED, true],
    // Eight bytes after the end marker and 100 of output left: the table decode meets it first.
    ['data after the end marker, far from the block\'s ends', withBlock(rawBlock(TOUR_SIZE + 100, Buffer.concat([tour, Buffer.alloc(8)]))), EFI_COMPROMISED_DATA, Z.LZO_REASON_INPUT_NOT_CONSUMED, true],
    ['block decodes short', withBlock(rawBlock(TOUR_SIZE + 1, tour)), EFI_COMPROMISED_DATA, Z.LZO_REASON_SIZE_MISMATCH, true],
    ['end marker only', withBlock(rawBlock(5, Buffer.from([0x11, 0, 0]))), EFI_COMPROMISED_DATA, Z.LZO_REASON_SIZE_MISMATCH, true],
  ];

  it('ends each in its status and reason, as lzop -dc refuses them', async () => {
    for (const [name, input, , , cliRefuses] of vectors) {
      expect({ name, cliOk: cliDecode(input).ok }).toEqual({ name, cliOk: !cliRefuses });
    }
    const results = await decodeAll(vectors.map(([, input]) => ({ input, capacity: 100_000 })));
    results.forEach((run, i) => expectFailure(run, vectors[i][2], vectors[i][3], vectors[i][0]));
    const listed = new Set(vectors.map((v) => v[3]));
    listed.add(Z.LZO_REASON_OUTPUT_TOO_SMALL); // tested above
    listed.add(Z.LZO_REASON_INPUT_TOO_LARGE); // below
    const all = Object.entries(Z).filter(([k]) => k.startsWith('LZO_REASON_')).map(([, v]) => v as number);
    expect(all.filter((r) => !listed.has(r))).toEqual([]);
    for (const r of all) expect(Z.lzoReasonText(r)).not.toBe('unknown reason');
  });

  it('reports an M2 reaching before the block start at the same offset on both of its paths', () => {
    // The exact path (5 bytes of input and 17 of output from the instruction on) and the table
    // decode (9 and 37): the files agree up to the M2's distance byte, after which both report.
    const offsetOf = (file: Buffer): number => {
      const output = new Uint8Array(64);
      expect(Z.lzoDecode(file, file.length, output, output.length) >>> 0).toBe(EFI_COMPROMISED_DATA >>> 0);
      expect(decodeResult[DECODE_REASON]).toBe(Z.LZO_REASON_LOOKBEHIND_OVERRUN);
      return decodeResult[DECODE_INPUT_OFFSET];
    };
    const general = offsetOf(withBlock(rawBlock(20, Buffer.from([20, 0x61, 0x62, 0x63, 64 | (7 << 2), 0, 0x11, 0, 0]))));
    const fast = offsetOf(withBlock(rawBlock(40, M2_BEFORE_START_ROOMY)));
    expect(fast).toBe(general);
    // The offset is just past the distance byte: the block's data starts 6 bytes before it.
    expect(withBlock(rawBlock(40, M2_BEFORE_START_ROOMY)).subarray(fast - 6, fast)).toEqual(M2_BEFORE_START_ROOMY.subarray(0, 6));
  });

  it('refuses an input length of 2 GiB or more', () => {
    const output = new Uint8Array(16);
    expect(Z.lzoDecode(good, 0x80000000, output, 16) >>> 0).toBe(EFI_UNSUPPORTED >>> 0);
    expect(decodeResult[DECODE_REASON]).toBe(Z.LZO_REASON_INPUT_TOO_LARGE);
  });
});

describe('lzoDecode: truncation and mutation', () => {
  it('fails on every prefix of small valid files', async () => {
    const data = text(1500, 10);
    const files: [string, Buffer, number][] = [
      ['kbuild -9', kbuild(data).subarray(0, -4), 1],
      ['-1 --crc32 -C -C from a file', compress(data, ['-1', '--crc32', '-C', '-C'], true), 1],
      ['multi-block -3', compress(Buffer.concat([text(300_000, 3), pseudoRandom(20_000, 1)]), ['-3']), 31],
    ];
    for (const [name, file, step] of files) {
      const jobs = Array.from({ length: Math.ceil(file.length / step) }, (_, k) => ({ input: file.subarray(0, k * step), capacity: 400_000 }));
      const results = await decodeAll(jobs);
      expect(results.some((r) => r.timedOut), name).toBe(false);
      const succeeded = results.map((r, k) => (r.status === 0 ? k * step : -1)).filter((n) => n >= 0);
      expect({ name, succeeded }).toEqual({ name, succeeded: [] });
      for (let n = 0; n < file.length; n += 97 * step) {
        expect({ name, n, cliOk: cliDecode(file.subarray(0, n)).ok }).toEqual({ name, n, cliOk: false });
      }
    }
  });

  it('ends random mutations in an error or in the bytes lzop -dc produces, in bounded time', async () => {
    const data = Buffer.concat([text(3000, 11), pseudoRandom(300, 12), Buffer.alloc(500, 0x20)]);
    const sources = [compress(data, ['-9']), compress(data, ['-1', '-F']), compress(data, ['-3', '--crc32', '-C', '-C']),
      Buffer.concat([header({}), rawBlock(TOUR_SIZE, tour), END])];
    const cases: Buffer[] = [];
    const next = xorshift32(54321);
    for (let i = 0; i < 300; i++) {
      const m = Buffer.from(sources[i % sources.length]);
      const count = 1 + (next() % 3);
      for (let k = 0; k < count; k++) m[next() % m.length] = next() & 255;
      cases.push(m);
    }
    const results = await decodeAll(cases.map((input) => ({ input, capacity: 100_000 })));
    let successes = 0;
    results.forEach((run, i) => {
      expect(run.timedOut, `mutation ${i}`).toBe(false);
      const cli = cliDecode(cases[i]);
      if (run.status === 0) {
        successes++;
        expect({ i, cliOk: cli.ok, same: cli.output.equals(Buffer.from(run.output)) }).toEqual({ i, cliOk: true, same: true });
      } else if (cli.ok) {
        // Only a smaller output buffer than lzop's may refuse what lzop accepts.
        expect({ i, reason: Z.lzoReasonText(run.reason) }).toEqual({ i, reason: Z.lzoReasonText(Z.LZO_REASON_OUTPUT_TOO_SMALL) });
      }
    });
    expect(successes).toBeGreaterThan(0);
  });
});
