/**
 * @fileoverview lowBitMasks[n] = (1 << n) - 1 for n = 0..31: the mask of an n-bit field that a
 * decoder takes from the bottom of its bit buffer.
 *
 * Computed, the mask is four instructions on x86-64: -1 into a register, n moved into cl, a shift
 * by cl and a not (the x86-64 baseline the stub is built for has no BMI2 `bzhi`). Read from this
 * table, it is a memory operand of the `and` that applies it: the table is top-level, so at an
 * address fixed at compile time (porffor patch 019), and an index masked to 0..31 (or already
 * below 16) lets the wasm2c stage drop the read's bounds check (compiler/wasm2c.ts,
 * RT_IN_INITIAL). zstd's sequences take six such fields a sequence, inflate one or two a match.
 */
export const lowBitMasks = new Int32Array(new ArrayBuffer(32 * 4));

function buildLowBitMasks(): void {
  for (let bits = 0; bits < 32; bits++) lowBitMasks[bits] = ((1 << bits) - 1) | 0;
}
buildLowBitMasks();
