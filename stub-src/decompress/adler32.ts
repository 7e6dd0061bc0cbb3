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

import { zeroBlocksFrom } from './zero-block';

const ADLER32_MODULUS = 65521;
/** 64-bit words per block: see adler32Update for the bound. */
const ADLER32_BLOCK_WORDS: number = 16;
const ADLER32_BLOCK_BYTES: number = ADLER32_BLOCK_WORDS * 8;
const ADLER32_CHUNK: number = 21 * ADLER32_BLOCK_BYTES;

/**
 * Continues an Adler-32 over bytes[start, end): pass 1 to start (the initial value), or the value
 * a previous call returned. Returns the checksum as an unsigned number.
 *
 * Blocks of 128 bytes, read as sixteen 64-bit words at one index base (ES104; porffor patches
 * 013 and 020: one load each, and one bounds check for the sixteen, compiler/wasm2c.ts
 * checkAccessBases; a base per 32-byte step was four checks and, between them, four basic blocks
 * across which clang kept four of the sums on the stack).
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
 * raw words 1.40, the block's words at one base 1.24, runs of all-zero blocks passed over 0.75.
 */
export function adler32Update(previous: number, bytes: Uint8Array, start: number, end: number): number {
  // The low byte of each 16-bit lane: a word shifted right by 8 and masked with it is its odd bytes.
  const laneLowBytes: bigint = 0x00ff00ff00ff00ffn;
  let low = previous & 0xffff;
  let high = (previous >>> 16) & 0xffff;
  let p = start;
  while (p < end) {
    let chunkEnd = (p + ADLER32_CHUNK) | 0;
    if (chunkEnd > end || chunkEnd < p) chunkEnd = end;
    while (((chunkEnd - p) | 0) >= ADLER32_BLOCK_BYTES) {
      // A run of all-zero blocks (zero-block.ts) leaves low as it is and adds low to high for
      // each of its bytes (no more than the chunk's bytes would: the sums' bound holds).
      if ((bytes[p] | bytes[(p + 1) | 0] | bytes[(p + 2) | 0] | bytes[(p + 3) | 0] | bytes[(p + 4) | 0] |
        bytes[(p + 5) | 0] | bytes[(p + 6) | 0] | bytes[(p + 7) | 0]) === 0) {
        const zeros = zeroBlocksFrom(bytes, p, chunkEnd);
        if (zeros !== 0) {
          high = (high + Math.imul(low, zeros)) | 0;
          p = (p + zeros) | 0;
          continue;
        }
      }
      // The block's words, w0 at p.
      const w0: bigint = BigInt((bytes[p] | (bytes[(p + 1) | 0] << 8) |
        (bytes[(p + 2) | 0] << 16) | (bytes[(p + 3) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 4) | 0] | (bytes[(p + 5) | 0] << 8) |
        (bytes[(p + 6) | 0] << 16) | (bytes[(p + 7) | 0] << 24)) >>> 0) << 32n);
      const w1: bigint = BigInt((bytes[(p + 8) | 0] | (bytes[(p + 9) | 0] << 8) |
        (bytes[(p + 10) | 0] << 16) | (bytes[(p + 11) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 12) | 0] | (bytes[(p + 13) | 0] << 8) |
        (bytes[(p + 14) | 0] << 16) | (bytes[(p + 15) | 0] << 24)) >>> 0) << 32n);
      const w2: bigint = BigInt((bytes[(p + 16) | 0] | (bytes[(p + 17) | 0] << 8) |
        (bytes[(p + 18) | 0] << 16) | (bytes[(p + 19) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 20) | 0] | (bytes[(p + 21) | 0] << 8) |
        (bytes[(p + 22) | 0] << 16) | (bytes[(p + 23) | 0] << 24)) >>> 0) << 32n);
      const w3: bigint = BigInt((bytes[(p + 24) | 0] | (bytes[(p + 25) | 0] << 8) |
        (bytes[(p + 26) | 0] << 16) | (bytes[(p + 27) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 28) | 0] | (bytes[(p + 29) | 0] << 8) |
        (bytes[(p + 30) | 0] << 16) | (bytes[(p + 31) | 0] << 24)) >>> 0) << 32n);
      const w4: bigint = BigInt((bytes[(p + 32) | 0] | (bytes[(p + 33) | 0] << 8) |
        (bytes[(p + 34) | 0] << 16) | (bytes[(p + 35) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 36) | 0] | (bytes[(p + 37) | 0] << 8) |
        (bytes[(p + 38) | 0] << 16) | (bytes[(p + 39) | 0] << 24)) >>> 0) << 32n);
      const w5: bigint = BigInt((bytes[(p + 40) | 0] | (bytes[(p + 41) | 0] << 8) |
        (bytes[(p + 42) | 0] << 16) | (bytes[(p + 43) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 44) | 0] | (bytes[(p + 45) | 0] << 8) |
        (bytes[(p + 46) | 0] << 16) | (bytes[(p + 47) | 0] << 24)) >>> 0) << 32n);
      const w6: bigint = BigInt((bytes[(p + 48) | 0] | (bytes[(p + 49) | 0] << 8) |
        (bytes[(p + 50) | 0] << 16) | (bytes[(p + 51) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 52) | 0] | (bytes[(p + 53) | 0] << 8) |
        (bytes[(p + 54) | 0] << 16) | (bytes[(p + 55) | 0] << 24)) >>> 0) << 32n);
      const w7: bigint = BigInt((bytes[(p + 56) | 0] | (bytes[(p + 57) | 0] << 8) |
        (bytes[(p + 58) | 0] << 16) | (bytes[(p + 59) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 60) | 0] | (bytes[(p + 61) | 0] << 8) |
        (bytes[(p + 62) | 0] << 16) | (bytes[(p + 63) | 0] << 24)) >>> 0) << 32n);
      const w8: bigint = BigInt((bytes[(p + 64) | 0] | (bytes[(p + 65) | 0] << 8) |
        (bytes[(p + 66) | 0] << 16) | (bytes[(p + 67) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 68) | 0] | (bytes[(p + 69) | 0] << 8) |
        (bytes[(p + 70) | 0] << 16) | (bytes[(p + 71) | 0] << 24)) >>> 0) << 32n);
      const w9: bigint = BigInt((bytes[(p + 72) | 0] | (bytes[(p + 73) | 0] << 8) |
        (bytes[(p + 74) | 0] << 16) | (bytes[(p + 75) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 76) | 0] | (bytes[(p + 77) | 0] << 8) |
        (bytes[(p + 78) | 0] << 16) | (bytes[(p + 79) | 0] << 24)) >>> 0) << 32n);
      const w10: bigint = BigInt((bytes[(p + 80) | 0] | (bytes[(p + 81) | 0] << 8) |
        (bytes[(p + 82) | 0] << 16) | (bytes[(p + 83) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 84) | 0] | (bytes[(p + 85) | 0] << 8) |
        (bytes[(p + 86) | 0] << 16) | (bytes[(p + 87) | 0] << 24)) >>> 0) << 32n);
      const w11: bigint = BigInt((bytes[(p + 88) | 0] | (bytes[(p + 89) | 0] << 8) |
        (bytes[(p + 90) | 0] << 16) | (bytes[(p + 91) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 92) | 0] | (bytes[(p + 93) | 0] << 8) |
        (bytes[(p + 94) | 0] << 16) | (bytes[(p + 95) | 0] << 24)) >>> 0) << 32n);
      const w12: bigint = BigInt((bytes[(p + 96) | 0] | (bytes[(p + 97) | 0] << 8) |
        (bytes[(p + 98) | 0] << 16) | (bytes[(p + 99) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 100) | 0] | (bytes[(p + 101) | 0] << 8) |
        (bytes[(p + 102) | 0] << 16) | (bytes[(p + 103) | 0] << 24)) >>> 0) << 32n);
      const w13: bigint = BigInt((bytes[(p + 104) | 0] | (bytes[(p + 105) | 0] << 8) |
        (bytes[(p + 106) | 0] << 16) | (bytes[(p + 107) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 108) | 0] | (bytes[(p + 109) | 0] << 8) |
        (bytes[(p + 110) | 0] << 16) | (bytes[(p + 111) | 0] << 24)) >>> 0) << 32n);
      const w14: bigint = BigInt((bytes[(p + 112) | 0] | (bytes[(p + 113) | 0] << 8) |
        (bytes[(p + 114) | 0] << 16) | (bytes[(p + 115) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 116) | 0] | (bytes[(p + 117) | 0] << 8) |
        (bytes[(p + 118) | 0] << 16) | (bytes[(p + 119) | 0] << 24)) >>> 0) << 32n);
      const w15: bigint = BigInt((bytes[(p + 120) | 0] | (bytes[(p + 121) | 0] << 8) |
        (bytes[(p + 122) | 0] << 16) | (bytes[(p + 123) | 0] << 24)) >>> 0) |
        BigInt.asUintN(64, BigInt((bytes[(p + 124) | 0] | (bytes[(p + 125) | 0] << 8) |
        (bytes[(p + 126) | 0] << 16) | (bytes[(p + 127) | 0] << 24)) >>> 0) << 32n);
      // Raw sums of the words (wrapping; see above) and of their odd bytes, each with its prefix
      // sum: before each word, prefix gains the total of the words before it.
      let total: bigint = 0n;
      let prefix: bigint = 0n;
      let odd: bigint = 0n;
      let oddPrefix: bigint = 0n;
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w0);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w0) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w1);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w1) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w2);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w2) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w3);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w3) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w4);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w4) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w5);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w5) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w6);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w6) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w7);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w7) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w8);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w8) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w9);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w9) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w10);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w10) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w11);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w11) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w12);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w12) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w13);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w13) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w14);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w14) >> 8n) & laneLowBytes));
      prefix = BigInt.asUintN(64, prefix + total);
      total = BigInt.asUintN(64, total + w15);
      oddPrefix = BigInt.asUintN(64, oddPrefix + odd);
      odd = BigInt.asUintN(64, odd + ((BigInt.asUintN(64, w15) >> 8n) & laneLowBytes));
      p = (p + ADLER32_BLOCK_BYTES) | 0;
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
