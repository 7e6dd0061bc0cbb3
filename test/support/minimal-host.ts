/**
 * @fileoverview The start of a C driver for a module the wasm2c stage translated: the includes
 * and the platform functions compiler/runtime/runtime.h asks of a host, the least that links
 * with wasm-rt.c (memory from calloc, the console on stdout, a 1 MiB reservation, the code for
 * any x86-64 when asked). A test appends its own main.
 */
export const MINIMAL_HOST_C = `#include <stdio.h>
#include <stdlib.h>
#include "runtime.h"
#include "stub.h"
void *platform_allocate_pages(uint64_t bytes) { return calloc(1, bytes); }
void platform_free_pages(void *address, uint64_t bytes) { (void)bytes; free(address); }
void *platform_allocate_small(size_t bytes) { return calloc(1, bytes); }
void platform_console_write(const char *text, size_t length) { fwrite(text, 1, length, stdout); }
uint64_t platform_heap_reserve_bytes(void) { return 1u << 20; }
int platform_cpu_baseline(void) { return 0; }
`;

/**
 * A main for MINIMAL_HOST_C: instantiates the module (`instance`), runs `body` (C statements that
 * print what the test reads), and prints "trap: <reason>" with exit status 3 if the module traps.
 */
export function hostMain(body: string): string {
  return `static Z_stub_instance_t instance;
int main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  if (rt_enter() == 0) {
    wasm_rt_init();
    Z_stub_init_module();
    Z_stub_instantiate(&instance);
${body}
    return 0;
  }
  printf("trap: %s\\n", rt_trap_reason());
  return 3;
}
`;
}
