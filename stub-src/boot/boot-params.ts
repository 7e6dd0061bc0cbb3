/**
 * @fileoverview Boot step 8b: boot_params, the "zero page" (Documentation/arch/x86/zero-page.rst,
 * boot.rst "64-bit boot protocol").
 *
 * Built on the heap (bootParams, 4 KiB) and copied to its page below 4 GiB once the memory map
 * is final. Before ExitBootServices: the setup header copied from the bzImage, type_of_loader
 * 0xff (no assigned ID), KASLR_FLAG when the addresses are randomised, the command line (its
 * own page below 4 GiB: cmd_line_ptr plus ext_cmd_line_ptr), the initrd, the ACPI RSDP. After:
 * efi_info (system table, final memory map) and the e820 table (stub-src/boot/e820.ts).
 * setup_data for e820 entries beyond 128 is allocated beforehand (no allocation is possible
 * after ExitBootServices).
 */

import { bootAllocatePages } from './allocations';
import { bootServicesResult, systemTableHi, systemTableLo, BOOT_RESULT_ADDRESS_LO } from '../efi/boot-services';
import { configTableFind, configTableFoundHi, configTableFoundLo } from '../efi/config-table';
import {
  ACPI_20_TABLE_GUID_0, ACPI_20_TABLE_GUID_1, ACPI_20_TABLE_GUID_2, ACPI_20_TABLE_GUID_3, ACPI_TABLE_GUID_0,
  ACPI_TABLE_GUID_1, ACPI_TABLE_GUID_2, ACPI_TABLE_GUID_3,
} from '../efi/guids';
import { ALLOCATE_MAX_ADDRESS, EFI_LOADER_DATA } from '../efi/tables';
import { fail, logAppendHex, logAppendText, logFinish, logStart } from '../log';
import { cmdlineBytes, cmdlineTextLength } from './cmdline';
import { initrdAddress, initrdSize } from './initrd';
import { placementKaslr } from './placement';
import { sevCcBlobAddress } from './sev';
import { screenInfoFromGop } from './screen-info';
import {
  setupHeaderBytes, setupValue, HDR_CMD_LINE_PTR, HDR_LOADFLAGS, HDR_RAMDISK_IMAGE, HDR_RAMDISK_SIZE,
  HDR_SETUP_DATA, HDR_SETUP_SECTS, HDR_TYPE_OF_LOADER, LOADFLAG_KASLR, SETUP_HEADER_END,
} from './setup-header';
import { bytesWrite32 } from '../bytes';

// boot_params fields outside the setup header (zero-page.rst).
export const BP_ACPI_RSDP_ADDR = 0x070; // u64
export const BP_EXT_RAMDISK_IMAGE = 0x0c0;
export const BP_EXT_RAMDISK_SIZE = 0x0c4;
export const BP_EXT_CMD_LINE_PTR = 0x0c8;
export const BP_CC_BLOB_ADDRESS = 0x13c;
export const BP_EFI_LOADER_SIGNATURE = 0x1c0;
export const BP_EFI_SYSTAB = 0x1c4;
export const BP_EFI_MEMDESC_SIZE = 0x1c8;
export const BP_EFI_MEMDESC_VERSION = 0x1cc;
export const BP_EFI_MEMMAP = 0x1d0;
export const BP_EFI_MEMMAP_SIZE = 0x1d4;
export const BP_EFI_SYSTAB_HI = 0x1d8;
export const BP_EFI_MEMMAP_HI = 0x1dc;
export const BP_E820_ENTRIES = 0x1e8; // u8
export const BP_E820_TABLE = 0x2d0;
export const BP_E820_MAX = 128;
export const BOOT_PARAMS_SIZE = 4096;
/** "EL64": a 64-bit EFI loader (arch/x86/include/asm/efi.h EFI64_LOADER_SIGNATURE). */
export const EFI64_LOADER_SIGNATURE = 0x34364c45;
/** No loader ID assigned to the project (boot.rst, type_of_loader: 0xFF undefined). */
export const TYPE_OF_LOADER_UNDEFINED = 0xff;

/** setup_data pages for e820 entries beyond 128 (SETUP_E820_EXT): 16-byte header + 20 per entry. */
export const SETUP_DATA_PAGES = 2;
export const SETUP_DATA_HEADER = 16;
export const SETUP_E820_EXT = 1;

export const bootParams = new Uint8Array(new ArrayBuffer(BOOT_PARAMS_SIZE));
// [0] boot_params page, [1] command line page, [2] setup_data pages.
const bootParamsState = new Uint32Array(new ArrayBuffer(12));

export function bootParamsAddress(): number {
  return bootParamsState[0] >>> 0;
}
export function bootParamsSetupDataAddress(): number {
  return bootParamsState[2] >>> 0;
}

export function bootParamsWrite8(offset: number, value: number): void {
  bootParams[offset] = value & 0xff;
}
export function bootParamsWrite32(offset: number, value: number): void {
  bytesWrite32(bootParams, offset, value);
}

/** Allocates `pages` pages below 4 GiB (EfiLoaderData) and grants writes; 0 on failure. */
function bootParamsPages(pages: number): number {
  if (bootAllocatePages(ALLOCATE_MAX_ADDRESS, EFI_LOADER_DATA, pages, 0xffffffff, 0) !== 0) {
    return 0;
  }
  return bootServicesResult(BOOT_RESULT_ADDRESS_LO);
}

/** Everything known before ExitBootServices. */
export function bootParamsPrepare(): number {
  for (let index = 0; index < BOOT_PARAMS_SIZE; index = (index + 1) | 0) {
    bootParams[index] = 0;
  }
  const headerEnd = setupValue(SETUP_HEADER_END);
  for (let index = HDR_SETUP_SECTS; index < headerEnd; index = (index + 1) | 0) {
    bootParams[index] = setupHeaderBytes[index];
  }
  bootParamsWrite8(HDR_TYPE_OF_LOADER, TYPE_OF_LOADER_UNDEFINED);
  if (placementKaslr()) {
    bootParamsWrite8(HDR_LOADFLAGS, bootParams[HDR_LOADFLAGS] | LOADFLAG_KASLR);
  } else {
    bootParamsWrite8(HDR_LOADFLAGS, bootParams[HDR_LOADFLAGS] & ~LOADFLAG_KASLR);
  }
  // Nothing chained yet: a header copied from the file must not point at the bzImage's data.
  bootParamsWrite32(HDR_SETUP_DATA, 0);
  bootParamsWrite32((HDR_SETUP_DATA + 4) | 0, 0);

  const page = bootParamsPages(1);
  const cmdline = bootParamsPages(1);
  const setupData = bootParamsPages(SETUP_DATA_PAGES);
  if (page === 0 || cmdline === 0 || setupData === 0) {
    return fail(0x80000009, 'boot-params', 'failed to allocate boot_params, the command line or setup_data below 4 GiB');
  }
  bootParamsState[0] = page;
  bootParamsState[1] = cmdline;
  bootParamsState[2] = setupData;
  // The text and its NUL (cmdlineBytes is zero past the text).
  let status = hostHeapToPhys(cmdline, 0, cmdlineBytes, 0, (cmdlineTextLength() + 1) | 0) >>> 0;
  if (status !== 0) {
    return fail(status, 'boot-params', 'failed to write the command line');
  }
  bootParamsWrite32(HDR_CMD_LINE_PTR, cmdline);
  bootParamsWrite32(BP_EXT_CMD_LINE_PTR, 0);
  bootParamsWrite32(HDR_RAMDISK_IMAGE, initrdAddress());
  bootParamsWrite32(HDR_RAMDISK_SIZE, initrdSize());
  bootParamsWrite32(BP_EXT_RAMDISK_IMAGE, 0);
  bootParamsWrite32(BP_EXT_RAMDISK_SIZE, 0);
  if (
    configTableFind(ACPI_20_TABLE_GUID_0, ACPI_20_TABLE_GUID_1, ACPI_20_TABLE_GUID_2, ACPI_20_TABLE_GUID_3) ||
    configTableFind(ACPI_TABLE_GUID_0, ACPI_TABLE_GUID_1, ACPI_TABLE_GUID_2, ACPI_TABLE_GUID_3)
  ) {
    bootParamsWrite32(BP_ACPI_RSDP_ADDR, configTableFoundLo());
    bootParamsWrite32((BP_ACPI_RSDP_ADDR + 4) | 0, configTableFoundHi());
  }
  bootParamsWrite32(BP_CC_BLOB_ADDRESS, sevCcBlobAddress());
  bootParamsWrite32(BP_EFI_LOADER_SIGNATURE, EFI64_LOADER_SIGNATURE);
  bootParamsWrite32(BP_EFI_SYSTAB, systemTableLo());
  bootParamsWrite32(BP_EFI_SYSTAB_HI, systemTableHi());
  screenInfoFromGop(bootParams);
  logStart('boot-params');
  logAppendText('at ');
  logAppendHex(page);
  logAppendText(' cmdline at ');
  logAppendHex(cmdline);
  logAppendText(' rsdp ');
  logAppendHex(configTableFoundLo());
  logFinish();
  return 0;
}

/** Copies the finished boot_params to its page. */
export function bootParamsCommit(): number {
  return hostHeapToPhys(bootParamsState[0], 0, bootParams, 0, BOOT_PARAMS_SIZE) >>> 0;
}
