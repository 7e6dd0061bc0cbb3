/**
 * @fileoverview Boot step 2: the bzImage's setup header (Documentation/arch/x86/boot.rst, "The
 * Real-Mode Kernel Header"), read from the .linux section and checked.
 *
 * The stub enters the decompressed kernel's 64-bit entry itself, so it needs: boot protocol
 * 2.12 or later (xloadflags, 64-bit entry: XLF_KERNEL_64), a relocatable kernel, the payload
 * (payload_offset/payload_length, from the start of the protected-mode code at
 * (setup_sects + 1) * 512), init_size, kernel_alignment and pref_address (the address the
 * kernel was linked for: LOAD_PHYSICAL_ADDR, which the ELF segments and relocations are
 * relative to). Anything else is refused with the reason, before any memory is allocated.
 *
 * The first SETUP_HEADER_COPY_BYTES of the file are kept on the heap: boot_params takes its
 * setup header from them (boot.rst: copy from 0x1f1 to the end given by the jump at 0x200).
 */

import { uint32AtMost, uint32Below } from '../efi/address';
import { EFI_LOAD_ERROR, EFI_UNSUPPORTED } from '../efi/status';
import { fail, logAppendDecimal, logAppendHex, logAppendText, logFinish, logStart } from '../log';
import { imageKernelHi, imageKernelLo, imageKernelSize } from './image-sections';
import { bytesRead16, bytesRead32 } from '../bytes';

// Field offsets in the bzImage file and in boot_params (the header sits at 0x1f1 in both).
export const HDR_SETUP_SECTS = 0x1f1; // u8
export const HDR_SYSSIZE = 0x1f4; // u32
export const HDR_BOOT_FLAG = 0x1fe; // u16, 0xAA55
export const HDR_JUMP = 0x200; // u16: short jump over the header; its second byte is the length
export const HDR_HEADER = 0x202; // u32 "HdrS"
export const HDR_VERSION = 0x206; // u16
export const HDR_TYPE_OF_LOADER = 0x210; // u8
export const HDR_LOADFLAGS = 0x211; // u8
export const HDR_RAMDISK_IMAGE = 0x218; // u32
export const HDR_RAMDISK_SIZE = 0x21c; // u32
export const HDR_CMD_LINE_PTR = 0x228; // u32
export const HDR_INITRD_ADDR_MAX = 0x22c; // u32
export const HDR_KERNEL_ALIGNMENT = 0x230; // u32
export const HDR_RELOCATABLE_KERNEL = 0x234; // u8
export const HDR_MIN_ALIGNMENT = 0x235; // u8
export const HDR_XLOADFLAGS = 0x236; // u16
export const HDR_CMDLINE_SIZE = 0x238; // u32
export const HDR_PAYLOAD_OFFSET = 0x248; // u32
export const HDR_PAYLOAD_LENGTH = 0x24c; // u32
export const HDR_SETUP_DATA = 0x250; // u64
export const HDR_PREF_ADDRESS = 0x258; // u64
export const HDR_INIT_SIZE = 0x260; // u32
/** boot_params ends the setup header here (edd_mbr_sig_buffer follows, zero-page.rst). */
export const HDR_END_LIMIT = 0x290;

export const HDR_MAGIC = 0x53726448; // "HdrS"
export const HDR_BOOT_FLAG_VALUE = 0xaa55;
export const HDR_MIN_VERSION = 0x020c; // 2.12: xloadflags and the 64-bit entry

export const LOADFLAG_LOADED_HIGH = 0x01;
export const LOADFLAG_KASLR = 0x02;
export const XLF_KERNEL_64 = 0x01;
export const XLF_CAN_BE_LOADED_ABOVE_4G = 0x02;
export const XLF_5LEVEL = 0x20;

/** Bytes of the file kept for boot_params: the whole header fits. */
export const SETUP_HEADER_COPY_BYTES = 0x400;

export const setupHeaderBytes = new Uint8Array(new ArrayBuffer(SETUP_HEADER_COPY_BYTES));

// Parsed values, by the SETUP_* indices below.
export const SETUP_VERSION = 0;
export const SETUP_LOADFLAGS = 1;
export const SETUP_XLOADFLAGS = 2;
export const SETUP_KERNEL_ALIGNMENT = 3;
export const SETUP_INIT_SIZE = 4;
export const SETUP_PREF_ADDRESS = 5; // below 4 GiB (checked)
export const SETUP_PAYLOAD_FILE_OFFSET = 6; // from the start of the file
export const SETUP_PAYLOAD_LENGTH = 7;
export const SETUP_CMDLINE_SIZE = 8;
export const SETUP_INITRD_ADDR_MAX = 9;
export const SETUP_HEADER_END = 10; // file offset just past the setup header
const setupValues = new Uint32Array(new ArrayBuffer(48));

export function setupValue(index: number): number {
  return setupValues[index] >>> 0;
}

export function setupByte(offset: number): number {
  return setupHeaderBytes[offset] & 0xff;
}
export function setupRead16(offset: number): number {
  return bytesRead16(setupHeaderBytes, offset);
}
export function setupRead32(offset: number): number {
  return bytesRead32(setupHeaderBytes, offset);
}

function refuse(reason: string): number {
  return fail(EFI_UNSUPPORTED, 'setup-header', reason);
}

/** Reads and checks the header of the kernel in .linux. Fatal with the reason on refusal. */
export function setupHeaderRead(): number {
  const fileSize = imageKernelSize();
  if (uint32Below(fileSize, SETUP_HEADER_COPY_BYTES)) {
    return fail(EFI_LOAD_ERROR, 'setup-header', '.linux is too small to be a bzImage');
  }
  const status = hostPhysToHeap(setupHeaderBytes, 0, imageKernelLo(), imageKernelHi(), SETUP_HEADER_COPY_BYTES) >>> 0;
  if (status !== 0) {
    return fail(status, 'setup-header', 'failed to read the kernel header');
  }
  if (setupRead16(HDR_BOOT_FLAG) !== HDR_BOOT_FLAG_VALUE || setupRead32(HDR_HEADER) !== HDR_MAGIC) {
    return refuse('.linux is not a bzImage (no 0xAA55 boot flag or HdrS magic)');
  }
  const version = setupRead16(HDR_VERSION);
  setupValues[SETUP_VERSION] = version;
  if (version < HDR_MIN_VERSION) {
    return refuse('boot protocol older than 2.12: no 64-bit entry point');
  }
  const loadflags = setupByte(HDR_LOADFLAGS);
  const xloadflags = setupRead16(HDR_XLOADFLAGS);
  setupValues[SETUP_LOADFLAGS] = loadflags;
  setupValues[SETUP_XLOADFLAGS] = xloadflags;
  if ((loadflags & LOADFLAG_LOADED_HIGH) === 0) {
    return refuse('not a bzImage (zImage loaded low)');
  }
  if ((xloadflags & XLF_KERNEL_64) === 0) {
    return refuse('the kernel has no 64-bit entry point (XLF_KERNEL_64 clear)');
  }
  if (setupByte(HDR_RELOCATABLE_KERNEL) === 0) {
    return refuse('the kernel is not relocatable');
  }
  const alignment = setupRead32(HDR_KERNEL_ALIGNMENT);
  // A power of two from one page to 1 GiB.
  if (uint32Below(alignment, 0x1000) || uint32Below(0x40000000, alignment) || (alignment & ((alignment - 1) | 0)) !== 0) {
    return refuse('kernel_alignment is not a power of two between 4 KiB and 1 GiB');
  }
  setupValues[SETUP_KERNEL_ALIGNMENT] = alignment;
  const initSize = setupRead32(HDR_INIT_SIZE);
  if (initSize === 0 || uint32Below(0x40000000, initSize)) {
    return refuse('init_size is zero or larger than 1 GiB');
  }
  setupValues[SETUP_INIT_SIZE] = initSize;
  const prefLo = setupRead32(HDR_PREF_ADDRESS);
  if (setupRead32((HDR_PREF_ADDRESS + 4) | 0) !== 0 || uint32Below(prefLo, 0x100000) || (prefLo & ((alignment - 1) | 0)) !== 0) {
    return refuse('pref_address is not an aligned address between 1 MiB and 4 GiB');
  }
  setupValues[SETUP_PREF_ADDRESS] = prefLo;
  let setupSects = setupByte(HDR_SETUP_SECTS);
  if (setupSects === 0) {
    setupSects = 4; // boot.rst: "If this field is 0, the real value is 4."
  }
  const protectedModeStart = (setupSects + 1) << 9;
  const payloadOffset = (protectedModeStart + setupRead32(HDR_PAYLOAD_OFFSET)) >>> 0;
  const payloadLength = setupRead32(HDR_PAYLOAD_LENGTH);
  if (
    uint32Below(payloadOffset, protectedModeStart) || payloadLength < 8 ||
    !uint32AtMost(payloadOffset, fileSize) || !uint32AtMost(payloadLength, (fileSize - payloadOffset) >>> 0)
  ) {
    return fail(EFI_LOAD_ERROR, 'setup-header', 'the payload lies outside .linux');
  }
  setupValues[SETUP_PAYLOAD_FILE_OFFSET] = payloadOffset;
  setupValues[SETUP_PAYLOAD_LENGTH] = payloadLength;
  setupValues[SETUP_CMDLINE_SIZE] = setupRead32(HDR_CMDLINE_SIZE);
  setupValues[SETUP_INITRD_ADDR_MAX] = setupRead32(HDR_INITRD_ADDR_MAX);
  let headerEnd = (HDR_JUMP + 2 + setupByte((HDR_JUMP + 1) | 0)) | 0;
  if (headerEnd > HDR_END_LIMIT) {
    headerEnd = HDR_END_LIMIT;
  }
  setupValues[SETUP_HEADER_END] = headerEnd;

  logStart('setup-header');
  logAppendText('protocol ');
  logAppendDecimal(version >>> 8);
  logAppendText('.');
  logAppendDecimal(version & 0xff);
  logAppendText(' xloadflags ');
  logAppendHex(xloadflags);
  logAppendText(' init_size ');
  logAppendHex(initSize);
  logAppendText(' alignment ');
  logAppendHex(alignment);
  logAppendText(' pref_address ');
  logAppendHex(prefLo);
  logAppendText(' payload ');
  logAppendHex(payloadLength);
  logAppendText(' bytes at ');
  logAppendHex(payloadOffset);
  logFinish();
  return 0;
}
