/**
 * All seven decoders compiled by the pipeline's own stages (bundle → patched porffor, i32) and run
 * as Wasm in Node, against the same source run as TypeScript: on files made by the reference
 * CLIs (kbuild's command lines and other levels; small inputs, text, ~1 MB of x86 code) and on
 * corrupted copies of them, the Wasm's status, reason, input offset and output equal the TS run's,
 * and equal the input for every valid file.
 *
 * The Wasm is stub-src/tools/decompress-main.ts, the entry of the native decompression tool, so the
 * exports exercised here (format detection, decompressBuffer, decompressKbuildPayload) are exactly
 * the ones compiler/runtime/tool-decompress-linux.c calls. It is compiled once, in beforeAll.
 *
 * Why here and not only in the native tier: porffor compiles some valid TypeScript to different
 * code (e.g. `table[length]` became `table.length`, which made the native gzip decoder produce
 * garbage while every TS test passed). This catches such a difference in seconds.
 *
 * Both sides run in worker threads with a timeout (STYLE.md §5), so a decoder that hangs on a
 * corrupted file fails its test instead of freezing the suite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import { bundleStub } from '../../compiler/bundle.ts';
import { compileJsToWasm } from '../../compiler/porffor.ts';
import {
  decompressBuffer, decompressDetectFormat, decompressFormatName, DECOMPRESS_FORMAT_UNKNOWN,
} from '../../stub-src/decompress/decompress.ts';
import { decodeResult, DECODE_INPUT_OFFSET, DECODE_REASON } from '../../stub-src/decompress/result.ts';
import { HOST_HINT_FIELDS } from '../support/host-hints.ts';
import { runDecoderBatch } from '../support/run-decoder.ts';

const stubSource = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'stub-src');
const TIMEOUT_MS = 60_000;

interface Outcome { status: number; reason: number; inputOffset: number; output: Uint8Array; timedOut: boolean }

/** One decode: plain (format by magic, `capacity` bytes of output) or as a kbuild payload. */
interface Case { label: string; input: Uint8Array; capacity: number; kbuild: boolean; expected?: Uint8Array }

let directory = '';
let wasmModule: WebAssembly.Module;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'decompress-wasm-'));
  const bundled = join(directory, 'decompress.js');
  const wasm = join(directory, 'decompress.wasm');
  const diagnostics = [...bundleStub(stubSource, join(stubSource, 'tools', 'decompress-main.ts'), bundled)];
  if (!diagnostics.length) diagnostics.push(...compileJsToWasm(bundled, wasm, join(stubSource, 'host.d.ts')));
  if (diagnostics.length) throw new Error(`building the decoders' Wasm failed: ${JSON.stringify(diagnostics)}`);
  wasmModule = new WebAssembly.Module(readFileSync(wasm));
}, 300_000);

afterAll(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/*
 * The Wasm side, in a worker. porffor's calling convention (compiler/runtime/tool-decompress-linux.c):
 * two hidden (value, type) pairs first, then a (value, type 1) pair per number, all i32 (porffor's
 * i32 valtype); results come back as (value, type). A returned typed array is a header address:
 * word 0 the element count, word 1 the buffer, whose bytes follow its own 4-byte length word.
 * Host imports are throwing stubs: the decoders call no host function but the hints (prefetch),
 * no-ops here as in the simulator (test/support/host-hints.ts). A fresh instance per case,
 * so no decoder state and no heap growth carries over from one case to the next.
 */
const WASM_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const module = workerData.module;
const imports = {};
for (const entry of WebAssembly.Module.imports(module)) {
  imports[entry.module] ??= {};
  imports[entry.module][entry.name] = workerData.hints.includes(entry.name) ? () => {}
    : () => { throw new Error('host.' + entry.name + ' called by a decoder'); };
}
const runs = [];
for (const job of workerData.jobs) {
  const exports = new WebAssembly.Instance(module, imports).exports;
  const memory = exports.$;
  const call = (name, ...numbers) => {
    const result = exports[name](0, 0, 0, 0, ...numbers.flatMap((n) => [n | 0, 1]));
    return Array.isArray(result) ? result[0] : result;
  };
  const header = (address) => new DataView(memory.buffer).getUint32(address + 4, true) + 4;
  exports.m();
  const input = new Uint8Array(job.input);
  const inputData = header(call('toolInputBuffer', input.length));
  new Uint8Array(memory.buffer, inputData, input.length).set(input);
  // Every other case as the native tool runs it: the output prepared first (outside its clock).
  const prepared = !job.prepare ? 0 :
    (job.kbuild ? call('toolPrepareKbuildOutput', input.length) : call('toolPrepareOutput', input.length, job.capacity)) >>> 0;
  const status = prepared !== 0 ? prepared :
    (job.kbuild ? call('toolDecompressKbuild', input.length) : call('toolDecompress', input.length, job.capacity)) >>> 0;
  const length = call('toolOutputLength') >>> 0;
  const outputData = header(call('toolOutputBuffer'));
  runs.push({ status, reason: call('toolReason') >>> 0, inputOffset: call('toolInputOffset') >>> 0,
    output: new Uint8Array(memory.buffer, outputData, status === 0 ? length : 0).slice(), timedOut: false });
}
parentPort.postMessage({ runs }, runs.map((r) => r.output.buffer));
`;

function runWasmBatch(cases: Case[]): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WASM_WORKER, {
      eval: true,
      workerData: { module: wasmModule, hints: HOST_HINT_FIELDS, jobs: cases.map((c, index) => ({ input: c.input.slice(), capacity: c.capacity, kbuild: c.kbuild, prepare: index % 2 === 1 })) },
    });
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve(cases.map(() => ({ status: -1, reason: -1, inputOffset: -1, output: new Uint8Array(0), timedOut: true })));
    }, TIMEOUT_MS);
    worker.once('message', (message) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(message.runs.map((run: Outcome) => ({ ...run, output: new Uint8Array(run.output) })));
    });
    worker.once('error', (error) => { clearTimeout(timer); reject(error); });
  });
}

/**
 * The TypeScript side, as the tool's exports do it: plain cases go to the decoder the magic
 * selects (decompressBuffer's switch), kbuild cases to decompressKbuildPayload with the trailer's
 * size as capacity (toolDecompressKbuild).
 */
async function runTypeScriptBatch(cases: Case[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(cases.length);
  const groups = new Map<string, number[]>();
  cases.forEach((c, index) => {
    const format = decompressDetectFormat(c.input, c.input.length);
    if (!c.kbuild && format === DECOMPRESS_FORMAT_UNKNOWN) {
      // No decoder runs: decompressBuffer refuses at once, in process.
      const status = decompressBuffer(format, c.input, c.input.length, new Uint8Array(1), c.capacity) >>> 0;
      outcomes[index] = { status, reason: decodeResult[DECODE_REASON], inputOffset: decodeResult[DECODE_INPUT_OFFSET],
        output: new Uint8Array(0), timedOut: false };
      return;
    }
    const key = c.kbuild ? 'decompress:decompressKbuildPayload' : `${decompressFormatName(format)}:${decompressFormatName(format)}Decode`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(index);
  });
  await Promise.all([...groups].map(async ([key, indices]) => {
    const [moduleName, functionName] = key.split(':');
    const jobs = indices.map((i) => ({ input: cases[i].input,
      capacity: cases[i].kbuild ? kbuildSize(cases[i].input) : cases[i].capacity }));
    const runs = await runDecoderBatch(moduleName, functionName, jobs, TIMEOUT_MS);
    indices.forEach((caseIndex, runIndex) => { outcomes[caseIndex] = runs[runIndex]; });
  }));
  return outcomes;
}

function kbuildSize(input: Uint8Array): number {
  return input.length < 4 ? 0 : Buffer.from(input).readUInt32LE(input.length - 4);
}

let randomState = 0;
function seed(value: number): void { randomState = value >>> 0; }
function next(): number {
  randomState = (Math.imul(randomState, 1103515245) + 12345) >>> 0;
  return randomState >>> 8;
}

/** Text-like bytes with runs and program bytes mixed in: every block type gets used. */
function sample(seedValue: number, length: number): Uint8Array {
  const program = readFileSync('/usr/bin/gzip');
  seed(seedValue);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const r = next();
    out[i] = (r >>> 20) < 6 ? program[(i * 7) % program.length] : (r >>> 21) === 0 ? 32 : 97 + (r % 6);
  }
  return out;
}

/** ~1 MB of x86 machine code, as a kernel has (zstd's and python3's binaries are mostly code; wasm2c's is half padding). */
function machineCode(): Uint8Array {
  const file = ['/usr/bin/zstd', '/usr/bin/python3', '/usr/bin/qemu-system-x86_64', '/usr/bin/gzip'].find((f) => existsSync(f))!;
  const bytes = readFileSync(file);
  return Uint8Array.from(bytes.subarray(0, Math.min(bytes.length, 1 << 20)));
}

function cli(command: string[], data: Uint8Array): Uint8Array {
  const run = spawnSync(command[0], [...command.slice(1), '-c'], { input: data, maxBuffer: 1 << 28 });
  if (run.error || run.status !== 0) throw new Error(`${command.join(' ')} (the reference CLI) failed: ${run.error ?? run.stderr}`);
  return Uint8Array.from(run.stdout);
}

/** kbuild's payload: the compressed stream then the size, little-endian; gzip's ISIZE is its size. */
function kbuildPayload(compressed: Uint8Array, size: number, gzip: boolean): Uint8Array {
  const copy = Buffer.from(gzip ? compressed : Buffer.concat([compressed, Buffer.alloc(4)]));
  copy.writeUInt32LE(size >>> 0, copy.length - 4);
  return Uint8Array.from(copy);
}

interface Format {
  name: string;
  kbuild: string[];
  others: string[][];
  /** More valid files of this format made from `plain`: [what they decode to, the file]. */
  extra?: (plain: Uint8Array) => [Uint8Array, Uint8Array][];
}

// kbuild's command line for each format (linux-6.1 scripts/Makefile.lib, scripts/xz_wrap.sh), then other levels.
const FORMATS: Format[] = [
  { name: 'gzip', kbuild: ['gzip', '-n', '-f', '-9'], others: [['gzip', '-1']],
    // Stored, fixed-Huffman and RLE deflate blocks, and a multi-member file with trailing zeros.
    extra: (plain) => [
      [plain, zlib.gzipSync(plain, { level: 0 })],
      [plain, zlib.gzipSync(plain, { strategy: zlib.constants.Z_FIXED })],
      [plain, zlib.gzipSync(plain, { strategy: zlib.constants.Z_RLE })],
      [plain.subarray(0, 9000), Uint8Array.from(Buffer.concat([cli(['gzip', '-n'], plain.subarray(0, 5000)),
        cli(['gzip', '-n'], new Uint8Array(0)), zlib.gzipSync(plain.subarray(5000, 9000)), new Uint8Array(7)]))],
    ] },
  { name: 'xz', kbuild: ['xz', '--check=crc32', '--x86', '--lzma2=,dict=32MiB'], others: [['xz', '-0'], ['xz', '--check=crc64', '-6']] },
  { name: 'lzma', kbuild: ['lzma', '-9'], others: [['lzma', '-1']] },
  { name: 'zstd', kbuild: ['zstd', '-22', '--ultra', '-q'], others: [['zstd', '-1', '-q'], ['zstd', '-19', '-q']] },
  { name: 'lz4', kbuild: ['lz4', '-l', '-12', '--favor-decSpeed'], others: [['lz4', '-l', '-1'], ['lz4', '-9']] },
  { name: 'bzip2', kbuild: ['bzip2', '-9'], others: [['bzip2', '-1']] },
  { name: 'lzo', kbuild: ['lzop', '-9'], others: [['lzop', '-1']] },
];

const code = machineCode();
const text = sample(1, 40_000);

/** Valid files: the input to compare with, the compressed bytes, and how the case decodes. */
function validCases(format: Format): Case[] {
  const cases: Case[] = [];
  const add = (label: string, plain: Uint8Array, compressed: Uint8Array): void => {
    cases.push({ label, input: compressed, capacity: plain.length, kbuild: false, expected: plain });
  };
  for (const [name, plain] of [['1 byte', Uint8Array.of(0x41)], ['text', text], ['x86 code', code]] as const) {
    const compressed = cli(format.kbuild, plain);
    add(`kbuild line, ${name}`, plain, compressed);
    cases.push({ label: `kbuild payload, ${name}`, input: kbuildPayload(compressed, plain.length, format.name === 'gzip'),
      capacity: 0, kbuild: true, expected: plain });
  }
  for (const command of format.others) {
    add(`${command.join(' ')}, text`, text, cli(command, text));
    add(`${command.join(' ')}, x86 code`, code, cli(command, code));
  }
  for (const [index, [plain, compressed]] of (format.extra?.(text) ?? []).entries()) add(`extra ${index}, text`, plain, compressed);
  // A plain run with room to spare (the tool's own guess is 4 × the input + 1 MiB).
  cases.push({ label: 'kbuild line, text, capacity to spare', input: cli(format.kbuild, text), capacity: text.length + 4096,
    kbuild: false, expected: text });
  return cases;
}

/** Corrupted files: cut, squeezed, mutated, lying about their size. */
function corruptedCases(format: Format): Case[] {
  const cases: Case[] = [];
  const small = sample(2, 3000);
  const stream = cli(format.kbuild, small);
  const large = cli(format.kbuild, code);
  const add = (label: string, input: Uint8Array, capacity = small.length, kbuild = false): void => {
    cases.push({ label, input, capacity, kbuild });
  };
  seed(format.name.length * 7919);
  for (const cut of [0, 1, 2, 4, 6, 10, 13, 20, stream.length >> 1, stream.length - 5, stream.length - 1]) {
    if (cut >= 0 && cut < stream.length) add(`cut to ${cut} bytes`, stream.subarray(0, cut));
  }
  add('half the large file', large.subarray(0, large.length >> 1), code.length);
  add('capacity one short', stream, small.length - 1);
  add('capacity 100 bytes', stream, 100);
  add('capacity 0', stream, 0);
  add('kbuild payload: size one short', kbuildPayload(stream, small.length - 1, format.name === 'gzip'), 0, true);
  add('kbuild payload: size one more', kbuildPayload(stream, small.length + 1, format.name === 'gzip'), 0, true);
  add('kbuild payload: cut', kbuildPayload(stream.subarray(0, stream.length - 3), small.length, format.name === 'gzip'), 0, true);
  for (let i = 0; i < 100; i++) {
    const file = Uint8Array.from(stream);
    for (let edits = 1 + (next() % 3); edits > 0; edits--) {
      // Half the edits land in the first 40 bytes, where the headers and size fields are.
      const offset = (next() & 1) !== 0 ? next() % Math.min(40, file.length) : next() % file.length;
      if ((next() & 1) !== 0) file[offset] ^= 1 << (next() % 8);
      else file[offset] = next() & 255;
    }
    add(`mutation ${i}`, file);
  }
  const flipped = Uint8Array.from(large);
  flipped[large.length >> 1] ^= 0x10;
  add('large file, one bit flipped in the middle', flipped, code.length);
  return cases;
}

async function compare(cases: Case[]): Promise<{ decoded: number; refused: number }> {
  const [wasm, ts] = await Promise.all([runWasmBatch(cases), runTypeScriptBatch(cases)]);
  let decoded = 0;
  for (const [index, c] of cases.entries()) {
    const where = `${c.label} (${c.input.length} bytes, ${c.kbuild ? 'kbuild payload' : `capacity ${c.capacity}`})`;
    expect(ts[index].timedOut, `${where}: TypeScript timed out`).toBe(false);
    expect(wasm[index].timedOut, `${where}: Wasm timed out`).toBe(false);
    expect([wasm[index].status, wasm[index].reason, wasm[index].inputOffset], `${where}: Wasm vs TypeScript`)
      .toEqual([ts[index].status, ts[index].reason, ts[index].inputOffset]);
    expect(Buffer.from(wasm[index].output).equals(Buffer.from(ts[index].output)), `${where}: output`).toBe(true);
    if (c.expected) {
      expect(ts[index].status, `${where}: status`).toBe(0);
      expect(Buffer.from(ts[index].output).equals(Buffer.from(c.expected)), `${where}: output = the original`).toBe(true);
    }
    if (ts[index].status === 0) decoded++;
  }
  return { decoded, refused: cases.length - decoded };
}

describe.each(FORMATS)('$name decoder compiled to Wasm (porffor, i32) = the same decoder as TypeScript', (format) => {
  it('decodes files made by the reference CLI to the original bytes, as TypeScript does', async () => {
    const cases = validCases(format);
    const { decoded } = await compare(cases);
    expect(decoded).toBe(cases.length);
    console.log(`${format.name} Wasm = TS: ${cases.length} valid files`);
  });

  it('refuses or decodes corrupted files exactly as TypeScript does (status, reason, offset, output)', async () => {
    const cases = corruptedCases(format);
    const { decoded, refused } = await compare(cases);
    // Many corruptions must be refused: a test where everything decodes would prove nothing. (lz4's
    // legacy format has no checksum, so a mutated literal decodes to other bytes: not all refuse.)
    expect(refused).toBeGreaterThan(cases.length / 3);
    console.log(`${format.name} Wasm = TS: ${cases.length} corrupted files (${refused} refused, ${decoded} decoded)`);
  });
});
