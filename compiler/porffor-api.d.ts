/**
 * @fileoverview Types for the parts of porffor's programmatic API the porffor stage uses
 * (porffor ships JavaScript only). createImport's sixth parameter comes from
 * patches/porffor/001-import-real-names.patch.
 */
declare module 'porffor/compiler/builtins.js' {
  export function createImport(name: string, params: number, returns: number, js: null, c: null,
    wasmName: { module: string; field: string }): void;
}
declare module 'porffor/compiler/index.js' {
  const compile: (source: string, module: boolean) => { wasm: Uint8Array; funcs: unknown[] };
  export default compile;
}
