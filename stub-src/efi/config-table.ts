/**
 * @fileoverview The EFI configuration table (UEFI 2.10 §4.6): an array of (VendorGuid,
 * VendorTable) pairs the system table points at. The stub looks up ACPI's RSDP there (and, in
 * the SEV step, the confidential-computing blob).
 */

import { addressPlusHi, addressPlusLo, readField32 } from './address';
import { systemTableHi, systemTableLo } from './boot-services';
import { guidEquals } from './guids';
import {
  CONFIGURATION_TABLE_SIZE, CONFIGURATION_TABLE_VENDOR_TABLE, SYSTEM_TABLE_CONFIGURATION_TABLE,
  SYSTEM_TABLE_NUMBER_OF_TABLE_ENTRIES,
} from './tables';

/** More entries than this is a corrupt system table (OVMF has about a dozen). */
export const CONFIG_TABLE_MAX_ENTRIES = 1024;

// [0..1] the table pointer found by the last configTableFind.
const configTableFound = new Uint32Array(new ArrayBuffer(8));

export function configTableFoundLo(): number {
  return configTableFound[0] >>> 0;
}
export function configTableFoundHi(): number {
  return configTableFound[1] >>> 0;
}

/**
 * Looks for the table with the given GUID; true when found (its pointer is then
 * configTableFoundLo/Hi), false when absent or when the system table's count is implausible.
 */
export function configTableFind(word0: number, word1: number, word2: number, word3: number): boolean {
  configTableFound[0] = 0;
  configTableFound[1] = 0;
  const systemLo = systemTableLo();
  const systemHi = systemTableHi();
  const count = readField32(systemLo, systemHi, SYSTEM_TABLE_NUMBER_OF_TABLE_ENTRIES);
  if (readField32(systemLo, systemHi, (SYSTEM_TABLE_NUMBER_OF_TABLE_ENTRIES + 4) | 0) !== 0 || count > CONFIG_TABLE_MAX_ENTRIES) {
    return false;
  }
  const arrayLo = readField32(systemLo, systemHi, SYSTEM_TABLE_CONFIGURATION_TABLE);
  const arrayHi = readField32(systemLo, systemHi, (SYSTEM_TABLE_CONFIGURATION_TABLE + 4) | 0);
  for (let index = 0; index < count; index = (index + 1) | 0) {
    const offset = Math.imul(index, CONFIGURATION_TABLE_SIZE);
    const entryLo = addressPlusLo(arrayLo, offset);
    const entryHi = addressPlusHi(arrayLo, arrayHi, offset);
    if (guidEquals(entryLo, entryHi, word0, word1, word2, word3)) {
      configTableFound[0] = readField32(entryLo, entryHi, CONFIGURATION_TABLE_VENDOR_TABLE);
      configTableFound[1] = readField32(entryLo, entryHi, (CONFIGURATION_TABLE_VENDOR_TABLE + 4) | 0);
      return true;
    }
  }
  return false;
}
