/**
 * @fileoverview Stage "wasm2c": out/stub.wasm → out/stub.c + out/stub.h (Debian wabt 1.0.32).
 *
 * The module is named "stub", so the C symbols are Z_stubZ_<export> and the host imports
 * Z_hostZ_<field>, which compiler/runtime/host-*.c implement. wasm-rt.h is copied beside the
 * output so the link stage needs no system include directory (the EFI build has none).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Diagnostic } from './diagnostics.ts';
import { runTool } from './tools.ts';
import { BMI2_SECTION, NOINLINE_SECTION, packDataSegments, readFunctionListSection, readNoinlineSection } from './wasm-data.ts';

export const WASM2C_FAILED = 601;
export const WASM2C_RUNTIME_HEADER_MISSING = 602;
export const WASM2C_LOAD_BARRIER_NOT_FOUND = 603;
export const WASM2C_COPY_MARKS_MISMATCH = 604;
export const WASM2C_NOINLINE_NOT_FOUND = 605;
const WASM_RT_HEADER = '/usr/include/wasm-rt.h';

/**
 * wasm2c 1.0.32's DEFINE_LOAD (both endian variants) ends every load with an empty asm
 * statement that takes the loaded value as an input, `wasm_asm("" ::"r"(result));`. It keeps
 * a load whose result is unused: wabt needs that when out-of-bounds accesses are caught by guard
 * pages (WASM_RT_MEMCHECK_SIGNAL_HANDLER=1), where the load itself is the bounds check. It also
 * stops clang from hoisting or combining loads, which halved adler32's speed (DESIGN.md).
 *
 * It is removed here, and only here, because both of our links build with
 * WASM_RT_MEMCHECK_SIGNAL_HANDLER=0 (linker-scripts/efi-clang.rsp, link.ts linkNative): then
 * MEMCHECK is RANGE_CHECK, an explicit `if (addr + size > mem->size) TRAP(OOB)` ahead of the
 * memcpy, and TRAP calls wasm_rt_trap, declared noreturn and defined in another translation
 * unit (compiler/runtime/wasm-rt.c). clang cannot drop or reorder a call with unknown side
 * effects, so a load whose value is never used loses its memcpy but keeps its check and still
 * traps out of bounds (test/native/load-barrier.test.ts builds exactly that case).
 */
const LOAD_BARRIER = /^[ \t]*wasm_asm\(""\s*::\s*"r"\(result\)\);[ \t]*\\\n/gm;

export function dropLoadBarrier(cText: string): { text: string; removed: number } {
  let removed = 0;
  const text = cText.replace(LOAD_BARRIER, () => { removed++; return ''; });
  return { text, removed };
}

/**
 * wasm2c's loads and stores take the instance's memory descriptor and read `mem->data` and
 * `mem->size` at every access. A byte store through `mem->data` may, as far as C's aliasing
 * rules go, overwrite the descriptor itself, so clang reloads both from the instance after
 * each store: two extra loads per access in the decoders' hot loops, which under QEMU's TCG
 * (every guest load a soft-MMU lookup) made the stub's xz decode about twice the kernel's.
 *
 * The runtime never moves linear memory (one reservation, wasm-rt.c), so the helpers here read
 * the base and the most the memory can grow to through two functions declared
 * __attribute__((const)) (compiler/runtime/runtime.h: rt_memory_base, rt_memory_access_bound):
 * their results are fixed once the module is instantiated, and clang may keep them in
 * registers. The bounds check is then against that limit, not the current size: an access
 * between the two reads the stub's own reserved pages instead of trapping. Nothing outside the
 * reservation (the limit plus a guard, checkAccessBases below) can be reached, which is the
 * guarantee the host needs.
 *
 * That limit is never smaller than the module's initial memory (wasm-rt.c), so an access
 * that ends within it needs no check. RT_IN_INITIAL tells clang so where clang can prove it,
 * and only there: __builtin_constant_p of the comparison is true once clang has folded the
 * comparison to a constant from what it knows of the address (a constant base plus a masked or
 * byte-sized index: porffor patch 019's static tables, which live in the initial memory), and
 * false otherwise, leaving the one comparison against the limit as before.
 */
const MEMCHECK_CALL = /MEMCHECK\(mem, addr, t1\);/g;
const DATA_ADDRESS = /&mem->data\[addr\]/g;
const INITIAL_MEMORY = /wasm_rt_allocate_memory\(&instance->\w+, (\d+), /;
const fixedMemoryDeclarations = (initialBytes: number): string => `
/* efistub (compiler/wasm2c.ts): linear memory at a fixed place, read through const functions. */
__attribute__((const)) u8 *rt_memory_base(void);
__attribute__((const)) u64 rt_memory_access_bound(void);
#define RT_INITIAL_MEMORY_BYTES ${initialBytes}ull
#define RT_IN_INITIAL(end) (__builtin_constant_p((end) <= RT_INITIAL_MEMORY_BYTES) && (end) <= RT_INITIAL_MEMORY_BYTES)
#define RT_OUT_OF_BOUNDS(end) ((end) > rt_memory_access_bound() && !RT_IN_INITIAL(end))
#define RT_MEMCHECK_FIXED(a, t) \\
  if (UNLIKELY(RT_OUT_OF_BOUNDS((a) + (u64)sizeof(t)))) TRAP(OOB);

#if WABT_BIG_ENDIAN`;

export function useFixedMemory(cText: string): { text: string; replaced: number } {
  let replaced = 0;
  // No memory section: no initial memory, every access is checked.
  const initialBytes = Number(INITIAL_MEMORY.exec(cText)?.[1] ?? 0) * 65536;
  const text = cText
    .replace('#if WABT_BIG_ENDIAN', () => { replaced++; return fixedMemoryDeclarations(initialBytes).slice(1); })
    .replace(MEMCHECK_CALL, () => { replaced++; return 'RT_MEMCHECK_FIXED(addr, t1);'; })
    .replace(DATA_ADDRESS, () => { replaced++; return '&rt_memory_base()[addr]'; });
  return { text, replaced };
}

/**
 * wasm2c passes a load or store its address as one value, `(u64)(base) + offset`: the Wasm
 * address (an i32 the code computed) plus the instruction's constant offset. Checked as a whole,
 * two accesses at one base and different offsets are two checks, and clang (14) does not see that
 * one implies the other: XXH64's four 8-byte reads a stripe, CRC-32's two words a step, each
 * Uint8Array element at its data pointer + 4 + index all paid their own.
 *
 * The runtime reserves RT_ACCESS_GUARD_BYTES beyond the most linear memory can grow to
 * (compiler/runtime/wasm-rt.c, runtime.h), so when offset + size is at most that guard, a base
 * at most rt_memory_access_bound() (the reservation less the guard) puts the whole access inside
 * the reservation. Those calls become `<name>_at(mem, base, offset)`, whose check compares the
 * base alone: one comparison without the addition, and the same comparison for every access at
 * that base, which clang then makes once. A base above the bound traps, as before: it is past
 * what the memory can grow to, which Wasm would trap at too. RT_IN_INITIAL still drops the check
 * where clang can prove the access ends in the initial memory. Calls whose address is not that
 * shape, or whose offset is larger, keep the check of the whole address.
 */
export const ACCESS_GUARD_BYTES = 65536;
const LOAD_STORE_DEFINITION = /^DEFINE_(LOAD|STORE)\((\w+), (\w+)((?:, \w+)+)\)$/gm;
const ACCESS_AT_MACROS = `
/* efistub (compiler/wasm2c.ts checkAccessBases): accesses checked by their base address. */
#define RT_BASE_OUT_OF_BOUNDS(base, end) ((base) > rt_memory_access_bound() && !RT_IN_INITIAL(end))
#define DEFINE_LOAD_AT(name, t1, t2, t3)                                               \\
  static inline t3 name##_at(wasm_rt_memory_t* mem, u64 base, u64 offset) {           \\
    (void)mem;                                                                         \\
    if (UNLIKELY(RT_BASE_OUT_OF_BOUNDS(base, base + offset + (u64)sizeof(t1)))) TRAP(OOB); \\
    t1 result;                                                                         \\
    wasm_rt_memcpy(&result, &rt_memory_base()[base + offset], sizeof(t1));             \\
    return (t3)(t2)result;                                                             \\
  }
#define DEFINE_STORE_AT(name, t1, t2)                                                  \\
  static inline void name##_at(wasm_rt_memory_t* mem, u64 base, u64 offset, t2 value) { \\
    (void)mem;                                                                         \\
    if (UNLIKELY(RT_BASE_OUT_OF_BOUNDS(base, base + offset + (u64)sizeof(t1)))) TRAP(OOB); \\
    t1 wrapped = (t1)value;                                                            \\
    wasm_rt_memcpy(&rt_memory_base()[base + offset], &wrapped, sizeof(t1));            \\
  }
`;
const ACCESS_BYTES: Record<string, number> = { u8: 1, s8: 1, u16: 2, s16: 2, u32: 4, s32: 4, f32: 4, u64: 8, s64: 8, f64: 8 };

export function checkAccessBases(cText: string): { text: string; helpers: number } {
  const bytes = new Map<string, number>();
  let helpers = 0;
  let text = cText.replace(LOAD_STORE_DEFINITION, (line: string, kind: string, name: string, memoryType: string, rest: string) => {
    const size = ACCESS_BYTES[memoryType];
    if (size === undefined) return line;
    bytes.set(name, size);
    helpers++;
    return `${line}\nDEFINE_${kind}_AT(${name}, ${memoryType}${rest})`;
  });
  if (helpers === 0) return { text: cText, helpers: 0 };
  const firstDefinition = text.search(/^DEFINE_(LOAD|STORE)\(/m);
  text = text.slice(0, firstDefinition) + ACCESS_AT_MACROS.slice(1) + '\n' + text.slice(firstDefinition);
  const call = new RegExp(`\\b(${[...bytes.keys()].join('|')})\\(&instance->(\\w+), \\(u64\\)\\((w2c_\\w+)\\)(?: \\+ (\\d+)u?)?(?=[,)])`, 'g');
  text = text.replace(call, (whole: string, name: string, memory: string, base: string, offset: string | undefined) => {
    const at = Number(offset ?? 0);
    if (at + bytes.get(name)! > ACCESS_GUARD_BYTES) return whole;
    return `${name}_at(&instance->${memory}, (u64)(${base}), ${at}u`;
  });
  return { text, helpers };
}

/**
 * wasm2c's memory.copy is a bounds check against `mem->size` and a call to memmove. Many of the
 * decoders' copies (porffor patch 012) are short: the first chunks of an overlapping LZ match,
 * which lzCopyMatch copies in doubling chunks, start at the match's distance. For those the call
 * and memmove's own size dispatch cost more than the copy. The helper is replaced by one that
 * checks both ranges against the same limit (as the loads and stores above do), copies up to
 * 64 bytes inline with two (four past 32 bytes) possibly overlapping loads and stores of a
 * power-of-two size, 16 bytes at most (SSE2, in every x86-64), every load before any store (so an
 * overlapping copy is still a memmove), and calls memmove beyond that. Matches of 17..64 bytes are
 * common in every format; inline they skip the call and memmove's own dispatch (measured: LZ4 and
 * zstd natively, BENCHMARKS.md). It is always_inline and moves words with wasm_rt_memcpy
 * (__builtin_memcpy): the EFI build is -ffreestanding, where a plain memcpy is a call into
 * libc-efi.c, and clang kept the helper itself out of line there; under QEMU's TCG each call and
 * its register saves are guest memory traffic (measured: Debian's xz payload's decompress stage
 * 3082 -> 2838 ms, BENCHMARKS.md). The copy itself is memory_copy_in_range, which the copies
 * porffor patch 021 marks call without the checks (uncheckTestedCopies below).
 */
const MEMORY_COPY_HELPER = /static inline void memory_copy\(wasm_rt_memory_t\* dest,\n[^{]*\{\n  RANGE_CHECK\(dest, dest_addr, n\);\n  RANGE_CHECK\(src, src_addr, n\);\n  memmove\(dest->data \+ dest_addr, src->data \+ src_addr, n\);\n\}\n/;
const SMALL_MEMORY_COPY = `typedef u8 rt_bytes16 __attribute__((vector_size(16)));
/* efistub (compiler/wasm2c.ts): fixed memory, copies of up to 64 bytes inline. Without a bounds
 * check: a copy porffor patch 021 proved inside the memory calls this directly. */
static inline __attribute__((always_inline)) void memory_copy_in_range(wasm_rt_memory_t* dest,
                               const wasm_rt_memory_t* src,
                               u32 dest_addr,
                               u32 src_addr,
                               u32 n) {
  (void)dest;
  (void)src;
  u8* d = rt_memory_base() + dest_addr;
  const u8* s = rt_memory_base() + src_addr;
  if (n >= 16) {
    if (n > 64) {
      memmove(d, s, n);
      return;
    }
    rt_bytes16 first, second, third, last;
    wasm_rt_memcpy(&first, s, 16);
    wasm_rt_memcpy(&last, s + n - 16, 16);
    if (n > 32) {
      wasm_rt_memcpy(&second, s + 16, 16);
      wasm_rt_memcpy(&third, s + n - 32, 16);
      wasm_rt_memcpy(d + 16, &second, 16);
      wasm_rt_memcpy(d + n - 32, &third, 16);
    }
    wasm_rt_memcpy(d, &first, 16);
    wasm_rt_memcpy(d + n - 16, &last, 16);
  } else if (n >= 8) {
    u64 head, tail;
    wasm_rt_memcpy(&head, s, 8);
    wasm_rt_memcpy(&tail, s + n - 8, 8);
    wasm_rt_memcpy(d, &head, 8);
    wasm_rt_memcpy(d + n - 8, &tail, 8);
  } else if (n >= 4) {
    u32 head, tail;
    wasm_rt_memcpy(&head, s, 4);
    wasm_rt_memcpy(&tail, s + n - 4, 4);
    wasm_rt_memcpy(d, &head, 4);
    wasm_rt_memcpy(d + n - 4, &tail, 4);
  } else if (n != 0) {
    u8 first = s[0], middle = s[n >> 1], last = s[n - 1];
    d[0] = first;
    d[n >> 1] = middle;
    d[n - 1] = last;
  }
}
static inline __attribute__((always_inline)) void memory_copy(wasm_rt_memory_t* dest,
                               const wasm_rt_memory_t* src,
                               u32 dest_addr,
                               u32 src_addr,
                               u32 n) {
  if (UNLIKELY(RT_OUT_OF_BOUNDS(dest_addr + (u64)n) || RT_OUT_OF_BOUNDS(src_addr + (u64)n))) TRAP(OOB);
  memory_copy_in_range(dest, src, dest_addr, src_addr, n);
}
`;

export function inlineSmallMemoryCopy(cText: string): { text: string; replaced: number } {
  let replaced = 0;
  const text = cText.replace(MEMORY_COPY_HELPER, () => { replaced++; return SMALL_MEMORY_COPY; });
  return { text, replaced };
}

/**
 * Porffor patch 021 puts a nop right before a memory.copy whose two ranges it has tested
 * against arrays whose bytes are known to lie in the memory (parameters checked against
 * memory.size on entry, static tables in the initial memory): such a copy cannot leave the
 * memory, so its bounds check against the limit can go. wasm2c writes nothing for a nop,
 * so the marks are read from wasm2wat's disassembly of the same module: for each function, the
 * k-th memory.copy there is the k-th memory_copy call in that function's C (wasm2c translates
 * instructions in order, and names a function w2c_<its export name>, or w2c_f<its index> when it
 * has none), and a marked one becomes memory_copy_in_range. A function whose number of copies
 * differs between the two fails the stage rather than guess: a mark on the wrong copy would drop
 * a check that is needed. Only patch 021 writes nops: porffor 0.61.13's code generator and its
 * precompiled builtins have none, so a nop before a memory.copy is always its mark.
 */
const WAT_FUNCTION = /^ {2}\(func (?:\$\S+ )?\(;(\d+);\)/;
const WAT_FUNCTION_EXPORT = /^ {2}\(export "([A-Za-z_][A-Za-z0-9_]*)" \(func (\d+)\)\)/gm;
const C_FUNCTION = /^static [^\n;]*?\b(w2c_\w+)\(Z_stub_instance_t\* instance[^)]*\) \{\n[\s\S]*?^\}\n/gm;
const MEMORY_COPY_CALL = /\bmemory_copy\(&instance->/g;

/**
 * For each function with a memory.copy, by its C name (w2c_<export name> for an exported one,
 * w2c_f<index> otherwise), whether each of its memory.copy instructions has a nop before it.
 */
export function rangeTestedCopies(watText: string): Map<string, boolean[]> {
  const byIndex = new Map<number, boolean[]>();
  let current: boolean[] | null = null;
  let previous = '';
  for (const line of watText.split('\n')) {
    const start = WAT_FUNCTION.exec(line);
    if (start) {
      current = [];
      byIndex.set(Number(start[1]), current);
      previous = '';
      continue;
    }
    // A function's last instruction carries the function's closing parenthesis.
    const instruction = line.trim().replace(/\)+$/, '');
    if (instruction === 'memory.copy' && current) current.push(previous === 'nop');
    if (instruction !== '') previous = instruction;
  }
  const exported = exportedFunctions(watText);
  const marks = new Map<string, boolean[]>();
  for (const [index, copies] of byIndex) {
    if (copies.length > 0) marks.set(cFunctionName(index, exported), copies);
  }
  return marks;
}

/** Export names of the module's exported functions, by function index, from its disassembly. */
function exportedFunctions(watText: string): Map<number, string> {
  const exported = new Map<number, string>();
  for (const [, name, index] of watText.matchAll(WAT_FUNCTION_EXPORT)) exported.set(Number(index), name);
  return exported;
}

/** wasm2c's name for a function: w2c_<its export name>, or w2c_f<its index> when it has none. */
function cFunctionName(index: number, exported: Map<number, string>): string {
  return `w2c_${exported.get(index) ?? `f${index}`}`;
}

export function uncheckTestedCopies(cText: string, marks: Map<string, boolean[]>):
  { text: string; unchecked: number; mismatch?: string } {
  let unchecked = 0;
  let mismatch: string | undefined;
  const seen = new Set<string>();
  const text = cText.replace(C_FUNCTION, (definition, name: string) => {
    const copies = marks.get(name) ?? [];
    seen.add(name);
    let k = 0;
    const rewritten = definition.replace(MEMORY_COPY_CALL, (call) => {
      const tested = copies[k++];
      if (!tested) return call;
      unchecked++;
      return 'memory_copy_in_range(&instance->';
    });
    if (k !== copies.length && mismatch === undefined) {
      mismatch = `${name} has ${k} memory_copy calls in the C and ${copies.length} memory.copy in the Wasm`;
    }
    return rewritten;
  });
  for (const name of marks.keys()) {
    if (!seen.has(name) && mismatch === undefined) mismatch = `${name} has memory.copy in the Wasm but is not in the C`;
  }
  return mismatch === undefined ? { text, unchecked } : { text: cText, unchecked: 0, mismatch };
}

/**
 * wasm2c counts Wasm call depth (wasm-rt.h: WASM_RT_USE_STACK_DEPTH_COUNT, on when memory
 * checks are not guard pages): every function increments a global counter on entry, traps past
 * WASM_RT_MAX_CALL_STACK_DEPTH, and decrements it on exit. After clang inlines a small function
 * the counter stays, as a load, two stores and a branch at each inlined call: porffor's
 * Math.imul is such a function, and LZMA calls it for every bit it decodes (under QEMU's TCG
 * each of those accesses is a soft-MMU lookup). A function that calls no other Wasm function
 * (no direct call, no call_indirect; host imports are C and never re-enter) cannot recurse, so
 * its own frame is the only one it adds beyond the caller's, which was counted: its prologue
 * and epilogue are removed. The limit then bounds the frames of every function but the last,
 * leaf one, which is what it protects the native stack from: unbounded recursion.
 */
const FUNCTION_DEFINITION = /^static [^\n;]*?\bw2c_\w+\(Z_stub_instance_t\* instance[^)]*\) \{\n[\s\S]*?^\}\n/gm;
const WASM_CALL = /\bw2c_\w+\(instance\b|CALL_INDIRECT\(/;

export function uncountLeafFunctions(cText: string): { text: string; leaves: number } {
  let leaves = 0;
  const text = cText.replace(FUNCTION_DEFINITION, (definition) => {
    const body = definition.slice(definition.indexOf('{\n'));
    if (WASM_CALL.test(body) || !body.includes('  FUNC_PROLOGUE;\n')) return definition;
    leaves++;
    return definition.replace('  FUNC_PROLOGUE;\n', '').replace(/^  FUNC_EPILOGUE;\n/gm, '');
  });
  return { text, leaves };
}

/**
 * wasm2c throws a Wasm exception by passing the address of the variable that holds its value,
 * `wasm_rt_load_exception(tag, sizeof(u32), &w2c_i0);`. That variable is the function's working
 * variable for every expression, and once its address has gone to a function clang cannot see
 * into, clang must assume the pointer was kept: every later assignment to it is then a store to
 * the stack, made before each call and before each bounds check's trap. porffor's range checks
 * throw (patch 012's RangeErrors), so the decoders' hot loops paid a store per memory access
 * (zstd's sequence loop, 32 of them). The value is copied into a variable of its own, in a
 * block of its own, whose address is the only one taken.
 */
const THROWN_VALUE = /wasm_rt_load_exception\((\w+), sizeof\((\w+)\), &(w2c_[il]\d+)\);/g;

export function copyThrownValues(cText: string): { text: string; replaced: number } {
  let replaced = 0;
  const text = cText.replace(THROWN_VALUE, (_, tag: string, type: string, variable: string) => {
    replaced++;
    return `{ ${type} rt_thrown = ${variable}; wasm_rt_load_exception(${tag}, sizeof(${type}), &rt_thrown); }`;
  });
  return { text, replaced };
}

/**
 * host.prefetch (stub-src/host.d.ts) is a cache hint the decoders give once per sequence (zstd's
 * match sources): a call into the runtime, which clang cannot inline from another translation
 * unit, would cost more than the hint saves. Each call becomes the prefetch itself: the address
 * of element `index` of the Uint8Array at `array` (porffor's header: the element count, then the
 * buffer's address, whose bytes start 4 past it). The header is read only when it lies below the
 * access bound, like any load (past it, the hint is given from the memory's base); x86's prefetch
 * never faults, so the index needs no check, and a wrong one costs the hint only.
 *
 * Where the array is a parameter the function never assigns (zstd's output buffer), the header
 * is read once, where the function starts, and each hint is an addition and the prefetch. Read
 * at each hint, it was read again after every store (clang cannot tell a store from one into the
 * header), with its bound test, and kept one more value live in the loop: zstd's sequence loop
 * executed 10 instructions a sequence more (BENCHMARKS.md). A typed array's buffer never moves
 * (the subset has no detaching or resizing), and a hint from a stale address would only miss.
 */
const PREFETCH_CALL = /\(\*Z_hostZ_prefetch\)\(instance->Z_host_instance, (w2c_\w+), (w2c_\w+)\);/g;
const PREFETCH_HELPERS = `
/* efistub (compiler/wasm2c.ts inlinePrefetch): host.prefetch, inline. */
static inline u64 rt_prefetch_array_base(u32 array) {
  u64 header = array;
  u64 elements = (uintptr_t)rt_memory_base() + 4;
  if (UNLIKELY(header + 8 > rt_memory_access_bound())) return elements;
  u32 buffer;
  memcpy(&buffer, rt_memory_base() + header + 4, sizeof buffer);
  return elements + buffer;
}
static inline void rt_prefetch_at(u64 elements, u32 index) {
  __builtin_prefetch((const void *)(uintptr_t)(elements + index));
}
static inline void rt_prefetch_element(u32 array, u32 index) {
  rt_prefetch_at(rt_prefetch_array_base(array), index);
}
`;
// A line of straight-line code that assigns one variable (no label, block or jump).
const PLAIN_ASSIGNMENT = /^\s*(w2c_\w+) (?:[-+*\/%&|^]|<<|>>)?= [^;{}]*;$/;

/** The parameter `variable` holds at the call on lines[at], when it is a copy of one. */
function copiedParameter(lines: string[], at: number, variable: string): string | undefined {
  for (let line = at - 1; line >= 0; line--) {
    const assignment = PLAIN_ASSIGNMENT.exec(lines[line]);
    if (!assignment) return undefined;
    if (assignment[1] !== variable) continue;
    return /^\s*w2c_\w+ = (w2c_p\d+);$/.exec(lines[line])?.[1];
  }
  return undefined;
}

export function inlinePrefetch(cText: string): { text: string; replaced: number; hoisted: number } {
  let replaced = 0;
  let hoisted = 0;
  const text = cText.replace(FUNCTION_DEFINITION, (definition) => {
    if (!definition.includes('(*Z_hostZ_prefetch)')) return definition;
    const lines = definition.split('\n');
    const bases = new Set<string>();
    for (let at = 0; at < lines.length; at++) {
      lines[at] = lines[at].replace(PREFETCH_CALL, (_, array: string, index: string) => {
        replaced++;
        const parameter = copiedParameter(lines, at, array);
        if (parameter === undefined || new RegExp(`\\b${parameter} (?:[-+*\\/%&|^]|<<|>>)?= `).test(definition)) {
          return `rt_prefetch_element(${array}, ${index});`;
        }
        hoisted++;
        bases.add(parameter);
        return `rt_prefetch_at(rt_prefetch_base_${parameter}, ${index});`;
      });
    }
    // After the line that opens the body: the parameters are set there.
    const opening = lines.findIndex((line) => line.endsWith(') {'));
    lines.splice(opening + 1, 0, ...[...bases].map((parameter) =>
      `  const u64 rt_prefetch_base_${parameter} = rt_prefetch_array_base(${parameter});`));
    return lines.join('\n');
  });
  if (replaced === 0) return { text: cText, replaced, hoisted };
  // After the fixed-memory declarations (useFixedMemory), which it uses.
  return { text: text.replace('\n#if WABT_BIG_ENDIAN', () => `${PREFETCH_HELPERS}\n#if WABT_BIG_ENDIAN`), replaced, hoisted };
}

/**
 * clang inlines every static function with a single call site, however large: the stub's decoders
 * all end up in decompressBuffer, one function whose loops share one register allocation. A loop
 * that calls a function with a loop of its own (zstd's sequence decoding, which executes a batch
 * of sequences at a time) then keeps its own values in registers across the callee's loop, and
 * the callee's loop, out of registers, keeps its values on the stack (zstd: 15 stack accesses a
 * sequence in the execution loop). A function whose source has a `@noinline` JSDoc tag stays a
 * function: its call saves the caller's values once a call, and its loop has the registers to
 * itself. The porffor stage lists those functions by index (compiler/wasm-data.ts
 * readNoinlineSection); each definition gets clang's noinline attribute. A listed function with no
 * definition in the C fails the stage.
 */
export function keepOutOfLine(cText: string, indices: number[], watText: string | null):
  { text: string; marked: number; missing?: string } {
  const exported = watText === null ? new Map<number, string>() : exportedFunctions(watText);
  let text = cText;
  let marked = 0;
  for (const index of indices) {
    const name = cFunctionName(index, exported);
    const definition = new RegExp(`^static ([^\\n;(]*?\\b${name}\\(Z_stub_instance_t\\* instance)`, 'm');
    if (!definition.test(text)) return { text: cText, marked: 0, missing: name };
    text = text.replace(definition, (_, rest: string) => `static __attribute__((noinline)) ${rest}`);
    marked++;
  }
  return { text, marked };
}

/**
 * A function the sources mark `@bmi2` (a loop that shifts by counts it computes: zstd's bit reads)
 * is defined twice: as wasm2c wrote it, for any x86-64, and as a copy `<name>_bmi2` that clang
 * compiles for CPUs with BMI2 (its target attribute). x86-64's shift by a register takes the
 * count in CL and overwrites its operand, so each of those shifts was a copy of the value and a
 * move of the count as well, and with CL taken by every count clang kept more of the loop's
 * values on the stack; BMI2's shifts (shrx) take the count in any register and write a third:
 * zstd's decode, 25.6M fewer instructions of 831.6M (BENCHMARKS.md). A call chooses between the
 * two at run time, by rt_cpu_has_bmi2() (cpuid, compiler/runtime/host-common.c), as the kernel's
 * own zstd does (DYNAMIC_BMI2); a copy calls the other functions' copies directly. The stub
 * itself runs on any x86-64: QEMU's default CPU has no BMI2, and takes the first definition.
 */
const BMI2_DECLARATIONS = `
/* efistub (compiler/wasm2c.ts multiversionBmi2): functions with a copy for CPUs with BMI2. */
__attribute__((const)) u32 rt_cpu_has_bmi2(void);
#define RT_BMI2_CALL(f, ...) (rt_cpu_has_bmi2() ? f##_bmi2(__VA_ARGS__) : f(__VA_ARGS__))
`;

export function multiversionBmi2(cText: string, indices: number[], watText: string | null):
  { text: string; copied: number; missing?: string } {
  if (indices.length === 0) return { text: cText, copied: 0 };
  const exported = watText === null ? new Map<number, string>() : exportedFunctions(watText);
  const names = indices.map((index) => cFunctionName(index, exported));
  // wasm2c passes a call only names (its working variables), no parentheses.
  const called = new RegExp(`\\b(${names.join('|')})\\((instance\\b[^()]*)\\)`, 'g');
  const definitionOf = (name: string): RegExp =>
    new RegExp(`^static ([^\\n;]*?)\\b${name}\\((Z_stub_instance_t\\* instance[^)]*)\\) \\{\\n[\\s\\S]*?^\\}\\n`, 'm');
  // The copies, from the definitions as wasm2c wrote them. Calls between the functions stay on
  // their side: a copy calls copies, a first definition first definitions.
  const originals = new Map<string, string>();
  const copies = new Map<string, string>();
  for (const name of names) {
    const definition = definitionOf(name).exec(cText);
    if (!definition) return { text: cText, copied: 0, missing: name };
    const [whole, prefix] = definition;
    originals.set(name, whole);
    const header = `static __attribute__((target("bmi2"))) ${prefix}${name}_bmi2(`;
    copies.set(name, header + whole.slice(whole.indexOf(`${name}(`) + name.length + 1)
      .replace(called, (_, callee: string, args: string) => `${callee}_bmi2(${args})`));
  }
  // Every other call chooses, a direct call to either: taking their addresses (a call through
  // `cond ? f_bmi2 : f`) kept clang from passing their arguments its own way, and cost the first
  // definitions 18.5M instructions of zstd's decode, which CPUs without BMI2 would pay for
  // nothing; a choice at the calls between them, 11.2M.
  let text = cText.replace(called, (_, callee: string, args: string) => `RT_BMI2_CALL(${callee}, ${args})`);
  for (const name of names) {
    text = text.replace(definitionOf(name), () => originals.get(name)! + copies.get(name)!);
    text = text.replace(new RegExp(`^static ([^\\n(]*?)\\b${name}\\((Z_stub_instance_t\\*[^\\n]*?)\\);$`, 'm'),
      (line, prefix: string, parameters: string) =>
        `${line}\nstatic __attribute__((target("bmi2"))) ${prefix}${name}_bmi2(${parameters});`);
  }
  text = text.replace('\n#if WABT_BIG_ENDIAN', () => `${BMI2_DECLARATIONS}\n#if WABT_BIG_ENDIAN`);
  return { text, copied: names.length };
}

export interface Wasm2cOptions {
  /** Keep wasm2c's per-load asm barrier (only bench/run.ts does, to measure what dropping it gives). */
  keepLoadBarrier?: boolean;
}

/** wasm2wat's disassembly of the module, or null when it fails. */
function disassemble(wasmPath: string): string | null {
  const wat = spawnSync('wasm2wat', ['--enable-exceptions', wasmPath], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return wat.error || wat.status !== 0 ? null : wat.stdout;
}

export function wasmToC(wasmPath: string, outputC: string, options: Wasm2cOptions = {}): Diagnostic[] {
  mkdirSync(dirname(outputC), { recursive: true });
  // wasm2c names the header after the output file; write both under temporary names first.
  const temporaryC = outputC.replace(/\.c$/, '.tmp.c');
  // wasm2c reads a copy with the data segments packed (compiler/wasm-data.ts).
  const packedWasm = outputC.replace(/\.c$/, '.packed.wasm');
  const wat = disassemble(wasmPath);
  // Whether the code has memory.init or data.drop; with no disassembly, assume the worst, which
  // only keeps the segments as porffor wrote them.
  const namesDataSegments = () => wat === null || /\b(memory\.init|data\.drop)\b/.test(wat);
  writeFileSync(packedWasm, packDataSegments(readFileSync(wasmPath), namesDataSegments).wasm);
  const run = runTool('wasm2c', WASM2C_FAILED, wasmPath, 'wasm2c',
    ['--enable-exceptions', '-n', 'stub', packedWasm, '-o', temporaryC], 'wasm2c');
  rmSync(packedWasm, { force: true });
  const temporaryH = temporaryC.replace(/\.c$/, '.h');
  // A failed step leaves neither temporary file behind.
  const fail = (diagnostics: Diagnostic[]): Diagnostic[] => {
    rmSync(temporaryC, { force: true });
    rmSync(temporaryH, { force: true });
    return diagnostics;
  };
  const unexpected = (code: number, message: string): Diagnostic[] =>
    fail([{ stage: 'wasm2c', code, file: outputC, line: 0, column: 0, message }]);
  if (!run.ok) return fail(run.diagnostics);
  if (!existsSync(WASM_RT_HEADER)) {
    return fail([{ stage: 'wasm2c', code: WASM2C_RUNTIME_HEADER_MISSING, file: WASM_RT_HEADER, line: 0, column: 0,
      message: 'wasm-rt.h not found: install Debian package \'wabt\'' }]);
  }
  const outputH = outputC.replace(/\.c$/, '.h');
  // The C file includes its header by the temporary name: point it at the final one.
  const headerName = outputH.split('/').pop()!;
  const included = readFileSync(temporaryC, 'utf8').replace(`#include "${temporaryH.split('/').pop()}"`, `#include "${headerName}"`);
  const { text, removed } = options.keepLoadBarrier ? { text: included, removed: -1 } : dropLoadBarrier(included);
  if (removed === 0) {
    return unexpected(WASM2C_LOAD_BARRIER_NOT_FOUND,
      'the load barrier in wasm2c\'s DEFINE_LOAD was not found: this is not the wasm2c 1.0.32 output the stage expects');
  }
  const fixed = useFixedMemory(text);
  // The declarations, and MEMCHECK and &mem->data[addr] in both DEFINE_LOAD and DEFINE_STORE.
  if (fixed.replaced < 5) {
    return unexpected(WASM2C_LOAD_BARRIER_NOT_FOUND,
      'wasm2c\'s DEFINE_LOAD/DEFINE_STORE are not the wasm2c 1.0.32 output the stage expects');
  }
  const based = checkAccessBases(fixed.text);
  if (based.helpers === 0) {
    return unexpected(WASM2C_LOAD_BARRIER_NOT_FOUND,
      'wasm2c\'s DEFINE_LOAD/DEFINE_STORE uses are not the wasm2c 1.0.32 output the stage expects');
  }
  const copy = inlineSmallMemoryCopy(based.text);
  if (copy.replaced !== 1) {
    return unexpected(WASM2C_LOAD_BARRIER_NOT_FOUND,
      'wasm2c\'s memory_copy helper is not the wasm2c 1.0.32 output the stage expects');
  }
  // With no disassembly no copy is marked, and every copy keeps its check.
  const tested = wat === null ? { text: copy.text, unchecked: 0 } : uncheckTestedCopies(copy.text, rangeTestedCopies(wat));
  if (tested.mismatch !== undefined) {
    return unexpected(WASM2C_COPY_MARKS_MISMATCH,
      `cannot match porffor's tested copies (patch 021) to wasm2c's output: ${tested.mismatch}`);
  }
  const passes = uncountLeafFunctions(copyThrownValues(inlinePrefetch(tested.text).text).text).text;
  const outOfLine = keepOutOfLine(passes, readNoinlineSection(readFileSync(wasmPath)), wat);
  if (outOfLine.missing !== undefined) {
    return unexpected(WASM2C_NOINLINE_NOT_FOUND,
      `a @noinline function (the porffor stage's ${NOINLINE_SECTION} section) has no definition in wasm2c's output: ${outOfLine.missing}`);
  }
  const versions = multiversionBmi2(outOfLine.text, readFunctionListSection(readFileSync(wasmPath), BMI2_SECTION), wat);
  if (versions.missing !== undefined) {
    return unexpected(WASM2C_NOINLINE_NOT_FOUND,
      `a @bmi2 function (the porffor stage's ${BMI2_SECTION} section) has no definition in wasm2c's output: ${versions.missing}`);
  }
  writeFileSync(temporaryC, versions.text);
  renameSync(temporaryH, outputH);
  renameSync(temporaryC, outputC);
  copyFileSync(WASM_RT_HEADER, join(dirname(outputC), 'wasm-rt.h'));
  return [];
}
