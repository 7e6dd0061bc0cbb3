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
import { decodeResult, DECODE_INPUT_OFFSET, DECODE_OUTPUT_LENGTH, DECODE_REASON } from '../decompress/result';
import { decompressBuffer, decompressDetectFormat, decompressFormatName, decompressReasonText } from '../decompress/decompress';

let toolInput = new Uint8Array(new ArrayBuffer(4));
let toolOutput = new Uint8Array(new ArrayBuffer(4));
let toolFormatDetected = 0;

/** A fresh input buffer of `length` bytes for the C side to fill. */
export function toolInputBuffer(length: number): Uint8Array {
  toolInput = new Uint8Array(new ArrayBuffer(length));
  return toolInput;
}

/** A fresh output buffer of `capacity` bytes (a retry after EFI_BUFFER_TOO_SMALL asks again). */
export function toolOutputBuffer(capacity: number): Uint8Array {
  toolOutput = new Uint8Array(new ArrayBuffer(capacity));
  return toolOutput;
}

/** Detects the format and decodes input[0, inputLength) into the output buffer; a status. */
export function toolDecompress(inputLength: number, outputCapacity: number): number {
  toolFormatDetected = decompressDetectFormat(toolInput, inputLength);
  return decompressBuffer(toolFormatDetected, toolInput, inputLength, toolOutput, outputCapacity);
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
