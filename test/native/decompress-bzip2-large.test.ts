/**
 * bzip2Decode on tens of MB (slow tier): x86 binaries from /usr/bin and a generated text/run
 * corpus (test/support/corpus.ts), compressed with kbuild's `bzip2 -9` (and -1), decoded by the
 * TypeScript decoder in Node (in a worker, test/support/run-decoder.ts) and compared byte for
 * byte with the input. Prints throughput next to `bzip2 -dc`'s on the same file; no assertion on
 * time. (The native wasm2c build of the decoder is to be added here by the lead.)
 */
import { describe, expect, it } from 'vitest';
import { machineCode, textWithRuns } from '../support/corpus.ts';
import { expectDecoded, printThroughput } from '../support/decoder-checks.ts';
import { compressWith, timedCliDecode } from '../support/reference-cli.ts';
import { runDecoder } from '../support/run-decoder.ts';

describe('bzip2Decode on large inputs', () => {
  for (const [name, make, level] of [
    ['x86 binaries 24 MB, bzip2 -9 (kbuild)', () => machineCode(24 << 20), '-9'],
    // Runs up to 1 KiB: RLE1 with every count.
    ['generated text and runs 12 MB, bzip2 -1', () => textWithRuns(12 << 20), '-1'],
  ] as [string, () => Buffer, string][]) {
    it(name, async () => {
      const data = make();
      const compressed = compressWith('bzip2', [level], data);
      const cli = timedCliDecode('bzip2', ['-dc'], compressed);
      expect(cli.status).toBe(0);
      expect(cli.output.equals(data)).toBe(true);
      const run = await runDecoder('bzip2', 'bzip2Decode', compressed, data.length, 300_000);
      expectDecoded(run, data, name);
      printThroughput(`bzip2 ${name}`, { bytes: data.length, compressedBytes: compressed.length,
        decoderMilliseconds: run.milliseconds, cli: 'bzip2 -dc', cliMilliseconds: cli.milliseconds });
    }, 300_000);
  }
});
