/* Benchmark kernel: CRC-32, one table lookup per byte; the same algorithm as crc32.ts. */
#include <stdint.h>

static uint32_t crc_table[256];

void crc32_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
}

uint32_t crc32_kernel(const uint8_t *data, uint32_t length) {
  uint32_t crc = 0xffffffffu;
  for (uint32_t i = 0; i < length; i++) crc = crc_table[(crc ^ data[i]) & 255] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}
