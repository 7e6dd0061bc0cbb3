/**
 * @fileoverview Slow tier: runImage() boots tiny C-built EFI apps under OVMF in QEMU (TCG) and
 * must report how each run ended. Each app prints a per-test random marker first, so a pass
 * cannot come from a stale console or from another run.
 *
 * Properties:
 * - an app that prints the exit line with status 0 / EFI_LOAD_ERROR ends as 'stub-exit' with
 *   that exact status, in both boot modes;
 * - `ud2` ends as 'cpu-exception', with OVMF's register dump captured;
 * - an app returning without the exit line ends as 'firmware-shell' (shell or front page);
 * - a guest power-off and a triple fault both end as 'qemu-exit', told apart by shutdownReason;
 * - stopOn ends the run at the first match as 'stopped';
 * - a run that never ends (firmware still starting, or the image spinning) is cut at the
 *   timeout as 'timeout', and no QEMU is left behind.
 */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleCleaner, findOvmf, findQemu, runImage, type RunResult } from '../../compiler/qemu-run.ts';
import { EFI_LOAD_ERROR, makeHelloEfi, type HelloEfiOptions } from '../support/make-hello-efi.ts';

/** One boot takes 3–4 s on an idle 2-core machine and 8–13 s at load 10; leave room. */
const BOOT_TIMEOUT_SECONDS = 60;

let buildDir: string;

beforeAll(() => {
  buildDir = mkdtempSync(join(tmpdir(), 'efistub-hello-'));
});

afterAll(() => {
  rmSync(buildDir, { recursive: true, force: true });
});

function marker(): string {
  return `efistub-test-marker-${randomBytes(6).toString('hex')}`;
}

function build(name: string, options: Omit<HelloEfiOptions, 'outDir' | 'name'>): string {
  return makeHelloEfi({ ...options, outDir: buildDir, name });
}

function report(result: RunResult): string {
  return `outcome ${result.outcome} after ${result.seconds.toFixed(2)} s; qemu stderr: ${result.qemuStderr}\n${result.output}`;
}

/** Processes whose command line mentions `path` (read from /proc: no procps needed). */
function processesUsing(path: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(path)) found.push(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

describe.each(['esp', 'kernel'] as const)('runImage in %s mode', (mode) => {
  it('reports the exit line of an app that exits with status 0', async () => {
    const text = marker();
    const image = build(`ok-${mode}`, { lines: [text] });
    const result = await runImage({ image, mode, timeoutSeconds: BOOT_TIMEOUT_SECONDS });
    console.log(`[${mode}] status 0 boot: ${result.seconds.toFixed(2)} s`);
    expect(result.outcome, report(result)).toBe('stub-exit');
    expect(result.exitStatus).toBe(0);
    expect(result.exitStatusBig).toBe(0n);
    expect(result.output).toContain(`${text}\nefistub: exit: status=0x0\n`);
    expect(result.output).not.toMatch(/[\x1b\r]/);
  });

  it('reports EFI_LOAD_ERROR exactly', async () => {
    const text = marker();
    const image = build(`load-error-${mode}`, { lines: [text], status: EFI_LOAD_ERROR });
    const result = await runImage({ image, mode, timeoutSeconds: BOOT_TIMEOUT_SECONDS });
    console.log(`[${mode}] EFI_LOAD_ERROR boot: ${result.seconds.toFixed(2)} s`);
    expect(result.outcome, report(result)).toBe('stub-exit');
    expect(result.exitStatusBig).toBe(0x8000000000000001n);
    expect(result.exitStatus).toBe(Number(0x8000000000000001n));
    expect(result.output).toContain(text);
  });

  it('reports a CPU exception (ud2) with the register dump', async () => {
    const text = marker();
    const image = build(`ud2-${mode}`, { lines: [text], printExitLine: false, ending: 'ud2' });
    const result = await runImage({ image, mode, timeoutSeconds: BOOT_TIMEOUT_SECONDS });
    console.log(`[${mode}] ud2 boot: ${result.seconds.toFixed(2)} s`);
    expect(result.outcome, report(result)).toBe('cpu-exception');
    expect(result.output).toContain(text);
    expect(result.output).toMatch(/!!!! X64 Exception Type - 06\(#UD - Invalid Opcode\)/);
    expect(result.output).toMatch(/RIP {2}- [0-9A-F]{16}/);
  });

  it('reports the firmware taking over when an app returns without the exit line', async () => {
    const text = marker();
    const image = build(`return-${mode}`, { lines: [text], printExitLine: false });
    const result = await runImage({ image, mode, timeoutSeconds: BOOT_TIMEOUT_SECONDS });
    console.log(`[${mode}] return without exit line: ${result.seconds.toFixed(2)} s`);
    expect(result.outcome, report(result)).toBe('firmware-shell');
    expect(result.exitStatus).toBeUndefined();
    expect(result.output).toContain(text);
    // Observed OVMF 2022.11 behaviour: a boot option returning EFI_SUCCESS leads BDS to its
    // front page; the -kernel path is tried before the boot options, so BDS goes on to them
    // and ends in the shell.
    expect(result.output).toMatch(mode === 'esp' ? /starting Boot\d{4} "UiApp"/ : /starting Boot\d{4} "EFI Internal Shell"/);
  });
});

describe('runImage', () => {
  it('falls through to the UEFI shell when a boot option returns an error', async () => {
    const text = marker();
    const image = build('return-error', { lines: [text], printExitLine: false, status: EFI_LOAD_ERROR });
    const result = await runImage({ image, mode: 'esp', timeoutSeconds: BOOT_TIMEOUT_SECONDS });
    expect(result.outcome, report(result)).toBe('firmware-shell');
    expect(result.output).toMatch(/starting Boot\d{4} "EFI Internal Shell"/);
  });

  it('reports a guest power-off as qemu-exit with reason guest-shutdown', async () => {
    const text = marker();
    const result = await runImage({
      image: build('shutdown', { lines: [text], printExitLine: false, ending: 'shutdown' }),
      mode: 'kernel', timeoutSeconds: BOOT_TIMEOUT_SECONDS,
    });
    expect(result.outcome, report(result)).toBe('qemu-exit');
    expect(result.shutdownReason).toBe('guest-shutdown');
    expect(result.qemuExitCode).toBe(0);
    expect(result.output).toContain(text);
  });

  it('reports a triple fault as qemu-exit with reason guest-reset', async () => {
    const text = marker();
    const result = await runImage({
      image: build('triple-fault', { lines: [text], printExitLine: false, ending: 'triple-fault' }),
      mode: 'kernel', timeoutSeconds: BOOT_TIMEOUT_SECONDS,
    });
    expect(result.outcome, report(result)).toBe('qemu-exit');
    expect(result.shutdownReason).toBe('guest-reset');
    // The same exit code as a power-off: only the QMP event tells them apart.
    expect(result.qemuExitCode).toBe(0);
    expect(result.output).toContain(text);
  });

  it('stops at the first stopOn match and streams output as it comes', async () => {
    const first = marker();
    const image = build('stop-on', { lines: [first, 'second line'] });
    const chunks: string[] = [];
    const result = await runImage({
      image, mode: 'kernel', timeoutSeconds: BOOT_TIMEOUT_SECONDS,
      stopOn: new RegExp(first), onOutput: (chunk) => chunks.push(chunk),
    });
    expect(result.outcome, report(result)).toBe('stopped');
    expect(chunks.join('')).toBe(result.output);
    expect(result.output).toContain(first);
  });

  it('times out before the firmware is up, kills QEMU and keeps a given work dir', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'efistub-timeout-'));
    try {
      const image = build('timeout', { lines: [marker()] });
      // 1 s is well below OVMF's start-up time under TCG, so the exit line cannot arrive.
      const result = await runImage({ image, mode: 'kernel', workDir, timeoutSeconds: 1 });
      expect(result.outcome, report(result)).toBe('timeout');
      expect(result.seconds).toBeLessThan(10);
      expect(processesUsing(workDir)).toEqual([]);
      expect(existsSync(join(workDir, 'OVMF_VARS.fd'))).toBe(true); // a given workDir is kept
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('cuts a hanging image at the timeout and leaves no QEMU behind', async () => {
    const text = marker();
    const workDir = mkdtempSync(join(tmpdir(), 'efistub-hang-'));
    try {
      const image = build('hang', { lines: [text], printExitLine: false, ending: 'hang' });
      // 20 s: an idle machine boots in 3–4 s, one loaded by parallel test files took 12 s.
      const result = await runImage({ image, mode: 'kernel', workDir, timeoutSeconds: 20 });
      expect(result.outcome, report(result)).toBe('timeout');
      expect(result.output).toContain(text); // the image was running when the time ran out
      expect(result.seconds).toBeLessThan(30);
      expect(processesUsing(workDir)).toEqual([]);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('throws a run-stage diagnostic for a missing image', async () => {
    await expect(runImage({ image: join(buildDir, 'missing.efi'), timeoutSeconds: 5 }))
      .rejects.toThrow(/missing\.efi: error ES903: image not found .*\[run\]/);
  });
});

describe('set-up errors', () => {
  it('names the Debian package when qemu-system-x86_64 is missing', () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(() => findQemu()).toThrow(
        /qemu-system-x86_64: error ES901: .*install the Debian package qemu-system-x86 \(scripts\/install-deps\.sh installs it\) \[run\]/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('names the Debian package when OVMF is missing', () => {
    expect(() => findOvmf(['/nonexistent'])).toThrow(
      /error ES902: no OVMF firmware found .*install the Debian package ovmf \(scripts\/install-deps\.sh installs it\) \[run\]/);
  });

  it('prefers the 4 MiB bookworm build', () => {
    expect(findOvmf()).toEqual({ code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' });
  });
});

describe('ConsoleCleaner', () => {
  it('strips escape sequences and \\r, also when split across chunks', () => {
    const cleaner = new ConsoleCleaner();
    const parts = ['\x1b[2J\x1b[01;01Hhel', 'lo\r\n\x1b[1m\x1b', '[33mShell> \x1b[0', 'm\x1b[=3hok\r\n'];
    expect(parts.map((part) => cleaner.push(part)).join('') + cleaner.flush()).toBe('hello\nShell> ok\n');
  });
});
