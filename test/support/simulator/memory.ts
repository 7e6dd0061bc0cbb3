/**
 * @fileoverview Simulated physical memory: one Buffer mapped at physical address 0.
 *
 * Addresses are plain numbers (the simulated machine has far less than 2^53 bytes); the host
 * boundary's (lo, hi) halves are joined with joinAddress. Any access outside the buffer throws
 * a SimulatorFault: on real hardware it would read garbage or fault, and in a test it is a bug
 * that should stop the run with the address in the message.
 */

export class SimulatorFault extends Error {
  constructor(message: string) {
    super(`simulator: ${message}`);
    this.name = 'SimulatorFault';
  }
}

export const PAGE_SIZE = 4096;

export function joinAddress(lo: number, hi: number): number {
  return (hi >>> 0) * 0x1_0000_0000 + (lo >>> 0);
}

export function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}

export class PhysicalMemory {
  readonly bytes: Buffer;

  constructor(readonly size: number) {
    this.bytes = Buffer.alloc(size);
  }

  contains(address: number, length: number): boolean {
    return Number.isSafeInteger(address) && address >= 0 && length >= 0 && address + length <= this.size;
  }

  check(address: number, length: number, what: string): void {
    if (!this.contains(address, length)) {
      throw new SimulatorFault(`${what} of ${length} bytes at ${hex(address)} is outside physical memory (${hex(this.size)} bytes)`);
    }
  }

  read8(address: number): number {
    this.check(address, 1, 'read');
    return this.bytes[address];
  }
  read16(address: number): number {
    this.check(address, 2, 'read');
    return this.bytes.readUInt16LE(address);
  }
  read32(address: number): number {
    this.check(address, 4, 'read');
    return this.bytes.readUInt32LE(address);
  }
  read64(address: number): bigint {
    this.check(address, 8, 'read');
    return this.bytes.readBigUInt64LE(address);
  }
  write8(address: number, value: number): void {
    this.check(address, 1, 'write');
    this.bytes[address] = value & 0xff;
  }
  write16(address: number, value: number): void {
    this.check(address, 2, 'write');
    this.bytes.writeUInt16LE(value & 0xffff, address);
  }
  write32(address: number, value: number): void {
    this.check(address, 4, 'write');
    this.bytes.writeUInt32LE(value >>> 0, address);
  }
  write64(address: number, value: bigint | number): void {
    this.check(address, 8, 'write');
    this.bytes.writeBigUInt64LE(BigInt.asUintN(64, BigInt(value)), address);
  }
  writeBytes(address: number, data: Uint8Array): void {
    this.check(address, data.length, 'write');
    this.bytes.set(data, address);
  }
  readBytes(address: number, length: number): Buffer {
    this.check(address, length, 'read');
    return Buffer.from(this.bytes.subarray(address, address + length));
  }
  /** A NUL-terminated UCS-2 string (at most `maxCharacters`). */
  readUcs2(address: number, maxCharacters = 4096): string {
    let text = '';
    for (let i = 0; i < maxCharacters; i++) {
      const unit = this.read16(address + 2 * i);
      if (unit === 0) return text;
      text += String.fromCharCode(unit);
    }
    throw new SimulatorFault(`UCS-2 string at ${hex(address)} has no terminator within ${maxCharacters} characters`);
  }
  /** Writes `text` as UCS-2 with its terminator; returns the bytes written. */
  writeUcs2(address: number, text: string): number {
    for (let i = 0; i < text.length; i++) this.write16(address + 2 * i, text.charCodeAt(i));
    this.write16(address + 2 * text.length, 0);
    return 2 * text.length + 2;
  }
}
