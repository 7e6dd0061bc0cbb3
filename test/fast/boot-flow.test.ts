/**
 * The kernel boot flow (stub-src/main.ts bootKernel) against the simulated firmware, twice: as
 * TypeScript in Node and as the porffor-compiled Wasm, with the same scenarios and the same
 * asserted outcomes (DESIGN.md, "One source, four places it runs").
 *
 * The kernel is the synthetic bzImage of test/support/tiny-kernel.ts. Every expected value is
 * computed here from that kernel's description and from the simulator's memory map, following
 * the documents (boot.rst, zero-page.rst, the UEFI spec, the rules stub-src/boot/*.ts states in
 * its comments), never by calling stub code.
 *
 * Scenarios: nokaslr (placement, segments, .bss, entry, boot_params field by field, e820,
 * efi_info), KASLR (slot and virtual base recomputed, every relocation checked), the memory
 * attribute protocol (NX-by-default firmware, and firmware without it), load options against
 * .cmdline, refusals (stage name, status, no stray write, no ExitBootServices), e820 beyond 128
 * entries (SETUP_E820_EXT), and the ExitBootServices map-key retry.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as S from '../../stub-src/efi/status.ts';
import {
  ACPI_TABLE_GUID, ukiSections, type MemoryDescriptor, type ReturnedMap, type Simulator, type SimulatorOptions,
} from '../support/simulator/index.ts';
import { runStubInNode, type StubRun } from '../support/simulator/run-stub.ts';
import { describeInNodeAndWasm, expectSameRun } from '../support/simulator/compiled-stub.ts';
import { cachedTinyKernel, type TinyKernel, type TinyKernelOptions } from '../support/tiny-kernel.ts';

const PAGE = 0x1000;
const FOUR_GIB = 0x1_0000_0000;

// UEFI 2.10 §7.2.1 EFI_MEMORY_TYPE and §7.2.1 EFI_ALLOCATE_TYPE.
const EFI_LOADER_CODE = 1;
const EFI_LOADER_DATA = 2;
const EFI_BOOT_SERVICES_DATA = 4;
const EFI_CONVENTIONAL_MEMORY = 7;
const ALLOCATE_ADDRESS = 2;
// UEFI 2.10 §7.2.3 memory attributes.
const EFI_MEMORY_XP = 0x4000;
const EFI_MEMORY_RO = 0x20000;

// zero-page.rst and boot.rst offsets (arch/x86/include/uapi/asm/bootparam.h).
const BP = {
  acpiRsdpAddr: 0x070,
  extRamdiskImage: 0x0c0,
  extRamdiskSize: 0x0c4,
  extCmdLinePtr: 0x0c8,
  efiLoaderSignature: 0x1c0,
  efiSystab: 0x1c4,
  efiMemdescSize: 0x1c8,
  efiMemdescVersion: 0x1cc,
  efiMemmap: 0x1d0,
  efiMemmapSize: 0x1d4,
  efiSystabHi: 0x1d8,
  efiMemmapHi: 0x1dc,
  e820Entries: 0x1e8,
  setupSects: 0x1f1,
  typeOfLoader: 0x210,
  loadflags: 0x211,
  ramdiskImage: 0x218,
  ramdiskSize: 0x21c,
  cmdLinePtr: 0x228,
  initrdAddrMax: 0x22c,
  setupData: 0x250,
  e820Table: 0x2d0,
} as const;
const KASLR_FLAG = 0x02; // loadflags bit 1 (boot.rst)
const EL64 = 0x34364c45; // "EL64": EFI64_LOADER_SIGNATURE
const KERNEL_IMAGE_SIZE = 0x40000000; // with RANDOMIZE_BASE (page_64_types.h)

/** .initrd contents: two sections, sizes not page multiples, so the join is byte-exact. */
const INITRD_A = Uint8Array.from({ length: 0x1234 }, (_, i) => (i * 7 + 3) & 0xff);
const INITRD_B = new TextEncoder().encode('second initrd: early microcode cpio stand-in\n'.repeat(43));
const INITRD = new Uint8Array([...INITRD_A, ...INITRD_B]);
/** Junk pre-filled over all memory the kernel could be placed in: .bss must come out zero. */
const JUNK = 0xa5;
const JUNK_START = 0x1000000;
const JUNK_END = 0x3c00000;
/** A GUID, as OVMF puts into the load options of the boot options it creates. */
const GUID_LOAD_OPTIONS = Uint8Array.from([
  0x9d, 0x6b, 0xc1, 0x8c, 0x4d, 0xe9, 0x0c, 0x4a, 0x8b, 0x8a, 0xf2, 0xa5, 0x3c, 0x19, 0xe0, 0x07,
]);

type Runner = (options?: SimulatorOptions, setup?: (sim: Simulator) => void) => Promise<StubRun>;

interface Boot {
  kernel?: TinyKernelOptions;
  cmdline?: string;
  initrds?: Uint8Array[];
  options?: SimulatorOptions;
  setup?: (sim: Simulator) => void;
}

async function boot(run: Runner, spec: Boot): Promise<{ run: StubRun; kernel: TinyKernel }> {
  const kernel = cachedTinyKernel(spec.kernel);
  const options: SimulatorOptions = {
    ...spec.options,
    sections: ukiSections({ linux: kernel.bzImage, cmdline: spec.cmdline ?? 'console=ttyS0 nokaslr\0', initrds: spec.initrds ?? [INITRD_A, INITRD_B] }),
  };
  const result = await run(options, (sim) => {
    sim.memory.bytes.fill(JUNK, JUNK_START, JUNK_END);
    // An ACPI 1.0 RSDP elsewhere: the stub must prefer the 2.0 one.
    sim.addConfigurationTable(ACPI_TABLE_GUID, sim.acpiRsdp + 0x800);
    spec.setup?.(sim);
  });
  return { run: result, kernel };
}

// --- independent computations ------------------------------------------------------------------

const read32 = (bytes: Uint8Array, offset: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);
const read64 = (bytes: Uint8Array, offset: number) => new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(offset, true);
const descriptorEnd = (d: MemoryDescriptor) => d.start + d.pages * PAGE;

/**
 * The KASLR slot, as placement.ts's comment and Linux's randomalloc.c describe it: aligned slots
 * of init_size inside EfiConventionalMemory, at or above pref_address, ending at most at 4 GiB,
 * counted over the map; slot ⌊total · seed / 2^32⌋ in map order.
 */
function kaslrSlot(map: MemoryDescriptor[], kernel: TinyKernel, seed: number): { address: number; total: number } {
  const size = Math.ceil(kernel.initSize / PAGE) * PAGE;
  const regions: { first: number; slots: number }[] = [];
  for (const d of map) {
    if (d.type !== EFI_CONVENTIONAL_MEMORY || d.start >= FOUR_GIB) continue;
    const end = Math.min(descriptorEnd(d), FOUR_GIB);
    const first = Math.ceil(Math.max(d.start, kernel.prefAddress) / kernel.kernelAlignment) * kernel.kernelAlignment;
    if (first + size > end) continue;
    regions.push({ first, slots: Math.floor((end - first - size) / kernel.kernelAlignment) + 1 });
  }
  const total = regions.reduce((sum, r) => sum + r.slots, 0);
  let pick = Number((BigInt(total) * BigInt(seed >>> 0)) >> 32n);
  for (const r of regions) {
    if (pick < r.slots) return { address: r.first + pick * kernel.kernelAlignment, total };
    pick -= r.slots;
  }
  throw new Error('no slot');
}

/** Bytes from pref_address to the end of the last segment in memory (p_paddr based). */
const kernelSpan = (kernel: TinyKernel) => Math.max(...kernel.segments.map((s) => s.physical - kernel.prefAddress + s.memorySize));

/** The virtual base for a seed, as relocate.ts's comment states it (Linux's x86 stub does the same). */
function kaslrVirtualBase(kernel: TinyKernel, seed: number): number {
  const range = KERNEL_IMAGE_SIZE - kernel.prefAddress - kernelSpan(kernel);
  const base = kernel.prefAddress + Number((BigInt(range) * BigInt(seed >>> 0)) >> 32n);
  return base - (base % kernel.kernelAlignment);
}

/** A segment's bytes after relocation by `delta` (misc.c handle_relocations' arithmetic). */
function relocatedSegment(kernel: TinyKernel, index: number, delta: number): Uint8Array {
  const segment = kernel.segments[index];
  const bytes = segment.bytes.slice();
  const view = new DataView(bytes.buffer);
  for (const r of kernel.relocations) {
    const at = r.physical - segment.physical;
    if (at < 0 || at >= segment.fileSize) continue;
    if (r.kind === '32') view.setUint32(at, Number((r.original + BigInt(delta)) & 0xffffffffn), true);
    else if (r.kind === 'inverse32') view.setUint32(at, Number((r.original - BigInt(delta)) & 0xffffffffn), true);
    else view.setBigUint64(at, BigInt.asUintN(64, r.original + BigInt(delta)), true);
  }
  return bytes;
}

/**
 * e820 from the final EFI map, as the Linux stub's setup_e820 maps types (and e820.ts documents):
 * loader, boot services and conventional (and unaccepted) memory is RAM (1), ACPI reclaim is
 * ACPI (3), ACPI NVS is NVS (4), unusable is UNUSABLE (5), persistent is PMEM (7), the rest
 * RESERVED (2); adjacent ranges of one type merge.
 */
function expectedE820(map: MemoryDescriptor[]): { address: number; size: number; type: number }[] {
  const typeOf = (efiType: number) => {
    if ([1, 2, 3, 4, 7, 15].includes(efiType)) return 1;
    if (efiType === 9) return 3;
    if (efiType === 10) return 4;
    if (efiType === 8) return 5;
    if (efiType === 14) return 7;
    return 2;
  };
  const entries: { address: number; size: number; type: number }[] = [];
  for (const d of map) {
    const type = typeOf(d.type);
    const last = entries[entries.length - 1];
    if (last && last.type === type && last.address + last.size === d.start) last.size += d.pages * PAGE;
    else entries.push({ address: d.start, size: d.pages * PAGE, type });
  }
  return entries;
}

/** Reads an EFI memory map (UEFI 2.10 §7.2.3: Type u32 @0, PhysicalStart @8, NumberOfPages @24, Attribute @32). */
function parseMemoryMap(bytes: Uint8Array, descriptorSize: number): MemoryDescriptor[] {
  const map: MemoryDescriptor[] = [];
  for (let at = 0; at + descriptorSize <= bytes.length; at += descriptorSize) {
    map.push({ type: read32(bytes, at), start: Number(read64(bytes, at + 8)), pages: Number(read64(bytes, at + 24)), attribute: read64(bytes, at + 32) });
  }
  return map;
}

function cString(sim: Simulator, address: number): string {
  let text = '';
  for (let at = address; sim.memory.read8(at) !== 0; at++) text += String.fromCharCode(sim.memory.read8(at));
  return text;
}

/** The kernel's AllocatePages call (AllocateAddress, EfiLoaderCode) and its index in the call log. */
function kernelAllocation(sim: Simulator): { index: number; address: number; pages: number } {
  const index = sim.calls.findIndex((c) => c.name === 'AllocatePages' && c.args[0] === BigInt(ALLOCATE_ADDRESS));
  expect(index).toBeGreaterThanOrEqual(0);
  const call = sim.calls[index];
  expect(call.args[1]).toBe(BigInt(EFI_LOADER_CODE));
  const allocation = sim.allocations.find((a) => a.callIndex === index);
  expect(allocation).toBeDefined();
  expect(allocation!.pages).toBe(Number(call.args[2]));
  return { index, address: allocation!.start, pages: allocation!.pages };
}

/** The map the stub saw when it placed the kernel: the last one returned before its AllocatePages. */
function placementMap(sim: Simulator): ReturnedMap {
  const { index } = kernelAllocation(sim);
  const before = sim.mapsReturned.filter((m) => m.callIndex < index);
  expect(before.length).toBeGreaterThan(0);
  return before[before.length - 1];
}

function allocationHolding(sim: Simulator, address: number, length: number) {
  return sim.allocations.find((a) => address >= a.start && address + length <= a.start + a.pages * PAGE);
}

interface BootedExpectation {
  load: number;
  delta: number;
  kaslr: boolean;
  cmdline: string;
  initrd?: Uint8Array;
}

/** Everything a successful boot must show, from the kernel's description and the final map. */
function expectBooted(run: StubRun, kernel: TinyKernel, expected: BootedExpectation): void {
  const sim = run.sim;
  expect(run.entered, run.lines.join('\n')).toBeDefined();
  expect(sim.refusedWrites).toBe(0);
  expect(sim.refusals).toEqual([]);
  expect(sim.exitedBootServices).toBe(true);
  expect(sim.hostToldExited).toBe(true);

  // Placement: the allocation at the expected address, init_size rounded to pages.
  const allocation = kernelAllocation(sim);
  expect(allocation.address.toString(16)).toBe(expected.load.toString(16));
  expect(allocation.pages).toBe(Math.ceil(kernel.initSize / PAGE));
  expect(allocationHolding(sim, expected.load, kernel.initSize)?.type).toBe(EFI_LOADER_CODE);

  // Segments at load + (p_paddr − pref), byte-exact with the relocations applied; .bss zero.
  kernel.segments.forEach((segment, index) => {
    const at = expected.load + segment.physical - kernel.prefAddress;
    const bytes = sim.memory.readBytes(at, segment.fileSize);
    expect(bytes.equals(relocatedSegment(kernel, index, expected.delta)), `segment ${index} at 0x${at.toString(16)}`).toBe(true);
    const bss = sim.memory.readBytes(at + segment.fileSize, segment.memorySize - segment.fileSize);
    expect(bss.every((b) => b === 0), `segment ${index} .bss zeroed`).toBe(true);
  });
  // Between text and data nothing was written: the junk is still there.
  const textEnd = expected.load + kernel.segments[0].physical - kernel.prefAddress + kernel.segments[0].memorySize;
  const dataStart = expected.load + kernel.segments[1].physical - kernel.prefAddress;
  expect(sim.memory.readBytes(textEnd, dataStart - textEnd).every((b) => b === JUNK)).toBe(true);

  // Entry and RSI.
  const entry = expected.load + (kernel.entry - kernel.prefAddress);
  const bootParams = run.entered!.bootParams;
  expect(sim.kernelEntries).toEqual([{ entry, bootParams }]);
  expect(run.entered!.entry.toString(16)).toBe(entry.toString(16));
  expect(allocationHolding(sim, bootParams, PAGE)?.type).toBe(EFI_LOADER_DATA);
  expect(bootParams + PAGE).toBeLessThanOrEqual(FOUR_GIB);

  // boot_params, field by field.
  const bp = sim.memory.readBytes(bootParams, PAGE);
  const file = kernel.bzImage;
  const changed = new Set<number>([BP.typeOfLoader, BP.loadflags]);
  for (const field of [BP.ramdiskImage, BP.ramdiskSize, BP.cmdLinePtr]) for (let i = 0; i < 4; i++) changed.add(field + i);
  for (let i = 0; i < 8; i++) changed.add(BP.setupData + i);
  for (let offset = BP.setupSects; offset < kernel.headerEnd; offset++) {
    if (!changed.has(offset)) expect(bp[offset], `setup header byte 0x${offset.toString(16)}`).toBe(file[offset]);
  }
  expect(bp[BP.typeOfLoader]).toBe(0xff);
  expect(bp[BP.loadflags]).toBe(expected.kaslr ? file[BP.loadflags] | KASLR_FLAG : file[BP.loadflags] & ~KASLR_FLAG);

  // Command line: its own page below 4 GiB, NUL-terminated.
  const cmdLinePtr = read32(bp, BP.cmdLinePtr);
  expect(read32(bp, BP.extCmdLinePtr)).toBe(0);
  expect(cmdLinePtr).not.toBe(0);
  expect(cString(sim, cmdLinePtr)).toBe(expected.cmdline);
  expect(allocationHolding(sim, cmdLinePtr, expected.cmdline.length + 1)?.type).toBe(EFI_LOADER_DATA);

  // initrd: the .initrd sections concatenated, below initrd_addr_max.
  const initrd = expected.initrd ?? INITRD;
  const ramdisk = read32(bp, BP.ramdiskImage);
  expect(read32(bp, BP.ramdiskSize)).toBe(initrd.length);
  expect(read32(bp, BP.extRamdiskImage)).toBe(0);
  expect(read32(bp, BP.extRamdiskSize)).toBe(0);
  if (initrd.length > 0) {
    expect(sim.memory.readBytes(ramdisk, initrd.length).equals(initrd)).toBe(true);
    expect(ramdisk + initrd.length - 1).toBeLessThanOrEqual(read32(file, BP.initrdAddrMax));
    expect(allocationHolding(sim, ramdisk, initrd.length)?.type).toBe(EFI_LOADER_DATA);
  } else {
    expect(ramdisk).toBe(0);
  }

  // ACPI: the 2.0 RSDP, not the 1.0 one.
  expect(read64(bp, BP.acpiRsdpAddr)).toBe(BigInt(sim.acpiRsdp));

  // efi_info: the system table and the final map (the one ExitBootServices accepted).
  const finalMap = sim.mapsReturned[sim.mapsReturned.length - 1];
  const exits = sim.callsTo('ExitBootServices');
  expect(exits[exits.length - 1].status).toBe(S.EFI_SUCCESS);
  expect(exits[exits.length - 1].args[1]).toBe(BigInt(finalMap.key));
  expect(finalMap.descriptors).toEqual(sim.descriptors);
  expect(read32(bp, BP.efiLoaderSignature).toString(16)).toBe(EL64.toString(16));
  expect(read32(bp, BP.efiSystab) + read32(bp, BP.efiSystabHi) * FOUR_GIB).toBe(sim.systemTable);
  expect(read32(bp, BP.efiMemmap) + read32(bp, BP.efiMemmapHi) * FOUR_GIB).toBe(finalMap.buffer);
  expect(read32(bp, BP.efiMemdescSize)).toBe(sim.descriptorSize);
  expect(read32(bp, BP.efiMemdescVersion)).toBe(1);
  expect(read32(bp, BP.efiMemmapSize)).toBe(sim.descriptors.length * sim.descriptorSize);
  expect(parseMemoryMap(sim.memory.readBytes(finalMap.buffer, read32(bp, BP.efiMemmapSize)), sim.descriptorSize))
    .toEqual(sim.descriptors);

  // e820 from the final map: 128 entries in boot_params (E820_MAX_ENTRIES_ZEROPAGE), the rest in
  // one SETUP_E820_EXT setup_data node (bootparam.h: next u64, type u32, len u32, data).
  const e820 = expectedE820(sim.descriptors);
  const inTable = Math.min(e820.length, 128);
  const entriesAt = (bytes: Uint8Array, offset: number, count: number) => Array.from({ length: count }, (_, i) => {
    const at = offset + 20 * i;
    return { address: Number(read64(bytes, at)), size: Number(read64(bytes, at + 8)), type: read32(bytes, at + 16) };
  });
  expect(bp[BP.e820Entries]).toBe(inTable);
  expect(entriesAt(bp, BP.e820Table, inTable)).toEqual(e820.slice(0, inTable));
  const setupData = Number(read64(bp, BP.setupData));
  if (e820.length > 128) {
    const extra = e820.length - 128;
    expect(allocationHolding(sim, setupData, 16 + 20 * extra)?.type).toBe(EFI_LOADER_DATA);
    const node = sim.memory.readBytes(setupData, 16 + 20 * extra);
    expect(read64(node, 0)).toBe(0n); // next
    expect(read32(node, 8)).toBe(1); // SETUP_E820_EXT
    expect(read32(node, 12)).toBe(20 * extra);
    expect(entriesAt(node, 16, extra)).toEqual(e820.slice(128));
  } else {
    expect(setupData).toBe(0);
  }

  // Nothing else in boot_params: every byte outside the fields above is zero.
  const known = (offset: number) =>
    (offset >= BP.acpiRsdpAddr && offset < BP.acpiRsdpAddr + 8) ||
    (offset >= BP.extRamdiskImage && offset < BP.extCmdLinePtr + 4) ||
    (offset >= BP.efiLoaderSignature && offset < BP.efiMemmapHi + 4) ||
    offset === BP.e820Entries ||
    (offset >= BP.setupSects && offset < kernel.headerEnd) ||
    (offset >= BP.e820Table && offset < BP.e820Table + 20 * inTable);
  const stray = [...bp.keys()].filter((offset) => !known(offset) && bp[offset] !== 0);
  expect(stray.map((o) => `0x${o.toString(16)}`)).toEqual([]);

  // The log ends with the hand-over, naming the attempt, the entry and boot_params.
  expect(run.lines[run.lines.length - 1]).toMatch(new RegExp(
    `^efistub: exit-boot-services: done \\(attempt [12]\\), e820 entries ${e820.length}, entering the kernel at ` +
    `0x${entry.toString(16)} with boot_params at 0x${bootParams.toString(16)}$`));
}

/** A refused boot: the stage's line, the status, no stray write, never left the firmware. */
function expectRefused(run: StubRun, lastLines: string[], status: number): void {
  expect(run.entered, run.lines.join('\n')).toBeUndefined();
  expect(run.lines.slice(-lastLines.length)).toEqual(lastLines);
  expect(run.status.toString(16)).toBe((status >>> 0).toString(16));
  expect(run.sim.refusedWrites).toBe(0);
  expect(run.sim.refusals).toEqual([]);
  expect(run.sim.callsTo('ExitBootServices')).toEqual([]);
  expect(run.sim.exitedBootServices).toBe(false);
  expect(run.sim.kernelEntries).toEqual([]);
  // Everything the boot flow allocated went back to the firmware (stub-src/boot/allocations.ts).
  expect(run.sim.allocations.map((a) => `${a.kind} ${a.start.toString(16)} ${a.pages}`)).toEqual([]);
}

function le32Bytes(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
}

/** RNG bytes giving these two seeds: GetRNG's first 32-bit word is physical, the second virtual. */
const rngFor = (physical: number, virtual: number) => [...le32Bytes(physical), ...le32Bytes(virtual)];

/** A BootServicesData hole that splits conventional memory above pref_address in two. */
function splitConventional(sim: Simulator): void {
  sim.setMemoryType(0x2000000, 0x100, EFI_BOOT_SERVICES_DATA);
}

// --- the scenarios, run by both runners ------------------------------------------------------

function bootFlowScenarios(runner: () => Runner): void {
  describe('stage clock', () => {
    it('calibrates the TSC against Stall with the cost of the call cancelled: each stage reads exactly its ticks', async () => {
      // A 3 GHz TSC whose every read costs 2 ms of ticks (a slow way into the firmware, as under
      // TCG): a stage with one read in it took 2 ms. A single 2 ms calibration stall would count
      // the read's cost as stall time (12e6 ticks for 2 ms) and log 1 ms.
      const { run, kernel } = await boot(runner(), { options: { tscPerMicrosecond: 3000n, tscStep: 6_000_000n } });
      expectBooted(run, kernel, { load: kernel.prefAddress, delta: 0, kaslr: false, cmdline: 'console=ttyS0 nokaslr' });
      expect(run.lines.filter((line) => line.startsWith('efistub: time: '))).toEqual([
        'efistub: time: setup 2 ms', 'efistub: time: decompress-read 2 ms', 'efistub: time: decompress-allocate 2 ms',
        'efistub: time: decompress 2 ms', 'efistub: time: elf+relocate 2 ms', 'efistub: time: initrd+boot-params 2 ms',
      ]);
    });
  });

  describe('nokaslr', () => {
    it('places the kernel at pref_address, copies the segments, zeroes .bss and fills boot_params', async () => {
      const { run, kernel } = await boot(runner(), {});
      expectBooted(run, kernel, { load: kernel.prefAddress, delta: 0, kaslr: false, cmdline: 'console=ttyS0 nokaslr' });
      expect(run.lines).toContain('efistub: kaslr: off (nokaslr)');
      expect(run.lines).toContain('efistub: cmdline: (.cmdline) console=ttyS0 nokaslr');
      expect(run.lines).toContain('efistub: relocate: virtual base 0xffffffff81000000');
      expect(run.lines.some((line) => line.includes('relocations applied'))).toBe(false);
      expect(run.lines).toContain(`efistub: initrd: 2 section(s), 0x${INITRD.length.toString(16)} bytes at ` +
        `0x${read32(run.sim.memory.readBytes(run.entered!.bootParams, PAGE), BP.ramdiskImage).toString(16)}`);
      // nokaslr asks for no randomness at all.
      expect(run.sim.callsTo('Rng.GetRNG')).toEqual([]);
    });

    it('without .initrd sections: ramdisk fields zero', async () => {
      const { run, kernel } = await boot(runner(), { initrds: [] });
      expectBooted(run, kernel, { load: kernel.prefAddress, delta: 0, kaslr: false, cmdline: 'console=ttyS0 nokaslr', initrd: new Uint8Array(0) });
      expect(run.lines).toContain('efistub: initrd: none');
    });

    it('pref_address taken: the lowest free slot above it', async () => {
      const { run, kernel } = await boot(runner(), {
        setup: (sim) => sim.setMemoryType(0x1000000, 0x100, EFI_BOOT_SERVICES_DATA),
      });
      // The first 2 MiB-aligned address at or above 0x1100000 with init_size free after it.
      expectBooted(run, kernel, { load: 0x1200000, delta: 0, kaslr: false, cmdline: 'console=ttyS0 nokaslr' });
    });
  });

  describe('KASLR', () => {
    const cases = [
      { name: 'EFI_RNG_PROTOCOL seeds, slot in the upper free region', physical: 0xb4000000, virtual: 0x40000000, source: 'rng' },
      { name: 'EFI_RNG_PROTOCOL seeds, slot in the lower free region', physical: 0x12345678, virtual: 0xfedcba98, source: 'rng' },
      { name: 'no EFI_RNG_PROTOCOL: RDRAND seeds', physical: 0x80000001, virtual: 0x08000000, source: 'rdrand' },
    ] as const;
    for (const c of cases) {
      it(c.name, async () => {
        const options: SimulatorOptions = c.source === 'rng'
          ? { rng: rngFor(c.physical, c.virtual) }
          : { random: [BigInt(c.physical) | (BigInt(c.virtual) << 32n)] };
        const cmdline = 'console=ttyS0 root=/dev/vda';
        const { run, kernel } = await boot(runner(), { cmdline: `${cmdline}\0`, options, setup: splitConventional });
        expect(run.entered, run.lines.join('\n')).toBeDefined();
        const map = placementMap(run.sim).descriptors;
        const slot = kaslrSlot(map, kernel, c.physical);
        const virtualBase = kaslrVirtualBase(kernel, c.virtual);
        const delta = virtualBase - kernel.prefAddress;
        expect(delta).toBeGreaterThanOrEqual(kernel.kernelAlignment); // the 64-bit carry field carries
        expectBooted(run, kernel, { load: slot.address, delta, kaslr: true, cmdline });
        expect(run.lines).toContain(c.source === 'rng' ? 'efistub: kaslr: seed from EFI_RNG_PROTOCOL' : 'efistub: kaslr: seed from RDRAND');
        expect(run.lines).toContain(`efistub: placement: physical 0x${slot.address.toString(16)} size ` +
          `0x${kernel.initSize.toString(16)} of 0x${slot.total.toString(16)} slots`);
        expect(run.lines).toContain(`efistub: relocate: virtual base 0xffffffff${(0x80000000 + virtualBase).toString(16)}`);
        const count = (kind: string) => kernel.relocations.filter((r) => r.kind === kind).length;
        expect(run.lines).toContain(`efistub: relocate: ${count('32')} 32-bit, ${count('inverse32')} inverse 32-bit, ` +
          `${count('64')} 64-bit relocations applied, delta 0x${delta.toString(16)}`);
        if (c.source === 'rng') {
          const [getRng] = run.sim.callsTo('Rng.GetRNG');
          expect(getRng.args.slice(0, 3)).toEqual([BigInt(run.sim.rngProtocol), 0n, 8n]);
        }
      });
    }

    it('the chosen slots cover both free regions (the test data exercises the walk)', () => {
      const kernel = cachedTinyKernel();
      const map: MemoryDescriptor[] = [
        { type: EFI_CONVENTIONAL_MEMORY, start: 0xa00000, pages: (0x2000000 - 0xa00000) / PAGE, attribute: 0n },
        { type: EFI_BOOT_SERVICES_DATA, start: 0x2000000, pages: 0x100, attribute: 0n },
        { type: EFI_CONVENTIONAL_MEMORY, start: 0x2100000, pages: (0x3bff000 - 0x2100000) / PAGE, attribute: 0n },
      ];
      expect(kaslrSlot(map, kernel, 0xb4000000).address).toBeGreaterThanOrEqual(0x2100000);
      expect(kaslrSlot(map, kernel, 0x12345678).address).toBeLessThan(0x2000000);
    });

    it('mem= on the command line keeps the physical address but randomises the virtual one', async () => {
      const cmdline = 'console=ttyS0 mem=1G';
      const { run, kernel } = await boot(runner(), { cmdline, options: { rng: rngFor(0xb4000000, 0x40000000) }, setup: splitConventional });
      const delta = kaslrVirtualBase(kernel, 0x40000000) - kernel.prefAddress;
      expectBooted(run, kernel, { load: kernel.prefAddress, delta, kaslr: true, cmdline });
      expect(run.lines).toContain('efistub: kaslr: physical address fixed: mem= or memmap= on the command line');
    });

    it('no randomness at all: KASLR off, said so', async () => {
      const cmdline = 'console=ttyS0';
      const { run, kernel } = await boot(runner(), { cmdline, options: { random: null } });
      expectBooted(run, kernel, { load: kernel.prefAddress, delta: 0, kaslr: false, cmdline });
      expect(run.lines).toContain('efistub: kaslr: off: no EFI_RNG_PROTOCOL and no RDRAND');
    });
  });

  describe('memory attributes', () => {
    it('NX-by-default firmware: the text is cleared XP and set RO exactly; data stays NX and writable', async () => {
      const { run, kernel } = await boot(runner(), { options: { memoryAttributes: { nxByDefault: true } } });
      const load = kernel.prefAddress;
      expectBooted(run, kernel, { load, delta: 0, kaslr: false, cmdline: 'console=ttyS0 nokaslr' });
      const sim = run.sim;
      const text = kernel.segments.find((s) => (s.flags & 1) !== 0)!;
      const start = load + text.physical - kernel.prefAddress;
      const length = Math.ceil(text.memorySize / PAGE) * PAGE;
      const attributeCalls = sim.calls.filter((c) => c.name.startsWith('MemoryAttribute.'));
      expect(attributeCalls.map((c) => [c.name, c.args, c.status])).toEqual([
        ['MemoryAttribute.ClearMemoryAttributes', [BigInt(sim.memoryAttributeProtocol), BigInt(start), BigInt(length), BigInt(EFI_MEMORY_XP)], 0],
        ['MemoryAttribute.SetMemoryAttributes', [BigInt(sim.memoryAttributeProtocol), BigInt(start), BigInt(length), BigInt(EFI_MEMORY_RO)], 0],
      ]);
      for (let page = start; page < start + length; page += PAGE) {
        expect(sim.pageAttribute(page), `text page 0x${page.toString(16)}`).toBe(EFI_MEMORY_RO);
      }
      for (const segment of kernel.segments.filter((s) => s !== text)) {
        const from = load + segment.physical - kernel.prefAddress;
        for (let page = from; page < from + segment.memorySize; page += PAGE) {
          expect(sim.pageAttribute(page), `data page 0x${page.toString(16)}`).toBe(EFI_MEMORY_XP);
        }
      }
      // The rest of the allocation keeps the firmware's default.
      expect(sim.pageAttribute(start + length)).toBe(EFI_MEMORY_XP);
      expect(sim.pageAttribute(load + kernel.initSize - PAGE)).toBe(EFI_MEMORY_XP);
      expect(run.lines).toContain(`efistub: memory-attributes: text 0x${start.toString(16)} size 0x${length.toString(16)} read-only, executable`);
    });

    it('KASLR: the range follows the chosen physical address', async () => {
      const { run, kernel } = await boot(runner(), {
        cmdline: 'console=ttyS0', options: { rng: rngFor(0xb4000000, 0x40000000), memoryAttributes: { nxByDefault: true } }, setup: splitConventional,
      });
      const slot = kaslrSlot(placementMap(run.sim).descriptors, kernel, 0xb4000000);
      expectBooted(run, kernel, { load: slot.address, delta: kaslrVirtualBase(kernel, 0x40000000) - kernel.prefAddress, kaslr: true, cmdline: 'console=ttyS0' });
      const [clear] = run.sim.callsTo('MemoryAttribute.ClearMemoryAttributes');
      expect(clear.args[1]).toBe(BigInt(slot.address));
      expect(run.sim.pageAttribute(slot.address)).toBe(EFI_MEMORY_RO);
    });

    it('firmware without the protocol: one log line, no call', async () => {
      const { run, kernel } = await boot(runner(), {});
      expectBooted(run, kernel, { load: kernel.prefAddress, delta: 0, kaslr: false, cmdline: 'console=ttyS0 nokaslr' });
      expect(run.lines).toContain('efistub: memory-attributes: no EFI_MEMORY_ATTRIBUTE_PROTOCOL: kernel pages keep EfiLoaderCode attributes');
      expect(run.sim.calls.filter((c) => c.name.startsWith('MemoryAttribute.'))).toEqual([]);
    });
  });

  describe('decompress', () => {
    it('under QEMU\'s TCG (its CPUID hypervisor signature): one log line, the same kernel; on other CPUs no line', async () => {
      // CPUID.1:ECX bit 31 (a hypervisor), leaf 0x40000000: "TCGTCGTCGTCG" in EBX, ECX, EDX.
      const tcg = { '1': [0, 0, 0x80000000, 0], '0x40000000': [0x40000001, 0x54474354, 0x43544743, 0x47435447] } as
        Record<string, [number, number, number, number]>;
      const line = 'efistub: decompress: QEMU TCG (no cache model): decoding without prefetches';
      const underTcg = await boot(runner(), { options: { cpuid: tcg } });
      expectBooted(underTcg.run, underTcg.kernel, { load: underTcg.kernel.prefAddress, delta: 0, kaslr: false, cmdline: 'console=ttyS0 nokaslr' });
      expect(underTcg.run.lines).toContain(line);
      // Another hypervisor's signature (KVM's), and no hypervisor at all: prefetching stays on.
      const kvm = { '1': [0, 0, 0x80000000, 0], '0x40000000': [0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d] } as
        Record<string, [number, number, number, number]>;
      for (const cpuid of [kvm, {}]) {
        const other = await boot(runner(), { options: { cpuid } });
        expectBooted(other.run, other.kernel, { load: other.kernel.prefAddress, delta: 0, kaslr: false, cmdline: 'console=ttyS0 nokaslr' });
        expect(other.run.lines).not.toContain(line);
      }
    });
  });

  describe('command line', () => {
    it('UCS-2 load options override .cmdline', async () => {
      const options = 'console=ttyS0 root=/dev/vda1 nokaslr';
      const { run, kernel } = await boot(runner(), { cmdline: 'from-the-section nokaslr\0', options: { loadOptions: options } });
      expectBooted(run, kernel, { load: kernel.prefAddress, delta: 0, kaslr: false, cmdline: options });
      expect(run.lines).toContain(`efistub: cmdline: (load options) ${options}`);
    });

    it('binary load options (a GUID) are ignored: .cmdline wins', async () => {
      const section = 'console=ttyS0 from-the-section nokaslr';
      const { run, kernel } = await boot(runner(), { cmdline: `${section}\0`, options: { loadOptions: GUID_LOAD_OPTIONS } });
      expectBooted(run, kernel, { load: kernel.prefAddress, delta: 0, kaslr: false, cmdline: section });
      expect(run.lines).toContain(`efistub: cmdline: (.cmdline) ${section}`);
    });

    it('a command line of exactly cmdline_size characters is accepted', async () => {
      const text = 'console=ttyS0 nokaslr x=0123456789';
      const { run, kernel } = await boot(runner(), { kernel: { cmdlineSize: text.length }, cmdline: `${text}\0` });
      expectBooted(run, kernel, { load: kernel.prefAddress, delta: 0, kaslr: false, cmdline: text });
    });
  });

  describe('refusals', () => {
    const kaslr: SimulatorOptions = { rng: rngFor(0xb4000000, 0x40000000) };
    const bss = 0x81000000 + 0x4000 + 0x1800 + 0x10; // data segment, past its file bytes
    const refusals: { name: string; boot: Boot; lines: (kernel: TinyKernel) => string[]; status: number }[] = [
      {
        name: 'a 32-bit relocation into .bss (no file bytes) is outside the kernel',
        boot: { kernel: { extraEntries: [{ kind: '32', entry: bss }] }, cmdline: 'console=ttyS0', options: kaslr },
        lines: () => [
          `efistub: relocate: 32-bit relocation outside the kernel: entry 0x${bss.toString(16)}`,
          'efistub: relocate: bad relocation table: EFI_LOAD_ERROR (0x80000001)',
        ],
        status: S.EFI_LOAD_ERROR,
      },
      {
        name: 'a 64-bit relocation running past the end of the text is outside the kernel',
        boot: { kernel: { extraEntries: [{ kind: '64', entry: 0x81000000 + 0x2345 - 4 }] }, cmdline: 'console=ttyS0', options: kaslr },
        lines: () => [
          `efistub: relocate: 64-bit relocation outside the kernel: entry 0x${(0x81000000 + 0x2345 - 4).toString(16)}`,
          'efistub: relocate: bad relocation table: EFI_LOAD_ERROR (0x80000001)',
        ],
        status: S.EFI_LOAD_ERROR,
      },
      {
        name: 'an inverse 32-bit relocation below the kernel is outside it',
        boot: { kernel: { extraEntries: [{ kind: 'inverse32', entry: 0x80100000 }] }, cmdline: 'console=ttyS0', options: kaslr },
        lines: () => [
          'efistub: relocate: inverse 32-bit relocation outside the kernel: entry 0x80100000',
          'efistub: relocate: bad relocation table: EFI_LOAD_ERROR (0x80000001)',
        ],
        status: S.EFI_LOAD_ERROR,
      },
      {
        name: 'a corrupted gzip payload (CRC32 of the trailer)',
        boot: { kernel: { corruptPayload: (gzip) => { gzip[gzip.length - 8] ^= 0xff; } } },
        // RFC 1952: the trailer is CRC32 then ISIZE, the last 8 bytes.
        lines: (kernel) => [
          `efistub: decompress: corrupt payload: crc mismatch (reason 0x9d, input offset 0x${(kernel.payload.length - 8).toString(16)})`,
          'efistub: decompress: failed to decompress the kernel: EFI_CRC_ERROR (0x8000001b)',
        ],
        status: S.EFI_CRC_ERROR,
      },
      {
        name: 'boot protocol 2.11',
        boot: { kernel: { version: 0x020b } },
        lines: () => ['efistub: setup-header: boot protocol older than 2.12: no 64-bit entry point: EFI_UNSUPPORTED (0x80000003)'],
        status: S.EFI_UNSUPPORTED,
      },
      {
        name: 'a kernel that is not relocatable',
        boot: { kernel: { relocatable: false } },
        lines: () => ['efistub: setup-header: the kernel is not relocatable: EFI_UNSUPPORTED (0x80000003)'],
        status: S.EFI_UNSUPPORTED,
      },
      {
        name: 'a command line longer than cmdline_size',
        boot: { kernel: { cmdlineSize: 32 }, cmdline: 'console=ttyS0 nokaslr root=/dev/vda1 rw quiet\0' },
        lines: () => ['efistub: cmdline: the command line is longer than the kernel\'s cmdline_size: EFI_BAD_BUFFER_SIZE (0x80000004)'],
        status: S.EFI_BAD_BUFFER_SIZE,
      },
      {
        name: 'AllocatePages failing for the kernel',
        boot: { setup: (sim) => sim.injectFailure('AllocatePages', S.EFI_OUT_OF_RESOURCES, 1) },
        lines: () => ['efistub: placement: failed to allocate the kernel\'s memory: EFI_OUT_OF_RESOURCES (0x80000009)'],
        status: S.EFI_OUT_OF_RESOURCES,
      },
      {
        name: 'no free region holds init_size',
        boot: { kernel: { initSize: 0x3000000 } },
        lines: () => ['efistub: placement: no free memory below 4 GiB holds the kernel\'s init_size: EFI_OUT_OF_RESOURCES (0x80000009)'],
        status: S.EFI_OUT_OF_RESOURCES,
      },
    ];
    for (const refusal of refusals) {
      it(refusal.name, async () => {
        const { run, kernel } = await boot(runner(), refusal.boot);
        expectRefused(run, refusal.lines(kernel), refusal.status);
      });
    }

    it('the injected AllocatePages failure hit the kernel\'s allocation', async () => {
      const { run, kernel } = await boot(runner(), { setup: (sim) => sim.injectFailure('AllocatePages', S.EFI_OUT_OF_RESOURCES, 1) });
      const [call] = run.sim.callsTo('AllocatePages');
      expect(call.args.slice(0, 3)).toEqual([BigInt(ALLOCATE_ADDRESS), BigInt(EFI_LOADER_CODE), BigInt(kernel.initSize / PAGE)]);
      expect(call.status).toBe(S.EFI_OUT_OF_RESOURCES);
    });
  });

  describe('e820', () => {
    it('a fragmented map of more than 128 e820 entries: the rest goes to a SETUP_E820_EXT node', async () => {
      const { run, kernel } = await boot(runner(), {
        setup: (sim) => {
          // 150 one-page holes, ACPI NVS and reserved in turn, each followed by a free page: no
          // two neighbours merge, in the map or in e820.
          for (let i = 0; i < 150; i++) sim.setMemoryType(0x1600000 + 2 * i * PAGE, 1, i % 2 === 0 ? 10 : 0);
        },
      });
      expect(expectedE820(run.sim.descriptors).length).toBeGreaterThan(300);
      expectBooted(run, kernel, { load: kernel.prefAddress, delta: 0, kaslr: false, cmdline: 'console=ttyS0 nokaslr' });
    });
  });

  describe('ExitBootServices', () => {
    it('the map changes once: the map is fetched again into the same buffer, without allocating, and the retry succeeds', async () => {
      const { run, kernel } = await boot(runner(), { setup: (sim) => sim.changeMapOnExitBootServices(1) });
      expectBooted(run, kernel, { load: kernel.prefAddress, delta: 0, kaslr: false, cmdline: 'console=ttyS0 nokaslr' });
      const sim = run.sim;
      const exits = sim.calls.map((c, index) => ({ ...c, index })).filter((c) => c.name === 'ExitBootServices');
      expect(exits.map((c) => c.status)).toEqual([S.EFI_INVALID_PARAMETER, S.EFI_SUCCESS]);
      const between = sim.calls.slice(exits[0].index + 1, exits[1].index);
      expect(between.map((c) => [c.name, c.status])).toEqual([['GetMemoryMap', S.EFI_SUCCESS]]);
      // The same buffer as the map whose key was refused.
      const refused = sim.mapsReturned.filter((m) => m.callIndex < exits[0].index).pop()!;
      const refetched = sim.mapsReturned[sim.mapsReturned.length - 1];
      expect(exits[0].args[1]).toBe(BigInt(refused.key));
      expect(refetched.buffer).toBe(refused.buffer);
      expect(between[0].args[1]).toBe(BigInt(refused.buffer));
      expect(refetched.key).not.toBe(refused.key);
      expect(exits[1].args[1]).toBe(BigInt(refetched.key));
      expect(run.lines[run.lines.length - 1]).toMatch(/^efistub: exit-boot-services: done \(attempt 2\), /);
    });

    it('refused twice: the stub gives up, names the stage, does not enter the kernel', async () => {
      const { run } = await boot(runner(), { setup: (sim) => sim.changeMapOnExitBootServices(2) });
      expect(run.entered).toBeUndefined();
      expect(run.lines[run.lines.length - 1]).toBe(
        'efistub: exit-boot-services: the firmware refused ExitBootServices twice: EFI_INVALID_PARAMETER (0x80000002)');
      expect(run.status.toString(16)).toBe((S.EFI_INVALID_PARAMETER >>> 0).toString(16));
      expect(run.sim.callsTo('ExitBootServices').map((c) => c.status)).toEqual([S.EFI_INVALID_PARAMETER, S.EFI_INVALID_PARAMETER]);
      expect(run.sim.kernelEntries).toEqual([]);
      expect(run.sim.refusals).toEqual([]);
      expect(run.sim.allocations).toEqual([]);
    });
  });
}

describeInNodeAndWasm('boot flow', 'boot-flow', bootFlowScenarios, (wasm) => {
  it('agrees with the TypeScript run call for call and byte for byte (KASLR, NX firmware, two initrds)', async () => {
    const spec: Boot = {
      cmdline: 'console=ttyS0', options: { rng: rngFor(0xb4000000, 0x40000000), memoryAttributes: { nxByDefault: true } },
      setup: splitConventional,
    };
    const node = await boot(runStubInNode, spec);
    const wasmRun = await boot(wasm(), spec);
    expectSameRun(wasmRun.run, node.run);
  });
});
