/**
 * @fileoverview LZ4 decoder: the block format, the legacy frame of `lz4 -l` (what kbuild's
 * `lz4 -l -12 --favor-decSpeed` and the older `lz4c -l -c1` write) and the LZ4 frame format,
 * with skippable frames and any number of concatenated frames, as `lz4 -dc` reads them.
 *
 * Sources: lz4/lz4 doc/lz4_Block_format.md (sequences, lengths with 255-continuation, offsets,
 * "End of block conditions") and doc/lz4_Frame_format.md (magic numbers, FLG/BD, header checksum,
 * block sizes with the uncompressed bit, block and content checksums, EndMark, skippable frames,
 * legacy frame); the behaviour of lz4 1.9.4's command line tool (lz4io.c) where the documents
 * leave a choice, as noted at each place.
 *
 * The whole output is one contiguous buffer, so linked blocks (-BD) need no window: a match may
 * reach back to the start of its frame (linked) or of its block (independent), and the offset
 * check is against that lower bound.
 *
 * Where the input ends (lz4InputConsumed() tells how many bytes were used):
 *   - frame format: after the last frame, the input must end. Anything else that is not a magic
 *     number is refused (LZ4_REASON_TRAILING_DATA); `lz4 -dc` also exits with an error there
 *     ("Stream followed by undecodable data"). 1 to 3 leftover bytes are a truncated magic, as
 *     for the CLI.
 *   - legacy format: it has no end mark. At a block boundary, the end of the input ends it; a
 *     known magic number starts the next frame (as lz4io does with a block size above the
 *     legacy bound); and when exactly 4 bytes remain that are not a magic number, they are
 *     taken as kbuild's appended size trailer and not consumed: a real block needs its 4-byte
 *     size and at least one byte of data, so 4 lone bytes can never be one. (The CLI itself
 *     fails there: it reads the trailer as a block size that runs past the input.) A truncated
 *     legacy stream that happens to end exactly 4 bytes after a block boundary therefore looks
 *     complete: the caller compares the output length with the trailer's known total.
 *
 *     (A trailer whose value happens to be a magic number, an uncompressed size of exactly
 *     0x184C2102, 0x184D2204 or 0x184D2A5x bytes, would be read as the start of a frame.)
 *
 * Block end rules (Block format, "End of block conditions"), enforced per block: the block ends
 * right after a literal run; when the block has a match, the last literal run has at least 5
 * bytes and the last match starts at least 12 bytes before the end of the block. The reference
 * compressor always keeps them and a conformant decoder may reject blocks that do not.
 *
 * Where this decoder is stricter than `lz4 -dc` 1.9.4 (all on input its compressor never
 * writes): match offset 0 is refused (lz4 writes zeros there); the end rules above are checked
 * against the block, where lz4 checks them against its output buffer (so it accepts a last match
 * closer than 12 bytes to the end of a block); an empty input is refused (lz4 reads it as no
 * frames). A content size of 0 in the frame header means "unknown", as for lz4.
 */
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_CRC_ERROR, EFI_UNSUPPORTED } from '../efi/status';
import { uint32AtMost, uint32Below } from '../efi/address';
import { LZ_SHORT_COPY, lzCopyMatch } from './lz-copy';
import { decodeFail, decodeSucceed } from './result';
import { xxhash32Digest } from './xxhash32';

export const LZ4_REASON_EMPTY_INPUT = 500;
export const LZ4_REASON_BAD_MAGIC = 501;
export const LZ4_REASON_TRUNCATED_MAGIC = 502;
export const LZ4_REASON_TRAILING_DATA = 503;
export const LZ4_REASON_TRUNCATED_LEGACY_BLOCK_SIZE = 504;
export const LZ4_REASON_TRUNCATED_LEGACY_BLOCK = 505;
export const LZ4_REASON_LEGACY_BLOCK_EMPTY = 506;
export const LZ4_REASON_LEGACY_BLOCK_TOO_LARGE = 507;
export const LZ4_REASON_TRUNCATED_FRAME_HEADER = 510;
export const LZ4_REASON_FRAME_VERSION = 511;
export const LZ4_REASON_FRAME_RESERVED_FLAG = 512;
export const LZ4_REASON_FRAME_RESERVED_BD = 513;
export const LZ4_REASON_FRAME_BLOCK_MAX_SIZE = 514;
export const LZ4_REASON_HEADER_CHECKSUM = 515;
export const LZ4_REASON_TRUNCATED_BLOCK_SIZE = 516;
export const LZ4_REASON_BLOCK_SIZE_TOO_LARGE = 517;
export const LZ4_REASON_TRUNCATED_BLOCK = 518;
export const LZ4_REASON_BLOCK_CHECKSUM = 519;
export const LZ4_REASON_TRUNCATED_CONTENT_CHECKSUM = 520;
export const LZ4_REASON_CONTENT_CHECKSUM = 521;
export const LZ4_REASON_CONTENT_SIZE = 522;
export const LZ4_REASON_TRUNCATED_SKIPPABLE = 523;
export const LZ4_REASON_DICTIONARY_NEEDED = 524;
export const LZ4_REASON_INPUT_TOO_LARGE = 525;
export const LZ4_REASON_BLOCK_EMPTY = 530;
export const LZ4_REASON_TRUNCATED_LITERAL_LENGTH = 531;
export const LZ4_REASON_TRUNCATED_LITERALS = 532;
export const LZ4_REASON_TRUNCATED_OFFSET = 533;
export const LZ4_REASON_OFFSET_ZERO = 534;
export const LZ4_REASON_OFFSET_TOO_FAR = 535;
export const LZ4_REASON_TRUNCATED_MATCH_LENGTH = 536;
export const LZ4_REASON_LAST_LITERALS_TOO_SHORT = 537;
export const LZ4_REASON_LAST_MATCH_TOO_CLOSE = 538;
export const LZ4_REASON_BLOCK_OUTPUT_TOO_LARGE = 539;
export const LZ4_REASON_OUTPUT_TOO_SMALL = 540;
export const LZ4_REASON_BLOCK_ENDS_WITH_MATCH = 541;

export function lz4ReasonText(reason: number): string {
  switch (reason) {
    case LZ4_REASON_EMPTY_INPUT: return 'empty input';
    case LZ4_REASON_BAD_MAGIC: return 'not an lz4 file (unknown magic number)';
    case LZ4_REASON_TRUNCATED_MAGIC: return 'truncated magic number';
    case LZ4_REASON_TRAILING_DATA: return 'stream followed by undecodable data';
    case LZ4_REASON_TRUNCATED_LEGACY_BLOCK_SIZE: return 'truncated legacy block size';
    case LZ4_REASON_TRUNCATED_LEGACY_BLOCK: return 'truncated legacy block';
    case LZ4_REASON_LEGACY_BLOCK_EMPTY: return 'empty legacy block';
    case LZ4_REASON_LEGACY_BLOCK_TOO_LARGE: return 'legacy block size too large';
    case LZ4_REASON_TRUNCATED_FRAME_HEADER: return 'truncated frame header';
    case LZ4_REASON_FRAME_VERSION: return 'unsupported frame version';
    case LZ4_REASON_FRAME_RESERVED_FLAG: return 'reserved frame flag set';
    case LZ4_REASON_FRAME_RESERVED_BD: return 'reserved block descriptor bits set';
    case LZ4_REASON_FRAME_BLOCK_MAX_SIZE: return 'invalid block maximum size';
    case LZ4_REASON_HEADER_CHECKSUM: return 'frame header checksum mismatch';
    case LZ4_REASON_TRUNCATED_BLOCK_SIZE: return 'truncated block size';
    case LZ4_REASON_BLOCK_SIZE_TOO_LARGE: return 'block size above the frame maximum';
    case LZ4_REASON_TRUNCATED_BLOCK: return 'truncated block';
    case LZ4_REASON_BLOCK_CHECKSUM: return 'block checksum mismatch';
    case LZ4_REASON_TRUNCATED_CONTENT_CHECKSUM: return 'truncated content checksum';
    case LZ4_REASON_CONTENT_CHECKSUM: return 'content checksum mismatch';
    case LZ4_REASON_CONTENT_SIZE: return 'content size mismatch';
    case LZ4_REASON_TRUNCATED_SKIPPABLE: return 'truncated skippable frame';
    case LZ4_REASON_DICTIONARY_NEEDED: return 'frame needs a dictionary';
    case LZ4_REASON_INPUT_TOO_LARGE: return 'input of 2 GiB or more';
    case LZ4_REASON_BLOCK_EMPTY: return 'empty compressed block';
    case LZ4_REASON_TRUNCATED_LITERAL_LENGTH: return 'truncated literal length';
    case LZ4_REASON_TRUNCATED_LITERALS: return 'literals run past the block';
    case LZ4_REASON_TRUNCATED_OFFSET: return 'truncated match offset';
    case LZ4_REASON_OFFSET_ZERO: return 'match offset zero';
    case LZ4_REASON_OFFSET_TOO_FAR: return 'match offset before the output start';
    case LZ4_REASON_TRUNCATED_MATCH_LENGTH: return 'truncated match length';
    case LZ4_REASON_LAST_LITERALS_TOO_SHORT: return 'last literal run shorter than 5 bytes';
    case LZ4_REASON_LAST_MATCH_TOO_CLOSE: return 'last match starts less than 12 bytes before the block end';
    case LZ4_REASON_BLOCK_OUTPUT_TOO_LARGE: return 'block decodes beyond the maximum block size';
    case LZ4_REASON_OUTPUT_TOO_SMALL: return 'output buffer too small';
    case LZ4_REASON_BLOCK_ENDS_WITH_MATCH: return 'block ends with a match instead of literals';
    default: return 'unknown reason';
  }
}

const LZ4_MAGIC_LEGACY = 0x184c2102;
const LZ4_MAGIC_FRAME = 0x184d2204;
const LZ4_MAGIC_SKIPPABLE_BASE = 0x184d2a50;
const LZ4_MAGIC_SKIPPABLE_MASK = 0xfffffff0;
/** Every legacy block decodes to at most 8 MiB (lz4io LEGACY_BLOCKSIZE). */
const LZ4_LEGACY_BLOCK_SIZE = 0x800000;
/** LZ4_COMPRESSBOUND(8 MiB) = n + n/255 + 16: lz4io reads a larger block size as the next magic. */
const LZ4_LEGACY_BOUND = 0x808080;
const LZ4_MIN_LAST_LITERALS = 5;
const LZ4_MIN_LAST_MATCH_DISTANCE = 12;
/** Input and output left for lz4DecodeBlock's shortcut: its copies reach 32 bytes past op. */
const LZ4_SHORTCUT_ROOM = 32;
/** Positions and sizes are kept below 2^31 so signed int32 comparisons are right everywhere. */
const LZ4_POSITION_LIMIT = 0x7fffffff;

// The failure a helper recorded (it returns -1), copied to decodeResult by the entry point.
let lz4FailStatus = 0;
let lz4FailReason = 0;
let lz4FailOffset = 0;
let lz4Consumed = 0;
// Per-block inputs of lz4DecodeBlock beyond its parameters: what exceeding `outputLimit` means.
let lz4LimitStatus = 0;
let lz4LimitReason = 0;
let lz4DictionaryFlag = 0;
// What lz4DecodeShortSequences leaves beside the ip it returns.
let lz4ShortOutput = 0;
let lz4ShortLastMatch = -1;

function lz4Fail(status: number, reason: number, offset: number): number {
  lz4FailStatus = status;
  lz4FailReason = reason;
  lz4FailOffset = offset;
  return -1;
}

/** Number of input bytes the last successful lz4Decode used (a kbuild trailer is not counted). */
export function lz4InputConsumed(): number {
  return lz4Consumed;
}

function lz4ReadLe32(input: Uint8Array, p: number): number {
  return (input[p] | (input[(p + 1) | 0] << 8) | (input[(p + 2) | 0] << 16) | (input[(p + 3) | 0] << 24)) >>> 0;
}

function lz4IsMagic(word: number): boolean {
  return word === LZ4_MAGIC_LEGACY || word === LZ4_MAGIC_FRAME ||
    ((word & LZ4_MAGIC_SKIPPABLE_MASK) >>> 0) === LZ4_MAGIC_SKIPPABLE_BASE;
}

/**
 * The shortcut (LZ4's own decoder has one): decodes sequences from input[ip] while the token's
 * lengths fit in it (literals < 15, match <= 18 bytes), the match does not overlap its output and
 * reaches no further back than `lowest`, and ip and op are at most inputEnd and outputEnd, which
 * the caller puts LZ4_SHORTCUT_ROOM bytes before the block's end and the output limit. Each copy is
 * then a fixed size past the lengths, 16 bytes of literals and 18 of match: the bytes beyond them
 * land in output the next sequences overwrite, below the limit (op + 32 at most), and a fixed-size
 * copy is a few word moves with no branch on the length (lz-copy.ts; 18 bytes are two overlapping
 * 16-byte moves); the exact path's length checks cannot fail. Matches of 17 and 18 bytes (tokens 13
 * and 14) are 54K of Debian's payload's sequences, which left the shortcut when it took 16 at most
 * (LZ4's own takes 18). Returns the ip of the first sequence it did not decode (possibly `ip`); the
 * output position and the last match's start are left in lz4ShortOutput and lz4ShortLastMatch.
 *
 * It is a function of its own, not a branch in lz4DecodeBlock's loop, so that the loop holds
 * only what the shortcut needs: in the larger loop clang kept several of its values on the stack
 * (measured: BENCHMARKS.md).
 */
function lz4DecodeShortSequences(input: Uint8Array, ip: number, inputEnd: number, output: Uint8Array, op: number,
  outputEnd: number, lowest: number): number {
  let lastMatch = -1;
  // Two tests, not `while (a && b)`: porffor turns && into a value to test, not two branches.
  for (;;) {
    if (ip > inputEnd) break;
    if (op > outputEnd) break;
    const token = input[ip];
    const literalLength = token >>> 4;
    const matchLength = ((token & 15) + 4) | 0;
    if (literalLength >= 15 || matchLength > 18) break;
    const literalStart = (ip + 1) | 0;
    const offsetAt = (literalStart + literalLength) | 0;
    const offset = input[offsetAt] | (input[(offsetAt + 1) | 0] << 8);
    const matchStart = (op + literalLength) | 0;
    if (offset < matchLength || offset > ((matchStart - lowest) | 0)) break;
    output.set(input.subarray(literalStart, (literalStart + 16) | 0), op);
    const from = (matchStart - offset) | 0;
    output.copyWithin(matchStart, from, (from + 18) | 0);
    lastMatch = matchStart;
    op = (matchStart + matchLength) | 0;
    // From ip, not offsetAt + 2: the next token's address is then two additions after this
    // token's load, not three (the loop's critical path; paired median 0.975 over 101 pairs).
    ip = (ip + literalLength + 3) | 0;
  }
  lz4ShortOutput = op;
  lz4ShortLastMatch = lastMatch;
  return ip;
}

/**
 * Decodes the LZ4 block input[ip, blockEnd) to output[op, …). Matches may reach back to
 * `lowest`; output stays below `outputLimit` (exceeding it fails with lz4LimitStatus/Reason).
 * Returns the new output position, or -1 after lz4Fail.
 */
function lz4DecodeBlock(input: Uint8Array, ip: number, blockEnd: number, output: Uint8Array, op: number,
  outputLimit: number, lowest: number): number {
  if (ip >= blockEnd) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_BLOCK_EMPTY, ip);
  let lastMatchStart = -1;
  for (;;) {
    // Most sequences fit the shortcut (lz4DecodeShortSequences), which runs until one that does
    // not, or until too little of the block or the output is left; the exact path below then
    // decodes that sequence from its token. (Positions are below 2^31: the ends cannot wrap.)
    const stopped = lz4DecodeShortSequences(input, ip, (blockEnd - LZ4_SHORTCUT_ROOM) | 0, output, op,
      (outputLimit - LZ4_SHORTCUT_ROOM) | 0, lowest);
    if (stopped !== ip) {
      ip = stopped;
      op = lz4ShortOutput;
      lastMatchStart = lz4ShortLastMatch;
    }
    // ip < blockEnd here: the loop is entered with input left and continues only after a check.
    const token = input[ip];
    ip = (ip + 1) | 0;
    let literalLength = token >>> 4;
    if (literalLength === 15) {
      let more = 255;
      while (more === 255) {
        if (ip >= blockEnd) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_LITERAL_LENGTH, ip);
        more = input[ip];
        ip = (ip + 1) | 0;
        literalLength = (literalLength + more) | 0;
        // The literals themselves must follow in this block: stop before the sum can wrap.
        if (literalLength > ((blockEnd - ip) | 0)) {
          return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_LITERALS, ip);
        }
      }
    }
    if (literalLength > ((blockEnd - ip) | 0)) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_LITERALS, ip);
    if (literalLength > ((outputLimit - op) | 0)) return lz4Fail(lz4LimitStatus, lz4LimitReason, ip);
    const literalEnd = (ip + literalLength) | 0;
    // Literals never overlap their destination: one inline copy whatever the length (lz-copy.ts).
    output.set(input.subarray(ip, literalEnd), op);
    op = (op + literalLength) | 0;
    ip = literalEnd;
    if (ip === blockEnd) {
      // The last sequence: literals only. With a match in the block, the end rules apply.
      if (lastMatchStart >= 0) {
        if (literalLength < LZ4_MIN_LAST_LITERALS) {
          return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_LAST_LITERALS_TOO_SHORT, ip);
        }
        if (((op - lastMatchStart) | 0) < LZ4_MIN_LAST_MATCH_DISTANCE) {
          return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_LAST_MATCH_TOO_CLOSE, ip);
        }
      }
      return op;
    }
    if (((blockEnd - ip) | 0) < 2) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_OFFSET, ip);
    const offset = input[ip] | (input[(ip + 1) | 0] << 8);
    if (offset === 0) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_OFFSET_ZERO, ip);
    if (offset > ((op - lowest) | 0)) {
      if (lz4DictionaryFlag !== 0) return lz4Fail(EFI_UNSUPPORTED, LZ4_REASON_DICTIONARY_NEEDED, ip);
      return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_OFFSET_TOO_FAR, ip);
    }
    ip = (ip + 2) | 0;
    let matchLength = token & 15;
    if (matchLength === 15) {
      let more = 255;
      while (more === 255) {
        if (ip >= blockEnd) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_MATCH_LENGTH, ip);
        more = input[ip];
        ip = (ip + 1) | 0;
        matchLength = (matchLength + more) | 0;
        // A match this long cannot fit: stop before the sum can wrap.
        if (matchLength > ((outputLimit - op) | 0)) return lz4Fail(lz4LimitStatus, lz4LimitReason, ip);
      }
    }
    matchLength = (matchLength + 4) | 0;
    if (matchLength > ((outputLimit - op) | 0)) return lz4Fail(lz4LimitStatus, lz4LimitReason, ip);
    lastMatchStart = op;
    if (offset >= matchLength) {
      // No overlap: one copy, inline up to 64 bytes (lz-copy.ts).
      const from = (op - offset) | 0;
      output.copyWithin(op, from, (from + matchLength) | 0);
      op = (op + matchLength) | 0;
    } else if (matchLength <= LZ_SHORT_COPY) {
      let from = (op - offset) | 0;
      const end = (op + matchLength) | 0;
      while (op < end) {
        output[op] = output[from];
        op = (op + 1) | 0;
        from = (from + 1) | 0;
      }
    } else {
      op = lzCopyMatch(output, op, offset, matchLength);
    }
    if (ip >= blockEnd) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_BLOCK_ENDS_WITH_MATCH, ip);
  }
}

/**
 * Decodes a legacy frame whose blocks start at input[p]. Returns the output position; the input
 * position where it stopped is left in lz4Consumed (the end, a magic number, or a trailer).
 */
function lz4DecodeLegacy(input: Uint8Array, p: number, inputEnd: number, output: Uint8Array, op: number,
  outputCapacity: number): number {
  for (;;) {
    const left = (inputEnd - p) | 0;
    if (left === 0) break;
    if (left < 4) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_LEGACY_BLOCK_SIZE, p);
    const blockSize = lz4ReadLe32(input, p);
    if (lz4IsMagic(blockSize)) break;
    if (left === 4) {
      // kbuild's size trailer (see the file comment): stop before it.
      lz4Consumed = p;
      return op;
    }
    if (uint32Below(LZ4_LEGACY_BOUND, blockSize)) {
      return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_LEGACY_BLOCK_TOO_LARGE, p);
    }
    if (blockSize === 0) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_LEGACY_BLOCK_EMPTY, p);
    p = (p + 4) | 0;
    if (blockSize > ((inputEnd - p) | 0)) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_LEGACY_BLOCK, p);
    let limit = outputCapacity;
    lz4LimitStatus = EFI_BUFFER_TOO_SMALL;
    lz4LimitReason = LZ4_REASON_OUTPUT_TOO_SMALL;
    if (LZ4_LEGACY_BLOCK_SIZE < ((outputCapacity - op) | 0)) {
      limit = (op + LZ4_LEGACY_BLOCK_SIZE) | 0;
      lz4LimitStatus = EFI_COMPROMISED_DATA;
      lz4LimitReason = LZ4_REASON_BLOCK_OUTPUT_TOO_LARGE;
    }
    lz4DictionaryFlag = 0;
    // Legacy blocks are independent (lz4io decodes each with LZ4_decompress_safe).
    const blockEnd = (p + blockSize) | 0;
    op = lz4DecodeBlock(input, p, blockEnd, output, op, limit, op);
    if (op < 0) return -1;
    p = blockEnd;
  }
  lz4Consumed = p;
  return op;
}

/** Decodes an LZ4 frame whose FLG byte is input[p]. Returns the output position or -1. */
function lz4DecodeFrame(input: Uint8Array, p: number, inputEnd: number, output: Uint8Array, op: number,
  outputCapacity: number): number {
  const headerStart = p;
  if (((inputEnd - p) | 0) < 3) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_FRAME_HEADER, inputEnd);
  const flags = input[p];
  const descriptor = input[(p + 1) | 0];
  if ((flags >>> 6) !== 1) return lz4Fail(EFI_UNSUPPORTED, LZ4_REASON_FRAME_VERSION, p);
  if ((flags & 0x02) !== 0) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_FRAME_RESERVED_FLAG, p);
  if ((descriptor & 0x8f) !== 0) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_FRAME_RESERVED_BD, (p + 1) | 0);
  const blockMaxId = (descriptor >>> 4) & 7;
  if (blockMaxId < 4) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_FRAME_BLOCK_MAX_SIZE, (p + 1) | 0);
  const blockMax = 1 << ((8 + (blockMaxId << 1)) | 0);
  const independent = (flags & 0x20) !== 0;
  const hasBlockChecksum = (flags & 0x10) !== 0;
  const hasContentSize = (flags & 0x08) !== 0;
  const hasContentChecksum = (flags & 0x04) !== 0;
  const hasDictionary = (flags & 0x01) !== 0;
  let headerLength = 2;
  if (hasContentSize) headerLength = (headerLength + 8) | 0;
  if (hasDictionary) headerLength = (headerLength + 4) | 0;
  if (((inputEnd - p) | 0) < ((headerLength + 1) | 0)) {
    return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_FRAME_HEADER, inputEnd);
  }
  let contentSizeLow = 0;
  let contentSizeHigh = 0;
  if (hasContentSize) {
    contentSizeLow = lz4ReadLe32(input, (p + 2) | 0);
    contentSizeHigh = lz4ReadLe32(input, (p + 6) | 0);
  }
  const headerEnd = (p + headerLength) | 0;
  const headerChecksum = (xxhash32Digest(input, headerStart, headerEnd, 0) >>> 8) & 0xff;
  if (headerChecksum !== input[headerEnd]) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_HEADER_CHECKSUM, headerEnd);
  p = (headerEnd + 1) | 0;
  const frameStart = op;
  lz4DictionaryFlag = hasDictionary ? 1 : 0;
  for (;;) {
    if (((inputEnd - p) | 0) < 4) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_BLOCK_SIZE, p);
    const word = lz4ReadLe32(input, p);
    p = (p + 4) | 0;
    // EndMark: the word 0 only. 0x80000000 is an empty uncompressed block (lz4 1.9.4 reads on
    // after it: "Unfinished stream" when the input ends there).
    if (word === 0) break;
    const stored = (word >>> 31) !== 0;
    const blockSize = word & 0x7fffffff;
    if (blockSize > blockMax) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_BLOCK_SIZE_TOO_LARGE, (p - 4) | 0);
    let needed = blockSize;
    if (hasBlockChecksum) needed = (needed + 4) | 0;
    if (needed > ((inputEnd - p) | 0)) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_BLOCK, p);
    const blockEnd = (p + blockSize) | 0;
    if (hasBlockChecksum) {
      if (xxhash32Digest(input, p, blockEnd, 0) !== lz4ReadLe32(input, blockEnd)) {
        return lz4Fail(EFI_CRC_ERROR, LZ4_REASON_BLOCK_CHECKSUM, blockEnd);
      }
    }
    if (stored) {
      if (blockSize > ((outputCapacity - op) | 0)) return lz4Fail(EFI_BUFFER_TOO_SMALL, LZ4_REASON_OUTPUT_TOO_SMALL, p);
      let q = p;
      while (q < blockEnd) {
        output[op] = input[q];
        op = (op + 1) | 0;
        q = (q + 1) | 0;
      }
    } else {
      let limit = outputCapacity;
      lz4LimitStatus = EFI_BUFFER_TOO_SMALL;
      lz4LimitReason = LZ4_REASON_OUTPUT_TOO_SMALL;
      if (blockMax < ((outputCapacity - op) | 0)) {
        limit = (op + blockMax) | 0;
        lz4LimitStatus = EFI_COMPROMISED_DATA;
        lz4LimitReason = LZ4_REASON_BLOCK_OUTPUT_TOO_LARGE;
      }
      op = lz4DecodeBlock(input, p, blockEnd, output, op, limit, independent ? op : frameStart);
      if (op < 0) return -1;
    }
    p = hasBlockChecksum ? (blockEnd + 4) | 0 : blockEnd;
  }
  if (hasContentChecksum) {
    if (((inputEnd - p) | 0) < 4) return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_CONTENT_CHECKSUM, p);
    if (xxhash32Digest(output, frameStart, op, 0) !== lz4ReadLe32(input, p)) {
      return lz4Fail(EFI_CRC_ERROR, LZ4_REASON_CONTENT_CHECKSUM, p);
    }
    p = (p + 4) | 0;
  }
  // A content size of 0 means "unknown" to lz4frame.c (LZ4F_frameInfo_t), so only a non-zero
  // one is compared with what the frame produced.
  if (hasContentSize && (contentSizeLow !== 0 || contentSizeHigh !== 0)) {
    if (contentSizeHigh !== 0 || contentSizeLow !== ((op - frameStart) >>> 0)) {
      return lz4Fail(EFI_COMPROMISED_DATA, LZ4_REASON_CONTENT_SIZE, p);
    }
  }
  lz4Consumed = p;
  return op;
}

/**
 * Decodes one .lz4 file (legacy or frame format, skippable frames, concatenated frames) from
 * input[0, inputLength) into output[0, outputCapacity).
 */
export function lz4Decode(input: Uint8Array, inputLength: number, output: Uint8Array, outputCapacity: number): number {
  lz4Consumed = 0;
  let inputEnd = inputLength | 0;
  if (inputEnd < 0) return decodeFail(EFI_UNSUPPORTED, LZ4_REASON_INPUT_TOO_LARGE, 0);
  if (inputEnd > input.length) inputEnd = input.length;
  let capacity = outputCapacity | 0;
  if (capacity < 0) capacity = LZ4_POSITION_LIMIT;
  if (capacity > output.length) capacity = output.length;
  if (inputEnd === 0) return decodeFail(EFI_COMPROMISED_DATA, LZ4_REASON_EMPTY_INPUT, 0);
  let p = 0;
  let op = 0;
  let frames = 0;
  while (p < inputEnd) {
    if (((inputEnd - p) | 0) < 4) return decodeFail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_MAGIC, p);
    const magic = lz4ReadLe32(input, p);
    if (magic === LZ4_MAGIC_LEGACY) {
      op = lz4DecodeLegacy(input, (p + 4) | 0, inputEnd, output, op, capacity);
      if (op < 0) return decodeFail(lz4FailStatus, lz4FailReason, lz4FailOffset);
      if (lz4Consumed !== inputEnd && !lz4IsMagic(lz4ReadLe32(input, lz4Consumed))) {
        // Stopped before a trailer: the stream ends there.
        return decodeSucceed(op);
      }
      p = lz4Consumed;
    } else if (magic === LZ4_MAGIC_FRAME) {
      op = lz4DecodeFrame(input, (p + 4) | 0, inputEnd, output, op, capacity);
      if (op < 0) return decodeFail(lz4FailStatus, lz4FailReason, lz4FailOffset);
      p = lz4Consumed;
    } else if (((magic & LZ4_MAGIC_SKIPPABLE_MASK) >>> 0) === LZ4_MAGIC_SKIPPABLE_BASE) {
      if (((inputEnd - p) | 0) < 8) return decodeFail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_SKIPPABLE, p);
      const skip = lz4ReadLe32(input, (p + 4) | 0);
      p = (p + 8) | 0;
      if (!uint32AtMost(skip, (inputEnd - p) | 0)) {
        return decodeFail(EFI_COMPROMISED_DATA, LZ4_REASON_TRUNCATED_SKIPPABLE, p);
      }
      p = (p + skip) | 0;
    } else if (frames === 0) {
      return decodeFail(EFI_COMPROMISED_DATA, LZ4_REASON_BAD_MAGIC, p);
    } else {
      return decodeFail(EFI_COMPROMISED_DATA, LZ4_REASON_TRAILING_DATA, p);
    }
    frames = (frames + 1) | 0;
  }
  lz4Consumed = p;
  return decodeSucceed(op);
}
