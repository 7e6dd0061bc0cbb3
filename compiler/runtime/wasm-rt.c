/*
 * wasm-rt.c: the runtime wasm2c 1.0.32's output expects (wasm-rt.h), written for efistub.
 *
 * Freestanding: no libc beyond memcpy/memset, no signals. It is built with
 * WASM_RT_MEMCHECK_SIGNAL_HANDLER=0, so every load and store is bounds-checked explicitly
 * (UEFI has no guard pages to catch an overrun), and with the call-depth counter, so runaway
 * recursion traps instead of overrunning the firmware's stack. Linear memory is reserved once
 * from the host (AllocatePages under UEFI) because growth cannot move it: code holds raw
 * pointers into it. A trap longjmps to the host's landing (rt_trap_landing), which prints the
 * reason and returns an error to the firmware: never a hang.
 */
#include <stdarg.h>
#include <stdbool.h>
#include "runtime.h"

#define WASM_PAGE_SIZE 65536u
#define MAX_FUNC_TYPES 512
#define MAX_TYPE_VALUES 64
#define MAX_EXCEPTION_BYTES 256

jmp_buf rt_trap_landing;
wasm_rt_memory_t *rt_linear_memory;
uint32_t wasm_rt_call_stack_depth;

static wasm_rt_trap_t last_trap = WASM_RT_TRAP_NONE;
static bool runtime_initialized;

void wasm_rt_init(void) { runtime_initialized = true; }
bool wasm_rt_is_initialized(void) { return runtime_initialized; }
void wasm_rt_free(void) { runtime_initialized = false; }

const char *wasm_rt_strerror(wasm_rt_trap_t trap) {
  switch (trap) {
    case WASM_RT_TRAP_NONE: return "no error";
    case WASM_RT_TRAP_OOB: return "out-of-bounds access to linear memory or a table";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow in a division or conversion";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer division by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "conversion of NaN to an integer";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable code executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "invalid indirect call";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
#if !WASM_RT_MERGED_OOB_AND_EXHAUSTION_TRAPS
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
#endif
  }
  return "unknown trap";
}

const char *rt_trap_reason(void) { return wasm_rt_strerror(last_trap); }

void wasm_rt_trap(wasm_rt_trap_t trap) {
  last_trap = trap;
  wasm_rt_call_stack_depth = 0;
  longjmp(rt_trap_landing, 1);
}

/* --- function types: equal signatures must get equal indices (call_indirect compares them) */

struct func_type {
  uint32_t params, results;
  wasm_rt_type_t values[MAX_TYPE_VALUES];
};
static struct func_type *func_types;
static uint32_t func_type_count;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  if (params + results > MAX_TYPE_VALUES) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  if (!func_types) {
    func_types = platform_allocate_small(sizeof(struct func_type) * MAX_FUNC_TYPES);
    if (!func_types) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  }
  struct func_type candidate = {params, results, {0}};
  va_list args;
  va_start(args, results);
  for (uint32_t i = 0; i < params + results; i++) candidate.values[i] = va_arg(args, wasm_rt_type_t);
  va_end(args);
  for (uint32_t index = 0; index < func_type_count; index++) {
    struct func_type *known = &func_types[index];
    if (known->params == params && known->results == results &&
        memcmp(known->values, candidate.values, sizeof(wasm_rt_type_t) * (params + results)) == 0) {
      return index + 1;
    }
  }
  if (func_type_count == MAX_FUNC_TYPES) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  func_types[func_type_count++] = candidate;
  return func_type_count; /* 0 is never a valid type: a null funcref must not match */
}

/* --- exceptions: one in flight at a time, as wasm2c's generated code assumes */

static uint32_t tag_count;
static uint32_t exception_tag, exception_size;
static uint8_t exception_values[MAX_EXCEPTION_BYTES];
static WASM_RT_UNWIND_TARGET *unwind_target;

uint32_t wasm_rt_register_tag(uint32_t size) {
  if (size > MAX_EXCEPTION_BYTES) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  return tag_count++;
}

void wasm_rt_load_exception(uint32_t tag, uint32_t size, const void *values) {
  if (size > MAX_EXCEPTION_BYTES) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  exception_tag = tag;
  exception_size = size;
  if (size) memcpy(exception_values, values, size);
}

void wasm_rt_throw(void) {
  if (!unwind_target) wasm_rt_trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
  longjmp(*unwind_target, 1);
}

WASM_RT_UNWIND_TARGET *wasm_rt_get_unwind_target(void) { return unwind_target; }
void wasm_rt_set_unwind_target(WASM_RT_UNWIND_TARGET *target) { unwind_target = target; }
uint32_t wasm_rt_exception_tag(void) { return exception_tag; }
uint32_t wasm_rt_exception_size(void) { return exception_size; }
void *wasm_rt_exception(void) { return exception_values; }

/* --- linear memory */

static uint64_t reserved_bytes;
static uint8_t *memory_base;

uint8_t *rt_memory_base(void) { return memory_base; }
uint64_t rt_memory_access_bound(void) { return reserved_bytes - RT_ACCESS_GUARD_BYTES; }

void wasm_rt_allocate_memory(wasm_rt_memory_t *memory, uint32_t initial_pages, uint32_t max_pages) {
  uint64_t want = platform_heap_reserve_bytes();
  uint64_t initial = (uint64_t)initial_pages * WASM_PAGE_SIZE;
  uint64_t limit = (uint64_t)max_pages * WASM_PAGE_SIZE;
  if (want > limit) want = limit;
  if (want < initial) want = initial;
  /* The largest reservation the platform grants, halving down to the initial size: under
   * UEFI a machine with little memory still runs the stub. Never less than the initial size:
   * the wasm2c stage leaves unchecked the accesses it can prove end within it
   * (compiler/wasm2c.ts, RT_IN_INITIAL). Linear memory may grow to `want`; the guard beyond it
   * lets one check of an access's base address cover its offset too (runtime.h). */
  memory->data = platform_allocate_pages(want + RT_ACCESS_GUARD_BYTES);
  while (!memory->data && want / 2 >= initial && want / 2 >= WASM_PAGE_SIZE) {
    want /= 2;
    memory->data = platform_allocate_pages(want + RT_ACCESS_GUARD_BYTES);
  }
  if (!memory->data) {
    rt_console_print("efistub: runtime: cannot reserve linear memory of 0x");
    rt_console_print_hex(want + RT_ACCESS_GUARD_BYTES);
    rt_console_print(" bytes\n");
    wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  }
  reserved_bytes = want + RT_ACCESS_GUARD_BYTES;
  memory_base = memory->data;
  memset(memory->data, 0, (size_t)initial);
  memory->pages = initial_pages;
  memory->max_pages = (uint32_t)(want / WASM_PAGE_SIZE);
  memory->size = (uint32_t)initial;
  rt_linear_memory = memory;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint32_t delta) {
  uint32_t old_pages = memory->pages;
  uint64_t new_pages = (uint64_t)old_pages + delta;
  if (new_pages > memory->max_pages) return (uint32_t)-1;
  /* Wasm's new pages read as zero; the platform's pages come uncleared (runtime.h). */
  memset(memory->data + (uint64_t)old_pages * WASM_PAGE_SIZE, 0, (size_t)delta * WASM_PAGE_SIZE);
  memory->pages = (uint32_t)new_pages;
  memory->size = (uint32_t)(new_pages * WASM_PAGE_SIZE);
  return old_pages;
}

void wasm_rt_free_memory(wasm_rt_memory_t *memory) {
  if (memory->data) platform_free_pages(memory->data, reserved_bytes);
  memory->data = NULL;
  memory->size = memory->pages = 0;
  if (rt_linear_memory == memory) rt_linear_memory = NULL;
}

/* --- tables: porffor's indirect-call table is fixed after instantiation */

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *table, uint32_t elements, uint32_t max_elements) {
  table->size = elements;
  table->max_size = max_elements;
  table->data = elements ? platform_allocate_small(sizeof(wasm_rt_funcref_t) * elements) : NULL;
  if (elements && !table->data) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  for (uint32_t i = 0; i < elements; i++) table->data[i] = wasm_rt_funcref_null_value;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *table) { table->data = NULL; table->size = 0; }

uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t *table, uint32_t delta, wasm_rt_funcref_t init) {
  (void)table; (void)delta; (void)init;
  return (uint32_t)-1;
}

void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t *table, uint32_t elements, uint32_t max_elements) {
  table->size = elements;
  table->max_size = max_elements;
  table->data = elements ? platform_allocate_small(sizeof(wasm_rt_externref_t) * elements) : NULL;
  if (elements && !table->data) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  for (uint32_t i = 0; i < elements; i++) table->data[i] = wasm_rt_externref_null_value;
}

void wasm_rt_free_externref_table(wasm_rt_externref_table_t *table) { table->data = NULL; table->size = 0; }

uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t *table, uint32_t delta, wasm_rt_externref_t init) {
  (void)table; (void)delta; (void)init;
  return (uint32_t)-1;
}

/* --- helpers for the host functions */

void rt_console_print(const char *text) {
  size_t length = 0;
  while (text[length]) length++;
  platform_console_write(text, length);
}

void rt_console_print_hex(uint64_t value) {
  char digits[16];
  int count = 0;
  do {
    digits[15 - count] = "0123456789abcdef"[value & 15];
    value >>= 4;
    count++;
  } while (value && count < 16);
  platform_console_write(&digits[16 - count], (size_t)count);
}

uint8_t *rt_heap_bytes(uint32_t typed_array, uint32_t element_size, uint32_t offset, uint32_t length) {
  /* porffor's typed array: a header of two words, the element count and the address of its
   * buffer; the buffer's bytes follow a 4-byte length word (porffor indexes at buffer + 4 + i).
   * Both the array and linear memory bound the range. */
  wasm_rt_memory_t *memory = rt_linear_memory;
  if (!memory) wasm_rt_trap(WASM_RT_TRAP_OOB);
  uint64_t header = typed_array;
  if (header + 8 > memory->size) wasm_rt_trap(WASM_RT_TRAP_OOB);
  uint32_t count, buffer;
  memcpy(&count, memory->data + header, 4);
  memcpy(&buffer, memory->data + header + 4, 4);
  uint64_t data = (uint64_t)buffer + 4;
  uint64_t end = (uint64_t)offset + (uint64_t)length;
  if (end > (uint64_t)count * element_size) wasm_rt_trap(WASM_RT_TRAP_OOB);
  if (data + end > memory->size) wasm_rt_trap(WASM_RT_TRAP_OOB);
  return memory->data + data + (uint64_t)offset;
}

void rt_write_words(uint32_t typed_array, uint32_t count, const uint32_t *values) {
  memcpy(rt_heap_bytes(typed_array, 4, 0, count * 4), values, count * 4);
}
