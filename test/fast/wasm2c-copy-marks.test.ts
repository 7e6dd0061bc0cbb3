/**
 * The wasm2c stage's reading of porffor patch 021's marks (compiler/wasm2c.ts): a memory.copy
 * right after a nop becomes memory_copy_in_range (no bounds check) in that function's C, every
 * other copy keeps memory_copy, and a disagreement between the Wasm and the C fails the stage.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rangeTestedCopies, uncheckTestedCopies, wasmToC, WASM2C_COPY_MARKS_MISMATCH } from '../../compiler/wasm2c.ts';

// Function 0 (exported: its C name is the export's) has a marked copy, then an unmarked one (a nop
// two instructions before it does not count); function 1 has no copy; function 2 (not exported:
// its C name is its index) has an unmarked copy, then a marked one.
const WAT = `(module
  (memory (export "memory") 1)
  (func (export "first") (param i32 i32 i32)
    local.get 0
    local.get 1
    local.get 2
    nop
    memory.copy
    local.get 1
    local.get 0
    nop
    local.get 2
    memory.copy)
  (func (export "none") (result i32)
    nop
    i32.const 1)
  (func (param i32 i32 i32)
    local.get 0
    local.get 1
    local.get 2
    memory.copy
    block
      local.get 1
      local.get 0
      local.get 2
      nop
      memory.copy
    end))`;

const scratch: string[] = [];
afterAll(() => { for (const dir of scratch) rmSync(dir, { recursive: true, force: true }); });

describe('wasm2c stage: copies marked by porffor patch 021', () => {
  it('reads the marks per function from the disassembly', () => {
    const work = mkdtempSync(join(tmpdir(), 'efistub-marks-'));
    scratch.push(work);
    writeFileSync(join(work, 'm.wat'), WAT);
    expect(spawnSync('wat2wasm', [join(work, 'm.wat'), '-o', join(work, 'm.wasm')]).status).toBe(0);
    const wat = spawnSync('wasm2wat', [join(work, 'm.wasm')], { encoding: 'utf8' }).stdout;
    expect([ ...rangeTestedCopies(wat) ]).toEqual([ [ 'w2c_first', [ true, false ] ], [ 'w2c_f2', [ false, true ] ] ]);
  });

  it('makes exactly the marked copies memory_copy_in_range in the C', () => {
    const work = mkdtempSync(join(tmpdir(), 'efistub-marks-'));
    scratch.push(work);
    writeFileSync(join(work, 'm.wat'), WAT);
    expect(spawnSync('wat2wasm', [join(work, 'm.wat'), '-o', join(work, 'm.wasm')]).status).toBe(0);
    expect(wasmToC(join(work, 'm.wasm'), join(work, 'stub.c'))).toEqual([]);
    const c = readFileSync(join(work, 'stub.c'), 'utf8');
    const calls = (name: string) => [ ...c.matchAll(new RegExp(`^static [^\\n;]*\\b(w2c_\\w+)\\([^\\n]*\\) \\{\\n[^]*?^\\}`, 'gm')) ]
      .filter(m => m[1] === name)[0][0].match(/\bmemory_copy(_in_range)?\(&instance/g);
    expect(calls('w2c_first')).toEqual([ 'memory_copy_in_range(&instance', 'memory_copy(&instance' ]);
    expect(calls('w2c_f2')).toEqual([ 'memory_copy(&instance', 'memory_copy_in_range(&instance' ]);
  });

  it('refuses C whose copies do not match the Wasm\'s, function by function', () => {
    const c = [
      'static void w2c_f3(Z_stub_instance_t* instance, u32 w2c_p0) {',
      '  memory_copy(&instance->w2c_memory, &instance->w2c_memory, w2c_p0, 0, 4);',
      '}',
      '',
    ].join('\n');
    expect(uncheckTestedCopies(c, new Map([ [ 'w2c_f3', [ true ] ] ]))).toEqual({
      text: c.replace('memory_copy(', 'memory_copy_in_range('), unchecked: 1 });
    expect(uncheckTestedCopies(c, new Map([ [ 'w2c_f3', [ true, false ] ] ])).mismatch)
      .toBe('w2c_f3 has 1 memory_copy calls in the C and 2 memory.copy in the Wasm');
    expect(uncheckTestedCopies(c, new Map()).mismatch)
      .toBe('w2c_f3 has 1 memory_copy calls in the C and 0 memory.copy in the Wasm');
    expect(uncheckTestedCopies(c, new Map([ [ 'w2c_f3', [ false ] ], [ 'w2c_f4', [ true ] ] ])).mismatch)
      .toBe('w2c_f4 has memory.copy in the Wasm but is not in the C');
    expect(WASM2C_COPY_MARKS_MISMATCH).toBe(604);
  });
});
