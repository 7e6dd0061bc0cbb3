/**
 * @fileoverview Tests for the project's patches to porffor 0.61.13 (patches/porffor/).
 *
 * Each patch gets two tests: the patched compiler (node_modules/porffor, patched on install)
 * produces Wasm whose results match what Node computes for the same JS, and a copy of porffor
 * without that patch gets it wrong (a different result, Wasm that wasm2c 1.0.32 rejects, or
 * Wasm without the shape the patch is for). The second test is what keeps a patch from silently
 * becoming a no-op. "Without" means the patch reverse-applied together with the later patches
 * that build on its code (they no longer apply once it is gone); the other later patches stay.
 * The apply script itself is checked for a no-op rerun and for refusing another porffor version.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  callExport, compileSnippet, compileSnippetOrThrow, instantiate, patchedPorfforDir, projectRoot, runWabt,
  type CompileOptions,
} from '../support/porffor-snippet';
import { rangeTestedCopies } from '../../compiler/wasm2c.ts';

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A copy of the patched porffor without one patch: the later patches are reverse-applied, then
 * that one, then the later ones applied again, each that still applies exactly (no fuzz): a patch
 * built on the removed one's code does not, and stays out. Returns the porffor dir.
 */
function porfforWithout(patchName: string): string {
  const root = mkdtempSync(path.join(tmpdir(), `porffor-without-${patchName}-`));
  scratchDirs.push(root);
  const modules = path.join(root, 'node_modules');
  mkdirSync(modules);
  // porffor resolves its parser (acorn etc.) from a sibling node_modules entry.
  for (const entry of readdirSync(path.join(projectRoot, 'node_modules'))) {
    if (entry === 'porffor' || entry.startsWith('.')) continue;
    symlinkSync(path.join(projectRoot, 'node_modules', entry), path.join(modules, entry));
  }
  const copy = path.join(modules, 'porffor');
  cpSync(patchedPorfforDir, copy, { recursive: true });
  const patchFile = (name: string) => path.join(projectRoot, 'patches', 'porffor', `${name}.patch`);
  const names = readdirSync(path.join(projectRoot, 'patches', 'porffor')).filter(x => x.endsWith('.patch')).map(x => x.slice(0, -6)).sort();
  const later = names.slice(names.indexOf(patchName) + 1);
  const runPatch = (name: string, ...flags: string[]) =>
    spawnSync('patch', [ ...flags, '-p1', '--batch', '--fuzz=0', '-i', patchFile(name) ], { cwd: copy, stdio: 'pipe' }).status === 0;
  for (const name of [ ...later ].reverse()) expect(runPatch(name, '-R')).toBe(true);
  expect(runPatch(patchName, '-R')).toBe(true);
  for (const name of later) if (runPatch(name, '--dry-run')) expect(runPatch(name)).toBe(true);
  return copy;
}

/** What a wabt tool prints for the module, given as a file: `tool ...args in.wasm`. */
function wabtOutput(wasm: Uint8Array<ArrayBuffer>, tool: 'wasm2wat' | 'wasm-objdump', args: string[]): string {
  const scratch = mkdtempSync(path.join(tmpdir(), 'porffor-wabt-'));
  scratchDirs.push(scratch);
  writeFileSync(path.join(scratch, 'in.wasm'), wasm);
  return execFileSync(tool, [ ...args, path.join(scratch, 'in.wasm') ], { encoding: 'utf8', maxBuffer: 1 << 26 });
}

/** The text (wasm2wat) of the body of the function a module exports as `name`. */
function exportedBody(wasm: Uint8Array<ArrayBuffer>, name: string): string {
  const wat = wabtOutput(wasm, 'wasm2wat', [ '--enable-exceptions' ]);
  const index = new RegExp(`\\(export "${name}" \\(func (\\d+)\\)\\)`).exec(wat)![1];
  return wat.split(`(func (;${index};)`)[1].split('(func ')[0];
}

/** How many direct calls the body of the exported function `name` makes. */
function calls(wasm: Uint8Array<ArrayBuffer>, name: string): number {
  return exportedBody(wasm, name).match(/\bcall /g)?.length ?? 0;
}

test('every patch in patches/porffor is applied to node_modules/porffor', () => {
  const patches = readdirSync(path.join(projectRoot, 'patches', 'porffor')).filter(x => x.endsWith('.patch')).map(x => x.slice(0, -6)).sort();
  const stamp = readFileSync(path.join(patchedPorfforDir, '.efistub-patches'), 'utf8').split('\n').filter(Boolean).sort();
  expect(stamp).toEqual(patches);
});

describe('scripts/apply-porffor-patches.mjs', () => {
  const script = path.join(projectRoot, 'scripts', 'apply-porffor-patches.mjs');

  test('a rerun on the patched tree changes nothing', () => {
    const output = execFileSync(process.execPath, [ script ], { encoding: 'utf8' });
    expect(output).toBe('');
  });

  test('another porffor version stops at stage "setup" before patching', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'porffor-version-'));
    scratchDirs.push(dir);
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'porffor', version: '0.62.0' }));
    const child = spawnSync(process.execPath, [ script, '--porffor-dir', dir ], { encoding: 'utf8' });
    expect(child.status).toBe(1);
    expect(child.stderr).toMatch(/^efistub: setup: porffor 0\.62\.0 installed, but .* exactly 0\.61\.13/);
    expect(existsSync(path.join(dir, '.efistub-patches'))).toBe(false);
  });
});

describe('001-import-real-names', () => {
  const source = `export function main(a) { hostLog(a); return hostPhysRead32(a) + 1; }`;
  const options: CompileOptions = {
    imports: [
      { name: 'hostPhysRead32', params: 1, returns: 1, wasmName: { module: 'host', field: 'physRead32' } },
      // no wasmName: keeps porffor's stock ("", letter) name
      { name: 'hostLog', params: 1, returns: 0 },
    ],
  };

  test('an import registered with (module, field) carries those names', () => {
    const wasm = compileSnippetOrThrow(source, options);
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(wasm));
    expect(imports).toContainEqual({ module: 'host', name: 'physRead32', kind: 'function' });
    expect(imports.find(x => x.module === '')).toMatchObject({ kind: 'function' });

    const logged: number[] = [];
    const stockLog = imports.find(x => x.module === '')!.name;
    const instance = instantiate(wasm, {
      host: { physRead32: (x: number) => x * 2 },
      '': { [stockLog]: (x: number) => { logged.push(x); } },
    });
    expect(callExport(instance, 'main', 21)).toBe(43);
    expect(logged).toEqual([ 21 ]);

    expect(runWabt('wasm-validate', wasm).status).toBe(0);
    expect(runWabt('wasm2c', wasm).status).toBe(0);
  });

  test('long and non-ASCII names get correct LEB lengths and section size', () => {
    const field = 'f'.repeat(200) + 'é';
    const wasm = compileSnippetOrThrow(`export function main(a) { return hostLong(a); }`, {
      imports: [ { name: 'hostLong', params: 1, returns: 1, wasmName: { module: 'host-module-ü', field } } ],
    });
    expect(WebAssembly.Module.imports(new WebAssembly.Module(wasm))).toContainEqual({ module: 'host-module-ü', name: field, kind: 'function' });
    expect(runWabt('wasm-validate', wasm).status).toBe(0);
  });

  test('fails without the patch: the import is not named host.physRead32', () => {
    const result = compileSnippet(source, { ...options, porfforDir: porfforWithout('001-import-real-names') });
    // Stock porffor ignores the 6th argument and names the import ("", letter).
    const imports = result.ok ? WebAssembly.Module.imports(new WebAssembly.Module(result.wasm)) : [];
    expect(imports).not.toContainEqual({ module: 'host', name: 'physRead32', kind: 'function' });
  });
});

describe('002-no-simd-strcmp', () => {
  // Lengths around the 32-byte, 8-byte and 2-byte steps of __Porffor_strcmp, in Latin-1
  // (porffor's bytestring) and UTF-16 form, each equal and differing at the start, middle, end.
  const strings: string[] = [];
  for (const length of [ 0, 1, 2, 7, 8, 9, 31, 32, 33, 40, 63, 64, 65, 100 ]) {
    for (const unit of [ 'x', '\u0101' ]) {
      const same = unit.repeat(length);
      strings.push(same);
      for (const at of new Set([ 0, length >> 1, length - 1 ])) {
        if (at >= 0 && at < length) strings.push(same.slice(0, at) + 'y' + same.slice(at + 1));
      }
    }
  }
  strings.push('x'.repeat(40) + '\u0101');
  const source = `function pick(i) {
${strings.map((s, i) => `  if (i === ${i}) return ${JSON.stringify(s)};`).join('\n')}
  return '';
}
export function main(i, j) { return pick(i) === pick(j) ? 1 : 0; }
`;

  test('string comparison matches Node and the module passes wasm2c', () => {
    const wasm = compileSnippetOrThrow(source);
    const instance = instantiate(wasm);
    const mismatches: string[] = [];
    for (let i = 0; i < strings.length; i++) {
      for (let j = 0; j < strings.length; j++) {
        const expected = strings[i] === strings[j] ? 1 : 0;
        if (callExport(instance, 'main', i, j) !== expected) mismatches.push(`${i},${j}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(runWabt('wasm-validate', wasm).status).toBe(0);
    const wasm2c = runWabt('wasm2c', wasm);
    expect(wasm2c.output).toBe('');
    expect(wasm2c.status).toBe(0);
  });

  test('fails without the patch: wasm2c aborts on the SIMD strcmp', () => {
    const wasm = compileSnippetOrThrow(source, { porfforDir: porfforWithout('002-no-simd-strcmp') });
    const wasm2c = runWabt('wasm2c', wasm);
    expect(wasm2c.status === 0 && wasm2c.signal === null).toBe(false);
  });
});

describe('003-int32-semantics', () => {
  // Each case is compiled as `export function <name>(x, y)` and compared with Node running the
  // same arrow function. Cases whose text has no `y` are called with y = 0 only.
  const cases: Record<string, string> = {
    and: '(x, y) => x & y',
    or: '(x, y) => x | y',
    xor: '(x, y) => x ^ y',
    shl: '(x, y) => x << y',
    shr: '(x, y) => x >> y',
    ushr: '(x, y) => x >>> y',
    not: '(x) => ~x',
    orZero: '(x) => x | 0',
    ushrZero: '(x) => x >>> 0',
    xorConstant: '(x) => (x ^ 0x80000001) >>> 0',
    addWrap: '(x, y) => (x + y) | 0',
    overflowConstant: '(x) => (0xffffffff + 5) | 0',
    nested: '(x, y) => ((x >>> 3) ^ (y << 7)) >>> 0',
    orAssign: '(x, y) => { let z = x; z |= y; return z; }',
    ushrAssign: '(x, y) => { let z = x; z >>>= y; return z; }',
    imul: '(x, y) => Math.imul(x, y)',
    clz32: '(x) => Math.clz32(x)',
    storeUint8: '(x) => { u8[1] = x; return u8[1]; }',
    storeInt8: '(x) => { i8[1] = x; return i8[1]; }',
    storeUint16: '(x) => { u16[1] = x; return u16[1]; }',
    storeInt16: '(x) => { i16[1] = x; return i16[1]; }',
    storeUint32: '(x) => { u32[1] = x; return u32[1]; }',
    storeInt32: '(x) => { i32[1] = x; return i32[1]; }',
  };
  const arrays = 'const u8 = new Uint8Array(4), i8 = new Int8Array(4), u16 = new Uint16Array(4), i16 = new Int16Array(4), u32 = new Uint32Array(4), i32 = new Int32Array(4);';
  const source = arrays + '\n' + Object.entries(cases).map(([ name, fn ]) => `export function ${name}(x, y) { const f = ${fn}; return f(x, y); }`).join('\n');

  const edges = [
    0, -0, 1, -1, 5, 31, 32, 33, 0.5, -0.5, 2.9, -2.9, 255, 256, -129, 65535, 65536,
    2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 31 + 0.5, 0x80000001,
    2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, -(2 ** 32) - 7, 0xffffffff + 5,
    2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 63, -(2 ** 63), 2 ** 64 + 2 ** 40, 2 ** 80 + 2 ** 33, 1e30, -1e30,
    Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity,
  ];
  // Deterministic random values (xorshift32) spread over int32, uint32 and up to 2^53.
  const randoms: number[] = [];
  let seed = 0x2545f491;
  const next = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; };
  for (let i = 0; i < 24; i++) {
    const hi = next(), lo = next();
    randoms.push(hi | 0, hi, (hi % 2 ** 21) * 2 ** 32 + lo, -((hi % 2 ** 21) * 2 ** 32 + lo), hi / 7);
  }
  const values = [ ...edges, ...randoms ];

  const mismatchesFor = (wasm: Uint8Array<ArrayBuffer>, limit = 10): string[] => {
    const instance = instantiate(wasm);
    const mismatches: string[] = [];
    const scope = { u8: new Uint8Array(4), i8: new Int8Array(4), u16: new Uint16Array(4), i16: new Int16Array(4), u32: new Uint32Array(4), i32: new Int32Array(4) };
    for (const [ name, fn ] of Object.entries(cases)) {
      const expected = new Function(...Object.keys(scope), `return ${fn}`)(...Object.values(scope)) as (x: number, y: number) => number;
      for (const x of values) {
        for (const y of fn.includes('y') ? values : [ 0 ]) {
          const got = callExport(instance, name, x, y);
          const want = expected(x, y);
          if (got !== want && mismatches.length < limit) mismatches.push(`${name}(${x}, ${y}) = ${got}, Node says ${want}`);
        }
      }
    }
    return mismatches;
  };

  test('bitwise operators, Math.imul/clz32 and integer typed-array stores match Node', () => {
    const wasm = compileSnippetOrThrow(source);
    expect(mismatchesFor(wasm)).toEqual([]);
    expect(runWabt('wasm-validate', wasm).status).toBe(0);
    expect(runWabt('wasm2c', wasm).status).toBe(0);
  });

  test('fails without the patch: results differ from Node', () => {
    const wasm = compileSnippetOrThrow(source, { porfforDir: porfforWithout('003-int32-semantics') });
    expect(mismatchesFor(wasm, 1).length).toBeGreaterThan(0);
  });
});

describe('004-typed-array-length', () => {
  // Returns 0 when every check passes, otherwise the number of the first failing check.
  const source = `
const KiB = 1024, MiB = 1024 * 1024;
function fillAndCheck(a, b, seedA, seedB) {
  for (let i = 0; i < a.length; i++) a[i] = (i * seedA) & 0xff;
  for (let i = 0; i < b.length; i++) b[i] = (i * seedB + 1) & 0xff;
  for (let i = 0; i < a.length; i++) if (a[i] !== ((i * seedA) & 0xff)) return 1;
  for (let i = 0; i < b.length; i++) if (b[i] !== ((i * seedB + 1) & 0xff)) return 2;
  return 0;
}
export function main(step) {
  if (step === 0) {
    const a = new Uint8Array(100 * KiB);
    const b = new Uint8Array(3 * MiB);
    if (a.length !== 100 * KiB) return 10;
    if (b.length !== 3 * MiB) return 11;
    const bad = fillAndCheck(a, b, 7, 13);
    if (bad) return 20 + bad;
    return 0;
  }
  if (step === 1) {
    const big = new Uint8Array(20 * MiB);
    const after = new Uint8Array(64);
    if (big.length !== 20 * MiB) return 30;
    big[20 * MiB - 1] = 0x5a;
    for (let i = 0; i < 64; i++) after[i] = 0xa5;
    if (big[20 * MiB - 1] !== 0x5a) return 31;
    return 0;
  }
  if (step === 2) {
    const w16 = new Uint16Array(40000), w32 = new Uint32Array(40000), s32 = new Int32Array(40000);
    for (let i = 0; i < 40000; i++) { w16[i] = i; w32[i] = i * 3; s32[i] = -i; }
    for (let i = 0; i < 40000; i++) if (w16[i] !== i || w32[i] !== i * 3 || s32[i] !== -i) return 40;
    if (w16.length !== 40000 || w32.length !== 40000 || s32.length !== 40000) return 41;
    return 0;
  }
  if (step === 3) {
    const buffer = new ArrayBuffer(5 * MiB);
    const view = new Uint8Array(buffer);
    const next = new Uint8Array(256);
    view[5 * MiB - 1] = 0x77;
    for (let i = 0; i < 256; i++) next[i] = 0x11;
    if (view.length !== 5 * MiB || view[5 * MiB - 1] !== 0x77) return 50;
    return 0;
  }
  return 99;
}
`;
  const steps = [ 0, 1, 2, 3 ];
  const run = (wasm: Uint8Array<ArrayBuffer>, step: number): number | string => {
    try {
      return callExport(instantiate(wasm), 'main', step);
    } catch (e) {
      return `trap: ${(e as Error).message}`;
    }
  };

  test('typed arrays and ArrayBuffers reserve their whole length, however large', () => {
    const wasm = compileSnippetOrThrow(source);
    expect(steps.map(step => run(wasm, step))).toEqual([ 0, 0, 0, 0 ]);
    expect(runWabt('wasm-validate', wasm).status).toBe(0);
    expect(runWabt('wasm2c', wasm).status).toBe(0);
  });

  test('fails without the patch: overlap or out-of-bounds', () => {
    const wasm = compileSnippetOrThrow(source, { porfforDir: porfforWithout('004-typed-array-length') });
    expect(steps.map(step => run(wasm, step))).not.toEqual([ 0, 0, 0, 0 ]);
  });
});

describe('005-import-result-type', () => {
  // The stub's pattern: a call returning nothing, then a status from an import compared with 0.
  const source = `
export function main() {
  hostNothing();
  const status = hostStatus();
  if (status !== 0) return 1;
  hostNothing();
  const again = hostStatus();
  return again === 0 ? 7 : 2;
}`;
  const options: CompileOptions = {
    imports: [
      { name: 'hostNothing', params: 0, returns: 0, wasmName: { module: 'host', field: 'nothing' } },
      { name: 'hostStatus', params: 0, returns: 1, wasmName: { module: 'host', field: 'status' } },
    ],
  };
  const imports = { host: { nothing: () => {}, status: () => 0 } };

  test('an import result compares as the number it is', () => {
    expect(callExport(instantiate(compileSnippetOrThrow(source, options), imports), 'main')).toBe(7);
  });

  test('fails without the patch: the result takes the previous call\'s type', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('005-import-result-type') });
    expect(callExport(instantiate(wasm, imports), 'main')).not.toBe(7);
  });
});

describe('006-i32-valtype-bridge', () => {
  // Integer code that meets porffor's f64 built-ins: typed-array constructors and accesses,
  // string literals with .length/.charCodeAt, imports, division, the `+` guard, a module-level
  // table built at load. Each export is compared with Node running the same source.
  const source = `
const table = new Uint32Array(new ArrayBuffer(1024));
const bytes = new Uint8Array(new ArrayBuffer(256));
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (0xedb88320 ^ (c >>> 1)) : c >>> 1;
  table[n] = c;
}
function message(i) { return i === 0 ? 'zero' : 'another message'; }
export function crc(n) {
  let crc = -1;
  for (let i = 0; i < n; i++) {
    bytes[i & 255] = (i * 7) & 255;
    crc = table[(crc ^ bytes[i & 255]) & 255] ^ (crc >>> 8);
  }
  return crc ^ -1;
}
export function adler(n) {
  let a = 1, b = 0;
  for (let i = 0; i < n; i++) { a = (a + ((i * 13) & 255)) % 65521; b = (b + a) % 65521; }
  return (b << 16) | a;
}
export function text(i) {
  const s = message(i);
  let sum = s.length;
  for (let j = 0; j < s.length; j++) sum = (sum + s.charCodeAt(j)) | 0;
  return sum;
}
export function divide(a, b) { return (a / b) | 0; }
export function host(v) { bytes[0] = v; hostLog(bytes, v & 255, 3); return (hostStatus(v) + 1) | 0; }
`;
  const options: CompileOptions = {
    flags: [ '--module', '--valtype=i32' ],
    imports: [
      { name: 'hostLog', params: 3, returns: 0, wasmName: { module: 'host', field: 'log' } },
      { name: 'hostStatus', params: 1, returns: 1, wasmName: { module: 'host', field: 'status' } },
    ],
  };
  const calls: [ string, number[] ][] = [
    [ 'crc', [ 0 ] ], [ 'crc', [ 1 ] ], [ 'crc', [ 1000 ] ], [ 'adler', [ 0 ] ], [ 'adler', [ 5000 ] ],
    [ 'text', [ 0 ] ], [ 'text', [ 1 ] ], [ 'divide', [ 7, 2 ] ], [ 'divide', [ -7, 2 ] ], [ 'divide', [ 0x7fffffff, -3 ] ],
    [ 'host', [ 5 ] ], [ 'host', [ -1 ] ],
  ];

  test('i32 output validates, passes wasm2c and matches Node', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    expect(runWabt('wasm2c', wasm).status).toBe(0);
    // Node: the same source, with the host functions as JS (the Wasm gets the int32 bit patterns).
    const logged: { wasm: number[]; node: number[] } = { wasm: [], node: [] };
    const node = new Function('hostLog', 'hostStatus', `${source.replaceAll('export ', '')}
      return { crc, adler, text, divide, host };`)(
      (array: Uint8Array, offset: number, length: number) => { logged.node.push(array[0], offset, length); },
      (v: number) => v * 3) as Record<string, (...args: number[]) => number>;
    let memory: WebAssembly.Memory | undefined;
    const instance = instantiate(wasm, { host: {
      log: (array: number, offset: number, length: number) => {
        const view = new DataView(memory!.buffer);
        logged.wasm.push(view.getUint8(view.getUint32(array + 4, true) + 4), offset, length);
      },
      status: (v: number) => (v * 3) | 0,
    } });
    memory = instance.exports.$ as WebAssembly.Memory;
    const got = calls.map(([ name, args ]) => callExport(instance, name, ...args));
    expect(got).toEqual(calls.map(([ name, args ]) => node[name](...args) | 0));
    expect(logged.wasm).toEqual(logged.node);
  });

  test('fails without the patch: the i32 module does not validate', () => {
    const result = compileSnippet(source, { ...options, porfforDir: porfforWithout('006-i32-valtype-bridge') });
    expect(result.ok && runWabt('wasm-validate', result.wasm).status === 0).toBe(false);
  });
});

describe('007-i32-add-guard', () => {
  // `a` is a `let` and the element comes through a module-level array: porffor does not know
  // either type, so `a + bytes[i]` gets the string-concat guard block.
  const source = `
const bytes = new Uint8Array(new ArrayBuffer(256));
for (let i = 0; i < 256; i++) bytes[i] = (i * 37) & 255;
export function sum(n) { let a = 1; for (let i = 0; i < n; i++) a = (a + bytes[i]) | 0; return a; }`;
  const options: CompileOptions = { flags: [ '--module', '--valtype=i32' ] };

  /** The text of the exported function `sum` as wasm2wat prints it. */
  const sumBody = (wasm: Uint8Array<ArrayBuffer>): string => exportedBody(wasm, 'sum');

  test('the guard block yields i32, so the sum never becomes f64', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(callExport(instantiate(wasm), 'sum', 256)).toBe(1 + Array.from({ length: 256 }, (_, i) => (i * 37) & 255).reduce((a, b) => a + b));
    expect(sumBody(wasm)).not.toMatch(/block \(result f64\)/);
  });

  test('fails without the patch: an f64 block round-trips the sum', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('007-i32-add-guard') });
    expect(sumBody(wasm)).toMatch(/block \(result f64\)/);
  });
});

describe('008-typed-return-constructor', () => {
  // TypeScript input with porffor's typed mode: parameter and return types from the annotations.
  const source = `export function main(count: number, step: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum = (sum + step) | 0;
  return sum;
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types' ] };

  test('a typed function returning a value validates and returns it, in both valtypes', () => {
    for (const flags of [ options.flags!, [ ...options.flags!, '--valtype=i32' ] ]) {
      const wasm = compileSnippetOrThrow(source, { flags });
      expect(runWabt('wasm-validate', wasm).output).toBe('');
      expect(callExport(instantiate(wasm), 'main', 5, 7)).toBe(35);
      expect(callExport(instantiate(wasm), 'main', 3, 0x7fffffff)).toBe((3 * 0x7fffffff) | 0);
    }
  });

  test('fails without the patch: local.set #return#type has no operand', () => {
    const result = compileSnippet(source, { ...options, porfforDir: porfforWithout('008-typed-return-constructor') });
    expect(result.ok && runWabt('wasm-validate', result.wasm).status === 0).toBe(false);
  });
});

describe('009-computed-length-index', () => {
  // A decoder's pattern: a variable named `length` indexing a table, read and written.
  const source = `
export function main() {
  const table = new Uint8Array(new ArrayBuffer(16));
  for (let i = 0; i < 16; i++) table[i] = i * 3;
  let length = 5;
  table[length] = 200;
  const read = table[length];
  return read + table.length * 1000;
}`;

  test('a[length] is an element access; a.length is still the length', () => {
    expect(callExport(instantiate(compileSnippetOrThrow(source)), 'main')).toBe(200 + 16 * 1000);
  });

  test('fails without the patch: a[length] reads or sets the length', () => {
    const wasm = compileSnippetOrThrow(source, { porfforDir: porfforWithout('009-computed-length-index') });
    let result: number | string;
    try {
      result = callExport(instantiate(wasm), 'main');
    } catch (error) {
      result = `trap: ${(error as Error).message}`;
    }
    expect(result).not.toBe(200 + 16 * 1000);
  });
});

describe('010-typed-array-data-cache', () => {
  // Typed input: `fill`'s two typed-array parameters are never reassigned (cached); `swapped`
  // reassigns `a` (not cached: its accesses must follow the new array).
  const source = `
export function fill(data: Uint8Array, out: Uint8Array, n: number): number {
  for (let i = 0; i < n; i++) out[i] = data[i] + 1;
  let sum = 0;
  for (let i = 0; i < n; i++) sum = (sum + out[i]) | 0;
  return sum;
}
export function swapped(a: Uint8Array, b: Uint8Array): number {
  let x = 0;
  x = (x + a[0]) | 0;
  a = b;
  x = (x + a[0] * 256) | 0;
  return x;
}
export function main(): number {
  const data = new Uint8Array(new ArrayBuffer(8));
  const out = new Uint8Array(new ArrayBuffer(8));
  const other = new Uint8Array(new ArrayBuffer(4));
  for (let i = 0; i < 8; i++) data[i] = i * 3;
  other[0] = 7;
  return fill(data, out, 8) * 65536 + swapped(data, other);
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  const expected = (3 * 28 + 8) * 65536 + 7 * 256;

  /** How many times the exported function `name` loads a header's data pointer. */
  const headerLoads = (wasm: Uint8Array<ArrayBuffer>, name: string): number =>
    exportedBody(wasm, name).match(/i32\.load offset=4 /g)?.length ?? 0;

  test('element accesses of unassigned typed-array parameters use the pointer loaded at entry', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    expect(callExport(instantiate(wasm), 'main')).toBe(expected);
    expect(headerLoads(wasm, 'fill')).toBe(2);
  });

  test('fails without the patch: every element access reloads the header', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('010-typed-array-data-cache') });
    expect(callExport(instantiate(wasm), 'main')).toBe(expected);
    expect(headerLoads(wasm, 'fill')).toBeGreaterThan(2);
  });
});

describe('011-first-page-capacity', () => {
  // 600 distinct literals of 3 to 62 characters (about 24 KiB of interned strings, the smallest
  // taking 9 bytes with its 4-byte length and 2 bytes of NUL slack): first-fit packing fills
  // page 0 to within 9 bytes of what the bin search believes it holds. The exported function
  // checksums every character. `s` has no annotation, as compiler/bundle.ts drops `string`
  // (porffor's ASCII literals are bytestrings).
  const literals = Array.from({ length: 600 }, (_, i) =>
    Array.from({ length: 3 + (i % 60) }, (_, j) => String.fromCharCode(0x41 + ((i * 7 + j * 13 + (i >> 5)) % 26))).join('') + i.toString(36));
  const source = `function sum(s): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) n = (Math.imul(n, 31) + s.charCodeAt(i)) | 0;
  return n;
}
export function main(): number {
  let n = 0;
${literals.map((text) => `  n = (n + sum(${JSON.stringify(text)})) | 0;`).join('\n')}
  return n;
}`;
  const expected = literals.reduce((total, text) => {
    let n = 0;
    for (let i = 0; i < text.length; i++) n = (Math.imul(n, 31) + text.charCodeAt(i)) | 0;
    return (total + n) | 0;
  }, 0);
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };

  /** The highest end address of the data segments that start in page 0 (below 16 KiB). */
  const pageZeroEnd = (wasm: Uint8Array<ArrayBuffer>): number => {
    const dump = wabtOutput(wasm, 'wasm-objdump', [ '-x' ]);
    let end = 0;
    for (const match of dump.matchAll(/memory=0 size=(\d+) - init i32=(\d+)/g)) {
      const start = Number(match[2]);
      if (start < 16384) end = Math.max(end, start + Number(match[1]));
    }
    return end;
  };

  test('strings filling the first page stay inside it and keep their bytes', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(callExport(instantiate(wasm), 'main')).toBe(expected);
    expect(pageZeroEnd(wasm)).toBeGreaterThan(16384 - 64);
    expect(pageZeroEnd(wasm)).toBeLessThanOrEqual(16384);
  });

  test('fails without the patch: page 0\'s last string runs into page 1', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('011-first-page-capacity') });
    expect(pageZeroEnd(wasm)).toBeGreaterThan(16384);
  });
});

describe('012-typed-byte-copy', () => {
  // Every relative-index case of copyWithin and set(subarray) (negative, past the end, empty,
  // overlapping both ways, the RangeErrors), each step checksummed; `copies(n)` does n literal
  // copies through a subarray view, which the builtins allocate on the never-freed heap.
  const source = `
function sum(a: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = (Math.imul(s, 31) + a[i]) | 0;
  return s;
}
function steps(a: Uint8Array, b: Uint8Array, stop: number): number {
  let r = 0;
  let k = 0;
  a.copyWithin(3, 0, 10); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.copyWithin(0, 5, 30); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.copyWithin(-5, 0, 64); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.copyWithin(60, -20, -2); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.copyWithin(10, 40, 20); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.copyWithin(70, 0, 9); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.copyWithin(-100, 50, 100); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.set(b.subarray(4, 20), 10); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.set(b.subarray(-3, 32), 61); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.set(a.subarray(0, 40), 20); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.set(a.subarray(20, 60), 0); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.set(b.subarray(10, 5), 64); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.set(b.subarray(-40, 99), 1); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.set(b.subarray(0, 16), 48); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.copyWithin(-1, 0, 5); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  a.copyWithin(2, -1, 64); r = (Math.imul(r, 7) + sum(a)) | 0; if (k++ === stop) return r;
  try { a.set(b.subarray(0, 32), 40); r = r + 1; } catch (e) { r = r + 3000; }
  if (k++ === stop) return (Math.imul(r, 7) + sum(a)) | 0;
  try { a.set(b.subarray(0, 1), -1); r = r + 1; } catch (e) { r = r + 4000; }
  if (k++ === stop) return (Math.imul(r, 7) + sum(a)) | 0;
  try { a.set(b.subarray(0, 8), 60); r = r + 1; } catch (e) { r = r + 1000; }
  if (k++ === stop) return (Math.imul(r, 7) + sum(a)) | 0;
  try { a.set(b.subarray(0, 0), -1); r = r + 1; } catch (e) { r = r + 2000; }
  return (Math.imul(r, 7) + sum(a)) | 0;
}
export function main(stop: number): number {
  const a = new Uint8Array(new ArrayBuffer(64));
  const b = new Uint8Array(new ArrayBuffer(32));
  for (let i = 0; i < 64; i++) a[i] = i + 1;
  for (let i = 0; i < 32; i++) b[i] = 200 + i;
  return steps(a, b, stop);
}
export function literalRuns(out: Uint8Array, from: Uint8Array, n: number): number {
  for (let i = 0; i < n; i++) out.set(from.subarray(i & 15, (i & 15) + 16), i & 31);
  return sum(out);
}
export function fixed(a: Uint8Array, b: Uint8Array, from: number, to: number): number {
  let r = 0;
  try { a.set(b.subarray(from, (from + 16) | 0), to); r = 1; } catch (e) { r = 2; }
  a.copyWithin(to, from, (from + 16) | 0);
  return (Math.imul(r, 7) + sum(a)) | 0;
}
export function edges(from: number, to: number): number {
  const a = new Uint8Array(new ArrayBuffer(64));
  const b = new Uint8Array(new ArrayBuffer(32));
  for (let i = 0; i < 64; i++) a[i] = i + 1;
  for (let i = 0; i < 32; i++) b[i] = 200 + i;
  return fixed(a, b, from, to);
}
export function copies(n: number): number {
  const out = new Uint8Array(new ArrayBuffer(48));
  const from = new Uint8Array(new ArrayBuffer(32));
  for (let i = 0; i < 32; i++) from[i] = i * 5;
  return literalRuns(out, from, n);
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  // The same source run by Node (annotations dropped).
  const node = new Function(`${source.replace(/export /g, '').replace(/: (number|Uint8Array)/g, '')}; return { main, copies, edges };`)() as
    { main: (stop: number) => number; copies: (n: number) => number; edges: (from: number, to: number) => number };
  const memoryBytes = (instance: WebAssembly.Instance): number => (instance.exports.$ as WebAssembly.Memory).buffer.byteLength;

  test('copies match Node step by step, RangeErrors included, and allocate nothing', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    expect(runWabt('wasm2c', wasm).status).toBe(0);
    const instance = instantiate(wasm);
    for (let stop = 0; stop <= 20; stop++) expect([ stop, callExport(instance, 'main', stop) ]).toEqual([ stop, node.main(stop) ]);
    const before = memoryBytes(instance);
    expect(callExport(instance, 'copies', 200000)).toBe(node.copies(200000));
    expect(memoryBytes(instance)).toBe(before);
  });

  test('a copy of a fixed count tests each array with one 64-bit comparison, and matches Node at the edges', () => {
    const wasm = compileSnippetOrThrow(source, options);
    const instance = instantiate(wasm);
    // exactly in range, one past, negative (relative), past the end, and from + 16 wrapping to
    // a negative end (JS: counted from the end; a 32-bit sum would look in range)
    const cases = [
      [ 16, 48 ], [ 17, 48 ], [ 16, 49 ], [ 0, 0 ], [ -16, 10 ], [ 5, -20 ], [ 40, 3 ], [ 3, 64 ], [ 3, 65 ],
      [ 0x7ffffff8, 0 ], [ 0x7ffffff0, 8 ], [ 2, 0x7ffffff8 ], [ -0x80000000, 4 ], [ 4, -0x80000000 ],
    ];
    for (const [ from, to ] of cases) {
      expect([ from, to, callExport(instance, 'edges', from, to) ]).toEqual([ from, to, node.edges(from, to) ]);
    }
    const body = exportedBody(wasm, 'fixed');
    expect(body.match(/memory\.copy/g)?.length).toBe(4);
    // the direct path's test: two 64-bit comparisons per copy, no 32-bit unsigned ones, each
    // an index against its array's length less the count (a fixed count and a length that is
    // the same across a loop make that difference once, outside it)
    expect(body.match(/i64\.le_s/g)?.length).toBe(4);
    expect(body.match(/i64\.sub\s+i64\.le_s/g)?.length).toBe(4);
    expect(body.match(/i32\.le_u/g)).toBeNull();
  });

  test('a copy between parameters reads their lengths from patch 010\'s locals, not from the headers in the loop', () => {
    const wasm = compileSnippetOrThrow(source, options);
    const body = exportedBody(wasm, 'literalRuns');
    const loop = body.slice(body.indexOf('loop'));
    expect(loop).toContain('memory.copy');
    // a header's length word is an i32.load at offset 0 (wasm2wat omits the offset)
    expect(loop.match(/i32\.load(?! offset)/g)).toBeNull();
    expect(body.slice(0, body.indexOf('loop')).match(/i32\.load(?! offset)/g)?.length).toBe(2);
  });

  test('fails without the patch: every subarray view is a heap allocation that is never freed', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('012-typed-byte-copy') });
    const instance = instantiate(wasm);
    const before = memoryBytes(instance);
    callExport(instance, 'copies', 200000);
    expect(memoryBytes(instance)).toBeGreaterThan(before + 200000 * 12 - 65536);
  });
});

describe('013-typed-word-read', () => {
  // `words` spells out little-endian 32-bit reads in the forms the decoders use: `(i + k) | 0`
  // indices, a base with its own constant (p + 4 ...), terms out of order, a base below the
  // first index (top - 3 ... top), and inside larger expressions, and two 16-bit reads; `notWords`
  // has shapes that must stay byte reads (a gap in the offsets, a shift that does not match, two
  // arrays; two bytes apart, a word's upper half, big-endian).
  const source = `
export function words(a: Uint8Array, p: number): number {
  let h = 0;
  for (let i = 0; i < 6; i++) {
    const w = a[p] | (a[(p + 1) | 0] << 8) | (a[(p + 2) | 0] << 16) | (a[(p + 3) | 0] << 24);
    const v = (a[(p + 4) | 0] | (a[(p + 5) | 0] << 8) | (a[(p + 6) | 0] << 16) | (a[(p + 7) | 0] << 24)) >>> 0;
    const u = (a[p + 3] << 24) | (a[p + 2] << 16) | a[p] | (a[p + 1] << 8);
    const top = (p + 9) | 0;
    const t = a[(top - 3) | 0] | (a[(top - 2) | 0] << 8) | (a[(top - 1) | 0] << 16) | (a[top] << 24);
    h = (Math.imul(h, 31) + w + (v >>> 3) + (u ^ 77) + (t >> 5)) | 0;
    h = (h ^ ((a[i] | (a[(i + 1) | 0] << 8) | (a[(i + 2) | 0] << 16) | (a[(i + 3) | 0] << 24)) << 1)) | 0;
    const half = a[(p + 5) | 0] | (a[(p + 6) | 0] << 8);
    const swapped = (a[p + 1] << 8) | a[p];
    h = (Math.imul(h, 17) + half + (swapped << 3)) | 0;
    p = (p + 3) | 0;
  }
  return h;
}
export function notWords(a: Uint8Array, b: Uint8Array, p: number): number {
  const gap = a[p] | (a[(p + 1) | 0] << 8) | (a[(p + 3) | 0] << 16) | (a[(p + 4) | 0] << 24);
  const shift = a[p] | (a[(p + 1) | 0] << 8) | (a[(p + 2) | 0] << 8) | (a[(p + 3) | 0] << 24);
  const two = a[p] | (b[(p + 1) | 0] << 8) | (a[(p + 2) | 0] << 16) | (a[(p + 3) | 0] << 24);
  const apart = a[p] | (a[(p + 2) | 0] << 16);
  const upper = (a[(p + 2) | 0] << 16) | (a[(p + 3) | 0] << 24);
  const big = (a[p] << 8) | a[(p + 1) | 0];
  return (gap ^ shift ^ two ^ apart ^ (upper >>> 1) ^ (big << 2)) | 0;
}
export function main(p: number): number {
  const a = new Uint8Array(new ArrayBuffer(64));
  const b = new Uint8Array(new ArrayBuffer(64));
  for (let i = 0; i < 64; i++) {
    a[i] = (i * 73 + 200) & 255;
    b[i] = (i * 31 + 7) & 255;
  }
  return (words(a, p) ^ notWords(a, b, p)) | 0;
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  const node = new Function(`${source.replace(/export /g, '').replace(/: (number|Uint8Array)/g, '')}; return main;`)() as (p: number) => number;

  /** Byte loads in the body of the exported function `name`. */
  const byteLoads = (wasm: Uint8Array<ArrayBuffer>, name: string): number =>
    exportedBody(wasm, name).match(/i32\.load8_u/g)?.length ?? 0;

  test('byte-by-byte word reads become one load each, with the values Node computes', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    const instance = instantiate(wasm);
    for (const p of [ 0, 1, 5, 13, 30 ]) expect(callExport(instance, 'main', p)).toBe(node(p));
    expect(byteLoads(wasm, 'words')).toBe(0);
    expect(exportedBody(wasm, 'words').match(/i32\.load16_u/g)?.length).toBe(2);
    // gap's and shift's first two terms are themselves a 16-bit read (a | chain is nested from
    // the left): 4 + 4 + 4 + 2 + 2 + 2 byte loads less two in each of those
    expect(byteLoads(wasm, 'notWords')).toBe(14);
  });

  test('fails without the patch: every word is four byte loads', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('013-typed-word-read') });
    expect(callExport(instantiate(wasm), 'main', 5)).toBe(node(5));
    expect(byteLoads(wasm, 'words')).toBeGreaterThanOrEqual(4 * 5 + 2 * 2);
  });
});

describe('014-const-literal-globals', () => {
  // Top-level numeric consts in the forms stub-src uses (decimal, hex at and above 2^31, negative,
  // built from other consts with + * << | >>>), a function declared above the consts it reads, a
  // parameter and a local that shadow a const, and consts that must stay globals: a division (not
  // folded, though it is exact), a call, a let's value and an unannotated const.
  const source = `
export function early(x: number): number {
  return (x + LAST + TABLE_END) | 0;
}
const BASE: number = 1024;
const NEGATIVE: number = -7;
const HIGH: number = 0xdeadbeef;
const SIGN: number = 0x80000000;
const SIGNED: number = SIGN | 0;
const TABLE_END: number = BASE + 288 * 32;
const SHIFTED: number = (BASE << 3) >>> 1;
let counter = 40;
const QUOTIENT: number = BASE / 4;
const FROM_LET: number = counter + 2;
const CALLED: number = Math.imul(BASE, 3);
const BARE = 99;
const LAST: number = TABLE_END - NEGATIVE;
function shadow(BASE: number): number {
  const HIGH = 5;
  return (BASE + HIGH) | 0;
}
export function uses(x: number): number {
  let h = (x ^ HIGH) >>> 0;
  h = (h + NEGATIVE + TABLE_END + SHIFTED) | 0;
  h = (h ^ SIGN ^ SIGNED) | 0;
  h = (h + QUOTIENT + FROM_LET + CALLED + BARE) | 0;
  return (h + shadow(x) + early(x)) | 0;
}
export function main(x: number): number {
  return uses(x);
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  const node = new Function(`${source.replace(/export /g, '').replace(/: number/g, '')}; return main;`)() as (x: number) => number;
  const globalGets = (wasm: Uint8Array<ArrayBuffer>, name: string): number =>
    exportedBody(wasm, name).match(/global\.get/g)?.length ?? 0;

  test('folded consts compile to literals with the values Node computes; the others stay globals', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    expect(runWabt('wasm2c', wasm).status).toBe(0);
    const instance = instantiate(wasm);
    for (const x of [ 0, 1, 77, -5, 0x7fffffff ]) expect([ x, callExport(instance, 'main', x) ]).toEqual([ x, node(x) ]);
    expect(globalGets(wasm, 'early')).toBe(0);
    // QUOTIENT, FROM_LET, CALLED and BARE: four reads of globals, none of the folded consts.
    expect(globalGets(wasm, 'uses')).toBe(4);
  });

  test('fails without the patch: every const is a global read', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('014-const-literal-globals') });
    expect(callExport(instantiate(wasm), 'main', 77)).toBe(node(77));
    expect(globalGets(wasm, 'early')).toBe(2);
    expect(globalGets(wasm, 'uses')).toBe(10);
  });
});

/** How many functions a module defines (imports not counted). */
function definedFunctions(wasm: Uint8Array<ArrayBuffer>): number {
  const headers = wabtOutput(wasm, 'wasm-objdump', [ '-h' ]);
  return Number(/ Function start=.* count: (\d+)/.exec(headers)![1]);
}

describe('015-typed-view-constructor', () => {
  // Each of the six integer typed arrays over a new ArrayBuffer (a computed length, an empty one,
  // values that wrap), then the two RangeErrors: a byte length that is not a multiple of the
  // element size, and a negative one. `plain` has the same allocations without try/catch, so its
  // module holds only what the constructors themselves need.
  const allocations = `
function fill(a: Uint8Array, n: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) { a[i] = i * n; s = (s + a[i]) | 0; }
  return s;
}
export function plain(k: number): number {
  const u8 = new Uint8Array(new ArrayBuffer(10 + k));
  const i8 = new Int8Array(new ArrayBuffer(7));
  const u16 = new Uint16Array(new ArrayBuffer(8));
  const i16 = new Int16Array(new ArrayBuffer(6));
  const u32 = new Uint32Array(new ArrayBuffer(16));
  const i32 = new Int32Array(new ArrayBuffer(4 * k));
  const empty = new Uint8Array(new ArrayBuffer(0));
  i8[3] = 200; u16[1] = 70000; i16[2] = 40000; u32[3] = 0xfffffff0;
  if (k > 0) i32[k - 1] = -5;
  let r = (fill(u8, 3) + u8.length * 1000 + i8[3] + i8.length * 7 + u16[1] + u16.length) | 0;
  r = (r + i16[2] + i16.length + u32[3] + u32.length + i32.length + empty.length) | 0;
  if (k > 0) r = (r + i32[0] + i32[k - 1]) | 0;
  return r;
}`;
  const source = `${allocations}
export function main(k: number): number {
  let r = plain(k);
  try { const bad = new Uint32Array(new ArrayBuffer(6 + k)); r = (r + bad.length) | 0; } catch (e) { r = (r + 100000) | 0; }
  try { const bad = new Uint16Array(new ArrayBuffer(0 - k)); r = (r + bad.length) | 0; } catch (e) { r = (r + 200000) | 0; }
  return r;
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  // The stub's exception mode (compiler/porffor-child.ts): a throw is an id, no error object.
  const stubOptions: CompileOptions = { flags: [ ...options.flags!, '--exception-mode=lut' ] };
  const node = new Function(`${source.replace(/export /g, '').replace(/: (number|Uint8Array)/g, '')}; return { main, plain };`)() as
    { main: (k: number) => number; plain: (k: number) => number };

  test('allocations and their RangeErrors match Node; the generic constructors are not compiled in', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    expect(runWabt('wasm2c', wasm).status).toBe(0);
    const instance = instantiate(wasm);
    for (const k of [ 0, 1, 2, 4, 7 ]) expect([ k, callExport(instance, 'main', k) ]).toEqual([ k, node.main(k) ]);
    expect(definedFunctions(compileSnippetOrThrow(allocations, stubOptions))).toBeLessThanOrEqual(10);
  });

  test('fails without the patch: the generic constructors bring the object and string builtins', () => {
    const without = compileSnippetOrThrow(allocations, { ...stubOptions, porfforDir: porfforWithout('015-typed-view-constructor') });
    expect(callExport(instantiate(without), 'plain', 4)).toBe(node.plain(4));
    expect(definedFunctions(without)).toBeGreaterThanOrEqual(40);
  });
});

describe('016-typed-element-type', () => {
  // Sums and comparisons of typed-array elements, the forms that made porffor check for strings
  // at run time (e820's range arithmetic, cmdline's byte comparison).
  const source = `
export function add(a: Uint32Array, b: Uint8Array, i: number): number {
  return (a[i] + b[i] + a[(i + 1) | 0]) >>> 0;
}
export function same(a: Uint16Array, b: Int8Array, i: number): number {
  return a[i] === b[i] ? 1 : (a[i] !== b[(i + 1) | 0] ? 2 : 3);
}
export function main(i: number): number {
  const a = new Uint32Array(new ArrayBuffer(32));
  const b = new Uint8Array(new ArrayBuffer(8));
  const c = new Uint16Array(new ArrayBuffer(16));
  const d = new Int8Array(new ArrayBuffer(8));
  for (let k = 0; k < 8; k++) { a[k] = 0xfffffff0 + k * 3; b[k] = k * 40; c[k] = k & 2; d[k] = k & 1 ? 0 : 2; }
  return (add(a, b, i) + same(c, d, i) * 7) | 0;
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  const node = new Function(`${source.replace(/export /g, '').replace(/: (number|Uint8Array|Uint16Array|Uint32Array|Int8Array)/g, '')}; return main;`)() as (i: number) => number;

  test('element sums and comparisons are plain integer code with the values Node computes', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    const instance = instantiate(wasm);
    for (const i of [ 0, 1, 3, 6 ]) expect([ i, callExport(instance, 'main', i) ]).toEqual([ i, node(i) ]);
    // one call each: the constructor check on return that every function has
    expect([ calls(wasm, 'add'), calls(wasm, 'same') ]).toEqual([ 1, 1 ]);
  });

  test('fails without the patch: the sums and comparisons call string builtins', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('016-typed-element-type') });
    expect(callExport(instantiate(wasm), 'main', 3)).toBe(node(3));
    expect(calls(wasm, 'add')).toBeGreaterThanOrEqual(3);
    expect(calls(wasm, 'same')).toBeGreaterThanOrEqual(3);
  });
});

describe('017-known-type-method-call', () => {
  // charCodeAt on strings the stub passes around (bundle.ts types them `bytestring`).
  const source = `
function code(s: bytestring, i: number): number {
  return s.charCodeAt(i);
}
export function main(i: number): number {
  return (code('efistub', i) * 3 + code('0123456789', i) + 'abc'.length) | 0;
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  const node = new Function(`${source.replace(/export /g, '').replace(/: (number|bytestring)/g, '')}; return main;`)() as (i: number) => number;

  test('charCodeAt on a bytestring calls only the bytestring builtin', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    const instance = instantiate(wasm);
    for (const i of [ 0, 2, 6 ]) expect(callExport(instance, 'main', i)).toBe(node(i));
    expect(definedFunctions(wasm)).toBeLessThanOrEqual(8);
  });

  test('fails without the patch: the unused generic fallback brings the object builtins', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('017-known-type-method-call') });
    expect(callExport(instantiate(wasm), 'main', 2)).toBe(node(2));
    expect(definedFunctions(wasm)).toBeGreaterThanOrEqual(40);
  });
});

describe('018-u64-bigint-locals', () => {
  // XXH64's shapes (zstd-xxhash.ts): 64-bit multiply, add, rotate, xor-shift, constants wider
  // than 32 bits, in from 32-bit halves and out as the low and high halves; and zstd's window's
  // shift by a run-time count.
  const source = `
function mix(lo: number, hi: number, rounds: number): number {
  const prime1: bigint = 0x9e3779b185ebca87n;
  const prime2: bigint = 0xc2b2ae3d27d4eb4fn;
  let lane: bigint = BigInt.asUintN(64, BigInt(lo >>> 0) | (BigInt(hi >>> 0) << 32n));
  let hash: bigint = 0x27d4eb2f165667c5n;
  for (let i = 0; i < rounds; i++) {
    lane = BigInt.asUintN(64, lane + BigInt(i >>> 0) * prime2);
    lane = BigInt.asUintN(64, ((lane << 31n) | (BigInt.asUintN(64, lane) >> 33n)) * prime1);
    hash = BigInt.asUintN(64, (hash ^ lane) * prime1 - prime2);
  }
  hash = hash ^ (BigInt.asUintN(64, hash) >> 29n);
  // a run-time shift count (zstd's 64-bit bit window): BigInt(n & 63) is i64.extend_i32_u
  hash = hash ^ (BigInt.asUintN(64, hash) >> BigInt((lo ^ rounds) & 63));
  return (Number(BigInt.asUintN(32, hash)) ^ Number(BigInt.asUintN(32, BigInt.asUintN(64, hash) >> 32n))) | 0;
}
export function main(i: number): number {
  return mix(Math.imul(i, 0x9e3779b1), i ^ 0xdeadbeef, (i & 7) + 1);
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  const node = new Function(`${source.replace(/export /g, '').replace(/: (number|bigint)/g, '')}; return main;`)() as (i: number) => number;

  test('bigint locals are i64 locals and their arithmetic i64 instructions, with the values Node computes', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    const instance = instantiate(wasm);
    for (const i of [ 0, 1, 5, 7, 0x7fffffff, -1, -123456 ]) expect([ i, callExport(instance, 'main', i) ]).toEqual([ i, node(i) ]);
    const wat = wabtOutput(wasm, 'wasm2wat', [ '--enable-exceptions' ]);
    const body = wat.split('(func ').find((f) => f.includes('i64.mul'))!;
    expect(body).toMatch(/\(local [^)]*i64/);
    expect(body.match(/i64\.mul/g)!.length).toBeGreaterThanOrEqual(3);
    // no BigInt objects or builtins: main calls mix, Math.imul's builtin and the constructor
    // check every function has
    expect(definedFunctions(wasm)).toBeLessThanOrEqual(5);
    expect(calls(wasm, 'main')).toBeLessThanOrEqual(3);
  });

  test('fails without the patch: BigInt values go through porffor\'s bigint builtins', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('018-u64-bigint-locals') });
    expect(wabtOutput(wasm, 'wasm2wat', [ '--enable-exceptions' ])).not.toContain('i64.mul');
    expect(definedFunctions(wasm)).toBeGreaterThanOrEqual(40);
  });
});

describe('019-static-typed-tables', () => {
  // A CRC-32 table and a byte table built by top-level code and read through their names at
  // masked indices; the table handed to a function as a parameter (which reads the header the
  // declaration wrote: count and buffer); its length; a parameter that hides the name; and
  // arrays that stay run-time allocations: a let, a function's local.
  const source = `
const SIZE: number = 256;
const table: Uint32Array = new Uint32Array(new ArrayBuffer(SIZE * 4));
const bytes: Uint8Array = new Uint8Array(new ArrayBuffer(SIZE + 3));
let later: Int32Array = new Int32Array(new ArrayBuffer(16));
for (let n = 0; n < SIZE; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (0xedb88320 ^ (c >>> 1)) >>> 0 : c >>> 1;
  table[n] = c;
  bytes[n] = (n * 7) & 255;
}
function viaParameter(t: Uint32Array, i: number): number {
  return (t[i] ^ t.length) >>> 0;
}
function hidden(table: Uint32Array, i: number): number {
  return table[i];
}
export function lookup(x: number): number {
  return (table[x & 255] ^ table[(x >>> 8) & 255] ^ bytes[(x >>> 16) & 255]) >>> 0;
}
export function main(x: number): number {
  const local = new Uint32Array(new ArrayBuffer(8));
  local[1] = x;
  later[3] = (x ^ 5) | 0;
  return (lookup(x) ^ viaParameter(table, (x >>> 4) & 255) ^ hidden(local, 1) ^ table.length ^ (bytes.length << 9) ^
    later[3]) | 0;
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  const node = new Function(`${source.replace(/export /g, '').replace(/: (number|Uint32Array|Uint8Array|Int32Array)/g, '')}; return main;`)() as (x: number) => number;

  /** Reads of a typed array's data pointer in `lookup`: the header's word at +4 of the array just read. */
  const headerLoads = (wasm: Uint8Array<ArrayBuffer>): number =>
    exportedBody(wasm, 'lookup').match(/local\.tee \d+\s+i32\.load offset=4/g)?.length ?? 0;

  test('a top-level table is read at a constant address, with the values Node computes', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    const instance = instantiate(wasm);
    for (const x of [ 0, 1, 0x1234, 0xabcdef, 0x7fffffff, -1 ]) expect([ x, callExport(instance, 'main', x) ]).toEqual([ x, node(x) ]);
    // the element loads only, at the tables' buffers (header at a page start + 12): no data
    // pointer read from a header
    expect(headerLoads(wasm)).toBe(0);
    expect(exportedBody(wasm, 'lookup').match(/i32\.load(8_u)? offset=4/g)?.length).toBe(3);
    const buffers = [ ...exportedBody(wasm, 'lookup').matchAll(/i32\.const (\d+)\n/g) ].map((m) => Number(m[1]))
      .filter((c) => c === 16 + 12 || (c > 12 && (c - 12) % 16384 === 0));
    expect(buffers.length).toBe(3);
  });

  test('fails without the patch: each lookup first reads the data pointer from the table\'s header', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('019-static-typed-tables') });
    expect(callExport(instantiate(wasm), 'main', 0x1234)).toBe(node(0x1234));
    expect(headerLoads(wasm)).toBe(3);
  });
});

describe('020-typed-u64-read', () => {
  // XXH64's shape (the shift inside the whole BigInt.asUintN) and zstd's window's (the shift
  // wrapped on its own), at bases with constants; and shapes that stay two word loads: words
  // eight bytes apart, the halves swapped, halves from two arrays.
  const source = `
export function reads(a: Uint8Array, b: Uint8Array, p: number): number {
  const x: bigint = BigInt.asUintN(64, BigInt((a[p] | (a[(p + 1) | 0] << 8) | (a[(p + 2) | 0] << 16) | (a[(p + 3) | 0] << 24)) >>> 0) |
    (BigInt((a[(p + 4) | 0] | (a[(p + 5) | 0] << 8) | (a[(p + 6) | 0] << 16) | (a[(p + 7) | 0] << 24)) >>> 0) << 32n));
  const y: bigint = BigInt((a[(p + 3) | 0] | (a[(p + 4) | 0] << 8) | (a[(p + 5) | 0] << 16) | (a[(p + 6) | 0] << 24)) >>> 0) |
    BigInt.asUintN(64, BigInt((a[(p + 7) | 0] | (a[(p + 8) | 0] << 8) | (a[(p + 9) | 0] << 16) | (a[(p + 10) | 0] << 24)) >>> 0) << 32n);
  const gap: bigint = BigInt((a[p] | (a[(p + 1) | 0] << 8) | (a[(p + 2) | 0] << 16) | (a[(p + 3) | 0] << 24)) >>> 0) |
    BigInt.asUintN(64, BigInt((a[(p + 8) | 0] | (a[(p + 9) | 0] << 8) | (a[(p + 10) | 0] << 16) | (a[(p + 11) | 0] << 24)) >>> 0) << 32n);
  const swapped: bigint = BigInt((a[(p + 4) | 0] | (a[(p + 5) | 0] << 8) | (a[(p + 6) | 0] << 16) | (a[(p + 7) | 0] << 24)) >>> 0) |
    BigInt.asUintN(64, BigInt((a[p] | (a[(p + 1) | 0] << 8) | (a[(p + 2) | 0] << 16) | (a[(p + 3) | 0] << 24)) >>> 0) << 32n);
  const two: bigint = BigInt((a[p] | (a[(p + 1) | 0] << 8) | (a[(p + 2) | 0] << 16) | (a[(p + 3) | 0] << 24)) >>> 0) |
    BigInt.asUintN(64, BigInt((b[(p + 4) | 0] | (b[(p + 5) | 0] << 8) | (b[(p + 6) | 0] << 16) | (b[(p + 7) | 0] << 24)) >>> 0) << 32n);
  let h = 0;
  h = (Math.imul(h, 31) + Number(BigInt.asUintN(32, x)) + Number(BigInt.asUintN(32, BigInt.asUintN(64, x) >> 32n))) | 0;
  h = (Math.imul(h, 31) + Number(BigInt.asUintN(32, y)) + Number(BigInt.asUintN(32, BigInt.asUintN(64, y) >> 32n))) | 0;
  h = (Math.imul(h, 31) + Number(BigInt.asUintN(32, gap)) + Number(BigInt.asUintN(32, BigInt.asUintN(64, gap) >> 32n))) | 0;
  h = (Math.imul(h, 31) + Number(BigInt.asUintN(32, swapped)) + Number(BigInt.asUintN(32, BigInt.asUintN(64, swapped) >> 32n))) | 0;
  h = (Math.imul(h, 31) + Number(BigInt.asUintN(32, two)) + Number(BigInt.asUintN(32, BigInt.asUintN(64, two) >> 32n))) | 0;
  return h;
}
export function main(p: number): number {
  const a = new Uint8Array(new ArrayBuffer(64));
  const b = new Uint8Array(new ArrayBuffer(64));
  for (let i = 0; i < 64; i++) {
    a[i] = (i * 73 + 200) & 255;
    b[i] = (i * 31 + 7) & 255;
  }
  return reads(a, b, p);
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  const node = new Function(`${source.replace(/export /g, '').replace(/: (number|bigint|Uint8Array)/g, '')}; return main;`)() as (p: number) => number;

  test('two adjacent word reads joined into 64 bits are one i64.load, with the values Node computes', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    const instance = instantiate(wasm);
    for (const p of [ 0, 1, 5, 13, 40 ]) expect([ p, callExport(instance, 'main', p) ]).toEqual([ p, node(p) ]);
    expect(exportedBody(wasm, 'reads').match(/i64\.load/g)?.length).toBe(2);
    // gap, swapped and two: two 32-bit loads each; and the two arrays' data pointers, read once
    // at entry (patch 010)
    expect(exportedBody(wasm, 'reads').match(/i32\.load offset=\d+ align=1/g)?.length).toBe(8);
  });

  test('fails without the patch: every 64-bit value is two 32-bit loads', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('020-typed-u64-read') });
    expect(callExport(instantiate(wasm), 'main', 5)).toBe(node(5));
    expect(exportedBody(wasm, 'reads').match(/i64\.load/g)).toBeNull();
  });
});

describe('021-tested-copies-in-memory', () => {
  // Copies between parameters, from a static table, and into a module-level `let` (whose header
  // is read at the copy, so it is not known to lie in the memory), with indices in range and
  // ones the spec clamps (negative, past the end).
  const source = `
const TABLE: Uint8Array = new Uint8Array(new ArrayBuffer(64));
let shared: Uint8Array = new Uint8Array(new ArrayBuffer(64));
function sum(a: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = (Math.imul(s, 31) + a[i]) | 0;
  return s;
}
export function copies(a: Uint8Array, b: Uint8Array, at: number): number {
  a.copyWithin(at, 0, 8);
  a.set(b.subarray(at & 15, 24), 4);
  a.set(TABLE.subarray(at & 31, 40), 8);
  shared.set(b.subarray(at, (at + 8) | 0), at & 31);
  return (Math.imul(sum(a), 7) + sum(shared)) | 0;
}
export function main(at: number): number {
  const a = new Uint8Array(new ArrayBuffer(48));
  const b = new Uint8Array(new ArrayBuffer(32));
  for (let i = 0; i < 48; i++) a[i] = i + 1;
  for (let i = 0; i < 32; i++) b[i] = 100 + i;
  for (let i = 0; i < 64; i++) TABLE[i] = 200 + (i & 31);
  return copies(a, b, at);
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  // The same source run by Node (annotations dropped); `shared` keeps its bytes between calls, so
  // each instance is compared with a Node copy of its own.
  const nodeMain = () => new Function(`${source.replace(/export /g, '').replace(/: (number|Uint8Array)/g, '')}; return main;`)() as (at: number) => number;
  const copyMarks = (wasm: Uint8Array<ArrayBuffer>): boolean[] => {
    const wat = wabtOutput(wasm, 'wasm2wat', [ '--enable-exceptions' ]);
    return rangeTestedCopies(wat).get('w2c_copies') ?? [];
  };
  // an array header the copies' parameter `a` points at, claiming a megabyte past the memory's end
  const forgedCall = (instance: WebAssembly.Instance) => {
    const memory = instance.exports.$ as WebAssembly.Memory;
    const end = memory.buffer.byteLength;
    const words = new DataView(memory.buffer);
    words.setUint32(end - 16, 1 << 20, true);
    words.setUint32(end - 12, end - 64, true);
    const copies = instance.exports.copies as (...values: number[]) => unknown;
    const TYPE_UINT8ARRAY = 81, TYPE_NUMBER = 1;
    // (value, type) pairs, after the two hidden ones callExport also passes
    return () => copies(0, 0, 0, 0, end - 16, TYPE_UINT8ARRAY, end - 16, TYPE_UINT8ARRAY, 0, TYPE_NUMBER);
  };

  test('copies between parameters and from a static table are marked, the module-level one is not; values match Node', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    const instance = instantiate(wasm);
    const node = nodeMain();
    for (const at of [ 0, 5, 40, 41, 47, 48, 60, -3, -47 ]) expect([ at, callExport(instance, 'main', at) ]).toEqual([ at, node(at) ]);
    // each site is two copies: the direct one and the one after the spec's clamping
    expect(copyMarks(wasm)).toEqual([ true, true, true, true, true, true, false, false ]);
  });

  test('a parameter whose header claims bytes past the memory traps on entry, before any copy', () => {
    const instance = instantiate(compileSnippetOrThrow(source, options));
    expect(forgedCall(instance)).toThrow(/unreachable/);
  });

  test('fails without the patch: no copy is marked, and the forged header is not noticed', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('021-tested-copies-in-memory') });
    expect(callExport(instantiate(wasm), 'main', 5)).toBe(nodeMain()(5));
    expect(copyMarks(wasm)).toEqual([ false, false, false, false, false, false, false, false ]);
    expect(forgedCall(instantiate(wasm))).not.toThrow();
  });
});

describe('022-constant-index-offset', () => {
  // Neighbouring elements of a Uint8Array and an Int32Array read and written at `(x + K) | 0` and
  // `x + K`, next to shapes that keep the stock index: a negative constant, a compound assignment,
  // and a constant on the left.
  const source = `
export function touch(a: Uint8Array, w: Int32Array, x: number): number {
  a[(x + 1) | 0] = (a[x] + 1) | 0;
  a[(x + 2) | 0] = (a[(x + 1) | 0] + a[(x + 3) | 0]) | 0;
  w[x + 2] = (w[(x + 1) | 0] - w[x]) | 0;
  a[(x + 4) | 0] += 3;
  const back = a[(x - 1) | 0];
  const left = a[(1 + x) | 0];
  return (a[(x + 2) | 0] + (a[(x + 4) | 0] << 8) + w[(x + 2) | 0] + back + left) | 0;
}
export function main(x: number): number {
  const a = new Uint8Array(new ArrayBuffer(64));
  const w = new Int32Array(new ArrayBuffer(64 * 4));
  for (let i = 0; i < 64; i++) {
    a[i] = (i * 73 + 200) & 255;
    w[i] = (i * 40503 - 7) | 0;
  }
  return touch(a, w, x);
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  const node = new Function(`${source.replace(/export /g, '').replace(/: (number|Uint8Array|Int32Array)/g, '')}; return main;`)() as (x: number) => number;
  const offsets = (wasm: Uint8Array<ArrayBuffer>): string[] =>
    [...exportedBody(wasm, 'touch').matchAll(/i32\.(load8_u|store8|load|store) offset=(\d+)/g)].map((m) => `${m[1]}+${m[2]}`);

  test('an element at a constant past x is accessed at x with the constant in the offset, with the values Node computes', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    const instance = instantiate(wasm);
    for (const x of [ 1, 5, 13, 40, 59 ]) expect([ x, callExport(instance, 'main', x) ]).toEqual([ x, node(x) ]);
    const folded = offsets(wasm);
    // a[x + 1], a[x + 2], a[x + 3] at offsets 5, 6, 7; w[x + 1], w[x + 2] at 8, 12.
    for (const access of [ 'store8+5', 'load8_u+5', 'load8_u+7', 'store8+6', 'load+8', 'store+12', 'load8_u+6', 'load+12' ]) {
      expect(folded).toContain(access);
    }
    // The compound assignment, the negative constant and the constant on the left keep offset 4.
    expect(folded.filter((access) => access === 'load8_u+8' || access === 'store8+8')).toEqual([ 'load8_u+8' ]);
  });

  test('fails without the patch: every element is at offset 4', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('022-constant-index-offset') });
    expect(callExport(instantiate(wasm), 'main', 5)).toBe(node(5));
    expect(offsets(wasm).every((access) => access.endsWith('+4') || /^(load|store)\+[048]$/.test(access))).toBe(true);
    expect(offsets(wasm)).not.toContain('store8+5');
  });
});

describe('023-typed-byte-fill', () => {
  // fill(value, start, end) in range, partly out of range, relative (negative), empty, reversed,
  // wrapping sums, values outside a byte; then the one- and two-argument forms.
  const source = `
function sum(a: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = (Math.imul(s, 31) + a[i]) | 0;
  return s;
}
export function fillAt(a: Uint8Array, value: number, start: number, end: number): number {
  a.fill(value, start, end);
  return sum(a);
}
export function main(value: number, start: number, end: number): number {
  const a = new Uint8Array(new ArrayBuffer(64));
  for (let i = 0; i < 64; i++) a[i] = i + 1;
  return fillAt(a, value, start, end);
}
export function short(value: number, start: number): number {
  const a = new Uint8Array(new ArrayBuffer(40));
  for (let i = 0; i < 40; i++) a[i] = i * 3;
  a.fill(value, start);
  const r = sum(a);
  a.fill(value + 1);
  return (Math.imul(r, 7) + sum(a)) | 0;
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  const node = new Function(`${source.replace(/export /g, '').replace(/: (number|Uint8Array)/g, '')}; return { main, short };`)() as
    { main: (value: number, start: number, end: number) => number; short: (value: number, start: number) => number };
  const cases = [
    [ 7, 0, 64 ], [ 7, 10, 20 ], [ 300, 5, 9 ], [ -1, 0, 3 ], [ 9, -10, -2 ], [ 9, 20, 10 ], [ 9, 60, 100 ],
    [ 9, -100, 5 ], [ 9, 64, 64 ], [ 9, 63, 64 ], [ 9, 0x7ffffff8, 0 ], [ 9, 2, 0x7fffffff ], [ 9, -0x80000000, 4 ],
    [ 9, 4, -0x80000000 ], [ 9, 0, 65 ],
  ];

  test('fills match Node at every edge, as one memory.fill with no call', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    expect(runWabt('wasm2c', wasm).status).toBe(0);
    const instance = instantiate(wasm);
    for (const [ value, start, end ] of cases) {
      expect([ value, start, end, callExport(instance, 'main', value, start, end) ]).toEqual([ value, start, end, node.main(value, start, end) ]);
    }
    for (const [ value, start ] of [ [ 5, 0 ], [ 5, 30 ], [ 260, -4 ], [ 5, 50 ], [ -3, -60 ] ]) {
      expect([ value, start, callExport(instance, 'short', value, start) ]).toEqual([ value, start, node.short(value, start) ]);
    }
    const body = exportedBody(wasm, 'fillAt');
    // the direct path and the clamped one
    expect(body.match(/memory\.fill/g)?.length).toBe(2);
    // sum, and the check porffor makes of an exported function's result: no call for the fill
    expect(body.match(/\bcall /g)?.length).toBe(2);
  });

  test('fails without the patch: fill calls porffor\'s generic builtin', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('023-typed-byte-fill') });
    const body = exportedBody(wasm, 'fillAt');
    expect(body).not.toContain('memory.fill');
    expect(body.match(/\bcall /g)?.length).toBeGreaterThan(2);
  });
});

describe('024-word-read-wide-offset', () => {
  // Word reads (patches 013, 020) at constants around the one-byte LEB128 limit: offsets 4 + c of
  // 127 and 128 (c = 123, 124), and far past it; 16-, 32- and 64-bit.
  const source = `
export function reads(a: Uint8Array, p: number): number {
  const x: bigint = BigInt((a[(p + 120) | 0] | (a[(p + 121) | 0] << 8) | (a[(p + 122) | 0] << 16) | (a[(p + 123) | 0] << 24)) >>> 0) |
    BigInt.asUintN(64, BigInt((a[(p + 124) | 0] | (a[(p + 125) | 0] << 8) | (a[(p + 126) | 0] << 16) | (a[(p + 127) | 0] << 24)) >>> 0) << 32n);
  let h = (Number(BigInt.asUintN(32, x)) ^ Number(BigInt.asUintN(32, BigInt.asUintN(64, x) >> 32n))) | 0;
  h = (Math.imul(h, 31) + (a[(p + 123) | 0] | (a[(p + 124) | 0] << 8) | (a[(p + 125) | 0] << 16) | (a[(p + 126) | 0] << 24))) | 0;
  h = (Math.imul(h, 31) + (a[(p + 124) | 0] | (a[(p + 125) | 0] << 8) | (a[(p + 126) | 0] << 16) | (a[(p + 127) | 0] << 24))) | 0;
  h = (Math.imul(h, 31) + (a[(p + 124) | 0] | (a[(p + 125) | 0] << 8))) | 0;
  h = (Math.imul(h, 31) + (a[(p + 1000) | 0] | (a[(p + 1001) | 0] << 8) | (a[(p + 1002) | 0] << 16) | (a[(p + 1003) | 0] << 24))) | 0;
  return h;
}
export function main(p: number): number {
  const a = new Uint8Array(new ArrayBuffer(1100));
  for (let i = 0; i < 1100; i++) a[i] = (i * 73 + 200) & 255;
  return reads(a, p);
}`;
  const options: CompileOptions = { flags: [ '--module', '--parse-types', '--opt-types', '--valtype=i32' ] };
  const node = new Function(`${source.replace(/export /g, '').replace(/: (number|bigint|Uint8Array)/g, '')}; return main;`)() as (p: number) => number;

  test('offsets of 128 and more are multi-byte immediates: the values Node computes, one load each', () => {
    const wasm = compileSnippetOrThrow(source, options);
    expect(runWabt('wasm-validate', wasm).output).toBe('');
    const instance = instantiate(wasm);
    for (const p of [ 0, 1, 7, 50 ]) expect([ p, callExport(instance, 'main', p) ]).toEqual([ p, node(p) ]);
    const body = exportedBody(wasm, 'reads');
    expect(body).toMatch(/i64\.load offset=124 /);
    expect(body).toMatch(/i32\.load offset=127 /);
    expect(body).toMatch(/i32\.load offset=128 /);
    expect(body).toMatch(/i32\.load16_u offset=128 /);
    expect(body).toMatch(/i32\.load offset=1004 /);
    expect(body).not.toContain('unreachable');
  });

  test('fails without the patch: an offset from 128 on swallows the next opcode (here a wrong value, no trap)', () => {
    const wasm = compileSnippetOrThrow(source, { ...options, porfforDir: porfforWithout('024-word-read-wide-offset') });
    let result: number | string;
    try {
      result = callExport(instantiate(wasm), 'main', 0) as number;
    } catch (error) {
      result = String(error);
    }
    expect(result).not.toEqual(node(0));
  });
});
