/**
 * @fileoverview The x86 BCJ filter's decoder (xz filter ID 0x04, .xz format §5.3.3), applied in
 * place to data LZMA2 has already written to the output.
 *
 * The encoder turned the rel32 operand of each E8 (call) / E9 (jmp) it judged to be a real
 * branch into an absolute address (operand + position of the next instruction), which
 * compresses better; decoding subtracts the position again. Whether an E8/E9 byte is taken as
 * a branch depends on the operand's top byte (0x00 or 0xFF: a near target) and on a small
 * history of the E8/E9 bytes seen in the previous few positions (`mask`): an E8/E9 within the
 * last 3 bytes that was not converted makes the guess unreliable, and the encoder and decoder
 * must make the same guess. The history bits, one per byte position back from the current one
 * (bit 1 = one byte back ... bit 3 = three back; bit 0 / bit 4 are set for the byte itself and
 * say "E8/E9 seen" / "its top byte looked like a branch target"), are shifted as positions
 * pass, and the filter's state between calls is that mask plus the position of the last E8/E9.
 *
 * When the decoded operand's top byte still looks like a branch target at the byte position a
 * pending E8/E9 would have covered, the encoder had converted twice; the loop undoes that by
 * flipping the low bits below the covered byte (the `xor` table) and subtracting again.
 *
 * State across calls: bcjX86Decode may be called on consecutive pieces of one block; it returns
 * how many bytes it finished, and the caller passes the unfinished tail (at most 4 bytes) again
 * at the start of the next piece. At the end of the block the tail stays as it is.
 */
import { uint32Below } from '../efi/address';

const BCJ_X86_STATE_MASK = 0;
const BCJ_X86_STATE_LAST_MARKER = 1;
const BCJ_X86_STATE_POSITION = 2;
const bcjX86State = new Int32Array(new ArrayBuffer(16));

// Indexed by (mask >> 1) & 7, the history of the three previous positions.
const bcjX86Allowed = new Uint8Array(new ArrayBuffer(8));
const bcjX86CoveredByte = new Uint8Array(new ArrayBuffer(8));
// Bits below the byte an earlier E8/E9 operand would cover: xor masks for covered byte 1..3.
const bcjX86FlipMask = new Int32Array(new ArrayBuffer(16));

function buildBcjX86Tables(): void {
  // History 0, 1, 2 or 4 (one E8/E9 at most, or one at 3 bytes back) allows a conversion.
  for (let i = 0; i < 8; i++) {
    bcjX86Allowed[i] = i === 0 || i === 1 || i === 2 || i === 4 ? 1 : 0;
    // Highest set history bit + 1 = how many bytes of the operand an earlier E8/E9 overlaps.
    bcjX86CoveredByte[i] = i === 0 ? 0 : i === 1 ? 1 : i < 4 ? 2 : 3;
  }
  bcjX86FlipMask[0] = 0;
  bcjX86FlipMask[1] = 0xffffff;
  bcjX86FlipMask[2] = 0xffff;
  bcjX86FlipMask[3] = 0xff;
}
buildBcjX86Tables();

/** Starts a new filter instance; `startOffset` is the filter's start offset property (often 0). */
export function bcjX86Reset(startOffset: number): void {
  bcjX86State[BCJ_X86_STATE_MASK] = 0;
  bcjX86State[BCJ_X86_STATE_POSITION] = startOffset | 0;
  bcjX86State[BCJ_X86_STATE_LAST_MARKER] = (startOffset - 5) | 0;
}

/**
 * Decodes buffer[start, end) in place, continuing the stream bcjX86Reset started. Returns the
 * number of bytes finished (from start); the rest (fewer than 5 bytes when end - start >= 5)
 * must be given again, followed by more data, or left as it is at the end of the stream.
 */
export function bcjX86Decode(buffer: Uint8Array, start: number, end: number): number {
  if (((end - start) | 0) < 5) {
    return 0;
  }
  let mask = bcjX86State[BCJ_X86_STATE_MASK];
  let lastMarker = bcjX86State[BCJ_X86_STATE_LAST_MARKER];
  const basePosition = (bcjX86State[BCJ_X86_STATE_POSITION] - start) | 0; // stream position of buffer[0]
  const limit = (end - 5) | 0;
  let i = start;
  const wordLimit = (limit - 3) | 0;
  while (i <= limit) {
    // Four bytes at once while none is E8/E9 (most of them): in (word & 0xFEFEFEFE) ^ 0xE8E8E8E8
    // exactly those bytes are zero, and (x - 0x01010101) & ~x & 0x80808080 is non-zero exactly
    // when x has a zero byte. Skipping such bytes changes no state (only E8/E9 bytes do).
    if (i <= wordLimit) {
      const x = ((buffer[i] | (buffer[(i + 1) | 0] << 8) | (buffer[(i + 2) | 0] << 16) | (buffer[(i + 3) | 0] << 24)) &
        0xfefefefe) ^ 0xe8e8e8e8;
      if ((((x - 0x01010101) | 0) & ~x & 0x80808080) === 0) {
        i = (i + 4) | 0;
        continue;
      }
    }
    if ((buffer[i] & 0xfe) !== 0xe8) {
      i = (i + 1) | 0;
      continue;
    }
    const position = (basePosition + i) | 0;
    const gap = (position - lastMarker) | 0;
    lastMarker = position;
    if (uint32Below(5, gap)) {
      mask = 0;
    } else {
      for (let k = 0; k < gap; k++) {
        mask = (mask & 0x77) << 1;
      }
    }
    const top = buffer[(i + 4) | 0];
    const topIsNear = top === 0 || top === 0xff;
    if (topIsNear && bcjX86Allowed[(mask >> 1) & 7] !== 0 && (mask >> 1) < 0x10) {
      let value = buffer[(i + 1) | 0] | (buffer[(i + 2) | 0] << 8) | (buffer[(i + 3) | 0] << 16) | (top << 24);
      const next = (position + 5) | 0;
      let target = (value - next) | 0;
      if (mask !== 0) {
        const covered = bcjX86CoveredByte[(mask >> 1) & 7];
        const shift = (24 - (covered << 3)) | 0;
        // At most a few rounds: each one needs the covered byte to be 0x00 or 0xFF again.
        for (let round = 0; round < 4; round++) {
          const coveredByte = (target >>> shift) & 0xff;
          if (coveredByte !== 0 && coveredByte !== 0xff) {
            break;
          }
          value = target ^ bcjX86FlipMask[covered];
          target = (value - next) | 0;
        }
      }
      // The top byte is sign-extended from bit 24, as the encoder wrote it.
      buffer[(i + 4) | 0] = ((target >> 24) & 1) !== 0 ? 0xff : 0;
      buffer[(i + 3) | 0] = (target >>> 16) & 0xff;
      buffer[(i + 2) | 0] = (target >>> 8) & 0xff;
      buffer[(i + 1) | 0] = target & 0xff;
      i = (i + 5) | 0;
      mask = 0;
    } else {
      i = (i + 1) | 0;
      mask = mask | 1;
      if (topIsNear) {
        mask = mask | 0x10;
      }
    }
  }
  bcjX86State[BCJ_X86_STATE_MASK] = mask;
  bcjX86State[BCJ_X86_STATE_LAST_MARKER] = lastMarker;
  bcjX86State[BCJ_X86_STATE_POSITION] = (basePosition + i) | 0;
  return (i - start) | 0;
}
