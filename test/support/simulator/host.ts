/**
 * @fileoverview The host boundary (stub-src/host.d.ts) implemented over the simulator.
 *
 * hostFunctions(sim) returns one implementation per host function, keyed by its Wasm import
 * field (hostPhysRead32 → physRead32) and typed from the declarations themselves (`typeof
 * hostPhysRead32`), so a change to host.d.ts breaks this file at compile time. bindHost(sim)
 * installs them on globalThis under their `host*` names for TypeScript-in-Node runs; the Wasm
 * adapter (wasm-host.ts) puts the same functions behind the module's imports.
 *
 * Conventions as in host.d.ts: numbers are unsigned 32-bit (inputs are normalised with >>> 0,
 * so the signed int32 pattern a Wasm i32 build passes works too), 64-bit values as halves,
 * writes checked against the scratch page and the grants, refusals counted in sim.refusals.
 */

import * as S from '../../../stub-src/efi/status.ts';
import { joinAddress, SimulatorFault } from './memory.ts';
import type { Simulator } from './firmware.ts';

export interface HostFunctions {
  physRead8: typeof hostPhysRead8;
  physRead16: typeof hostPhysRead16;
  physRead32: typeof hostPhysRead32;
  physWrite8: typeof hostPhysWrite8;
  physWrite16: typeof hostPhysWrite16;
  physWrite32: typeof hostPhysWrite32;
  physCopy: typeof hostPhysCopy;
  physFill: typeof hostPhysFill;
  physToHeap: typeof hostPhysToHeap;
  heapToPhys: typeof hostHeapToPhys;
  physGrantWrite: typeof hostPhysGrantWrite;
  scratchAddressLo: typeof hostScratchAddressLo;
  scratchAddressHi: typeof hostScratchAddressHi;
  imageHandleLo: typeof hostImageHandleLo;
  imageHandleHi: typeof hostImageHandleHi;
  systemTableLo: typeof hostSystemTableLo;
  systemTableHi: typeof hostSystemTableHi;
  efiCall: typeof hostEfiCall;
  cpuid: typeof hostCpuid;
  readMsr: typeof hostReadMsr;
  readTsc: typeof hostReadTsc;
  readRandom: typeof hostReadRandom;
  prefetch: typeof hostPrefetch;
  consoleWrite: typeof hostConsoleWrite;
  bootServicesExited: typeof hostBootServicesExited;
  enterKernel: typeof hostEnterKernel;
}

const lo32 = (value: number | bigint) => Number(BigInt(value) & 0xffff_ffffn);
const hi32 = (value: number | bigint) => Number((BigInt(value) >> 32n) & 0xffff_ffffn);

function checkHeap(array: ArrayLike<number>, offset: number, length: number, what: string): void {
  if (offset + length > array.length) {
    throw new SimulatorFault(`${what}: heap range [${offset}, ${offset + length}) beyond the ${array.length}-element buffer`);
  }
}

export function hostFunctions(sim: Simulator): HostFunctions {
  const memory = sim.memory;
  const checkedWrite = (address: number, length: number, write: () => void): number => {
    if (!memory.contains(address, length) || !sim.writable(address, length)) return sim.refuse('write', address, length);
    write();
    return S.EFI_SUCCESS;
  };
  return {
    physRead8: (lo, hi) => memory.read8(joinAddress(lo, hi)),
    physRead16: (lo, hi) => memory.read16(joinAddress(lo, hi)),
    physRead32: (lo, hi) => memory.read32(joinAddress(lo, hi)),
    physWrite8: (lo, hi, value) => {
      const address = joinAddress(lo, hi);
      return checkedWrite(address, 1, () => memory.write8(address, value));
    },
    physWrite16: (lo, hi, value) => {
      const address = joinAddress(lo, hi);
      return checkedWrite(address, 2, () => memory.write16(address, value));
    },
    physWrite32: (lo, hi, value) => {
      const address = joinAddress(lo, hi);
      return checkedWrite(address, 4, () => memory.write32(address, value));
    },
    physCopy: (destinationLo, destinationHi, sourceLo, sourceHi, length) => {
      const destination = joinAddress(destinationLo, destinationHi);
      const source = joinAddress(sourceLo, sourceHi);
      const count = length >>> 0;
      memory.check(source, count, 'physCopy source');
      // Buffer.copy behaves as memmove for overlapping ranges.
      return checkedWrite(destination, count, () => memory.bytes.copy(memory.bytes, destination, source, source + count));
    },
    physFill: (destinationLo, destinationHi, value, length) => {
      const destination = joinAddress(destinationLo, destinationHi);
      const count = length >>> 0;
      return checkedWrite(destination, count, () => memory.bytes.fill(value & 0xff, destination, destination + count));
    },
    physToHeap: (bytes, offset, sourceLo, sourceHi, length) => {
      const source = joinAddress(sourceLo, sourceHi);
      const count = length >>> 0;
      checkHeap(bytes, offset >>> 0, count, 'physToHeap');
      memory.check(source, count, 'physToHeap source');
      bytes.set(memory.bytes.subarray(source, source + count), offset >>> 0);
      return S.EFI_SUCCESS;
    },
    heapToPhys: (destinationLo, destinationHi, bytes, offset, length) => {
      const destination = joinAddress(destinationLo, destinationHi);
      const count = length >>> 0;
      checkHeap(bytes, offset >>> 0, count, 'heapToPhys');
      return checkedWrite(destination, count, () => memory.bytes.set(bytes.subarray(offset >>> 0, (offset >>> 0) + count), destination));
    },
    physGrantWrite: (lo, hi, length) => {
      const address = joinAddress(lo, hi);
      const count = length >>> 0;
      if (!sim.grantable(address, count)) return sim.refuse('grant', address, count);
      sim.grants.push({ start: address, end: address + count });
      return S.EFI_SUCCESS;
    },
    scratchAddressLo: () => lo32(sim.scratch),
    scratchAddressHi: () => hi32(sim.scratch),
    imageHandleLo: () => lo32(sim.imageHandle),
    imageHandleHi: () => hi32(sim.imageHandle),
    systemTableLo: () => lo32(sim.systemTable),
    systemTableHi: () => hi32(sim.systemTable),
    efiCall: (functionLo, functionHi, halves, count) => {
      const args: bigint[] = [];
      for (let i = 0; i < (count >>> 0); i++) {
        args.push(BigInt(halves[2 * i] >>> 0) | (BigInt(halves[2 * i + 1] >>> 0) << 32n));
      }
      return sim.efiCall(joinAddress(functionLo, functionHi), args);
    },
    cpuid: (leaf, subleaf, registers) => {
      const answer = sim.cpuid(leaf >>> 0, subleaf >>> 0);
      for (let i = 0; i < 4; i++) registers[i] = answer[i] >>> 0;
    },
    readMsr: (msr, halves) => {
      const value = sim.readMsr(msr >>> 0);
      if (value === undefined) return S.EFI_DEVICE_ERROR;
      halves[0] = lo32(value);
      halves[1] = hi32(value);
      return S.EFI_SUCCESS;
    },
    readTsc: (halves) => {
      const value = sim.readTsc();
      halves[0] = lo32(value);
      halves[1] = hi32(value);
    },
    readRandom: (halves) => {
      const value = sim.readRandom();
      if (value === undefined) return 0;
      halves[0] = lo32(value);
      halves[1] = hi32(value);
      return 1;
    },
    // A cache hint: nothing to simulate.
    prefetch: () => {},
    consoleWrite: (bytes, offset, length) => {
      checkHeap(bytes, offset >>> 0, length >>> 0, 'consoleWrite');
      sim.consoleWrite(Buffer.from(bytes.subarray(offset >>> 0, (offset >>> 0) + (length >>> 0))).toString('latin1'));
    },
    bootServicesExited: () => sim.bootServicesExited(),
    enterKernel: (entryLo, entryHi, bootParamsLo, bootParamsHi, _pagingLevels, _trampoline) =>
      sim.enterKernel(joinAddress(entryLo, entryHi), joinAddress(bootParamsLo, bootParamsHi)),
  };
}

/** `host` + the field name with its first letter upper-cased: physRead32 → hostPhysRead32. */
export function hostGlobalName(field: string): string {
  return `host${field.charAt(0).toUpperCase()}${field.slice(1)}`;
}

/**
 * Installs the simulator's host functions as globals for stub code running as TypeScript in
 * Node; returns a function that puts back what the names held before.
 */
export function bindHost(sim: Simulator): () => void {
  const functions = hostFunctions(sim);
  const target = globalThis as Record<string, unknown>;
  // What each name held before (test/support/host-hints.ts installs the hints for every test).
  const previous = new Map<string, unknown>();
  for (const [field, fn] of Object.entries(functions)) {
    const name = hostGlobalName(field);
    previous.set(name, target[name]);
    target[name] = fn;
  }
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete target[name];
      else target[name] = value;
    }
  };
}

