/**
 * @fileoverview Kernels with their payload re-compressed in another of the seven kernel formats,
 * so the stub's decoders can be exercised on a real kernel in each format without building one.
 * The work is compiler/recompress.ts (stage 'recompress', what `efistub wrap --recompress` runs);
 * this file keeps the names the tests use and adds a cache.
 *
 *   await repackKernel(bzImage, 'zstd', 'out/vmlinuz-zstd')   the repacked file's path
 *   await repackedKernel(bzImage, 'zstd')                     the same, cached under out/fixtures/repacked/
 *   readPayloadHeader(bytes)                                  the setup-header fields involved
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { KBUILD_CODECS, recompressKernel, type KernelCompression } from '../../compiler/recompress.ts';
import { projectRoot } from './build-fixture.ts';

export {
  appendPayload, elfLoadSpan, HEADER_MAGIC, INIT_SIZE, KBUILD_CODECS, KERNEL_COMPRESSIONS, PAYLOAD_LENGTH,
  PAYLOAD_OFFSET, payloadFormat, PROTOCOL_VERSION, readPayloadHeader, requiredInitSize, SETUP_SECTS, SYSSIZE,
  type KernelCompression, type PayloadHeader,
} from '../../compiler/recompress.ts';

/**
 * Writes to `output` (its directory created if needed) a copy of `bzImage` whose payload is
 * re-compressed in `format` with kbuild's command line, and returns `output`. Throws the
 * stage's StageFailed when the original payload is not in a known format, does not decode, or
 * decodes to another size than its trailer states.
 */
export async function repackKernel(bzImage: string, format: KernelCompression, output: string): Promise<string> {
  mkdirSync(dirname(resolve(output)), { recursive: true });
  return recompressKernel(bzImage, format, output);
}

/** Where repackedKernel keeps `bzImage` repacked in `format`. */
export function repackedKernelPath(bzImage: string, format: KernelCompression): string {
  return join(projectRoot, 'out', 'fixtures', 'repacked', `${format}-${basename(bzImage)}`);
}

/**
 * repackKernel into out/fixtures/repacked/<format>-<basename>, reused while the input keeps its
 * size and mtime and kbuild's command stays the same (recorded in <that path>.key): xz with a
 * 32 MiB dictionary or zstd -22 on Debian's 66 MB payload takes tens of seconds.
 */
export async function repackedKernel(bzImage: string, format: KernelCompression): Promise<string> {
  const output = repackedKernelPath(bzImage, format);
  const input = statSync(bzImage);
  const key = JSON.stringify({ input: resolve(bzImage), size: input.size, mtimeMs: input.mtimeMs, format,
    command: KBUILD_CODECS[format].compress });
  const keyFile = `${output}.key`;
  if (existsSync(output) && existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key) return output;
  rmSync(keyFile, { force: true });
  await repackKernel(bzImage, format, output);
  writeFileSync(keyFile, key);
  return output;
}
