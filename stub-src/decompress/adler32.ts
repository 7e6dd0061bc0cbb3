/**
 * @fileoverview Adler-32 (RFC 1950 §8.2 / §9): two sums modulo 65521, the checksum lzop uses
 * for its header and, by default, for each block's uncompressed data.
 *
 * The modulo is taken once per ADLER32_CHUNK bytes rather than per byte: 5552 is the largest n
 * for which 255·n(n+1)/2 + (n+1)(65520) stays below 2^32, so the sums cannot overflow an unsigned
 * 32-bit value in between (zlib's NMAX). Here the sums are kept below 2^31 as well by reducing
 * every 2688 bytes (21 of adler32Update's 128-byte blocks; 2776, half of NMAX, is the most that
 * keeps them there), so a signed int32 (`| 0`) never wraps and `%` needs no unsigned operand.
 */

const ADLER32_MODULUS = 65521;
/** 16-byte steps per block: see adler32Update for the bound. */
const ADLER32_BLOCK_STEPS: number = 8;
const ADLER32_BLOCK_BYTES: number = ADLER32_BLOCK_STEPS * 16;
const ADLER32_CHUNK: number = 21 * ADLER32_BLOCK_BYTES;

/**
 * Continues an Adler-32 over bytes[start, end): pass 1 to start (the initial value), or the value
 * a previous call returned. Returns the checksum as an unsigned number.
 *
 * Blocks of 128 bytes, eight steps of sixteen, read as two 64-bit words a step (ES104; porffor
 * patches 013 and 020: one load and one bounds check each). A step's bytes are spread into four
 * vectors of four 16-bit lanes, by position in the step: even0 holds bytes 0, 2, 4, 6, odd0 bytes
 * 1, 3, 5, 7, even1 bytes 8, 10, 12, 14 and odd1 bytes 9, 11, 13, 15. In the step loop each vector
 * is only added, lane by lane, to its own running total for the block, and `prefix` gains the
 * four totals as they stood before the step: additions, no multiply. Once a block, the totals
 * give the block's effect on the sums, with low the value it had before the block and s_k the
 * byte sum of step k:
 *   low  gains  S = Σ s_k                                     (the lanes of all four totals),
 *   high gains  Σ_k (16 · (low + Σ_{j<k} s_j) + weighted_k)  = 128·low + 16·P + W,
 * where P = Σ_k Σ_{j<k} s_j is the sum of the lanes of `prefix`, and W = Σ_k weighted_k (a step's
 * byte b_i weighs 16 - i) is, since weighting is linear, the totals weighted by position.
 * No lane carries into the next: a total's lane holds at most 255 · 8 (2,040), the four totals'
 * sum's 8,160, and prefix's 1,020 · (0 + 1 + ... + 7) = 28,560, all below 2^16. S is the top
 * lane of the lanes' sum times 0x0001000100010001 (each partial sum of lanes at most 32,640).
 * P and W can pass 2^16, so they are taken from 32-bit lanes: the even and odd 16-bit lanes
 * masked apart, and for W each half times its lanes' weights in reverse order, so that the top
 * 32 bits of a product are a0 · c1 + a1 · c0 (the low lane, at most 2,040 · 16 · 8, never
 * carries). Byte by byte was six instructions a byte, a closed form per step 2.79, these blocks
 * 2.56 (clang unrolls the step loop by four; a third of it is the reads' bounds checks).
 */
export function adler32Update(previous: number, bytes: Uint8Array, start: number, end: number): number {
  let low = previous & 0xffff;
  let high = (previous >>> 16) & 0xffff;
  let p = start;
  while (p < end) {
    let chunkEnd = (p + ADLER32_CHUNK) | 0;
    if (chunkEnd > end || chunkEnd < p) chunkEnd = end;
    while (((chunkEnd - p) | 0) >= ADLER32_BLOCK_BYTES) {
      let even0: bigint = 0n;
      let odd0: bigint = 0n;
      let even1: bigint = 0n;
      let odd1: bigint = 0n;
      let prefix: bigint = 0n;
      for (let step = 0; step < ADLER32_BLOCK_STEPS; step++) {
        const first: bigint = BigInt((bytes[p] | (bytes[(p + 1) | 0] << 8) | (bytes[(p + 2) | 0] << 16) |
          (bytes[(p + 3) | 0] << 24)) >>> 0) | BigInt.asUintN(64, BigInt((bytes[(p + 4) | 0] | (bytes[(p + 5) | 0] << 8) |
          (bytes[(p + 6) | 0] << 16) | (bytes[(p + 7) | 0] << 24)) >>> 0) << 32n);
        const second: bigint = BigInt((bytes[(p + 8) | 0] | (bytes[(p + 9) | 0] << 8) | (bytes[(p + 10) | 0] << 16) |
          (bytes[(p + 11) | 0] << 24)) >>> 0) | BigInt.asUintN(64, BigInt((bytes[(p + 12) | 0] | (bytes[(p + 13) | 0] << 8) |
          (bytes[(p + 14) | 0] << 16) | (bytes[(p + 15) | 0] << 24)) >>> 0) << 32n);
        prefix = BigInt.asUintN(64, prefix + even0 + odd0 + even1 + odd1);
        even0 = BigInt.asUintN(64, even0 + (first & 0x00ff00ff00ff00ffn));
        odd0 = BigInt.asUintN(64, odd0 + ((BigInt.asUintN(64, first) >> 8n) & 0x00ff00ff00ff00ffn));
        even1 = BigInt.asUintN(64, even1 + (second & 0x00ff00ff00ff00ffn));
        odd1 = BigInt.asUintN(64, odd1 + ((BigInt.asUintN(64, second) >> 8n) & 0x00ff00ff00ff00ffn));
        p = (p + 16) | 0;
      }
      const sum = Number(BigInt.asUintN(32, BigInt.asUintN(64, BigInt.asUintN(64, even0 + odd0 + even1 + odd1) *
        0x0001000100010001n) >> 48n));
      const prefixHalves: bigint = BigInt.asUintN(64, (prefix & 0x0000ffff0000ffffn) +
        ((BigInt.asUintN(64, prefix) >> 16n) & 0x0000ffff0000ffffn));
      const prefixSum = Number(BigInt.asUintN(32, BigInt.asUintN(64, prefixHalves + (BigInt.asUintN(64, prefixHalves) >> 32n))));
      // Lane weights: even0 16, 14, 12, 10; odd0 15, 13, 11, 9; even1 8, 6, 4, 2; odd1 7, 5, 3, 1.
      // The low half of a vector holds its lanes 0 and 2, the high half lanes 1 and 3.
      const weighted = Number(BigInt.asUintN(32, BigInt.asUintN(64,
        (even0 & 0x0000ffff0000ffffn) * 0x000000100000000cn + ((BigInt.asUintN(64, even0) >> 16n) & 0x0000ffff0000ffffn) * 0x0000000e0000000an +
        (odd0 & 0x0000ffff0000ffffn) * 0x0000000f0000000bn + ((BigInt.asUintN(64, odd0) >> 16n) & 0x0000ffff0000ffffn) * 0x0000000d00000009n +
        (even1 & 0x0000ffff0000ffffn) * 0x0000000800000004n + ((BigInt.asUintN(64, even1) >> 16n) & 0x0000ffff0000ffffn) * 0x0000000600000002n +
        (odd1 & 0x0000ffff0000ffffn) * 0x0000000700000003n + ((BigInt.asUintN(64, odd1) >> 16n) & 0x0000ffff0000ffffn) * 0x0000000500000001n) >> 32n));
      high = (high + (low << 7) + (prefixSum << 4) + weighted) | 0;
      low = (low + sum) | 0;
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
