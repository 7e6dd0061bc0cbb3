/**
 * @fileoverview Compiles a JS snippet with porffor and runs it in Node, for tests.
 *
 * Each compile runs in its own `node` child process (about 0.15 s): porffor keeps its options
 * (read from process.argv), its import table and its page allocator in module-level state, so
 * one process per snippet keeps tests independent of each other and of the vitest worker. The
 * child can load any copy of porffor (`porfforDir`), which is how the patch tests compare the
 * patched tree with a copy that has one patch reverse-applied.
 *
 * Calling convention of porffor 0.61.13 in its default f64 valtype, as seen from Node:
 * - an exported `function f(a, b)` is a constructor, so it takes (newTarget, this, a, b), each
 *   as an (f64 value, i32 type) pair, and returns one (f64 value, i32 type) pair; arrow
 *   functions have no newTarget/this pairs. callExport() below pads the leading pairs.
 * - imports registered with createImport(name, n, m) take n f64 values and return m f64 values
 *   (no type words).
 * - with --module, the top-level code is the export "m" (taking nothing); instantiate() runs it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const patchedPorfforDir = path.join(projectRoot, 'node_modules', 'porffor');

/** One import the snippet may call; compiled with porffor's createImport. */
export interface SnippetImport {
  /** The identifier the snippet calls. */
  name: string;
  params: number;
  returns: number;
  /** Explicit Wasm (module, field), passed as createImport's 6th argument (patch import-real-names). */
  wasmName?: { module: string; field: string };
}

export interface CompileOptions {
  /** porffor's command-line flags, e.g. ['--module']. */
  flags?: string[];
  imports?: SnippetImport[];
  /** Which porffor tree to load; defaults to the project's patched node_modules/porffor. */
  porfforDir?: string;
}

export type CompileResult =
  | { ok: true; wasm: Uint8Array<ArrayBuffer> }
  | { ok: false; error: string };

// Runs in the child: argv[1] is a JSON request, the Wasm binary goes to the path it names.
const COMPILE_SCRIPT = `
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
const request = JSON.parse(process.argv[1]);
process.argv = [ process.argv[0], 'porffor-snippet', ...request.flags ];
const dir = pathToFileURL(request.porfforDir).href;
const { createImport } = await import(dir + '/compiler/builtins.js');
globalThis.argvChanged?.();
const compile = (await import(dir + '/compiler/index.js')).default;
for (const x of request.imports) createImport(x.name, x.params, x.returns, null, null, x.wasmName);
const { wasm } = compile(request.source);
fs.writeFileSync(request.out, wasm);
`;

/** Compiles `source` with porffor in a child process; never throws for a compiler error. */
export function compileSnippet(source: string, options: CompileOptions = {}): CompileResult {
  const scratch = mkdtempSync(path.join(tmpdir(), 'porffor-snippet-'));
  try {
    const out = path.join(scratch, 'out.wasm');
    const request = {
      source,
      out,
      flags: options.flags ?? [ '--module' ],
      imports: options.imports ?? [],
      porfforDir: options.porfforDir ?? patchedPorfforDir,
    };
    const child = spawnSync(process.execPath, [ '--input-type=module', '-e', COMPILE_SCRIPT, JSON.stringify(request) ], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (child.status !== 0) {
      return { ok: false, error: `porffor exited ${child.status ?? child.signal}: ${child.stderr}${child.stdout}` };
    }
    return { ok: true, wasm: new Uint8Array(readFileSync(out)) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** compileSnippet, throwing on a compiler error. */
export function compileSnippetOrThrow(source: string, options: CompileOptions = {}): Uint8Array<ArrayBuffer> {
  const result = compileSnippet(source, options);
  if (!result.ok) throw new Error(result.error);
  return result.wasm;
}

/**
 * Instantiates a porffor module and runs its top-level code (porffor exports it as "m"; module
 * globals such as `const table = new Uint32Array(256)` are only set once it has run).
 * `imports` maps each SnippetImport's Wasm module to its fields; imports without a wasmName
 * live in module "" under porffor's one-letter names, so tests that need them should give
 * wasmName explicitly.
 */
export function instantiate(wasm: Uint8Array<ArrayBuffer>, imports: WebAssembly.Imports = {}): WebAssembly.Instance {
  const module = new WebAssembly.Module(wasm);
  // Fill any import the caller did not provide with a stub that throws, naming it.
  const filled: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const x of WebAssembly.Module.imports(module)) {
    const provided = (imports[x.module] as Record<string, WebAssembly.ImportValue> | undefined)?.[x.name];
    filled[x.module] ??= {};
    filled[x.module][x.name] = provided ?? (() => { throw new Error(`import ${x.module}.${x.name} not provided`); });
  }
  const instance = new WebAssembly.Instance(module, filled);
  const topLevel = instance.exports.m;
  if (typeof topLevel === 'function') topLevel();
  return instance;
}

/** Calls an exported porffor function with number arguments and returns its value (the f64). */
export function callExport(instance: WebAssembly.Instance, name: string, ...args: number[]): number {
  const fn = instance.exports[name] as ((...values: number[]) => unknown) | undefined;
  if (typeof fn !== 'function') throw new Error(`no exported function ${name}`);
  const pairs = fn.length / 2;
  const TYPE_UNDEFINED = 0, TYPE_NUMBER = 1;
  const values: number[] = [];
  for (let i = 0; i < pairs - args.length; i++) values.push(0, TYPE_UNDEFINED);
  for (const x of args) values.push(x, TYPE_NUMBER);
  const result = fn(...values);
  return Array.isArray(result) ? result[0] : (result as number);
}

/** Compiles and runs `export function main(...)` in `source`, returning main's value. */
export function runSnippet(source: string, args: number[] = [], options: CompileOptions = {}, imports: WebAssembly.Imports = {}): number {
  return callExport(instantiate(compileSnippetOrThrow(source, options), imports), 'main', ...args);
}

/** Runs a wabt tool on a Wasm binary; returns its exit status (null if killed) and output. */
export function runWabt(tool: 'wasm-validate' | 'wasm2c', wasm: Uint8Array): { status: number | null; signal: string | null; output: string } {
  const scratch = mkdtempSync(path.join(tmpdir(), 'porffor-wabt-'));
  try {
    const input = path.join(scratch, 'in.wasm');
    writeFileSync(input, wasm);
    const args = tool === 'wasm2c' ? [ '--enable-exceptions', input, '-o', path.join(scratch, 'out.c') ] : [ '--enable-exceptions', input ];
    const child = spawnSync(tool, args, { encoding: 'utf8', timeout: 60_000 });
    return { status: child.status, signal: child.signal, output: `${child.stdout}${child.stderr}` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
