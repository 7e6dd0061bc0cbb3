/** CRC-32 of stub-src/decompress/crc32.ts against Node's zlib.crc32 (an independent implementation). */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { crc32Update } from '../../stub-src/decompress/crc32.ts';
import { zeroLedBlocks } from '../support/corpus.ts';

// zlib.crc32 exists from Node 20.15; compute the reference from a gzip trailer otherwise.
function referenceCrc32(data: Uint8Array): number {
  const gz = zlib.gzipSync(data);
  return gz.readUInt32LE(gz.length - 8);
}

describe('crc32Update', () => {
  it('matches the check value of RFC 3720 / the catalogue ("123456789" → 0xcbf43926)', () => {
    expect(crc32Update(0, new TextEncoder().encode('123456789'), 0, 9)).toBe(0xcbf43926);
  });

  it('agrees with zlib on every length 0..64 and on large random buffers, in one call or in pieces', () => {
    for (let length = 0; length <= 64; length++) {
      const data = randomBytes(length);
      expect(crc32Update(0, data, 0, length), `length ${length}`).toBe(referenceCrc32(data));
    }
    const big = randomBytes(1 << 20);
    const whole = crc32Update(0, big, 0, big.length);
    expect(whole).toBe(referenceCrc32(big));
    let running = 0;
    for (let start = 0; start < big.length; start += 77_777) {
      running = crc32Update(running, big, start, Math.min(big.length, start + 77_777));
    }
    expect(running).toBe(whole);
  });

  it('agrees with zlib on all-zero 128-byte blocks and on blocks zero but for one byte, at every offset', () => {
    const zeroLed = zeroLedBlocks();
    expect(crc32Update(0, zeroLed, 0, zeroLed.length)).toBe(referenceCrc32(zeroLed));
    // from starts across a block: the zero-block test at each alignment, and up to the end
    const mixed = Buffer.concat([randomBytes(3000), zeroLed, Buffer.alloc(5000), randomBytes(200), Buffer.alloc(130)]);
    for (let start = 0; start < 128; start += 9) {
      expect(crc32Update(0, mixed, start, mixed.length), `start ${start}`).toBe(referenceCrc32(mixed.subarray(start)));
    }
    for (let end = mixed.length - 140; end <= mixed.length; end++) {
      expect(crc32Update(0, mixed, 0, end), `end ${end}`).toBe(referenceCrc32(mixed.subarray(0, end)));
    }
  });
});
