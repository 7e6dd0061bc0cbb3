/**
 * @fileoverview Runs the stub against a fresh simulator, as TypeScript in Node or as Wasm.
 *
 * Both runners return the same shape, so one scenario table drives both (hello-stub.test.ts and
 * later boot-flow tests). The TypeScript runner re-imports stub-src/main.ts with a fresh module
 * registry each time: the stub keeps state in module-level typed arrays, exactly as the Wasm
 * build keeps it in a fresh instance per run.
 */
import { vi } from 'vitest';
import { bindHost } from './host.ts';
import { Simulator, type SimulatorOptions } from './firmware.ts';
import { instantiateStub } from './wasm-host.ts';

export interface StubRun {
  /** efiMain's status as an unsigned 32-bit number. */
  status: number;
  lines: string[];
  sim: Simulator;
}

export type SimulatorSetup = (sim: Simulator) => void;

export async function runStubInNode(options: SimulatorOptions = {}, setup?: SimulatorSetup): Promise<StubRun> {
  const sim = new Simulator(options);
  setup?.(sim);
  vi.resetModules();
  const unbind = bindHost(sim);
  try {
    const { efiMain } = await import('../../../stub-src/main.ts');
    const status = efiMain() >>> 0;
    return { status, lines: [...sim.consoleLines], sim };
  } finally {
    unbind();
  }
}

export async function runStubInWasm(wasm: Uint8Array, options: SimulatorOptions = {}, setup?: SimulatorSetup): Promise<StubRun> {
  const sim = new Simulator(options);
  setup?.(sim);
  const stub = await instantiateStub(wasm, sim);
  const status = stub.efiMain();
  return { status, lines: [...sim.consoleLines], sim };
}
