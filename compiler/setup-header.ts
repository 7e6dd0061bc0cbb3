/**
 * @fileoverview Stage 'setup-header': a bzImage's setup header read on the workstation, so
 * `efistub wrap` refuses a kernel the stub would refuse at boot (same rules as
 * stub-src/boot/setup-header.ts, checked here first because a refusal at boot costs a reboot)
 * and `efistub inspect` can show it. Offsets: Documentation/arch/x86/boot.rst.
 */
import { decompressDetectFormat, decompressFormatName } from '../stub-src/decompress/decompress.ts';
import type { Diagnostic } from './diagnostics.ts';

export const SetupHeaderError = {
  TOO_SMALL: 1101,
  NOT_BZIMAGE: 1102,
  OLD_PROTOCOL: 1103,
  NOT_64BIT: 1104,
  NOT_RELOCATABLE: 1105,
  BAD_ALIGNMENT: 1106,
  BAD_INIT_SIZE: 1107,
  BAD_PREF_ADDRESS: 1108,
  PAYLOAD_OUTSIDE: 1109,
} as const;

export interface SetupHeader {
  version: number;
  loadflags: number;
  xloadflags: number;
  kernelAlignment: number;
  relocatable: boolean;
  initSize: number;
  prefAddress: bigint;
  cmdlineSize: number;
  initrdAddrMax: number;
  /** File offset and length of the compressed payload. */
  payloadOffset: number;
  payloadLength: number;
  payloadFormat: string;
  /** The size the payload declares in its last 4 bytes (kbuild's size_append, or gzip's ISIZE). */
  declaredSize: number;
}

const XLF_NAMES = ['KERNEL_64', 'CAN_BE_LOADED_ABOVE_4G', 'EFI_HANDOVER_32', 'EFI_HANDOVER_64', 'EFI_KEXEC', '5LEVEL', '5LEVEL_ENABLED'];

/** The payload's format from its magic number, by the stub's own detection (what it will decode). */
export function payloadFormat(bytes: Uint8Array): string {
  return decompressFormatName(decompressDetectFormat(bytes, bytes.length));
}

export function readSetupHeader(file: Uint8Array, path: string): SetupHeader | Diagnostic[] {
  const fail = (code: number, message: string): Diagnostic[] =>
    [{ stage: 'setup-header', code, file: path, line: 0, column: 0, message }];
  if (file.length < 0x400) return fail(SetupHeaderError.TOO_SMALL, 'too small to be a bzImage');
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const u8 = (o: number): number => view.getUint8(o);
  const u16 = (o: number): number => view.getUint16(o, true);
  const u32 = (o: number): number => view.getUint32(o, true);
  if (u16(0x1fe) !== 0xaa55 || u32(0x202) !== 0x53726448) {
    return fail(SetupHeaderError.NOT_BZIMAGE, 'not a bzImage: no 0xAA55 boot flag or HdrS magic');
  }
  const version = u16(0x206);
  if (version < 0x20c) {
    return fail(SetupHeaderError.OLD_PROTOCOL,
      `boot protocol ${version >> 8}.${version & 0xff} is older than 2.12 (no 64-bit entry point)`);
  }
  const loadflags = u8(0x211);
  const xloadflags = u16(0x236);
  if (!(loadflags & 1)) return fail(SetupHeaderError.NOT_BZIMAGE, 'not a bzImage (zImage loaded low)');
  if (!(xloadflags & 1)) return fail(SetupHeaderError.NOT_64BIT, 'the kernel has no 64-bit entry point (XLF_KERNEL_64 clear)');
  if (u8(0x234) === 0) return fail(SetupHeaderError.NOT_RELOCATABLE, 'the kernel is not relocatable');
  const kernelAlignment = u32(0x230);
  if (kernelAlignment < 0x1000 || kernelAlignment > 0x40000000 || (kernelAlignment & (kernelAlignment - 1)) !== 0) {
    return fail(SetupHeaderError.BAD_ALIGNMENT, `kernel_alignment 0x${kernelAlignment.toString(16)} is not a power of two between 4 KiB and 1 GiB`);
  }
  const initSize = u32(0x260);
  if (initSize === 0 || initSize > 0x40000000) return fail(SetupHeaderError.BAD_INIT_SIZE, 'init_size is zero or larger than 1 GiB');
  const prefAddress = view.getBigUint64(0x258, true);
  if (prefAddress < 0x100000n || prefAddress >= 0x100000000n || (prefAddress & BigInt(kernelAlignment - 1)) !== 0n) {
    return fail(SetupHeaderError.BAD_PREF_ADDRESS, 'pref_address is not an aligned address between 1 MiB and 4 GiB');
  }
  const setupSects = u8(0x1f1) || 4;
  const payloadOffset = (setupSects + 1) * 512 + u32(0x248);
  const payloadLength = u32(0x24c);
  if (payloadLength < 8 || payloadOffset + payloadLength > file.length) {
    return fail(SetupHeaderError.PAYLOAD_OUTSIDE, 'the payload lies outside the file');
  }
  const payload = file.subarray(payloadOffset, payloadOffset + payloadLength);
  return {
    version, loadflags, xloadflags, kernelAlignment, relocatable: true, initSize, prefAddress,
    cmdlineSize: u32(0x238), initrdAddrMax: u32(0x22c), payloadOffset, payloadLength,
    payloadFormat: payloadFormat(payload),
    declaredSize: new DataView(payload.buffer, payload.byteOffset + payloadLength - 4, 4).getUint32(0, true),
  };
}

export function formatSetupHeader(header: SetupHeader): string {
  const hex = (value: number | bigint): string => `0x${value.toString(16)}`;
  const flags = XLF_NAMES.filter((_, bit) => header.xloadflags & (1 << bit)).join(' ');
  return [
    'kernel (.linux setup header):',
    `  boot protocol     ${header.version >> 8}.${header.version & 0xff}`,
    `  payload           ${header.payloadFormat}, ${header.payloadLength} bytes at file offset ${hex(header.payloadOffset)}, declares ${header.declaredSize} bytes`,
    `  init_size         ${hex(header.initSize)}`,
    `  kernel_alignment  ${hex(header.kernelAlignment)}`,
    `  pref_address      ${hex(header.prefAddress)}`,
    `  relocatable       ${header.relocatable ? 'yes' : 'no'}`,
    `  xloadflags        ${hex(header.xloadflags)} (${flags})`,
    `  cmdline_size      ${header.cmdlineSize}`,
    '',
  ].join('\n');
}
