/**
 * lzoDecode on a large input (slow tier): 32 MiB of /usr/bin files (test/support/corpus.ts),
 * compressed with kbuild's command line (`lzop -9` on stdin, 128 blocks of 256 KiB, plus the
 * size trailer) and with `lzop -1 --crc32 -C -C`, decoded by the TypeScript decoder in Node (in
 * a worker) and compared byte for byte with the input. Prints the throughput of the TypeScript
 * decoder and of `lzop -dc` (wall clock, process start-up included); no assertion on time. The
 * native (wasm2c) build of the decoder will be added here by the lead.
 */
import { describe, expect, it } from 'vitest';
import { machineCode } from '../support/corpus.ts';
import { expectLargeDecode } from '../support/decoder-checks.ts';
import { appendSize, compressWithAsync } from '../support/reference-cli.ts';

const SIZE = 32 << 20;

describe('lzoDecode: 32 MiB of /usr/bin', () => {
  const data = machineCode(SIZE);

  for (const [label, args, trailer] of [
    ['kbuild lzop -9', ['-9'], true],
    ['lzop -1 --crc32 -C -C', ['-1', '--crc32', '-C', '-C'], false],
  ] as [string, string[], boolean][]) {
    it(`decodes ${label} byte for byte and reports MB/s`, async () => {
      expect(data.length).toBe(SIZE);
      const stream = await compressWithAsync('lzop', [...args, '-c'], data);
      await expectLargeDecode({ label: `lzo ${label}`, moduleName: 'lzo', functionName: 'lzoDecode',
        compressed: trailer ? appendSize(stream, data.length) : stream, expected: data, cli: 'lzop', cliArgs: ['-dc'],
        cliInput: stream });
    });
  }
});
