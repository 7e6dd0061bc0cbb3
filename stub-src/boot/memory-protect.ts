/**
 * @fileoverview Boot step 7: the kernel's text made read-only and executable.
 *
 * Firmware that implements EFI_MEMORY_ATTRIBUTE_PROTOCOL (UEFI 2.10 §37.7) may map fresh
 * allocations non-executable; the kernel's startup code then faults on its first instruction.
 * Where the protocol exists the stub clears EFI_MEMORY_XP and sets EFI_MEMORY_RO on the text
 * segment (the first executable PT_LOAD, page-rounded), as the Linux stub does for
 * _text.._etext. Without the protocol the kernel's pages keep the attributes of EfiLoaderCode,
 * which such firmware maps executable (OVMF 2022.11 has no protocol and maps them RWX).
 * The DXE services fallback (SetMemorySpaceAttributes) is not implemented: firmware that has
 * neither the protocol nor executable EfiLoaderCode is not known to the project.
 */

import { readField32 } from '../efi/address';
import {
  bootServicesResult, efiArgument, efiCallPointer, locateProtocol, BOOT_RESULT_ADDRESS_HI, BOOT_RESULT_ADDRESS_LO,
} from '../efi/boot-services';
import {
  MEMORY_ATTRIBUTE_PROTOCOL_GUID_0, MEMORY_ATTRIBUTE_PROTOCOL_GUID_1, MEMORY_ATTRIBUTE_PROTOCOL_GUID_2,
  MEMORY_ATTRIBUTE_PROTOCOL_GUID_3,
} from '../efi/guids';
import { EFI_MEMORY_RO, EFI_MEMORY_XP } from '../efi/tables';
import { fail, logAppendHex, logAppendText, logFinish, logStart, logText } from '../log';
import { elfTextOffset, elfTextSize } from './elf-load';
import { placementAddress } from './placement';

/** EFI_MEMORY_ATTRIBUTE_PROTOCOL: GetMemoryAttributes, SetMemoryAttributes, ClearMemoryAttributes. */
const MEMORY_ATTRIBUTE_SET = 8;
const MEMORY_ATTRIBUTE_CLEAR = 16;

function memoryAttributeCall(slot: number, protocolLo: number, protocolHi: number, start: number, length: number,
  attributes: number): number {
  efiArgument(0, protocolLo, protocolHi);
  efiArgument(1, start, 0);
  efiArgument(2, length, 0);
  efiArgument(3, attributes, 0);
  return efiCallPointer(readField32(protocolLo, protocolHi, slot), readField32(protocolLo, protocolHi, (slot + 4) | 0), 4);
}

/** Makes the kernel text RO+X through the memory attribute protocol, when the firmware has it. */
export function memoryProtectKernel(): number {
  if (locateProtocol(MEMORY_ATTRIBUTE_PROTOCOL_GUID_0, MEMORY_ATTRIBUTE_PROTOCOL_GUID_1,
    MEMORY_ATTRIBUTE_PROTOCOL_GUID_2, MEMORY_ATTRIBUTE_PROTOCOL_GUID_3) !== 0) {
    logText('memory-attributes', 'no EFI_MEMORY_ATTRIBUTE_PROTOCOL: kernel pages keep EfiLoaderCode attributes');
    return 0;
  }
  const protocolLo = bootServicesResult(BOOT_RESULT_ADDRESS_LO);
  const protocolHi = bootServicesResult(BOOT_RESULT_ADDRESS_HI);
  const start = (placementAddress() + elfTextOffset()) >>> 0;
  const length = ((elfTextSize() + 0xfff) & ~0xfff) >>> 0;
  let status = memoryAttributeCall(MEMORY_ATTRIBUTE_CLEAR, protocolLo, protocolHi, start, length, EFI_MEMORY_XP);
  if (status !== 0) {
    return fail(status, 'memory-attributes', 'failed to make the kernel text executable');
  }
  status = memoryAttributeCall(MEMORY_ATTRIBUTE_SET, protocolLo, protocolHi, start, length, EFI_MEMORY_RO);
  if (status !== 0) {
    return fail(status, 'memory-attributes', 'failed to make the kernel text read-only');
  }
  logStart('memory-attributes');
  logAppendText('text ');
  logAppendHex(start);
  logAppendText(' size ');
  logAppendHex(length);
  logAppendText(' read-only, executable');
  logFinish();
  return 0;
}
