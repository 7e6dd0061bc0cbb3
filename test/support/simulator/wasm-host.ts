/**
 * @fileoverview Runs the porffor-compiled stub.wasm in Node with the simulator behind its imports.
 *
 * Import conventions of the compiled stub (patched porffor, compiler/host-imports.ts):
 * - module "host", field = the host.d.ts name without `host`, first letter lower-cased;
 * - every parameter and result is an i32 (the stub is compiled with porffor's i32 valtype,
 *   compiler/porffor-child.ts), so Node hands over the signed int32 bit pattern: numbers are
 *   passed on with >>> 0, and results go back as the int32 bit pattern (`| 0`);
 * - a string parameter is a pointer p into the memory export "$": u32 length at p, then bytes;
 * - a typed-array parameter is a pointer p to porffor's typed-array header: u32 element count
 *   at p, u32 buffer address at p + 4, and the elements start 4 bytes into the buffer (after its
 *   length word; porffor indexes at buffer + 4 + i, as compiler/runtime/wasm-rt.c rt_heap_bytes
 *   reads it). Byte arrays become a view of exactly the array's elements; word arrays are copied
 *   in and the words the host changed are written back (the data may not be 4-byte aligned).
 * Exports take (i32 value, i32 type) per parameter and return (i32, i32); `m` is the module's
 * top-level code and runs first.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readHostImports, type HostImport } from '../../../compiler/host-imports.ts';
import type { Simulator } from './firmware.ts';
import { hostFunctions, type HostFunctions } from './host.ts';
import { SimulatorFault } from './memory.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const HOST_DTS = join(here, '../../../stub-src/host.d.ts');

/** The number type tag porffor uses for exported-function arguments. */
const TYPE_NUMBER = 1;

export interface WasmStub {
  instance: WebAssembly.Instance;
  memory: () => WebAssembly.Memory;
  /** Calls an exported stub function with number arguments; returns its numeric result. */
  call: (name: string, ...args: number[]) => number;
  /** Runs the module's top-level code (export `m`). */
  init: () => void;
  /** init() if not done, then efiMain(); the status as an unsigned 32-bit number. */
  efiMain: () => number;
}

function firstValue(result: unknown): number {
  if (Array.isArray(result)) return Number(result[0]);
  return Number(result);
}

export async function instantiateStub(wasm: Uint8Array, sim: Simulator, hostDtsPath = HOST_DTS): Promise<WasmStub> {
  const module = await WebAssembly.compile(new Uint8Array(wasm));
  const declared = readHostImports(hostDtsPath);
  const functions = hostFunctions(sim) as unknown as Record<string, (...args: unknown[]) => unknown>;
  let instance: WebAssembly.Instance | undefined;
  const memory = (): WebAssembly.Memory => {
    const exported = instance?.exports.$;
    if (!(exported instanceof WebAssembly.Memory)) throw new SimulatorFault('stub.wasm exports no memory "$"');
    return exported;
  };

  const adapt = (declaration: HostImport) => {
    const fn = functions[declaration.wasmField];
    if (!fn) throw new Error(`the simulator does not implement host.${declaration.wasmField}`);
    return (...raw: number[]): number | undefined => {
      const view = new DataView(memory().buffer);
      const writeBacks: (() => void)[] = [];
      const args = declaration.params.map((param, index) => {
        const value = raw[index];
        if (param.kind === 'number') return value >>> 0;
        const pointer = value >>> 0;
        if (param.kind === 'string') {
          const length = view.getUint32(pointer, true);
          return Buffer.from(memory().buffer, pointer + 4, length).toString('latin1');
        }
        const count = view.getUint32(pointer, true);
        const data = view.getUint32(pointer + 4, true) + 4;
        const elementSize = param.kind === 'bytes' ? 1 : 4;
        if (data + count * elementSize > memory().buffer.byteLength) {
          throw new SimulatorFault(`host.${declaration.wasmField}: typed array at ${pointer} runs past the end of Wasm memory`);
        }
        if (param.kind === 'bytes') return new Uint8Array(memory().buffer, data, count);
        const words = new Uint32Array(count);
        for (let i = 0; i < count; i++) words[i] = view.getUint32(data + 4 * i, true);
        const original = words.slice();
        writeBacks.push(() => {
          const after = new DataView(memory().buffer);
          for (let i = 0; i < count; i++) if (words[i] !== original[i]) after.setUint32(data + 4 * i, words[i], true);
        });
        return words;
      });
      const result = fn(...args);
      for (const writeBack of writeBacks) writeBack();
      return declaration.returnsValue ? Number(result) | 0 : undefined;
    };
  };

  const imports: WebAssembly.Imports = { host: {} };
  for (const declaration of declared) (imports.host as Record<string, unknown>)[declaration.wasmField] = adapt(declaration);
  // Anything else the module imports is not part of the boundary: fail loudly if it is called.
  for (const entry of WebAssembly.Module.imports(module)) {
    if (entry.kind !== 'function') continue;
    const table = (imports[entry.module] ??= {}) as Record<string, unknown>;
    if (!(entry.name in table)) {
      table[entry.name] = () => {
        throw new SimulatorFault(`stub.wasm called import ${entry.module}.${entry.name}, which is outside the host boundary`);
      };
    }
  }
  instance = await WebAssembly.instantiate(module, imports);
  const exports = instance.exports as Record<string, unknown>;
  const call = (name: string, ...args: number[]): number => {
    const fn = exports[name];
    if (typeof fn !== 'function') throw new Error(`stub.wasm exports no function ${name}`);
    const typed: number[] = [];
    for (const arg of args) typed.push(arg, TYPE_NUMBER);
    return firstValue(fn(...typed));
  };
  let initialised = false;
  const init = () => {
    if (!initialised) {
      initialised = true;
      if (typeof exports.m === 'function') (exports.m as () => unknown)();
    }
  };
  return {
    instance,
    memory,
    call,
    init,
    efiMain: () => {
      init();
      return call('efiMain') >>> 0;
    },
  };
}

/** Reads a compiled stub from disk and instantiates it. */
export async function loadStubWasm(path: string, sim: Simulator): Promise<WasmStub> {
  return instantiateStub(readFileSync(path), sim);
}

export type { HostFunctions };
