/**
 * @fileoverview Entry of the native decompression tool (`efistub decompress`, `efistub extract`):
 * the stub's own decoders, compiled by the same pipeline and linked with
 * compiler/runtime/tool-decompress-linux.c, so the code that will unpack the kernel at boot can
 * be run and checked on ordinary files.
 *
 * The C side asks for an input buffer, fills it, asks for an output buffer of the capacity it
 * chose, runs toolDecompress and reads the result; buffers live on the Wasm heap, so the decode
 * runs on typed arrays exactly as it does in the stub.
 */
import { EFI_OUT_OF_RESOURCES } from '../efi/status';
import { uint32AtMost, uint32Below } from '../efi/address';
import { decodeFail, decodeResult, DECODE_INPUT_OFFSET, DECODE_OUTPUT_LENGTH, DECODE_REASON } from '../decompress/result';
import {
  decompressBuffer, decompressDetectFormat, decompressFormatName, decompressKbuildPayload, decompressKbuildSize,
  decompressReasonText, DECOMPRESS_REASON_TOOL_LIMIT,
} from '../decompress/decompress';

/**
 * The largest input or output the tool accepts. The Wasm heap is reserved up front (1 GiB in the
 * Linux host runtime), porffor's allocator never frees and traps when it cannot grow, and a
 * retry after EFI_BUFFER_TOO_SMALL allocates a new, doubled output: with outputs doubling up to
 * this limit (less than twice it in all) plus an input of at most this size, 256 MiB keeps
 * everything under 1 GiB. Sizes read from a hostile file (a kbuild trailer, an .lzma header)
 * are refused against it before anything is allocated.
 */
const TOOL_MAX_BYTES = 0x10000000;

let toolInput = new Uint8Array(new ArrayBuffer(4));
let toolOutput = new Uint8Array(new ArrayBuffer(4));
let toolFormatDetected = 0;

/** A fresh input buffer of `length` bytes for the C side to fill; empty when over the limit. */
export function toolInputBuffer(length: number): Uint8Array {
  toolInput = new Uint8Array(new ArrayBuffer(uint32AtMost(length, TOOL_MAX_BYTES) ? length : 0));
  return toolInput;
}

/** The largest capacity toolDecompress accepts (the C side stops doubling there). */
export function toolMaxBytes(): number {
  return TOOL_MAX_BYTES;
}

/** The output of the last decode (its first toolOutputLength() bytes are the result). */
export function toolOutputBuffer(): Uint8Array {
  return toolOutput;
}

/**
 * The capacity of the output buffer prepared for the next decode, or -1 when there is none: the
 * C side prepares it before starting its clock, so the decode time it reports is the decode's
 * (growing and zeroing a 66 MB heap costs as much as an LZ4 decode of it).
 */
let toolPreparedCapacity = -1;
let toolKbuildPrepared = false;

/**
 * Detects the format and allocates the output buffer of `outputCapacity` bytes for
 * toolDecompress; a status (not 0 when the capacity is over the tool's limit).
 */
export function toolPrepareOutput(inputLength: number, outputCapacity: number): number {
  toolFormatDetected = decompressDetectFormat(toolInput, inputLength);
  toolPreparedCapacity = -1;
  if (uint32Below(TOOL_MAX_BYTES, outputCapacity)) {
    return decodeFail(EFI_OUT_OF_RESOURCES, DECOMPRESS_REASON_TOOL_LIMIT, 0);
  }
  toolOutput = new Uint8Array(new ArrayBuffer(outputCapacity));
  toolPreparedCapacity = outputCapacity;
  return 0;
}

/**
 * Decodes input[0, inputLength) into an output buffer of `outputCapacity` bytes (the one
 * toolPrepareOutput prepared, else a fresh one); a status (the C side retries with more after
 * EFI_BUFFER_TOO_SMALL).
 */
export function toolDecompress(inputLength: number, outputCapacity: number): number {
  if (toolPreparedCapacity !== outputCapacity) {
    const status = toolPrepareOutput(inputLength, outputCapacity);
    if (status !== 0) {
      return status;
    }
  }
  toolPreparedCapacity = -1;
  return decompressBuffer(toolFormatDetected, toolInput, inputLength, toolOutput, outputCapacity);
}

/**
 * Detects the format and allocates the output buffer of the size the payload's kbuild trailer
 * gives, for toolDecompressKbuild; a status (not 0 when that size is over the tool's limit).
 */
export function toolPrepareKbuildOutput(inputLength: number): number {
  toolFormatDetected = decompressDetectFormat(toolInput, inputLength);
  toolKbuildPrepared = false;
  const size = inputLength < 4 ? 0 : decompressKbuildSize(toolInput, inputLength);
  if (uint32Below(TOOL_MAX_BYTES, size)) {
    return decodeFail(EFI_OUT_OF_RESOURCES, DECOMPRESS_REASON_TOOL_LIMIT, (inputLength - 4) | 0);
  }
  toolOutput = new Uint8Array(new ArrayBuffer(size));
  toolKbuildPrepared = true;
  return 0;
}

/**
 * Decodes input[0, inputLength) as a kernel payload (decompressKbuildPayload) into the buffer
 * toolPrepareKbuildOutput prepared (else prepares it first); a status.
 */
export function toolDecompressKbuild(inputLength: number): number {
  if (!toolKbuildPrepared) {
    const status = toolPrepareKbuildOutput(inputLength);
    if (status !== 0) {
      return status;
    }
  }
  toolKbuildPrepared = false;
  return decompressKbuildPayload(toolInput, inputLength, toolOutput, toolOutput.length);
}

export function toolOutputLength(): number {
  return decodeResult[DECODE_OUTPUT_LENGTH];
}

export function toolReason(): number {
  return decodeResult[DECODE_REASON];
}

export function toolInputOffset(): number {
  return decodeResult[DECODE_INPUT_OFFSET];
}

export function toolFormatName(): string {
  return decompressFormatName(toolFormatDetected);
}

export function toolReasonText(): string {
  return decompressReasonText(decodeResult[DECODE_REASON]);
}
