/**
 * xzDecode on tens of MB (slow tier): x86 binaries from /usr/bin compressed with kbuild's exact
 * line (`xz --check=crc32 --x86 --lzma2=,dict=32MiB`), and a generated text corpus as CRC64
 * multi-block, decoded by the TypeScript decoder in Node (in a worker,
 * test/support/run-decoder.ts) and compared byte for byte with the input. Prints throughput next
 * to `xz -dc`'s on the same file (process start included; single-threaded); no assertion on
 * time. (The native wasm2c build of the decoder is to be added here by the lead.)
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
  const words = ['kernel ', 'stub ', 'boot ', 'memory ', 'page ', 'table ', 'efi ', 'x86 ', 'range ', 'coder ', '\n'];
  while (i < total) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    if ((x & 63) === 0) {
      const run = Math.min(total - i, (x >>> 8) & 1023);
      out.fill((x >>> 20) & 255, i, i + run);
      i += run;
    } else {
      i += out.write(words[(x >>> 8) % words.length], i);
    }
  }
  return out;
}

function measureCli(compressed: Buffer, expected: Buffer): number {
  const started = performance.now();
  const result = spawnSync('xz', ['-dc', '-T1'], { input: compressed, maxBuffer: 1 << 30 });
  const ms = performance.now() - started;
  expect(result.status).toBe(0);
  expect(result.stdout.equals(expected)).toBe(true);
  return ms;
}

describe('xzDecode on large inputs', () => {
  for (const [name, make, args] of [
    ['x86 binaries 24 MB, kbuild line', () => binaries(24 << 20), ['--check=crc32', '--x86', '--lzma2=,dict=32MiB']],
    ['generated text 16 MB, crc64, -6, 4 MiB blocks', () => generated(16 << 20), ['--check=crc64', '-6', '--block-size=4MiB']],
  ] as [string, () => Buffer, string[]][]) {
    it(name, async () => {
      const data = make();
      const compressed = execFileSync('xz', ['-c', '-T1', ...args], { input: data, maxBuffer: 1 << 30 });
      const cliMs = measureCli(compressed, data);
      const run = await runDecoder('xz', 'xzDecode', compressed, data.length, 300_000);
      expect(run.timedOut).toBe(false);
      expect(run.status).toBe(0);
      expect(run.output.length).toBe(data.length);
      expect(Buffer.from(run.output).equals(data)).toBe(true);
      const mb = data.length / 1e6;
      const ours = mb / (run.milliseconds / 1000);
      const cli = mb / (cliMs / 1000);
      console.log(`xz ${name}: ${mb.toFixed(1)} MB from ${(compressed.length / 1e6).toFixed(1)} MB; ` +
        `TS decoder in Node ${ours.toFixed(1)} MB/s, xz -dc ${cli.toFixed(1)} MB/s (${(ours / cli).toFixed(2)}x)`);
    }, 600_000);
  }
});
