/**
 * @fileoverview LZMA2, the filter at the end of every .xz block's filter chain: a sequence of
 * chunks, each either stored bytes or LZMA data with its own sizes, resetting the dictionary,
 * the coder state or the lc/lp/pb properties as its control byte says.
 *
 * Source: the .xz file format specification §5.3.1 (LZMA2 properties: the dictionary size byte)
 * and the LZMA2 chunk layout as xz-utils writes and reads it:
 *   0x00                      end of the LZMA2 data
 *   0x01 / 0x02               stored chunk with / without a dictionary reset: 2 bytes size - 1
 *                             (big-endian), then the bytes
 *   0x03..0x7f                invalid
 *   0x80 | r << 5 | u20..16   LZMA chunk: 2 more bytes of uncompressed size - 1, 2 bytes of
 *                             compressed size - 1, then a properties byte when r >= 2; r = 0
 *                             nothing reset, 1 state reset, 2 state reset + new properties,
 *                             3 that plus a dictionary reset. The range decoder starts afresh
 *                             in every LZMA chunk.
 * The first chunk must reset the dictionary (0x01 or r = 3), and after a dictionary reset the
 * next LZMA chunk must set properties (r >= 2), as in xz-utils.
 *
 * The reason codes (250–269 of xz's 200–299) are defined here and described by xzReasonText.
 */
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_SUCCESS } from '../efi/status';
import { decodeFail } from './result';
import {
  LZMA_CORE_BAD_INIT, LZMA_CORE_DISTANCE, LZMA_CORE_DONE, LZMA_CORE_NOT_FINISHED, LZMA_CORE_OUTPUT_FULL,
  LZMA_CORE_PAST_END, LZMA_CORE_TRUNCATED, lzmaCoreDictionaryLimit, lzmaCoreInitRangeDecoder,
  lzmaCoreInputPosition, lzmaCoreOutputPosition, lzmaCoreResetState, lzmaCoreRun, lzmaCoreSetProperties,
} from './lzma-decoder';

export const XZ_REASON_LZMA2_TRUNCATED = 250;
export const XZ_REASON_LZMA2_CONTROL_INVALID = 251;
export const XZ_REASON_LZMA2_MISSING_DICTIONARY_RESET = 252;
export const XZ_REASON_LZMA2_MISSING_PROPERTIES = 253;
export const XZ_REASON_LZMA2_PROPERTIES_INVALID = 254;
export const XZ_REASON_LZMA2_OUTPUT_FULL = 255;
export const XZ_REASON_LZMA2_PAST_BLOCK_SIZE = 256;
export const XZ_REASON_LZMA_RANGE_INIT = 257;
export const XZ_REASON_LZMA_DISTANCE = 258;
export const XZ_REASON_LZMA_PAST_CHUNK_SIZE = 259;
export const XZ_REASON_LZMA_NOT_FINISHED = 260;
export const XZ_REASON_LZMA_COMPRESSED_SIZE = 261;

const LZMA2_RESULT_IN_POS = 0;
const LZMA2_RESULT_OUT_POS = 1;
const lzma2Result = new Int32Array(new ArrayBuffer(8));

/** Input position just after the LZMA2 end byte (after a successful lzma2DecodeBlock). */
export function lzma2InputPosition(): number {
  return lzma2Result[LZMA2_RESULT_IN_POS];
}

/** Output position after the last byte of the block (after a successful lzma2DecodeBlock). */
export function lzma2OutputPosition(): number {
  return lzma2Result[LZMA2_RESULT_OUT_POS];
}

/**
 * Decodes one block's LZMA2 data from input[inPos, inEnd) into output[outPos, outLimit), with
 * the dictionary size of the filter properties (0..40, checked by the caller).
 * limitIsBlockSize: outLimit is the block header's uncompressed size (output past it is
 * malformed) rather than the buffer capacity (output past it does not fit). Returns EFI_SUCCESS
 * (positions from lzma2InputPosition/lzma2OutputPosition) or a failure through decodeFail.
 */
export function lzma2DecodeBlock(input: Uint8Array, inPos: number, inEnd: number, output: Uint8Array, outPos: number,
  outLimit: number, limitIsBlockSize: boolean, dictionarySizeByte: number): number {
  const dictLimit = lzma2DictionaryLimit(dictionarySizeByte);
  let needDictionaryReset = true;
  let needProperties = true;
  let dictStart = outPos;
  const fullReason = limitIsBlockSize ? XZ_REASON_LZMA2_PAST_BLOCK_SIZE : XZ_REASON_LZMA2_OUTPUT_FULL;
  const fullStatus = limitIsBlockSize ? EFI_COMPROMISED_DATA : EFI_BUFFER_TOO_SMALL;
  // Each pass consumes at least one input byte, so the loop ends.
  for (;;) {
    if (inPos >= inEnd) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_LZMA2_TRUNCATED, inPos);
    }
    const chunkStart = inPos;
    const control = input[inPos];
    inPos = (inPos + 1) | 0;
    if (control === 0) {
      break;
    }
    if (control >= 0xe0 || control === 1) {
      needDictionaryReset = false;
      needProperties = true;
      dictStart = outPos;
    } else if (needDictionaryReset) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_LZMA2_MISSING_DICTIONARY_RESET, chunkStart);
    }

    if (control < 0x80) {
      if (control > 2) {
        return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_LZMA2_CONTROL_INVALID, chunkStart);
      }
      if (((inEnd - inPos) | 0) < 2) {
        return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_LZMA2_TRUNCATED, chunkStart);
      }
      const size = (((input[inPos] << 8) | input[(inPos + 1) | 0]) + 1) | 0;
      inPos = (inPos + 2) | 0;
      if (((inEnd - inPos) | 0) < size) {
        return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_LZMA2_TRUNCATED, chunkStart);
      }
      if (((outLimit - outPos) | 0) < size) {
        return decodeFail(fullStatus, fullReason, chunkStart);
      }
      const end = (inPos + size) | 0;
      while (inPos < end) {
        output[outPos] = input[inPos];
        outPos = (outPos + 1) | 0;
        inPos = (inPos + 1) | 0;
      }
      continue;
    }

    const reset = (control >> 5) & 3;
    const headerSize = reset >= 2 ? 5 : 4;
    if (((inEnd - inPos) | 0) < headerSize) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_LZMA2_TRUNCATED, chunkStart);
    }
    const uncompressedSize = ((((control & 0x1f) << 16) | (input[inPos] << 8) | input[(inPos + 1) | 0]) + 1) | 0;
    const compressedSize = (((input[(inPos + 2) | 0] << 8) | input[(inPos + 3) | 0]) + 1) | 0;
    if (reset >= 2) {
      if (lzmaCoreSetProperties(input[(inPos + 4) | 0]) !== 0) {
        return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_LZMA2_PROPERTIES_INVALID, (inPos + 4) | 0);
      }
      needProperties = false;
    } else if (needProperties) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_LZMA2_MISSING_PROPERTIES, chunkStart);
    }
    if (reset >= 1) {
      lzmaCoreResetState();
    }
    inPos = (inPos + headerSize) | 0;
    if (((inEnd - inPos) | 0) < compressedSize) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_LZMA2_TRUNCATED, chunkStart);
    }
    if (((outLimit - outPos) | 0) < uncompressedSize) {
      return decodeFail(fullStatus, fullReason, chunkStart);
    }
    if (compressedSize < 5) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_LZMA_COMPRESSED_SIZE, chunkStart);
    }
    if (lzmaCoreInitRangeDecoder(input, inPos) === LZMA_CORE_BAD_INIT) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_LZMA_RANGE_INIT, inPos);
    }
    const chunkEnd = (inPos + compressedSize) | 0;
    const result = lzmaCoreRun(input, (inPos + 5) | 0, chunkEnd, output, outPos, (outPos + uncompressedSize) | 0,
      dictStart, dictLimit, true, false);
    const where = lzmaCoreInputPosition();
    if (result !== LZMA_CORE_DONE) {
      return decodeFail(EFI_COMPROMISED_DATA, lzma2ReasonForCore(result), where < chunkEnd ? where : chunkEnd);
    }
    if (where !== chunkEnd) {
      return decodeFail(EFI_COMPROMISED_DATA, XZ_REASON_LZMA_COMPRESSED_SIZE, where);
    }
    inPos = chunkEnd;
    outPos = lzmaCoreOutputPosition();
  }
  lzma2Result[LZMA2_RESULT_IN_POS] = inPos;
  lzma2Result[LZMA2_RESULT_OUT_POS] = outPos;
  return EFI_SUCCESS;
}

/** Dictionary size byte (xz format §5.3.1): 2 or 3 times 2^(11 + byte / 2); 40 = 0xFFFFFFFF. */
function lzma2DictionaryLimit(sizeByte: number): number {
  if (sizeByte >= 40) {
    return lzmaCoreDictionaryLimit(-1);
  }
  return lzmaCoreDictionaryLimit((2 | (sizeByte & 1)) << (((sizeByte >> 1) + 11) | 0));
}

function lzma2ReasonForCore(result: number): number {
  switch (result) {
    case LZMA_CORE_TRUNCATED: return XZ_REASON_LZMA_COMPRESSED_SIZE;
    case LZMA_CORE_DISTANCE: return XZ_REASON_LZMA_DISTANCE;
    case LZMA_CORE_PAST_END: return XZ_REASON_LZMA_PAST_CHUNK_SIZE;
    case LZMA_CORE_OUTPUT_FULL: return XZ_REASON_LZMA_PAST_CHUNK_SIZE;
    case LZMA_CORE_NOT_FINISHED: return XZ_REASON_LZMA_NOT_FINISHED;
    default: return XZ_REASON_LZMA_DISTANCE;
  }
}
