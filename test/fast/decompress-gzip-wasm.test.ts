/**
 * The gzip decoder compiled by the pipeline's own stages (bundle → patched porffor, i32) and run
 * as Wasm in Node, against the same source run as TypeScript: status, reason, input offset and
 * output agree on valid, malformed and mutated files.
 *
 * Why here and not only in the native tier: porffor compiles some valid TypeScript to different
 * code (e.g. `table[length]` became `table.length`, which made the native gzip decoder produce
 * garbage while every TS test passed). This catches such a difference in seconds, with only the
 * gzip modules compiled (a small entry module of its own, in a temporary directory).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { bundleStub } from '../../compiler/bundle.ts';
import { compileJsToWasm } from '../../compiler/porffor.ts';
import { gzipDecode } from '../../stub-src/decompress/gzip.ts';
import { decodeResult, DECODE_INPUT_OFFSET, DECODE_OUTPUT_LENGTH, DECODE_REASON } from '../../stub-src/decompress/result.ts';

const stubSource = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'stub-src');
const MODULES = ['decompress/gzip.ts', 'decompress/inflate.ts', 'decompress/crc32.ts', 'decompress/result.ts', 'efi/status.ts'];

// The entry: buffers on the Wasm heap for the host to fill, and the decoder's results.
const ENTRY = `import { decodeResult, DECODE_INPUT_OFFSET, DECODE_OUTPUT_LENGTH, DECODE_REASON } from './decompress/result';
import { gzipDecode } from './decompress/gzip';

let gzipTestInput = new Uint8Array(new ArrayBuffer(4));
let gzipTestOutput = new Uint8Array(new ArrayBuffer(4));

export function gzipTestInputBuffer(size: number): Uint8Array {
  gzipTestInput = new Uint8Array(new ArrayBuffer(size));
  return gzipTestInput;
}

export function gzipTestOutputBuffer(size: number): Uint8Array {
  gzipTestOutput = new Uint8Array(new ArrayBuffer(size));
  return gzipTestOutput;
}

export function gzipTestDecode(inputLength: number, outputCapacity: number): number {
  return gzipDecode(gzipTestInput, inputLength, gzipTestOutput, outputCapacity);
}

export function gzipTestOutputLength(): number {
  return decodeResult[DECODE_OUTPUT_LENGTH];
}

export function gzipTestReason(): number {
  return decodeResult[DECODE_REASON];
}

export function gzipTestInputOffset(): number {
  return decodeResult[DECODE_INPUT_OFFSET];
}
`;

interface Outcome { status: number; reason: number; inputOffset: number; output: Uint8Array }

let directory = '';
let wasmModule: WebAssembly.Module;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'gzip-wasm-'));
  const source = join(directory, 'src');
  for (const module of MODULES) {
    mkdirSync(dirname(join(source, module)), { recursive: true });
    copyFileSync(join(stubSource, module), join(source, module));
  }
  copyFileSync(join(stubSource, 'host.d.ts'), join(source, 'host.d.ts'));
  writeFileSync(join(source, 'main.ts'), ENTRY);
  const bundled = join(directory, 'gzip.js');
  const wasm = join(directory, 'gzip.wasm');
  const diagnostics = [...bundleStub(source, join(source, 'main.ts'), bundled)];
  if (!diagnostics.length) diagnostics.push(...compileJsToWasm(bundled, wasm, join(source, 'host.d.ts')));
  if (diagnostics.length) throw new Error(`building the gzip Wasm failed: ${JSON.stringify(diagnostics)}`);
  wasmModule = new WebAssembly.Module(readFileSync(wasm));
}, 300_000);

afterAll(() => {
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/**
 * A fresh instance per batch. porffor's calling convention (compiler/runtime/host-efi.c): two
 * hidden (value, type) pairs first, then a (value, type 1) pair per number; results come back as
 * (value, type). A returned typed array is a header address: word 0 the length, word 1 the
 * buffer, whose bytes follow its own 4-byte length word.
 */
function wasmDecoder(): (input: Uint8Array, capacity: number) => Outcome {
  const imports: Record<string, Record<string, () => number>> = {};
  for (const entry of WebAssembly.Module.imports(wasmModule)) {
    imports[entry.module] ??= {};
    imports[entry.module][entry.name] = () => 0;
  }
  const exports = new WebAssembly.Instance(wasmModule, imports).exports as Record<string, unknown>;
  const memory = exports.$ as WebAssembly.Memory;
  const call = (name: string, ...numbers: number[]): number => {
    const result = (exports[name] as (...args: number[]) => unknown)(0, 0, 0, 0, ...numbers.flatMap((n) => [n, 1]));
    return (Array.isArray(result) ? result[0] : result) as number;
  };
  const data = (header: number): number => new DataView(memory.buffer).getUint32(header + 4, true) + 4;
  (exports.m as () => void)();
  return (input, capacity) => {
    const inputData = data(call('gzipTestInputBuffer', Math.max(input.length, 1)));
    new Uint8Array(memory.buffer, inputData, input.length).set(input);
    const outputData = data(call('gzipTestOutputBuffer', Math.max(capacity, 1)));
    const status = call('gzipTestDecode', input.length, capacity) >>> 0;
    const length = call('gzipTestOutputLength') >>> 0;
    return {
      status, reason: call('gzipTestReason') >>> 0, inputOffset: call('gzipTestInputOffset') >>> 0,
      output: new Uint8Array(memory.buffer, outputData, status === 0 ? length : 0).slice(),
    };
  };
}

function typeScriptDecode(input: Uint8Array, capacity: number): Outcome {
  const output = new Uint8Array(capacity);
  const status = gzipDecode(input, input.length, output, capacity) >>> 0;
  return {
    status, reason: decodeResult[DECODE_REASON], inputOffset: decodeResult[DECODE_INPUT_OFFSET],
    output: output.slice(0, status === 0 ? decodeResult[DECODE_OUTPUT_LENGTH] : 0),
  };
}

function sample(seed: number, length: number): Uint8Array {
  const program = readFileSync('/usr/bin/gzip');
  let state = seed;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = (state >>> 28) < 6 ? program[(i * 7) % program.length] : (state >>> 29) === 0 ? 32 : 97 + ((state >>> 16) % 6);
  }
  return out;
}

function gzipCli(data: Uint8Array, args: string[]): Uint8Array {
  const run = spawnSync('gzip', [...args, '-c'], { input: data });
  if (run.error || run.status !== 0) throw new Error(`gzip (the reference CLI) failed: ${run.error ?? run.stderr}`);
  return Uint8Array.from(run.stdout);
}

describe('gzip decoder compiled to Wasm (porffor, i32) = the same decoder as TypeScript', () => {
  it('agrees on valid files of every block type, multi-member files, cut files and small capacities', () => {
    const decode = wasmDecoder();
    const plain = sample(1, 200_000);
    const files = [
      gzipCli(plain, ['-n', '-9']), gzipCli(plain, ['-1']), zlib.gzipSync(plain, { level: 0 }),
      zlib.gzipSync(plain, { strategy: zlib.constants.Z_FIXED }), zlib.gzipSync(plain, { strategy: zlib.constants.Z_RLE }),
      Uint8Array.from(Buffer.concat([gzipCli(plain.subarray(0, 5000), ['-n']), gzipCli(new Uint8Array(0), ['-n']),
        zlib.gzipSync(plain.subarray(5000, 9000)), new Uint8Array(7)])),
    ];
    let count = 0;
    for (const file of files) {
      const cases: [Uint8Array, number][] = [[file, plain.length], [file, 100_000], [file, 257], [file.subarray(0, file.length >> 1), plain.length],
        [file.subarray(0, file.length - 1), plain.length], [file.subarray(0, 10), plain.length]];
      for (const [input, capacity] of cases) {
        const wasm = decode(input, capacity);
        const ts = typeScriptDecode(input, capacity);
        expect([wasm.status, wasm.reason, wasm.inputOffset], `file ${files.indexOf(file)}, ${input.length} bytes, capacity ${capacity}`)
          .toEqual([ts.status, ts.reason, ts.inputOffset]);
        expect(Buffer.from(wasm.output).equals(Buffer.from(ts.output))).toBe(true);
        count++;
      }
    }
    expect(typeScriptDecode(files[0], plain.length).status).toBe(0);
    console.log(`gzip Wasm = TS: ${count} valid/cut/small-capacity cases`);
  });

  it('agrees on mutated files (errors with the same reason and offset, or the same output)', () => {
    const decode = wasmDecoder();
    const sources = [
      gzipCli(sample(2, 3000), ['-n', '-9']),
      zlib.gzipSync(sample(3, 2000), { strategy: zlib.constants.Z_FIXED }),
      zlib.gzipSync(sample(4, 500), { level: 0 }),
    ];
    let state = 99;
    const next = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 8;
    };
    let decoded = 0;
    for (let i = 0; i < 600; i++) {
      const file = Uint8Array.from(sources[i % sources.length]);
      for (let e = 1 + (next() % 3); e > 0; e--) {
        const offset = (next() & 1) !== 0 ? 10 + (next() % 40) : next() % file.length;
        if (offset < file.length) file[offset] = next() & 255;
      }
      const wasm = decode(file, 8000);
      const ts = typeScriptDecode(file, 8000);
      expect([wasm.status, wasm.reason, wasm.inputOffset], `mutation ${i}`).toEqual([ts.status, ts.reason, ts.inputOffset]);
      expect(Buffer.from(wasm.output).equals(Buffer.from(ts.output)), `mutation ${i}: output`).toBe(true);
      if (ts.status === 0) decoded++;
    }
    console.log(`gzip Wasm = TS: 600 mutations (${decoded} decoded)`);
  });
});
