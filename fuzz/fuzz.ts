/**
 * @fileoverview Fuzz target "decompress": the native decompression tool (the stub's seven decoders
 * compiled by the pipeline, stub-src/tools/decompress-main.ts + compiler/runtime/tool-decompress-linux.c)
 * run on mutated copies of valid streams.
 *
 * Property (checked for every case):
 *   the tool either decodes the input to exactly the right bytes (`ok`, exit 0) or refuses it
 *   (`error …`, exit 1), in bounded time. Never a trap (`trap …`, exit 3), a signal, another exit
 *   status, a timeout ("hang"), or `ok` with wrong output.
 * "The right bytes": the original the stream was made from; when the output differs from it (a
 * mutation that is still a valid stream, e.g. a flipped literal in lz4's legacy format, which has
 * no checksum), whatever the reference CLI decodes from the same bytes. With --kbuild-trailer the
 * right output also has exactly the trailer's size (the tool refuses otherwise).
 *
 * Cases: valid streams made by the reference CLIs (kbuild's command lines and other levels) from
 * small inputs (empty, 1 byte, random, repetitive, text, x86 code), then one mutation each: bit
 * flips, byte overwrites, splices from another stream, truncation (every prefix of the smallest
 * streams first, then random prefixes), length-field lies (known size fields and 16/32-bit words
 * in the headers and trailers rewritten to near, zero, doubled or huge values), inserted and
 * deleted bytes, and lying kbuild size trailers. Half the cases run as plain files (format by
 * magic), the rest as kbuild payloads (--kbuild-trailer). Everything derives from --seed, so a run
 * is reproducible; each failing input is written to test/corpus/<format>/<short-hash>.bin, and
 * test/native/fuzz.test.ts replays every corpus file in both modes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDecompressTool } from '../compiler/decompress-tool.ts';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const corpusRoot = join(projectRoot, 'test', 'corpus');

export interface FuzzFormat {
  name: string;
  /** kbuild's command line (linux-6.1 scripts/Makefile.lib, scripts/xz_wrap.sh), input on stdin. */
  kbuild: string[];
  others: string[][];
  /** The reference decoder, reading stdin and writing stdout. */
  reference: string[];
}

export const FUZZ_FORMATS: FuzzFormat[] = [
  { name: 'gzip', kbuild: ['gzip', '-n', '-f', '-9', '-c'], others: [['gzip', '-n', '-1', '-c']], reference: ['gzip', '-dc'] },
  { name: 'xz', kbuild: ['xz', '--check=crc32', '--x86', '--lzma2=,dict=32MiB', '-c'],
    others: [['xz', '-0', '-c'], ['xz', '--check=crc64', '-c']], reference: ['xz', '-dc', '--format=xz'] },
  { name: 'lzma', kbuild: ['lzma', '-9', '-c'], others: [['lzma', '-1', '-c']], reference: ['xz', '-dc', '--format=lzma'] },
  { name: 'zstd', kbuild: ['zstd', '-22', '--ultra', '-q', '-c'], others: [['zstd', '-1', '-q', '-c'], ['zstd', '-19', '-q', '-c']],
    reference: ['zstd', '-dc', '-q'] },
  { name: 'lz4', kbuild: ['lz4', '-l', '-12', '--favor-decSpeed', '-c'], others: [['lz4', '-l', '-1', '-c'], ['lz4', '-9', '-c']],
    reference: ['lz4', '-dc'] },
  { name: 'bzip2', kbuild: ['bzip2', '-9', '-c'], others: [['bzip2', '-1', '-c']], reference: ['bzip2', '-dc'] },
  { name: 'lzo', kbuild: ['lzop', '-9', '-c'], others: [['lzop', '-1', '-c']], reference: ['lzop', '-dc'] },
];

export function fuzzFormat(name: string): FuzzFormat {
  const format = FUZZ_FORMATS.find((f) => f.name === name);
  if (!format) throw new Error(`unknown format ${name} (one of ${FUZZ_FORMATS.map((f) => f.name).join(', ')})`);
  return format;
}

/** xorshift32: small, fast, and the same sequence everywhere for a seed. */
export class Random {
  private state: number;
  constructor(seed: number) { this.state = (seed >>> 0) || 0x9e3779b9; }
  next(): number {
    let x = this.state;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.state = x;
    return x;
  }
  below(n: number): number { return n <= 0 ? 0 : this.next() % n; }
  chance(percent: number): boolean { return this.below(100) < percent; }
  pick<T>(items: readonly T[]): T { return items[this.below(items.length)]; }
}

/** A valid stream and what it decodes to. */
export interface SeedStream { label: string; plain: Uint8Array; compressed: Uint8Array }

function compress(command: string[], plain: Uint8Array): Uint8Array {
  const run = spawnSync(command[0], command.slice(1), { input: plain, maxBuffer: 1 << 28 });
  if (run.error || run.status !== 0) throw new Error(`${command.join(' ')} (the reference CLI) failed: ${run.error ?? run.stderr}`);
  return Uint8Array.from(run.stdout);
}

/** Small inputs of different kinds; deterministic for the seed. */
function plainInputs(random: Random): [string, Uint8Array][] {
  // A program that is mostly code (wasm2c's binary is half zero padding).
  const program = readFileSync(['/usr/bin/zstd', '/usr/bin/python3', '/usr/bin/gzip'].find((f) => existsSync(f))!);
  const bytes = (length: number, byte: (i: number) => number): Uint8Array => Uint8Array.from({ length }, (_, i) => byte(i));
  const words = ['the', 'kernel', 'boot', 'stub', 'firmware', 'memory', 'page', 'table', 'entry', ' ', '\n', 'efi'];
  const text = (length: number): Uint8Array => {
    let s = '';
    while (s.length < length) s += random.pick(words) + (random.chance(20) ? '\n' : ' ');
    return Uint8Array.from(Buffer.from(s.slice(0, length), 'latin1'));
  };
  // Start where the next 64 000 bytes are machine code rather than padding (few zero bytes).
  let codeStart = random.below(Math.max(1, program.length - 70_000));
  for (let tries = 0; tries < 64; tries++) {
    const window = program.subarray(codeStart, codeStart + 64_000);
    if (window.length === 64_000 && window.filter((b) => b === 0).length < 64_000 / 5) break;
    codeStart = random.below(Math.max(1, program.length - 70_000));
  }
  return [
    ['empty', new Uint8Array(0)],
    ['1 byte', Uint8Array.of(random.below(256))],
    ['random 300', bytes(300, () => random.below(256))],
    ['random 5000', bytes(5000, () => random.below(256))],
    ['repetitive 4000', bytes(4000, (i) => (i % 7 === 0 ? 0x41 : 0x42 + ((i >> 9) & 3)))],
    ['zeros 70000', new Uint8Array(70_000)],
    ['text 3000', text(3000)],
    ['text 20000', text(20_000)],
    ['x86 code 6000', Uint8Array.from(program.subarray(codeStart, codeStart + 6000))],
    ['x86 code 64000', Uint8Array.from(program.subarray(codeStart, codeStart + 64_000))],
  ];
}

/** The valid streams a format's cases start from: every input with kbuild's line, some with others. */
export function makeSeedStreams(format: FuzzFormat, seed: number): SeedStream[] {
  const random = new Random(seed ^ 0x5eed);
  const streams: SeedStream[] = [];
  for (const [label, plain] of plainInputs(random)) {
    streams.push({ label: `${label}, ${format.kbuild.join(' ')}`, plain, compressed: compress(format.kbuild, plain) });
  }
  for (const command of format.others) {
    for (const [label, plain] of plainInputs(random).filter((_, i) => i % 3 !== 2)) {
      streams.push({ label: `${label}, ${command.join(' ')}`, plain, compressed: compress(command, plain) });
    }
  }
  return streams;
}

/** A case: the exact bytes the tool reads, how it runs, and what it must decode to. */
export interface FuzzCase {
  input: Uint8Array;
  kbuild: boolean;
  /** The original bytes (undefined for corpus replays: then only the reference CLI decides). */
  plain?: Uint8Array;
  mutation: string;
}

function writeSize(bytes: Uint8Array, offset: number, width: 2 | 4 | 8, value: number, bigEndian: boolean): void {
  for (let i = 0; i < width; i++) {
    const shift = bigEndian ? (width - 1 - i) * 8 : i * 8;
    const byte = shift >= 32 ? (value > 0xffffffff ? 0xff : 0) : (value >>> shift) & 0xff;
    if (offset + i >= 0 && offset + i < bytes.length) bytes[offset + i] = byte;
  }
}

function readSize(bytes: Uint8Array, offset: number, width: 2 | 4, bigEndian: boolean): number {
  let value = 0;
  for (let i = 0; i < width; i++) {
    const byte = offset + i < bytes.length ? bytes[offset + i] : 0;
    value += byte * 2 ** (8 * (bigEndian ? width - 1 - i : i));
  }
  return value;
}

/** A lie about a size: off by a little, zero, doubled, halved, or huge. */
function lie(random: Random, truth: number, width: 2 | 4 | 8): number {
  const max = width === 2 ? 0xffff : 0xffffffff;
  const candidates = [truth + 1, truth - 1, truth + 1 + random.below(64), 0, truth * 2, truth >>> 1, max, max >>> 1,
    0x80000000 & max, random.below(max + 1)];
  const value = random.pick(candidates);
  return Math.max(0, Math.min(max, value));
}

/**
 * Offsets of size fields each format is known to have (little-endian unless said): where a lie
 * hits a length the decoder must check rather than trust.
 */
function knownSizeFields(format: string, bytes: Uint8Array): { offset: number; width: 2 | 4 | 8; bigEndian: boolean }[] {
  const fields: { offset: number; width: 2 | 4 | 8; bigEndian: boolean }[] = [];
  const n = bytes.length;
  switch (format) {
    case 'gzip': // RFC 1952: ISIZE and CRC32 in the trailer.
      fields.push({ offset: n - 4, width: 4, bigEndian: false }, { offset: n - 8, width: 4, bigEndian: false });
      break;
    case 'xz': // Footer's backward size; the LZMA2 chunk's sizes after a 12-byte stream header and a block header.
      fields.push({ offset: n - 8, width: 4, bigEndian: false });
      if (n > 13) {
        const headerEnd = 12 + (bytes[12] + 1) * 4;
        fields.push({ offset: headerEnd + 1, width: 2, bigEndian: true }, { offset: headerEnd + 3, width: 2, bigEndian: true });
      }
      break;
    case 'lzma': // .lzma header: 5 property bytes, then the 64-bit uncompressed size.
      fields.push({ offset: 5, width: 8, bigEndian: false }, { offset: 5, width: 4, bigEndian: false });
      break;
    case 'zstd': { // RFC 8878: the frame content size after the descriptor (and window byte), the first block header.
      const descriptor = bytes[4] ?? 0;
      const single = (descriptor >> 5) & 1;
      const sizeField = [single, 2, 4, 8][descriptor >> 6];
      const dictionaryField = [0, 1, 2, 4][descriptor & 3];
      const fcsOffset = 5 + (single ? 0 : 1) + dictionaryField;
      if (sizeField === 2 || sizeField === 4 || sizeField === 8) fields.push({ offset: fcsOffset, width: sizeField, bigEndian: false });
      fields.push({ offset: fcsOffset + sizeField, width: 4, bigEndian: false });
      break;
    }
    case 'lz4': // Legacy format: each block is a 32-bit compressed size then the data.
      if (bytes[0] === 0x02) fields.push({ offset: 4, width: 4, bigEndian: false });
      else fields.push({ offset: 7, width: 4, bigEndian: false }); // frame: first block size (descriptor without content size)
      break;
    case 'bzip2': // Only the block size digit '1'..'9' is byte-aligned; the rest is bit-packed.
      break;
    case 'lzo': { // lzop: a header, then per block uncompressed and compressed sizes (big-endian).
      // Header (lzop 1.04 format): magic 9, version 2, lib 2, needed 2, method 1, level 1, flags 4,
      // mode 4, mtime 8, name length 1 + name, header checksum 4.
      if (n > 34) {
        const nameLength = bytes[33];
        const blockStart = 34 + nameLength + 4;
        fields.push({ offset: blockStart, width: 4, bigEndian: true }, { offset: blockStart + 4, width: 4, bigEndian: true });
      }
      break;
    }
  }
  return fields.filter((f) => f.offset >= 0 && f.offset + f.width <= n);
}

const MUTATIONS = ['bit flips', 'byte overwrite', 'splice', 'truncate', 'size lie', 'insert', 'delete'] as const;

/** One mutated copy of `stream` (see the file header for the kinds). */
export function mutate(random: Random, format: string, stream: Uint8Array, donors: SeedStream[]): { bytes: Uint8Array; mutation: string } {
  const kind = random.pick(MUTATIONS);
  const n = stream.length;
  // Half the positions land in the first or last 32 bytes, where headers, sizes and checksums are.
  const position = (): number => {
    if (n === 0) return 0;
    const where = random.below(4);
    if (where === 0) return random.below(Math.min(n, 32));
    if (where === 1) return Math.max(0, n - 1 - random.below(Math.min(n, 32)));
    return random.below(n);
  };
  switch (kind) {
    case 'bit flips': {
      const bytes = Uint8Array.from(stream);
      const flips = 1 + random.below(4);
      const at: number[] = [];
      for (let i = 0; i < flips && n > 0; i++) {
        const p = position();
        const bit = random.below(8);
        bytes[p] ^= 1 << bit;
        at.push(p * 8 + bit);
      }
      return { bytes, mutation: `bit flips at bits ${at.join(',')}` };
    }
    case 'byte overwrite': {
      const bytes = Uint8Array.from(stream);
      const count = 1 + random.below(4);
      const at: string[] = [];
      for (let i = 0; i < count && n > 0; i++) {
        const p = position();
        bytes[p] = random.pick([0, 0xff, 0x7f, 0x80, 1, random.below(256)]);
        at.push(`${p}=${bytes[p].toString(16)}`);
      }
      return { bytes, mutation: `bytes overwritten ${at.join(',')}` };
    }
    case 'splice': {
      const donor = random.pick(donors).compressed;
      const length = 1 + random.below(Math.min(64, Math.max(1, donor.length)));
      const from = random.below(Math.max(1, donor.length - length));
      const to = position();
      const bytes = Uint8Array.from(stream);
      bytes.set(donor.subarray(from, from + length).subarray(0, Math.max(0, n - to)), to);
      return { bytes, mutation: `splice of ${length} bytes from another stream's ${from} at ${to}` };
    }
    case 'truncate': {
      const cut = random.below(n + 1);
      return { bytes: stream.slice(0, cut), mutation: `truncated to ${cut} of ${n} bytes` };
    }
    case 'size lie': {
      const bytes = Uint8Array.from(stream);
      const fields = knownSizeFields(format, bytes);
      if (fields.length && random.chance(60)) {
        const field = random.pick(fields);
        const width = field.width === 8 ? 4 : field.width;
        const value = lie(random, readSize(bytes, field.offset, width, field.bigEndian), field.width);
        writeSize(bytes, field.offset, field.width, value, field.bigEndian);
        return { bytes, mutation: `size field at ${field.offset} (${field.width * 8}-bit) rewritten to 0x${value.toString(16)}` };
      }
      // Any 16/32-bit word in the header or trailer read as a size, either byte order.
      const width = random.chance(50) ? 2 : 4;
      const offset = Math.max(0, Math.min(n - width, position()));
      const bigEndian = random.chance(50);
      const value = lie(random, readSize(bytes, offset, width, bigEndian), width);
      writeSize(bytes, offset, width, value, bigEndian);
      return { bytes, mutation: `${width * 8}-bit ${bigEndian ? 'BE' : 'LE'} word at ${offset} rewritten to 0x${value.toString(16)}` };
    }
    case 'insert': {
      const at = position();
      const count = 1 + random.below(16);
      const extra = Uint8Array.from({ length: count }, () => random.below(256));
      return { bytes: Uint8Array.from([...stream.subarray(0, at), ...extra, ...stream.subarray(at)]),
        mutation: `${count} bytes inserted at ${at}` };
    }
    case 'delete': {
      const at = position();
      const count = 1 + random.below(16);
      return { bytes: Uint8Array.from([...stream.subarray(0, at), ...stream.subarray(at + count)]),
        mutation: `${Math.min(count, Math.max(0, n - at))} bytes deleted at ${at}` };
    }
  }
}

/** kbuild's payload: the stream then its size (gzip: its own ISIZE is the size). */
export function kbuildPayload(format: string, compressed: Uint8Array, size: number): Uint8Array {
  if (format === 'gzip') {
    const copy = Uint8Array.from(compressed);
    if (copy.length >= 4) writeSize(copy, copy.length - 4, 4, size >>> 0, false);
    return copy;
  }
  const out = new Uint8Array(compressed.length + 4);
  out.set(compressed);
  writeSize(out, compressed.length, 4, size >>> 0, false);
  return out;
}

/**
 * The cases of a run, in order: the valid streams unchanged (up to a fifth of the count), every
 * prefix of the smallest non-empty streams (up to a quarter), then random mutations; a third of the latter as kbuild payloads, some
 * of those with a lying trailer.
 */
export function* generateCases(format: FuzzFormat, streams: SeedStream[], count: number, seed: number): Generator<FuzzCase> {
  const random = new Random(seed);
  let made = 0;
  // The valid streams themselves (plain, then as kbuild payloads), up to a fifth of the count:
  // they must decode, which shows the oracle and the tool work before any mutation counts.
  for (const kbuild of [false, true]) {
    for (const stream of streams) {
      if (made >= ((count / 5) | 0)) break;
      made++;
      yield { input: kbuild ? kbuildPayload(format.name, stream.compressed, stream.plain.length) : stream.compressed, kbuild,
        plain: stream.plain, mutation: `${stream.label}: unchanged` };
    }
  }
  const prefixesEnd = made + (count >> 2);
  const small = streams.filter((s) => s.compressed.length > 0 && s.compressed.length <= 160)
    .sort((a, b) => a.compressed.length - b.compressed.length).slice(0, 2);
  for (const stream of small) {
    for (let cut = 0; cut < stream.compressed.length && made < prefixesEnd; cut++, made++) {
      yield { input: stream.compressed.slice(0, cut), kbuild: false, plain: stream.plain,
        mutation: `${stream.label}: every prefix: ${cut} of ${stream.compressed.length} bytes` };
    }
  }
  for (; made < count; made++) {
    const stream = random.pick(streams);
    const kbuild = random.chance(33);
    if (kbuild && random.chance(25)) {
      // Only the trailer lies (for gzip: ISIZE), the stream itself is valid.
      const size = lie(random, stream.plain.length, 4);
      yield { input: kbuildPayload(format.name, stream.compressed, size), kbuild, plain: stream.plain,
        mutation: `${stream.label}: kbuild trailer says 0x${size.toString(16)}, truth 0x${stream.plain.length.toString(16)}` };
      continue;
    }
    // In kbuild mode the mutation may hit the trailer too (it is part of the payload).
    const base = kbuild ? kbuildPayload(format.name, stream.compressed, stream.plain.length) : stream.compressed;
    const { bytes, mutation } = mutate(random, format.name, base, streams);
    yield { input: bytes, kbuild, plain: stream.plain, mutation: `${stream.label}: ${mutation}` };
  }
}

export type Verdict =
  | { kind: 'decoded' }
  | { kind: 'decoded-other' } // output differs from the original but is what the reference decodes
  | { kind: 'refused'; reason: number }
  | { kind: 'failure'; what: 'trap' | 'crash' | 'hang' | 'wrong output' | 'tool error'; detail: string };

export interface ToolRun { exitCode: number | null; signal: string | null; line: string; stderr: string; timedOut: boolean; output?: Uint8Array }

/** Runs the tool on `input` (in `workDirectory`), killing it after `timeoutMs`. */
export function runTool(tool: string, workDirectory: string, id: string, input: Uint8Array, kbuild: boolean,
  timeoutMs: number): Promise<ToolRun> {
  const inputPath = join(workDirectory, `${id}.in`);
  const outputPath = join(workDirectory, `${id}.out`);
  writeFileSync(inputPath, input);
  return new Promise((resolvePromise) => {
    const child = spawn(tool, [inputPath, outputPath, ...(kbuild ? ['--kbuild-trailer'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      const run: ToolRun = { exitCode, signal, line: stdout.trim().split('\n').pop() ?? '', stderr: stderr.trim(), timedOut };
      if (exitCode === 0 && existsSync(outputPath)) run.output = readFileSync(outputPath);
      rmSync(inputPath, { force: true });
      rmSync(outputPath, { force: true });
      resolvePromise(run);
    });
  });
}

/** What the reference CLI decodes from the input (kbuild mode: without the trailer, except gzip's). */
export function referenceDecode(format: FuzzFormat, input: Uint8Array, kbuild: boolean): Uint8Array | undefined {
  const stream = kbuild && format.name !== 'gzip' ? input.subarray(0, Math.max(0, input.length - 4)) : input;
  const run = spawnSync(format.reference[0], format.reference.slice(1), { input: stream, maxBuffer: 1 << 30, timeout: 60_000 });
  // gzip and lzop exit 2 for a warning ("trailing garbage ignored"): the output is still their decode.
  const accepted = run.status === 0 || (run.status === 2 && /trailing garbage/.test(String(run.stderr)));
  return accepted ? Uint8Array.from(run.stdout) : undefined;
}

function isLz4Legacy(input: Uint8Array): boolean {
  return input.length >= 4 && input[0] === 0x02 && input[1] === 0x21 && input[2] === 0x4c && input[3] === 0x18;
}

/** The property, for one run of the tool. */
export function judge(format: FuzzFormat, testCase: FuzzCase, run: ToolRun): Verdict {
  if (run.timedOut) return { kind: 'failure', what: 'hang', detail: 'killed after the per-case timeout' };
  if (run.signal) return { kind: 'failure', what: 'crash', detail: `signal ${run.signal} ${run.stderr}` };
  if (run.exitCode === 3) return { kind: 'failure', what: 'trap', detail: run.line };
  if (run.exitCode === 1 && run.line.startsWith('error ')) {
    return { kind: 'refused', reason: Number(run.line.match(/ reason=(\d+)/)?.[1] ?? -1) };
  }
  if (run.exitCode !== 0 || !run.line.startsWith('ok ') || !run.output) {
    return { kind: 'failure', what: 'tool error', detail: `exit ${run.exitCode}: ${run.line} ${run.stderr}` };
  }
  const output = run.output;
  if (testCase.kbuild) {
    const n = testCase.input.length;
    const size = n >= 4 ? readSize(testCase.input, n - 4, 4, false) : -1;
    if (output.length !== size) {
      return { kind: 'failure', what: 'wrong output', detail: `kbuild payload decoded to ${output.length} bytes, trailer says ${size}` };
    }
  }
  if (testCase.plain && Buffer.from(output).equals(Buffer.from(testCase.plain))) return { kind: 'decoded' };
  const reference = referenceDecode(format, testCase.input, testCase.kbuild);
  if (reference && Buffer.from(output).equals(Buffer.from(reference))) return { kind: 'decoded-other' };
  if (!reference && !testCase.kbuild && isLz4Legacy(testCase.input)) {
    // stub-src/decompress/lz4.ts (file comment): in the legacy format, exactly 4 bytes left after
    // a block are kbuild's size trailer, not a block size; `lz4 -dc` fails there instead.
    const withoutTrailer = referenceDecode(format, testCase.input.subarray(0, Math.max(0, testCase.input.length - 4)), false);
    if (withoutTrailer && Buffer.from(output).equals(Buffer.from(withoutTrailer))) return { kind: 'decoded-other' };
  }
  return { kind: 'failure', what: 'wrong output',
    detail: reference ? `ok, but ${output.length} bytes differ from the reference CLI's ${reference.length}` :
      `ok with ${output.length} bytes${testCase.plain ? ` (original ${testCase.plain.length})` : ''}, but the reference CLI refuses the input` };
}

export interface FormatSummary {
  format: string;
  cases: number;
  decoded: number;
  decodedOther: number;
  refused: number;
  /** Refusals by the tool's reason code. */
  reasons: Map<number, number>;
  failures: { what: string; detail: string; mutation: string; kbuild: boolean; corpusFile?: string }[];
  seconds: number;
}

export interface FuzzOptions {
  format: string;
  count: number;
  seed: number;
  /** Stop starting new cases after this many seconds (the summary counts what ran). */
  maxSeconds?: number;
  timeoutMs?: number;
  concurrency?: number;
  /** Write failing inputs to test/corpus/<format>/ (default true). */
  writeCorpus?: boolean;
  progress?: (line: string) => void;
}

export function buildTool(progress: (line: string) => void = () => {}): string {
  const built = ensureDecompressTool(progress);
  if (!built.tool) throw new Error(`building the native decompression tool failed: ${JSON.stringify(built.diagnostics)}`);
  return built.tool;
}

/** Writes a failing input where the regression replay finds it; returns the path. */
export function saveToCorpus(format: string, input: Uint8Array): string {
  const directory = join(corpusRoot, format);
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${createHash('sha256').update(input).digest('hex').slice(0, 16)}.bin`);
  if (!existsSync(path)) writeFileSync(path, input);
  return path;
}

/** Runs `cases` through the tool with bounded concurrency, judging each. */
export async function runCases(tool: string, format: FuzzFormat, cases: Iterable<FuzzCase>, options: {
  timeoutMs: number; concurrency: number; deadline?: number; onResult: (testCase: FuzzCase, verdict: Verdict) => void;
}): Promise<void> {
  const workDirectory = mkdtempSync(join(tmpdir(), `efistub-fuzz-${format.name}-`));
  const iterator = cases[Symbol.iterator]();
  let id = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (options.deadline !== undefined && performance.now() > options.deadline) return;
      const next = iterator.next();
      if (next.done) return;
      const testCase = next.value;
      const run = await runTool(tool, workDirectory, String(id++), testCase.input, testCase.kbuild, options.timeoutMs);
      options.onResult(testCase, judge(format, testCase, run));
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

/** One format's fuzz run: seeds, mutations, the tool, the property; failures saved to the corpus. */
export async function fuzzOneFormat(tool: string, options: FuzzOptions): Promise<FormatSummary> {
  const format = fuzzFormat(options.format);
  const started = performance.now();
  const summary: FormatSummary = { format: format.name, cases: 0, decoded: 0, decodedOther: 0, refused: 0,
    reasons: new Map(), failures: [], seconds: 0 };
  const streams = makeSeedStreams(format, options.seed);
  const smallest = new Map<string, { input: Uint8Array; index: number }>();
  await runCases(tool, format, generateCases(format, streams, options.count, options.seed), {
    timeoutMs: options.timeoutMs ?? 10_000,
    concurrency: options.concurrency ?? Math.max(2, cpus().length),
    deadline: options.maxSeconds !== undefined ? started + options.maxSeconds * 1000 : undefined,
    onResult: (testCase, verdict) => {
      summary.cases++;
      if (verdict.kind === 'decoded') summary.decoded++;
      else if (verdict.kind === 'decoded-other') summary.decodedOther++;
      else if (verdict.kind === 'refused') {
        summary.refused++;
        summary.reasons.set(verdict.reason, (summary.reasons.get(verdict.reason) ?? 0) + 1);
      } else {
        summary.failures.push({ what: verdict.what, detail: verdict.detail, mutation: testCase.mutation, kbuild: testCase.kbuild });
        options.progress?.(`efistub: fuzz: ${format.name}: FAILURE (${verdict.what}) ${testCase.kbuild ? '[kbuild] ' : ''}` +
          `${testCase.mutation}: ${verdict.detail}`);
        // One corpus file per kind of failure (the smallest input): a bug hit a hundred times is one regression case.
        const signature = `${verdict.what}|${testCase.kbuild}|${verdict.detail.replace(/\b(0x[0-9a-f]+|\d+)\b/g, '#')}`;
        const known = smallest.get(signature);
        if (!known || testCase.input.length < known.input.length) smallest.set(signature, { input: testCase.input, index: summary.failures.length - 1 });
      }
    },
  });
  if (options.writeCorpus !== false) {
    for (const { input, index } of smallest.values()) {
      const corpusFile = saveToCorpus(format.name, input);
      summary.failures[index].corpusFile = corpusFile;
      options.progress?.(`efistub: fuzz: ${format.name}: saved ${summary.failures[index].what} case (${input.length} bytes, ` +
        `${summary.failures[index].kbuild ? 'as kbuild payload' : 'plain'}) → ${corpusFile.slice(projectRoot.length + 1)}`);
    }
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/** The corpus files of a format (the inputs of past failures), for the regression replay. */
export function corpusFiles(format: string): string[] {
  const directory = join(corpusRoot, format);
  if (!existsSync(directory)) return [];
  return readdirSync(directory).filter((f) => f.endsWith('.bin')).sort().map((f) => join(directory, f));
}

/** Replays corpus files, each in both modes (plain and kbuild payload): the same property, judged by the reference CLI. */
export async function replayCorpus(tool: string, format: FuzzFormat, files: string[], timeoutMs = 10_000):
  Promise<{ file: string; kbuild: boolean; verdict: Verdict }[]> {
  const results: { file: string; kbuild: boolean; verdict: Verdict }[] = [];
  const cases: (FuzzCase & { file: string })[] = files.flatMap((file) => {
    const input = Uint8Array.from(readFileSync(file));
    return [false, true].map((kbuild) => ({ file, input, kbuild, mutation: `corpus ${file}` }));
  });
  await runCases(tool, format, cases, { timeoutMs, concurrency: Math.max(2, cpus().length),
    onResult: (testCase, verdict) => results.push({ file: (testCase as FuzzCase & { file: string }).file, kbuild: testCase.kbuild, verdict }) });
  return results;
}

export function formatSummary(summary: FormatSummary): string {
  const reasons = [...summary.reasons].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${reason}×${n}`).join(' ');
  const failures = new Map<string, number>();
  for (const failure of summary.failures) failures.set(failure.what, (failures.get(failure.what) ?? 0) + 1);
  return `${summary.format}: ${summary.cases} cases in ${summary.seconds.toFixed(1)} s: ` +
    `${summary.decoded} decoded, ${summary.decodedOther} decoded to other bytes (= reference CLI), ${summary.refused} refused` +
    `${reasons ? ` (by reason: ${reasons})` : ''}, ${summary.failures.length} failures` +
    `${failures.size ? ` (${[...failures].map(([what, n]) => `${what}×${n}`).join(', ')})` : ''}`;
}
