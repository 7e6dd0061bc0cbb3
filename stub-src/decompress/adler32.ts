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
    // Sixteen bytes a step, read as four words (porffor patch 013: one load and one bounds check
    // each). A step's effect on the sums is closed-form: low gains the bytes' sum, and high gains
    // 16·low + 16·b0 + 15·b1 + ... + 1·b15. Both come from 32-bit multiplies on the bytes spread
    // into 16-bit lanes (even: bytes 0 and 2 of a word, odd: 1 and 3): the upper half of
    // (x + y·2^16)(c + d·2^16) is x·d + y·c (mod 2^16), and nothing carries between the lanes
    // (the lower halves add up to at most 255·60, the upper ones to 255·136, both below 2^16).
    // Byte by byte, one add to each sum in a dependent chain, was six instructions a byte.
    const chunkEnd16 = (chunkEnd - 15) | 0;
    while (p < chunkEnd16) {
      const word0 = bytes[p] | (bytes[(p + 1) | 0] << 8) | (bytes[(p + 2) | 0] << 16) | (bytes[(p + 3) | 0] << 24);
      const word1 = bytes[(p + 4) | 0] | (bytes[(p + 5) | 0] << 8) | (bytes[(p + 6) | 0] << 16) |
        (bytes[(p + 7) | 0] << 24);
      const word2 = bytes[(p + 8) | 0] | (bytes[(p + 9) | 0] << 8) | (bytes[(p + 10) | 0] << 16) |
        (bytes[(p + 11) | 0] << 24);
      const word3 = bytes[(p + 12) | 0] | (bytes[(p + 13) | 0] << 8) | (bytes[(p + 14) | 0] << 16) |
        (bytes[(p + 15) | 0] << 24);
      const even0 = word0 & 0x00ff00ff;
      const odd0 = (word0 >>> 8) & 0x00ff00ff;
      const even1 = word1 & 0x00ff00ff;
      const odd1 = (word1 >>> 8) & 0x00ff00ff;
      const even2 = word2 & 0x00ff00ff;
      const odd2 = (word2 >>> 8) & 0x00ff00ff;
      const even3 = word3 & 0x00ff00ff;
      const odd3 = (word3 >>> 8) & 0x00ff00ff;
      const sum = Math.imul((even0 + odd0 + even1 + odd1 + even2 + odd2 + even3 + odd3) | 0, 0x10001) >>> 16;
      const weighted = ((Math.imul(even0, 0x10000e) + Math.imul(odd0, 0xf000d) + Math.imul(even1, 0xc000a) +
        Math.imul(odd1, 0xb0009) + Math.imul(even2, 0x80006) + Math.imul(odd2, 0x70005) + Math.imul(even3, 0x40002) +
        Math.imul(odd3, 0x30001)) | 0) >>> 16;
      high = (high + (low << 4) + weighted) | 0;
      low = (low + sum) | 0;
      p = (p + 16) | 0;
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
