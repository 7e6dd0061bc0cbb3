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
  // funcs: the functions compiled, each with its name in the source and its Wasm function index.
  const compile: (source: string, module: boolean) => { wasm: Uint8Array; funcs: { name: string; index: number }[] };
  export default compile;
}
