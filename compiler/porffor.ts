/**
 * @fileoverview Stage "porffor": out/stub.js → out/stub.wasm, with the host imports registered.
 *
 * Runs the pinned, patched porffor (see patches/porffor/) in a child process (porffor-child.ts)
 * so that each build starts from a clean compiler state. compileStubToWasm chains the bundle
 * stage in front, for callers that start from the TypeScript sources.
 *
 * Two modes (the switch is compiler/bundle.ts TYPED_BY_DEFAULT): a typed bundle (TypeScript
 * with its exact annotations, first line TYPED_BUNDLE_MARKER) is compiled with porffor's
 * --parse-types --opt-types; a JavaScript bundle without. The exports' convention differs only
 * in results: in typed mode a function declared `: number`/`: boolean`/`: Uint8Array` returns
 * the value alone instead of a (value, type) pair (the C hosts read either: runtime.h
 * RT_EXPORT_VALUE). Parameters are (value, type) pairs in both. Only the typed mode compiles
 * 64-bit locals (ES104, porffor patch 018 needs their `bigint` annotations): a JavaScript bundle
 * would hand them to porffor's own BigInt code, which gets them wrong (zstd's checksum fails).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleStub, TYPED_BUNDLE_MARKER } from './bundle.ts';
import type { Diagnostic } from './diagnostics.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const PORFFOR_FAILED = 401;

/** Compiles one bundled script (typed or not, as bundled) to Wasm; writes outputWasm only on success. */
export function compileJsToWasm(inputJs: string, outputWasm: string, hostDtsPath: string): Diagnostic[] {
  mkdirSync(dirname(outputWasm), { recursive: true });
  const temporary = `${outputWasm}.tmp-${process.pid}`;
  const typed = readFileSync(inputJs, 'utf8').startsWith(TYPED_BUNDLE_MARKER);
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'porffor-child.ts'),
    resolve(inputJs), resolve(temporary), resolve(hostDtsPath), ...(typed ? ['--typed'] : [])],
  { encoding: 'utf8', cwd: resolve(here, '..') });
  const lastLine = child.stdout.trim().split('\n').pop() ?? '';
  let result: { ok: boolean; message?: string } = { ok: false };
  try { result = JSON.parse(lastLine); } catch { /* reported below */ }
  if (child.status !== 0 || !result.ok || !existsSync(temporary)) {
    rmSync(temporary, { force: true });
    const detail = result.message ?? (child.stderr.trim().split('\n').slice(-5).join(' | ') || `exit status ${child.status}`);
    return [{ stage: 'porffor', code: PORFFOR_FAILED, file: inputJs, line: 0, column: 0,
      message: `porffor could not compile the bundled stub: ${detail}` }];
  }
  renameSync(temporary, outputWasm);
  return [];
}

/** stub sources → bundle (next to outputWasm, as stub.js) → Wasm; typed as TYPED_BY_DEFAULT unless said. */
export async function compileStubToWasm(sourceDir: string, outputWasm: string, options: { typed?: boolean } = {}): Promise<Diagnostic[]> {
  const bundled = outputWasm.replace(/\.wasm$/, '') + '.js';
  const bundleDiagnostics = bundleStub(sourceDir, join(sourceDir, 'main.ts'), bundled, { keepTypes: options.typed });
  if (bundleDiagnostics.length) return bundleDiagnostics;
  return compileJsToWasm(bundled, outputWasm, join(sourceDir, 'host.d.ts'));
}
