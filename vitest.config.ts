import { defineConfig } from 'vitest/config';

// Tiers: test/fast (default developer loop), test/native (wasm2c + clang), test/qemu (OVMF boots).
// `npm test` runs all three; `npm run test:fast` the first alone.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // The host's hints (hostPrefetch) for decoders run as TypeScript outside the simulator.
    setupFiles: ['test/support/host-hints.ts'],
  },
});
