/**
 * @fileoverview Hello step: name the firmware, `efistub: firmware: <vendor> rev 0x<revision>`.
 *
 * Best-effort in spirit but cheap: the vendor string is UCS-2 (CHAR16, UEFI 2.10 §2.3.1) at
 * EFI_SYSTEM_TABLE.FirmwareVendor; characters outside ASCII print as '?', and a missing or
 * unterminated string is cut at FIRMWARE_VENDOR_MAX_CHARACTERS.
 */

import { readField16, readField32, addressPlusHi, addressPlusLo } from '../efi/address';
import { systemTableHi, systemTableLo } from '../efi/boot-services';
import { SYSTEM_TABLE_FIRMWARE_REVISION, SYSTEM_TABLE_FIRMWARE_VENDOR } from '../efi/tables';
import { logAppendChar, logAppendHex, logAppendText, logFinish, logStart } from '../log';

export const FIRMWARE_VENDOR_MAX_CHARACTERS = 128;

export function reportFirmware(): number {
  const tableLo = systemTableLo();
  const tableHi = systemTableHi();
  const vendorLo = readField32(tableLo, tableHi, SYSTEM_TABLE_FIRMWARE_VENDOR);
  const vendorHi = readField32(tableLo, tableHi, (SYSTEM_TABLE_FIRMWARE_VENDOR + 4) | 0);
  const revision = readField32(tableLo, tableHi, SYSTEM_TABLE_FIRMWARE_REVISION);
  logStart('firmware');
  if (((vendorLo | vendorHi) | 0) === 0) {
    logAppendText('(no vendor)');
  } else {
    for (let index = 0; index < FIRMWARE_VENDOR_MAX_CHARACTERS; index = (index + 1) | 0) {
      const offset = index << 1;
      const character = readField16(addressPlusLo(vendorLo, offset), addressPlusHi(vendorLo, vendorHi, offset), 0);
      if (character === 0) {
        break;
      }
      logAppendChar(character);
    }
  }
  logAppendText(' rev ');
  logAppendHex(revision);
  logFinish();
  return 0;
}
