/**
 * Native tier: `efistub wrap` with a kernel, as a user runs it, and `efistub inspect` on the
 * result. The kernel is the project's test kernel (test/support/test-kernel.ts), a minimal
 * relocatable bzImage; the stub is the pipeline's own build.
 * - Every UKI option lands in its section; two --initrd are concatenated in order (each padded
 *   to 4 bytes) into the one .initrd section;
 *   --sbat is merged into the stub's .sbat; inspect shows the kernel's setup header.
 * - A kernel the stub would refuse at boot is refused at wrap time, naming stage
 *   'setup-header' and the code, and an existing output is left as it was.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStub } from '../../compiler/build.ts';
import { formatDiagnostic } from '../../compiler/diagnostics.ts';
import { readPeInfo } from '../../compiler/pe-inspect.ts';
import { SetupHeaderError } from '../../compiler/setup-header.ts';
import { projectRoot } from '../support/build-fixture.ts';
import { runCli } from '../support/cli.ts';
import { buildTestKernel } from '../support/test-kernel.ts';

describe('efistub wrap --kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'efistub-wrap-kernel-'));
  const stub = join(dir, 'stub.efi');
  let kernel = '';

  beforeAll(() => {
    const built = buildStub({ sourceDir: join(projectRoot, 'stub-src'), outDir: dir });
    if (built.diagnostics.length) throw new Error(built.diagnostics.map(formatDiagnostic).join('\n'));
    kernel = buildTestKernel({ output: join(dir, 'test-kernel.bzImage') });
  });

  it('puts every option in its UKI section, and inspect shows the setup header', async () => {
    writeFileSync(join(dir, 'os-release'), 'ID=efistub-test\n');
    writeFileSync(join(dir, 'sbat.csv'),
      'sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\nlinux,1,The Linux Developers,linux,6.1,https://linux.org\n');
    writeFileSync(join(dir, 'one.cpio'), 'first initrd\n');
    writeFileSync(join(dir, 'two.cpio'), 'second initrd\n');
    const image = join(dir, 'all.efi');
    const wrapped = await runCli(['wrap', '--stub', stub, '--kernel', kernel, '--initrd', join(dir, 'one.cpio'),
      '--initrd', join(dir, 'two.cpio'), '--cmdline', 'console=ttyS0 quiet', '--osrel', join(dir, 'os-release'),
      '--uname', '6.1.0-test', '--sbat', join(dir, 'sbat.csv'), '-o', image]);
    expect(wrapped.stderr).toBe('');
    expect(wrapped.status).toBe(0);
    const bytes = readFileSync(image);
    const info = readPeInfo(bytes, image);
    if (Array.isArray(info)) throw new Error(info.map(formatDiagnostic).join('\n'));
    const section = (name: string, index = 0): Buffer => {
      const found = info.sections.filter((s) => s.name === name)[index];
      expect(found, `no ${name} #${index}`).toBeDefined();
      return bytes.subarray(found.pointerToRawData, found.pointerToRawData + found.virtualSize);
    };
    expect(section('.linux').equals(readFileSync(kernel))).toBe(true);
    expect(section('.initrd').toString()).toBe('first initrd\n\0\0\0second initrd\n\0\0');
    expect(info.sections.filter((s) => s.name === '.initrd').length).toBe(1);
    expect(section('.cmdline').toString()).toBe('console=ttyS0 quiet\0');
    expect(section('.osrel').toString()).toBe('ID=efistub-test\n');
    expect(section('.uname').toString()).toBe('6.1.0-test');
    const sbat = section('.sbat').toString();
    expect(sbat).toContain('linux,1,The Linux Developers,linux,6.1,https://linux.org\n');
    expect(sbat.match(/^sbat,1,/gm)?.length).toBe(1);
    expect(info.sections.filter((s) => s.name === '.sbat').length).toBe(1);

    const inspected = await runCli(['inspect', image]);
    expect(inspected.status).toBe(0);
    expect(inspected.stdout).toContain('kernel (.linux setup header):\n');
    expect(inspected.stdout).toMatch(/ {2}boot protocol {5}2\.15\n/);
    expect(inspected.stdout).toMatch(/ {2}payload {11}gzip, \d+ bytes at file offset 0x[0-9a-f]+, declares \d+ bytes\n/);
    expect(inspected.stdout).toContain('  relocatable       yes\n');
    expect(inspected.stdout).toMatch(/ {2}xloadflags {8}0x23 \(KERNEL_64 CAN_BE_LOADED_ABOVE_4G 5LEVEL\)\n/);
  });

  it('refuses a kernel the stub would refuse at boot, naming the reason, and keeps the output', async () => {
    const cases: Array<[string, (bytes: Buffer) => void, number, RegExp]> = [
      ['not a bzImage', (b) => b.writeUInt16LE(0, 0x1fe), SetupHeaderError.NOT_BZIMAGE, /no 0xAA55 boot flag or HdrS magic/],
      ['protocol 2.11', (b) => b.writeUInt16LE(0x020b, 0x206), SetupHeaderError.OLD_PROTOCOL, /boot protocol 2\.11 is older than 2\.12/],
      ['not relocatable', (b) => { b[0x234] = 0; }, SetupHeaderError.NOT_RELOCATABLE, /not relocatable/],
      ['no 64-bit entry', (b) => b.writeUInt16LE(0, 0x236), SetupHeaderError.NOT_64BIT, /no 64-bit entry point/],
    ];
    const output = join(dir, 'refused.efi');
    writeFileSync(output, 'an existing file\n');
    for (const [name, corrupt, code, message] of cases) {
      const bytes = Buffer.from(readFileSync(kernel));
      corrupt(bytes);
      const bad = join(dir, `${name.replace(/\W+/g, '-')}.bzImage`);
      writeFileSync(bad, bytes);
      const wrapped = await runCli(['wrap', '--stub', stub, '--kernel', bad, '-o', output]);
      expect(wrapped.status, name).toBe(1);
      expect(wrapped.stderr, name).toMatch(new RegExp(`error ES${code}: .*${message.source}.*\\[setup-header\\]`));
      expect(readFileSync(output, 'utf8'), name).toBe('an existing file\n');
    }
  });

  it('a missing --kernel file or no content at all are usage errors', async () => {
    const missing = await runCli(['wrap', '--stub', stub, '--kernel', join(dir, 'nope'), '-o', join(dir, 'x.efi')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--kernel');
    const nothing = await runCli(['wrap', '--stub', stub, '-o', join(dir, 'x.efi')]);
    expect(nothing.status).toBe(2);
    expect(nothing.stderr).toContain('nothing to add');
  });
});
