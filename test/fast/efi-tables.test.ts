/**
 * The firmware description in stub-src/efi/ checked against an independent computation: slot
 * lists in UEFI 2.10 order, structure layouts from field sizes with natural alignment, status
 * codes from Appendix D numbers, GUIDs from their registry-format strings. Then the boot
 * services wrappers against the simulator, which builds its tables from the same constants:
 * the semantics each wrapper relies on (BUFFER_TOO_SMALL with the needed size, allocate types,
 * map key checks), and a host boundary the simulator implements completely.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolve } from 'node:path';
import * as T from '../../stub-src/efi/tables.ts';
import * as S from '../../stub-src/efi/status.ts';
import * as G from '../../stub-src/efi/guids.ts';
import * as LI from '../../stub-src/efi/proto-loaded-image.ts';
import * as TO from '../../stub-src/efi/proto-simple-text-output.ts';
import { readHostImports } from '../../compiler/host-imports.ts';
import { ACPI_20_TABLE_GUID, bindHost, guidKey, hostFunctions, KernelEntered, Simulator } from '../support/simulator/index.ts';

/** UEFI 2.10 §4.4 EFI_BOOT_SERVICES, after the 24-byte header, in order. */
const BOOT_SERVICES_SLOTS = [
  'RaiseTPL', 'RestoreTPL',
  'AllocatePages', 'FreePages', 'GetMemoryMap', 'AllocatePool', 'FreePool',
  'CreateEvent', 'SetTimer', 'WaitForEvent', 'SignalEvent', 'CloseEvent', 'CheckEvent',
  'InstallProtocolInterface', 'ReinstallProtocolInterface', 'UninstallProtocolInterface', 'HandleProtocol', 'Reserved',
  'RegisterProtocolNotify', 'LocateHandle', 'LocateDevicePath', 'InstallConfigurationTable',
  'LoadImage', 'StartImage', 'Exit', 'UnloadImage', 'ExitBootServices',
  'GetNextMonotonicCount', 'Stall', 'SetWatchdogTimer',
  'ConnectController', 'DisconnectController',
  'OpenProtocol', 'CloseProtocol', 'OpenProtocolInformation',
  'ProtocolsPerHandle', 'LocateHandleBuffer', 'LocateProtocol',
  'InstallMultipleProtocolInterfaces', 'UninstallMultipleProtocolInterfaces',
  'CalculateCrc32', 'CopyMem', 'SetMem', 'CreateEventEx',
];

/** UEFI 2.10 §4.5 EFI_RUNTIME_SERVICES, after the header, in order. */
const RUNTIME_SERVICES_SLOTS = [
  'GetTime', 'SetTime', 'GetWakeupTime', 'SetWakeupTime',
  'SetVirtualAddressMap', 'ConvertPointer',
  'GetVariable', 'GetNextVariableName', 'SetVariable',
  'GetNextHighMonotonicCount', 'ResetSystem',
  'UpdateCapsule', 'QueryCapsuleCapabilities', 'QueryVariableInfo',
];

/** "AllocatePages" → "ALLOCATE_PAGES", "RaiseTPL" → "RAISE_TPL", "CalculateCrc32" → "CALCULATE_CRC32". */
const constantName = (slot: string) => slot.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

type Field = [name: string, size: number];
/** Offsets with natural alignment (x86_64: each field aligned to its size), and the padded size. */
function layout(fields: Field[]): { offsets: Record<string, number>; size: number } {
  const offsets: Record<string, number> = {};
  let at = 0;
  let maxAlign = 1;
  for (const [name, size] of fields) {
    const align = Math.min(size, 8);
    maxAlign = Math.max(maxAlign, align);
    at = Math.ceil(at / align) * align;
    offsets[name] = at;
    at += size;
  }
  return { offsets, size: Math.ceil(at / maxAlign) * maxAlign };
}

const constants = (module: Record<string, unknown>, prefix: string, exclude: RegExp) =>
  Object.keys(module).filter((name) => name.startsWith(prefix) && !exclude.test(name)).sort();

describe('boot and runtime services tables', () => {
  it('has every EFI_BOOT_SERVICES slot at 24 + 8 * its place in the spec', () => {
    BOOT_SERVICES_SLOTS.forEach((slot, index) => {
      expect([slot, (T as Record<string, unknown>)[`BOOT_SERVICES_${constantName(slot)}`]]).toEqual([slot, 24 + 8 * index]);
    });
    expect(T.BOOT_SERVICES_SIZE).toBe(24 + 8 * BOOT_SERVICES_SLOTS.length);
    expect(constants(T, 'BOOT_SERVICES_', /_(SIZE|SIGNATURE_LO|SIGNATURE_HI)$/)).toEqual(
      BOOT_SERVICES_SLOTS.map((slot) => `BOOT_SERVICES_${constantName(slot)}`).sort(),
    );
    expect(T.BOOT_SERVICES_ALLOCATE_PAGES).toBe(0x28);
    expect(T.BOOT_SERVICES_EXIT_BOOT_SERVICES).toBe(0xe8);
    expect(T.BOOT_SERVICES_LOCATE_PROTOCOL).toBe(0x140);
  });

  it('has every EFI_RUNTIME_SERVICES slot in order', () => {
    RUNTIME_SERVICES_SLOTS.forEach((slot, index) => {
      expect([slot, (T as Record<string, unknown>)[`RUNTIME_SERVICES_${constantName(slot)}`]]).toEqual([slot, 24 + 8 * index]);
    });
    expect(T.RUNTIME_SERVICES_SIZE).toBe(24 + 8 * RUNTIME_SERVICES_SLOTS.length);
    expect(constants(T, 'RUNTIME_SERVICES_', /_(SIZE|SIGNATURE_LO|SIGNATURE_HI)$/)).toEqual(
      RUNTIME_SERVICES_SLOTS.map((slot) => `RUNTIME_SERVICES_${constantName(slot)}`).sort(),
    );
  });

  it('has the table signatures of §4.3–4.5 as lo/hi halves of their ASCII', () => {
    const halves = (ascii: string) => {
      const bytes = Buffer.from(ascii, 'latin1');
      return [bytes.readUInt32LE(0), bytes.readUInt32LE(4)];
    };
    expect(halves('IBI SYST')).toEqual([T.SYSTEM_TABLE_SIGNATURE_LO, T.SYSTEM_TABLE_SIGNATURE_HI]);
    expect(halves('BOOTSERV')).toEqual([T.BOOT_SERVICES_SIGNATURE_LO, T.BOOT_SERVICES_SIGNATURE_HI]);
    expect(halves('RUNTSERV')).toEqual([T.RUNTIME_SERVICES_SIGNATURE_LO, T.RUNTIME_SERVICES_SIGNATURE_HI]);
  });
});

describe('structure layouts', () => {
  it('EFI_TABLE_HEADER and EFI_SYSTEM_TABLE', () => {
    const header = layout([['SIGNATURE', 8], ['REVISION', 4], ['HEADER_SIZE', 4], ['CRC32', 4], ['RESERVED', 4]]);
    for (const [name, offset] of Object.entries(header.offsets)) expect([name, (T as Record<string, unknown>)[`TABLE_HEADER_${name}`]]).toEqual([name, offset]);
    expect(T.TABLE_HEADER_SIZE).toBe(header.size);
    const system = layout([
      ['HEADER', 24], ['FIRMWARE_VENDOR', 8], ['FIRMWARE_REVISION', 4], ['CONSOLE_IN_HANDLE', 8], ['CON_IN', 8],
      ['CONSOLE_OUT_HANDLE', 8], ['CON_OUT', 8], ['STANDARD_ERROR_HANDLE', 8], ['STD_ERR', 8],
      ['RUNTIME_SERVICES', 8], ['BOOT_SERVICES', 8], ['NUMBER_OF_TABLE_ENTRIES', 8], ['CONFIGURATION_TABLE', 8],
    ]);
    for (const [name, offset] of Object.entries(system.offsets)) {
      if (name !== 'HEADER') expect([name, (T as Record<string, unknown>)[`SYSTEM_TABLE_${name}`]]).toEqual([name, offset]);
    }
    expect(T.SYSTEM_TABLE_SIZE).toBe(system.size);
  });

  it('EFI_MEMORY_DESCRIPTOR and EFI_CONFIGURATION_TABLE', () => {
    const descriptor = layout([['TYPE', 4], ['PHYSICAL_START', 8], ['VIRTUAL_START', 8], ['NUMBER_OF_PAGES', 8], ['ATTRIBUTE', 8]]);
    for (const [name, offset] of Object.entries(descriptor.offsets)) expect([name, (T as Record<string, unknown>)[`MEMORY_DESCRIPTOR_${name}`]]).toEqual([name, offset]);
    expect(T.MEMORY_DESCRIPTOR_SIZE).toBe(descriptor.size);
    expect(layout([['VENDOR_GUID', 16], ['VENDOR_TABLE', 8]]).offsets).toEqual({
      VENDOR_GUID: T.CONFIGURATION_TABLE_VENDOR_GUID, VENDOR_TABLE: T.CONFIGURATION_TABLE_VENDOR_TABLE,
    });
    // The GUID is 4-byte aligned in C (its widest member is UINT32): 16 bytes, then an 8-aligned pointer.
    expect(T.CONFIGURATION_TABLE_SIZE).toBe(24);
  });

  it('EFI_LOADED_IMAGE_PROTOCOL (§9.1)', () => {
    const loaded = layout([
      ['REVISION', 4], ['PARENT_HANDLE', 8], ['SYSTEM_TABLE', 8], ['DEVICE_HANDLE', 8], ['FILE_PATH', 8], ['RESERVED', 8],
      ['LOAD_OPTIONS_SIZE', 4], ['LOAD_OPTIONS', 8], ['IMAGE_BASE', 8], ['IMAGE_SIZE', 8], ['IMAGE_CODE_TYPE', 4],
      ['IMAGE_DATA_TYPE', 4], ['UNLOAD', 8],
    ]);
    for (const [name, offset] of Object.entries(loaded.offsets)) expect([name, (LI as Record<string, unknown>)[`LOADED_IMAGE_${name}`]]).toEqual([name, offset]);
    expect(LI.LOADED_IMAGE_SIZE).toBe(loaded.size);
  });

  it('EFI_SIMPLE_TEXT_OUTPUT_PROTOCOL (§12.4)', () => {
    const slots = ['RESET', 'OUTPUT_STRING', 'TEST_STRING', 'QUERY_MODE', 'SET_MODE', 'SET_ATTRIBUTE', 'CLEAR_SCREEN', 'SET_CURSOR_POSITION', 'ENABLE_CURSOR', 'MODE'];
    slots.forEach((slot, index) => expect([slot, (TO as Record<string, unknown>)[`SIMPLE_TEXT_OUTPUT_${slot}`]]).toEqual([slot, 8 * index]));
    expect(TO.SIMPLE_TEXT_OUTPUT_SIZE).toBe(8 * slots.length);
  });

  it('memory types and allocate types in §7.2.1 order', () => {
    const types = ['RESERVED_MEMORY_TYPE', 'LOADER_CODE', 'LOADER_DATA', 'BOOT_SERVICES_CODE', 'BOOT_SERVICES_DATA',
      'RUNTIME_SERVICES_CODE', 'RUNTIME_SERVICES_DATA', 'CONVENTIONAL_MEMORY', 'UNUSABLE_MEMORY', 'ACPI_RECLAIM_MEMORY',
      'ACPI_MEMORY_NVS', 'MEMORY_MAPPED_IO', 'MEMORY_MAPPED_IO_PORT_SPACE', 'PAL_CODE', 'PERSISTENT_MEMORY',
      'UNACCEPTED_MEMORY_TYPE', 'MAX_MEMORY_TYPE'];
    types.forEach((type, index) => expect([type, (T as Record<string, unknown>)[`EFI_${type}`]]).toEqual([type, index]));
    expect([T.ALLOCATE_ANY_PAGES, T.ALLOCATE_MAX_ADDRESS, T.ALLOCATE_ADDRESS, T.MAX_ALLOCATE_TYPE]).toEqual([0, 1, 2, 3]);
  });
});

describe('status codes (Appendix D)', () => {
  const errors: [string, number][] = [
    ['LOAD_ERROR', 1], ['INVALID_PARAMETER', 2], ['UNSUPPORTED', 3], ['BAD_BUFFER_SIZE', 4], ['BUFFER_TOO_SMALL', 5],
    ['NOT_READY', 6], ['DEVICE_ERROR', 7], ['WRITE_PROTECTED', 8], ['OUT_OF_RESOURCES', 9], ['VOLUME_CORRUPTED', 10],
    ['VOLUME_FULL', 11], ['NO_MEDIA', 12], ['MEDIA_CHANGED', 13], ['NOT_FOUND', 14], ['ACCESS_DENIED', 15],
    ['NO_RESPONSE', 16], ['NO_MAPPING', 17], ['TIMEOUT', 18], ['NOT_STARTED', 19], ['ALREADY_STARTED', 20],
    ['ABORTED', 21], ['ICMP_ERROR', 22], ['TFTP_ERROR', 23], ['PROTOCOL_ERROR', 24], ['INCOMPATIBLE_VERSION', 25],
    ['SECURITY_VIOLATION', 26], ['CRC_ERROR', 27], ['END_OF_MEDIA', 28], ['END_OF_FILE', 31], ['INVALID_LANGUAGE', 32],
    ['COMPROMISED_DATA', 33], ['IP_ADDRESS_CONFLICT', 34], ['HTTP_ERROR', 35],
  ];
  it('folds each error to bit 31 | its number', () => {
    for (const [name, number] of errors) expect([name, (S as Record<string, unknown>)[`EFI_${name}`]]).toEqual([name, (0x80000000 | number) >>> 0]);
  });
  it('keeps warnings without the error bit', () => {
    const warnings = ['UNKNOWN_GLYPH', 'DELETE_FAILURE', 'WRITE_FAILURE', 'BUFFER_TOO_SMALL', 'STALE_DATA', 'FILE_SYSTEM', 'RESET_REQUIRED'];
    warnings.forEach((name, index) => expect([name, (S as Record<string, unknown>)[`EFI_WARN_${name}`]]).toEqual([name, index + 1]));
    expect(S.statusIsError(S.EFI_WARN_STALE_DATA)).toBe(false);
    expect(S.statusIsError(S.EFI_NOT_FOUND)).toBe(true);
    expect(S.statusEquals(S.EFI_NOT_FOUND | 0, S.EFI_NOT_FOUND)).toBe(true);
  });
});

describe('GUIDs', () => {
  /** Registry format → the four little-endian words of its 16 bytes in memory (EFI_GUID layout). */
  function words(text: string): number[] {
    const [d1, d2, d3, d4, d5] = text.split('-');
    const bytes = Buffer.alloc(16);
    bytes.writeUInt32LE(parseInt(d1, 16), 0);
    bytes.writeUInt16LE(parseInt(d2, 16), 4);
    bytes.writeUInt16LE(parseInt(d3, 16), 6);
    Buffer.from(d4 + d5, 'hex').copy(bytes, 8);
    return [0, 4, 8, 12].map((offset) => bytes.readUInt32LE(offset));
  }
  const expected: Record<string, string> = {
    LOADED_IMAGE_PROTOCOL: '5B1B31A1-9562-11D2-8E3F-00A0C969723B',
    SIMPLE_TEXT_OUTPUT_PROTOCOL: '387477C2-69C7-11D2-8E39-00A0C969723B',
    DEVICE_PATH_PROTOCOL: '09576E91-6D3F-11D2-8E39-00A0C969723B',
    ACPI_20_TABLE: '8868E871-E4F1-11D3-BC22-0080C73C8881',
    ACPI_TABLE: 'EB9D2D30-2D88-11D3-9A16-0090273FC14D',
    RNG_PROTOCOL: '3152BCA5-EADE-433D-862E-C01CDC291F44',
    MEMORY_ATTRIBUTE_PROTOCOL: 'F4560CF6-40EC-4B4A-A192-BF1D57D0B189',
    LINUX_EFI_INITRD_MEDIA: '5568E427-68FC-4F3D-AC74-CA555231CC68',
    CC_BLOB: '067B1F5F-CF26-44C5-8554-93D777912D42',
  };
  for (const [name, text] of Object.entries(expected)) {
    it(`${name} is ${text}`, () => {
      const g = G as Record<string, unknown>;
      expect([0, 1, 2, 3].map((i) => g[`${name}_GUID_${i}`])).toEqual(words(text));
    });
  }
  it('every GUID has its four words', () => {
    const names = new Set(Object.keys(G).filter((n) => /_GUID_\d$/.test(n)).map((n) => n.replace(/_\d$/, '')));
    for (const name of names) for (const i of [0, 1, 2, 3]) expect(typeof (G as Record<string, unknown>)[`${name}_${i}`]).toBe('number');
  });
});

describe('boot services wrappers against the simulator', () => {
  let unbind: (() => void) | undefined;
  afterEach(() => unbind?.());

  async function fresh(sim = new Simulator()) {
    vi.resetModules();
    unbind = bindHost(sim);
    const bs = await import('../../stub-src/efi/boot-services.ts');
    const guids = await import('../../stub-src/efi/guids.ts');
    expect(bs.bootServicesInit()).toBe(0);
    return { sim, bs, guids };
  }

  it('the simulator implements exactly the host boundary of host.d.ts', () => {
    const declared = readHostImports(resolve(__dirname, '../../stub-src/host.d.ts')).map((i) => i.wasmField).sort();
    expect(Object.keys(hostFunctions(new Simulator())).sort()).toEqual(declared);
  });

  it('GetMemoryMap: EFI_BUFFER_TOO_SMALL with the needed size, then the map and its key', async () => {
    const { sim, bs } = await fresh();
    expect(bs.getMemoryMap(0, 0, 0)).toBe(S.EFI_BUFFER_TOO_SMALL);
    const needed = bs.bootServicesResult(bs.BOOT_RESULT_MAP_SIZE);
    expect(needed).toBe(sim.descriptors.length * 48);
    expect(bs.bootServicesResult(bs.BOOT_RESULT_DESCRIPTOR_SIZE)).toBe(48);
    expect(bs.allocatePages(T.ALLOCATE_ANY_PAGES, T.EFI_LOADER_DATA, 1, 0, 0)).toBe(0);
    const buffer = bs.bootServicesResult(bs.BOOT_RESULT_ADDRESS_LO);
    expect(bs.getMemoryMap(buffer, 0, 4096)).toBe(0);
    expect(bs.bootServicesResult(bs.BOOT_RESULT_MAP_SIZE)).toBe(sim.descriptors.length * 48);
    expect(bs.bootServicesResult(bs.BOOT_RESULT_MAP_KEY_LO)).toBe(sim.mapKey);
    expect(bs.bootServicesResult(bs.BOOT_RESULT_DESCRIPTOR_VERSION)).toBe(1);
    const first = sim.descriptors[0];
    expect(sim.memory.read32(buffer + T.MEMORY_DESCRIPTOR_TYPE)).toBe(first.type);
    expect(sim.memory.read64(buffer + 48 + T.MEMORY_DESCRIPTOR_PHYSICAL_START)).toBe(BigInt(sim.descriptors[1].start));
  });

  it('AllocatePages: any, below a maximum, at an address; FreePages only what was allocated', async () => {
    const { sim, bs } = await fresh();
    expect(bs.allocatePages(T.ALLOCATE_MAX_ADDRESS, T.EFI_LOADER_DATA, 4, 0x3fffff, 0)).toBe(0);
    const low = bs.bootServicesResult(bs.BOOT_RESULT_ADDRESS_LO);
    expect(low + 4 * 4096).toBeLessThanOrEqual(0x400000);
    expect(bs.allocatePages(T.ALLOCATE_ADDRESS, T.EFI_LOADER_CODE, 2, 0x1000000, 0)).toBe(0);
    expect(bs.bootServicesResult(bs.BOOT_RESULT_ADDRESS_LO)).toBe(0x1000000);
    expect(bs.allocatePages(T.ALLOCATE_ADDRESS, T.EFI_LOADER_CODE, 1, 0x1000000, 0)).toBe(S.EFI_NOT_FOUND);
    expect(bs.allocatePages(T.ALLOCATE_ADDRESS, T.EFI_LOADER_CODE, 1, 0x80000, 0)).toBe(S.EFI_NOT_FOUND); // first MiB
    expect(bs.allocatePages(T.ALLOCATE_ANY_PAGES, T.EFI_CONVENTIONAL_MEMORY, 1, 0, 0)).toBe(S.EFI_INVALID_PARAMETER);
    expect(bs.allocatePages(T.ALLOCATE_ANY_PAGES, T.EFI_LOADER_DATA, 0x100000, 0, 0)).toBe(S.EFI_OUT_OF_RESOURCES);
    expect(bs.freePages(0x1001000, 0, 1)).toBe(S.EFI_NOT_FOUND);
    expect(bs.freePages(0x1000000, 0, 2)).toBe(0);
    expect(bs.freePages(low, 0, 4)).toBe(0);
    expect(sim.allocations).toEqual([]);
    expect(sim.pagesOfType(T.EFI_LOADER_DATA)).toBe(512); // the host area alone again
  });

  it('writes are refused outside the scratch page and grants; a grant must be stub memory', async () => {
    const { sim, bs } = await fresh();
    expect(hostPhysWrite32(0x200000, 0, 1)).toBe(S.EFI_ACCESS_DENIED); // firmware data
    expect(hostPhysGrantWrite(0x200000, 0, 4096)).toBe(S.EFI_ACCESS_DENIED);
    expect(bs.allocatePages(T.ALLOCATE_ANY_PAGES, T.EFI_LOADER_DATA, 1, 0, 0)).toBe(0);
    const page = bs.bootServicesResult(bs.BOOT_RESULT_ADDRESS_LO);
    expect(hostPhysWrite32(page, 0, 1)).toBe(S.EFI_ACCESS_DENIED);
    expect(hostPhysGrantWrite(page, 0, 4096)).toBe(0);
    expect(hostPhysWrite32(page + 4092, 0, 0x12345678)).toBe(0);
    expect(hostPhysWrite32(page + 4094, 0, 1)).toBe(S.EFI_ACCESS_DENIED); // straddles the end
    expect(bs.freePages(page, 0, 1)).toBe(0);
    expect(hostPhysWrite32(page, 0, 1)).toBe(S.EFI_ACCESS_DENIED); // use after free
    expect(sim.refusals.map((r) => r.what)).toEqual(['write', 'grant', 'write', 'write', 'write']);
  });

  it('HandleProtocol, OpenProtocol and LocateProtocol find installed interfaces', async () => {
    const { sim, bs, guids } = await fresh();
    const loaded = [guids.LOADED_IMAGE_PROTOCOL_GUID_0, guids.LOADED_IMAGE_PROTOCOL_GUID_1, guids.LOADED_IMAGE_PROTOCOL_GUID_2, guids.LOADED_IMAGE_PROTOCOL_GUID_3] as const;
    expect(bs.handleProtocol(sim.imageHandle, 0, ...loaded)).toBe(0);
    expect(bs.bootServicesResult(bs.BOOT_RESULT_ADDRESS_LO)).toBe(sim.loadedImage);
    expect(bs.openProtocol(sim.imageHandle, 0, ...loaded, T.EFI_OPEN_PROTOCOL_GET_PROTOCOL)).toBe(0);
    expect(bs.bootServicesResult(bs.BOOT_RESULT_ADDRESS_LO)).toBe(sim.loadedImage);
    const rng = [guids.RNG_PROTOCOL_GUID_0, guids.RNG_PROTOCOL_GUID_1, guids.RNG_PROTOCOL_GUID_2, guids.RNG_PROTOCOL_GUID_3] as const;
    expect(bs.locateProtocol(...rng)).toBe(S.EFI_NOT_FOUND);
    sim.installProtocol(sim.createHandle(), rng, 0x2345670);
    expect(bs.locateProtocol(...rng)).toBe(0);
    expect(bs.bootServicesResult(bs.BOOT_RESULT_ADDRESS_LO)).toBe(0x2345670);
    expect(bs.handleProtocol(sim.imageHandle, 0, ...rng)).toBe(S.EFI_UNSUPPORTED);
  });

  it('the configuration table holds the ACPI 2.0 RSDP', async () => {
    const { sim } = await fresh();
    const count = Number(sim.memory.read64(sim.systemTable + T.SYSTEM_TABLE_NUMBER_OF_TABLE_ENTRIES));
    const table = Number(sim.memory.read64(sim.systemTable + T.SYSTEM_TABLE_CONFIGURATION_TABLE));
    const entries = Array.from({ length: count }, (_, i) => {
      const at = table + i * T.CONFIGURATION_TABLE_SIZE;
      const words = [0, 4, 8, 12].map((o) => sim.memory.read32(at + o)) as [number, number, number, number];
      return [guidKey(words), Number(sim.memory.read64(at + T.CONFIGURATION_TABLE_VENDOR_TABLE))] as const;
    });
    const rsdp = entries.find(([key]) => key === guidKey(ACPI_20_TABLE_GUID))?.[1];
    expect(rsdp).toBeDefined();
    expect(sim.memory.readBytes(rsdp!, 8).toString('latin1')).toBe('RSD PTR ');
  });

  it('ExitBootServices checks the map key; no boot service runs after it', async () => {
    const { sim, bs } = await fresh();
    expect(bs.exitBootServices(sim.mapKey + 1, 0)).toBe(S.EFI_INVALID_PARAMETER);
    expect(bs.exitBootServices(sim.mapKey, 0)).toBe(0);
    expect(() => bs.freePool(0x1000, 0)).toThrow(/after ExitBootServices/);
  });

  it('ConOut.OutputString collects UCS-2 text', async () => {
    const { sim, bs } = await fresh();
    expect(bs.allocatePool(T.EFI_LOADER_DATA, 64)).toBe(0);
    const text = bs.bootServicesResult(bs.BOOT_RESULT_ADDRESS_LO);
    expect(hostPhysGrantWrite(text, 0, 64)).toBe(0);
    'hi\r\n'.split('').forEach((c, i) => expect(hostPhysWrite16(text + 2 * i, 0, c.charCodeAt(0))).toBe(0));
    expect(hostPhysWrite16(text + 8, 0, 0)).toBe(0);
    const conOut = Number(sim.memory.read64(sim.systemTable + T.SYSTEM_TABLE_CON_OUT));
    const outputString = sim.memory.read32(conOut + TO.SIMPLE_TEXT_OUTPUT_OUTPUT_STRING);
    bs.efiArgument(0, conOut, 0);
    bs.efiArgument(1, text, 0);
    expect(bs.efiCallPointer(outputString, 0, 2)).toBe(0);
    expect(sim.conOutText).toBe('hi\r\n');
  });

  it('CPU answers are configurable: CPUID, MSRs, TSC, RDRAND', async () => {
    await fresh(new Simulator({
      cpuid: { '0x8000001f': [0x1, 0x16f, 0, 0] },
      msrs: { 0xc0010131: 0x3n },
      tscStart: 0x1_0000_0000n,
      random: [0x1122334455667788n],
    }));
    const words = new Uint32Array(4);
    hostCpuid(0x8000001f, 0, words);
    expect([...words]).toEqual([0x1, 0x16f, 0, 0]);
    hostCpuid(0, 0, words);
    expect(Buffer.from(new Uint32Array([words[1], words[3], words[2]]).buffer).toString('latin1')).toBe('AuthenticAMD');
    expect(hostReadMsr(0xc0010131, words)).toBe(0);
    expect([words[0], words[1]]).toEqual([3, 0]);
    expect(hostReadMsr(0x10, words)).toBe(S.EFI_DEVICE_ERROR);
    hostReadTsc(words);
    expect([words[0], words[1]]).toEqual([0, 1]);
    expect(hostReadRandom(words)).toBe(1);
    expect([words[0], words[1]]).toEqual([0x55667788, 0x11223344]);
    expect(hostReadRandom(words)).toBe(0);
  });

  it('enterKernel is refused before ExitBootServices and recorded after it', async () => {
    const { sim, bs } = await fresh();
    expect(() => hostEnterKernel(0x1000000, 0, 0x90000, 0, 0, 0)).toThrow(/before ExitBootServices/);
    expect(bs.exitBootServices(sim.mapKey, 0)).toBe(0);
    expect(() => hostEnterKernel(0x1000000, 0, 0x90000, 0, 0, 0)).toThrow(KernelEntered);
    expect(sim.kernelEntries.at(-1)).toEqual({ entry: 0x1000000, bootParams: 0x90000 });
  });

  it('calls to a non-function address or with too few arguments are simulator faults', async () => {
    const { bs } = await fresh();
    expect(() => bs.efiCallPointer(0x3000000, 0, 0)).toThrow(/not a firmware function/);
    expect(() => bs.bootServicesCall(T.BOOT_SERVICES_ALLOCATE_PAGES, 2)).toThrow(/needs 4/);
  });
});
