/* Benchmark kernel: LZ77 match copy; the same algorithm as lz-copy.ts. */
#include <stdint.h>

uint32_t lz_copy_kernel(const uint8_t *data, uint8_t *output, uint32_t length) {
  uint32_t input_position, output_position = 0;
  uint32_t output_end = length - 80, input_end = length - 16;
  while (output_position < 4096) {
    output[output_position] = data[output_position];
    output_position++;
  }
  input_position = 4096;
  while (output_position < output_end) {
    if (input_position >= input_end) input_position = 0;
    uint32_t command = data[input_position];
    if ((command & 3) == 0) {
      uint32_t count = ((command >> 2) & 7) + 1;
      for (uint32_t i = 0; i < count; i++) output[output_position + i] = data[input_position + 1 + i];
      output_position += count;
      input_position += 9;
    } else {
      uint32_t match_length = ((command >> 2) & 63) + 3;
      uint32_t distance = (data[input_position + 1] | ((data[input_position + 2] & 15u) << 8)) + 1;
      uint32_t from = output_position - distance;
      uint32_t stop = output_position + match_length;
      while (output_position < stop) output[output_position++] = output[from++];
      input_position += 3;
    }
  }
  return output_position ^ ((uint32_t)output[output_position - 1] << 8) ^ ((uint32_t)output[output_position >> 1] << 16) ^
         ((uint32_t)output[output_position >> 2] << 24);
}
