/**
 * @fileoverview EFI_STATUS codes, folded to 32 bits.
 *
 * Source: UEFI Specification 2.10, Appendix D "Status Codes". A real EFI_STATUS is a UINTN
 * whose high bit (bit 63 on x86_64) marks an error; the host boundary folds it to 32 bits with
 * the error bit moved to bit 31 (stub-src/host.d.ts), and the C host sets bit 63 again when it
 * returns a status to the firmware. Warnings keep bit 31 clear.
 *
 * Every stub function returns one of these: EFI_SUCCESS (0) or an error. Compare statuses with
 * statusEquals(), which normalises both sides, because a status that crossed the Wasm boundary
 * may arrive as the signed int32 bit pattern rather than as an unsigned number.
 */

export const EFI_SUCCESS = 0;

// Errors: Appendix D, Table D-3 "EFI_STATUS Error Codes (High Bit Set)".
export const EFI_LOAD_ERROR = 0x80000001;
export const EFI_INVALID_PARAMETER = 0x80000002;
export const EFI_UNSUPPORTED = 0x80000003;
export const EFI_BAD_BUFFER_SIZE = 0x80000004;
export const EFI_BUFFER_TOO_SMALL = 0x80000005;
export const EFI_NOT_READY = 0x80000006;
export const EFI_DEVICE_ERROR = 0x80000007;
export const EFI_WRITE_PROTECTED = 0x80000008;
export const EFI_OUT_OF_RESOURCES = 0x80000009;
export const EFI_VOLUME_CORRUPTED = 0x8000000a;
export const EFI_VOLUME_FULL = 0x8000000b;
export const EFI_NO_MEDIA = 0x8000000c;
export const EFI_MEDIA_CHANGED = 0x8000000d;
export const EFI_NOT_FOUND = 0x8000000e;
export const EFI_ACCESS_DENIED = 0x8000000f;
export const EFI_NO_RESPONSE = 0x80000010;
export const EFI_NO_MAPPING = 0x80000011;
export const EFI_TIMEOUT = 0x80000012;
export const EFI_NOT_STARTED = 0x80000013;
export const EFI_ALREADY_STARTED = 0x80000014;
export const EFI_ABORTED = 0x80000015;
export const EFI_ICMP_ERROR = 0x80000016;
export const EFI_TFTP_ERROR = 0x80000017;
export const EFI_PROTOCOL_ERROR = 0x80000018;
export const EFI_INCOMPATIBLE_VERSION = 0x80000019;
export const EFI_SECURITY_VIOLATION = 0x8000001a;
export const EFI_CRC_ERROR = 0x8000001b;
export const EFI_END_OF_MEDIA = 0x8000001c;
// 29 and 30 are not assigned.
export const EFI_END_OF_FILE = 0x8000001f;
export const EFI_INVALID_LANGUAGE = 0x80000020;
export const EFI_COMPROMISED_DATA = 0x80000021;
export const EFI_IP_ADDRESS_CONFLICT = 0x80000022;
export const EFI_HTTP_ERROR = 0x80000023;

// Warnings: Appendix D, Table D-4 "EFI_STATUS Warning Codes (High Bit Clear)".
export const EFI_WARN_UNKNOWN_GLYPH = 1;
export const EFI_WARN_DELETE_FAILURE = 2;
export const EFI_WARN_WRITE_FAILURE = 3;
export const EFI_WARN_BUFFER_TOO_SMALL = 4;
export const EFI_WARN_STALE_DATA = 5;
export const EFI_WARN_FILE_SYSTEM = 6;
export const EFI_WARN_RESET_REQUIRED = 7;

/** The error bit of a folded status (bit 63 of the real EFI_STATUS). */
export const EFI_ERROR_BIT = 0x80000000;

/** True when `status` has the error bit set (a warning or success is not an error). */
export function statusIsError(status: number): boolean {
  return (status | 0) < 0;
}

/** True when two folded statuses are the same code, whichever way each was represented. */
export function statusEquals(status: number, expected: number): boolean {
  return (status | 0) === (expected | 0);
}
