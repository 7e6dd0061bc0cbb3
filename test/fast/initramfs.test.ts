/**
 * test/support/initramfs.ts: the archive reads back, with a newc reader written here from the
 * format description (not the writer's code) and with GNU cpio as an independent reader; the
 * entries, modes, device numbers and contents are the ones /init and busybox need, and the same
 * options give the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  BUSYBOX_PATH, buildInitramfs, initScript, newcArchive, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG,
} from '../support/initramfs.ts';

interface ReadEntry {
  name: string;
  ino: number;
  mode: number;
  nlink: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
  data: Buffer;
  /** Offset of the entry's header in the archive. */
  offset: number;
}

/** Reads a newc archive up to TRAILER!!!, checking magic and 4-byte alignment on the way. */
function readNewc(archive: Buffer): { entries: ReadEntry[]; end: number } {
  const entries: ReadEntry[] = [];
  let at = 0;
  for (;;) {
    expect(at % 4, `header alignment at ${at}`).toBe(0);
    const magic = archive.toString('latin1', at, at + 6);
    expect(magic, `magic at ${at}`).toBe('070701');
    const field = (index: number): number => {
      const text = archive.toString('latin1', at + 6 + index * 8, at + 14 + index * 8);
      expect(text, `field ${index} at ${at}`).toMatch(/^[0-9a-f]{8}$/);
      return Number.parseInt(text, 16);
    };
    const nameSize = field(11);
    const fileSize = field(6);
    const nameStart = at + 110;
    expect(archive[nameStart + nameSize - 1], 'name NUL').toBe(0);
    const name = archive.toString('utf8', nameStart, nameStart + nameSize - 1);
    const dataStart = (nameStart + nameSize + 3) & ~3;
    const data = archive.subarray(dataStart, dataStart + fileSize);
    const entry = { name, ino: field(0), mode: field(1), nlink: field(4), mtime: field(5), rdevMajor: field(9),
      rdevMinor: field(10), data, offset: at };
    at = (dataStart + fileSize + 3) & ~3;
    if (name === 'TRAILER!!!') return { entries, end: at };
    entries.push(entry);
  }
}

function spawnWithInput(command: string, args: string[], input: Buffer, cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('initramfs', () => {
  const directory = mkdtempSync(join(tmpdir(), 'efistub-initramfs-'));
  const options = { marker: "efistub-initramfs-marker it's here", extraScript: 'cat /proc/cmdline\ngrep -c la57 /proc/cpuinfo' };
  const path = buildInitramfs({ ...options, output: join(directory, 'initramfs.cpio.gz') });
  const archive = gunzipSync(readFileSync(path));
  const { entries, end } = readNewc(archive);
  const byName = new Map(entries.map((entry) => [entry.name, entry]));

  it('is a gzip-compressed newc archive ending with TRAILER!!! and nothing after it', () => {
    expect(readFileSync(path).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(end).toBe(archive.length);
  });

  it('holds busybox, byte for byte, executable, and the symlinks to it', () => {
    const busybox = byName.get('bin/busybox')!;
    expect(busybox.mode).toBe(S_IFREG | 0o755);
    expect(busybox.data.equals(readFileSync(BUSYBOX_PATH))).toBe(true);
    for (const applet of ['sh', 'mount', 'poweroff', 'cat', 'grep', 'echo']) {
      const link = byName.get(`bin/${applet}`);
      expect(link, applet).toBeDefined();
      expect(link!.mode).toBe(S_IFLNK | 0o777);
      expect(link!.data.toString()).toBe('busybox');
    }
  });

  it('has the directories before their contents, and /dev/console as char device 5:1', () => {
    for (const name of ['bin', 'dev', 'proc', 'sys', 'sbin', 'usr', 'usr/bin', 'usr/sbin']) {
      expect(byName.get(name)?.mode, name).toBe(S_IFDIR | 0o755);
      expect(byName.get(name)?.nlink, name).toBe(2);
    }
    const names = entries.map((entry) => entry.name);
    for (const entry of entries) {
      const parent = entry.name.includes('/') ? entry.name.slice(0, entry.name.lastIndexOf('/')) : undefined;
      if (parent !== undefined) expect(names.indexOf(parent), `${parent} before ${entry.name}`).toBeLessThan(names.indexOf(entry.name));
    }
    const console = byName.get('dev/console')!;
    expect(console.mode).toBe(S_IFCHR | 0o600);
    expect([console.rdevMajor, console.rdevMinor]).toEqual([5, 1]);
    expect(console.data.length).toBe(0);
  });

  it('has an executable /init: busybox sh, mounts, the marker, the extra lines, then poweroff -f', () => {
    const init = byName.get('init')!;
    expect(init.mode).toBe(S_IFREG | 0o755);
    const text = init.data.toString();
    expect(text).toBe(initScript(options));
    expect(text.startsWith('#!/bin/busybox sh\n')).toBe(true);
    expect(text).toContain('mount -t proc proc /proc\n');
    expect(text).toContain('mount -t sysfs sysfs /sys\n');
    expect(text).toContain('mount -t devtmpfs devtmpfs /dev\n');
    expect(text).toContain(`MARKER='efistub-initramfs-marker it'\\''s here'\necho "$MARKER"\n`);
    const order = ['echo "$MARKER"', 'cat /proc/cmdline', 'grep -c la57 /proc/cpuinfo', 'poweroff -f'].map((line) => text.indexOf(line));
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('without poweroff, /init idles instead of exiting (init exiting panics the kernel)', () => {
    const text = initScript({ marker: 'm', poweroff: false });
    expect(text).not.toContain('poweroff');
    expect(text).toMatch(/while true; do sleep 3600; done\n$/);
    expect(() => initScript({ marker: 'two\nlines' })).toThrow(/single line/);
  });

  it('is deterministic: fixed inodes and mtimes, the same bytes for the same options', () => {
    expect(entries.map((entry) => entry.ino)).toEqual(entries.map((_, index) => index + 1));
    expect(entries.every((entry) => entry.mtime === 0)).toBe(true);
    const again = buildInitramfs({ ...options, output: join(directory, 'again.cpio.gz') });
    expect(readFileSync(again).equals(readFileSync(path))).toBe(true);
    expect(buildInitramfs({ marker: 'other', output: join(directory, 'other.cpio.gz') })).toBeTruthy();
    expect(readFileSync(join(directory, 'other.cpio.gz')).equals(readFileSync(path))).toBe(false);
  });

  it('pads names and data to 4 bytes (odd lengths included)', () => {
    const small = newcArchive([{ name: 'a', mode: S_IFREG | 0o644, data: Buffer.from('xyz') }]);
    // 110-byte header + "a\0" = 112, data 3 bytes padded to 4, then the trailer's header.
    expect(small.toString('latin1', 112, 115)).toBe('xyz');
    expect(small[115]).toBe(0);
    expect(small.toString('latin1', 116, 122)).toBe('070701');
    const read = readNewc(small);
    expect(read.entries.map((entry) => [entry.name, entry.data.toString()])).toEqual([['a', 'xyz']]);
    expect(read.end).toBe(small.length);
    expect(() => newcArchive([{ name: '/abs', mode: S_IFREG }])).toThrow(/bad entry name/);
  });

  it('GNU cpio lists the same entries with the same types', async () => {
    const listed = await spawnWithInput('cpio', ['-itv', '--quiet'], archive, directory);
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines.map((line) => line.replace(/ -> .*$/, '').split(/\s+/).pop())).toEqual(entries.map((entry) => entry.name));
    const kinds = lines.map((line) => line[0]);
    expect(kinds).toEqual(entries.map((entry) => ({ [S_IFDIR]: 'd', [S_IFREG]: '-', [S_IFLNK]: 'l', [S_IFCHR]: 'c' })[entry.mode & 0o170000]));
    expect(lines.find((line) => line.endsWith(' bin/sh -> busybox'))).toBeDefined();
  });
});
