/**
 * The DXE services fallback of stub-src/boot/memory-protect.ts against the simulated firmware,
 * twice: as TypeScript in Node and as the porffor-compiled Wasm, one scenario list and two
 * runners (as in boot-flow.test.ts).
 *
 * Firmware without EFI_MEMORY_ATTRIBUTE_PROTOCOL but with the DXE services table (OVMF, for one)
 * describes memory in its GCD memory space map. The Linux stub (efi_adjust_memory_range_protection
 * in drivers/firmware/efi/libstub/x86-stub.c) walks the GCD ranges the kernel text overlaps and,
 * for each system-memory range marked EFI_MEMORY_RO or EFI_MEMORY_XP, calls
 * SetMemorySpaceAttributes(overlap start, overlap length, EFI_MEMORY_WB); the stub does the same.
 *
 * Every expected value is computed here from the scenario's inputs and the documents: UEFI PI 1.8
 * vol. 2 §7.2 (DXE services, EFI_GCD_MEMORY_TYPE: NonExistent 0, Reserved 1, SystemMemory 2,
 * MemoryMappedIo 3, as EDK2's MdePkg/Include/Pi/PiDxeCis.h has it), UEFI 2.10 §7.2.3 (memory
 * attribute bits), the synthetic kernel of test/support/tiny-kernel.ts (its first executable
 * PT_LOAD is the text) and the placement the stub logs; never by calling stub code.
 */
import { describe, expect, it } from 'vitest';
import * as S from '../../stub-src/efi/status.ts';
import {
  GCD_MEMORY_TYPE_MEMORY_MAPPED_IO, GCD_MEMORY_TYPE_RESERVED, GCD_MEMORY_TYPE_SYSTEM_MEMORY, ukiSections,
  type GcdRange, type Simulator, type SimulatorOptions,
} from '../support/simulator/index.ts';
import { runStubInNode, type StubRun } from '../support/simulator/run-stub.ts';
import { describeInNodeAndWasm, expectSameRun } from '../support/simulator/compiled-stub.ts';
import { buildTinyKernel, PF_X, type TinyKernel } from '../support/tiny-kernel.ts';

const PAGE = 0x1000;
/** The simulator's default RAM (firmware.ts): 64 MiB at physical 0. */
const RAM = 64 * 0x100000;

// UEFI 2.10 §7.2.3 memory attributes.
const EFI_MEMORY_UC = 0x1n;
const EFI_MEMORY_WB = 0x8n;
const EFI_MEMORY_XP = 0x4000n;
const EFI_MEMORY_RO = 0x20000n;

const SET = 'DxeServices.SetMemorySpaceAttributes';
const GET = 'DxeServices.GetMemorySpaceDescriptor';
const NO_PROTOCOL_LINE = 'efistub: memory-attributes: no EFI_MEMORY_ATTRIBUTE_PROTOCOL: kernel pages keep EfiLoaderCode attributes';
const BAD_SIGNATURE_LINE = 'efistub: memory-attributes: ignoring a DXE services table with a bad signature';
const dxeLine = (ranges: number) =>
  `efistub: memory-attributes: no EFI_MEMORY_ATTRIBUTE_PROTOCOL; DXE services: ${ranges} range(s) of the kernel text made executable`;

type Runner = (options?: SimulatorOptions, setup?: (sim: Simulator) => void) => Promise<StubRun>;

const kernel: TinyKernel = buildTinyKernel();
const NOKASLR = 'console=ttyS0 nokaslr';

/** The text as the stub must see it when the kernel sits at `load`: the first executable PT_LOAD, page-rounded. */
function textRange(load: number): { start: number; end: number } {
  const text = kernel.segments.find((segment) => (segment.flags & PF_X) !== 0)!;
  const start = load + text.physical - kernel.prefAddress;
  return { start, end: start + Math.ceil(text.memorySize / PAGE) * PAGE };
}

/** With nokaslr the kernel goes to pref_address (boot.rst); each run checks the logged placement against it. */
const TEXT = textRange(kernel.prefAddress);

const system = (base: number, end: number, attributes = 0n): GcdRange =>
  ({ base, length: end - base, type: GCD_MEMORY_TYPE_SYSTEM_MEMORY, attributes });

async function boot(run: Runner, options: SimulatorOptions, cmdline = NOKASLR,
  setup?: (sim: Simulator) => void): Promise<{ run: StubRun; load: number; text: { start: number; end: number } }> {
  const result = await run({ ...options, sections: ukiSections({ linux: kernel.bzImage, cmdline: `${cmdline}\0`, initrds: [] }) }, setup);
  const placement = result.lines.map((line) => /^efistub: placement: physical 0x([0-9a-f]+) size /.exec(line)).find((m) => m);
  expect(placement, result.lines.join('\n')).toBeTruthy();
  const load = parseInt(placement![1], 16);
  return { run: result, load, text: textRange(load) };
}

/** The kernel was entered at its entry point, after a successful ExitBootServices, with nothing refused. */
function expectEntered(run: StubRun, load: number): void {
  const sim = run.sim;
  expect(run.entered, run.lines.join('\n')).toBeDefined();
  expect(sim.refusals).toEqual([]);
  expect(sim.exitedBootServices).toBe(true);
  expect(sim.kernelEntries.map((e) => e.entry)).toEqual([load + kernel.entry - kernel.prefAddress]);
  expect(run.lines[run.lines.length - 1]).toMatch(/^efistub: exit-boot-services: done \(attempt 1\), /);
}

/** A refused boot: the stage's line last, the status, no ExitBootServices, every allocation given back. */
function expectRefused(run: StubRun, lastLine: string, status: number): void {
  const sim = run.sim;
  expect(run.entered, run.lines.join('\n')).toBeUndefined();
  expect(run.lines[run.lines.length - 1]).toBe(lastLine);
  expect(run.status.toString(16)).toBe((status >>> 0).toString(16));
  expect(sim.refusals).toEqual([]);
  expect(sim.callsTo('ExitBootServices')).toEqual([]);
  expect(sim.exitedBootServices).toBe(false);
  expect(sim.kernelEntries).toEqual([]);
  expect(sim.allocations.map((a) => `${a.kind} 0x${a.start.toString(16)} ${a.pages}`)).toEqual([]);
}

/** SetMemorySpaceAttributes calls as [BaseAddress, Length, Attributes, status]. */
const setCalls = (sim: Simulator) => sim.callsTo(SET).map((c) => [Number(c.args[0]), Number(c.args[1]), c.args[2], c.status]);
/** DXE services the stub called other than the two it needs. */
const otherDxeCalls = (sim: Simulator) => sim.calls.filter((c) => c.name.startsWith('DxeServices.') && c.name !== SET && c.name !== GET);
const gcd = (sim: Simulator) => sim.gcdMap.map(({ base, length, type, attributes }) => ({ base, length, type, attributes }));

/** The message a failing call leaves: name and hex status (stub-src/log.ts fail). */
const statusText = (name: string, status: number) => `${name} (0x${(status >>> 0).toString(16)})`;

function dxeScenarios(runner: () => Runner): void {
  it('GCD attributes 0 everywhere: nothing to change, no SetMemorySpaceAttributes, kernel entered', async () => {
    const { run, load, text } = await boot(runner(), { dxeServices: {} });
    expect(load).toBe(kernel.prefAddress);
    expectEntered(run, load);
    expect(run.lines).toContain(dxeLine(0));
    expect(run.lines).not.toContain(NO_PROTOCOL_LINE);
    expect(run.sim.callsTo(SET)).toEqual([]);
    // The one default range covers the whole text: asked about at least once, for an address in the text.
    const gets = run.sim.callsTo(GET);
    expect(gets.length).toBeGreaterThan(0);
    for (const get of gets) expect(Number(get.args[0]) >= text.start && Number(get.args[0]) < text.end).toBe(true);
    expect(otherDxeCalls(run.sim)).toEqual([]);
    expect(gcd(run.sim)).toEqual([system(0, RAM)]);
  });

  describe('the text over two GCD system-memory ranges (boundary one page into the text)', () => {
    const boundary = TEXT.start + PAGE;

    it('the first range XP, the second without: one call for the first overlap', async () => {
      const map = [system(0, boundary, EFI_MEMORY_XP), system(boundary, RAM)];
      const { run, load, text } = await boot(runner(), { dxeServices: { gcd: map } });
      expect(text).toEqual(TEXT);
      expectEntered(run, load);
      expect(setCalls(run.sim)).toEqual([[text.start, boundary - text.start, EFI_MEMORY_WB, S.EFI_SUCCESS]]);
      expect(run.lines).toContain(dxeLine(1));
      expect(gcd(run.sim)).toEqual([
        system(0, text.start, EFI_MEMORY_XP), system(text.start, boundary, EFI_MEMORY_WB), system(boundary, RAM),
      ]);
      expect(otherDxeCalls(run.sim)).toEqual([]);
    });

    it('the first range without, the second RO: one call for the second overlap', async () => {
      const map = [system(0, boundary), system(boundary, RAM, EFI_MEMORY_RO)];
      const { run, load, text } = await boot(runner(), { dxeServices: { gcd: map } });
      expect(text).toEqual(TEXT);
      expectEntered(run, load);
      expect(setCalls(run.sim)).toEqual([[boundary, text.end - boundary, EFI_MEMORY_WB, S.EFI_SUCCESS]]);
      expect(run.lines).toContain(dxeLine(1));
      expect(gcd(run.sim)).toEqual([
        system(0, boundary), system(boundary, text.end, EFI_MEMORY_WB), system(text.end, RAM, EFI_MEMORY_RO),
      ]);
    });

    it('both protected (XP, then RO): two calls, in address order, together exactly the text', async () => {
      const map = [system(0, boundary, EFI_MEMORY_XP), system(boundary, RAM, EFI_MEMORY_RO)];
      const { run, load, text } = await boot(runner(), { dxeServices: { gcd: map } });
      expectEntered(run, load);
      expect(setCalls(run.sim)).toEqual([
        [text.start, boundary - text.start, EFI_MEMORY_WB, S.EFI_SUCCESS],
        [boundary, text.end - boundary, EFI_MEMORY_WB, S.EFI_SUCCESS],
      ]);
      expect(run.lines).toContain(dxeLine(2));
    });
  });

  describe('the text inside one GCD system-memory range with RO|XP', () => {
    // All the memory the kernel could be placed in (the simulator's free RAM above the host area).
    const map = [system(0, 0xa00000), system(0xa00000, 0x3c00000, EFI_MEMORY_RO | EFI_MEMORY_XP), system(0x3c00000, RAM)];

    it('nokaslr: one call covering exactly the page-rounded text', async () => {
      const { run, load, text } = await boot(runner(), { dxeServices: { gcd: map } });
      expect(text).toEqual(TEXT);
      expect((text.end - text.start) % PAGE).toBe(0);
      expectEntered(run, load);
      expect(setCalls(run.sim)).toEqual([[text.start, text.end - text.start, EFI_MEMORY_WB, S.EFI_SUCCESS]]);
      expect(run.lines).toContain(dxeLine(1));
      expect(gcd(run.sim)).toEqual([
        system(0, 0xa00000), system(0xa00000, text.start, EFI_MEMORY_RO | EFI_MEMORY_XP),
        system(text.start, text.end, EFI_MEMORY_WB), system(text.end, 0x3c00000, EFI_MEMORY_RO | EFI_MEMORY_XP),
        system(0x3c00000, RAM),
      ]);
    });

    it('KASLR: the call follows the placement the stub logs', async () => {
      // EFI_RNG_PROTOCOL bytes: the physical seed word, then the virtual one (boot-flow.test.ts rngFor).
      const rng = [0x00, 0x00, 0x00, 0xb4, 0x00, 0x00, 0x00, 0x40];
      const { run, load, text } = await boot(runner(), { rng, dxeServices: { gcd: map } }, 'console=ttyS0');
      expect(load).not.toBe(kernel.prefAddress);
      expectEntered(run, load);
      expect(setCalls(run.sim)).toEqual([[text.start, text.end - text.start, EFI_MEMORY_WB, S.EFI_SUCCESS]]);
      expect(run.lines).toContain(dxeLine(1));
    });
  });

  for (const [name, type] of [['reserved', GCD_MEMORY_TYPE_RESERVED], ['memory-mapped I/O', GCD_MEMORY_TYPE_MEMORY_MAPPED_IO]] as const) {
    it(`a ${name} GCD range (type ${type}) with XP over the text: not system memory, no call`, async () => {
      const end = kernel.prefAddress + kernel.initSize;
      const map = [system(0, kernel.prefAddress), { base: kernel.prefAddress, length: kernel.initSize, type, attributes: EFI_MEMORY_XP }, system(end, RAM)];
      const { run, load } = await boot(runner(), { dxeServices: { gcd: map } });
      expect(load).toBe(kernel.prefAddress);
      expectEntered(run, load);
      expect(run.sim.callsTo(SET)).toEqual([]);
      expect(run.lines).toContain(dxeLine(0));
      expect(gcd(run.sim)).toEqual(map);
    });
  }

  it('a DXE services table with a bad signature is ignored: said so, then the no-protocol line, no DXE call', async () => {
    const { run, load } = await boot(runner(), { dxeServices: { gcd: [system(0, RAM, EFI_MEMORY_XP)], badSignature: true } });
    expectEntered(run, load);
    const at = run.lines.indexOf(BAD_SIGNATURE_LINE);
    expect(at, run.lines.join('\n')).toBeGreaterThanOrEqual(0);
    expect(run.lines[at + 1]).toBe(NO_PROTOCOL_LINE);
    expect(run.lines.some((line) => line.includes('DXE services:'))).toBe(false);
    expect(run.sim.calls.filter((c) => c.name.startsWith('DxeServices.'))).toEqual([]);
    expect(gcd(run.sim)).toEqual([system(0, RAM, EFI_MEMORY_XP)]);
  });

  describe('SetMemorySpaceAttributes failing: the boot is refused at memory-attributes', () => {
    const cases = [
      {
        name: 'the firmware answers EFI_DEVICE_ERROR',
        map: [system(0, RAM, EFI_MEMORY_XP)],
        setup: (sim: Simulator) => sim.injectFailure(SET, S.EFI_DEVICE_ERROR),
        status: S.EFI_DEVICE_ERROR,
        statusName: 'EFI_DEVICE_ERROR',
      },
      {
        // PI 1.8 §7.2.4.7: an attribute the range is not capable of is EFI_UNSUPPORTED.
        name: 'the range is not capable of WB (EFI_UNSUPPORTED)',
        map: [{ ...system(0, RAM, EFI_MEMORY_XP), capabilities: EFI_MEMORY_UC | EFI_MEMORY_XP | EFI_MEMORY_RO }],
        setup: undefined,
        status: S.EFI_UNSUPPORTED,
        statusName: 'EFI_UNSUPPORTED',
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const { run } = await boot(runner(), { dxeServices: { gcd: c.map } }, NOKASLR, c.setup);
        expectRefused(run, `efistub: memory-attributes: SetMemorySpaceAttributes failed for the kernel text: ${statusText(c.statusName, c.status)}`, c.status);
        expect(setCalls(run.sim)).toEqual([[TEXT.start, TEXT.end - TEXT.start, EFI_MEMORY_WB, c.status]]);
        expect(run.lines.some((line) => line.includes('range(s) of the kernel text'))).toBe(false);
        expect(gcd(run.sim)).toEqual(c.map.map(({ base, length, type, attributes }) => ({ base, length, type, attributes })));
      });
    }
  });

  it('GetMemorySpaceDescriptor failing: refused at memory-attributes, nothing changed', async () => {
    const { run } = await boot(runner(), { dxeServices: { gcd: [system(0, RAM, EFI_MEMORY_XP)] } }, NOKASLR,
      (sim) => sim.injectFailure(GET, S.EFI_NOT_FOUND));
    expectRefused(run, `efistub: memory-attributes: GetMemorySpaceDescriptor failed for the kernel text: ${statusText('EFI_NOT_FOUND', S.EFI_NOT_FOUND)}`, S.EFI_NOT_FOUND);
    expect(run.sim.callsTo(SET)).toEqual([]);
  });

  it('with EFI_MEMORY_ATTRIBUTE_PROTOCOL the DXE services table is not used at all', async () => {
    const map = [system(0, RAM, EFI_MEMORY_RO | EFI_MEMORY_XP)];
    const { run, load, text } = await boot(runner(), { memoryAttributes: { nxByDefault: true }, dxeServices: { gcd: map } });
    expectEntered(run, load);
    const sim = run.sim;
    expect(sim.calls.filter((c) => c.name.startsWith('DxeServices.'))).toEqual([]);
    expect(gcd(sim)).toEqual(map);
    const protocol = BigInt(sim.memoryAttributeProtocol);
    const length = BigInt(text.end - text.start);
    expect(sim.calls.filter((c) => c.name.startsWith('MemoryAttribute.')).map((c) => [c.name, c.args, c.status])).toEqual([
      ['MemoryAttribute.ClearMemoryAttributes', [protocol, BigInt(text.start), length, EFI_MEMORY_XP], S.EFI_SUCCESS],
      ['MemoryAttribute.SetMemoryAttributes', [protocol, BigInt(text.start), length, EFI_MEMORY_RO], S.EFI_SUCCESS],
    ]);
    expect(run.lines).toContain(`efistub: memory-attributes: text 0x${text.start.toString(16)} size 0x${(text.end - text.start).toString(16)} read-only, executable`);
    expect(run.lines.some((line) => line.includes('DXE services'))).toBe(false);
  });
}

describeInNodeAndWasm('memory attributes through DXE services,', 'memory-attributes-dxe', dxeScenarios, (wasm) => {
  it('agrees with the TypeScript run call for call and byte for byte (two protected GCD ranges)', async () => {
    const boundary = TEXT.start + PAGE;
    const options: SimulatorOptions = { dxeServices: { gcd: [system(0, boundary, EFI_MEMORY_XP), system(boundary, RAM, EFI_MEMORY_RO)] } };
    const node = await boot(runStubInNode, options);
    const wasmRun = await boot(wasm(), options);
    expectSameRun(wasmRun.run, node.run);
    expect(wasmRun.run.sim.gcdMap).toEqual(node.run.sim.gcdMap);
  });
});
