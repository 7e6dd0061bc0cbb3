/**
 * @fileoverview `efistub esp`: writes a raw GPT disk image holding one EFI System Partition with
 * IMAGE as \EFI\BOOT\BOOTX64.EFI (the removable-media default loader, UEFI 2.10 §3.5.1.1) and any
 * extra files: the artefact a user writes to a USB stick with dd to boot test hardware.
 *
 * What it owns: refusing an IMAGE that firmware would not start (not a PE32+ x86-64 EFI
 * application), checking --add paths against FAT's rules, choosing the disk size and the FAT
 * type, running the Debian tools that write the disk, and replacing OUTPUT only on success.
 *
 * Layout (all offsets in 512-byte sectors, the only sector size written here):
 * - LBA 0 protective MBR, LBA 1–33 primary GPT, LBA 34–2047 unused: the partition starts at
 *   1 MiB, the alignment today's partitioning tools use (flash erase blocks, 4 KiB sectors).
 * - Partition 1, type C12A7328-F81F-11D2-BA4B-00A0C93EC93B (UEFI 2.10 §5.3.3, "GPT Partition
 *   Entry Array", the EFI System Partition type), from 1 MiB to the last whole MiB before the
 *   final one.
 * - The last MiB holds the backup GPT (its last 33 sectors) and is otherwise unused, so the
 *   partition is a whole number of MiB.
 *
 * FAT type: UEFI 2.10 §13.3.1.1 ("File System Format") names FAT32 for a system partition and
 * FAT12/16 for removable media; the type is decided by the cluster count alone (Microsoft FAT specification,
 * "FAT Type Determination": FAT32 from 65525 clusters, FAT16 from 4085). Measured with
 * mkfs.fat 4.2 (Debian bookworm), 512-byte sectors: `-F 32` on a 33 MiB partition makes 512-byte
 * clusters and 66 000+ clusters, a valid FAT32; on 32 MiB it warns that it made fewer than 65525
 * (an invalid FAT32 that firmware reads as FAT16). `-F 16` picks 2 KiB clusters for small
 * volumes and refuses below 9 MiB ("too small"). Hence: FAT32 from a 33 MiB partition (a 35 MiB
 * disk), FAT16 below, and no disk under 16 MiB (a 14 MiB FAT16 partition, ~7000 clusters).
 * The default size is at least 40 MiB, so an ESP made without --size is always FAT32.
 *
 * Tools (run through compiler/tools.ts): sgdisk (gdisk) writes the GPT; mkfs.vfat (dosfstools)
 * formats the partition in place with --offset; mmd and mcopy (mtools) reach the partition
 * through their `-i FILE@@OFFSET` syntax. sgdisk and mkfs.vfat live in /usr/sbin, which is not
 * on a Debian user's PATH, so that directory is searched too.
 *
 * The disk is written to a sparse temporary file beside OUTPUT, flushed, then renamed onto
 * OUTPUT: a refusal or a failing tool leaves an existing OUTPUT untouched. OUTPUT must be a
 * regular file (or not exist): a block device is refused, so `-o /dev/sdX` cannot replace the
 * device node; the help text shows the dd command instead.
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync, closeSync, constants as fsConstants, existsSync, fsyncSync, ftruncateSync, openSync, readSync,
  renameSync, rmSync, statSync,
} from 'node:fs';
import { parseArgs } from 'node:util';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { formatDiagnostic, StageFailed, type Diagnostic } from './diagnostics.ts';
import {
  COFF_HEADER_SIZE, COFF_MACHINE, COFF_SIZE_OF_OPTIONAL_HEADER, DOS_E_LFANEW_OFFSET, IMAGE_DOS_SIGNATURE,
  IMAGE_FILE_MACHINE_AMD64, IMAGE_NT_OPTIONAL_HDR64_MAGIC, IMAGE_NT_SIGNATURE, IMAGE_SUBSYSTEM_EFI_APPLICATION,
  OPT_MAGIC, OPT_SUBSYSTEM,
} from './pe-format.ts';
import { runTool, TOOL_MISSING } from './tools.ts';

const STAGE = 'esp' as const;

/** IMAGE does not exist or is not a regular file. */
export const ESP_IMAGE_MISSING = 1001;
/** IMAGE is not a PE32+ x86-64 EFI application (the message says which check failed). */
export const ESP_NOT_EFI_APPLICATION = 1002;
/** An --add entry: no '=', a path FAT cannot hold, a clash with another path, a missing file. */
export const ESP_BAD_ADD = 1003;
/** --size below the minimum, above the maximum, or too small for the files. */
export const ESP_BAD_SIZE = 1004;
/** A file larger than FAT's limit of 4 GiB − 1 byte. */
export const ESP_FILE_TOO_LARGE = 1005;
/** OUTPUT is a directory or a device, its directory does not exist, or it is one of the inputs. */
export const ESP_BAD_OUTPUT = 1006;
/** sgdisk, mkfs.vfat, mmd or mcopy failed (its last lines of output are in the message). */
export const ESP_TOOL_FAILED = 1007;
/** Creating, flushing or renaming the temporary disk file failed. */
export const ESP_WRITE_FAILED = 1008;

/** UEFI 2.10 §5.3.3, "Defined GPT Partition Entry - Partition Type GUIDs": EFI System Partition. */
export const ESP_TYPE_GUID = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
/** Where removable-media boot looks for an x64 loader (UEFI 2.10 §3.5.1.1, Table 3.6). */
export const DEFAULT_LOADER_PATH = 'EFI/BOOT/BOOTX64.EFI';

const MIB = 1024 * 1024;
const SECTOR = 512;
/** The partition starts at 1 MiB; the last MiB of the disk holds the backup GPT. */
export const PARTITION_OFFSET = MIB;
/** Smallest partition mkfs.fat makes into a valid FAT32 with 512-byte sectors (see overview). */
export const FAT32_MIN_PARTITION_MIB = 33;
/** The default disk is at least this big, so it is FAT32. */
export const DEFAULT_MIN_DISK_MIB = 40;
/** Free room the default size leaves beyond the files, for a later copy of a bigger stub. */
export const DEFAULT_SLACK_MIB = 8;
/** Below this mkfs.fat cannot make a valid FAT16 with its default cluster size. */
export const MIN_DISK_MIB = 16;
/** 2 TiB: FAT32 with 512-byte sectors cannot address more (32-bit sector count). */
export const MAX_DISK_MIB = 2 * 1024 * 1024 - 1;
/** FAT's directory entry holds a 32-bit file size. */
const FAT_MAX_FILE_BYTES = 0xffffffff;
/** FAT32 needs 4 bytes per cluster in each of two FATs: 8/512 per 512-byte cluster; 1/32 is ample. */
const FAT_OVERHEAD_DIVISOR = 32;
/** Per file and directory, the space estimate rounds up to the largest cluster mkfs picks here. */
const ESTIMATE_CLUSTER = 4096;

const PACKAGE_OF: Record<string, string> = {
  sgdisk: 'gdisk',
  'mkfs.vfat': 'dosfstools',
  mmd: 'mtools',
  mcopy: 'mtools',
};

export interface EspOptions {
  /** The EFI application that becomes \EFI\BOOT\BOOTX64.EFI. */
  image: string;
  /** The disk image to write (replaced only on success). */
  output: string;
  /** Disk size in MiB; default: the files + DEFAULT_SLACK_MIB + 2 MiB, at least DEFAULT_MIN_DISK_MIB. */
  sizeMiB?: number;
  /** Extra files: path inside the ESP (`EFI/Linux/x.efi`, `\loader\a.conf`) → path on the host. */
  files?: Record<string, string>;
  /** Receives one line per step, `efistub: esp: …`. */
  progress?: (line: string) => void;
}

/** The sizes and FAT type planLayout chose. */
export interface EspLayout {
  diskMiB: number;
  partitionMiB: number;
  fat: 16 | 32;
}

function diagnostic(code: number, file: string, message: string): Diagnostic {
  return { stage: STAGE, code, file, line: 0, column: 0, message };
}

function refuse(code: number, file: string, message: string): StageFailed {
  return new StageFailed([diagnostic(code, file, message)]);
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

/**
 * Checks that `bytes` is what firmware starts as BOOTX64.EFI: MZ, PE\0\0, machine x86-64,
 * PE32+ optional header, subsystem EFI application. One reason per check; undefined when fine.
 */
export function checkEfiApplication(bytes: Uint8Array, file: string): Diagnostic | undefined {
  const fail = (message: string): Diagnostic => diagnostic(ESP_NOT_EFI_APPLICATION, file, message);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 0x40 || view.getUint16(0, true) !== IMAGE_DOS_SIGNATURE) {
    return fail('not a PE/COFF image: no MZ signature at offset 0');
  }
  const peOffset = view.getUint32(DOS_E_LFANEW_OFFSET, true);
  const coffOffset = peOffset + 4;
  if (coffOffset + COFF_HEADER_SIZE > bytes.length) {
    return fail(`not a PE/COFF image: PE header offset ${hex(peOffset)} lies outside the file (${bytes.length} bytes)`);
  }
  if (view.getUint32(peOffset, true) !== IMAGE_NT_SIGNATURE) {
    return fail(`not a PE/COFF image: no PE\\0\\0 signature at ${hex(peOffset)} (an MZ-only DOS program?)`);
  }
  const machine = view.getUint16(coffOffset + COFF_MACHINE, true);
  if (machine !== IMAGE_FILE_MACHINE_AMD64) {
    return fail(`machine ${hex(machine)}, not x86-64 (${hex(IMAGE_FILE_MACHINE_AMD64)}): BOOTX64.EFI must be an x64 image`);
  }
  const optionalOffset = coffOffset + COFF_HEADER_SIZE;
  const optionalSize = view.getUint16(coffOffset + COFF_SIZE_OF_OPTIONAL_HEADER, true);
  if (optionalSize < OPT_SUBSYSTEM + 2 || optionalOffset + OPT_SUBSYSTEM + 2 > bytes.length) {
    return fail(`optional header too short (${optionalSize} bytes, file ${bytes.length} bytes) to hold the subsystem`);
  }
  const magic = view.getUint16(optionalOffset + OPT_MAGIC, true);
  if (magic !== IMAGE_NT_OPTIONAL_HDR64_MAGIC) {
    return fail(`optional header magic ${hex(magic)}, not PE32+ (${hex(IMAGE_NT_OPTIONAL_HDR64_MAGIC)})`);
  }
  const subsystem = view.getUint16(optionalOffset + OPT_SUBSYSTEM, true);
  if (subsystem !== IMAGE_SUBSYSTEM_EFI_APPLICATION) {
    return fail(`subsystem ${subsystem}, not an EFI application (${IMAGE_SUBSYSTEM_EFI_APPLICATION})`);
  }
  return undefined;
}

/** Characters a FAT long name cannot hold (Microsoft FAT specification, "Long Directory Entries"). */
const FAT_FORBIDDEN = /[\\/:*?"<>|]/;

/**
 * Splits an ESP path (`EFI/Linux/a.efi`, `\EFI\Linux\a.efi`, `/EFI/…`) into its components, or
 * returns why FAT cannot hold it. Printable ASCII only: the EFI paths firmware and loaders use,
 * and no dependence on mtools' code page.
 */
export function splitEspPath(path: string): string[] | string {
  const parts = path.split(/[\\/]+/).filter((part) => part !== '');
  if (parts.length === 0) return 'the path inside the ESP is empty';
  for (const part of parts) {
    if (part === '.' || part === '..') return `'${part}' is not allowed in a path inside the ESP`;
    if (!/^[\x20-\x7e]+$/.test(part)) return `'${part}' holds a character other than printable ASCII`;
    if (FAT_FORBIDDEN.test(part)) {
      return `'${part}' holds a character FAT names cannot hold (one of \\ / : * ? " < > |)`;
    }
    // Windows and mtools strip a trailing dot or space, so the name would not be the one asked for.
    if (/[. ]$/.test(part)) return `'${part}' ends with a dot or a space, which FAT drops`;
    if (part.length > 255) return `'${part.slice(0, 16)}…' is longer than FAT's 255 characters`;
  }
  return parts;
}

/** `ESP_PATH=HOST_FILE` as given to --add; the first '=' separates. */
export function parseAddSpec(spec: string): { espPath: string; hostFile: string } | Diagnostic {
  const equals = spec.indexOf('=');
  if (equals <= 0 || equals === spec.length - 1) {
    return diagnostic(ESP_BAD_ADD, spec,
      `--add takes ESP_PATH=HOST_FILE (e.g. EFI/Linux/initrd.img=out/initrd.img), got '${spec}'`);
  }
  return { espPath: spec.slice(0, equals), hostFile: spec.slice(equals + 1) };
}

/** A file to place: its components inside the ESP and its source on the host. */
interface Placement {
  parts: string[];
  source: string;
  bytes: number;
}

/** Validates the extra files against each other and the loader path; FAT names compare case-insensitively. */
function planFiles(image: string, imageBytes: number, files: Record<string, string>): Placement[] {
  const placements: Placement[] = [{ parts: DEFAULT_LOADER_PATH.split('/'), source: image, bytes: imageBytes }];
  const loaderName = `\\${DEFAULT_LOADER_PATH.replace(/\//g, '\\')} (IMAGE)`;
  const filePaths = new Map<string, string>([[DEFAULT_LOADER_PATH.toUpperCase(), loaderName]]);
  for (const [espPath, hostFile] of Object.entries(files)) {
    const parts = splitEspPath(espPath);
    if (typeof parts === 'string') throw refuse(ESP_BAD_ADD, espPath, parts);
    const key = parts.join('/').toUpperCase();
    const clash = filePaths.get(key);
    if (clash !== undefined) {
      throw refuse(ESP_BAD_ADD, espPath, `${espPath} is the same FAT path as ${clash} (FAT names ignore case)`);
    }
    let stats;
    try {
      stats = statSync(hostFile);
    } catch {
      throw refuse(ESP_BAD_ADD, hostFile, `file for ${espPath} not found`);
    }
    if (!stats.isFile()) throw refuse(ESP_BAD_ADD, hostFile, `file for ${espPath} is not a regular file`);
    if (stats.size > FAT_MAX_FILE_BYTES) {
      throw refuse(ESP_FILE_TOO_LARGE, hostFile, `${stats.size} bytes: FAT cannot hold a file of 4 GiB or more`);
    }
    filePaths.set(key, espPath);
    placements.push({ parts, source: hostFile, bytes: stats.size });
  }
  // A path cannot be both a file and a directory (an --add of `EFI/BOOT`, say).
  for (const placement of placements) {
    for (let depth = 1; depth < placement.parts.length; depth++) {
      const directory = placement.parts.slice(0, depth).join('/');
      const clash = filePaths.get(directory.toUpperCase());
      if (clash !== undefined) {
        throw refuse(ESP_BAD_ADD, clash,
          `${clash} is a file, but ${placement.parts.join('/')} needs ${directory} as a directory`);
      }
    }
  }
  return placements;
}

/** The directories to create, parents first, each once (case-insensitively). */
function directoriesOf(placements: Placement[]): string[] {
  const seen = new Set<string>();
  const ordered: string[] = [];
  for (const placement of placements) {
    for (let depth = 1; depth < placement.parts.length; depth++) {
      const directory = placement.parts.slice(0, depth).join('/');
      if (seen.has(directory.toUpperCase())) continue;
      seen.add(directory.toUpperCase());
      ordered.push(directory);
    }
  }
  return ordered;
}

/** MiB the files need on the disk, with cluster rounding, FAT tables, the GPT and alignment. */
function requiredDiskMiB(placements: Placement[], directories: number): number {
  let bytes = directories * ESTIMATE_CLUSTER;
  for (const placement of placements) bytes += Math.ceil(placement.bytes / ESTIMATE_CLUSTER) * ESTIMATE_CLUSTER;
  bytes += Math.ceil(bytes / FAT_OVERHEAD_DIVISOR);
  // +2: the MiB before the partition and the one after it; +1 for reserved sectors and the root.
  return Math.ceil(bytes / MIB) + 3;
}

/** Chooses the disk size and FAT type; throws ESP_BAD_SIZE for a size that cannot work. */
export function planLayout(requiredMiB: number, sizeMiB: number | undefined, file: string): EspLayout {
  let diskMiB: number;
  if (sizeMiB === undefined) {
    diskMiB = Math.max(DEFAULT_MIN_DISK_MIB, requiredMiB + DEFAULT_SLACK_MIB);
  } else {
    if (!Number.isInteger(sizeMiB) || sizeMiB < MIN_DISK_MIB || sizeMiB > MAX_DISK_MIB) {
      throw refuse(ESP_BAD_SIZE, file,
        `--size ${sizeMiB}: give a whole number of MiB from ${MIN_DISK_MIB} to ${MAX_DISK_MIB}`);
    }
    if (sizeMiB < requiredMiB) {
      throw refuse(ESP_BAD_SIZE, file, `--size ${sizeMiB} MiB is too small: the files need about ${requiredMiB} MiB ` +
        '(give a larger --size, or none for the default)');
    }
    diskMiB = sizeMiB;
  }
  if (diskMiB > MAX_DISK_MIB) {
    throw refuse(ESP_BAD_SIZE, file,
      `the files need ${diskMiB} MiB, more than the ${MAX_DISK_MIB} MiB FAT32 can address`);
  }
  const partitionMiB = diskMiB - 2;
  return { diskMiB, partitionMiB, fat: partitionMiB >= FAT32_MIN_PARTITION_MIB ? 32 : 16 };
}

/** Finds a tool on PATH or in the sbin directories, or throws TOOL_MISSING naming its Debian package. */
function locateTool(tool: string): string {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const directory of directories) {
    if (directory === '') continue;
    const candidate = join(directory, tool);
    try {
      accessSync(candidate, fsConstants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  // The same message as compiler/tools.ts runTool gives for a tool it cannot start.
  throw new StageFailed([{ stage: STAGE, code: TOOL_MISSING, file: tool, line: 0, column: 0,
    message: `${tool} not found: install Debian package '${PACKAGE_OF[tool] ?? tool}' ` +
      '(scripts/install-deps.sh installs everything)' }]);
}

function run(tools: Record<string, string>, tool: string, args: string[], file: string, what: string): void {
  const result = runTool(STAGE, ESP_TOOL_FAILED, file, tools[tool], args, what);
  if (!result.ok) throw new StageFailed(result.diagnostics);
}

/** Refuses an OUTPUT that cannot be replaced by a rename: a directory, a device, a missing parent. */
function checkOutput(output: string, inputs: string[]): void {
  const parent = dirname(output);
  if (!existsSync(parent) || !statSync(parent).isDirectory()) {
    throw refuse(ESP_BAD_OUTPUT, output, `directory ${parent} does not exist`);
  }
  if (existsSync(output)) {
    const stats = statSync(output);
    if (stats.isBlockDevice() || stats.isCharacterDevice()) {
      throw refuse(ESP_BAD_OUTPUT, output, 'is a device: write the disk image to a file, then copy it with ' +
        `dd if=FILE of=${output} bs=4M conv=fsync`);
    }
    if (!stats.isFile()) throw refuse(ESP_BAD_OUTPUT, output, 'exists and is not a regular file');
    for (const input of inputs) {
      const inputStats = existsSync(input) ? statSync(input) : undefined;
      if (inputStats !== undefined && inputStats.ino === stats.ino && inputStats.dev === stats.dev) {
        throw refuse(ESP_BAD_OUTPUT, output, `is also an input (${input}); choose another output`);
      }
    }
  }
}

/** Reads the first `count` bytes of a file (the PE headers sit in the first page or so). */
function readHead(path: string, count: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(count);
    const read = readSync(fd, buffer, 0, count, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a GPT disk image with one EFI System Partition holding `image` as
 * \EFI\BOOT\BOOTX64.EFI plus `files`. Returns the output path (resolved).
 * Throws StageFailed (stage 'esp', or TOOL_MISSING) on any refusal or tool failure, leaving an
 * existing output untouched.
 */
export async function buildEspImage(options: EspOptions): Promise<string> {
  return writeEspImage(options);
}

/** The work of buildEspImage, synchronous: the tools run one after the other. */
function writeEspImage(options: EspOptions): string {
  const progress = options.progress ?? ((): void => {});
  const image = options.image;
  if (!existsSync(image) || !statSync(image).isFile()) {
    throw refuse(ESP_IMAGE_MISSING, image, existsSync(image) ? 'image is not a regular file' : 'image not found');
  }
  const imageBytes = statSync(image).size;
  if (imageBytes > FAT_MAX_FILE_BYTES) {
    throw refuse(ESP_FILE_TOO_LARGE, image, `${imageBytes} bytes: FAT cannot hold a file of 4 GiB or more`);
  }
  // 64 KiB covers any header a linker writes (e_lfanew is a few hundred bytes in practice).
  const notEfi = checkEfiApplication(readHead(image, 64 * 1024), image);
  if (notEfi) throw new StageFailed([notEfi]);

  const files = options.files ?? {};
  const placements = planFiles(image, imageBytes, files);
  const directories = directoriesOf(placements);
  const output = resolve(options.output);
  checkOutput(output, [image, ...Object.values(files)]);
  const layout = planLayout(requiredDiskMiB(placements, directories.length), options.sizeMiB, output);
  const tools = Object.fromEntries(Object.keys(PACKAGE_OF).map((tool) => [tool, locateTool(tool)]));

  const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temporary = join(dirname(output), `.${basename(output)}.efistub-esp-${unique}.tmp`);
  let renamed = false;
  try {
    createSparseFile(temporary, layout.diskMiB * MIB, output);
    progress(`efistub: esp: disk ${layout.diskMiB} MiB, GPT, partition 1 at 1 MiB: ` +
      `${layout.partitionMiB} MiB FAT${layout.fat}`);
    const sectorsPerMiB = MIB / SECTOR;
    const firstSector = PARTITION_OFFSET / SECTOR;
    const lastSector = firstSector + layout.partitionMiB * sectorsPerMiB - 1;
    run(tools, 'sgdisk', [
      '--clear',
      `--new=1:${firstSector}:${lastSector}`,
      `--typecode=1:${ESP_TYPE_GUID}`,
      '--change-name=1:EFI System Partition',
      temporary,
    ], output, 'sgdisk (writing the GPT)');
    // --offset formats the partition in place; -h records the sectors before it (BPB_HiddSec);
    // --mbr=n keeps mkfs.fat from writing a made-up MBR partition table into the boot sector
    // (the GPT already describes the partition). The block count is in KiB.
    run(tools, 'mkfs.vfat', [
      '-F', String(layout.fat), '-S', String(SECTOR), `--offset=${firstSector}`, '-h', String(firstSector),
      '--mbr=n', '-n', 'EFISTUB', temporary, String(layout.partitionMiB * 1024),
    ], output, `mkfs.vfat (FAT${layout.fat} on the partition)`);
    const drive = `${temporary}@@${PARTITION_OFFSET}`;
    if (directories.length > 0) {
      run(tools, 'mmd', ['-i', drive, ...directories.map((directory) => `::/${directory}`)], output,
        `mmd (creating ${directories.join(', ')})`);
    }
    for (const placement of placements) {
      const inside = placement.parts.join('/');
      progress(`efistub: esp: \\${inside.replace(/\//g, '\\')} ← ${placement.source} (${placement.bytes} bytes)`);
      run(tools, 'mcopy', ['-i', drive, placement.source, `::/${inside}`], output,
        `mcopy (${placement.source} to ${inside})`);
    }
    flushFile(temporary, output);
    try {
      renameSync(temporary, output);
    } catch (error) {
      throw refuse(ESP_WRITE_FAILED, output, `cannot rename the finished disk into place: ${(error as Error).message}`);
    }
    renamed = true;
  } finally {
    if (!renamed) rmSync(temporary, { force: true });
  }
  progress(`efistub: esp: wrote ${output}`);
  return output;
}

function createSparseFile(path: string, bytes: number, output: string): void {
  try {
    const fd = openSync(path, 'wx');
    try {
      ftruncateSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw refuse(ESP_WRITE_FAILED, output, `cannot create the temporary disk ${path}: ${(error as Error).message}`);
  }
}

/** The tools wrote through their own descriptors; fsync makes the data durable before the rename. */
function flushFile(path: string, output: string): void {
  try {
    const fd = openSync(path, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw refuse(ESP_WRITE_FAILED, output, `cannot flush the temporary disk ${path}: ${(error as Error).message}`);
  }
}

export const ESP_HELP = `usage: efistub esp --image IMAGE -o DISK [--size MiB] [--add ESP_PATH=HOST_FILE]...

Writes DISK, a raw disk image with a GPT partition table and one EFI System Partition
(type ${ESP_TYPE_GUID}, starting at 1 MiB) that holds IMAGE as
\\EFI\\BOOT\\BOOTX64.EFI, the file firmware boots from removable media, plus any --add files.
Write it to a USB stick to boot test hardware (everything on the stick is lost; check the
device name with lsblk first):

  sudo dd if=DISK of=/dev/sdX bs=4M conv=fsync

or boot it under OVMF in QEMU with 'efistub run --disk DISK'.

IMAGE must be a PE32+ x86-64 EFI application (e.g. out/stub.efi, or a copy made by
'efistub wrap'). The partition is FAT32 when it is ${FAT32_MIN_PARTITION_MIB} MiB or more (DISK of
${FAT32_MIN_PARTITION_MIB + 2} MiB or more), FAT16 below; the partition spans DISK but its first and
last MiB (GPT headers and 1 MiB alignment). DISK is written to a temporary file beside it and
renamed at the end: on any refusal or failure an existing DISK is left as it was. DISK must
be a regular file, never a device.

options:
  --image IMAGE          the EFI application to boot (required)
  -o, --output DISK      the disk image to write (required)
  --size MiB             disk size in MiB, ${MIN_DISK_MIB} to ${MAX_DISK_MIB} (default: the files plus
                         ${DEFAULT_SLACK_MIB} MiB of free room, at least ${DEFAULT_MIN_DISK_MIB} MiB, so FAT32)
  --add ESP_PATH=FILE    also copy the host FILE to ESP_PATH in the partition, e.g.
                         --add EFI/Linux/initrd.img=out/initrd.img (or \\EFI\\Linux\\…);
                         repeatable; the first '=' separates; printable ASCII names only
  --help                 print this text

Needs sgdisk (Debian package gdisk), mkfs.vfat (dosfstools), mmd and mcopy (mtools):
scripts/install-deps.sh installs them.

exit status:
  0    DISK written (its path is printed on stdout)
  1    refused (IMAGE not an EFI application, a bad --add, a size too small, ...) or a tool
       failed: the diagnostic is printed as 'file: error ES<code>: message [esp]'
  2    bad usage
`;

/** `efistub esp`: argv holds the arguments after the verb. Returns the process exit code. */
export async function cliEsp(argv: string[]): Promise<number> {
  const usage = (message: string): number => {
    process.stderr.write(`efistub: esp: ${message}\n(see efistub esp --help)\n`);
    return 2;
  };
  let values: { image?: string; output?: string; size?: string; add?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        image: { type: 'string' }, output: { type: 'string', short: 'o' }, size: { type: 'string' },
        add: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(ESP_HELP);
    return 0;
  }
  if (values.image === undefined) return usage('--image IMAGE is required');
  if (values.output === undefined) return usage('-o DISK is required');
  let sizeMiB: number | undefined;
  if (values.size !== undefined) {
    if (!/^[0-9]+$/.test(values.size)) return usage(`--size takes a whole number of MiB, got '${values.size}'`);
    sizeMiB = Number(values.size);
  }
  const printDiagnostics = (diagnostics: Diagnostic[]): number => {
    for (const entry of diagnostics) process.stderr.write(`${formatDiagnostic(entry)}\n`);
    return 1;
  };
  const files: Record<string, string> = {};
  const bad: Diagnostic[] = [];
  for (const spec of values.add ?? []) {
    const parsed = parseAddSpec(spec);
    if ('stage' in parsed) {
      bad.push(parsed);
    } else if (Object.hasOwn(files, parsed.espPath)) {
      bad.push(diagnostic(ESP_BAD_ADD, parsed.espPath, `--add gives ${parsed.espPath} twice`));
    } else {
      files[parsed.espPath] = parsed.hostFile;
    }
  }
  if (bad.length > 0) return printDiagnostics(bad);
  try {
    await buildEspImage({
      image: values.image, output: values.output, sizeMiB, files,
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`${values.output}\n`);
    return 0;
  } catch (error) {
    if (error instanceof StageFailed) return printDiagnostics(error.diagnostics);
    throw error;
  }
}
