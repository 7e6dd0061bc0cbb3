/**
 * @fileoverview The boot benchmark (`npm run bench:boot`): seconds from starting QEMU to the
 * initramfs's marker line, for Debian's kernel booted three ways under OVMF (QEMU TCG, q35):
 *
 * (a) reference: the kernel's own EFI stub. The bzImage goes in through QEMU -kernel; OVMF hands
 *     the -append text to it as load options and the -initrd file through its LoadFile2 protocol
 *     on the LINUX_EFI_INITRD_MEDIA_GUID device path (the 6.1 stub prints "Loaded initrd from
 *     LINUX_EFI_INITRD_MEDIA_GUID device path"). OVMF also appends " initrd=initrd" to the
 *     command line, for stubs that only know the file-path way.
 * (b) efistub: `efistub build`, then `efistub wrap --kernel … --initrd … --cmdline … -o
 *     out/bench/boot.efi`, booted through QEMU -kernel with no -initrd or -append.
 * (c) efistub with the payload re-compressed: the same wrap with `--recompress lz4` (or the
 *     format given with --recompress) into out/bench/boot-<format>.efi: a bigger image whose
 *     payload the stub decodes faster under TCG (compiler/recompress.ts).
 *
 * Runs alternate (a, b, c, a, b, c, …) so drift on a shared machine hits all alike. Each boot
 * ends at the marker (runImage's stopOn) and QEMU is killed; the initramfs's /init would power
 * off next. All use runImage's QEMU command line, printed before the runs, with its default
 * -m 512M: Debian's kernel asks for 64 MiB (init_size) and the initramfs is about 1 MiB, so no
 * -m is added. Time is measured here, from just before runImage() (which spawns QEMU after copying
 * the OVMF variable store and the image, a few ms) to the console chunk holding the marker
 * (runImage reads the serial file every 25 ms).
 *
 * A failure of (b) or (c) — a wrap that fails, a boot that never reaches the marker — is
 * reported, with the reason, in its place in the table; (a) is measured regardless. The exit
 * status is 1 when any run failed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOvmf, findQemu, qemuArguments, runImage } from '../compiler/qemu-run.ts';
import { KERNEL_COMPRESSIONS, type KernelCompression } from '../compiler/recompress.ts';
import { debianKernel } from '../test/support/debian-kernel.ts';
import { buildInitramfs } from '../test/support/initramfs.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Printed by /init once user space runs; never part of a kernel command line (the kernel echoes that). */
export const BOOT_MARKER = 'efistub-bench-boot: initramfs reached';
/** panic=-1: a kernel panic reboots at once, which -no-reboot turns into QEMU exiting. */
export const DEFAULT_CMDLINE = 'console=ttyS0 panic=-1';

export interface BootBenchOptions {
  runs: number;
  timeoutSeconds: number;
  /** The bzImage; Debian's kernel (test/support/debian-kernel.ts) when absent. */
  kernel?: string;
  cmdline: string;
  /** Skip `efistub build` before wrapping (wrap uses out/stub.efi as it is). */
  build: boolean;
  /** The payload format of variant (c), `efistub wrap --recompress`. */
  recompress: KernelCompression;
  help: boolean;
}

/** Variant (c)'s format when --recompress is not given: the fastest decode under TCG (README, BENCHMARKS.md). */
export const DEFAULT_RECOMPRESS: KernelCompression = 'lz4';

export const BOOT_HELP = `usage: npm run bench:boot -- [--runs N] [--timeout S] [--kernel BZIMAGE] [--cmdline TEXT]
                             [--recompress FORMAT] [--no-build]

Boots a kernel (default: Debian's, fetched into out/fixtures/) to a busybox initramfs under
OVMF in QEMU (TCG), (a) through the kernel's own EFI stub, (b) wrapped by efistub as shipped
and (c) wrapped by efistub with its payload re-compressed (efistub wrap --recompress), and
prints the seconds from starting QEMU to the initramfs's marker line for each run, the median
of each, and the ratios (b)/(a) and (c)/(a). Runs alternate between (a), (b) and (c).

options:
  --runs N          boots of each kind (default 3)
  --timeout S       give up on one boot after S seconds (default 300)
  --kernel BZIMAGE  another bzImage instead of Debian's
  --cmdline TEXT    kernel command line (default "${DEFAULT_CMDLINE}"); keep console=ttyS0
  --recompress F    the payload format of (c): ${KERNEL_COMPRESSIONS.join(', ')} (default ${DEFAULT_RECOMPRESS})
  --no-build        wrap with out/stub.efi as it is instead of running efistub build first
  --help            print this text
`;

/** Parses the options after `npm run bench:boot --`; an error is a message for the user. */
export function parseBootBenchArgs(argv: readonly string[]): BootBenchOptions | { error: string } {
  const options: BootBenchOptions = {
    runs: 3, timeoutSeconds: 300, cmdline: DEFAULT_CMDLINE, build: true, recompress: DEFAULT_RECOMPRESS, help: false,
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const [name, inline] = argument.startsWith('--') && argument.includes('=')
      ? [argument.slice(0, argument.indexOf('=')), argument.slice(argument.indexOf('=') + 1)] : [argument, undefined];
    const value = (): string | undefined => inline ?? argv[++index];
    if (name === '--help' || name === '-h') options.help = true;
    else if (name === '--no-build') options.build = false;
    else if (name === '--runs') {
      const text = value();
      const runs = Number(text);
      if (!Number.isInteger(runs) || runs < 1) return { error: `--runs needs a whole number of at least 1, got ${text ?? 'nothing'}` };
      options.runs = runs;
    } else if (name === '--timeout') {
      const text = value();
      const seconds = Number(text);
      if (!Number.isFinite(seconds) || seconds <= 0) return { error: `--timeout needs a positive number of seconds, got ${text ?? 'nothing'}` };
      options.timeoutSeconds = seconds;
    } else if (name === '--kernel') {
      const text = value();
      if (text === undefined || text === '') return { error: '--kernel needs a file name' };
      options.kernel = text;
    } else if (name === '--cmdline') {
      const text = value();
      if (text === undefined) return { error: '--cmdline needs the text' };
      if (text.includes(BOOT_MARKER)) return { error: '--cmdline must not contain the marker (the kernel prints its command line)' };
      options.cmdline = text;
    } else if (name === '--recompress') {
      const text = value();
      const format = KERNEL_COMPRESSIONS.find((candidate) => candidate === text);
      if (format === undefined) {
        return { error: `--recompress needs one of ${KERNEL_COMPRESSIONS.join(', ')}, got ${text ?? 'nothing'}` };
      }
      options.recompress = format;
    } else return { error: `unknown argument ${argument}` };
  }
  return options;
}

/** `ratio <label>: x.xxx`, or why there is no ratio. */
export function ratioLine(label: string, numerator: number, denominator: number): string {
  return Number.isFinite(numerator) && Number.isFinite(denominator) && denominator > 0
    ? `ratio ${label}: ${(numerator / denominator).toFixed(3)}`
    : `ratio ${label}: n/a (a side has no successful run)`;
}

/** The median; the mean of the middle two for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** An argument as a POSIX shell would need it to be typed. */
export function shellWord(argument: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** The QEMU command line runImage uses in 'kernel' mode, with its per-run files as placeholders. */
export function describeQemuCommand(extra: string[]): string {
  let qemu = 'qemu-system-x86_64';
  let ovmfCode = '<OVMF_CODE>';
  try {
    qemu = findQemu();
    ovmfCode = findOvmf().code;
  } catch {
    // runImage reports the missing package itself
  }
  const args = qemuArguments({
    ovmfCode, varsCopy: '<run>/OVMF_VARS.fd', pidFile: '<run>/qemu.pid', qmpSocket: '<run>/qmp.sock',
    mode: 'kernel', bootPath: '<run>/kernel.efi', serialFile: '<run>/serial.log', extra,
  });
  return [qemu, ...args].map(shellWord).join(' ');
}

/**
 * One boot's result: seconds to the marker (and, for efistub, the decompress time its stage log
 * reports, stubDecompressMs), or why it did not get there.
 */
export type BootMeasurement = { seconds: number; decompressMs?: number } | { failure: string };

/**
 * The stub's own decompress stage time from its console, when it printed one: the decode's line
 * (`efistub: time: decompress N ms`) plus the lines of the stage's first parts, reading the
 * payload and allocating the output (`decompress-read`, `decompress-allocate`), which stubs
 * before them timed together with the decode.
 */
export function stubDecompressMs(output: string): number | undefined {
  const decode = /efistub: time: decompress (\d+) ms\n/.exec(output);
  if (!decode) return undefined;
  let total = Number(decode[1]);
  for (const part of ['read', 'allocate']) {
    const match = new RegExp(`efistub: time: decompress-${part} (\\d+) ms\n`).exec(output);
    if (match) total += Number(match[1]);
  }
  return total;
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).map((line) => `      | ${line}`).join('\n');
}

async function measureBoot(image: string, extraQemuArgs: string[], timeoutSeconds: number): Promise<BootMeasurement> {
  let seen = '';
  let markerSeconds: number | undefined;
  const started = performance.now();
  try {
    const result = await runImage({
      image, mode: 'kernel', timeoutSeconds, extraQemuArgs, stopOn: new RegExp(escapeRegExp(BOOT_MARKER)),
      onOutput: (chunk) => {
        if (markerSeconds !== undefined) return;
        // Only the tail can hold a marker split across chunks.
        seen = (seen + chunk).slice(-(BOOT_MARKER.length + chunk.length + 1));
        if (seen.includes(BOOT_MARKER)) markerSeconds = (performance.now() - started) / 1000;
      },
    });
    if (result.outcome === 'stopped' && markerSeconds !== undefined) {
      return { seconds: markerSeconds, decompressMs: stubDecompressMs(result.output) };
    }
    const why = result.outcome === 'qemu-exit'
      ? `QEMU exited (${result.shutdownReason ?? `code ${result.qemuExitCode}`})` : result.outcome;
    return { failure: `no marker after ${result.seconds.toFixed(1)} s: ${why}` +
      `${result.qemuStderr ? `; QEMU: ${result.qemuStderr}` : ''}\n${lastLines(result.output, 12)}` };
  } catch (error) {
    return { failure: (error as Error).message };
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function runCommand(command: string, args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('error', (error) => resolvePromise({ status: null, output: error.message }));
    child.on('close', (status) => resolvePromise({ status, output }));
  });
}

const efistubBin = join(root, 'bin', 'efistub.js');

/** A wrapped image, or why there is none. */
type Wrapped = { image: string } | { failure: string };

/** `efistub build`; undefined on success, else why it failed. */
async function buildStub(): Promise<string | undefined> {
  const built = await runCommand(process.execPath, [efistubBin, 'build']);
  return built.status === 0 ? undefined : `efistub build failed (exit ${built.status}):\n${lastLines(built.output, 12)}`;
}

/**
 * `efistub wrap` into out/bench/<name>.efi, with `extra` arguments (--recompress F); the image's
 * path, or why there is none.
 */
async function wrapKernel(kernel: string, initramfs: string, cmdline: string, name: string,
  extra: string[]): Promise<Wrapped> {
  const image = join(root, 'out', 'bench', `${name}.efi`);
  mkdirSync(dirname(image), { recursive: true });
  rmSync(image, { force: true });
  const args = ['wrap', '--kernel', kernel, ...extra, '--initrd', initramfs, '--cmdline', cmdline, '-o', image];
  const wrapped = await runCommand(process.execPath, [efistubBin, ...args]);
  const command = `efistub ${args.map(shellWord).join(' ')}`;
  if (wrapped.status !== 0) return { failure: `${command} failed (exit ${wrapped.status}):\n${lastLines(wrapped.output, 12)}` };
  if (!existsSync(image)) return { failure: `${command} exited 0 but wrote no ${image}` };
  return { image };
}

function format(measurement: BootMeasurement): string {
  if (!('seconds' in measurement)) return `FAILED: ${measurement.failure}`;
  const stage = measurement.decompressMs === undefined ? '' : ` (stub decompress ${measurement.decompressMs} ms)`;
  return `${measurement.seconds.toFixed(2)} s${stage}`;
}

/** `npm run bench:boot -- …`; returns the exit status. */
export async function bootBenchMain(argv: readonly string[]): Promise<number> {
  const options = parseBootBenchArgs(argv);
  if ('error' in options) {
    process.stderr.write(`efistub: bench:boot: ${options.error}\n(see npm run bench:boot -- --help)\n`);
    return 2;
  }
  if (options.help) { process.stdout.write(BOOT_HELP); return 0; }

  const kernel = resolve(options.kernel ?? debianKernel());
  if (!existsSync(kernel)) {
    process.stderr.write(`efistub: bench:boot: ${kernel} not found\n`);
    return 2;
  }
  const initramfs = buildInitramfs({ marker: BOOT_MARKER, output: join(root, 'out', 'bench', 'boot-initramfs.cpio.gz') });
  const show = (path: string): string => relative(process.cwd(), path) || path;
  const referenceArgs = ['-initrd', initramfs, '-append', options.cmdline];

  const head = await runCommand('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = await runCommand('git', ['status', '--porcelain', '--', 'stub-src', 'compiler', 'patches']);
  console.log(`efistub boot benchmark: QEMU start → "${BOOT_MARKER}", OVMF + QEMU TCG, ${options.runs} run(s) of each, alternating`);
  // The stub is built from the working tree: say which, since other work may be uncommitted.
  console.log(head.status !== 0 ? 'source: not a git checkout' :
    `source: git ${head.output.trim()}${dirty.output.trim() ? ' + uncommitted changes in stub-src/compiler/patches' : ''}`);
  console.log(`kernel: ${show(kernel)} (${(statSync(kernel).size / 1e6).toFixed(1)} MB)`);
  console.log(`initramfs: ${show(initramfs)} (${(statSync(initramfs).size / 1e6).toFixed(2)} MB, busybox-static)`);
  console.log(`kernel command line: ${options.cmdline}`);
  console.log(`(a) reference, the kernel's own EFI stub:\n    ${describeQemuCommand(referenceArgs)}`);
  console.log(`    (<run>/kernel.efi is a copy of ${show(kernel)})`);

  process.stderr.write(`efistub: bench:boot: ${options.build ? 'efistub build, then ' : ''}efistub wrap, ` +
    `then efistub wrap --recompress ${options.recompress}…\n`);
  const buildFailure = options.build ? await buildStub() : undefined;
  const wrapVariant = async (name: string, extra: string[]): Promise<Wrapped> => (buildFailure !== undefined
    ? { failure: buildFailure } : wrapKernel(kernel, initramfs, options.cmdline, name, extra));
  const recompressArgs = ['--recompress', options.recompress];
  const shipped = await wrapVariant('boot', []);
  const recompressed = await wrapVariant(`boot-${options.recompress}`, recompressArgs);
  const describeVariant = (label: string, wrapped: Wrapped, extra: string[]): void => {
    if ('image' in wrapped) {
      console.log(`${label}: efistub wrap --kernel …${extra.length ? ` ${extra.join(' ')}` : ''} --initrd … ` +
        `--cmdline ${shellWord(options.cmdline)} -o ${show(wrapped.image)} ` +
        `(${(statSync(wrapped.image).size / 1e6).toFixed(1)} MB), then:`);
      console.log(`    ${describeQemuCommand([])}`);
      console.log(`    (<run>/kernel.efi is a copy of ${show(wrapped.image)})`);
    } else {
      console.log(`${label}: FAILED before booting: ${wrapped.failure}`);
    }
  };
  describeVariant('(b) efistub', shipped, []);
  describeVariant(`(c) efistub, payload in ${options.recompress}`, recompressed, recompressArgs);

  const reference: BootMeasurement[] = [];
  const efistub: BootMeasurement[] = [];
  const efistubRecompressed: BootMeasurement[] = [];
  const cLabel = `(c) ${options.recompress}`;
  for (let run = 1; run <= options.runs; run++) {
    const a = await measureBoot(kernel, referenceArgs, options.timeoutSeconds);
    reference.push(a);
    console.log(`run ${run}  (a) reference  ${format(a)}`);
    if ('image' in shipped) {
      const b = await measureBoot(shipped.image, [], options.timeoutSeconds);
      efistub.push(b);
      console.log(`run ${run}  (b) efistub    ${format(b)}`);
    }
    if ('image' in recompressed) {
      const c = await measureBoot(recompressed.image, [], options.timeoutSeconds);
      efistubRecompressed.push(c);
      console.log(`run ${run}  ${cLabel.padEnd(15)}${format(c)}`);
    }
  }

  const seconds = (list: BootMeasurement[]): number[] => list.flatMap((m) => ('seconds' in m ? [m.seconds] : []));
  const summary = (label: string, list: BootMeasurement[], notRun?: string): number => {
    const good = seconds(list);
    if (notRun !== undefined) console.log(`median ${label}: not measured (${notRun})`);
    else if (good.length === 0) console.log(`median ${label}: FAILED in all ${list.length} run(s)`);
    else {
      console.log(`median ${label}: ${median(good).toFixed(2)} s over ${good.length} run(s)` +
        `${good.length < list.length ? ` (${list.length - good.length} failed)` : ''}` +
        ` [${good.map((value) => value.toFixed(2)).join(', ')}]`);
    }
    return median(good);
  };
  const referenceMedian = summary('(a) reference', reference);
  const efistubMedian = summary('(b) efistub  ', efistub, 'failure' in shipped ? 'no image: see (b) above' : undefined);
  const recompressedMedian = summary(cLabel.padEnd(13), efistubRecompressed,
    'failure' in recompressed ? 'no image: see (c) above' : undefined);
  const decompressSummary = (label: string, list: BootMeasurement[]): void => {
    const times = list.flatMap((m) => ('decompressMs' in m && m.decompressMs !== undefined ? [m.decompressMs] : []));
    if (times.length > 0) console.log(`median stub decompress ${label}: ${median(times).toFixed(0)} ms (the stage log's TSC time)`);
  };
  decompressSummary('(b)', efistub);
  decompressSummary(`(c)`, efistubRecompressed);
  console.log(ratioLine('(b)/(a) efistub/reference', efistubMedian, referenceMedian));
  console.log(ratioLine(`(c)/(a) efistub ${options.recompress}/reference`, recompressedMedian, referenceMedian));

  const failed = [...reference, ...efistub, ...efistubRecompressed].some((m) => 'failure' in m) ||
    'failure' in shipped || 'failure' in recompressed;
  return failed ? 1 : 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await bootBenchMain(process.argv.slice(2));
}

