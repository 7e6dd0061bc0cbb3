/**
 * Native tier: the wasm2c output of the real pipeline, linked with the Linux host runtime.
 * - The integer probe prints the same bytes as TypeScript in Node and as the Wasm in Node
 *   (the pipeline keeps the meaning of integer code; porffor patch 003 is what makes it so).
 * - Traps end in the reason and the exit line, with exit code 3, never a crash or a hang.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixture, projectRoot } from '../support/build-fixture.ts';
import { readHostImports } from '../../compiler/host-imports.ts';

function runNative(program: string): { status: number | null; stdout: string } {
  const child = spawnSync(program, [], { encoding: 'latin1', timeout: 60_000 });
  return { status: child.status, stdout: child.stdout };
}

/** The probe uses only hostConsoleWrite: bind just that, for TS and for the Wasm. */
async function runProbeInNodeTs(sourceDir: string): Promise<string> {
  let output = '';
  (globalThis as Record<string, unknown>).hostConsoleWrite = (bytes: Uint8Array, offset: number, length: number) => {
    output += Buffer.from(bytes.subarray(offset, offset + length)).toString('latin1');
  };
  const module = await import(join(sourceDir, 'main.ts'));
  expect(module.efiMain()).toBe(0);
  return output;
}

function runProbeInNodeWasm(wasmPath: string): string {
  let output = '';
  let memory: WebAssembly.Memory | undefined;
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const host: Record<string, (...args: number[]) => unknown> = {};
  for (const hostImport of readHostImports(join(projectRoot, 'stub-src', 'host.d.ts'))) {
    host[hostImport.wasmField] = () => { throw new Error(`the probe called ${hostImport.name}`); };
  }
  const instance = new WebAssembly.Instance(module, {
    host: {
      ...host,
      consoleWrite: (array: number, offset: number, length: number) => {
        // porffor's typed array: [element count, buffer address]; the buffer's bytes follow its
        // 4-byte length word. Arguments are i32 (porffor's i32 valtype): take the bit patterns.
        array >>>= 0; offset >>>= 0; length >>>= 0;
        const view = new DataView(memory!.buffer);
        const data = view.getUint32(array + 4, true) + 4;
        output += Buffer.from(memory!.buffer, data + offset, length).toString('latin1');
      },
    },
  });
  memory = instance.exports.$ as WebAssembly.Memory;
  (instance.exports.m as () => void)();
  // Exports take (i32 value, i32 type) pairs, new.target and this first; they return the value
  // alone (typed compilation, efiMain(): number) or a (value, type) pair.
  const result = (instance.exports.efiMain as (...a: number[]) => number | number[])(0, 0, 0, 0);
  const status = Array.isArray(result) ? result[0] : result;
  expect(status).toBe(0);
  return output;
}

describe('native build of the wasm2c output', () => {
  it('integer probe: native, Wasm in Node and TypeScript in Node print the same bytes', async () => {
    const built = buildFixture('integer-probe', 'native');
    const native = runNative(built.native!);
    expect(native.status).toBe(0);
    const viaTs = await runProbeInNodeTs(built.sourceDir);
    const viaWasm = runProbeInNodeWasm(built.wasm);
    expect(native.stdout).toBe(`${viaTs}efistub: exit: status=0x0\n`);
    expect(viaWasm).toBe(viaTs);
    // Values Node computes are the ground truth; spot-check two that stock porffor got wrong.
    expect(viaTs).toContain('or-zero-wrap 0x00000004\n');
    expect(viaTs).toContain('xor-high 0x92345679\n');
  });

  it('a host range outside the stub\'s buffer traps with the reason, exit code 3', () => {
    const built = buildFixture('trap-heap-range', 'native');
    const run = runNative(built.native!);
    expect(run.stdout).toBe('A' +
      'efistub: trap: out-of-bounds access to linear memory or a table\n' +
      'efistub: exit: status=0x8000000000000015\n');
    expect(run.status).toBe(3);
  });

  it('unbounded recursion traps on the call-depth limit, exit code 3', () => {
    const built = buildFixture('trap-recursion', 'native');
    const run = runNative(built.native!);
    expect(run.stdout).toBe('efistub: trap: call stack exhausted\nefistub: exit: status=0x8000000000000015\n');
    expect(run.status).toBe(3);
  });
});
