/**
 * lzmaDecode on tens of MB (slow tier): x86 binaries from /usr/bin (test/support/corpus.ts)
 * compressed with kbuild's `lzma -9`, decoded by the TypeScript decoder in Node (in a worker) and
 * compared byte for byte with the input. Prints throughput next to `lzma -dc`'s on the same file
 * (process start included); no assertion on time. (The native wasm2c build is to be added here
 * by the lead.)
 */
import { describe, expect, it } from 'vitest';
import { machineCode } from '../support/corpus.ts';
import { expectDecoded, printThroughput } from '../support/decoder-checks.ts';
import { compressWith, timedCliDecode } from '../support/reference-cli.ts';
import { runDecoder } from '../support/run-decoder.ts';

describe('lzmaDecode on large inputs', () => {
  it('x86 binaries 20 MB, lzma -9 (kbuild)', async () => {
    const data = machineCode(20 << 20);
    const compressed = compressWith('lzma', ['-9', '-c'], data);
    const cli = timedCliDecode('lzma', ['-dc'], compressed);
    expect(cli.status).toBe(0);
    expect(cli.output.equals(data)).toBe(true);
    const run = await runDecoder('lzma', 'lzmaDecode', compressed, data.length, 300_000);
    expectDecoded(run, data, 'x86 binaries');
    printThroughput('lzma x86 binaries', { bytes: data.length, compressedBytes: compressed.length,
      decoderMilliseconds: run.milliseconds, cli: 'lzma -dc', cliMilliseconds: cli.milliseconds });
  }, 600_000);
});
