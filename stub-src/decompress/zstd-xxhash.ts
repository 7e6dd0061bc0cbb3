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

/** The four lanes (lo, hi pairs) while zstdXxhStripes runs. */
const zstdXxhLanes = new Uint32Array(new ArrayBuffer(8 * 4));

/**
 * Runs the four lanes over every 32-byte stripe starting at p while p <= lastStripe; returns the
 * position after the last stripe. This is the hash's hot loop, so the round (input * PRIME2 added
 * to the lane, rotated left by 31, times PRIME1) is written out here with the 16-bit partial
 * products of the constants, instead of calling the helpers above.
 */
function zstdXxhStripes(bytes: Uint8Array, p: number, lastStripe: number): number {
  const lanes = zstdXxhLanes;
  while (p <= lastStripe) {
    for (let lane = 0; lane < 8; lane = (lane + 2) | 0) {
      const inputLo = (bytes[p] | (bytes[(p + 1) | 0] << 8) | (bytes[(p + 2) | 0] << 16) | (bytes[(p + 3) | 0] << 24)) >>> 0;
      const inputHi = (bytes[(p + 4) | 0] | (bytes[(p + 5) | 0] << 8) | (bytes[(p + 6) | 0] << 16) |
        (bytes[(p + 7) | 0] << 24)) >>> 0;
      p = (p + 8) | 0;
      // product = input * PRIME2
      let a0 = inputLo & 0xffff;
      let a1 = inputLo >>> 16;
      let p00 = Math.imul(a0, ZSTD_XXH_PRIME2_LO & 0xffff) >>> 0;
      let p01 = Math.imul(a0, ZSTD_XXH_PRIME2_LO >>> 16) >>> 0;
      let p10 = Math.imul(a1, ZSTD_XXH_PRIME2_LO & 0xffff) >>> 0;
      let p11 = Math.imul(a1, ZSTD_XXH_PRIME2_LO >>> 16) >>> 0;
      let middle = ((p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)) | 0;
      const productLo = ((middle << 16) | (p00 & 0xffff)) >>> 0;
      let productHi = (p11 + (p01 >>> 16)) | 0;
      productHi = (productHi + (p10 >>> 16) + (middle >>> 16)) | 0;
      productHi = (productHi + Math.imul(inputLo, ZSTD_XXH_PRIME2_HI) + Math.imul(inputHi, ZSTD_XXH_PRIME2_LO)) | 0;
      // sum = lane + product
      const laneLo = lanes[lane];
      const carry = (((laneLo >>> 1) + (productLo >>> 1) + (laneLo & productLo & 1)) | 0) >>> 31;
      const sumLo = (laneLo + productLo) | 0;
      const sumHi = (lanes[(lane + 1) | 0] + productHi + carry) | 0;
      // rotated = rotl(sum, 31)
      const rotatedLo = ((sumLo << 31) | (sumHi >>> 1)) >>> 0;
      const rotatedHi = ((sumHi << 31) | (sumLo >>> 1)) >>> 0;
      // lane = rotated * PRIME1
      a0 = rotatedLo & 0xffff;
      a1 = rotatedLo >>> 16;
      p00 = Math.imul(a0, ZSTD_XXH_PRIME1_LO & 0xffff) >>> 0;
      p01 = Math.imul(a0, ZSTD_XXH_PRIME1_LO >>> 16) >>> 0;
      p10 = Math.imul(a1, ZSTD_XXH_PRIME1_LO & 0xffff) >>> 0;
      p11 = Math.imul(a1, ZSTD_XXH_PRIME1_LO >>> 16) >>> 0;
      middle = ((p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff)) | 0;
      lanes[lane] = (middle << 16) | (p00 & 0xffff);
      let hi = (p11 + (p01 >>> 16)) | 0;
      hi = (hi + (p10 >>> 16) + (middle >>> 16)) | 0;
      lanes[(lane + 1) | 0] = (hi + Math.imul(rotatedLo, ZSTD_XXH_PRIME1_HI) + Math.imul(rotatedHi, ZSTD_XXH_PRIME1_LO)) | 0;
    }
  }
  return p;
}

/**
 * XXH64 with seed 0 of bytes[start, end). Returns the low 32 bits (what zstd stores); the high
 * half is then zstdXxhResultHi().
 */
export function zstdXxh64(bytes: Uint8Array, start: number, end: number): number {
  const byteCount = (end - start) | 0;
  let p = start;
  let hashLo = 0;
  let hashHi = 0;
  if (byteCount >= 32) {
    // Lanes start at seed + PRIME1 + PRIME2, seed + PRIME2, seed, seed - PRIME1.
    zstdXxhAdd(ZSTD_XXH_PRIME1_LO, ZSTD_XXH_PRIME1_HI, ZSTD_XXH_PRIME2_LO, ZSTD_XXH_PRIME2_HI);
    zstdXxhLanes[0] = zstdXxhLo;
    zstdXxhLanes[1] = zstdXxhHi;
    zstdXxhLanes[2] = ZSTD_XXH_PRIME2_LO;
    zstdXxhLanes[3] = ZSTD_XXH_PRIME2_HI;
    zstdXxhLanes[4] = 0;
    zstdXxhLanes[5] = 0;
    zstdXxhAdd((~ZSTD_XXH_PRIME1_LO) >>> 0, (~ZSTD_XXH_PRIME1_HI) >>> 0, 1, 0);
    zstdXxhLanes[6] = zstdXxhLo;
    zstdXxhLanes[7] = zstdXxhHi;
    p = zstdXxhStripes(bytes, p, (end - 32) | 0);
    const lane1Lo = zstdXxhLanes[0];
    const lane1Hi = zstdXxhLanes[1];
    const lane2Lo = zstdXxhLanes[2];
    const lane2Hi = zstdXxhLanes[3];
    const lane3Lo = zstdXxhLanes[4];
    const lane3Hi = zstdXxhLanes[5];
    const lane4Lo = zstdXxhLanes[6];
    const lane4Hi = zstdXxhLanes[7];
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
  // hash += the input's length (below 2^31 here).
  zstdXxhAdd(hashLo, hashHi, byteCount >>> 0, 0);
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
