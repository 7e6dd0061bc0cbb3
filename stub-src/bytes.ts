/**
 * @fileoverview Little-endian 16- and 32-bit fields in byte arrays on the heap: the setup
 * header, vmlinux's ELF headers, boot_params and the tables the stub builds for the kernel.
 * 32-bit reads are unsigned (`>>> 0`); writes store the low bits of the value.
 */

export function bytesRead16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[(offset + 1) | 0] << 8)) & 0xffff;
}

export function bytesRead32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[(offset + 1) | 0] << 8) | (bytes[(offset + 2) | 0] << 16) |
    (bytes[(offset + 3) | 0] << 24)) >>> 0;
}

export function bytesWrite16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[(offset + 1) | 0] = (value >>> 8) & 0xff;
}

export function bytesWrite32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[(offset + 1) | 0] = (value >>> 8) & 0xff;
  bytes[(offset + 2) | 0] = (value >>> 16) & 0xff;
  bytes[(offset + 3) | 0] = value >>> 24;
}
