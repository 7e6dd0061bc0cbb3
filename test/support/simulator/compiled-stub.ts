/**
 * @fileoverview The stub compiled to Wasm once per test file, for the simulator's Wasm runner:
 *
 *   let compiled: CompiledStub;
 *   beforeAll(async () => { compiled = await compileStubForSimulator('boot-flow'); });
 *   afterAll(() => compiled?.remove());
 *   ... runStubInWasm(compiled.wasm, options, setup)
 *
 * Compiling fails the suite (it never skips): the Wasm path is part of the contract (DESIGN.md,
 * "One source, four places it runs").
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
