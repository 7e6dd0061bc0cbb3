/**
 * @fileoverview Stage times for the boot log, from the time-stamp counter.
 *
 * The TSC's rate is measured once against the firmware's Stall() (UEFI 2.10 §7.5.2, a busy wait
 * of a given number of microseconds): STAGE_CLOCK_CALIBRATION_US of it costs that much boot
 * time and gives milliseconds good to a few percent, which is what a stage log needs. Under
 * QEMU TCG the TSC follows the virtual clock, so the times are the guest's.
 */

import { uint32Below } from '../efi/address';
import { bootServicesCall, efiArgument } from '../efi/boot-services';
import { BOOT_SERVICES_STALL } from '../efi/tables';
import { logAppendDecimal, logAppendText, logFinish, logStart } from '../log';

export const STAGE_CLOCK_CALIBRATION_US = 2000;

const stageClockHalves = new Uint32Array(new ArrayBuffer(8));
// [0..1] last mark, [2] TSC ticks per millisecond >> 11 (0: not calibrated).
const stageClockState = new Uint32Array(new ArrayBuffer(12));

/** Ticks since (lo, hi), shifted right by 11 (fits 31 bits for over an hour at 4 GHz). */
function stageClockElapsed(): number {
  hostReadTsc(stageClockHalves);
  const lo = stageClockHalves[0] >>> 0;
  const hi = stageClockHalves[1] >>> 0;
  const borrow = uint32Below(lo, stageClockState[0]) ? 1 : 0;
  const diffLo = (lo - stageClockState[0]) >>> 0;
  const diffHi = (hi - stageClockState[1] - borrow) >>> 0;
  stageClockState[0] = lo;
  stageClockState[1] = hi;
  return ((diffLo >>> 11) | (diffHi << 21)) & 0x7fffffff;
}

/** Calibrates the TSC against Stall() and starts the first stage. */
export function stageClockStart(): void {
  hostReadTsc(stageClockHalves);
  stageClockState[0] = stageClockHalves[0];
  stageClockState[1] = stageClockHalves[1];
  efiArgument(0, STAGE_CLOCK_CALIBRATION_US, 0);
  const stalled = bootServicesCall(BOOT_SERVICES_STALL, 1);
  const ticks = stageClockElapsed();
  stageClockState[2] = stalled === 0 ? ((ticks / ((STAGE_CLOCK_CALIBRATION_US / 1000) | 0)) | 0) : 0;
}

/** Logs `efistub: time: <stage> <n> ms` for the time since the previous mark. */
export function stageClockMark(stage: string): void {
  const ticks = stageClockElapsed();
  const perMillisecond = stageClockState[2] | 0;
  if (perMillisecond <= 0) {
    return;
  }
  logStart('time');
  logAppendText(stage);
  logAppendText(' ');
  logAppendDecimal((ticks / perMillisecond) | 0);
  logAppendText(' ms');
  logFinish();
}
