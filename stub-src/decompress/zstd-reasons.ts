/**
 * @fileoverview The zstd decoder's reason codes (result.ts range 400–499), their messages and
 * the EFI status each one is reported with.
 *
 * They sit in a module of their own because every part of the decoder (frame and blocks in
 * zstd.ts, FSE tables in zstd-fse.ts, Huffman literals in zstd-huffman.ts, sequences in
 * zstd-sequences.ts) reports them, and zstd.ts imports those parts: keeping the codes here
 * avoids an import cycle. Codes are API (tests assert them): append, never renumber.
 * Section numbers are RFC 8878's.
 */
import { EFI_BUFFER_TOO_SMALL, EFI_COMPROMISED_DATA, EFI_CRC_ERROR, EFI_UNSUPPORTED } from '../efi/status';

/** The input holds no frame at all (the CLI: "unexpected end of file"). */
export const ZSTD_REASON_INPUT_EMPTY = 400;
/** Fewer bytes than the magic number, or than the frame header its descriptor announces (§3.1.1). */
export const ZSTD_REASON_FRAME_HEADER_TRUNCATED = 401;
/** Neither a zstd frame magic (0xFD2FB528) nor a skippable one (0x184D2A5?) (§3.1). */
export const ZSTD_REASON_BAD_MAGIC = 402;
/** Frame_Header_Descriptor bit 3 (reserved) is set (§3.1.1.1.1.5). */
export const ZSTD_REASON_RESERVED_BIT = 403;
/** Window_Log above 31, more than the reference decoder accepts (EFI_UNSUPPORTED). */
export const ZSTD_REASON_WINDOW_TOO_LARGE = 404;
/** A non-zero Dictionary_ID: dictionaries are not implemented (EFI_UNSUPPORTED). */
export const ZSTD_REASON_DICTIONARY = 405;
/** A skippable frame's size runs past the end of the input (§3.1.2). */
export const ZSTD_REASON_SKIPPABLE_TRUNCATED = 406;
/** Fewer than 3 bytes left for a block header (§3.1.1.2). */
export const ZSTD_REASON_BLOCK_HEADER_TRUNCATED = 407;
/** Block_Type 3 (reserved). */
export const ZSTD_REASON_BLOCK_TYPE_RESERVED = 408;
/** Block_Size above Block_Maximum_Size = min(Window_Size, 128 KiB) (§3.1.1.2.3). */
export const ZSTD_REASON_BLOCK_TOO_LARGE = 409;
/** A block's content runs past the end of the input. */
export const ZSTD_REASON_BLOCK_TRUNCATED = 410;
/** The frame announces a Content_Checksum but the input ends first. */
export const ZSTD_REASON_CHECKSUM_TRUNCATED = 411;
/** Content_Checksum differs from the low 32 bits of XXH64 of the frame's output (EFI_CRC_ERROR). */
export const ZSTD_REASON_CHECKSUM_MISMATCH = 412;
/** The frame decoded to a different size than its Frame_Content_Size. */
export const ZSTD_REASON_CONTENT_SIZE_MISMATCH = 413;
/** The output would exceed outputCapacity (EFI_BUFFER_TOO_SMALL). */
export const ZSTD_REASON_OUTPUT_TOO_SMALL = 414;
/** The literals section header runs past the end of the block (§3.1.1.3.1.1). */
export const ZSTD_REASON_LITERALS_HEADER_TRUNCATED = 415;
/** Regenerated_Size above Block_Maximum_Size. */
export const ZSTD_REASON_LITERALS_TOO_LARGE = 416;
/** Literals (raw bytes, RLE byte or Huffman streams) run past the end of the block. */
export const ZSTD_REASON_LITERALS_TRUNCATED = 417;
/** Four literal streams for fewer than 6 literals (RFC 8878 erratum 7297). */
export const ZSTD_REASON_LITERALS_FOUR_STREAMS_TOO_SMALL = 418;
/** Treeless literals (type 3) with no Huffman table from an earlier block of the frame. */
export const ZSTD_REASON_HUFFMAN_TREELESS_WITHOUT_TABLE = 419;
/** The Huffman tree description runs past the literals' compressed size (§4.2.1). */
export const ZSTD_REASON_HUFFMAN_HEADER_TRUNCATED = 420;
/** Huffman weights that describe no valid prefix code (a weight above 11, a zero sum, a gap
 *  that is not a power of two, or an odd number of the shortest codes). */
export const ZSTD_REASON_HUFFMAN_WEIGHTS_INVALID = 421;
/** Max_Number_of_Bits above 11 (§4.2.1). */
export const ZSTD_REASON_HUFFMAN_TABLE_TOO_DEEP = 422;
/** The 4-stream jump table gives stream sizes that do not fit the literals (§3.1.1.3.1.6). */
export const ZSTD_REASON_HUFFMAN_JUMP_TABLE = 423;
/** A backward bit stream is empty or its last byte is 0 (no end mark) (§4.1). */
export const ZSTD_REASON_STREAM_NO_END_MARK = 424;
/** A Huffman stream does not end exactly where its last literal ends. */
export const ZSTD_REASON_HUFFMAN_STREAM_CORRUPT = 425;
/** An FSE table description runs past the end of its section (§4.1.1). */
export const ZSTD_REASON_FSE_TABLE_TRUNCATED = 426;
/** An FSE Accuracy_Log above the limit for its kind (9 literal/match lengths, 8 offsets, 6 Huffman weights). */
export const ZSTD_REASON_FSE_ACCURACY_TOO_LARGE = 427;
/** An FSE table description whose probabilities do not add up, or name too many symbols. */
export const ZSTD_REASON_FSE_TABLE_CORRUPT = 428;
/** The FSE-compressed Huffman weights decode to more than 255 weights. */
export const ZSTD_REASON_HUFFMAN_WEIGHT_STREAM = 429;
/** The sequences section header runs past the end of the block (§3.1.1.3.2.1). */
export const ZSTD_REASON_SEQUENCES_HEADER_TRUNCATED = 430;
/** Reserved bits of Symbol_Compression_Modes are set. */
export const ZSTD_REASON_SEQUENCES_RESERVED_MODE = 431;
/** An RLE-mode symbol beyond the largest literal length, match length or offset code. */
export const ZSTD_REASON_SEQUENCES_RLE_SYMBOL = 432;
/** Repeat mode with no table from an earlier block of the frame. */
export const ZSTD_REASON_SEQUENCES_REPEAT_WITHOUT_TABLE = 433;
/** The sequences bit stream does not end exactly after the last sequence. */
export const ZSTD_REASON_SEQUENCES_STREAM_CORRUPT = 434;
/** A sequence's literal length runs past the block's literals. */
export const ZSTD_REASON_SEQUENCES_LITERALS_OVERRUN = 435;
/** A block would decode to more than Block_Maximum_Size bytes. */
export const ZSTD_REASON_BLOCK_OUTPUT_TOO_LARGE = 436;
/** A repeat offset of 0 (Repeated_Offset1 - 1 with Repeated_Offset1 = 1) (§3.1.2.5). */
export const ZSTD_REASON_OFFSET_ZERO = 437;
/** A match reaches back before the start of its frame's output. */
export const ZSTD_REASON_OFFSET_TOO_FAR = 438;
/** An offset code above 30: an offset of 2 GiB or more, beyond any output here. */
export const ZSTD_REASON_OFFSET_CODE_TOO_LARGE = 439;
/** Bytes after a sequences header that announces no sequences. */
export const ZSTD_REASON_SEQUENCES_TRAILING_BYTES = 440;
/** Frame_Content_Size is larger than what is left of outputCapacity (EFI_BUFFER_TOO_SMALL). */
export const ZSTD_REASON_CONTENT_SIZE_TOO_LARGE = 441;

/** The EFI status a zstd reason is reported with. */
export function zstdReasonStatus(reason: number): number {
  switch (reason) {
    case ZSTD_REASON_WINDOW_TOO_LARGE:
    case ZSTD_REASON_DICTIONARY:
      return EFI_UNSUPPORTED;
    case ZSTD_REASON_CHECKSUM_MISMATCH:
      return EFI_CRC_ERROR;
    case ZSTD_REASON_OUTPUT_TOO_SMALL:
    case ZSTD_REASON_CONTENT_SIZE_TOO_LARGE:
      return EFI_BUFFER_TOO_SMALL;
    default:
      return EFI_COMPROMISED_DATA;
  }
}

/** A short lower-case message for a zstd reason code. */
export function zstdReasonMessage(reason: number): string {
  switch (reason) {
    case ZSTD_REASON_INPUT_EMPTY: return 'no frame in input';
    case ZSTD_REASON_FRAME_HEADER_TRUNCATED: return 'truncated frame header';
    case ZSTD_REASON_BAD_MAGIC: return 'bad frame magic';
    case ZSTD_REASON_RESERVED_BIT: return 'frame header reserved bit set';
    case ZSTD_REASON_WINDOW_TOO_LARGE: return 'window too large';
    case ZSTD_REASON_DICTIONARY: return 'dictionary not supported';
    case ZSTD_REASON_SKIPPABLE_TRUNCATED: return 'truncated skippable frame';
    case ZSTD_REASON_BLOCK_HEADER_TRUNCATED: return 'truncated block header';
    case ZSTD_REASON_BLOCK_TYPE_RESERVED: return 'reserved block type';
    case ZSTD_REASON_BLOCK_TOO_LARGE: return 'block size over maximum';
    case ZSTD_REASON_BLOCK_TRUNCATED: return 'truncated block';
    case ZSTD_REASON_CHECKSUM_TRUNCATED: return 'truncated content checksum';
    case ZSTD_REASON_CHECKSUM_MISMATCH: return 'content checksum mismatch';
    case ZSTD_REASON_CONTENT_SIZE_MISMATCH: return 'frame content size mismatch';
    case ZSTD_REASON_OUTPUT_TOO_SMALL: return 'output buffer too small';
    case ZSTD_REASON_LITERALS_HEADER_TRUNCATED: return 'truncated literals header';
    case ZSTD_REASON_LITERALS_TOO_LARGE: return 'literals size over block maximum';
    case ZSTD_REASON_LITERALS_TRUNCATED: return 'literals past end of block';
    case ZSTD_REASON_LITERALS_FOUR_STREAMS_TOO_SMALL: return 'four literal streams for fewer than 6 literals';
    case ZSTD_REASON_HUFFMAN_TREELESS_WITHOUT_TABLE: return 'treeless literals without a huffman table';
    case ZSTD_REASON_HUFFMAN_HEADER_TRUNCATED: return 'truncated huffman tree description';
    case ZSTD_REASON_HUFFMAN_WEIGHTS_INVALID: return 'invalid huffman weights';
    case ZSTD_REASON_HUFFMAN_TABLE_TOO_DEEP: return 'huffman code longer than 11 bits';
    case ZSTD_REASON_HUFFMAN_JUMP_TABLE: return 'invalid literal stream sizes';
    case ZSTD_REASON_STREAM_NO_END_MARK: return 'bit stream without end mark';
    case ZSTD_REASON_HUFFMAN_STREAM_CORRUPT: return 'corrupt huffman stream';
    case ZSTD_REASON_FSE_TABLE_TRUNCATED: return 'truncated fse table description';
    case ZSTD_REASON_FSE_ACCURACY_TOO_LARGE: return 'fse accuracy log too large';
    case ZSTD_REASON_FSE_TABLE_CORRUPT: return 'corrupt fse table description';
    case ZSTD_REASON_HUFFMAN_WEIGHT_STREAM: return 'too many huffman weights';
    case ZSTD_REASON_SEQUENCES_HEADER_TRUNCATED: return 'truncated sequences header';
    case ZSTD_REASON_SEQUENCES_RESERVED_MODE: return 'sequence compression modes reserved bits set';
    case ZSTD_REASON_SEQUENCES_RLE_SYMBOL: return 'rle sequence symbol out of range';
    case ZSTD_REASON_SEQUENCES_REPEAT_WITHOUT_TABLE: return 'repeat mode without a previous table';
    case ZSTD_REASON_SEQUENCES_STREAM_CORRUPT: return 'corrupt sequences bit stream';
    case ZSTD_REASON_SEQUENCES_LITERALS_OVERRUN: return 'sequence literals past end of literals';
    case ZSTD_REASON_BLOCK_OUTPUT_TOO_LARGE: return 'block output over maximum';
    case ZSTD_REASON_OFFSET_ZERO: return 'repeat offset of zero';
    case ZSTD_REASON_OFFSET_TOO_FAR: return 'offset beyond output start';
    case ZSTD_REASON_OFFSET_CODE_TOO_LARGE: return 'offset code too large';
    case ZSTD_REASON_SEQUENCES_TRAILING_BYTES: return 'bytes after an empty sequences section';
    case ZSTD_REASON_CONTENT_SIZE_TOO_LARGE: return 'frame content size over output capacity';
    default: return 'unknown zstd reason';
  }
}
