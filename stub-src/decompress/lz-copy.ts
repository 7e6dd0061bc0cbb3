/**
 * @fileoverview The LZ77 match copy that inflate, LZ4, LZO, zstd and LZMA share: `length` bytes from
 * `distance` back, where a match longer than its distance repeats the bytes it is writing.
 *
 * Bulk copies are `Uint8Array.prototype.copyWithin`, which porffor patch 012 compiles to one
 * memory.copy (a memmove) and Node runs natively: the byte loops it replaces were the decoders'
 * hottest code (a dependent load after each store). copyWithin copies its source as it was
 * before the copy, so an overlapping match is copied in chunks that never overlap their
 * destination: output[from, op) always holds whole periods of the repeated pattern, so each
 * chunk extends it and doubles what the next one may take.
 *
 * Copies of up to LZ_SHORT_COPY bytes stay byte loops in the decoders' own loops: a call, its
 * register saves and the copy's checks cost more than the bytes, most under QEMU's TCG (the
 * boot path), where every stack access is a soft-MMU lookup. A forward byte loop is itself the
 * LZ77 copy, overlapping or not. A copy that cannot overlap (literals; a match no longer than
 * its distance) is instead one copyWithin / set(subarray) written in the decoder's loop: no
 * call, and the wasm2c stage copies up to 64 bytes inline with two or four word moves (every
 * decoder does this; LZ4's stage under TCG went 444 -> 358 ms, natively about 1.3 -> 2.3 GB/s,
 * with the first 16 bytes inline; BENCHMARKS.md).
 */

/** The longest copy a decoder writes as a byte loop (see above). */
export const LZ_SHORT_COPY = 16;
/** The longest copy the wasm2c stage writes inline, with no call (compiler/wasm2c.ts inlineSmallMemoryCopy). */
const LZ_INLINE_COPY = 64;

/**
 * Copies output[op - distance, …) to output[op, op + length), forward; returns op + length.
 * The caller has checked 1 <= distance <= op and op + length <= the end it writes to.
 */
export function lzCopyMatch(output: Uint8Array, op: number, distance: number, length: number): number {
  const from = (op - distance) | 0;
  const end = (op + length) | 0;
  if (distance >= length) {
    output.copyWithin(op, from, (from + length) | 0);
    return end;
  }
  if (distance === 1 && length > LZ_INLINE_COPY) {
    // A run of one byte (zeros, mostly): one memory.fill (porffor patch 023), which reads nothing.
    output.fill(output[from], op, end);
    return end;
  }
  let at = op;
  while (at < end) {
    let chunk = (at - from) | 0;
    if (chunk > ((end - at) | 0)) chunk = (end - at) | 0;
    output.copyWithin(at, from, (from + chunk) | 0);
    at = (at + chunk) | 0;
  }
  return end;
}

/**
 * Writes `value` to output[at, at + length): one memory.fill (porffor patch 023; zstd's RLE
 * blocks and RLE literals, more than half of Debian's zstd kernel payload). The caller has checked
 * at + length <= the end it writes to; length 0 writes nothing.
 */
export function lzFill(output: Uint8Array, at: number, value: number, length: number): void {
  // A negative end would count from the array's end.
  if (length <= 0) return;
  output.fill(value, at, (at + length) | 0);
}
