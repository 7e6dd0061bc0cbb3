/**
 * @fileoverview The LZMA decoder shared by .lzma ("alone", lzma.ts) and the LZMA2 chunks of .xz
 * (lzma2.ts): the range decoder, the literal / match / rep-match symbols and their adaptive
 * probabilities.
 *
 * Sources: the LZMA specification in the LZMA SDK (lzma-specification.txt, "The range decoder",
 * "LZMA decoding modes", "The match finder"), and the .xz format specification §5.3.1 for the
 * parts LZMA2 restricts (lc + lp <= 4, no end marker inside a chunk).
 *
 * The stub decodes whole buffers, so the dictionary is the output buffer itself: a match copies
 * from output[outPos - distance - 1], and a distance is valid when it stays after `dictStart`
 * (the last dictionary reset: the start of the output for .lzma, the start of the block or of
 * the chunk that reset it for LZMA2) and within the dictionary size xz-utils would allocate
 * (lzmaCoreDictionaryLimit), so the stub refuses exactly the streams `xz -dc` refuses. Positions
 * that select probabilities (posState, the literal position bits) count from dictStart, as they
 * count from the dictionary reset in a streaming decoder.
 *
 * State that lives across calls (LZMA2 continues the coder state from chunk to chunk) is kept in
 * module-level typed arrays: lzmaProbabilities and lzmaCoderState. lzmaCoreRun copies it into
 * locals, runs, and writes it back once.
 *
 * Range decoder arithmetic: `range` and `code` are unsigned 32-bit values held in int32 locals
 * (so they mean the same in Node and in i32 Wasm). The one unsigned comparison per bit,
 * code < bound, is written as a signed comparison of both sides with the sign bit flipped (the
 * uint32Below identity, inlined because it runs once per decoded bit). The decoder normalises
 * right after each bit (as the encoder does), so after the last symbol of a chunk it has read
 * exactly the bytes the encoder wrote and `code` is 0.
 *
 * Input bounds: a normalisation past inEnd shifts in a zero byte instead of reading and still
 * advances inPos; the main loop checks inPos <= inEnd once per symbol, so truncated input ends
 * with LZMA_CORE_TRUNCATED, and no read leaves [0, inEnd).
 */
import { uint32Below } from '../efi/address';
import { LZ_SHORT_COPY, lzCopyMatch } from './lz-copy';

// Probability model layout in lzmaProbabilities (LZMA specification, "LZMA decoding modes").
const LZMA_STATES = 12;
const LZMA_POS_STATES_MAX = 16;
const LZMA_PROB_IS_MATCH = 0; // [state][posState]
const LZMA_PROB_IS_REP = LZMA_PROB_IS_MATCH + LZMA_STATES * LZMA_POS_STATES_MAX; // 192
const LZMA_PROB_IS_REP_G0 = LZMA_PROB_IS_REP + LZMA_STATES;
const LZMA_PROB_IS_REP_G1 = LZMA_PROB_IS_REP_G0 + LZMA_STATES;
const LZMA_PROB_IS_REP_G2 = LZMA_PROB_IS_REP_G1 + LZMA_STATES;
const LZMA_PROB_IS_REP0_LONG = LZMA_PROB_IS_REP_G2 + LZMA_STATES; // [state][posState]
const LZMA_PROB_POS_SLOT = LZMA_PROB_IS_REP0_LONG + LZMA_STATES * LZMA_POS_STATES_MAX; // [4][64]
// Reverse bit trees for slots 4..13, addressed as base + distanceBase - slot + symbol, symbol
// from 1: 1 + (full distances 128 - end slot 14) = 115 entries.
const LZMA_PROB_SPEC_POS = LZMA_PROB_POS_SLOT + 4 * 64;
const LZMA_PROB_ALIGN = LZMA_PROB_SPEC_POS + 115; // 16 entries, 4-bit reverse tree from 1
// A length coder: choice, choice2, low[16][8], mid[16][8], high[256].
const LZMA_LEN_CHOICE = 0;
const LZMA_LEN_CHOICE2 = 1;
const LZMA_LEN_LOW = 2;
const LZMA_LEN_MID = 130;
const LZMA_LEN_HIGH = 258;
const LZMA_LEN_CODER_SIZE = 514;
const LZMA_PROB_MATCH_LEN = LZMA_PROB_ALIGN + 16;
const LZMA_PROB_REP_LEN = LZMA_PROB_MATCH_LEN + LZMA_LEN_CODER_SIZE;
const LZMA_PROB_LITERAL = LZMA_PROB_REP_LEN + LZMA_LEN_CODER_SIZE;
/** lc + lp is at most 4 (xz-utils refuses more for .lzma too): 0x300 << 4 literal probabilities. */
export const LZMA_LCLP_MAX = 4;
const LZMA_PROB_COUNT = LZMA_PROB_LITERAL + (0x300 << LZMA_LCLP_MAX);

/**
 * The probabilities' index range, a power of two above LZMA_PROB_COUNT. Every index the decoder
 * computes is below LZMA_PROB_COUNT by construction; masking each access with this changes no
 * index and lets the compiler see the access inside the table, which then needs no bounds check
 * (porffor patch 019, compiler/wasm2c.ts): two a decoded bit.
 */
const LZMA_PROB_INDEX_MASK = 0x3fff;
/** 11-bit probabilities, initialised to one half (1024) at every state reset. */
const lzmaProbabilities = new Uint16Array(new ArrayBuffer((LZMA_PROB_INDEX_MASK + 1) * 2));

// lzmaCoderState indices: what survives between lzmaCoreRun calls.
const LZMA_STATE_RANGE = 0;
const LZMA_STATE_CODE = 1;
const LZMA_STATE_STATE = 2;
const LZMA_STATE_REP0 = 3;
const LZMA_STATE_REP1 = 4;
const LZMA_STATE_REP2 = 5;
const LZMA_STATE_REP3 = 6;
const LZMA_STATE_LC = 7;
const LZMA_STATE_LP = 8;
const LZMA_STATE_PB = 9;
const LZMA_STATE_IN_POS = 10;
const LZMA_STATE_OUT_POS = 11;
const lzmaCoderState = new Int32Array(new ArrayBuffer(64));

// lzmaCoreRun results.
/** The output limit was reached with the range decoder finished (code 0). */
export const LZMA_CORE_DONE = 0;
/** An end-of-payload marker was decoded (and the range decoder finished). */
export const LZMA_CORE_END_MARKER = 1;
/** The symbol needed input bytes past inEnd. */
export const LZMA_CORE_TRUNCATED = 2;
/** A match distance reaches before the dictionary start (or is the marker where not allowed). */
export const LZMA_CORE_DISTANCE = 3;
/** Output would pass outLimit when outLimit is only the buffer's capacity. */
export const LZMA_CORE_OUTPUT_FULL = 4;
/** Output would pass outLimit when outLimit is the known uncompressed size. */
export const LZMA_CORE_PAST_END = 5;
/** The known size was reached (or a marker decoded) but the range decoder's code is not 0. */
export const LZMA_CORE_NOT_FINISHED = 6;
/** The first byte of a range decoder initialisation is not 0. */
export const LZMA_CORE_BAD_INIT = 7;
/** An end-of-payload marker came before the known uncompressed size was reached. */
export const LZMA_CORE_EARLY_END = 8;

/**
 * Splits an LZMA properties byte (pb * 45 + lp * 9 + lc) into the coder state. Returns 0, or 1
 * when the byte is above 224 (pb > 4), or 2 when lc + lp > 4 (LZMA2's rule, which xz-utils
 * applies to .lzma files as well).
 */
export function lzmaCoreSetProperties(properties: number): number {
  if (properties > 224) {
    return 1;
  }
  const pb = (properties / 45) | 0;
  const rest = (properties - pb * 45) | 0;
  const lp = (rest / 9) | 0;
  const lc = (rest - lp * 9) | 0;
  if (((lc + lp) | 0) > LZMA_LCLP_MAX) {
    return 2;
  }
  lzmaCoderState[LZMA_STATE_LC] = lc;
  lzmaCoderState[LZMA_STATE_LP] = lp;
  lzmaCoderState[LZMA_STATE_PB] = pb;
  return 0;
}

/** State reset: every probability to one half, state 0, all four distances 0. */
export function lzmaCoreResetState(): void {
  const lc = lzmaCoderState[LZMA_STATE_LC];
  const lp = lzmaCoderState[LZMA_STATE_LP];
  const used = (LZMA_PROB_LITERAL + (0x300 << ((lc + lp) | 0))) | 0;
  for (let i = 0; i < used; i++) {
    lzmaProbabilities[i] = 1024;
  }
  lzmaCoderState[LZMA_STATE_STATE] = 0;
  lzmaCoderState[LZMA_STATE_REP0] = 0;
  lzmaCoderState[LZMA_STATE_REP1] = 0;
  lzmaCoderState[LZMA_STATE_REP2] = 0;
  lzmaCoderState[LZMA_STATE_REP3] = 0;
}

/**
 * Range decoder initialisation from input[start, start + 5): a zero byte, then the code big-endian.
 * The caller has checked the five bytes are there. Returns LZMA_CORE_DONE or LZMA_CORE_BAD_INIT.
 */
export function lzmaCoreInitRangeDecoder(input: Uint8Array, start: number): number {
  if (input[start] !== 0) {
    return LZMA_CORE_BAD_INIT;
  }
  lzmaCoderState[LZMA_STATE_RANGE] = -1;
  lzmaCoderState[LZMA_STATE_CODE] = (input[(start + 1) | 0] << 24) | (input[(start + 2) | 0] << 16) |
    (input[(start + 3) | 0] << 8) | input[(start + 4) | 0];
  return LZMA_CORE_DONE;
}

/**
 * The dictionary xz-utils 5.4 allocates for a declared size (liblzma lz_decoder.c: at least 4096
 * bytes, rounded up to a multiple of 16); a distance must stay below it. Returns it as an
 * unsigned 32-bit pattern, or 0xFFFFFFFF (no limit short of 4 GiB) when the rounding passes 2^32.
 */
export function lzmaCoreDictionaryLimit(dictionarySize: number): number {
  if (uint32Below(dictionarySize, 4096)) {
    return 4096;
  }
  if (uint32Below(0xfffffff0, dictionarySize)) {
    return -1;
  }
  return ((dictionarySize + 15) & -16) | 0;
}

/** Input position after the last lzmaCoreRun (may exceed its inEnd when it reports TRUNCATED). */
export function lzmaCoreInputPosition(): number {
  return lzmaCoderState[LZMA_STATE_IN_POS];
}

/** Output position after the last lzmaCoreRun. */
export function lzmaCoreOutputPosition(): number {
  return lzmaCoderState[LZMA_STATE_OUT_POS];
}

/**
 * Decodes LZMA symbols from input[inPos, inEnd) into output[outPos, outLimit), continuing the
 * coder state (probabilities, state, distances, range decoder) left by the previous call.
 * Distances must stay below outPos - dictStart and below dictLimit (lzmaCoreDictionaryLimit).
 *
 * limitIsEnd: outLimit is the known uncompressed size, so stop there (DONE when code is 0), and
 * output past it is LZMA_CORE_PAST_END; otherwise outLimit is the capacity and passing it is
 * LZMA_CORE_OUTPUT_FULL. allowEndMarker: an end-of-payload marker (distance 0xFFFFFFFF) ends
 * the run (.lzma); without it the marker is an invalid distance (LZMA2). With both set (a .lzma
 * with a known size), reaching the size with code != 0 means a marker must follow.
 *
 * Returns an LZMA_CORE_* result; lzmaCoreInputPosition/lzmaCoreOutputPosition tell where it
 * stopped. Bounded: every symbol writes output or ends the run.
 */
export function lzmaCoreRun(input: Uint8Array, inPos: number, inEnd: number, output: Uint8Array, outPos: number,
  outLimit: number, dictStart: number, dictLimit: number, limitIsEnd: boolean, allowEndMarker: boolean): number {
  let range = lzmaCoderState[LZMA_STATE_RANGE];
  let code = lzmaCoderState[LZMA_STATE_CODE];
  let state = lzmaCoderState[LZMA_STATE_STATE];
  let rep0 = lzmaCoderState[LZMA_STATE_REP0];
  let rep1 = lzmaCoderState[LZMA_STATE_REP1];
  let rep2 = lzmaCoderState[LZMA_STATE_REP2];
  let rep3 = lzmaCoderState[LZMA_STATE_REP3];
  const lc = lzmaCoderState[LZMA_STATE_LC];
  const literalPosMask = ((1 << lzmaCoderState[LZMA_STATE_LP]) - 1) | 0;
  const posMask = ((1 << lzmaCoderState[LZMA_STATE_PB]) - 1) | 0;
  const literalShift = (8 - lc) | 0;
  let result = LZMA_CORE_DONE;
  let bound = 0;
  let probability = 0;
  let index = 0;
  let bit = 0;

  for (;;) {
    if (inPos > inEnd) {
      result = LZMA_CORE_TRUNCATED;
      break;
    }
    if (outPos === outLimit && limitIsEnd && (code === 0 || !allowEndMarker)) {
      result = code === 0 ? LZMA_CORE_DONE : LZMA_CORE_NOT_FINISHED;
      break;
    }
    const position = (outPos - dictStart) | 0;
    const posState = position & posMask;

    // is_match[state][posState]
    index = (LZMA_PROB_IS_MATCH + (state << 4) + posState) | 0;
    probability = lzmaProbabilities[index & LZMA_PROB_INDEX_MASK];
    bound = Math.imul(range >>> 11, probability);
    if (((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0)) {
      range = bound;
      lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability + ((2048 - probability) >> 5)) | 0;
      if ((range >>> 24) === 0) {
        range = range << 8;
        code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
        inPos = (inPos + 1) | 0;
      }

      // Literal: 8 bits through a bit tree chosen by lc high bits of the previous byte and lp
      // low bits of the position; after a match, the byte at rep0 steers the first bits.
      if (outPos === outLimit) {
        result = limitIsEnd ? LZMA_CORE_PAST_END : LZMA_CORE_OUTPUT_FULL;
        break;
      }
      const previous = outPos === dictStart ? 0 : output[(outPos - 1) | 0];
      const base = (LZMA_PROB_LITERAL +
        Math.imul(0x300, ((position & literalPosMask) << lc) + (previous >> literalShift))) | 0;
      let symbol = 1;
      if (state >= 7) {
        if (!uint32Below(rep0, position)) {
          result = LZMA_CORE_DISTANCE;
          break;
        }
        let matchByte = output[(outPos - rep0 - 1) | 0];
        do {
          const matchBit = (matchByte >> 7) & 1;
          matchByte = matchByte << 1;
          index = (base + ((1 + matchBit) << 8) + symbol) | 0;
          probability = lzmaProbabilities[index & LZMA_PROB_INDEX_MASK];
          bound = Math.imul(range >>> 11, probability);
          // The bit without a branch on it (here, in the plain literal loop and in the length and
          // slot trees: the bits decoded most): bitMask is -1 for a 1 (code >= bound, unsigned),
          // 0 for a 0, and clang turns the one select into cmov/setcc. The probability update
          // is both cases' in one: p - (p >> 5) for a 1, and p - ((p - 2017) >> 5) =
          // p + ((2048 - p) >> 5) for a 0 (an arithmetic shift floors: -floor((p - 2017) / 32)
          // = floor((2048 - p) / 32)). Under QEMU's TCG every branch ends a translated block:
          // the xz stage went 2786 -> 2540 ms for the plain literal loop alone (BENCHMARKS.md).
          // The reverse trees and direct bits keep their branches: rarer, and with them
          // branch-free too the stage measured 2817 ms.
          const bitMask = ((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0) ? 0 : -1;
          range = (bound & ~bitMask) | (((range - bound) | 0) & bitMask);
          code = (code - (bound & bitMask)) | 0;
          lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability - ((probability - (~bitMask & 2017)) >> 5)) | 0;
          bit = bitMask & 1;
          if ((range >>> 24) === 0) {
            range = range << 8;
            code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
            inPos = (inPos + 1) | 0;
          }
          symbol = (symbol << 1) | bit;
          if (matchBit !== bit) {
            break;
          }
        } while (symbol < 0x100);
      }
      while (symbol < 0x100) {
        index = (base + symbol) | 0;
        probability = lzmaProbabilities[index & LZMA_PROB_INDEX_MASK];
        bound = Math.imul(range >>> 11, probability);
        const bitMask = ((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0) ? 0 : -1;
        range = (bound & ~bitMask) | (((range - bound) | 0) & bitMask);
        code = (code - (bound & bitMask)) | 0;
        lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability - ((probability - (~bitMask & 2017)) >> 5)) | 0;
        symbol = (symbol << 1) | (bitMask & 1);
        if ((range >>> 24) === 0) {
          range = range << 8;
          code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
          inPos = (inPos + 1) | 0;
        }
      }
      output[outPos] = symbol & 0xff;
      outPos = (outPos + 1) | 0;
      state = state < 4 ? 0 : state < 10 ? (state - 3) | 0 : (state - 6) | 0;
      continue;
    }
    range = (range - bound) | 0;
    code = (code - bound) | 0;
    lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability - (probability >> 5)) | 0;
    if ((range >>> 24) === 0) {
      range = range << 8;
      code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
      inPos = (inPos + 1) | 0;
    }

    // is_rep[state]: 0 = a match with a new distance, 1 = one of the four last distances.
    let lengthCoder = LZMA_PROB_MATCH_LEN;
    index = (LZMA_PROB_IS_REP + state) | 0;
    probability = lzmaProbabilities[index & LZMA_PROB_INDEX_MASK];
    bound = Math.imul(range >>> 11, probability);
    let isRep = false;
    if (((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0)) {
      range = bound;
      lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability + ((2048 - probability) >> 5)) | 0;
    } else {
      range = (range - bound) | 0;
      code = (code - bound) | 0;
      lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability - (probability >> 5)) | 0;
      isRep = true;
      lengthCoder = LZMA_PROB_REP_LEN;
    }
    if ((range >>> 24) === 0) {
      range = range << 8;
      code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
      inPos = (inPos + 1) | 0;
    }

    if (isRep) {
      // is_rep_g0[state]: 0 = rep0 (then is_rep0_long decides short rep), 1 = rep1..rep3.
      index = (LZMA_PROB_IS_REP_G0 + state) | 0;
      probability = lzmaProbabilities[index & LZMA_PROB_INDEX_MASK];
      bound = Math.imul(range >>> 11, probability);
      if (((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0)) {
        range = bound;
        lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability + ((2048 - probability) >> 5)) | 0;
        bit = 0;
      } else {
        range = (range - bound) | 0;
        code = (code - bound) | 0;
        lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability - (probability >> 5)) | 0;
        bit = 1;
      }
      if ((range >>> 24) === 0) {
        range = range << 8;
        code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
        inPos = (inPos + 1) | 0;
      }
      if (bit === 0) {
        index = (LZMA_PROB_IS_REP0_LONG + (state << 4) + posState) | 0;
        probability = lzmaProbabilities[index & LZMA_PROB_INDEX_MASK];
        bound = Math.imul(range >>> 11, probability);
        if (((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0)) {
          range = bound;
          lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability + ((2048 - probability) >> 5)) | 0;
          bit = 0;
        } else {
          range = (range - bound) | 0;
          code = (code - bound) | 0;
          lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability - (probability >> 5)) | 0;
          bit = 1;
        }
        if ((range >>> 24) === 0) {
          range = range << 8;
          code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
          inPos = (inPos + 1) | 0;
        }
        if (bit === 0) {
          // Short rep: one byte from rep0.
          if (!uint32Below(rep0, position) || !uint32Below(rep0, dictLimit)) {
            result = LZMA_CORE_DISTANCE;
            break;
          }
          if (outPos === outLimit) {
            result = limitIsEnd ? LZMA_CORE_PAST_END : LZMA_CORE_OUTPUT_FULL;
            break;
          }
          output[outPos] = output[(outPos - rep0 - 1) | 0];
          outPos = (outPos + 1) | 0;
          state = state < 7 ? 9 : 11;
          continue;
        }
      } else {
        index = (LZMA_PROB_IS_REP_G1 + state) | 0;
        probability = lzmaProbabilities[index & LZMA_PROB_INDEX_MASK];
        bound = Math.imul(range >>> 11, probability);
        if (((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0)) {
          range = bound;
          lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability + ((2048 - probability) >> 5)) | 0;
          bit = 0;
        } else {
          range = (range - bound) | 0;
          code = (code - bound) | 0;
          lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability - (probability >> 5)) | 0;
          bit = 1;
        }
        if ((range >>> 24) === 0) {
          range = range << 8;
          code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
          inPos = (inPos + 1) | 0;
        }
        let distance = rep1;
        if (bit !== 0) {
          index = (LZMA_PROB_IS_REP_G2 + state) | 0;
          probability = lzmaProbabilities[index & LZMA_PROB_INDEX_MASK];
          bound = Math.imul(range >>> 11, probability);
          if (((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0)) {
            range = bound;
            lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability + ((2048 - probability) >> 5)) | 0;
            distance = rep2;
          } else {
            range = (range - bound) | 0;
            code = (code - bound) | 0;
            lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability - (probability >> 5)) | 0;
            distance = rep3;
            rep3 = rep2;
          }
          if ((range >>> 24) === 0) {
            range = range << 8;
            code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
            inPos = (inPos + 1) | 0;
          }
          rep2 = rep1;
        }
        rep1 = rep0;
        rep0 = distance;
      }
      state = state < 7 ? 8 : 11;
    } else {
      rep3 = rep2;
      rep2 = rep1;
      rep1 = rep0;
      state = state < 7 ? 7 : 10;
    }

    // Length: choice 0 → low[posState] (3 bits, 2..9), choice2 0 → mid[posState] (3 bits,
    // 10..17), else high (8 bits, 18..273). `matchLength` below is the length minus 2 until the
    // copy (no local is named `length`: porffor compiles `table[length]` as `table.length`).
    let treeBase = 0;
    let treeBits = 3;
    let matchLength = 0;
    index = (lengthCoder + LZMA_LEN_CHOICE) | 0;
    probability = lzmaProbabilities[index & LZMA_PROB_INDEX_MASK];
    bound = Math.imul(range >>> 11, probability);
    if (((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0)) {
      range = bound;
      lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability + ((2048 - probability) >> 5)) | 0;
      treeBase = (lengthCoder + LZMA_LEN_LOW + (posState << 3)) | 0;
    } else {
      range = (range - bound) | 0;
      code = (code - bound) | 0;
      lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability - (probability >> 5)) | 0;
      if ((range >>> 24) === 0) {
        range = range << 8;
        code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
        inPos = (inPos + 1) | 0;
      }
      index = (lengthCoder + LZMA_LEN_CHOICE2) | 0;
      probability = lzmaProbabilities[index & LZMA_PROB_INDEX_MASK];
      bound = Math.imul(range >>> 11, probability);
      if (((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0)) {
        range = bound;
        lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability + ((2048 - probability) >> 5)) | 0;
        treeBase = (lengthCoder + LZMA_LEN_MID + (posState << 3)) | 0;
        matchLength = 8;
      } else {
        range = (range - bound) | 0;
        code = (code - bound) | 0;
        lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability - (probability >> 5)) | 0;
        treeBase = (lengthCoder + LZMA_LEN_HIGH) | 0;
        treeBits = 8;
        matchLength = 16;
      }
    }
    if ((range >>> 24) === 0) {
      range = range << 8;
      code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
      inPos = (inPos + 1) | 0;
    }
    let symbol = 1;
    for (let i = 0; i < treeBits; i++) {
      index = (treeBase + symbol) | 0;
      probability = lzmaProbabilities[index & LZMA_PROB_INDEX_MASK];
      bound = Math.imul(range >>> 11, probability);
      const bitMask = ((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0) ? 0 : -1;
      range = (bound & ~bitMask) | (((range - bound) | 0) & bitMask);
      code = (code - (bound & bitMask)) | 0;
      lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability - ((probability - (~bitMask & 2017)) >> 5)) | 0;
      symbol = (symbol << 1) | (bitMask & 1);
      if ((range >>> 24) === 0) {
        range = range << 8;
        code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
        inPos = (inPos + 1) | 0;
      }
    }
    matchLength = (matchLength + symbol - (1 << treeBits)) | 0;

    if (!isRep) {
      // Distance: a 6-bit slot (tree chosen by min(length, 3)); slots 0..3 are the distance,
      // higher slots give the top two bits and a count of lower bits, coded by a reverse tree
      // (slots 4..13) or as direct bits plus a 4-bit reverse "align" tree (slots 14..63).
      treeBase = (LZMA_PROB_POS_SLOT + ((matchLength < 3 ? matchLength : 3) << 6)) | 0;
      symbol = 1;
      for (let i = 0; i < 6; i++) {
        index = (treeBase + symbol) | 0;
        probability = lzmaProbabilities[index & LZMA_PROB_INDEX_MASK];
        bound = Math.imul(range >>> 11, probability);
        const bitMask = ((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0) ? 0 : -1;
        range = (bound & ~bitMask) | (((range - bound) | 0) & bitMask);
        code = (code - (bound & bitMask)) | 0;
        lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability - ((probability - (~bitMask & 2017)) >> 5)) | 0;
        symbol = (symbol << 1) | (bitMask & 1);
        if ((range >>> 24) === 0) {
          range = range << 8;
          code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
          inPos = (inPos + 1) | 0;
        }
      }
      const slot = (symbol - 64) | 0;
      if (slot < 4) {
        rep0 = slot;
      } else {
        const directBits = ((slot >> 1) - 1) | 0;
        let distance = (2 | (slot & 1)) << directBits;
        let reverseBits = directBits;
        if (slot < 14) {
          treeBase = (LZMA_PROB_SPEC_POS + distance - slot) | 0;
        } else {
          // Direct bits: each halves the range and takes one bit without a probability.
          let direct = 0;
          for (let i = 4; i < directBits; i++) {
            range = range >>> 1;
            bound = range;
            if (((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0)) {
              direct = direct << 1;
            } else {
              code = (code - bound) | 0;
              direct = (direct << 1) | 1;
            }
            if ((range >>> 24) === 0) {
              range = range << 8;
              code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
              inPos = (inPos + 1) | 0;
            }
          }
          distance = distance | (direct << 4);
          treeBase = LZMA_PROB_ALIGN;
          reverseBits = 4;
        }
        symbol = 1;
        for (let i = 0; i < reverseBits; i++) {
          index = (treeBase + symbol) | 0;
          probability = lzmaProbabilities[index & LZMA_PROB_INDEX_MASK];
          bound = Math.imul(range >>> 11, probability);
          if (((code ^ 0x80000000) | 0) < ((bound ^ 0x80000000) | 0)) {
            range = bound;
            lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability + ((2048 - probability) >> 5)) | 0;
            symbol = symbol << 1;
          } else {
            range = (range - bound) | 0;
            code = (code - bound) | 0;
            lzmaProbabilities[index & LZMA_PROB_INDEX_MASK] = (probability - (probability >> 5)) | 0;
            symbol = (symbol << 1) | 1;
            distance = distance | (1 << i);
          }
          if ((range >>> 24) === 0) {
            range = range << 8;
            code = (code << 8) | (inPos < inEnd ? input[inPos] : 0);
            inPos = (inPos + 1) | 0;
          }
        }
        rep0 = distance;
        if (distance === -1 && allowEndMarker) {
          // End-of-payload marker: distance 0xFFFFFFFF.
          if (inPos > inEnd) {
            result = LZMA_CORE_TRUNCATED;
          } else if (limitIsEnd && outPos !== outLimit) {
            result = LZMA_CORE_EARLY_END;
          } else {
            result = code === 0 ? LZMA_CORE_END_MARKER : LZMA_CORE_NOT_FINISHED;
          }
          break;
        }
      }
    }

    // Copy length + 2 bytes from rep0 + 1 back.
    if (!uint32Below(rep0, position) || !uint32Below(rep0, dictLimit)) {
      result = LZMA_CORE_DISTANCE;
      break;
    }
    matchLength = (matchLength + 2) | 0;
    if (matchLength > ((outLimit - outPos) | 0)) {
      result = limitIsEnd ? LZMA_CORE_PAST_END : LZMA_CORE_OUTPUT_FULL;
      break;
    }
    const matchDistance = (rep0 + 1) | 0;
    if (matchDistance >= matchLength) {
      // No overlap: one copy, inline up to 64 bytes (lz-copy.ts).
      const from = (outPos - matchDistance) | 0;
      output.copyWithin(outPos, from, (from + matchLength) | 0);
      outPos = (outPos + matchLength) | 0;
    } else if (matchLength <= LZ_SHORT_COPY) {
      let from = (outPos - rep0 - 1) | 0;
      const end = (outPos + matchLength) | 0;
      while (outPos < end) {
        output[outPos] = output[from];
        outPos = (outPos + 1) | 0;
        from = (from + 1) | 0;
      }
    } else {
      outPos = lzCopyMatch(output, outPos, (rep0 + 1) | 0, matchLength);
    }
  }

  // A symbol that read past inEnd was decoded from zeros that are not in the input: whatever it
  // decoded to, the real fault is the missing input.
  if (inPos > inEnd) {
    result = LZMA_CORE_TRUNCATED;
  }
  lzmaCoderState[LZMA_STATE_RANGE] = range;
  lzmaCoderState[LZMA_STATE_CODE] = code;
  lzmaCoderState[LZMA_STATE_STATE] = state;
  lzmaCoderState[LZMA_STATE_REP0] = rep0;
  lzmaCoderState[LZMA_STATE_REP1] = rep1;
  lzmaCoderState[LZMA_STATE_REP2] = rep2;
  lzmaCoderState[LZMA_STATE_REP3] = rep3;
  lzmaCoderState[LZMA_STATE_IN_POS] = inPos;
  lzmaCoderState[LZMA_STATE_OUT_POS] = outPos;
  return result;
}
