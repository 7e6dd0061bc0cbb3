/**
 * @fileoverview Boot step 5: the kernel payload decompressed onto the stub's heap.
 *
 * The payload (format by magic: gzip, xz, lzma, zstd, lz4, bzip2, lzo) is copied from .linux to
 * the heap and decoded with kbuild's size rule (stub-src/decompress/decompress.ts): the output
 * must be exactly the size the payload declares, and every format's own check (CRC32, CRC64,
 * XXH64, adler32…) is verified. The result, vmlinux's ELF image followed by the relocation
 * table, stays on the heap: the ELF step copies its segments to the kernel's memory and the
 * relocations are applied there before the copy, so no firmware memory is ever written by the
 * decoder, whatever the payload holds.
 */

import { uint32Below } from '../efi/address';
import { EFI_BAD_BUFFER_SIZE, EFI_LOAD_ERROR } from '../efi/status';
import { fail, logAppendHex, logAppendText, logFinish, logStart, logText } from '../log';
import {
  decompressDetectFormat, decompressFormatName, decompressKbuildPayload, decompressKbuildSize,
  decompressReasonText, decompressSetPrefetch,
} from '../decompress/decompress';
import { decodeResult, DECODE_INPUT_OFFSET, DECODE_REASON } from '../decompress/result';
import { statusIsError } from '../efi/status';
import { addressPlusHi, addressPlusLo } from '../efi/address';
import { imageKernelHi, imageKernelLo } from './image-sections';
import { setupValue, SETUP_PAYLOAD_FILE_OFFSET, SETUP_PAYLOAD_LENGTH } from './setup-header';
import { stageClockMark } from './stage-clock';

/** Largest decompressed kernel accepted (Debian's 6.1 vmlinux is 66 MB). */
export const KERNEL_MAX_DECOMPRESSED = 0x20000000;

export let kernelPayload = new Uint8Array(new ArrayBuffer(4));
export let kernelImage = new Uint8Array(new ArrayBuffer(4));
let kernelImageLength = 0;

export function kernelImageSize(): number {
  return kernelImageLength;
}

// CPUID: leaf 1's ECX bit 31 says a hypervisor is present, whose leaf 0x40000000 names it in
// EBX, ECX, EDX; QEMU's TCG answers "TCGTCGTCGTCG" (QEMU 7.2, seen from the stub under OVMF).
const CPUID_FEATURES = 1;
const CPUID_1_ECX_HYPERVISOR = 0x80000000;
const CPUID_HYPERVISOR_VENDOR = 0x40000000;
const TCG_SIGNATURE_EBX = 0x54474354; // "TCGT"
const TCG_SIGNATURE_ECX = 0x43544743; // "CGTC"
const TCG_SIGNATURE_EDX = 0x47435447; // "GTCG"
const decompressRegisters = new Uint32Array(new ArrayBuffer(16));

/**
 * True under QEMU's TCG, which emulates the CPU instruction by instruction with no cache model:
 * there a prefetch fills nothing, and the work that sets it up is pure cost.
 */
function decompressUnderTcg(): boolean {
  hostCpuid(CPUID_FEATURES, 0, decompressRegisters);
  if ((decompressRegisters[2] & CPUID_1_ECX_HYPERVISOR) === 0) return false;
  hostCpuid(CPUID_HYPERVISOR_VENDOR, 0, decompressRegisters);
  return decompressRegisters[1] === TCG_SIGNATURE_EBX && decompressRegisters[2] === TCG_SIGNATURE_ECX &&
    decompressRegisters[3] === TCG_SIGNATURE_EDX;
}

/** Decompresses the payload of .linux into kernelImage. Fatal with the format's reason. */
export function kernelDecompress(): number {
  const payloadLength = setupValue(SETUP_PAYLOAD_LENGTH);
  const payloadOffset = setupValue(SETUP_PAYLOAD_FILE_OFFSET);
  kernelPayload = new Uint8Array(new ArrayBuffer(payloadLength));
  const status = hostPhysToHeap(
    kernelPayload, 0, addressPlusLo(imageKernelLo(), payloadOffset),
    addressPlusHi(imageKernelLo(), imageKernelHi(), payloadOffset), payloadLength,
  ) >>> 0;
  if (status !== 0) {
    return fail(status, 'decompress', 'failed to read the payload');
  }
  // The stage's parts are timed apart (the heap grown and cleared for the payload and its copy
  // from .linux; the output's heap; the decode, which main.ts's 'decompress' mark then times):
  // under QEMU's TCG the first two are memory-bound work whose cost the decoders' own benchmarks
  // do not show.
  stageClockMark('decompress-read');
  const format = decompressDetectFormat(kernelPayload, payloadLength);
  const size = decompressKbuildSize(kernelPayload, payloadLength);
  logStart('decompress');
  logAppendText(decompressFormatName(format));
  logAppendText(' payload ');
  logAppendHex(payloadLength);
  logAppendText(' bytes, declares ');
  logAppendHex(size);
  logFinish();
  if (uint32Below(KERNEL_MAX_DECOMPRESSED, size) || uint32Below(size, 0x1000)) {
    return fail(EFI_BAD_BUFFER_SIZE, 'decompress', 'the payload declares an implausible size (under 4 KiB or over 512 MiB)');
  }
  kernelImage = new Uint8Array(new ArrayBuffer(size));
  // zstd's match prefetches: faster on hardware, 1.5× the stage time under TCG (BENCHMARKS.md).
  const underTcg = decompressUnderTcg();
  decompressSetPrefetch(!underTcg);
  if (underTcg) logText('decompress', 'QEMU TCG (no cache model): decoding without prefetches');
  stageClockMark('decompress-allocate');
  const result = decompressKbuildPayload(kernelPayload, payloadLength, kernelImage, size);
  // The compressed copy is no longer needed; its heap space cannot be reused (no free), but a
  // one-word array drops the reference for a simulator's garbage collector.
  kernelPayload = new Uint8Array(new ArrayBuffer(4));
  if (statusIsError(result)) {
    logStart('decompress');
    logAppendText('corrupt payload: ');
    logAppendText(decompressReasonText(decodeResult[DECODE_REASON]));
    logAppendText(' (reason ');
    logAppendHex(decodeResult[DECODE_REASON]);
    logAppendText(', input offset ');
    logAppendHex(decodeResult[DECODE_INPUT_OFFSET]);
    logAppendText(')');
    logFinish();
    return fail(result === 0 ? EFI_LOAD_ERROR : result, 'decompress', 'failed to decompress the kernel');
  }
  kernelImageLength = size;
  return 0;
}
