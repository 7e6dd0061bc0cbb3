/**
 * @fileoverview The simulated UEFI firmware: tables, memory map, boot services, protocols.
 *
 * Everything the stub sees lives in simulated physical memory (memory.ts), laid out from the
 * same offsets the stub reads (stub-src/efi/tables.ts and friends), so a wrong offset in the
 * description shows as a wrong answer here and in the table test. Firmware functions are fake
 * addresses in a BootServicesCode region (each a few int3 bytes); hostEfiCall lands in
 * Simulator.efiCall, which looks the address up and runs the TypeScript implementation with
 * the 64-bit arguments. Every boot service slot is filled: the ones not simulated record the
 * call and return EFI_UNSUPPORTED.
 *
 * The simulator is strict where real firmware is merely undefined, so stub bugs show in tests:
 * a call to a non-function address, too few arguments, a boot service after ExitBootServices,
 * FreePages of something AllocatePages did not return, an out-parameter outside memory.
 *
 * Optional firmware features, off unless a test asks (SimulatorOptions): EFI_RNG_PROTOCOL
 * handing out chosen bytes, EFI_MEMORY_ATTRIBUTE_PROTOCOL with per-page attributes (and a mode
 * where every fresh allocation is non-executable, as firmware with an NX memory protection
 * policy does), raw binary load options. Tests can also reshape the memory map
 * (setMemoryType) and make the map change under the stub at ExitBootServices
 * (changeMapOnExitBootServices); every map GetMemoryMap returned is kept in mapsReturned.
 *
 * DXE services (UEFI PI 1.8 vol. 2 §7.2, test/fast/memory-attributes-dxe.test.ts), off unless
 * SimulatorOptions.dxeServices asks: the DXE services table in the configuration table over a
 * GCD memory space map (gcdMap: ranges with a GCD memory type, capabilities and attributes),
 * GetMemorySpaceDescriptor answering from it, SetMemorySpaceAttributes replacing the attributes
 * of a range (splitting GCD ranges at its edges), the other slots EFI_UNSUPPORTED; optionally a
 * table whose signature is wrong.
 *
 * Confidential computing (test/fast/confidential.test.ts): CPUID answers per leaf and the guest's
 * SEV_STATUS MSR, which exists only where CPUID advertises SEV (reading it elsewhere is #GP on
 * real hardware and a SimulatorFault here); an SEV-SNP confidential-computing blob in the
 * configuration table (addCcBlob); EfiUnacceptedMemoryType ranges, also above the simulated
 * RAM as descriptors only (addUnacceptedMemory), which the firmware can accept under the stub
 * (acceptMemory, from a beforeCall hook); InstallConfigurationTable, which adds, replaces and
 * removes entries of the table the system table points at.
 *
 * Layout (defaults; 64 MiB of RAM at physical 0):
 *   0x0000000  1 MiB           EfiReservedMemoryType (legacy area, never handed out)
 *   0x0100000  512 KiB         EfiBootServicesCode   fake boot service entry points
 *   0x0180000  512 KiB         EfiRuntimeServicesCode fake runtime service entry points
 *   0x0200000  512 KiB         EfiBootServicesData   system table, boot services, ConOut, handles
 *   0x0280000  64 KiB          EfiRuntimeServicesData runtime services table; CC blob at
 *                                                    +0x1000 (addCcBlob), its secrets and CPUID pages
 *   0x0290000  64 KiB          EfiACPIReclaimMemory  RSDP
 *   0x02a0000  64 KiB          EfiACPIMemoryNVS
 *   0x02b0000  ...             EfiConventionalMemory
 *   0x0400000  image           EfiLoaderCode         the stub's PE image (ImageBase)
 *   ...        ...             EfiConventionalMemory
 *   0x0800000  2 MiB           EfiLoaderData         the host runtime (scratch page at its start)
 *   0x0a00000  ...             EfiConventionalMemory
 *   0x3c00000  3 MiB           EfiBootServicesData   firmware heap
 *   0x3f00000  64 KiB          EfiUnusableMemory
 *   0x3f10000  ...             EfiRuntimeServicesData
 *   0xfec00000 4 KiB (no RAM)  EfiMemoryMappedIO      (reads fault: not backed)
 */

import * as T from '../../../stub-src/efi/tables.ts';
import * as S from '../../../stub-src/efi/status.ts';
import * as G from '../../../stub-src/efi/guids.ts';
import * as LI from '../../../stub-src/efi/proto-loaded-image.ts';
import * as TO from '../../../stub-src/efi/proto-simple-text-output.ts';
import { hex, joinAddress, PAGE_SIZE, PhysicalMemory, SimulatorFault } from './memory.ts';
import { buildPeImage, defaultSections, type BuiltPeImage, type PeSectionSpec } from './pe-builder.ts';

export type GuidWords = readonly [number, number, number, number];

export function guidKey(words: GuidWords): string {
  return words.map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('-');
}

export const LOADED_IMAGE_GUID: GuidWords = [G.LOADED_IMAGE_PROTOCOL_GUID_0, G.LOADED_IMAGE_PROTOCOL_GUID_1, G.LOADED_IMAGE_PROTOCOL_GUID_2, G.LOADED_IMAGE_PROTOCOL_GUID_3];
export const SIMPLE_TEXT_OUTPUT_GUID: GuidWords = [G.SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID_0, G.SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID_1, G.SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID_2, G.SIMPLE_TEXT_OUTPUT_PROTOCOL_GUID_3];
export const ACPI_20_TABLE_GUID: GuidWords = [G.ACPI_20_TABLE_GUID_0, G.ACPI_20_TABLE_GUID_1, G.ACPI_20_TABLE_GUID_2, G.ACPI_20_TABLE_GUID_3];
export const SMBIOS3_TABLE_GUID: GuidWords = [G.SMBIOS3_TABLE_GUID_0, G.SMBIOS3_TABLE_GUID_1, G.SMBIOS3_TABLE_GUID_2, G.SMBIOS3_TABLE_GUID_3];
export const ACPI_TABLE_GUID: GuidWords = [G.ACPI_TABLE_GUID_0, G.ACPI_TABLE_GUID_1, G.ACPI_TABLE_GUID_2, G.ACPI_TABLE_GUID_3];
export const RNG_PROTOCOL_GUID: GuidWords = [G.RNG_PROTOCOL_GUID_0, G.RNG_PROTOCOL_GUID_1, G.RNG_PROTOCOL_GUID_2, G.RNG_PROTOCOL_GUID_3];
/**
 * A GUID in registry format ("067B1F5F-CF26-44C5-8554-93D777912D42") as its four little-endian
 * 32-bit words in memory order (EFI_GUID: u32 Data1, u16 Data2, u16 Data3, u8 Data4[8]).
 */
export function guidFromString(text: string): GuidWords {
  const match = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(text);
  if (!match) throw new Error(`bad GUID ${text}`);
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32LE(parseInt(match[1], 16), 0);
  bytes.writeUInt16LE(parseInt(match[2], 16), 4);
  bytes.writeUInt16LE(parseInt(match[3], 16), 6);
  Buffer.from(match[4] + match[5], 'hex').copy(bytes, 8);
  return [bytes.readUInt32LE(0), bytes.readUInt32LE(4), bytes.readUInt32LE(8), bytes.readUInt32LE(12)];
}

// Written out from their registry strings rather than taken from stub-src/efi/guids.ts: the
// firmware side must not share a mistake with the stub. Linux include/linux/efi.h
// (EFI_CC_BLOB_GUID; LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID, 6.5+), OVMF's
// gConfidentialComputingSevSnpBlobGuid.
export const CC_BLOB_GUID: GuidWords = guidFromString('067b1f5f-cf26-44c5-8554-93d777912d42');
export const LINUX_EFI_UNACCEPTED_MEM_TABLE_GUID: GuidWords = guidFromString('d5d1de3c-105c-44f9-9ea9-bcef98120031');
/** "AMDE", struct cc_blob_sev_info's magic (Linux arch/x86/include/asm/sev.h CC_BLOB_SEV_HDR_MAGIC). */
export const CC_BLOB_SEV_HDR_MAGIC = 0x45444d41;
/** AMD APM vol. 2 §15.34.10: SEV_STATUS, the guest's view of its SEV state. */
export const MSR_SEV_STATUS = 0xc0010131;

export const MEMORY_ATTRIBUTE_PROTOCOL_GUID: GuidWords = [
  G.MEMORY_ATTRIBUTE_PROTOCOL_GUID_0, G.MEMORY_ATTRIBUTE_PROTOCOL_GUID_1, G.MEMORY_ATTRIBUTE_PROTOCOL_GUID_2,
  G.MEMORY_ATTRIBUTE_PROTOCOL_GUID_3,
];

// UEFI PI 1.8 vol. 2 §7.2 (EDK2 MdePkg/Include/Pi/PiDxeCis.h), written out from the spec
// rather than taken from the stub, for the same reason as the GUIDs above.
/** DXE_SERVICES_TABLE_GUID. */
export const DXE_SERVICES_TABLE_GUID: GuidWords = guidFromString('05ad34ba-6f02-4214-952e-4da0398e2bb9');
/** DXE_SERVICES_SIGNATURE: "DXE_SERV" as a little-endian u64. */
export const DXE_SERVICES_SIGNATURE = 0x56524553_5f455844n;
/** DXE_SERVICES: the table header, then its functions in spec order, 8 bytes each. */
export const DXE_SERVICES_FUNCTIONS = [
  'AddMemorySpace', 'AllocateMemorySpace', 'FreeMemorySpace', 'RemoveMemorySpace', 'GetMemorySpaceDescriptor',
  'SetMemorySpaceAttributes', 'GetMemorySpaceMap', 'AddIoSpace', 'AllocateIoSpace', 'FreeIoSpace', 'RemoveIoSpace',
  'GetIoSpaceDescriptor', 'GetIoSpaceMap', 'Dispatch', 'Schedule', 'Trust', 'ProcessFirmwareVolume',
  'SetMemorySpaceCapabilities',
] as const;
const DXE_SERVICES_HEADER_SIZE = 24;
/** DXE_SERVICES_REVISION of a PI 1.8 DXE core ((1 << 16) | 80). */
const DXE_SERVICES_REVISION = (1 << 16) | 80;
/** EFI_GCD_MEMORY_TYPE (PI 1.8 vol. 2 §7.2.4.1 AddMemorySpace): NonExistent comes first, so SystemMemory is 2. */
export const GCD_MEMORY_TYPE_NON_EXISTENT = 0;
export const GCD_MEMORY_TYPE_RESERVED = 1;
export const GCD_MEMORY_TYPE_SYSTEM_MEMORY = 2;
export const GCD_MEMORY_TYPE_MEMORY_MAPPED_IO = 3;
export const GCD_MEMORY_TYPE_PERSISTENT = 4;
export const GCD_MEMORY_TYPE_MORE_RELIABLE = 5;
export const GCD_MEMORY_TYPE_UNACCEPTED = 6;
/**
 * EFI_GCD_MEMORY_SPACE_DESCRIPTOR: BaseAddress u64, Length u64, Capabilities u64, Attributes u64,
 * GcdMemoryType (an enum: u32, then 4 bytes of padding), ImageHandle, DeviceHandle.
 */
export const GCD_DESCRIPTOR = {
  baseAddress: 0, length: 8, capabilities: 16, attributes: 24, gcdMemoryType: 32, imageHandle: 40, deviceHandle: 48, size: 56,
} as const;
/**
 * Capabilities of a GCD range when a test names none: the caching types and the protection bits,
 * as EDK2 gives system memory (so SetMemorySpaceAttributes to any of them is accepted).
 */
export const GCD_DEFAULT_CAPABILITIES = BigInt(T.EFI_MEMORY_UC | T.EFI_MEMORY_WC | T.EFI_MEMORY_WT | T.EFI_MEMORY_WB |
  T.EFI_MEMORY_WP | T.EFI_MEMORY_RP | T.EFI_MEMORY_XP | T.EFI_MEMORY_RO);

/** One range of the GCD memory space map. */
export interface GcdRange {
  base: number;
  length: number;
  /** EFI_GCD_MEMORY_TYPE (GCD_MEMORY_TYPE_*). */
  type: number;
  attributes: bigint;
  /** Default GCD_DEFAULT_CAPABILITIES. */
  capabilities?: bigint;
}

/** The attribute bits EFI_MEMORY_ATTRIBUTE_PROTOCOL manages (UEFI 2.10 §37.7). */
export const MEMORY_ATTRIBUTE_BITS = T.EFI_MEMORY_RP | T.EFI_MEMORY_XP | T.EFI_MEMORY_RO;

export interface MemoryDescriptor {
  type: number;
  start: number;
  pages: number;
  attribute: bigint;
}

export interface Allocation {
  start: number;
  pages: number;
  type: number;
  kind: 'pages' | 'pool';
  /** Index in Simulator.calls of the AllocatePages/AllocatePool call that made it. */
  callIndex: number;
}

/** A firmware function: 64-bit arguments in, folded 32-bit status out. */
export type FirmwareFunction = (args: bigint[]) => number;

export interface FirmwareCall {
  name: string;
  args: bigint[];
  status: number;
}

export interface Refusal {
  what: 'write' | 'grant';
  address: number;
  length: number;
}

export interface KernelEntry {
  entry: number;
  bootParams: number;
}

/** A memory map GetMemoryMap handed out: where it was written, its key, its descriptors. */
export interface ReturnedMap {
  /** Index of the GetMemoryMap call in Simulator.calls. */
  callIndex: number;
  buffer: number;
  key: number;
  descriptors: MemoryDescriptor[];
}

/** Thrown by hostEnterKernel on success: the real one never returns. */
export class KernelEntered extends Error {
  constructor(readonly entry: number, readonly bootParams: number) {
    super(`kernel entered at ${hex(entry)} with boot_params ${hex(bootParams)}`);
    this.name = 'KernelEntered';
  }
}

export interface SimulatorOptions {
  memorySize?: number;
  vendor?: string;
  firmwareRevision?: number;
  /** EFI_SYSTEM_TABLE.Hdr.Revision, default UEFI 2.70 ((2 << 16) | 70). */
  uefiRevision?: number;
  /** The loaded image's sections (built with buildPeImage); default defaultSections(). */
  sections?: PeSectionSpec[];
  /** Or a ready image (mapped layout). */
  image?: Uint8Array;
  imageBase?: number;
  /**
   * Load options of the loaded image, if any: a string is written as UCS-2 with its NUL (what a
   * boot entry or the shell passes), bytes are passed as they are (LoadOptionsSize = length),
   * e.g. the GUID OVMF's auto-created boot options carry.
   */
  loadOptions?: string | Uint8Array;
  /**
   * Installs EFI_RNG_PROTOCOL (UEFI 2.10 §37.5): GetRNG with the default algorithm hands out
   * these bytes in order and answers EFI_NOT_READY once they run out.
   */
  rng?: Uint8Array | number[];
  /**
   * Installs EFI_MEMORY_ATTRIBUTE_PROTOCOL (UEFI 2.10 §37.7) over per-page attributes
   * (pageAttributes). With nxByDefault every page AllocatePages/AllocatePool hands out starts
   * as EFI_MEMORY_XP, as on firmware with an NX memory protection policy.
   */
  memoryAttributes?: { nxByDefault?: boolean };
  /**
   * Publishes the DXE services table (UEFI PI 1.8 vol. 2 §7.2) under DXE_SERVICES_TABLE_GUID,
   * over the GCD map `gcd` (sorted, page-aligned, not overlapping; addresses in no range are
   * EFI_NOT_FOUND to GetMemorySpaceDescriptor and EFI_UNSUPPORTED to SetMemorySpaceAttributes).
   * Default: one system-memory range covering the RAM, attributes 0. badSignature writes a
   * signature other than "DXE_SERV" (the functions stay callable).
   */
  dxeServices?: { gcd?: GcdRange[]; badSignature?: boolean };
  /** GetMemoryMap's DescriptorSize; OVMF uses 48. */
  descriptorSize?: number;
  /**
   * CPUID answers by "leaf" or "leaf:subleaf" (hex or decimal keys), [eax, ebx, ecx, edx]. A
   * leaf above the maximum that leaf 0x80000000 (or 0) reports still answers what the table
   * says: Intel CPUs return the highest basic leaf's data there, i.e. nothing meaningful, so a
   * stub must check the maximum first, and a test can put a trap in such a leaf.
   */
  cpuid?: Record<string, [number, number, number, number]>;
  /**
   * Raw MSR values, answered as given (SEV_STATUS too, whatever CPUID says: a raw entry is for
   * tests of the host boundary itself). An MSR not in it is refused with EFI_DEVICE_ERROR,
   * except SEV_STATUS, which follows sevStatus below.
   */
  msrs?: Record<number, bigint>;
  /**
   * The guest's SEV_STATUS (MSR 0xC0010131). The MSR exists only on CPUs whose CPUID
   * Fn8000_001F EAX bit 1 advertises SEV (leaf 0x80000000 reaching 0x8000001F): there it reads
   * this value (0 when not given: a host, or a guest without SEV); elsewhere RDMSR raises #GP,
   * which the simulator turns into a SimulatorFault so a stub that reads it unasked fails loudly.
   */
  sevStatus?: bigint;
  tscStart?: bigint;
  /** TSC ticks every read adds (the cost of reading it and of the code around the read). */
  tscStep?: bigint;
  /** TSC ticks a Stall(n) adds per microsecond (default 1000: a 1 GHz TSC). */
  tscPerMicrosecond?: bigint;
  /** RDRAND values in order, or null when the CPU has none; default a fixed xorshift sequence. */
  random?: bigint[] | null;
  /** Copy console lines to stdout (also with EFISTUB_SIM_ECHO=1). */
  echoConsole?: boolean;
}

const MEMORY_SIZE = 64 * 1024 * 1024;
const BOOT_CODE = 0x100000;
const RUNTIME_CODE = 0x180000;
const BOOT_DATA = 0x200000;
const RUNTIME_DATA = 0x280000;
const ACPI_RECLAIM = 0x290000;
const ACPI_NVS = 0x2a0000;
const IMAGE_BASE = 0x400000;
const HOST_AREA = 0x800000;
const HOST_AREA_SIZE = 0x200000;
const FIRMWARE_HEAP = 0x3c00000;
const UNUSABLE = 0x3f00000;
const RUNTIME_DATA_HIGH = 0x3f10000;
const MMIO = 0xfec00000;

/** Entries the configuration table array holds; InstallConfigurationTable beyond: out of resources. */
const CONFIGURATION_TABLE_CAPACITY = 8;
/** Where addCcBlob puts the blob and the pages it names, in the low RuntimeServicesData area. */
const CC_BLOB = RUNTIME_DATA + 0x1000;
const CC_SECRETS_PAGE = RUNTIME_DATA + 0x2000;
const CC_CPUID_PAGE = RUNTIME_DATA + 0x3000;
/** Memory allocation services (UEFI 2.10 §7.2) and ExitBootServices: callable after a failed exit. */
const CALLABLE_AFTER_FAILED_EXIT = new Set(['AllocatePages', 'FreePages', 'GetMemoryMap', 'AllocatePool', 'FreePool', 'ExitBootServices']);

const ATTRIBUTES_RAM = BigInt(T.EFI_MEMORY_UC | T.EFI_MEMORY_WC | T.EFI_MEMORY_WT | T.EFI_MEMORY_WB);
const ATTRIBUTE_RUNTIME = 1n << 63n;

/** Boot services slots in table order, named as in UEFI 2.10 §4.4 (BOOT_SERVICES_* constants). */
const BOOT_SERVICE_SLOTS: [string, number][] = Object.entries(T)
  .filter(([name]) => name.startsWith('BOOT_SERVICES_') && !/_(SIGNATURE_LO|SIGNATURE_HI|SIZE|RESERVED)$/.test(name))
  .map(([name, offset]) => [name.slice('BOOT_SERVICES_'.length), offset as number]);
const RUNTIME_SERVICE_SLOTS: [string, number][] = Object.entries(T)
  .filter(([name]) => name.startsWith('RUNTIME_SERVICES_') && !/_(SIGNATURE_LO|SIGNATURE_HI|SIZE)$/.test(name))
  .map(([name, offset]) => [name.slice('RUNTIME_SERVICES_'.length), offset as number]);

const pascal = (name: string) => name.toLowerCase().replace(/(^|_)([a-z0-9])/g, (_m, _u, c: string) => c.toUpperCase());

export class Simulator {
  readonly memory: PhysicalMemory;
  readonly options: SimulatorOptions;
  /** The memory map, sorted by address. */
  descriptors: MemoryDescriptor[] = [];
  mapKey = 1;
  readonly allocations: Allocation[] = [];
  readonly calls: FirmwareCall[] = [];
  readonly consoleLines: string[] = [];
  consolePending = '';
  /** Text written through ConOut.OutputString. */
  conOutText = '';
  readonly refusals: Refusal[] = [];
  readonly grants: { start: number; end: number }[] = [];
  readonly kernelEntries: KernelEntry[] = [];
  /** Status hostEnterKernel returns instead of entering; undefined = enter (throw KernelEntered). */
  enterKernelStatus: number | undefined;
  exitedBootServices = false;
  /** Every map a successful GetMemoryMap wrote, in call order. */
  readonly mapsReturned: ReturnedMap[] = [];
  /** Every RDMSR the stub made (hostReadMsr), by MSR number, in order. */
  readonly msrReads: number[] = [];
  /** Every CPUID the stub made (hostCpuid), as [leaf, subleaf], in order. */
  readonly cpuidCalls: [number, number][] = [];
  /**
   * Boot services called after an ExitBootServices that failed, other than the memory
   * allocation services and GetMemoryMap/ExitBootServices, which are all UEFI 2.10 §7.4.6 lets a
   * loader call then ("A UEFI OS loader should not make calls to any boot service function
   * other than Memory Allocation Services after the first call to ExitBootServices()"). Kept,
   * not refused: the spec says "should not", and tests decide what they accept.
   */
  readonly callsAfterFailedExit: string[] = [];
  /**
   * Attributes (RP/XP/RO bits) of pages that have any, by page number (address >> 12); pages
   * not listed have none (readable, writable, executable).
   */
  readonly pageAttributes = new Map<number, number>();
  /** The EFI_RNG_PROTOCOL and EFI_MEMORY_ATTRIBUTE_PROTOCOL interfaces, 0 when not installed. */
  readonly rngProtocol: number = 0;
  readonly memoryAttributeProtocol: number = 0;
  /** The DXE services table, 0 when not published. */
  readonly dxeServicesTable: number = 0;
  /**
   * The GCD memory space map (SimulatorOptions.dxeServices), sorted by address; each successful
   * SetMemorySpaceAttributes rewrites it, and every call is in `calls`
   * ('DxeServices.SetMemorySpaceAttributes').
   */
  gcdMap: GcdRange[] = [];
  readonly image: BuiltPeImage;
  readonly imageBase: number;
  readonly imageHandle: number;
  readonly systemTable: number;
  readonly bootServices: number;
  readonly runtimeServices: number;
  readonly conOut: number;
  readonly consoleHandle: number;
  readonly scratch = HOST_AREA;
  readonly loadedImage: number;
  readonly configurationTable: number;

  private readonly functions = new Map<number, { name: string; arity: number; run: FirmwareFunction }>();
  private readonly functionAddresses = new Map<string, number>();
  private nextBootFunction = BOOT_CODE;
  private nextRuntimeFunction = RUNTIME_CODE;
  private bootDataNext = BOOT_DATA;
  private readonly protocols = new Map<number, Map<string, number>>();
  private readonly failures = new Map<string, { status: number; remaining: number }>();
  private tsc: bigint;
  private randomIndex = 0;
  private randomState = 0x2545f4914f6cdd1dn;
  private configurationEntries: { guid: GuidWords; table: number }[] = [];
  private rngBytes: number[] = [];
  private mapChangesAtExit = 0;
  private exitBootServicesFailed = false;
  private readonly callHooks: { name: string; action: (args: bigint[]) => boolean | void }[] = [];

  constructor(options: SimulatorOptions = {}) {
    this.options = options;
    this.memory = new PhysicalMemory(options.memorySize ?? MEMORY_SIZE);
    this.tsc = options.tscStart ?? 1_000_000_000n;
    this.image = options.image
      ? { bytes: options.image, sizeOfImage: options.image.length, sections: [] }
      : buildPeImage(options.sections ?? defaultSections());
    this.imageBase = options.imageBase ?? IMAGE_BASE;
    const imagePages = Math.ceil(this.image.bytes.length / PAGE_SIZE);
    if (this.imageBase + imagePages * PAGE_SIZE > HOST_AREA) throw new Error('image too large for the simulator layout');
    this.buildMemoryMap(imagePages);
    this.memory.writeBytes(this.imageBase, this.image.bytes);
    this.memory.bytes.fill(0xcc, BOOT_CODE, BOOT_DATA); // int3 everywhere code lives

    this.imageHandle = this.bootAlloc(16);
    this.consoleHandle = this.bootAlloc(16);
    this.bootServices = this.buildBootServices();
    this.runtimeServices = this.buildRuntimeServices();
    this.conOut = this.buildConOut();
    this.configurationTable = this.bootAlloc(T.CONFIGURATION_TABLE_SIZE * CONFIGURATION_TABLE_CAPACITY);
    this.systemTable = this.buildSystemTable();
    this.loadedImage = this.buildLoadedImage();
    this.installProtocol(this.imageHandle, LOADED_IMAGE_GUID, this.loadedImage);
    this.installProtocol(this.consoleHandle, SIMPLE_TEXT_OUTPUT_GUID, this.conOut);
    this.buildAcpiAndSmbios();
    if (options.rng !== undefined) {
      this.rngBytes = [...options.rng];
      this.rngProtocol = this.buildRngProtocol();
      this.installProtocol(this.createHandle(), RNG_PROTOCOL_GUID, this.rngProtocol);
    }
    if (options.memoryAttributes !== undefined) {
      this.memoryAttributeProtocol = this.buildMemoryAttributeProtocol();
      this.installProtocol(this.createHandle(), MEMORY_ATTRIBUTE_PROTOCOL_GUID, this.memoryAttributeProtocol);
    }
    if (options.dxeServices !== undefined) {
      this.gcdMap = Simulator.checkedGcdMap(options.dxeServices.gcd ?? [
        { base: 0, length: this.memory.size, type: GCD_MEMORY_TYPE_SYSTEM_MEMORY, attributes: 0n },
      ]);
      this.dxeServicesTable = this.buildDxeServices(options.dxeServices.badSignature === true);
      this.addConfigurationTable(DXE_SERVICES_TABLE_GUID, this.dxeServicesTable);
    }
  }

  // --- layout -------------------------------------------------------------------------------

  private buildMemoryMap(imagePages: number): void {
    const size = this.memory.size;
    const d = (type: number, start: number, end: number, attribute = ATTRIBUTES_RAM) =>
      this.descriptors.push({ type, start, pages: (end - start) / PAGE_SIZE, attribute });
    const imageEnd = this.imageBase + imagePages * PAGE_SIZE;
    d(T.EFI_RESERVED_MEMORY_TYPE, 0, BOOT_CODE);
    d(T.EFI_BOOT_SERVICES_CODE, BOOT_CODE, RUNTIME_CODE);
    d(T.EFI_RUNTIME_SERVICES_CODE, RUNTIME_CODE, BOOT_DATA, ATTRIBUTES_RAM | ATTRIBUTE_RUNTIME);
    d(T.EFI_BOOT_SERVICES_DATA, BOOT_DATA, RUNTIME_DATA);
    d(T.EFI_RUNTIME_SERVICES_DATA, RUNTIME_DATA, ACPI_RECLAIM, ATTRIBUTES_RAM | ATTRIBUTE_RUNTIME);
    d(T.EFI_ACPI_RECLAIM_MEMORY, ACPI_RECLAIM, ACPI_NVS);
    d(T.EFI_ACPI_MEMORY_NVS, ACPI_NVS, 0x2b0000);
    d(T.EFI_CONVENTIONAL_MEMORY, 0x2b0000, this.imageBase);
    d(T.EFI_LOADER_CODE, this.imageBase, imageEnd);
    if (imageEnd < HOST_AREA) d(T.EFI_CONVENTIONAL_MEMORY, imageEnd, HOST_AREA);
    d(T.EFI_LOADER_DATA, HOST_AREA, HOST_AREA + HOST_AREA_SIZE);
    if (size >= MEMORY_SIZE) {
      d(T.EFI_CONVENTIONAL_MEMORY, HOST_AREA + HOST_AREA_SIZE, FIRMWARE_HEAP);
      d(T.EFI_BOOT_SERVICES_DATA, FIRMWARE_HEAP, UNUSABLE);
      d(T.EFI_UNUSABLE_MEMORY, UNUSABLE, RUNTIME_DATA_HIGH);
      d(T.EFI_RUNTIME_SERVICES_DATA, RUNTIME_DATA_HIGH, size, ATTRIBUTES_RAM | ATTRIBUTE_RUNTIME);
    } else {
      if (size <= HOST_AREA + HOST_AREA_SIZE) throw new Error('simulated memory too small');
      d(T.EFI_CONVENTIONAL_MEMORY, HOST_AREA + HOST_AREA_SIZE, size);
    }
    d(T.EFI_MEMORY_MAPPED_IO, MMIO, MMIO + PAGE_SIZE, BigInt(T.EFI_MEMORY_UC) | ATTRIBUTE_RUNTIME);
  }

  /** Bump allocation in the firmware's BootServicesData area (tables, strings, handles). */
  private bootAlloc(size: number): number {
    const at = this.bootDataNext;
    this.bootDataNext = (this.bootDataNext + size + 15) & ~15;
    if (this.bootDataNext > RUNTIME_DATA) throw new Error('simulator firmware data area full');
    return at;
  }

  private writeHeader(at: number, signatureLo: number, signatureHi: number, revision: number, size: number): void {
    this.memory.write32(at + T.TABLE_HEADER_SIGNATURE, signatureLo);
    this.memory.write32(at + T.TABLE_HEADER_SIGNATURE + 4, signatureHi);
    this.memory.write32(at + T.TABLE_HEADER_REVISION, revision);
    this.memory.write32(at + T.TABLE_HEADER_HEADER_SIZE, size);
    this.memory.write32(at + T.TABLE_HEADER_CRC32, 0);
  }

  /** Registers a firmware function; returns its fake entry address. */
  registerFunction(name: string, arity: number, run: FirmwareFunction, runtime = false): number {
    const address = runtime ? this.nextRuntimeFunction : this.nextBootFunction;
    if (runtime) this.nextRuntimeFunction += 16;
    else this.nextBootFunction += 16;
    this.functions.set(address, { name, arity, run });
    this.functionAddresses.set(name, address);
    return address;
  }

  functionAddress(name: string): number {
    const address = this.functionAddresses.get(name);
    if (address === undefined) throw new Error(`no firmware function ${name}`);
    return address;
  }

  private buildBootServices(): number {
    const table = this.bootAlloc(T.BOOT_SERVICES_SIZE);
    this.writeHeader(table, T.BOOT_SERVICES_SIGNATURE_LO, T.BOOT_SERVICES_SIGNATURE_HI, this.uefiRevision, T.BOOT_SERVICES_SIZE);
    const implemented: Record<string, [number, FirmwareFunction]> = {
      ALLOCATE_PAGES: [4, (a) => this.allocatePagesService(a)],
      FREE_PAGES: [2, (a) => this.freePagesService(a)],
      GET_MEMORY_MAP: [5, (a) => this.getMemoryMapService(a)],
      ALLOCATE_POOL: [3, (a) => this.allocatePoolService(a)],
      FREE_POOL: [1, (a) => this.freePoolService(a)],
      HANDLE_PROTOCOL: [3, (a) => this.openProtocolService(a[0], a[1], a[2], T.EFI_OPEN_PROTOCOL_BY_HANDLE_PROTOCOL)],
      OPEN_PROTOCOL: [6, (a) => this.openProtocolService(a[0], a[1], a[2], Number(a[5]))],
      CLOSE_PROTOCOL: [4, (a) => this.closeProtocolService(a)],
      LOCATE_PROTOCOL: [3, (a) => this.locateProtocolService(a)],
      EXIT_BOOT_SERVICES: [2, (a) => this.exitBootServicesService(a)],
      INSTALL_CONFIGURATION_TABLE: [2, (a) => this.installConfigurationTableService(a)],
      STALL: [1, (a) => { this.tsc += a[0] * (this.options.tscPerMicrosecond ?? 1000n); return S.EFI_SUCCESS; }],
      SET_WATCHDOG_TIMER: [4, () => S.EFI_SUCCESS],
    };
    for (const [slot, offset] of BOOT_SERVICE_SLOTS) {
      const name = pascal(slot);
      const [arity, run] = implemented[slot] ?? [0, () => S.EFI_UNSUPPORTED];
      this.memory.write64(table + offset, this.registerFunction(name, arity, run));
    }
    return table;
  }

  private buildRuntimeServices(): number {
    const table = RUNTIME_DATA;
    this.writeHeader(table, T.RUNTIME_SERVICES_SIGNATURE_LO, T.RUNTIME_SERVICES_SIGNATURE_HI, this.uefiRevision, T.RUNTIME_SERVICES_SIZE);
    for (const [slot, offset] of RUNTIME_SERVICE_SLOTS) {
      this.memory.write64(table + offset, this.registerFunction(pascal(slot), 0, () => S.EFI_UNSUPPORTED, true));
    }
    return table;
  }

  private buildConOut(): number {
    const protocol = this.bootAlloc(TO.SIMPLE_TEXT_OUTPUT_SIZE);
    const mode = this.bootAlloc(TO.TEXT_OUTPUT_MODE_SIZE);
    const slot = (offset: number, name: string, arity: number, run: FirmwareFunction) =>
      this.memory.write64(protocol + offset, this.registerFunction(`ConOut.${name}`, arity, run));
    const checkThis = (a: bigint[]) => Number(a[0]) === protocol;
    slot(TO.SIMPLE_TEXT_OUTPUT_RESET, 'Reset', 2, (a) => (checkThis(a) ? S.EFI_SUCCESS : S.EFI_INVALID_PARAMETER));
    slot(TO.SIMPLE_TEXT_OUTPUT_OUTPUT_STRING, 'OutputString', 2, (a) => {
      if (!checkThis(a)) return S.EFI_INVALID_PARAMETER;
      this.conOutText += this.memory.readUcs2(this.pointer(a[1], 'OutputString String'));
      return S.EFI_SUCCESS;
    });
    slot(TO.SIMPLE_TEXT_OUTPUT_TEST_STRING, 'TestString', 2, () => S.EFI_SUCCESS);
    slot(TO.SIMPLE_TEXT_OUTPUT_QUERY_MODE, 'QueryMode', 4, (a) => {
      if (a[1] !== 0n) return S.EFI_UNSUPPORTED;
      this.memory.write64(this.pointer(a[2], 'QueryMode Columns'), 80n);
      this.memory.write64(this.pointer(a[3], 'QueryMode Rows'), 25n);
      return S.EFI_SUCCESS;
    });
    slot(TO.SIMPLE_TEXT_OUTPUT_SET_MODE, 'SetMode', 2, (a) => (a[1] === 0n ? S.EFI_SUCCESS : S.EFI_UNSUPPORTED));
    slot(TO.SIMPLE_TEXT_OUTPUT_SET_ATTRIBUTE, 'SetAttribute', 2, () => S.EFI_SUCCESS);
    slot(TO.SIMPLE_TEXT_OUTPUT_CLEAR_SCREEN, 'ClearScreen', 1, () => S.EFI_SUCCESS);
    slot(TO.SIMPLE_TEXT_OUTPUT_SET_CURSOR_POSITION, 'SetCursorPosition', 3, () => S.EFI_SUCCESS);
    slot(TO.SIMPLE_TEXT_OUTPUT_ENABLE_CURSOR, 'EnableCursor', 2, () => S.EFI_SUCCESS);
    this.memory.write64(protocol + TO.SIMPLE_TEXT_OUTPUT_MODE, mode);
    this.memory.write32(mode + TO.TEXT_OUTPUT_MODE_MAX_MODE, 1);
    this.memory.write32(mode + TO.TEXT_OUTPUT_MODE_ATTRIBUTE, 0x07);
    this.memory.write32(mode + TO.TEXT_OUTPUT_MODE_CURSOR_VISIBLE, 1);
    return protocol;
  }

  private get uefiRevision(): number {
    return this.options.uefiRevision ?? ((2 << 16) | 70);
  }

  private buildSystemTable(): number {
    const table = this.bootAlloc(T.SYSTEM_TABLE_SIZE);
    this.writeHeader(table, T.SYSTEM_TABLE_SIGNATURE_LO, T.SYSTEM_TABLE_SIGNATURE_HI, this.uefiRevision, T.SYSTEM_TABLE_SIZE);
    const vendor = this.options.vendor ?? 'efistub simulator';
    const vendorAddress = this.bootAlloc(2 * vendor.length + 2);
    this.memory.writeUcs2(vendorAddress, vendor);
    this.memory.write64(table + T.SYSTEM_TABLE_FIRMWARE_VENDOR, vendorAddress);
    this.memory.write32(table + T.SYSTEM_TABLE_FIRMWARE_REVISION, this.options.firmwareRevision ?? 0x10000);
    this.memory.write64(table + T.SYSTEM_TABLE_CONSOLE_IN_HANDLE, 0);
    this.memory.write64(table + T.SYSTEM_TABLE_CON_IN, 0);
    this.memory.write64(table + T.SYSTEM_TABLE_CONSOLE_OUT_HANDLE, this.consoleHandle);
    this.memory.write64(table + T.SYSTEM_TABLE_CON_OUT, this.conOut);
    this.memory.write64(table + T.SYSTEM_TABLE_STANDARD_ERROR_HANDLE, this.consoleHandle);
    this.memory.write64(table + T.SYSTEM_TABLE_STD_ERR, this.conOut);
    this.memory.write64(table + T.SYSTEM_TABLE_RUNTIME_SERVICES, this.runtimeServices);
    this.memory.write64(table + T.SYSTEM_TABLE_BOOT_SERVICES, this.bootServices);
    this.memory.write64(table + T.SYSTEM_TABLE_CONFIGURATION_TABLE, this.configurationTable);
    return table;
  }

  private buildLoadedImage(): number {
    const at = this.bootAlloc(LI.LOADED_IMAGE_SIZE);
    this.memory.write32(at + LI.LOADED_IMAGE_REVISION, LI.LOADED_IMAGE_PROTOCOL_REVISION);
    this.memory.write64(at + LI.LOADED_IMAGE_SYSTEM_TABLE, this.systemTable);
    const loadOptions = this.options.loadOptions;
    if (typeof loadOptions === 'string') {
      const options = this.bootAlloc(2 * loadOptions.length + 2);
      this.memory.writeUcs2(options, loadOptions);
      this.memory.write32(at + LI.LOADED_IMAGE_LOAD_OPTIONS_SIZE, 2 * loadOptions.length + 2);
      this.memory.write64(at + LI.LOADED_IMAGE_LOAD_OPTIONS, options);
    } else if (loadOptions !== undefined) {
      const options = this.bootAlloc(Math.max(loadOptions.length, 1));
      this.memory.writeBytes(options, loadOptions);
      this.memory.write32(at + LI.LOADED_IMAGE_LOAD_OPTIONS_SIZE, loadOptions.length);
      this.memory.write64(at + LI.LOADED_IMAGE_LOAD_OPTIONS, options);
    }
    this.memory.write64(at + LI.LOADED_IMAGE_IMAGE_BASE, this.imageBase);
    this.memory.write64(at + LI.LOADED_IMAGE_IMAGE_SIZE, this.image.sizeOfImage);
    this.memory.write32(at + LI.LOADED_IMAGE_IMAGE_CODE_TYPE, T.EFI_LOADER_CODE);
    this.memory.write32(at + LI.LOADED_IMAGE_IMAGE_DATA_TYPE, T.EFI_LOADER_DATA);
    return at;
  }

  private buildAcpiAndSmbios(): void {
    // ACPI 6.5 §5.2.5.3 RSDP: "RSD PTR ", checksum, OEMID, revision 2, RSDT, length, XSDT…
    const rsdp = ACPI_RECLAIM;
    this.memory.writeBytes(rsdp, Buffer.from('RSD PTR ', 'latin1'));
    this.memory.writeBytes(rsdp + 9, Buffer.from('EFISIM', 'latin1'));
    this.memory.write8(rsdp + 15, 2);
    this.memory.write32(rsdp + 20, 36);
    let sum = 0;
    for (let i = 0; i < 20; i++) sum += this.memory.read8(rsdp + i);
    this.memory.write8(rsdp + 8, (256 - (sum & 0xff)) & 0xff);
    sum = 0;
    for (let i = 0; i < 36; i++) sum += this.memory.read8(rsdp + i);
    this.memory.write8(rsdp + 32, (256 - (sum & 0xff)) & 0xff);
    this.addConfigurationTable(ACPI_20_TABLE_GUID, rsdp);
    const smbios = ACPI_RECLAIM + 0x100;
    this.memory.writeBytes(smbios, Buffer.from('_SM3_', 'latin1'));
    this.addConfigurationTable(SMBIOS3_TABLE_GUID, smbios);
  }

  /** The ACPI 2.0 RSDP the configuration table points at. */
  get acpiRsdp(): number {
    return ACPI_RECLAIM;
  }

  // --- optional protocols ---------------------------------------------------------------------

  /**
   * EFI_RNG_PROTOCOL (UEFI 2.10 §37.5): GetInfo(This, *RNGAlgorithmListSize, RNGAlgorithmList),
   * GetRNG(This, RNGAlgorithm, RNGValueLength, RNGValue). Only the default algorithm (a null
   * RNGAlgorithm) is offered; GetInfo lists no explicit algorithm.
   */
  private buildRngProtocol(): number {
    const protocol = this.bootAlloc(16);
    const checkThis = (a: bigint[]) => Number(a[0]) === protocol;
    this.memory.write64(protocol + 0, this.registerFunction('Rng.GetInfo', 3, (a) => {
      if (!checkThis(a)) return S.EFI_INVALID_PARAMETER;
      this.memory.write64(this.pointer(a[1], 'GetInfo RNGAlgorithmListSize'), 0);
      return S.EFI_SUCCESS;
    }));
    this.memory.write64(protocol + 8, this.registerFunction('Rng.GetRNG', 4, (a) => {
      if (!checkThis(a)) return S.EFI_INVALID_PARAMETER;
      if (a[1] !== 0n) return S.EFI_UNSUPPORTED;
      const length = Number(a[2]);
      if (length === 0) return S.EFI_INVALID_PARAMETER;
      const out = this.pointer(a[3], 'GetRNG RNGValue', length);
      if (this.rngBytes.length < length) return S.EFI_NOT_READY;
      this.memory.writeBytes(out, Uint8Array.from(this.rngBytes.splice(0, length)));
      return S.EFI_SUCCESS;
    }));
    return protocol;
  }

  /**
   * EFI_MEMORY_ATTRIBUTE_PROTOCOL (UEFI 2.10 §37.7): GetMemoryAttributes(This, BaseAddress,
   * Length, *Attributes), SetMemoryAttributes(This, BaseAddress, Length, Attributes),
   * ClearMemoryAttributes(This, BaseAddress, Length, Attributes). Ranges must be page-aligned,
   * non-empty and inside memory; Attributes only RP, XP and RO (EFI_INVALID_PARAMETER else, as
   * the spec says). GetMemoryAttributes of a range whose pages differ answers EFI_NO_MAPPING
   * (the simulator's choice: the spec leaves that case to the implementation).
   */
  private buildMemoryAttributeProtocol(): number {
    const protocol = this.bootAlloc(24);
    const range = (a: bigint[]): [number, number] | undefined => {
      const base = Number(a[1]);
      const length = Number(a[2]);
      if (Number(a[0]) !== protocol || length === 0 || base % PAGE_SIZE !== 0 || length % PAGE_SIZE !== 0) return undefined;
      if (!this.memory.contains(base, length)) return undefined;
      return [base / PAGE_SIZE, length / PAGE_SIZE];
    };
    const change = (a: bigint[], update: (old: number, bits: number) => number): number => {
      const pages = range(a);
      const bits = Number(a[3]);
      if (!pages || bits === 0 || (a[3] & ~BigInt(MEMORY_ATTRIBUTE_BITS)) !== 0n) return S.EFI_INVALID_PARAMETER;
      for (let page = pages[0]; page < pages[0] + pages[1]; page++) {
        const value = update(this.pageAttributes.get(page) ?? 0, bits);
        if (value === 0) this.pageAttributes.delete(page);
        else this.pageAttributes.set(page, value);
      }
      return S.EFI_SUCCESS;
    };
    this.memory.write64(protocol + 0, this.registerFunction('MemoryAttribute.GetMemoryAttributes', 4, (a) => {
      const pages = range(a);
      if (!pages) return S.EFI_INVALID_PARAMETER;
      const out = this.pointer(a[3], 'GetMemoryAttributes Attributes');
      const first = this.pageAttributes.get(pages[0]) ?? 0;
      for (let page = pages[0]; page < pages[0] + pages[1]; page++) {
        if ((this.pageAttributes.get(page) ?? 0) !== first) return S.EFI_NO_MAPPING;
      }
      this.memory.write64(out, first);
      return S.EFI_SUCCESS;
    }));
    this.memory.write64(protocol + 8, this.registerFunction('MemoryAttribute.SetMemoryAttributes', 4,
      (a) => change(a, (old, bits) => old | bits)));
    this.memory.write64(protocol + 16, this.registerFunction('MemoryAttribute.ClearMemoryAttributes', 4,
      (a) => change(a, (old, bits) => old & ~bits)));
    return protocol;
  }

  // --- DXE services (UEFI PI 1.8 vol. 2 §7.2) ------------------------------------------------

  private static checkedGcdMap(ranges: GcdRange[]): GcdRange[] {
    let previousEnd = 0;
    for (const range of ranges) {
      if (range.base % PAGE_SIZE !== 0 || range.length <= 0 || range.length % PAGE_SIZE !== 0 || range.base < previousEnd) {
        throw new Error(`dxeServices.gcd: bad or unsorted range ${hex(range.base)} + ${hex(range.length)}`);
      }
      previousEnd = range.base + range.length;
    }
    return ranges.map((range) => ({ ...range, capabilities: range.capabilities ?? GCD_DEFAULT_CAPABILITIES }));
  }

  /**
   * DXE_SERVICES: GetMemorySpaceDescriptor(BaseAddress, *Descriptor) and
   * SetMemorySpaceAttributes(BaseAddress, Length, Attributes) simulated, the other slots
   * EFI_UNSUPPORTED.
   */
  private buildDxeServices(badSignature: boolean): number {
    const size = DXE_SERVICES_HEADER_SIZE + 8 * DXE_SERVICES_FUNCTIONS.length;
    const table = this.bootAlloc(size);
    const signature = badSignature ? DXE_SERVICES_SIGNATURE ^ 0x20n : DXE_SERVICES_SIGNATURE; // "dXE_SERV"
    this.writeHeader(table, Number(signature & 0xffffffffn), Number(signature >> 32n), DXE_SERVICES_REVISION, size);
    const implemented: Partial<Record<(typeof DXE_SERVICES_FUNCTIONS)[number], [number, FirmwareFunction]>> = {
      GetMemorySpaceDescriptor: [2, (a) => this.getMemorySpaceDescriptorService(a)],
      SetMemorySpaceAttributes: [3, (a) => this.setMemorySpaceAttributesService(a)],
    };
    DXE_SERVICES_FUNCTIONS.forEach((name, index) => {
      const [arity, run] = implemented[name] ?? [0, () => S.EFI_UNSUPPORTED];
      this.memory.write64(table + DXE_SERVICES_HEADER_SIZE + 8 * index, this.registerFunction(`DxeServices.${name}`, arity, run));
    });
    return table;
  }

  /** The GCD range holding `address`, if any. */
  gcdRangeAt(address: number): GcdRange | undefined {
    return this.gcdMap.find((range) => address >= range.base && address < range.base + range.length);
  }

  /** §7.2.4.6: EFI_INVALID_PARAMETER for a NULL Descriptor, EFI_NOT_FOUND outside every range. */
  private getMemorySpaceDescriptorService(a: bigint[]): number {
    if (a[1] === 0n) return S.EFI_INVALID_PARAMETER;
    const out = this.pointer(a[1], 'GetMemorySpaceDescriptor Descriptor', GCD_DESCRIPTOR.size);
    const range = this.gcdRangeAt(Number(a[0]));
    if (!range) return S.EFI_NOT_FOUND;
    this.memory.bytes.fill(0, out, out + GCD_DESCRIPTOR.size);
    this.memory.write64(out + GCD_DESCRIPTOR.baseAddress, range.base);
    this.memory.write64(out + GCD_DESCRIPTOR.length, range.length);
    this.memory.write64(out + GCD_DESCRIPTOR.capabilities, range.capabilities ?? GCD_DEFAULT_CAPABILITIES);
    this.memory.write64(out + GCD_DESCRIPTOR.attributes, range.attributes);
    this.memory.write32(out + GCD_DESCRIPTOR.gcdMemoryType, range.type);
    return S.EFI_SUCCESS;
  }

  /**
   * §7.2.4.7: the range's attributes become Attributes. EFI_INVALID_PARAMETER for a zero Length
   * (and, strict here, for a range that is not page-aligned: EDK2's GCD works in pages);
   * EFI_UNSUPPORTED when a byte of the range is in no GCD range or an attribute is outside the
   * capabilities of a range it touches (EDK2 CoreConvertSpace). Ranges are split at the edges.
   */
  private setMemorySpaceAttributesService(a: bigint[]): number {
    const base = Number(a[0]);
    const length = Number(a[1]);
    const attributes = a[2];
    if (length === 0 || base % PAGE_SIZE !== 0 || length % PAGE_SIZE !== 0) return S.EFI_INVALID_PARAMETER;
    const end = base + length;
    const touched = this.gcdMap.filter((range) => range.base < end && range.base + range.length > base);
    let covered = base;
    for (const range of touched) {
      if (range.base > covered) return S.EFI_UNSUPPORTED;
      if ((attributes & ~(range.capabilities ?? GCD_DEFAULT_CAPABILITIES)) !== 0n) return S.EFI_UNSUPPORTED;
      covered = range.base + range.length;
    }
    if (covered < end) return S.EFI_UNSUPPORTED;
    const next: GcdRange[] = [];
    for (const range of this.gcdMap) {
      const rangeEnd = range.base + range.length;
      if (rangeEnd <= base || range.base >= end) {
        next.push(range);
        continue;
      }
      if (range.base < base) next.push({ ...range, length: base - range.base });
      const from = Math.max(range.base, base);
      const to = Math.min(rangeEnd, end);
      next.push({ ...range, base: from, length: to - from, attributes });
      if (rangeEnd > end) next.push({ ...range, base: end, length: rangeEnd - end });
    }
    this.gcdMap = next;
    return S.EFI_SUCCESS;
  }

  /** The RP/XP/RO attributes of the page holding `address`. */
  pageAttribute(address: number): number {
    return this.pageAttributes.get(Math.floor(address / PAGE_SIZE)) ?? 0;
  }

  // --- test set-up ----------------------------------------------------------------------------

  /**
   * Re-types [start, start + pages) in the memory map as the firmware's own memory (not an
   * allocation the stub could free or be granted), e.g. a BootServicesData hole that splits
   * conventional memory. Changes the map key.
   */
  setMemoryType(start: number, pages: number, type: number): void {
    if (start % PAGE_SIZE !== 0 || pages <= 0 || !this.memory.contains(start, pages * PAGE_SIZE)) {
      throw new Error(`setMemoryType: bad range ${hex(start)} + ${pages} pages`);
    }
    this.retype(start, pages, type);
  }

  /**
   * Makes the next `times` ExitBootServices calls see a changed map: just before checking the
   * key the firmware allocates one page of EfiBootServicesData for itself (as a timer event
   * may), so a key fetched before the call is stale and the call fails with
   * EFI_INVALID_PARAMETER (UEFI 2.10 §7.4.6).
   */
  changeMapOnExitBootServices(times = 1): void {
    this.mapChangesAtExit = times;
  }

  /** Adds an EFI_CONFIGURATION_TABLE entry (at most 8). */
  addConfigurationTable(guid: GuidWords, table: number): void {
    if (this.configurationEntries.length >= CONFIGURATION_TABLE_CAPACITY) throw new Error('simulator configuration table full');
    this.configurationEntries.push({ guid, table });
    this.writeConfigurationTable();
  }

  /** Rewrites the array and the system table's count from configurationEntries (kept packed). */
  private writeConfigurationTable(): void {
    this.memory.bytes.fill(0, this.configurationTable, this.configurationTable + T.CONFIGURATION_TABLE_SIZE * CONFIGURATION_TABLE_CAPACITY);
    this.configurationEntries.forEach(({ guid, table }, index) => {
      const at = this.configurationTable + T.CONFIGURATION_TABLE_SIZE * index;
      guid.forEach((word, i) => this.memory.write32(at + T.CONFIGURATION_TABLE_VENDOR_GUID + 4 * i, word));
      this.memory.write64(at + T.CONFIGURATION_TABLE_VENDOR_TABLE, table);
    });
    this.memory.write64(this.systemTable + T.SYSTEM_TABLE_NUMBER_OF_TABLE_ENTRIES, this.configurationEntries.length);
  }

  /**
   * The configuration table as the system table describes it now (what a kernel would find),
   * read back from simulated memory.
   */
  configurationTableEntries(): { guid: GuidWords; table: number }[] {
    const count = Number(this.memory.read64(this.systemTable + T.SYSTEM_TABLE_NUMBER_OF_TABLE_ENTRIES));
    const array = Number(this.memory.read64(this.systemTable + T.SYSTEM_TABLE_CONFIGURATION_TABLE));
    return Array.from({ length: count }, (_, index) => {
      const at = array + T.CONFIGURATION_TABLE_SIZE * index;
      const word = (i: number) => this.memory.read32(at + T.CONFIGURATION_TABLE_VENDOR_GUID + 4 * i);
      const guid: GuidWords = [word(0), word(1), word(2), word(3)];
      return { guid, table: Number(this.memory.read64(at + T.CONFIGURATION_TABLE_VENDOR_TABLE)) };
    });
  }

  /**
   * Publishes an SEV-SNP confidential-computing blob, as OVMF's AmdSevDxe does: struct
   * cc_blob_sev_info (Linux arch/x86/include/asm/sev.h: u32 magic "AMDE", u16 version, u16
   * reserved, u64 secrets_phys, u32 secrets_len, u32 rsvd1, u64 cpuid_phys, u32 cpuid_len, u32
   * rsvd2) in firmware memory, under EFI_CC_BLOB_GUID in the configuration table. `magic`
   * replaces the magic (a corrupt blob); `address` makes the entry point there instead and
   * writes nothing (e.g. above 4 GiB, where the simulator has no memory). Returns the address
   * the entry holds.
   */
  addCcBlob(options: { magic?: number; address?: number } = {}): number {
    if (options.address !== undefined) {
      this.addConfigurationTable(CC_BLOB_GUID, options.address);
      return options.address;
    }
    this.memory.write32(CC_BLOB, options.magic ?? CC_BLOB_SEV_HDR_MAGIC);
    this.memory.write16(CC_BLOB + 4, 1); // version
    this.memory.write16(CC_BLOB + 6, 0);
    this.memory.write64(CC_BLOB + 8, CC_SECRETS_PAGE);
    this.memory.write32(CC_BLOB + 16, PAGE_SIZE);
    this.memory.write32(CC_BLOB + 20, 0);
    this.memory.write64(CC_BLOB + 24, CC_CPUID_PAGE);
    this.memory.write32(CC_BLOB + 32, PAGE_SIZE);
    this.memory.write32(CC_BLOB + 36, 0);
    this.addConfigurationTable(CC_BLOB_GUID, CC_BLOB);
    return CC_BLOB;
  }

  /**
   * Marks [start, start + pages) EfiUnacceptedMemoryType, as TDX and SEV-SNP firmware reports
   * memory it has not accepted (UEFI 2.9+). Inside the simulated RAM the range must be
   * conventional memory; at or above the end of RAM it is added as a descriptor only, with
   * nothing behind it (a read or write there faults), so ranges above 4 GiB can be described
   * without backing them. Changes the map key.
   */
  addUnacceptedMemory(start: number, pages: number): void {
    const end = start + pages * PAGE_SIZE;
    if (start % PAGE_SIZE !== 0 || pages <= 0 || !Number.isSafeInteger(end)) {
      throw new Error(`addUnacceptedMemory: bad range ${hex(start)} + ${pages} pages`);
    }
    if (end <= this.memory.size) {
      if (!this.isConventional(start, pages)) throw new Error(`addUnacceptedMemory: ${hex(start)}..${hex(end)} is not all conventional memory`);
      this.retype(start, pages, T.EFI_UNACCEPTED_MEMORY_TYPE);
      return;
    }
    if (start < this.memory.size) throw new Error(`addUnacceptedMemory: ${hex(start)}..${hex(end)} straddles the end of RAM`);
    if (this.descriptors.some((d) => d.start < end && d.start + d.pages * PAGE_SIZE > start)) {
      throw new Error(`addUnacceptedMemory: ${hex(start)}..${hex(end)} overlaps the map`);
    }
    this.descriptors.push({ type: T.EFI_UNACCEPTED_MEMORY_TYPE, start, pages, attribute: ATTRIBUTES_RAM });
    this.retype(start, pages, T.EFI_UNACCEPTED_MEMORY_TYPE); // sorts and merges neighbours
  }

  /**
   * The firmware accepts [start, start + pages) (as EDK2 does on demand when it needs memory):
   * the pages, all EfiUnacceptedMemoryType and inside the simulated RAM, become conventional
   * memory, or `type` (e.g. EfiBootServicesData for memory the firmware then takes itself).
   * Changes the map key.
   */
  acceptMemory(start: number, pages: number, type: number = T.EFI_CONVENTIONAL_MEMORY): void {
    const end = start + pages * PAGE_SIZE;
    const covered = this.descriptors.some((d) => d.type === T.EFI_UNACCEPTED_MEMORY_TYPE && d.start <= start && d.start + d.pages * PAGE_SIZE >= end);
    if (start % PAGE_SIZE !== 0 || pages <= 0 || !covered || end > this.memory.size) {
      throw new SimulatorFault(`acceptMemory: ${hex(start)} + ${pages} pages is not unaccepted memory inside RAM`);
    }
    this.retype(start, pages, type);
  }

  /**
   * Runs `action` with the arguments just before each call to the firmware function `name`
   * (before any injected failure), until it returns true; e.g. memory the firmware accepts
   * while the stub runs.
   */
  beforeCall(name: string, action: (args: bigint[]) => boolean | void): void {
    this.functionAddress(name);
    this.callHooks.push({ name, action });
  }

  installProtocol(handle: number, guid: GuidWords, interfaceAddress: number): void {
    let table = this.protocols.get(handle);
    if (!table) this.protocols.set(handle, (table = new Map()));
    table.set(guidKey(guid), interfaceAddress);
  }

  uninstallProtocol(handle: number, guid: GuidWords): void {
    this.protocols.get(handle)?.delete(guidKey(guid));
  }

  /** A new handle (a small firmware allocation, so it looks like a pointer). */
  createHandle(): number {
    return this.bootAlloc(16);
  }

  // --- fault injection ----------------------------------------------------------------------

  /** Makes the firmware function `name` (e.g. "AllocatePages") fail with `status`, `count` times. */
  injectFailure(name: string, status: number, count = Infinity): void {
    this.functionAddress(name);
    this.failures.set(name, { status: status >>> 0, remaining: count });
  }

  // --- the efiCall dispatcher ---------------------------------------------------------------

  /** Runs the firmware function at `address` with 64-bit `args`; returns the folded status. */
  efiCall(address: number, args: bigint[]): number {
    const fn = this.functions.get(address);
    if (!fn) throw new SimulatorFault(`efiCall to ${hex(address)}, which is not a firmware function`);
    if (args.length < fn.arity) {
      throw new SimulatorFault(`${fn.name} called with ${args.length} arguments, needs ${fn.arity}`);
    }
    if (this.exitedBootServices && address < RUNTIME_CODE) {
      throw new SimulatorFault(`${fn.name} called after ExitBootServices`);
    }
    if (this.exitBootServicesFailed && address < RUNTIME_CODE && !CALLABLE_AFTER_FAILED_EXIT.has(fn.name)) {
      this.callsAfterFailedExit.push(fn.name);
    }
    for (let i = 0; i < this.callHooks.length; i++) {
      if (this.callHooks[i].name === fn.name && this.callHooks[i].action(args) === true) {
        this.callHooks.splice(i, 1);
        i--;
      }
    }
    let status: number;
    const failure = this.failures.get(fn.name);
    if (failure && failure.remaining > 0) {
      failure.remaining--;
      status = failure.status;
    } else {
      status = fn.run(args) >>> 0;
    }
    this.calls.push({ name: fn.name, args, status });
    return status;
  }

  callsTo(name: string): FirmwareCall[] {
    return this.calls.filter((call) => call.name === name);
  }

  /** A pointer argument the firmware will dereference: not null, inside memory. */
  private pointer(value: bigint, what: string, length = 8): number {
    const address = Number(value);
    if (value === 0n || !this.memory.contains(address, length)) {
      throw new SimulatorFault(`${what}: bad pointer ${hex(value)}`);
    }
    return address;
  }

  // --- memory services (UEFI 2.10 §7.2) -------------------------------------------------------

  private static allocatableType(type: number): boolean {
    if (type >= T.EFI_MAX_MEMORY_TYPE && type < 0x70000000) return false;
    return type !== T.EFI_CONVENTIONAL_MEMORY && type !== T.EFI_PERSISTENT_MEMORY && type !== T.EFI_UNACCEPTED_MEMORY_TYPE;
  }

  /** Re-types [start, start + pages) in the map, splitting and merging descriptors. */
  private retype(start: number, pages: number, type: number): void {
    const end = start + pages * PAGE_SIZE;
    const next: MemoryDescriptor[] = [];
    for (const d of this.descriptors) {
      const dEnd = d.start + d.pages * PAGE_SIZE;
      if (dEnd <= start || d.start >= end) {
        next.push(d);
        continue;
      }
      if (d.start < start) next.push({ ...d, pages: (start - d.start) / PAGE_SIZE });
      const s = Math.max(d.start, start);
      const e = Math.min(dEnd, end);
      next.push({ ...d, type, start: s, pages: (e - s) / PAGE_SIZE });
      if (dEnd > end) next.push({ ...d, start: end, pages: (dEnd - end) / PAGE_SIZE });
    }
    next.sort((a, b) => a.start - b.start);
    const merged: MemoryDescriptor[] = [];
    for (const d of next) {
      const last = merged[merged.length - 1];
      if (last && last.type === d.type && last.attribute === d.attribute && last.start + last.pages * PAGE_SIZE === d.start) {
        last.pages += d.pages;
      } else {
        merged.push({ ...d });
      }
    }
    this.descriptors = merged;
    this.mapKey++;
  }

  /** Top-down search of conventional memory; returns the start address or undefined. */
  private findFree(pages: number, maxEnd: number): number | undefined {
    const size = pages * PAGE_SIZE;
    for (let i = this.descriptors.length - 1; i >= 0; i--) {
      const d = this.descriptors[i];
      if (d.type !== T.EFI_CONVENTIONAL_MEMORY) continue;
      const end = Math.min(d.start + d.pages * PAGE_SIZE, Math.floor(maxEnd / PAGE_SIZE) * PAGE_SIZE);
      if (end - d.start >= size) return end - size;
    }
    return undefined;
  }

  private isConventional(start: number, pages: number): boolean {
    const end = start + pages * PAGE_SIZE;
    return this.descriptors.some(
      (d) => d.type === T.EFI_CONVENTIONAL_MEMORY && d.start <= start && d.start + d.pages * PAGE_SIZE >= end,
    );
  }

  /** Allocates like AllocatePages; returns [status, address]. */
  allocate(allocateType: number, memoryType: number, pages: number, address: number, kind: 'pages' | 'pool'): [number, number] {
    if (allocateType >= T.MAX_ALLOCATE_TYPE || !Simulator.allocatableType(memoryType)) return [S.EFI_INVALID_PARAMETER, 0];
    if (pages === 0 || pages > this.memory.size / PAGE_SIZE) return [S.EFI_OUT_OF_RESOURCES, 0];
    let start: number | undefined;
    if (allocateType === T.ALLOCATE_ANY_PAGES) {
      start = this.findFree(pages, this.memory.size);
    } else if (allocateType === T.ALLOCATE_MAX_ADDRESS) {
      start = this.findFree(pages, Math.min(address + 1, this.memory.size));
    } else {
      if (address % PAGE_SIZE !== 0) return [S.EFI_INVALID_PARAMETER, 0];
      start = this.isConventional(address, pages) ? address : undefined;
    }
    if (start === undefined) return [allocateType === T.ALLOCATE_ANY_PAGES ? S.EFI_OUT_OF_RESOURCES : S.EFI_NOT_FOUND, 0];
    this.retype(start, pages, memoryType);
    this.allocations.push({ start, pages, type: memoryType, kind, callIndex: this.calls.length });
    if (this.options.memoryAttributes?.nxByDefault) {
      for (let page = start / PAGE_SIZE; page < start / PAGE_SIZE + pages; page++) this.pageAttributes.set(page, T.EFI_MEMORY_XP);
    }
    return [S.EFI_SUCCESS, start];
  }

  private release(start: number, pages: number, kind: 'pages' | 'pool'): number {
    const index = this.allocations.findIndex((a) => a.start === start && a.kind === kind && (kind === 'pool' || a.pages === pages));
    if (index < 0) return kind === 'pages' ? S.EFI_NOT_FOUND : S.EFI_INVALID_PARAMETER;
    const [allocation] = this.allocations.splice(index, 1);
    this.retype(allocation.start, allocation.pages, T.EFI_CONVENTIONAL_MEMORY);
    for (let page = allocation.start / PAGE_SIZE; page < allocation.start / PAGE_SIZE + allocation.pages; page++) {
      this.pageAttributes.delete(page);
    }
    const end = allocation.start + allocation.pages * PAGE_SIZE;
    // Writes granted into freed memory are revoked: a later write there is a use after free.
    for (let i = this.grants.length - 1; i >= 0; i--) {
      if (this.grants[i].start < end && this.grants[i].end > allocation.start) this.grants.splice(i, 1);
    }
    return S.EFI_SUCCESS;
  }

  private allocatePagesService(a: bigint[]): number {
    const out = this.pointer(a[3], 'AllocatePages Memory');
    const [status, address] = this.allocate(Number(a[0]), Number(a[1]), Number(a[2]), Number(this.memory.read64(out)), 'pages');
    if (status === S.EFI_SUCCESS) this.memory.write64(out, address);
    return status;
  }

  private freePagesService(a: bigint[]): number {
    if (Number(a[0]) % PAGE_SIZE !== 0) return S.EFI_INVALID_PARAMETER;
    return this.release(Number(a[0]), Number(a[1]), 'pages');
  }

  private allocatePoolService(a: bigint[]): number {
    const out = this.pointer(a[2], 'AllocatePool Buffer');
    const size = Number(a[1]);
    const [status, address] = this.allocate(T.ALLOCATE_ANY_PAGES, Number(a[0]), Math.max(1, Math.ceil(size / PAGE_SIZE)), 0, 'pool');
    if (status === S.EFI_SUCCESS) this.memory.write64(out, address);
    return status;
  }

  private freePoolService(a: bigint[]): number {
    return this.release(Number(a[0]), 0, 'pool');
  }

  get descriptorSize(): number {
    return this.options.descriptorSize ?? 48;
  }

  private getMemoryMapService(a: bigint[]): number {
    const sizePointer = Number(a[0]);
    if (a[0] === 0n) return S.EFI_INVALID_PARAMETER;
    this.pointer(a[0], 'GetMemoryMap MemoryMapSize');
    const needed = this.descriptors.length * this.descriptorSize;
    const given = Number(this.memory.read64(sizePointer));
    // EDK2 also reports DescriptorSize with EFI_BUFFER_TOO_SMALL, and callers rely on it.
    if (a[3] !== 0n) this.memory.write64(this.pointer(a[3], 'GetMemoryMap DescriptorSize'), this.descriptorSize);
    if (given < needed) {
      this.memory.write64(sizePointer, needed);
      return S.EFI_BUFFER_TOO_SMALL;
    }
    if (a[1] === 0n) return S.EFI_INVALID_PARAMETER;
    const map = this.pointer(a[1], 'GetMemoryMap MemoryMap', needed);
    this.memory.bytes.fill(0, map, map + needed);
    this.descriptors.forEach((d, i) => {
      const at = map + i * this.descriptorSize;
      this.memory.write32(at + T.MEMORY_DESCRIPTOR_TYPE, d.type);
      this.memory.write64(at + T.MEMORY_DESCRIPTOR_PHYSICAL_START, d.start);
      this.memory.write64(at + T.MEMORY_DESCRIPTOR_VIRTUAL_START, 0);
      this.memory.write64(at + T.MEMORY_DESCRIPTOR_NUMBER_OF_PAGES, d.pages);
      this.memory.write64(at + T.MEMORY_DESCRIPTOR_ATTRIBUTE, d.attribute);
    });
    this.memory.write64(sizePointer, needed);
    this.memory.write64(this.pointer(a[2], 'GetMemoryMap MapKey'), this.mapKey);
    this.memory.write32(this.pointer(a[4], 'GetMemoryMap DescriptorVersion', 4), T.EFI_MEMORY_DESCRIPTOR_VERSION);
    this.mapsReturned.push({ callIndex: this.calls.length, buffer: map, key: this.mapKey, descriptors: this.descriptors.map((d) => ({ ...d })) });
    return S.EFI_SUCCESS;
  }

  // --- protocol handler services (UEFI 2.10 §7.3) ---------------------------------------------

  private readGuid(pointer: bigint, what: string): GuidWords {
    const at = this.pointer(pointer, what, 16);
    return [this.memory.read32(at), this.memory.read32(at + 4), this.memory.read32(at + 8), this.memory.read32(at + 12)];
  }

  private openProtocolService(handle: bigint, guidPointer: bigint, out: bigint, attributes: number): number {
    const guid = this.readGuid(guidPointer, 'Protocol');
    const table = this.protocols.get(Number(handle));
    if (!table) return S.EFI_INVALID_PARAMETER;
    const found = table.get(guidKey(guid));
    if (attributes !== T.EFI_OPEN_PROTOCOL_TEST_PROTOCOL) {
      const at = this.pointer(out, 'Interface');
      this.memory.write64(at, found ?? 0);
    }
    return found === undefined ? S.EFI_UNSUPPORTED : S.EFI_SUCCESS;
  }

  private closeProtocolService(a: bigint[]): number {
    const table = this.protocols.get(Number(a[0]));
    if (!table) return S.EFI_INVALID_PARAMETER;
    return table.has(guidKey(this.readGuid(a[1], 'Protocol'))) ? S.EFI_SUCCESS : S.EFI_NOT_FOUND;
  }

  private locateProtocolService(a: bigint[]): number {
    const key = guidKey(this.readGuid(a[0], 'Protocol'));
    const out = this.pointer(a[2], 'Interface');
    for (const table of this.protocols.values()) {
      const found = table.get(key);
      if (found !== undefined) {
        this.memory.write64(out, found);
        return S.EFI_SUCCESS;
      }
    }
    this.memory.write64(out, 0);
    return S.EFI_NOT_FOUND;
  }

  // --- image services (UEFI 2.10 §7.4) ----------------------------------------------------------

  private exitBootServicesService(a: bigint[]): number {
    if (Number(a[0]) !== this.imageHandle) return S.EFI_INVALID_PARAMETER;
    if (this.mapChangesAtExit > 0) {
      this.mapChangesAtExit--;
      const page = this.findFree(1, this.memory.size);
      if (page === undefined) throw new SimulatorFault('no free page for the map change at ExitBootServices');
      this.retype(page, 1, T.EFI_BOOT_SERVICES_DATA);
    }
    if (Number(a[1]) !== this.mapKey) {
      this.exitBootServicesFailed = true;
      return S.EFI_INVALID_PARAMETER;
    }
    this.exitedBootServices = true;
    return S.EFI_SUCCESS;
  }

  /**
   * InstallConfigurationTable(Guid, Table) (UEFI 2.10 §7.5, miscellaneous boot services): a
   * Table for a GUID already present replaces its pointer, a NULL Table removes the entry
   * (EFI_NOT_FOUND when there is none), a new GUID is appended (EFI_OUT_OF_RESOURCES when the
   * array is full). The array stays packed and the system table's NumberOfTableEntries follows.
   * The calls are in `calls`, as every call is.
   */
  private installConfigurationTableService(a: bigint[]): number {
    if (a[0] === 0n) return S.EFI_INVALID_PARAMETER;
    const guid = this.readGuid(a[0], 'InstallConfigurationTable Guid');
    const index = this.configurationEntries.findIndex((entry) => guidKey(entry.guid) === guidKey(guid));
    const table = Number(a[1]);
    if (index >= 0) {
      if (a[1] === 0n) this.configurationEntries.splice(index, 1);
      else this.configurationEntries[index].table = table;
    } else {
      if (a[1] === 0n) return S.EFI_NOT_FOUND;
      if (this.configurationEntries.length >= CONFIGURATION_TABLE_CAPACITY) return S.EFI_OUT_OF_RESOURCES;
      this.configurationEntries.push({ guid, table });
    }
    this.writeConfigurationTable();
    return S.EFI_SUCCESS;
  }

  // --- host-side state (see host.ts) ---------------------------------------------------------

  /** True when the stub may write [address, address + length). */
  writable(address: number, length: number): boolean {
    const end = address + length;
    if (address >= this.scratch && end <= this.scratch + PAGE_SIZE) return true;
    return this.grants.some((g) => address >= g.start && end <= g.end);
  }

  /** A grant is accepted only inside memory the stub allocated (AllocatePages/AllocatePool). */
  grantable(address: number, length: number): boolean {
    const end = address + length;
    return length > 0 && this.allocations.some((a) => address >= a.start && end <= a.start + a.pages * PAGE_SIZE);
  }

  refuse(what: 'write' | 'grant', address: number, length: number): number {
    this.refusals.push({ what, address, length });
    return S.EFI_ACCESS_DENIED;
  }

  get refusedWrites(): number {
    return this.refusals.filter((r) => r.what === 'write').length;
  }

  consoleWrite(text: string): void {
    const echo = this.options.echoConsole || process.env.EFISTUB_SIM_ECHO === '1';
    this.consolePending += text;
    let newline: number;
    while ((newline = this.consolePending.indexOf('\n')) >= 0) {
      const line = this.consolePending.slice(0, newline);
      this.consoleLines.push(line);
      if (echo) process.stdout.write(`${line}\n`);
      this.consolePending = this.consolePending.slice(newline + 1);
    }
  }

  /** CPUID as the stub executes it: recorded in cpuidCalls. */
  cpuid(leaf: number, subleaf: number): [number, number, number, number] {
    this.cpuidCalls.push([leaf, subleaf]);
    return this.cpuidAnswer(leaf, subleaf);
  }

  /** What CPUID(leaf, subleaf) answers, without recording it. */
  cpuidAnswer(leaf: number, subleaf: number): [number, number, number, number] {
    const table = this.options.cpuid ?? {};
    const lookup = (key: string) => table[key] ?? table[key.replace(/^(\d+)/, (m) => `0x${Number(m).toString(16)}`)];
    const exact = lookup(`${leaf}:${subleaf}`) ?? lookup(`${leaf}`);
    if (exact) return exact;
    if (leaf === 0) return [0xd, 0x68747541, 0x444d4163, 0x69746e65]; // "AuthenticAMD"
    if (leaf === 0x80000000) return [0x8000001f, 0, 0, 0];
    return [0, 0, 0, 0];
  }

  /**
   * True when the CPU advertises SEV: the extended leaves reach 0x8000001F and its EAX has bit 1
   * (AMD APM vol. 3, CPUID Fn8000_001F).
   */
  sevAdvertised(): boolean {
    return (this.cpuidAnswer(0x80000000, 0)[0] >>> 0) >= 0x8000001f && (this.cpuidAnswer(0x8000001f, 0)[0] & 0x2) !== 0;
  }

  /** RDMSR: recorded in msrReads; undefined when refused (see SimulatorOptions.msrs, sevStatus). */
  readMsr(msr: number): bigint | undefined {
    this.msrReads.push(msr);
    const table = this.options.msrs;
    if (table !== undefined && Object.prototype.hasOwnProperty.call(table, msr)) return table[msr];
    if (msr === MSR_SEV_STATUS) {
      if (!this.sevAdvertised()) {
        throw new SimulatorFault('RDMSR 0xc0010131 (SEV_STATUS) on a CPU whose CPUID Fn8000_001F does not advertise SEV: #GP');
      }
      return this.options.sevStatus ?? 0n;
    }
    return undefined;
  }

  readTsc(): bigint {
    const value = this.tsc;
    this.tsc += this.options.tscStep ?? 1000n;
    return value;
  }

  readRandom(): bigint | undefined {
    const random = this.options.random;
    if (random === null) return undefined;
    if (random !== undefined) {
      return this.randomIndex < random.length ? random[this.randomIndex++] : undefined;
    }
    // xorshift64: a fixed sequence, so every run of a test sees the same values.
    let x = this.randomState;
    x ^= (x << 13n) & 0xffff_ffff_ffff_ffffn;
    x ^= x >> 7n;
    x ^= (x << 17n) & 0xffff_ffff_ffff_ffffn;
    this.randomState = x;
    return x;
  }

  /** The stub told the host that boot services are gone (hostBootServicesExited). */
  hostToldExited = false;

  bootServicesExited(): void {
    if (!this.exitedBootServices) {
      throw new SimulatorFault('hostBootServicesExited() before a successful ExitBootServices');
    }
    this.hostToldExited = true;
  }

  enterKernel(entry: number, bootParams: number): number {
    this.kernelEntries.push({ entry, bootParams });
    if (this.enterKernelStatus !== undefined) return this.enterKernelStatus >>> 0;
    if (!this.exitedBootServices) {
      throw new SimulatorFault(`enterKernel(${hex(entry)}) before ExitBootServices`);
    }
    throw new KernelEntered(entry, bootParams);
  }

  /** Total pages of a memory type in the current map. */
  pagesOfType(type: number): number {
    return this.descriptors.filter((d) => d.type === type).reduce((sum, d) => sum + d.pages, 0);
  }
}

export { joinAddress };
