/*
 * driver.c: the micro-benchmark's native program. Links the pipeline's wasm2c output of
 * bench/kernels/main.ts (through compiler/runtime/wasm-rt.c, as every native build does) with
 * the hand-written C kernels, fills one input, and times each kernel both ways in this process.
 *
 * Usage: bench-native SIZE_BYTES REPETITIONS
 * Prints one line per kernel: `kernel <name> efistub <seconds> c <seconds> checksum <hex> <hex>`,
 * each time the best of REPETITIONS runs. Built with -DBENCH_VALTYPE_F64 when porffor ran in its
 * f64 value type (exports then take and return doubles).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "runtime.h"
#include "stub.h"

void crc32_init(void);
uint32_t crc32_kernel(const uint8_t *data, uint32_t length);
uint32_t adler32_kernel(const uint8_t *data, uint32_t length);
uint32_t bit_reader_kernel(const uint8_t *data, uint32_t length);
uint32_t lz_copy_kernel(const uint8_t *data, uint8_t *output, uint32_t length);

/* porffor's export convention: (value, type) pairs, new.target and this first; type 1 = number. */
#define NO_HIDDEN 0, 0, 0, 0
#ifdef BENCH_VALTYPE_F64
#define NUMBER(x) (f64)(x), 1
#define VALUE(result) ((uint32_t)(int64_t)(result).d0)
#elif defined(BENCH_TYPED_RETURN)
/* porffor with typed input (--parse-types --opt-types): a function whose TS return type is
 * number returns the value alone. */
#define NUMBER(x) (u32)(x), 1
#define VALUE(result) (result)
#else
#define NUMBER(x) (u32)(x), 1
#define VALUE(result) ((result).i0)
#endif

void *platform_allocate_pages(uint64_t bytes) {
  void *memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return memory == MAP_FAILED ? NULL : memory;
}
void platform_free_pages(void *address, uint64_t bytes) { munmap(address, bytes); }
void *platform_allocate_small(size_t bytes) { return calloc(1, bytes); }
void platform_console_write(const char *text, size_t length) { fwrite(text, 1, length, stdout); }
uint64_t platform_heap_reserve_bytes(void) { return 1024ull << 20; }

static Z_stub_instance_t instance;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint32_t run_c(int kernel, const uint8_t *data, uint8_t *output, uint32_t length) {
  switch (kernel) {
    case 0: return crc32_kernel(data, length);
    case 1: return adler32_kernel(data, length);
    case 2: return bit_reader_kernel(data, length);
    default: return lz_copy_kernel(data, output, length);
  }
}

int main(int argc, char **argv) {
  static const char *names[4] = {"crc32", "adler32", "bit-reader", "lz-copy"};
  if (argc != 3) {
    fprintf(stderr, "usage: %s SIZE_BYTES REPETITIONS\n", argv[0]);
    return 2;
  }
  uint32_t size = (uint32_t)strtoul(argv[1], NULL, 0);
  int repetitions = atoi(argv[2]);
  if (rt_enter() != 0) {
    printf("trap: %s\n", rt_trap_reason());
    return 3;
  }
  wasm_rt_init();
  Z_stub_init_module();
  Z_stub_instantiate(&instance);
  Z_stubZ_m(&instance);
  /* The input is a typed array on the Wasm heap: a header (count, buffer address), and the
   * buffer's bytes after its 4-byte length word. */
  uint32_t header = VALUE(Z_stubZ_benchInputBuffer(&instance, NO_HIDDEN, NUMBER(size)));
  wasm_rt_memory_t *memory = Z_stubZ_Z24(&instance);
  uint32_t buffer;
  memcpy(&buffer, memory->data + header + 4, 4);
  uint8_t *wasm_input = memory->data + buffer + 4;
  uint8_t *c_input = malloc(size), *c_output = malloc(size);
  /* xorshift32 bytes: the same input for both, and for the Node check in test/native. */
  uint32_t seed = 0x9e3779b9u;
  for (uint32_t i = 0; i < size; i++) {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    c_input[i] = wasm_input[i] = (uint8_t)(seed >> 24);
  }
  crc32_init();
  for (int kernel = 0; kernel < 4; kernel++) {
    double best_efistub = 1e30, best_c = 1e30;
    uint32_t sum_efistub = 0, sum_c = 0;
    for (int r = 0; r < repetitions; r++) {
      double start = now();
      sum_efistub = VALUE(Z_stubZ_benchRun(&instance, NO_HIDDEN, NUMBER(kernel), NUMBER(size)));
      double middle = now();
      sum_c = run_c(kernel, c_input, c_output, size);
      double end = now();
      if (middle - start < best_efistub) best_efistub = middle - start;
      if (end - middle < best_c) best_c = end - middle;
    }
    printf("kernel %s efistub %.6f c %.6f checksum %08x %08x\n", names[kernel], best_efistub, best_c, sum_efistub, sum_c);
  }
  return 0;
}
