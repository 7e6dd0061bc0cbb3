/**
 * @fileoverview The host boundary: every way the stub touches the machine.
 *
 * Declared once here, implemented three times: by the UEFI simulator (test/support/simulator,
 * TypeScript in Node), by the Linux host runtime (compiler/runtime/host-linux.c, native
 * differential tests) and by the EFI host runtime (compiler/runtime/host-efi.c, the real stub).
 * In the compiled Wasm each function is an import from module "host" whose field is the name
 * without its `host` prefix (hostPhysRead32 → host.physRead32); compiler/host-imports.ts reads
 * this file to register them with porffor, so the list cannot drift.
 *
 * Conventions, the same in all three implementations:
 * - Numbers are unsigned 32-bit integers unless said otherwise. 64-bit values (physical
 *   addresses, firmware pointers) travel as two halves, `lo` and `hi`.
 * - A typed-array argument is a buffer on the stub's own heap; `offset` and `length` are in
 *   bytes (elements for Uint32Array arguments, as named). The host never keeps a reference.
 * - Functions that can be refused return a status: 0 for success, otherwise an EFI status folded
 *   to 32 bits (bit 31 = the error bit, see stub-src/efi/status.ts).
 * - Physical writes are checked: the host writes only inside its scratch page and inside ranges
 *   granted with hostPhysGrantWrite; anything else is refused (EFI_ACCESS_DENIED) and counted.
 */

// --- physical memory ------------------------------------------------------------------------

declare function hostPhysRead8(addressLo: number, addressHi: number): number;
declare function hostPhysRead16(addressLo: number, addressHi: number): number;
declare function hostPhysRead32(addressLo: number, addressHi: number): number;
declare function hostPhysWrite8(addressLo: number, addressHi: number, value: number): number;
declare function hostPhysWrite16(addressLo: number, addressHi: number, value: number): number;
declare function hostPhysWrite32(addressLo: number, addressHi: number, value: number): number;
/** Copies `length` bytes between physical ranges; overlapping ranges behave as memmove. */
declare function hostPhysCopy(
  destinationLo: number, destinationHi: number, sourceLo: number, sourceHi: number, length: number,
): number;
declare function hostPhysFill(destinationLo: number, destinationHi: number, value: number, length: number): number;
/** Physical memory → heap: bytes[offset .. offset+length) = phys[source .. source+length). */
declare function hostPhysToHeap(
  bytes: Uint8Array, offset: number, sourceLo: number, sourceHi: number, length: number,
): number;
/** Heap → physical memory: phys[destination ..) = bytes[offset .. offset+length). */
declare function hostHeapToPhys(
  destinationLo: number, destinationHi: number, bytes: Uint8Array, offset: number, length: number,
): number;
/** Allows writes to [address, address+length): called for memory the stub allocated. */
declare function hostPhysGrantWrite(addressLo: number, addressHi: number, length: number): number;
/** Physical address of the host's scratch page (4 KiB, writable), for firmware out-parameters. */
declare function hostScratchAddressLo(): number;
declare function hostScratchAddressHi(): number;

// --- firmware -------------------------------------------------------------------------------

/** The image handle and system table pointer efi_main received. */
declare function hostImageHandleLo(): number;
declare function hostImageHandleHi(): number;
declare function hostSystemTableLo(): number;
declare function hostSystemTableHi(): number;
/**
 * Calls the firmware function at `function` with the MS x64 convention and `argumentCount`
 * 64-bit arguments taken from `argumentHalves` as (lo, hi) pairs. Returns the EFI_STATUS folded
 * to 32 bits (bit 31 = bit 63 of the real status).
 */
declare function hostEfiCall(
  functionLo: number, functionHi: number, argumentHalves: Uint32Array, argumentCount: number,
): number;

// --- CPU ------------------------------------------------------------------------------------

/** registers[0..3] = eax, ebx, ecx, edx of CPUID(leaf, subleaf). */
declare function hostCpuid(leaf: number, subleaf: number, registers: Uint32Array): void;
/** halves[0..1] = the MSR's value; returns a status (the simulator can refuse an MSR). */
declare function hostReadMsr(msr: number, halves: Uint32Array): number;
/** halves[0..1] = the time-stamp counter. */
declare function hostReadTsc(halves: Uint32Array): void;
/** halves[0..1] = a hardware random number; returns 1 when the CPU gave one, 0 otherwise. */
declare function hostReadRandom(halves: Uint32Array): number;
/**
 * A hint that bytes[index] will be read soon, so the CPU may start bringing its cache line in.
 * It never fails and changes nothing the stub can observe, whatever index is (past the array's
 * end too); a host may do nothing.
 */
declare function hostPrefetch(bytes: Uint8Array, index: number): void;

// --- console --------------------------------------------------------------------------------

/** Writes bytes[offset .. offset+length) (ASCII, '\n' line ends) to the console and serial port. */
declare function hostConsoleWrite(bytes: Uint8Array, offset: number, length: number): void;

/**
 * The stub called ExitBootServices successfully: the firmware's console is gone, so from now on
 * hostConsoleWrite writes to the serial port (COM1, I/O port 0x3f8) directly.
 */
declare function hostBootServicesExited(): void;

// --- leaving ----------------------------------------------------------------------------------

/**
 * Interrupts off, the stub's own GDT (__BOOT_CS 0x10, __BOOT_DS 0x18), segments reloaded, jump
 * to `entry` with RSI = `bootParams`. Does not return on success; returns a status when refused.
 *
 * `pagingLevels` 4 or 5 asks for that paging depth at entry (0: keep the firmware's). Changing
 * it means leaving long mode for a moment (CR4.LA57 can only change with paging off), which
 * runs from `trampoline`: two pages below 4 GiB the stub allocated and granted, the first for
 * the 32-bit code, its GDT and stack, the second for the new top-level table. `entry` and
 * `bootParams` must then lie below 4 GiB as well.
 */
declare function hostEnterKernel(
  entryLo: number, entryHi: number, bootParamsLo: number, bootParamsHi: number, pagingLevels: number, trampoline: number,
): number;
