/**
 * QEMU tier, the mission's end-to-end proof: Debian's stock linux-image-amd64 (6.1, xz payload),
 * wrapped with a busybox initramfs whose /init prints a marker chosen per run and powers off,
 * booted by the TS stub under OVMF. Nothing of the kernel's own EFI stub or decompressor runs:
 * the stub decompresses, places, relocates and enters the kernel itself (stub-src/boot/).
 *
 * - nokaslr: the kernel sits at the first free slot, its virtual base stays 0xffffffff81000000.
 * - KASLR (EFI_RNG_PROTOCOL from QEMU's virtio-rng): two boots land at different physical
 *   addresses and the relocations are applied for a random virtual base.
 * - The same kernel with its payload re-packed by the project (compiler/recompress.ts, kbuild's
 *   command lines, the new payload appended and the header pointed at it) in gzip, zstd and xz
 *   boots too.
 * - On a CPU with LA57 (`-cpu max,la57=on`) the kernel runs with 5-level paging (its vmalloc
 *   area is then 12.8 PiB instead of 32 TiB), and with 4 levels under `no5lvl`.
 * - With a GOP framebuffer (-vga std) the kernel's efifb takes over the firmware's mode from
 *   screen_info; without one (the default -nodefaults machine) the stub says so.
 * - A corrupted payload: the stub names the stage and the reason, returns an EFI error, and
 *   OVMF goes on to its next boot option.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStub } from '../../compiler/build.ts';
import { formatDiagnostic } from '../../compiler/diagnostics.ts';
import { runImage, type RunResult } from '../../compiler/qemu-run.ts';
import { projectRoot } from '../support/build-fixture.ts';
import { runCli } from '../support/cli.ts';
import { debianKernel } from '../support/debian-kernel.ts';
import { buildInitramfs, markerLine } from '../support/initramfs.ts';
import { readPayloadHeader, repackedKernel } from '../support/repack-kernel.ts';

const BOOT_TIMEOUT_SECONDS = 300;

describe('Debian\'s kernel booted by the stub under OVMF', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'efistub-kernel-'));
  let kernel = '';

  beforeAll(() => {
    const built = buildStub({ sourceDir: join(projectRoot, 'stub-src'), outDir });
    if (built.diagnostics.length) throw new Error(built.diagnostics.map(formatDiagnostic).join('\n'));
    kernel = debianKernel();
  });

  /** Wraps `kernelPath` with a fresh initramfs and boots it; resolves with the run and its marker. */
  async function boot(name: string, kernelPath: string, cmdline: string, extraQemuArgs: string[] = [],
    extraScript?: string, scriptOutput?: RegExp): Promise<{ run: RunResult; marker: string }> {
    const marker = `efistub-init-${randomBytes(6).toString('hex')}`;
    const initramfs = buildInitramfs({ marker, extraScript, output: join(outDir, `${name}.cpio.gz`) });
    const image = join(outDir, `${name}.efi`);
    const wrapped = await runCli(['wrap', '--stub', join(outDir, 'stub.efi'), '--kernel', kernelPath,
      '--initrd', initramfs, '--cmdline', cmdline, '-o', image]);
    expect(wrapped.stderr).toBe('');
    expect(wrapped.status).toBe(0);
    // With an extra script, the run goes on until its output (scriptOutput) has been printed: a
    // kernel message can land on the console between the marker and the script's line.
    // The stop pattern includes what follows the marker (markerLine): runImage stops at the first
    // chunk that matches, and the marker's newline can arrive in the next one.
    const stopOn = scriptOutput === undefined ? markerLine(marker) : scriptOutput;
    const run = await runImage({ image, mode: 'kernel', timeoutSeconds: BOOT_TIMEOUT_SECONDS, extraQemuArgs, stopOn });
    return { run, marker };
  }

  /** The stub's log says it handed over to the kernel, and the kernel's /init printed the marker. */
  function expectBooted(run: RunResult, marker: string, cmdline: string): void {
    expect(run.output).toMatch(/efistub: exit-boot-services: done \(attempt [12]\), e820 entries \d+, entering the kernel at 0x[0-9a-f]+ with boot_params at 0x[0-9a-f]+\n/);
    expect(run.output).toContain(`Command line: ${cmdline}\n`);
    expect(run.output).toMatch(markerLine(marker));
    expect(run.outcome).toBe('stopped');
  }

  function physicalAddress(output: string): string {
    return /efistub: placement: physical (0x[0-9a-f]+) size/.exec(output)?.[1] ?? 'none';
  }

  it('nokaslr: decompresses the xz payload, relocates nothing, and reaches the initramfs', async () => {
    const cmdline = 'console=ttyS0 nokaslr panic=-1';
    const { run, marker } = await boot('nokaslr', kernel, cmdline);
    expect(run.output).toMatch(/efistub: setup-header: protocol 2\.\d+ xloadflags 0x[0-9a-f]+ init_size 0x[0-9a-f]+ alignment 0x200000 pref_address 0x1000000 /);
    expect(run.output).toContain(`efistub: cmdline: (.cmdline) ${cmdline}\n`);
    expect(run.output).toContain('efistub: kaslr: off (nokaslr)\n');
    expect(run.output).toMatch(/efistub: decompress: xz payload 0x[0-9a-f]+ bytes, declares 0x[0-9a-f]+\n/);
    expect(run.output).toContain('efistub: relocate: virtual base 0xffffffff81000000\n');
    expect(run.output).not.toMatch(/relocations applied/);
    expect(run.output).toMatch(/efistub: initrd: 1 section\(s\), 0x[0-9a-f]+ bytes at 0x[0-9a-f]+\n/);
    expect(run.output).toMatch(/efistub: time: decompress \d+ ms\n/);
    expect(run.output).toContain('efistub: screen-info: no graphics output protocol: no framebuffer for the kernel\n');
    // OVMF 2022.11 has no memory attribute protocol but DXE services, and maps LoaderCode RWX.
    expect(run.output).toContain('efistub: memory-attributes: no EFI_MEMORY_ATTRIBUTE_PROTOCOL; DXE services: 0 range(s) of the kernel text made executable\n');
    expectBooted(run, marker, cmdline);
  }, BOOT_TIMEOUT_SECONDS * 1000);

  it('KASLR: two boots place the kernel at different physical addresses, relocated for a random virtual base', async () => {
    const cmdline = 'console=ttyS0 panic=-1';
    const addresses = new Set<string>();
    // 307 slots in 512 MiB: two boots collide once in ~300; a third boot then decides.
    for (let attempt = 0; attempt < 3 && addresses.size < 2; attempt++) {
      const { run, marker } = await boot(`kaslr-${attempt}`, kernel, cmdline, ['-device', 'virtio-rng-pci']);
      expect(run.output).toContain('efistub: kaslr: seed from EFI_RNG_PROTOCOL\n');
      expect(run.output).toMatch(/efistub: relocate: virtual base 0xffffffff[89a-f][0-9a-f]{7}\n/);
      expect(run.output).toMatch(/efistub: relocate: \d+ 32-bit, \d+ inverse 32-bit, \d+ 64-bit relocations applied, delta 0x[0-9a-f]+\n/);
      expectBooted(run, marker, cmdline);
      addresses.add(physicalAddress(run.output));
    }
    expect(addresses.has('none')).toBe(false);
    expect(addresses.size).toBe(2);
  }, 3 * BOOT_TIMEOUT_SECONDS * 1000);

  it.each(['gzip', 'zstd', 'xz'] as const)('the payload re-packed in %s boots to the initramfs', async (format) => {
    const repacked = await repackedKernel(kernel, format);
    const cmdline = 'console=ttyS0 nokaslr panic=-1';
    const { run, marker } = await boot(`repacked-${format}`, repacked, cmdline);
    expect(run.output).toMatch(new RegExp(`efistub: decompress: ${format} payload 0x[0-9a-f]+ bytes`));
    expectBooted(run, marker, cmdline);
  }, BOOT_TIMEOUT_SECONDS * 1000 + 120_000);

  it.each([
    // VmallocTotal in /proc/meminfo: 32 TiB with 4-level paging, 12.5 PiB with 5 levels (x86-64 mm.rst).
    ['5-level', 'console=ttyS0 nokaslr panic=-1', '5-level (CPU has LA57, kernel has XLF_5LEVEL)', 'VmallocTotal:   13743895347199 kB'],
    ['4-level under no5lvl', 'console=ttyS0 nokaslr no5lvl panic=-1', '4-level: no5lvl on the command line', 'VmallocTotal:   34359738367 kB'],
  ])('on a CPU with LA57 the kernel runs with %s paging', async (_name, cmdline, stubLine, meminfo) => {
    const { run, marker } = await boot(`la57-${cmdline.includes('no5lvl') ? 4 : 5}`, kernel, cmdline, ['-cpu', 'max,la57=on'],
      'grep VmallocTotal /proc/meminfo', /VmallocTotal:[^\n]*\n/);
    expect(run.output).toContain(`efistub: paging: ${stubLine}\n`);
    expectBooted(run, marker, cmdline);
    // The script's line, after the marker (/init prints the marker first).
    expect(run.output.indexOf(`${meminfo}\n`)).toBeGreaterThan(markerLine(marker).exec(run.output)?.index ?? Infinity);
  }, BOOT_TIMEOUT_SECONDS * 1000);

  it('with a GOP framebuffer (-vga std): screen_info hands it to the kernel\'s efifb', async () => {
    const cmdline = 'console=ttyS0 nokaslr panic=-1';
    const { run, marker } = await boot('gop', kernel, cmdline, ['-vga', 'std']);
    const stub = /efistub: screen-info: (\d+)x(\d+)x32 framebuffer at (0x[0-9a-f]+)\n/.exec(run.output);
    expect(stub, run.output).not.toBeNull();
    const [, width, height, base] = stub!;
    expect(run.output).toMatch(new RegExp(`efifb: framebuffer at ${base}, using \\d+k, total \\d+k\n`));
    expect(run.output).toMatch(new RegExp(`efifb: mode is ${width}x${height}x32, linelength=${Number(width) * 4}, `));
    expect(run.output).toContain('fb0: EFI VGA frame buffer device\n');
    expectBooted(run, marker, cmdline);
  }, BOOT_TIMEOUT_SECONDS * 1000);

  it('a corrupted payload: the stub names the stage and reason, returns an error, OVMF moves on', async () => {
    const bytes = readFileSync(kernel);
    const header = readPayloadHeader(bytes);
    // One flipped byte in the middle of the xz stream: LZMA2 data the decoder cannot make sense
    // of, or a CRC that no longer matches.
    bytes[header.payloadStart + (header.payloadLength >> 1)] ^= 0x55;
    const corrupt = join(outDir, 'corrupt-vmlinuz');
    writeFileSync(corrupt, bytes);
    const image = join(outDir, 'corrupt.efi');
    const wrapped = await runCli(['wrap', '--stub', join(outDir, 'stub.efi'), '--kernel', corrupt, '--cmdline',
      'console=ttyS0', '-o', image]);
    expect(wrapped.status).toBe(0);
    const run = await runImage({ image, mode: 'esp', timeoutSeconds: BOOT_TIMEOUT_SECONDS, continueAfterExit: true });
    expect(run.output).toMatch(/efistub: decompress: corrupt payload: .+ \(reason 0x[0-9a-f]+, input offset 0x[0-9a-f]+\)\n/);
    expect(run.output).toMatch(/efistub: decompress: failed to decompress the kernel: EFI_[A-Z_]+ \(0x8[0-9a-f]{7}\)\n/);
    expect(run.exitStatusBig! >> 63n).toBe(1n);
    expect(run.output).not.toContain('exit-boot-services');
    const afterExit = run.output.slice(run.output.indexOf('efistub: exit:'));
    expect(afterExit).toMatch(/BdsDxe: failed to start Boot[0-9A-F]{4} /);
    expect(run.outcome).toBe('firmware-shell');
  }, BOOT_TIMEOUT_SECONDS * 1000);
});
