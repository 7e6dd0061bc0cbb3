/** CRC-32 of stub-src/decompress/crc32.ts against Node's zlib.crc32 (an independent implementation). */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { crc32Update } from '../../stub-src/decompress/crc32.ts';

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
});
