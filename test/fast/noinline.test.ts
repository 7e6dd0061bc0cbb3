/**
 * `@noinline` (compiler/wasm2c.ts keepOutOfLine): a function whose JSDoc has the tag is named on
 * the bundle's NOINLINE_LINE, listed by Wasm index in the porffor stage's custom section, and
 * defined with clang's noinline attribute in the wasm2c stage's C; other functions are not. A
 * listed function the C does not define fails the stage. `@bmi2` travels the same way (its
 * BMI2_LINE and section) to a second definition (compiler/wasm2c.ts multiversionBmi2; its
 * native test, test/native/bmi2.test.ts, runs both).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleStub } from '../../compiler/bundle.ts';
import { compileJsToWasm } from '../../compiler/porffor.ts';
import { validateWasm } from '../../compiler/validate.ts';
import { keepOutOfLine, WASM2C_NOINLINE_NOT_FOUND, wasmToC } from '../../compiler/wasm2c.ts';
import {
  appendNoinlineSection, BMI2_LINE, BMI2_SECTION, NOINLINE_LINE, readFunctionListSection, readNoinlineSection,
} from '../../compiler/wasm-data.ts';

const SOURCE = `
/**
 * Sums 0 .. n - 1.
 * @noinline
 */
function sumBelow(n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum = (sum + i) | 0;
  return sum;
}

/** Adds one. */
function plusOne(n: number): number {
  let result = n;
  for (let i = 0; i < 1; i++) result = (result + 1) | 0;
  return result;
}

export function run(n: number): number {
  return (sumBelow(n) + plusOne(n)) | 0;
}
`;

const scratch: string[] = [];
afterAll(() => { for (const dir of scratch) rmSync(dir, { recursive: true, force: true }); });

describe('@noinline', () => {
  it('reaches the C as the noinline attribute on that function only', () => {
    const work = mkdtempSync(join(tmpdir(), 'efistub-noinline-'));
    scratch.push(work);
    writeFileSync(join(work, 'main.ts'), SOURCE);
    const js = join(work, 'out', 'stub.js');
    const wasm = join(work, 'out', 'stub.wasm');
    const c = join(work, 'out', 'stub.c');
    expect(bundleStub(work, join(work, 'main.ts'), js)).toEqual([]);
    expect(readFileSync(js, 'utf8').split('\n')[1]).toBe(`${NOINLINE_LINE} sumBelow`);
    expect(compileJsToWasm(js, wasm, resolve('stub-src/host.d.ts'))).toEqual([]);
    expect(validateWasm(wasm)).toEqual([]);
    const indices = readNoinlineSection(readFileSync(wasm));
    expect(indices).toHaveLength(1);
    expect(wasmToC(wasm, c)).toEqual([]);
    const text = readFileSync(c, 'utf8');
    const marked = [...text.matchAll(/^static __attribute__\(\(noinline\)\) \w+ (w2c_\w+)\(/gm)].map((m) => m[1]);
    expect(marked).toEqual([`w2c_f${indices[0]}`]);
    // The marked function is the loop that sums (its definition holds the addition of i).
    const wat = spawnSync('wasm2wat', [wasm], { encoding: 'utf8' }).stdout;
    expect(wat).toMatch(new RegExp(`\\(func \\(;${indices[0]};\\)[^]*?i32\\.add[^]*?\\n  \\(func`));
  });

  it('@bmi2 reaches the C as a second definition of that function only, for BMI2', () => {
    const work = mkdtempSync(join(tmpdir(), 'efistub-bmi2-'));
    scratch.push(work);
    writeFileSync(join(work, 'main.ts'), SOURCE.replace(' * @noinline\n', ' * @noinline\n * @bmi2\n'));
    const js = join(work, 'out', 'stub.js');
    const wasm = join(work, 'out', 'stub.wasm');
    const c = join(work, 'out', 'stub.c');
    expect(bundleStub(work, join(work, 'main.ts'), js)).toEqual([]);
    expect(readFileSync(js, 'utf8').split('\n').slice(1, 3)).toEqual([`${NOINLINE_LINE} sumBelow`, `${BMI2_LINE} sumBelow`]);
    expect(compileJsToWasm(js, wasm, resolve('stub-src/host.d.ts'))).toEqual([]);
    expect(validateWasm(wasm)).toEqual([]);
    const indices = readFunctionListSection(readFileSync(wasm), BMI2_SECTION);
    expect(indices).toEqual(readNoinlineSection(readFileSync(wasm)));
    expect(wasmToC(wasm, c)).toEqual([]);
    const copies = [...readFileSync(c, 'utf8').matchAll(/^static __attribute__\(\(target\("bmi2"\)\)\) [^\n(]*\(\(noinline\)\) \w+ (w2c_\w+)\(Z_stub_instance_t\* instance/gm)]
      .map((m) => m[1]);
    expect(copies).toEqual([`w2c_f${indices[0]}_bmi2`]);
  });

  it('round-trips the section and leaves a module without one listing nothing', () => {
    const empty = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    expect(readNoinlineSection(empty)).toEqual([]);
    expect(readNoinlineSection(appendNoinlineSection(empty, [3, 200, 70000]))).toEqual([3, 200, 70000]);
  });

  it('fails the wasm2c stage, writing no C, when a listed function is not in the module', () => {
    const work = mkdtempSync(join(tmpdir(), 'efistub-noinline-'));
    scratch.push(work);
    writeFileSync(join(work, 'm.wat'), '(module (func (export "one") (result i32) i32.const 1))');
    expect(spawnSync('wat2wasm', [join(work, 'm.wat'), '-o', join(work, 'm.wasm')]).status).toBe(0);
    writeFileSync(join(work, 'm.wasm'), appendNoinlineSection(readFileSync(join(work, 'm.wasm')), [7]));
    const diagnostics = wasmToC(join(work, 'm.wasm'), join(work, 'm.c'));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ stage: 'wasm2c', code: WASM2C_NOINLINE_NOT_FOUND });
    expect(diagnostics[0].message).toMatch(/@noinline .* w2c_f7$/);
    expect(WASM2C_NOINLINE_NOT_FOUND).toBe(605);
    expect(existsSync(join(work, 'm.c'))).toBe(false);
  });

  it('fails when a listed function has no definition in the C', () => {
    const c = 'static u32 w2c_f3(Z_stub_instance_t* instance, u32 w2c_p0) {\n  return w2c_p0;\n}\n';
    expect(keepOutOfLine(c, [3], null)).toEqual({
      text: 'static __attribute__((noinline)) u32 w2c_f3(Z_stub_instance_t* instance, u32 w2c_p0) {\n  return w2c_p0;\n}\n',
      marked: 1,
    });
    expect(keepOutOfLine(c, [4], null)).toEqual({ text: c, marked: 0, missing: 'w2c_f4' });
  });
});
