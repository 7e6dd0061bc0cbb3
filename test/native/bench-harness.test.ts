/**
 * The compiler micro-benchmark (npm run bench, bench/) is slow and stays out of the test run;
 * this keeps it from rotting: the harness builds through the pipeline, and on a small input each
 * kernel's checksum is the same compiled by efistub (TS → native), written in C, and run as
 * TypeScript in Node.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_KERNELS, benchInput, buildBench, runBench } from '../../bench/build.ts';
import { adler32Kernel } from '../../bench/kernels/adler32.ts';
import { bitReaderKernel } from '../../bench/kernels/bit-reader.ts';
import { crc32Kernel } from '../../bench/kernels/crc32.ts';
import { lzCopyKernel } from '../../bench/kernels/lz-copy.ts';

describe('bench harness', () => {
  it('builds, and every kernel agrees: efistub native = C = TypeScript in Node', () => {
    const size = 65536;
    const program = buildBench('i32', mkdtempSync(join(tmpdir(), 'efistub-bench-test-')));
    const timings = runBench(program, size, 1);
    expect(timings.map((t) => t.kernel)).toEqual([...BENCH_KERNELS]);
    const input = benchInput(size);
    const inNode = [
      crc32Kernel(input, size),
      adler32Kernel(input, size),
      bitReaderKernel(input, size),
      lzCopyKernel(input, new Uint8Array(size), size),
    ].map((checksum) => checksum >>> 0);
    expect(timings.map((t) => t.cChecksum)).toEqual(inNode);
    expect(timings.map((t) => t.efistubChecksum)).toEqual(inNode);
  });
});
