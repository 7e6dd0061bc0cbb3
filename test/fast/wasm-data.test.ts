/**
 * compiler/wasm-data.ts: the wasm2c stage packs porffor's data segments. The packed module must
 * start with the same memory, byte for byte, and have fewer segments; a module where merging
 * could change anything (overlapping segments, a computed offset, memory.init or data.drop) is
 * returned as it was.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATA_GAP_LIMIT, packDataSegments } from '../../compiler/wasm-data.ts';

const scratch = mkdtempSync(join(tmpdir(), 'efistub-wasm-data-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
function wat2wasm(text: string): Uint8Array {
  const input = join(scratch, `m${counter}.wat`);
  const output = join(scratch, `m${counter++}.wasm`);
  writeFileSync(input, text);
  execFileSync('wat2wasm', [input, '-o', output]);
  return new Uint8Array(execFileSync('cat', [output]));
}

function segmentCount(wasm: Uint8Array): number {
  const path = join(scratch, `count${counter++}.wasm`);
  writeFileSync(path, wasm);
  return (execFileSync('wasm-objdump', ['-x', path], { encoding: 'utf8' }).match(/ - segment\[\d+\] memory=/g) ?? []).length;
}

function initialMemory(wasm: Uint8Array): Uint8Array {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(wasm)), { m: { g: new WebAssembly.Global({ value: 'i32' }, 300) } });
  return new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer);
}

const hex = (bytes: number[]): string => bytes.map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');

describe('packDataSegments', () => {
  it('merges segments across small gaps, in any order, into the same initial memory', () => {
    // Out of order; gaps of 0, 1, DATA_GAP_LIMIT and DATA_GAP_LIMIT + 1 bytes; one far away,
    // in the second page; an empty segment; bytes that are zero and 0xff.
    const module = `(module (memory (export "memory") 2)
      (data (i32.const 100) "${hex([1, 2, 3, 0, 255])}")
      (data (i32.const 16) "abcdefgh")
      (data (i32.const 24) "ijk")
      (data (i32.const 28) "lmn")
      (data (i32.const ${31 + DATA_GAP_LIMIT}) "o")
      (data (i32.const 50) "")
      (data (i32.const ${100 + 5 + DATA_GAP_LIMIT + 1}) "far")
      (data (i32.const 70000) "page one"))`;
    const wasm = wat2wasm(module);
    const packed = packDataSegments(wasm);
    expect(packed.unchanged).toBeUndefined();
    expect(packed.segmentsBefore).toBe(8);
    // [16, 105): "abcdefgh", "ijk" (gap 0), "lmn" (gap 1), "o" (gap DATA_GAP_LIMIT), the empty
    // one inside, [100, 105) (gap 4); then "far" (gap DATA_GAP_LIMIT + 1); then page one.
    expect(packed.segmentsAfter).toBe(3);
    expect(segmentCount(packed.wasm)).toBe(3);
    expect(initialMemory(packed.wasm)).toEqual(initialMemory(wasm));
    expect(execFileSync('wasm-validate', [(() => { const p = join(scratch, 'v.wasm'); writeFileSync(p, packed.wasm); return p; })()]).length).toBe(0);
  });

  it('keeps a module without segments valid (a data section holding only its count of 0)', () => {
    for (const module of ['(module (memory (export "memory") 1))',
      '(module (memory (export "memory") 1) (data (i32.const 16) "") (func (export "f")))']) {
      const wasm = wat2wasm(module);
      const packed = packDataSegments(wasm);
      const path = join(scratch, `empty${counter++}.wasm`);
      writeFileSync(path, packed.wasm);
      expect(execFileSync('wasm-validate', [path]).length).toBe(0);
      expect(initialMemory(packed.wasm)).toEqual(initialMemory(wasm));
    }
    // A data section declaring no segments (porffor writes one for a stub without strings).
    const empty = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1, 0x0b, 1, 0]);
    const packed = packDataSegments(empty);
    expect(packed.segmentsAfter).toBe(0);
    expect(() => new WebAssembly.Module(new Uint8Array(packed.wasm))).not.toThrow();
  });

  it('leaves a module alone when segments overlap', () => {
    const wasm = wat2wasm(`(module (memory (export "memory") 1)
      (data (i32.const 16) "abcdef") (data (i32.const 20) "XY") (data (i32.const 40) "z"))`);
    const packed = packDataSegments(wasm);
    expect(packed.unchanged).toBe('segments overlap');
    expect(packed.wasm).toBe(wasm);
  });

  it('leaves a module alone when a segment has a computed offset', () => {
    const wasm = wat2wasm(`(module (import "m" "g" (global i32)) (memory (export "memory") 1)
      (data (i32.const 16) "ab") (data (global.get 0) "cd"))`);
    const packed = packDataSegments(wasm);
    expect(packed.unchanged).toMatch(/not active at a constant offset/);
    expect(packed.wasm).toBe(wasm);
  });

  it('leaves a module alone when its code may name a segment (memory.init, data.drop)', () => {
    for (const instruction of ['(memory.init 1 (i32.const 0) (i32.const 0) (i32.const 1))', '(data.drop 0)']) {
      const wasm = wat2wasm(`(module (memory (export "memory") 1)
        (data (i32.const 16) "ab") (data (i32.const 18) "cd")
        (func (export "f") ${instruction}))`);
      const packed = packDataSegments(wasm);
      expect(packed.unchanged).toBe('the code may use memory.init or data.drop');
      expect(packed.wasm).toBe(wasm);
      // a disassembler that finds the instruction keeps the refusal
      expect(packDataSegments(wasm, () => true).unchanged).toBe('the code may use memory.init or data.drop');
    }
  });

  it('packs a module whose opcode bytes are only an immediate once the disassembly rules the instructions out', () => {
    // i32.const 1148 is 0x41 0xfc 0x08: memory.init's opcode bytes inside an immediate
    const wasm = wat2wasm(`(module (memory (export "memory") 1)
      (data (i32.const 16) "ab") (data (i32.const 18) "cd")
      (func (export "f") (result i32) (i32.const 1148)))`);
    expect(packDataSegments(wasm).unchanged).toBe('the code may use memory.init or data.drop');
    let asked = 0;
    const packed = packDataSegments(wasm, () => { asked++; return false; });
    expect(asked).toBe(1);
    expect(packed.unchanged).toBeUndefined();
    expect(packed.segmentsAfter).toBe(1);
  });
});
