// Benchmark kernel: an LSB-first bit reader as inflate uses one: a 32-bit bit buffer refilled a
// byte at a time, fields of 1..16 bits whose widths come from the previous field (so the loop
// cannot be vectorised away), folded into a checksum. Same algorithm as bit-reader.c.

export function bitReaderKernel(data: Uint8Array, length: number): number {
  let bitBuffer = 0;
  let bitCount = 0;
  let position = 0;
  let width = 1;
  let checksum = 0;
  const end = (length - 4) | 0;
  while (position < end) {
    while (bitCount <= 24) {
      bitBuffer = bitBuffer | (data[position] << bitCount);
      position = (position + 1) | 0;
      bitCount = (bitCount + 8) | 0;
    }
    const value = bitBuffer & ((1 << width) - 1);
    bitBuffer = bitBuffer >>> width;
    bitCount = (bitCount - width) | 0;
    checksum = (checksum * 31 + value) | 0;
    width = (value & 15) + 1;
  }
  return checksum;
}
