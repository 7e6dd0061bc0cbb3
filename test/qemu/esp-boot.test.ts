/**
 * QEMU tier: the disk `efistub esp` writes boots under OVMF: attached as a plain (SATA) disk,
 * the firmware finds the EFI System Partition on the GPT and starts \EFI\BOOT\BOOTX64.EFI, as
 * it does from the same bytes on a USB stick.
 *
 * The stub is built by the pipeline and given a .cmdline holding a per-run marker, so a pass
 * cannot come from another image; the disk is booted through runImage({ disk }) (FAT32, the
 * default size) and through `efistub run --disk` (FAT16, --size 16), and must be byte-identical
 * afterwards (QEMU runs it with snapshot=on, checked in its arguments too).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStub } from '../../compiler/build.ts';
import { formatDiagnostic, StageFailed } from '../../compiler/diagnostics.ts';
import { buildEspImage } from '../../compiler/esp.ts';
import { addSections } from '../../compiler/pe-writer.ts';
import { qemuArguments, RUN_USAGE, runImage, type RunResult } from '../../compiler/qemu-run.ts';
import { projectRoot } from '../support/build-fixture.ts';
import { runCli } from '../support/cli.ts';

/** One boot takes 3–4 s on an idle 2-core machine and 8–13 s at load 10 (qemu-run.test.ts). */
const BOOT_TIMEOUT_SECONDS = 120;

let work: string;
let wrapped: string;
let marker: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'efistub-esp-boot-'));
  const outDir = join(work, 'out');
  const built = buildStub({ sourceDir: join(projectRoot, 'stub-src'), outDir });
  if (built.diagnostics.length) throw new Error(built.diagnostics.map(formatDiagnostic).join('\n'));
  marker = `efistub-esp-marker-${randomBytes(6).toString('hex')}`;
  wrapped = join(work, 'BOOTX64.EFI');
  // The kernel reads the command line as a NUL-terminated string, as `efistub wrap` writes it.
  const cmdline = new TextEncoder().encode(`${marker}\0`);
  const problems = addSections(join(outDir, 'stub.efi'), [{ name: '.cmdline', data: cmdline }], wrapped);
  if (problems.length) throw new Error(problems.map(formatDiagnostic).join('\n'));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function report(result: RunResult): string {
  return `outcome ${result.outcome} after ${result.seconds.toFixed(2)} s; qemu stderr: ${result.qemuStderr}\n${result.output}`;
}

describe('a disk from efistub esp under OVMF', () => {
  it('boots the stub from the FAT32 ESP of the default disk, which stays unmodified', async () => {
    const disk = await buildEspImage({ image: wrapped, output: join(work, 'fat32.img') });
    const before = sha256(disk);
    const result = await runImage({ disk, timeoutSeconds: BOOT_TIMEOUT_SECONDS });
    expect(result.outcome, report(result)).toBe('stub-exit');
    expect(result.exitStatus).toBe(0);
    expect(result.output).toMatch(/BdsDxe: starting Boot[0-9A-F]{4} "UEFI QEMU HARDDISK/);
    expect(result.output).toContain(`efistub: cmdline: ${marker}\n`);
    expect(result.output).toMatch(/efistub: exit: status=0x0\n/);
    expect(sha256(disk)).toBe(before);
  });

  it('efistub run --disk boots a FAT16 ESP (--size 16) and exits 0', async () => {
    const disk = await buildEspImage({ image: wrapped, output: join(work, 'fat16.img'), sizeMiB: 16 });
    const before = sha256(disk);
    const run = await runCli(['run', '--disk', disk, '--timeout', String(BOOT_TIMEOUT_SECONDS)]);
    expect(run.stderr).toContain(`efistub: run: booting ${disk} under OVMF (TCG, raw disk, read-only)`);
    expect(run.stdout).toContain(`efistub: cmdline: ${marker}\n`);
    expect(run.stdout).toMatch(/efistub: exit: status=0x0\n/);
    expect(run.stderr).toContain('efistub: run: stub exited with status 0x0');
    expect(run.status).toBe(0);
    expect(sha256(disk)).toBe(before);
  });

  it('attaches the disk with snapshot=on (the file is never written), a comma in its path doubled', () => {
    const args = qemuArguments({
      ovmfCode: 'code.fd', varsCopy: 'vars.fd', pidFile: 'qemu.pid', mode: 'disk', bootPath: '/tmp/a,b/disk.img',
      serialFile: 'serial.log', extra: [],
    });
    const drives = args.filter((_, index) => args[index - 1] === '-drive' && !args[index].startsWith('if=pflash'));
    expect(drives).toEqual(['format=raw,snapshot=on,file=/tmp/a,,b/disk.img']);
  });

  it('runImage refuses a disk together with an image or kernel mode, before starting QEMU', async () => {
    const disk = join(work, 'fat32.img');
    for (const options of [{ disk, image: wrapped }, { disk, mode: 'kernel' as const }]) {
      const refused = await runImage({ ...options, timeoutSeconds: 5 }).then(() => undefined, (error: unknown) => error);
      expect(refused).toBeInstanceOf(StageFailed);
      expect((refused as StageFailed).diagnostics[0]).toMatchObject({ stage: 'run', code: RUN_USAGE });
    }
  });
});
