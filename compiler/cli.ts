/**
 * @fileoverview `efistub`: the command line. It parses arguments and runs the stages of
 * compiler/ in order; it holds no logic of its own beyond choosing defaults and printing.
 *
 * Exit codes: 0 success, 1 a stage failed (its diagnostics are printed), 2 bad usage.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStub } from './build.ts';
import { formatDiagnostic, StageFailed, type Diagnostic } from './diagnostics.ts';
import { addSections, type NewSection } from './pe-writer.ts';
import { formatSetupHeader, readSetupHeader } from './setup-header.ts';
import { formatPeInfo, readPeInfo } from './pe-inspect.ts';
import { cliRun } from './qemu-run.ts';
import { cliDecompress, cliExtract } from './decompress-tool.ts';
import { cliEsp } from './esp.ts';
import { KERNEL_COMPRESSIONS, recompressedKernelBytes, type KernelCompression } from './recompress.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const MAIN_HELP = `usage: efistub <verb> [options]

A UEFI boot stub for x86_64 Linux written in TypeScript, and its toolchain.

verbs:
  build     compile stub-src/ to out/stub.efi (TS → porffor → Wasm → wasm2c → C → PE/COFF)
  wrap      copy the built stub and add UKI sections (.linux kernel, .initrd, .cmdline, ...)
  run       boot an EFI image under OVMF in QEMU (TCG) and stream its serial console
  inspect   print an EFI image's PE headers and sections (and a wrapped kernel's setup header)
  esp       write a GPT disk image with an EFI System Partition holding the image as
            \\EFI\\BOOT\\BOOTX64.EFI, to dd onto a USB stick (or boot with 'run --disk')
  decompress  decompress a file with the stub's own decoders (native build)
  extract   pull the vmlinux out of a bzImage with the stub's own decoders

'efistub <verb> --help' describes each verb.
`;

const BUILD_HELP = `usage: efistub build [--src DIR] [--out DIR] [--native] [--toolchain debian|docker]

Compiles the stub in stages, each writing one file under the output directory:
  check-subset  type-check stub-src/ and enforce the TypeScript subset (compiler/subset-rules.md)
  bundle        concatenate the modules into out/stub.js
  porffor       compile to out/stub.wasm (pinned, patched porffor)
  validate      wasm-validate out/stub.wasm
  wasm2c        translate to out/stub.c
  link          clang + lld-link with compiler/runtime/ → out/stub.efi
A failure prints file:line:col: error ES<code>: message [stage] and exits 1.

options:
  --src DIR        stub sources (default: stub-src/ of this project)
  --out DIR        output directory (default: out/)
  --native         also link out/stub-native, the same C with the Linux host runtime
  --toolchain T    debian (default: Debian clang + lld-link) or docker (llvm-mingw image built
                   from the Dockerfile: docker build -t efistub-llvm-mingw .)
  --help           print this text
`;

const WRAP_HELP = `usage: efistub wrap [--kernel BZIMAGE [--recompress FORMAT]] [--initrd FILE]...
                    [--cmdline TEXT] [--osrel FILE] [--uname TEXT] [--sbat FILE] [-o FILE]
                    [--stub FILE]

Writes a copy of the built stub with UKI-convention sections added: .linux (the bzImage as
shipped, or re-compressed with --recompress), .initrd (one per --initrd, concatenated in order
at boot), .cmdline, .osrel, .uname and .sbat (merged with the stub's own). With a .linux section
the stub boots that kernel; without one it runs its hello steps. The stub itself is never
modified; on any refusal nothing is written.

options:
  --kernel FILE    the kernel (bzImage, boot protocol >= 2.12, relocatable)
  --recompress F   with --kernel: re-compress the kernel's payload in F (gzip, xz, zstd, lz4,
                   lzma, bzip2, lzo) for .linux; see below
  --initrd FILE    an initrd (cpio archive, compressed or not); may be repeated: the files are
                   concatenated (each padded to 4 bytes), as the kernel reads several archives
  --cmdline TEXT   the kernel command line (load options given at boot override it)
  --osrel FILE     os-release text for .osrel
  --uname TEXT     the kernel release for .uname
  --sbat FILE      SBAT CSV lines merged into the stub's .sbat
  -o, --output F   the wrapped image (default: out/wrapped.efi)
  --stub FILE      the stub to copy (default: out/stub.efi)
  --help           print this text

--recompress F trades size for boot time. The payload is decoded with its format's reference
tool (xz -dc for Debian's kernel) and compressed again with kbuild's command line for F (lz4:
lz4 -l -9; gzip: gzip -n -f -9; zstd: zstd -22 --ultra, slow), into a temporary file; the new
payload is appended to a copy of the bzImage and its setup header points at it (payload_offset,
payload_length, syssize, init_size). The old payload stays in the file, so the image grows by
the whole new payload (lz4: Debian's 8 MB kernel becomes a 23 MB one). In exchange the stub
decodes it faster: under QEMU TCG the stub's decompress stage for Debian's 6.1 kernel takes
about 3.1 s as xz, 1.2 s as gzip, 0.7 s as lz4 (npm run bench:boot prints it). A signature on the original bzImage no longer matches the copy
(sign the wrapped image). Only a loader that decompresses the payload itself, as efistub does,
uses the new payload; the kernel's own decompressor (its EFI stub, a legacy boot loader) still
decodes the old one. Needs the tools of both formats (Debian packages xz-utils, gzip, zstd,
lz4, bzip2, lzop).
`;

const INSPECT_HELP = `usage: efistub inspect IMAGE

Prints the PE/COFF headers of IMAGE (machine, subsystem, alignment, NX_COMPAT, checksum), its
sections with their r/w/x flags, warnings (W+X sections, symbol table, missing NX_COMPAT), the
text of short UKI sections such as .cmdline and, when IMAGE carries a kernel (.linux), the
kernel's setup header: boot protocol, payload format and sizes, init_size, alignment,
pref_address, relocatable, xloadflags.
`;

function printDiagnostics(diagnostics: Diagnostic[]): void {
  for (const diagnostic of diagnostics) process.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
}

function usageError(verb: string, message: string): number {
  process.stderr.write(`efistub: ${verb}: ${message}\n(see efistub ${verb} --help)\n`);
  return 2;
}

function parse(verb: string, argv: string[], options: NonNullable<ParseArgsConfig['options']>,
  allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    usageError(verb, (error as Error).message);
    return undefined;
  }
}

function build(argv: string[]): number {
  const parsed = parse('build', argv, {
    src: { type: 'string' }, out: { type: 'string' }, native: { type: 'boolean' },
    toolchain: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (!parsed) return 2;
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) { process.stdout.write(BUILD_HELP); return 0; }
  const toolchain = (values.toolchain as string | undefined) ?? 'debian';
  if (toolchain !== 'debian' && toolchain !== 'docker') return usageError('build', `unknown toolchain '${toolchain}'`);
  const sourceDir = (values.src as string | undefined) ?? join(root, 'stub-src');
  const outDir = (values.out as string | undefined) ?? 'out';
  if (!existsSync(join(sourceDir, 'main.ts'))) return usageError('build', `no main.ts in ${sourceDir}`);
  const result = buildStub({
    sourceDir, outDir, toolchain, targets: values.native ? 'both' : 'efi',
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  if (result.diagnostics.length) {
    printDiagnostics(result.diagnostics);
    return 1;
  }
  if (result.efi) process.stdout.write(`${result.efi} (${statSync(result.efi).size} bytes)\n`);
  if (result.native) process.stdout.write(`${result.native}\n`);
  return 0;
}

async function wrap(argv: string[]): Promise<number> {
  const parsed = parse('wrap', argv, {
    kernel: { type: 'string' }, recompress: { type: 'string' }, initrd: { type: 'string', multiple: true },
    cmdline: { type: 'string' }, osrel: { type: 'string' }, uname: { type: 'string' }, sbat: { type: 'string' },
    output: { type: 'string', short: 'o' }, stub: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (!parsed) return 2;
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (values.help) { process.stdout.write(WRAP_HELP); return 0; }
  const stub = (values.stub as string | undefined) ?? 'out/stub.efi';
  const output = (values.output as string | undefined) ?? 'out/wrapped.efi';
  const recompress = values.recompress as string | undefined;
  if (recompress !== undefined && !(KERNEL_COMPRESSIONS as readonly string[]).includes(recompress)) {
    return usageError('wrap', `--recompress '${recompress}': not a kernel compression format (one of ${KERNEL_COMPRESSIONS.join(', ')})`);
  }
  if (recompress !== undefined && values.kernel === undefined) {
    return usageError('wrap', '--recompress needs --kernel: it re-compresses that kernel\'s payload');
  }
  if (!existsSync(stub)) return usageError('wrap', `stub ${stub} not found (build it with 'efistub build')`);
  const initrds = (values.initrd as string[] | undefined) ?? [];
  const files: Array<[option: string, path: string | undefined]> = [
    ['--kernel', values.kernel as string | undefined], ['--osrel', values.osrel as string | undefined],
    ['--sbat', values.sbat as string | undefined], ...initrds.map((path): [string, string] => ['--initrd', path]),
  ];
  for (const [option, path] of files) {
    if (path !== undefined && !(existsSync(path) && statSync(path).isFile())) {
      return usageError('wrap', `${option} ${path}: no such file`);
    }
  }
  if (values.kernel === undefined && values.cmdline === undefined && initrds.length === 0) {
    return usageError('wrap', 'nothing to add: give --kernel, --initrd or --cmdline');
  }
  const sections: NewSection[] = [];
  const text = (value: string): Uint8Array => new TextEncoder().encode(value);
  if (typeof values.osrel === 'string') sections.push({ name: '.osrel', data: readFileSync(values.osrel) });
  // The kernel reads the command line as a NUL-terminated string (boot.rst, cmd_line_ptr).
  if (typeof values.cmdline === 'string') sections.push({ name: '.cmdline', data: text(`${values.cmdline}\0`) });
  if (typeof values.uname === 'string') sections.push({ name: '.uname', data: text(values.uname) });
  if (typeof values.sbat === 'string') sections.push({ name: '.sbat', data: readFileSync(values.sbat) });
  if (initrds.length > 0) {
    // One .initrd section (the UKI convention), the files concatenated in order, each padded to
    // 4 bytes with NULs: the kernel unpacks concatenated cpio archives and skips the padding.
    const parts = initrds.map((path) => readFileSync(path));
    const padded = parts.map((part) => Buffer.concat([part, Buffer.alloc((4 - (part.length % 4)) % 4)]));
    sections.push({ name: '.initrd', data: initrds.length === 1 ? parts[0] : Buffer.concat(padded) });
  }
  if (typeof values.kernel === 'string') {
    let kernel: Uint8Array = readFileSync(values.kernel);
    const header = readSetupHeader(kernel, values.kernel);
    if (!('version' in header)) {
      printDiagnostics(header);
      return 1;
    }
    if (recompress !== undefined) {
      const shipped = kernel.length;
      try {
        kernel = await recompressedKernelBytes(values.kernel, recompress as KernelCompression,
          (step) => process.stderr.write(`efistub: wrap: ${step}…\n`));
      } catch (error) {
        if (!(error instanceof StageFailed)) throw error;
        printDiagnostics(error.diagnostics);
        return 1;
      }
      // The copy is checked again with the stub's rules: its init_size may have grown.
      const recompressed = readSetupHeader(kernel, `${values.kernel} (re-compressed)`);
      if (!('version' in recompressed)) {
        printDiagnostics(recompressed);
        return 1;
      }
      process.stderr.write(`efistub: wrap: .linux holds the kernel re-compressed: ${header.payloadFormat} payload ` +
        `0x${header.payloadLength.toString(16)} bytes → ${recompressed.payloadFormat} 0x${recompressed.payloadLength.toString(16)}` +
        ` bytes, kernel ${(shipped / 1e6).toFixed(1)} MB → ${(kernel.length / 1e6).toFixed(1)} MB\n`);
    }
    sections.push({ name: '.linux', data: kernel });
  }
  const diagnostics = addSections(stub, sections, output);
  if (diagnostics.length) {
    printDiagnostics(diagnostics);
    return 1;
  }
  process.stdout.write(`${output}\n`);
  return 0;
}

function inspect(argv: string[]): number {
  const parsed = parse('inspect', argv, { help: { type: 'boolean', short: 'h' } }, true);
  if (!parsed) return 2;
  if ((parsed.values as Record<string, unknown>).help) { process.stdout.write(INSPECT_HELP); return 0; }
  if (parsed.positionals.length !== 1) return usageError('inspect', 'give exactly one IMAGE');
  const image = parsed.positionals[0];
  if (!existsSync(image)) return usageError('inspect', `${image} not found`);
  const bytes = readFileSync(image);
  const info = readPeInfo(bytes, image);
  if (Array.isArray(info)) {
    printDiagnostics(info);
    return 1;
  }
  process.stdout.write(formatPeInfo(info, bytes.length));
  const linux = info.sections.find((section) => section.name === '.linux');
  if (linux) {
    const length = Math.min(linux.virtualSize, linux.sizeOfRawData);
    const header = readSetupHeader(bytes.subarray(linux.pointerToRawData, linux.pointerToRawData + length), `${image}(.linux)`);
    if (!('version' in header)) {
      printDiagnostics(header);
      return 1;
    }
    process.stdout.write(formatSetupHeader(header));
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  switch (verb) {
    case 'build': return build(rest);
    case 'wrap': return wrap(rest);
    case 'run': return cliRun(rest);
    case 'inspect': return inspect(rest);
    case 'decompress': return cliDecompress(rest);
    case 'extract': return cliExtract(rest);
    case 'esp': return cliEsp(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(MAIN_HELP);
      return verb === undefined ? 2 : 0;
    default:
      process.stderr.write(`efistub: unknown verb '${verb}'\n${MAIN_HELP}`);
      return 2;
  }
}
