/**
 * @fileoverview CRC-32 (ISO-HDLC: polynomial 0x04C11DB7 reflected = 0xEDB88320, initial and final
 * value 0xFFFFFFFF), the check of gzip (RFC 1952 §8), xz (CRC32 check type and header CRCs) and
 * lzop. Shared by those decoders; bzip2's CRC is the non-reflected variant and lives with it.
 *
 * Slicing-by-8: eight 256-entry tables let the loop consume eight bytes per step (each table is
 * the previous one advanced by one zero byte); the eight lookups of a step are independent of
 * each other, and the two input words are one load each (porffor patch 013), which is where a
 * byte-at-a-time CRC spends most of a decoder's time. The tables are read through the top-level
 * name: at an address fixed at compile time (porffor patch 019), a lookup at a masked index is
 * one load with no bounds check (compiler/wasm2c.ts) and needs no register for the table.
 */

import { ZERO_BLOCK_BYTES, zeroBlocksFrom } from './zero-block';

const CRC32_TABLE_SIZE = 2048;
const crc32Table = new Uint32Array(new ArrayBuffer(CRC32_TABLE_SIZE * 4));

function buildCrc32Tables(): void {
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (0xedb88320 ^ (c >>> 1)) >>> 0 : c >>> 1;
    crc32Table[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = crc32Table[n];
    for (let slice = 1; slice < 8; slice++) {
      c = (crc32Table[c & 255] ^ (c >>> 8)) >>> 0;
      crc32Table[(slice << 8) + n] = c;
    }
  }
}
buildCrc32Tables();

/**
 * The register after ZERO_BLOCK_BYTES zero bytes, as four 256-entry tables by the register's
 * bytes: a zero byte's step (crc32Table[crc & 255] ^ crc >>> 8) is linear in the register over
 * GF(2), so a block of them is too, and the register's four bytes' images xor'ed are its image.
 * Each bit's image is its 128 byte steps; every other entry is the xor of its lowest bit's and
 * the rest's.
 */
const crc32ZeroBlockTable = new Uint32Array(new ArrayBuffer(1024 * 4));

function buildCrc32ZeroBlockTables(): void {
  for (let bit = 0; bit < 32; bit++) {
    let c = (1 << bit) >>> 0;
    for (let n = 0; n < ZERO_BLOCK_BYTES; n++) c = (crc32Table[c & 255] ^ (c >>> 8)) >>> 0;
    crc32ZeroBlockTable[((bit >> 3) << 8) + (1 << (bit & 7))] = c;
  }
  for (let table = 0; table < 1024; table += 256) {
    for (let value = 3; value < 256; value++) {
      const lowest = value & -value;
      if (lowest !== value) {
        crc32ZeroBlockTable[table + value] = (crc32ZeroBlockTable[table + lowest] ^ crc32ZeroBlockTable[table + (value ^ lowest)]) >>> 0;
      }
    }
  }
}
buildCrc32ZeroBlockTables();

/**
 * Continues a CRC-32 over bytes[start, end): pass 0 to start, or the value a previous call
 * returned to continue (as zlib's crc32()). Returns the finished CRC as an unsigned number.
 */
export function crc32Update(previous: number, bytes: Uint8Array, start: number, end: number): number {
  let crc = (previous ^ 0xffffffff) >>> 0;
  let i = start;
  const blockEnd = (end - 7) | 0;
  // Blocks of ZERO_BLOCK_BYTES: a run of all-zero ones (zero-block.ts) four lookups a block, any
  // other sixteen steps of eight bytes; after the last whole block, steps to blockEnd.
  while (i < blockEnd) {
    if ((bytes[i] | bytes[(i + 1) | 0] | bytes[(i + 2) | 0] | bytes[(i + 3) | 0] | bytes[(i + 4) | 0] |
      bytes[(i + 5) | 0] | bytes[(i + 6) | 0] | bytes[(i + 7) | 0]) === 0) {
      const zerosEnd = (i + zeroBlocksFrom(bytes, i, end)) | 0;
      if (zerosEnd !== i) {
        while (i < zerosEnd) {
          crc = (crc32ZeroBlockTable[crc & 255] ^ crc32ZeroBlockTable[256 + ((crc >>> 8) & 255)] ^
            crc32ZeroBlockTable[512 + ((crc >>> 16) & 255)] ^ crc32ZeroBlockTable[768 + (crc >>> 24)]) >>> 0;
          i = (i + ZERO_BLOCK_BYTES) | 0;
        }
        continue;
      }
    }
    let stepsEnd = (i + ZERO_BLOCK_BYTES) | 0;
    if (stepsEnd > blockEnd || stepsEnd < i) stepsEnd = blockEnd;
    while (i < stepsEnd) {
      const low = (crc ^ (bytes[i] | (bytes[(i + 1) | 0] << 8) | (bytes[(i + 2) | 0] << 16) | (bytes[(i + 3) | 0] << 24))) >>> 0;
      const high = bytes[(i + 4) | 0] | (bytes[(i + 5) | 0] << 8) | (bytes[(i + 6) | 0] << 16) | (bytes[(i + 7) | 0] << 24);
      crc = (crc32Table[1792 + (low & 255)] ^ crc32Table[1536 + ((low >>> 8) & 255)] ^
        crc32Table[1280 + ((low >>> 16) & 255)] ^ crc32Table[1024 + (low >>> 24)] ^ crc32Table[768 + (high & 255)] ^
        crc32Table[512 + ((high >>> 8) & 255)] ^ crc32Table[256 + ((high >>> 16) & 255)] ^ crc32Table[high >>> 24]) >>> 0;
      i = (i + 8) | 0;
    }
  }
  while (i < end) {
    crc = (crc32Table[(crc ^ bytes[i]) & 255] ^ (crc >>> 8)) >>> 0;
    i = (i + 1) | 0;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
