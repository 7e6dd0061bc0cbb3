/**
 * @fileoverview compiler/bundle.ts's typed output: which annotations reach porffor.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { bundleStub } from '../../compiler/bundle.ts';

const scratch = mkdtempSync(join(tmpdir(), 'efistub-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The typed bundle (what porffor reads) of a one-module stub whose main.ts is `source`. */
function typedBundle(source: string): string {
  writeFileSync(join(scratch, 'main.ts'), source);
  const output = join(scratch, 'out.js');
  expect(bundleStub(scratch, join(scratch, 'main.ts'), output, { keepTypes: true })).toEqual([]);
  return readFileSync(output, 'utf8');
}

test('string annotations become porffor\'s bytestring, inferred ones too; unions and others are dropped', () => {
  const text = typedBundle(`
export function reasonText(reason: number): string {
  return reason === 0 ? 'ok' : 'bad';
}
function first(text: string, fallback: string | number): number {
  const name = reasonText(0);
  let label = 'x';
  const table = new Uint8Array(new ArrayBuffer(4));
  return (text.charCodeAt(0) + name.length + label.length + table[0]) | 0;
}
export function efiMain(): number {
  return first('efistub', 1);
}
`);
  expect(text).toContain('function reasonText(reason: number): bytestring {');
  expect(text).toContain('function first(text: bytestring, fallback): number {');
  expect(text).toContain('const name: bytestring = reasonText(0);');
  expect(text).toContain('let label: bytestring = \'x\';');
  expect(text).toContain('const table: Uint8Array = new Uint8Array(new ArrayBuffer(4));');
});

test('bigint annotations are kept, and inferred for unannotated 64-bit locals (patch 018 makes them i64 locals)', () => {
  const text = typedBundle(`
function low(lo: number): number {
  const prime: bigint = 0x9e3779b185ebca87n;
  let value = BigInt.asUintN(64, BigInt(lo >>> 0) * prime);
  const shifted = BigInt.asUintN(64, value) >> 7n;
  value = value ^ shifted;
  return Number(BigInt.asUintN(32, value)) >>> 0;
}
export function efiMain(): number {
  return low(3);
}
`);
  expect(text).toContain('const prime: bigint = 0x9e3779b185ebca87n;');
  expect(text).toContain('let value: bigint = BigInt.asUintN(64, BigInt(lo >>> 0) * prime);');
  expect(text).toContain('const shifted: bigint = BigInt.asUintN(64, value) >> 7n;');
});
