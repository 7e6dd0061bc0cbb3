/**
 * @fileoverview bzip2 decoder: one whole .bz2 file (all its concatenated streams, as `bzip2 -dc`
 * accepts them) into a caller buffer.
 *
 * Format (bzip2 1.0.x, as written by `bzip2 -1`..`-9`; bit fields are MSB first, blocks are not
 * byte aligned):
 *   stream   = "BZh" digit('1'..'9': block size in 100 000 bytes) block* end-of-stream pad-to-byte
 *   block    = 0x314159265359 (48 bits) blockCRC(32) randomised(1) origPtr(24)
 *              used map: 16 bits, then 16 bits for each set bit (the bytes present in the block)
 *              nGroups(3, 2..6) nSelectors(15, >= 1) selectors (each unary, MTF-coded over groups)
 *              per group: a start length (5) then per symbol delta bits ("1 0" +1, "1 1" -1, "0"
 *              ends), every length within 1..20
 *              symbols: Huffman codes, the table switching every 50 symbols by selector; RUNA (0)
 *              and RUNB (1) spell a run length in bijective base 2 of the front MTF byte, 2..nInUse
 *              are MTF indexes 1..nInUse-1, nInUse+1 ends the block
 *   end      = 0x177245385090 (48 bits) combinedCRC(32), then zero bits to the byte boundary
 * The block's bytes are the Burrows-Wheeler transform of the pre-RLE data; origPtr is the row of
 * the original string. After the inverse BWT (the "T vector": tt[i] low byte = byte i of the
 * transformed block, the last column; high 24 bits = the row whose byte comes next in the text,
 * so one random read per output byte) comes the first run-length stage: four equal
 * bytes are followed by a count byte (0..255) of further copies. blockCRC is the MSB-first CRC-32
 * (polynomial 0x04C11DB7, init and final xor 0xFFFFFFFF) of the block's final bytes, and
 * combinedCRC = rotl1(combined) ^ blockCRC over the blocks of the stream.
 *
 * Choices, where the reference leaves room:
 * - Randomised blocks (only bzip2 0.9.0/0.9.5 wrote them, for very repetitive input; 1.0 never
 *   does) are refused with EFI_UNSUPPORTED and BZIP2_REASON_RANDOMISED.
 * - As bzip2 1.0.8 (the CVE-2019-12900 fix), up to 32767 selectors are read but only the first
 *   18002 (2 + 900000 / 50) are kept; a block that needs more groups than that fails.
 * - Huffman tables are decoded exactly as bzip2 1.0.8 decodes them, also when the lengths are
 *   oversubscribed (codes that do not fit are unreachable) or incomplete (a pattern no code
 *   covers fails when met, BZIP2_REASON_BAD_HUFFMAN_CODE); the encoder writes neither (its
 *   lengths come from a Huffman tree over >= 3 symbols, which is complete).
 * - A block whose last four bytes are equal (no count byte follows) is refused, as bzip2 -dc
 *   refuses it (BZIP2_REASON_RUN_COUNT_MISSING); a count byte may be 0..255 (the encoder writes
 *   at most 251, the reference decoder takes any).
 * - After the first stream, bzip2 -dc decodes further streams while the next bytes are a stream
 *   header "BZh1".."BZh9"; anything else after a complete stream is trailing garbage it ignores
 *   (so do we: kbuild's 4-byte size trailer lands here if the caller leaves it). A header cut
 *   short ("B", "BZ", "BZh", "BZh9" at the end of input) is an error, as for the CLI.
 *   bzip2InputConsumed() tells how many bytes the streams used.
 *
 * Bounds: every input byte read is checked against inputLength (past the end the bit reader
 * feeds zero bits and a failure is then reported as BZIP2_REASON_TRUNCATED), every output write
 * against outputCapacity once per byte or once per run, every tt index is below the block size.
 * Every loop consumes input bits, produces a symbol bounded by the block size, or is bounded by
 * a constant.
 */
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_CRC_ERROR, EFI_UNSUPPORTED } from '../efi/status';
import { LZ_SHORT_COPY, lzCopyMatch } from './lz-copy';
import { decodeFail, decodeSucceed } from './result';

export const BZIP2_REASON_TRUNCATED = 600;
export const BZIP2_REASON_BAD_MAGIC = 601;
export const BZIP2_REASON_BAD_BLOCK_SIZE = 602;
export const BZIP2_REASON_BAD_BLOCK_MAGIC = 603;
export const BZIP2_REASON_RANDOMISED = 604;
export const BZIP2_REASON_NO_SYMBOLS = 605;
export const BZIP2_REASON_BAD_GROUP_COUNT = 606;
export const BZIP2_REASON_NO_SELECTORS = 607;
export const BZIP2_REASON_BAD_SELECTOR = 608;
export const BZIP2_REASON_BAD_CODE_LENGTH = 609;
// 610 is not used: oversubscribed code lengths are decoded as bzip2 decodes them.
export const BZIP2_REASON_BAD_HUFFMAN_CODE = 611;
export const BZIP2_REASON_SELECTORS_EXHAUSTED = 612;
export const BZIP2_REASON_RUN_TOO_LONG = 613;
export const BZIP2_REASON_BLOCK_TOO_LONG = 614;
export const BZIP2_REASON_ORIG_PTR_RANGE = 615;
export const BZIP2_REASON_BLOCK_CRC = 616;
export const BZIP2_REASON_STREAM_CRC = 617;
export const BZIP2_REASON_OUTPUT_TOO_SMALL = 618;
export const BZIP2_REASON_RUN_COUNT_MISSING = 619;

export function bzip2ReasonText(reason: number): string {
  switch (reason) {
    case BZIP2_REASON_TRUNCATED: return 'input ends inside the stream';
    case BZIP2_REASON_BAD_MAGIC: return 'not a bzip2 stream (bad magic)';
    case BZIP2_REASON_BAD_BLOCK_SIZE: return 'block size digit not 1..9';
    case BZIP2_REASON_BAD_BLOCK_MAGIC: return 'bad block or end-of-stream magic';
    case BZIP2_REASON_RANDOMISED: return 'randomised blocks not supported';
    case BZIP2_REASON_NO_SYMBOLS: return 'symbol map is empty';
    case BZIP2_REASON_BAD_GROUP_COUNT: return 'huffman table count not 2..6';
    case BZIP2_REASON_NO_SELECTORS: return 'selector count is zero';
    case BZIP2_REASON_BAD_SELECTOR: return 'selector names a missing table';
    case BZIP2_REASON_BAD_CODE_LENGTH: return 'code length outside 1..20';
    case BZIP2_REASON_BAD_HUFFMAN_CODE: return 'invalid huffman code';
    case BZIP2_REASON_SELECTORS_EXHAUSTED: return 'more symbol groups than selectors';
    case BZIP2_REASON_RUN_TOO_LONG: return 'run length too long';
    case BZIP2_REASON_BLOCK_TOO_LONG: return 'too many symbols for the block size';
    case BZIP2_REASON_ORIG_PTR_RANGE: return 'origPtr out of range';
    case BZIP2_REASON_BLOCK_CRC: return 'block crc mismatch';
    case BZIP2_REASON_STREAM_CRC: return 'stream crc mismatch';
    case BZIP2_REASON_OUTPUT_TOO_SMALL: return 'output buffer too small';
    case BZIP2_REASON_RUN_COUNT_MISSING: return 'block ends before a run count byte';
  }
  return 'unknown reason';
}

// Format limits (bzip2 1.0.8 bzlib_private.h: BZ_MAX_ALPHA_SIZE, BZ_N_GROUPS, BZ_G_SIZE,
// BZ_MAX_SELECTORS, BZ_MAX_CODE_LEN).
const BZIP2_MAX_BLOCK = 900000;
const BZIP2_MAX_ALPHABET = 258;
const BZIP2_MAX_GROUPS = 6;
const BZIP2_GROUP_SIZE = 50;
const BZIP2_MAX_SELECTORS = 18002;
const BZIP2_MAX_CODE_LENGTH = 20;
/** A run longer than this doubling weight (2^21) is corrupt: bzip2 1.0.8 refuses N >= 2 MiB. */
const BZIP2_MAX_RUN_WEIGHT = 0x200000;

/** First-level Huffman lookup width: codes up to this many bits decode in one table read. */
const BZIP2_LOOKUP_BITS = 10;
const BZIP2_LOOKUP_SIZE = 1024;
const BZIP2_LENGTH_SLOTS = 21;

// MSB-first CRC-32 (polynomial 0x04C11DB7, not reflected), slicing-by-4: table k holds the CRC of
// byte n followed by k zero bytes, so four bytes fold in with four lookups.
const bzip2CrcTable = new Uint32Array(new ArrayBuffer(1024 * 4));

function bzip2BuildCrcTables(): void {
  for (let n = 0; n < 256; n++) {
    let c = (n << 24) >>> 0;
    for (let k = 0; k < 8; k++) {
      c = (c & 0x80000000) !== 0 ? ((c << 1) ^ 0x04c11db7) >>> 0 : (c << 1) >>> 0;
    }
    bzip2CrcTable[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = bzip2CrcTable[n];
    for (let slice = 1; slice < 4; slice++) {
      c = ((c << 8) ^ bzip2CrcTable[c >>> 24]) >>> 0;
      bzip2CrcTable[(slice << 8) + n] = c;
    }
  }
}
bzip2BuildCrcTables();

/** bzip2's block CRC of bytes[start, end) (a fresh CRC, not a continuation). */
export function bzip2BlockCrc(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0xffffffff;
  let i = start;
  const blockEnd = (end - 3) | 0;
  while (i < blockEnd) {
    crc = (crc ^ ((bytes[i] << 24) | (bytes[(i + 1) | 0] << 16) | (bytes[(i + 2) | 0] << 8) | bytes[(i + 3) | 0])) >>> 0;
    crc = (bzip2CrcTable[768 + (crc >>> 24)] ^ bzip2CrcTable[512 + ((crc >>> 16) & 255)] ^
      bzip2CrcTable[256 + ((crc >>> 8) & 255)] ^ bzip2CrcTable[crc & 255]) >>> 0;
    i = (i + 4) | 0;
  }
  while (i < end) {
    crc = ((crc << 8) ^ bzip2CrcTable[((crc >>> 24) ^ bytes[i]) & 255]) >>> 0;
    i = (i + 1) | 0;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// Bit reader state between the header helpers and the hot loop (which copies it to locals).
// bzip2BitBuffer's low bzip2BitCount bits are the next unread bits, oldest highest; bytes at and
// past inputLength load as zero, and bzip2Overran() tells whether any of those were consumed.
let bzip2Position = 0;
let bzip2BitBuffer = 0;
let bzip2BitCount = 0;
let bzip2Consumed = 0;

/** Reads `count` (1..24) bits, MSB first. */
function bzip2ReadBits(input: Uint8Array, inputLength: number, count: number): number {
  let buffer = bzip2BitBuffer;
  let bits = bzip2BitCount;
  let position = bzip2Position;
  while (bits < count) {
    let byte = 0;
    if (position < inputLength) byte = input[position];
    buffer = (buffer << 8) | byte;
    position = (position + 1) | 0;
    bits = (bits + 8) | 0;
  }
  bits = (bits - count) | 0;
  bzip2BitBuffer = buffer;
  bzip2BitCount = bits;
  bzip2Position = position;
  return (buffer >>> bits) & ((1 << count) - 1);
}

/** Reads a 32-bit big-endian field as an unsigned number. */
function bzip2ReadBits32(input: Uint8Array, inputLength: number): number {
  const high = bzip2ReadBits(input, inputLength, 16);
  return ((high << 16) | bzip2ReadBits(input, inputLength, 16)) >>> 0;
}

/** True when the reader has consumed bits from beyond the end of the input. */
function bzip2Overran(inputLength: number): boolean {
  if (bzip2Position <= inputLength) return false;
  return ((bzip2Position - inputLength) << 3) > bzip2BitCount;
}

/**
 * Fails with `status`/`reason`, unless the reader already ran past the end of the input: then
 * the real cause is truncation and the damage seen is the zero padding's.
 */
function bzip2Fail(status: number, reason: number, inputLength: number): number {
  let offset = (bzip2Position - (bzip2BitCount >> 3)) | 0;
  if (offset > inputLength) offset = inputLength;
  if (bzip2Overran(inputLength)) return decodeFail(EFI_COMPROMISED_DATA, BZIP2_REASON_TRUNCATED, inputLength);
  return decodeFail(status, reason, offset);
}

// Per-block tables.
/** The bytes present in the block, in order: the initial MTF list. */
const bzip2MtfList = new Uint8Array(new ArrayBuffer(256));
/**
 * The MTF list while decoding, as 16 segments of 16 entries inside a larger area: logical index
 * n is bzip2MtfArea[bzip2MtfSegment[n >> 4] + (n & 15)]. Moving entry n to the front shifts
 * only within its segment, then hands one entry down from each earlier segment by moving that
 * segment's start back one slot (n & 15 + n >> 4 moves instead of n; binaries average n ~ 40).
 * The segments drift towards the area's start; when the front reaches 0 they are repacked at
 * the end (every ~3800 moves). bzip2 1.0.8 uses the same layout (MTFA_SIZE, MTFL_SIZE).
 */
const BZIP2_MTF_AREA_SIZE = 4096;
const BZIP2_MTF_AREA_HOME = BZIP2_MTF_AREA_SIZE - 256;
const bzip2MtfArea = new Uint8Array(new ArrayBuffer(BZIP2_MTF_AREA_SIZE));
const bzip2MtfSegment = new Int32Array(new ArrayBuffer(16 * 4));
const bzip2MtfScratch = new Uint8Array(new ArrayBuffer(256));

/** Lays the logical MTF list out again at the end of the area (16 full segments). */
function bzip2MtfRepack(): void {
  for (let segment = 0; segment < 16; segment++) {
    const start = bzip2MtfSegment[segment];
    for (let k = 0; k < 16; k++) bzip2MtfScratch[(segment << 4) | k] = bzip2MtfArea[(start + k) | 0];
  }
  for (let i = 0; i < 256; i++) bzip2MtfArea[(BZIP2_MTF_AREA_HOME + i) | 0] = bzip2MtfScratch[i];
  for (let segment = 0; segment < 16; segment++) bzip2MtfSegment[segment] = (BZIP2_MTF_AREA_HOME + (segment << 4)) | 0;
}
const bzip2SelectorMtf = new Uint8Array(new ArrayBuffer(BZIP2_MAX_SELECTORS));
const bzip2Selectors = new Uint8Array(new ArrayBuffer(BZIP2_MAX_SELECTORS));
const bzip2GroupOrder = new Uint8Array(new ArrayBuffer(8));
const bzip2CodeLengths = new Uint8Array(new ArrayBuffer(BZIP2_MAX_GROUPS * BZIP2_MAX_ALPHABET));
/** Per group, BZIP2_LOOKUP_SIZE entries of symbol << 5 | length; 0 = longer code (or none). */
const bzip2Lookup = new Uint16Array(new ArrayBuffer(BZIP2_MAX_GROUPS * BZIP2_LOOKUP_SIZE * 2));
/** Per group and length: the first canonical code, the number of codes, the index in bzip2Sorted. */
const bzip2FirstCode = new Int32Array(new ArrayBuffer(BZIP2_MAX_GROUPS * BZIP2_LENGTH_SLOTS * 4));
const bzip2LengthCount = new Int32Array(new ArrayBuffer(BZIP2_MAX_GROUPS * BZIP2_LENGTH_SLOTS * 4));
const bzip2SortedStart = new Int32Array(new ArrayBuffer(BZIP2_MAX_GROUPS * BZIP2_LENGTH_SLOTS * 4));
/** Per group, the symbols in canonical code order. */
const bzip2Sorted = new Uint16Array(new ArrayBuffer(BZIP2_MAX_GROUPS * BZIP2_MAX_ALPHABET * 2));
const bzip2NextCode = new Int32Array(new ArrayBuffer(BZIP2_LENGTH_SLOTS * 4));
const bzip2NextSorted = new Int32Array(new ArrayBuffer(BZIP2_LENGTH_SLOTS * 4));
/** How often each byte occurs in the block, then (cumulated) where its rows start. */
const bzip2ByteCount = new Int32Array(new ArrayBuffer(257 * 4));

/**
 * The T vector, allocated once at first use for the largest block size (900k entries, 3.6 MB):
 * during symbol decoding the low byte holds the BWT column, then the inverse pass adds the links.
 */
let bzip2Tt = new Uint32Array(new ArrayBuffer(4));

// What the block helpers hand back.
let bzip2SymbolCount = 0;
/** The number of distinct bytes in the block (the alphabet size - 2). */
let bzip2UsedBytes = 0;
let bzip2SelectorCount = 0;
let bzip2OutputEnd = 0;

/** Bytes of input the last bzip2Decode used (through the end of its last stream). */
export function bzip2InputConsumed(): number {
  return bzip2Consumed;
}

/**
 * Builds group `group`'s canonical decoding tables from its code lengths. The decoding is
 * bzip2's: at each length from the shortest, a pattern below firstCode + count is that length's
 * symbol (the patterns reaching a length are never below its firstCode); a pattern no length
 * takes by 20 bits is invalid. For a prefix code this is ordinary canonical decoding; for
 * oversubscribed lengths it is what bzip2 -dc does with them.
 */
function bzip2BuildTable(group: number, alphabetSize: number): void {
  const slotBase = Math.imul(group, BZIP2_LENGTH_SLOTS);
  const lengthBase = Math.imul(group, BZIP2_MAX_ALPHABET);
  for (let length = 0; length < BZIP2_LENGTH_SLOTS; length++) bzip2LengthCount[(slotBase + length) | 0] = 0;
  for (let symbol = 0; symbol < alphabetSize; symbol++) {
    const slot = (slotBase + bzip2CodeLengths[(lengthBase + symbol) | 0]) | 0;
    bzip2LengthCount[slot] = (bzip2LengthCount[slot] + 1) | 0;
  }
  // Canonical codes, shorter first, then by symbol. Oversubscribed lengths are not refused: bzip2
  // decodes them (a code that does not fit in its length is unreachable), so we do the same.
  let code = 0;
  let sorted = 0;
  for (let length = 1; length <= BZIP2_MAX_CODE_LENGTH; length++) {
    const count = bzip2LengthCount[(slotBase + length) | 0];
    bzip2FirstCode[(slotBase + length) | 0] = code;
    bzip2SortedStart[(slotBase + length) | 0] = sorted;
    bzip2NextCode[length] = code;
    bzip2NextSorted[length] = sorted;
    code = ((code + count) << 1) | 0;
    sorted = (sorted + count) | 0;
  }
  const lookupBase = group << BZIP2_LOOKUP_BITS;
  for (let i = 0; i < BZIP2_LOOKUP_SIZE; i++) bzip2Lookup[(lookupBase + i) | 0] = 0;
  for (let symbol = 0; symbol < alphabetSize; symbol++) {
    const length = bzip2CodeLengths[(lengthBase + symbol) | 0];
    const symbolCode = bzip2NextCode[length];
    bzip2NextCode[length] = (symbolCode + 1) | 0;
    const sortedIndex = bzip2NextSorted[length];
    bzip2NextSorted[length] = (sortedIndex + 1) | 0;
    bzip2Sorted[(lengthBase + sortedIndex) | 0] = symbol;
    if (length <= BZIP2_LOOKUP_BITS && symbolCode < (1 << length)) {
      const shift = (BZIP2_LOOKUP_BITS - length) | 0;
      const first = (lookupBase + (symbolCode << shift)) | 0;
      const end = (first + (1 << shift)) | 0;
      const entry = (symbol << 5) | length;
      for (let i = first; i < end; i++) bzip2Lookup[i] = entry;
    }
  }
}

/**
 * Reads a block's symbol map, selectors and code lengths and builds the tables. Returns 0, or a
 * failure status (decodeResult filled).
 */
function bzip2ReadTables(input: Uint8Array, inputLength: number): number {
  const used16 = bzip2ReadBits(input, inputLength, 16);
  let inUse = 0;
  for (let high = 0; high < 16; high++) {
    if ((used16 & (0x8000 >> high)) !== 0) {
      const used = bzip2ReadBits(input, inputLength, 16);
      for (let low = 0; low < 16; low++) {
        if ((used & (0x8000 >> low)) !== 0) {
          bzip2MtfList[inUse] = (high << 4) | low;
          inUse = (inUse + 1) | 0;
        }
      }
    }
  }
  if (inUse === 0) return bzip2Fail(EFI_COMPROMISED_DATA, BZIP2_REASON_NO_SYMBOLS, inputLength);
  const alphabetSize = (inUse + 2) | 0;

  const groups = bzip2ReadBits(input, inputLength, 3);
  if (groups < 2 || groups > BZIP2_MAX_GROUPS) {
    return bzip2Fail(EFI_COMPROMISED_DATA, BZIP2_REASON_BAD_GROUP_COUNT, inputLength);
  }
  let selectors = bzip2ReadBits(input, inputLength, 15);
  if (selectors === 0) return bzip2Fail(EFI_COMPROMISED_DATA, BZIP2_REASON_NO_SELECTORS, inputLength);
  for (let i = 0; i < selectors; i++) {
    let value = 0;
    while (bzip2ReadBits(input, inputLength, 1) !== 0) {
      value = (value + 1) | 0;
      if (value >= groups) return bzip2Fail(EFI_COMPROMISED_DATA, BZIP2_REASON_BAD_SELECTOR, inputLength);
    }
    if (i < BZIP2_MAX_SELECTORS) bzip2SelectorMtf[i] = value;
  }
  if (selectors > BZIP2_MAX_SELECTORS) selectors = BZIP2_MAX_SELECTORS;
  for (let g = 0; g < groups; g++) bzip2GroupOrder[g] = g;
  for (let i = 0; i < selectors; i++) {
    let index = bzip2SelectorMtf[i];
    const group = bzip2GroupOrder[index];
    while (index > 0) {
      bzip2GroupOrder[index] = bzip2GroupOrder[(index - 1) | 0];
      index = (index - 1) | 0;
    }
    bzip2GroupOrder[0] = group;
    bzip2Selectors[i] = group;
  }

  for (let g = 0; g < groups; g++) {
    let length = bzip2ReadBits(input, inputLength, 5);
    const lengthBase = Math.imul(g, BZIP2_MAX_ALPHABET);
    for (let symbol = 0; symbol < alphabetSize; symbol++) {
      // Each step reads two bits or stops; past the end of input the reader yields 0 (stop).
      for (;;) {
        if (length < 1 || length > BZIP2_MAX_CODE_LENGTH) {
          return bzip2Fail(EFI_COMPROMISED_DATA, BZIP2_REASON_BAD_CODE_LENGTH, inputLength);
        }
        if (bzip2ReadBits(input, inputLength, 1) === 0) break;
        if (bzip2ReadBits(input, inputLength, 1) === 0) length = (length + 1) | 0;
        else length = (length - 1) | 0;
      }
      bzip2CodeLengths[(lengthBase + symbol) | 0] = length;
    }
    bzip2BuildTable(g, alphabetSize);
  }
  bzip2UsedBytes = inUse;
  bzip2SelectorCount = selectors;
  return 0;
}

/**
 * Decodes the block's Huffman/MTF/RUNA-RUNB symbols into the low bytes of bzip2Tt and counts
 * each byte. Returns 0 (bzip2SymbolCount set) or a failure status.
 *
 * bzip2Tt comes in as tt: it is a `let` (allocated at first use, 3.6 MB), and porffor loads
 * a parameter's data pointer once per call (patch 010) but a module-level `let`'s (or a local
 * alias's) from its header at every access, and after every byte store, which may have
 * overwritten that header as far as C can tell. bzip2MtfArea comes in as area because its MTF
 * shifts are copyWithin, which compiles to one memory.copy on a parameter only (patch 012). The
 * other tables are top-level consts, read through their names at addresses fixed at compile time
 * (patch 019).
 */
function bzip2DecodeSymbols(input: Uint8Array, inputLength: number, inUse: number, blockLimit: number,
  tt: Uint32Array, area: Uint8Array): number {
  for (let i = 0; i < 256; i++) area[(BZIP2_MTF_AREA_HOME + i) | 0] = bzip2MtfList[i];
  for (let segment = 0; segment < 16; segment++) bzip2MtfSegment[segment] = (BZIP2_MTF_AREA_HOME + (segment << 4)) | 0;
  const endOfBlock = (inUse + 1) | 0;
  const selectorCount = bzip2SelectorCount;
  for (let i = 0; i < 256; i++) bzip2ByteCount[i] = 0;

  let buffer = bzip2BitBuffer;
  let bits = bzip2BitCount;
  let position = bzip2Position;
  let count = 0;
  let groupLeft = 0;
  let selectorIndex = 0;
  let lookupBase = 0;
  let slotBase = 0;
  let sortedBase = 0;
  let runLength = 0;
  let runWeight = 1;
  let reason = 0;
  for (;;) {
    if (groupLeft === 0) {
      if (selectorIndex >= selectorCount) { reason = BZIP2_REASON_SELECTORS_EXHAUSTED; break; }
      // Once per 50 symbols: stop a reader that is feeding zeros past the end of the input.
      if (position > inputLength && ((position - inputLength) << 3) > bits) { reason = BZIP2_REASON_TRUNCATED; break; }
      const group = bzip2Selectors[selectorIndex];
      selectorIndex = (selectorIndex + 1) | 0;
      lookupBase = group << BZIP2_LOOKUP_BITS;
      slotBase = Math.imul(group, BZIP2_LENGTH_SLOTS);
      sortedBase = Math.imul(group, BZIP2_MAX_ALPHABET);
      groupLeft = BZIP2_GROUP_SIZE;
    }
    groupLeft = (groupLeft - 1) | 0;
    // Refill to at least 20 bits (the longest code).
    if (bits < BZIP2_MAX_CODE_LENGTH) {
      if (((position + 4) | 0) <= inputLength) {
        while (bits <= 24) {
          buffer = (buffer << 8) | input[position];
          position = (position + 1) | 0;
          bits = (bits + 8) | 0;
        }
      } else {
        while (bits <= 24) {
          let byte = 0;
          if (position < inputLength) byte = input[position];
          buffer = (buffer << 8) | byte;
          position = (position + 1) | 0;
          bits = (bits + 8) | 0;
        }
      }
    }
    const entry = bzip2Lookup[(lookupBase + ((buffer >>> ((bits - BZIP2_LOOKUP_BITS) | 0)) & (BZIP2_LOOKUP_SIZE - 1))) | 0];
    let symbol = 0;
    if (entry !== 0) {
      symbol = entry >> 5;
      bits = (bits - (entry & 31)) | 0;
    } else {
      let length = BZIP2_LOOKUP_BITS + 1;
      for (; length <= BZIP2_MAX_CODE_LENGTH; length++) {
        const code = (buffer >>> ((bits - length) | 0)) & ((1 << length) - 1);
        const delta = (code - bzip2FirstCode[(slotBase + length) | 0]) | 0;
        if (delta >= 0 && delta < bzip2LengthCount[(slotBase + length) | 0]) {
          symbol = bzip2Sorted[(sortedBase + bzip2SortedStart[(slotBase + length) | 0] + delta) | 0];
          break;
        }
      }
      if (length > BZIP2_MAX_CODE_LENGTH) { reason = BZIP2_REASON_BAD_HUFFMAN_CODE; break; }
      bits = (bits - length) | 0;
    }

    if (symbol <= 1) {
      // RUNA adds the weight, RUNB twice the weight; the weight doubles per digit.
      if (runWeight >= BZIP2_MAX_RUN_WEIGHT) { reason = BZIP2_REASON_RUN_TOO_LONG; break; }
      runLength = (runLength + (runWeight << symbol)) | 0;
      runWeight = runWeight << 1;
      continue;
    }
    if (runLength > 0) {
      if (runLength > ((blockLimit - count) | 0)) { reason = BZIP2_REASON_BLOCK_TOO_LONG; break; }
      const byte = area[bzip2MtfSegment[0]];
      bzip2ByteCount[byte] = (bzip2ByteCount[byte] + runLength) | 0;
      const runEnd = (count + runLength) | 0;
      while (count < runEnd) {
        tt[count] = byte;
        count = (count + 1) | 0;
      }
      runLength = 0;
      runWeight = 1;
    }
    if (symbol === endOfBlock) break;
    if (count >= blockLimit) { reason = BZIP2_REASON_BLOCK_TOO_LONG; break; }
    // MTF index symbol - 1 (1..inUse-1): move that byte to the front.
    const index = (symbol - 1) | 0;
    let byte = 0;
    // The entries before it in its segment move up one slot: one memmove of at most 15 bytes
    // (porffor patch 012; inline in the wasm2c stage), not a byte loop.
    if (index < 16) {
      const front = bzip2MtfSegment[0];
      const at = (front + index) | 0;
      byte = area[at];
      area.copyWithin((front + 1) | 0, front, at);
      area[front] = byte;
    } else {
      let segment = index >> 4;
      const front = bzip2MtfSegment[segment];
      const at = (front + (index & 15)) | 0;
      byte = area[at];
      area.copyWithin((front + 1) | 0, front, at);
      // Segment `segment` now starts one slot later; each earlier segment gives its last entry
      // to the front of the next and starts one slot earlier.
      bzip2MtfSegment[segment] = (front + 1) | 0;
      while (segment > 0) {
        const start = (bzip2MtfSegment[segment] - 1) | 0;
        bzip2MtfSegment[segment] = start;
        area[start] = area[(bzip2MtfSegment[(segment - 1) | 0] + 15) | 0];
        segment = (segment - 1) | 0;
      }
      const start = (bzip2MtfSegment[0] - 1) | 0;
      bzip2MtfSegment[0] = start;
      area[start] = byte;
      if (start === 0) bzip2MtfRepack();
    }
    bzip2ByteCount[byte] = (bzip2ByteCount[byte] + 1) | 0;
    tt[count] = byte;
    count = (count + 1) | 0;
  }
  bzip2BitBuffer = buffer;
  bzip2BitCount = bits;
  bzip2Position = position;
  if (reason !== 0) return bzip2Fail(EFI_COMPROMISED_DATA, reason, inputLength);
  bzip2SymbolCount = count;
  return 0;
}

/**
 * Inverse BWT of the block's `count` bytes starting at row `origPtr`, then the first run-length
 * stage, into output[outputStart, ...). Returns 0 (bzip2OutputEnd set) or a failure status.
 * tt is bzip2Tt, as a parameter for the reason bzip2DecodeSymbols' is.
 */
function bzip2EmitBlock(output: Uint8Array, outputStart: number, outputCapacity: number,
  count: number, origPtr: number, inputLength: number, tt: Uint32Array): number {
  // Counts to starting rows: byte b's rows in the sorted column begin after all smaller bytes.
  let sum = 0;
  for (let b = 0; b < 256; b++) {
    const n = bzip2ByteCount[b];
    bzip2ByteCount[b] = sum;
    sum = (sum + n) | 0;
  }
  // Link each sorted row to the row of the byte that follows it in the text.
  for (let i = 0; i < count; i++) {
    const b = tt[i] & 255;
    const row = bzip2ByteCount[b];
    bzip2ByteCount[b] = (row + 1) | 0;
    tt[row] = (tt[row] | (i << 8)) >>> 0;
  }

  let row = tt[origPtr] >>> 8;
  let out = outputStart;
  let last = -1;
  let repeat = 0;
  for (let i = 0; i < count; i++) {
    const link = tt[row];
    row = link >>> 8;
    const b = link & 255;
    if (repeat === 4) {
      // A count byte after four equal bytes: that many more copies.
      if (b > ((outputCapacity - out) | 0)) {
        return bzip2Fail(EFI_BUFFER_TOO_SMALL, BZIP2_REASON_OUTPUT_TOO_SMALL, inputLength);
      }
      // The four bytes just written are `last`: a long run is an LZ77 match of distance 4,
      // copied in doubling chunks (lz-copy.ts), a short one a byte loop.
      if (b > LZ_SHORT_COPY) {
        out = lzCopyMatch(output, out, 4, b);
      } else {
        const end = (out + b) | 0;
        while (out < end) {
          output[out] = last;
          out = (out + 1) | 0;
        }
      }
      repeat = 0;
      last = -1;
      continue;
    }
    if (out >= outputCapacity) {
      return bzip2Fail(EFI_BUFFER_TOO_SMALL, BZIP2_REASON_OUTPUT_TOO_SMALL, inputLength);
    }
    output[out] = b;
    out = (out + 1) | 0;
    if (b === last) {
      repeat = (repeat + 1) | 0;
    } else {
      last = b;
      repeat = 1;
    }
  }
  // bzip2 -dc refuses a block whose last four bytes are equal: it reads the count byte past the
  // block's end (its encoder always writes one).
  if (repeat === 4) return bzip2Fail(EFI_COMPROMISED_DATA, BZIP2_REASON_RUN_COUNT_MISSING, inputLength);
  bzip2OutputEnd = out;
  return 0;
}

/**
 * Reads one stream header ("BZh" and the block size digit) at byte `position`. Returns the
 * block size in units of 100 000 bytes, 0 when the bytes are not a header, or -1 when the input
 * ends inside one.
 */
function bzip2StreamLevel(input: Uint8Array, inputLength: number, position: number): number {
  if (position >= inputLength) return -1;
  if (input[position] !== 0x42) return 0;
  if (((position + 1) | 0) >= inputLength) return -1;
  if (input[(position + 1) | 0] !== 0x5a) return 0;
  if (((position + 2) | 0) >= inputLength) return -1;
  if (input[(position + 2) | 0] !== 0x68) return 0;
  if (((position + 3) | 0) >= inputLength) return -1;
  const digit = input[(position + 3) | 0];
  if (digit < 0x31 || digit > 0x39) return 0;
  return (digit - 0x30) | 0;
}

/**
 * Decodes a whole .bz2 file (every stream) from input[0, inputLength) into
 * output[0, outputCapacity). See the file overview for what is accepted.
 */
export function bzip2Decode(input: Uint8Array, inputLength: number, output: Uint8Array, outputCapacity: number): number {
  if (inputLength > input.length) inputLength = input.length;
  if (outputCapacity > output.length) outputCapacity = output.length;
  bzip2Consumed = 0;
  if (bzip2Tt.length < BZIP2_MAX_BLOCK) bzip2Tt = new Uint32Array(new ArrayBuffer(BZIP2_MAX_BLOCK * 4));

  let streamStart = 0;
  let out = 0;
  let first = true;
  for (;;) {
    const level = bzip2StreamLevel(input, inputLength, streamStart);
    if (level < 0) return decodeFail(EFI_COMPROMISED_DATA, BZIP2_REASON_TRUNCATED, inputLength);
    if (level === 0) {
      if (!first) break; // trailing garbage after a complete stream, ignored as by bzip2 -dc
      let reason = BZIP2_REASON_BAD_MAGIC;
      if (input[0] === 0x42 && input[1] === 0x5a && input[2] === 0x68) reason = BZIP2_REASON_BAD_BLOCK_SIZE;
      return decodeFail(EFI_COMPROMISED_DATA, reason, 0);
    }
    first = false;
    const blockLimit = Math.imul(level, 100000);
    bzip2Position = (streamStart + 4) | 0;
    bzip2BitBuffer = 0;
    bzip2BitCount = 0;
    let combinedCrc = 0;
    for (;;) {
      const magicHigh = bzip2ReadBits(input, inputLength, 24);
      const magicLow = bzip2ReadBits(input, inputLength, 24);
      if (magicHigh === 0x177245 && magicLow === 0x385090) {
        const storedCrc = bzip2ReadBits32(input, inputLength);
        if (bzip2Overran(inputLength)) return decodeFail(EFI_COMPROMISED_DATA, BZIP2_REASON_TRUNCATED, inputLength);
        if (storedCrc !== combinedCrc) return bzip2Fail(EFI_CRC_ERROR, BZIP2_REASON_STREAM_CRC, inputLength);
        break;
      }
      if (magicHigh !== 0x314159 || magicLow !== 0x265359) {
        return bzip2Fail(EFI_COMPROMISED_DATA, BZIP2_REASON_BAD_BLOCK_MAGIC, inputLength);
      }
      const storedCrc = bzip2ReadBits32(input, inputLength);
      if (bzip2ReadBits(input, inputLength, 1) !== 0) {
        return bzip2Fail(EFI_UNSUPPORTED, BZIP2_REASON_RANDOMISED, inputLength);
      }
      const origPtr = bzip2ReadBits(input, inputLength, 24);
      let status = bzip2ReadTables(input, inputLength);
      if (status !== 0) return status;
      status = bzip2DecodeSymbols(input, inputLength, bzip2UsedBytes, blockLimit, bzip2Tt, bzip2MtfArea);
      if (status !== 0) return status;
      const count = bzip2SymbolCount;
      if (origPtr >= count) return bzip2Fail(EFI_COMPROMISED_DATA, BZIP2_REASON_ORIG_PTR_RANGE, inputLength);
      status = bzip2EmitBlock(output, out, outputCapacity, count, origPtr, inputLength, bzip2Tt);
      if (status !== 0) return status;
      const blockCrc = bzip2BlockCrc(output, out, bzip2OutputEnd);
      if (blockCrc !== storedCrc) return bzip2Fail(EFI_CRC_ERROR, BZIP2_REASON_BLOCK_CRC, inputLength);
      out = bzip2OutputEnd;
      combinedCrc = (((combinedCrc << 1) | (combinedCrc >>> 31)) ^ blockCrc) >>> 0;
    }
    // The stream ends at the next byte boundary; drop the padding bits and any bytes read ahead.
    streamStart = (bzip2Position - (bzip2BitCount >> 3)) | 0;
    bzip2Consumed = streamStart;
    if (streamStart >= inputLength) break;
  }
  return decodeSucceed(out);
}
