/**
 * @fileoverview zstd's Huffman-coded literals (RFC 8878 §4.2): the tree description (weights,
 * FSE-compressed or 4-bit direct), the decoding table, and the 1- or 4-stream literal bitstreams.
 *
 * The table is indexed by the next Max_Number_of_Bits bits of the backward stream (the top bit
 * first) and packs symbol | code length << 8, so one lookup gives both, and the symbol is the
 * entry's low byte, which a byte store takes as it is. It stays valid for the following blocks of
 * the frame, for "treeless" literals (type 3).
 */
import {
  ZSTD_FSE_HUFFMAN_WEIGHTS, ZSTD_FSE_INDEX_MASK, ZSTD_FSE_INFO_BYTES, ZSTD_FSE_INFO_LOG, ZSTD_FSE_INFO_SYMBOLS,
  zstdBackwardBits, zstdBackwardStart, zstdBackwardWindow, zstdFseBaseline, zstdFseBits, zstdFseBuild, zstdFseInfo,
  zstdFseReadDescription, zstdFseSymbol,
} from './zstd-fse';
import {
  ZSTD_REASON_HUFFMAN_HEADER_TRUNCATED, ZSTD_REASON_HUFFMAN_JUMP_TABLE, ZSTD_REASON_HUFFMAN_STREAM_CORRUPT,
  ZSTD_REASON_HUFFMAN_TABLE_TOO_DEEP, ZSTD_REASON_HUFFMAN_WEIGHT_STREAM, ZSTD_REASON_HUFFMAN_WEIGHTS_INVALID,
  ZSTD_REASON_STREAM_NO_END_MARK,
} from './zstd-reasons';
import { lowBitMasks } from './low-bits';

/** Longest code zstd allows (§4.2.1: Max_Number_of_Bits <= 11). */
const ZSTD_HUFFMAN_MAX_BITS = 11;

export const zstdHuffmanTable = new Uint16Array(new ArrayBuffer((1 << ZSTD_HUFFMAN_MAX_BITS) * 2));
/**
 * The table's index range. The decoders mask their lookups with it as well as with the current
 * table's mask (never wider): no index changes, and the compiler sees every lookup fall inside
 * the table, which then needs no bounds check (compiler/wasm2c.ts, porffor patch 019).
 */
const ZSTD_HUFFMAN_INDEX_MASK = (1 << ZSTD_HUFFMAN_MAX_BITS) - 1;
/**
 * Decoded literals of the current block: the Huffman streams decode into it, zstd.ts fills it for
 * RLE literals (raw literals are read in place). A block regenerates at most 128 KiB of literals
 * (Block_Maximum_Size, §3.1.1.2.4). The decoders write it through its name, at indices masked
 * with ZSTD_LITERALS_INDEX_MASK, which changes none (every index is below `regenerated`): its
 * address is then a constant (porffor patch 019) and each store provably inside it, so the
 * stores need no bounds check (compiler/wasm2c.ts), where a buffer passed as a parameter paid two
 * per store (its element count, then the memory's bound): 16 a round of zstdHuffmanDecodeFour.
 */
const ZSTD_LITERALS_MAX = 131072;
const ZSTD_LITERALS_INDEX_MASK = ZSTD_LITERALS_MAX - 1;
/** 8 bytes past the most literals: zstdHuffmanDecodeFour stores at a masked index plus up to 4. */
export const zstdLiterals = new Uint8Array(new ArrayBuffer(ZSTD_LITERALS_MAX + 8));
/** Bits per table lookup of the current table; 0 when the frame has none yet. */
let zstdHuffmanMaxBits = 0;
/** Bytes of the last tree description read. */
let zstdHuffmanDescriptionSize = 0;

const zstdHuffmanWeights = new Uint8Array(new ArrayBuffer(256));
const zstdHuffmanRankCount = new Int32Array(new ArrayBuffer(16 * 4));
const zstdHuffmanRankStart = new Int32Array(new ArrayBuffer(16 * 4));

/** Forgets the table (a new frame starts without one). */
export function zstdHuffmanReset(): void {
  zstdHuffmanMaxBits = 0;
}

export function zstdHuffmanHasTable(): boolean {
  return zstdHuffmanMaxBits !== 0;
}

/** Bytes taken by the tree description zstdHuffmanReadTree read last. */
export function zstdHuffmanTreeSize(): number {
  return zstdHuffmanDescriptionSize;
}

/**
 * Decodes FSE-compressed weights (§4.2.1.2) from src[start, end): an FSE table description, then
 * a backward stream read with two interleaved states. Returns the number of weights, or -reason.
 */
function zstdHuffmanReadCompressedWeights(src: Uint8Array, start: number, end: number): number {
  const reason = zstdFseReadDescription(src, start, end, 255, 6);
  if (reason !== 0) return -reason;
  const log = zstdFseInfo[ZSTD_FSE_INFO_LOG];
  const built = zstdFseBuild(ZSTD_FSE_HUFFMAN_WEIGHTS, log, zstdFseInfo[ZSTD_FSE_INFO_SYMBOLS]);
  if (built !== 0) return -built;
  const streamStart = (start + zstdFseInfo[ZSTD_FSE_INFO_BYTES]) | 0;
  let bitPosition = zstdBackwardStart(src, streamStart, end);
  if (bitPosition < 0) return -ZSTD_REASON_STREAM_NO_END_MARK;
  let state1 = zstdBackwardBits(src, streamStart, bitPosition, log);
  bitPosition = (bitPosition - log) | 0;
  let state2 = zstdBackwardBits(src, streamStart, bitPosition, log);
  bitPosition = (bitPosition - log) | 0;
  let count = 0;
  // Symbols alternate between the states until the stream is over-read; then the other state
  // gives the last one (the reference decoder's rule). At most 255 weights. A pair of symbols
  // reads at most 2 * 6 bits (accuracy log <= 6): one 32-bit window a pair (bits below the
  // stream's start read as 0, zstdBackwardWindow). The cells are masked into the tables' index
  // range (no index changes; the reads then need no bounds check).
  for (;;) {
    if (count > 253) return -ZSTD_REASON_HUFFMAN_WEIGHT_STREAM;
    const windowLow = ((bitPosition - 25) >> 3) << 3;
    // zstdBackwardWindow's word read written out (a call a pair cost more than the read), the
    // call kept for the stream's first bytes.
    const reload = (streamStart + (windowLow >> 3)) | 0;
    const window = windowLow >= 0 ? src[reload] | (src[(reload + 1) | 0] << 8) | (src[(reload + 2) | 0] << 16) |
      (src[(reload + 3) | 0] << 24) : zstdBackwardWindow(src, streamStart, windowLow);
    let cell = (ZSTD_FSE_HUFFMAN_WEIGHTS + state1) & ZSTD_FSE_INDEX_MASK;
    zstdHuffmanWeights[count] = zstdFseSymbol[cell];
    count = (count + 1) | 0;
    let bits = zstdFseBits[cell] & 31;
    bitPosition = (bitPosition - bits) | 0;
    state1 = (zstdFseBaseline[cell] + ((window >>> ((bitPosition - windowLow) & 31)) & lowBitMasks[bits])) | 0;
    if (bitPosition < 0) {
      zstdHuffmanWeights[count] = zstdFseSymbol[(ZSTD_FSE_HUFFMAN_WEIGHTS + state2) & ZSTD_FSE_INDEX_MASK];
      return (count + 1) | 0;
    }
    if (count > 253) return -ZSTD_REASON_HUFFMAN_WEIGHT_STREAM;
    cell = (ZSTD_FSE_HUFFMAN_WEIGHTS + state2) & ZSTD_FSE_INDEX_MASK;
    zstdHuffmanWeights[count] = zstdFseSymbol[cell];
    count = (count + 1) | 0;
    bits = zstdFseBits[cell] & 31;
    bitPosition = (bitPosition - bits) | 0;
    state2 = (zstdFseBaseline[cell] + ((window >>> ((bitPosition - windowLow) & 31)) & lowBitMasks[bits])) | 0;
    if (bitPosition < 0) {
      zstdHuffmanWeights[count] = zstdFseSymbol[(ZSTD_FSE_HUFFMAN_WEIGHTS + state1) & ZSTD_FSE_INDEX_MASK];
      return (count + 1) | 0;
    }
  }
}

/**
 * Reads a Huffman tree description (§4.2.1) at src[start, end) and builds the decoding table.
 * Returns 0 or a reason; zstdHuffmanTreeSize() then gives the bytes it took.
 */
export function zstdHuffmanReadTree(src: Uint8Array, start: number, end: number): number {
  zstdHuffmanMaxBits = 0;
  if (start >= end) return ZSTD_REASON_HUFFMAN_HEADER_TRUNCATED;
  const header = src[start];
  let count = 0;
  if (header < 128) {
    // FSE-compressed weights, `header` bytes.
    const weightsEnd = (start + 1 + header) | 0;
    if (weightsEnd > end) return ZSTD_REASON_HUFFMAN_HEADER_TRUNCATED;
    count = zstdHuffmanReadCompressedWeights(src, (start + 1) | 0, weightsEnd);
    if (count < 0) return -count;
    zstdHuffmanDescriptionSize = (header + 1) | 0;
  } else {
    // header - 127 weights of 4 bits, the first in the high nibble.
    count = (header - 127) | 0;
    const bytes = (count + 1) >> 1;
    if (((start + 1 + bytes) | 0) > end) return ZSTD_REASON_HUFFMAN_HEADER_TRUNCATED;
    for (let i = 0; i < count; i++) {
      const packed = src[(start + 1 + (i >> 1)) | 0];
      zstdHuffmanWeights[i] = (i & 1) === 0 ? packed >> 4 : packed & 15;
    }
    zstdHuffmanDescriptionSize = (bytes + 1) | 0;
  }
  return zstdHuffmanBuild(count);
}

/**
 * Builds the decoding table from `count` weights; the last symbol's weight is implied (the one
 * that completes the sum to a power of two, §4.2.1.3). Returns 0 or a reason.
 */
function zstdHuffmanBuild(count: number): number {
  for (let w = 0; w < 16; w++) zstdHuffmanRankCount[w] = 0;
  let total = 0;
  for (let s = 0; s < count; s++) {
    const weight = zstdHuffmanWeights[s];
    if (weight > ZSTD_HUFFMAN_MAX_BITS) return ZSTD_REASON_HUFFMAN_WEIGHTS_INVALID;
    zstdHuffmanRankCount[weight] = (zstdHuffmanRankCount[weight] + 1) | 0;
    if (weight > 0) total = (total + (1 << (weight - 1))) | 0;
  }
  if (total === 0) return ZSTD_REASON_HUFFMAN_WEIGHTS_INVALID;
  const maxBits = (32 - Math.clz32(total)) | 0;
  if (maxBits > ZSTD_HUFFMAN_MAX_BITS) return ZSTD_REASON_HUFFMAN_TABLE_TOO_DEEP;
  const rest = ((1 << maxBits) - total) | 0;
  if ((rest & (rest - 1)) !== 0) return ZSTD_REASON_HUFFMAN_WEIGHTS_INVALID;
  const lastWeight = (32 - Math.clz32(rest)) | 0;
  zstdHuffmanWeights[count] = lastWeight;
  zstdHuffmanRankCount[lastWeight] = (zstdHuffmanRankCount[lastWeight] + 1) | 0;
  // A complete prefix code has an even number (at least 2) of the longest codes.
  const longest = zstdHuffmanRankCount[1];
  if (longest < 2 || (longest & 1) !== 0) return ZSTD_REASON_HUFFMAN_WEIGHTS_INVALID;
  // Weight 1 (longest codes) fill the table from index 0, in symbol order, then weight 2, ...
  let position = 0;
  for (let w = 1; w <= maxBits; w++) {
    zstdHuffmanRankStart[w] = position;
    position = (position + (zstdHuffmanRankCount[w] << (w - 1))) | 0;
  }
  const symbols = (count + 1) | 0;
  for (let s = 0; s < symbols; s++) {
    const weight = zstdHuffmanWeights[s];
    if (weight === 0) continue;
    const span = 1 << (weight - 1);
    const entry = s | ((maxBits + 1 - weight) << 8);
    const first = zstdHuffmanRankStart[weight];
    // The table's positions add up to 2^maxBits at most: the mask changes no index, and lets the
    // compiler see every store inside the table (no bounds check; porffor patch 019).
    for (let i = 0; i < span; i++) zstdHuffmanTable[(first + i) & ZSTD_HUFFMAN_INDEX_MASK] = entry;
    zstdHuffmanRankStart[weight] = (first + span) | 0;
  }
  zstdHuffmanMaxBits = maxBits;
  return 0;
}

/**
 * Decodes zstdLiterals[outStart, outEnd) from the backward stream src[start, end), which must end exactly
 * after the last symbol, with zstdHuffmanTable. Returns 0 or a reason.
 */
function zstdHuffmanDecodeStream(src: Uint8Array, start: number, end: number, outStart: number,
  outEnd: number): number {
  const bitPosition = zstdBackwardStart(src, start, end);
  if (bitPosition < 0) return ZSTD_REASON_STREAM_NO_END_MARK;
  return zstdHuffmanContinue(src, start, bitPosition, outStart, outEnd);
}

/**
 * Decodes zstdLiterals[op, outEnd) from the stream at src[start ..) with bitPosition bits left, which must
 * be exactly the symbols' bits. Returns 0 or a reason.
 */
function zstdHuffmanContinue(src: Uint8Array, start: number, bitPosition: number, op: number,
  outEnd: number): number {
  const maxBits = zstdHuffmanMaxBits;
  const mask = ((1 << maxBits) - 1) & ZSTD_HUFFMAN_INDEX_MASK;
  // The bit window of zstdBackwardWindow: a reload leaves at least 25 bits, enough for two
  // lookups of at most 11 bits each.
  let windowLow = ((bitPosition - 25) >> 3) << 3;
  let window = zstdBackwardWindow(src, start, windowLow);
  const pairEnd = (outEnd - 1) | 0;
  while (op < pairEnd) {
    if (((bitPosition - windowLow) | 0) < (maxBits << 1)) {
      // zstdBackwardWindow's word read written out (a call per reload cost more than the read),
      // the call kept for the stream's first bytes.
      windowLow = ((bitPosition - 25) >> 3) << 3;
      const reload = (start + (windowLow >> 3)) | 0;
      window = windowLow >= 0 ? src[reload] | (src[(reload + 1) | 0] << 8) | (src[(reload + 2) | 0] << 16) |
        (src[(reload + 3) | 0] << 24) : zstdBackwardWindow(src, start, windowLow);
    }
    let entry = zstdHuffmanTable[(window >>> ((bitPosition - maxBits - windowLow) | 0)) & mask];
    zstdLiterals[op & ZSTD_LITERALS_INDEX_MASK] = entry & 255;
    bitPosition = (bitPosition - (entry >> 8)) | 0;
    entry = zstdHuffmanTable[(window >>> ((bitPosition - maxBits - windowLow) | 0)) & mask];
    zstdLiterals[(op + 1) & ZSTD_LITERALS_INDEX_MASK] = entry & 255;
    bitPosition = (bitPosition - (entry >> 8)) | 0;
    op = (op + 2) | 0;
    // Below 0 the stream was over-read (its missing bits read as 0): it cannot end exactly.
    if (bitPosition < 0) return ZSTD_REASON_HUFFMAN_STREAM_CORRUPT;
  }
  if (op < outEnd) {
    if (((bitPosition - windowLow) | 0) < maxBits) {
      windowLow = ((bitPosition - 25) >> 3) << 3;
      window = zstdBackwardWindow(src, start, windowLow);
    }
    const entry = zstdHuffmanTable[(window >>> ((bitPosition - maxBits - windowLow) | 0)) & mask];
    zstdLiterals[op & ZSTD_LITERALS_INDEX_MASK] = entry & 255;
    bitPosition = (bitPosition - (entry >> 8)) | 0;
  }
  if (bitPosition !== 0) return ZSTD_REASON_HUFFMAN_STREAM_CORRUPT;
  return 0;
}

/**
 * The four streams of a 4-stream literals section, decoded together: stream k fills
 * zstdLiterals[k * segment, ...), the last one up to `regenerated`. While every stream has five
 * symbols left, each round decodes five from each: four independent chains of table lookups that
 * the CPU overlaps, where one stream after another is one chain (the reference decoder's 4X
 * loop). Each stream then finishes alone (zstdHuffmanContinue). Returns 0 or a reason.
 *
 * Each stream's window is 64 bits of it in a 64-bit local (ES104), as zstd-sequences.ts's: a reload
 * at the start of every round puts windowLow on the byte boundary that leaves 57 to 64 of the bits
 * below bitPosition in the window, which holds the round's five lookups (11 bits at most each: 55
 * bits; with four a round, a reload every four symbols, the loop took 55.2M instructions a decode
 * of Debian's payload, 42.9M with five). The next lookup's bits are the window shifted right by
 * `shift` (bitPosition - windowLow - maxBits, kept rather than the bits left so that a lookup is
 * one shift), which each symbol lowers by its length; bitPosition is brought up to date at the end
 * of the round. One 8-byte read per stream and round, with no branch on how many bits are left:
 * with 32-bit windows it was a tested reload per two symbols, and the loop ran about twice the
 * instructions a symbol (BENCHMARKS.md). A round's five stores to a stream go at one masked index
 * plus 0 to 4 (zstdLiterals has room past ZSTD_LITERALS_MAX for them).
 *
 * A function of its own (compiler/wasm2c.ts keepOutOfLine): inlined into the block decoder, its
 * sixteen values a round shared the registers with the sequence decoder's.
 * @noinline
 * @bmi2
 */
function zstdHuffmanDecodeFour(src: Uint8Array, start1: number, start2: number, start3: number,
  start4: number, end: number, segment: number, regenerated: number): number {
  let bitPosition1 = zstdBackwardStart(src, start1, start2);
  let bitPosition2 = zstdBackwardStart(src, start2, start3);
  let bitPosition3 = zstdBackwardStart(src, start3, start4);
  let bitPosition4 = zstdBackwardStart(src, start4, end);
  if ((bitPosition1 | bitPosition2 | bitPosition3 | bitPosition4) < 0) return ZSTD_REASON_STREAM_NO_END_MARK;
  const maxBits = zstdHuffmanMaxBits;
  const mask = ((1 << maxBits) - 1) & ZSTD_HUFFMAN_INDEX_MASK;
  let windowLow1 = 0;
  let shift1 = 0;
  let window1: bigint = 0n;
  let windowLow2 = 0;
  let shift2 = 0;
  let window2: bigint = 0n;
  let windowLow3 = 0;
  let shift3 = 0;
  let window3: bigint = 0n;
  let windowLow4 = 0;
  let shift4 = 0;
  let window4: bigint = 0n;
  let reload = 0;
  // Symbols done per stream; the last stream is the shortest (regenerated - 3 * segment).
  let done = 0;
  const lastRound = (regenerated - Math.imul(segment, 3) - 4) | 0;
  while (done < lastRound) {
    windowLow1 = ((bitPosition1 - 57) >> 3) << 3;
    shift1 = (bitPosition1 - windowLow1 - maxBits) | 0;
    reload = (start1 + (windowLow1 >> 3)) | 0;
    if (windowLow1 >= 0) {
      window1 = BigInt((src[reload] | (src[(reload + 1) | 0] << 8) | (src[(reload + 2) | 0] << 16) |
        (src[(reload + 3) | 0] << 24)) >>> 0) | BigInt.asUintN(64, BigInt((src[(reload + 4) | 0] |
        (src[(reload + 5) | 0] << 8) | (src[(reload + 6) | 0] << 16) | (src[(reload + 7) | 0] << 24)) >>> 0) << 32n);
    } else {
      window1 = BigInt(zstdBackwardWindow(src, start1, windowLow1) >>> 0) |
        BigInt.asUintN(64, BigInt(zstdBackwardWindow(src, start1, (windowLow1 + 32) | 0) >>> 0) << 32n);
    }
    windowLow2 = ((bitPosition2 - 57) >> 3) << 3;
    shift2 = (bitPosition2 - windowLow2 - maxBits) | 0;
    reload = (start2 + (windowLow2 >> 3)) | 0;
    if (windowLow2 >= 0) {
      window2 = BigInt((src[reload] | (src[(reload + 1) | 0] << 8) | (src[(reload + 2) | 0] << 16) |
        (src[(reload + 3) | 0] << 24)) >>> 0) | BigInt.asUintN(64, BigInt((src[(reload + 4) | 0] |
        (src[(reload + 5) | 0] << 8) | (src[(reload + 6) | 0] << 16) | (src[(reload + 7) | 0] << 24)) >>> 0) << 32n);
    } else {
      window2 = BigInt(zstdBackwardWindow(src, start2, windowLow2) >>> 0) |
        BigInt.asUintN(64, BigInt(zstdBackwardWindow(src, start2, (windowLow2 + 32) | 0) >>> 0) << 32n);
    }
    windowLow3 = ((bitPosition3 - 57) >> 3) << 3;
    shift3 = (bitPosition3 - windowLow3 - maxBits) | 0;
    reload = (start3 + (windowLow3 >> 3)) | 0;
    if (windowLow3 >= 0) {
      window3 = BigInt((src[reload] | (src[(reload + 1) | 0] << 8) | (src[(reload + 2) | 0] << 16) |
        (src[(reload + 3) | 0] << 24)) >>> 0) | BigInt.asUintN(64, BigInt((src[(reload + 4) | 0] |
        (src[(reload + 5) | 0] << 8) | (src[(reload + 6) | 0] << 16) | (src[(reload + 7) | 0] << 24)) >>> 0) << 32n);
    } else {
      window3 = BigInt(zstdBackwardWindow(src, start3, windowLow3) >>> 0) |
        BigInt.asUintN(64, BigInt(zstdBackwardWindow(src, start3, (windowLow3 + 32) | 0) >>> 0) << 32n);
    }
    windowLow4 = ((bitPosition4 - 57) >> 3) << 3;
    shift4 = (bitPosition4 - windowLow4 - maxBits) | 0;
    reload = (start4 + (windowLow4 >> 3)) | 0;
    if (windowLow4 >= 0) {
      window4 = BigInt((src[reload] | (src[(reload + 1) | 0] << 8) | (src[(reload + 2) | 0] << 16) |
        (src[(reload + 3) | 0] << 24)) >>> 0) | BigInt.asUintN(64, BigInt((src[(reload + 4) | 0] |
        (src[(reload + 5) | 0] << 8) | (src[(reload + 6) | 0] << 16) | (src[(reload + 7) | 0] << 24)) >>> 0) << 32n);
    } else {
      window4 = BigInt(zstdBackwardWindow(src, start4, windowLow4) >>> 0) |
        BigInt.asUintN(64, BigInt(zstdBackwardWindow(src, start4, (windowLow4 + 32) | 0) >>> 0) << 32n);
    }
    const op1 = done & ZSTD_LITERALS_INDEX_MASK;
    const op2 = (segment + done) & ZSTD_LITERALS_INDEX_MASK;
    const op3 = ((segment << 1) + done) & ZSTD_LITERALS_INDEX_MASK;
    const op4 = (Math.imul(segment, 3) + done) & ZSTD_LITERALS_INDEX_MASK;
    let entry1 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window1) >> BigInt(shift1 & 63))) & mask];
    let entry2 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window2) >> BigInt(shift2 & 63))) & mask];
    let entry3 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window3) >> BigInt(shift3 & 63))) & mask];
    let entry4 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window4) >> BigInt(shift4 & 63))) & mask];
    zstdLiterals[op1] = entry1 & 255;
    zstdLiterals[op2] = entry2 & 255;
    zstdLiterals[op3] = entry3 & 255;
    zstdLiterals[op4] = entry4 & 255;
    shift1 = (shift1 - (entry1 >> 8)) | 0;
    shift2 = (shift2 - (entry2 >> 8)) | 0;
    shift3 = (shift3 - (entry3 >> 8)) | 0;
    shift4 = (shift4 - (entry4 >> 8)) | 0;
    entry1 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window1) >> BigInt(shift1 & 63))) & mask];
    entry2 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window2) >> BigInt(shift2 & 63))) & mask];
    entry3 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window3) >> BigInt(shift3 & 63))) & mask];
    entry4 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window4) >> BigInt(shift4 & 63))) & mask];
    zstdLiterals[(op1 + 1) | 0] = entry1 & 255;
    zstdLiterals[(op2 + 1) | 0] = entry2 & 255;
    zstdLiterals[(op3 + 1) | 0] = entry3 & 255;
    zstdLiterals[(op4 + 1) | 0] = entry4 & 255;
    shift1 = (shift1 - (entry1 >> 8)) | 0;
    shift2 = (shift2 - (entry2 >> 8)) | 0;
    shift3 = (shift3 - (entry3 >> 8)) | 0;
    shift4 = (shift4 - (entry4 >> 8)) | 0;
    entry1 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window1) >> BigInt(shift1 & 63))) & mask];
    entry2 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window2) >> BigInt(shift2 & 63))) & mask];
    entry3 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window3) >> BigInt(shift3 & 63))) & mask];
    entry4 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window4) >> BigInt(shift4 & 63))) & mask];
    zstdLiterals[(op1 + 2) | 0] = entry1 & 255;
    zstdLiterals[(op2 + 2) | 0] = entry2 & 255;
    zstdLiterals[(op3 + 2) | 0] = entry3 & 255;
    zstdLiterals[(op4 + 2) | 0] = entry4 & 255;
    shift1 = (shift1 - (entry1 >> 8)) | 0;
    shift2 = (shift2 - (entry2 >> 8)) | 0;
    shift3 = (shift3 - (entry3 >> 8)) | 0;
    shift4 = (shift4 - (entry4 >> 8)) | 0;
    entry1 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window1) >> BigInt(shift1 & 63))) & mask];
    entry2 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window2) >> BigInt(shift2 & 63))) & mask];
    entry3 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window3) >> BigInt(shift3 & 63))) & mask];
    entry4 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window4) >> BigInt(shift4 & 63))) & mask];
    zstdLiterals[(op1 + 3) | 0] = entry1 & 255;
    zstdLiterals[(op2 + 3) | 0] = entry2 & 255;
    zstdLiterals[(op3 + 3) | 0] = entry3 & 255;
    zstdLiterals[(op4 + 3) | 0] = entry4 & 255;
    shift1 = (shift1 - (entry1 >> 8)) | 0;
    shift2 = (shift2 - (entry2 >> 8)) | 0;
    shift3 = (shift3 - (entry3 >> 8)) | 0;
    shift4 = (shift4 - (entry4 >> 8)) | 0;
    entry1 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window1) >> BigInt(shift1 & 63))) & mask];
    entry2 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window2) >> BigInt(shift2 & 63))) & mask];
    entry3 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window3) >> BigInt(shift3 & 63))) & mask];
    entry4 = zstdHuffmanTable[Number(BigInt.asUintN(32, BigInt.asUintN(64, window4) >> BigInt(shift4 & 63))) & mask];
    zstdLiterals[(op1 + 4) | 0] = entry1 & 255;
    zstdLiterals[(op2 + 4) | 0] = entry2 & 255;
    zstdLiterals[(op3 + 4) | 0] = entry3 & 255;
    zstdLiterals[(op4 + 4) | 0] = entry4 & 255;
    shift1 = (shift1 - (entry1 >> 8)) | 0;
    shift2 = (shift2 - (entry2 >> 8)) | 0;
    shift3 = (shift3 - (entry3 >> 8)) | 0;
    shift4 = (shift4 - (entry4 >> 8)) | 0;
    bitPosition1 = (windowLow1 + shift1 + maxBits) | 0;
    bitPosition2 = (windowLow2 + shift2 + maxBits) | 0;
    bitPosition3 = (windowLow3 + shift3 + maxBits) | 0;
    bitPosition4 = (windowLow4 + shift4 + maxBits) | 0;
    done = (done + 5) | 0;
    // Below 0 a stream was over-read (its missing bits read as 0): it cannot end exactly.
    if ((bitPosition1 | bitPosition2 | bitPosition3 | bitPosition4) < 0) return ZSTD_REASON_HUFFMAN_STREAM_CORRUPT;
  }
  let reason = zstdHuffmanContinue(src, start1, bitPosition1, done, segment);
  if (reason !== 0) return reason;
  reason = zstdHuffmanContinue(src, start2, bitPosition2, (segment + done) | 0, segment << 1);
  if (reason !== 0) return reason;
  reason = zstdHuffmanContinue(src, start3, bitPosition3, ((segment << 1) + done) | 0,
    Math.imul(segment, 3));
  if (reason !== 0) return reason;
  return zstdHuffmanContinue(src, start4, bitPosition4, (Math.imul(segment, 3) + done) | 0, regenerated);
}

/**
 * Decodes `regenerated` literals into zstdLiterals[0, regenerated) from the Huffman streams at
 * src[start, end) with the current table: one stream, or four after a 6-byte jump table
 * (§3.1.1.3.1.6). Returns 0 or a reason.
 */
export function zstdHuffmanDecodeLiterals(src: Uint8Array, start: number, end: number, fourStreams: boolean,
  regenerated: number): number {
  if (!fourStreams) return zstdHuffmanDecodeStream(src, start, end, 0, regenerated);
  if (((end - start) | 0) < 10) return ZSTD_REASON_HUFFMAN_JUMP_TABLE;
  const size1 = src[start] | (src[(start + 1) | 0] << 8);
  const size2 = src[(start + 2) | 0] | (src[(start + 3) | 0] << 8);
  const size3 = src[(start + 4) | 0] | (src[(start + 5) | 0] << 8);
  const start1 = (start + 6) | 0;
  const start2 = (start1 + size1) | 0;
  const start3 = (start2 + size2) | 0;
  const start4 = (start3 + size3) | 0;
  if (start4 >= end) return ZSTD_REASON_HUFFMAN_JUMP_TABLE;
  const segment = (regenerated + 3) >> 2;
  return zstdHuffmanDecodeFour(src, start1, start2, start3, start4, end, segment, regenerated);
}
