/**
 * @fileoverview The UEFI simulator: one import for tests.
 *
 *   const sim = new Simulator({ sections: [...], cpuid: {...} });
 *   const unbind = bindHost(sim);           // TS in Node: host* globals
 *   const stub = await loadStubWasm(p, sim); // or the compiled Wasm
 */
export * from './firmware.ts';
export * from './host.ts';
export * from './memory.ts';
export * from './pe-builder.ts';
export * from './wasm-host.ts';
export * from './compiled-stub.ts';
