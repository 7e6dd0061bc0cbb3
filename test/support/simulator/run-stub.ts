/**
 * @fileoverview Runs the stub against a fresh simulator, as TypeScript in Node or as Wasm.
 *
 * Both runners return the same shape, so one scenario table drives both (hello-stub.test.ts and
 * boot-flow.test.ts). The TypeScript runner re-imports stub-src/main.ts with a fresh module
 * registry each time: the stub keeps state in module-level typed arrays, exactly as the Wasm
 * build keeps it in a fresh instance per run.
 *
 * A stub that enters the kernel never returns: the simulator's enterKernel throws KernelEntered
 * (through the Wasm frames too), and the runners turn it into `entered` with status NaN.
 */
import { vi } from 'vitest';
import { bindHost } from './host.ts';
import { KernelEntered, Simulator, type SimulatorOptions } from './firmware.ts';
import { instantiateStub } from './wasm-host.ts';

export interface StubRun {
  /** efiMain's status as an unsigned 32-bit number; NaN when the stub entered the kernel. */
  status: number;
  lines: string[];
  sim: Simulator;
  /** Where the stub entered the kernel, when it did. */
  entered?: KernelEntered;
}

/** Runs efiMain; a KernelEntered exception becomes the run's `entered`. */
function runEfiMain(efiMain: () => number): { status: number; entered?: KernelEntered } {
  try {
    return { status: efiMain() >>> 0 };
  } catch (error) {
    if (error instanceof KernelEntered) return { status: Number.NaN, entered: error };
    throw error;
  }
}

export type SimulatorSetup = (sim: Simulator) => void;

export async function runStubInNode(options: SimulatorOptions = {}, setup?: SimulatorSetup): Promise<StubRun> {
  const sim = new Simulator(options);
  setup?.(sim);
  vi.resetModules();
  const unbind = bindHost(sim);
  try {
    const { efiMain } = await import('../../../stub-src/main.ts');
    return { ...runEfiMain(efiMain), lines: [...sim.consoleLines], sim };
  } finally {
    unbind();
  }
}

export async function runStubInWasm(wasm: Uint8Array, options: SimulatorOptions = {}, setup?: SimulatorSetup): Promise<StubRun> {
  const sim = new Simulator(options);
  setup?.(sim);
  const stub = await instantiateStub(wasm, sim);
  return { ...runEfiMain(stub.efiMain), lines: [...sim.consoleLines], sim };
}
