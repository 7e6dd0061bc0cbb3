/**
 * The decoder benchmark (npm run bench -- decoders, bench/decoders.ts) runs on a 66 MB kernel and
 * stays out of the test run; this keeps its machinery from rotting: on 1 MiB of x86 code, one
 * repetition, three formats, every column (the efistub tool, the reference CLI, the kernel's own
 * preboot decoders built from linux-source-6.1, TypeScript and Wasm in Node) decodes kbuild's
 * payload and its output hashes to the input; --instructions' counts under valgrind are taken; and
 * a decode of the wrong bytes is caught in every column. No timing is asserted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  compressedCacheKey, DECODER_COLUMNS, DECODER_FORMATS, formatHeader, formatInstructionsRow, formatRow, KERNEL_PREBOOT_CFLAGS,
  runDecoderBench,
  type DecoderRow,
} from '../../bench/decoders.ts';

const FORMATS = ['gzip', 'xz', 'lz4'];
const SIZE = 1 << 20;

/** Real x86 code, as a kernel is: the start of the largest program the test machines have. */
function machineCode(): Buffer {
  for (const file of ['/usr/bin/qemu-system-x86_64', '/usr/bin/wasm2c', '/usr/bin/ld.lld']) {
    if (existsSync(file)) {
      const bytes = readFileSync(file);
      if (bytes.length >= SIZE) return bytes.subarray(0, SIZE);
    }
  }
  throw new Error('no program of 1 MiB found for the bench input');
}

describe('decoder bench harness', () => {
  let rows: DecoderRow[];
  let workDir: string;
  const lines: string[] = [];
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'efistub-bench-decoders-'));
    const vmlinux = join(workDir, 'vmlinux');
    writeFileSync(vmlinux, machineCode());
    rows = await runDecoderBench({ vmlinux, workDir, formats: FORMATS, repetitions: 1, columns: DECODER_COLUMNS,
      progress: (line) => lines.push(line), instructions: true });
  });

  it('measures every column of every format, each decode verified against the input', () => {
    expect(rows.map((row) => row.format)).toEqual(FORMATS);
    for (const row of rows) {
      expect(row.outputBytes).toBe(SIZE);
      expect(row.compressedBytes).toBeGreaterThan(0);
      for (const column of DECODER_COLUMNS) {
        const measurement = row.columns[column];
        expect(measurement?.failure, `${row.format} ${column}`).toBeUndefined();
        expect(measurement?.seconds, `${row.format} ${column}`).toBeGreaterThan(0);
      }
      expect(row.catSeconds).toBeGreaterThan(0);
    }
  });

  it('compiles the kernel\'s decoders with misc.c\'s flags: no SSE register in their code', () => {
    for (const format of DECODER_FORMATS) {
      const object = join(workDir, 'kernel-objects', `${format.name}.o`);
      const code = spawnSync('objdump', ['-d', '--no-show-raw-insn', object], { encoding: 'utf8' }).stdout;
      expect(code, object).toMatch(/<kernel_decode_\w+>:/);
      expect(code.match(/%[xy]mm\d+/g), format.name).toBeNull();
    }
    expect(KERNEL_PREBOOT_CFLAGS).toEqual(expect.arrayContaining(['-mno-sse', '-mno-mmx', '-fno-jump-tables', '-mno-red-zone']));
  });

  it('with --instructions, counts one efistub and one kernel decode call under valgrind, output verified', () => {
    for (const row of rows) {
      const { efistub, kernel } = row.instructions ?? {};
      // A decode of 1 MiB executes at least one instruction per output byte and far fewer than 1000.
      for (const [name, count] of [['efistub', efistub], ['kernel', kernel]] as const) {
        expect(typeof count, `${row.format} ${name}: ${count}`).toBe('number');
        expect(count as number).toBeGreaterThan(SIZE);
        expect(count as number).toBeLessThan(1000 * SIZE);
      }
      expect(formatInstructionsRow(row)).toMatch(new RegExp(`^\\| ${row.format} \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+× \\|$`));
    }
  });

  it('prints one table line per format with both ratios, and the kernel ratio of each repetition\'s pair', () => {
    const header = formatHeader(DECODER_COLUMNS);
    expect(header[0]).toContain('efistub/CLI');
    expect(header[0]).toContain('efistub/kernel');
    expect(header[0]).toContain('efistub/kernel per pair');
    expect(header[0].split('|').length).toBe(header[1].split('|').length);
    for (const row of rows) {
      // One repetition: one pair, whose ratio is the best times' ratio.
      expect(row.kernelPairs).toHaveLength(1);
      const line = formatRow(row, DECODER_COLUMNS);
      expect(line).toMatch(new RegExp(`^\\| ${row.format} \\|.*\\| [0-9.]+× \\| ([0-9.]+×) \\| \\1 \\| [0-9.]+ \\|$`));
      expect(line.split('|').length).toBe(header[0].split('|').length);
    }
    // Four pairs or more: the median, then the quartiles.
    const pairs: DecoderRow = { ...rows[0], kernelPairs: [0.9, 1.3, 1.0, 1.1, 1.2] };
    expect(formatRow(pairs, DECODER_COLUMNS)).toContain('| 1.10× (1.00–1.20) |');
  });
});

describe('decoder bench verification', () => {
  it('a payload that decodes to other bytes than the input is reported WRONG OUTPUT in every column', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'efistub-bench-decoders-wrong-'));
    const vmlinux = join(workDir, 'vmlinux');
    const data = machineCode();
    writeFileSync(vmlinux, data);
    // A cached lz4 input for this vmlinux whose content is the same size of other bytes.
    const other = Buffer.from(data.map((byte) => byte ^ 0x5a));
    const lz4 = DECODER_FORMATS.find((format) => format.name === 'lz4')!;
    const compressed = execFileSync(lz4.compress[0], lz4.compress.slice(1), { input: other, maxBuffer: 1 << 26 });
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32LE(other.length);
    writeFileSync(join(workDir, `vmlinux${lz4.suffix}`), compressed);
    writeFileSync(join(workDir, 'vmlinux.lz4.payload'), Buffer.concat([compressed, trailer]));
    writeFileSync(join(workDir, 'vmlinux.lz4.key'),
      compressedCacheKey(lz4, createHash('sha256').update(data).digest('hex')));
    const [row] = await runDecoderBench({ vmlinux, workDir, formats: ['lz4'], repetitions: 1, columns: DECODER_COLUMNS,
      progress: () => {} });
    for (const column of DECODER_COLUMNS) {
      expect(row.columns[column]?.failure, column).toMatch(/^WRONG OUTPUT/);
      expect(row.columns[column]?.seconds, column).toBeUndefined();
    }
  });
});
