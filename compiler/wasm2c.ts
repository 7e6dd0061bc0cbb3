/**
 * @fileoverview Stage "wasm2c": out/stub.wasm → out/stub.c + out/stub.h (Debian wabt 1.0.32).
 *
 * The module is named "stub", so the C symbols are Z_stubZ_<export> and the host imports
 * Z_hostZ_<field>, which compiler/runtime/host-*.c implement. wasm-rt.h is copied beside the
 * output so the link stage needs no system include directory (the EFI build has none).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Diagnostic } from './diagnostics.ts';
import { runTool } from './tools.ts';

export const WASM2C_FAILED = 601;
export const WASM2C_RUNTIME_HEADER_MISSING = 602;
const WASM_RT_HEADER = '/usr/include/wasm-rt.h';

export function wasmToC(wasmPath: string, outputC: string): Diagnostic[] {
  mkdirSync(dirname(outputC), { recursive: true });
  // wasm2c names the header after the output file; write both under temporary names first.
  const temporaryC = outputC.replace(/\.c$/, '.tmp.c');
  const run = runTool('wasm2c', WASM2C_FAILED, wasmPath, 'wasm2c',
    ['--enable-exceptions', '-n', 'stub', wasmPath, '-o', temporaryC], 'wasm2c');
  const temporaryH = temporaryC.replace(/\.c$/, '.h');
  if (!run.ok) {
    rmSync(temporaryC, { force: true });
    rmSync(temporaryH, { force: true });
    return run.diagnostics;
  }
  if (!existsSync(WASM_RT_HEADER)) {
    return [{ stage: 'wasm2c', code: WASM2C_RUNTIME_HEADER_MISSING, file: WASM_RT_HEADER, line: 0, column: 0,
      message: 'wasm-rt.h not found: install Debian package \'wabt\'' }];
  }
  const outputH = outputC.replace(/\.c$/, '.h');
  // The C file includes its header by the temporary name: point it at the final one.
  const headerName = outputH.split('/').pop()!;
  const text = readFileSync(temporaryC, 'utf8').replace(`#include "${temporaryH.split('/').pop()}"`, `#include "${headerName}"`);
  writeFileSync(temporaryC, text);
  renameSync(temporaryH, outputH);
  renameSync(temporaryC, outputC);
  copyFileSync(WASM_RT_HEADER, join(dirname(outputC), 'wasm-rt.h'));
  return [];
}
