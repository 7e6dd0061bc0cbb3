/**
 * @fileoverview Runs the reference compressors the decoder suites compare against (gzip, bzip2,
 * lzma, xz, lzop, lz4, zstd, as scripts/install-deps.sh installs them). A missing tool is an
 * error naming the tool and the install script, never a skipped test: a differential suite that
 * cannot run its reference proves nothing.
 *
 *   expectInstalled('lz4', /LZ4 command line interface/)   inside the suite's "is installed" test
 *   compressWith('xz', ['-c', '-9'], data)                 stdin → stdout
 *   compressFileWith('lz4', ['-c'], data)                  from a file (the header sees its size)
 *   cliDecode('lzop', file, { okStatuses: [0, 2] })        { ok, status, output }
 *   appendSize(compressed, data.length)                    kbuild's size_append
 *   timedCliDecode('bzip2', ['-dc'], compressed)           { milliseconds, ok, output }
 */
import { execFileSync, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

const MAX_OUTPUT = 1 << 30;

function missing(command: string): Error {
  return new Error(`${command} is missing: run scripts/install-deps.sh`);
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** `command --version` runs, exits 0 and prints `version` (on stdout or stderr). */
export function expectInstalled(command: string, version: RegExp): void {
  const result = spawnSync(command, ['--version'], { encoding: 'utf8' });
  expect(result.error, `${command} is missing: run scripts/install-deps.sh`).toBeUndefined();
  expect(result.status, `${command} --version`).toBe(0);
  expect(result.stdout + result.stderr).toMatch(version);
}

/** `command args` with `data` on stdin: its stdout. Throws on a missing tool or a failed run. */
export function compressWith(command: string, args: string[], data: Uint8Array): Buffer {
  try {
    return execFileSync(command, args, { input: data, maxBuffer: MAX_OUTPUT, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    if (isMissing(error)) throw missing(command);
    throw error;
  }
}

/**
 * compressWith without blocking the test worker, for large inputs: compressing tens of MB (xz
 * with a 32 MiB dictionary, zstd -22) can take longer than vitest's 60 s worker RPC timeout,
 * which fails the whole run even though the test passes.
 */
export function compressWithAsync(command: string, args: string[], data: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', (error) => reject(isMissing(error) ? missing(command) : error));
    child.on('close', (status) => {
      if (status === 0) resolve(Buffer.concat(chunks));
      else reject(new Error(`${command} ${args.join(' ')} exited ${status}: ${stderr.trim()}`));
    });
    child.stdin.on('error', () => { /* the close handler reports the failure */ });
    child.stdin.end(data);
  });
}

/**
 * `command args path` on `data` written to a file named `name` in a fresh temporary directory:
 * its stdout. For headers that record the input's size or name (lz4 --content-size, zstd's
 * single-segment frames, lzop's name, mode and mtime).
 */
export function compressFileWith(command: string, args: string[], data: Uint8Array, name = 'input'): Buffer {
  const directory = mkdtempSync(join(tmpdir(), `${command}-input-`));
  try {
    const path = join(directory, name);
    writeFileSync(path, data);
    return execFileSync(command, [...args, path], { maxBuffer: MAX_OUTPUT, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if (isMissing(error)) throw missing(command);
    throw error;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

export interface CliDecode {
  /** The exit status is one of `okStatuses`. */
  ok: boolean;
  status: number | null;
  output: Buffer;
  stderr: Buffer;
}

function decodeResult(result: SpawnSyncReturns<Buffer>, command: string, okStatuses: number[]): CliDecode {
  // EPIPE: the tool exited before reading all of its input (it refused the stream early); its
  // exit status and output are still what it did, so they are the result.
  const refusedEarly = (result.error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE' && result.status !== null;
  if (result.error && !refusedEarly) throw isMissing(result.error) ? missing(command) : result.error;
  return { ok: result.status !== null && okStatuses.includes(result.status), status: result.status,
    output: result.stdout, stderr: result.stderr };
}

/** `command args` (default `-dc`) with `data` on stdin; `okStatuses` are the exits that mean success. */
export function cliDecode(command: string, data: Uint8Array,
  { args = ['-dc'], okStatuses = [0] }: { args?: string[]; okStatuses?: number[] } = {}): CliDecode {
  return decodeResult(spawnSync(command, args, { input: data, maxBuffer: MAX_OUTPUT }), command, okStatuses);
}

/** cliDecode with its wall-clock time, process start included. */
export function timedCliDecode(command: string, args: string[], data: Uint8Array): CliDecode & { milliseconds: number } {
  const started = performance.now();
  const result = spawnSync(command, args, { input: data, maxBuffer: MAX_OUTPUT });
  const milliseconds = performance.now() - started;
  return { ...decodeResult(result, command, [0]), milliseconds };
}

/**
 * kbuild's size_append (linux scripts/Makefile.lib): the uncompressed size as 4 bytes, little
 * endian, after the compressed data. The boot stub strips it before decoding.
 */
export function appendSize(compressed: Uint8Array, size: number): Buffer {
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32LE(size >>> 0);
  return Buffer.concat([compressed, trailer]);
}
