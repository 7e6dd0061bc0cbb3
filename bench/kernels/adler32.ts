// Benchmark kernel: Adler-32 (RFC 1950), sums reduced once per 5552 bytes (zlib's NMAX: the
// largest run whose sums stay below 2^32; here they stay below 2^31, so signed i32 is exact).
// Same algorithm as adler32.c.

const ADLER_MODULUS = 65521;
const ADLER_BLOCK = 3800; // below zlib's 5552 so that b stays under 2^31 (signed i32)

export function adler32Kernel(data: Uint8Array, length: number): number {
  let a = 1;
  let b = 0;
  let i = 0;
  while (i < length) {
    let end = (i + ADLER_BLOCK) | 0;
    if (end > length) end = length;
    for (; i < end; i++) {
      a = (a + data[i]) | 0;
      b = (b + a) | 0;
    }
    a = a % ADLER_MODULUS;
    b = b % ADLER_MODULUS;
  }
  return (b << 16) | a;
}
