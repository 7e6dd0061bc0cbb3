/**
 * @fileoverview Entry of the compiler micro-benchmark (bench/run.ts): four integer kernels in the
 * stub's TypeScript subset, compiled by the real pipeline and linked with bench/driver.c, which
 * runs them beside the same kernels written in C (bench/kernels/*.c).
 *
 * The C side asks for the buffers (they live on the Wasm heap, as the stub's buffers do), fills
 * the input, and calls benchRun(kernel, length) with kernel 0 crc32, 1 adler32, 2 bit-reader,
 * 3 LZ copy; it returns the kernel's checksum.
 */
import { adler32Kernel } from './adler32';
import { bitReaderKernel } from './bit-reader';
import { crc32Kernel } from './crc32';
import { lzCopyKernel } from './lz-copy';

let benchInput = new Uint8Array(new ArrayBuffer(4));
let benchOutput = new Uint8Array(new ArrayBuffer(4));

/** Fresh input and output buffers of `length` bytes; the caller fills the input. */
export function benchInputBuffer(length: number): Uint8Array {
  benchInput = new Uint8Array(new ArrayBuffer(length));
  benchOutput = new Uint8Array(new ArrayBuffer(length));
  return benchInput;
}

export function benchRun(kernel: number, length: number): number {
  switch (kernel) {
    case 0:
      return crc32Kernel(benchInput, length);
    case 1:
      return adler32Kernel(benchInput, length);
    case 2:
      return bitReaderKernel(benchInput, length);
    case 3:
      return lzCopyKernel(benchInput, benchOutput, length);
  }
  return 0;
}
