/**
 * @fileoverview The .xz container (The .xz File Format 1.1.0, tukaani.org/xz/xz-file-format.txt):
 * streams of blocks, each block a filter chain over LZMA2 with an integrity check, an index
 * listing the blocks, a footer pointing back at the index; streams may be concatenated with
 * stream padding (null bytes in multiples of four) between and after them, as `xz -dc` accepts.
 *
 * Supported: LZMA2 as the last filter, BCJ x86 before it (any number of times, with or without
 * a start offset), checks None, CRC32 and CRC64. Refused with EFI_UNSUPPORTED and a reason naming
 * them: the other filters (Delta, PowerPC, IA-64, ARM, ARM-Thumb, SPARC, ARM64, RISC-V, unknown
 * IDs), the SHA-256 check and the reserved check IDs (xz only warns about unknown checks and
 * would decode without verifying; the stub verifies or refuses), reserved flag bits and non-null
 * header padding (the spec's "could be a field this decoder does not know").
 *
 * The index is validated against the blocks actually decoded: the record count, the sums of the
 * unpadded and uncompressed sizes (64-bit, as lo/hi halves) and a CRC-32 over the sequence of
 * records (each as four 32-bit words), so a record that differs from its block fails with
 * overwhelming probability without storing one entry per block (as liblzma's index hash does).
 *
 * The decoder stops at the end of the input: anything after the last stream other than stream
 * padding is refused (XZ_REASON_TRAILING_DATA), as `xz -dc` refuses it. kbuild's 4-byte size
 * trailer must be stripped by the caller; xzInputConsumed() tells where the last stream and its
 * padding ended.
 */
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_CRC_ERROR, EFI_SUCCESS, EFI_UNSUPPORTED } from '../efi/status';
import { uint32Below } from '../efi/address';
import { decodeFail, decodeSucceed } from './result';
import { crc32Update } from './crc32';
import { crc64High, crc64Update } from './crc64';
import { bcjX86Decode, bcjX86Reset } from './bcj-x86';
import {
  XZ_REASON_LZMA2_CONTROL_INVALID, XZ_REASON_LZMA2_MISSING_DICTIONARY_RESET, XZ_REASON_LZMA2_MISSING_PROPERTIES,
  XZ_REASON_LZMA2_OUTPUT_FULL, XZ_REASON_LZMA2_PAST_BLOCK_SIZE, XZ_REASON_LZMA2_PROPERTIES_INVALID,
  XZ_REASON_LZMA2_TRUNCATED, XZ_REASON_LZMA_COMPRESSED_SIZE, XZ_REASON_LZMA_DISTANCE, XZ_REASON_LZMA_NOT_FINISHED,
  XZ_REASON_LZMA_PAST_CHUNK_SIZE, XZ_REASON_LZMA_RANGE_INIT, lzma2DecodeBlock, lzma2InputPosition,
  lzma2OutputPosition,
} from './lzma2';

export const XZ_REASON_HEADER_TRUNCATED = 200;
export const XZ_REASON_HEADER_MAGIC = 201;
export const XZ_REASON_HEADER_FLAGS_RESERVED = 202;
export const XZ_REASON_HEADER_CRC = 203;
export const XZ_REASON_CHECK_SHA256_UNSUPPORTED = 204;
export const XZ_REASON_CHECK_UNKNOWN_UNSUPPORTED = 205;
export const XZ_REASON_BLOCK_HEADER_TRUNCATED = 206;
export const XZ_REASON_BLOCK_HEADER_CRC = 207;
export const XZ_REASON_BLOCK_FLAGS_RESERVED = 208;
export const XZ_REASON_VLI_INVALID = 209;
export const XZ_REASON_BLOCK_HEADER_OVERFLOW = 210;
export const XZ_REASON_BLOCK_HEADER_PADDING = 211;
export const XZ_REASON_COMPRESSED_SIZE_ZERO = 212;
export const XZ_REASON_FILTER_DELTA_UNSUPPORTED = 213;
export const XZ_REASON_FILTER_POWERPC_UNSUPPORTED = 214;
export const XZ_REASON_FILTER_IA64_UNSUPPORTED = 215;
export const XZ_REASON_FILTER_ARM_UNSUPPORTED = 216;
export const XZ_REASON_FILTER_ARMTHUMB_UNSUPPORTED = 217;
export const XZ_REASON_FILTER_SPARC_UNSUPPORTED = 218;
export const XZ_REASON_FILTER_ARM64_UNSUPPORTED = 219;
export const XZ_REASON_FILTER_RISCV_UNSUPPORTED = 220;
export const XZ_REASON_FILTER_UNKNOWN_UNSUPPORTED = 221;
export const XZ_REASON_FILTER_CHAIN_INVALID = 222;
export const XZ_REASON_FILTER_PROPERTIES_SIZE = 223;
export const XZ_REASON_LZMA2_DICTIONARY_SIZE = 224;
export const XZ_REASON_COMPRESSED_SIZE_MISMATCH = 225;
export const XZ_REASON_UNCOMPRESSED_SIZE_MISMATCH = 226;
export const XZ_REASON_BLOCK_PADDING = 227;
export const XZ_REASON_BLOCK_TRUNCATED = 228;
export const XZ_REASON_CHECK_CRC32_MISMATCH = 229;
export const XZ_REASON_CHECK_CRC64_MISMATCH = 230;
export const XZ_REASON_INDEX_TRUNCATED = 231;
export const XZ_REASON_INDEX_COUNT_MISMATCH = 232;
export const XZ_REASON_INDEX_RECORD_MISMATCH = 233;
export const XZ_REASON_INDEX_PADDING = 234;
export const XZ_REASON_INDEX_CRC = 235;
export const XZ_REASON_FOOTER_TRUNCATED = 236;
export const XZ_REASON_FOOTER_MAGIC = 237;
export const XZ_REASON_FOOTER_CRC = 238;
export const XZ_REASON_FOOTER_BACKWARD_SIZE = 239;
export const XZ_REASON_FOOTER_FLAGS_MISMATCH = 240;
export const XZ_REASON_STREAM_PADDING = 241;
export const XZ_REASON_TRAILING_DATA = 242;
export const XZ_REASON_OUTPUT_FULL = 243;
export const XZ_REASON_TOO_MANY_BLOCKS = 244;

const XZ_CHECK_NONE = 0;
const XZ_CHECK_CRC32 = 1;
const XZ_CHECK_CRC64 = 4;
const XZ_CHECK_SHA256 = 10;

const XZ_FILTER_DELTA = 0x03;
const XZ_FILTER_X86 = 0x04;
const XZ_FILTER_POWERPC = 0x05;
const XZ_FILTER_IA64 = 0x06;
const XZ_FILTER_ARM = 0x07;
const XZ_FILTER_ARMTHUMB = 0x08;
const XZ_FILTER_SPARC = 0x09;
const XZ_FILTER_ARM64 = 0x0a;
const XZ_FILTER_RISCV = 0x0b;
const XZ_FILTER_LZMA2 = 0x21;

// xzState: positions and the running record summary of the stream being decoded.
const XZ_STATE_POS = 0;
const XZ_STATE_OUT_POS = 1;
const XZ_STATE_BLOCK_COUNT = 2;
const XZ_STATE_RECORDS_CRC = 3;
const XZ_STATE_UNPADDED_LO = 4;
const XZ_STATE_UNPADDED_HI = 5;
const XZ_STATE_UNCOMPRESSED_LO = 6;
const XZ_STATE_UNCOMPRESSED_HI = 7;
const XZ_STATE_CONSUMED = 8;
const xzState = new Int32Array(new ArrayBuffer(64));
/** The value of the last xzReadVli, as lo/hi halves. */
const xzVli = new Int32Array(new ArrayBuffer(8));
/** One index record as four little-endian words, hashed into XZ_STATE_RECORDS_CRC. */
const xzRecordBytes = new Uint8Array(new ArrayBuffer(16));
/** Start offsets of the BCJ x86 filters of the current block, by filter index. */
const xzBcjOffsets = new Int32Array(new ArrayBuffer(16));
/** The LZMA2 dictionary size byte of the current block. */
const xzDictionaryByte = new Int32Array(new ArrayBuffer(4));

/** Input bytes consumed by the last successful xzDecode (all streams and stream padding). */
export function xzInputConsumed(): number {
  return xzState[XZ_STATE_CONSUMED];
}

function xzRead32(input: Uint8Array, pos: number): number {
  return input[pos] | (input[(pos + 1) | 0] << 8) | (input[(pos + 2) | 0] << 16) | (input[(pos + 3) | 0] << 24);
}

/**
 * Reads a variable-length integer (7 bits per byte, little-endian groups, high bit = more;
 * at most 9 bytes, no redundant trailing zero group) from input[pos, limit). Returns the
 * position after it with the value in xzVli, -1 when malformed, -2 when it runs past limit.
 */
function xzReadVli(input: Uint8Array, pos: number, limit: number): number {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 9; i++) {
    if (pos >= limit) {
      return -2;
    }
    const byte = input[pos];
    pos = (pos + 1) | 0;
    const bits = byte & 0x7f;
    const shift = (i * 7) | 0;
    if (shift < 32) {
      lo = lo | (bits << shift);
      if (shift > 25) {
        hi = hi | (bits >>> (32 - shift));
      }
    } else {
      hi = hi | (bits << (shift - 32));
    }
    if ((byte & 0x80) === 0) {
      if (byte === 0 && i > 0) {
        return -1;
      }
      xzVli[0] = lo;
      xzVli[1] = hi;
      return pos;
    }
  }
  return -1;
}

/** Adds (lo, hi) to the 64-bit sum at xzState[index], xzState[index + 1]. */
function xzAdd64(index: number, lo: number, hi: number): void {
  const oldLo = xzState[index];
  const sumLo = (oldLo + lo) | 0;
  const carry = uint32Below(sumLo, oldLo) ? 1 : 0;
  xzState[index] = sumLo;
  xzState[(index + 1) | 0] = (xzState[(index + 1) | 0] + hi + carry) | 0;
}

/** Folds one (unpadded, uncompressed) record into the running record CRC. */
function xzHashRecord(unpaddedLo: number, unpaddedHi: number, uncompressedLo: number, uncompressedHi: number): void {
  for (let i = 0; i < 4; i++) {
    const shift = (i << 3) | 0;
    xzRecordBytes[i] = (unpaddedLo >>> shift) & 0xff;
    xzRecordBytes[(4 + i) | 0] = (unpaddedHi >>> shift) & 0xff;
    xzRecordBytes[(8 + i) | 0] = (uncompressedLo >>> shift) & 0xff;
    xzRecordBytes[(12 + i) | 0] = (uncompressedHi >>> shift) & 0xff;
  }
  xzState[XZ_STATE_RECORDS_CRC] = crc32Update(xzState[XZ_STATE_RECORDS_CRC] >>> 0, xzRecordBytes, 0, 16);
  xzAdd64(XZ_STATE_UNPADDED_LO, unpaddedLo, unpaddedHi);
  xzAdd64(XZ_STATE_UNCOMPRESSED_LO, uncompressedLo, uncompressedHi);
}

function xzCheckSize(checkType: number): number {
  if (checkType === 0) {
    return 0;
  }
  // Check IDs 1-3: 4 bytes, 4-6: 8, 7-9: 16, 10-12: 32, 13-15: 64 (format §2.1.1.2).
  return 4 << (((checkType - 1) / 3) | 0);
}

/**
 * Decodes a whole .xz file: every stream in input[0, inputLength), with stream padding, into
 * output[0, outputCapacity). Returns EFI_SUCCESS with decodeSucceed(length), or a failure with an
 * XZ_REASON_* code.
 */
export function xzDecode(input: Uint8Array, inputLength: number, output: Uint8Array, outputCapacity: number): number {
  let pos = 0;
  let outPos = 0;
  let streams = 0;
  // Each pass consumes a stream (at least 32 bytes), so the loop ends.
  for (;;) {
    if (((inputLength - pos) | 0) < 12) {
      return decodeFail(EFI_COMPROMISED_DATA, streams === 0 ? XZ_REASON_HEADER_TRUNCATED : XZ_REASON_TRAILING_DATA, pos);
    }
    const status = xzDecodeStream(input, pos, inputLength, output, outPos, outputCapacity, streams === 0);
    if (status !== EFI_SUCCESS) {
      return status;
    }
    streams = (streams + 1) | 0;
    pos = xzState[XZ_STATE_POS];
    outPos = xzState[XZ_STATE_OUT_POS];
    // Stream padding: null bytes, a multiple of four in all.
    const paddingStart = pos;
    while (pos < inputLength && input[pos] === 0) {
      pos = (pos + 1) | 0;
    }
    if ((((pos - paddingStart) | 0) & 3) !== 0) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_STREAM_PADDING, paddingStart);
    }
    if (pos === inputLength) {
      break;
    }
  }
  xzState[XZ_STATE_CONSUMED] = pos;
  return decodeSucceed(outPos);
}

/** One stream at input[pos]: header, blocks, index, footer. Leaves positions in xzState. */
function xzDecodeStream(input: Uint8Array, pos: number, inputLength: number, output: Uint8Array, outPos: number,
  outputCapacity: number, first: boolean): number {
  if (input[pos] !== 0xfd || input[(pos + 1) | 0] !== 0x37 || input[(pos + 2) | 0] !== 0x7a ||
    input[(pos + 3) | 0] !== 0x58 || input[(pos + 4) | 0] !== 0x5a || input[(pos + 5) | 0] !== 0) {
    return decodeFail(EFI_COMPROMISED_DATA, first ? XZ_REASON_HEADER_MAGIC : XZ_REASON_TRAILING_DATA, pos);
  }
  if (crc32Update(0, input, (pos + 6) | 0, (pos + 8) | 0) !== (xzRead32(input, (pos + 8) | 0) >>> 0)) {
    return decodeFail(EFI_CRC_ERROR, XZ_REASON_HEADER_CRC, (pos + 6) | 0);
  }
  const flags0 = input[(pos + 6) | 0];
  const flags1 = input[(pos + 7) | 0];
  if (flags0 !== 0 || (flags1 & 0xf0) !== 0) {
    return decodeFail(EFI_UNSUPPORTED, XZ_REASON_HEADER_FLAGS_RESERVED, (pos + 6) | 0);
  }
  const checkType = flags1;
  if (checkType === XZ_CHECK_SHA256) {
    return decodeFail(EFI_UNSUPPORTED, XZ_REASON_CHECK_SHA256_UNSUPPORTED, (pos + 7) | 0);
  }
  if (checkType !== XZ_CHECK_NONE && checkType !== XZ_CHECK_CRC32 && checkType !== XZ_CHECK_CRC64) {
    return decodeFail(EFI_UNSUPPORTED, XZ_REASON_CHECK_UNKNOWN_UNSUPPORTED, (pos + 7) | 0);
  }
  pos = (pos + 12) | 0;
  xzState[XZ_STATE_BLOCK_COUNT] = 0;
  xzState[XZ_STATE_RECORDS_CRC] = 0;
  xzState[XZ_STATE_UNPADDED_LO] = 0;
  xzState[XZ_STATE_UNPADDED_HI] = 0;
  xzState[XZ_STATE_UNCOMPRESSED_LO] = 0;
  xzState[XZ_STATE_UNCOMPRESSED_HI] = 0;

  // Blocks until the index indicator (a null byte where a block header size would be). Each
  // block consumes at least its 8-byte header.
  for (;;) {
    if (pos >= inputLength) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_INDEX_TRUNCATED, pos);
    }
    if (input[pos] === 0) {
      break;
    }
    const status = xzDecodeBlock(input, pos, inputLength, output, outPos, outputCapacity, checkType);
    if (status !== EFI_SUCCESS) {
      return status;
    }
    pos = xzState[XZ_STATE_POS];
    outPos = xzState[XZ_STATE_OUT_POS];
  }

  const indexStart = pos;
  const indexStatus = xzDecodeIndex(input, pos, inputLength);
  if (indexStatus !== EFI_SUCCESS) {
    return indexStatus;
  }
  pos = xzState[XZ_STATE_POS];

  // Stream footer: CRC32, backward size, flags, "YZ".
  if (((inputLength - pos) | 0) < 12) {
    return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_FOOTER_TRUNCATED, pos);
  }
  if (input[(pos + 10) | 0] !== 0x59 || input[(pos + 11) | 0] !== 0x5a) {
    return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_FOOTER_MAGIC, (pos + 10) | 0);
  }
  if (crc32Update(0, input, (pos + 4) | 0, (pos + 10) | 0) !== (xzRead32(input, pos) >>> 0)) {
    return decodeFail(EFI_CRC_ERROR, XZ_REASON_FOOTER_CRC, pos);
  }
  const backwardSize = ((((pos - indexStart) | 0) >> 2) - 1) | 0;
  if (xzRead32(input, (pos + 4) | 0) !== backwardSize) {
    return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_FOOTER_BACKWARD_SIZE, (pos + 4) | 0);
  }
  if (input[(pos + 8) | 0] !== flags0 || input[(pos + 9) | 0] !== flags1) {
    return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_FOOTER_FLAGS_MISMATCH, (pos + 8) | 0);
  }
  xzState[XZ_STATE_POS] = (pos + 12) | 0;
  xzState[XZ_STATE_OUT_POS] = outPos;
  return EFI_SUCCESS;
}

/** Parses one block header at input[pos], filling xzBcjOffsets; returns a status, filter count in xzState. */
function xzDecodeBlock(input: Uint8Array, pos: number, inputLength: number, output: Uint8Array, outPos: number,
  outputCapacity: number, checkType: number): number {
  const headerSize = ((input[pos] + 1) << 2) | 0;
  if (((inputLength - pos) | 0) < headerSize) {
    return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_BLOCK_HEADER_TRUNCATED, pos);
  }
  const headerEnd = (pos + headerSize - 4) | 0;
  if (crc32Update(0, input, pos, headerEnd) !== (xzRead32(input, headerEnd) >>> 0)) {
    return decodeFail(EFI_CRC_ERROR, XZ_REASON_BLOCK_HEADER_CRC, headerEnd);
  }
  const flags = input[(pos + 1) | 0];
  if ((flags & 0x3c) !== 0) {
    return decodeFail(EFI_UNSUPPORTED, XZ_REASON_BLOCK_FLAGS_RESERVED, (pos + 1) | 0);
  }
  const filterCount = ((flags & 3) + 1) | 0;
  let p = (pos + 2) | 0;
  const hasCompressedSize = (flags & 0x40) !== 0;
  const hasUncompressedSize = (flags & 0x80) !== 0;
  let compressedLo = 0;
  let compressedHi = 0;
  let uncompressedLo = 0;
  let uncompressedHi = 0;
  if (hasCompressedSize) {
    p = xzReadVli(input, p, headerEnd);
    if (p < 0) {
      return decodeFail(EFI_COMPROMISED_DATA, p === -1 ? XZ_REASON_VLI_INVALID : XZ_REASON_BLOCK_HEADER_OVERFLOW, pos);
    }
    compressedLo = xzVli[0];
    compressedHi = xzVli[1];
    if (compressedLo === 0 && compressedHi === 0) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_COMPRESSED_SIZE_ZERO, pos);
    }
  }
  if (hasUncompressedSize) {
    p = xzReadVli(input, p, headerEnd);
    if (p < 0) {
      return decodeFail(EFI_COMPROMISED_DATA, p === -1 ? XZ_REASON_VLI_INVALID : XZ_REASON_BLOCK_HEADER_OVERFLOW, pos);
    }
    uncompressedLo = xzVli[0];
    uncompressedHi = xzVli[1];
  }
  const filterStatus = xzParseFilters(input, p, headerEnd, filterCount);
  if (filterStatus !== EFI_SUCCESS) {
    return filterStatus;
  }

  const dataStart = (pos + headerSize) | 0;
  let dataLimit = inputLength;
  if (hasCompressedSize) {
    if (compressedHi !== 0 || uint32Below((inputLength - dataStart) | 0, compressedLo)) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_BLOCK_TRUNCATED, dataStart);
    }
    dataLimit = (dataStart + compressedLo) | 0;
  }
  let outLimit = outputCapacity;
  if (hasUncompressedSize) {
    if (uncompressedHi !== 0 || uint32Below((outputCapacity - outPos) | 0, uncompressedLo)) {
      return decodeFail(EFI_BUFFER_TOO_SMALL, XZ_REASON_OUTPUT_FULL, dataStart);
    }
    outLimit = (outPos + uncompressedLo) | 0;
  }
  const status = lzma2DecodeBlock(input, dataStart, dataLimit, output, outPos, outLimit, hasUncompressedSize,
    xzDictionaryByte[0]);
  if (status !== EFI_SUCCESS) {
    return status;
  }
  let dataEnd = lzma2InputPosition();
  const blockEnd = lzma2OutputPosition();
  if (hasCompressedSize && dataEnd !== dataLimit) {
    return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_COMPRESSED_SIZE_MISMATCH, dataEnd);
  }
  if (hasUncompressedSize && blockEnd !== outLimit) {
    return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_UNCOMPRESSED_SIZE_MISMATCH, dataEnd);
  }
  const compressedSize = (dataEnd - dataStart) | 0;

  // The filters before LZMA2 undo their encoding in reverse chain order.
  for (let i = (filterCount - 2) | 0; i >= 0; i--) {
    bcjX86Reset(xzBcjOffsets[i]);
    bcjX86Decode(output, outPos, blockEnd);
  }

  // Block padding to a multiple of four, then the check.
  while ((((dataEnd - dataStart) | 0) & 3) !== 0) {
    if (dataEnd >= inputLength) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_BLOCK_TRUNCATED, dataEnd);
    }
    if (input[dataEnd] !== 0) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_BLOCK_PADDING, dataEnd);
    }
    dataEnd = (dataEnd + 1) | 0;
  }
  const checkSize = xzCheckSize(checkType);
  if (((inputLength - dataEnd) | 0) < checkSize) {
    return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_BLOCK_TRUNCATED, dataEnd);
  }
  if (checkType === XZ_CHECK_CRC32) {
    if (crc32Update(0, output, outPos, blockEnd) !== (xzRead32(input, dataEnd) >>> 0)) {
      return decodeFail(EFI_CRC_ERROR, XZ_REASON_CHECK_CRC32_MISMATCH, dataEnd);
    }
  } else if (checkType === XZ_CHECK_CRC64) {
    const lo = crc64Update(0, 0, output, outPos, blockEnd);
    if (lo !== (xzRead32(input, dataEnd) >>> 0) || crc64High() !== (xzRead32(input, (dataEnd + 4) | 0) >>> 0)) {
      return decodeFail(EFI_CRC_ERROR, XZ_REASON_CHECK_CRC64_MISMATCH, dataEnd);
    }
  }
  const blockCount = xzState[XZ_STATE_BLOCK_COUNT];
  if (blockCount === 0x7fffffff) {
    return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_TOO_MANY_BLOCKS, pos);
  }
  xzState[XZ_STATE_BLOCK_COUNT] = (blockCount + 1) | 0;
  xzHashRecord((headerSize + compressedSize + checkSize) | 0, 0, (blockEnd - outPos) | 0, 0);
  xzState[XZ_STATE_POS] = (dataEnd + checkSize) | 0;
  xzState[XZ_STATE_OUT_POS] = blockEnd;
  return EFI_SUCCESS;
}

/** The filter flags of a block header in input[p, headerEnd), then the header padding. */
function xzParseFilters(input: Uint8Array, p: number, headerEnd: number, filterCount: number): number {
  for (let i = 0; i < filterCount; i++) {
    const last = i === ((filterCount - 1) | 0);
    p = xzReadVli(input, p, headerEnd);
    if (p < 0) {
      return decodeFail(EFI_COMPROMISED_DATA, p === -1 ? XZ_REASON_VLI_INVALID : XZ_REASON_BLOCK_HEADER_OVERFLOW, headerEnd);
    }
    const id = xzVli[1] !== 0 ? -1 : xzVli[0];
    p = xzReadVli(input, p, headerEnd);
    if (p < 0) {
      return decodeFail(EFI_COMPROMISED_DATA, p === -1 ? XZ_REASON_VLI_INVALID : XZ_REASON_BLOCK_HEADER_OVERFLOW, headerEnd);
    }
    const propertiesSize = xzVli[0];
    if (xzVli[1] !== 0 || uint32Below((headerEnd - p) | 0, propertiesSize)) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_BLOCK_HEADER_OVERFLOW, p);
    }
    switch (id) {
      case XZ_FILTER_LZMA2: {
        if (!last) {
          return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_FILTER_CHAIN_INVALID, p);
        }
        if (propertiesSize !== 1) {
          return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_FILTER_PROPERTIES_SIZE, p);
        }
        // Dictionary size byte: 0..40 (bits 6-7 reserved). The output buffer is the dictionary;
        // the size bounds the distances.
        if (input[p] > 40) {
          return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_LZMA2_DICTIONARY_SIZE, p);
        }
        xzDictionaryByte[0] = input[p];
        break;
      }
      case XZ_FILTER_X86: {
        if (last) {
          return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_FILTER_CHAIN_INVALID, p);
        }
        if (propertiesSize === 0) {
          xzBcjOffsets[i] = 0;
        } else if (propertiesSize === 4) {
          xzBcjOffsets[i] = xzRead32(input, p);
        } else {
          return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_FILTER_PROPERTIES_SIZE, p);
        }
        break;
      }
      case XZ_FILTER_DELTA: return decodeFail(EFI_UNSUPPORTED, XZ_REASON_FILTER_DELTA_UNSUPPORTED, p);
      case XZ_FILTER_POWERPC: return decodeFail(EFI_UNSUPPORTED, XZ_REASON_FILTER_POWERPC_UNSUPPORTED, p);
      case XZ_FILTER_IA64: return decodeFail(EFI_UNSUPPORTED, XZ_REASON_FILTER_IA64_UNSUPPORTED, p);
      case XZ_FILTER_ARM: return decodeFail(EFI_UNSUPPORTED, XZ_REASON_FILTER_ARM_UNSUPPORTED, p);
      case XZ_FILTER_ARMTHUMB: return decodeFail(EFI_UNSUPPORTED, XZ_REASON_FILTER_ARMTHUMB_UNSUPPORTED, p);
      case XZ_FILTER_SPARC: return decodeFail(EFI_UNSUPPORTED, XZ_REASON_FILTER_SPARC_UNSUPPORTED, p);
      case XZ_FILTER_ARM64: return decodeFail(EFI_UNSUPPORTED, XZ_REASON_FILTER_ARM64_UNSUPPORTED, p);
      case XZ_FILTER_RISCV: return decodeFail(EFI_UNSUPPORTED, XZ_REASON_FILTER_RISCV_UNSUPPORTED, p);
      default: return decodeFail(EFI_UNSUPPORTED, XZ_REASON_FILTER_UNKNOWN_UNSUPPORTED, p);
    }
    p = (p + propertiesSize) | 0;
  }
  while (p < headerEnd) {
    if (input[p] !== 0) {
      return decodeFail(EFI_UNSUPPORTED, XZ_REASON_BLOCK_HEADER_PADDING, p);
    }
    p = (p + 1) | 0;
  }
  return EFI_SUCCESS;
}

/** The index at input[pos] (its indicator byte is 0), checked against the decoded blocks. */
function xzDecodeIndex(input: Uint8Array, pos: number, inputLength: number): number {
  let p = xzReadVli(input, (pos + 1) | 0, inputLength);
  if (p < 0) {
    return decodeFail(EFI_COMPROMISED_DATA, p === -1 ? XZ_REASON_VLI_INVALID : XZ_REASON_INDEX_TRUNCATED, pos);
  }
  const blockCount = xzState[XZ_STATE_BLOCK_COUNT];
  if (xzVli[1] !== 0 || xzVli[0] !== blockCount) {
    return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_INDEX_COUNT_MISMATCH, pos);
  }
  const blocksCrc = xzState[XZ_STATE_RECORDS_CRC];
  const unpaddedLo = xzState[XZ_STATE_UNPADDED_LO];
  const unpaddedHi = xzState[XZ_STATE_UNPADDED_HI];
  const uncompressedLo = xzState[XZ_STATE_UNCOMPRESSED_LO];
  const uncompressedHi = xzState[XZ_STATE_UNCOMPRESSED_HI];
  xzState[XZ_STATE_RECORDS_CRC] = 0;
  xzState[XZ_STATE_UNPADDED_LO] = 0;
  xzState[XZ_STATE_UNPADDED_HI] = 0;
  xzState[XZ_STATE_UNCOMPRESSED_LO] = 0;
  xzState[XZ_STATE_UNCOMPRESSED_HI] = 0;
  // Bounded by the number of blocks decoded, each of which consumed input.
  for (let i = 0; i < blockCount; i++) {
    p = xzReadVli(input, p, inputLength);
    if (p < 0) {
      return decodeFail(EFI_COMPROMISED_DATA, p === -1 ? XZ_REASON_VLI_INVALID : XZ_REASON_INDEX_TRUNCATED, pos);
    }
    const recordUnpaddedLo = xzVli[0];
    const recordUnpaddedHi = xzVli[1];
    p = xzReadVli(input, p, inputLength);
    if (p < 0) {
      return decodeFail(EFI_COMPROMISED_DATA, p === -1 ? XZ_REASON_VLI_INVALID : XZ_REASON_INDEX_TRUNCATED, pos);
    }
    xzHashRecord(recordUnpaddedLo, recordUnpaddedHi, xzVli[0], xzVli[1]);
  }
  if (xzState[XZ_STATE_RECORDS_CRC] !== blocksCrc || xzState[XZ_STATE_UNPADDED_LO] !== unpaddedLo ||
    xzState[XZ_STATE_UNPADDED_HI] !== unpaddedHi || xzState[XZ_STATE_UNCOMPRESSED_LO] !== uncompressedLo ||
    xzState[XZ_STATE_UNCOMPRESSED_HI] !== uncompressedHi) {
    return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_INDEX_RECORD_MISMATCH, pos);
  }
  while ((((p - pos) | 0) & 3) !== 0) {
    if (p >= inputLength) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_INDEX_TRUNCATED, p);
    }
    if (input[p] !== 0) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_INDEX_PADDING, p);
    }
    p = (p + 1) | 0;
  }
  if (((inputLength - p) | 0) < 4) {
    return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_INDEX_TRUNCATED, p);
  }
  if (crc32Update(0, input, pos, p) !== (xzRead32(input, p) >>> 0)) {
    return decodeFail(EFI_CRC_ERROR, XZ_REASON_INDEX_CRC, p);
  }
  xzState[XZ_STATE_POS] = (p + 4) | 0;
  return EFI_SUCCESS;
}

/** Short lower-case text for an XZ_REASON_* code. */
export function xzReasonText(reason: number): string {
  switch (reason) {
    case XZ_REASON_HEADER_TRUNCATED: return 'input shorter than a stream header';
    case XZ_REASON_HEADER_MAGIC: return 'not an xz stream (bad header magic)';
    case XZ_REASON_HEADER_FLAGS_RESERVED: return 'unsupported stream flags (reserved bits set)';
    case XZ_REASON_HEADER_CRC: return 'stream header crc32 mismatch';
    case XZ_REASON_CHECK_SHA256_UNSUPPORTED: return 'sha-256 check not supported';
    case XZ_REASON_CHECK_UNKNOWN_UNSUPPORTED: return 'unknown check type not supported';
    case XZ_REASON_BLOCK_HEADER_TRUNCATED: return 'block header truncated';
    case XZ_REASON_BLOCK_HEADER_CRC: return 'block header crc32 mismatch';
    case XZ_REASON_BLOCK_FLAGS_RESERVED: return 'unsupported block flags (reserved bits set)';
    case XZ_REASON_VLI_INVALID: return 'invalid variable-length integer';
    case XZ_REASON_BLOCK_HEADER_OVERFLOW: return 'block header fields overrun the header';
    case XZ_REASON_BLOCK_HEADER_PADDING: return 'unsupported block header (non-null padding)';
    case XZ_REASON_COMPRESSED_SIZE_ZERO: return 'block compressed size is zero';
    case XZ_REASON_FILTER_DELTA_UNSUPPORTED: return 'delta filter not supported';
    case XZ_REASON_FILTER_POWERPC_UNSUPPORTED: return 'powerpc bcj filter not supported';
    case XZ_REASON_FILTER_IA64_UNSUPPORTED: return 'ia-64 bcj filter not supported';
    case XZ_REASON_FILTER_ARM_UNSUPPORTED: return 'arm bcj filter not supported';
    case XZ_REASON_FILTER_ARMTHUMB_UNSUPPORTED: return 'arm-thumb bcj filter not supported';
    case XZ_REASON_FILTER_SPARC_UNSUPPORTED: return 'sparc bcj filter not supported';
    case XZ_REASON_FILTER_ARM64_UNSUPPORTED: return 'arm64 bcj filter not supported';
    case XZ_REASON_FILTER_RISCV_UNSUPPORTED: return 'risc-v bcj filter not supported';
    case XZ_REASON_FILTER_UNKNOWN_UNSUPPORTED: return 'unknown filter not supported';
    case XZ_REASON_FILTER_CHAIN_INVALID: return 'invalid filter chain (lzma2 must be last, and only last)';
    case XZ_REASON_FILTER_PROPERTIES_SIZE: return 'invalid filter properties size';
    case XZ_REASON_LZMA2_DICTIONARY_SIZE: return 'invalid lzma2 dictionary size';
    case XZ_REASON_COMPRESSED_SIZE_MISMATCH: return 'block compressed size does not match its header';
    case XZ_REASON_UNCOMPRESSED_SIZE_MISMATCH: return 'block uncompressed size does not match its header';
    case XZ_REASON_BLOCK_PADDING: return 'non-null block padding';
    case XZ_REASON_BLOCK_TRUNCATED: return 'block truncated';
    case XZ_REASON_CHECK_CRC32_MISMATCH: return 'block crc32 mismatch';
    case XZ_REASON_CHECK_CRC64_MISMATCH: return 'block crc64 mismatch';
    case XZ_REASON_INDEX_TRUNCATED: return 'index truncated';
    case XZ_REASON_INDEX_COUNT_MISMATCH: return 'index record count does not match the blocks';
    case XZ_REASON_INDEX_RECORD_MISMATCH: return 'index records do not match the blocks';
    case XZ_REASON_INDEX_PADDING: return 'non-null index padding';
    case XZ_REASON_INDEX_CRC: return 'index crc32 mismatch';
    case XZ_REASON_FOOTER_TRUNCATED: return 'stream footer truncated';
    case XZ_REASON_FOOTER_MAGIC: return 'bad stream footer magic';
    case XZ_REASON_FOOTER_CRC: return 'stream footer crc32 mismatch';
    case XZ_REASON_FOOTER_BACKWARD_SIZE: return 'stream footer backward size does not match the index';
    case XZ_REASON_FOOTER_FLAGS_MISMATCH: return 'stream footer flags differ from the header';
    case XZ_REASON_STREAM_PADDING: return 'stream padding not a multiple of four bytes';
    case XZ_REASON_TRAILING_DATA: return 'data after the last stream';
    case XZ_REASON_OUTPUT_FULL: return 'output buffer too small';
    case XZ_REASON_TOO_MANY_BLOCKS: return 'too many blocks';
    case XZ_REASON_LZMA2_TRUNCATED: return 'lzma2 data truncated';
    case XZ_REASON_LZMA2_CONTROL_INVALID: return 'invalid lzma2 control byte';
    case XZ_REASON_LZMA2_MISSING_DICTIONARY_RESET: return 'first lzma2 chunk does not reset the dictionary';
    case XZ_REASON_LZMA2_MISSING_PROPERTIES: return 'lzma2 chunk after a dictionary reset without properties';
    case XZ_REASON_LZMA2_PROPERTIES_INVALID: return 'invalid lzma2 lc/lp/pb properties';
    case XZ_REASON_LZMA2_OUTPUT_FULL: return 'output buffer too small';
    case XZ_REASON_LZMA2_PAST_BLOCK_SIZE: return 'lzma2 data exceeds the block uncompressed size';
    case XZ_REASON_LZMA_RANGE_INIT: return 'invalid range coder initialisation';
    case XZ_REASON_LZMA_DISTANCE: return 'invalid distance too far back';
    case XZ_REASON_LZMA_PAST_CHUNK_SIZE: return 'lzma data exceeds the chunk uncompressed size';
    case XZ_REASON_LZMA_NOT_FINISHED: return 'range coder not finished at the end of the chunk';
    case XZ_REASON_LZMA_COMPRESSED_SIZE: return 'lzma chunk compressed size mismatch';
    default: return 'unknown reason';
  }
}
