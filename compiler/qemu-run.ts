/**
 * @fileoverview Boots an EFI image under OVMF in QEMU (TCG) and reads its serial console: the
 * `efistub run` verb and the test/qemu tier both go through runImage().
 *
 * What it owns: finding QEMU and OVMF, the QEMU command line, a writable copy of the OVMF
 * variable store per run, the three ways of handing the image to the firmware (an ESP built
 * from a directory, QEMU -kernel, or a raw disk image from `efistub esp`), reading the
 * console (ANSI escapes and \r stripped), deciding how the run ended, and making sure QEMU
 * dies with the run (timeout, exceptions, and the Node process going away).
 *
 * Facts measured on Debian bookworm (qemu-system-x86 7.2, ovmf 2022.11, TCG, 2 cores):
 * - Firmware start-up dominates: about 3–3.5 s from spawn to the first line of the image in
 *   either mode. `-kernel` (fw_cfg) is about 0.3 s faster than the ESP, which has to go
 *   through the boot manager's disk enumeration and the vvfat FAT emulation.
 * - QEMU's -kernel loader treats any file without the "HdrS" magic as a protocol-0 Linux
 *   kernel: it refuses ("qemu: invalid kernel header") a file shorter than
 *   (byte[0x1f1] + 1) × 512 bytes (5 × 512 when that byte is 0), and writes 4 bytes at file
 *   offset 0x20 (in the DOS header's reserved words, which the PE loader ignores). OVMF then
 *   rebuilds the file from fw_cfg and LoadImage()s it. Small images (a 2 KiB test app) are
 *   therefore copied and padded with zeros at the end; trailing data is not part of a PE
 *   image's sections, so the loaded image is the same.
 *   (QEMU also writes the video mode at 0x1fa, inside the PE headers, when the -append
 *   command line holds `vga=`: keep `vga=` out of kernel-mode command lines.)
 * - The variable store must be a fresh copy each run: a store written by an earlier run
 *   keeps that run's boot options and BootOrder, and OVMF then skipped the ESP disk.
 * - `-nodefaults` drops the default CD-ROM (a failed boot option when an image returns) and
 *   the VGA card; ConOut still reaches the serial port. Give `-vga std` in extraQemuArgs
 *   when a test needs a GOP framebuffer.
 * - When an image returns, what OVMF does depends on how it was started. Started from a boot
 *   option (the ESP disk) and returning EFI_SUCCESS, BDS stops and shows its front page
 *   (Boot0000 "UiApp", a setup menu drawn with cursor moves); returning an error, BDS tries
 *   the next boot option and ends in the UEFI shell. Started through -kernel (OVMF runs it
 *   before any boot option), BDS goes on to the boot options whatever the status, and with
 *   -nodefaults that ends in the shell. The shell then waits 5 s ("Press ESC in 5 seconds
 *   to skip startup.nsh") before it prints `Shell>`, so BdsDxe starting the shell or UiApp
 *   already counts as 'firmware-shell'.
 * - QEMU exits with code 0 both when the guest powers off and when it resets (a triple fault,
 *   with -no-reboot), so the reason comes from the SHUTDOWN event on a QMP socket.
 * - A CPU exception in firmware or in the image prints `!!!! X64 Exception Type - …`, a
 *   register dump, then `!!!! Find image … !!!!` when the faulting address is in a loaded
 *   image, and the CPU hangs.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync, closeSync, constants as fsConstants, copyFileSync, existsSync, mkdirSync, mkdtempSync,
  openSync, readFileSync, readSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { formatDiagnostic, StageFailed, type Diagnostic } from './diagnostics.ts';

const STAGE = 'run' as const;
/** qemu-system-x86_64 is not on PATH. */
export const RUN_QEMU_MISSING = 901;
/** No OVMF firmware (code + variable store) in the known places. */
export const RUN_OVMF_MISSING = 902;
/** The image to boot does not exist or is not a file. */
export const RUN_IMAGE_MISSING = 903;
/** QEMU could not be started (spawn failed). */
export const RUN_QEMU_SPAWN = 904;
/** Bad command-line usage of `efistub run`. */
export const RUN_USAGE = 905;

export type RunOutcome =
  | 'stub-exit'
  | 'timeout'
  | 'cpu-exception'
  /** The image returned without the exit line; the UEFI shell or the front page (UiApp) took over. */
  | 'firmware-shell'
  | 'qemu-exit'
  | 'stopped';

export interface RunOptions {
  /** Path of the PE/COFF EFI application to boot; required unless `disk` is given. */
  image?: string;
  /**
   * A raw disk image to boot as it is (e.g. from `efistub esp`), instead of `image`: attached
   * with snapshot=on, so the guest's writes go to a temporary overlay and the file is never
   * modified. Not together with `image`, `espFiles` or mode 'kernel'.
   */
  disk?: string;
  /** Wall-clock limit for the whole run, QEMU start-up included. */
  timeoutSeconds: number;
  /** 'esp' (default): \EFI\BOOT\BOOTX64.EFI on a FAT disk; 'kernel': QEMU -kernel (fw_cfg). */
  mode?: 'esp' | 'kernel';
  /** Directory for the variable store copy and the ESP; a temporary one (removed) if absent. */
  workDir?: string;
  /** Extra files for the ESP ('esp' mode only): path inside the ESP → path on the host. */
  espFiles?: Record<string, string>;
  /** Appended to QEMU's command line (e.g. ['-append', 'console=ttyS0'], ['-vga', 'std']). */
  extraQemuArgs?: string[];
  /** Receives the console text as it arrives, cleaned like RunResult.output. */
  onOutput?: (chunk: string) => void;
  /**
   * Ends the run with outcome 'stopped' as soon as the cleaned output matches. It is matched
   * at each chunk against the new text and up to 64 KiB before it, not the whole log.
   */
  stopOn?: RegExp;
  /**
   * Keep running after the stub's exit line (its status is still reported) until stopOn, the
   * firmware shell/front page or the timeout: shows what the firmware does once the stub
   * returned, e.g. that it went on to its next boot option.
   */
  continueAfterExit?: boolean;
}

export interface RunResult {
  outcome: RunOutcome;
  /**
   * The EFI_STATUS from the `efistub: exit: status=0x…` line, as a Number. Error statuses have
   * bit 63 set, beyond Number's 53 bits of precision: 0x8000000000000001 reads back as 2^63.
   * Use exitStatusBig to tell error codes apart.
   */
  exitStatus?: number;
  /** The same status, exact. */
  exitStatusBig?: bigint;
  /** Serial console text, ANSI escape sequences and \r removed. */
  output: string;
  /** Wall-clock seconds from starting QEMU to its end. */
  seconds: number;
  /** QEMU's own stderr (its error messages), trimmed. */
  qemuStderr: string;
  /** QEMU's exit code when it ended by itself ('qemu-exit'), else undefined. */
  qemuExitCode?: number;
  /**
   * Why QEMU ended by itself, from its QMP SHUTDOWN event: 'guest-shutdown' (the guest powered
   * off, e.g. ACPI or ResetSystem(EfiResetShutdown)), 'guest-reset' (a reset, a triple fault
   * among them: -no-reboot turns it into an exit), 'guest-panic', … Undefined when QEMU did
   * not end by itself or the event was not received.
   */
  shutdownReason?: string;
}

/** The stub's exit line, matched in a chunk: only once a character after its digits has arrived. */
const EXIT_LINE = /efistub: exit: status=0x([0-9a-fA-F]{1,16})(?=[^0-9a-fA-F])/;
/** The same in the whole output once the run is over, where its digits may end the text. */
const EXIT_LINE_IN_OUTPUT = /efistub: exit: status=0x([0-9a-fA-F]{1,16})(?![0-9a-fA-F])/;
/** The same as the last text of the output (at the timeout), white space after it at most. */
const EXIT_LINE_AT_END = /efistub: exit: status=0x([0-9a-fA-F]{1,16})\s*$/;
const CPU_EXCEPTION = /!!!! X64 Exception/;
/** The last line of OVMF's exception dump, when the faulting address is inside an image. */
const EXCEPTION_DUMP_END = /!!!! Find image [^\n]*\n/;
/**
 * The firmware took over after the image returned: its boot manager starting the UEFI shell
 * or the front page (UiApp), or the shell itself. Matching BdsDxe's "starting" line saves the
 * shell's 5 s startup.nsh countdown before `Shell>`.
 */
const FIRMWARE_SHELL =
  /BdsDxe: starting Boot[0-9A-Fa-f]{4} "(?:EFI Internal Shell|UiApp)"[^\n]*\n|UEFI Interactive Shell v|Shell> /;
/** Text before a new chunk that is matched with it (longer than any line the patterns span). */
const SCAN_OVERLAP = 4096;
/** The same for the caller's stopOn pattern, which may span a few lines. */
const STOP_ON_OVERLAP = 65536;
/** How long to keep reading after `!!!! X64 Exception` for the register dump. */
const EXCEPTION_GRACE_MS = 1000;

/** Debian/Ubuntu first (package ovmf), then Fedora's edk2-ovmf. */
const OVMF_DIRS = ['/usr/share/OVMF', '/usr/share/ovmf', '/usr/share/edk2/ovmf', '/usr/share/qemu'];
/** Firmware pairs in preference order: bookworm's 4 MiB build first, then the 2 MiB one. */
const OVMF_PAIRS: Array<[code: string, vars: string]> = [
  ['OVMF_CODE_4M.fd', 'OVMF_VARS_4M.fd'],
  ['OVMF_CODE.fd', 'OVMF_VARS.fd'],
];

function setupError(code: number, file: string, message: string): StageFailed {
  const diagnostic: Diagnostic = { stage: STAGE, code, file, line: 0, column: 0, message };
  return new StageFailed([diagnostic]);
}

function findOnPath(program: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, program);
    try {
      accessSync(candidate, fsConstants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Locates qemu-system-x86_64, or throws a StageFailed naming the Debian package. */
export function findQemu(): string {
  const qemu = findOnPath('qemu-system-x86_64');
  if (qemu === undefined) {
    throw setupError(RUN_QEMU_MISSING, 'qemu-system-x86_64',
      'qemu-system-x86_64 not found on PATH: install the Debian package qemu-system-x86 ' +
      '(scripts/install-deps.sh installs it)');
  }
  return qemu;
}

/** Locates the OVMF code and variable-store images, or throws naming the Debian package. */
export function findOvmf(directories: readonly string[] = OVMF_DIRS): { code: string; vars: string } {
  for (const directory of directories) {
    for (const [code, vars] of OVMF_PAIRS) {
      const codePath = join(directory, code);
      const varsPath = join(directory, vars);
      if (existsSync(codePath) && existsSync(varsPath)) return { code: codePath, vars: varsPath };
    }
  }
  throw setupError(RUN_OVMF_MISSING, '/usr/share/OVMF/OVMF_CODE_4M.fd',
    `no OVMF firmware found (looked for ${OVMF_PAIRS.map((pair) => pair.join(' + ')).join(', ')} ` +
    `in ${directories.join(', ')}): install the Debian package ovmf ` +
    '(scripts/install-deps.sh installs it)');
}

/**
 * Removes ANSI/VT100 escape sequences and carriage returns from a stream of console text.
 * A sequence split across two chunks is held back until its end arrives.
 */
export class ConsoleCleaner {
  private pending = '';

  push(text: string): string {
    const input = this.pending + text;
    this.pending = '';
    let output = '';
    let index = 0;
    while (index < input.length) {
      const escape = input.indexOf('\x1b', index);
      if (escape < 0) {
        output += input.slice(index);
        break;
      }
      output += input.slice(index, escape);
      const end = escapeEnd(input, escape);
      if (end < 0) {
        this.pending = input.slice(escape);
        break;
      }
      index = end;
    }
    return output.replace(/\r/g, '');
  }

  /** Whatever is held back (an unfinished escape sequence), without the escape itself. */
  flush(): string {
    const rest = this.pending.replace(/^\x1b/, '').replace(/\r/g, '');
    this.pending = '';
    return rest;
  }
}

/** Index just past the escape sequence starting at `start`, or -1 when it is not complete yet. */
function escapeEnd(text: string, start: number): number {
  if (start + 1 >= text.length) return -1;
  const kind = text[start + 1];
  if (kind === '[') {
    // CSI: parameter bytes 0x30–0x3f, intermediate bytes 0x20–0x2f, one final byte 0x40–0x7e.
    let index = start + 2;
    while (index < text.length && text.charCodeAt(index) >= 0x20 && text.charCodeAt(index) <= 0x3f) index++;
    if (index >= text.length) return -1;
    const final = text.charCodeAt(index);
    return final >= 0x40 && final <= 0x7e ? index + 1 : index;
  }
  if (kind === ']') {
    // OSC: ends with BEL or ESC \.
    const bell = text.indexOf('\x07', start + 2);
    const st = text.indexOf('\x1b\\', start + 2);
    if (bell < 0 && st < 0) return -1;
    if (bell >= 0 && (st < 0 || bell < st)) return bell + 1;
    return st + 2;
  }
  if (kind === '(' || kind === ')') return start + 3 <= text.length ? start + 3 : -1;
  return start + 2;
}

/**
 * Decides how a run ended from its cleaned console text, fed in the chunks it arrives in. Kept
 * apart from the QEMU process so that every way of cutting a console into chunks can be tested.
 */
export class ConsoleWatch {
  /** All the cleaned console text, also what arrives after the run is decided (a register dump). */
  output = '';
  /**
   * Set once the run is decided, by this watch or by the supervisor's timers: later text is kept
   * but not inspected.
   */
  decided = false;
  private exitHex: string | undefined;
  private exceptionAt = -1;
  private readonly stopOn: RegExp | undefined;
  private readonly continueAfterExit: boolean;

  constructor(options: Pick<RunOptions, 'stopOn' | 'continueAfterExit'>) {
    this.stopOn = options.stopOn ? new RegExp(options.stopOn.source, options.stopOn.flags.replace(/[gy]/g, '')) : undefined;
    this.continueAfterExit = options.continueAfterExit === true;
  }

  /** OVMF's `!!!! X64 Exception` was seen: its register dump is coming. */
  get exceptionSeen(): boolean {
    return this.exceptionAt >= 0;
  }

  /**
   * Appends a chunk; returns the outcome when the text decides the run. Each chunk is matched
   * together with the text before it, up to a window, so a pattern split across chunks is found
   * while a long kernel log is not rescanned from the start.
   */
  push(text: string): RunOutcome | undefined {
    const newFrom = this.output.length;
    this.output += text;
    if (this.decided) return undefined;
    const outcome = this.inspect(newFrom);
    if (outcome !== undefined) this.decided = true;
    return outcome;
  }

  private inspect(newFrom: number): RunOutcome | undefined {
    const recentStart = Math.max(0, newFrom - SCAN_OVERLAP);
    const recent = this.output.slice(recentStart);
    const exit = EXIT_LINE.exec(recent);
    // When the stopOn text and the exit line arrive in one chunk (a loaded machine delivers
    // the serial output in bursts), whichever ends first in the output decides.
    const stopStart = Math.max(0, newFrom - STOP_ON_OVERLAP);
    const stop = this.stopOn?.exec(this.output.slice(stopStart));
    if (stop && (!exit || stopStart + stop.index + stop[0].length <= recentStart + exit.index + exit[0].length)) {
      return 'stopped';
    }
    if (exit) {
      this.exitHex ??= exit[1];
      if (!this.continueAfterExit) return 'stub-exit';
    }
    if (this.exceptionAt < 0) {
      const found = recent.search(CPU_EXCEPTION);
      if (found >= 0) this.exceptionAt = recentStart + found;
    }
    if (this.exceptionAt >= 0) {
      return EXCEPTION_DUMP_END.test(this.output.slice(this.exceptionAt)) ? 'cpu-exception' : undefined;
    }
    return FIRMWARE_SHELL.test(recent) ? 'firmware-shell' : undefined;
  }

  /**
   * At the timeout: the output ends with an exit line (nothing but white space after it), which
   * push() leaves open because the line's last digit might have been followed by more.
   */
  endsWithExitLine(): boolean {
    if (this.decided) return false;
    const last = EXIT_LINE_AT_END.exec(this.output);
    if (last) this.exitHex = last[1];
    return last !== null;
  }

  /**
   * The hex digits of the stub's exit status: from the exit line that decided the run, or, with
   * continueAfterExit, from the first exit line of the whole output once the run is over, so
   * the status does not depend on when the run was decided or how the text came in.
   */
  exitStatusHex(): string | undefined {
    if (this.exitHex === undefined && this.continueAfterExit) {
      this.exitHex = EXIT_LINE_IN_OUTPUT.exec(this.output)?.[1];
    }
    return this.exitHex;
  }
}

/** Running QEMU processes, killed when this Node process ends however it ends. */
const liveRuns = new Set<{ child: ChildProcess; pidFile: string }>();
let exitHooksInstalled = false;

function killRun(run: { child: ChildProcess; pidFile: string }): void {
  try {
    const pid = Number.parseInt(readFileSync(run.pidFile, 'utf8').trim(), 10);
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // no pid file yet, or QEMU already gone
  }
  // The watchdog wrapper forwards SIGTERM to QEMU when QEMU has not written its pid yet.
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGTERM');
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const run of liveRuns) killRun(run);
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      for (const run of liveRuns) killRun(run);
      // Alone on this signal, keep Node's default (die by the signal); otherwise the other
      // listeners decide.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
}

/**
 * Copies the image for QEMU's -kernel loader, padded with zeros to the size that loader
 * demands of a file without a Linux boot header (see the file overview).
 */
function prepareKernelImage(image: string, workDir: string): string {
  const bytes = readFileSync(image);
  const isBzImage = bytes.length >= 0x206 && bytes.readUInt32LE(0x202) === 0x53726448;
  const setupSectors = bytes.length > 0x1f1 && bytes[0x1f1] !== 0 ? bytes[0x1f1] : 4;
  const minimum = isBzImage ? 0 : (setupSectors + 1) * 512 + 512;
  const target = join(workDir, 'kernel.efi');
  if (bytes.length >= minimum) {
    copyFileSync(image, target);
  } else {
    const padded = Buffer.alloc(minimum);
    bytes.copy(padded);
    writeFileSync(target, padded);
  }
  return target;
}

function prepareEsp(image: string, workDir: string, espFiles: Record<string, string>): string {
  const esp = join(workDir, 'esp');
  mkdirSync(join(esp, 'EFI', 'BOOT'), { recursive: true });
  copyFileSync(image, join(esp, 'EFI', 'BOOT', 'BOOTX64.EFI'));
  for (const [inside, source] of Object.entries(espFiles)) {
    const target = join(esp, ...inside.split(/[\\/]+/).filter((part) => part !== ''));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
  }
  return esp;
}

/** The QEMU arguments of a run; exported for `--help`-style display and for tests. */
export function qemuArguments(parts: {
  ovmfCode: string; varsCopy: string; pidFile: string; qmpSocket?: string; mode: 'esp' | 'kernel' | 'disk';
  bootPath: string; serialFile: string; extra: string[];
}): string[] {
  // 'disk': the user's own file, so snapshot=on keeps it unmodified, and a comma in its path is
  // doubled (QEMU's option syntax).
  const boot = parts.mode === 'kernel'
    ? ['-kernel', parts.bootPath]
    : parts.mode === 'disk'
      ? ['-drive', `format=raw,snapshot=on,file=${parts.bootPath.replace(/,/g, ',,')}`]
      : ['-drive', `format=raw,file=fat:rw:${parts.bootPath}`];
  return [
    '-machine', 'q35', '-accel', 'tcg', '-m', '512M',
    // The serial port goes to a regular file, read as it grows: QEMU's 16550 drops a character
    // after a few failed writes to a chardev that is not writable, and a pipe to a busy reader
    // was seen to lose most of a line under load; a file never refuses a write.
    '-nodefaults', '-display', 'none', '-serial', `file:${parts.serialFile}`, '-monitor', 'none',
    '-no-reboot', '-nic', 'none',
    '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${parts.ovmfCode}`,
    '-drive', `if=pflash,format=raw,unit=1,file=${parts.varsCopy}`,
    '-pidfile', parts.pidFile,
    ...(parts.qmpSocket !== undefined ? ['-qmp', `unix:${parts.qmpSocket},server=on,wait=off`] : []),
    ...boot,
    ...parts.extra,
  ];
}

/**
 * Boots `image` (or the ready-made `disk`) under OVMF in QEMU and returns how the run ended with
 * the console text. Throws StageFailed (stage 'run') only for set-up problems: QEMU, OVMF or
 * the image missing, or `disk` combined with image, espFiles or kernel mode.
 */
export async function runImage(options: RunOptions): Promise<RunResult> {
  const qemu = findQemu();
  const ovmf = findOvmf();
  // A disk is booted as it is: nothing is built from an image, so the image options conflict.
  const imageOptions = options.image !== undefined || options.espFiles !== undefined || options.mode === 'kernel';
  if (options.disk !== undefined && imageOptions) {
    throw setupError(RUN_USAGE, options.disk,
      'a disk is booted as it is: give no image, ESP files or kernel mode with it');
  }
  const source = options.disk ?? options.image;
  if (source === undefined) throw setupError(RUN_USAGE, '<none>', 'give an image or a disk to boot');
  const image = resolve(source);
  if (!existsSync(image) || !statSync(image).isFile()) {
    throw setupError(RUN_IMAGE_MISSING, source,
      options.disk !== undefined ? 'disk image not found' : 'image not found (build it with `efistub build`)');
  }
  const mode = options.disk !== undefined ? 'disk' : options.mode ?? 'esp';
  const temporary = options.workDir === undefined;
  const workDir = temporary ? mkdtempSync(join(tmpdir(), 'efistub-run-')) : resolve(options.workDir!);
  mkdirSync(workDir, { recursive: true });
  try {
    const varsCopy = join(workDir, 'OVMF_VARS.fd');
    copyFileSync(ovmf.vars, varsCopy);
    const pidFile = join(workDir, 'qemu.pid');
    rmSync(pidFile, { force: true });
    // A Unix socket path must fit sockaddr_un (108 bytes); without QMP only shutdownReason is lost.
    const qmpPath = join(workDir, 'qmp.sock');
    const qmpSocket = Buffer.byteLength(qmpPath) < 100 ? qmpPath : undefined;
    if (qmpSocket !== undefined) rmSync(qmpSocket, { force: true });
    const bootPath = mode === 'kernel'
      ? prepareKernelImage(image, workDir)
      : mode === 'disk' ? image : prepareEsp(image, workDir, options.espFiles ?? {});
    const serialFile = join(workDir, 'serial.log');
    rmSync(serialFile, { force: true });
    const args = qemuArguments({
      ovmfCode: ovmf.code, varsCopy, pidFile, qmpSocket, mode, bootPath, serialFile, extra: options.extraQemuArgs ?? [],
    });
    return await superviseQemu(qemu, args, pidFile, qmpSocket, serialFile, options);
  } finally {
    if (temporary) rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Listens on QEMU's QMP socket for the SHUTDOWN event and reports its reason. QEMU creates the
 * socket during start-up (server=on,wait=off), so connecting is retried for a while.
 */
function watchShutdown(path: string, onReason: (reason: string) => void): { close(): void } {
  let socket: Socket | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const started = Date.now();
  const connect = (): void => {
    if (closed) return;
    const connection = createConnection(path);
    socket = connection;
    let buffered = '';
    connection.setEncoding('utf8');
    connection.on('data', (text: string) => {
      buffered += text;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line === '') continue;
        let message: { QMP?: unknown; event?: string; data?: { reason?: string } };
        try {
          message = JSON.parse(line);
        } catch {
          continue;
        }
        // Events flow only after capabilities negotiation (QMP spec, "Capabilities Negotiation").
        if (message.QMP !== undefined) connection.write('{"execute":"qmp_capabilities"}\n');
        if (message.event === 'SHUTDOWN' && typeof message.data?.reason === 'string') onReason(message.data.reason);
      }
    });
    connection.on('error', () => {
      connection.destroy();
      if (!closed && Date.now() - started < 30_000) retry = setTimeout(connect, 50);
    });
  };
  connect();
  return {
    close(): void {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      socket?.destroy();
    },
  };
}

/** How often the serial file is read for new output. */
const SERIAL_POLL_MS = 25;

function superviseQemu(
  qemu: string, args: string[], pidFile: string, qmpSocket: string | undefined, serialFile: string,
  options: RunOptions,
): Promise<RunResult> {
  installExitHooks();
  // coreutils `timeout` is a watchdog for the one case the hooks cannot cover: Node killed by
  // SIGKILL. --foreground keeps QEMU in our process group, so a terminal's Ctrl-C reaches it.
  const watchdog = findOnPath('timeout');
  const watchdogSeconds = Math.ceil(options.timeoutSeconds) + 30;
  const [command, commandArgs] = watchdog !== undefined
    ? [watchdog, ['--foreground', '-s', 'TERM', '-k', '5', String(watchdogSeconds), qemu, ...args]]
    : [qemu, args];
  const started = Date.now();

  return new Promise<RunResult>((resolvePromise, rejectPromise) => {
    const child = spawn(command, commandArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
    const run = { child, pidFile };
    liveRuns.add(run);
    const decoder = new StringDecoder('utf8');
    const cleaner = new ConsoleCleaner();
    const watch = new ConsoleWatch(options);
    let stderr = '';
    let outcome: RunOutcome | undefined;
    let exceptionTimer: NodeJS.Timeout | undefined;
    let spawnError: Error | undefined;
    let shutdownReason: string | undefined;
    const shutdownWatch = qmpSocket !== undefined
      ? watchShutdown(qmpSocket, (reason) => { shutdownReason = reason; })
      : undefined;

    const finish = (result: RunOutcome): void => {
      if (outcome !== undefined) return;
      outcome = result;
      watch.decided = true;
      killRun(run);
    };

    const timeoutTimer = setTimeout(() => {
      // An exit line at the very end of the output, with nothing after it, still counts.
      finish(watch.endsWithExitLine() ? 'stub-exit' : exceptionTimer !== undefined ? 'cpu-exception' : 'timeout');
    }, options.timeoutSeconds * 1000);

    const take = (text: string): void => {
      if (text === '') return;
      options.onOutput?.(text);
      const decided = watch.push(text);
      if (decided !== undefined) {
        finish(decided);
      } else if (watch.exceptionSeen && exceptionTimer === undefined) {
        exceptionTimer = setTimeout(() => finish('cpu-exception'), EXCEPTION_GRACE_MS);
      }
    };

    // Reads what QEMU appended to the serial file since the last read. After the run is decided,
    // QEMU may still flush a little: it is kept, for the register dump.
    let serialFd: number | undefined;
    let serialPosition = 0;
    const serialBuffer = Buffer.alloc(1 << 16);
    const readSerial = (): void => {
      if (serialFd === undefined) {
        if (!existsSync(serialFile)) return;
        serialFd = openSync(serialFile, 'r');
      }
      for (;;) {
        const count = readSync(serialFd, serialBuffer, 0, serialBuffer.length, serialPosition);
        if (count === 0) return;
        serialPosition += count;
        take(cleaner.push(decoder.write(serialBuffer.subarray(0, count))));
      }
    };
    const serialPoll = setInterval(readSerial, SERIAL_POLL_MS);
    child.stdout!.resume();
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => {
      liveRuns.delete(run);
      shutdownWatch?.close();
      clearTimeout(timeoutTimer);
      if (exceptionTimer !== undefined) clearTimeout(exceptionTimer);
      clearInterval(serialPoll);
      readSerial();
      if (serialFd !== undefined) closeSync(serialFd);
      take(cleaner.push(decoder.end()) + cleaner.flush());
      if (spawnError !== undefined) {
        rejectPromise(setupError(RUN_QEMU_SPAWN, qemu, `could not start QEMU: ${spawnError.message}`));
        return;
      }
      let qemuExitCode: number | undefined;
      if (outcome === undefined) {
        outcome = exceptionTimer !== undefined ? 'cpu-exception' : 'qemu-exit';
        qemuExitCode = code ?? (signal !== null ? 128 : undefined);
      }
      const exitStatusHex = watch.exitStatusHex();
      const result: RunResult = {
        outcome,
        output: watch.output,
        seconds: (Date.now() - started) / 1000,
        qemuStderr: stderr.replace(/^qemu-system-x86_64: terminating on signal \d+.*\n?/gm, '').trim(),
      };
      if (qemuExitCode !== undefined) {
        result.qemuExitCode = qemuExitCode;
        if (shutdownReason !== undefined) result.shutdownReason = shutdownReason;
      }
      if (exitStatusHex !== undefined) {
        result.exitStatusBig = BigInt(`0x${exitStatusHex}`);
        result.exitStatus = Number(result.exitStatusBig);
      }
      resolvePromise(result);
    });
  });
}

const RUN_HELP = `usage: efistub run [IMAGE | --disk DISK] [--timeout S] [--kernel-mode] [--help]

Boots an EFI application (default out/stub.efi) under OVMF in QEMU with TCG (no KVM) and
streams its serial console to stdout. Progress lines go to stderr.

By default the image is copied to \\EFI\\BOOT\\BOOTX64.EFI of a FAT disk that QEMU builds from
a temporary directory, as on a flashed stick. --kernel-mode hands it to the firmware through
QEMU's -kernel (fw_cfg) instead, which starts a little sooner. --disk boots a raw disk image
as it is (e.g. one written by 'efistub esp'), read-only: the guest's writes are discarded.

The run ends when the stub prints its last line "efistub: exit: status=0x<hex>", when the
firmware reports a CPU exception ("!!!! X64 Exception"), when the firmware falls through to
its UEFI shell, when QEMU exits by itself (the guest powered off, or reset: a triple fault
resets, and QEMU runs with -no-reboot), or at the timeout.
QEMU is always killed at the end.

options:
  --timeout S     give up after S seconds (default 120)
  --kernel-mode   boot through QEMU -kernel instead of an ESP disk
  --disk DISK     boot the raw disk image DISK instead of an IMAGE (never modified)
  --help          print this text

exit status:
  0    the stub exited with status 0, or the guest powered off (e.g. the kernel's init)
  1    the stub exited with a non-zero status, a CPU exception, the firmware shell, or
       the guest reset (a triple fault among others)
  2    bad usage, or the image does not exist
  124  timed out
`;

/** `efistub run`: argv holds the arguments after the verb. Returns the process exit code. */
export async function cliRun(argv: string[]): Promise<number> {
  let image = 'out/stub.efi';
  let imageGiven = false;
  let timeoutSeconds = 120;
  let mode: 'esp' | 'kernel' = 'esp';
  let disk: string | undefined;
  const usage = (message: string): number => {
    process.stderr.write(`efistub: run: ${message}\n(see efistub run --help)\n`);
    return 2;
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--help' || argument === '-h') {
      process.stdout.write(RUN_HELP);
      return 0;
    } else if (argument === '--kernel-mode') {
      mode = 'kernel';
    } else if (argument === '--disk' || argument.startsWith('--disk=')) {
      disk = argument === '--disk' ? argv[++index] : argument.slice('--disk='.length);
      if (disk === undefined || disk === '') return usage('--disk needs a disk image file');
    } else if (argument === '--timeout' || argument.startsWith('--timeout=')) {
      const value = argument === '--timeout' ? argv[++index] : argument.slice('--timeout='.length);
      const seconds = value === undefined ? Number.NaN : Number(value);
      if (!Number.isFinite(seconds) || seconds <= 0) return usage(`--timeout needs a positive number of seconds, got ${value ?? 'nothing'}`);
      timeoutSeconds = seconds;
    } else if (argument.startsWith('-')) {
      return usage(`unknown option ${argument}`);
    } else if (imageGiven) {
      return usage(`more than one image given (${image}, ${argument})`);
    } else {
      image = argument;
      imageGiven = true;
    }
  }
  if (disk !== undefined && (imageGiven || mode === 'kernel')) {
    return usage('--disk boots the disk as it is: give no IMAGE or --kernel-mode with it');
  }
  const bootFile = disk ?? image;
  if (!existsSync(bootFile) || !statSync(bootFile).isFile()) {
    process.stderr.write(`${formatDiagnostic({ stage: STAGE, code: RUN_IMAGE_MISSING, file: bootFile, line: 0, column: 0,
      message: disk !== undefined ? 'disk image not found'
        : imageGiven ? 'image not found' : 'image not found (build it with `efistub build`)' })}\n`);
    return 2;
  }
  const how = disk !== undefined ? 'raw disk, read-only' : mode === 'kernel' ? 'QEMU -kernel' : 'ESP disk';
  process.stderr.write(`efistub: run: booting ${bootFile} under OVMF (TCG, ${how})…\n`);
  let result: RunResult;
  try {
    result = await runImage({
      ...(disk !== undefined ? { disk } : { image, mode }), timeoutSeconds,
      onOutput: (chunk) => process.stdout.write(chunk),
    });
  } catch (error) {
    if (error instanceof StageFailed) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const seconds = result.seconds.toFixed(1);
  if (!result.output.endsWith('\n') && result.output !== '') process.stdout.write('\n');
  if (result.qemuStderr !== '') process.stderr.write(`${result.qemuStderr}\n`);
  switch (result.outcome) {
    case 'stub-exit': {
      const status = result.exitStatusBig ?? 0n;
      process.stderr.write(`efistub: run: stub exited with status 0x${status.toString(16)} after ${seconds} s\n`);
      return status === 0n ? 0 : 1;
    }
    case 'timeout':
      process.stderr.write(`efistub: run: timed out after ${timeoutSeconds} s\n`);
      return 124;
    case 'cpu-exception':
      process.stderr.write(`efistub: run: CPU exception after ${seconds} s\n`);
      return 1;
    case 'firmware-shell':
      process.stderr.write(`efistub: run: the firmware fell through to its UEFI shell after ${seconds} s\n`);
      return 1;
    case 'qemu-exit': {
      const reason = result.shutdownReason ?? 'reason unknown';
      const hint = reason === 'guest-reset' ? ' (a reset or a triple fault)' : '';
      process.stderr.write(`efistub: run: QEMU exited by itself (code ${result.qemuExitCode ?? '?'}, ` +
        `${reason}${hint}) after ${seconds} s\n`);
      return result.qemuExitCode === 0 && result.shutdownReason === 'guest-shutdown' ? 0 : 1;
    }
    case 'stopped':
      return 0;
  }
}
