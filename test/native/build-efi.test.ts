/**
 * Native tier: `efistub build` through the CLI, as a user runs it, and the PE layout real
 * firmware needs (DESIGN.md "PE/COFF output"): PE32+, x86-64, EFI application, 4 KiB section
 * alignment, NX_COMPAT, no W+X section, no COFF symbol table, and header room for the UKI
 * sections a later wrap adds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPeInfo, type PeInfo } from '../../compiler/pe-inspect.ts';
import { addSectionsToImage } from '../../compiler/pe-writer.ts';
import { UKI_SECTION_COUNT, UKI_SECTION_SBAT, ukiSectionName } from '../../stub-src/uki.ts';
import { projectRoot } from '../support/build-fixture.ts';
import { runCli } from '../support/cli.ts';

const outDir = mkdtempSync(join(tmpdir(), 'efistub-build-'));


let info: PeInfo;
let image: Uint8Array;

beforeAll(async () => {
  const run = await runCli(['build', '--out', outDir]);
  expect(run.stderr).toContain('efistub: build: link done');
  expect(run.status).toBe(0);
  image = readFileSync(join(outDir, 'stub.efi'));
  const decoded = readPeInfo(image, 'stub.efi');
  if (Array.isArray(decoded)) throw new Error(JSON.stringify(decoded));
  info = decoded;
});

describe('efistub build', () => {
  it('leaves every stage\'s output in the output directory', () => {
    for (const file of ['stub.js', 'stub.wasm', 'stub.c', 'stub.h', 'stub.efi']) {
      expect(existsSync(join(outDir, file)), file).toBe(true);
    }
  });

  it('writes a PE32+ x86-64 EFI application with the layout firmware needs', () => {
    expect(info.magic).toBe(0x20b);
    expect(info.machine).toBe(0x8664);
    expect(info.subsystem).toBe(10);
    expect(info.sectionAlignment).toBe(0x1000);
    expect(info.nxCompat).toBe(true);
    expect(info.symbolTablePointer).toBe(0);
    expect(info.symbolCount).toBe(0);
    expect(info.certificateSize).toBe(0);
    for (const section of info.sections) {
      expect(section.writable && section.executable, `${section.name} is W+X`).toBe(false);
      expect(section.virtualAddress % 0x1000, `${section.name} not page aligned`).toBe(0);
    }
  });

  it('has no large zero-initialised section: working memory comes from AllocatePages', () => {
    // The SEV failure in ../shared/reference was a boot path relying on BSS nobody cleared; the
    // stub keeps only the C runtime's few statics there (the Wasm heap, its tables and buffers
    // are allocated at run time and cleared by wasm-rt.c, test/native/heap-zeroing.test.ts).
    for (const section of info.sections) {
      const uninitialized = Math.max(0, section.virtualSize - section.sizeOfRawData);
      expect(uninitialized, `${section.name} reserves ${uninitialized} bytes beyond its file data`).toBeLessThanOrEqual(0x4000);
    }
  });

  it('initialises linear memory from a few packed data segments, not one memcpy per literal', () => {
    // compiler/wasm-data.ts: porffor writes some 570 segments; wasm2c emits one LOAD_DATA each.
    const c = readFileSync(join(outDir, 'stub.c'), 'utf8');
    const loads = c.match(/^\s*LOAD_DATA\(/gm)?.length ?? 0;
    expect(loads).toBeGreaterThan(0);
    expect(loads).toBeLessThanOrEqual(4);
  });

  it('fits in 256 KiB with all seven decoders, without porffor\'s generic builtins', () => {
    // Issue 5's size target. What keeps it: patches 014-017 and --exception-mode=lut
    // (compiler/subset-rules.md, "Staying on the fast path"); each is what drops one group of
    // porffor's builtins (constructors, error objects, string conversion, property lookup).
    expect(image.length).toBeLessThanOrEqual(256 * 1024);
    const c = readFileSync(join(outDir, 'stub.c'), 'utf8');
    expect(c).not.toMatch(/= CALL_INDIRECT\(instance/);
  });

  it('has room for every UKI section (the writer grows headers when needed)', () => {
    const sections = [];
    for (let index = 0; index < UKI_SECTION_COUNT; index++) {
      if (index === UKI_SECTION_SBAT) continue;
      sections.push({ name: ukiSectionName(index), data: new TextEncoder().encode(`section ${index}\n`) });
    }
    const wrapped = addSectionsToImage(image, sections, 'stub.efi');
    if (!(wrapped instanceof Uint8Array)) throw new Error(JSON.stringify(wrapped));
    const after = readPeInfo(wrapped, 'wrapped.efi');
    if (Array.isArray(after)) throw new Error(JSON.stringify(after));
    expect(after.sections.map((s) => s.name)).toEqual([...info.sections.map((s) => s.name), ...sections.map((s) => s.name)]);
  });

  it('fails naming the stage when the source breaks the subset, and writes no image', async () => {
    const sourceDir = mkdtempSync(join(tmpdir(), 'efistub-bad-'));
    copyFileSync(join(projectRoot, 'stub-src', 'host.d.ts'), join(sourceDir, 'host.d.ts'));
    writeFileSync(join(sourceDir, 'main.ts'), [
      'export function efiMain(): number {',
      '  let count = 0;',
      '  const bump = (): void => { count = (count + 1) | 0; };',
      '  bump();',
      '  return count;',
      '}',
      '',
    ].join('\n'));
    const run = await runCli(['build', '--src', sourceDir, '--out', join(outDir, 'bad')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/main\.ts:3:\d+: error ES101: no-closure: .*\[check-subset\]/);
    expect(existsSync(join(outDir, 'bad', 'stub.efi'))).toBe(false);
  });

  it('--help tells what each stage does; unknown options are usage errors', async () => {
    const help = await runCli(['build', '--help']);
    expect(help.status).toBe(0);
    for (const stage of ['check-subset', 'bundle', 'porffor', 'validate', 'wasm2c', 'link']) expect(help.stdout).toContain(stage);
    const bad = await runCli(['build', '--frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('efistub: build:');
  });
});
