/**
 * @fileoverview CRC-64/XZ (ECMA-182 polynomial 0x42F0E1EBA9EA3693, reflected 0xC96C5795D7870F42,
 * initial and final value all ones): the CRC64 check of .xz blocks (xz file format §3.4).
 *
 * The stub has no 64-bit integers, so the CRC is carried as two unsigned 32-bit halves. A
 * reflected CRC shifts right: one byte step is
 *   crc = table[(crc ^ byte) & 0xff] ^ (crc >> 8)
 * where `crc >> 8` moves the low byte of the high half into the top byte of the low half.
 * Slicing-by-4 (four tables, each the previous one advanced by a zero byte) takes four bytes per
 * step, as crc32.ts does. Tables: lo words at [slice * 256 + n], hi words at 1024 + the same.
 */

const CRC64_POLY_LO = 0xd7870f42;
const CRC64_POLY_HI = 0xc96c5795;
const CRC64_HI = 1024;
const crc64Table = new Uint32Array(new ArrayBuffer(2048 * 4));
const crc64State = new Uint32Array(new ArrayBuffer(8));

function buildCrc64Tables(): void {
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | (hi << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry !== 0) {
        lo = (lo ^ CRC64_POLY_LO) >>> 0;
        hi = (hi ^ CRC64_POLY_HI) >>> 0;
      }
    }
    crc64Table[n] = lo;
    crc64Table[CRC64_HI + n] = hi;
  }
  for (let n = 0; n < 256; n++) {
    let lo = crc64Table[n];
    let hi = crc64Table[CRC64_HI + n];
    for (let slice = 1; slice < 4; slice++) {
      const index = lo & 255;
      lo = (crc64Table[index] ^ ((lo >>> 8) | (hi << 24))) >>> 0;
      hi = (crc64Table[CRC64_HI + index] ^ (hi >>> 8)) >>> 0;
      crc64Table[(slice << 8) + n] = lo;
      crc64Table[CRC64_HI + (slice << 8) + n] = hi;
    }
  }
}
buildCrc64Tables();

/**
 * Continues a CRC-64 over bytes[start, end) from (previousLo, previousHi): pass 0, 0 to start,
 * or the halves a previous call left. Returns the low half of the finished CRC; crc64High()
 * gives the high half.
 */
export function crc64Update(previousLo: number, previousHi: number, bytes: Uint8Array, start: number,
  end: number): number {
  let lo = ~previousLo;
  let hi = ~previousHi;
  let i = start;
  const blockEnd = (end - 3) | 0;
  while (i < blockEnd) {
    // Four bytes into the low half; after four byte steps every bit of the old low half has
    // been shifted out through the tables, and the old high half has moved into the low half.
    const word = lo ^ (bytes[i] | (bytes[(i + 1) | 0] << 8) | (bytes[(i + 2) | 0] << 16) | (bytes[(i + 3) | 0] << 24));
    const b0 = word & 255;
    const b1 = (word >>> 8) & 255;
    const b2 = (word >>> 16) & 255;
    const b3 = word >>> 24;
    lo = hi ^ crc64Table[768 + b0] ^ crc64Table[512 + b1] ^ crc64Table[256 + b2] ^ crc64Table[b3];
    hi = crc64Table[CRC64_HI + 768 + b0] ^ crc64Table[CRC64_HI + 512 + b1] ^ crc64Table[CRC64_HI + 256 + b2] ^
      crc64Table[CRC64_HI + b3];
    i = (i + 4) | 0;
  }
  while (i < end) {
    const index = (lo ^ bytes[i]) & 255;
    lo = crc64Table[index] ^ ((lo >>> 8) | (hi << 24));
    hi = crc64Table[CRC64_HI + index] ^ (hi >>> 8);
    i = (i + 1) | 0;
  }
  crc64State[0] = ~lo;
  crc64State[1] = ~hi;
  return crc64State[0];
}

/** High half of the CRC the last crc64Update returned. */
export function crc64High(): number {
  return crc64State[1];
}
