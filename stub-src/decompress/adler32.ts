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
    // Sixteen bytes a step, read as two 64-bit words (ES104; porffor patches 013 and 020: one
    // load and one bounds check each). A step's effect on the sums is closed-form:
    // low gains the bytes' sum, and high gains 16·low + 16·b0 + 15·b1 + ... + 1·b15. Both come
    // from 64-bit multiplies of the bytes spread into four 16-bit lanes (even: bytes 0, 2, 4, 6 of
    // a word, odd: 1, 3, 5, 7): the top lane of (x0 + x1·2^16 + x2·2^32 + x3·2^48) times
    // (c0 + c1·2^16 + c2·2^32 + c3·2^48) is x0·c3 + x1·c2 + x2·c1 + x3·c0 (mod 2^16), so a
    // multiplier with the weights in reverse lane order gives the weighted sum of four bytes.
    // Nothing carries between lanes: summed over the four products a lane holds at most 255·16
    // times 16 terms (65,280), and the top lane's exact value is at most 255·136 (34,680).
    // Byte by byte was six instructions a byte, 32-bit lanes (two bytes a multiply) 4.65.
    const chunkEnd16 = (chunkEnd - 15) | 0;
    while (p < chunkEnd16) {
      const first: bigint = BigInt((bytes[p] | (bytes[(p + 1) | 0] << 8) | (bytes[(p + 2) | 0] << 16) |
        (bytes[(p + 3) | 0] << 24)) >>> 0) | BigInt.asUintN(64, BigInt((bytes[(p + 4) | 0] | (bytes[(p + 5) | 0] << 8) |
        (bytes[(p + 6) | 0] << 16) | (bytes[(p + 7) | 0] << 24)) >>> 0) << 32n);
      const second: bigint = BigInt((bytes[(p + 8) | 0] | (bytes[(p + 9) | 0] << 8) | (bytes[(p + 10) | 0] << 16) |
        (bytes[(p + 11) | 0] << 24)) >>> 0) | BigInt.asUintN(64, BigInt((bytes[(p + 12) | 0] | (bytes[(p + 13) | 0] << 8) |
        (bytes[(p + 14) | 0] << 16) | (bytes[(p + 15) | 0] << 24)) >>> 0) << 32n);
      const even0: bigint = first & 0x00ff00ff00ff00ffn;
      const odd0: bigint = (BigInt.asUintN(64, first) >> 8n) & 0x00ff00ff00ff00ffn;
      const even1: bigint = second & 0x00ff00ff00ff00ffn;
      const odd1: bigint = (BigInt.asUintN(64, second) >> 8n) & 0x00ff00ff00ff00ffn;
      const sum = Number(BigInt.asUintN(32, BigInt.asUintN(64, BigInt.asUintN(64, even0 + odd0 + even1 + odd1) *
        0x0001000100010001n) >> 48n));
      const weighted = Number(BigInt.asUintN(32, BigInt.asUintN(64, even0 * 0x0010000e000c000an +
        odd0 * 0x000f000d000b0009n + even1 * 0x0008000600040002n + odd1 * 0x0007000500030001n) >> 48n));
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
