/**
 * Native tier: the stub's working memory is zero where its code relies on it, whatever the
 * pages it came from held. Under UEFI linear memory comes from AllocatePages, which does not
 * clear memory (and a SEV guest's boot path was seen relying on memory nobody cleared,
 * ../shared/reference); the runtime clears what becomes linear memory as it grows
 * (compiler/runtime/wasm-rt.c). Here the Linux host fills every reservation with 0xa5 first
 * (EFISTUB_POISON_PAGES=1) and the heap-zero fixture checks every byte of arrays that grow
 * linear memory by up to 32 MiB.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildFixture } from '../support/build-fixture.ts';

describe('linear memory over poisoned pages', () => {
  const built = buildFixture('heap-zero', 'native');

  it('every array the stub allocates reads as zero', () => {
    const run = spawnSync(built.native!, [], { encoding: 'latin1', timeout: 60_000, env: { ...process.env, EFISTUB_POISON_PAGES: '1' } });
    // The poison is there: memory nobody cleared (the host's physical arena) holds it.
    expect(run.stdout).toContain('heap-zero: physical byte 0x000000a5\n');
    expect(run.stdout).toContain('heap-zero: non-zero bytes 0x00000000\n');
    expect(run.stdout).toContain('efistub: exit: status=0x0\n');
    expect(run.status).toBe(0);
  });
});
