/**
 * QEMU tier: the state the stub enters a kernel in, as the kernel sees it. The test kernel
 * (test/fixtures/test-kernel/entry.S, built by test/support/test-kernel.ts) prints CS, DS, ES,
 * SS, RSI, RFLAGS.IF, CR4.LA57 and whether RSI points at a boot_params holding the setup header
 * ("HdrS" at +0x202), then powers the machine off through the ICH9 PM1 control port, so the run
 * ends with QEMU's SHUTDOWN reason guest-shutdown.
 *
 * Expected (Documentation/x86/boot.rst, "64-bit Boot Protocol"): CS = __BOOT_CS 0x10,
 * DS = ES = SS = __BOOT_DS 0x18, interrupts off, RSI = the boot_params the stub announced in its
 * last line. Paging depth: 5 levels when the CPU has LA57 and the kernel sets XLF_5LEVEL,
 * unless `no5lvl` is on the command line; 4 levels otherwise (QEMU's default qemu64 CPU has no
 * LA57; `-cpu max,la57=on` has it).
 *
 * A last case samples CR4 while OVMF runs (the HMP monitor's `info registers`, over and over
 * until the stub's first line), to show that OVMF 2022.11 itself runs with 4 levels on an LA57
 * CPU, so la57=1 in the kernel proves the stub switched.
 */
import { mkdtempSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStub } from '../../compiler/build.ts';
import { formatDiagnostic } from '../../compiler/diagnostics.ts';
import { runImage, type RunResult } from '../../compiler/qemu-run.ts';
import { projectRoot } from '../support/build-fixture.ts';
import { runCli } from '../support/cli.ts';
import { buildTestKernel, parseEntryState, type EntryState } from '../support/test-kernel.ts';

const BOOT_TIMEOUT_SECONDS = 180;
const LA57_CPU = ['-cpu', 'max,la57=on'];
const CR4_LA57 = 1n << 12n;
const EFER_LMA = 1n << 10n;
const SAMPLE_INTERVAL_MS = 10;
const ENTERING_LINE =
  /efistub: exit-boot-services: done \(attempt [12]\), e820 entries \d+, entering the kernel at 0x[0-9a-f]+ with boot_params at 0x([0-9a-f]+)\n/;

describe('the state the stub enters a kernel in (test kernel)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'efistub-entry-'));
  let kernel5Level = '';
  let kernel4Level = '';

  beforeAll(() => {
    const built = buildStub({ sourceDir: join(projectRoot, 'stub-src'), outDir });
    if (built.diagnostics.length) throw new Error(built.diagnostics.map(formatDiagnostic).join('\n'));
    kernel5Level = buildTestKernel({ output: join(outDir, 'test-kernel-5level.bzImage') });
    kernel4Level = buildTestKernel({ xloadflags5Level: false, output: join(outDir, 'test-kernel-4level.bzImage') });
  });

  async function wrap(name: string, kernel: string, cmdline: string): Promise<string> {
    const image = join(outDir, `${name}.efi`);
    const wrapped = await runCli(['wrap', '--stub', join(outDir, 'stub.efi'), '--kernel', kernel, '--cmdline', cmdline,
      '-o', image]);
    expect(wrapped.stderr).toBe('');
    expect(wrapped.status).toBe(0);
    return image;
  }

  /** Wraps and boots the test kernel; resolves with the run and the state it reported. */
  async function boot(name: string, kernel: string, cmdline: string, extraQemuArgs: string[] = []):
    Promise<{ run: RunResult; state: EntryState }> {
    const image = await wrap(name, kernel, cmdline);
    const run = await runImage({ image, mode: 'kernel', timeoutSeconds: BOOT_TIMEOUT_SECONDS, extraQemuArgs });
    const state = parseEntryState(run.output);
    if (state === undefined) {
      throw new Error(`no efistub-test-kernel line (outcome ${run.outcome}, ${run.shutdownReason ?? 'no shutdown reason'}); ` +
        `console:\n${run.output.slice(-4000)}`);
    }
    return { run, state };
  }

  /** Everything the protocol fixes whatever the paging depth, and the guest's own power-off. */
  function expectProtocolState(run: RunResult, state: EntryState): void {
    const announced = ENTERING_LINE.exec(run.output);
    expect(announced, 'the stub\'s exit-boot-services line').not.toBeNull();
    expect(run.output.indexOf('efistub-test-kernel: ')).toBeGreaterThan(announced!.index);
    expect(state.cs).toBe(0x10);
    expect(state.ds).toBe(0x18);
    expect(state.es).toBe(0x18);
    expect(state.ss).toBe(0x18);
    expect(state.interruptsEnabled).toBe(false);
    expect(state.setupHeaderCopied).toBe(true);
    expect(state.rsi).toBe(BigInt(`0x${announced![1]}`));
    // Powered off by the test kernel (ICH9 PM1a_CNT, SLP_TYP 0 + SLP_EN), not reset or timed out.
    expect(run.outcome).toBe('qemu-exit');
    expect(run.qemuExitCode).toBe(0);
    expect(run.shutdownReason).toBe('guest-shutdown');
  }

  it('(a) default CPU (qemu64, no LA57): boot selectors, interrupts off, RSI = boot_params, 4-level paging', async () => {
    const { run, state } = await boot('qemu64', kernel5Level, 'console=ttyS0 nokaslr');
    expectProtocolState(run, state);
    expect(state.la57).toBe(false);
  }, BOOT_TIMEOUT_SECONDS * 1000);

  // Needs the stub's switch to 5-level paging (stub-src/boot/paging.ts and the host's trampoline).
  it('(b) -cpu max,la57=on, kernel with XLF_5LEVEL: entered with 5-level paging', async () => {
    const { run, state } = await boot('la57', kernel5Level, 'console=ttyS0 nokaslr', LA57_CPU);
    expectProtocolState(run, state);
    expect(state.la57).toBe(true);
  }, BOOT_TIMEOUT_SECONDS * 1000);

  it('(c) -cpu max,la57=on with no5lvl on the command line: 4-level paging', async () => {
    const { run, state } = await boot('la57-no5lvl', kernel5Level, 'console=ttyS0 nokaslr no5lvl', LA57_CPU);
    expectProtocolState(run, state);
    expect(state.la57).toBe(false);
  }, BOOT_TIMEOUT_SECONDS * 1000);

  it('(d) -cpu max,la57=on, kernel without XLF_5LEVEL: 4-level paging', async () => {
    const { run, state } = await boot('la57-no-xlf', kernel4Level, 'console=ttyS0 nokaslr', LA57_CPU);
    expectProtocolState(run, state);
    expect(state.la57).toBe(false);
  }, BOOT_TIMEOUT_SECONDS * 1000);

  it('OVMF itself runs with 4-level paging on an LA57 CPU (CR4 sampled before the stub runs)', async () => {
    const image = await wrap('firmware-cr4', kernel5Level, 'console=ttyS0 nokaslr');
    const monitor = join(mkdtempSync(join(tmpdir(), 'efistub-hmp-')), 'hmp.sock');
    const sampler = sampleRegisters(monitor);
    const run = await runImage({
      image, mode: 'kernel', timeoutSeconds: BOOT_TIMEOUT_SECONDS,
      // A second monitor (HMP) beside runImage's QMP one; `-monitor none` comes first and adds none.
      extraQemuArgs: [...LA57_CPU, '-monitor', `unix:${monitor},server=on,wait=off`],
      onOutput: (chunk) => {
        // Sampling ends with the stub's first line: a stub that is not slowed down reaches the
        // kernel some 20 ms later, less than one serial poll, so the CS filter below decides.
        if (chunk.includes('efistub: ')) sampler.stop();
      },
    });
    sampler.stop();
    // In long mode, and not on the stub's own GDT (0x08 and 0x10: the host's trampoline and the
    // kernel's CS, the only places where the paging depth may already have changed). Measured:
    // OVMF's DXE/BDS and the stub run on CS 0x38 with CR4 0x668; early PEI's CS 0x10 samples
    // (CR4 0x640) are dropped with the rest.
    const samples = sampler.samples.filter((sample) =>
      (sample.efer & EFER_LMA) !== 0n && sample.cs !== 0x08 && sample.cs !== 0x10);
    expect(samples.length, `no long-mode firmware register sample (all: ${sampler.samples.length})`)
      .toBeGreaterThan(0);
    expect(samples.filter((sample) => (sample.cr4 & CR4_LA57) !== 0n)).toEqual([]);
    // And the stub did switch: the kernel it entered reports LA57 (case (b)).
    expect(parseEntryState(run.output)?.la57).toBe(true);
    expect(run.shutdownReason).toBe('guest-shutdown');
  }, BOOT_TIMEOUT_SECONDS * 1000);
});

interface RegisterSample { cs: number; cr4: bigint; efer: bigint }

/**
 * Asks QEMU's human monitor on a Unix socket for `info registers` over and over (the socket
 * appears while QEMU starts; connecting is retried) until stop(); each answer's CR4 and EFER
 * are kept. A sample is taken while the vCPU is stopped between translation blocks, wherever
 * the guest is: there is no way to ask for "the firmware's" registers other than asking early.
 */
function sampleRegisters(path: string): { samples: RegisterSample[]; stop(): void } {
  const samples: RegisterSample[] = [];
  let stopped = false;
  let socket: Socket | undefined;
  let retry: NodeJS.Timeout | undefined;
  const started = Date.now();
  const connect = (): void => {
    if (stopped) return;
    const connection = createConnection(path);
    socket = connection;
    let text = '';
    connection.setEncoding('utf8');
    connection.on('data', (chunk: string) => {
      text += chunk;
      // HMP greets and prompts "(qemu) "; each answer ends at the next prompt.
      let prompt: number;
      while ((prompt = text.indexOf('(qemu) ')) >= 0) {
        const answer = text.slice(0, prompt);
        text = text.slice(prompt + '(qemu) '.length);
        const cr4 = /CR4=([0-9a-f]+)/i.exec(answer);
        const efer = /EFER=([0-9a-f]+)/i.exec(answer);
        const cs = /^CS =([0-9a-f]{4}) /im.exec(answer);
        if (cr4 !== null && efer !== null && cs !== null && !stopped) {
          samples.push({ cs: Number.parseInt(cs[1], 16), cr4: BigInt(`0x${cr4[1]}`), efer: BigInt(`0x${efer[1]}`) });
        }
        // A pause between questions: each one stops the vCPU, and back to back they slow the boot.
        if (!stopped) setTimeout(() => { if (!stopped) connection.write('info registers\n'); }, SAMPLE_INTERVAL_MS);
      }
    });
    connection.on('error', () => {
      connection.destroy();
      if (!stopped && samples.length === 0 && Date.now() - started < 30_000) retry = setTimeout(connect, 20);
    });
  };
  connect();
  return {
    samples,
    stop(): void {
      stopped = true;
      if (retry !== undefined) clearTimeout(retry);
      socket?.destroy();
    },
  };
}
