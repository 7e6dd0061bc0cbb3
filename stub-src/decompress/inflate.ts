/**
 * @fileoverview Raw DEFLATE (RFC 1951): stored, fixed-Huffman and dynamic-Huffman blocks,
 * decoded from one input buffer into one output buffer that also serves as the window.
 *
 * Shared by every wrapper around DEFLATE (gzip here; a zlib or zip wrapper could reuse it):
 *   inflateRaw(input, start, inputLength, output, outputStart, outputCapacity): Status
 * decodes the DEFLATE stream starting at input[start] into output[outputStart..), leaves the
 * byte position just after the final block and the output end in `inflateState`, and on failure
 * records the reason (INFLATE_REASON_*, in gzip's range 100–149) through decodeFail.
 *
 * Design (the fast path):
 * - A 32-bit bit buffer (bits enter above the valid part, codes are read from bit 0) kept in
 *   locals inside the block loop and refilled to 24–31 bits: enough for a length code (15) plus
 *   its extra bits (5), or for a distance code (15), then again for its extra bits (13) when
 *   short. The fast loop refills without branches: it ORs the next four input bytes in above
 *   the valid bits (what does not fit falls off the top), then claims only the whole bytes that
 *   fit. Bits above the valid count are therefore always either zero or the true next input
 *   bits, so OR-ing the same bytes in again later changes nothing.
 * - Two-level Huffman tables in Int32Arrays. A root table indexed by the next ROOT bits of
 *   input; each entry packs the decoded value (a literal, a length or distance base with its
 *   extra-bit count: no second lookup) with the code length. A code longer than the root width sits
 *   in a sub-table; its root entry is negative: 0x80000000 | subTableOffset << 4 | subBits, and
 *   sub-table entries hold the length beyond the root. Unused entries of an incomplete code
 *   (only a single 1-bit code may be incomplete, RFC 1951 leaves the rest to zlib's rules) hold
 *   an out-of-range symbol with length 0, so decoding them fails without consuming input.
 * - The fast loop runs while 16 input bytes (three refills of at most 3 bytes, each reading 4)
 *   and 258 output bytes (one longest match) are available, so it checks bounds once per
 *   symbol; near either end the careful loop takes over, which refills with zero bytes past the
 *   end and reports "unexpected end of input" as soon as a decoded code reaches into them.
 * - Matches copy byte by byte from the output (overlap is the point of LZ77), after one check
 *   of the distance against the bytes produced since outputStart.
 *
 * Every loop consumes input or produces output, or stops with an error: a decoded code always
 * has a length of at least one bit or is rejected.
 *
 * No identifier here is named `length`: porffor 0.61.13 compiles `table[length]` as
 * `table.length` (its `.length` hack tests the property name without looking at `computed`),
 * which made the native build count code lengths wrong and decode garbage.
 */
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_INVALID_PARAMETER } from '../efi/status';
import { LZ_SHORT_COPY, lzCopyMatch } from './lz-copy';
import { lowBitMasks } from './low-bits';
import { decodeFail } from './result';

// Reason codes (gzip's range, 100–149 for the DEFLATE layer). The texts follow zlib's messages
// where zlib has one for the same check.
export const INFLATE_REASON_INVALID_ARGUMENTS = 100;
export const INFLATE_REASON_INVALID_BLOCK_TYPE = 101;
export const INFLATE_REASON_STORED_LENGTH_MISMATCH = 102;
export const INFLATE_REASON_STORED_BLOCK_TRUNCATED = 103;
export const INFLATE_REASON_TOO_MANY_SYMBOLS = 104;
export const INFLATE_REASON_CODE_LENGTHS_OVERSUBSCRIBED = 105;
export const INFLATE_REASON_CODE_LENGTHS_INCOMPLETE = 106;
export const INFLATE_REASON_REPEAT_WITHOUT_PREVIOUS = 107;
export const INFLATE_REASON_REPEAT_TOO_LONG = 108;
export const INFLATE_REASON_MISSING_END_OF_BLOCK = 109;
export const INFLATE_REASON_LITERAL_LENGTHS_OVERSUBSCRIBED = 110;
export const INFLATE_REASON_LITERAL_LENGTHS_INCOMPLETE = 111;
export const INFLATE_REASON_DISTANCES_OVERSUBSCRIBED = 112;
export const INFLATE_REASON_DISTANCES_INCOMPLETE = 113;
export const INFLATE_REASON_INVALID_LITERAL_LENGTH_CODE = 114;
export const INFLATE_REASON_INVALID_DISTANCE_CODE = 115;
export const INFLATE_REASON_DISTANCE_TOO_FAR_BACK = 116;
export const INFLATE_REASON_UNEXPECTED_END_OF_INPUT = 117;
export const INFLATE_REASON_OUTPUT_TOO_SMALL = 118;

export function inflateReasonText(reason: number): string {
  switch (reason) {
    case INFLATE_REASON_INVALID_ARGUMENTS: return 'invalid arguments';
    case INFLATE_REASON_INVALID_BLOCK_TYPE: return 'invalid block type';
    case INFLATE_REASON_STORED_LENGTH_MISMATCH: return 'invalid stored block lengths';
    case INFLATE_REASON_STORED_BLOCK_TRUNCATED: return 'stored block runs past the end of input';
    case INFLATE_REASON_TOO_MANY_SYMBOLS: return 'too many length or distance symbols';
    case INFLATE_REASON_CODE_LENGTHS_OVERSUBSCRIBED: return 'invalid code lengths set (oversubscribed)';
    case INFLATE_REASON_CODE_LENGTHS_INCOMPLETE: return 'invalid code lengths set (incomplete)';
    case INFLATE_REASON_REPEAT_WITHOUT_PREVIOUS: return 'invalid bit length repeat (no previous length)';
    case INFLATE_REASON_REPEAT_TOO_LONG: return 'invalid bit length repeat (past the last length)';
    case INFLATE_REASON_MISSING_END_OF_BLOCK: return 'invalid code -- missing end-of-block';
    case INFLATE_REASON_LITERAL_LENGTHS_OVERSUBSCRIBED: return 'invalid literal/lengths set (oversubscribed)';
    case INFLATE_REASON_LITERAL_LENGTHS_INCOMPLETE: return 'invalid literal/lengths set (incomplete)';
    case INFLATE_REASON_DISTANCES_OVERSUBSCRIBED: return 'invalid distances set (oversubscribed)';
    case INFLATE_REASON_DISTANCES_INCOMPLETE: return 'invalid distances set (incomplete)';
    case INFLATE_REASON_INVALID_LITERAL_LENGTH_CODE: return 'invalid literal/length code';
    case INFLATE_REASON_INVALID_DISTANCE_CODE: return 'invalid distance code';
    case INFLATE_REASON_DISTANCE_TOO_FAR_BACK: return 'invalid distance too far back';
    case INFLATE_REASON_UNEXPECTED_END_OF_INPUT: return 'unexpected end of input';
    case INFLATE_REASON_OUTPUT_TOO_SMALL: return 'output buffer too small';
  }
  return 'unrecognised reason code';
}

/** Where inflateRaw stopped, on success: indexes into inflateState. */
export const INFLATE_STATE_INPUT_END = 0;
export const INFLATE_STATE_OUTPUT_END = 1;
export const inflateState = new Uint32Array(new ArrayBuffer(8));

// RFC 1951 §3.2.5: length codes 257..285 and distance codes 0..29, base and extra bits.
const inflateLengthBase = new Uint16Array(new ArrayBuffer(29 * 2));
const inflateLengthExtra = new Uint8Array(new ArrayBuffer(29));
const inflateDistanceBase = new Uint16Array(new ArrayBuffer(30 * 2));
const inflateDistanceExtra = new Uint8Array(new ArrayBuffer(30));

function inflateBuildBaseTables(): void {
  let base = 3;
  for (let code = 0; code < 28; code++) {
    const extra = code < 8 ? 0 : ((code - 4) >> 2);
    inflateLengthBase[code] = base;
    inflateLengthExtra[code] = extra;
    base = (base + (1 << extra)) | 0;
  }
  // Code 285 is 258 with no extra bits, not the 259 the progression would give.
  inflateLengthBase[28] = 258;
  inflateLengthExtra[28] = 0;
  base = 1;
  for (let code = 0; code < 30; code++) {
    const extra = code < 4 ? 0 : ((code - 2) >> 1);
    inflateDistanceBase[code] = base;
    inflateDistanceExtra[code] = extra;
    base = (base + (1 << extra)) | 0;
  }
}
inflateBuildBaseTables();

// RFC 1951 §3.2.7: the order in which the code length code's lengths are sent.
const inflateCodeLengthOrder = new Uint8Array(new ArrayBuffer(19));
function inflateBuildCodeLengthOrder(): void {
  // 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1 15
  inflateCodeLengthOrder[0] = 16;
  inflateCodeLengthOrder[1] = 17;
  inflateCodeLengthOrder[2] = 18;
  inflateCodeLengthOrder[3] = 0;
  for (let i = 0; i < 7; i++) {
    inflateCodeLengthOrder[(4 + i * 2) | 0] = (8 + i) | 0;
    inflateCodeLengthOrder[(5 + i * 2) | 0] = (7 - i) | 0;
  }
  inflateCodeLengthOrder[18] = 15;
}
inflateBuildCodeLengthOrder();

/** Bit reversal of a byte, for turning canonical (MSB-first) codes into table indexes. */
const inflateReverseByte = new Uint8Array(new ArrayBuffer(256));
function inflateBuildReverseByte(): void {
  for (let i = 0; i < 256; i++) {
    let reversed = 0;
    for (let bit = 0; bit < 8; bit++) {
      reversed = reversed | (((i >> bit) & 1) << (7 - bit));
    }
    inflateReverseByte[i] = reversed;
  }
}
inflateBuildReverseByte();

// Table geometry. Root widths of 10 bits (literal/length) and 8 (distance): most codes of real
// data fit, so one lookup decodes them, and refilling 1024 + 256 root entries per dynamic block
// is small against the block's symbols. A sub-table spans the longest code's remaining bits and
// each root prefix owns at most one, so the size bound is root + symbols × 2^(15 − root).
const INFLATE_LITERAL_ROOT_BITS = 10;
const INFLATE_LITERAL_ROOT_MASK = 1023;
const INFLATE_DISTANCE_ROOT_BITS = 8;
const INFLATE_DISTANCE_ROOT_MASK = 255;
const INFLATE_CODE_LENGTH_ROOT_BITS = 7;
const INFLATE_LITERAL_TABLE_SIZE = 1024 + 288 * 32;
const INFLATE_DISTANCE_TABLE_SIZE = 256 + 32 * 128;
// What a table entry holds besides its code length (bits 0-3): the decoded value, resolved for
// the alphabet, so the hot loops need no second lookup. Bits 4-7: extra bits to read; bits 8+:
// - code length code (INFLATE_KIND_PLAIN): the symbol;
// - literal/length (INFLATE_KIND_LITERAL): a literal byte (0-255), 256 for end-of-block,
//   INFLATE_VALUE_INVALID for 286/287 and unused entries, or INFLATE_VALUE_LENGTH + the length
//   base (so every value >= INFLATE_VALUE_LENGTH is a match length);
// - distance (INFLATE_KIND_DISTANCE): the distance base (1-24577), 0 for 30/31 and unused entries.
// Unused entries have code length 0, so decoding one fails without consuming input.
const INFLATE_KIND_PLAIN = 0;
const INFLATE_KIND_LITERAL = 1;
const INFLATE_KIND_DISTANCE = 2;
const INFLATE_VALUE_END_OF_BLOCK = 256;
const INFLATE_VALUE_INVALID = 512;
const INFLATE_VALUE_LENGTH = 1024;

/**
 * The fixed code's table at offset 0 and the current dynamic block's at offset TABLE_SIZE, in one
 * module-level array each: the hot loops index a module-level constant (porffor then knows its
 * element type; a typed-array parameter costs a run-time type switch per access) at a base.
 */
const INFLATE_FIXED_BASE = 0;
const INFLATE_DYNAMIC_LITERAL_BASE = INFLATE_LITERAL_TABLE_SIZE;
const INFLATE_DYNAMIC_DISTANCE_BASE = INFLATE_DISTANCE_TABLE_SIZE;
const inflateLiteralTables = new Int32Array(new ArrayBuffer(INFLATE_LITERAL_TABLE_SIZE * 2 * 4));
const inflateDistanceTables = new Int32Array(new ArrayBuffer(INFLATE_DISTANCE_TABLE_SIZE * 2 * 4));
const inflateCodeLengthTable = new Int32Array(new ArrayBuffer(128 * 4));
/** Code lengths of a dynamic block: literal/length (up to 286) then distance (up to 30). */
const inflateLengths = new Uint8Array(new ArrayBuffer(320));
const inflateCodeLengthLengths = new Uint8Array(new ArrayBuffer(19));
/** Scratch for the table builder: codes per length, then symbols sorted by (length, symbol). */
const inflateLengthCount = new Uint16Array(new ArrayBuffer(16 * 2));
const inflateNextOffset = new Uint16Array(new ArrayBuffer(16 * 2));
const inflateSortedSymbols = new Uint16Array(new ArrayBuffer(320 * 2));

// inflateBuildTable results.
const INFLATE_TABLE_COMPLETE = 0;
const INFLATE_TABLE_OVERSUBSCRIBED = 1;
/** More code space than codes, and not the single 1-bit code zlib (and gzip) accept. */
const INFLATE_TABLE_INCOMPLETE = 2;
/** No codes at all (allowed for the distance code of a block with literals only). */
const INFLATE_TABLE_EMPTY = 3;
/** One 1-bit code, half the code space unused: zlib and gzip accept it for literal/length and distance. */
const INFLATE_TABLE_SINGLE_CODE = 4;

/**
 * Builds the decoding table of the canonical Huffman code whose lengths are
 * lengths[start..start+count) (RFC 1951 §3.2.2), into table[tableBase..) with the given root
 * width (sub-table links hold offsets within `table`, base included).
 * An incomplete code is built too (unused entries invalid), so the caller chooses the verdict.
 */
function inflateBuildTable(lengths: Uint8Array, start: number, count: number, table: Int32Array,
  tableBase: number, rootBits: number, kind: number): number {
  const invalidEntry = kind === INFLATE_KIND_LITERAL ? INFLATE_VALUE_INVALID << 8 : 0;
  for (let bits = 0; bits < 16; bits++) inflateLengthCount[bits] = 0;
  for (let symbol = 0; symbol < count; symbol++) {
    const bits = lengths[(start + symbol) | 0];
    inflateLengthCount[bits] = (inflateLengthCount[bits] + 1) | 0;
  }
  let maxLength = 15;
  while (maxLength > 0 && inflateLengthCount[maxLength] === 0) maxLength = (maxLength - 1) | 0;
  const rootSize = 1 << rootBits;
  if (maxLength === 0) {
    for (let i = 0; i < rootSize; i++) table[(tableBase + i) | 0] = invalidEntry;
    return INFLATE_TABLE_EMPTY;
  }
  // Kraft: the code space left after each length must stay non-negative.
  let left = 1;
  for (let bits = 1; bits < 16; bits++) {
    left = ((left << 1) - inflateLengthCount[bits]) | 0;
    if (left < 0) return INFLATE_TABLE_OVERSUBSCRIBED;
  }
  if (left > 0) {
    for (let i = 0; i < rootSize; i++) table[(tableBase + i) | 0] = invalidEntry;
  }
  inflateNextOffset[1] = 0;
  for (let bits = 1; bits < 15; bits++) {
    inflateNextOffset[(bits + 1) | 0] = (inflateNextOffset[bits] + inflateLengthCount[bits]) | 0;
  }
  for (let symbol = 0; symbol < count; symbol++) {
    const bits = lengths[(start + symbol) | 0];
    if (bits !== 0) {
      inflateSortedSymbols[inflateNextOffset[bits]] = symbol;
      inflateNextOffset[bits] = (inflateNextOffset[bits] + 1) | 0;
    }
  }
  const rootMask = (rootSize - 1) | 0;
  const subBits = maxLength > rootBits ? (maxLength - rootBits) | 0 : 0;
  const subSize = 1 << subBits;
  let nextSubTable = (tableBase + rootSize) | 0;
  let currentPrefix = -1;
  let subTable = 0;
  let code = 0;
  let sortedIndex = 0;
  for (let bits = 1; bits <= maxLength; bits++) {
    const lengthCount = inflateLengthCount[bits];
    for (let n = 0; n < lengthCount; n++) {
      const symbol = inflateSortedSymbols[sortedIndex];
      sortedIndex = (sortedIndex + 1) | 0;
      // Codes go out most significant bit first, and the bit reader takes bit 0 first.
      const reversed = ((inflateReverseByte[code & 255] << 8) | inflateReverseByte[(code >> 8) & 255]) >> (16 - bits);
      if (bits <= rootBits) {
        const entry = inflateEntryValue(symbol, kind) | bits;
        for (let i = reversed; i < rootSize; i = (i + (1 << bits)) | 0) table[(tableBase + i) | 0] = entry;
      } else {
        // Canonical codes of one prefix are consecutive, so one sub-table per prefix change.
        const prefix = code >> (bits - rootBits);
        if (prefix !== currentPrefix) {
          currentPrefix = prefix;
          subTable = nextSubTable;
          nextSubTable = (nextSubTable + subSize) | 0;
          table[(tableBase + (reversed & rootMask)) | 0] = (0x80000000 | (subTable << 4) | subBits) | 0;
          if (left > 0) {
            for (let i = 0; i < subSize; i++) table[(subTable + i) | 0] = invalidEntry;
          }
        }
        const subLength = (bits - rootBits) | 0;
        const entry = inflateEntryValue(symbol, kind) | subLength;
        for (let i = reversed >> rootBits; i < subSize; i = (i + (1 << subLength)) | 0) {
          table[(subTable + i) | 0] = entry;
        }
      }
      code = (code + 1) | 0;
    }
    code = code << 1;
  }
  if (left > 0) return maxLength === 1 ? INFLATE_TABLE_SINGLE_CODE : INFLATE_TABLE_INCOMPLETE;
  return INFLATE_TABLE_COMPLETE;
}

/** The value and extra-bit count of `symbol` in a table entry (see INFLATE_KIND_*). */
function inflateEntryValue(symbol: number, kind: number): number {
  if (kind === INFLATE_KIND_LITERAL) {
    if (symbol <= INFLATE_VALUE_END_OF_BLOCK) return symbol << 8;
    if (symbol > 285) return INFLATE_VALUE_INVALID << 8;
    const code = (symbol - 257) | 0;
    return ((INFLATE_VALUE_LENGTH + inflateLengthBase[code]) << 8) | (inflateLengthExtra[code] << 4);
  }
  if (kind === INFLATE_KIND_DISTANCE) {
    if (symbol > 29) return 0;
    return (inflateDistanceBase[symbol] << 8) | (inflateDistanceExtra[symbol] << 4);
  }
  return symbol << 8;
}

function inflateBuildFixedTables(): void {
  // RFC 1951 §3.2.6.
  for (let symbol = 0; symbol < 288; symbol++) {
    inflateLengths[symbol] = symbol < 144 ? 8 : symbol < 256 ? 9 : symbol < 280 ? 7 : 8;
  }
  inflateBuildTable(inflateLengths, 0, 288, inflateLiteralTables, INFLATE_FIXED_BASE, INFLATE_LITERAL_ROOT_BITS,
    INFLATE_KIND_LITERAL);
  for (let symbol = 0; symbol < 32; symbol++) inflateLengths[symbol] = 5;
  inflateBuildTable(inflateLengths, 0, 32, inflateDistanceTables, INFLATE_FIXED_BASE, INFLATE_DISTANCE_ROOT_BITS,
    INFLATE_KIND_DISTANCE);
}
inflateBuildFixedTables();

// Bit reader state between the block loop's phases (headers are read through the helpers
// below; the Huffman loops copy these into locals and write them back).
let inflatePosition = 0;
let inflateBitBuffer = 0;
let inflateBitCount = 0;
let inflateOutput = 0;

/** Refills the bit buffer from real input bytes only, up to 24–31 bits or the end. */
function inflateFill(input: Uint8Array, inputLength: number): void {
  let position = inflatePosition;
  let bitBuffer = inflateBitBuffer;
  let bitCount = inflateBitCount;
  while (bitCount < 24 && position < inputLength) {
    bitBuffer = bitBuffer | (input[position] << bitCount);
    position = (position + 1) | 0;
    bitCount = (bitCount + 8) | 0;
  }
  inflatePosition = position;
  inflateBitBuffer = bitBuffer;
  inflateBitCount = bitCount;
}

/** Takes `count` (at most 16) bits, or returns -1 when the input ends first. */
function inflateTakeBits(input: Uint8Array, inputLength: number, count: number): number {
  if (inflateBitCount < count) {
    inflateFill(input, inputLength);
    if (inflateBitCount < count) return -1;
  }
  const value = inflateBitBuffer & ((1 << count) - 1);
  inflateBitBuffer = inflateBitBuffer >>> count;
  inflateBitCount = (inflateBitCount - count) | 0;
  return value;
}

/** The input offset to report: the byte holding the next unread bit. */
function inflateErrorOffset(): number {
  return (inflatePosition - (inflateBitCount >> 3)) | 0;
}

function inflateFail(status: number, reason: number): number {
  return decodeFail(status, reason, inflateErrorOffset());
}

/** Stored block (RFC 1951 §3.2.4): LEN, NLEN on a byte boundary, then LEN bytes. */
function inflateStoredBlock(input: Uint8Array, inputLength: number, output: Uint8Array, outputCapacity: number): number {
  const drop = inflateBitCount & 7;
  inflateBitBuffer = inflateBitBuffer >>> drop;
  inflateBitCount = (inflateBitCount - drop) | 0;
  const storedLength = inflateTakeBits(input, inputLength, 16);
  const lengthComplement = storedLength < 0 ? -1 : inflateTakeBits(input, inputLength, 16);
  if (lengthComplement < 0) {
    return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_UNEXPECTED_END_OF_INPUT);
  }
  // The buffer now holds only whole bytes that were read ahead: give them back.
  inflatePosition = (inflatePosition - (inflateBitCount >> 3)) | 0;
  inflateBitBuffer = 0;
  inflateBitCount = 0;
  if ((storedLength ^ 0xffff) !== lengthComplement) {
    return decodeFail(EFI_COMPROMISED_DATA, INFLATE_REASON_STORED_LENGTH_MISMATCH, (inflatePosition - 4) | 0);
  }
  if (storedLength > ((inputLength - inflatePosition) | 0)) {
    return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_STORED_BLOCK_TRUNCATED);
  }
  if (storedLength > ((outputCapacity - inflateOutput) | 0)) {
    return inflateFail(EFI_BUFFER_TOO_SMALL, INFLATE_REASON_OUTPUT_TOO_SMALL);
  }
  const end = (inflatePosition + storedLength) | 0;
  output.set(input.subarray(inflatePosition, end), inflateOutput);
  inflatePosition = end;
  inflateOutput = (inflateOutput + storedLength) | 0;
  return 0;
}

/**
 * Reads a dynamic block's code lengths (RFC 1951 §3.2.7) and builds its two tables into
 * inflateLiteralTables / inflateDistanceTables at their dynamic bases.
 */
function inflateDynamicHeader(input: Uint8Array, inputLength: number): number {
  const literalCountBits = inflateTakeBits(input, inputLength, 5);
  const distanceCountBits = literalCountBits < 0 ? -1 : inflateTakeBits(input, inputLength, 5);
  const codeLengthCountBits = distanceCountBits < 0 ? -1 : inflateTakeBits(input, inputLength, 4);
  if (codeLengthCountBits < 0) return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_UNEXPECTED_END_OF_INPUT);
  const literalCount = (literalCountBits + 257) | 0;
  const distanceCount = (distanceCountBits + 1) | 0;
  const codeLengthCount = (codeLengthCountBits + 4) | 0;
  if (literalCount > 286 || distanceCount > 30) {
    return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_TOO_MANY_SYMBOLS);
  }
  for (let i = 0; i < 19; i++) inflateCodeLengthLengths[i] = 0;
  for (let i = 0; i < codeLengthCount; i++) {
    const fieldValue = inflateTakeBits(input, inputLength, 3);
    if (fieldValue < 0) return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_UNEXPECTED_END_OF_INPUT);
    inflateCodeLengthLengths[inflateCodeLengthOrder[i]] = fieldValue;
  }
  let built = inflateBuildTable(inflateCodeLengthLengths, 0, 19, inflateCodeLengthTable, 0, INFLATE_CODE_LENGTH_ROOT_BITS,
    INFLATE_KIND_PLAIN);
  if (built === INFLATE_TABLE_OVERSUBSCRIBED) {
    return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_CODE_LENGTHS_OVERSUBSCRIBED);
  }
  // The code length code must be complete: zlib refuses even the single 1-bit code here.
  if (built !== INFLATE_TABLE_COMPLETE) {
    return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_CODE_LENGTHS_INCOMPLETE);
  }
  const total = (literalCount + distanceCount) | 0;
  let index = 0;
  while (index < total) {
    if (inflateBitCount < 14) inflateFill(input, inputLength);
    const entry = inflateCodeLengthTable[inflateBitBuffer & 127];
    const fieldValue = entry & 15;
    if (fieldValue > inflateBitCount) return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_UNEXPECTED_END_OF_INPUT);
    inflateBitBuffer = inflateBitBuffer >>> fieldValue;
    inflateBitCount = (inflateBitCount - fieldValue) | 0;
    const symbol = entry >> 8;
    if (symbol < 16) {
      inflateLengths[index] = symbol;
      index = (index + 1) | 0;
    } else {
      let repeatValue = 0;
      let repeat = 0;
      if (symbol === 16) {
        if (index === 0) return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_REPEAT_WITHOUT_PREVIOUS);
        repeatValue = inflateLengths[(index - 1) | 0];
        repeat = inflateTakeBits(input, inputLength, 2);
        repeat = repeat < 0 ? -1 : (repeat + 3) | 0;
      } else if (symbol === 17) {
        repeat = inflateTakeBits(input, inputLength, 3);
        repeat = repeat < 0 ? -1 : (repeat + 3) | 0;
      } else {
        repeat = inflateTakeBits(input, inputLength, 7);
        repeat = repeat < 0 ? -1 : (repeat + 11) | 0;
      }
      if (repeat < 0) return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_UNEXPECTED_END_OF_INPUT);
      if (repeat > ((total - index) | 0)) return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_REPEAT_TOO_LONG);
      const end = (index + repeat) | 0;
      while (index < end) {
        inflateLengths[index] = repeatValue;
        index = (index + 1) | 0;
      }
    }
  }
  if (inflateLengths[256] === 0) return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_MISSING_END_OF_BLOCK);
  built = inflateBuildTable(inflateLengths, 0, literalCount, inflateLiteralTables, INFLATE_DYNAMIC_LITERAL_BASE,
    INFLATE_LITERAL_ROOT_BITS, INFLATE_KIND_LITERAL);
  if (built === INFLATE_TABLE_OVERSUBSCRIBED) {
    return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_LITERAL_LENGTHS_OVERSUBSCRIBED);
  }
  if (built !== INFLATE_TABLE_COMPLETE && built !== INFLATE_TABLE_SINGLE_CODE) {
    return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_LITERAL_LENGTHS_INCOMPLETE);
  }
  built = inflateBuildTable(inflateLengths, literalCount, distanceCount, inflateDistanceTables,
    INFLATE_DYNAMIC_DISTANCE_BASE, INFLATE_DISTANCE_ROOT_BITS, INFLATE_KIND_DISTANCE);
  if (built === INFLATE_TABLE_OVERSUBSCRIBED) {
    return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_DISTANCES_OVERSUBSCRIBED);
  }
  if (built === INFLATE_TABLE_INCOMPLETE) {
    return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_DISTANCES_INCOMPLETE);
  }
  return 0;
}

// Results of the Huffman loops besides an error status.
const INFLATE_BLOCK_DONE = 0;
/** The fast loop reached its input or output margin: the careful loop continues the block. */
const INFLATE_BLOCK_NEAR_END = 1;

/**
 * Decodes Huffman-coded symbols while 16 input bytes and 258 output bytes are left, without
 * per-byte bounds checks. Returns INFLATE_BLOCK_DONE after end-of-block, INFLATE_BLOCK_NEAR_END
 * at a margin, or an error status (already recorded).
 */
function inflateHuffmanFast(input: Uint8Array, inputLength: number, output: Uint8Array, outputStart: number,
  outputCapacity: number, literalBase: number, distanceBase: number): number {
  let position = inflatePosition;
  let bitBuffer = inflateBitBuffer;
  let bitCount = inflateBitCount;
  let out = inflateOutput;
  const inputLimit = (inputLength - 16) | 0;
  const outputLimit = (outputCapacity - 258) | 0;
  let result = INFLATE_BLOCK_NEAR_END;
  let reason = 0;
  while (position <= inputLimit && out <= outputLimit) {
    bitBuffer = bitBuffer | ((input[position] | (input[(position + 1) | 0] << 8) |
      (input[(position + 2) | 0] << 16) | (input[(position + 3) | 0] << 24)) << bitCount);
    position = (position + ((31 - bitCount) >> 3)) | 0;
    bitCount = bitCount | 24;
    let entry = inflateLiteralTables[literalBase + (bitBuffer & INFLATE_LITERAL_ROOT_MASK)];
    if (entry < 0) {
      bitBuffer = bitBuffer >>> INFLATE_LITERAL_ROOT_BITS;
      bitCount = (bitCount - INFLATE_LITERAL_ROOT_BITS) | 0;
      entry = inflateLiteralTables[((entry >> 4) & 0xffff) + (bitBuffer & lowBitMasks[entry & 15])];
    }
    let codeLength = entry & 15;
    bitBuffer = bitBuffer >>> codeLength;
    bitCount = (bitCount - codeLength) | 0;
    let value = entry >> 8;
    if (value < 256) {
      output[out] = value;
      out = (out + 1) | 0;
      // A second literal from the same refill, when its code is a root entry already whole in
      // the buffer: the bits above bitCount are 0 or the stream's next bits, so the entry found
      // is the right one whenever its length fits. The margin of 258 bytes holds both.
      const next = inflateLiteralTables[literalBase + (bitBuffer & INFLATE_LITERAL_ROOT_MASK)];
      const nextLength = next & 15;
      if (next >= 0 && next < (256 << 8) && nextLength <= bitCount) {
        bitBuffer = bitBuffer >>> nextLength;
        bitCount = (bitCount - nextLength) | 0;
        output[out] = next >> 8;
        out = (out + 1) | 0;
      }
      continue;
    }
    if (value < INFLATE_VALUE_LENGTH) {
      if (value === INFLATE_VALUE_END_OF_BLOCK) result = INFLATE_BLOCK_DONE;
      else reason = INFLATE_REASON_INVALID_LITERAL_LENGTH_CODE;
      break;
    }
    let extra = (entry >> 4) & 15;
    const matchLength = ((value - INFLATE_VALUE_LENGTH) + (bitBuffer & lowBitMasks[extra])) | 0;
    bitBuffer = bitBuffer >>> extra;
    bitCount = (bitCount - extra) | 0;
    bitBuffer = bitBuffer | ((input[position] | (input[(position + 1) | 0] << 8) |
      (input[(position + 2) | 0] << 16) | (input[(position + 3) | 0] << 24)) << bitCount);
    position = (position + ((31 - bitCount) >> 3)) | 0;
    bitCount = bitCount | 24;
    entry = inflateDistanceTables[distanceBase + (bitBuffer & INFLATE_DISTANCE_ROOT_MASK)];
    if (entry < 0) {
      bitBuffer = bitBuffer >>> INFLATE_DISTANCE_ROOT_BITS;
      bitCount = (bitCount - INFLATE_DISTANCE_ROOT_BITS) | 0;
      entry = inflateDistanceTables[((entry >> 4) & 0xffff) + (bitBuffer & lowBitMasks[entry & 15])];
    }
    codeLength = entry & 15;
    bitBuffer = bitBuffer >>> codeLength;
    bitCount = (bitCount - codeLength) | 0;
    value = entry >> 8;
    if (value === 0) {
      reason = INFLATE_REASON_INVALID_DISTANCE_CODE;
      break;
    }
    extra = (entry >> 4) & 15;
    if (bitCount < extra) {
      bitBuffer = bitBuffer | ((input[position] | (input[(position + 1) | 0] << 8) |
        (input[(position + 2) | 0] << 16) | (input[(position + 3) | 0] << 24)) << bitCount);
      position = (position + ((31 - bitCount) >> 3)) | 0;
      bitCount = bitCount | 24;
    }
    const distance = (value + (bitBuffer & lowBitMasks[extra])) | 0;
    bitBuffer = bitBuffer >>> extra;
    bitCount = (bitCount - extra) | 0;
    if (distance > ((out - outputStart) | 0)) {
      reason = INFLATE_REASON_DISTANCE_TOO_FAR_BACK;
      break;
    }
    if (distance >= matchLength) {
      // No overlap: one copy, inline up to 64 bytes (lz-copy.ts). Up to 16 bytes are a fixed
      // 16-byte copy, two word moves with no branch on the length: the margin of 258 bytes
      // holds the bytes past the match, which the next symbols overwrite.
      const from = (out - distance) | 0;
      if (matchLength <= 16) {
        output.copyWithin(out, from, (from + 16) | 0);
      } else {
        output.copyWithin(out, from, (from + matchLength) | 0);
      }
      out = (out + matchLength) | 0;
    } else if (matchLength <= LZ_SHORT_COPY) {
      let from = (out - distance) | 0;
      const end = (out + matchLength) | 0;
      while (out < end) {
        output[out] = output[from];
        out = (out + 1) | 0;
        from = (from + 1) | 0;
      }
    } else {
      out = lzCopyMatch(output, out, distance, matchLength);
    }
  }
  inflatePosition = position;
  inflateBitBuffer = bitBuffer;
  inflateBitCount = bitCount;
  inflateOutput = out;
  if (reason !== 0) return inflateFail(EFI_COMPROMISED_DATA, reason);
  return result;
}

/**
 * The same decoding with every refill and write checked: past the end of input the buffer is
 * refilled with zero bytes (position keeps counting them), and as soon as a decoded code or
 * extra field has used one of those bits the block fails with "unexpected end of input".
 */
function inflateHuffmanCareful(input: Uint8Array, inputLength: number, output: Uint8Array, outputStart: number,
  outputCapacity: number, literalBase: number, distanceBase: number): number {
  let position = inflatePosition;
  let bitBuffer = inflateBitBuffer;
  let bitCount = inflateBitCount;
  let out = inflateOutput;
  let reason = 0;
  let status = EFI_COMPROMISED_DATA;
  for (;;) {
    while (bitCount < 24) {
      if (position < inputLength) bitBuffer = bitBuffer | (input[position] << bitCount);
      position = (position + 1) | 0;
      bitCount = (bitCount + 8) | 0;
    }
    let entry = inflateLiteralTables[literalBase + (bitBuffer & INFLATE_LITERAL_ROOT_MASK)];
    if (entry < 0) {
      bitBuffer = bitBuffer >>> INFLATE_LITERAL_ROOT_BITS;
      bitCount = (bitCount - INFLATE_LITERAL_ROOT_BITS) | 0;
      entry = inflateLiteralTables[((entry >> 4) & 0xffff) + (bitBuffer & lowBitMasks[entry & 15])];
    }
    let codeLength = entry & 15;
    bitBuffer = bitBuffer >>> codeLength;
    bitCount = (bitCount - codeLength) | 0;
    // Bits beyond the input: (position - inputLength) zero bytes were appended, and the ones
    // still in the buffer are its top bits; more appended bits than buffered bits means used.
    if (position > inputLength && ((position - inputLength) << 3) > bitCount) {
      reason = INFLATE_REASON_UNEXPECTED_END_OF_INPUT;
      break;
    }
    let value = entry >> 8;
    if (value < 256) {
      if (out >= outputCapacity) {
        status = EFI_BUFFER_TOO_SMALL;
        reason = INFLATE_REASON_OUTPUT_TOO_SMALL;
        break;
      }
      output[out] = value;
      out = (out + 1) | 0;
      continue;
    }
    if (value === INFLATE_VALUE_END_OF_BLOCK) break;
    if (value < INFLATE_VALUE_LENGTH) {
      reason = INFLATE_REASON_INVALID_LITERAL_LENGTH_CODE;
      break;
    }
    let extra = (entry >> 4) & 15;
    const matchLength = ((value - INFLATE_VALUE_LENGTH) + (bitBuffer & lowBitMasks[extra])) | 0;
    bitBuffer = bitBuffer >>> extra;
    bitCount = (bitCount - extra) | 0;
    while (bitCount < 24) {
      if (position < inputLength) bitBuffer = bitBuffer | (input[position] << bitCount);
      position = (position + 1) | 0;
      bitCount = (bitCount + 8) | 0;
    }
    entry = inflateDistanceTables[distanceBase + (bitBuffer & INFLATE_DISTANCE_ROOT_MASK)];
    if (entry < 0) {
      bitBuffer = bitBuffer >>> INFLATE_DISTANCE_ROOT_BITS;
      bitCount = (bitCount - INFLATE_DISTANCE_ROOT_BITS) | 0;
      entry = inflateDistanceTables[((entry >> 4) & 0xffff) + (bitBuffer & lowBitMasks[entry & 15])];
    }
    codeLength = entry & 15;
    bitBuffer = bitBuffer >>> codeLength;
    bitCount = (bitCount - codeLength) | 0;
    value = entry >> 8;
    extra = (entry >> 4) & 15;
    if (bitCount < extra) {
      while (bitCount < 24) {
        if (position < inputLength) bitBuffer = bitBuffer | (input[position] << bitCount);
        position = (position + 1) | 0;
        bitCount = (bitCount + 8) | 0;
      }
    }
    const distance = (value + (bitBuffer & lowBitMasks[extra])) | 0;
    bitBuffer = bitBuffer >>> extra;
    bitCount = (bitCount - extra) | 0;
    if (position > inputLength && ((position - inputLength) << 3) > bitCount) {
      reason = INFLATE_REASON_UNEXPECTED_END_OF_INPUT;
      break;
    }
    if (value === 0) {
      reason = INFLATE_REASON_INVALID_DISTANCE_CODE;
      break;
    }
    if (distance > ((out - outputStart) | 0)) {
      reason = INFLATE_REASON_DISTANCE_TOO_FAR_BACK;
      break;
    }
    if (matchLength > ((outputCapacity - out) | 0)) {
      status = EFI_BUFFER_TOO_SMALL;
      reason = INFLATE_REASON_OUTPUT_TOO_SMALL;
      break;
    }
    if (distance >= matchLength) {
      // No overlap: one copy, inline up to 64 bytes (lz-copy.ts).
      const from = (out - distance) | 0;
      output.copyWithin(out, from, (from + matchLength) | 0);
      out = (out + matchLength) | 0;
    } else if (matchLength <= LZ_SHORT_COPY) {
      let from = (out - distance) | 0;
      const end = (out + matchLength) | 0;
      while (out < end) {
        output[out] = output[from];
        out = (out + 1) | 0;
        from = (from + 1) | 0;
      }
    } else {
      out = lzCopyMatch(output, out, distance, matchLength);
    }
  }
  // Hand back only real input: drop the appended zero bytes (still unread, at the top).
  if (reason === 0 && position > inputLength) {
    bitCount = (bitCount - ((position - inputLength) << 3)) | 0;
    position = inputLength;
  }
  inflatePosition = position;
  inflateBitBuffer = bitBuffer;
  inflateBitCount = bitCount;
  inflateOutput = out;
  if (reason !== 0) {
    if (reason === INFLATE_REASON_UNEXPECTED_END_OF_INPUT) {
      return decodeFail(status, reason, inputLength);
    }
    return inflateFail(status, reason);
  }
  return INFLATE_BLOCK_DONE;
}

/**
 * Decodes the raw DEFLATE stream at input[start..inputLength) into output[outputStart..
 * outputCapacity). Matches may reach back to outputStart, not before it (each gzip member is
 * its own stream). On success returns EFI_SUCCESS and sets inflateState[INFLATE_STATE_INPUT_END]
 * (the byte after the final block; its unused bits are padding) and [INFLATE_STATE_OUTPUT_END];
 * on failure returns the status and records reason and offset with decodeFail.
 */
export function inflateRaw(input: Uint8Array, start: number, inputLength: number, output: Uint8Array,
  outputStart: number, outputCapacity: number): number {
  if (inputLength < 0 || inputLength > input.length || start < 0 || start > inputLength ||
    outputCapacity < 0 || outputCapacity > output.length || outputStart < 0 || outputStart > outputCapacity) {
    return decodeFail(EFI_INVALID_PARAMETER, INFLATE_REASON_INVALID_ARGUMENTS, 0);
  }
  inflatePosition = start;
  inflateBitBuffer = 0;
  inflateBitCount = 0;
  inflateOutput = outputStart;
  let last = 0;
  while (last === 0) {
    const header = inflateTakeBits(input, inputLength, 3);
    if (header < 0) return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_UNEXPECTED_END_OF_INPUT);
    last = header & 1;
    const type = header >> 1;
    if (type === 0) {
      const status = inflateStoredBlock(input, inputLength, output, outputCapacity);
      if (status !== 0) return status;
    } else if (type === 3) {
      return inflateFail(EFI_COMPROMISED_DATA, INFLATE_REASON_INVALID_BLOCK_TYPE);
    } else {
      if (type === 2) {
        const status = inflateDynamicHeader(input, inputLength);
        if (status !== 0) return status;
      }
      const literalBase = type === 1 ? INFLATE_FIXED_BASE : INFLATE_DYNAMIC_LITERAL_BASE;
      const distanceBase = type === 1 ? INFLATE_FIXED_BASE : INFLATE_DYNAMIC_DISTANCE_BASE;
      let result = inflateHuffmanFast(input, inputLength, output, outputStart, outputCapacity, literalBase,
        distanceBase);
      if (result === INFLATE_BLOCK_NEAR_END) {
        result = inflateHuffmanCareful(input, inputLength, output, outputStart, outputCapacity, literalBase,
          distanceBase);
      }
      if (result !== INFLATE_BLOCK_DONE) return result;
    }
  }
  // The final block ends inside a byte; whole bytes still in the buffer were read ahead.
  inflateState[INFLATE_STATE_INPUT_END] = (inflatePosition - (inflateBitCount >> 3)) | 0;
  inflateState[INFLATE_STATE_OUTPUT_END] = inflateOutput;
  return 0;
}
