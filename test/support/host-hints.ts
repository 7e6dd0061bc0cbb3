/**
 * @fileoverview The host functions that are only hints (stub-src/host.d.ts: hostPrefetch) as
 * no-ops, for stub code run as TypeScript in Node outside the simulator: the decoders' own tests,
 * test/support/run-decoder.ts's workers and the benchmark's TS-node column. A hint changes
 * nothing the stub can observe, so doing nothing is a complete implementation (the simulator's
 * is the same, test/support/simulator/host.ts). Importing this module installs them; a global the
 * simulator's bindHost has put there is left as it is.
 */
import { hostGlobalName, type HostFunctions } from './simulator/host.ts';

const hints: Pick<HostFunctions, 'prefetch'> = {
  prefetch: () => {},
};

/**
 * The hints' Wasm import fields (host.prefetch): the only host imports a decoder's Wasm may call,
 * which runs of the decoders alone give no-ops (bench/decoders.ts, test/fast/decompress-wasm.test.ts).
 */
export const HOST_HINT_FIELDS: string[] = Object.keys(hints);

const target = globalThis as Record<string, unknown>;
for (const [field, hint] of Object.entries(hints)) {
  const name = hostGlobalName(field);
  if (target[name] === undefined) target[name] = hint;
}
