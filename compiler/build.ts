/**
 * @fileoverview The build pipeline: stub-src/ → out/stub.efi, one stage after another.
 *
 * Each stage reads the previous stage's file under the output directory and writes its own,
 * so a failure names its stage and its input, and every intermediate (stub.js, stub.wasm,
 * stub.c) can be looked at. Nothing here is clever: the stages are in compiler/<stage>.ts.
 */
import { join } from 'node:path';
import { checkSubset } from './check-subset.ts';
import { bundleStub } from './bundle.ts';
import { compileJsToWasm } from './porffor.ts';
import { validateWasm } from './validate.ts';
import { wasmToC } from './wasm2c.ts';
import { linkEfi, linkNative } from './link.ts';
import type { Diagnostic } from './diagnostics.ts';

export interface BuildOptions {
  sourceDir: string;
  outDir: string;
  /** 'efi' (stub.efi), 'native' (stub-native, Linux host) or 'both'. */
  targets?: 'efi' | 'native' | 'both';
  toolchain?: 'debian' | 'docker';
  defines?: string[];
  progress?: (line: string) => void;
}

export interface BuildResult {
  diagnostics: Diagnostic[];
  efi?: string;
  native?: string;
  wasm: string;
}

export function buildStub(options: BuildOptions): BuildResult {
  const { sourceDir, outDir } = options;
  const progress = options.progress ?? (() => {});
  const targets = options.targets ?? 'efi';
  const files = {
    js: join(outDir, 'stub.js'),
    wasm: join(outDir, 'stub.wasm'),
    c: join(outDir, 'stub.c'),
    efi: join(outDir, 'stub.efi'),
    native: join(outDir, 'stub-native'),
  };
  const stages: [string, () => Diagnostic[]][] = [
    ['check-subset', () => checkSubset(sourceDir)],
    ['bundle', () => bundleStub(sourceDir, join(sourceDir, 'main.ts'), files.js)],
    ['porffor', () => compileJsToWasm(files.js, files.wasm, join(sourceDir, 'host.d.ts'))],
    ['validate', () => validateWasm(files.wasm)],
    ['wasm2c', () => wasmToC(files.wasm, files.c)],
  ];
  if (targets !== 'native') {
    stages.push(['link', () => linkEfi(files.c, files.efi, { toolchain: options.toolchain, defines: options.defines, progress })]);
  }
  if (targets !== 'efi') {
    stages.push(['link native', () => linkNative(files.c, files.native, { defines: options.defines, progress })]);
  }
  for (const [name, run] of stages) {
    const started = performance.now();
    progress(`efistub: build: ${name}…`);
    const diagnostics = run();
    if (diagnostics.length) return { diagnostics, wasm: files.wasm };
    progress(`efistub: build: ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return {
    diagnostics: [],
    wasm: files.wasm,
    efi: targets !== 'native' ? files.efi : undefined,
    native: targets !== 'efi' ? files.native : undefined,
  };
}
