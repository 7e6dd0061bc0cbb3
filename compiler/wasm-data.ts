/**
 * @fileoverview Data segment packing for the wasm2c stage, and the custom section that carries
 * the `@noinline` functions from the porffor stage to it (at the end of this file).
 *
 * porffor writes every string literal and static table as its own active data segment (about
 * 570 in the stub), densely packed from address 16 and a second group from page 1. wasm2c turns
 * each segment into a bounds check and a memcpy in init_memories, about 50 bytes of machine
 * code per segment: 28 KiB of the stub's .text. Segments whose gaps are at most
 * DATA_GAP_LIMIT bytes are merged into one, the gaps written as zeros.
 *
 * That gives the same initial memory exactly when
 *   - every segment is active, for memory 0, at an `i32.const` offset (a computed offset could
 *     place it anywhere): else the module is left as it is;
 *   - no two segments overlap (then a gap is memory no segment writes, which a fresh memory
 *     holds as zeros, and the order segments are applied in does not matter): else left as is;
 *   - no instruction names a segment by index (memory.init, data.drop, whose indices merging
 *     would shift): the code section is searched for their opcodes (0xfc 0x08, 0xfc 0x09). A
 *     match may be inside an immediate (porffor's folded constants make that likely: i32.const
 *     1148 is 0x41 0xfc 0x08), so it is confirmed by the caller's disassembler when one is
 *     given (wasm2c.ts: wasm2wat); a match that is not ruled out leaves the module as it is.
 * The DataCount section, when present, is rewritten with the new count.
 */

/** Largest run of zeros written between two merged segments. */
export const DATA_GAP_LIMIT = 64;

const SECTION_CODE = 10;
const SECTION_DATA = 11;
const SECTION_DATA_COUNT = 12;
const OPCODE_I32_CONST = 0x41;
const OPCODE_END = 0x0b;

/** A section: its id byte at `header`, its content [start, end). */
interface Section { id: number; header: number; start: number; end: number }
interface Segment { offset: number; bytes: Uint8Array }

export interface PackResult {
  wasm: Uint8Array;
  segmentsBefore: number;
  segmentsAfter: number;
  /** Why the module was left unchanged, when it was. */
  unchanged?: string;
}

function readUnsigned(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    if (byte === undefined) throw new Error('truncated LEB128');
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [value, at];
  }
}

function readSigned32(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  let byte = 0;
  do {
    byte = bytes[at++];
    if (byte === undefined) throw new Error('truncated LEB128');
    value |= (byte & 0x7f) << shift;
    shift += 7;
  } while ((byte & 0x80) !== 0 && shift < 35);
  if (shift < 32 && (byte & 0x40) !== 0) value |= -1 << shift;
  return [value | 0, at];
}

function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function signedLeb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function sections(wasm: Uint8Array): Section[] {
  const found: Section[] = [];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = readUnsigned(wasm, at + 1);
    found.push({ id, header: at, start, end: start + size });
    at = start + size;
  }
  return found;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let fill = 0;
  for (const part of parts) {
    out.set(part, fill);
    fill += part.length;
  }
  return out;
}

function section(id: number, content: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([id, ...unsignedLeb(content.length)]), content]);
}

/**
 * The module with its data segments merged where exact (see the file comment).
 * `usesSegmentInstructions`, asked only when the byte search finds a candidate, tells from a
 * real disassembly whether memory.init or data.drop occurs.
 */
export function packDataSegments(wasm: Uint8Array, usesSegmentInstructions?: () => boolean): PackResult {
  const all = sections(wasm);
  const data = all.find((s) => s.id === SECTION_DATA);
  if (!data) return { wasm, segmentsBefore: 0, segmentsAfter: 0, unchanged: 'no data section' };
  let [count, at] = readUnsigned(wasm, data.start);
  const unchanged = (reason: string): PackResult => ({ wasm, segmentsBefore: count, segmentsAfter: count, unchanged: reason });
  const segments: Segment[] = [];
  for (let i = 0; i < count; i++) {
    const [flags, afterFlags] = readUnsigned(wasm, at);
    if (flags !== 0 || wasm[afterFlags] !== OPCODE_I32_CONST) return unchanged(`segment ${i} is not active at a constant offset`);
    const [offset, afterOffset] = readSigned32(wasm, afterFlags + 1);
    if (wasm[afterOffset] !== OPCODE_END) return unchanged(`segment ${i} is not active at a constant offset`);
    const [size, bytesStart] = readUnsigned(wasm, afterOffset + 1);
    segments.push({ offset: offset >>> 0, bytes: wasm.subarray(bytesStart, bytesStart + size) });
    at = bytesStart + size;
  }
  const code = all.find((s) => s.id === SECTION_CODE);
  if (code) {
    for (let p = code.start; p + 1 < code.end; p++) {
      if (wasm[p] === 0xfc && (wasm[p + 1] === 0x08 || wasm[p + 1] === 0x09)) {
        if (!usesSegmentInstructions || usesSegmentInstructions()) return unchanged('the code may use memory.init or data.drop');
        break;
      }
    }
  }

  const sorted = [...segments].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].offset < sorted[i - 1].offset + sorted[i - 1].bytes.length) return unchanged('segments overlap');
  }
  const merged: Segment[] = [];
  for (let i = 0; i < sorted.length;) {
    let end = sorted[i].offset + sorted[i].bytes.length;
    let j = i + 1;
    while (j < sorted.length && sorted[j].offset - end <= DATA_GAP_LIMIT) {
      end = sorted[j].offset + sorted[j].bytes.length;
      j++;
    }
    const bytes = new Uint8Array(end - sorted[i].offset);
    for (let k = i; k < j; k++) bytes.set(sorted[k].bytes, sorted[k].offset - sorted[i].offset);
    merged.push({ offset: sorted[i].offset, bytes });
    i = j;
  }

  const parts: Uint8Array[] = [Uint8Array.from(unsignedLeb(merged.length))];
  for (const segment of merged) {
    parts.push(Uint8Array.from([0, OPCODE_I32_CONST, ...signedLeb(segment.offset | 0), OPCODE_END,
      ...unsignedLeb(segment.bytes.length)]), segment.bytes);
  }
  const out: Uint8Array[] = [wasm.subarray(0, 8)];
  for (const s of all) {
    if (s.id === SECTION_DATA) out.push(section(SECTION_DATA, concat(parts)));
    else if (s.id === SECTION_DATA_COUNT) out.push(section(SECTION_DATA_COUNT, Uint8Array.from(unsignedLeb(merged.length))));
    else out.push(wasm.subarray(s.header, s.end));
  }
  return { wasm: concat(out), segmentsBefore: count, segmentsAfter: merged.length };
}

/**
 * The functions the source keeps out of line (a `@noinline` JSDoc tag: compiler/bundle.ts), and
 * those it has compiled a second time for CPUs with BMI2 (a `@bmi2` tag), by Wasm function index,
 * travel from the porffor stage to the wasm2c stage in custom sections of the module, one a tag:
 * a count, then the indices, each an unsigned LEB128. A custom section changes nothing the module
 * does; wasm-validate and wasm2c pass over it.
 */
export const NOINLINE_SECTION = 'efistub.noinline';
export const BMI2_SECTION = 'efistub.bmi2';
/**
 * Lines after the first of a bundle whose sources mark functions with `@noinline` or `@bmi2`:
 * their names, written by the bundle stage for the porffor stage, which finds them in its output.
 * Defined here, not in bundle.ts, so that the porffor stage's child process does not load
 * TypeScript to read them.
 */
export const NOINLINE_LINE = '// efistub noinline:';
export const BMI2_LINE = '// efistub bmi2:';
const SECTION_CUSTOM = 0;

/** The module with a custom section `name` listing `indices` appended. */
export function appendFunctionListSection(wasm: Uint8Array, name: string, indices: number[]): Uint8Array {
  const encoded = new TextEncoder().encode(name);
  const content = Uint8Array.from([...unsignedLeb(encoded.length), ...encoded, ...unsignedLeb(indices.length),
    ...indices.flatMap((index) => unsignedLeb(index))]);
  return concat([wasm, section(SECTION_CUSTOM, content)]);
}

/** The function indices of the module's custom section `name` (none when it has none). */
export function readFunctionListSection(wasm: Uint8Array, name: string): number[] {
  for (const s of sections(wasm)) {
    if (s.id !== SECTION_CUSTOM) continue;
    const [nameLength, nameStart] = readUnsigned(wasm, s.start);
    if (new TextDecoder().decode(wasm.subarray(nameStart, nameStart + nameLength)) !== name) continue;
    let [count, at] = readUnsigned(wasm, nameStart + nameLength);
    const indices: number[] = [];
    for (; count > 0; count--) {
      const [index, next] = readUnsigned(wasm, at);
      indices.push(index);
      at = next;
    }
    return indices;
  }
  return [];
}

/** The module with a NOINLINE_SECTION listing `indices` appended. */
export function appendNoinlineSection(wasm: Uint8Array, indices: number[]): Uint8Array {
  return appendFunctionListSection(wasm, NOINLINE_SECTION, indices);
}

/** The function indices of the module's NOINLINE_SECTION (none when it has none). */
export function readNoinlineSection(wasm: Uint8Array): number[] {
  return readFunctionListSection(wasm, NOINLINE_SECTION);
}
