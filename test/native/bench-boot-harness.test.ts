/**
 * The boot benchmark (npm run bench:boot, bench/boot.ts) boots QEMU for minutes and stays out of
 * the test run; this keeps its non-booting parts from rotting: option parsing (--recompress for
 * variant (c) included), the median, the ratio lines and the QEMU command line it prints.
 * Importing it must not start a benchmark.
 */
import { describe, expect, it } from 'vitest';
import {
  BOOT_HELP, BOOT_MARKER, DEFAULT_CMDLINE, DEFAULT_RECOMPRESS, describeQemuCommand, median, parseBootBenchArgs,
  ratioLine, shellWord, stubDecompressMs,
} from '../../bench/boot.ts';

describe('bench:boot harness', () => {
  it('parses its options, with defaults, and refuses bad ones with a message', () => {
    expect(DEFAULT_RECOMPRESS).toBe('lz4');
    expect(parseBootBenchArgs([])).toEqual({ runs: 3, timeoutSeconds: 300, cmdline: DEFAULT_CMDLINE, build: true,
      recompress: 'lz4', help: false });
    expect(parseBootBenchArgs(['--runs', '5', '--timeout=60', '--kernel', 'k', '--cmdline', 'console=ttyS0 quiet', '--no-build',
      '--recompress', 'gzip']))
      .toEqual({ runs: 5, timeoutSeconds: 60, kernel: 'k', cmdline: 'console=ttyS0 quiet', build: false, recompress: 'gzip',
        help: false });
    expect(parseBootBenchArgs(['--recompress=zstd'])).toMatchObject({ recompress: 'zstd' });
    expect(parseBootBenchArgs(['--help'])).toMatchObject({ help: true });
    for (const [argv, message] of [
      [['--runs', '0'], /--runs needs a whole number/],
      [['--runs', '1.5'], /--runs needs a whole number/],
      [['--runs'], /got nothing/],
      [['--timeout', '-1'], /--timeout needs a positive number/],
      [['--kernel'], /--kernel needs a file name/],
      [['--cmdline', `console=ttyS0 ${BOOT_MARKER}`], /must not contain the marker/],
      [['--recompress', 'lz5'], /--recompress needs one of gzip, xz, zstd, lz4, lzma, bzip2, lzo, got lz5/],
      [['--recompress'], /--recompress needs one of .*, got nothing/],
      [['--frobnicate'], /unknown argument --frobnicate/],
    ] as [string[], RegExp][]) {
      const parsed = parseBootBenchArgs(argv);
      expect('error' in parsed ? parsed.error : 'no error', argv.join(' ')).toMatch(message);
    }
  });

  it('describes the three variants and --recompress in its help', () => {
    expect(BOOT_HELP).toMatch(/\[--recompress FORMAT\]/);
    expect(BOOT_HELP).toMatch(/\(a\) through the kernel's own EFI stub, \(b\) wrapped by efistub as shipped\s+and \(c\)/);
    expect(BOOT_HELP).toContain('ratios (b)/(a) and (c)/(a)');
  });

  it('prints a ratio of two medians, or n/a when one side has none', () => {
    expect(ratioLine('(b)/(a) efistub/reference', 9.9, 8.5)).toBe('ratio (b)/(a) efistub/reference: 1.165');
    expect(ratioLine('(c)/(a) efistub lz4/reference', 7.2, 8.5)).toBe('ratio (c)/(a) efistub lz4/reference: 0.847');
    expect(ratioLine('(c)/(a) x', Number.NaN, 8.5)).toBe('ratio (c)/(a) x: n/a (a side has no successful run)');
    expect(ratioLine('(b)/(a) x', 9.9, Number.NaN)).toBe('ratio (b)/(a) x: n/a (a side has no successful run)');
  });

  it('takes the median of odd and even counts', () => {
    expect(median([9.5, 8.1, 12])).toBe(9.5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('prints runImage\'s kernel-mode QEMU line, quoted for a shell', () => {
    expect(shellWord('console=ttyS0 panic=-1')).toBe(`'console=ttyS0 panic=-1'`);
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
    expect(shellWord('-m')).toBe('-m');
    const line = describeQemuCommand(['-initrd', '/x/initramfs.cpio.gz', '-append', 'console=ttyS0 panic=-1']);
    expect(line).toMatch(/qemu-system-x86_64 .*-machine q35 .*-kernel '<run>\/kernel\.efi' -initrd \/x\/initramfs\.cpio\.gz -append 'console=ttyS0 panic=-1'$/);
    expect(line).toContain('-no-reboot');
  });
});

describe('the stub\'s decompress time in bench:boot', () => {
  it('is read from the stage log line, and absent when the stub printed none', () => {
    expect(stubDecompressMs('efistub: decompress: xz payload …\nefistub: time: decompress 3012 ms\n[    0.000000] Linux')).toBe(3012);
    expect(stubDecompressMs('[    0.000000] Linux version 6.1.0\n')).toBeUndefined();
  });

  it('adds the stage\'s read and allocate parts to the decode', () => {
    const log = 'efistub: time: setup 9 ms\nefistub: time: decompress-read 17 ms\n' +
      'efistub: decompress: xz payload …\nefistub: time: decompress-allocate 85 ms\n' +
      'efistub: time: decompress 2963 ms\nefistub: time: elf+relocate 119 ms\n';
    expect(stubDecompressMs(log)).toBe(17 + 85 + 2963);
    // The parts alone (the decode failed, so no decode line) are not a stage time.
    expect(stubDecompressMs('efistub: time: decompress-read 17 ms\nefistub: time: decompress-allocate 85 ms\n')).toBeUndefined();
  });
});
