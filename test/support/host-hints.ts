/**
 * @fileoverview The host functions that are only hints (stub-src/host.d.ts: hostPrefetch) as
 * no-ops, for stub code run as TypeScript in Node outside the simulator: the decoders' own tests,
 * test/support/run-decoder.ts's workers and the benchmark's TS-node column. A hint changes
 * nothing the stub can observe, so doing nothing is a complete implementation (the simulator's
 * is the same, test/support/simulator/host.ts). Importing this module installs them; a global the
 * simulator's bindHost has put there is left as it is.
 */

const hints: { hostPrefetch: typeof hostPrefetch } = {
  hostPrefetch: () => {},
};

const target = globalThis as Record<string, unknown>;
for (const [name, hint] of Object.entries(hints)) {
  if (target[name] === undefined) target[name] = hint;
}
