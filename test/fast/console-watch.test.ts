/**
 * How `efistub run` decides a run from the console (compiler/qemu-run.ts ConsoleWatch), with no
 * QEMU: the console of a real trapping-stub boot under OVMF (its text as the cleaner leaves it)
 * is fed cut into chunks in every way a loaded machine could deliver it.
 *
 * Properties:
 * - with continueAfterExit, the run ends at the firmware's shell and the stub's exit status is
 *   reported whatever the cut, one cut point or many, one-character chunks included;
 * - the status is still reported when the run was decided before the exit line was looked at
 *   (a timer, or the text arriving after the decision): it is read from the whole output;
 * - without continueAfterExit, the exit line ends the run as 'stub-exit' with its status;
 * - an exit line at the very end (no character after the last digit) is left open by push()
 *   and counted at the timeout;
 * - stopOn and the exit line in one chunk: whichever ends first decides;
 * - an OVMF exception dump ends the run as 'cpu-exception' at its last line, never as the shell.
 */
import { describe, expect, it } from 'vitest';
import { ConsoleWatch, type RunOptions, type RunOutcome } from '../../compiler/qemu-run.ts';

const BOOT_OPTION = '"UEFI QEMU HARDDISK QM00001 " from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0)';
const SHELL_OPTION = '"EFI Internal Shell" from Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)' +
  '/FvFile(7C04A583-9E3E-4F1C-AD65-E05268D0B4D1)';
/** The console of test/fixtures/stubs/trap-heap-range under OVMF 2022.11, after ConsoleCleaner. */
const TRAP_CONSOLE = [
  `BdsDxe: loading Boot0001 ${BOOT_OPTION}`,
  `BdsDxe: starting Boot0001 ${BOOT_OPTION}`,
  'Aefistub: trap: out-of-bounds access to linear memory or a table',
  'efistub: exit: status=0x8000000000000015',
  `BdsDxe: failed to start Boot0001 ${BOOT_OPTION}: Aborted`,
  `BdsDxe: loading Boot0002 ${SHELL_OPTION}`,
  `BdsDxe: starting Boot0002 ${SHELL_OPTION}`,
  'UEFI Interactive Shell v2.2',
  'EDK II',
  'UEFI v2.70 (EDK II, 0x00010000)',
  'Shell> ',
].join('\n');
const TRAP_STATUS = '8000000000000015';

interface Fed {
  outcome: RunOutcome | undefined;
  status: string | undefined;
  watch: ConsoleWatch;
}

/** Feeds `text` cut at `cuts` (ascending offsets), as the supervisor does: the first outcome wins. */
function feed(text: string, cuts: readonly number[], options: Pick<RunOptions, 'stopOn' | 'continueAfterExit'>): Fed {
  const watch = new ConsoleWatch(options);
  let outcome: RunOutcome | undefined;
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    const decided = watch.push(text.slice(from, cut));
    outcome ??= decided;
    from = cut;
  }
  return { outcome, status: watch.exitStatusHex(), watch };
}

/** A deterministic pseudo-random generator (xorshift32), so a failing cut can be replayed. */
function randomCuts(length: number, count: number, seed: number): number[] {
  let state = seed;
  const cuts = new Set<number>();
  while (cuts.size < count) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    cuts.add(1 + ((state >>> 0) % (length - 1)));
  }
  return [...cuts].sort((a, b) => a - b);
}

describe('ConsoleWatch on a trapping stub whose firmware goes on to its shell', () => {
  it('reports the shell and the exit status for every single cut point', () => {
    for (let cut = 0; cut <= TRAP_CONSOLE.length; cut++) {
      const fed = feed(TRAP_CONSOLE, [cut], { continueAfterExit: true });
      expect({ cut, outcome: fed.outcome, status: fed.status }).toEqual({ cut, outcome: 'firmware-shell', status: TRAP_STATUS });
    }
  });

  it('reports them for many random cuts and for one character at a time', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const cuts = randomCuts(TRAP_CONSOLE.length, 1 + (seed % 40), seed * 2654435761);
      const fed = feed(TRAP_CONSOLE, cuts, { continueAfterExit: true });
      expect({ seed, outcome: fed.outcome, status: fed.status }).toEqual({ seed, outcome: 'firmware-shell', status: TRAP_STATUS });
    }
    const everyCharacter = Array.from({ length: TRAP_CONSOLE.length - 1 }, (_, index) => index + 1);
    expect(feed(TRAP_CONSOLE, everyCharacter, { continueAfterExit: true }).status).toBe(TRAP_STATUS);
  });

  it('reads the status from the whole output when the run was decided before the exit line was looked at', () => {
    const watch = new ConsoleWatch({ continueAfterExit: true });
    const exitAt = TRAP_CONSOLE.indexOf('efistub: exit:');
    expect(watch.push(TRAP_CONSOLE.slice(0, exitAt))).toBeUndefined();
    // A timer decides the run (as the supervisor's timeout or exception grace would); QEMU's
    // last output is read when it closes.
    watch.decided = true;
    expect(watch.push(TRAP_CONSOLE.slice(exitAt))).toBeUndefined();
    expect(watch.output).toBe(TRAP_CONSOLE);
    expect(watch.exitStatusHex()).toBe(TRAP_STATUS);
  });
});

describe('ConsoleWatch without continueAfterExit', () => {
  it('ends the run at the exit line with its status, for every cut point', () => {
    for (let cut = 0; cut <= TRAP_CONSOLE.length; cut++) {
      const fed = feed(TRAP_CONSOLE, [cut], {});
      expect({ cut, outcome: fed.outcome, status: fed.status }).toEqual({ cut, outcome: 'stub-exit', status: TRAP_STATUS });
    }
  });

  it('leaves an exit line at the very end open until the timeout, which counts it', () => {
    const watch = new ConsoleWatch({});
    expect(watch.push('efistub: hello\nefistub: exit: status=0x0')).toBeUndefined();
    expect(watch.exitStatusHex()).toBeUndefined();
    expect(watch.endsWithExitLine()).toBe(true);
    expect(watch.exitStatusHex()).toBe('0');
  });

  it('does not count an exit line at the timeout once the run is decided', () => {
    const watch = new ConsoleWatch({});
    watch.decided = true;
    watch.push('efistub: exit: status=0x0');
    expect(watch.endsWithExitLine()).toBe(false);
    expect(watch.exitStatusHex()).toBeUndefined();
  });
});

describe('ConsoleWatch with stopOn', () => {
  it('lets whichever of stopOn and the exit line ends first decide a chunk holding both', () => {
    const text = 'efistub: starting the kernel\nLinux version 6.1\nefistub: exit: status=0x0\n';
    expect(feed(text, [], { stopOn: /Linux version/ }).outcome).toBe('stopped');
    expect(feed(text, [], { stopOn: /status=0x0\n/ }).outcome).toBe('stub-exit');
  });

  it('finds a stopOn pattern cut across chunks', () => {
    const text = 'a'.repeat(5000) + 'Run /init as init process\n';
    for (const cut of [5000, 5004, 5010, 5025]) {
      expect(feed(text, [cut], { stopOn: /Run \/init as init process/ }).outcome).toBe('stopped');
    }
  });
});

describe('ConsoleWatch on a CPU exception', () => {
  it('waits for the dump to end, then reports cpu-exception even with the shell text after it', () => {
    const dump = '!!!! X64 Exception Type - 06(#UD - Invalid Opcode)  CPU Apic ID - 00000000 !!!!\n' +
      'RIP  - 000000007E5A1234, CS  - 0000000000000038, RFLAGS - 0000000000000246\n' +
      '!!!! Find image based on IP(0x7E5A1234) /build/app.efi (ImageBase=000000007E5A0000) !!!!\n';
    const watch = new ConsoleWatch({});
    expect(watch.push(dump.slice(0, 90))).toBeUndefined();
    expect(watch.exceptionSeen).toBe(true);
    expect(watch.push(dump.slice(90) + 'Shell> ')).toBe('cpu-exception');
  });
});
