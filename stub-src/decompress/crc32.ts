/**
 * @fileoverview CRC-32 (ISO-HDLC: polynomial 0x04C11DB7 reflected = 0xEDB88320, initial and final
 * value 0xFFFFFFFF), the check of gzip (RFC 1952 §8), xz (CRC32 check type and header CRCs) and
 * lzop. Shared by those decoders; bzip2's CRC is the non-reflected variant and lives with it.
 *
 * Slicing-by-16: sixteen 256-entry tables let the loop consume sixteen bytes per step (each
 * table is the previous one advanced by one zero byte); the sixteen lookups of a step are
 * independent of each other, and the four input words are one load each (porffor patch 013),
 * where a byte-at-a-time CRC spends most of a decoder's time. Only the first word's four lookups
 * wait for the previous step's CRC, so 16 bytes a step instead of 8 halves that chain per byte.
 */

const CRC32_SLICES = 16;
const CRC32_TABLE_SIZE = CRC32_SLICES * 256;
const crc32Table = new Uint32Array(new ArrayBuffer(CRC32_TABLE_SIZE * 4));

function buildCrc32Tables(): void {
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (0xedb88320 ^ (c >>> 1)) >>> 0 : c >>> 1;
    crc32Table[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = crc32Table[n];
    for (let slice = 1; slice < CRC32_SLICES; slice++) {
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
  return crc32UpdateWith(crc32Table, previous, bytes, start, end);
}

/**
 * crc32Update's loop, with the table as a parameter: porffor loads a parameter's data pointer
 * once per call (patch 010) but a module-level array's before every access, and under QEMU's TCG
 * each of those loads costs a soft-MMU lookup (sixteen per step here).
 */
function crc32UpdateWith(table: Uint32Array, previous: number, bytes: Uint8Array, start: number, end: number): number {
  let crc = (previous ^ 0xffffffff) >>> 0;
  let i = start;
  const blockEnd = (end - 15) | 0;
  while (i < blockEnd) {
    const first = (crc ^ (bytes[i] | (bytes[(i + 1) | 0] << 8) | (bytes[(i + 2) | 0] << 16) | (bytes[(i + 3) | 0] << 24))) >>> 0;
    const second = bytes[(i + 4) | 0] | (bytes[(i + 5) | 0] << 8) | (bytes[(i + 6) | 0] << 16) | (bytes[(i + 7) | 0] << 24);
    const third = bytes[(i + 8) | 0] | (bytes[(i + 9) | 0] << 8) | (bytes[(i + 10) | 0] << 16) | (bytes[(i + 11) | 0] << 24);
    const fourth = bytes[(i + 12) | 0] | (bytes[(i + 13) | 0] << 8) | (bytes[(i + 14) | 0] << 16) | (bytes[(i + 15) | 0] << 24);
    // Byte k of the step goes through table 15 - k; the last three words' lookups come first,
    // as they do not depend on crc.
    crc = (table[768 + (fourth & 255)] ^ table[512 + ((fourth >>> 8) & 255)] ^
      table[256 + ((fourth >>> 16) & 255)] ^ table[fourth >>> 24] ^
      table[1792 + (third & 255)] ^ table[1536 + ((third >>> 8) & 255)] ^
      table[1280 + ((third >>> 16) & 255)] ^ table[1024 + (third >>> 24)] ^
      table[2816 + (second & 255)] ^ table[2560 + ((second >>> 8) & 255)] ^
      table[2304 + ((second >>> 16) & 255)] ^ table[2048 + (second >>> 24)] ^
      table[3840 + (first & 255)] ^ table[3584 + ((first >>> 8) & 255)] ^
      table[3328 + ((first >>> 16) & 255)] ^ table[3072 + (first >>> 24)]) >>> 0;
    i = (i + 16) | 0;
  }
  while (i < end) {
    crc = (table[(crc ^ bytes[i]) & 255] ^ (crc >>> 8)) >>> 0;
    i = (i + 1) | 0;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
