/**
 * @fileoverview Deterministic test data for the decoder suites: the same seed gives the same
 * bytes on every run, so a failing case reproduces. The decoder tests are differential against
 * the reference CLIs, so what matters is the kind of data (incompressible, text, x86 code, long
 * runs), not its exact bytes.
 *
 *   xorshift32(seed)            a generator of 32-bit values (mutation positions, choices)
 *   pseudoRandom(length, seed)  incompressible bytes
 *   text(length, seed)          English-like words, spaces, full stops and newlines
 *   textWithRuns(length)        words with byte runs of up to 1 KiB mixed in (bzip2's RLE1)
 *   machineCode(length)         x86 code: regular files of /usr/bin in name order
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Marsaglia's xorshift32 (13, 17, 5); a seed of 0 is taken as 1 (0 is a fixed point). */
export function xorshift32(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state;
  };
}

/** `length` pseudo-random bytes: the low byte of each xorshift32 step. */
export function pseudoRandom(length: number, seed: number): Buffer {
  const next = xorshift32(seed);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = next() & 255;
  return out;
}

// The vocabulary of the lzma and xz suites, whose hand-corrupted cases (a flipped last byte that
// must leave the range coder unfinished) were checked against the files this text compresses to.
const WORDS = ['the', 'kernel', 'boot', 'stub', 'decompress', 'payload', 'firmware', 'memory', 'map', 'a',
  'of', 'and', 'range', 'coder', 'literal', 'match', 'distance', 'EFI', 'Linux', '\n', 'x86_64', 'page'];

/** `length` bytes of words from a small vocabulary, about one in five followed by a full stop. */
export function text(length: number, seed: number): Buffer {
  const rnd = pseudoRandom(length, seed);
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < length; i++) {
    const word = WORDS[rnd[i % length] % WORDS.length] + (rnd[(i * 7) % length] % 5 === 0 ? '. ' : ' ');
    parts.push(word);
    size += word.length;
  }
  return Buffer.from(parts.join('')).subarray(0, length);
}

/**
 * `length` bytes of words with, one step in 32, a run of one byte value of 0..1023 bytes: every
 * run length bzip2's first run-length stage (RLE1) can count, and long matches for the LZ coders.
 */
export function textWithRuns(length: number): Buffer {
  const out = Buffer.alloc(length);
  const next = xorshift32(0x9e3779b9);
  const words = ['kernel ', 'stub ', 'boot ', 'memory ', 'page ', 'table ', 'efi ', 'x86 ', '\n'];
  let i = 0;
  while (i < length) {
    const x = next();
    if ((x & 31) === 0) {
      const run = Math.min(length - i, (x >>> 8) & 1023);
      out.fill((x >>> 20) & 255, i, i + run);
      i += run;
    } else {
      i += out.write(words[(x >>> 8) % words.length], i);
    }
  }
  return out;
}

/**
 * The first `length` bytes of the regular files of /usr/bin from 4 KiB to 8 MiB, in name order
 * (x86 code and its data; small files are mostly scripts). Deterministic on one machine. Throws
 * when /usr/bin holds less, rather than hand a test a smaller corpus than its name says.
 */
export function machineCode(length: number): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  for (const name of readdirSync('/usr/bin').sort()) {
    if (size >= length) break;
    const path = join('/usr/bin', name);
    try {
      const stat = statSync(path);
      if (!stat.isFile() || stat.size < 4096 || stat.size > 8 << 20) continue;
      const bytes = readFileSync(path);
      parts.push(bytes);
      size += bytes.length;
    } catch {
      continue; // unreadable: skip
    }
  }
  if (size < length) throw new Error(`machineCode: /usr/bin holds only ${size} bytes of files from 4 KiB to 8 MiB, not ${length}`);
  return Buffer.concat(parts).subarray(0, length);
}

/**
 * 128-byte blocks that are zero but for one byte of 0xa5, at offset 0, 1, ... 127 in turn (the
 * first eight zero in most: the checksums' all-zero test, stub-src/decompress/zero-block.ts, goes
 * on to the other words), and all-zero blocks between them.
 */
export function zeroLedBlocks(): Buffer {
  const blocks: Buffer[] = [];
  for (let at = 0; at < 128; at++) {
    const block = Buffer.alloc(128);
    block[at] = 0xa5;
    blocks.push(block, Buffer.alloc(128 * (at % 3)));
  }
  return Buffer.concat(blocks);
}
