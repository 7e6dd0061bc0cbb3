/**
 * @fileoverview Stage "validate": checks out/stub.wasm with wabt's wasm-validate before wasm2c.
 *
 * porffor can emit invalid Wasm (see DESIGN.md); wasm2c's reaction to that is an abort or, worse,
 * C that compiles into something else. Validating first turns it into a named stage failure.
 * Exception handling is enabled because porffor's output uses tags and try blocks.
 */
import type { Diagnostic } from './diagnostics.ts';
import { runTool } from './tools.ts';

export const VALIDATE_FAILED = 501;

export function validateWasm(wasmPath: string): Diagnostic[] {
  return runTool('validate', VALIDATE_FAILED, wasmPath, 'wasm-validate', ['--enable-exceptions', wasmPath],
    'wasm-validate').diagnostics;
}
