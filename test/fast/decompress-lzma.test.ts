/**
 * lzmaDecode (stub-src/decompress/lzma.ts over lzma-decoder.ts) against the reference CLI,
 * `lzma` (xz-utils 5.4, --format=lzma):
 * - differential: generated corpora (empty, 1 byte, random, repetitive, text, x86 code) with
 *   kbuild's command line (`lzma -9`, plus the 4-byte size trailer the caller strips), presets
 *   -0..-9 and -e, lc/lp/pb variants (--lzma1=lc=0,lp=2,pb=0 …); byte-for-byte equal;
 * - the known-size header variants xz-utils accepts (size with and without the end marker);
 * - one malformed file per reason code, asserting status and reason (and that lzma -dc refuses
 *   it too);
 * - every prefix of small valid files fails; random mutations end, in bounded time, in an error
 *   or in exactly what `lzma -dc` outputs.
 * Every decode runs in a worker with a timeout. A missing lzma fails the suite.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../stub-src/decompress/lzma.ts';
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_UNSUPPORTED } from '../../stub-src/efi/status.ts';
import { pseudoRandom, text, xorshift32 } from '../support/corpus.ts';
import { decoderChecks } from '../support/decoder-checks.ts';
import { cliDecode as referenceDecode, compressWith, expectInstalled } from '../support/reference-cli.ts';

const { decodeAll, expectSuccess, expectFailure } = decoderChecks('lzma', 'lzmaDecode', L.lzmaReasonText);

function lzma(data: Uint8Array, args: string[]): Buffer {
  return compressWith('lzma', ['-c', ...args], data);
}

function cliDecode(data: Uint8Array): { ok: boolean; output: Buffer } {
  return referenceDecode('lzma', data);
}

/** The header with another dictionary size. */
function dictionary(file: Buffer, size: number): Buffer {
  const b = Buffer.from(file);
  b.writeUInt32LE(size, 1);
  return b;
}

/** The header with a known uncompressed size instead of "unknown" (the CLI always writes unknown). */
function withSize(file: Buffer, size: bigint): Buffer {
  const b = Buffer.from(file);
  b.writeBigUInt64LE(size, 5);
  return b;
}

const x86Code = readFileSync('/usr/bin/gzip');

describe('lzma reference CLI', () => {
  it('is installed (scripts/install-deps.sh installs xz-utils)', () => {
    expectInstalled('lzma', /XZ Utils/);
  });
});

describe('lzmaDecode: differential against lzma', () => {
  const corpora: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([0x41])],
    ['random 1k', pseudoRandom(1024, 1)],
    ['random 100k', pseudoRandom(100_000, 2)],
    ['zeros 300k', Buffer.alloc(300_000)],
    ['repeated random 1k x 300', Buffer.concat(Array.from({ length: 300 }, () => pseudoRandom(1024, 3)))],
    ['abab', Buffer.from('ab'.repeat(50_000))],
    ['text 200k', text(200_000, 4)],
    ['x86 /usr/bin/gzip', x86Code],
  ];

  it('decodes every corpus with the kbuild command line (lzma -9) and -0', async () => {
    const jobs: { name: string; input: Buffer; expected: Buffer }[] = [];
    for (const [name, data] of corpora) {
      jobs.push({ name: `${name} kbuild -9`, input: lzma(data, ['-9']), expected: data });
      jobs.push({ name: `${name} -0`, input: lzma(data, ['-0']), expected: data });
    }
    expect(cliDecode(jobs[jobs.length - 1].input).output.equals(x86Code)).toBe(true);
    const results = await decodeAll(jobs.map((j) => ({ input: j.input, capacity: j.expected.length })));
    results.forEach((run, i) => expectSuccess(run, jobs[i].expected, jobs[i].name));
  });

  it('decodes presets -0..-9 and -e and lc/lp/pb variants', async () => {
    const data = Buffer.concat([text(60_000, 5), x86Code.subarray(0, 60_000), pseudoRandom(10_000, 6)]);
    const argSets: string[][] = [];
    for (let level = 0; level <= 9; level++) argSets.push([`-${level}`]);
    argSets.push(['-e'], ['-9e'], ['-3e']);
    for (const lclppb of ['lc=0,lp=2,pb=0', 'lc=4,lp=0,pb=4', 'lc=1,lp=3,pb=1', 'lc=0,lp=0,pb=0', 'lc=2,lp=2,pb=3',
      'lc=0,lp=4,pb=2', 'lc=3,lp=1,pb=2,mf=hc3', 'lc=3,lp=0,pb=2,mode=fast,nice=8', 'lc=4,lp=0,pb=0,dict=4KiB']) {
      argSets.push([`--lzma1=preset=6,${lclppb}`]);
    }
    const jobs = argSets.map((args) => ({ name: args.join(' '), input: lzma(data, args), expected: data }));
    const results = await decodeAll(jobs.map((j) => ({ input: j.input, capacity: j.expected.length })));
    results.forEach((run, i) => expectSuccess(run, jobs[i].expected, jobs[i].name));
  });

  it('accepts every dictionary size xz-utils recognises (2^n, 2^n + 2^(n-1), all ones) and a size of 2^38', async () => {
    const data = text(3000, 11);
    const file = lzma(data, ['-6']);
    const jobs: { name: string; input: Buffer }[] = [];
    for (const size of [1, 2, 3, 4096, 6144, 3 << 20, 1 << 26, 0x80000000, 0xc0000000, 0xffffffff]) {
      const b = Buffer.from(file);
      b.writeUInt32LE(size, 1);
      jobs.push({ name: `dictionary 0x${size.toString(16)}`, input: b });
    }
    for (const j of jobs) expect(cliDecode(j.input).output.equals(data), `lzma -dc ${j.name}`).toBe(true);
    const results = await decodeAll(jobs.map((j) => ({ input: j.input, capacity: data.length })));
    results.forEach((run, i) => expectSuccess(run, data, jobs[i].name));
    // A distance of 10000 fits a declared 12288 (3 * 4096), not 8192 (the malformed case).
    const twice = Buffer.concat([pseudoRandom(10_000, 12), pseudoRandom(10_000, 12)]);
    const far = dictionary(lzma(twice, ['--lzma1=preset=6,dict=64KiB']), 12288);
    expect(cliDecode(far).output.equals(twice)).toBe(true);
    expectSuccess((await decodeAll([{ input: far, capacity: twice.length }]))[0], twice, 'distance 10000, dictionary 12288');
    // 2^38 is recognised (then too large for the buffer); lzma -dc gets past the header too.
    const huge = await decodeAll([{ input: withSize(file, 1n << 38n), capacity: data.length }]);
    expectFailure(huge[0], EFI_BUFFER_TOO_SMALL, L.LZMA_REASON_OUTPUT_FULL, 'size 2^38');
  });

  it('accepts a known size with or without an end marker, as lzma -dc does', async () => {
    const data = text(50_000, 7);
    const file = lzma(data, ['-6']);
    // Without the marker: raw LZMA1 of known length from xz itself, behind a hand-made header.
    const raw = compressWith('xz', ['--format=raw', '--lzma1=preset=6', '-c'], data);
    const header = Buffer.from(file.subarray(0, 13));
    const jobs: { name: string; input: Buffer }[] = [
      { name: 'size and end marker', input: withSize(file, BigInt(data.length)) },
      { name: 'unknown size', input: file },
    ];
    const rawHeaderProps = (props: number): Buffer => { const h = Buffer.from(header); h[0] = props; return h; };
    // xz's raw LZMA1 encoder writes the end marker too; the file is valid either way.
    jobs.push({ name: 'raw lzma1 with size', input: withSize(Buffer.concat([rawHeaderProps(0x5d), raw]), BigInt(data.length)) });
    for (const j of jobs) expect(cliDecode(j.input).output.equals(data), `lzma -dc ${j.name}`).toBe(true);
    const results = await decodeAll(jobs.map((j) => ({ input: j.input, capacity: data.length })));
    results.forEach((run, i) => expectSuccess(run, data, jobs[i].name));
  });

  it('fills the output exactly, and reports a buffer one byte short', async () => {
    const data = text(100_000, 8);
    const file = lzma(data, ['-6']);
    const results = await decodeAll([
      { input: file, capacity: data.length },
      { input: file, capacity: data.length - 1 },
      { input: withSize(file, BigInt(data.length)), capacity: data.length - 1 },
      { input: withSize(file, 1n << 32n), capacity: data.length },
      { input: lzma(Buffer.alloc(0), []), capacity: 0 },
    ]);
    expectSuccess(results[0], data, 'exact capacity');
    expectFailure(results[1], EFI_BUFFER_TOO_SMALL, L.LZMA_REASON_OUTPUT_FULL, 'one byte short');
    expectFailure(results[2], EFI_BUFFER_TOO_SMALL, L.LZMA_REASON_OUTPUT_FULL, 'known size beyond capacity');
    expectFailure(results[3], EFI_BUFFER_TOO_SMALL, L.LZMA_REASON_OUTPUT_FULL, 'size 2^32');
    expectSuccess(results[4], new Uint8Array(0), 'empty into zero capacity');
  });
});

describe('lzmaDecode: malformed files, one per reason', () => {
  const data = text(5000, 9);
  const file = lzma(data, ['-6']);
  const patch = (at: number, value: number): Buffer => { const b = Buffer.from(file); b[at] = value; return b; };
  // A header followed by range coder bytes that decode a match as the very first symbol.
  const firstSymbolMatch = Buffer.concat([file.subarray(0, 13), Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0])]);
  const endsInLiteral = lzma(Buffer.concat([data, Buffer.from('Z')]), ['-6']);
  // Random 10000 bytes twice: the second copy is one long match at distance 10000.
  const far = lzma(Buffer.concat([pseudoRandom(10_000, 12), pseudoRandom(10_000, 12)]), ['--lzma1=preset=6,dict=64KiB']);
  const cases: { name: string; input: Buffer; status?: number; reason: number }[] = [
    { name: 'ten bytes', input: file.subarray(0, 10), reason: L.LZMA_REASON_HEADER_TRUNCATED },
    { name: 'header without range coder bytes', input: file.subarray(0, 17), reason: L.LZMA_REASON_HEADER_TRUNCATED },
    { name: 'properties 225', input: patch(0, 225), reason: L.LZMA_REASON_PROPERTIES_INVALID },
    { name: 'lc=4 lp=1', input: patch(0, 4 + 9), status: EFI_UNSUPPORTED, reason: L.LZMA_REASON_LCLP_UNSUPPORTED },
    { name: 'lc=8', input: patch(0, 8), status: EFI_UNSUPPORTED, reason: L.LZMA_REASON_LCLP_UNSUPPORTED },
    { name: 'range coder first byte', input: patch(13, 1), reason: L.LZMA_REASON_RANGE_INIT },
    { name: 'truncated', input: file.subarray(0, file.length - 1), reason: L.LZMA_REASON_TRUNCATED },
    { name: 'distance before the start', input: firstSymbolMatch, reason: L.LZMA_REASON_DISTANCE },
    { name: 'known size one short (data continues)', input: withSize(file, BigInt(data.length - 1)), reason: L.LZMA_REASON_PAST_SIZE },
    { name: 'known size one long (marker too early)', input: withSize(file, BigInt(data.length + 1)), reason: L.LZMA_REASON_EARLY_END_MARKER },
    { name: 'known size one short of a final literal', input: withSize(endsInLiteral, BigInt(data.length)), reason: L.LZMA_REASON_PAST_SIZE },
    { name: 'range coder not finished after the marker', input: patch(file.length - 1, file[file.length - 1] ^ 0x01), reason: L.LZMA_REASON_NOT_FINISHED },
    { name: 'dictionary size 0', input: Buffer.concat([file.subarray(0, 1), Buffer.alloc(4), file.subarray(5)]), reason: L.LZMA_REASON_DICTIONARY_SIZE },
    { name: 'dictionary size 5 MiB', input: Buffer.concat([file.subarray(0, 1), Buffer.from([0, 0, 0x50, 0]), file.subarray(5)]), reason: L.LZMA_REASON_DICTIONARY_SIZE },
    { name: 'known size 2^38 + 1', input: withSize(file, (1n << 38n) + 1n), reason: L.LZMA_REASON_SIZE_IMPLAUSIBLE },
    { name: 'distance beyond the declared dictionary (4096 + 16 rounding)', input: dictionary(far, 8192), reason: L.LZMA_REASON_DISTANCE },
    { name: 'kbuild size trailer left on', input: Buffer.concat([file, Buffer.from([0x88, 0x13, 0, 0])]), reason: L.LZMA_REASON_TRAILING_DATA },
  ];

  it('each ends with its status and reason, and lzma -dc refuses it too', async () => {
    const results = await decodeAll(cases.map((c) => ({ input: c.input, capacity: 10_000 })));
    results.forEach((run, i) => {
      const c = cases[i];
      expectFailure(run, c.status ?? EFI_COMPROMISED_DATA, c.reason, c.name);
      expect(cliDecode(c.input).ok, `lzma -dc refuses ${c.name}`).toBe(false);
    });
    for (let reason = 300; reason <= 312; reason++) expect(L.lzmaReasonText(reason), `reason ${reason}`).not.toBe('unknown reason');
  });
});

describe('lzmaDecode: truncation and mutation', () => {
  const small = Buffer.concat([text(400, 10), x86Code.subarray(4000, 4400)]);
  const files = [lzma(small, ['-9']), lzma(small, ['-0']), lzma(small, ['--lzma1=preset=6,lc=0,lp=2,pb=0'])];

  it('every prefix of small valid files fails (never a hang, never success)', async () => {
    const jobs: { input: Buffer; capacity: number }[] = [];
    for (const file of files) for (let length = 0; length < file.length; length++) jobs.push({ input: file.subarray(0, length), capacity: small.length });
    // And with the size in the header.
    const sized = withSize(files[0], BigInt(small.length));
    for (let length = 0; length < sized.length; length++) jobs.push({ input: sized.subarray(0, length), capacity: small.length });
    const results = await decodeAll(jobs);
    results.forEach((run, i) => {
      expect(run.timedOut).toBe(false);
      expect(run.status, `prefix ${jobs[i].input.length}`).not.toBe(0);
    });
    expect(results.length).toBeGreaterThan(1000);
  });

  it('random mutations end in an error or exactly the output lzma -dc gives', async () => {
    const jobs: { input: Buffer; capacity: number }[] = [];
    const next = xorshift32(777);
    for (let i = 0; i < 300; i++) {
      const file = Buffer.from(files[i % files.length]);
      const count = 1 + (next() % 3);
      for (let k = 0; k < count; k++) {
        // Header bytes 1..12 (dictionary and size) only with low probability: a random size
        // mostly makes a "too small" case, which the capacity tests cover.
        const at = next() % 8 === 0 ? next() % file.length : 13 + (next() % (file.length - 13));
        file[at] = (next() % 4 === 0) ? next() & 255 : file[at] ^ (1 << (next() % 8));
      }
      jobs.push({ input: file, capacity: small.length * 4 });
    }
    const results = await decodeAll(jobs);
    let failures = 0;
    results.forEach((run, i) => {
      expect(run.timedOut).toBe(false);
      const cli = cliDecode(jobs[i].input);
      if (run.status === 0) {
        expect(cli.ok, `mutation ${i}: lzma -dc accepts what we accept`).toBe(true);
        expect(Buffer.from(run.output).equals(cli.output), `mutation ${i}`).toBe(true);
      } else {
        failures++;
        if (run.status !== (EFI_BUFFER_TOO_SMALL >>> 0)) {
          expect(cli.ok, `mutation ${i}: we refuse (${L.lzmaReasonText(run.reason)}) what lzma -dc accepts`).toBe(false);
        }
      }
    });
    expect(failures).toBeGreaterThan(200);
  });
});
