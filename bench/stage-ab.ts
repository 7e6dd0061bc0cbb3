/**
 * @fileoverview `npm run bench:stage -- [--runs N] A.efi B.efi …`: the stub's decompress stage
 * time (its stage log, `efistub: time: decompress N ms`) for images booted alternately under
 * OVMF/QEMU TCG (A, B, …, A, B, …), so that drift on a shared machine hits all alike. Each boot
 * stops at that line. The images are what `npm run bench:boot` leaves in out/bench/ (boot.efi,
 * boot-lz4.efi, `--recompress gzip` → boot-gzip.efi), copied aside from builds of two trees or
 * settings: BENCHMARKS.md's before/after stage figures were taken this way.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runImage } from '../compiler/qemu-run.ts';
import { stubDecompressMs } from './boot.ts';

const STAGE_LINE = /efistub: time: decompress \d+ ms\n/;

export async function stageAbMain(argv: string[]): Promise<number> {
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 4;
  const images = argv.filter((_, i) => i !== runsAt && i !== runsAt + 1);
  if (argv.includes('--help') || images.length === 0 || !(runs >= 1)) {
    process.stdout.write('usage: npm run bench:stage -- [--runs N] IMAGE.efi [IMAGE.efi …]\n');
    return images.length === 0 || !(runs >= 1) ? 2 : 0;
  }
  const times = new Map<string, number[]>(images.map((image) => [image, []]));
  let failed = false;
  for (let run = 1; run <= runs; run++) {
    for (const image of images) {
      const result = await runImage({ image: resolve(image), mode: 'kernel', timeoutSeconds: 120, stopOn: STAGE_LINE });
      const ms = stubDecompressMs(result.output);
      if (ms === undefined) {
        failed = true;
        console.log(`run ${run}  ${image}: no decompress stage line (${result.outcome})`);
      } else {
        times.get(image)!.push(ms);
        console.log(`run ${run}  ${image}: ${ms} ms`);
      }
    }
  }
  for (const [image, list] of times) {
    const sorted = [...list].sort((a, b) => a - b);
    const median = sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[(sorted.length - 1) / 2]
      : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    console.log(`median ${image}: ${median} ms over ${sorted.length} run(s) [${sorted.join(', ')}]`);
  }
  return failed ? 1 : 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await stageAbMain(process.argv.slice(2));
}
