/**
 * Native tier: `efistub esp` writes a GPT disk image with one EFI System Partition holding IMAGE
 * as \EFI\BOOT\BOOTX64.EFI. The disk is checked by this file's own GPT and FAT boot-sector
 * readers (CRC32s recomputed here) and by independent tools: sgdisk -v/-i, fsck.vfat -n on the
 * partition's bytes, and mcopy reading each file back for a byte-for-byte comparison.
 *
 * Properties:
 * - the default disk is FAT32 with a valid cluster count (≥ 65525), --size 16 is a valid FAT16;
 * - IMAGE and every --add file read back identical, at the paths asked for (/ or \, any case);
 * - every refusal (not an EFI application, one reason per check; missing IMAGE; bad --add;
 *   size too small; OUTPUT a device) carries stage 'esp' and its code, and leaves a
 *   pre-existing OUTPUT byte-identical with no temporary file behind;
 * - a tool failing half-way (a fake mcopy) and a missing tool do the same;
 * - --help exits 0 and shows the dd command.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync,
  statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StageFailed } from '../../compiler/diagnostics.ts';
import {
  buildEspImage, ESP_BAD_ADD, ESP_BAD_OUTPUT, ESP_BAD_SIZE, ESP_IMAGE_MISSING, ESP_NOT_EFI_APPLICATION,
  ESP_TOOL_FAILED, ESP_TYPE_GUID, type EspOptions,
} from '../../compiler/esp.ts';
import { TOOL_MISSING } from '../../compiler/tools.ts';
import { projectRoot } from '../support/build-fixture.ts';
import { makeTestPe } from '../support/make-test-pe.ts';

const MIB = 1024 * 1024;
const SECTOR = 512;
const PARTITION_OFFSET = MIB;
/** /usr/sbin holds sgdisk and fsck.vfat; a non-root PATH may lack it. */
const SBIN_PATH = `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`;

let work: string;
let image: string;
let imageI686: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'efistub-esp-'));
  image = makeTestPe({}, mkdtempSync(join(work, 'pe64-')));
  imageI686 = makeTestPe({ target: 'i686' }, mkdtempSync(join(work, 'pe32-')));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

// --- independent readers ---------------------------------------------------------------------

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as GPT uses it (UEFI 2.10 §5.3.2: the ISO 3309 / zlib polynomial). */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A GUID's on-disk bytes (first three fields little-endian), as text. */
function guidText(bytes: Buffer): string {
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = [...bytes.subarray(from, to)];
    return (reverse ? part.reverse() : part).map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-').toUpperCase();
}

function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    expect(readSync(fd, buffer, 0, length, offset)).toBe(length);
    return buffer;
  } finally {
    closeSync(fd);
  }
}

interface GptHeader {
  myLba: bigint;
  alternateLba: bigint;
  firstUsable: bigint;
  lastUsable: bigint;
  entriesLba: bigint;
  entries: Buffer;
}

/** Reads and checks one GPT header (UEFI 2.10 §5.3.2, Table 5.5) and its entry array. */
function readGptHeader(disk: string, lba: number): GptHeader {
  const header = readAt(disk, lba * SECTOR, SECTOR);
  expect(header.subarray(0, 8).toString('latin1')).toBe('EFI PART');
  expect(header.readUInt32LE(8)).toBe(0x00010000);
  const size = header.readUInt32LE(12);
  expect(size).toBe(92);
  const stored = header.readUInt32LE(16);
  const zeroed = Buffer.from(header.subarray(0, size));
  zeroed.writeUInt32LE(0, 16);
  expect(crc32(zeroed), 'header CRC32').toBe(stored);
  const entriesLba = header.readBigUInt64LE(72);
  const count = header.readUInt32LE(80);
  const entrySize = header.readUInt32LE(84);
  expect(entrySize).toBe(128);
  const entries = readAt(disk, Number(entriesLba) * SECTOR, count * entrySize);
  expect(crc32(entries), 'partition entry array CRC32').toBe(header.readUInt32LE(88));
  return {
    myLba: header.readBigUInt64LE(24), alternateLba: header.readBigUInt64LE(32),
    firstUsable: header.readBigUInt64LE(40), lastUsable: header.readBigUInt64LE(48), entriesLba, entries,
  };
}

/** Checks the protective MBR, both GPT headers and the single ESP entry; returns its LBA range. */
function checkGpt(disk: string): { first: number; last: number } {
  const sectors = statSync(disk).size / SECTOR;
  const mbr = readAt(disk, 0, SECTOR);
  expect(mbr.readUInt16LE(510)).toBe(0xaa55);
  expect(mbr[446 + 4], 'protective MBR partition type').toBe(0xee);

  const primary = readGptHeader(disk, 1);
  expect(primary.myLba).toBe(1n);
  expect(primary.alternateLba).toBe(BigInt(sectors - 1));
  const backup = readGptHeader(disk, sectors - 1);
  expect(backup.myLba).toBe(BigInt(sectors - 1));
  expect(backup.alternateLba).toBe(1n);
  expect(backup.entries.equals(primary.entries), 'backup entries equal the primary ones').toBe(true);

  const entry = primary.entries.subarray(0, 128);
  expect(guidText(entry.subarray(0, 16))).toBe(ESP_TYPE_GUID);
  const first = Number(entry.readBigUInt64LE(32));
  const last = Number(entry.readBigUInt64LE(40));
  expect(first).toBe(PARTITION_OFFSET / SECTOR);
  expect(BigInt(last)).toBeLessThanOrEqual(primary.lastUsable);
  expect(BigInt(first)).toBeGreaterThanOrEqual(primary.firstUsable);
  // One partition: every other entry is unused (type GUID zero).
  for (let index = 1; index < primary.entries.length / 128; index++) {
    expect(primary.entries.subarray(index * 128, index * 128 + 16).every((b) => b === 0), `entry ${index + 1}`).toBe(true);
  }
  return { first, last };
}

interface FatInfo {
  type: 'FAT16' | 'FAT32';
  clusters: number;
  totalSectors: number;
  hiddenSectors: number;
}

/** The FAT boot sector's BPB (Microsoft FAT specification, "Boot Sector and BPB"). */
function readFat(disk: string): FatInfo {
  const boot = readAt(disk, PARTITION_OFFSET, SECTOR);
  expect(boot.readUInt16LE(510)).toBe(0xaa55);
  const bytesPerSector = boot.readUInt16LE(0x0b);
  expect(bytesPerSector).toBe(SECTOR);
  const sectorsPerCluster = boot[0x0d];
  const reserved = boot.readUInt16LE(0x0e);
  const fats = boot[0x10];
  const rootEntries = boot.readUInt16LE(0x11);
  const totalSectors = boot.readUInt16LE(0x13) || boot.readUInt32LE(0x20);
  const fatSize = boot.readUInt16LE(0x16) || boot.readUInt32LE(0x24);
  const rootSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  const clusters = Math.floor((totalSectors - reserved - fats * fatSize - rootSectors) / sectorsPerCluster);
  const label = boot.readUInt16LE(0x16) === 0 ? boot.subarray(0x52, 0x5a) : boot.subarray(0x36, 0x3e);
  return { type: label.toString('latin1').trim() as FatInfo['type'], clusters, totalSectors, hiddenSectors: boot.readUInt32LE(0x1c) };
}

/** fsck.vfat -n (read-only) on a copy of the partition's bytes: dosfstools' own opinion. */
function fsckPartition(disk: string, first: number, last: number): void {
  const copy = join(work, `partition-${randomBytes(4).toString('hex')}.img`);
  writeFileSync(copy, readAt(disk, first * SECTOR, (last - first + 1) * SECTOR));
  try {
    execFileSync('fsck.vfat', ['-n', copy], { env: { ...process.env, PATH: SBIN_PATH }, stdio: 'pipe' });
  } finally {
    rmSync(copy, { force: true });
  }
}

/** A file read back from the ESP with mtools. */
function readBack(disk: string, inside: string): Buffer {
  return execFileSync('mcopy', ['-n', '-i', `${disk}@@${PARTITION_OFFSET}`, `::${inside}`, '-'],
    { maxBuffer: 256 * MIB });
}

// --- running the verb -------------------------------------------------------------------------

interface CliRun { status: number | null; stdout: string; stderr: string }

/**
 * Runs cliEsp in a child Node, as bin/efistub.js runs a verb (tsx registered), without blocking
 * the test worker; `path` replaces PATH (to hide or fake a tool).
 */
function runEsp(args: string[], path?: string): Promise<CliRun> {
  const script = "import { register } from 'tsx/esm/api'; register();" +
    'const { cliEsp } = await import(process.argv[1]); process.exitCode = await cliEsp(process.argv.slice(2));';
  const env = path === undefined ? process.env : { ...process.env, PATH: path };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, join(projectRoot, 'compiler', 'esp.ts'), ...args],
      { cwd: projectRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A fresh directory holding an OUTPUT that already exists, with known bytes. */
function existingOutput(): { directory: string; output: string; before: Buffer } {
  const directory = mkdtempSync(join(work, 'out-'));
  const output = join(directory, 'disk.img');
  const before = randomBytes(4096);
  writeFileSync(output, before);
  return { directory, output, before };
}

/** OUTPUT kept its bytes and nothing else (a temporary disk) was left beside it. */
function expectUntouched(state: { directory: string; output: string; before: Buffer }): void {
  expect(readFileSync(state.output).equals(state.before), 'existing output unchanged').toBe(true);
  expect(readdirSync(state.directory)).toEqual(['disk.img']);
}

async function refusal(options: Omit<EspOptions, 'output'>, output: string): Promise<StageFailed> {
  try {
    await buildEspImage({ ...options, output });
  } catch (error) {
    if (error instanceof StageFailed) return error;
    throw error;
  }
  throw new Error('buildEspImage did not refuse');
}

// --- tests -------------------------------------------------------------------------------------

describe('efistub esp: the disk', () => {
  it('writes a 40 MiB GPT disk whose ESP is FAT32 and holds IMAGE as \\EFI\\BOOT\\BOOTX64.EFI', async () => {
    const output = join(mkdtempSync(join(work, 'default-')), 'disk.img');
    const run = await runEsp(['--image', image, '-o', output]);
    expect(run.stderr).toContain('efistub: esp: disk 40 MiB, GPT, partition 1 at 1 MiB: 38 MiB FAT32\n');
    expect(run.stdout).toBe(`${output}\n`);
    expect(run.status).toBe(0);
    expect(statSync(output).size).toBe(40 * MIB);

    const { first, last } = checkGpt(output);
    expect((last + 1) * SECTOR).toBe(39 * MIB);
    const fat = readFat(output);
    expect(fat.type).toBe('FAT32');
    expect(fat.clusters).toBeGreaterThanOrEqual(65525);
    expect(fat.totalSectors).toBe(last - first + 1);
    expect(fat.hiddenSectors).toBe(first);
    fsckPartition(output, first, last);

    const sgdisk = execFileSync('sgdisk', ['-v', '-i', '1', output], { encoding: 'utf8', env: { ...process.env, PATH: SBIN_PATH } });
    expect(sgdisk).toContain(`Partition GUID code: ${ESP_TYPE_GUID} (EFI system partition)`);
    expect(sgdisk).toContain('No problems found');

    expect(readBack(output, '/EFI/BOOT/BOOTX64.EFI').equals(readFileSync(image))).toBe(true);
  });

  it('copies --add files byte for byte, at / or \\ paths, nested directories created once', async () => {
    const directory = mkdtempSync(join(work, 'add-'));
    const binary = join(directory, 'initrd.img');
    writeFileSync(binary, randomBytes(3 * MIB + 123));
    const text = join(directory, 'entry.conf');
    writeFileSync(text, 'title efistub\nlinux /EFI/Linux/vmlinuz\n');
    const empty = join(directory, 'empty');
    writeFileSync(empty, '');
    const output = join(directory, 'disk.img');
    const run = await runEsp(['--image', image, '-o', output,
      '--add', `EFI/Linux/initrd.img=${binary}`,
      '--add', `\\loader\\entries\\efistub.conf=${text}`,
      '--add', `/EFI/Linux/empty=${empty}`,
      '--add', `extra.efi=${image}`]);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.status).toBe(0);
    checkGpt(output);
    expect(readBack(output, '/EFI/BOOT/BOOTX64.EFI').equals(readFileSync(image))).toBe(true);
    expect(readBack(output, '/EFI/Linux/initrd.img').equals(readFileSync(binary))).toBe(true);
    expect(readBack(output, '/loader/entries/efistub.conf').equals(readFileSync(text))).toBe(true);
    expect(readBack(output, '/EFI/Linux/empty').length).toBe(0);
    expect(readBack(output, '/extra.efi').equals(readFileSync(image))).toBe(true);
    // The long names keep their case.
    const listing = execFileSync('mdir', ['-b', '-i', `${output}@@${PARTITION_OFFSET}`, '::/EFI/Linux'], { encoding: 'utf8' });
    expect(listing).toContain('::/EFI/Linux/initrd.img');
  });

  it('--size 16 makes a valid FAT16; --size 35 is the smallest FAT32', async () => {
    const directory = mkdtempSync(join(work, 'size-'));
    const small = await buildEspImage({ image, output: join(directory, 'fat16.img'), sizeMiB: 16 });
    expect(statSync(small).size).toBe(16 * MIB);
    const { first, last } = checkGpt(small);
    const fat16 = readFat(small);
    expect(fat16.type).toBe('FAT16');
    expect(fat16.clusters).toBeGreaterThanOrEqual(4085);
    expect(fat16.clusters).toBeLessThan(65525);
    fsckPartition(small, first, last);
    expect(readBack(small, '/EFI/BOOT/BOOTX64.EFI').equals(readFileSync(image))).toBe(true);

    const edge = await buildEspImage({ image, output: join(directory, 'fat32.img'), sizeMiB: 35 });
    const fat32 = readFat(edge);
    expect(fat32.type).toBe('FAT32');
    expect(fat32.clusters).toBeGreaterThanOrEqual(65525);
    const range = checkGpt(edge);
    fsckPartition(edge, range.first, range.last);
    const below = await buildEspImage({ image, output: join(directory, 'fat16-34.img'), sizeMiB: 34 });
    expect(readFat(below).type).toBe('FAT16');
  });

  it('grows the default size with the files: content plus 8 MiB of free room', async () => {
    const directory = mkdtempSync(join(work, 'grow-'));
    const big = join(directory, 'big.bin');
    const bytes = randomBytes(48 * MIB);
    writeFileSync(big, bytes);
    const output = await buildEspImage({ image, output: join(directory, 'disk.img'), files: { 'EFI/Linux/big.bin': big } });
    const size = statSync(output).size / MIB;
    expect(size).toBeGreaterThanOrEqual(48 + 8);
    expect(size).toBeLessThanOrEqual(48 + 8 + 8);
    expect(readFat(output).type).toBe('FAT32');
    expect(readBack(output, '/EFI/Linux/big.bin').equals(bytes)).toBe(true);
  });
});

describe('efistub esp: refusals leave an existing OUTPUT untouched', () => {
  it('a file that is not PE: ES1002 [esp], exit 1', async () => {
    const state = existingOutput();
    const notPe = join(state.directory, '..', `not-pe-${randomBytes(3).toString('hex')}.efi`);
    writeFileSync(notPe, 'this is text, not an EFI application\n'.repeat(10));
    const run = await runEsp(['--image', notPe, '-o', state.output]);
    expect(run.stderr).toContain(`${notPe}: error ES${ESP_NOT_EFI_APPLICATION}: not a PE/COFF image: no MZ signature at offset 0 [esp]`);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(1);
    expectUntouched(state);
  });

  it('each EFI application check has its own reason', async () => {
    const state = existingOutput();
    const pe64 = readFileSync(image);
    const peOffset = pe64.readUInt32LE(0x3c);
    const variant = (name: string, edit: (bytes: Buffer) => void, from: Buffer = pe64): string => {
      const bytes = Buffer.from(from);
      edit(bytes);
      const path = join(work, `${name}-${randomBytes(3).toString('hex')}.efi`);
      writeFileSync(path, bytes);
      return path;
    };
    const cases: Array<[string, RegExp]> = [
      [variant('no-pe-signature', (b) => b.write('XX', peOffset, 'latin1')), /no PE\\0\\0 signature at 0x/],
      [variant('pe-offset-outside', (b) => b.writeUInt32LE(0x7fffff00, 0x3c)), /PE header offset 0x7fffff00 lies outside the file/],
      [imageI686, /machine 0x14c, not x86-64 \(0x8664\)/],
      [variant('pe32-magic', (b) => b.writeUInt16LE(0x8664, b.readUInt32LE(0x3c) + 4), readFileSync(imageI686)),
        /optional header magic 0x10b, not PE32\+ \(0x20b\)/],
      [variant('console-subsystem', (b) => b.writeUInt16LE(3, peOffset + 24 + 68)), /subsystem 3, not an EFI application \(10\)/],
      [variant('empty', (b) => b.fill(0)), /no MZ signature/],
    ];
    for (const [path, reason] of cases) {
      const failed = await refusal({ image: path }, state.output);
      expect(failed.diagnostics).toHaveLength(1);
      expect(failed.diagnostics[0]).toMatchObject({ stage: 'esp', code: ESP_NOT_EFI_APPLICATION, file: path });
      expect(failed.diagnostics[0].message, path).toMatch(reason);
    }
    expectUntouched(state);
  });

  it('a missing IMAGE: ES1001', async () => {
    const state = existingOutput();
    const run = await runEsp(['--image', join(work, 'no-such.efi'), '-o', state.output]);
    expect(run.stderr).toContain(`error ES${ESP_IMAGE_MISSING}: image not found [esp]`);
    expect(run.status).toBe(1);
    expectUntouched(state);
  });

  it('bad --add specs: ES1003, one reason each', async () => {
    const state = existingOutput();
    const cases: Array<[string, RegExp]> = [
      ['no-equals-sign', /--add takes ESP_PATH=HOST_FILE/],
      [`=${image}`, /--add takes ESP_PATH=HOST_FILE/],
      ['EFI/x.efi=', /--add takes ESP_PATH=HOST_FILE/],
      [`EFI/x.efi=${join(work, 'missing-file')}`, /file for EFI\/x.efi not found/],
      [`EFI/x.efi=${work}`, /is not a regular file/],
      [`../x.efi=${image}`, /'\.\.' is not allowed/],
      [`EFI/a:b=${image}`, /character FAT names cannot hold/],
      [`EFI/dot.=${image}`, /ends with a dot or a space/],
      [`EFI/caf\u00e9=${image}`, /other than printable ASCII/],
      [`efi\\boot\\bootx64.efi=${image}`, /same FAT path as \\EFI\\BOOT\\BOOTX64.EFI \(IMAGE\)/],
      [`EFI/BOOT=${image}`, /EFI\/BOOT is a file, but EFI\/BOOT\/BOOTX64.EFI needs EFI\/BOOT as a directory/],
    ];
    for (const [spec, reason] of cases) {
      const run = await runEsp(['--image', image, '-o', state.output, '--add', spec]);
      expect(run.stderr, spec).toMatch(new RegExp(`error ES${ESP_BAD_ADD}: .*${reason.source}.* \\[esp\\]`));
      expect(run.status, spec).toBe(1);
    }
    const twice = await refusal({ image, files: { 'EFI/Linux/a': image, 'efi/linux/A': image } }, state.output);
    expect(twice.diagnostics[0]).toMatchObject({ code: ESP_BAD_ADD });
    expect(twice.diagnostics[0].message).toContain('FAT names ignore case');
    expectUntouched(state);
  });

  it('a size too small for the files, or below 16 MiB: ES1004', async () => {
    const state = existingOutput();
    const big = join(work, 'twenty-mib.bin');
    writeFileSync(big, Buffer.alloc(20 * MIB, 0x5a));
    const tooSmall = await refusal({ image, sizeMiB: 16, files: { 'big.bin': big } }, state.output);
    expect(tooSmall.diagnostics[0]).toMatchObject({ stage: 'esp', code: ESP_BAD_SIZE });
    expect(tooSmall.diagnostics[0].message).toMatch(/--size 16 MiB is too small: the files need about \d+ MiB/);
    const run = await runEsp(['--image', image, '-o', state.output, '--size', '15']);
    expect(run.stderr).toContain(`error ES${ESP_BAD_SIZE}: --size 15: give a whole number of MiB from 16`);
    expect(run.status).toBe(1);
    expectUntouched(state);
  });

  it('an OUTPUT that is a device, in a missing directory, or an input: ES1006', async () => {
    const device = await refusal({ image }, '/dev/null');
    expect(device.diagnostics[0]).toMatchObject({ stage: 'esp', code: ESP_BAD_OUTPUT });
    expect(device.diagnostics[0].message).toContain('dd if=FILE of=/dev/null');
    const missing = await refusal({ image }, join(work, 'no-such-directory', 'disk.img'));
    expect(missing.diagnostics[0]).toMatchObject({ code: ESP_BAD_OUTPUT });
    expect(missing.diagnostics[0].message).toMatch(/directory .*no-such-directory does not exist/);
    const copy = join(mkdtempSync(join(work, 'same-')), 'stub.efi');
    writeFileSync(copy, readFileSync(image));
    const same = await refusal({ image: copy }, copy);
    expect(same.diagnostics[0]).toMatchObject({ code: ESP_BAD_OUTPUT });
    expect(same.diagnostics[0].message).toContain('is also an input');
    expect(readFileSync(copy).equals(readFileSync(image))).toBe(true);
  });

  it('a tool failing half-way (mcopy, after sgdisk and mkfs.vfat wrote the disk): ES1007', async () => {
    const state = existingOutput();
    const fakeBin = mkdtempSync(join(work, 'fake-bin-'));
    const fake = join(fakeBin, 'mcopy');
    writeFileSync(fake, '#!/bin/sh\necho "mcopy: simulated write error" >&2\nexit 1\n');
    chmodSync(fake, 0o755);
    const run = await runEsp(['--image', image, '-o', state.output], `${fakeBin}:${process.env.PATH ?? ''}`);
    expect(run.stderr).toContain('38 MiB FAT32');
    expect(run.stderr).toMatch(new RegExp(`error ES${ESP_TOOL_FAILED}: mcopy \\(.*\\) failed:\\n  mcopy: simulated write error`));
    expect(run.status).toBe(1);
    expectUntouched(state);
  });

  it('a missing tool names its Debian package (ES801, as compiler/tools.ts)', async () => {
    const state = existingOutput();
    const emptyBin = mkdtempSync(join(work, 'empty-bin-'));
    // sgdisk and mkfs.vfat are still found in /usr/sbin; mmd (/usr/bin) is not.
    const run = await runEsp(['--image', image, '-o', state.output], emptyBin);
    expect(run.stderr).toContain(`mmd: error ES${TOOL_MISSING}: mmd not found: install Debian package 'mtools'`);
    expect(run.status).toBe(1);
    expectUntouched(state);
  });
});

describe('efistub esp: usage', () => {
  it('--help exits 0, describes the verb and shows the dd command', async () => {
    const run = await runEsp(['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: efistub esp --image IMAGE -o DISK/);
    expect(run.stdout).toContain('dd if=DISK of=/dev/sdX bs=4M conv=fsync');
    expect(run.stdout).toContain(ESP_TYPE_GUID);
  });

  it('bad usage exits 2 and writes nothing', async () => {
    const directory = mkdtempSync(join(work, 'usage-'));
    mkdirSync(join(directory, 'sub'));
    for (const args of [
      ['-o', join(directory, 'disk.img')],
      ['--image', image],
      ['--image', image, '-o', join(directory, 'disk.img'), '--size', '40M'],
      ['--image', image, '-o', join(directory, 'disk.img'), '--frobnicate'],
      ['--image', image, '-o', join(directory, 'disk.img'), 'stray'],
    ]) {
      const run = await runEsp(args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('(see efistub esp --help)');
    }
    expect(readdirSync(directory)).toEqual(['sub']);
  });
});
