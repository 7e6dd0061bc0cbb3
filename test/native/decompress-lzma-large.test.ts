/**
 * lzmaDecode on tens of MB (slow tier): x86 binaries from /usr/bin (test/support/corpus.ts)
 * compressed with kbuild's `lzma -9`, decoded by the TypeScript decoder in Node (in a worker) and
 * compared byte for byte with the input. Prints throughput next to `lzma -dc`'s on the same file
 * (process start included); no assertion on time. (The native wasm2c build is to be added here
 * by the lead.)
 */
import { describe, it } from 'vitest';
import { machineCode } from '../support/corpus.ts';
import { expectLargeDecode } from '../support/decoder-checks.ts';
import { compressWithAsync } from '../support/reference-cli.ts';

describe('lzmaDecode on large inputs', () => {
  it('x86 binaries 20 MB, lzma -9 (kbuild)', async () => {
    const data = machineCode(20 << 20);
    await expectLargeDecode({ label: 'lzma x86 binaries', moduleName: 'lzma', functionName: 'lzmaDecode',
      compressed: await compressWithAsync('lzma', ['-9', '-c'], data), expected: data, cli: 'lzma', cliArgs: ['-dc'] });
  }, 600_000);
});
