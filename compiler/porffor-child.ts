/**
 * @fileoverview The porffor compiler run in a process of its own (spawned by porffor.ts).
 *
 * porffor keeps its whole state in globals and reads its options from process.argv when first
 * imported, so each compilation gets a fresh process: options cannot leak between builds or
 * tests, and the import registry starts empty. Arguments: INPUT.js OUTPUT.wasm HOST.d.ts
 * [--valtype=f64 | --typed]: --typed compiles a typed bundle (compiler/bundle.ts keepTypes:
 * TypeScript with its exact annotations) with --parse-types --opt-types (patch 008), the way
 * porffor.ts runs a typed bundle; --valtype=f64 (bench/build.ts only) builds the way the
 * project did before it used i32.
 * Functions the bundle names on its NOINLINE_LINE and BMI2_LINE (`@noinline` and `@bmi2` JSDoc
 * tags in the sources) are listed by Wasm index in custom sections of the output
 * (compiler/wasm-data.ts), for the wasm2c stage; a name porffor's output has no function of fails
 * the stage.
 * Prints a JSON line {ok, message?, functions?} on stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readHostImports } from './host-imports.ts';
import { appendFunctionListSection, BMI2_LINE, BMI2_SECTION, NOINLINE_LINE, NOINLINE_SECTION } from './wasm-data.ts';

const [inputPath, outputPath, hostDtsPath, valtypeOverride] = process.argv.slice(2);
if (valtypeOverride !== undefined && valtypeOverride !== '--valtype=f64' && valtypeOverride !== '--typed') {
  throw new Error(`porffor-child: unknown option ${valtypeOverride}`);
}
// porffor options: an ES module whose exports become Wasm exports; every host import kept
// even when unused, so the C runtimes always see the same import list (and the instantiate
// signature does not change with what the stub happens to call); numbers are i32 (the stub is
// integer code: see compiler/subset-rules.md and patches/porffor/006-i32-valtype-bridge), so
// host imports take and return u32 bit patterns and exports take (i32 value, i32 type) pairs.
// --exception-mode=lut: porffor's own throws (the subset has none) carry an id instead of an
// error object; the runtimes can only trap on one anyway, and the error constructors would pull
// porffor's string and object builtins into the stub.
process.argv.push('--module', '--no-treeshake-wasm-imports', '--exception-mode=lut');
if (valtypeOverride !== '--valtype=f64') process.argv.push('--valtype=i32');
if (valtypeOverride === '--typed') process.argv.push('--parse-types', '--opt-types');

const { createImport } = await import('porffor/compiler/builtins.js');
const compile = (await import('porffor/compiler/index.js')).default;

try {
  for (const hostImport of readHostImports(hostDtsPath)) {
    createImport(hostImport.name, hostImport.params.length, hostImport.returnsValue ? 1 : 0, null, null,
      { module: hostImport.wasmModule, field: hostImport.wasmField });
  }
  const source = readFileSync(inputPath, 'utf8');
  const output = compile(source, true);
  // The functions the bundle names as @noinline and @bmi2 (compiler/bundle.ts), by their Wasm index.
  const header = source.split('\n', 3);
  let wasm: Uint8Array = output.wasm;
  for (const [line, tag, section] of [[NOINLINE_LINE, 'noinline', NOINLINE_SECTION], [BMI2_LINE, 'bmi2', BMI2_SECTION]]) {
    const names = header.find((text) => text.startsWith(line))?.slice(line.length).trim().split(' ') ?? [];
    const indices = names.map((name) => {
      const found = output.funcs.find((func) => func.name === name);
      if (!found) throw new Error(`the @${tag} function ${name} is not a function of the compiled module`);
      return found.index;
    });
    if (indices.length) wasm = appendFunctionListSection(wasm, section, indices);
  }
  writeFileSync(outputPath, Buffer.from(wasm));
  console.log(JSON.stringify({ ok: true, functions: output.funcs.length }));
} catch (error) {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.log(JSON.stringify({ ok: false, message }));
  process.exitCode = 1;
}
