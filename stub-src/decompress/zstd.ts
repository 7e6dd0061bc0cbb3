/**
 * @fileoverview zstd decoder (RFC 8878): frames, blocks and literals sections; the entropy parts
 * live in zstd-fse.ts, zstd-huffman.ts and zstd-sequences.ts, the checksum in zstd-xxhash.ts and
 * the reason codes (400–499) in zstd-reasons.ts.
 *
 * zstdDecode takes what `zstd` writes (kbuild: `zstd -22 --ultra`) and accepts what `zstd -dc`
 * accepts: any number of zstd frames and skippable frames, one after the other, each zstd frame
 * decoded into the output after the previous one. The output buffer is the window, so any window
 * size up to 2^31 works (the CLI's 128 MiB default limit is a memory policy, not the format).
 * Like the CLI it refuses an empty input and bytes after the last frame that are not a frame
 * (kbuild's 4-byte size trailer must be stripped by the caller; zstdInputConsumed() tells where
 * the last complete frame ended, also after a failure). Not implemented: dictionaries (a
 * non-zero Dictionary_ID is EFI_UNSUPPORTED). Stricter than zstd 1.5.4 in one place, where the
 * RFC says "must": set reserved bits of Symbol_Compression_Modes (its encoder never sets them).
 *
 * Sizes are below 2^31: inputLength and outputCapacity are the lengths of Uint8Arrays on a 32-bit
 * heap, so the plain signed comparisons of positions below are exact.
 */
import { EFI_SUCCESS } from '../efi/status';
import { uint32Below } from '../efi/address';
import { decodeFail, decodeSucceed } from './result';
import { zstdHuffmanDecodeLiterals, zstdHuffmanHasTable, zstdHuffmanReadTree, zstdHuffmanReset,
  zstdHuffmanTreeSize, zstdLiterals } from './zstd-huffman';
import { zstdSequencesDecode, zstdSequencesOutputPosition, zstdSequencesReset } from './zstd-sequences';
import { zstdXxh64Begin, zstdXxh64Finish, zstdXxh64Stripes } from './zstd-xxhash';
import { lzFill } from './lz-copy';
import {
  ZSTD_REASON_BAD_MAGIC, ZSTD_REASON_BLOCK_HEADER_TRUNCATED, ZSTD_REASON_BLOCK_TOO_LARGE,
  ZSTD_REASON_BLOCK_TRUNCATED, ZSTD_REASON_BLOCK_TYPE_RESERVED, ZSTD_REASON_CHECKSUM_MISMATCH,
  ZSTD_REASON_CHECKSUM_TRUNCATED, ZSTD_REASON_CONTENT_SIZE_MISMATCH, ZSTD_REASON_CONTENT_SIZE_TOO_LARGE,
  ZSTD_REASON_DICTIONARY, ZSTD_REASON_FRAME_HEADER_TRUNCATED, ZSTD_REASON_HUFFMAN_TREELESS_WITHOUT_TABLE,
  ZSTD_REASON_INPUT_EMPTY, ZSTD_REASON_LITERALS_FOUR_STREAMS_TOO_SMALL, ZSTD_REASON_LITERALS_HEADER_TRUNCATED,
  ZSTD_REASON_LITERALS_TOO_LARGE, ZSTD_REASON_LITERALS_TRUNCATED, ZSTD_REASON_OUTPUT_TOO_SMALL,
  ZSTD_REASON_RESERVED_BIT, ZSTD_REASON_SKIPPABLE_TRUNCATED, ZSTD_REASON_WINDOW_TOO_LARGE, zstdReasonMessage,
  zstdReasonStatus,
} from './zstd-reasons';

const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames: 0x184D2A50..0x184D2A5F (§3.1.2). */
const ZSTD_SKIPPABLE_MAGIC = 0x184d2a50;
const ZSTD_BLOCK_SIZE_MAX = 131072;

const ZSTD_BLOCK_RAW = 0;
const ZSTD_BLOCK_RLE = 1;
const ZSTD_BLOCK_COMPRESSED = 2;

const ZSTD_LITERALS_RAW = 0;
const ZSTD_LITERALS_RLE = 1;
const ZSTD_LITERALS_COMPRESSED = 2;


/** Input offset after the last complete frame. */
let zstdConsumed = 0;

// Per-frame values the block decoder needs.
let zstdFrameStart = 0;
let zstdBlockMaximum = 0;
/** Output position after the last block (set by zstdDecodeCompressedBlock). */
let zstdOutputEnd = 0;

/** Input bytes taken by the frames decoded completely by the last zstdDecode call. */
export function zstdInputConsumed(): number {
  return zstdConsumed;
}

export function zstdReasonText(reason: number): string {
  return zstdReasonMessage(reason);
}

function zstdFail(reason: number, inputOffset: number): number {
  return decodeFail(zstdReasonStatus(reason), reason, inputOffset);
}

function zstdRead32(src: Uint8Array, at: number): number {
  return (src[at] | (src[(at + 1) | 0] << 8) | (src[(at + 2) | 0] << 16) | (src[(at + 3) | 0] << 24)) >>> 0;
}

/**
 * Decodes the compressed block src[start, end) to out from outputStart (§3.1.1.3): literals
 * section, then sequences section. Returns 0 (zstdOutputEnd is the new output position) or a
 * reason.
 */
function zstdDecodeCompressedBlock(src: Uint8Array, start: number, end: number, out: Uint8Array, outputStart: number,
  capacity: number): number {
  // Literals_Section_Header (§3.1.1.3.1.1).
  const first = src[start];
  const type = first & 3;
  const sizeFormat = (first >> 2) & 3;
  let regenerated = 0;
  let compressed = 0;
  let headerSize = 1;
  let fourStreams = false;
  if (type === ZSTD_LITERALS_RAW || type === ZSTD_LITERALS_RLE) {
    if (sizeFormat === 1) headerSize = 2;
    else if (sizeFormat === 3) headerSize = 3;
  } else {
    headerSize = sizeFormat === 0 || sizeFormat === 1 ? 3 : sizeFormat === 2 ? 4 : 5;
    fourStreams = sizeFormat !== 0;
  }
  if (((start + headerSize) | 0) > end) return ZSTD_REASON_LITERALS_HEADER_TRUNCATED;
  const b1 = headerSize > 1 ? src[(start + 1) | 0] : 0;
  const b2 = headerSize > 2 ? src[(start + 2) | 0] : 0;
  const b3 = headerSize > 3 ? src[(start + 3) | 0] : 0;
  const b4 = headerSize > 4 ? src[(start + 4) | 0] : 0;
  if (type === ZSTD_LITERALS_RAW || type === ZSTD_LITERALS_RLE) {
    if (headerSize === 1) regenerated = first >> 3;
    else if (headerSize === 2) regenerated = (first >> 4) | (b1 << 4);
    else regenerated = (first >> 4) | (b1 << 4) | (b2 << 12);
  } else if (headerSize === 3) {
    regenerated = (first >> 4) | ((b1 & 63) << 4);
    compressed = (b1 >> 6) | (b2 << 2);
  } else if (headerSize === 4) {
    regenerated = (first >> 4) | (b1 << 4) | ((b2 & 3) << 12);
    compressed = (b2 >> 2) | (b3 << 6);
  } else {
    regenerated = (first >> 4) | (b1 << 4) | ((b2 & 63) << 12);
    compressed = (b2 >> 6) | (b3 << 2) | (b4 << 10);
  }
  if (regenerated > zstdBlockMaximum) return ZSTD_REASON_LITERALS_TOO_LARGE;
  let at = (start + headerSize) | 0;
  let literals: Uint8Array = zstdLiterals;
  let literalsStart = 0;
  if (type === ZSTD_LITERALS_RAW) {
    if (regenerated > ((end - at) | 0)) return ZSTD_REASON_LITERALS_TRUNCATED;
    literals = src;
    literalsStart = at;
    at = (at + regenerated) | 0;
  } else if (type === ZSTD_LITERALS_RLE) {
    if (at >= end) return ZSTD_REASON_LITERALS_TRUNCATED;
    lzFill(zstdLiterals, 0, src[at], regenerated);
    at = (at + 1) | 0;
  } else {
    if (compressed > ((end - at) | 0)) return ZSTD_REASON_LITERALS_TRUNCATED;
    if (fourStreams && regenerated < 6) return ZSTD_REASON_LITERALS_FOUR_STREAMS_TOO_SMALL;
    const literalsEnd = (at + compressed) | 0;
    let streams = at;
    if (type === ZSTD_LITERALS_COMPRESSED) {
      const reason = zstdHuffmanReadTree(src, at, literalsEnd);
      if (reason !== 0) return reason;
      streams = (at + zstdHuffmanTreeSize()) | 0;
    } else if (!zstdHuffmanHasTable()) {
      return ZSTD_REASON_HUFFMAN_TREELESS_WITHOUT_TABLE;
    }
    const reason = zstdHuffmanDecodeLiterals(src, streams, literalsEnd, fourStreams, regenerated);
    if (reason !== 0) return reason;
    at = literalsEnd;
  }
  const reason = zstdSequencesDecode(src, at, end, literals, literalsStart, (literalsStart + regenerated) | 0, out,
    outputStart, (outputStart + zstdBlockMaximum) | 0, capacity, zstdFrameStart);
  if (reason !== 0) return reason;
  zstdOutputEnd = zstdSequencesOutputPosition();
  return 0;
}

/**
 * Decodes every frame of input[0, inputLength) into output[0, outputCapacity). Returns
 * EFI_SUCCESS with decodeSucceed(length), or a failure with a zstd reason (zstd-reasons.ts).
 */
export function zstdDecode(input: Uint8Array, inputLength: number, output: Uint8Array, outputCapacity: number): number {
  zstdConsumed = 0;
  if (inputLength <= 0) return zstdFail(ZSTD_REASON_INPUT_EMPTY, 0);
  let position = 0;
  let op = 0;
  while (position < inputLength) {
    const frame = position;
    if (((inputLength - position) | 0) < 4) return zstdFail(ZSTD_REASON_FRAME_HEADER_TRUNCATED, position);
    const magic = zstdRead32(input, position);
    if (((magic ^ ZSTD_SKIPPABLE_MAGIC) & 0xfffffff0) === 0) {
      if (((inputLength - position) | 0) < 8) return zstdFail(ZSTD_REASON_SKIPPABLE_TRUNCATED, position);
      const size = zstdRead32(input, (position + 4) | 0);
      if (uint32Below(((inputLength - position - 8) | 0) >>> 0, size)) {
        return zstdFail(ZSTD_REASON_SKIPPABLE_TRUNCATED, position);
      }
      position = (position + 8 + size) | 0;
      zstdConsumed = position;
      continue;
    }
    if (magic !== ZSTD_MAGIC) return zstdFail(ZSTD_REASON_BAD_MAGIC, position);
    const status = zstdDecodeFrame(input, position, inputLength, output, op, outputCapacity);
    if (status !== EFI_SUCCESS) return status;
    position = zstdConsumed;
    op = zstdOutputEnd;
    if (position <= frame) return zstdFail(ZSTD_REASON_FRAME_HEADER_TRUNCATED, frame);
  }
  return decodeSucceed(op);
}

/**
 * Decodes the zstd frame at input[start] into output from outputStart. On success zstdConsumed
 * is the input position after it and zstdOutputEnd the output position.
 */
function zstdDecodeFrame(input: Uint8Array, start: number, inputLength: number, output: Uint8Array,
  outputStart: number, capacity: number): number {
  // Frame_Header (§3.1.1.1).
  let at = (start + 4) | 0;
  if (at >= inputLength) return zstdFail(ZSTD_REASON_FRAME_HEADER_TRUNCATED, at);
  const descriptor = input[at];
  const contentSizeFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  const hasChecksum = (descriptor & 4) !== 0;
  const dictionaryFlag = descriptor & 3;
  if ((descriptor & 8) !== 0) return zstdFail(ZSTD_REASON_RESERVED_BIT, at);
  const dictionaryBytes = dictionaryFlag === 3 ? 4 : dictionaryFlag;
  const contentSizeBytes = contentSizeFlag === 0 ? (singleSegment ? 1 : 0) : 1 << contentSizeFlag;
  const headerEnd = (at + 1 + (singleSegment ? 0 : 1) + dictionaryBytes + contentSizeBytes) | 0;
  if (headerEnd > inputLength) return zstdFail(ZSTD_REASON_FRAME_HEADER_TRUNCATED, at);
  at = (at + 1) | 0;
  let blockMaximum = ZSTD_BLOCK_SIZE_MAX;
  if (!singleSegment) {
    // Window_Descriptor: 2^(10 + exponent) plus mantissa eighths of it.
    const windowLog = ((input[at] >> 3) + 10) | 0;
    if (windowLog > 31) return zstdFail(ZSTD_REASON_WINDOW_TOO_LARGE, at);
    if (windowLog < 17) {
      const windowBase = 1 << windowLog;
      const windowSize = (windowBase + Math.imul(windowBase >> 3, input[at] & 7)) | 0;
      if (windowSize < blockMaximum) blockMaximum = windowSize;
    }
    at = (at + 1) | 0;
  }
  let dictionary = 0;
  for (let i = 0; i < dictionaryBytes; i++) dictionary = dictionary | input[(at + i) | 0];
  if (dictionary !== 0) return zstdFail(ZSTD_REASON_DICTIONARY, at);
  at = (at + dictionaryBytes) | 0;
  // Frame_Content_Size: 1, 2 (+256), 4 or 8 bytes; only its low half can fit an output here.
  let contentSize = -1;
  if (contentSizeBytes > 0) {
    let low = input[at];
    let high = 0;
    if (contentSizeBytes === 2) {
      low = (low | (input[(at + 1) | 0] << 8)) + 256;
    } else if (contentSizeBytes >= 4) {
      low = zstdRead32(input, at);
      if (contentSizeBytes === 8) high = zstdRead32(input, (at + 4) | 0);
    }
    if (high !== 0 || uint32Below(((capacity - outputStart) | 0) >>> 0, low >>> 0)) {
      return zstdFail(ZSTD_REASON_CONTENT_SIZE_TOO_LARGE, at);
    }
    contentSize = low | 0;
    if (singleSegment && contentSize < blockMaximum) blockMaximum = contentSize;
  }
  at = headerEnd;

  zstdFrameStart = outputStart;
  zstdBlockMaximum = blockMaximum;
  zstdHuffmanReset();
  zstdSequencesReset();
  let op = outputStart;
  // The checksum is taken a block at a time, while the block is in the cache (zstd-xxhash.ts):
  // its whole stripes from `hashed` on after each block, the rest at the end.
  let hashed = outputStart;
  if (hasChecksum) zstdXxh64Begin();
  let last = false;
  while (!last) {
    // Block_Header (§3.1.1.2): Last_Block, Block_Type, Block_Size, 3 bytes little-endian.
    if (((inputLength - at) | 0) < 3) return zstdFail(ZSTD_REASON_BLOCK_HEADER_TRUNCATED, at);
    const header = input[at] | (input[(at + 1) | 0] << 8) | (input[(at + 2) | 0] << 16);
    last = (header & 1) !== 0;
    const type = (header >> 1) & 3;
    const size = header >> 3;
    const blockStart = (at + 3) | 0;
    if (type === 3) return zstdFail(ZSTD_REASON_BLOCK_TYPE_RESERVED, at);
    if (size > blockMaximum) return zstdFail(ZSTD_REASON_BLOCK_TOO_LARGE, at);
    if (type === ZSTD_BLOCK_RLE) {
      if (blockStart >= inputLength) return zstdFail(ZSTD_REASON_BLOCK_TRUNCATED, at);
      if (size > ((capacity - op) | 0)) return zstdFail(ZSTD_REASON_OUTPUT_TOO_SMALL, at);
      lzFill(output, op, input[blockStart], size);
      op = (op + size) | 0;
      at = (blockStart + 1) | 0;
    } else {
      if (size > ((inputLength - blockStart) | 0)) return zstdFail(ZSTD_REASON_BLOCK_TRUNCATED, at);
      if (type === ZSTD_BLOCK_RAW) {
        if (size > ((capacity - op) | 0)) return zstdFail(ZSTD_REASON_OUTPUT_TOO_SMALL, at);
        output.set(input.subarray(blockStart, (blockStart + size) | 0), op);
        op = (op + size) | 0;
      } else if (type === ZSTD_BLOCK_COMPRESSED && size > 0) {
        // ZSTD_BLOCK_COMPRESSED. One of size 0 has no literals header, but `zstd -d` (its
        // streaming decoder) skips empty blocks of any type, so an empty one is accepted here too.
        const reason = zstdDecodeCompressedBlock(input, blockStart, (blockStart + size) | 0, output, op, capacity);
        if (reason !== 0) return zstdFail(reason, blockStart);
        op = zstdOutputEnd;
      }
      at = (blockStart + size) | 0;
    }
    if (hasChecksum) hashed = zstdXxh64Stripes(output, hashed, op);
  }
  if (contentSize >= 0 && ((op - outputStart) | 0) !== contentSize) {
    return zstdFail(ZSTD_REASON_CONTENT_SIZE_MISMATCH, at);
  }
  if (hasChecksum) {
    if (((inputLength - at) | 0) < 4) return zstdFail(ZSTD_REASON_CHECKSUM_TRUNCATED, at);
    if (zstdXxh64Finish(output, outputStart, hashed, op) !== zstdRead32(input, at)) {
      return zstdFail(ZSTD_REASON_CHECKSUM_MISMATCH, at);
    }
    at = (at + 4) | 0;
  }
  zstdConsumed = at;
  zstdOutputEnd = op;
  return EFI_SUCCESS;
}
