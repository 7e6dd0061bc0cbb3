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
import { linkDecompressTool, linkEfi, linkNative } from './link.ts';
import type { Diagnostic } from './diagnostics.ts';

export interface BuildOptions {
  sourceDir: string;
  outDir: string;
  /** 'efi' (stub.efi), 'native' (stub-native, Linux host) or 'both'. */
  targets?: 'efi' | 'native' | 'both';
  /** The module whose exports become the program's (default: main.ts of sourceDir). */
  entry?: string;
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
  return runStages(options, (files, progress) => {
    const linkStages: [string, () => Diagnostic[]][] = [];
    const targets = options.targets ?? 'efi';
    if (targets !== 'native') {
      linkStages.push(['link', () => linkEfi(files.c, files.efi, { toolchain: options.toolchain, defines: options.defines, progress })]);
    }
    if (targets !== 'efi') {
      linkStages.push(['link native', () => linkNative(files.c, files.native, { defines: options.defines, progress })]);
    }
    return linkStages;
  });
}

/**
 * The native decompression tool (`efistub decompress`/`extract`): the stub's decoders from
 * stub-src/tools/decompress-main.ts, linked with the Linux host runtime as outDir/efistub-decompress.
 */
export function buildDecompressTool(options: { sourceDir: string; outDir: string; progress?: (line: string) => void }): BuildResult & { tool?: string } {
  const tool = join(options.outDir, 'efistub-decompress');
  const result = runStages({ ...options, entry: join(options.sourceDir, 'tools', 'decompress-main.ts') },
    (files, progress) => [['link tool', () => linkDecompressTool(files.c, tool, { progress })]]);
  return result.diagnostics.length ? result : { ...result, tool };
}

interface StageFiles { js: string; wasm: string; c: string; efi: string; native: string }

function runStages(options: BuildOptions,
  linkStages: (files: StageFiles, progress: (line: string) => void) => [string, () => Diagnostic[]][]): BuildResult {
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
    ['bundle', () => bundleStub(sourceDir, options.entry ?? join(sourceDir, 'main.ts'), files.js)],
    ['porffor', () => compileJsToWasm(files.js, files.wasm, join(sourceDir, 'host.d.ts'))],
    ['validate', () => validateWasm(files.wasm)],
    ['wasm2c', () => wasmToC(files.wasm, files.c)],
  ];
  stages.push(...linkStages(files, progress));
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
