// Benchmark kernel: CRC-32 (IEEE 802.3, reflected, polynomial 0xedb88320), one table lookup per
// byte, as gzip's and the kernel's byte-wise loops do. Same algorithm as crc32.c.

const crcTable = new Uint32Array(new ArrayBuffer(1024));
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  crcTable[n] = c;
}

export function crc32Kernel(data: Uint8Array, length: number): number {
  let crc = -1;
  for (let i = 0; i < length; i++) crc = crcTable[(crc ^ data[i]) & 255] ^ (crc >>> 8);
  return crc ^ -1;
}
