/**
 * QEMU tier: efistub started by another boot loader, as on a real ESP. systemd-boot (Debian's
 * systemd-boot-efi, installed by scripts/install-deps.sh) boots a Type #1 entry whose `linux` is
 * the wrapped stub (a kernel, no .initrd section) with an `initrd` and `options`: systemd-boot
 * passes the options as load options and offers the initrd through the LINUX_EFI_INITRD_MEDIA_GUID
 * LoadFile2 protocol, which is how the stub must take both (stub-src/boot/cmdline.ts,
 * stub-src/boot/initrd-media.ts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStub } from '../../compiler/build.ts';
import { formatDiagnostic } from '../../compiler/diagnostics.ts';
import { runImage } from '../../compiler/qemu-run.ts';
import { projectRoot } from '../support/build-fixture.ts';
import { runCli } from '../support/cli.ts';
import { debianKernel } from '../support/debian-kernel.ts';
import { buildInitramfs, markerLine } from '../support/initramfs.ts';

const SYSTEMD_BOOT = '/usr/lib/systemd/boot/efi/systemd-bootx64.efi';

describe('efistub chain-loaded by systemd-boot', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'efistub-chain-'));

  beforeAll(() => {
    if (!existsSync(SYSTEMD_BOOT)) {
      throw new Error(`${SYSTEMD_BOOT} is missing: run scripts/install-deps.sh (Debian package systemd-boot-efi)`);
    }
    const built = buildStub({ sourceDir: join(projectRoot, 'stub-src'), outDir });
    if (built.diagnostics.length) throw new Error(built.diagnostics.map(formatDiagnostic).join('\n'));
  });

  it('takes the command line from load options and the initrd from the LoadFile2 initrd media', async () => {
    const marker = `efistub-init-${randomBytes(6).toString('hex')}`;
    const initramfs = buildInitramfs({ marker, output: join(outDir, 'initramfs.cpio.gz') });
    const image = join(outDir, 'efistub.efi');
    // .cmdline says something else: load options must win over it.
    const wrapped = await runCli(['wrap', '--stub', join(outDir, 'stub.efi'), '--kernel', debianKernel(),
      '--cmdline', 'console=ttyS0 this-is-the-embedded-cmdline', '-o', image]);
    expect(wrapped.status, wrapped.stderr).toBe(0);
    const options = 'console=ttyS0 nokaslr panic=-1';
    writeFileSync(join(outDir, 'loader.conf'), 'timeout 0\ndefault efistub.conf\n');
    writeFileSync(join(outDir, 'efistub.conf'), `title efistub\nlinux /efistub.efi\ninitrd /initramfs.gz\noptions ${options}\n`);
    const run = await runImage({
      image: SYSTEMD_BOOT, mode: 'esp', timeoutSeconds: 300, stopOn: markerLine(marker),
      espFiles: {
        'efistub.efi': image, 'initramfs.gz': initramfs,
        'loader/loader.conf': join(outDir, 'loader.conf'), 'loader/entries/efistub.conf': join(outDir, 'efistub.conf'),
      },
    });
    // systemd-boot puts the initrd's path first in the options it passes (initrd=\initramfs.gz).
    expect(run.output).toContain(`efistub: cmdline: (load options) initrd=\\initramfs.gz ${options}\n`);
    expect(run.output).toMatch(/efistub: initrd: 0x[0-9a-f]+ bytes at 0x[0-9a-f]+ from the LINUX_EFI_INITRD_MEDIA_GUID LoadFile2 protocol\n/);
    expect(run.output).toContain(`Command line: initrd=\\initramfs.gz ${options}\n`);
    expect(run.output).toMatch(markerLine(marker));
    expect(run.outcome).toBe('stopped');
  }, 400_000);
});
