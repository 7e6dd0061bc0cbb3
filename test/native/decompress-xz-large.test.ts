/**
 * xzDecode on tens of MB (slow tier): x86 binaries from /usr/bin compressed with kbuild's exact
 * line (`xz --check=crc32 --x86 --lzma2=,dict=32MiB`), and a generated text-and-runs corpus
 * (test/support/corpus.ts) as CRC64 multi-block, decoded by the TypeScript decoder in Node (in a
 * worker, test/support/run-decoder.ts) and compared byte for byte with the input. Prints
 * throughput next to `xz -dc`'s on the same file (process start included; single-threaded); no
 * assertion on time. (The native wasm2c build of the decoder is to be added here by the lead.)
 */
import { describe, it } from 'vitest';
import { machineCode, textWithRuns } from '../support/corpus.ts';
import { expectLargeDecode } from '../support/decoder-checks.ts';
import { compressWithAsync } from '../support/reference-cli.ts';

describe('xzDecode on large inputs', () => {
  for (const [name, make, args] of [
    ['x86 binaries 24 MB, kbuild line', () => machineCode(24 << 20), ['--check=crc32', '--x86', '--lzma2=,dict=32MiB']],
    ['generated text 16 MB, crc64, -6, 4 MiB blocks', () => textWithRuns(16 << 20), ['--check=crc64', '-6', '--block-size=4MiB']],
  ] as [string, () => Buffer, string[]][]) {
    it(name, async () => {
      const data = make();
      await expectLargeDecode({ label: `xz ${name}`, moduleName: 'xz', functionName: 'xzDecode',
        compressed: await compressWithAsync('xz', ['-c', '-T1', ...args], data), expected: data, cli: 'xz', cliArgs: ['-dc', '-T1'] });
    }, 600_000);
  }
});
