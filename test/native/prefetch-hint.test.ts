/**
 * host.prefetch (stub-src/host.d.ts), the cache hint zstd's sequence loop gives for each match:
 * the wasm2c stage writes every call of it as an inline prefetch (compiler/wasm2c.ts
 * inlinePrefetch). A hint must never fail, whatever its arguments: this builds a module that
 * passes it a real array, an index far past that array's end, an "array" address whose header
 * lies past the memory, and reads the memory after each, natively with -O2. The driver links no
 * definition of the import, so the program only links if every call was replaced.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDecompressTool } from '../../compiler/decompress-tool.ts';
import { wasmToC } from '../../compiler/wasm2c.ts';
import { projectRoot } from '../support/build-fixture.ts';

// An array header at 64 as porffor lays one out (element count, buffer address; the elements
// start 4 past the buffer address): 16 elements, buffer at 128. "sum" adds the 16 bytes after
// prefetching element `index` of the array at `array`.
const WAT = `(module
  (import "host" "prefetch" (func $prefetch (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "\\10\\00\\00\\00\\80\\00\\00\\00")
  (data (i32.const 132) "\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10")
  (func (export "sum") (param $array i32) (param $index i32) (result i32)
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
    local.get $total))`;

const DRIVER = `#include <stdio.h>
#include <stdlib.h>
#include "runtime.h"
#include "stub.h"
void *platform_allocate_pages(uint64_t bytes) { return calloc(1, bytes); }
void platform_free_pages(void *address, uint64_t bytes) { (void)bytes; free(address); }
void *platform_allocate_small(size_t bytes) { return calloc(1, bytes); }
void platform_console_write(const char *text, size_t length) { fwrite(text, 1, length, stdout); }
uint64_t platform_heap_reserve_bytes(void) { return 1u << 20; }
static Z_stub_instance_t instance;
int main(int argc, char **argv) {
  (void)argc;
  unsigned array = (unsigned)strtoul(argv[1], NULL, 0), index = (unsigned)strtoul(argv[2], NULL, 0);
  if (rt_enter() == 0) {
    wasm_rt_init();
    Z_stub_init_module();
    Z_stub_instantiate(&instance, NULL);
    printf("result %u\\n", Z_stubZ_sum(&instance, array, index));
    return 0;
  }
  printf("trap: %s\\n", rt_trap_reason());
  return 3;
}
`;

describe('wasm2c stage: host.prefetch', () => {
  it('is an inline prefetch that never traps, whatever the array and index', () => {
    const work = mkdtempSync(join(tmpdir(), 'efistub-prefetch-'));
    writeFileSync(join(work, 'm.wat'), WAT);
    writeFileSync(join(work, 'driver.c'), DRIVER);
    expect(spawnSync('wat2wasm', [join(work, 'm.wat'), '-o', join(work, 'm.wasm')]).status).toBe(0);
    expect(wasmToC(join(work, 'm.wasm'), join(work, 'stub.c'))).toEqual([]);
    const c = readFileSync(join(work, 'stub.c'), 'utf8');
    expect(c).toMatch(/rt_prefetch_element\(w2c_\w+, w2c_\w+\);/);
    expect(c).not.toContain('(*Z_hostZ_prefetch)');
    const runtime = join(projectRoot, 'compiler', 'runtime');
    const clang = spawnSync('clang', ['-O2', '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0', '-I', join(runtime, 'include-common'),
      '-I', runtime, '-I', work, join(work, 'stub.c'), join(work, 'driver.c'), join(runtime, 'wasm-rt.c'),
      '-o', join(work, 'm')], { encoding: 'utf8' });
    expect(clang.stderr).toBe('');
    expect(clang.status).toBe(0);
    const run = (array: number, index: number) => spawnSync(join(work, 'm'), [String(array), String(index)], { encoding: 'utf8' });
    // 1 + 2 + … + 16 = 136 every time: the hint changes nothing and traps nowhere.
    expect(run(64, 3).stdout).toBe('result 136\n');
    expect(run(64, 0xffffffff).stdout).toBe('result 136\n');
    expect(run(64, 0x7fff0000).stdout).toBe('result 136\n');
    expect(run(0xfffffff8, 5).stdout).toBe('result 136\n');
    expect(run((1 << 20) - 4, 0).stdout).toBe('result 136\n');
  });

  it('is inline in the decompression tool the pipeline builds (zstd\'s sequence loop gives it)', () => {
    const built = ensureDecompressTool(() => {});
    expect(built.diagnostics).toEqual([]);
    const c = readFileSync(join(built.tool!, '..', 'stub.c'), 'utf8');
    expect(c).toMatch(/rt_prefetch_element\(w2c_\w+, w2c_\w+\);/);
    expect(c).not.toContain('(*Z_hostZ_prefetch)');
  });
});
