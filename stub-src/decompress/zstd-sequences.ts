/**
 * @fileoverview zstd's sequences section (RFC 8878 §3.1.1.3.2 and §3.1.1.4): the header, the
 * three FSE tables (predefined, RLE, described or repeated), decoding each sequence from the
 * backward bitstream, the repeat offsets, and executing the sequences into the output.
 *
 * The output buffer is the whole window: matches copy from earlier output of the same frame, and
 * an offset reaching before the frame's first byte is an error. Each sequence is checked once
 * (its literals against the block's literals, its length against the block maximum and the
 * output capacity, its offset against the frame start) before its bytes are copied.
 */
import {
  ZSTD_FSE_DEFAULT_LENGTHS_LOG, ZSTD_FSE_DEFAULT_OFFSETS_LOG, ZSTD_FSE_HUFFMAN_WEIGHTS, ZSTD_FSE_INDEX_MASK,
  ZSTD_FSE_INFO_BYTES, ZSTD_FSE_INFO_LOG, ZSTD_FSE_INFO_SYMBOLS, ZSTD_FSE_LITERAL_LENGTHS, ZSTD_FSE_MATCH_LENGTHS,
  ZSTD_FSE_OFFSETS, zstdBackwardBits, zstdBackwardStart, zstdBackwardWindow, zstdFseNext,
  zstdFseInfo, zstdFseReadDescription, zstdFseSpread, zstdFseSpreadDefaultLiteralLengths,
  zstdFseSpreadDefaultMatchLengths, zstdFseSpreadDefaultOffsets, zstdFseSymbol,
} from './zstd-fse';
import {
  ZSTD_REASON_BLOCK_OUTPUT_TOO_LARGE, ZSTD_REASON_OFFSET_CODE_TOO_LARGE, ZSTD_REASON_OFFSET_TOO_FAR,
  ZSTD_REASON_OFFSET_ZERO, ZSTD_REASON_OUTPUT_TOO_SMALL, ZSTD_REASON_SEQUENCES_HEADER_TRUNCATED,
  ZSTD_REASON_SEQUENCES_LITERALS_OVERRUN, ZSTD_REASON_SEQUENCES_REPEAT_WITHOUT_TABLE,
  ZSTD_REASON_SEQUENCES_RESERVED_MODE, ZSTD_REASON_SEQUENCES_RLE_SYMBOL, ZSTD_REASON_SEQUENCES_STREAM_CORRUPT,
  ZSTD_REASON_SEQUENCES_TRAILING_BYTES, ZSTD_REASON_STREAM_NO_END_MARK,
} from './zstd-reasons';
import { LZ_SHORT_COPY, lzCopyMatch } from './lz-copy';
import { lowBitMasks } from './low-bits';

// The three kinds of table, in the order their modes and descriptions appear.
const ZSTD_SEQUENCES_LITERAL_LENGTHS = 0;
const ZSTD_SEQUENCES_OFFSETS = 1;
const ZSTD_SEQUENCES_MATCH_LENGTHS = 2;

/** Per kind: accuracy log of the current table, and whether there is one (for Repeat mode). */
const zstdSequencesLog = new Int32Array(new ArrayBuffer(3 * 4));
const zstdSequencesHaveTable = new Int32Array(new ArrayBuffer(3 * 4));
/** Repeated_Offset1..3, kept across the blocks of a frame (§3.1.2.5). */
const zstdSequencesRepeat = new Int32Array(new ArrayBuffer(3 * 4));
/** Where the output ended after the last zstdSequencesDecode. */
let zstdSequencesOutputEnd = 0;

// Literal length and match length codes (§3.1.1.3.2.1.1): extra bits per code written one letter
// per code ('a' = 0), baselines accumulated from them (each code's range follows the previous).
const ZSTD_SEQUENCES_LITERAL_LENGTH_BITS = 'aaaaaaaaaaaaaaaabbbbccddeghijklmnopq';
const ZSTD_SEQUENCES_MATCH_LENGTH_BITS = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbccddeefhijklmnopq';
/**
 * Per kind and code (at kind * 64 + code): the code's extra bits and its value's base (see
 * below). Offsets: code extra bits, base 2^code (none past 30,
 * which the sequence loop refuses). 256 entries, so that an index masked with 255 is always
 * inside (three kinds use 192).
 */
const ZSTD_SEQUENCES_CODES = 64;
const zstdSequencesCodeExtra = new Uint8Array(new ArrayBuffer(256));
const zstdSequencesCodeBase = new Int32Array(new ArrayBuffer(256 * 4));

/** Fills one kind's codes from its extra bits written one letter per code ('a' = 0). */
function zstdSequencesLengthCodes(kind: number, letters: string, firstBase: number): void {
  let base = firstBase;
  for (let code = 0; code < letters.length; code++) {
    const bits = (letters.charCodeAt(code) - 97) | 0;
    const at = (Math.imul(kind, ZSTD_SEQUENCES_CODES) + code) | 0;
    zstdSequencesCodeExtra[at] = bits;
    zstdSequencesCodeBase[at] = base;
    base = (base + (1 << bits)) | 0;
  }
}

function zstdBuildCodes(): void {
  zstdSequencesLengthCodes(ZSTD_SEQUENCES_LITERAL_LENGTHS, ZSTD_SEQUENCES_LITERAL_LENGTH_BITS, 0);
  zstdSequencesLengthCodes(ZSTD_SEQUENCES_MATCH_LENGTHS, ZSTD_SEQUENCES_MATCH_LENGTH_BITS, 3);
  for (let code = 0; code < 32; code++) {
    const at = (Math.imul(ZSTD_SEQUENCES_OFFSETS, ZSTD_SEQUENCES_CODES) + code) | 0;
    zstdSequencesCodeExtra[at] = code;
    zstdSequencesCodeBase[at] = code <= 30 ? 1 << code : 0;
  }
}
zstdBuildCodes();

/**
 * The three tables as the sequence loop reads them, one field of a cell in each of five tables
 * at region + state: the state transition's baseline (zstdSequencesNext), its number of bits
 * (zstdSequencesBits) and their mask (zstdSequencesMask), the value's extra bits
 * (zstdSequencesExtra) and its base (zstdSequencesBase: the length code's baseline for literal
 * and match lengths, 2^code for offsets, whose extra bits are the code itself). The tables are
 * top-level, at addresses fixed at compile time, and the index is masked: no load is bounds
 * checked (porffor patch 019, compiler/wasm2c.ts), where zstd-fse.ts's cells and the code
 * tables as seven parameters kept much of the loop's state on the stack. Each field is its own
 * load, x86 takes a byte or a word from memory into an instruction's operand: the fields packed
 * in one word (baseline | bits << 16 | extra << 24, masked with lowBitMasks[bits]) took a shift
 * and a mask each to take apart, and the loop 14M more instructions a decode of Debian's
 * payload (388.1M against 374.0M; the table builds 2.0M fewer). Tables at one index rather than
 * one with several words per cell: a word at `2 * cell + 1` took clang four instructions to
 * address (the sum is a 32-bit one it did not fold into the x86 addressing mode).
 */
// The three sequence regions end where the Huffman weights' region begins.
const ZSTD_SEQUENCES_CELLS = ZSTD_FSE_HUFFMAN_WEIGHTS;
const zstdSequencesNext = new Int32Array(new ArrayBuffer(ZSTD_SEQUENCES_CELLS * 4));
const zstdSequencesBits = new Uint8Array(new ArrayBuffer(ZSTD_SEQUENCES_CELLS));
const zstdSequencesMask = new Int32Array(new ArrayBuffer(ZSTD_SEQUENCES_CELLS * 4));
const zstdSequencesExtra = new Uint8Array(new ArrayBuffer(ZSTD_SEQUENCES_CELLS));
const zstdSequencesBase = new Int32Array(new ArrayBuffer(ZSTD_SEQUENCES_CELLS * 4));

/**
 * Numbers the cells of the table just spread at `region` for `kind` (zstdFseSpread) and writes
 * them to the tables above: each cell's state transition as zstdFseBuild computes it, with
 * its code's extra bits and base from the code tables.
 */
function zstdSequencesCells(kind: number, region: number, log: number): void {
  const size = 1 << log;
  const codes = Math.imul(kind, ZSTD_SEQUENCES_CODES);
  for (let cell = 0; cell < size; cell++) {
    const index = (region + cell) & ZSTD_FSE_INDEX_MASK;
    const symbol = zstdFseSymbol[index];
    // zstdFseTakeNext, zstdFseCellBits and zstdFseCellBaseline written out: as calls, each kept
    // wasm2c's call-depth count (a load, a test and two stores): 17.9M -> 12.8M instructions a
    // decode of Debian's payload.
    const next = zstdFseNext[symbol];
    zstdFseNext[symbol] = (next + 1) | 0;
    const bits = (log - (31 - Math.clz32(next))) | 0;
    const code = (codes + symbol) & 255;
    zstdSequencesNext[index] = ((next << bits) - (1 << log)) | 0;
    zstdSequencesBits[index] = bits;
    zstdSequencesMask[index] = ((1 << bits) - 1) | 0;
    zstdSequencesExtra[index] = zstdSequencesCodeExtra[code];
    zstdSequencesBase[index] = zstdSequencesCodeBase[code];
  }
}

/** Start of a frame: no tables to repeat, repeat offsets 1, 4, 8. */
export function zstdSequencesReset(): void {
  for (let kind = 0; kind < 3; kind++) zstdSequencesHaveTable[kind] = 0;
  zstdSequencesRepeat[0] = 1;
  zstdSequencesRepeat[1] = 4;
  zstdSequencesRepeat[2] = 8;
}

/** Output position after the last successful zstdSequencesDecode. */
export function zstdSequencesOutputPosition(): number {
  return zstdSequencesOutputEnd;
}

/**
 * Sets up the table of one kind for `mode` (§3.1.1.3.2.2), reading what it needs from
 * src[at, end). Returns the position after it, or -reason.
 */
function zstdSequencesTable(kind: number, mode: number, src: Uint8Array, at: number, end: number): number {
  const region = kind === ZSTD_SEQUENCES_LITERAL_LENGTHS ? ZSTD_FSE_LITERAL_LENGTHS
    : kind === ZSTD_SEQUENCES_OFFSETS ? ZSTD_FSE_OFFSETS : ZSTD_FSE_MATCH_LENGTHS;
  const maxSymbol = kind === ZSTD_SEQUENCES_LITERAL_LENGTHS ? 35 : kind === ZSTD_SEQUENCES_OFFSETS ? 31 : 52;
  if (mode === 0) {
    if (kind === ZSTD_SEQUENCES_LITERAL_LENGTHS) zstdFseSpreadDefaultLiteralLengths();
    else if (kind === ZSTD_SEQUENCES_OFFSETS) zstdFseSpreadDefaultOffsets();
    else zstdFseSpreadDefaultMatchLengths();
    const log = kind === ZSTD_SEQUENCES_OFFSETS ? ZSTD_FSE_DEFAULT_OFFSETS_LOG : ZSTD_FSE_DEFAULT_LENGTHS_LOG;
    zstdSequencesCells(kind, region, log);
    zstdSequencesLog[kind] = log;
  } else if (mode === 1) {
    if (at >= end) return -ZSTD_REASON_SEQUENCES_HEADER_TRUNCATED;
    const symbol = src[at];
    if (symbol > maxSymbol) return -ZSTD_REASON_SEQUENCES_RLE_SYMBOL;
    // One state, always `symbol`, reading no bits.
    const code = (Math.imul(kind, ZSTD_SEQUENCES_CODES) + symbol) & 255;
    zstdSequencesNext[region & ZSTD_FSE_INDEX_MASK] = 0;
    zstdSequencesBits[region & ZSTD_FSE_INDEX_MASK] = 0;
    zstdSequencesMask[region & ZSTD_FSE_INDEX_MASK] = 0;
    zstdSequencesExtra[region & ZSTD_FSE_INDEX_MASK] = zstdSequencesCodeExtra[code];
    zstdSequencesBase[region & ZSTD_FSE_INDEX_MASK] = zstdSequencesCodeBase[code];
    zstdSequencesLog[kind] = 0;
    at = (at + 1) | 0;
  } else if (mode === 2) {
    let reason = zstdFseReadDescription(src, at, end, maxSymbol, kind === ZSTD_SEQUENCES_OFFSETS ? 8 : 9);
    if (reason !== 0) return -reason;
    const log = zstdFseInfo[ZSTD_FSE_INFO_LOG];
    reason = zstdFseSpread(region, log, zstdFseInfo[ZSTD_FSE_INFO_SYMBOLS]);
    if (reason !== 0) return -reason;
    zstdSequencesCells(kind, region, log);
    zstdSequencesLog[kind] = log;
    at = (at + zstdFseInfo[ZSTD_FSE_INFO_BYTES]) | 0;
  } else {
    if (zstdSequencesHaveTable[kind] === 0) return -ZSTD_REASON_SEQUENCES_REPEAT_WITHOUT_TABLE;
    return at;
  }
  zstdSequencesHaveTable[kind] = 1;
  return at;
}

// Where zstdSequencesExecute leaves the output and literal positions.
const ZSTD_EXECUTE_OP = 0;
const ZSTD_EXECUTE_LITERAL = 1;
const zstdExecuteResult = new Int32Array(new ArrayBuffer(8));
/** The most bits a sequence's three state updates read: 9 + 9 + 8 (the accuracy logs' maxima). */
const ZSTD_STATE_UPDATE_BITS = 26;

/**
 * Sequences are decoded a batch at a time, then executed (zstdSequencesExecute): literal length,
 * match length and offset of each, at (sequence & (ZSTD_BATCH - 1)).
 */
const ZSTD_BATCH = 128;
const zstdBatchLiteralLength = new Int32Array(new ArrayBuffer(ZSTD_BATCH * 4));
const zstdBatchMatchLength = new Int32Array(new ArrayBuffer(ZSTD_BATCH * 4));
const zstdBatchOffset = new Int32Array(new ArrayBuffer(ZSTD_BATCH * 4));
/** Whether matches are prefetched as they are decoded (1) or not (0). */
let zstdSequencesPrefetch = 1;

/**
 * Whether the sequence loop prefetches each match as it decodes it (the default). A prefetch only
 * pays where a cache can be filled ahead: under an emulator that models none (QEMU's TCG) it is
 * pure cost (BENCHMARKS.md: the zstd stage 1.5× as long there with them).
 */
export function zstdSequencesSetPrefetch(on: boolean): void {
  zstdSequencesPrefetch = on ? 1 : 0;
}

/**
 * Executes the decoded sequences first .. end - 1 of the batch tables: literals from
 * literals[literal, literalsEnd), output to out from op. `literalTotal` and `produced` are the
 * batch's literal bytes and output bytes (the sums of its literal lengths and of both lengths).
 * Returns 0 (positions in zstdExecuteResult) or a reason.
 *
 * Each sequence's literals must lie before literalsEnd and its output before `limit`, checked
 * against the running positions. No length is negative, so the running totals only grow: when
 * the batch's totals fit, every sequence's do, and the sequences are executed with no range
 * check of their own (two a sequence fewer). When they do not, the first sequence that fails is
 * found first, the ones before it are executed, and its reason returned.
 *
 * A function of its own (compiler/wasm2c.ts keepOutOfLine): inlined into the decoding loop, which
 * keeps its states, bit window and repeat offsets live across this loop, this loop kept its own
 * positions and pointers on the stack.
 * @noinline
 * @bmi2
 */
function zstdSequencesExecuteBatch(first: number, end: number, literalTotal: number, produced: number,
  literals: Uint8Array, literal: number, literalsEnd: number, out: Uint8Array, op: number, limit: number,
  blockLimit: number, frameStart: number): number {
  let executeEnd = end;
  let reason = 0;
  if (literalTotal > ((literalsEnd - literal) | 0) || produced > ((limit - op) | 0)) {
    let literalAt = literal;
    let at = op;
    for (let sequence = first; sequence < end; sequence++) {
      const entry = sequence & (ZSTD_BATCH - 1);
      const literalLength = zstdBatchLiteralLength[entry];
      const both = (literalLength + zstdBatchMatchLength[entry]) | 0;
      if (literalLength > ((literalsEnd - literalAt) | 0)) {
        reason = ZSTD_REASON_SEQUENCES_LITERALS_OVERRUN;
      } else if (both > ((limit - at) | 0)) {
        // Which end it passed only matters for the reason.
        reason = both > ((blockLimit - at) | 0) ? ZSTD_REASON_BLOCK_OUTPUT_TOO_LARGE : ZSTD_REASON_OUTPUT_TOO_SMALL;
      }
      if (reason !== 0) {
        executeEnd = sequence;
        break;
      }
      literalAt = (literalAt + literalLength) | 0;
      at = (at + both) | 0;
    }
  }
  // The fixed 16-byte copies below must end by `limit`: they may start at fixedLimit at most.
  const fixedLimit = (limit - 16) | 0;
  for (let sequence = first; sequence < executeEnd; sequence++) {
    const entry = sequence & (ZSTD_BATCH - 1);
    const literalLength = zstdBatchLiteralLength[entry];
    const matchLength = zstdBatchMatchLength[entry];
    const offset = zstdBatchOffset[entry];
    // Literals never overlap their destination: one inline copy whatever the length (lz-copy.ts).
    // Up to 16 of them, with 16 + literalLength bytes of output left, are a fixed 16-byte copy:
    // two word moves with no branch on the length. The bytes past the literals land where this
    // sequence's match and the next sequences write, below `limit`. Near the end of the literals
    // buffer the view is cut at its end (subarray), which still holds this sequence's literals:
    // porffor's copy then takes its clamping path, and copies fewer bytes past them.
    if (literalLength <= 16 && ((op + literalLength) | 0) <= fixedLimit) {
      out.set(literals.subarray(literal, (literal + 16) | 0), op);
    } else {
      out.set(literals.subarray(literal, (literal + literalLength) | 0), op);
    }
    op = (op + literalLength) | 0;
    literal = (literal + literalLength) | 0;
    // The match's start against the frame's start (an offset is below 2^31: op - offset does
    // not wrap).
    const from = (op - offset) | 0;
    if (from < frameStart) return ZSTD_REASON_OFFSET_TOO_FAR;
    if (offset >= matchLength) {
      // No overlap: one copy, inline up to 64 bytes (lz-copy.ts); a fixed 16 bytes as the
      // literals' when there is room (the source's first matchLength bytes lie before op).
      if (matchLength <= 16 && op <= fixedLimit) {
        out.copyWithin(op, from, (from + 16) | 0);
      } else {
        out.copyWithin(op, from, (from + matchLength) | 0);
      }
      op = (op + matchLength) | 0;
    } else if (matchLength <= LZ_SHORT_COPY) {
      let at = from;
      const matchEnd = (op + matchLength) | 0;
      while (op < matchEnd) {
        out[op] = out[at];
        op = (op + 1) | 0;
        at = (at + 1) | 0;
      }
    } else {
      op = lzCopyMatch(out, op, offset, matchLength);
    }
  }
  zstdExecuteResult[ZSTD_EXECUTE_OP] = op;
  zstdExecuteResult[ZSTD_EXECUTE_LITERAL] = literal;
  return reason;
}

/**
 * The sequence loop of zstdSequencesDecode: decodes `count` sequences from the backward stream
 * at src[at ..) (bitPosition bits left, the three FSE states set up) and executes them.
 *
 * The sequences are decoded a batch of ZSTD_BATCH at a time into three small tables, then the
 * batch is executed (zstdSequencesExecuteBatch). Each loop then holds only what it needs: the
 * decoding one the bit window, the states, the repeat offsets and the output position the
 * matches are prefetched from; the executing one the output and literal positions (one loop
 * doing both kept about 45 values a sequence on the stack). A batch of one cost QEMU's TCG a
 * tenth more stage time (the loops' setup each sequence), so a batch is a batch there too. The
 * first 16 bytes of each match are prefetched as it is decoded (unless zstdSequencesSetPrefetch
 * turned that off; hostPrefetch; their first and last byte, as 16 bytes from anywhere in a line
 * end in the next one almost a quarter of the time), a batch's worth of work before they are
 * copied: a match reaches up to the whole window back, most often past the caches, and the load
 * of its first bytes was where the loop waited most (perf, 28% of the loop's samples; 7% with the
 * prefetches). A sequence that fails while it is decoded (its offset code, the stream over-read,
 * a repeat offset of 0) ends the batch before it; the sequences before it are then checked and
 * executed (their own failures come first) and its reason returned, so the reason is the first
 * failing sequence's in the stream, and no sequence is executed unchecked; an address
 * prefetched for a bad sequence costs nothing but the hint.
 * Returns 0 (positions in zstdExecuteResult) or a reason. The cell tables are read through their
 * names: a top-level table is at an address fixed at compile time (porffor patch 019), which a
 * parameter's data pointer is not, and clang then needs no register for it. A function of its
 * own (compiler/wasm2c.ts keepOutOfLine): inlined into the block decoder, the loop shared its
 * registers with the frame's and the block's values.
 * @noinline
 * @bmi2
 */
function zstdSequencesExecute(src: Uint8Array, at: number, bitPosition: number, count: number,
  literalLengthState: number, offsetState: number, matchLengthState: number, literals: Uint8Array, literal: number,
  literalsEnd: number, out: Uint8Array, op: number, blockLimit: number, capacity: number, frameStart: number): number {
  const literalLengthRegion = ZSTD_FSE_LITERAL_LENGTHS;
  const offsetRegion = ZSTD_FSE_OFFSETS;
  const matchLengthRegion = ZSTD_FSE_MATCH_LENGTHS;
  let repeat1 = zstdSequencesRepeat[0];
  let repeat2 = zstdSequencesRepeat[1];
  let repeat3 = zstdSequencesRepeat[2];
  // The bit window: 64 bits of the stream from bit windowLow up, in a 64-bit local (ES104). A reload
  // puts windowLow on the byte boundary that leaves 57 to 64 of the bits below bitPosition in the
  // window; a field of n bits is the window shifted right by windowBits - n (windowBits: bitPosition
  // - windowLow, the bits not yet taken), masked to n bits; keeping that difference rather than
  // bitPosition saves a subtraction per field, and bitPosition is brought up to date once a sequence
  // and at each reload. Each sequence starts with a reload, after which its offset (up to 30 bits,
  // read at once) and its match and literal length extra bits (16 each at most) need none, except
  // after an offset of more than 25 bits; its three state updates (9 + 9 + 8 bits at most) reload
  // only when fewer bits are left. With a 32-bit window a reload was a branch at almost every field,
  // taken at no predictable one. The fast reload reads the 8 bytes at `reload` (one 64-bit read,
  // porffor patch 020); near the stream's start, where the window reaches below its first byte,
  // zstdBackwardWindow gives each half (bits below the start read as 0).
  let windowLow = 0;
  let windowBits = 0;
  let window: bigint = 0n;
  let reload = 0;
  // The end of what this block may write: its fixed-size copies stay below it.
  const limit = blockLimit < capacity ? blockLimit : capacity;
  // The last sequence reads no state update.
  const last = (count - 1) | 0;
  // Where the output will be once the sequences decoded so far are executed (if they pass their
  // checks): the matches are prefetched from it.
  let ahead = op;
  const prefetching = zstdSequencesPrefetch !== 0;
  // A reason found while decoding a sequence: the batch stops before it, and it is returned once
  // the sequences before it are executed (their checks come first).
  let failure = 0;
  let decoded = 0;
  while (decoded < count) {
    const batchStart = decoded;
    const batchOp = ahead;
    let literalTotal = 0;
    let batchEnd = (decoded + ZSTD_BATCH) | 0;
    if (batchEnd > count) batchEnd = count;
    for (; decoded < batchEnd; decoded++) {
      windowLow = ((bitPosition - 57) >> 3) << 3;
      windowBits = (bitPosition - windowLow) | 0;
      reload = (at + (windowLow >> 3)) | 0;
      if (windowLow >= 0) {
        window = BigInt((src[reload] | (src[(reload + 1) | 0] << 8) | (src[(reload + 2) | 0] << 16) |
          (src[(reload + 3) | 0] << 24)) >>> 0) | BigInt.asUintN(64, BigInt((src[(reload + 4) | 0] |
          (src[(reload + 5) | 0] << 8) | (src[(reload + 6) | 0] << 16) | (src[(reload + 7) | 0] << 24)) >>> 0) << 32n);
      } else {
        window = BigInt(zstdBackwardWindow(src, at, windowLow) >>> 0) |
          BigInt.asUintN(64, BigInt(zstdBackwardWindow(src, at, (windowLow + 32) | 0) >>> 0) << 32n);
      }
      // A state is below its table's size (2^9, 2^8, 2^9 cells at most) by construction: the masks
      // change no index, and let the compiler see every lookup inside the tables, which
      // then needs no bounds check (compiler/wasm2c.ts, porffor patch 019).
      const literalLengthCell = literalLengthRegion + (literalLengthState & 511);
      const offsetCell = offsetRegion + (offsetState & 255);
      const matchLengthCell = matchLengthRegion + (matchLengthState & 511);
      // Values: offset first, then match length, then literal length.
      const offsetCode = zstdSequencesExtra[offsetCell];
      if (offsetCode > 30) {
        failure = ZSTD_REASON_OFFSET_CODE_TOO_LARGE;
        break;
      }
      // Offset code 0 (Offset_Value 1, a repeat offset) has no extra bits: its mask (lowBitMasks[0])
      // is 0 and it reads nothing, with no branch on it (one valgrind's model missed 504K times
      // of Debian's payload's 3.2M sequences; paired median 0.982 over 101 pairs).
      const offsetValue = (zstdSequencesBase[offsetCell] + (Number(BigInt.asUintN(32, BigInt.asUintN(64, window) >>
        BigInt((windowBits - offsetCode) & 63))) & lowBitMasks[offsetCode & 31])) | 0;
      windowBits = (windowBits - offsetCode) | 0;
      if (offsetCode > 25) {
        bitPosition = (windowLow + windowBits) | 0;
        windowLow = ((bitPosition - 57) >> 3) << 3;
        windowBits = (bitPosition - windowLow) | 0;
        window = BigInt(zstdBackwardWindow(src, at, windowLow) >>> 0) |
          BigInt.asUintN(64, BigInt(zstdBackwardWindow(src, at, (windowLow + 32) | 0) >>> 0) << 32n);
      }
      // Most lengths have no extra bits (literal length codes below 16, match length codes below
      // 32): those read nothing.
      let matchLength = zstdSequencesBase[matchLengthCell];
      const matchLengthExtra = zstdSequencesExtra[matchLengthCell];
      if (matchLengthExtra !== 0) {
        matchLength = (matchLength + (Number(BigInt.asUintN(32, BigInt.asUintN(64, window) >>
          BigInt((windowBits - matchLengthExtra) & 63))) & lowBitMasks[matchLengthExtra & 31])) | 0;
        windowBits = (windowBits - matchLengthExtra) | 0;
      }
      let literalLength = zstdSequencesBase[literalLengthCell];
      const literalLengthExtra = zstdSequencesExtra[literalLengthCell];
      if (literalLengthExtra !== 0) {
        literalLength = (literalLength + (Number(BigInt.asUintN(32, BigInt.asUintN(64, window) >>
          BigInt((windowBits - literalLengthExtra) & 63))) & lowBitMasks[literalLengthExtra & 31])) | 0;
        windowBits = (windowBits - literalLengthExtra) | 0;
      }
      // State updates, except after the last sequence: literal lengths, match lengths, offsets.
      if (decoded < last) {
        if (windowBits < ZSTD_STATE_UPDATE_BITS) {
          bitPosition = (windowLow + windowBits) | 0;
          windowLow = ((bitPosition - 57) >> 3) << 3;
          windowBits = (bitPosition - windowLow) | 0;
          window = BigInt(zstdBackwardWindow(src, at, windowLow) >>> 0) |
            BigInt.asUintN(64, BigInt(zstdBackwardWindow(src, at, (windowLow + 32) | 0) >>> 0) << 32n);
        }
        let bits = zstdSequencesBits[literalLengthCell];
        literalLengthState = (zstdSequencesNext[literalLengthCell] + (Number(BigInt.asUintN(32, BigInt.asUintN(64, window) >>
          BigInt((windowBits - bits) & 63))) & zstdSequencesMask[literalLengthCell])) | 0;
        windowBits = (windowBits - bits) | 0;
        bits = zstdSequencesBits[matchLengthCell];
        matchLengthState = (zstdSequencesNext[matchLengthCell] + (Number(BigInt.asUintN(32, BigInt.asUintN(64, window) >>
          BigInt((windowBits - bits) & 63))) & zstdSequencesMask[matchLengthCell])) | 0;
        windowBits = (windowBits - bits) | 0;
        bits = zstdSequencesBits[offsetCell];
        offsetState = (zstdSequencesNext[offsetCell] + (Number(BigInt.asUintN(32, BigInt.asUintN(64, window) >>
          BigInt((windowBits - bits) & 63))) & zstdSequencesMask[offsetCell])) | 0;
        windowBits = (windowBits - bits) | 0;
      }
      // Positions only go down: once below 0 the stream was over-read and cannot end exactly.
      bitPosition = (windowLow + windowBits) | 0;
      if (bitPosition < 0) {
        failure = ZSTD_REASON_SEQUENCES_STREAM_CORRUPT;
        break;
      }

      // Repeat offsets (§3.1.2.5): values 1-3 name Repeated_Offset1-3, shifted by one when the
      // literal length is 0 (then 3 means Repeated_Offset1 - 1).
      let offset = 0;
      if (offsetValue > 3) {
        offset = (offsetValue - 3) | 0;
        repeat3 = repeat2;
        repeat2 = repeat1;
        repeat1 = offset;
      } else {
        const index = literalLength === 0 ? offsetValue : (offsetValue - 1) | 0;
        if (index === 0) {
          offset = repeat1;
        } else if (index === 1) {
          offset = repeat2;
          repeat2 = repeat1;
          repeat1 = offset;
        } else {
          offset = index === 2 ? repeat3 : (repeat1 - 1) | 0;
          if (offset === 0) {
            failure = ZSTD_REASON_OFFSET_ZERO;
            break;
          }
          repeat3 = repeat2;
          repeat2 = repeat1;
          repeat1 = offset;
        }
      }
      ahead = (ahead + literalLength) | 0;
      literalTotal = (literalTotal + literalLength) | 0;
      if (prefetching) {
        const match = (ahead - offset) | 0;
        hostPrefetch(out, match);
        hostPrefetch(out, (match + 15) | 0);
      }
      const entry = decoded & (ZSTD_BATCH - 1);
      zstdBatchLiteralLength[entry] = literalLength;
      zstdBatchMatchLength[entry] = matchLength;
      zstdBatchOffset[entry] = offset;
      ahead = (ahead + matchLength) | 0;
    }
    const executed = zstdSequencesExecuteBatch(batchStart, decoded, literalTotal, (ahead - batchOp) | 0, literals,
      literal, literalsEnd, out, op, limit, blockLimit, frameStart);
    if (executed !== 0) return executed;
    op = zstdExecuteResult[ZSTD_EXECUTE_OP];
    literal = zstdExecuteResult[ZSTD_EXECUTE_LITERAL];
    if (failure !== 0) return failure;
  }
  if (bitPosition !== 0) return ZSTD_REASON_SEQUENCES_STREAM_CORRUPT;
  zstdSequencesRepeat[0] = repeat1;
  zstdSequencesRepeat[1] = repeat2;
  zstdSequencesRepeat[2] = repeat3;
  return 0;
}

/**
 * Decodes the sequences section src[start, end) of a compressed block and executes it: literals
 * come from literals[literalsStart, literalsEnd), output goes to out from outputStart. The block
 * may not write past blockLimit (start of block + Block_Maximum_Size) nor past capacity, and
 * matches may not reach before frameStart. Returns 0 (zstdSequencesOutputPosition() is then the
 * new output position) or a reason.
 */
export function zstdSequencesDecode(src: Uint8Array, start: number, end: number, literals: Uint8Array,
  literalsStart: number, literalsEnd: number, out: Uint8Array, outputStart: number, blockLimit: number,
  capacity: number, frameStart: number): number {
  if (start >= end) return ZSTD_REASON_SEQUENCES_HEADER_TRUNCATED;
  const first = src[start];
  let count = first;
  let at = (start + 1) | 0;
  if (first === 255) {
    if (((start + 3) | 0) > end) return ZSTD_REASON_SEQUENCES_HEADER_TRUNCATED;
    count = (src[(start + 1) | 0] + (src[(start + 2) | 0] << 8) + 0x7f00) | 0;
    at = (start + 3) | 0;
  } else if (first >= 128) {
    if (((start + 2) | 0) > end) return ZSTD_REASON_SEQUENCES_HEADER_TRUNCATED;
    count = (((first - 128) << 8) + src[(start + 1) | 0]) | 0;
    at = (start + 2) | 0;
  }
  let op = outputStart;
  let literal = literalsStart;
  if (count > 0) {
    if (at >= end) return ZSTD_REASON_SEQUENCES_HEADER_TRUNCATED;
    const modes = src[at];
    at = (at + 1) | 0;
    if ((modes & 3) !== 0) return ZSTD_REASON_SEQUENCES_RESERVED_MODE;
    at = zstdSequencesTable(ZSTD_SEQUENCES_LITERAL_LENGTHS, (modes >> 6) & 3, src, at, end);
    if (at < 0) return -at;
    at = zstdSequencesTable(ZSTD_SEQUENCES_OFFSETS, (modes >> 4) & 3, src, at, end);
    if (at < 0) return -at;
    at = zstdSequencesTable(ZSTD_SEQUENCES_MATCH_LENGTHS, (modes >> 2) & 3, src, at, end);
    if (at < 0) return -at;

    let bitPosition = zstdBackwardStart(src, at, end);
    if (bitPosition < 0) return ZSTD_REASON_STREAM_NO_END_MARK;
    // Initial states: literal lengths, offsets, match lengths (§3.1.1.3.2.1.x "initial states").
    const literalLengthLog = zstdSequencesLog[ZSTD_SEQUENCES_LITERAL_LENGTHS];
    let literalLengthState = zstdBackwardBits(src, at, bitPosition, literalLengthLog);
    bitPosition = (bitPosition - literalLengthLog) | 0;
    const offsetLog = zstdSequencesLog[ZSTD_SEQUENCES_OFFSETS];
    let offsetState = zstdBackwardBits(src, at, bitPosition, offsetLog);
    bitPosition = (bitPosition - offsetLog) | 0;
    const matchLengthLog = zstdSequencesLog[ZSTD_SEQUENCES_MATCH_LENGTHS];
    let matchLengthState = zstdBackwardBits(src, at, bitPosition, matchLengthLog);
    bitPosition = (bitPosition - matchLengthLog) | 0;

    const executed = zstdSequencesExecute(src, at, bitPosition, count, literalLengthState, offsetState,
      matchLengthState, literals, literal, literalsEnd, out, op, blockLimit, capacity, frameStart);
    if (executed !== 0) return executed;
    op = zstdExecuteResult[ZSTD_EXECUTE_OP];
    literal = zstdExecuteResult[ZSTD_EXECUTE_LITERAL];
  } else if (at !== end) {
    return ZSTD_REASON_SEQUENCES_TRAILING_BYTES;
  }
  // The literals left after the last sequence.
  const rest = (literalsEnd - literal) | 0;
  if (rest > ((blockLimit - op) | 0)) return ZSTD_REASON_BLOCK_OUTPUT_TOO_LARGE;
  if (rest > ((capacity - op) | 0)) return ZSTD_REASON_OUTPUT_TOO_SMALL;
  out.set(literals.subarray(literal, literalsEnd), op);
  zstdSequencesOutputEnd = (op + rest) | 0;
  return 0;
}
