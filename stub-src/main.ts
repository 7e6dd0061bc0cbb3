/**
 * @fileoverview efiMain: the stub's table of contents, one step per line.
 *
 * The C runtime calls efiMain() once the host is bound and prints the final exit line itself;
 * efiMain returns EFI_SUCCESS or the folded status of the first fatal step, whose module has
 * already said what failed.
 *
 * This is the first stub ("hello"): it proves the host boundary, the firmware description and
 * the path to the stub's own sections before the boot flow of DESIGN.md replaces these steps.
 */

import { bootServicesInit } from './efi/boot-services';
import { EFI_SUCCESS } from './efi/status';
import { checkPages } from './hello/check-pages';
import { reportFirmware } from './hello/report-firmware';
import { reportMemoryMap } from './hello/report-memory-map';
import { reportCmdline, reportSections } from './hello/report-sections';
import { fail } from './log';

export function efiMain(): number {
  // The system and boot services tables first: every later step calls through them.
  let status = bootServicesInit();
  if (status !== 0) {
    return fail(status, 'system-table', 'bad system table or boot services table');
  }
  status = reportFirmware();
  if (status !== 0) {
    return status;
  }
  // The memory map before any allocation of ours, so the count shows the firmware's own map.
  status = reportMemoryMap();
  if (status !== 0) {
    return status;
  }
  status = checkPages();
  if (status !== 0) {
    return status;
  }
  status = reportSections();
  if (status !== 0) {
    return status;
  }
  status = reportCmdline();
  if (status !== 0) {
    return status;
  }
  return EFI_SUCCESS;
}
