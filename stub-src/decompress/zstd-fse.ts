/**
 * @fileoverview zstd's FSE (tANS) decoding tables: reading a table description, building the
 * decoding table from normalized probabilities, RLE tables and the predefined distributions
 * (RFC 8878 §4.1 and §3.1.1.3.2.2).
 *
 * One set of module-level arrays holds the four tables a frame needs at once, each in a region
 * of its own: literal lengths, offsets, match lengths (kept across blocks for Repeat mode) and
 * the Huffman weights' table. A cell is (symbol, number of bits, baseline): the next state is
 * baseline + the next `bits` bits of the backward stream.
 */
import {
  ZSTD_REASON_FSE_ACCURACY_TOO_LARGE, ZSTD_REASON_FSE_TABLE_CORRUPT, ZSTD_REASON_FSE_TABLE_TRUNCATED,
} from './zstd-reasons';

/** Region offsets (in cells) and sizes: 2^9 for lengths, 2^8 for offsets, 2^6 for weights. */
export const ZSTD_FSE_LITERAL_LENGTHS = 0;
export const ZSTD_FSE_OFFSETS = 512;
export const ZSTD_FSE_MATCH_LENGTHS = 768;
export const ZSTD_FSE_HUFFMAN_WEIGHTS = 1280;
const ZSTD_FSE_CELLS = 1344;
/**
 * Wider than the cells' index range, 2^11 > 1344: the table loops mask their indices with it. No
 * index changes (each is inside its region by construction), and the compiler can see the access
 * fall inside the module's initial memory, which then needs no bounds check (compiler/wasm2c.ts,
 * RT_IN_INITIAL; the arrays are top-level tables, porffor patch 019).
 */
export const ZSTD_FSE_INDEX_MASK = 2047;

export const zstdFseSymbol = new Uint8Array(new ArrayBuffer(ZSTD_FSE_CELLS));
export const zstdFseBits = new Uint8Array(new ArrayBuffer(ZSTD_FSE_CELLS));
export const zstdFseBaseline = new Uint16Array(new ArrayBuffer(ZSTD_FSE_CELLS * 2));

/** What the last zstdFseReadDescription found: accuracy log, symbols described, bytes used. */
export const ZSTD_FSE_INFO_LOG = 0;
export const ZSTD_FSE_INFO_SYMBOLS = 1;
export const ZSTD_FSE_INFO_BYTES = 2;
export const zstdFseInfo = new Int32Array(new ArrayBuffer(16));

/** Normalized probabilities of the table being built (-1 = "less than 1"), per symbol. */
const zstdFseNormalized = new Int16Array(new ArrayBuffer(256 * 2));
/** Per symbol: the next state counter while the table's cells are numbered (zstdFseTakeNext). */
export const zstdFseNext = new Uint16Array(new ArrayBuffer(256 * 2));

// Predefined distributions (§3.1.1.3.2.2), written as one digit per symbol, value + 1 (so "0" is
// the "less than 1" probability -1): literal lengths and match lengths at accuracy 6, offsets at 5.
const ZSTD_FSE_DEFAULT_LITERAL_LENGTHS = '543333333333322233333333343222220000';
const ZSTD_FSE_DEFAULT_MATCH_LENGTHS = '25433333322222222222222222222222222222222222220000000';
const ZSTD_FSE_DEFAULT_OFFSETS = '22222233322222222222222200000';
/** Their accuracy logs. */
export const ZSTD_FSE_DEFAULT_LENGTHS_LOG = 6;
export const ZSTD_FSE_DEFAULT_OFFSETS_LOG = 5;

/** 16 bits of the little-endian stream src[start, end) from bit `bitPosition`; bytes past end read 0. */
function zstdFseForwardBits(src: Uint8Array, start: number, end: number, bitPosition: number): number {
  const at = (start + (bitPosition >> 3)) | 0;
  let word = 0;
  if (at < end) word = src[at];
  if (((at + 1) | 0) < end) word = word | (src[(at + 1) | 0] << 8);
  if (((at + 2) | 0) < end) word = word | (src[(at + 2) | 0] << 16);
  return (word >>> (bitPosition & 7)) & 0xffff;
}

/**
 * Reads an FSE table description (§4.1.1) from src[start, end) into the normalized
 * probabilities. maxSymbol and maxLog are the limits for the table's kind. Returns 0 or a reason;
 * on success zstdFseInfo holds the accuracy log, the number of symbols and the bytes used.
 */
export function zstdFseReadDescription(src: Uint8Array, start: number, end: number, maxSymbol: number,
  maxLog: number): number {
  if (start >= end) return ZSTD_REASON_FSE_TABLE_TRUNCATED;
  const log = ((src[start] & 15) + 5) | 0;
  if (log > maxLog) return ZSTD_REASON_FSE_ACCURACY_TOO_LARGE;
  const totalBits = ((end - start) | 0) << 3;
  let bitPosition = 4;
  let remaining = ((1 << log) + 1) | 0;
  let threshold = 1 << log;
  let bitCount = (log + 1) | 0;
  let symbol = 0;
  while (remaining > 1 && symbol <= maxSymbol) {
    const bits = zstdFseForwardBits(src, start, end, bitPosition);
    // Values below `small` fit in bitCount - 1 bits; the rest take bitCount (§4.1.1).
    const small = (((threshold << 1) - 1) | 0) - remaining;
    let value = bits & ((threshold - 1) | 0);
    if (value < small) {
      bitPosition = (bitPosition + bitCount - 1) | 0;
    } else {
      value = bits & (((threshold << 1) - 1) | 0);
      if (value >= threshold) value = (value - small) | 0;
      bitPosition = (bitPosition + bitCount) | 0;
    }
    const probability = (value - 1) | 0;
    zstdFseNormalized[symbol] = probability;
    symbol = (symbol + 1) | 0;
    remaining = (remaining - (probability < 0 ? -probability : probability)) | 0;
    if (probability === 0) {
      // Runs of zero probabilities: 2-bit repeat counts, 3 meaning "and another count follows".
      let repeat = 3;
      while (repeat === 3) {
        repeat = zstdFseForwardBits(src, start, end, bitPosition) & 3;
        bitPosition = (bitPosition + 2) | 0;
        if (bitPosition > totalBits) return ZSTD_REASON_FSE_TABLE_TRUNCATED;
        if (((symbol + repeat) | 0) > ((maxSymbol + 1) | 0)) return ZSTD_REASON_FSE_TABLE_CORRUPT;
        for (let i = 0; i < repeat; i++) {
          zstdFseNormalized[symbol] = 0;
          symbol = (symbol + 1) | 0;
        }
      }
    }
    if (remaining < 1) return ZSTD_REASON_FSE_TABLE_CORRUPT;
    while (remaining < threshold) {
      bitCount = (bitCount - 1) | 0;
      threshold = threshold >> 1;
    }
    if (bitPosition > totalBits) return ZSTD_REASON_FSE_TABLE_TRUNCATED;
  }
  if (remaining !== 1) return ZSTD_REASON_FSE_TABLE_CORRUPT;
  zstdFseInfo[ZSTD_FSE_INFO_LOG] = log;
  zstdFseInfo[ZSTD_FSE_INFO_SYMBOLS] = symbol;
  zstdFseInfo[ZSTD_FSE_INFO_BYTES] = (bitPosition + 7) >> 3;
  return 0;
}

/**
 * Spreads the symbols of the normalized probabilities of symbols [0, symbols) at accuracy `log`
 * over the table's cells at `region` (zstdFseSymbol), and sets each symbol's first state counter
 * (zstdFseNext): the first half of §4.1.1 "FSE table construction". The cells' states follow
 * as each cell, visited in order, takes its counter (zstdFseTakeNext, zstdFseCellBits,
 * zstdFseCellBaseline). Returns 0 or a reason.
 */
export function zstdFseSpread(region: number, log: number, symbols: number): number {
  const size = 1 << log;
  const mask = (size - 1) | 0;
  let highest = (size - 1) | 0;
  // "Less than 1" symbols take one cell each, from the top down.
  for (let s = 0; s < symbols; s++) {
    const probability = zstdFseNormalized[s & 255];
    if (probability === -1) {
      zstdFseSymbol[(region + highest) & ZSTD_FSE_INDEX_MASK] = s;
      highest = (highest - 1) | 0;
      zstdFseNext[s & 255] = 1;
    } else {
      zstdFseNext[s & 255] = probability;
    }
  }
  // The others are spread with a fixed step that visits every cell once, skipping the top ones.
  const step = ((size >> 1) + (size >> 3) + 3) | 0;
  let position = 0;
  for (let s = 0; s < symbols; s++) {
    const count = zstdFseNormalized[s & 255];
    for (let i = 0; i < count; i++) {
      zstdFseSymbol[(region + position) & ZSTD_FSE_INDEX_MASK] = s;
      position = (position + step) & mask;
      while (position > highest) position = (position + step) & mask;
    }
  }
  return position === 0 ? 0 : ZSTD_REASON_FSE_TABLE_CORRUPT;
}

/**
 * The state counter of `symbol` for its next cell, counted up: the cells of a spread table are
 * numbered in order, each taking its symbol's next counter (zstdFseBuild; zstd-sequences.ts
 * writes these steps out for its packed tables).
 */
export function zstdFseTakeNext(symbol: number): number {
  const next = zstdFseNext[symbol];
  zstdFseNext[symbol] = (next + 1) | 0;
  return next;
}

/** The bits a cell reads for its next state, from its state counter `next`: log - floor(log2(next)). */
export function zstdFseCellBits(log: number, next: number): number {
  return (log - (31 - Math.clz32(next))) | 0;
}

/** The baseline of that cell's next state: next << bits, less the table's size. */
export function zstdFseCellBaseline(log: number, next: number, bits: number): number {
  return ((next << bits) - (1 << log)) | 0;
}

/**
 * Builds the decoding table at `region` (symbol, bits and baseline per cell) from the normalized
 * probabilities of symbols [0, symbols) at accuracy `log` (§4.1.1). Returns 0 or a reason.
 * zstd-sequences.ts spreads its tables with zstdFseSpread and packs the cells itself.
 */
export function zstdFseBuild(region: number, log: number, symbols: number): number {
  const spread = zstdFseSpread(region, log, symbols);
  if (spread !== 0) return spread;
  const size = 1 << log;
  for (let cell = 0; cell < size; cell++) {
    const index = (region + cell) & ZSTD_FSE_INDEX_MASK;
    const next = zstdFseTakeNext(zstdFseSymbol[index]);
    const bits = zstdFseCellBits(log, next);
    zstdFseBits[index] = bits;
    zstdFseBaseline[index] = zstdFseCellBaseline(log, next, bits);
  }
  return 0;
}

/** Loads a predefined distribution written as digits (see above) and spreads it at `region`. */
function zstdFseSpreadDigits(region: number, digits: string, log: number): void {
  for (let s = 0; s < digits.length; s++) zstdFseNormalized[s] = (digits.charCodeAt(s) - 49) | 0;
  zstdFseSpread(region, log, digits.length);
}

export function zstdFseSpreadDefaultLiteralLengths(): void {
  zstdFseSpreadDigits(ZSTD_FSE_LITERAL_LENGTHS, ZSTD_FSE_DEFAULT_LITERAL_LENGTHS, ZSTD_FSE_DEFAULT_LENGTHS_LOG);
}

export function zstdFseSpreadDefaultMatchLengths(): void {
  zstdFseSpreadDigits(ZSTD_FSE_MATCH_LENGTHS, ZSTD_FSE_DEFAULT_MATCH_LENGTHS, ZSTD_FSE_DEFAULT_LENGTHS_LOG);
}

export function zstdFseSpreadDefaultOffsets(): void {
  zstdFseSpreadDigits(ZSTD_FSE_OFFSETS, ZSTD_FSE_DEFAULT_OFFSETS, ZSTD_FSE_DEFAULT_OFFSETS_LOG);
}

/**
 * The bit count of the backward stream src[start, end) (§4.1 "bitstreams are read backward"):
 * the bits below the end mark, the highest set bit of the last byte. -1 when the stream is empty
 * or its last byte is 0.
 */
export function zstdBackwardStart(src: Uint8Array, start: number, end: number): number {
  if (end <= start) return -1;
  const last = src[(end - 1) | 0];
  if (last === 0) return -1;
  return ((((end - start - 1) | 0) << 3) + (31 - Math.clz32(last))) | 0;
}

/**
 * Bits [bitPosition - count, bitPosition) of the backward stream starting at src[start], as a
 * number whose top bit is the stream's bit bitPosition - 1 (count <= 25). Bits below the start of
 * the stream read as 0, as in the reference decoder; callers detect overrun from a negative
 * position. bitPosition never exceeds the stream's bit count, so the bytes read stay inside it.
 */
export function zstdBackwardBits(src: Uint8Array, start: number, bitPosition: number, count: number): number {
  if (bitPosition >= 25) {
    // The four bytes ending with the one that holds bit bitPosition - 1.
    const topByte = (bitPosition - 1) >> 3;
    const top = (start + topByte) | 0;
    const word = src[(top - 3) | 0] | (src[(top - 2) | 0] << 8) | (src[(top - 1) | 0] << 16) | (src[top] << 24);
    return (word >>> ((bitPosition - count - ((topByte - 3) << 3)) | 0)) & ((1 << count) - 1);
  }
  let value = 0;
  for (let bit = (bitPosition - 1) | 0; bit >= ((bitPosition - count) | 0); bit--) {
    value = value << 1;
    if (bit >= 0) value = value | ((src[(start + (bit >> 3)) | 0] >> (bit & 7)) & 1);
  }
  return value;
}

/**
 * A decode loop's window on a backward stream: the 32 bits from bit `windowLow` up, where
 * windowLow = ((bitPosition - 25) >> 3) << 3 is the byte boundary that leaves between 25 and 32
 * of the bits below bitPosition in the window. A loop extracts fields from the window while
 * enough bits sit above windowLow and reloads it (with a new windowLow) when they do not: one
 * 4-byte read per 25 bits or more instead of one per field. windowLow is negative near the
 * stream's start; bits below bit 0 read as 0, as in zstdBackwardBits.
 */
export function zstdBackwardWindow(src: Uint8Array, start: number, windowLow: number): number {
  const first = (start + (windowLow >> 3)) | 0;
  if (windowLow >= 0) {
    return src[first] | (src[(first + 1) | 0] << 8) | (src[(first + 2) | 0] << 16) | (src[(first + 3) | 0] << 24);
  }
  let word = 0;
  for (let i = 3; i >= 0; i--) {
    word = word << 8;
    if (((first + i) | 0) >= start) word = word | src[(first + i) | 0];
  }
  return word;
}
