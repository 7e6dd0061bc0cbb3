/* Benchmark kernel: Adler-32, sums reduced once per block; the same algorithm as adler32.ts. */
#include <stdint.h>

#define ADLER_MODULUS 65521u
#define ADLER_BLOCK 3800u

uint32_t adler32_kernel(const uint8_t *data, uint32_t length) {
  uint32_t a = 1, b = 0, i = 0;
  while (i < length) {
    uint32_t end = i + ADLER_BLOCK;
    if (end > length) end = length;
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= ADLER_MODULUS;
    b %= ADLER_MODULUS;
  }
  return (b << 16) | a;
}
