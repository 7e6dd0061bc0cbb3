/**
 * @fileoverview Boot step: the kernel command line.
 *
 * The load options win when they are a printable UCS-2 string (what a boot entry, the UEFI
 * shell or QEMU's -append hand to the image); otherwise the .cmdline section is used. Boot
 * managers also put binary data in load options (OVMF's auto-created boot options carry a
 * GUID), which is why anything but printable ASCII makes the stub ignore them, as the
 * spec-conforming reader of a "device specific" blob must. Trailing NULs, spaces and line ends
 * are dropped. A line longer than the kernel's cmdline_size is refused, not cut: a cut command
 * line can drop the root= or init= that follows.
 *
 * The text stays on the heap (cmdlineBytes) for the options the stub reads itself (nokaslr,
 * mem=, memmap=, no5lvl) and is copied to a page below 4 GiB for boot_params.cmd_line_ptr.
 */

import { addressPlusHi, addressPlusLo, uint32Below } from '../efi/address';
import {
  loadedImageField, LOADED_IMAGE_FIELD_LOAD_OPTIONS_HI, LOADED_IMAGE_FIELD_LOAD_OPTIONS_LO,
  LOADED_IMAGE_FIELD_LOAD_OPTIONS_SIZE,
} from '../efi/proto-loaded-image';
import { EFI_BAD_BUFFER_SIZE } from '../efi/status';
import { fail, logAppendChar, logAppendText, logFinish, logStart } from '../log';
import { imageCmdlineHi, imageCmdlineLo, imageCmdlineSize, imageHasCmdline } from './image-sections';
import { setupValue, SETUP_CMDLINE_SIZE } from './setup-header';

/** Longest command line the stub handles (the kernel's COMMAND_LINE_SIZE is 2048 on x86). */
export const CMDLINE_CAPACITY = 4096;

export const cmdlineBytes = new Uint8Array(new ArrayBuffer(CMDLINE_CAPACITY));
let cmdlineLength = 0;

export function cmdlineTextLength(): number {
  return cmdlineLength;
}

/** Reads UCS-2 load options into cmdlineBytes; false when they are absent or not printable. */
function cmdlineFromLoadOptions(): boolean {
  const size = loadedImageField(LOADED_IMAGE_FIELD_LOAD_OPTIONS_SIZE);
  const lo = loadedImageField(LOADED_IMAGE_FIELD_LOAD_OPTIONS_LO);
  const hi = loadedImageField(LOADED_IMAGE_FIELD_LOAD_OPTIONS_HI);
  if (size < 2 || ((lo | hi) | 0) === 0 || (size & 1) !== 0) {
    return false;
  }
  const characters = size >>> 1;
  let length = 0;
  for (let index = 0; index < characters; index = (index + 1) | 0) {
    const offset = index << 1;
    const character = hostPhysRead16(addressPlusLo(lo, offset), addressPlusHi(lo, hi, offset)) & 0xffff;
    if (character === 0) {
      break;
    }
    if (character < 0x20 || character > 0x7e || length === CMDLINE_CAPACITY) {
      return false;
    }
    cmdlineBytes[length] = character;
    length = (length + 1) | 0;
  }
  cmdlineLength = length;
  cmdlineTrim();
  return cmdlineLength > 0;
}

function cmdlineTrim(): void {
  while (cmdlineLength > 0) {
    const last = cmdlineBytes[(cmdlineLength - 1) | 0];
    if (last !== 0 && last !== 0x20 && last !== 0x0a && last !== 0x0d) {
      break;
    }
    cmdlineLength = (cmdlineLength - 1) | 0;
  }
}

/** Chooses and reads the command line. Fatal when it is longer than the kernel accepts. */
export function cmdlineLoad(): number {
  cmdlineLength = 0;
  let source = 'load options';
  if (!cmdlineFromLoadOptions()) {
    cmdlineLength = 0;
    source = '.cmdline';
    if (imageHasCmdline()) {
      let size = imageCmdlineSize();
      if (uint32Below(CMDLINE_CAPACITY, size)) {
        size = CMDLINE_CAPACITY;
      }
      const status = hostPhysToHeap(cmdlineBytes, 0, imageCmdlineLo(), imageCmdlineHi(), size) >>> 0;
      if (status !== 0) {
        return fail(status, 'cmdline', 'failed to read the .cmdline section');
      }
      // The text ends at its first NUL (efistub wrap writes one).
      while (cmdlineLength < size && cmdlineBytes[cmdlineLength] !== 0) {
        cmdlineLength = (cmdlineLength + 1) | 0;
      }
      cmdlineTrim();
    } else {
      source = 'none';
    }
  }
  const limit = setupValue(SETUP_CMDLINE_SIZE);
  if (uint32Below(limit, cmdlineLength) || cmdlineLength === CMDLINE_CAPACITY) {
    return fail(EFI_BAD_BUFFER_SIZE, 'cmdline', 'the command line is longer than the kernel\'s cmdline_size');
  }
  for (let index = cmdlineLength; index < CMDLINE_CAPACITY; index = (index + 1) | 0) {
    cmdlineBytes[index] = 0;
  }
  logStart('cmdline');
  logAppendText('(');
  logAppendText(source);
  logAppendText(') ');
  for (let index = 0; index < cmdlineLength; index = (index + 1) | 0) {
    logAppendChar(cmdlineBytes[index]);
  }
  logFinish();
  return 0;
}

/** True when `word` appears as a whole option (`nokaslr`, not `nokaslrx`; `word=...` counts). */
export function cmdlineHasOption(word: string): boolean {
  const wordLength = word.length;
  let start = 0;
  while (start < cmdlineLength) {
    while (start < cmdlineLength && cmdlineBytes[start] === 0x20) {
      start = (start + 1) | 0;
    }
    let end = start;
    while (end < cmdlineLength && cmdlineBytes[end] !== 0x20) {
      end = (end + 1) | 0;
    }
    if (((end - start) | 0) >= wordLength) {
      let same = true;
      for (let index = 0; index < wordLength; index = (index + 1) | 0) {
        if (cmdlineBytes[(start + index) | 0] !== word.charCodeAt(index)) {
          same = false;
          break;
        }
      }
      const next = (start + wordLength) | 0;
      if (same && (next === end || cmdlineBytes[next] === 0x3d)) {
        return true;
      }
    }
    start = end;
  }
  return false;
}
