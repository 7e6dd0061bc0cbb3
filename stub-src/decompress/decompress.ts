/**
 * @fileoverview One entry for every payload format: detect the format by its magic bytes and
 * hand the buffer to that format's decoder (stub-src/decompress/<format>.ts).
 *
 * Magic numbers, as the formats define them and as the kernel's own decompress_method() table
 * tells them apart (lib/decompress.c): gzip 1f 8b (RFC 1952 §2.3.1), xz fd 37 7a 58 5a 00 (xz
 * file format §2.1.1.1), lzma "alone" 5d 00 (the properties byte of lc=3 lp=0 pb=2, which is
 * what `lzma -9` and every kbuild payload use, then the dictionary size's low byte), zstd
 * 28 b5 2f fd (RFC 8878 §3.1.1), lz4 legacy 02 21 4c 18 and lz4 frame 04 22 4d 18, bzip2 "BZh",
 * lzop 89 4c 5a 4f 00 0d 0a 1a 0a.
 */
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_UNSUPPORTED, statusIsError } from '../efi/status';
import { uint32Below } from '../efi/address';
import { decodeFail, decodeResult, DECODE_OUTPUT_LENGTH } from './result';
import { bzip2Decode, bzip2ReasonText } from './bzip2';
import { gzipDecode, gzipReasonText } from './gzip';
import { lz4Decode, lz4ReasonText } from './lz4';
import { lzmaDecode, lzmaReasonText } from './lzma';
import { lzoDecode, lzoReasonText } from './lzo';
import { xzDecode, xzReasonText } from './xz';
import { zstdDecode, zstdReasonText } from './zstd';
import { zstdSequencesSetPrefetch } from './zstd-sequences';

export const DECOMPRESS_FORMAT_UNKNOWN = 0;
export const DECOMPRESS_FORMAT_GZIP = 1;
export const DECOMPRESS_FORMAT_XZ = 2;
export const DECOMPRESS_FORMAT_LZMA = 3;
export const DECOMPRESS_FORMAT_ZSTD = 4;
export const DECOMPRESS_FORMAT_LZ4 = 5;
export const DECOMPRESS_FORMAT_BZIP2 = 6;
export const DECOMPRESS_FORMAT_LZO = 7;

export const DECOMPRESS_REASON_UNKNOWN_FORMAT = 2;
export const DECOMPRESS_REASON_NO_SIZE_TRAILER = 3;
export const DECOMPRESS_REASON_SIZE_MISMATCH = 4;
export const DECOMPRESS_REASON_SIZE_TOO_LARGE = 5;
/** The native tool's own limit (stub-src/tools/decompress-main.ts), not the format's. */
export const DECOMPRESS_REASON_TOOL_LIMIT = 6;

function decompressMagicAt(input: Uint8Array, inputLength: number, offset: number, byte: number): boolean {
  return offset < inputLength && input[offset] === byte;
}

export function decompressDetectFormat(input: Uint8Array, inputLength: number): number {
  if (decompressMagicAt(input, inputLength, 0, 0x1f) && decompressMagicAt(input, inputLength, 1, 0x8b)) {
    return DECOMPRESS_FORMAT_GZIP;
  }
  if (decompressMagicAt(input, inputLength, 0, 0xfd) && decompressMagicAt(input, inputLength, 1, 0x37) &&
    decompressMagicAt(input, inputLength, 2, 0x7a) && decompressMagicAt(input, inputLength, 3, 0x58) &&
    decompressMagicAt(input, inputLength, 4, 0x5a) && decompressMagicAt(input, inputLength, 5, 0x00)) {
    return DECOMPRESS_FORMAT_XZ;
  }
  if (decompressMagicAt(input, inputLength, 0, 0x5d) && decompressMagicAt(input, inputLength, 1, 0x00)) {
    return DECOMPRESS_FORMAT_LZMA;
  }
  if (decompressMagicAt(input, inputLength, 0, 0x28) && decompressMagicAt(input, inputLength, 1, 0xb5) &&
    decompressMagicAt(input, inputLength, 2, 0x2f) && decompressMagicAt(input, inputLength, 3, 0xfd)) {
    return DECOMPRESS_FORMAT_ZSTD;
  }
  if ((decompressMagicAt(input, inputLength, 0, 0x02) || decompressMagicAt(input, inputLength, 0, 0x04)) &&
    decompressMagicAt(input, inputLength, 2, 0x4d) === decompressMagicAt(input, inputLength, 0, 0x04) &&
    decompressMagicAt(input, inputLength, 3, 0x18)) {
    return DECOMPRESS_FORMAT_LZ4;
  }
  if (decompressMagicAt(input, inputLength, 0, 0x42) && decompressMagicAt(input, inputLength, 1, 0x5a) &&
    decompressMagicAt(input, inputLength, 2, 0x68)) {
    return DECOMPRESS_FORMAT_BZIP2;
  }
  if (decompressMagicAt(input, inputLength, 0, 0x89) && decompressMagicAt(input, inputLength, 1, 0x4c) &&
    decompressMagicAt(input, inputLength, 2, 0x5a) && decompressMagicAt(input, inputLength, 3, 0x4f)) {
    return DECOMPRESS_FORMAT_LZO;
  }
  return DECOMPRESS_FORMAT_UNKNOWN;
}

export function decompressFormatName(format: number): string {
  switch (format) {
    case DECOMPRESS_FORMAT_GZIP: return 'gzip';
    case DECOMPRESS_FORMAT_XZ: return 'xz';
    case DECOMPRESS_FORMAT_LZMA: return 'lzma';
    case DECOMPRESS_FORMAT_ZSTD: return 'zstd';
    case DECOMPRESS_FORMAT_LZ4: return 'lz4';
    case DECOMPRESS_FORMAT_BZIP2: return 'bzip2';
    case DECOMPRESS_FORMAT_LZO: return 'lzo';
  }
  return 'unknown';
}

/** Decodes `input` as `format` (from decompressDetectFormat) per the decoder contract (result.ts). */
export function decompressBuffer(format: number, input: Uint8Array, inputLength: number, output: Uint8Array,
  outputCapacity: number): number {
  switch (format) {
    case DECOMPRESS_FORMAT_GZIP: return gzipDecode(input, inputLength, output, outputCapacity);
    case DECOMPRESS_FORMAT_XZ: return xzDecode(input, inputLength, output, outputCapacity);
    case DECOMPRESS_FORMAT_LZMA: return lzmaDecode(input, inputLength, output, outputCapacity);
    case DECOMPRESS_FORMAT_ZSTD: return zstdDecode(input, inputLength, output, outputCapacity);
    case DECOMPRESS_FORMAT_LZ4: return lz4Decode(input, inputLength, output, outputCapacity);
    case DECOMPRESS_FORMAT_BZIP2: return bzip2Decode(input, inputLength, output, outputCapacity);
    case DECOMPRESS_FORMAT_LZO: return lzoDecode(input, inputLength, output, outputCapacity);
  }
  return decodeFail(EFI_UNSUPPORTED, DECOMPRESS_REASON_UNKNOWN_FORMAT, 0);
}

/**
 * Whether the decoders may trade instructions for cache prefetches (on by default): only zstd's
 * sequence loop does, which pays on a real CPU and costs under an emulator without a cache model
 * (the boot step turns it off under QEMU's TCG, kernel-decompress.ts). Outputs are the same.
 */
export function decompressSetPrefetch(on: boolean): void {
  zstdSequencesSetPrefetch(on);
}

/** The text of any decoder's reason code (each format owns a range of a hundred, result.ts). */
export function decompressReasonText(reason: number): string {
  if (reason === DECOMPRESS_REASON_UNKNOWN_FORMAT) return 'unknown format (no known magic number)';
  if (reason === DECOMPRESS_REASON_NO_SIZE_TRAILER) return 'payload too short for its 4-byte size';
  if (reason === DECOMPRESS_REASON_SIZE_MISMATCH) return 'decoded size differs from the size the payload declares';
  if (reason === DECOMPRESS_REASON_SIZE_TOO_LARGE) return 'declared size larger than the output buffer';
  if (reason === DECOMPRESS_REASON_TOOL_LIMIT) return 'output larger than the tool handles (256 MiB)';
  switch ((reason / 100) | 0) {
    case 1: return gzipReasonText(reason);
    case 2: return xzReasonText(reason);
    case 3: return lzmaReasonText(reason);
    case 4: return zstdReasonText(reason);
    case 5: return lz4ReasonText(reason);
    case 6: return bzip2ReasonText(reason);
    case 7: return lzoReasonText(reason);
  }
  return 'unknown reason';
}

/**
 * The uncompressed size a kernel payload declares in its last 4 bytes, little-endian. kbuild
 * appends it to every format (scripts/Makefile.lib, size_append) except gzip, whose own trailer
 * (ISIZE, RFC 1952 §2.3.1) already ends the file with the same number.
 */
export function decompressKbuildSize(input: Uint8Array, inputLength: number): number {
  const end = (inputLength - 4) | 0;
  return (input[end] | (input[(end + 1) | 0] << 8) | (input[(end + 2) | 0] << 16) | (input[(end + 3) | 0] << 24)) >>> 0;
}

/**
 * Decodes a kernel payload as kbuild writes it: the compressed data, then its size (for gzip,
 * the gzip trailer itself). The decoder gets exactly that capacity, and the result must have
 * exactly that size, so a payload whose declared size lies is refused.
 */
export function decompressKbuildPayload(input: Uint8Array, inputLength: number, output: Uint8Array,
  outputCapacity: number): number {
  if (inputLength < 4) return decodeFail(EFI_COMPROMISED_DATA, DECOMPRESS_REASON_NO_SIZE_TRAILER, 0);
  const size = decompressKbuildSize(input, inputLength);
  if (uint32Below(outputCapacity, size)) {
    return decodeFail(EFI_BUFFER_TOO_SMALL, DECOMPRESS_REASON_SIZE_TOO_LARGE, (inputLength - 4) | 0);
  }
  const format = decompressDetectFormat(input, inputLength);
  const compressedLength = format === DECOMPRESS_FORMAT_GZIP ? inputLength : (inputLength - 4) | 0;
  const status = decompressBuffer(format, input, compressedLength, output, size);
  if (statusIsError(status)) return status;
  if (decodeResult[DECODE_OUTPUT_LENGTH] !== size) {
    return decodeFail(EFI_COMPROMISED_DATA, DECOMPRESS_REASON_SIZE_MISMATCH, (inputLength - 4) | 0);
  }
  return status;
}
