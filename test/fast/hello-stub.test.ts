/**
 * The first stub (stub-src/main.ts) against the simulated firmware, twice: as TypeScript in Node
 * and as the porffor-compiled Wasm, from one scenario table. Each scenario states the exact
 * console lines and efiMain's status; every run must also end with no refused write and no
 * allocation left behind (a failing step frees what it allocated).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as S from '../../stub-src/efi/status.ts';
import { buildPeImage, defaultSections, type Simulator, type SimulatorOptions } from '../support/simulator/index.ts';
import { runStubInNode, runStubInWasm, type StubRun } from '../support/simulator/run-stub.ts';
import { compileStubForSimulator, type CompiledStub } from '../support/simulator/compiled-stub.ts';

const STUB_SRC = resolve(__dirname, '../../stub-src');

interface Scenario {
  name: string;
  options?: SimulatorOptions;
  setup?: (sim: Simulator) => void;
  status: number;
  lines: string[];
}

const FIRMWARE = 'efistub: firmware: efistub simulator rev 0x10000';
const MEMORY_MAP = 'efistub: memory-map: 17 descriptors, 0x3748 pages of conventional memory';
// One page more when the image has no .cmdline page.
const MEMORY_MAP_SMALL_IMAGE = 'efistub: memory-map: 17 descriptors, 0x3749 pages of conventional memory';
const PAGES = 'efistub: pages: 16 pages at 0x3bf0000 written, read back and freed';
const SECTIONS = [
  'efistub: section: .text rva 0x1000 size 0x2345',
  'efistub: section: .data rva 0x4000 size 0x180',
  'efistub: section: .sbat rva 0x5000 size 0x4c',
];
const LONG_CMDLINE = Array.from({ length: 300 }, (_, i) => `opt${i}=${i}`).join(' ');

function corruptPeSignature(): Uint8Array {
  const image = buildPeImage(defaultSections()).bytes.slice();
  image[0x80] = 0x4e; // "NE\0\0" instead of "PE\0\0"
  return image;
}

const scenarios: Scenario[] = [
  {
    name: 'reports firmware, memory map, pages, sections and the command line',
    status: S.EFI_SUCCESS,
    lines: [
      FIRMWARE, MEMORY_MAP, PAGES,
      'efistub: loaded-image: base 0x400000 size 0x7000',
      ...SECTIONS,
      'efistub: section: .cmdline rva 0x6000 size 0x14',
      'efistub: cmdline: console=ttyS0 quiet',
    ],
  },
  {
    name: 'AllocatePages failing names the step and returns its status',
    setup: (sim) => sim.injectFailure('AllocatePages', S.EFI_OUT_OF_RESOURCES),
    status: S.EFI_OUT_OF_RESOURCES,
    lines: [FIRMWARE, MEMORY_MAP, 'efistub: pages: failed to allocate 16 pages: EFI_OUT_OF_RESOURCES (0x80000009)'],
  },
  {
    name: 'an image without .cmdline says so',
    options: { sections: defaultSections(null) },
    status: S.EFI_SUCCESS,
    lines: [FIRMWARE, MEMORY_MAP_SMALL_IMAGE, PAGES, 'efistub: loaded-image: base 0x400000 size 0x6000', ...SECTIONS, 'efistub: cmdline: no .cmdline section'],
  },
  {
    name: 'a long command line is cut at 960 characters',
    options: { sections: defaultSections(LONG_CMDLINE) },
    status: S.EFI_SUCCESS,
    lines: [
      FIRMWARE, MEMORY_MAP, PAGES,
      'efistub: loaded-image: base 0x400000 size 0x7000',
      ...SECTIONS,
      `efistub: section: .cmdline rva 0x6000 size 0x${(LONG_CMDLINE.length + 1).toString(16)}`,
      `efistub: cmdline: ${LONG_CMDLINE.slice(0, 960)}`,
    ],
  },
  {
    name: 'a non-ASCII vendor prints as ?, a revision with bit 31 set prints unsigned',
    options: { vendor: 'Ŧest Firmware ©', firmwareRevision: 0xdeadbeef, sections: defaultSections(null) },
    status: S.EFI_SUCCESS,
    lines: [
      'efistub: firmware: ?est Firmware ? rev 0xdeadbeef', MEMORY_MAP_SMALL_IMAGE, PAGES,
      'efistub: loaded-image: base 0x400000 size 0x6000', ...SECTIONS, 'efistub: cmdline: no .cmdline section',
    ],
  },
  {
    name: 'GetMemoryMap failing on the size query',
    setup: (sim) => sim.injectFailure('GetMemoryMap', S.EFI_DEVICE_ERROR),
    status: S.EFI_DEVICE_ERROR,
    lines: [FIRMWARE, 'efistub: memory-map: failed to get the memory map size: EFI_DEVICE_ERROR (0x80000007)'],
  },
  {
    name: 'GetMemoryMap saying EFI_BUFFER_TOO_SMALL twice is retried with a new buffer',
    setup: (sim) => sim.injectFailure('GetMemoryMap', S.EFI_BUFFER_TOO_SMALL, 2),
    status: S.EFI_SUCCESS,
    lines: [
      FIRMWARE, MEMORY_MAP, PAGES,
      'efistub: loaded-image: base 0x400000 size 0x7000',
      ...SECTIONS,
      'efistub: section: .cmdline rva 0x6000 size 0x14',
      'efistub: cmdline: console=ttyS0 quiet',
    ],
  },
  {
    name: 'HandleProtocol failing for the loaded image',
    setup: (sim) => sim.injectFailure('HandleProtocol', S.EFI_UNSUPPORTED),
    status: S.EFI_UNSUPPORTED,
    // The stub looks at its own image first: whether it carries a kernel (.linux) decides the flow.
    lines: ['efistub: loaded-image: failed to open the loaded image protocol: EFI_UNSUPPORTED (0x80000003)'],
  },
  {
    name: 'a PE image without the PE signature is refused',
    options: { image: corruptPeSignature() },
    status: S.EFI_LOAD_ERROR,
    lines: ['efistub: pe-image: no PE signature at e_lfanew: EFI_LOAD_ERROR (0x80000001)'],
  },
  {
    name: 'a system table with a bad signature stops before any call',
    setup: (sim) => sim.memory.write32(sim.systemTable, 0),
    status: S.EFI_INCOMPATIBLE_VERSION,
    lines: ['efistub: system-table: bad system table or boot services table: EFI_INCOMPATIBLE_VERSION (0x80000019)'],
  },
];

function expectRun(run: StubRun, scenario: Scenario): void {
  expect(run.lines).toEqual(scenario.lines);
  expect(run.status.toString(16)).toBe((scenario.status >>> 0).toString(16));
  expect(run.sim.refusals).toEqual([]);
  expect(run.sim.allocations).toEqual([]);
}

describe('hello stub as TypeScript in Node', () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      expectRun(await runStubInNode(scenario.options, scenario.setup), scenario);
    });
  }

  it('calls the firmware in the documented order', async () => {
    const run = await runStubInNode();
    // HandleProtocol first: the image's sections decide between the boot flow and the hello
    // steps, which then report the sections of the image opened there.
    expect(run.sim.calls.map((call) => call.name)).toEqual([
      'HandleProtocol', 'GetMemoryMap', 'AllocatePool', 'GetMemoryMap', 'FreePool', 'AllocatePages', 'FreePages',
    ]);
    const allocatePages = run.sim.callsTo('AllocatePages')[0];
    expect(allocatePages.args.slice(0, 3)).toEqual([0n, 2n, 16n]); // AllocateAnyPages, EfiLoaderData, 16
  });
});

describe('hello stub as porffor-compiled Wasm', () => {
  let compiled: CompiledStub;

  beforeAll(async () => {
    compiled = await compileStubForSimulator('hello', STUB_SRC);
  });

  afterAll(() => compiled?.remove());

  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      expectRun(await runStubInWasm(compiled.wasm, scenario.options, scenario.setup), scenario);
    });
  }

  it('agrees with the TypeScript run call for call', async () => {
    const node = await runStubInNode();
    const wasmRun = await runStubInWasm(compiled.wasm);
    expect(wasmRun.sim.calls).toEqual(node.sim.calls);
    expect(wasmRun.sim.memory.bytes.equals(node.sim.memory.bytes)).toBe(true);
  });
});
