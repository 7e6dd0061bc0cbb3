/**
 * lz4Decode on a large input (slow tier): 32 MiB of /usr/bin files, compressed with kbuild's
 * command line (`lz4 -l -12 --favor-decSpeed`, four 8 MiB legacy blocks, plus the size trailer)
 * and as a default frame (-1, linked 4 MiB blocks with -BD), decoded by the TypeScript decoder in
 * Node (in a worker) and compared byte for byte with the input. Prints the throughput of the
 * TypeScript decoder and of `lz4 -dc` (wall clock, process start-up included); no assertion on
 * time. The native (wasm2c) build of the decoder will be added here by the lead.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDecoder } from '../support/run-decoder.ts';

const SIZE = 32 << 20;
const work = mkdtempSync(join(tmpdir(), 'lz4-large-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The first 32 MiB of the regular files of /usr/bin in name order. */
function corpus(): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (const name of readdirSync('/usr/bin').sort()) {
    const path = join('/usr/bin', name);
    try {
      if (!statSync(path).isFile()) continue;
      const bytes = readFileSync(path);
      parts.push(bytes);
      size += bytes.length;
    } catch {
      continue; // unreadable: skip
    }
    if (size >= SIZE) break;
  }
  return Buffer.concat(parts).subarray(0, SIZE);
}

function megabytesPerSecond(bytes: number, milliseconds: number): string {
  return (bytes / (1 << 20) / (milliseconds / 1000)).toFixed(1);
}

describe('lz4Decode: 32 MiB of /usr/bin', () => {
  const data = corpus();
  const plain = join(work, 'corpus');
  writeFileSync(plain, data);

  for (const [label, args, trailer] of [
    ['kbuild lz4 -l -12 --favor-decSpeed', ['-l', '-12', '--favor-decSpeed'], true],
    ['lz4 -1 -BD', ['-1', '-BD'], false],
  ] as [string, string[], boolean][]) {
    it(`decodes ${label} byte for byte and reports MB/s`, async () => {
      expect(data.length).toBe(SIZE);
      let compressed = execFileSync('lz4', [...args, '-c', plain], { maxBuffer: 1 << 30 });
      const file = join(work, 'corpus.lz4');
      writeFileSync(file, compressed);
      if (trailer) {
        const size = Buffer.alloc(4);
        size.writeUInt32LE(data.length);
        compressed = Buffer.concat([compressed, size]);
      }
      const run = await runDecoder('lz4', 'lz4Decode', compressed, data.length, 300_000);
      expect(run.timedOut).toBe(false);
      expect(run.status).toBe(0);
      expect(run.output.length).toBe(data.length);
      expect(Buffer.from(run.output).equals(data)).toBe(true);
      const started = performance.now();
      const cli = spawnSync('sh', ['-c', `lz4 -dc "${file}" > /dev/null`]);
      const cliMs = performance.now() - started;
      expect(cli.status).toBe(0);
      console.log(`lz4 ${label}: ${compressed.length} -> ${data.length} bytes; TypeScript in Node ` +
        `${megabytesPerSecond(data.length, run.milliseconds)} MB/s (${run.milliseconds.toFixed(0)} ms), ` +
        `lz4 -dc ${megabytesPerSecond(data.length, cliMs)} MB/s (${cliMs.toFixed(0)} ms)`);
    });
  }
});
