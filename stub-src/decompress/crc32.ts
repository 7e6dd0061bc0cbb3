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
 * Continues a CRC-32 over bytes[start, end): pass 0 to start, or the value a previous call
 * returned to continue (as zlib's crc32()). Returns the finished CRC as an unsigned number.
 */
export function crc32Update(previous: number, bytes: Uint8Array, start: number, end: number): number {
  let crc = (previous ^ 0xffffffff) >>> 0;
  let i = start;
  const blockEnd = (end - 7) | 0;
  while (i < blockEnd) {
    const low = (crc ^ (bytes[i] | (bytes[(i + 1) | 0] << 8) | (bytes[(i + 2) | 0] << 16) | (bytes[(i + 3) | 0] << 24))) >>> 0;
    const high = bytes[(i + 4) | 0] | (bytes[(i + 5) | 0] << 8) | (bytes[(i + 6) | 0] << 16) | (bytes[(i + 7) | 0] << 24);
    crc = (crc32Table[1792 + (low & 255)] ^ crc32Table[1536 + ((low >>> 8) & 255)] ^
      crc32Table[1280 + ((low >>> 16) & 255)] ^ crc32Table[1024 + (low >>> 24)] ^ crc32Table[768 + (high & 255)] ^
      crc32Table[512 + ((high >>> 8) & 255)] ^ crc32Table[256 + ((high >>> 16) & 255)] ^ crc32Table[high >>> 24]) >>> 0;
    i = (i + 8) | 0;
  }
  while (i < end) {
    crc = (crc32Table[(crc ^ bytes[i]) & 255] ^ (crc >>> 8)) >>> 0;
    i = (i + 1) | 0;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
