/**
 * @fileoverview The stub compiled to Wasm once per test file, for the simulator's Wasm runner:
 *
 *   let compiled: CompiledStub;
 *   beforeAll(async () => { compiled = await compileStubForSimulator('boot-flow'); });
 *   afterAll(() => compiled?.remove());
 *   ... runStubInWasm(compiled.wasm, options, setup)
 *
 * or, for scenarios that run both ways, describeInNodeAndWasm below. Compiling fails the suite
 * (it never skips): the Wasm path is part of the contract (DESIGN.md, "One source, four places it
 * runs").
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { SimulatorOptions } from './firmware.ts';
import { runStubInNode, runStubInWasm, type SimulatorSetup, type StubRun } from './run-stub.ts';

const STUB_SRC = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../stub-src');

export interface CompiledStub {
  wasm: Uint8Array;
  /** Removes the temporary directory the module was compiled in. */
  remove(): void;
}

export async function compileStubForSimulator(name: string, sourceDir: string = STUB_SRC): Promise<CompiledStub> {
  const { compileStubToWasm } = await import('../../../compiler/porffor.ts');
  const { formatDiagnostic } = await import('../../../compiler/diagnostics.ts');
  const directory = mkdtempSync(join(tmpdir(), `efistub-${name}-`));
  const output = join(directory, 'stub.wasm');
  const diagnostics = await compileStubToWasm(sourceDir, output);
  if (diagnostics.length > 0) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
  }
  return { wasm: readFileSync(output), remove: () => rmSync(directory, { recursive: true, force: true }) };
}

/** How a scenario boots the stub: as TypeScript in Node or as its compiled Wasm. */
export type StubRunner = (options?: SimulatorOptions, setup?: SimulatorSetup) => Promise<StubRun>;

/**
 * Declares `scenarios` twice: with the stub as TypeScript in Node, and as its porffor Wasm,
 * compiled once for the second suite (`name` names its scratch directory). `wasmOnly` adds tests
 * to that suite, given its runner and the TypeScript one (to compare the two).
 */
export function describeInNodeAndWasm(subject: string, name: string, scenarios: (runner: () => StubRunner) => void,
  wasmOnly: (wasm: () => StubRunner) => void): void {
  describe(`${subject} as TypeScript in Node`, () => {
    scenarios(() => runStubInNode);
  });
  describe(`${subject} as porffor-compiled Wasm`, () => {
    let compiled: CompiledStub;
    beforeAll(async () => {
      compiled = await compileStubForSimulator(name);
    });
    afterAll(() => compiled?.remove());
    const wasm: StubRunner = (options, setup) => runStubInWasm(compiled.wasm, options, setup);
    scenarios(() => wasm);
    wasmOnly(() => wasm);
  });
}

/** A Wasm run matches the TypeScript run of the same boot: it entered the kernel, same lines, calls and memory. */
export function expectSameRun(wasm: StubRun, node: StubRun): void {
  expect(wasm.entered).toBeDefined();
  expect(wasm.lines).toEqual(node.lines);
  expect(wasm.sim.calls).toEqual(node.sim.calls);
  expect(wasm.sim.memory.bytes.equals(node.sim.memory.bytes)).toBe(true);
}
