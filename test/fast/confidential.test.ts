/**
 * The confidential-computing checks of the boot flow against the simulated firmware, twice: as
 * TypeScript in Node and as the porffor-compiled Wasm, one scenario list and two runners (as in
 * boot-flow.test.ts). Under test: stub-src/boot/sev.ts (AMD SME/SEV/SEV-ES/SEV-SNP detection,
 * the SNP feature refusals, the confidential-computing blob), stub-src/boot/unaccepted-memory.ts
 * with its part in e820.ts and exit-boot.ts (EfiUnacceptedMemoryType, the kernel release rule,
 * LINUX_EFI_UNACCEPTED_MEM_TABLE), and main.ts's clean-up of a refused boot.
 *
 * Every expected value is computed here from the scenario's inputs and the documents: AMD's APM
 * (CPUID Fn8000_001F, SEV_STATUS MSR 0xC0010131), Linux (arch/x86/boot/compressed/sev.c
 * SNP_FEATURES_IMPL_REQ, include/linux/efi.h struct efi_unaccepted_memory, boot.rst
 * kernel_version, zero-page.rst cc_blob_address), UEFI 2.10 (EfiUnacceptedMemoryType = 15), and
 * the rules the stub states in its comments, never by calling stub code.
 *
 * The kernel is the synthetic bzImage of test/support/tiny-kernel.ts, booted with nokaslr, so it
 * sits at its pref_address and the other allocations come from the top of free memory below
 * 4 GiB.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as S from '../../stub-src/efi/status.ts';
import {
  bindHost, CC_BLOB_GUID, guidKey, LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID, Simulator, SimulatorFault, ukiSections,
  type MemoryDescriptor, type SimulatorOptions,
} from '../support/simulator/index.ts';
import { runStubInNode, type StubRun } from '../support/simulator/run-stub.ts';
import { describeInNodeAndWasm, expectSameRun } from '../support/simulator/compiled-stub.ts';
import { cachedTinyKernel, type TinyKernel, type TinyKernelOptions } from '../support/tiny-kernel.ts';

const PAGE = 0x1000;
const MIB = 0x100000;
const GIB = 0x4000_0000;
const FOUR_GIB = 0x1_0000_0000;

// AMD APM vol. 3, CPUID Fn8000_001F EAX; EBX[5:0] is the C-bit position, EBX[11:6] the
// physical address bits lost to it.
const CPUID_SME = 1 << 0;
const CPUID_SEV = 1 << 1;
const CPUID_SEV_ES = 1 << 3;
const CPUID_SNP = 1 << 4;
const EBX_C_BIT_51 = (1 << 6) | 51;
const EBX_C_BIT_47 = (5 << 6) | 47;
// AMD APM vol. 2 §15.34.10, SEV_STATUS: bit 0 SEV, 1 SEV-ES, 2 SNP active; 3 and up SNP features.
const MSR_SEV_STATUS = 0xc0010131;
const STATUS_SEV = 1n << 0n;
const STATUS_SEV_ES = 1n << 1n;
const STATUS_SNP = 1n << 2n;
const SNP_GUEST = STATUS_SEV | STATUS_SEV_ES | STATUS_SNP;
const bit = (n: number) => 1n << BigInt(n);
/**
 * The SNP features a guest kernel must implement before it may run with them on: Linux's
 * SNP_FEATURES_IMPL_REQ (arch/x86/boot/compressed/sev.c, commit 8c29f0165405, in 6.1 stable):
 * VTOM 3, ReflectVC 4, RestrictedInjection 5, AlternateInjection 6, DebugSwap 7, VmplSSS 10,
 * SecureTSC 11, VmgexitParameter 12, reserved 13, reserved 15, VmsaRegProt 16, and everything from
 * 18 up except IBPB-on-Entry 23 (commit 9073428bb204: a host-side protection, "does not require a
 * guest-side implementation"). Not in it: PreventHostIBS 8, BTBIsolation 9, IbsVirt 14,
 * SMTProtection 17. The 6.1 kernel the stub's table is written for implements none of them.
 */
const SNP_NEEDS_GUEST_SUPPORT = [3, 4, 5, 6, 7, 10, 11, 12, 13, 15, 16, 18, 19, 20, 21, 22,
  ...Array.from({ length: 40 }, (_, i) => 24 + i)].reduce((mask, n) => mask | bit(n), 0n);

// zero-page.rst / arch/x86/include/uapi/asm/bootparam.h.
const BP_CC_BLOB_ADDRESS = 0x13c;
const BP_E820_ENTRIES = 0x1e8;
const BP_E820_TABLE = 0x2d0;
// UEFI 2.10 §7.2.1 EFI_MEMORY_TYPE.
const EFI_LOADER_DATA = 2;
const EFI_BOOT_SERVICES_DATA = 4;
const EFI_CONVENTIONAL_MEMORY = 7;
const EFI_UNACCEPTED_MEMORY = 15;
// include/linux/efi.h: EFI_UNACCEPTED_UNIT_SIZE (PMD_SIZE) and struct efi_unaccepted_memory.
const UNIT = 2 * MIB;
const UNACCEPTED_HEADER = 24;

/** A Debian-like release string (linux-image-6.1.0-18-amd64), as `uname -v`/kernel_version read. */
const DEBIAN_6_1 = '6.1.0-18-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)';
const KERNEL_6_8 = '6.8.0-test (x@y) #1';

type Runner = (options?: SimulatorOptions, setup?: (sim: Simulator) => void) => Promise<StubRun>;

/** A CPU: what CPUID 0x80000000 and 0x8000001F answer, and the guest's SEV_STATUS. */
interface Cpu {
  /** CPUID 0x80000000 EAX, the highest extended leaf. */
  maxExtended: number;
  /** CPUID 0x8000001F EAX and EBX. */
  eax: number;
  ebx: number;
  /** SEV_STATUS, readable only when eax advertises SEV (undefined: reads 0 there). */
  sevStatus?: bigint;
}

interface Boot {
  cpu?: Cpu;
  kernel?: TinyKernelOptions;
  setup?: (sim: Simulator) => void;
}

async function boot(run: Runner, spec: Boot): Promise<{ run: StubRun; kernel: TinyKernel }> {
  const kernel = cachedTinyKernel(spec.kernel);
  const options: SimulatorOptions = {
    sections: ukiSections({ linux: kernel.bzImage, cmdline: 'console=ttyS0 nokaslr\0', initrds: [] }),
  };
  if (spec.cpu) {
    options.cpuid = {
      '0x80000000': [spec.cpu.maxExtended, 0, 0, 0],
      '0x8000001f': [spec.cpu.eax, spec.cpu.ebx, 0, 0],
    };
    if (spec.cpu.sevStatus !== undefined) options.sevStatus = spec.cpu.sevStatus;
  }
  return { run: await run(options, spec.setup), kernel };
}

// --- independent computations ------------------------------------------------------------------

const read32 = (bytes: Uint8Array, offset: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);
const read64 = (bytes: Uint8Array, offset: number) => new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(offset, true);
const hex = (value: number | bigint) => `0x${value.toString(16)}`;
const descriptorEnd = (d: MemoryDescriptor) => d.start + d.pages * PAGE;

/**
 * The sev step's description line, from the CPU alone: what CPUID advertises (only when the
 * extended leaves reach 0x8000001F), the C-bit, the SEV_STATUS bits active, and SEV_STATUS
 * itself where SEV is advertised (the only case the MSR may be read).
 */
function sevLine(cpu: Cpu | undefined): string {
  const max = cpu?.maxExtended ?? 0x8000001f;
  const eax = cpu && max >= 0x8000001f ? cpu.eax : 0;
  const named = (value: bigint, names: [bigint, string][]) => names.filter(([b]) => (value & b) !== 0n).map(([, n]) => n);
  const features = named(BigInt(eax), [[BigInt(CPUID_SME), 'SME'], [BigInt(CPUID_SEV), 'SEV'], [BigInt(CPUID_SEV_ES), 'SEV-ES'], [BigInt(CPUID_SNP), 'SNP']]);
  if (features.length === 0) return 'efistub: sev: no memory encryption (CPUID 0x8000001f: none)';
  const readable = (eax & CPUID_SEV) !== 0;
  const status = readable ? cpu!.sevStatus ?? 0n : 0n;
  const active = named(status, [[STATUS_SEV, 'SEV'], [STATUS_SEV_ES, 'SEV-ES'], [STATUS_SNP, 'SNP']]);
  return `efistub: sev: CPU has ${features.join(' ')}, C-bit ${cpu!.ebx & 0x3f}; guest active: ${active.length ? active.join(' ') : 'none'}` +
    (readable ? ` (SEV_STATUS ${hex(status)})` : '');
}

/** An unaccepted range's whole 2 MiB units, [first, end) (empty when first >= end). */
function wholeUnits(d: MemoryDescriptor): [number, number] {
  return [Math.ceil(d.start / UNIT), Math.floor(descriptorEnd(d) / UNIT)];
}

/**
 * e820 from the final EFI map (Linux setup_e820 as e820.ts documents it): loader, boot services
 * and conventional memory RAM (1), ACPI reclaim 3, NVS 4, unusable 5, persistent 7, the rest
 * RESERVED (2); an unaccepted range is RAM for its whole 2 MiB units and RESERVED for the partial
 * units at either end (all RESERVED without a whole unit); adjacent ranges of a type merge.
 */
function expectedE820(map: MemoryDescriptor[]): { address: number; size: number; type: number }[] {
  const typeOf = (efiType: number) => {
    if ([1, 2, 3, 4, 7].includes(efiType)) return 1;
    if (efiType === 9) return 3;
    if (efiType === 10) return 4;
    if (efiType === 8) return 5;
    if (efiType === 14) return 7;
    return 2;
  };
  const entries: { address: number; size: number; type: number }[] = [];
  const add = (start: number, end: number, type: number) => {
    if (end <= start) return;
    const last = entries[entries.length - 1];
    if (last && last.type === type && last.address + last.size === start) last.size += end - start;
    else entries.push({ address: start, size: end - start, type });
  };
  for (const d of map) {
    if (d.type !== EFI_UNACCEPTED_MEMORY) {
      add(d.start, descriptorEnd(d), typeOf(d.type));
      continue;
    }
    const [first, end] = wholeUnits(d);
    if (first >= end) {
      add(d.start, descriptorEnd(d), 2);
    } else {
      add(d.start, first * UNIT, 2);
      add(first * UNIT, end * UNIT, 1);
      add(end * UNIT, descriptorEnd(d), 2);
    }
  }
  return entries;
}

function e820Of(bootParams: Uint8Array): { address: number; size: number; type: number }[] {
  return Array.from({ length: bootParams[BP_E820_ENTRIES] }, (_, i) => {
    const at = BP_E820_TABLE + 20 * i;
    return { address: Number(read64(bootParams, at)), size: Number(read64(bootParams, at + 8)), type: read32(bootParams, at + 16) };
  });
}

/** The map the stub saw last before `callName` (its GetMemoryMap right before that call). */
function mapBefore(run: StubRun, callName: string): MemoryDescriptor[] {
  const index = run.sim.calls.findIndex((c) => c.name === callName);
  expect(index, `a ${callName} call`).toBeGreaterThanOrEqual(0);
  return run.sim.mapsReturned.filter((m) => m.callIndex < index).pop()!.descriptors;
}

function unacceptedEntries(sim: Simulator) {
  return sim.configurationTableEntries().filter((e) => guidKey(e.guid) === guidKey(LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID));
}

/** A boot that reached the kernel: everything common to every scenario that boots. */
function expectBooted(run: StubRun, kernel: TinyKernel, ccBlobAddress: number): Uint8Array {
  const sim = run.sim;
  expect(run.entered, run.lines.join('\n')).toBeDefined();
  expect(Number.isNaN(run.status)).toBe(true);
  expect(sim.refusals).toEqual([]);
  expect(sim.exitedBootServices).toBe(true);
  // nokaslr with pref_address free: the entry is e_entry itself.
  expect(sim.kernelEntries).toEqual([{ entry: kernel.entry, bootParams: run.entered!.bootParams }]);
  const bootParams = sim.memory.readBytes(run.entered!.bootParams, PAGE);
  expect(hex(read32(bootParams, BP_CC_BLOB_ADDRESS))).toBe(hex(ccBlobAddress));
  // The final map is the one ExitBootServices accepted; e820 follows it.
  const finalMap = sim.mapsReturned[sim.mapsReturned.length - 1];
  expect(finalMap.descriptors).toEqual(sim.descriptors);
  const e820 = expectedE820(finalMap.descriptors);
  expect(e820.length).toBeLessThanOrEqual(128);
  expect(e820Of(bootParams)).toEqual(e820);
  expect(run.lines[run.lines.length - 1]).toMatch(
    new RegExp(`^efistub: exit-boot-services: done \\(attempt 1\\), e820 entries ${e820.length}, entering the kernel at ${hex(kernel.entry)} `));
  return bootParams;
}

/** A boot refused while the firmware still runs: its lines, its status, nothing left behind. */
function expectRefused(run: StubRun, lastLines: string[], status: number): void {
  const sim = run.sim;
  expect(run.entered, run.lines.join('\n')).toBeUndefined();
  expect(run.lines.slice(-lastLines.length)).toEqual(lastLines);
  expect(hex(run.status)).toBe(hex(status >>> 0));
  expect(sim.refusals).toEqual([]);
  expect(sim.callsTo('ExitBootServices')).toEqual([]);
  expect(sim.exitedBootServices).toBe(false);
  expect(sim.kernelEntries).toEqual([]);
  expect(sim.allocations.map((a) => `${a.kind} ${hex(a.start)} ${a.pages}`)).toEqual([]);
  expect(unacceptedEntries(sim)).toEqual([]);
}

// --- SEV scenarios -----------------------------------------------------------------------------

type Blob = 'valid' | 'bad-magic' | 'above-4g' | 'none';

interface SevScenario {
  name: string;
  cpu?: Cpu;
  blob: Blob;
  /** Boots, or is refused with these lines after the description line. */
  refusal?: string[];
}

const snpCpu = (status: bigint): Cpu => ({ maxExtended: 0x8000001f, eax: CPUID_SEV | CPUID_SEV_ES | CPUID_SNP, ebx: EBX_C_BIT_51, sevStatus: status });
const SEV_REFUSED = (reason: string) => [`efistub: sev: ${reason}: EFI_UNSUPPORTED (0x80000003)`];
const unsupportedLines = (status: bigint) => [
  `efistub: sev: SNP features the kernel does not implement are enabled: ${hex(status & SNP_NEEDS_GUEST_SUPPORT)}`,
  ...SEV_REFUSED('refusing to boot an SNP guest the kernel cannot run'),
];

const sevScenarios: SevScenario[] = [
  { name: 'the simulator\'s default CPU (leaf 0x8000001f all zero): no memory encryption', blob: 'none' },
  {
    name: 'no 0x8000001f leaf (extended leaves end at 0x80000008; the leaf beyond holds a trap): no memory encryption',
    // Beyond the maximum a CPU may answer anything (Intel repeats its highest basic leaf): a stub
    // that skipped the maximum would see SNP here and read SEV_STATUS, which faults.
    cpu: { maxExtended: 0x80000008, eax: CPUID_SME | CPUID_SEV | CPUID_SEV_ES | CPUID_SNP, ebx: EBX_C_BIT_51 },
    blob: 'none',
  },
  { name: 'SME only (a bare-metal CPU without SEV): names SME and the C-bit, never reads SEV_STATUS', cpu: { maxExtended: 0x8000001f, eax: CPUID_SME, ebx: EBX_C_BIT_47 }, blob: 'none' },
  {
    name: 'an SEV-capable host (all four advertised, SEV_STATUS 0): guest active none',
    cpu: { maxExtended: 0x80000028, eax: CPUID_SME | CPUID_SEV | CPUID_SEV_ES | CPUID_SNP, ebx: EBX_C_BIT_47, sevStatus: 0n },
    blob: 'none',
  },
  { name: 'SEV guest (SEV_STATUS bit 0)', cpu: { maxExtended: 0x8000001f, eax: CPUID_SEV, ebx: EBX_C_BIT_51, sevStatus: STATUS_SEV }, blob: 'none' },
  {
    name: 'SEV-ES guest (bits 0, 1)',
    cpu: { maxExtended: 0x8000001f, eax: CPUID_SEV | CPUID_SEV_ES, ebx: EBX_C_BIT_51, sevStatus: STATUS_SEV | STATUS_SEV_ES },
    blob: 'none',
  },
  { name: 'SNP guest (bits 0, 1, 2) with a valid CC blob: its address goes to boot_params.cc_blob_address', cpu: snpCpu(SNP_GUEST), blob: 'valid' },
  {
    name: 'SNP guest with only features that need nothing of the guest (PreventHostIBS 8, BTBIsolation 9)',
    cpu: snpCpu(SNP_GUEST | bit(8) | bit(9)),
    blob: 'valid',
  },
  {
    name: 'SNP guest with IbsVirt 14, SMTProtection 17 and IBPB-on-Entry 23, which need nothing of the guest either',
    cpu: snpCpu(SNP_GUEST | bit(14) | bit(17) | bit(23)),
    blob: 'valid',
  },
  { name: 'SNP guest without a CC blob: refused', cpu: snpCpu(SNP_GUEST), blob: 'none', refusal: SEV_REFUSED('SNP is active but the firmware gives no confidential-computing blob') },
  {
    name: 'SNP guest whose CC blob has a bad magic: refused',
    cpu: snpCpu(SNP_GUEST),
    blob: 'bad-magic',
    refusal: SEV_REFUSED('the confidential-computing blob is above 4 GiB or has no AMDE magic'),
  },
  {
    name: 'SNP guest whose CC blob lies above 4 GiB (cc_blob_address is 32 bits): refused without reading it',
    cpu: snpCpu(SNP_GUEST),
    blob: 'above-4g',
    refusal: SEV_REFUSED('the confidential-computing blob is above 4 GiB or has no AMDE magic'),
  },
  { name: 'SNP guest with VTOM (bit 3) and SecureTSC (bit 11): refused, naming the bits', cpu: snpCpu(SNP_GUEST | bit(3) | bit(11)), blob: 'valid', refusal: unsupportedLines(SNP_GUEST | bit(3) | bit(11)) },
  { name: 'SNP guest with DebugSwap (bit 7) beside allowed bit 8: refused, naming bit 7 only', cpu: snpCpu(SNP_GUEST | bit(7) | bit(8)), blob: 'valid', refusal: unsupportedLines(SNP_GUEST | bit(7) | bit(8)) },
  { name: 'SNP guest with a reserved bit in the high half (bit 40): refused, naming it', cpu: snpCpu(SNP_GUEST | bit(40)), blob: 'valid', refusal: unsupportedLines(SNP_GUEST | bit(40)) },
];

function placeBlob(sim: Simulator, blob: Blob): number {
  if (blob === 'valid') return sim.addCcBlob();
  if (blob === 'bad-magic') return sim.addCcBlob({ magic: 0x45444d40 });
  if (blob === 'above-4g') return sim.addCcBlob({ address: FOUR_GIB + 0x1000 });
  return 0;
}

// --- unaccepted memory ---------------------------------------------------------------------------

/**
 * The firmware's unaccepted memory: below 4 GiB a range with partial units at both ends, above
 * 4 GiB (descriptors only) an aligned gigabyte-ish range, one with partial ends, and one smaller
 * than a unit.
 */
const UNACCEPTED: { start: number; end: number }[] = [
  { start: 0x1c01000, end: 0x2a80000 },
  { start: FOUR_GIB, end: FOUR_GIB + 256 * MIB },
  { start: FOUR_GIB + 0x20080000, end: FOUR_GIB + 0x20780000 },
  { start: FOUR_GIB + 0x30001000, end: FOUR_GIB + 0x301ff000 },
];
function addUnaccepted(sim: Simulator): void {
  for (const range of UNACCEPTED) sim.addUnacceptedMemory(range.start, (range.end - range.start) / PAGE);
}
/** What the firmware accepts under the stub, between its plan and ExitBootServices. */
const ACCEPTED_AT_INSTALL = { start: 0x2000000, end: 0x2301000 };
const ACCEPTED_AT_POOL = { start: 0x2600000, end: 0x2800000 };

/** The plan's log line, from the map the plan saw. */
function planLine(plan: MemoryDescriptor[], release: string): string {
  const ranges = plan.filter((d) => d.type === EFI_UNACCEPTED_MEMORY);
  const first = Math.min(...ranges.map((d) => Math.floor(d.start / UNIT)));
  const end = Math.max(...ranges.map((d) => Math.ceil(descriptorEnd(d) / UNIT)));
  return `efistub: unaccepted-memory: ${ranges.length} range(s) of unaccepted memory, units ${hex(first)} to ${hex(end)} of 2 MiB; kernel release ${release}`;
}

const TOO_OLD = 'efistub: unaccepted-memory: the firmware left memory unaccepted and the kernel predates Linux 6.5, which accepts memory itself: EFI_UNSUPPORTED (0x80000003)';

/**
 * The table a booted kernel finds: struct efi_unaccepted_memory (version 1, unit_size 2 MiB,
 * phys_base, size) sized by the stub's rule from the plan's map (phys_base the first unaccepted
 * unit rounded down, the bitmap whole 64-bit words over the units up to the last range's end
 * rounded up), and exactly the whole units of the final map's unaccepted ranges set.
 */
function expectUnacceptedTable(run: StubRun, plan: MemoryDescriptor[]): { address: number; bits: Set<number> } {
  const sim = run.sim;
  const entries = unacceptedEntries(sim);
  expect(entries.length).toBe(1);
  const address = entries[0].table;
  const ranges = plan.filter((d) => d.type === EFI_UNACCEPTED_MEMORY);
  const firstUnit = Math.min(...ranges.map((d) => Math.floor(d.start / UNIT)));
  const endUnit = Math.max(...ranges.map((d) => Math.ceil(descriptorEnd(d) / UNIT)));
  const size = Math.ceil((endUnit - firstUnit) / 64) * 8;
  const header = sim.memory.readBytes(address, UNACCEPTED_HEADER);
  expect(read32(header, 0)).toBe(1);
  expect(hex(read32(header, 4))).toBe(hex(UNIT));
  expect(hex(read64(header, 8))).toBe(hex(firstUnit * UNIT));
  expect(Number(read64(header, 16))).toBe(size);
  // The table lies in memory the stub allocated, and stays there.
  expect(sim.allocations.some((a) => address >= a.start && address + UNACCEPTED_HEADER + size <= a.start + a.pages * PAGE)).toBe(true);
  const expected = new Set<number>();
  for (const d of sim.mapsReturned[sim.mapsReturned.length - 1].descriptors) {
    if (d.type !== EFI_UNACCEPTED_MEMORY) continue;
    const [first, end] = wholeUnits(d);
    for (let unit = first; unit < end; unit++) expected.add(unit - firstUnit);
  }
  const bitmap = sim.memory.readBytes(address + UNACCEPTED_HEADER, size);
  const set = new Set<number>();
  for (let n = 0; n < size * 8; n++) if ((bitmap[n >> 3] >> (n & 7)) & 1) set.add(n);
  expect([...set].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
  // InstallConfigurationTable once, with the GUID and this table, before ExitBootServices.
  const installs = sim.calls.map((c, index) => ({ ...c, index })).filter((c) => c.name === 'InstallConfigurationTable');
  expect(installs.map((c) => [c.args[1], c.status])).toEqual([[BigInt(address), S.EFI_SUCCESS]]);
  expect(installs[0].index).toBeLessThan(sim.calls.findIndex((c) => c.name === 'ExitBootServices'));
  return { address, bits: set };
}

// --- the scenarios, run by both runners ------------------------------------------------------

function confidentialScenarios(runner: () => Runner): void {
  describe('SEV, SEV-ES, SNP', () => {
    for (const scenario of sevScenarios) {
      it(scenario.name, async () => {
        let blobAddress = 0;
        const { run, kernel } = await boot(runner(), { cpu: scenario.cpu, setup: (sim) => { blobAddress = placeBlob(sim, scenario.blob); } });
        const sim = run.sim;
        const description = sevLine(scenario.cpu);
        expect(run.lines).toContain(description);
        // SEV_STATUS is read exactly when SEV is advertised (the simulator faults on any other read).
        const advertised = scenario.cpu !== undefined && scenario.cpu.maxExtended >= 0x8000001f && (scenario.cpu.eax & CPUID_SEV) !== 0;
        expect(sim.msrReads).toEqual(advertised ? [MSR_SEV_STATUS] : []);
        // Leaf 0x8000001F only after the maximum said it exists.
        const leaves = sim.cpuidCalls.map(([leaf]) => leaf >>> 0);
        const maxAt = leaves.indexOf(0x80000000);
        expect(maxAt).toBeGreaterThanOrEqual(0);
        if ((scenario.cpu?.maxExtended ?? 0x8000001f) >= 0x8000001f) expect(leaves.indexOf(0x8000001f)).toBeGreaterThan(maxAt);
        else expect(leaves).not.toContain(0x8000001f);
        const snp = advertised && ((scenario.cpu!.sevStatus ?? 0n) & STATUS_SNP) !== 0n;
        if (scenario.refusal) {
          expectRefused(run, [description, ...scenario.refusal], S.EFI_UNSUPPORTED);
          return;
        }
        expectBooted(run, kernel, snp ? blobAddress : 0);
        if (snp) expect(run.lines).toContain(`efistub: sev: SNP confidential-computing blob at ${hex(blobAddress)}`);
        else expect(run.lines.filter((line) => line.startsWith('efistub: sev: '))).toEqual([description]);
        // Nothing of unaccepted memory in these maps: no table.
        expect(sim.callsTo('InstallConfigurationTable')).toEqual([]);
        expect(unacceptedEntries(sim)).toEqual([]);
      });
    }
  });

  describe('a CC blob without SNP, as Linux\'s sev_enable refuses it', () => {
    // arch/x86/boot/compressed/sev.c sev_enable (5.19 on, 6.1 included): once SEV_STATUS says
    // SEV is active, `if (snp && !(sev_status & MSR_AMD64_SEV_SNP_ENABLED)) error("SEV-SNP
    // supported indicated by CC blob, but not SEV status MSR.")`, snp being "the firmware gave a
    // CC blob". The decompressor no longer runs, and the kernel proper cannot repeat the check:
    // its sme_enable finds the blob only through boot_params.cc_blob_address (or setup_data),
    // which the stub leaves 0 without SNP. So the stub, which took over the decompressor's SEV
    // checks (sev.ts), has to refuse this guest at its sev stage.
    const guests: [string, Cpu][] = [
      ['SEV guest', { maxExtended: 0x8000001f, eax: CPUID_SEV, ebx: EBX_C_BIT_51, sevStatus: STATUS_SEV }],
      ['SEV-ES guest', { maxExtended: 0x8000001f, eax: CPUID_SEV | CPUID_SEV_ES | CPUID_SNP, ebx: EBX_C_BIT_51, sevStatus: STATUS_SEV | STATUS_SEV_ES }],
    ];
    for (const [name, cpu] of guests) {
      it(`${name} whose firmware gives an SNP CC blob while SEV_STATUS has no SNP: refused at the sev stage`, async () => {
        const { run } = await boot(runner(), { cpu, setup: (sim) => { sim.addCcBlob(); } });
        expect(run.lines).toContain(sevLine(cpu));
        const last = run.lines[run.lines.length - 1];
        expect(last, run.lines.join('\n')).toMatch(/^efistub: sev: .*: EFI_UNSUPPORTED \(0x80000003\)$/);
        expectRefused(run, [sevLine(cpu), last], S.EFI_UNSUPPORTED);
      });
    }
  });

  describe('unaccepted memory', () => {
    it('kernel 6.8: the table is installed, sized from the plan, its bits from the final map; e820 RAM for whole units only', async () => {
      const { run, kernel } = await boot(runner(), {
        kernel: { kernelVersion: KERNEL_6_8 },
        setup: (sim) => {
          addUnaccepted(sim);
          // The firmware accepts part of the low range while installing the table.
          sim.beforeCall('InstallConfigurationTable', () => {
            sim.acceptMemory(ACCEPTED_AT_INSTALL.start, (ACCEPTED_AT_INSTALL.end - ACCEPTED_AT_INSTALL.start) / PAGE);
            return true;
          });
        },
      });
      const bootParams = expectBooted(run, kernel, 0);
      const plan = mapBefore(run, 'InstallConfigurationTable');
      expect(run.lines).toContain(planLine(plan, '6.8'));
      const { bits } = expectUnacceptedTable(run, plan);
      // The plan saw one low range; the final map two pieces of it around the accepted part.
      const base = Math.floor(UNACCEPTED[0].start / UNIT);
      expect(plan.filter((d) => d.type === EFI_UNACCEPTED_MEMORY).length).toBe(UNACCEPTED.length);
      expect(bits.has(0x10 - base)).toBe(false); // [0x2000000, 0x2200000): accepted
      expect(bits.has(0x11 - base)).toBe(false); // [0x2200000, 0x2400000): part accepted, part not
      expect(bits.has(0xf - base)).toBe(true);
      expect(bits.has(0x12 - base)).toBe(true);
      // The edges: partial units RESERVED, whole units RAM.
      const e820 = e820Of(bootParams);
      const entry = (address: number) => e820.find((e) => e.address === address);
      expect(entry(0x1c01000)).toEqual({ address: 0x1c01000, size: 0x1e00000 - 0x1c01000, type: 2 });
      // The whole unit [0x1e00000, 0x2000000) and the accepted, now conventional, part after it
      // are both RAM: one entry.
      expect(entry(0x1e00000)).toEqual({ address: 0x1e00000, size: 0x200000 + 0x301000, type: 1 });
      expect(entry(0x2301000)).toEqual({ address: 0x2301000, size: 0x2400000 - 0x2301000, type: 2 });
      expect(entry(0x2400000)).toEqual({ address: 0x2400000, size: 0x2a00000 - 0x2400000, type: 1 });
      expect(entry(0x2a00000)).toEqual({ address: 0x2a00000, size: 0x80000, type: 2 });
      expect(entry(FOUR_GIB)).toEqual({ address: FOUR_GIB, size: 256 * MIB, type: 1 });
      expect(entry(FOUR_GIB + 0x20080000)?.type).toBe(2);
      expect(entry(FOUR_GIB + 0x20200000)).toEqual({ address: FOUR_GIB + 0x20200000, size: 2 * UNIT, type: 1 });
      expect(entry(FOUR_GIB + 0x30001000)).toEqual({ address: FOUR_GIB + 0x30001000, size: 0x1fe000, type: 2 });
    });

    it('kernel 6.8, memory accepted by a late AllocatePool (the final map\'s buffer): bits follow the final map', async () => {
      const { run, kernel } = await boot(runner(), {
        kernel: { kernelVersion: KERNEL_6_8 },
        setup: (sim) => {
          addUnaccepted(sim);
          sim.beforeCall('AllocatePool', () => {
            if (sim.callsTo('InstallConfigurationTable').length === 0) return false;
            sim.acceptMemory(ACCEPTED_AT_POOL.start, (ACCEPTED_AT_POOL.end - ACCEPTED_AT_POOL.start) / PAGE, EFI_BOOT_SERVICES_DATA);
            return true;
          });
        },
      });
      expectBooted(run, kernel, 0);
      const plan = mapBefore(run, 'InstallConfigurationTable');
      const { bits } = expectUnacceptedTable(run, plan);
      const base = Math.floor(UNACCEPTED[0].start / UNIT);
      expect(bits.has(0x13 - base)).toBe(false); // [0x2600000, 0x2800000): now firmware data
      expect(bits.has(0x12 - base)).toBe(true);
      expect(bits.has(0x14 - base)).toBe(true);
    });

    it('kernels 6.5.0 and 6.10.0-rc1: new enough (two-digit minor read as 10, not 1)', async () => {
      for (const version of ['6.5.0', '6.10.0-rc1 (builder@host) #2']) {
        const { run, kernel } = await boot(runner(), { kernel: { kernelVersion: version }, setup: addUnaccepted });
        expectBooted(run, kernel, 0);
        expect(run.lines).toContain(planLine(mapBefore(run, 'InstallConfigurationTable'), version.startsWith('6.5') ? '6.5' : '6.10'));
        expectUnacceptedTable(run, mapBefore(run, 'InstallConfigurationTable'));
      }
    });

    const tooOld: { name: string; kernelVersion: string | null; release: string }[] = [
      { name: 'Debian\'s 6.1 (release string as Debian builds it)', kernelVersion: DEBIAN_6_1, release: '6.1' },
      { name: '6.4.16, the last release before 6.5', kernelVersion: '6.4.16', release: '6.4' },
      { name: 'a kernel without a kernel_version string', kernelVersion: null, release: 'unknown' },
    ];
    for (const c of tooOld) {
      it(`kernel ${c.name}: refused before ExitBootServices, no table left, every allocation released`, async () => {
        const { run } = await boot(runner(), { kernel: { kernelVersion: c.kernelVersion }, setup: addUnaccepted });
        // The plan is the last map fetched: nothing after it but the refusal.
        const plan = run.sim.mapsReturned[run.sim.mapsReturned.length - 1].descriptors;
        expectRefused(run, [planLine(plan, c.release), TOO_OLD], S.EFI_UNSUPPORTED);
        expect(run.sim.callsTo('InstallConfigurationTable')).toEqual([]);
        // The kernel was decompressed and placed before the refusal: its pages went back too.
        expect(run.sim.callsTo('FreePages').length).toBeGreaterThan(0);
        expect(run.sim.pagesOfType(EFI_LOADER_DATA)).toBe(512); // the host runtime's 2 MiB only
      });
    }

    it('InstallConfigurationTable failing: refused, the table\'s pages freed, nothing installed', async () => {
      const { run } = await boot(runner(), {
        kernel: { kernelVersion: KERNEL_6_8 },
        setup: (sim) => {
          addUnaccepted(sim);
          sim.injectFailure('InstallConfigurationTable', S.EFI_OUT_OF_RESOURCES, 1);
        },
      });
      expectRefused(run, ['efistub: unaccepted-memory: failed to install the unaccepted-memory table: EFI_OUT_OF_RESOURCES (0x80000009)'], S.EFI_OUT_OF_RESOURCES);
      expect(run.sim.callsTo('InstallConfigurationTable').map((c) => c.status)).toEqual([S.EFI_OUT_OF_RESOURCES]);
    });

    it('ExitBootServices refused twice after the table was installed: the table is uninstalled and its pages freed', async () => {
      const { run } = await boot(runner(), {
        kernel: { kernelVersion: KERNEL_6_8 },
        setup: (sim) => {
          addUnaccepted(sim);
          sim.changeMapOnExitBootServices(2);
        },
      });
      const sim = run.sim;
      expect(run.entered).toBeUndefined();
      expect(run.lines[run.lines.length - 1]).toBe(
        'efistub: exit-boot-services: the firmware refused ExitBootServices twice: EFI_INVALID_PARAMETER (0x80000002)');
      expect(hex(run.status)).toBe(hex(S.EFI_INVALID_PARAMETER >>> 0));
      const installs = sim.callsTo('InstallConfigurationTable');
      expect(installs.length).toBe(2);
      expect(installs[1].args[1]).toBe(0n); // NULL: remove
      expect(installs.map((c) => c.status)).toEqual([S.EFI_SUCCESS, S.EFI_SUCCESS]);
      expect(unacceptedEntries(sim)).toEqual([]);
      expect(sim.allocations).toEqual([]);
      expect(sim.refusals).toEqual([]);
      // UEFI 2.10 §7.4.6 allows only memory allocation services after a failed
      // ExitBootServices; removing the table is the one other call, and it is deliberate: a
      // table left installed over freed pages would be reused by the next Linux stub.
      expect(sim.callsAfterFailedExit).toEqual(['InstallConfigurationTable']);
    });

    it('a range across the 4 GiB line and a terabyte-sized one: 64-bit unit arithmetic, a 64 KiB bitmap', async () => {
      // [0xfee00000, 0x120000000) crosses 2^32 (just above the simulator's MMIO page); the second
      // range ends at 1 TiB + 2 GiB, so the bitmap spans more than 2^19 units.
      const ranges = [{ start: 0xfee00000, end: FOUR_GIB + 0x20000000 }, { start: 512 * GIB, end: 1026 * GIB }];
      const { run, kernel } = await boot(runner(), {
        kernel: { kernelVersion: KERNEL_6_8 },
        setup: (sim) => {
          sim.addUnacceptedMemory(0x1c01000, (0x2a80000 - 0x1c01000) / PAGE);
          for (const range of ranges) sim.addUnacceptedMemory(range.start, (range.end - range.start) / PAGE);
        },
      });
      const bootParams = expectBooted(run, kernel, 0);
      const plan = mapBefore(run, 'InstallConfigurationTable');
      expect(run.lines).toContain(planLine(plan, '6.8'));
      const { bits } = expectUnacceptedTable(run, plan);
      expect(bits.size).toBe(6 + (ranges[0].end - ranges[0].start) / UNIT + (ranges[1].end - ranges[1].start) / UNIT);
      const e820 = e820Of(bootParams);
      expect(e820).toContainEqual({ address: 0xfee00000, size: ranges[0].end - ranges[0].start, type: 1 });
      expect(e820).toContainEqual({ address: 512 * GIB, size: 514 * GIB, type: 1 });
    });

    it('no unaccepted memory: no table, no log line', async () => {
      const { run, kernel } = await boot(runner(), { kernel: { kernelVersion: KERNEL_6_8 } });
      expectBooted(run, kernel, 0);
      expect(run.sim.callsTo('InstallConfigurationTable')).toEqual([]);
      expect(unacceptedEntries(run.sim)).toEqual([]);
      expect(run.lines.some((line) => line.startsWith('efistub: unaccepted-memory:'))).toBe(false);
    });

    it('unaccepted memory in an SNP guest: both checks pass and both results reach the kernel', async () => {
      let blob = 0;
      const { run, kernel } = await boot(runner(), {
        cpu: snpCpu(SNP_GUEST),
        kernel: { kernelVersion: KERNEL_6_8 },
        setup: (sim) => {
          blob = sim.addCcBlob();
          addUnaccepted(sim);
        },
      });
      expectBooted(run, kernel, blob);
      expectUnacceptedTable(run, mapBefore(run, 'InstallConfigurationTable'));
    });
  });
}

describe('the simulator\'s confidential-computing firmware', () => {
  it('SEV_STATUS read on a CPU that does not advertise SEV faults (#GP), and is recorded', () => {
    const sim = new Simulator({ cpuid: { '0x8000001f': [CPUID_SME, EBX_C_BIT_47, 0, 0] } });
    const unbind = bindHost(sim);
    try {
      const halves = new Uint32Array(2);
      expect(() => hostReadMsr(MSR_SEV_STATUS, halves)).toThrow(SimulatorFault);
      expect(sim.msrReads).toEqual([MSR_SEV_STATUS]);
    } finally {
      unbind();
    }
  });

  it('SEV_STATUS reads the guest value where SEV is advertised, 0 when none is given', () => {
    for (const [sevStatus, expected] of [[SNP_GUEST | bit(40), [0x7, 0x100]], [undefined, [0, 0]]] as const) {
      const sim = new Simulator({ cpuid: { '0x8000001f': [CPUID_SEV, EBX_C_BIT_51, 0, 0] }, sevStatus });
      const unbind = bindHost(sim);
      try {
        const halves = new Uint32Array(2);
        expect(hostReadMsr(MSR_SEV_STATUS, halves)).toBe(0);
        expect([...halves]).toEqual(expected);
      } finally {
        unbind();
      }
    }
  });

  it('unaccepted ranges above RAM are descriptors only; acceptMemory turns unaccepted RAM conventional', () => {
    const sim = new Simulator();
    addUnaccepted(sim);
    for (const range of UNACCEPTED) {
      expect(sim.descriptors).toContainEqual(expect.objectContaining({ type: EFI_UNACCEPTED_MEMORY, start: range.start, pages: (range.end - range.start) / PAGE }));
    }
    expect(() => sim.memory.read8(FOUR_GIB)).toThrow(SimulatorFault);
    sim.acceptMemory(ACCEPTED_AT_INSTALL.start, 1);
    expect(sim.descriptors).toContainEqual(expect.objectContaining({ type: EFI_CONVENTIONAL_MEMORY, start: ACCEPTED_AT_INSTALL.start, pages: 1 }));
    expect(() => sim.acceptMemory(FOUR_GIB, 1)).toThrow(SimulatorFault);
    expect(() => sim.addUnacceptedMemory(0x400000, 1)).toThrow(/not all conventional/);
    expect(() => sim.addUnacceptedMemory(0xfec00000, 1)).toThrow(/overlaps/);
    expect(() => sim.addUnacceptedMemory(GIB / 16 - PAGE, 2)).toThrow(/straddles/);
  });

  it('the CC blob is struct cc_blob_sev_info under EFI_CC_BLOB_GUID', () => {
    const sim = new Simulator();
    const address = sim.addCcBlob();
    const entry = sim.configurationTableEntries().find((e) => guidKey(e.guid) === guidKey(CC_BLOB_GUID));
    expect(entry?.table).toBe(address);
    // "AMDE" read as a little-endian u32, as the kernel's CC_BLOB_SEV_HDR_MAGIC compares it.
    expect(sim.memory.readBytes(address, 4).toString('latin1')).toBe('AMDE');
    expect(read32(sim.memory.readBytes(address, 40), 0)).toBe(0x45444d41);
  });
});

describeInNodeAndWasm('confidential computing', 'confidential', confidentialScenarios, (wasm) => {
  it('agrees with the TypeScript run call for call and byte for byte (SNP guest, unaccepted memory above 4 GiB)', async () => {
    const spec: Boot = {
      cpu: snpCpu(SNP_GUEST | bit(8)),
      kernel: { kernelVersion: KERNEL_6_8 },
      setup: (sim) => {
        sim.addCcBlob();
        addUnaccepted(sim);
        sim.beforeCall('InstallConfigurationTable', () => {
          sim.acceptMemory(ACCEPTED_AT_INSTALL.start, (ACCEPTED_AT_INSTALL.end - ACCEPTED_AT_INSTALL.start) / PAGE);
          return true;
        });
      },
    };
    const node = await boot(runStubInNode, spec);
    const wasmRun = await boot(wasm(), spec);
    expectSameRun(wasmRun.run, node.run);
  });
});
