/**
 * @fileoverview 64-bit physical addresses as (lo, hi) halves, and unsigned 32-bit comparison.
 *
 * The host boundary carries every address as two unsigned 32-bit halves (stub-src/host.d.ts).
 * Adding an offset must carry into the high half, and comparing two halves must be unsigned;
 * both are done here, once, in a form that means the same in Node (numbers are doubles, `>>> 0`
 * is unsigned) and in the compiled i32 Wasm (where `>>> 0` is a no-op and `<` is signed): the
 * comparison flips the sign bit of both sides and compares them as signed int32.
 *
 * Every host function's result is wrapped (`>>> 0`, or `& mask`) where it is called, in all of
 * stub-src: porffor 0.61.13 does not record a type for an import call's result, so
 * `let status = hostPhysWrite32(...)` took the type left by the previous call (undefined after
 * a void function) and `status !== 0` was true for a status of 0. The wrap makes it a number.
 */

/** a < b, both taken as unsigned 32-bit integers. */
export function uint32Below(a: number, b: number): boolean {
  return ((a ^ 0x80000000) | 0) < ((b ^ 0x80000000) | 0);
}

/** a <= b, both taken as unsigned 32-bit integers. */
export function uint32AtMost(a: number, b: number): boolean {
  return ((a ^ 0x80000000) | 0) <= ((b ^ 0x80000000) | 0);
}

/** Low half of (lo, hi) + offset (offset an unsigned 32-bit value). */
export function addressPlusLo(lo: number, offset: number): number {
  return (lo + offset) >>> 0;
}

/** High half of (lo, hi) + offset: hi plus the carry out of the low half. */
export function addressPlusHi(lo: number, hi: number, offset: number): number {
  const sum = (lo + offset) >>> 0;
  if (uint32Below(sum, lo >>> 0)) {
    return (hi + 1) >>> 0;
  }
  return hi >>> 0;
}

/** Reads the 32-bit field at byte `offset` of a structure at physical (baseLo, baseHi). */
export function readField32(baseLo: number, baseHi: number, offset: number): number {
  return hostPhysRead32(addressPlusLo(baseLo, offset), addressPlusHi(baseLo, baseHi, offset)) >>> 0;
}

/** Reads the 16-bit field at byte `offset` of a structure at physical (baseLo, baseHi). */
export function readField16(baseLo: number, baseHi: number, offset: number): number {
  return hostPhysRead16(addressPlusLo(baseLo, offset), addressPlusHi(baseLo, baseHi, offset)) & 0xffff;
}

/** Reads the 8-bit field at byte `offset` of a structure at physical (baseLo, baseHi). */
export function readField8(baseLo: number, baseHi: number, offset: number): number {
  return hostPhysRead8(addressPlusLo(baseLo, offset), addressPlusHi(baseLo, baseHi, offset)) & 0xff;
}

/** Writes the 32-bit field at byte `offset`; returns the host's status (writes are checked). */
export function writeField32(baseLo: number, baseHi: number, offset: number, value: number): number {
  return hostPhysWrite32(addressPlusLo(baseLo, offset), addressPlusHi(baseLo, baseHi, offset), value) >>> 0;
}

/** Writes a 64-bit field at byte `offset` as two 32-bit halves; returns the host's status. */
export function writeField64(baseLo: number, baseHi: number, offset: number, valueLo: number, valueHi: number): number {
  const status = writeField32(baseLo, baseHi, offset, valueLo);
  if (status !== 0) {
    return status;
  }
  return writeField32(baseLo, baseHi, (offset + 4) >>> 0, valueHi);
}
