/**
 * `@bmi2` (compiler/wasm2c.ts multiversionBmi2): a marked function is defined twice in the wasm2c
 * stage's C, as wasm2c wrote it and as a copy clang compiles for BMI2; calls from elsewhere choose
 * by rt_cpu_has_bmi2(), calls between marked functions stay on their side. Both copies compute
 * the same: a small module run both ways, and the decompression tool's zstd decode (the functions
 * the stub marks) with and without EFISTUB_CPU_BASELINE=1 (compiler/runtime/host-linux.c), whose
 * outputs must both be the input.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDecompressTool } from '../../compiler/decompress-tool.ts';
import { multiversionBmi2, wasmToC } from '../../compiler/wasm2c.ts';
import { appendFunctionListSection, BMI2_SECTION, NOINLINE_SECTION } from '../../compiler/wasm-data.ts';
import { projectRoot } from '../support/build-fixture.ts';
import { machineCode } from '../support/corpus.ts';
import { hostMain, MINIMAL_HOST_C } from '../support/minimal-host.ts';
import { expectInstalled } from '../support/reference-cli.ts';

const scratch: string[] = [];
afterAll(() => { for (const dir of scratch) rmSync(dir, { recursive: true, force: true }); });

// $bits (function 0) counts the set bits of x below n, one shift by a computed count a bit, and
// returns twice that through $twice (function 1); both are marked @bmi2, $bits @noinline too (so
// that both of its definitions stay functions to disassemble).
const WAT = `(module
  (memory (export "memory") 1)
  (func $bits (param $x i64) (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    loop
      local.get $sum
      local.get $x
      local.get $i
      i64.extend_i32_u
      i64.shr_u
      i32.wrap_i64
      i32.const 1
      i32.and
      i32.add
      local.set $sum
      local.get $i
      i32.const 1
      i32.add
      local.tee $i
      local.get $n
      i32.lt_u
      br_if 0
    end
    local.get $sum
    call $twice)
  (func $twice (param i32) (result i32)
    local.get 0
    local.get 0
    i32.add)
  (func (export "run") (param $low i32) (param $high i32) (param $n i32) (result i32)
    local.get $high
    i64.extend_i32_u
    i64.const 32
    i64.shl
    local.get $low
    i64.extend_i32_u
    i64.or
    local.get $n
    call $bits))`;

// The runtime's rt_cpu_has_bmi2 asks the CPU; here the environment decides, so that both
// definitions run on any machine (a CPU without BMI2 would fault on the copy's shrx: this
// machine's must have it, which the test checks).
const DRIVER = `${MINIMAL_HOST_C}uint32_t rt_cpu_has_bmi2(void) { return getenv("TAKE_BMI2") != NULL; }
${hostMain(`    printf("result %u\\n", Z_stubZ_run(&instance, (unsigned)strtoul(argv[1], NULL, 0),
      (unsigned)strtoul(argv[2], NULL, 0), (unsigned)strtoul(argv[3], NULL, 0)));`)}`;

/** The body of C function `name` in `c`. */
function body(c: string, name: string): string {
  return c.split(new RegExp(`^static [^\\n;]*\\b${name}\\(Z_stub_instance_t\\* instance[^)]*\\) \\{$`, 'm'))[1].split(/^\}$/m)[0];
}

/** The machine code of function `name` in the object `object`. */
function disassembly(object: string, name: string): string {
  const text = spawnSync('objdump', ['-d', '--no-show-raw-insn', object], { encoding: 'utf8' }).stdout;
  const parts = text.split(`<${name}>:`);
  expect(parts.length, `${name} in ${object}`).toBe(2);
  return parts[1].split(/\n\n/)[0];
}

describe('@bmi2: a second definition of a function, for CPUs with BMI2', () => {
  it('the C defines both, calls choose between them, and both compute the same', () => {
    expect(readFileSync('/proc/cpuinfo', 'utf8')).toMatch(/^flags\s*:.*\bbmi2\b/m);
    const work = mkdtempSync(join(tmpdir(), 'efistub-bmi2-'));
    scratch.push(work);
    writeFileSync(join(work, 'm.wat'), WAT);
    writeFileSync(join(work, 'driver.c'), DRIVER);
    expect(spawnSync('wat2wasm', [join(work, 'm.wat'), '-o', join(work, 'm.wasm')]).status).toBe(0);
    const marked = appendFunctionListSection(appendFunctionListSection(readFileSync(join(work, 'm.wasm')),
      NOINLINE_SECTION, [0]), BMI2_SECTION, [0, 1]);
    writeFileSync(join(work, 'm.wasm'), marked);
    expect(wasmToC(join(work, 'm.wasm'), join(work, 'stub.c'))).toEqual([]);
    const c = readFileSync(join(work, 'stub.c'), 'utf8');
    expect(c).toMatch(/^static __attribute__\(\(target\("bmi2"\)\)\) __attribute__\(\(noinline\)\) u32 w2c_f0_bmi2\(Z_stub_instance_t\* instance/m);
    expect(c).toMatch(/^static __attribute__\(\(target\("bmi2"\)\)\) u32 w2c_f1_bmi2\(Z_stub_instance_t\* instance/m);
    // The export chooses; the copy calls the copy, the first definition the first definition.
    expect(body(c, 'w2c_run')).toMatch(/RT_BMI2_CALL\(w2c_f0, instance, /);
    expect(body(c, 'w2c_f0_bmi2')).toMatch(/\bw2c_f1_bmi2\(instance, /);
    expect(body(c, 'w2c_f0')).toMatch(/\bw2c_f1\(instance, /);
    expect(body(c, 'w2c_f0')).not.toContain('_bmi2');

    const runtime = join(projectRoot, 'compiler', 'runtime');
    const compile = spawnSync('clang', ['-O2', '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0', '-I', join(runtime, 'include-common'),
      '-I', runtime, '-I', work, '-c', join(work, 'stub.c'), '-o', join(work, 'stub.o')], { encoding: 'utf8' });
    expect(compile.stderr).toBe('');
    // Only the copy shifts with shrx (any register for the count); the first definition uses CL.
    expect(disassembly(join(work, 'stub.o'), 'w2c_f0_bmi2')).toMatch(/\bshrx\b/);
    expect(disassembly(join(work, 'stub.o'), 'w2c_f0')).not.toMatch(/\bshrx\b/);
    const link = spawnSync('clang', ['-O2', '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0', '-I', join(runtime, 'include-common'),
      '-I', runtime, '-I', work, join(work, 'stub.o'), join(work, 'driver.c'), join(runtime, 'wasm-rt.c'),
      '-o', join(work, 'm')], { encoding: 'utf8' });
    expect(link.stderr).toBe('');
    const run = (args: string[], bmi2: boolean) => spawnSync(join(work, 'm'), args,
      { encoding: 'utf8', env: bmi2 ? { ...process.env, TAKE_BMI2: '1' } : { ...process.env, TAKE_BMI2: undefined } }).stdout;
    // 0xf0f0f0f0_0f0f0f0f has 32 bits set, 16 of them below bit 32, 20 below bit 40; twice that.
    for (const [args, expected] of [[['0x0f0f0f0f', '0xf0f0f0f0', '64'], 64], [['0x0f0f0f0f', '0xf0f0f0f0', '32'], 32],
      [['0x0f0f0f0f', '0xf0f0f0f0', '40'], 40]] as const) {
      expect(run([...args], false)).toBe(`result ${expected}\n`);
      expect(run([...args], true)).toBe(`result ${expected}\n`);
    }
  });

  it('a listed function the C does not define is reported, and the C left as it was', () => {
    const c = 'static u32 w2c_f3(Z_stub_instance_t* instance, u32 w2c_p0) {\n  return w2c_p0;\n}\n';
    expect(multiversionBmi2(c, [4], null)).toEqual({ text: c, copied: 0, missing: 'w2c_f4' });
    expect(multiversionBmi2(c, [], null)).toEqual({ text: c, copied: 0 });
  });

  it('the decompression tool: zstd\'s three loop functions have copies, and both decode the same bytes', () => {
    expectInstalled('zstd', /Zstandard CLI/);
    const built = ensureDecompressTool(() => {});
    expect(built.diagnostics).toEqual([]);
    const c = readFileSync(join(built.tool!, '..', 'stub.c'), 'utf8');
    expect(c.match(/^static __attribute__\(\(target\("bmi2"\)\)\) __attribute__\(\(noinline\)\) u32 \w+_bmi2\(Z_stub_instance_t\* instance/gm))
      .toHaveLength(3);
    const work = mkdtempSync(join(tmpdir(), 'efistub-bmi2-tool-'));
    scratch.push(work);
    const data = machineCode(4 << 20);
    writeFileSync(join(work, 'data'), data);
    expect(spawnSync('zstd', ['-q', '-19', join(work, 'data'), '-o', join(work, 'data.zst')]).status).toBe(0);
    for (const baseline of ['0', '1']) {
      const output = join(work, `out.${baseline}`);
      const run = spawnSync(built.tool!, [join(work, 'data.zst'), output], { encoding: 'utf8',
        env: { ...process.env, EFISTUB_CPU_BASELINE: baseline } });
      expect(run.stdout, `EFISTUB_CPU_BASELINE=${baseline}`).toMatch(/^ok format=zstd /);
      expect(readFileSync(output).equals(data), `EFISTUB_CPU_BASELINE=${baseline}`).toBe(true);
    }
  });
});
