/**
 * gzip decoder on a large input (tens of MB: /usr/bin files concatenated, plus text and runs),
 * compressed with kbuild's command line (`gzip -n -f -9`, linux-6.1 scripts/Makefile.lib). The
 * TypeScript decoder runs in Node (in a worker, as the other decoder tests); the native build
 * will be added beside it. Throughput is printed, not asserted.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { runDecoder } from '../support/run-decoder.ts';

const TARGET_SIZE = 48 << 20;

function corpus(): Uint8Array {
  const parts: Buffer[] = [];
  let size = 0;
  for (const name of readdirSync('/usr/bin').sort()) {
    if (size >= TARGET_SIZE * 0.8) break;
    const path = join('/usr/bin', name);
    try {
      const stat = statSync(path);
      if (!stat.isFile() || stat.size < 4096) continue;
      const data = readFileSync(path);
      const take = Math.min(data.length, Math.ceil(TARGET_SIZE * 0.8) - size);
      parts.push(data.subarray(0, take));
      size += take;
    } catch {
      // unreadable entries are skipped
    }
  }
  // Text and long runs, for the long-match and literal-heavy paths.
  const words = 'the quick brown fox jumps over the lazy dog while the kernel boots\n';
  parts.push(Buffer.from(words.repeat(Math.ceil((TARGET_SIZE * 0.1) / words.length))));
  parts.push(Buffer.alloc(Math.max(0, TARGET_SIZE - size - parts[parts.length - 1].length), 0x90));
  return new Uint8Array(Buffer.concat(parts));
}

describe('gzipDecode on a large kbuild-compressed input', () => {
  it('decodes tens of MB byte for byte and reports MB/s against gzip -dc and Node zlib', async () => {
    const data = corpus();
    const compress = spawnSync('gzip', ['-n', '-f', '-9', '-c'], { input: data, maxBuffer: 1 << 30 });
    if (compress.error || compress.status !== 0) throw new Error(`gzip (the reference CLI) failed: ${compress.error ?? compress.stderr}`);
    const file = new Uint8Array(compress.stdout);
    const megabytes = data.length / (1 << 20);

    // Best of two runs (the first includes the JIT warming up).
    let best = Infinity;
    for (let attempt = 0; attempt < 2; attempt++) {
      const run = await runDecoder('gzip', 'gzipDecode', file, data.length, 300_000);
      expect(run.timedOut).toBe(false);
      expect(run.status, `reason ${run.reason} at ${run.inputOffset}`).toBe(0);
      expect(run.output.length).toBe(data.length);
      expect(Buffer.compare(Buffer.from(run.output), Buffer.from(data))).toBe(0);
      best = Math.min(best, run.milliseconds);
    }

    let cli = Infinity;
    for (let attempt = 0; attempt < 2; attempt++) {
      const started = performance.now();
      const reference = spawnSync('gzip', ['-dc'], { input: file, maxBuffer: 1 << 30 });
      cli = Math.min(cli, performance.now() - started);
      expect(reference.status).toBe(0);
    }
    let node = Infinity;
    for (let attempt = 0; attempt < 2; attempt++) {
      const started = performance.now();
      zlib.gunzipSync(file);
      node = Math.min(node, performance.now() - started);
    }
    const rate = (ms: number): string => `${(megabytes / (ms / 1000)).toFixed(1)} MB/s`;
    console.log(`gzip large: ${megabytes.toFixed(1)} MiB out of ${(file.length / (1 << 20)).toFixed(1)} MiB; ` +
      `TS decoder in Node ${rate(best)} (${best.toFixed(0)} ms), gzip -dc ${rate(cli)} (incl. process and pipe), ` +
      `Node zlib ${rate(node)}; TS/CLI ${(cli / best).toFixed(2)}x`);
  });
});
