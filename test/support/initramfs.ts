/**
 * @fileoverview A minimal initramfs for kernel boots: busybox and an /init that prints a marker
 * line on the console, optionally runs a few more shell lines, and powers the machine off, so a
 * QEMU run ends by itself right after the kernel reached user space.
 *
 *   buildInitramfs({ marker: 'efistub-initramfs-reached' })            → out/fixtures/initramfs/<hash>.cpio.gz
 *   buildInitramfs({ marker, extraScript: 'cat /proc/cmdline', output })
 *   initScript(options)                                                 the /init text alone
 *   newcArchive(entries)                                                an uncompressed newc cpio
 *
 * The archive is written here, not by cpio(1): the newc format of the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst ("070701", thirteen 8-digit hex
 * fields, the name NUL-terminated and padded to 4 bytes, the data padded to 4, a "TRAILER!!!"
 * entry last), gzip-compressed with node:zlib. Inode numbers are assigned in order and every
 * mtime is 0, so the same options and the same busybox give the same bytes.
 *
 * busybox comes from Debian's busybox-static package (/bin/busybox), which must be statically
 * linked: the initramfs has no dynamic loader or libc.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { projectRoot } from './build-fixture.ts';

export interface InitramfsOptions {
  /** Printed as one line on the console by /init once user space runs. */
  marker: string;
  /** Power the machine off at the end of /init (default true); otherwise /init sleeps forever. */
  poweroff?: boolean;
  /** Shell lines run after the marker, before the power-off (e.g. `cat /proc/cmdline`). */
  extraScript?: string;
  /** Where to write the .cpio.gz; default out/fixtures/initramfs/<hash of the contents>.cpio.gz. */
  output?: string;
}

/** Debian's busybox-static installs here (/bin is /usr/bin on a merged-/usr system). */
export const BUSYBOX_PATH = '/bin/busybox';

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;

export interface CpioEntry {
  /** Path inside the archive, without a leading slash ("bin/busybox"). */
  name: string;
  /** File type and permission bits (S_IFREG | 0o755, …). */
  mode: number;
  /** File contents, or a symlink's target; empty for directories and devices. */
  data?: Uint8Array;
  /** Device numbers of a character or block device node. */
  rdevMajor?: number;
  rdevMinor?: number;
}

/**
 * The applets /init and typical extra scripts call, as symlinks in /bin. `busybox --install -s`
 * at the start of /init adds the others; these make the archive usable before that line runs.
 */
const BIN_APPLETS = ['sh', 'mount', 'mkdir', 'echo', 'cat', 'grep', 'ls', 'sleep', 'uname', 'dmesg', 'poweroff'];

/** Quotes text for the shell as one word, whatever it contains. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The /init script for `options` (busybox sh). */
export function initScript(options: InitramfsOptions): string {
  if (/[\n\r]/.test(options.marker)) throw new Error('initramfs: the marker must be a single line');
  const lines = [
    '#!/bin/busybox sh',
    '# Written by test/support/initramfs.ts.',
    '/bin/busybox --install -s',
    'mkdir -p /proc /sys /dev',
    'mount -t proc proc /proc',
    'mount -t sysfs sysfs /sys',
    // Debian's kernel has CONFIG_DEVTMPFS but mounts it automatically only on a real root
    // (CONFIG_DEVTMPFS_MOUNT does not apply to an initramfs).
    'mount -t devtmpfs devtmpfs /dev',
    // The kernel opened /dev/console (the archive's node) for init's standard streams; reopen it
    // on devtmpfs in case that node was missing.
    'exec </dev/console >/dev/console 2>&1',
    `MARKER=${shellQuote(options.marker)}`,
    'echo "$MARKER"',
  ];
  if (options.extraScript !== undefined && options.extraScript.trim() !== '') {
    lines.push(...options.extraScript.replace(/\r/g, '').split('\n'));
  }
  if (options.poweroff ?? true) {
    // -f: reboot(RB_POWER_OFF) straight away, no init system to ask. The kernel powers off
    // through ACPI (S5), which QEMU's q35 turns into an exit. If that ever fails, say so, then
    // idle instead of returning: init exiting makes the kernel panic.
    lines.push('poweroff -f', 'echo "initramfs: poweroff -f returned"');
  }
  lines.push('while true; do sleep 3600; done', '');
  return lines.join('\n');
}

/** Reads /bin/busybox and checks that it can run without a dynamic loader. */
export function readBusybox(path: string = BUSYBOX_PATH): Buffer {
  if (!existsSync(path)) {
    throw new Error(`initramfs: ${path} is missing: install the Debian package busybox-static ` +
      '(apt-get install busybox-static)');
  }
  const bytes = readFileSync(path);
  if (hasInterpreter(bytes)) {
    throw new Error(`initramfs: ${path} is dynamically linked (the busybox package?): the initramfs ` +
      'needs the Debian package busybox-static');
  }
  return bytes;
}

/** True when a 64-bit ELF has a PT_INTERP program header (needs ld.so), or is not ELF64 at all. */
function hasInterpreter(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return true;
  const programHeaders = Number(elf.readBigUInt64LE(0x20));
  const entrySize = elf.readUInt16LE(0x36);
  const count = elf.readUInt16LE(0x38);
  for (let index = 0; index < count; index++) {
    const at = programHeaders + index * entrySize;
    if (at + 4 > elf.length) return true;
    const PT_INTERP = 3;
    if (elf.readUInt32LE(at) === PT_INTERP) return true;
  }
  return false;
}

/** The entries of the initramfs, directories before their contents. */
export function initramfsEntries(options: InitramfsOptions, busybox: Uint8Array): CpioEntry[] {
  const directory = (name: string): CpioEntry => ({ name, mode: S_IFDIR | 0o755 });
  const symlink = (name: string, target: string): CpioEntry =>
    ({ name, mode: S_IFLNK | 0o777, data: Buffer.from(target) });
  return [
    directory('bin'),
    directory('dev'),
    // c 5 1: /dev/console, opened by the kernel for init's stdin/stdout/stderr before /init runs.
    { name: 'dev/console', mode: S_IFCHR | 0o600, rdevMajor: 5, rdevMinor: 1 },
    directory('proc'),
    directory('sbin'),
    directory('sys'),
    directory('tmp'),
    directory('usr'),
    directory('usr/bin'),
    directory('usr/sbin'),
    { name: 'bin/busybox', mode: S_IFREG | 0o755, data: busybox },
    ...BIN_APPLETS.map((applet) => symlink(`bin/${applet}`, 'busybox')),
    { name: 'init', mode: S_IFREG | 0o755, data: Buffer.from(initScript(options)) },
  ];
}

function align4(length: number): number {
  return (length + 3) & ~3;
}

function hex8(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new Error(`cpio: field out of range: ${value}`);
  return value.toString(16).padStart(8, '0');
}

/**
 * An uncompressed newc ("070701") archive of `entries`, then the TRAILER!!! entry. Inodes are
 * 1, 2, … in order, uid/gid 0, mtime 0, nlink 2 for directories and 1 otherwise.
 */
export function newcArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  const push = (part: Buffer): void => { parts.push(part); size += part.length; };
  const pad = (): void => { if (size % 4 !== 0) push(Buffer.alloc(4 - (size % 4))); };
  const all: CpioEntry[] = [...entries, { name: 'TRAILER!!!', mode: 0 }];
  all.forEach((entry, index) => {
    if (entry.name.startsWith('/') || entry.name === '') throw new Error(`cpio: bad entry name "${entry.name}"`);
    const isTrailer = index === all.length - 1;
    const data = entry.data ?? new Uint8Array(0);
    const name = Buffer.from(`${entry.name}\0`);
    const fields = [
      isTrailer ? 0 : index + 1, // c_ino
      entry.mode, // c_mode
      0, 0, // c_uid, c_gid
      (entry.mode & 0o170000) === S_IFDIR ? 2 : 1, // c_nlink
      0, // c_mtime
      data.length, // c_filesize
      0, 0, // c_devmajor, c_devminor (of the file system holding the file)
      entry.rdevMajor ?? 0, entry.rdevMinor ?? 0, // c_rdevmajor, c_rdevminor
      name.length, // c_namesize, the NUL included
      0, // c_check: only used by the "070702" crc format
    ];
    push(Buffer.from(`070701${fields.map(hex8).join('')}`, 'latin1'));
    push(name);
    pad();
    push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    pad();
  });
  return Buffer.concat(parts, size);
}

/**
 * Writes the gzip-compressed initramfs and returns its path. An existing file with the same
 * bytes is left alone (its mtime too), so callers can key caches on it.
 */
export function buildInitramfs(options: InitramfsOptions): string {
  const archive = newcArchive(initramfsEntries(options, readBusybox()));
  const compressed = gzipSync(archive, { level: 9 });
  const output = resolve(options.output ?? join(projectRoot, 'out', 'fixtures', 'initramfs',
    `${createHash('sha256').update(compressed).digest('hex').slice(0, 16)}.cpio.gz`));
  if (existsSync(output) && readFileSync(output).equals(compressed)) return output;
  mkdirSync(dirname(output), { recursive: true });
  const temporary = `${output}.${process.pid}.tmp`;
  writeFileSync(temporary, compressed);
  renameSync(temporary, output);
  return output;
}

/**
 * The console line /init prints with `marker`: the marker, then its newline or, when a kernel
 * message reached the serial console between the two (seen under load: "efistub-init-…[
 * 2.815730] tsc: Refined TSC clocksource calibration"), that message's timestamp.
 */
export function markerLine(marker: string): RegExp {
  return new RegExp(`${marker}(?:\\n|\\[ *\\d+\\.\\d+\\] )`);
}
