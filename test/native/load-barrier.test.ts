/**
 * The wasm2c stage drops wasm2c 1.0.32's per-load asm barrier (compiler/wasm2c.ts explains why
 * that is safe with WASM_RT_MEMCHECK_SIGNAL_HANDLER=0). This builds the case the barrier exists
 * for: a load whose value is dropped, out of bounds. It must still trap, natively, with -O2.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDecompressTool } from '../../compiler/decompress-tool.ts';
import { ACCESS_GUARD_BYTES, wasmToC } from '../../compiler/wasm2c.ts';
import { projectRoot } from '../support/build-fixture.ts';
import { hostMain, MINIMAL_HOST_C } from '../support/minimal-host.ts';

const WAT = `(module
  (memory (export "memory") 1)
  (func (export "unusedLoad") (param i32) (result i32)
    local.get 0
    i32.load
    drop
    i32.const 7)
  (func (export "sum") (param i32) (result i32)
    (local i32 i32)
    loop
      local.get 2
      local.get 1
      i32.load8_u
      i32.add
      local.set 2
      local.get 1
      i32.const 1
      i32.add
      local.tee 1
      local.get 0
      i32.lt_u
      br_if 0
    end
    local.get 2))`;

// The driver: calls the export argv[1] names (unusedLoad or sum) at address argv[2], prints
// "result N" or "trap: <reason>".
const DRIVER = `${MINIMAL_HOST_C}${hostMain(`    unsigned address = (unsigned)strtoul(argv[2], NULL, 0);
    unsigned result = argv[1][0] == 'u' ? Z_stubZ_unusedLoad(&instance, address) : Z_stubZ_sum(&instance, address);
    printf("result %u\\n", result);`)}`;

/** A scratch directory holding the module's text (m.wat) and its C driver (driver.c). */
function moduleDir(prefix: string, wat: string, driver: string): string {
  const work = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(work, 'm.wat'), wat);
  writeFileSync(join(work, 'driver.c'), driver);
  return work;
}

/** work/m.wat through wat2wasm and the wasm2c stage; returns the stage's C (work/stub.c). */
function translateModule(work: string): string {
  expect(spawnSync('wat2wasm', ['--enable-exceptions', join(work, 'm.wat'), '-o', join(work, 'm.wasm')]).status).toBe(0);
  expect(wasmToC(join(work, 'm.wasm'), join(work, 'stub.c'))).toEqual([]);
  return readFileSync(join(work, 'stub.c'), 'utf8');
}

/** Builds work/stub.c with work/driver.c and the runtime as the native link does; returns clang's stderr. */
function compileWithRuntime(work: string): string {
  const runtime = join(projectRoot, 'compiler', 'runtime');
  return spawnSync('clang', ['-O2', '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0', '-I', join(runtime, 'include-common'),
    '-I', runtime, '-I', work, join(work, 'stub.c'), join(work, 'driver.c'), join(runtime, 'wasm-rt.c'),
    '-o', join(work, 'm')], { encoding: 'utf8' }).stderr;
}

describe('wasm2c stage: the per-load asm barrier', () => {
  const work = moduleDir('efistub-barrier-', WAT, DRIVER);

  it('is removed from both DEFINE_LOAD variants, and an unused out-of-bounds load still traps', () => {
    expect(translateModule(work)).not.toMatch(/wasm_asm\(""\s*::"r"\(result\)\)/);
    expect(compileWithRuntime(work)).toBe('');
    const run = (which: string, address: number) =>
      spawnSync(join(work, 'm'), [which, String(address)], { encoding: 'utf8' });
    expect(run('unused', 100).stdout).toBe('result 7\n');
    // The check is against what the memory may grow to (1 MiB in DRIVER), not the current size
    // (one page): compiler/wasm2c.ts useFixedMemory says why. It compares the load's base address
    // (checkAccessBases): a load that starts below 1 MiB and ends past it reads the guard the
    // runtime reserves beyond (RT_ACCESS_GUARD_BYTES); one that starts past 1 MiB traps.
    expect(run('unused', 65533).stdout).toBe('result 7\n');
    expect(run('unused', (1 << 20) - 3).stdout).toBe('result 7\n');
    expect(run('unused', (1 << 20) + 1).stdout).toBe('trap: out-of-bounds access to linear memory or a table\n');
    expect(run('unused', 0xfffffff0).status).toBe(3);
    expect(run('sum', 65536).stdout).toBe('result 0\n');
  });
});

// memory.copy through the stage's replacement helper (compiler/wasm2c.ts inlineSmallMemoryCopy):
// every length 0..72 at source/destination distances -40..40 (overlapping both ways; the inline
// paths end at 64 bytes), each
// checked against a memmove done here, and copies past the reservation trap.
const COPY_WAT = `(module
  (memory (export "memory") 1)
  (func (export "copy") (param i32 i32 i32) (result i32)
    (local i32 i32)
    loop
      local.get 3
      local.get 3
      i32.const 7
      i32.mul
      i32.const 1
      i32.add
      i32.store8
      local.get 3
      i32.const 1
      i32.add
      local.tee 3
      i32.const 256
      i32.lt_u
      br_if 0
    end
    local.get 0
    local.get 1
    local.get 2
    memory.copy
    i32.const 0
    local.set 3
    loop
      local.get 4
      i32.const 31
      i32.mul
      local.get 3
      i32.load8_u
      i32.add
      local.set 4
      local.get 3
      i32.const 1
      i32.add
      local.tee 3
      i32.const 256
      i32.lt_u
      br_if 0
    end
    local.get 4))`;

const COPY_DRIVER = DRIVER.replace(/static Z_stub_instance_t instance;[^]*$/, `static Z_stub_instance_t instance;
int main(int argc, char **argv) {
  (void)argc;
  if (rt_enter() == 0) {
    wasm_rt_init();
    Z_stub_init_module();
    Z_stub_instantiate(&instance);
    if (argv[1][0] == 'a') {
      for (int n = 0; n <= 72; n++)
        for (int shift = -40; shift <= 40; shift++)
          printf("%d %d %u\\n", n, shift, Z_stubZ_copy(&instance, 100 + shift, 100, n));
      return 0;
    }
    unsigned d = (unsigned)strtoul(argv[2], NULL, 0), s = (unsigned)strtoul(argv[3], NULL, 0), n = (unsigned)strtoul(argv[4], NULL, 0);
    printf("result %u\\n", Z_stubZ_copy(&instance, d, s, n));
    return 0;
  }
  printf("trap: %s\\n", rt_trap_reason());
  return 3;
}
`);

describe('wasm2c stage: memory.copy', () => {
  const work = moduleDir('efistub-copy-', COPY_WAT, COPY_DRIVER);

  it('is a memmove for every short and long length, overlapping both ways, and traps past the reservation', () => {
    expect(translateModule(work)).toContain('copies of up to 64 bytes inline');
    expect(compileWithRuntime(work)).toBe('');
    const expected: string[] = [];
    for (let n = 0; n <= 72; n++) {
      for (let shift = -40; shift <= 40; shift++) {
        const memory = new Uint8Array(256).map((_, i) => (i * 7 + 1) & 0xff);
        memory.copyWithin(100 + shift, 100, 100 + n);
        let hash = 0;
        for (const byte of memory) hash = (Math.imul(hash, 31) + byte) >>> 0;
        expected.push(`${n} ${shift} ${hash}`);
      }
    }
    const all = spawnSync(join(work, 'm'), ['all'], { encoding: 'utf8' });
    expect(all.stdout.trimEnd().split('\n')).toEqual(expected);
    const one = (d: number, s: number, n: number) => spawnSync(join(work, 'm'), ['one', String(d), String(s), String(n)], { encoding: 'utf8' });
    expect(one((1 << 20) - 8, 0, 8).stdout).toMatch(/^result \d+\n$/);
    expect(one((1 << 20) - 7, 0, 8).stdout).toBe('trap: out-of-bounds access to linear memory or a table\n');
    expect(one(0, (1 << 20) - 3, 4).stdout).toBe('trap: out-of-bounds access to linear memory or a table\n');
    expect(one(0, 0xfffffff0, 32).status).toBe(3);
  });

  it('copies short lengths without a call in the EFI build too (freestanding: a plain memcpy there is a call)', () => {
    // The stub is compiled -ffreestanding (linker-scripts/efi-clang.rsp), where memcpy is not a
    // builtin: each 8-byte move written as memcpy was a call into libc-efi.c, four per short copy.
    // Built from the C the test above generated; only memmove (lengths over 16) may remain.
    const runtime = join(projectRoot, 'compiler', 'runtime');
    const object = join(work, 'efi.obj');
    const compiled = spawnSync('clang', [`@${join(projectRoot, 'linker-scripts', 'efi-clang.rsp')}`,
      '-I', join(runtime, 'include-common'), '-I', join(runtime, 'include-efi'), '-I', work,
      '-c', join(work, 'stub.c'), '-o', object], { encoding: 'utf8' });
    expect(compiled.stderr).toBe('');
    const relocations = spawnSync('objdump', ['-d', '-r', object], { encoding: 'utf8' }).stdout;
    const called = [...relocations.matchAll(/IMAGE_REL_AMD64_REL32\s+(\w+)/g)].map((m) => m[1]);
    expect(called).toContain('memmove');
    expect(called).not.toContain('memcpy');
  });
});

const DEPTH_WAT = `(module
  (func $square (param i32) (result i32)
    local.get 0
    local.get 0
    i32.mul)
  (func (export "squares") (param i32) (result i32)
    local.get 0
    call $square
    local.get 0
    i32.const 1
    i32.add
    call $square
    i32.add)
  (func $down (export "down") (param i32) (result i32)
    local.get 0
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get 0
      i32.const 1
      i32.sub
      call $down
      i32.const 1
      i32.add
    end))`;

/** DRIVER's platform, with main calling export `first` (argv[1] starts with its letter) or `second` on argv[2]. */
function twoExportDriver(first: string, second: string): string {
  return DRIVER.replace(/static Z_stub_instance_t instance;[^]*$/, `static Z_stub_instance_t instance;
int main(int argc, char **argv) {
  (void)argc;
  unsigned n = (unsigned)strtoul(argv[2], NULL, 0);
  if (rt_enter() == 0) {
    wasm_rt_init();
    Z_stub_init_module();
    Z_stub_instantiate(&instance);
    printf("result %u\\n", argv[1][0] == '${first[0]}' ? Z_stubZ_${first}(&instance, n) : Z_stubZ_${second}(&instance, n));
    return 0;
  }
  printf("trap: %s\\n", rt_trap_reason());
  return 3;
}
`);
}

const DEPTH_DRIVER = twoExportDriver('squares', 'down');

describe('wasm2c stage: the call-depth count', () => {
  const work = moduleDir('efistub-depth-', DEPTH_WAT, DEPTH_DRIVER);

  it('is dropped from functions that call no other (porffor\'s Math.imul), kept where a call could recurse', () => {
    const c = translateModule(work);
    const body = (name: string): string => c.split(new RegExp(`^static u32 ${name}\\(Z_stub_instance_t\\* instance[^)]*\\) \\{$`, 'm'))[1].split(/^\}$/m)[0];
    // $square is w2c_f0, "squares" and "down" keep their export names.
    expect(body('w2c_f0')).not.toMatch(/FUNC_(PROLOGUE|EPILOGUE)/);
    expect(body('w2c_squares')).toContain('FUNC_PROLOGUE;');
    expect(body('w2c_squares')).toContain('FUNC_EPILOGUE;');
    expect(body('w2c_down')).toContain('FUNC_PROLOGUE;');
    expect(compileWithRuntime(work)).toBe('');
    expect(spawnSync(join(work, 'm'), ['squares', '7'], { encoding: 'utf8' }).stdout).toBe('result 113\n');
    expect(spawnSync(join(work, 'm'), ['down', '400'], { encoding: 'utf8' }).stdout).toBe('result 400\n');
    // Still bounded: unbounded recursion traps on the limit (WASM_RT_MAX_CALL_STACK_DEPTH, 500).
    const deep = spawnSync(join(work, 'm'), ['down', '100000'], { encoding: 'utf8' });
    expect(deep.stdout).toBe('trap: call stack exhausted\n');
    expect(deep.status).toBe(3);
  });
});

// A thrown value goes through a copy of its own (compiler/wasm2c.ts copyThrownValues), so no
// working variable's address is taken; caught or uncaught, the exception is what it was.
const THROW_WAT = `(module
  (memory (export "memory") 1)
  (tag $e (param i32))
  (func (export "caught") (param i32) (result i32)
    try (result i32)
      local.get 0
      i32.const 5
      i32.add
      throw $e
    catch $e
      i32.const 1000
      i32.mul
    end)
  (func (export "uncaught") (param i32) (result i32)
    local.get 0
    throw $e))`;

const THROW_DRIVER = twoExportDriver('caught', 'uncaught');

describe('wasm2c stage: thrown values', () => {
  const work = moduleDir('efistub-throw-', THROW_WAT, THROW_DRIVER);

  it('are copied out of the working variables, whose addresses are never taken, and arrive unchanged', () => {
    const c = translateModule(work);
    expect(c).toContain('{ u32 rt_thrown = w2c_i0; wasm_rt_load_exception(w2c_e0, sizeof(u32), &rt_thrown); }');
    // The catch copies the value in with wasm_rt_memcpy, __builtin_memcpy, which clang sees through.
    expect(c.replace(/wasm_rt_memcpy\(&w2c_i\d+, wasm_rt_exception\(\)/g, '')).not.toMatch(/&w2c_[il]\d/);
    expect(compileWithRuntime(work)).toBe('');
    expect(spawnSync(join(work, 'm'), ['caught', '37'], { encoding: 'utf8' }).stdout).toBe('result 42000\n');
    const uncaught = spawnSync(join(work, 'm'), ['uncaught', '1'], { encoding: 'utf8' });
    expect(uncaught.stdout).toBe('trap: uncaught exception\n');
    expect(uncaught.status).toBe(3);
  });
});

// Loads the wasm2c stage may leave unchecked (compiler/wasm2c.ts useFixedMemory, RT_IN_INITIAL):
// `table` reads at a constant base plus a byte-sized index, inside the one initial page, as the
// decoders read their static tables (porffor patch 019); `far` has the same shape, but its range
// reaches past the initial page, so it keeps its check against the reservation.
const INITIAL_WAT = `(module
  (memory (export "memory") 1)
  (data (i32.const 0x1000) "\\01\\02\\03\\04\\05\\06\\07\\08")
  (func (export "table") (param i32) (result i32)
    local.get 0
    i32.const 255
    i32.and
    i32.const 2
    i32.shl
    i32.load offset=0x1000)
  (func (export "far") (param i32) (result i32)
    local.get 0
    i32.const 255
    i32.and
    i32.const 2
    i32.shl
    i32.load offset=0xfff00))`;

describe('wasm2c stage: loads within the initial memory', () => {
  const work = moduleDir('efistub-initial-', INITIAL_WAT, twoExportDriver('table', 'far'));

  it('need no bounds check when clang can prove it; others keep theirs and trap past the reservation', () => {
    expect(translateModule(work)).toContain('#define RT_INITIAL_MEMORY_BYTES 65536ull');
    expect(compileWithRuntime(work)).toBe('');
    const run = (which: string, n: number) => spawnSync(join(work, 'm'), [which, String(n)], { encoding: 'utf8' }).stdout;
    expect(run('table', 0)).toBe('result 67305985\n');
    expect(run('table', 0x301)).toBe('result 134678021\n');
    expect(run('table', 255)).toBe('result 0\n');
    expect(run('far', 63)).toBe('result 0\n');
    expect(run('far', 64)).toBe('trap: out-of-bounds access to linear memory or a table\n');
    // The machine code: `table`'s load has no comparison against the reservation, `far`'s has.
    const object = join(work, 'stub.o');
    expect(spawnSync('clang', ['-O2', '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0', '-I', join(projectRoot, 'compiler', 'runtime', 'include-common'),
      '-I', work, '-c', join(work, 'stub.c'), '-o', object], { encoding: 'utf8' }).stderr).toBe('');
    const disassembly = spawnSync('objdump', ['-d', '-r', object], { encoding: 'utf8' }).stdout;
    const body = (name: string) => disassembly.split(`<${name}>:`)[1].split(/\n\n/)[0];
    expect(body('Z_stubZ_table')).not.toContain('rt_memory_access_bound');
    expect(body('Z_stubZ_far')).toContain('rt_memory_access_bound');
  });
});

// Accesses checked by their base address (compiler/wasm2c.ts checkAccessBases): `stripe` stores a
// byte at offset 40 and reads four 8-byte words at offsets 0, 8, 16 and 24 from one base, as
// XXH64 reads a stripe; `wide` reads at an offset past the runtime's guard, which keeps the check
// of the whole address.
const BASES_WAT = `(module
  (memory (export "memory") 1)
  (func (export "stripe") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.store8 offset=40
    local.get 0
    i64.load
    local.get 0
    i64.load offset=8
    i64.add
    local.get 0
    i64.load offset=16
    i64.add
    local.get 0
    i64.load offset=24
    i64.add
    i32.wrap_i64)
  (func (export "wide") (param i32) (result i32)
    local.get 0
    i32.load offset=0x10000))`;

describe('wasm2c stage: accesses checked by their base address', () => {
  const work = moduleDir('efistub-bases-', BASES_WAT, twoExportDriver('stripe', 'wide'));

  it('share one comparison per base, trap from a base past the memory\'s limit, and agree with the runtime\'s guard', () => {
    const c = translateModule(work);
    expect(c).toMatch(/i64_load_at\(&instance->w2c_memory, \(u64\)\(w2c_i\d\), 24u\)/);
    // wasm2c writes a store's offset without the `u` of a load's.
    expect(c).toMatch(/i32_store8_at\(&instance->w2c_memory, \(u64\)\(w2c_i\d\), 40u, w2c_i\d\)/);
    expect(c).toMatch(/i32_load\(&instance->w2c_memory, \(u64\)\(w2c_i0\) \+ 65536u\)/);
    expect(compileWithRuntime(work)).toBe('');
    const run = (which: string, n: number) => spawnSync(join(work, 'm'), [which, String(n)], { encoding: 'utf8' }).stdout;
    expect(run('stripe', 0)).toBe('result 0\n');
    // 1 MiB in DRIVER: a stripe from just below it ends in the guard; from just past it, a trap.
    expect(run('stripe', (1 << 20) - 8)).toBe('result 0\n');
    expect(run('stripe', (1 << 20) + 1)).toBe('trap: out-of-bounds access to linear memory or a table\n');
    expect(run('wide', (1 << 20) - 65536 - 4)).toBe('result 0\n');
    expect(run('wide', (1 << 20) - 65536 - 3)).toBe('trap: out-of-bounds access to linear memory or a table\n');
    // The machine code: the store and the four loads of `stripe` make one comparison.
    const object = join(work, 'stub.o');
    expect(spawnSync('clang', ['-O2', '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0', '-I', join(projectRoot, 'compiler', 'runtime', 'include-common'),
      '-I', work, '-c', join(work, 'stub.c'), '-o', object], { encoding: 'utf8' }).stderr).toBe('');
    const disassembly = spawnSync('objdump', ['-d', '--no-show-raw-insn', object], { encoding: 'utf8' }).stdout;
    const stripe = disassembly.split('<Z_stubZ_stripe>:')[1].split(/\n\n/)[0];
    expect(stripe.match(/\bcmp/g)).toHaveLength(1);
    const runtimeHeader = readFileSync(join(projectRoot, 'compiler', 'runtime', 'runtime.h'), 'utf8');
    expect(runtimeHeader).toContain(`#define RT_ACCESS_GUARD_BYTES ${ACCESS_GUARD_BYTES}u`);
  });
});

// host.prefetch (stub-src/host.d.ts), the cache hint zstd's sequence loop gives for each match:
// the stage writes every call of it as an inline prefetch (compiler/wasm2c.ts inlinePrefetch).
// A hint must never fail, whatever its arguments. An array header at 64 as porffor lays one out
// (element count, buffer address; the elements start 4 past the buffer address): 16 elements,
// buffer at 128. "sum" prefetches element `index` of the array at `array`, then adds the 16
// bytes; "resum" does the same after assigning its `array` parameter (to itself plus 0), which
// keeps its header read at the hint. The driver links no definition of the import: the program
// links only if every call was replaced.
const PREFETCH_WAT = `(module
  (import "host" "prefetch" (func $prefetch (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "\\10\\00\\00\\00\\80\\00\\00\\00")
  (data (i32.const 132) "\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10")
  (func $sum (export "sum") (param $array i32) (param $index i32) (result i32)
    (local $at i32) (local $total i32)
    local.get $array
    local.get $index
    call $prefetch
    loop
      local.get $total
      local.get $at
      i32.load8_u offset=132
      i32.add
      local.set $total
      local.get $at
      i32.const 1
      i32.add
      local.tee $at
      i32.const 16
      i32.lt_u
      br_if 0
    end
    local.get $total)
  (func (export "resum") (param $array i32) (param $index i32) (result i32)
    local.get $array
    i32.const 0
    i32.add
    local.set $array
    local.get $array
    local.get $index
    call $prefetch
    local.get $array
    local.get $index
    call $prefetch
    local.get $array
    local.get $index
    call $sum))`;

const PREFETCH_DRIVER = DRIVER.replace(/static Z_stub_instance_t instance;[^]*$/, `static Z_stub_instance_t instance;
int main(int argc, char **argv) {
  (void)argc;
  unsigned array = (unsigned)strtoul(argv[1], NULL, 0), index = (unsigned)strtoul(argv[2], NULL, 0);
  if (rt_enter() == 0) {
    wasm_rt_init();
    Z_stub_init_module();
    Z_stub_instantiate(&instance, NULL);
    printf("result %u %u\\n", Z_stubZ_sum(&instance, array, index), Z_stubZ_resum(&instance, array, index));
    return 0;
  }
  printf("trap: %s\\n", rt_trap_reason());
  return 3;
}
`);

describe('wasm2c stage: host.prefetch', () => {
  const work = moduleDir('efistub-prefetch-', PREFETCH_WAT, PREFETCH_DRIVER);

  it('is an inline prefetch that never traps, whatever the array and index', () => {
    const c = translateModule(work);
    const body = (name: string): string => c.split(new RegExp(`^static u32 ${name}\\(Z_stub_instance_t\\* instance[^)]*\\) \\{$`, 'm'))[1].split(/^\}$/m)[0];
    const exported = (name: string): string => new RegExp(`^u32 Z_stubZ_${name}\\(Z_stub_instance_t\\* instance[^)]*\\) \\{\\n  return (w2c_\\w+)\\(`, 'm').exec(c)![1];
    // "sum": its array is a parameter it never assigns, whose header is read once, where it starts.
    const sum = body(exported('sum'));
    expect(sum).toMatch(/^\s*const u64 rt_prefetch_base_(w2c_p0) = rt_prefetch_array_base\(\1\);$/m);
    expect(sum).toMatch(/rt_prefetch_at\(rt_prefetch_base_w2c_p0, w2c_\w+\);/);
    // "resum" assigns it: each hint reads the header.
    const resum = body(exported('resum'));
    expect(resum.match(/rt_prefetch_element\(w2c_\w+, w2c_\w+\);/g)).toHaveLength(2);
    expect(resum).not.toContain('rt_prefetch_base_');
    expect(c).not.toContain('(*Z_hostZ_prefetch)');
    expect(compileWithRuntime(work)).toBe('');
    const run = (array: number, index: number) => spawnSync(join(work, 'm'), [String(array), String(index)], { encoding: 'utf8' }).stdout;
    // 1 + 2 + … + 16 = 136 every time: the hint changes nothing and traps nowhere, also with an
    // index far past the array and a header past the memory (1 MiB in DRIVER) or its reservation.
    expect(run(64, 3)).toBe('result 136 136\n');
    expect(run(64, 0xffffffff)).toBe('result 136 136\n');
    expect(run(64, 0x7fff0000)).toBe('result 136 136\n');
    expect(run((1 << 20) - 4, 0)).toBe('result 136 136\n');
    expect(run(0xfffffff8, 5)).toBe('result 136 136\n');
  });

  it('is inline in the decompression tool the pipeline builds (zstd\'s sequence loop gives it), its header read once', () => {
    const built = ensureDecompressTool(() => {});
    expect(built.diagnostics).toEqual([]);
    const c = readFileSync(join(built.tool!, '..', 'stub.c'), 'utf8');
    // Its output buffer is a parameter of the loop's function: one header read a call.
    expect(c).toMatch(/rt_prefetch_at\(rt_prefetch_base_w2c_p\d+, w2c_\w+\);/);
    expect(c).not.toContain('(*Z_hostZ_prefetch)');
  });
});
