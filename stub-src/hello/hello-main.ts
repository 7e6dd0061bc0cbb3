/**
 * @fileoverview The hello steps: what the stub does when its image carries no kernel (.linux).
 * They prove the host boundary, the firmware description and the path to the stub's own
 * sections, and return EFI_SUCCESS; the walking-skeleton tests boot them.
 */

import { checkPages } from './check-pages';
import { reportFirmware } from './report-firmware';
import { reportMemoryMap } from './report-memory-map';
import { reportCmdline, reportSections } from './report-sections';
import { EFI_SUCCESS } from '../efi/status';

export function helloSteps(): number {
  let status = reportFirmware();
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
