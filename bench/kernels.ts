/**
 * @fileoverview `npm run bench -- kernels`: the compiler micro-benchmark. Builds the four kernels
 * of bench/kernels/ through the pipeline in each variant (bench/build.ts), times them beside the
 * same kernels in C over the same input, and prints MB/s and the efistub/C ratio per kernel.
 *
 * Usage: npm run bench -- kernels [--size-mib N] [--repetitions N] [--variants f64,i32-barrier,i32]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_VARIANTS, buildBench, runBench, type BenchVariant, type KernelTiming } from './build.ts';

const KERNELS_HELP = `usage: npm run bench -- kernels [--size-mib N] [--repetitions N] [--variants ${BENCH_VARIANTS.join(',')}]

Times four small integer kernels (crc32, adler32, a bit reader, an LZ copy loop) compiled from
TypeScript through the pipeline (one build per compiler variant) against the same kernels
written in C, both with the same clang flags; prints MB/s and efistub/C per kernel.
`;

/** `npm run bench -- kernels …`; returns the exit status (a checksum mismatch throws). */
export function kernelsMain(argv: string[]): number {
  if (argv.includes('--help')) { process.stdout.write(KERNELS_HELP); return 0; }
  const option = (name: string, fallback: string): string => {
    const at = argv.indexOf(name);
    return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1] : fallback;
  };

  const sizeMiB = Number(option('--size-mib', '16'));
  const repetitions = Number(option('--repetitions', '10'));
  const variants = option('--variants', BENCH_VARIANTS.join(',')).split(',') as BenchVariant[];
  const size = sizeMiB * 1024 * 1024;
  const megabytes = size / 1e6;

  const results = new Map<BenchVariant, KernelTiming[]>();
  const work = mkdtempSync(join(tmpdir(), 'efistub-bench-'));
  try {
    for (const variant of variants) {
      if (!BENCH_VARIANTS.includes(variant)) throw new Error(`unknown variant ${variant}`);
      process.stderr.write(`efistub: bench: building ${variant}…\n`);
      const program = buildBench(variant, join(work, variant));
      process.stderr.write(`efistub: bench: running ${variant} (${sizeMiB} MiB, best of ${repetitions})…\n`);
      const timings = runBench(program, size, repetitions);
      for (const timing of timings) {
        if (timing.efistubChecksum !== timing.cChecksum) {
          throw new Error(`${variant} ${timing.kernel}: checksum ${timing.efistubChecksum.toString(16)} differs from C's ${timing.cChecksum.toString(16)}`);
        }
      }
      results.set(variant, timings);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const mbps = (seconds: number): string => (megabytes / seconds).toFixed(0);
  console.log(`efistub compiler micro-benchmark: ${sizeMiB} MiB per kernel, best of ${repetitions}; MB/s (efistub / C), ratio = efistub/C`);
  console.log(`| kernel | ${variants.map((v) => `${v} efistub | ${v} C | ${v} ratio`).join(' | ')} |`);
  console.log(`|---|${variants.map(() => '---:|---:|---:').join('|')}|`);
  for (let k = 0; k < (results.get(variants[0])?.length ?? 0); k++) {
    const cells = variants.map((variant) => {
      const timing = results.get(variant)![k];
      return `${mbps(timing.efistubSeconds)} | ${mbps(timing.cSeconds)} | ${(timing.cSeconds / timing.efistubSeconds).toFixed(2)}×`;
    });
    console.log(`| ${results.get(variants[0])![k].kernel} | ${cells.join(' | ')} |`);
  }
  return 0;
}
