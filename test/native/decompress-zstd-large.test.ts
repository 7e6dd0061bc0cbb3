/**
 * zstdDecode on tens of MB: files from /usr/bin concatenated (x86 code, data, text), compressed by
 * `zstd` at -3 (many 128 KiB blocks, 4-stream literals), at `-19 --long=27` (a 128 MiB window,
 * long-distance matches) and, on a slice, with kbuild's `-22 --ultra`; the output must equal the
 * input. Prints the TS decoder's throughput in Node next to `zstd -d`'s (no assertion on time:
 * the native build of the stub is the one with a speed target).
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { machineCode } from '../support/corpus.ts';
import { expectDecoded, printThroughput } from '../support/decoder-checks.ts';
import { expectInstalled } from '../support/reference-cli.ts';
import { runDecoderBatch } from '../support/run-decoder.ts';

const work = mkdtempSync(join(tmpdir(), 'zstd-large-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Seconds `zstd -d` takes to decompress `path` to /dev/null (best of three, process start included). */
function cliSeconds(path: string): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const r = spawnSync('zstd', ['-d', '-c', '-q', path], { stdio: ['ignore', 'ignore', 'inherit'] });
    expect(r.status).toBe(0);
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return best;
}

describe('zstd: large inputs', () => {
  it('the zstd CLI is installed (scripts/install-deps.sh)', () => {
    expectInstalled('zstd', /Zstandard CLI/);
  });

  it('decodes ~32 MB of /usr/bin at -3, 12 MB at -19 --long=27 and 6 MB with kbuild\'s -22 --ultra', async () => {
    const data = machineCode(32 << 20);
    const cases: [string, Buffer, string[]][] = [
      ['-3', data, ['-3']],
      ['-19 --long=27 -T2', data.subarray(0, 12 << 20), ['-19', '--long=27', '-T2']],
      ['kbuild -22 --ultra -T2', data.subarray(0, 6 << 20), ['-22', '--ultra', '-T2']],
    ];
    const jobs: { input: Uint8Array; capacity: number }[] = [];
    const paths: string[] = [];
    for (const [label, input, args] of cases) {
      const path = join(work, label.replace(/\W+/g, '_'));
      writeFileSync(path, input);
      // Asynchronously: a long synchronous child blocks vitest's worker RPC (onTaskUpdate timeouts).
      await promisify(execFile)('zstd', ['-q', '-f', ...args, path, '-o', `${path}.zst`]);
      rmSync(path);
      paths.push(`${path}.zst`);
      jobs.push({ input: readFileSync(`${path}.zst`), capacity: input.length });
    }
    const runs = await runDecoderBatch('zstd', 'zstdDecode', jobs, 300_000);
    runs.forEach((run, i) => {
      const [label, input] = cases[i];
      expectDecoded(run, input, label);
      printThroughput(`zstd ${label}`, { bytes: input.length, compressedBytes: jobs[i].input.length,
        decoderMilliseconds: run.milliseconds, cli: 'zstd -d', cliMilliseconds: cliSeconds(paths[i]) * 1000 });
    });
  }, 600_000);
});
