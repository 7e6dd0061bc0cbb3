/**
 * @fileoverview Stage "porffor": out/stub.js → out/stub.wasm, with the host imports registered.
 *
 * Runs the pinned, patched porffor (see patches/porffor/) in a child process (porffor-child.ts)
 * so that each build starts from a clean compiler state. compileStubToWasm chains the bundle
 * stage in front, for callers that start from the TypeScript sources.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleStub } from './bundle.ts';
import type { Diagnostic } from './diagnostics.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const PORFFOR_FAILED = 401;

/** Compiles one bundled script to Wasm; writes outputWasm only on success. */
export function compileJsToWasm(inputJs: string, outputWasm: string, hostDtsPath: string): Diagnostic[] {
  mkdirSync(dirname(outputWasm), { recursive: true });
  const temporary = `${outputWasm}.tmp-${process.pid}`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'porffor-child.ts'),
    resolve(inputJs), resolve(temporary), resolve(hostDtsPath)], { encoding: 'utf8', cwd: resolve(here, '..') });
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

/** stub sources → bundle (next to outputWasm, as stub.js) → Wasm. */
export async function compileStubToWasm(sourceDir: string, outputWasm: string): Promise<Diagnostic[]> {
  const bundled = outputWasm.replace(/\.wasm$/, '') + '.js';
  const bundleDiagnostics = bundleStub(sourceDir, join(sourceDir, 'main.ts'), bundled);
  if (bundleDiagnostics.length) return bundleDiagnostics;
  return compileJsToWasm(bundled, outputWasm, join(sourceDir, 'host.d.ts'));
}
