// Benchmark kernel: LZ77 match copy as inflate and the LZ4/LZO decoders do it. Commands come
// from the input: a literal run (1..8 bytes copied from the input) or a match (length 3..66,
// distance 1..4096 back, overlapping copies byte by byte). The output is `length` bytes;
// the checksum samples it. Same algorithm as lz-copy.c.

export function lzCopyKernel(data: Uint8Array, output: Uint8Array, length: number): number {
  let inputPosition = 0;
  let outputPosition = 0;
  const outputEnd = (length - 80) | 0;
  const inputEnd = (length - 16) | 0;
  // The first 4 KiB are literals, so every match distance lands inside the output.
  while (outputPosition < 4096) {
    output[outputPosition] = data[outputPosition];
    outputPosition = (outputPosition + 1) | 0;
  }
  inputPosition = 4096;
  while (outputPosition < outputEnd) {
    if (inputPosition >= inputEnd) inputPosition = 0;
    const command = data[inputPosition];
    if ((command & 3) === 0) {
      const count = ((command >> 2) & 7) + 1;
      for (let i = 0; i < count; i++) {
        output[(outputPosition + i) | 0] = data[(inputPosition + 1 + i) | 0];
      }
      outputPosition = (outputPosition + count) | 0;
      inputPosition = (inputPosition + 9) | 0;
    } else {
      const matchLength = ((command >> 2) & 63) + 3;
      const distance = (data[(inputPosition + 1) | 0] | ((data[(inputPosition + 2) | 0] & 15) << 8)) + 1;
      let from = (outputPosition - distance) | 0;
      const stop = (outputPosition + matchLength) | 0;
      while (outputPosition < stop) {
        output[outputPosition] = output[from];
        outputPosition = (outputPosition + 1) | 0;
        from = (from + 1) | 0;
      }
      inputPosition = (inputPosition + 3) | 0;
    }
  }
  return (outputPosition ^ (output[(outputPosition - 1) | 0] << 8) ^ (output[outputPosition >> 1] << 16) ^
    (output[outputPosition >> 2] << 24)) | 0;
}
