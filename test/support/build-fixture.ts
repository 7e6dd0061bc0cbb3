/**
 * @fileoverview Builds a fixture stub (test/fixtures/stubs/<name>/main.ts) through the real
 * pipeline, with the project's host.d.ts beside it, into a fresh temporary directory.
 */
import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStub, type BuildResult } from '../../compiler/build.ts';
import { formatDiagnostic } from '../../compiler/diagnostics.ts';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BuiltFixture extends BuildResult {
  sourceDir: string;
  outDir: string;
}

/** Copies the fixture with host.d.ts into a temporary source directory. */
export function stageFixture(name: string): string {
  const sourceDir = mkdtempSync(join(tmpdir(), `efistub-${name}-`));
  const fixtureDir = join(projectRoot, 'test', 'fixtures', 'stubs', name);
  for (const file of readdirSync(fixtureDir)) copyFileSync(join(fixtureDir, file), join(sourceDir, file));
  copyFileSync(join(projectRoot, 'stub-src', 'host.d.ts'), join(sourceDir, 'host.d.ts'));
  return sourceDir;
}

/** Builds a fixture; throws with the formatted diagnostics when a stage fails. */
export function buildFixture(name: string, targets: 'efi' | 'native' | 'both'): BuiltFixture {
  const sourceDir = stageFixture(name);
  const outDir = join(sourceDir, 'out');
  const result = buildStub({ sourceDir, outDir, targets });
  if (result.diagnostics.length) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
  return { ...result, sourceDir, outDir };
}
