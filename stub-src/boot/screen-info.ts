/**
 * @fileoverview Boot step: boot_params.screen_info from the firmware's graphics output
 * (EFI_GRAPHICS_OUTPUT_PROTOCOL, UEFI 2.10 §12.9), so the kernel's efifb/simpledrm can keep
 * drawing on the framebuffer the firmware set up. Layout: include/uapi/linux/screen_info.h.
 *
 * The mode's Info gives resolution, pixel format and pixels per scan line; the Mode structure
 * gives the framebuffer's base and size. 32-bit RGB/BGR formats map to fixed channel
 * positions; a bit-mask format is described by its masks; a Blt-only mode has no framebuffer
 * and leaves screen_info empty (the kernel then has none, as without GOP). More than one GOP
 * handle (several displays) is not looked at: the first one LocateProtocol returns is used.
 */

import { readField32 } from '../efi/address';
import { bootServicesResult, locateProtocol, BOOT_RESULT_ADDRESS_HI, BOOT_RESULT_ADDRESS_LO } from '../efi/boot-services';
import {
  GRAPHICS_OUTPUT_PROTOCOL_GUID_0, GRAPHICS_OUTPUT_PROTOCOL_GUID_1, GRAPHICS_OUTPUT_PROTOCOL_GUID_2,
  GRAPHICS_OUTPUT_PROTOCOL_GUID_3,
} from '../efi/guids';
import { logAppendDecimal, logAppendHex64, logAppendText, logFinish, logStart, logText } from '../log';
import { bytesWrite16, bytesWrite32 } from '../bytes';

// EFI_GRAPHICS_OUTPUT_PROTOCOL, its MODE and MODE_INFORMATION.
const GOP_MODE = 24; // EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE *
const GOP_MODE_INFO = 8; // EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *
const GOP_MODE_FRAME_BUFFER_BASE = 24; // EFI_PHYSICAL_ADDRESS
const GOP_MODE_FRAME_BUFFER_SIZE = 32; // UINTN
const GOP_INFO_HORIZONTAL = 4;
const GOP_INFO_VERTICAL = 8;
const GOP_INFO_PIXEL_FORMAT = 12;
const GOP_INFO_PIXEL_MASKS = 16; // red, green, blue, reserved
const GOP_INFO_PIXELS_PER_SCAN_LINE = 32;
const PIXEL_RGB_RESERVED_8BIT = 0;
const PIXEL_BGR_RESERVED_8BIT = 1;
const PIXEL_BIT_MASK = 2;

// struct screen_info offsets.
export const SI_ORIG_VIDEO_IS_VGA = 0x0f;
export const SI_LFB_WIDTH = 0x12;
export const SI_LFB_HEIGHT = 0x14;
export const SI_LFB_DEPTH = 0x16;
export const SI_LFB_BASE = 0x18;
export const SI_LFB_SIZE = 0x1c;
export const SI_LFB_LINELENGTH = 0x24;
export const SI_RED_SIZE = 0x26; // then red_pos, green size/pos, blue size/pos, rsvd size/pos
export const SI_CAPABILITIES = 0x36;
export const SI_EXT_LFB_BASE = 0x3a;
export const VIDEO_TYPE_EFI = 0x70;
export const VIDEO_CAPABILITY_64BIT_BASE = 2;

/** Channel (size, position) pair at `offset` from a contiguous mask. */
function screenInfoChannel(params: Uint8Array, offset: number, mask: number): number {
  if (mask === 0) {
    params[offset] = 0;
    params[(offset + 1) | 0] = 0;
    return 0;
  }
  const position = 31 - Math.clz32(mask & (0 - mask));
  const size = (32 - Math.clz32(mask >>> position)) | 0;
  params[offset] = size;
  params[(offset + 1) | 0] = position;
  return (position + size) | 0;
}

/**
 * Fills the screen_info at the start of `params` (boot_params on the heap) from GOP when the
 * firmware has a linear framebuffer; else leaves it as it is (zero).
 */
export function screenInfoFromGop(params: Uint8Array): void {
  if (locateProtocol(GRAPHICS_OUTPUT_PROTOCOL_GUID_0, GRAPHICS_OUTPUT_PROTOCOL_GUID_1, GRAPHICS_OUTPUT_PROTOCOL_GUID_2,
    GRAPHICS_OUTPUT_PROTOCOL_GUID_3) !== 0) {
    logText('screen-info', 'no graphics output protocol: no framebuffer for the kernel');
    return;
  }
  const gopLo = bootServicesResult(BOOT_RESULT_ADDRESS_LO);
  const gopHi = bootServicesResult(BOOT_RESULT_ADDRESS_HI);
  const modeLo = readField32(gopLo, gopHi, GOP_MODE);
  const modeHi = readField32(gopLo, gopHi, (GOP_MODE + 4) | 0);
  if (((modeLo | modeHi) | 0) === 0) {
    return;
  }
  const infoLo = readField32(modeLo, modeHi, GOP_MODE_INFO);
  const infoHi = readField32(modeLo, modeHi, (GOP_MODE_INFO + 4) | 0);
  if (((infoLo | infoHi) | 0) === 0) {
    return;
  }
  const format = readField32(infoLo, infoHi, GOP_INFO_PIXEL_FORMAT);
  const width = readField32(infoLo, infoHi, GOP_INFO_HORIZONTAL);
  const height = readField32(infoLo, infoHi, GOP_INFO_VERTICAL);
  const stride = readField32(infoLo, infoHi, GOP_INFO_PIXELS_PER_SCAN_LINE);
  let depth = 32;
  if (format === PIXEL_RGB_RESERVED_8BIT) {
    screenInfoChannel(params, SI_RED_SIZE, 0xff);
    screenInfoChannel(params, (SI_RED_SIZE + 2) | 0, 0xff00);
    screenInfoChannel(params, (SI_RED_SIZE + 4) | 0, 0xff0000);
    screenInfoChannel(params, (SI_RED_SIZE + 6) | 0, 0xff000000);
  } else if (format === PIXEL_BGR_RESERVED_8BIT) {
    screenInfoChannel(params, SI_RED_SIZE, 0xff0000);
    screenInfoChannel(params, (SI_RED_SIZE + 2) | 0, 0xff00);
    screenInfoChannel(params, (SI_RED_SIZE + 4) | 0, 0xff);
    screenInfoChannel(params, (SI_RED_SIZE + 6) | 0, 0xff000000);
  } else if (format === PIXEL_BIT_MASK) {
    let top = 0;
    for (let channel = 0; channel < 4; channel = (channel + 1) | 0) {
      const end = screenInfoChannel(params, (SI_RED_SIZE + (channel << 1)) | 0,
        readField32(infoLo, infoHi, (GOP_INFO_PIXEL_MASKS + (channel << 2)) | 0));
      if (end > top) top = end;
    }
    depth = top;
  } else {
    logText('screen-info', 'the graphics mode has no linear framebuffer (Blt only)');
    return;
  }
  const baseLo = readField32(modeLo, modeHi, GOP_MODE_FRAME_BUFFER_BASE);
  const baseHi = readField32(modeLo, modeHi, (GOP_MODE_FRAME_BUFFER_BASE + 4) | 0);
  const size = readField32(modeLo, modeHi, GOP_MODE_FRAME_BUFFER_SIZE);
  params[SI_ORIG_VIDEO_IS_VGA] = VIDEO_TYPE_EFI;
  bytesWrite16(params, SI_LFB_WIDTH, width);
  bytesWrite16(params, SI_LFB_HEIGHT, height);
  bytesWrite16(params, SI_LFB_DEPTH, depth);
  bytesWrite16(params, SI_LFB_LINELENGTH, Math.imul(stride, (depth + 7) >>> 3));
  bytesWrite32(params, SI_LFB_BASE, baseLo);
  bytesWrite32(params, SI_LFB_SIZE, size);
  bytesWrite32(params, SI_EXT_LFB_BASE, baseHi);
  bytesWrite32(params, SI_CAPABILITIES, baseHi !== 0 ? VIDEO_CAPABILITY_64BIT_BASE : 0);
  logStart('screen-info');
  logAppendDecimal(width);
  logAppendText('x');
  logAppendDecimal(height);
  logAppendText('x');
  logAppendDecimal(depth);
  logAppendText(' framebuffer at ');
  logAppendHex64(baseLo, baseHi);
  logFinish();
}
