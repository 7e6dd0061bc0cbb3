/**
 * bzip2Decode on tens of MB (slow tier): x86 binaries from /usr/bin and a generated text/run
 * corpus, compressed with kbuild's `bzip2 -9` (and -1), decoded by the TypeScript decoder in Node
 * (in a worker, test/support/run-decoder.ts) and compared byte for byte with the input. Prints
 * throughput next to `bzip2 -dc`'s on the same file; no assertion on time. (The native wasm2c
 * build of the decoder is to be added here by the lead.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDecoder } from '../support/run-decoder.ts';

function binaries(total: number): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (const name of readdirSync('/usr/bin').sort()) {
    const path = join('/usr/bin', name);
    let stat;
    try { stat = statSync(path); } catch { continue; }
    if (!stat.isFile() || stat.size > 8 << 20 || stat.size < 4096) continue;
    parts.push(readFileSync(path));
    size += stat.size;
    if (size >= total) break;
  }
  return Buffer.concat(parts).subarray(0, total);
}

function generated(total: number): Buffer {
  const out = Buffer.alloc(total);
  let x = 0x9e3779b9;
  let i = 0;
  const words = ['kernel ', 'stub ', 'boot ', 'memory ', 'page ', 'table ', 'efi ', 'x86 ', '\n'];
  while (i < total) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    if ((x & 31) === 0) {
      const run = Math.min(total - i, (x >>> 8) & 1023);
      out.fill((x >>> 20) & 255, i, i + run); // runs up to 1 KiB (RLE1 with every count)
      i += run;
    } else {
      i += out.write(words[(x >>> 8) % words.length], i);
    }
  }
  return out;
}

function measureCli(compressed: Buffer, expected: Buffer): number {
  const started = performance.now();
  const result = spawnSync('bzip2', ['-dc'], { input: compressed, maxBuffer: 1 << 30 });
  const ms = performance.now() - started;
  expect(result.status).toBe(0);
  expect(result.stdout.equals(expected)).toBe(true);
  return ms;
}

describe('bzip2Decode on large inputs', () => {
  for (const [name, make, level] of [
    ['x86 binaries 24 MB, bzip2 -9 (kbuild)', () => binaries(24 << 20), '-9'],
    ['generated text and runs 12 MB, bzip2 -1', () => generated(12 << 20), '-1'],
  ] as [string, () => Buffer, string][]) {
    it(name, async () => {
      const data = make();
      const compressed = execFileSync('bzip2', [level], { input: data, maxBuffer: 1 << 30 });
      const cliMs = measureCli(compressed, data);
      const run = await runDecoder('bzip2', 'bzip2Decode', compressed, data.length, 300_000);
      expect(run.timedOut).toBe(false);
      expect(run.status).toBe(0);
      expect(run.output.length).toBe(data.length);
      expect(Buffer.from(run.output).equals(data)).toBe(true);
      const mb = data.length / 1e6;
      const ours = mb / (run.milliseconds / 1000);
      const cli = mb / (cliMs / 1000);
      console.log(`bzip2 ${name}: ${mb.toFixed(1)} MB from ${(compressed.length / 1e6).toFixed(1)} MB; ` +
        `TS decoder in Node ${ours.toFixed(1)} MB/s, bzip2 -dc ${cli.toFixed(1)} MB/s (${(ours / cli).toFixed(2)}x)`);
    }, 300_000);
  }
});
