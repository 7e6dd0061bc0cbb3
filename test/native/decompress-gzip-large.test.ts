/**
 * gzip decoder on a large input (tens of MB: /usr/bin files concatenated, plus text and runs),
 * compressed with kbuild's command line (`gzip -n -f -9`, linux-6.1 scripts/Makefile.lib). The
 * TypeScript decoder runs in Node (once in a worker with a timeout for correctness, then in
 * this process for timing); the native build will be added beside it. Throughput is printed,
 * not asserted.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { machineCode } from '../support/corpus.ts';
import { expectDecoded } from '../support/decoder-checks.ts';
import { runDecoder } from '../support/run-decoder.ts';
import { gzipDecode } from '../../stub-src/decompress/gzip.ts';
import { compressWithAsync } from '../support/reference-cli.ts';

const TARGET_SIZE = 48 << 20;

/** 80% x86 code from /usr/bin (test/support/corpus.ts), then text and long runs. */
function corpus(): Uint8Array {
  const parts: Buffer[] = [machineCode(Math.ceil(TARGET_SIZE * 0.8))];
  // Text and long runs, for the long-match and literal-heavy paths.
  const words = 'the quick brown fox jumps over the lazy dog while the kernel boots\n';
  parts.push(Buffer.from(words.repeat(Math.ceil((TARGET_SIZE * 0.1) / words.length))));
  parts.push(Buffer.alloc(Math.max(0, TARGET_SIZE - parts[0].length - parts[1].length), 0x90));
  return new Uint8Array(Buffer.concat(parts));
}

/** Wall and CPU milliseconds of `run`, best of `times`. */
function measure(times: number, run: () => void): { wall: number; cpu: number } {
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < times; i++) {
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    run();
    wall = Math.min(wall, performance.now() - started);
    const used = process.cpuUsage(cpuStart);
    cpu = Math.min(cpu, (used.user + used.system) / 1000);
  }
  return { wall, cpu };
}

describe('gzipDecode on a large kbuild-compressed input', () => {
  it('decodes tens of MB byte for byte and reports MB/s against gzip -dc and Node zlib', async () => {
    const data = corpus();
    const file = new Uint8Array(await compressWithAsync('gzip', ['-n', '-f', '-9', '-c'], data));
    const megabytes = data.length / (1 << 20);

    // Correctness first, in a worker with a timeout (a hang fails instead of freezing).
    const run = await runDecoder('gzip', 'gzipDecode', file, data.length, 300_000);
    expectDecoded(run, data, 'gzip -n -f -9');

    // Throughput in this process, best of three (the first run warms the JIT). The machines
    // running the suite are shared, so CPU time is printed beside wall time.
    const output = new Uint8Array(data.length);
    const ours = measure(3, () => {
      expect(gzipDecode(file, file.length, output, output.length)).toBe(0);
    });
    const node = measure(3, () => { zlib.gunzipSync(file); });
    const directory = mkdtempSync(join(tmpdir(), 'gzip-large-'));
    let cli = { wall: Infinity, cpu: Infinity };
    try {
      const path = join(directory, 'large.gz');
      writeFileSync(path, file);
      for (let attempt = 0; attempt < 3; attempt++) {
        // bash's `time` reports the child's CPU time; the output goes to /dev/null.
        const started = performance.now();
        const timed = spawnSync('bash', ['-c', 'TIMEFORMAT="%3U %3S"; time gzip -dc "$1" > /dev/null', 'bash', path]);
        const wall = performance.now() - started;
        expect(timed.status, timed.stderr.toString()).toBe(0);
        const [user, system] = timed.stderr.toString().trim().split(/\s+/).slice(-2).map(Number);
        cli = { wall: Math.min(cli.wall, wall), cpu: Math.min(cli.cpu, (user + system) * 1000) };
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    const rate = (ms: number): string => `${(megabytes / (ms / 1000)).toFixed(1)} MB/s`;
    console.log(`gzip large: ${megabytes.toFixed(1)} MiB from ${(file.length / (1 << 20)).toFixed(1)} MiB (gzip -n -f -9)\n` +
      `  TS gzipDecode in Node: ${rate(ours.cpu)} CPU, ${rate(ours.wall)} wall\n` +
      `  gzip -dc (1.12):       ${rate(cli.cpu)} CPU, ${rate(cli.wall)} wall (process start included)\n` +
      `  Node zlib gunzipSync:  ${rate(node.cpu)} CPU, ${rate(node.wall)} wall\n` +
      `  TS / gzip -dc (CPU):   ${(cli.cpu / ours.cpu).toFixed(2)}x`);
  });
});
