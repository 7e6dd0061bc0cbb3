/**
 * @fileoverview Stage times for the boot log, from the time-stamp counter.
 *
 * The TSC's rate is measured once against the firmware's Stall() (UEFI 2.10 §7.5.2, a busy wait
 * of a given number of microseconds), as the difference between a short and a long Stall: each
 * call also costs the way into the firmware and back, which a single calibration stall counted
 * as stall time (under QEMU TCG, where that way is slow, the log read about 12% short of the
 * host's clock); the difference cancels it. A first, 1 µs Stall takes the first call's own costs
 * (under TCG, translating the firmware's code) out of the measured ones. Together they cost
 * about STAGE_CLOCK_LONG_US + STAGE_CLOCK_SHORT_US of boot time and give milliseconds good to a
 * few percent, which is what a stage log needs. Under QEMU TCG the TSC follows the virtual
 * clock, so the times are the guest's.
 */

import { uint32Below } from '../efi/address';
import { bootServicesCall, efiArgument } from '../efi/boot-services';
import { BOOT_SERVICES_STALL } from '../efi/tables';
import { logAppendDecimal, logAppendText, logFinish, logStart } from '../log';

export const STAGE_CLOCK_SHORT_US = 1000;
export const STAGE_CLOCK_LONG_US = 3000;

const stageClockHalves = new Uint32Array(new ArrayBuffer(8));
// [0..1] last mark, [2] TSC ticks per millisecond >> 11 (0: not calibrated).
const stageClockState = new Uint32Array(new ArrayBuffer(12));

/** Ticks since (lo, hi), shifted right by 11 (31 bits hold about 18 minutes at 4 GHz, far more than a stage). */
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

/** Ticks a Stall(microseconds) takes, call included; -1 when the firmware refused it. */
function stageClockStall(microseconds: number): number {
  stageClockElapsed();
  efiArgument(0, microseconds, 0);
  const status = bootServicesCall(BOOT_SERVICES_STALL, 1);
  const ticks = stageClockElapsed();
  return status === 0 ? ticks : -1;
}

/** Calibrates the TSC against Stall() and starts the first stage. */
export function stageClockStart(): void {
  hostReadTsc(stageClockHalves);
  stageClockState[0] = stageClockHalves[0];
  stageClockState[1] = stageClockHalves[1];
  stageClockStall(1);
  const short = stageClockStall(STAGE_CLOCK_SHORT_US);
  const long = stageClockStall(STAGE_CLOCK_LONG_US);
  const perMillisecond = short < 0 || long <= short ? 0
    : (((long - short) | 0) / (((STAGE_CLOCK_LONG_US - STAGE_CLOCK_SHORT_US) / 1000) | 0)) | 0;
  stageClockState[2] = perMillisecond;
  stageClockElapsed();
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
  logAppendDecimal(((ticks + (perMillisecond >> 1)) / perMillisecond) | 0);
  logAppendText(' ms');
  logFinish();
}
