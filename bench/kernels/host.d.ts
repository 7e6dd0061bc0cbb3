/**
 * @fileoverview The benchmark kernels touch nothing outside their buffers: no host functions.
 * (The pipeline needs a host.d.ts; an empty one keeps the Wasm free of imports, so bench/driver.c
 * links the same way whichever value type porffor used.)
 */
