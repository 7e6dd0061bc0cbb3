/**
 * @fileoverview Tests for the project's patches to porffor 0.61.13 (patches/porffor/).
 *
 * Each patch gets two tests: the patched compiler (node_modules/porffor, patched on install)
 * produces Wasm whose results match what Node computes for the same JS, and a copy of porffor
 * with only that patch reverse-applied gets it wrong (a different result, or Wasm that
 * wasm2c 1.0.32 rejects). The second test is what keeps a patch from silently becoming a no-op.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  callExport, compileSnippet, compileSnippetOrThrow, instantiate, patchedPorfforDir, projectRoot, runWabt,
  type CompileOptions,
} from '../support/porffor-snippet';

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the patched porffor with one patch reverse-applied; returns the porffor dir. */
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
  execFileSync('patch', [ '-R', '-p1', '--batch', '-i', path.join(projectRoot, 'patches', 'porffor', `${patchName}.patch`) ], { cwd: copy, stdio: 'pipe' });
  return copy;
}

test('every patch in patches/porffor is applied to node_modules/porffor', () => {
  const patches = readdirSync(path.join(projectRoot, 'patches', 'porffor')).filter(x => x.endsWith('.patch')).map(x => x.slice(0, -6)).sort();
  const stamp = readFileSync(path.join(patchedPorfforDir, '.efistub-patches'), 'utf8').split('\n').filter(Boolean).sort();
  expect(stamp).toEqual(patches);
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
