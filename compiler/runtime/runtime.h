/*
 * runtime.h: what the freestanding Wasm runtime (wasm-rt.c) needs from the host it is linked
 * with (host-efi.c for the stub, host-linux.c for native tests), and what it offers them.
 *
 * The runtime holds no policy: memory comes from platform_allocate_pages, a trap longjmps to the
 * landing the host set up and the host reports it. Everything the stub decides is TypeScript.
 */
#ifndef EFISTUB_RUNTIME_H
#define EFISTUB_RUNTIME_H

#include <stdint.h>
#include <stddef.h>
#include "wasm-rt.h"

/* Linear memory's base, and the most it can grow to (rt_memory_access_bound): fixed from
 * instantiation on (memory never moves), hence `const`, so the wasm2c helpers' loads and stores
 * (compiler/wasm2c.ts) keep them in registers. Only one linear memory exists.
 * The reservation ends RT_ACCESS_GUARD_BYTES past that bound: an access whose base address
 * (before its constant offset) is at most the bound and whose offset plus size is at most the
 * guard ends inside the reservation. The wasm2c stage checks most loads and stores that way
 * (compiler/wasm2c.ts checkAccessBases, which has the same constant), and every other access,
 * and copies, by their end against the bound. */
#define RT_ACCESS_GUARD_BYTES 65536u
__attribute__((const)) uint8_t *rt_memory_base(void);
__attribute__((const)) uint64_t rt_memory_access_bound(void);

/* Whether the CPU has BMI2 (cpuid leaf 7), unless the host asks for the code for any x86-64
 * (platform_cpu_baseline): functions the sources mark @bmi2 run their copy compiled for BMI2
 * only then (compiler/wasm2c.ts multiversionBmi2). Read once and fixed for the run, hence
 * `const`. Defined in host-common.c. */
__attribute__((const)) uint32_t rt_cpu_has_bmi2(void);

/* --- provided by the host --------------------------------------------------------------- */

/* Returns page-aligned memory of at least `bytes`, or NULL; its contents are undefined (wasm-rt
 * clears linear memory as it grows, so a large reservation is never cleared up front). */
void *platform_allocate_pages(uint64_t bytes);
void platform_free_pages(void *address, uint64_t bytes);
/* Small allocations for tables and type lists (never freed before exit). */
void *platform_allocate_small(size_t bytes);
/* Writes an ASCII message to the console (and serial port where there is one). */
void platform_console_write(const char *text, size_t length);
/* How much linear memory to reserve up front; growth beyond it fails (memory cannot move). */
uint64_t platform_heap_reserve_bytes(void);
/* Nonzero to run the code for any x86-64 on a CPU that has more (rt_cpu_has_bmi2): a test's choice. */
int platform_cpu_baseline(void);

/* --- provided by wasm-rt.c ------------------------------------------------------------------ */

/* The host's trap landing: rt_enter() returns 0 first, then the trap code after a trap. */
extern jmp_buf rt_trap_landing;
#define rt_enter() setjmp(rt_trap_landing)
/* The reason of the last trap, as text. */
const char *rt_trap_reason(void);
/* The module's only linear memory, once instantiated (for the host functions' bounds checks). */
extern wasm_rt_memory_t *rt_linear_memory;

/* Helpers for host functions that receive Wasm pointers. */
void rt_console_print(const char *text);
void rt_console_print_hex(uint64_t value);
/* Address of bytes [offset, offset+length) of a typed array on the stub's heap (a Wasm pointer
 * to porffor's array header); traps when the range leaves the array or linear memory. The stub
 * is compiled with porffor's i32 valtype, so every host argument is the u32 bit pattern. */
uint8_t *rt_heap_bytes(uint32_t typed_array, uint32_t element_size, uint32_t offset, uint32_t length);
/* Writes `count` 32-bit values into a Uint32Array on the stub's heap (traps when it is too short). */
void rt_write_words(uint32_t typed_array, uint32_t count, const uint32_t *values);

/* --- calling the stub's exports ------------------------------------------------------------ */

/* porffor passes every argument as a (value, type) pair, new.target and this first (type 1 is
 * number; values are i32 bit patterns in the i32 valtype). */
#define RT_NO_HIDDEN 0, 0, 0, 0
#define RT_NUMBER(x) (uint32_t)(x), 1
/* The 32-bit value an export returned, whichever way porffor returned it: with typed
 * compilation (compiler/bundle.ts keepTypes, porffor --parse-types --opt-types) a function
 * declared `: number`, `: boolean` or `: Uint8Array` returns the value alone (u32); otherwise
 * it returns a (value, type) pair (wasm2c's struct wasm_multi_ii, value first). Reading the
 * first four bytes of either serves both, so the hosts do not depend on the compilation mode. */
#define RT_EXPORT_VALUE(result) __extension__({ \
    __typeof__(result) rt_result_ = (result); \
    uint32_t rt_value_; \
    __builtin_memcpy(&rt_value_, &rt_result_, sizeof rt_value_); \
    rt_value_; })

#endif
