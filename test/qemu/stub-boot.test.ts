/**
 * QEMU tier: the real stub and a trapping stub, built by the pipeline, booted under OVMF (TCG).
 * - `efistub wrap --cmdline … && efistub run …`, as the README shows: the console carries the
 *   stub's lines and the marker from .cmdline, and the verb exits 0 on EFI_SUCCESS.
 * - A stub that traps prints the trap reason and returns EFI_ABORTED to the firmware.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildStub } from '../../compiler/build.ts';
import { formatDiagnostic } from '../../compiler/diagnostics.ts';
import { runImage } from '../../compiler/qemu-run.ts';
import { buildFixture, projectRoot } from '../support/build-fixture.ts';
import { runCli } from '../support/cli.ts';



describe('the stub under OVMF', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'efistub-qemu-'));

  beforeAll(() => {
    const built = buildStub({ sourceDir: join(projectRoot, 'stub-src'), outDir });
    if (built.diagnostics.length) throw new Error(built.diagnostics.map(formatDiagnostic).join('\n'));
  });

  it('wrap --cmdline then run: prints the firmware, memory map, sections and the cmdline, exits 0', async () => {
    const marker = `efistub-marker-${randomBytes(6).toString('hex')}`;
    const image = join(outDir, 'hello.efi');
    const wrapped = await runCli(['wrap', '--stub', join(outDir, 'stub.efi'), '--cmdline', `some text ${marker}`, '-o', image]);
    expect(wrapped.stderr).toBe('');
    expect(wrapped.status).toBe(0);

    const run = await runCli(['run', image, '--timeout', '180']);
    const console = run.stdout;
    expect(console).toMatch(/efistub: firmware: EDK II rev 0x[0-9a-f]+\n/);
    expect(console).toMatch(/efistub: memory-map: \d+ descriptors, 0x[0-9a-f]+ pages of conventional memory\n/);
    expect(console).toMatch(/efistub: pages: 16 pages at 0x[0-9a-f]+ written, read back and freed\n/);
    expect(console).toMatch(/efistub: section: \.cmdline rva 0x[0-9a-f]+ size 0x[0-9a-f]+\n/);
    expect(console).toContain(`efistub: cmdline: some text ${marker}\n`);
    expect(console).toMatch(/efistub: exit: status=0x0\b/);
    expect(run.stderr).toContain('efistub: run: stub exited with status 0x0');
    expect(run.status).toBe(0);
  });
});

describe('a trapping stub under OVMF', () => {
  it('prints the trap reason, returns EFI_ABORTED, and the firmware goes on to its next boot option', async () => {
    const built = buildFixture('trap-heap-range', 'efi');
    const result = await runImage({ image: built.efi!, timeoutSeconds: 180, mode: 'esp', continueAfterExit: true });
    // On failure, how the run ended and the whole console: the exit status was once missing in CI.
    const context = `outcome ${result.outcome} after ${result.seconds.toFixed(1)} s\n${result.output}`;
    expect(result.output, context).toContain('efistub: trap: out-of-bounds access to linear memory or a table\n');
    expect(result.exitStatusBig, context).toBe(0x8000000000000015n);
    // OVMF reports the failed boot option with the status (EFI_ABORTED is "Aborted"), then tries
    // the next one: its shell or front page.
    const afterExit = result.output.slice(result.output.indexOf('efistub: exit:'));
    expect(afterExit).toMatch(/BdsDxe: failed to start Boot[0-9A-F]{4} .*: Aborted/);
    expect(result.outcome, context).toBe('firmware-shell');
  });
});
