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
/** 32-byte steps per block: see adler32Update for the bound. */
const ADLER32_BLOCK_STEPS: number = 4;
const ADLER32_BLOCK_BYTES: number = ADLER32_BLOCK_STEPS * 32;
const ADLER32_CHUNK: number = 21 * ADLER32_BLOCK_BYTES;

/**
 * Continues an Adler-32 over bytes[start, end): pass 1 to start (the initial value), or the value
 * a previous call returned. Returns the checksum as an unsigned number.
 *
 * Blocks of 128 bytes, four steps of 32, read as four 64-bit words a step (ES104; porffor
 * patches 013 and 020: one load each, and one bounds check for the four, which share a base).
 * A word's bytes make two vectors of four 16-bit lanes: its even bytes (0, 2, 4, 6) and its odd
 * bytes (1, 3, 5, 7); their sum is the word's pair sums. Only the odd vector is extracted, a
 * shift and a mask: the word itself is its even vector plus 256 times its odd one, so sums of
 * raw words, wrapping at 2^64, give the pair sums of a block as raw - 255 · odd, exactly (every
 * lane of the result fits its 16 bits, and the identity holds modulo 2^64). Four values add up
 * through a block: the raw words, the odd vectors, and each of them as it stood before each
 * word (with words w_0 .. w_15: Σ_k Σ_{j<k} w_j), all additions; the block's pair sums `total`
 * and their prefix sums `prefix` follow once a block. Then, with low the value it had before the
 * block and S, P, O and J the sums of the lanes of total, prefix, odd and of total weighted by
 * lane number (lane j holding bytes 2j and 2j + 1 of each word):
 *   low  gains  S,
 *   high gains  Σ_k (8 · (low + Σ_{j<k} pairs(w_j)) + weighted(w_k))  = 128·low + 8·P + 8·S - 2·J - O,
 * since a word's byte i weighs 8 - i: even byte 2j weighs 8 - 2j, odd byte 2j + 1 one less, and
 * Σ_j (8 - 2j) · total_j - O is that for every word at once (weighting is linear).
 * No lane of the exact vectors carries into the next: a lane of total holds at most 510 · 16
 * (8,160), of odd 4,080 and of prefix 510 · (0 + 1 + ... + 15) = 61,200, all below 2^16. S and J
 * are the top lane of total times 0x0001000100010001 and 0x0000000100020003 (no lane of either
 * product passes 6 · 8,160 = 48,960, so none carries), O likewise; P can pass 2^16 and is summed
 * from 32-bit lanes.
 * Instructions a byte (lzo's payload): byte by byte six, a closed form per step 2.79, four vectors
 * of sixteen bytes a step weighted by nine multiplies once a block 2.26, pair sums a word 1.57,
 * raw words 1.40.
 */
export function adler32Update(previous: number, bytes: Uint8Array, start: number, end: number): number {
  let low = previous & 0xffff;
  let high = (previous >>> 16) & 0xffff;
  let p = start;
  while (p < end) {
    let chunkEnd = (p + ADLER32_CHUNK) | 0;
    if (chunkEnd > end || chunkEnd < p) chunkEnd = end;
    while (((chunkEnd - p) | 0) >= ADLER32_BLOCK_BYTES) {
      // Raw sums of the words (wrapping; see above) and of their odd bytes, with their prefixes.
      let total: bigint = 0n;
      let prefix: bigint = 0n;
      let odd: bigint = 0n;
      let oddPrefix: bigint = 0n;
      for (let step = 0; step < ADLER32_BLOCK_STEPS; step++) {
        const first: bigint = BigInt((bytes[p] | (bytes[(p + 1) | 0] << 8) | (bytes[(p + 2) | 0] << 16) |
          (bytes[(p + 3) | 0] << 24)) >>> 0) | BigInt.asUintN(64, BigInt((bytes[(p + 4) | 0] | (bytes[(p + 5) | 0] << 8) |
          (bytes[(p + 6) | 0] << 16) | (bytes[(p + 7) | 0] << 24)) >>> 0) << 32n);
        const second: bigint = BigInt((bytes[(p + 8) | 0] | (bytes[(p + 9) | 0] << 8) | (bytes[(p + 10) | 0] << 16) |
          (bytes[(p + 11) | 0] << 24)) >>> 0) | BigInt.asUintN(64, BigInt((bytes[(p + 12) | 0] | (bytes[(p + 13) | 0] << 8) |
          (bytes[(p + 14) | 0] << 16) | (bytes[(p + 15) | 0] << 24)) >>> 0) << 32n);
        const third: bigint = BigInt((bytes[(p + 16) | 0] | (bytes[(p + 17) | 0] << 8) | (bytes[(p + 18) | 0] << 16) |
          (bytes[(p + 19) | 0] << 24)) >>> 0) | BigInt.asUintN(64, BigInt((bytes[(p + 20) | 0] | (bytes[(p + 21) | 0] << 8) |
          (bytes[(p + 22) | 0] << 16) | (bytes[(p + 23) | 0] << 24)) >>> 0) << 32n);
        const fourth: bigint = BigInt((bytes[(p + 24) | 0] | (bytes[(p + 25) | 0] << 8) | (bytes[(p + 26) | 0] << 16) |
          (bytes[(p + 27) | 0] << 24)) >>> 0) | BigInt.asUintN(64, BigInt((bytes[(p + 28) | 0] | (bytes[(p + 29) | 0] << 8) |
          (bytes[(p + 30) | 0] << 16) | (bytes[(p + 31) | 0] << 24)) >>> 0) << 32n);
        // total and odd before each of the four words
        const afterFirst: bigint = BigInt.asUintN(64, total + first);
        const afterSecond: bigint = BigInt.asUintN(64, afterFirst + second);
        const afterThird: bigint = BigInt.asUintN(64, afterSecond + third);
        prefix = BigInt.asUintN(64, prefix + total + afterFirst + afterSecond + afterThird);
        total = BigInt.asUintN(64, afterThird + fourth);
        const firstOdd: bigint = (BigInt.asUintN(64, first) >> 8n) & 0x00ff00ff00ff00ffn;
        const secondOdd: bigint = (BigInt.asUintN(64, second) >> 8n) & 0x00ff00ff00ff00ffn;
        const thirdOdd: bigint = (BigInt.asUintN(64, third) >> 8n) & 0x00ff00ff00ff00ffn;
        const fourthOdd: bigint = (BigInt.asUintN(64, fourth) >> 8n) & 0x00ff00ff00ff00ffn;
        const oddAfterFirst: bigint = BigInt.asUintN(64, odd + firstOdd);
        const oddAfterSecond: bigint = BigInt.asUintN(64, oddAfterFirst + secondOdd);
        const oddAfterThird: bigint = BigInt.asUintN(64, oddAfterSecond + thirdOdd);
        oddPrefix = BigInt.asUintN(64, oddPrefix + odd + oddAfterFirst + oddAfterSecond + oddAfterThird);
        odd = BigInt.asUintN(64, oddAfterThird + fourthOdd);
        p = (p + 32) | 0;
      }
      // The pair sums (even + odd bytes, lane by lane) of the block and of its prefixes.
      const pairs: bigint = BigInt.asUintN(64, total - odd * 255n);
      const pairPrefix: bigint = BigInt.asUintN(64, prefix - oddPrefix * 255n);
      const sum = Number(BigInt.asUintN(32, BigInt.asUintN(64, pairs * 0x0001000100010001n) >> 48n));
      const laneWeighted = Number(BigInt.asUintN(32, BigInt.asUintN(64, pairs * 0x0000000100020003n) >> 48n));
      const oddSum = Number(BigInt.asUintN(32, BigInt.asUintN(64, odd * 0x0001000100010001n) >> 48n));
      const prefixHalves: bigint = BigInt.asUintN(64, (pairPrefix & 0x0000ffff0000ffffn) +
        ((BigInt.asUintN(64, pairPrefix) >> 16n) & 0x0000ffff0000ffffn));
      const prefixSum = Number(BigInt.asUintN(32, BigInt.asUintN(64, prefixHalves + (BigInt.asUintN(64, prefixHalves) >> 32n))));
      high = (high + (low << 7) + (prefixSum << 3) + (sum << 3) - (laneWeighted << 1) - oddSum) | 0;
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
