/**
 * @fileoverview XXH64 (seed 0), zstd's Content_Checksum (RFC 8878 §3.1.1: the low 32 bits of
 * XXH64 of the frame's decompressed content), on 32-bit halves.
 *
 * The stub has no 64-bit integers (no BigInt; i32 Wasm), so every 64-bit value is a (lo, hi)
 * pair of unsigned 32-bit halves and the helpers below leave their result in the module-level
 * zstdXxhLo/zstdXxhHi (a function cannot return two numbers). The algorithm is the one in the
 * xxHash specification (Cyan4973/xxHash doc/xxhash_spec.md, "XXH64 algorithm description"):
 * four lanes over 32-byte stripes, merged, then 8-, 4- and 1-byte tails and the avalanche.
 *
 * 64-bit multiplication mod 2^64: lo*lo needs the full 64-bit product of two 32-bit halves,
 * built from four 16x16-bit products (each below 2^32, so exact both as doubles and as
 * Math.imul's wrapped result); the cross terms lo*hi only matter mod 2^32 (Math.imul).
 * Additions take the carry out of the low half without an unsigned comparison:
 * carry = ((a >>> 1) + (b >>> 1) + (a & b & 1)) >>> 31.
 */

// The five XXH64 primes as (lo, hi) halves.
const ZSTD_XXH_PRIME1_LO = 0x85ebca87;
const ZSTD_XXH_PRIME1_HI = 0x9e3779b1;
const ZSTD_XXH_PRIME2_LO = 0x27d4eb4f;
const ZSTD_XXH_PRIME2_HI = 0xc2b2ae3d;
const ZSTD_XXH_PRIME3_LO = 0x9e3779f9;
const ZSTD_XXH_PRIME3_HI = 0x165667b1;
const ZSTD_XXH_PRIME4_LO = 0xc2b2ae63;
const ZSTD_XXH_PRIME4_HI = 0x85ebca77;
const ZSTD_XXH_PRIME5_LO = 0x165667c5;
const ZSTD_XXH_PRIME5_HI = 0x27d4eb2f;

/** Result of the last 64-bit helper (and of zstdXxh64: the whole hash). */
let zstdXxhLo = 0;
let zstdXxhHi = 0;

/** (aLo, aHi) * (bLo, bHi) mod 2^64 into zstdXxhLo/zstdXxhHi. */
export function zstdXxhMultiply(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const a0 = aLo & 0xffff;
  const a1 = aLo >>> 16;
  const b0 = bLo & 0xffff;
  const b1 = bLo >>> 16;
  const p00 = Math.imul(a0, b0) >>> 0;
  const p01 = Math.imul(a0, b1) >>> 0;
  const p10 = Math.imul(a1, b0) >>> 0;
  const p11 = Math.imul(a1, b1) >>> 0;
  // Bits 16..47 of aLo*bLo: below 3 * 2^16 before the shift, so its top is the carry into hi.
  const middle = ((p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)) | 0;
  zstdXxhLo = ((middle << 16) | (p00 & 0xffff)) >>> 0;
  let hi = (p11 + (p01 >>> 16)) | 0;
  hi = (hi + (p10 >>> 16)) | 0;
  hi = (hi + (middle >>> 16)) | 0;
  hi = (hi + Math.imul(aLo, bHi)) | 0;
  hi = (hi + Math.imul(aHi, bLo)) | 0;
  zstdXxhHi = hi >>> 0;
}

/** (aLo, aHi) + (bLo, bHi) mod 2^64 into zstdXxhLo/zstdXxhHi. */
export function zstdXxhAdd(aLo: number, aHi: number, bLo: number, bHi: number): void {
  const carry = (((aLo >>> 1) + (bLo >>> 1) + (aLo & bLo & 1)) | 0) >>> 31;
  zstdXxhLo = (aLo + bLo) >>> 0;
  zstdXxhHi = (((aHi + bHi) | 0) + carry) >>> 0;
}

/** (lo, hi) rotated left by 1..31 bits into zstdXxhLo/zstdXxhHi. */
export function zstdXxhRotateLeft(lo: number, hi: number, bits: number): void {
  zstdXxhLo = ((lo << bits) | (hi >>> (32 - bits))) >>> 0;
  zstdXxhHi = ((hi << bits) | (lo >>> (32 - bits))) >>> 0;
}

/** High half of the last helper's result (the low half is what they return or read). */
export function zstdXxhResultHi(): number {
  return zstdXxhHi;
}

/** Low half of the last helper's result. */
export function zstdXxhResultLo(): number {
  return zstdXxhLo;
}

/** XXH64's round: rotl(acc + input * PRIME2, 31) * PRIME1, into zstdXxhLo/zstdXxhHi. */
function zstdXxhRound(accLo: number, accHi: number, inputLo: number, inputHi: number): void {
  zstdXxhMultiply(inputLo, inputHi, ZSTD_XXH_PRIME2_LO, ZSTD_XXH_PRIME2_HI);
  zstdXxhAdd(accLo, accHi, zstdXxhLo, zstdXxhHi);
  zstdXxhRotateLeft(zstdXxhLo, zstdXxhHi, 31);
  zstdXxhMultiply(zstdXxhLo, zstdXxhHi, ZSTD_XXH_PRIME1_LO, ZSTD_XXH_PRIME1_HI);
}

/** XXH64's merge of a lane into the hash: (hash ^ round(0, lane)) * PRIME1 + PRIME4. */
function zstdXxhMerge(hashLo: number, hashHi: number, laneLo: number, laneHi: number): void {
  zstdXxhRound(0, 0, laneLo, laneHi);
  zstdXxhMultiply((hashLo ^ zstdXxhLo) >>> 0, (hashHi ^ zstdXxhHi) >>> 0, ZSTD_XXH_PRIME1_LO, ZSTD_XXH_PRIME1_HI);
  zstdXxhAdd(zstdXxhLo, zstdXxhHi, ZSTD_XXH_PRIME4_LO, ZSTD_XXH_PRIME4_HI);
}

/** Little-endian 32-bit word at bytes[at] (the caller keeps at + 3 in range). */
function zstdXxhRead32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[(at + 1) | 0] << 8) | (bytes[(at + 2) | 0] << 16) | (bytes[(at + 3) | 0] << 24)) >>> 0;
}

/**
 * XXH64 with seed 0 of bytes[start, end). Returns the low 32 bits (what zstd stores); the high
 * half is then zstdXxhResultHi().
 */
export function zstdXxh64(bytes: Uint8Array, start: number, end: number): number {
  const length = (end - start) | 0;
  let p = start;
  let hashLo = 0;
  let hashHi = 0;
  if (length >= 32) {
    // Lanes start at seed + PRIME1 + PRIME2, seed + PRIME2, seed, seed - PRIME1.
    zstdXxhAdd(ZSTD_XXH_PRIME1_LO, ZSTD_XXH_PRIME1_HI, ZSTD_XXH_PRIME2_LO, ZSTD_XXH_PRIME2_HI);
    let lane1Lo = zstdXxhLo;
    let lane1Hi = zstdXxhHi;
    let lane2Lo = ZSTD_XXH_PRIME2_LO;
    let lane2Hi = ZSTD_XXH_PRIME2_HI;
    let lane3Lo = 0;
    let lane3Hi = 0;
    zstdXxhAdd((~ZSTD_XXH_PRIME1_LO) >>> 0, (~ZSTD_XXH_PRIME1_HI) >>> 0, 1, 0);
    let lane4Lo = zstdXxhLo;
    let lane4Hi = zstdXxhHi;
    const lastStripe = (end - 32) | 0;
    while (p <= lastStripe) {
      zstdXxhRound(lane1Lo, lane1Hi, zstdXxhRead32(bytes, p), zstdXxhRead32(bytes, (p + 4) | 0));
      lane1Lo = zstdXxhLo;
      lane1Hi = zstdXxhHi;
      zstdXxhRound(lane2Lo, lane2Hi, zstdXxhRead32(bytes, (p + 8) | 0), zstdXxhRead32(bytes, (p + 12) | 0));
      lane2Lo = zstdXxhLo;
      lane2Hi = zstdXxhHi;
      zstdXxhRound(lane3Lo, lane3Hi, zstdXxhRead32(bytes, (p + 16) | 0), zstdXxhRead32(bytes, (p + 20) | 0));
      lane3Lo = zstdXxhLo;
      lane3Hi = zstdXxhHi;
      zstdXxhRound(lane4Lo, lane4Hi, zstdXxhRead32(bytes, (p + 24) | 0), zstdXxhRead32(bytes, (p + 28) | 0));
      lane4Lo = zstdXxhLo;
      lane4Hi = zstdXxhHi;
      p = (p + 32) | 0;
    }
    zstdXxhRotateLeft(lane1Lo, lane1Hi, 1);
    hashLo = zstdXxhLo;
    hashHi = zstdXxhHi;
    zstdXxhRotateLeft(lane2Lo, lane2Hi, 7);
    zstdXxhAdd(hashLo, hashHi, zstdXxhLo, zstdXxhHi);
    hashLo = zstdXxhLo;
    hashHi = zstdXxhHi;
    zstdXxhRotateLeft(lane3Lo, lane3Hi, 12);
    zstdXxhAdd(hashLo, hashHi, zstdXxhLo, zstdXxhHi);
    hashLo = zstdXxhLo;
    hashHi = zstdXxhHi;
    zstdXxhRotateLeft(lane4Lo, lane4Hi, 18);
    zstdXxhAdd(hashLo, hashHi, zstdXxhLo, zstdXxhHi);
    zstdXxhMerge(zstdXxhLo, zstdXxhHi, lane1Lo, lane1Hi);
    zstdXxhMerge(zstdXxhLo, zstdXxhHi, lane2Lo, lane2Hi);
    zstdXxhMerge(zstdXxhLo, zstdXxhHi, lane3Lo, lane3Hi);
    zstdXxhMerge(zstdXxhLo, zstdXxhHi, lane4Lo, lane4Hi);
    hashLo = zstdXxhLo;
    hashHi = zstdXxhHi;
  } else {
    hashLo = ZSTD_XXH_PRIME5_LO;
    hashHi = ZSTD_XXH_PRIME5_HI;
  }
  // hash += length (the total length, below 2^31 here).
  zstdXxhAdd(hashLo, hashHi, length >>> 0, 0);
  hashLo = zstdXxhLo;
  hashHi = zstdXxhHi;
  while (((end - p) | 0) >= 8) {
    zstdXxhRound(0, 0, zstdXxhRead32(bytes, p), zstdXxhRead32(bytes, (p + 4) | 0));
    zstdXxhRotateLeft((hashLo ^ zstdXxhLo) >>> 0, (hashHi ^ zstdXxhHi) >>> 0, 27);
    zstdXxhMultiply(zstdXxhLo, zstdXxhHi, ZSTD_XXH_PRIME1_LO, ZSTD_XXH_PRIME1_HI);
    zstdXxhAdd(zstdXxhLo, zstdXxhHi, ZSTD_XXH_PRIME4_LO, ZSTD_XXH_PRIME4_HI);
    hashLo = zstdXxhLo;
    hashHi = zstdXxhHi;
    p = (p + 8) | 0;
  }
  if (((end - p) | 0) >= 4) {
    zstdXxhMultiply(zstdXxhRead32(bytes, p), 0, ZSTD_XXH_PRIME1_LO, ZSTD_XXH_PRIME1_HI);
    zstdXxhRotateLeft((hashLo ^ zstdXxhLo) >>> 0, (hashHi ^ zstdXxhHi) >>> 0, 23);
    zstdXxhMultiply(zstdXxhLo, zstdXxhHi, ZSTD_XXH_PRIME2_LO, ZSTD_XXH_PRIME2_HI);
    zstdXxhAdd(zstdXxhLo, zstdXxhHi, ZSTD_XXH_PRIME3_LO, ZSTD_XXH_PRIME3_HI);
    hashLo = zstdXxhLo;
    hashHi = zstdXxhHi;
    p = (p + 4) | 0;
  }
  while (p < end) {
    zstdXxhMultiply(bytes[p], 0, ZSTD_XXH_PRIME5_LO, ZSTD_XXH_PRIME5_HI);
    zstdXxhRotateLeft((hashLo ^ zstdXxhLo) >>> 0, (hashHi ^ zstdXxhHi) >>> 0, 11);
    zstdXxhMultiply(zstdXxhLo, zstdXxhHi, ZSTD_XXH_PRIME1_LO, ZSTD_XXH_PRIME1_HI);
    hashLo = zstdXxhLo;
    hashHi = zstdXxhHi;
    p = (p + 1) | 0;
  }
  // Avalanche: h ^= h >> 33; h *= PRIME2; h ^= h >> 29; h *= PRIME3; h ^= h >> 32.
  hashLo = (hashLo ^ (hashHi >>> 1)) >>> 0;
  zstdXxhMultiply(hashLo, hashHi, ZSTD_XXH_PRIME2_LO, ZSTD_XXH_PRIME2_HI);
  hashLo = (zstdXxhLo ^ ((zstdXxhLo >>> 29) | (zstdXxhHi << 3))) >>> 0;
  hashHi = (zstdXxhHi ^ (zstdXxhHi >>> 29)) >>> 0;
  zstdXxhMultiply(hashLo, hashHi, ZSTD_XXH_PRIME3_LO, ZSTD_XXH_PRIME3_HI);
  zstdXxhLo = (zstdXxhLo ^ zstdXxhHi) >>> 0;
  return zstdXxhLo;
}
