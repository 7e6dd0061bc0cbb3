/**
 * The demo's kernel part (`npm run demo` runs it after building the stub): fetches Debian's
 * linux-image-amd64 with `apt-get download` (cached in out/fixtures/), builds a busybox
 * initramfs whose /init prints a line and powers off, wraps both into out/demo.efi with a
 * command line, and boots it under OVMF in QEMU (TCG), streaming the serial console. The run
 * ends when the guest powers off (exit 0).
 */
import { spawnSync } from 'node:child_process';
import { debianKernel } from '../test/support/debian-kernel.ts';
import { buildInitramfs } from '../test/support/initramfs.ts';

const efistub = (args: string[]): void => {
  const result = spawnSync(process.execPath, ['bin/efistub.js', ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

process.stderr.write('efistub: demo: fetching Debian\'s linux-image-amd64 (apt-get download, cached)\n');
const kernel = debianKernel();
const initramfs = buildInitramfs({
  marker: 'efistub demo: the kernel reached the initramfs; /proc/cmdline is:',
  extraScript: 'cat /proc/cmdline',
  output: 'out/demo-initramfs.cpio.gz',
});
efistub(['wrap', '--kernel', kernel, '--initrd', initramfs, '--cmdline', 'console=ttyS0 panic=-1', '-o', 'out/demo.efi']);
efistub(['inspect', 'out/demo.efi']);
efistub(['run', 'out/demo.efi', '--timeout', '300']);
