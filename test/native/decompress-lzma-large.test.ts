/**
 * lzmaDecode on tens of MB (slow tier): x86 binaries from /usr/bin compressed with kbuild's
 * `lzma -9`, decoded by the TypeScript decoder in Node (in a worker) and compared byte for byte
 * with the input. Prints throughput next to `lzma -dc`'s on the same file (process start
 * included); no assertion on time. (The native wasm2c build is to be added here by the lead.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDecoder } from '../support/run-decoder.ts';

function binaries(total: number): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (const name of readdirSync('/usr/bin').sort().reverse()) {
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

describe('lzmaDecode on large inputs', () => {
  it('x86 binaries 20 MB, lzma -9 (kbuild)', async () => {
    const data = binaries(20 << 20);
    const compressed = execFileSync('lzma', ['-9', '-c'], { input: data, maxBuffer: 1 << 30 });
    const started = performance.now();
    const cli = spawnSync('lzma', ['-dc'], { input: compressed, maxBuffer: 1 << 30 });
    const cliMs = performance.now() - started;
    expect(cli.status).toBe(0);
    expect(cli.stdout.equals(data)).toBe(true);
    const run = await runDecoder('lzma', 'lzmaDecode', compressed, data.length, 300_000);
    expect(run.timedOut).toBe(false);
    expect(run.status).toBe(0);
    expect(Buffer.from(run.output).equals(data)).toBe(true);
    const mb = data.length / 1e6;
    const ours = mb / (run.milliseconds / 1000);
    const cliRate = mb / (cliMs / 1000);
    console.log(`lzma x86 binaries: ${mb.toFixed(1)} MB from ${(compressed.length / 1e6).toFixed(1)} MB; ` +
      `TS decoder in Node ${ours.toFixed(1)} MB/s, lzma -dc ${cliRate.toFixed(1)} MB/s (${(ours / cliRate).toFixed(2)}x)`);
  }, 600_000);
});
