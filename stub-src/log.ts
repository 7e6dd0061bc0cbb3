/**
 * @fileoverview Console messages: `efistub: <stage>: <reason>`, values in hex.
 *
 * A message is built in one module-level byte buffer and handed to hostConsoleWrite once, with
 * its '\n', so a line is never interleaved with firmware output and costs one host call. The
 * stub has no string building (its subset allows string literals only), so a line is assembled
 * from parts: logStart(stage), then logAppend*() calls, then logFinish(). logText, logHex,
 * logDecimal and fail() are the one-call forms for the common shapes; fail() logs a failure with
 * the status's name and returns the status, so a failing step is one `return fail(...)`.
 *
 * A line longer than the buffer is cut and ends in "..."; characters outside printable ASCII
 * are shown as '?', so firmware strings and section contents cannot put control characters on
 * the console.
 */

import { statusIsError } from './efi/status';

/** Longest line, '\n' included; longer messages are cut and end in "...". */
export const LOG_LINE_CAPACITY = 1024;

const logLine = new Uint8Array(new ArrayBuffer(LOG_LINE_CAPACITY));
let logLength = 0;
let logTruncated = false;
/** Scratch for logAppendDecimal: ten digits at most, collected backwards. */
const logDecimalDigits = new Uint8Array(new ArrayBuffer(12));

/** Appends one byte if it fits, keeping room for "...\n". */
function logPutByte(value: number): void {
  if (logLength < LOG_LINE_CAPACITY - 4) {
    logLine[logLength] = value & 0xff;
    logLength = (logLength + 1) | 0;
  } else {
    logTruncated = true;
  }
}

/** Appends a character, shown as '?' unless it is printable ASCII. */
export function logAppendChar(code: number): void {
  if (code >= 0x20 && code < 0x7f) {
    logPutByte(code);
  } else {
    logPutByte(0x3f);
  }
}

/** Appends a string literal. */
export function logAppendText(text: string): void {
  const length = text.length;
  for (let i = 0; i < length; i = (i + 1) | 0) {
    logAppendChar(text.charCodeAt(i));
  }
}

/** Starts a line: `efistub: <stage>: `. */
export function logStart(stage: string): void {
  logLength = 0;
  logTruncated = false;
  logAppendText('efistub: ');
  logAppendText(stage);
  logAppendText(': ');
}

/** Appends the hex digits of an unsigned 32-bit value; `minimumDigits` pads with zeros. */
function logPutHexDigits(value: number, minimumDigits: number): void {
  let started = false;
  for (let shift = 28; shift >= 0; shift = (shift - 4) | 0) {
    const digit = (value >>> shift) & 0xf;
    if (digit !== 0 || started || shift < (minimumDigits << 2)) {
      started = true;
      if (digit < 10) {
        logPutByte((0x30 + digit) | 0);
      } else {
        logPutByte((0x57 + digit) | 0);
      }
    }
  }
}

/** Appends `0x` and the value in hex, lower case, without leading zeros. */
export function logAppendHex(value: number): void {
  logAppendText('0x');
  logPutHexDigits(value, 1);
}

/** Appends a 64-bit value given as halves, `0x` and hex without leading zeros. */
export function logAppendHex64(lo: number, hi: number): void {
  logAppendText('0x');
  if ((hi | 0) !== 0) {
    logPutHexDigits(hi, 1);
    logPutHexDigits(lo, 8);
  } else {
    logPutHexDigits(lo, 1);
  }
}

/** Appends an unsigned 32-bit value in decimal. */
export function logAppendDecimal(value: number): void {
  // Halving first keeps the division unsigned in the
  // i32 Wasm build, where `/` on a value with bit 31 set would be a signed division.
  let count = 0;
  let rest = value >>> 0;
  while (true) {
    const quotient = (((rest >>> 1) / 5) | 0) >>> 0;
    const digit = (rest - Math.imul(quotient, 10)) | 0;
    logDecimalDigits[count] = (0x30 + digit) | 0;
    count = (count + 1) | 0;
    rest = quotient;
    if (rest === 0) {
      break;
    }
  }
  while (count > 0) {
    count = (count - 1) | 0;
    logPutByte(logDecimalDigits[count]);
  }
}

/**
 * Appends the status's name and value, e.g. `EFI_OUT_OF_RESOURCES (0x80000009)`. The cases are
 * the error numbers of stub-src/efi/status.ts without the error bit (UEFI 2.10 Appendix D).
 */
export function logAppendStatus(status: number): void {
  if ((status | 0) === 0) {
    logAppendText('EFI_SUCCESS');
  } else if (!statusIsError(status)) {
    logAppendText('EFI_WARN');
  } else {
    switch (status & 0x7fffffff) {
      case 1: logAppendText('EFI_LOAD_ERROR'); break;
      case 2: logAppendText('EFI_INVALID_PARAMETER'); break;
      case 3: logAppendText('EFI_UNSUPPORTED'); break;
      case 4: logAppendText('EFI_BAD_BUFFER_SIZE'); break;
      case 5: logAppendText('EFI_BUFFER_TOO_SMALL'); break;
      case 6: logAppendText('EFI_NOT_READY'); break;
      case 7: logAppendText('EFI_DEVICE_ERROR'); break;
      case 8: logAppendText('EFI_WRITE_PROTECTED'); break;
      case 9: logAppendText('EFI_OUT_OF_RESOURCES'); break;
      case 10: logAppendText('EFI_VOLUME_CORRUPTED'); break;
      case 11: logAppendText('EFI_VOLUME_FULL'); break;
      case 12: logAppendText('EFI_NO_MEDIA'); break;
      case 13: logAppendText('EFI_MEDIA_CHANGED'); break;
      case 14: logAppendText('EFI_NOT_FOUND'); break;
      case 15: logAppendText('EFI_ACCESS_DENIED'); break;
      case 16: logAppendText('EFI_NO_RESPONSE'); break;
      case 17: logAppendText('EFI_NO_MAPPING'); break;
      case 18: logAppendText('EFI_TIMEOUT'); break;
      case 19: logAppendText('EFI_NOT_STARTED'); break;
      case 20: logAppendText('EFI_ALREADY_STARTED'); break;
      case 21: logAppendText('EFI_ABORTED'); break;
      case 22: logAppendText('EFI_ICMP_ERROR'); break;
      case 23: logAppendText('EFI_TFTP_ERROR'); break;
      case 24: logAppendText('EFI_PROTOCOL_ERROR'); break;
      case 25: logAppendText('EFI_INCOMPATIBLE_VERSION'); break;
      case 26: logAppendText('EFI_SECURITY_VIOLATION'); break;
      case 27: logAppendText('EFI_CRC_ERROR'); break;
      case 28: logAppendText('EFI_END_OF_MEDIA'); break;
      case 31: logAppendText('EFI_END_OF_FILE'); break;
      case 32: logAppendText('EFI_INVALID_LANGUAGE'); break;
      case 33: logAppendText('EFI_COMPROMISED_DATA'); break;
      case 34: logAppendText('EFI_IP_ADDRESS_CONFLICT'); break;
      case 35: logAppendText('EFI_HTTP_ERROR'); break;
      default: logAppendText('EFI_ERROR'); break;
    }
  }
  logAppendText(' (');
  logAppendHex(status);
  logAppendText(')');
}

/** Ends the line and writes it to the console. */
export function logFinish(): void {
  if (logTruncated) {
    logLine[logLength] = 0x2e;
    logLine[(logLength + 1) | 0] = 0x2e;
    logLine[(logLength + 2) | 0] = 0x2e;
    logLength = (logLength + 3) | 0;
  }
  logLine[logLength] = 0x0a;
  logLength = (logLength + 1) | 0;
  hostConsoleWrite(logLine, 0, logLength);
  logLength = 0;
  logTruncated = false;
}

/** `efistub: <stage>: <text>` */
export function logText(stage: string, text: string): void {
  logStart(stage);
  logAppendText(text);
  logFinish();
}

/** `efistub: <stage>: <text> 0x<value>` */
export function logHex(stage: string, text: string, value: number): void {
  logStart(stage);
  logAppendText(text);
  logAppendText(' ');
  logAppendHex(value);
  logFinish();
}

/** `efistub: <stage>: <text> <value in decimal>` */
export function logDecimal(stage: string, text: string, value: number): void {
  logStart(stage);
  logAppendText(text);
  logAppendText(' ');
  logAppendDecimal(value);
  logFinish();
}

/**
 * `efistub: <stage>: <reason>: <STATUS_NAME> (0x<status>)`, then returns `status`, so a failed
 * step ends in one `return fail(status, 'stage', 'failed to …')`.
 */
export function fail(status: number, stage: string, reason: string): number {
  logStart(stage);
  logAppendText(reason);
  logAppendText(': ');
  logAppendStatus(status);
  logFinish();
  return status;
}
