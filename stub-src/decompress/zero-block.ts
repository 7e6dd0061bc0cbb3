/**
 * @fileoverview Runs of all-zero 128-byte blocks, which the checksums pass over: about half the
 * 128-byte blocks of Debian's kernel image are zero (padding between sections and pages), and
 * Adler-32 and CRC-32 advance over zero bytes by a formula (adler32.ts) or four table lookups a
 * block (crc32.ts) instead of 128 bytes' worth of work a block.
 *
 * A checksum loop tests a block's first 8 bytes itself, one compare of a word with 0 (clang
 * merges the eight byte reads), and calls zeroBlocksFrom only when they are zero: a block with
 * data costs one compare more, a run of zero blocks one call. The test stays apart from the
 * loop's own reads of the block: Adler-32 with one test of all sixteen of its words kept them
 * live across it, on the stack. A call a run, not a block: with one a block, lzo's Adler-32 took
 * 61.1M instructions for Debian's payload, with one a run 49.1M (48.1M with the test written
 * out in adler32.ts alone; 81.8M with no test).
 */

/** Bytes a zero block spans: sixteen 64-bit words. */
export const ZERO_BLOCK_BYTES = 128;

/**
 * The bytes from `start` to the first block of ZERO_BLOCK_BYTES, at start, start + 128, ..., that
 * holds a byte other than zero, or that would pass `end`: a multiple of 128, 0 when the block at
 * start is not all zero. bytes[start, end) must lie inside `bytes`. Sixteen 64-bit reads a block at one index base
 * (porffor patch 020; one bounds check for them, compiler/wasm2c.ts checkAccessBases), or'ed.
 */
export function zeroBlocksFrom(bytes: Uint8Array, start: number, end: number): number {
  let p = start;
  while (((end - p) | 0) >= ZERO_BLOCK_BYTES) {
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
    const any: bigint = w0 | w1 | w2 | w3 | w4 | w5 | w6 | w7 | w8 | w9 | w10 | w11 | w12 | w13 | w14 | w15;
    if ((Number(BigInt.asUintN(32, any)) | Number(BigInt.asUintN(32, BigInt.asUintN(64, any) >> 32n))) !== 0) break;
    p = (p + ZERO_BLOCK_BYTES) | 0;
  }
  return (p - start) | 0;
}
