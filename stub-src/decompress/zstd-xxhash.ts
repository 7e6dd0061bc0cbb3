/**
 * @fileoverview XXH64 (seed 0), zstd's Content_Checksum (RFC 8878 §3.1.1: the low 32 bits of
 * XXH64 of the frame's decompressed content).
 *
 * The algorithm is the one in the xxHash specification (Cyan4973/xxHash doc/xxhash_spec.md,
 * "XXH64 algorithm description"): four lanes over 32-byte stripes, merged, then 8-, 4- and 1-byte
 * tails and the avalanche. It is 64-bit arithmetic throughout, written with the subset's unsigned
 * 64-bit locals (compiler/subset-rules.md, ES104 u64-bigint): `bigint` locals that porffor patch
 * 018 compiles to i64 locals and instructions, and that Node runs as BigInt. Every + * << sits
 * inside BigInt.asUintN(64, …), so the exact BigInt result and the wrapped i64 one agree. The
 * primes are locals (clang folds them into the instructions).
 *
 * The hash is taken in steps as the output is written: zstdXxh64Begin, then zstdXxh64Stripes
 * after each block over the whole stripes written since, then zstdXxh64Finish. The block just
 * written is still in the cache; hashing the whole output once at the end read it back from
 * memory (a 66 MB kernel: the hash took 1.7× as long as the kernel's, which hashes each block as
 * it is written). A bigint cannot be a parameter, a result or module-level state, so the four
 * lanes wait between steps as 32-bit halves in zstdXxhLanes.
 */

/** The four lanes between steps: lane n's low half at 2n, its high half at 2n + 1. */
const zstdXxhLanes = new Int32Array(new ArrayBuffer(8 * 4));
/** High 32 bits of the last zstdXxh64Finish result (zstd only stores the low half). */
let zstdXxhHigh = 0;

/** High half of the last zstdXxh64Finish (or zstdXxh64) result. */
export function zstdXxhResultHi(): number {
  return zstdXxhHigh;
}

/**
 * Starts a hash: the lanes at seed + PRIME1 + PRIME2, seed + PRIME2, seed, seed - PRIME1 with
 * seed 0 (their halves written out).
 */
export function zstdXxh64Begin(): void {
  zstdXxhLanes[0] = 0xadc0b5d6 | 0;
  zstdXxhLanes[1] = 0x60ea27ee;
  zstdXxhLanes[2] = 0x27d4eb4f;
  zstdXxhLanes[3] = 0xc2b2ae3d | 0;
  zstdXxhLanes[4] = 0;
  zstdXxhLanes[5] = 0;
  zstdXxhLanes[6] = 0x7a143579;
  zstdXxhLanes[7] = 0x61c8864e;
}

/**
 * Takes the whole 32-byte stripes of bytes[start, end) into the lanes; returns where they end
 * (start plus a multiple of 32, the bytes after it not taken). Stripes are counted from the
 * hash's first byte, so each call starts where the previous one ended.
 */
export function zstdXxh64Stripes(bytes: Uint8Array, start: number, end: number): number {
  const prime1: bigint = 0x9e3779b185ebca87n;
  const prime2: bigint = 0xc2b2ae3d27d4eb4fn;
  let p = start;
  const lastStripe = (end - 32) | 0;
  if (p > lastStripe) return p;
  let lane1: bigint = BigInt.asUintN(64, BigInt(zstdXxhLanes[0] >>> 0) | (BigInt(zstdXxhLanes[1] >>> 0) << 32n));
  let lane2: bigint = BigInt.asUintN(64, BigInt(zstdXxhLanes[2] >>> 0) | (BigInt(zstdXxhLanes[3] >>> 0) << 32n));
  let lane3: bigint = BigInt.asUintN(64, BigInt(zstdXxhLanes[4] >>> 0) | (BigInt(zstdXxhLanes[5] >>> 0) << 32n));
  let lane4: bigint = BigInt.asUintN(64, BigInt(zstdXxhLanes[6] >>> 0) | (BigInt(zstdXxhLanes[7] >>> 0) << 32n));
  // The hot loop: each lane's round is rotl(lane + input * PRIME2, 31) * PRIME1, where input is
  // the lane's little-endian 64-bit word of the stripe (two word reads, patch 013).
  while (p <= lastStripe) {
    const input1: bigint = BigInt.asUintN(64, BigInt((bytes[p] | (bytes[(p + 1) | 0] << 8) | (bytes[(p + 2) | 0] << 16) |
      (bytes[(p + 3) | 0] << 24)) >>> 0) | (BigInt((bytes[(p + 4) | 0] | (bytes[(p + 5) | 0] << 8) |
      (bytes[(p + 6) | 0] << 16) | (bytes[(p + 7) | 0] << 24)) >>> 0) << 32n));
    const input2: bigint = BigInt.asUintN(64, BigInt((bytes[(p + 8) | 0] | (bytes[(p + 9) | 0] << 8) | (bytes[(p + 10) | 0] << 16) |
      (bytes[(p + 11) | 0] << 24)) >>> 0) | (BigInt((bytes[(p + 12) | 0] | (bytes[(p + 13) | 0] << 8) |
      (bytes[(p + 14) | 0] << 16) | (bytes[(p + 15) | 0] << 24)) >>> 0) << 32n));
    const input3: bigint = BigInt.asUintN(64, BigInt((bytes[(p + 16) | 0] | (bytes[(p + 17) | 0] << 8) | (bytes[(p + 18) | 0] << 16) |
      (bytes[(p + 19) | 0] << 24)) >>> 0) | (BigInt((bytes[(p + 20) | 0] | (bytes[(p + 21) | 0] << 8) |
      (bytes[(p + 22) | 0] << 16) | (bytes[(p + 23) | 0] << 24)) >>> 0) << 32n));
    const input4: bigint = BigInt.asUintN(64, BigInt((bytes[(p + 24) | 0] | (bytes[(p + 25) | 0] << 8) | (bytes[(p + 26) | 0] << 16) |
      (bytes[(p + 27) | 0] << 24)) >>> 0) | (BigInt((bytes[(p + 28) | 0] | (bytes[(p + 29) | 0] << 8) |
      (bytes[(p + 30) | 0] << 16) | (bytes[(p + 31) | 0] << 24)) >>> 0) << 32n));
    lane1 = BigInt.asUintN(64, lane1 + input1 * prime2);
    lane1 = BigInt.asUintN(64, ((lane1 << 31n) | (BigInt.asUintN(64, lane1) >> 33n)) * prime1);
    lane2 = BigInt.asUintN(64, lane2 + input2 * prime2);
    lane2 = BigInt.asUintN(64, ((lane2 << 31n) | (BigInt.asUintN(64, lane2) >> 33n)) * prime1);
    lane3 = BigInt.asUintN(64, lane3 + input3 * prime2);
    lane3 = BigInt.asUintN(64, ((lane3 << 31n) | (BigInt.asUintN(64, lane3) >> 33n)) * prime1);
    lane4 = BigInt.asUintN(64, lane4 + input4 * prime2);
    lane4 = BigInt.asUintN(64, ((lane4 << 31n) | (BigInt.asUintN(64, lane4) >> 33n)) * prime1);
    p = (p + 32) | 0;
  }
  zstdXxhLanes[0] = Number(BigInt.asUintN(32, lane1)) | 0;
  zstdXxhLanes[1] = Number(BigInt.asUintN(32, BigInt.asUintN(64, lane1) >> 32n)) | 0;
  zstdXxhLanes[2] = Number(BigInt.asUintN(32, lane2)) | 0;
  zstdXxhLanes[3] = Number(BigInt.asUintN(32, BigInt.asUintN(64, lane2) >> 32n)) | 0;
  zstdXxhLanes[4] = Number(BigInt.asUintN(32, lane3)) | 0;
  zstdXxhLanes[5] = Number(BigInt.asUintN(32, BigInt.asUintN(64, lane3) >> 32n)) | 0;
  zstdXxhLanes[6] = Number(BigInt.asUintN(32, lane4)) | 0;
  zstdXxhLanes[7] = Number(BigInt.asUintN(32, BigInt.asUintN(64, lane4) >> 32n)) | 0;
  return p;
}

/**
 * Ends the hash of bytes[start, end), whose stripes up to `striped` zstdXxh64Stripes has taken
 * (any that are left it takes here). Returns the low 32 bits (what zstd stores); the high half
 * is then zstdXxhResultHi().
 */
export function zstdXxh64Finish(bytes: Uint8Array, start: number, striped: number, end: number): number {
  const prime1: bigint = 0x9e3779b185ebca87n;
  const prime2: bigint = 0xc2b2ae3d27d4eb4fn;
  const prime3: bigint = 0x165667b19e3779f9n;
  const prime4: bigint = 0x85ebca77c2b2ae63n;
  const prime5: bigint = 0x27d4eb2f165667c5n;
  const byteCount = (end - start) | 0;
  let p = zstdXxh64Stripes(bytes, striped, end);
  let hash: bigint = prime5;
  if (byteCount >= 32) {
    const lane1: bigint = BigInt.asUintN(64, BigInt(zstdXxhLanes[0] >>> 0) | (BigInt(zstdXxhLanes[1] >>> 0) << 32n));
    const lane2: bigint = BigInt.asUintN(64, BigInt(zstdXxhLanes[2] >>> 0) | (BigInt(zstdXxhLanes[3] >>> 0) << 32n));
    const lane3: bigint = BigInt.asUintN(64, BigInt(zstdXxhLanes[4] >>> 0) | (BigInt(zstdXxhLanes[5] >>> 0) << 32n));
    const lane4: bigint = BigInt.asUintN(64, BigInt(zstdXxhLanes[6] >>> 0) | (BigInt(zstdXxhLanes[7] >>> 0) << 32n));
    hash = BigInt.asUintN(64, ((lane1 << 1n) | (BigInt.asUintN(64, lane1) >> 63n)) + ((lane2 << 7n) | (BigInt.asUintN(64, lane2) >> 57n)) +
      ((lane3 << 12n) | (BigInt.asUintN(64, lane3) >> 52n)) + ((lane4 << 18n) | (BigInt.asUintN(64, lane4) >> 46n)));
    // Merge each lane: hash = (hash ^ round(0, lane)) * PRIME1 + PRIME4.
    let merged: bigint = BigInt.asUintN(64, lane1 * prime2);
    merged = BigInt.asUintN(64, ((merged << 31n) | (BigInt.asUintN(64, merged) >> 33n)) * prime1);
    hash = BigInt.asUintN(64, (hash ^ merged) * prime1 + prime4);
    merged = BigInt.asUintN(64, lane2 * prime2);
    merged = BigInt.asUintN(64, ((merged << 31n) | (BigInt.asUintN(64, merged) >> 33n)) * prime1);
    hash = BigInt.asUintN(64, (hash ^ merged) * prime1 + prime4);
    merged = BigInt.asUintN(64, lane3 * prime2);
    merged = BigInt.asUintN(64, ((merged << 31n) | (BigInt.asUintN(64, merged) >> 33n)) * prime1);
    hash = BigInt.asUintN(64, (hash ^ merged) * prime1 + prime4);
    merged = BigInt.asUintN(64, lane4 * prime2);
    merged = BigInt.asUintN(64, ((merged << 31n) | (BigInt.asUintN(64, merged) >> 33n)) * prime1);
    hash = BigInt.asUintN(64, (hash ^ merged) * prime1 + prime4);
  }
  // hash += the input's length.
  hash = BigInt.asUintN(64, hash + BigInt(byteCount >>> 0));
  while (((end - p) | 0) >= 8) {
    const word: bigint = BigInt.asUintN(64, BigInt((bytes[p] | (bytes[(p + 1) | 0] << 8) | (bytes[(p + 2) | 0] << 16) |
      (bytes[(p + 3) | 0] << 24)) >>> 0) | (BigInt((bytes[(p + 4) | 0] | (bytes[(p + 5) | 0] << 8) |
      (bytes[(p + 6) | 0] << 16) | (bytes[(p + 7) | 0] << 24)) >>> 0) << 32n));
    let round: bigint = BigInt.asUintN(64, word * prime2);
    round = BigInt.asUintN(64, ((round << 31n) | (BigInt.asUintN(64, round) >> 33n)) * prime1);
    hash = hash ^ round;
    hash = BigInt.asUintN(64, ((hash << 27n) | (BigInt.asUintN(64, hash) >> 37n)) * prime1 + prime4);
    p = (p + 8) | 0;
  }
  if (((end - p) | 0) >= 4) {
    const half: bigint = BigInt((bytes[p] | (bytes[(p + 1) | 0] << 8) | (bytes[(p + 2) | 0] << 16) |
      (bytes[(p + 3) | 0] << 24)) >>> 0);
    hash = hash ^ BigInt.asUintN(64, half * prime1);
    hash = BigInt.asUintN(64, ((hash << 23n) | (BigInt.asUintN(64, hash) >> 41n)) * prime2 + prime3);
    p = (p + 4) | 0;
  }
  while (p < end) {
    hash = hash ^ BigInt.asUintN(64, BigInt(bytes[p] >>> 0) * prime5);
    hash = BigInt.asUintN(64, ((hash << 11n) | (BigInt.asUintN(64, hash) >> 53n)) * prime1);
    p = (p + 1) | 0;
  }
  // Avalanche: h ^= h >> 33; h *= PRIME2; h ^= h >> 29; h *= PRIME3; h ^= h >> 32.
  hash = hash ^ (BigInt.asUintN(64, hash) >> 33n);
  hash = BigInt.asUintN(64, hash * prime2);
  hash = hash ^ (BigInt.asUintN(64, hash) >> 29n);
  hash = BigInt.asUintN(64, hash * prime3);
  hash = hash ^ (BigInt.asUintN(64, hash) >> 32n);
  zstdXxhHigh = Number(BigInt.asUintN(32, BigInt.asUintN(64, hash) >> 32n)) >>> 0;
  return Number(BigInt.asUintN(32, hash)) >>> 0;
}

/**
 * XXH64 with seed 0 of bytes[start, end) in one call. Returns the low 32 bits; the high half is
 * then zstdXxhResultHi().
 */
export function zstdXxh64(bytes: Uint8Array, start: number, end: number): number {
  zstdXxh64Begin();
  return zstdXxh64Finish(bytes, start, start, end);
}
