/**
 * @fileoverview lzop decoder: the .lzo file format written by `lzop` (kbuild: `lzop -9`) and the
 * LZO1X block decompression inside it, as `lzop -dc` reads them.
 *
 * Sources: lzop 1.04 (src/lzop.c read_header/p_magic, src/p_lzo.c lzo_decompress) for the file
 * format, read to understand it; the LZO1X bitstream as described in the Linux kernel's
 * Documentation/staging/lzo.rst ("LZO stream format as understood by Linux's LZO decompressor":
 * the first-byte rule, the 0..15 instruction whose meaning depends on the state, M2/M3/M4 and
 * the two state bits that say how many literals follow each match) and the LZO library's
 * lzo1x_decompress_safe behaviour (the end marker, input-not-consumed and look-behind errors).
 *
 * File layout (all fields big-endian):
 *   magic 89 4c 5a 4f 00 0d 0a 1a 0a
 *   version u16 (≥ 0x0900), lib_version u16, [version ≥ 0x0940: version_needed_to_extract u16]
 *   method u8 (1 LZO1X-1, 2 LZO1X-1(15), 3 LZO1X-999), [version ≥ 0x0940: level u8]
 *   flags u32, [F_H_FILTER: filter u32], mode u32, mtime_low u32, [version ≥ 0x0940: mtime_high]
 *   name length u8, name, header checksum u32 (Adler-32 from version to the name, or CRC-32 with
 *   F_H_CRC32), [F_H_EXTRA_FIELD: length u32, data, checksum u32 over length and data]
 *   blocks: uncompressed size u32 (0 ends the file), compressed size u32, [F_ADLER32_D],
 *   [F_CRC32_D], [F_ADLER32_C and compressed < uncompressed], [F_CRC32_C likewise], data:
 *   LZO1X when compressed < uncompressed, else the bytes themselves.
 *
 * After the end block, lzop reads on: another lzop magic starts another file of a multipart
 * archive (its output is appended, as `lzop -dc` does), anything else is ignored ("ignoring
 * trailing garbage", exit status 2 = warning). This decoder does the same, so kbuild's appended
 * size trailer is skipped; lzoInputConsumed() tells where the lzop data ended.
 *
 * Deliberate differences from lzop 1.04: blocks up to the format's 64 MiB limit are accepted
 * (lzop itself was built for 256 KiB blocks and refuses larger ones "block size too small --
 * recompile lzop"; it never writes them); filters (F_H_FILTER) are refused as unsupported.
 */
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_CRC_ERROR, EFI_UNSUPPORTED } from '../efi/status';
import { uint32AtMost, uint32Below } from '../efi/address';
import { decodeFail, decodeSucceed } from './result';
import { adler32Update } from './adler32';
import { crc32Update } from './crc32';

export const LZO_REASON_EMPTY_INPUT = 700;
export const LZO_REASON_BAD_MAGIC = 701;
export const LZO_REASON_TRUNCATED_HEADER = 702;
export const LZO_REASON_VERSION = 703;
export const LZO_REASON_VERSION_NEEDED = 704;
export const LZO_REASON_VERSION_NEEDED_INVALID = 705;
export const LZO_REASON_HEADER_CHECKSUM = 706;
export const LZO_REASON_METHOD = 707;
export const LZO_REASON_LEVEL = 708;
export const LZO_REASON_RESERVED_FLAGS = 709;
export const LZO_REASON_FILTER = 710;
export const LZO_REASON_EXTRA_FIELD_CHECKSUM = 711;
export const LZO_REASON_CHECKSUM_FLAGS = 712;
export const LZO_REASON_INPUT_TOO_LARGE = 713;
export const LZO_REASON_TRUNCATED_BLOCK_HEADER = 720;
export const LZO_REASON_SPLIT_FILE = 721;
export const LZO_REASON_BLOCK_TOO_LARGE = 722;
export const LZO_REASON_COMPRESSED_SIZE = 723;
export const LZO_REASON_TRUNCATED_BLOCK = 724;
export const LZO_REASON_COMPRESSED_ADLER32 = 725;
export const LZO_REASON_COMPRESSED_CRC32 = 726;
export const LZO_REASON_ADLER32 = 727;
export const LZO_REASON_CRC32 = 728;
export const LZO_REASON_OUTPUT_TOO_SMALL = 729;
export const LZO_REASON_INPUT_OVERRUN = 740;
export const LZO_REASON_OUTPUT_OVERRUN = 741;
export const LZO_REASON_LOOKBEHIND_OVERRUN = 742;
export const LZO_REASON_INPUT_NOT_CONSUMED = 743;
export const LZO_REASON_SIZE_MISMATCH = 744;

export function lzoReasonText(reason: number): string {
  switch (reason) {
    case LZO_REASON_EMPTY_INPUT: return 'empty input';
    case LZO_REASON_BAD_MAGIC: return 'not an lzop file';
    case LZO_REASON_TRUNCATED_HEADER: return 'truncated header';
    case LZO_REASON_VERSION: return 'header corrupted (version below 0x0900)';
    case LZO_REASON_VERSION_NEEDED: return 'needs a newer lzop';
    case LZO_REASON_VERSION_NEEDED_INVALID: return 'header corrupted (version needed below 0x0900)';
    case LZO_REASON_HEADER_CHECKSUM: return 'header checksum mismatch';
    case LZO_REASON_METHOD: return 'unknown compression method';
    case LZO_REASON_LEVEL: return 'unknown compression level';
    case LZO_REASON_RESERVED_FLAGS: return 'unknown header flags';
    case LZO_REASON_FILTER: return 'filters not supported';
    case LZO_REASON_EXTRA_FIELD_CHECKSUM: return 'extra field checksum mismatch';
    case LZO_REASON_CHECKSUM_FLAGS: return 'compressed-data checksum without data checksum';
    case LZO_REASON_INPUT_TOO_LARGE: return 'input of 2 GiB or more';
    case LZO_REASON_TRUNCATED_BLOCK_HEADER: return 'truncated block header';
    case LZO_REASON_SPLIT_FILE: return 'split lzop file';
    case LZO_REASON_BLOCK_TOO_LARGE: return 'block larger than 64 MiB';
    case LZO_REASON_COMPRESSED_SIZE: return 'invalid compressed block size';
    case LZO_REASON_TRUNCATED_BLOCK: return 'truncated block';
    case LZO_REASON_COMPRESSED_ADLER32: return 'compressed block adler32 mismatch';
    case LZO_REASON_COMPRESSED_CRC32: return 'compressed block crc32 mismatch';
    case LZO_REASON_ADLER32: return 'block adler32 mismatch';
    case LZO_REASON_CRC32: return 'block crc32 mismatch';
    case LZO_REASON_OUTPUT_TOO_SMALL: return 'output buffer too small';
    case LZO_REASON_INPUT_OVERRUN: return 'compressed data runs past the block';
    case LZO_REASON_OUTPUT_OVERRUN: return 'compressed data produces more than the block size';
    case LZO_REASON_LOOKBEHIND_OVERRUN: return 'match distance before the block start';
    case LZO_REASON_INPUT_NOT_CONSUMED: return 'data after the end marker';
    case LZO_REASON_SIZE_MISMATCH: return 'block decodes to fewer bytes than its size';
    default: return 'unknown reason';
  }
}

const LZO_MAGIC_LENGTH = 9;
/** lzop's own version (1.04): files that need a newer one are refused, as lzop does. */
const LZO_LZOP_VERSION = 0x1040;
const LZO_F_ADLER32_D = 0x0001;
const LZO_F_ADLER32_C = 0x0002;
const LZO_F_H_EXTRA_FIELD = 0x0040;
const LZO_F_CRC32_D = 0x0100;
const LZO_F_CRC32_C = 0x0200;
const LZO_F_H_FILTER = 0x0800;
const LZO_F_H_CRC32 = 0x1000;
/** Bits outside F_MASK (0x3fff), F_OS_MASK (0xff000000) and F_CS_MASK (0x00f00000). */
const LZO_F_RESERVED = 0x000fc000;
const LZO_METHOD_LZO1X_1 = 1;
const LZO_METHOD_LZO1X_999 = 3;
/** lzop's MAX_BLOCK_SIZE, "DO NOT CHANGE". */
const LZO_MAX_BLOCK_SIZE = 0x4000000;
const LZO_SPLIT_MARK = 0xffffffff;

let lzoFailStatus = 0;
let lzoFailReason = 0;
let lzoFailOffset = 0;
let lzoConsumed = 0;

function lzoFail(status: number, reason: number, offset: number): number {
  lzoFailStatus = status;
  lzoFailReason = reason;
  lzoFailOffset = offset;
  return -1;
}

/** Number of input bytes the last successful lzoDecode used (trailing bytes not counted). */
export function lzoInputConsumed(): number {
  return lzoConsumed;
}

function lzoReadBe32(input: Uint8Array, p: number): number {
  return ((input[p] << 24) | (input[(p + 1) | 0] << 16) | (input[(p + 2) | 0] << 8) | input[(p + 3) | 0]) >>> 0;
}

function lzoReadBe16(input: Uint8Array, p: number): number {
  return (input[p] << 8) | input[(p + 1) | 0];
}

function lzoHasMagic(input: Uint8Array, p: number, inputEnd: number): boolean {
  if (((inputEnd - p) | 0) < LZO_MAGIC_LENGTH) return false;
  return input[p] === 0x89 && input[(p + 1) | 0] === 0x4c && input[(p + 2) | 0] === 0x5a &&
    input[(p + 3) | 0] === 0x4f && input[(p + 4) | 0] === 0x00 && input[(p + 5) | 0] === 0x0d &&
    input[(p + 6) | 0] === 0x0a && input[(p + 7) | 0] === 0x1a && input[(p + 8) | 0] === 0x0a;
}

/**
 * LZO1X-decompresses input[ip, inputEnd) into output[op, outputEnd), matches reaching back no
 * further than op. The data must end with the end marker exactly at inputEnd. Returns the
 * output position after the block or -1 after lzoFail.
 *
 * `state` is the number of literals the previous instruction copied (0, 1–3, or 4 for a literal
 * run of 4 or more): it decides what an instruction byte 0..15 means.
 */
function lzoDecompressBlock(input: Uint8Array, ip: number, inputEnd: number, output: Uint8Array, op: number,
  outputEnd: number): number {
  const lowest = op;
  let state = 0;
  if (ip >= inputEnd) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_INPUT_OVERRUN, ip);
  let first = input[ip];
  if (first > 17) {
    // A first literal run of (byte - 17) literals, without an instruction before it.
    ip = (ip + 1) | 0;
    first = (first - 17) | 0;
    if (first > ((inputEnd - ip) | 0)) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_INPUT_OVERRUN, ip);
    if (first > ((outputEnd - op) | 0)) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_OUTPUT_OVERRUN, ip);
    const runEnd = (ip + first) | 0;
    while (ip < runEnd) {
      output[op] = input[ip];
      op = (op + 1) | 0;
      ip = (ip + 1) | 0;
    }
    state = first < 4 ? first : 4;
  }
  for (;;) {
    if (ip >= inputEnd) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_INPUT_OVERRUN, ip);
    const instruction = input[ip];
    ip = (ip + 1) | 0;
    let length = 0;
    let distance = 0;
    let trailing = 0;
    if (instruction < 16) {
      if (state === 0) {
        // Literal run: 3 + L, or with L = 0, 18 + 255 per zero byte + the next byte.
        length = instruction;
        if (length === 0) {
          length = 15;
          for (;;) {
            if (ip >= inputEnd) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_INPUT_OVERRUN, ip);
            const more = input[ip];
            ip = (ip + 1) | 0;
            if (more !== 0) {
              length = (length + more) | 0;
              break;
            }
            length = (length + 255) | 0;
            if (length > ((inputEnd - ip) | 0)) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_INPUT_OVERRUN, ip);
          }
        }
        length = (length + 3) | 0;
        if (length > ((inputEnd - ip) | 0)) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_INPUT_OVERRUN, ip);
        if (length > ((outputEnd - op) | 0)) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_OUTPUT_OVERRUN, ip);
        const runEnd = (ip + length) | 0;
        const runEnd4 = (runEnd - 3) | 0;
        while (ip < runEnd4) {
          output[op] = input[ip];
          output[(op + 1) | 0] = input[(ip + 1) | 0];
          output[(op + 2) | 0] = input[(ip + 2) | 0];
          output[(op + 3) | 0] = input[(ip + 3) | 0];
          op = (op + 4) | 0;
          ip = (ip + 4) | 0;
        }
        while (ip < runEnd) {
          output[op] = input[ip];
          op = (op + 1) | 0;
          ip = (ip + 1) | 0;
        }
        state = 4;
        continue;
      }
      if (ip >= inputEnd) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_INPUT_OVERRUN, ip);
      const high = input[ip];
      ip = (ip + 1) | 0;
      if (state === 4) {
        // M1 after a literal run: 3 bytes from 2049..3072 back.
        length = 3;
        distance = (2049 + (instruction >>> 2) + (high << 2)) | 0;
      } else {
        // M1 after 1..3 trailing literals: 2 bytes from 1..1024 back.
        length = 2;
        distance = (1 + (instruction >>> 2) + (high << 2)) | 0;
      }
      trailing = instruction & 3;
    } else if (instruction >= 64) {
      // M2: 3..8 bytes from 1..2048 back.
      if (ip >= inputEnd) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_INPUT_OVERRUN, ip);
      length = ((instruction >>> 5) + 1) | 0;
      distance = (1 + ((instruction >>> 2) & 7) + (input[ip] << 3)) | 0;
      ip = (ip + 1) | 0;
      trailing = instruction & 3;
    } else {
      // M3 (32..63): 1..16384 back; M4 (16..31): 16385..49151 back, or the end marker.
      const isM3 = instruction >= 32;
      length = isM3 ? instruction & 31 : instruction & 7;
      if (length === 0) {
        length = isM3 ? 31 : 7;
        for (;;) {
          if (ip >= inputEnd) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_INPUT_OVERRUN, ip);
          const more = input[ip];
          ip = (ip + 1) | 0;
          if (more !== 0) {
            length = (length + more) | 0;
            break;
          }
          length = (length + 255) | 0;
          if (length > ((outputEnd - op) | 0)) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_OUTPUT_OVERRUN, ip);
        }
      }
      length = (length + 2) | 0;
      if (((inputEnd - ip) | 0) < 2) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_INPUT_OVERRUN, ip);
      const low = input[ip];
      const packed = ((low >>> 2) + (input[(ip + 1) | 0] << 6)) | 0;
      ip = (ip + 2) | 0;
      trailing = low & 3;
      if (isM3) {
        distance = (packed + 1) | 0;
      } else {
        const far = (instruction & 8) << 11;
        if (far === 0 && packed === 0) {
          // End marker (M4 with distance 16384): the block must end here.
          if (ip !== inputEnd) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_INPUT_NOT_CONSUMED, ip);
          return op;
        }
        distance = (16384 + far + packed) | 0;
      }
    }
    if (distance > ((op - lowest) | 0)) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_LOOKBEHIND_OVERRUN, ip);
    if (length > ((outputEnd - op) | 0)) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_OUTPUT_OVERRUN, ip);
    const matchEnd = (op + length) | 0;
    let from = (op - distance) | 0;
    // Forward copy: with distance < length it repeats the bytes it has just written. Four at a
    // time when distance ≥ 4, since then all four source bytes are already written.
    if (distance >= 4) {
      const matchEnd4 = (matchEnd - 3) | 0;
      while (op < matchEnd4) {
        output[op] = output[from];
        output[(op + 1) | 0] = output[(from + 1) | 0];
        output[(op + 2) | 0] = output[(from + 2) | 0];
        output[(op + 3) | 0] = output[(from + 3) | 0];
        op = (op + 4) | 0;
        from = (from + 4) | 0;
      }
    }
    while (op < matchEnd) {
      output[op] = output[from];
      op = (op + 1) | 0;
      from = (from + 1) | 0;
    }
    if (trailing !== 0) {
      if (trailing > ((inputEnd - ip) | 0)) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_INPUT_OVERRUN, ip);
      if (trailing > ((outputEnd - op) | 0)) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_OUTPUT_OVERRUN, ip);
      output[op] = input[ip];
      if (trailing > 1) {
        output[(op + 1) | 0] = input[(ip + 1) | 0];
        if (trailing > 2) output[(op + 2) | 0] = input[(ip + 2) | 0];
      }
      op = (op + trailing) | 0;
      ip = (ip + trailing) | 0;
    }
    state = trailing;
  }
}

/** The flags word of the header lzoParseHeader read last. */
let lzoHeaderFlags = 0;

/**
 * Parses one lzop file header at input[p] (magic already checked). Returns the position of the
 * first block, or -1; the flags are left in lzoHeaderFlags.
 */
function lzoParseHeader(input: Uint8Array, p: number, inputEnd: number): number {
  const start = (p + LZO_MAGIC_LENGTH) | 0;
  let h = start;
  if (((inputEnd - h) | 0) < 4) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_TRUNCATED_HEADER, inputEnd);
  const version = lzoReadBe16(input, h);
  h = (h + 4) | 0;
  if (version < 0x0900) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_VERSION, start);
  const modern = version >= 0x0940;
  if (modern) {
    if (((inputEnd - h) | 0) < 2) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_TRUNCATED_HEADER, inputEnd);
    const needed = lzoReadBe16(input, h);
    if (needed > LZO_LZOP_VERSION) return lzoFail(EFI_UNSUPPORTED, LZO_REASON_VERSION_NEEDED, h);
    if (needed < 0x0900) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_VERSION_NEEDED_INVALID, h);
    h = (h + 2) | 0;
  }
  // method [level] flags
  let fixed = modern ? 6 : 5;
  if (((inputEnd - h) | 0) < fixed) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_TRUNCATED_HEADER, inputEnd);
  const methodAt = h;
  const method = input[h];
  const level = modern ? input[(h + 1) | 0] : 0;
  h = (h + fixed - 4) | 0;
  const flags = lzoReadBe32(input, h);
  h = (h + 4) | 0;
  // [filter] mode mtime_low [mtime_high] name-length
  fixed = 9;
  if ((flags & LZO_F_H_FILTER) !== 0) fixed = (fixed + 4) | 0;
  if (modern) fixed = (fixed + 4) | 0;
  if (((inputEnd - h) | 0) < fixed) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_TRUNCATED_HEADER, inputEnd);
  h = (h + fixed) | 0;
  const nameLength = input[(h - 1) | 0];
  if (((inputEnd - h) | 0) < ((nameLength + 4) | 0)) {
    return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_TRUNCATED_HEADER, inputEnd);
  }
  h = (h + nameLength) | 0;
  const useCrc32 = (flags & LZO_F_H_CRC32) !== 0;
  const checksum = useCrc32 ? crc32Update(0, input, start, h) : adler32Update(1, input, start, h);
  if (checksum !== lzoReadBe32(input, h)) return lzoFail(EFI_CRC_ERROR, LZO_REASON_HEADER_CHECKSUM, h);
  h = (h + 4) | 0;
  if (method < LZO_METHOD_LZO1X_1 || method > LZO_METHOD_LZO1X_999) {
    return lzoFail(EFI_UNSUPPORTED, LZO_REASON_METHOD, methodAt);
  }
  // lzop's lzo_get_method: level 0 means the method's default; otherwise 1..9.
  if (level > 9) return lzoFail(EFI_UNSUPPORTED, LZO_REASON_LEVEL, (methodAt + 1) | 0);
  if ((flags & LZO_F_RESERVED) !== 0) return lzoFail(EFI_UNSUPPORTED, LZO_REASON_RESERVED_FLAGS, (methodAt + 2) | 0);
  if ((flags & LZO_F_H_EXTRA_FIELD) !== 0) {
    // length, data, checksum
    if (((inputEnd - h) | 0) < 8) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_TRUNCATED_HEADER, inputEnd);
    const extraLength = lzoReadBe32(input, h);
    if (!uint32AtMost(extraLength, (inputEnd - h - 8) | 0)) {
      return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_TRUNCATED_HEADER, inputEnd);
    }
    const extraEnd = (h + 4 + extraLength) | 0;
    const extraChecksum = useCrc32 ? crc32Update(0, input, h, extraEnd) : adler32Update(1, input, h, extraEnd);
    if (extraChecksum !== lzoReadBe32(input, extraEnd)) {
      return lzoFail(EFI_CRC_ERROR, LZO_REASON_EXTRA_FIELD_CHECKSUM, extraEnd);
    }
    h = (extraEnd + 4) | 0;
  }
  if ((flags & LZO_F_H_FILTER) !== 0) return lzoFail(EFI_UNSUPPORTED, LZO_REASON_FILTER, (methodAt + 2) | 0);
  // lzop's lzo_enter: a compressed-data checksum needs the data checksum of the same kind
  // (a stored block reuses it).
  if (((flags & LZO_F_ADLER32_C) !== 0 && (flags & LZO_F_ADLER32_D) === 0) ||
    ((flags & LZO_F_CRC32_C) !== 0 && (flags & LZO_F_CRC32_D) === 0)) {
    return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_CHECKSUM_FLAGS, (methodAt + 2) | 0);
  }
  lzoHeaderFlags = flags;
  return h;
}

/** Decodes the blocks of one lzop file from input[p]. Returns the output position or -1. */
function lzoDecodeBlocks(input: Uint8Array, p: number, inputEnd: number, output: Uint8Array, op: number,
  outputCapacity: number): number {
  const flags = lzoHeaderFlags;
  for (;;) {
    if (((inputEnd - p) | 0) < 4) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_TRUNCATED_BLOCK_HEADER, p);
    const uncompressedSize = lzoReadBe32(input, p);
    if (uncompressedSize === 0) {
      lzoConsumed = (p + 4) | 0;
      return op;
    }
    if (uncompressedSize === LZO_SPLIT_MARK) return lzoFail(EFI_UNSUPPORTED, LZO_REASON_SPLIT_FILE, p);
    if (uint32Below(LZO_MAX_BLOCK_SIZE, uncompressedSize)) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_BLOCK_TOO_LARGE, p);
    p = (p + 4) | 0;
    if (((inputEnd - p) | 0) < 4) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_TRUNCATED_BLOCK_HEADER, p);
    const compressedSize = lzoReadBe32(input, p);
    if (compressedSize === 0 || !uint32AtMost(compressedSize, uncompressedSize)) {
      return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_COMPRESSED_SIZE, p);
    }
    p = (p + 4) | 0;
    const compressed = compressedSize < uncompressedSize;
    let fields = 0;
    if ((flags & LZO_F_ADLER32_D) !== 0) fields = (fields + 4) | 0;
    if ((flags & LZO_F_CRC32_D) !== 0) fields = (fields + 4) | 0;
    if (compressed && (flags & LZO_F_ADLER32_C) !== 0) fields = (fields + 4) | 0;
    if (compressed && (flags & LZO_F_CRC32_C) !== 0) fields = (fields + 4) | 0;
    if (((inputEnd - p) | 0) < fields) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_TRUNCATED_BLOCK_HEADER, p);
    let field = p;
    let dataAdler = 0;
    let dataCrc = 0;
    let packedAdler = 0;
    let packedCrc = 0;
    if ((flags & LZO_F_ADLER32_D) !== 0) {
      dataAdler = lzoReadBe32(input, field);
      field = (field + 4) | 0;
    }
    if ((flags & LZO_F_CRC32_D) !== 0) {
      dataCrc = lzoReadBe32(input, field);
      field = (field + 4) | 0;
    }
    if (compressed && (flags & LZO_F_ADLER32_C) !== 0) {
      packedAdler = lzoReadBe32(input, field);
      field = (field + 4) | 0;
    }
    if (compressed && (flags & LZO_F_CRC32_C) !== 0) {
      packedCrc = lzoReadBe32(input, field);
      field = (field + 4) | 0;
    }
    p = field;
    if (compressedSize > ((inputEnd - p) | 0)) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_TRUNCATED_BLOCK, p);
    const dataEnd = (p + compressedSize) | 0;
    if (compressed && (flags & LZO_F_ADLER32_C) !== 0 && adler32Update(1, input, p, dataEnd) !== packedAdler) {
      return lzoFail(EFI_CRC_ERROR, LZO_REASON_COMPRESSED_ADLER32, p);
    }
    if (compressed && (flags & LZO_F_CRC32_C) !== 0 && crc32Update(0, input, p, dataEnd) !== packedCrc) {
      return lzoFail(EFI_CRC_ERROR, LZO_REASON_COMPRESSED_CRC32, p);
    }
    if (uncompressedSize > ((outputCapacity - op) | 0)) {
      return lzoFail(EFI_BUFFER_TOO_SMALL, LZO_REASON_OUTPUT_TOO_SMALL, p);
    }
    const blockStart = op;
    const blockEnd = (op + uncompressedSize) | 0;
    if (compressed) {
      op = lzoDecompressBlock(input, p, dataEnd, output, op, blockEnd);
      if (op < 0) return -1;
      if (op !== blockEnd) return lzoFail(EFI_COMPROMISED_DATA, LZO_REASON_SIZE_MISMATCH, dataEnd);
    } else {
      let q = p;
      while (q < dataEnd) {
        output[op] = input[q];
        op = (op + 1) | 0;
        q = (q + 1) | 0;
      }
    }
    if ((flags & LZO_F_ADLER32_D) !== 0 && adler32Update(1, output, blockStart, blockEnd) !== dataAdler) {
      return lzoFail(EFI_CRC_ERROR, LZO_REASON_ADLER32, p);
    }
    if ((flags & LZO_F_CRC32_D) !== 0 && crc32Update(0, output, blockStart, blockEnd) !== dataCrc) {
      return lzoFail(EFI_CRC_ERROR, LZO_REASON_CRC32, p);
    }
    p = dataEnd;
  }
}

/**
 * Decodes one .lzo file (and the further parts of a multipart archive) from input[0, inputLength)
 * into output[0, outputCapacity).
 */
export function lzoDecode(input: Uint8Array, inputLength: number, output: Uint8Array, outputCapacity: number): number {
  lzoConsumed = 0;
  let inputEnd = inputLength | 0;
  if (inputEnd < 0) return decodeFail(EFI_UNSUPPORTED, LZO_REASON_INPUT_TOO_LARGE, 0);
  if (inputEnd > input.length) inputEnd = input.length;
  let capacity = outputCapacity | 0;
  if (capacity < 0) capacity = 0x7fffffff;
  if (capacity > output.length) capacity = output.length;
  if (inputEnd === 0) return decodeFail(EFI_COMPROMISED_DATA, LZO_REASON_EMPTY_INPUT, 0);
  if (!lzoHasMagic(input, 0, inputEnd)) return decodeFail(EFI_COMPROMISED_DATA, LZO_REASON_BAD_MAGIC, 0);
  let p = 0;
  let op = 0;
  while (lzoHasMagic(input, p, inputEnd)) {
    p = lzoParseHeader(input, p, inputEnd);
    if (p < 0) return decodeFail(lzoFailStatus, lzoFailReason, lzoFailOffset);
    op = lzoDecodeBlocks(input, p, inputEnd, output, op, capacity);
    if (op < 0) return decodeFail(lzoFailStatus, lzoFailReason, lzoFailOffset);
    p = lzoConsumed;
  }
  return decodeSucceed(op);
}
