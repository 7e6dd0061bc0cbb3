/**
 * @fileoverview What a decoder reports besides its status: the output length on success, and
 * on failure a reason code and the input offset where the decoder gave up.
 *
 * Every decoder in stub-src/decompress/ has the same shape:
 *   <format>Decode(input, inputLength, output, outputCapacity): Status
 * returning EFI_SUCCESS, or an error with the detail here: EFI_COMPROMISED_DATA (malformed
 * input), EFI_CRC_ERROR (a checksum does not match), EFI_BUFFER_TOO_SMALL (the data would not
 * fit in outputCapacity), EFI_UNSUPPORTED (a valid feature the stub does not implement).
 * Reason codes are per format, in a range of their own (gzip 100–199, xz 200–299, lzma
 * 300–399, zstd 400–499, lz4 500–599, bzip2 600–699, lzo 700–799), each format module has a
 * `<format>ReasonText(reason): string` for messages, and tests assert the codes.
 */
import { EFI_SUCCESS } from '../efi/status';

export const DECODE_OUTPUT_LENGTH = 0;
export const DECODE_REASON = 1;
export const DECODE_INPUT_OFFSET = 2;
export const decodeResult = new Uint32Array(new ArrayBuffer(16));

/** Records a failure and returns `status`, so a decoder's failure path is one return. */
export function decodeFail(status: number, reason: number, inputOffset: number): number {
  decodeResult[DECODE_OUTPUT_LENGTH] = 0;
  decodeResult[DECODE_REASON] = reason;
  decodeResult[DECODE_INPUT_OFFSET] = inputOffset;
  return status;
}

export function decodeSucceed(outputLength: number): number {
  decodeResult[DECODE_OUTPUT_LENGTH] = outputLength;
  decodeResult[DECODE_REASON] = 0;
  decodeResult[DECODE_INPUT_OFFSET] = 0;
  return EFI_SUCCESS;
}
