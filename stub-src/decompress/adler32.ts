/**
 * @fileoverview Adler-32 (RFC 1950 §8.2 / §9): two sums modulo 65521, the checksum lzop uses
 * for its header and, by default, for each block's uncompressed data.
 *
 * The modulo is taken once per ADLER32_CHUNK bytes rather than per byte: 5552 is the largest n
 * for which 255·n(n+1)/2 + (n+1)(65520) stays below 2^32, so the sums cannot overflow an unsigned
 * 32-bit value in between (zlib's NMAX). Here the sums are kept below 2^31 as well by reducing
 * every 2776 bytes (half of it), so a signed int32 (`| 0`) never wraps and `%` needs no unsigned
 * operand.
 */

const ADLER32_MODULUS = 65521;
const ADLER32_CHUNK = 2776;

/**
 * Continues an Adler-32 over bytes[start, end): pass 1 to start (the initial value), or the value
 * a previous call returned. Returns the checksum as an unsigned number.
 */
export function adler32Update(previous: number, bytes: Uint8Array, start: number, end: number): number {
  let low = previous & 0xffff;
  let high = (previous >>> 16) & 0xffff;
  let p = start;
  while (p < end) {
    let chunkEnd = (p + ADLER32_CHUNK) | 0;
    if (chunkEnd > end || chunkEnd < p) chunkEnd = end;
    // Four bytes a step, read as one word (porffor patch 013: one load and one bounds check
    // instead of four) and taken apart with shifts.
    const chunkEnd4 = (chunkEnd - 3) | 0;
    while (p < chunkEnd4) {
      const word = bytes[p] | (bytes[(p + 1) | 0] << 8) | (bytes[(p + 2) | 0] << 16) | (bytes[(p + 3) | 0] << 24);
      low = (low + (word & 255)) | 0;
      high = (high + low) | 0;
      low = (low + ((word >>> 8) & 255)) | 0;
      high = (high + low) | 0;
      low = (low + ((word >>> 16) & 255)) | 0;
      high = (high + low) | 0;
      low = (low + (word >>> 24)) | 0;
      high = (high + low) | 0;
      p = (p + 4) | 0;
    }
    while (p < chunkEnd) {
      low = (low + bytes[p]) | 0;
      high = (high + low) | 0;
      p = (p + 1) | 0;
    }
    low = low % ADLER32_MODULUS;
    high = high % ADLER32_MODULUS;
  }
  return ((high << 16) | low) >>> 0;
}
