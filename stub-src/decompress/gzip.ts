/**
 * @fileoverview gzip (RFC 1952) around raw DEFLATE (inflate.ts): every member of a file as
 * `gzip -dc` (gzip 1.12) reads them, each one's CRC-32 and ISIZE checked.
 *
 * A member: ID1 ID2 (1f 8b, or 1f 9e, the pre-1.0 magic gzip still reads), CM (8 = deflate),
 * FLG, MTIME(4), XFL, OS, then as FLG says: FEXTRA (XLEN and XLEN bytes), FNAME and FCOMMENT
 * (zero-terminated), FHCRC (the low 16 bits of the CRC-32 of the header so far); the DEFLATE
 * data; CRC32 and ISIZE (the length mod 2^32), little-endian.
 *
 * After a member, what gzip does with the rest of the file (gzip.c get_method, checked against
 * gzip 1.12 in the tests) decides ours:
 * - nothing left: done;
 * - only zero bytes (padding, as tape or block devices leave): done, silently;
 * - one non-zero byte: gzip fails ("unexpected end of file"), and so do we;
 * - 1f 8b or 1f 9e: another member, which must be whole and valid;
 * - 1f 1e, 1f 9d, 1f a0 (pack, compress, LZH data gzip would also decode): EFI_UNSUPPORTED;
 * - anything else: gzip prints "decompression OK, trailing garbage ignored" (exit status 2) with
 *   the whole output written; we succeed too. gzipInputConsumed() tells the caller where the
 *   last member ended, so it can see the garbage (or a size trailer left unstripped).
 * FLG bit 0x20 (encrypted, from pre-release gzip) and the reserved bits 0xc0 are refused as
 * gzip refuses them; FTEXT (0x01) is only a hint and is ignored.
 *
 * kbuild appends no size word to a gzip payload (linux-6.1 scripts/Makefile.lib: cmd_gzip is
 * `gzip -n -f -9` alone; the size_append of bzip2/lzma/lzo/... imitates gzip's ISIZE). The last
 * four bytes of a gzip payload are the last member's ISIZE: pass the whole payload here, as
 * stripping them cuts the trailer (GZIP_REASON_TRAILER_TRUNCATED).
 *
 * Differences from gzip 1.12, on purpose: a distance reaching before the start of the member is
 * refused ("invalid distance too far back", as zlib), where gzip copies from its zeroed or
 * stale window (and succeeds if the CRC matches what it produced); incomplete codes follow
 * zlib's rules.
 */
import { EFI_COMPROMISED_DATA, EFI_CRC_ERROR, EFI_INVALID_PARAMETER, EFI_UNSUPPORTED } from '../efi/status';
import { crc32Update } from './crc32';
import {
  INFLATE_REASON_CODE_LENGTHS_INCOMPLETE, INFLATE_REASON_CODE_LENGTHS_OVERSUBSCRIBED, INFLATE_REASON_DISTANCE_TOO_FAR_BACK,
  INFLATE_REASON_DISTANCES_INCOMPLETE, INFLATE_REASON_DISTANCES_OVERSUBSCRIBED, INFLATE_REASON_INVALID_ARGUMENTS,
  INFLATE_REASON_INVALID_BLOCK_TYPE, INFLATE_REASON_INVALID_DISTANCE_CODE, INFLATE_REASON_INVALID_LITERAL_LENGTH_CODE,
  INFLATE_REASON_LITERAL_LENGTHS_INCOMPLETE, INFLATE_REASON_LITERAL_LENGTHS_OVERSUBSCRIBED,
  INFLATE_REASON_MISSING_END_OF_BLOCK, INFLATE_REASON_OUTPUT_TOO_SMALL, INFLATE_REASON_REPEAT_TOO_LONG,
  INFLATE_REASON_REPEAT_WITHOUT_PREVIOUS, INFLATE_REASON_STORED_BLOCK_TRUNCATED, INFLATE_REASON_STORED_LENGTH_MISMATCH,
  INFLATE_REASON_TOO_MANY_SYMBOLS, INFLATE_REASON_UNEXPECTED_END_OF_INPUT, INFLATE_STATE_INPUT_END,
  INFLATE_STATE_OUTPUT_END, inflateRaw, inflateReasonText, inflateState,
} from './inflate';
import { decodeFail, decodeSucceed } from './result';

// The DEFLATE layer's reasons (100–149), under gzip's names too: one table for the format.
export const GZIP_REASON_INVALID_ARGUMENTS = INFLATE_REASON_INVALID_ARGUMENTS;
export const GZIP_REASON_INVALID_BLOCK_TYPE = INFLATE_REASON_INVALID_BLOCK_TYPE;
export const GZIP_REASON_STORED_LENGTH_MISMATCH = INFLATE_REASON_STORED_LENGTH_MISMATCH;
export const GZIP_REASON_STORED_BLOCK_TRUNCATED = INFLATE_REASON_STORED_BLOCK_TRUNCATED;
export const GZIP_REASON_TOO_MANY_SYMBOLS = INFLATE_REASON_TOO_MANY_SYMBOLS;
export const GZIP_REASON_CODE_LENGTHS_OVERSUBSCRIBED = INFLATE_REASON_CODE_LENGTHS_OVERSUBSCRIBED;
export const GZIP_REASON_CODE_LENGTHS_INCOMPLETE = INFLATE_REASON_CODE_LENGTHS_INCOMPLETE;
export const GZIP_REASON_REPEAT_WITHOUT_PREVIOUS = INFLATE_REASON_REPEAT_WITHOUT_PREVIOUS;
export const GZIP_REASON_REPEAT_TOO_LONG = INFLATE_REASON_REPEAT_TOO_LONG;
export const GZIP_REASON_MISSING_END_OF_BLOCK = INFLATE_REASON_MISSING_END_OF_BLOCK;
export const GZIP_REASON_LITERAL_LENGTHS_OVERSUBSCRIBED = INFLATE_REASON_LITERAL_LENGTHS_OVERSUBSCRIBED;
export const GZIP_REASON_LITERAL_LENGTHS_INCOMPLETE = INFLATE_REASON_LITERAL_LENGTHS_INCOMPLETE;
export const GZIP_REASON_DISTANCES_OVERSUBSCRIBED = INFLATE_REASON_DISTANCES_OVERSUBSCRIBED;
export const GZIP_REASON_DISTANCES_INCOMPLETE = INFLATE_REASON_DISTANCES_INCOMPLETE;
export const GZIP_REASON_INVALID_LITERAL_LENGTH_CODE = INFLATE_REASON_INVALID_LITERAL_LENGTH_CODE;
export const GZIP_REASON_INVALID_DISTANCE_CODE = INFLATE_REASON_INVALID_DISTANCE_CODE;
export const GZIP_REASON_DISTANCE_TOO_FAR_BACK = INFLATE_REASON_DISTANCE_TOO_FAR_BACK;
export const GZIP_REASON_UNEXPECTED_END_OF_INPUT = INFLATE_REASON_UNEXPECTED_END_OF_INPUT;
export const GZIP_REASON_OUTPUT_TOO_SMALL = INFLATE_REASON_OUTPUT_TOO_SMALL;

// The wrapper's own reasons (150–199).
export const GZIP_REASON_NOT_GZIP = 150;
export const GZIP_REASON_HEADER_TRUNCATED = 151;
export const GZIP_REASON_UNKNOWN_METHOD = 152;
export const GZIP_REASON_ENCRYPTED = 153;
export const GZIP_REASON_RESERVED_FLAGS = 154;
export const GZIP_REASON_HEADER_CRC_MISMATCH = 155;
export const GZIP_REASON_TRAILER_TRUNCATED = 156;
export const GZIP_REASON_CRC_MISMATCH = 157;
export const GZIP_REASON_LENGTH_MISMATCH = 158;
export const GZIP_REASON_TRAILING_BYTE = 159;
export const GZIP_REASON_TRAILING_OTHER_FORMAT = 160;

export function gzipReasonText(reason: number): string {
  switch (reason) {
    case GZIP_REASON_NOT_GZIP: return 'not in gzip format';
    case GZIP_REASON_HEADER_TRUNCATED: return 'unexpected end of input in member header';
    case GZIP_REASON_UNKNOWN_METHOD: return 'unknown compression method';
    case GZIP_REASON_ENCRYPTED: return 'encrypted member not supported';
    case GZIP_REASON_RESERVED_FLAGS: return 'reserved header flags set';
    case GZIP_REASON_HEADER_CRC_MISMATCH: return 'header crc mismatch';
    case GZIP_REASON_TRAILER_TRUNCATED: return 'unexpected end of input in member trailer';
    case GZIP_REASON_CRC_MISMATCH: return 'crc mismatch';
    case GZIP_REASON_LENGTH_MISMATCH: return 'length mismatch';
    case GZIP_REASON_TRAILING_BYTE: return 'unexpected end of input after member (one trailing byte)';
    case GZIP_REASON_TRAILING_OTHER_FORMAT: return 'trailing member in pack, compress or lzh format';
  }
  return inflateReasonText(reason);
}

// Header flag bits (RFC 1952 §2.3.1; 0x20 and 0xc0 as gzip 1.12 reads them).
const GZIP_FLAG_HEADER_CRC = 0x02;
const GZIP_FLAG_EXTRA = 0x04;
const GZIP_FLAG_NAME = 0x08;
const GZIP_FLAG_COMMENT = 0x10;
const GZIP_FLAG_ENCRYPTED = 0x20;
const GZIP_FLAG_RESERVED = 0xc0;
const GZIP_METHOD_DEFLATE = 8;
const GZIP_FIXED_HEADER_SIZE = 10;
const GZIP_TRAILER_SIZE = 8;

/** Where gzipDecode stopped reading: the end of the last member (bytes after it were ignored). */
let gzipConsumed = 0;
/** Where the member header just parsed ends (the DEFLATE data begins). */
let gzipHeaderEnd = 0;

export function gzipInputConsumed(): number {
  return gzipConsumed;
}

/** Reads a 32-bit little-endian value as an unsigned number (compare with === only). */
function gzipRead32(input: Uint8Array, offset: number): number {
  return (input[offset] | (input[(offset + 1) | 0] << 8) | (input[(offset + 2) | 0] << 16) |
    (input[(offset + 3) | 0] << 24)) >>> 0;
}

/** Parses the member header at `start` (its magic already checked); sets gzipHeaderEnd. */
function gzipParseHeader(input: Uint8Array, inputLength: number, start: number): number {
  if (GZIP_FIXED_HEADER_SIZE > ((inputLength - start) | 0)) {
    return decodeFail(EFI_COMPROMISED_DATA, GZIP_REASON_HEADER_TRUNCATED, inputLength);
  }
  if (input[(start + 2) | 0] !== GZIP_METHOD_DEFLATE) {
    return decodeFail(EFI_UNSUPPORTED, GZIP_REASON_UNKNOWN_METHOD, (start + 2) | 0);
  }
  const flags = input[(start + 3) | 0];
  if ((flags & GZIP_FLAG_ENCRYPTED) !== 0) {
    return decodeFail(EFI_UNSUPPORTED, GZIP_REASON_ENCRYPTED, (start + 3) | 0);
  }
  if ((flags & GZIP_FLAG_RESERVED) !== 0) {
    return decodeFail(EFI_COMPROMISED_DATA, GZIP_REASON_RESERVED_FLAGS, (start + 3) | 0);
  }
  let position = (start + GZIP_FIXED_HEADER_SIZE) | 0;
  if ((flags & GZIP_FLAG_EXTRA) !== 0) {
    if (2 > ((inputLength - position) | 0)) {
      return decodeFail(EFI_COMPROMISED_DATA, GZIP_REASON_HEADER_TRUNCATED, inputLength);
    }
    const extraLength = input[position] | (input[(position + 1) | 0] << 8);
    position = (position + 2) | 0;
    if (extraLength > ((inputLength - position) | 0)) {
      return decodeFail(EFI_COMPROMISED_DATA, GZIP_REASON_HEADER_TRUNCATED, inputLength);
    }
    position = (position + extraLength) | 0;
  }
  if ((flags & GZIP_FLAG_NAME) !== 0) {
    while (position < inputLength && input[position] !== 0) position = (position + 1) | 0;
    if (position >= inputLength) return decodeFail(EFI_COMPROMISED_DATA, GZIP_REASON_HEADER_TRUNCATED, inputLength);
    position = (position + 1) | 0;
  }
  if ((flags & GZIP_FLAG_COMMENT) !== 0) {
    while (position < inputLength && input[position] !== 0) position = (position + 1) | 0;
    if (position >= inputLength) return decodeFail(EFI_COMPROMISED_DATA, GZIP_REASON_HEADER_TRUNCATED, inputLength);
    position = (position + 1) | 0;
  }
  if ((flags & GZIP_FLAG_HEADER_CRC) !== 0) {
    if (2 > ((inputLength - position) | 0)) {
      return decodeFail(EFI_COMPROMISED_DATA, GZIP_REASON_HEADER_TRUNCATED, inputLength);
    }
    const stored = input[position] | (input[(position + 1) | 0] << 8);
    const computed = crc32Update(0, input, start, position) & 0xffff;
    if (stored !== computed) return decodeFail(EFI_CRC_ERROR, GZIP_REASON_HEADER_CRC_MISMATCH, position);
    position = (position + 2) | 0;
  }
  gzipHeaderEnd = position;
  return 0;
}

/**
 * Decodes a whole .gz file (every member) into output[0..outputCapacity). See the file comment
 * for what is accepted after a member.
 */
export function gzipDecode(input: Uint8Array, inputLength: number, output: Uint8Array, outputCapacity: number): number {
  gzipConsumed = 0;
  if (inputLength < 0 || inputLength > input.length || outputCapacity < 0 || outputCapacity > output.length) {
    return decodeFail(EFI_INVALID_PARAMETER, GZIP_REASON_INVALID_ARGUMENTS, 0);
  }
  let position = 0;
  let out = 0;
  let member = 0;
  // Each pass consumes at least a header and a trailer (18 bytes) or returns.
  for (;;) {
    const left = (inputLength - position) | 0;
    if (member > 0) {
      if (left === 0) break;
      // Zero padding, or zeros then anything (gzip's trailing garbage): the output is whole.
      if (input[position] === 0) break;
      if (left === 1) return decodeFail(EFI_COMPROMISED_DATA, GZIP_REASON_TRAILING_BYTE, position);
      if (input[position] === 0x1f) {
        const second = input[(position + 1) | 0];
        if (second === 0x1e || second === 0x9d || second === 0xa0) {
          return decodeFail(EFI_UNSUPPORTED, GZIP_REASON_TRAILING_OTHER_FORMAT, position);
        }
        if (second !== 0x8b && second !== 0x9e) break;
      } else {
        break;
      }
    } else {
      if (left < 2) return decodeFail(EFI_COMPROMISED_DATA, GZIP_REASON_HEADER_TRUNCATED, inputLength);
      const second = input[1];
      if (input[0] !== 0x1f || (second !== 0x8b && second !== 0x9e)) {
        return decodeFail(EFI_COMPROMISED_DATA, GZIP_REASON_NOT_GZIP, 0);
      }
    }
    let status = gzipParseHeader(input, inputLength, position);
    if (status !== 0) return status;
    status = inflateRaw(input, gzipHeaderEnd, inputLength, output, out, outputCapacity);
    if (status !== 0) return status;
    position = inflateState[INFLATE_STATE_INPUT_END];
    const end = inflateState[INFLATE_STATE_OUTPUT_END];
    if (GZIP_TRAILER_SIZE > ((inputLength - position) | 0)) {
      return decodeFail(EFI_COMPROMISED_DATA, GZIP_REASON_TRAILER_TRUNCATED, inputLength);
    }
    if (crc32Update(0, output, out, end) !== gzipRead32(input, position)) {
      return decodeFail(EFI_CRC_ERROR, GZIP_REASON_CRC_MISMATCH, position);
    }
    if (((end - out) >>> 0) !== gzipRead32(input, (position + 4) | 0)) {
      return decodeFail(EFI_CRC_ERROR, GZIP_REASON_LENGTH_MISMATCH, (position + 4) | 0);
    }
    position = (position + GZIP_TRAILER_SIZE) | 0;
    out = end;
    member = (member + 1) | 0;
    gzipConsumed = position;
  }
  return decodeSucceed(out);
}
