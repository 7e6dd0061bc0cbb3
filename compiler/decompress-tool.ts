/**
 * @fileoverview `efistub decompress` and `efistub extract`: the stub's own decoders, compiled to a
 * native program (stub-src/tools/decompress-main.ts + compiler/runtime/tool-decompress-linux.c),
 * run on files. The program is built on first use into out/tools/<hash of its sources>/, so a
 * change to any decoder, the runtime or the porffor patches rebuilds it.
 *
 * Output goes to a temporary file beside OUT and is renamed only on success: a failed run never
 * leaves a truncated OUT, and an existing OUT is untouched.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDecompressTool } from './build.ts';
import { formatDiagnostic, type Diagnostic } from './diagnostics.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const DECOMPRESS_INPUT_MISSING = 1001;
export const DECOMPRESS_DECODE_FAILED = 1002;
export const DECOMPRESS_NOT_BZIMAGE = 1003;
export const DECOMPRESS_TOOL_FAILED = 1004;

function hashSources(): string {
  const hash = createHash('sha256');
  const add = (directory: string): void => {
    for (const name of readdirSync(directory).sort()) {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) add(path);
      else { hash.update(path.slice(root.length)); hash.update(readFileSync(path)); }
    }
  };
  for (const directory of ['stub-src', 'compiler', 'patches']) add(join(root, directory));
  return hash.digest('hex').slice(0, 16);
}

/** Builds the native decompression tool unless this exact source tree already built it. */
export function ensureDecompressTool(progress: (line: string) => void): { tool?: string; diagnostics: Diagnostic[] } {
  const outDir = join(root, 'out', 'tools', hashSources());
  const tool = join(outDir, 'efistub-decompress');
  if (existsSync(tool)) return { tool, diagnostics: [] };
  progress('efistub: decompress: building the native decoders (once per source change)…');
  const built = buildDecompressTool({ sourceDir: join(root, 'stub-src'), outDir, progress });
  return { tool: built.tool, diagnostics: built.diagnostics };
}

export interface DecompressResult {
  ok: boolean;
  format: string;
  inputBytes?: number;
  outputBytes?: number;
  seconds?: number;
  diagnostics: Diagnostic[];
}

/**
 * Decodes `inputPath` into `outputPath` with the native tool. `kbuildTrailer`: the input ends with
 * the kernel build's 4-byte size, which is the exact output size.
 */
export function decompressFile(tool: string, inputPath: string, outputPath: string, kbuildTrailer: boolean,
  stage: 'decompress' | 'extract' = 'decompress'): DecompressResult {
  const temporary = join(dirname(resolve(outputPath)), `.${basename(outputPath)}.efistub-${process.pid}.tmp`);
  const args = [inputPath, temporary, ...(kbuildTrailer ? ['--kbuild-trailer'] : [])];
  const child = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  const line = (child.stdout ?? '').trim().split('\n').pop() ?? '';
  const field = (name: string): string | undefined => line.match(new RegExp(`(?:^| )${name}=(\\S+)`))?.[1];
  const fail = (code: number, message: string): DecompressResult => {
    rmSync(temporary, { force: true });
    return { ok: false, format: field('format') ?? 'unknown',
      diagnostics: [{ stage, code, file: inputPath, line: 0, column: 0, message }] };
  };
  if (child.status === 0 && line.startsWith('ok ')) {
    renameSync(temporary, outputPath);
    return { ok: true, format: field('format') ?? 'unknown', inputBytes: Number(field('input')),
      outputBytes: Number(field('output')), seconds: Number(field('seconds')), diagnostics: [] };
  }
  if (child.status === 1 && line.startsWith('error ')) {
    const text = line.slice(line.indexOf(' text=') + 6);
    return fail(DECOMPRESS_DECODE_FAILED, `${field('format')}: ${text} (status ${field('status')}, reason ${field('reason')}, ` +
      `input offset ${field('offset')})`);
  }
  const why = line.startsWith('trap ') ? `the decoder trapped: ${line.slice(12)}` :
    `the native tool failed (exit ${child.status ?? child.signal}): ${(child.stderr ?? '').trim() || line}`;
  return fail(DECOMPRESS_TOOL_FAILED, why);
}

/** Where a bzImage keeps its compressed payload (Documentation/arch/x86/boot.rst). */
export function locateBzImagePayload(image: Uint8Array, file: string): { offset: number; length: number } | Diagnostic[] {
  const refuse = (message: string): Diagnostic[] => [{ stage: 'extract', code: DECOMPRESS_NOT_BZIMAGE, file, line: 0,
    column: 0, message }];
  if (image.length < 0x250) return refuse(`too short for a bzImage setup header (${image.length} bytes)`);
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  // boot.rst: header "HdrS" at 0x202; payload_offset/payload_length exist from protocol 2.08.
  if (view.getUint32(0x202, true) !== 0x53726448) return refuse('no "HdrS" setup header magic at 0x202: not a bzImage');
  const version = view.getUint16(0x206, true);
  if (version < 0x208) return refuse(`boot protocol 0x${version.toString(16)} has no payload fields (need ≥ 2.08)`);
  const setupSectors = image[0x1f1] === 0 ? 4 : image[0x1f1];
  const offset = (setupSectors + 1) * 512 + view.getUint32(0x248, true);
  const length = view.getUint32(0x24c, true);
  if (offset + length > image.length || length < 4) {
    return refuse(`payload (offset 0x${offset.toString(16)}, length 0x${length.toString(16)}) lies outside the file`);
  }
  return { offset, length };
}

const DECOMPRESS_HELP = `usage: efistub decompress FILE [-o OUT] [--kbuild-trailer] [--stats]

Decompresses FILE with the stub's own decoders (gzip, xz, lzma, zstd, lz4, bzip2, lzo, by magic
number), compiled to a native program by the stub's pipeline. The kbuild payload convention is
understood: with --kbuild-trailer FILE is a kernel payload ending with its uncompressed size.
OUT defaults to FILE without its compression suffix. OUT is written only on success.

options:
  -o, --output OUT    where to write the decompressed bytes
  --kbuild-trailer    FILE is a kernel payload: the compressed data, then the size as 4
                      little-endian bytes (gzip: its own trailer's size field); the output
                      must have exactly that size
  --stats             print format, sizes and MB/s of the decode
  --help              print this text
`;

const EXTRACT_HELP = `usage: efistub extract BZIMAGE [-o vmlinux] [--stats]

Does what the kernel's scripts/extract-vmlinux does: finds the compressed payload of a bzImage
(setup header payload_offset/payload_length), decompresses it with the stub's own decoders and
writes the ELF vmlinux (default: vmlinux in the current directory), only on success.
`;

function parseCommon(argv: string[], allowTrailer: boolean): { input?: string; output?: string; stats: boolean;
  trailer: boolean; help: boolean; error?: string } {
  const result: { input?: string; output?: string; stats: boolean; trailer: boolean; help: boolean; error?: string } =
    { stats: false, trailer: false, help: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--help' || argument === '-h') result.help = true;
    else if (argument === '--stats') result.stats = true;
    else if (allowTrailer && argument === '--kbuild-trailer') result.trailer = true;
    else if (argument === '-o' || argument === '--output') {
      result.output = argv[++index];
      if (result.output === undefined) result.error = `${argument} needs a file name`;
    } else if (argument.startsWith('-')) result.error = `unknown option ${argument}`;
    else if (result.input === undefined) result.input = argument;
    else result.error = `unexpected argument ${argument}`;
  }
  return result;
}

function report(verb: string, result: DecompressResult, output: string, stats: boolean): number {
  if (!result.ok) {
    for (const diagnostic of result.diagnostics) process.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
    return 1;
  }
  if (stats) {
    const megabytes = (result.outputBytes ?? 0) / 1e6;
    const rate = result.seconds ? megabytes / result.seconds : 0;
    process.stdout.write(`format ${result.format}, ${result.inputBytes} → ${result.outputBytes} bytes, ` +
      `${(result.seconds ?? 0).toFixed(3)} s, ${rate.toFixed(1)} MB/s\n`);
  }
  process.stderr.write(`efistub: ${verb}: wrote ${output}\n`);
  return 0;
}

const SUFFIXES = ['.gz', '.xz', '.lzma', '.zst', '.lz4', '.bz2', '.lzo'];

export function cliDecompress(argv: string[]): number {
  const options = parseCommon(argv, true);
  if (options.help) { process.stdout.write(DECOMPRESS_HELP); return 0; }
  if (options.error || !options.input) {
    process.stderr.write(`efistub: decompress: ${options.error ?? 'give a FILE'}\n(see efistub decompress --help)\n`);
    return 2;
  }
  if (!existsSync(options.input)) {
    process.stderr.write(`efistub: decompress: ${options.input} not found\n`);
    return 2;
  }
  const suffix = SUFFIXES.find((s) => options.input!.endsWith(s));
  const output = options.output ?? (suffix ? options.input.slice(0, -suffix.length) : `${options.input}.out`);
  const built = ensureDecompressTool((line) => process.stderr.write(`${line}\n`));
  if (!built.tool) {
    for (const diagnostic of built.diagnostics) process.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
    return 1;
  }
  return report('decompress', decompressFile(built.tool, options.input, output, options.trailer), output, options.stats);
}

export function cliExtract(argv: string[]): number {
  const options = parseCommon(argv, false);
  if (options.help) { process.stdout.write(EXTRACT_HELP); return 0; }
  if (options.error || !options.input) {
    process.stderr.write(`efistub: extract: ${options.error ?? 'give a BZIMAGE'}\n(see efistub extract --help)\n`);
    return 2;
  }
  if (!existsSync(options.input)) {
    process.stderr.write(`efistub: extract: ${options.input} not found\n`);
    return 2;
  }
  const image = readFileSync(options.input);
  const payload = locateBzImagePayload(image, options.input);
  if (Array.isArray(payload)) {
    for (const diagnostic of payload) process.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
    return 1;
  }
  const output = options.output ?? 'vmlinux';
  const built = ensureDecompressTool((line) => process.stderr.write(`${line}\n`));
  if (!built.tool) {
    for (const diagnostic of built.diagnostics) process.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
    return 1;
  }
  const payloadFile = join(dirname(built.tool), `payload-${process.pid}.bin`);
  mkdirSync(dirname(payloadFile), { recursive: true });
  writeFileSync(payloadFile, image.subarray(payload.offset, payload.offset + payload.length));
  try {
    return report('extract', decompressFile(built.tool, payloadFile, output, true, 'extract'), output, options.stats);
  } finally {
    rmSync(payloadFile, { force: true });
  }
}
