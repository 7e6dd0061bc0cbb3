/**
 * @fileoverview Builds the compiler micro-benchmark (bench/kernels/main.ts + bench/driver.c)
 * through the pipeline's own stages: check-subset → bundle → porffor → validate → wasm2c, then
 * clang with the native link's flags (compiler/link.ts linkNative: -O2,
 * -DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0) over the stub's C, compiler/runtime/wasm-rt.c, the driver
 * and the hand-written C kernels, so both sides get the same compiler and flags.
 *
 * Variants, so one run shows before and after:
 * - 'f64':         porffor's default f64 value type, wasm2c's load barrier kept (the pipeline
 *                  before issue 5);
 * - 'i32-barrier': --valtype=i32 (patches 006/007), load barrier kept;
 * - 'i32':         --valtype=i32, load barrier dropped, untyped (JavaScript) bundle: the
 *                  pipeline before typed compilation;
 * - 'i32-typed':   as 'i32' with typed compilation (compiler/bundle.ts keepTypes: the bundle
 *                  keeps the exact TypeScript annotations, porffor runs with --parse-types
 *                  --opt-types), so typed-array parameters need no run-time type dispatch: the
 *                  pipeline as it is (TYPED_BY_DEFAULT).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleStub } from '../compiler/bundle.ts';
import { checkSubset } from '../compiler/check-subset.ts';
import { formatDiagnostic, type Diagnostic } from '../compiler/diagnostics.ts';
import { compileJsToWasm } from '../compiler/porffor.ts';
import { validateWasm } from '../compiler/validate.ts';
import { wasmToC } from '../compiler/wasm2c.ts';

export type BenchVariant = 'f64' | 'i32-barrier' | 'i32' | 'i32-typed';
export const BENCH_VARIANTS: BenchVariant[] = ['f64', 'i32-barrier', 'i32', 'i32-typed'];
export const BENCH_KERNELS = ['crc32', 'adler32', 'bit-reader', 'lz-copy'] as const;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const kernelsDir = join(root, 'bench', 'kernels');
const runtimeDir = join(root, 'compiler', 'runtime');

function check(diagnostics: Diagnostic[]): void {
  if (diagnostics.length) throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
}

/** The porffor stage's child with one of its overrides (compiler/porffor-child.ts). */
function compileWith(override: string, input: string, outputWasm: string, hostDts: string): void {
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'compiler', 'porffor-child.ts'),
    input, outputWasm, hostDts, override], { encoding: 'utf8', cwd: root });
  if (child.status !== 0) throw new Error(`porffor (${override}) failed: ${child.stdout}${child.stderr}`);
}

/** Builds one variant into outDir; returns the program's path. Throws with the diagnostics. */
export function buildBench(variant: BenchVariant, outDir: string): string {
  const sourceDir = join(outDir, 'src');
  mkdirSync(sourceDir, { recursive: true });
  for (const file of readdirSync(kernelsDir)) {
    if (file.endsWith('.ts')) copyFileSync(join(kernelsDir, file), join(sourceDir, file));
  }
  const js = join(outDir, 'stub.js');
  const wasm = join(outDir, 'stub.wasm');
  const c = join(outDir, 'stub.c');
  const hostDts = join(sourceDir, 'host.d.ts');
  check(checkSubset(sourceDir));
  check(bundleStub(sourceDir, join(sourceDir, 'main.ts'), js, { keepTypes: variant === 'i32-typed' }));
  if (variant === 'f64') compileWith('--valtype=f64', js, wasm, hostDts);
  else check(compileJsToWasm(js, wasm, hostDts)); // typed or not, as bundled
  check(validateWasm(wasm));
  check(wasmToC(wasm, c, { keepLoadBarrier: variant !== 'i32' }));
  const program = join(outDir, 'bench-native');
  const kernelsC = readdirSync(kernelsDir).filter((file) => file.endsWith('.c')).map((file) => join(kernelsDir, file));
  const clang = spawnSync('clang', ['-O2', '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0',
    ...(variant === 'f64' ? ['-DBENCH_VALTYPE_F64'] : variant === 'i32-typed' ? ['-DBENCH_TYPED_RETURN'] : []),
    '-I', join(runtimeDir, 'include-common'), '-I', runtimeDir, '-I', outDir,
    c, join(runtimeDir, 'wasm-rt.c'), join(root, 'bench', 'driver.c'), ...kernelsC, '-lm', '-o', program], { encoding: 'utf8' });
  if (clang.status !== 0) throw new Error(`clang failed:\n${clang.stderr}`);
  return program;
}

export interface KernelTiming {
  kernel: string;
  efistubSeconds: number;
  cSeconds: number;
  efistubChecksum: number;
  cChecksum: number;
}

/** Runs a built benchmark over `size` bytes, best of `repetitions`. */
export function runBench(program: string, size: number, repetitions: number): KernelTiming[] {
  const child = spawnSync(program, [String(size), String(repetitions)], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`${program} failed (${child.status}): ${child.stdout}${child.stderr}`);
  return child.stdout.trim().split('\n').map((line) => {
    const match = /^kernel (\S+) efistub (\S+) c (\S+) checksum ([0-9a-f]+) ([0-9a-f]+)$/.exec(line);
    if (!match) throw new Error(`unexpected benchmark output: ${line}`);
    return { kernel: match[1], efistubSeconds: Number(match[2]), cSeconds: Number(match[3]),
      efistubChecksum: parseInt(match[4], 16), cChecksum: parseInt(match[5], 16) };
  });
}

/** The driver's input: xorshift32 bytes, the top byte of each step (bench/driver.c). */
export function benchInput(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let seed = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    bytes[i] = seed >>> 24;
  }
  return bytes;
}
