/* Benchmark kernel: an LSB-first bit reader; the same algorithm as bit-reader.ts. */
#include <stdint.h>

uint32_t bit_reader_kernel(const uint8_t *data, uint32_t length) {
  uint32_t bit_buffer = 0, bit_count = 0, position = 0, width = 1, checksum = 0;
  uint32_t end = length - 4;
  while (position < end) {
    while (bit_count <= 24) {
      bit_buffer |= (uint32_t)data[position++] << bit_count;
      bit_count += 8;
    }
    uint32_t value = bit_buffer & ((1u << width) - 1);
    bit_buffer >>= width;
    bit_count -= width;
    checksum = checksum * 31 + value;
    width = (value & 15) + 1;
  }
  return checksum;
}
