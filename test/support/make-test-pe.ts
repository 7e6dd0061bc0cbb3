/**
 * @fileoverview Builds small EFI PE images for the PE writer and inspector tests, at test time,
 * from a few lines of C with the project's own toolchain flags (DESIGN.md, "Facts from the
 * scouting builds"): clang -target x86_64-unknown-windows -ffreestanding -fshort-wchar
 * -mno-red-zone, lld-link /subsystem:efi_application /entry:efi_main /nodefaultlib.
 * Nothing binary is committed; each image lands in a fresh temporary directory.
 */

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestPeOptions {
  /**
   * Extra initialized-data sections named .x0, .x1, … (one small array each), to fill the
   * section table: the header-growth and header-room tests need a crowded table.
   */
  extraSections?: number;
  /** Content of a .sbat section in the image (as a stub carries its own SBAT line). */
  sbat?: string;
  /** 'i686' builds a PE32 image (optional-header magic 0x10b) instead of PE32+. */
  target?: 'x86_64' | 'i686';
  /** Extra lld-link arguments, e.g. ['/debug:dwarf'] for an image with a COFF symbol table. */
  linkArgs?: string[];
}

/** A fresh temporary directory (under `parent`, default the OS tmp dir); callers remove it. */
export function makeTempDir(prefix = 'efistub-pe-', parent = os.tmpdir()): string {
  return fs.mkdtempSync(path.join(parent, prefix));
}

function cSource(extraSections: number, sbat: string | undefined): string {
  const lines = [
    'typedef unsigned long long UINTN;',
    'static const char greeting[] = "hello from a test image";',
    // An absolute pointer in data makes lld-link emit base relocations (.reloc), as real stubs have.
    'const char *volatile greeting_pointer = greeting;',
    'int counter = 3;',
  ];
  const references: string[] = [];
  if (sbat !== undefined) {
    // JSON string syntax is valid C for printable ASCII and \n; the array keeps a final NUL.
    lines.push(`__attribute__((section(".sbat"), used)) const char sbat_data[] = ${JSON.stringify(sbat)};`);
    references.push('sbat_data');
  }
  for (let i = 0; i < extraSections; i++) {
    lines.push(`__attribute__((section(".x${i}"), used)) const char extra${i}[16] = "extra section ${i}";`);
    references.push(`extra${i}`);
  }
  if (references.length > 0) {
    // Referenced so /opt:ref keeps every section.
    lines.push(`const char *volatile extra_table[] = { ${references.join(', ')} };`);
  }
  lines.push(
    'UINTN efi_main(void *image, void *system_table) {',
    '  (void)image; (void)system_table;',
    '  counter += greeting_pointer[1];',
    '  return (UINTN)counter;',
    '}',
  );
  return lines.join('\n') + '\n';
}

/** Compiles and links a small EFI application; returns the path of the .efi file. */
export function makeTestPe(options: TestPeOptions = {}, directory = makeTempDir()): string {
  const extraSections = options.extraSections ?? 0;
  const source = path.join(directory, 'test-image.c');
  const object = path.join(directory, 'test-image.o');
  const image = path.join(directory, 'test-image.efi');
  fs.writeFileSync(source, cSource(extraSections, options.sbat));
  execFileSync(
    'clang',
    ['-target', `${options.target ?? 'x86_64'}-unknown-windows`, '-ffreestanding', '-fshort-wchar', '-mno-red-zone', '-O1', '-c', source, '-o', object],
    { stdio: 'pipe' },
  );
  execFileSync(
    'lld-link',
    [
      '/subsystem:efi_application',
      '/entry:efi_main',
      '/nodefaultlib',
      ...(options.linkArgs ?? []),
      `/out:${image}`,
      object,
    ],
    { stdio: 'pipe' },
  );
  return image;
}

/** True when a command runs (used to skip the tests that need an absent external tool). */
export function haveCommand(command: string, args: string[] = ['--version']): boolean {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
    return true;
  } catch (error) {
    // A tool that prints usage and exits non-zero is still present.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

export interface ObjdumpSection {
  name: string;
  size: number;
  vma: bigint;
  fileOffset: number;
}

/**
 * Section table as binutils sees it (`objdump -h`): an opinion independent of our reader.
 * Lines look like "  3 .cmdline  00000012  000000014000f000  000000014000f000  00002200  2**2".
 */
export function objdumpSections(imagePath: string): ObjdumpSection[] {
  const text = execFileSync('objdump', ['-h', imagePath], { encoding: 'utf8' });
  const sections: ObjdumpSection[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+2\*\*\d+/.exec(line);
    if (m) sections.push({ name: m[1], size: parseInt(m[2], 16), vma: BigInt('0x' + m[3]), fileOffset: parseInt(m[4], 16) });
  }
  return sections;
}
