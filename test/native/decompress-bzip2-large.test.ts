/**
 * bzip2Decode on tens of MB (slow tier): x86 binaries from /usr/bin and a generated text/run
 * corpus (test/support/corpus.ts), compressed with kbuild's `bzip2 -9` (and -1), decoded by the
 * TypeScript decoder in Node (in a worker, test/support/run-decoder.ts) and compared byte for
 * byte with the input. Prints throughput next to `bzip2 -dc`'s on the same file; no assertion on
 * time. (The native wasm2c build of the decoder is to be added here by the lead.)
 */
import { describe, it } from 'vitest';
import { machineCode, textWithRuns } from '../support/corpus.ts';
import { expectLargeDecode } from '../support/decoder-checks.ts';
import { compressWithAsync } from '../support/reference-cli.ts';

describe('bzip2Decode on large inputs', () => {
  for (const [name, make, level] of [
    ['x86 binaries 24 MB, bzip2 -9 (kbuild)', () => machineCode(24 << 20), '-9'],
    // Runs up to 1 KiB: RLE1 with every count.
    ['generated text and runs 12 MB, bzip2 -1', () => textWithRuns(12 << 20), '-1'],
  ] as [string, () => Buffer, string][]) {
    it(name, async () => {
      const data = make();
      await expectLargeDecode({ label: `bzip2 ${name}`, moduleName: 'bzip2', functionName: 'bzip2Decode',
        compressed: await compressWithAsync('bzip2', [level], data), expected: data, cli: 'bzip2', cliArgs: ['-dc'] });
    }, 300_000);
  }
});
