/**
 * lz4Decode on a large input (slow tier): 32 MiB of /usr/bin files (test/support/corpus.ts),
 * compressed with kbuild's command line (`lz4 -l -12 --favor-decSpeed`, four 8 MiB legacy
 * blocks, plus the size trailer) and as a default frame (-1, linked 4 MiB blocks with -BD),
 * decoded by the TypeScript decoder in Node (in a worker) and compared byte for byte with the
 * input. Prints the throughput of the TypeScript decoder and of `lz4 -dc` (wall clock, process
 * start-up included); no assertion on time. The native (wasm2c) build of the decoder will be
 * added here by the lead.
 */
import { describe, expect, it } from 'vitest';
import { machineCode } from '../support/corpus.ts';
import { expectLargeDecode } from '../support/decoder-checks.ts';
import { appendSize, compressWithAsync } from '../support/reference-cli.ts';

const SIZE = 32 << 20;

describe('lz4Decode: 32 MiB of /usr/bin', () => {
  const data = machineCode(SIZE);

  for (const [label, args, trailer] of [
    ['kbuild lz4 -l -12 --favor-decSpeed', ['-l', '-12', '--favor-decSpeed'], true],
    ['lz4 -1 -BD', ['-1', '-BD'], false],
  ] as [string, string[], boolean][]) {
    it(`decodes ${label} byte for byte and reports MB/s`, async () => {
      expect(data.length).toBe(SIZE);
      const stream = await compressWithAsync('lz4', [...args, '-c'], data);
      await expectLargeDecode({ label: `lz4 ${label}`, moduleName: 'lz4', functionName: 'lz4Decode',
        compressed: trailer ? appendSize(stream, data.length) : stream, expected: data, cli: 'lz4', cliArgs: ['-dc'],
        cliInput: stream });
    });
  }
});
