/**
 * @fileoverview XXH32, the 32-bit xxHash of the LZ4 frame format (header checksum, block
 * checksums, content checksum). Source: the xxHash specification, doc/xxhash_spec.md in
 * Cyan4973/xxHash ("XXH32 algorithm description"): four lanes of 4-byte stripes while 16 bytes
 * remain, then the lanes are merged, the length added, the last 4-byte words and bytes mixed in,
 * and the result avalanched.
 *
 * All products are Math.imul (the primes are ≥ 2^31 and a double product would round); words are
 * read little-endian. The caller passes a [start, end) range it has already checked against the
 * array, so no read here leaves that range.
 */

const XXH32_PRIME1 = 0x9e3779b1;
const XXH32_PRIME2 = 0x85ebca77;
const XXH32_PRIME3 = 0xc2b2ae3d;
const XXH32_PRIME4 = 0x27d4eb2f;
const XXH32_PRIME5 = 0x165667b1;

/** XXH32 of bytes[start, end) with `seed`; returns the digest as an unsigned number. */
export function xxhash32Digest(bytes: Uint8Array, start: number, end: number, seed: number): number {
  let p = start;
  const length = (end - start) | 0;
  let hash = 0;
  if (length >= 16) {
    let lane1 = (seed + XXH32_PRIME1 + XXH32_PRIME2) | 0;
    let lane2 = (seed + XXH32_PRIME2) | 0;
    let lane3 = seed | 0;
    let lane4 = (seed - XXH32_PRIME1) | 0;
    const stripeEnd = (end - 15) | 0;
    while (p < stripeEnd) {
      let word = bytes[p] | (bytes[(p + 1) | 0] << 8) | (bytes[(p + 2) | 0] << 16) | (bytes[(p + 3) | 0] << 24);
      lane1 = (lane1 + Math.imul(word, XXH32_PRIME2)) | 0;
      lane1 = Math.imul((lane1 << 13) | (lane1 >>> 19), XXH32_PRIME1);
      word = bytes[(p + 4) | 0] | (bytes[(p + 5) | 0] << 8) | (bytes[(p + 6) | 0] << 16) | (bytes[(p + 7) | 0] << 24);
      lane2 = (lane2 + Math.imul(word, XXH32_PRIME2)) | 0;
      lane2 = Math.imul((lane2 << 13) | (lane2 >>> 19), XXH32_PRIME1);
      word = bytes[(p + 8) | 0] | (bytes[(p + 9) | 0] << 8) | (bytes[(p + 10) | 0] << 16) | (bytes[(p + 11) | 0] << 24);
      lane3 = (lane3 + Math.imul(word, XXH32_PRIME2)) | 0;
      lane3 = Math.imul((lane3 << 13) | (lane3 >>> 19), XXH32_PRIME1);
      word = bytes[(p + 12) | 0] | (bytes[(p + 13) | 0] << 8) | (bytes[(p + 14) | 0] << 16) | (bytes[(p + 15) | 0] << 24);
      lane4 = (lane4 + Math.imul(word, XXH32_PRIME2)) | 0;
      lane4 = Math.imul((lane4 << 13) | (lane4 >>> 19), XXH32_PRIME1);
      p = (p + 16) | 0;
    }
    hash = (((lane1 << 1) | (lane1 >>> 31)) + ((lane2 << 7) | (lane2 >>> 25)) +
      ((lane3 << 12) | (lane3 >>> 20)) + ((lane4 << 18) | (lane4 >>> 14))) | 0;
  } else {
    hash = (seed + XXH32_PRIME5) | 0;
  }
  hash = (hash + length) | 0;
  const wordEnd = (end - 3) | 0;
  while (p < wordEnd) {
    const word = bytes[p] | (bytes[(p + 1) | 0] << 8) | (bytes[(p + 2) | 0] << 16) | (bytes[(p + 3) | 0] << 24);
    hash = (hash + Math.imul(word, XXH32_PRIME3)) | 0;
    hash = Math.imul((hash << 17) | (hash >>> 15), XXH32_PRIME4);
    p = (p + 4) | 0;
  }
  while (p < end) {
    hash = (hash + Math.imul(bytes[p], XXH32_PRIME5)) | 0;
    hash = Math.imul((hash << 11) | (hash >>> 21), XXH32_PRIME1);
    p = (p + 1) | 0;
  }
  hash = hash ^ (hash >>> 15);
  hash = Math.imul(hash, XXH32_PRIME2);
  hash = hash ^ (hash >>> 13);
  hash = Math.imul(hash, XXH32_PRIME3);
  hash = hash ^ (hash >>> 16);
  return hash >>> 0;
}
