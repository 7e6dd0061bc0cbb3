/**
 * @fileoverview The .lzma "alone" format (LZMA SDK lzma-specification.txt, "LZMA file format"),
 * as `lzma -9` writes it for kbuild: a 13-byte header, then one LZMA stream.
 *   byte 0      properties: (pb * 5 + lp) * 9 + lc, at most 224
 *   bytes 1-4   dictionary size, little-endian
 *   bytes 5-12  uncompressed size, 64-bit little-endian; all ones = unknown, and the data then
 *               ends with an end-of-payload marker
 * As `lzma -dc` (xz-utils 5.4): lc + lp above 4 is refused (xz-utils refuses it; it would need
 * 6 MiB of probabilities); the header must look like one xz-utils recognises (its "hacks to
 * ditch false positives" in src/xz/coder.c): a dictionary size of 2^n or 2^n + 2^(n-1) (or all
 * ones), and a known uncompressed size of at most 256 GiB. Distances must stay within the
 * dictionary xz-utils would allocate for the declared size. A marker may also end data whose size
 * is known, and bytes after the LZMA data are refused (LZMA_REASON_TRAILING_DATA):
 * kbuild's 4-byte size trailer must be stripped by the caller. lzmaInputConsumed() tells where
 * the LZMA data ended.
 */
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_UNSUPPORTED } from '../efi/status';
import { uint32Below } from '../efi/address';
import { decodeFail, decodeSucceed } from './result';
import {
  LZMA_CORE_BAD_INIT, LZMA_CORE_DISTANCE, LZMA_CORE_DONE, LZMA_CORE_EARLY_END, LZMA_CORE_END_MARKER,
  LZMA_CORE_NOT_FINISHED, LZMA_CORE_OUTPUT_FULL, LZMA_CORE_PAST_END, LZMA_CORE_TRUNCATED, lzmaCoreInitRangeDecoder,
  lzmaCoreDictionaryLimit, lzmaCoreInputPosition, lzmaCoreOutputPosition, lzmaCoreResetState, lzmaCoreRun,
  lzmaCoreSetProperties,
} from './lzma-decoder';

export const LZMA_REASON_HEADER_TRUNCATED = 300;
export const LZMA_REASON_PROPERTIES_INVALID = 301;
export const LZMA_REASON_LCLP_UNSUPPORTED = 302;
export const LZMA_REASON_OUTPUT_FULL = 303;
export const LZMA_REASON_RANGE_INIT = 304;
export const LZMA_REASON_TRUNCATED = 305;
export const LZMA_REASON_DISTANCE = 306;
export const LZMA_REASON_PAST_SIZE = 307;
export const LZMA_REASON_NOT_FINISHED = 308;
export const LZMA_REASON_EARLY_END_MARKER = 309;
export const LZMA_REASON_TRAILING_DATA = 310;
export const LZMA_REASON_DICTIONARY_SIZE = 311;
export const LZMA_REASON_SIZE_IMPLAUSIBLE = 312;

const LZMA_ALONE_HEADER_SIZE = 13;
const lzmaAloneConsumed = new Int32Array(new ArrayBuffer(4));

/** Input bytes the last successful lzmaDecode used (header and LZMA data). */
export function lzmaInputConsumed(): number {
  return lzmaAloneConsumed[0];
}

/**
 * Decodes a whole .lzma file input[0, inputLength) into output[0, outputCapacity). Returns
 * EFI_SUCCESS with decodeSucceed(length), or a failure with an LZMA_REASON_* code.
 */
export function lzmaDecode(input: Uint8Array, inputLength: number, output: Uint8Array, outputCapacity: number): number {
  // Header plus the five range decoder initialisation bytes.
  if (inputLength < ((LZMA_ALONE_HEADER_SIZE + 5) | 0)) {
    return decodeFail(EFI_COMPROMISED_DATA, LZMA_REASON_HEADER_TRUNCATED, 0);
  }
  const properties = lzmaCoreSetProperties(input[0]);
  if (properties === 1) {
    return decodeFail(EFI_COMPROMISED_DATA, LZMA_REASON_PROPERTIES_INVALID, 0);
  }
  if (properties === 2) {
    return decodeFail(EFI_UNSUPPORTED, LZMA_REASON_LCLP_UNSUPPORTED, 0);
  }
  const dictionarySize = input[1] | (input[2] << 8) | (input[3] << 16) | (input[4] << 24);
  if (!lzmaAloneDictionarySizeValid(dictionarySize)) {
    return decodeFail(EFI_COMPROMISED_DATA, LZMA_REASON_DICTIONARY_SIZE, 1);
  }
  const sizeLo = input[5] | (input[6] << 8) | (input[7] << 16) | (input[8] << 24);
  const sizeHi = input[9] | (input[10] << 8) | (input[11] << 16) | (input[12] << 24);
  const knownSize = !(sizeLo === -1 && sizeHi === -1);
  // 2^38 bytes is the largest known size xz-utils takes for a .lzma header.
  if (knownSize && (sizeHi > 0x40 || sizeHi < 0 || (sizeHi === 0x40 && sizeLo !== 0))) {
    return decodeFail(EFI_COMPROMISED_DATA, LZMA_REASON_SIZE_IMPLAUSIBLE, 5);
  }
  let outLimit = outputCapacity;
  if (knownSize) {
    if (sizeHi !== 0 || uint32Below(outputCapacity, sizeLo)) {
      return decodeFail(EFI_BUFFER_TOO_SMALL, LZMA_REASON_OUTPUT_FULL, 5);
    }
    outLimit = sizeLo;
  }
  lzmaCoreResetState();
  if (lzmaCoreInitRangeDecoder(input, LZMA_ALONE_HEADER_SIZE) === LZMA_CORE_BAD_INIT) {
    return decodeFail(EFI_COMPROMISED_DATA, LZMA_REASON_RANGE_INIT, LZMA_ALONE_HEADER_SIZE);
  }
  const result = lzmaCoreRun(input, (LZMA_ALONE_HEADER_SIZE + 5) | 0, inputLength, output, 0, outLimit, 0,
    lzmaCoreDictionaryLimit(dictionarySize), knownSize, true);
  let where = lzmaCoreInputPosition();
  if (where > inputLength) {
    where = inputLength;
  }
  if (result !== LZMA_CORE_DONE && result !== LZMA_CORE_END_MARKER) {
    return decodeFail(lzmaAloneStatusForCore(result), lzmaAloneReasonForCore(result), where);
  }
  if (where !== inputLength) {
    return decodeFail(EFI_COMPROMISED_DATA, LZMA_REASON_TRAILING_DATA, where);
  }
  lzmaAloneConsumed[0] = where;
  return decodeSucceed(lzmaCoreOutputPosition());
}

/** 2^n or 3 * 2^n (= 2^(n+1) + 2^n), or 0xFFFFFFFF; 0 is not a size. */
function lzmaAloneDictionarySizeValid(size: number): boolean {
  if (size === -1) {
    return true;
  }
  if (size === 0) {
    return false;
  }
  let odd = size;
  // At most 31 shifts: size is not 0.
  while ((odd & 1) === 0) {
    odd = odd >>> 1;
  }
  return odd === 1 || odd === 3;
}

function lzmaAloneStatusForCore(result: number): number {
  return result === LZMA_CORE_OUTPUT_FULL ? EFI_BUFFER_TOO_SMALL : EFI_COMPROMISED_DATA;
}

function lzmaAloneReasonForCore(result: number): number {
  switch (result) {
    case LZMA_CORE_TRUNCATED: return LZMA_REASON_TRUNCATED;
    case LZMA_CORE_DISTANCE: return LZMA_REASON_DISTANCE;
    case LZMA_CORE_OUTPUT_FULL: return LZMA_REASON_OUTPUT_FULL;
    case LZMA_CORE_PAST_END: return LZMA_REASON_PAST_SIZE;
    case LZMA_CORE_NOT_FINISHED: return LZMA_REASON_NOT_FINISHED;
    case LZMA_CORE_EARLY_END: return LZMA_REASON_EARLY_END_MARKER;
    default: return LZMA_REASON_TRUNCATED;
  }
}

/** Short lower-case text for an LZMA_REASON_* code. */
export function lzmaReasonText(reason: number): string {
  switch (reason) {
    case LZMA_REASON_HEADER_TRUNCATED: return 'input shorter than the lzma header';
    case LZMA_REASON_PROPERTIES_INVALID: return 'invalid lc/lp/pb properties byte';
    case LZMA_REASON_LCLP_UNSUPPORTED: return 'lc + lp above 4 not supported';
    case LZMA_REASON_OUTPUT_FULL: return 'output buffer too small';
    case LZMA_REASON_RANGE_INIT: return 'invalid range coder initialisation';
    case LZMA_REASON_TRUNCATED: return 'lzma data truncated';
    case LZMA_REASON_DISTANCE: return 'invalid distance too far back';
    case LZMA_REASON_PAST_SIZE: return 'data continues past the uncompressed size';
    case LZMA_REASON_NOT_FINISHED: return 'range coder not finished at the end';
    case LZMA_REASON_EARLY_END_MARKER: return 'end marker before the uncompressed size';
    case LZMA_REASON_TRAILING_DATA: return 'data after the end of the lzma stream';
    case LZMA_REASON_DICTIONARY_SIZE: return 'not an lzma file (dictionary size not 2^n or 2^n + 2^(n-1))';
    case LZMA_REASON_SIZE_IMPLAUSIBLE: return 'not an lzma file (uncompressed size above 256 gib)';
    default: return 'unknown reason';
  }
}
