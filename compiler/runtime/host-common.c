/*
 * host-common.c: the host functions that are the same on both hosts (stub-src/host.d.ts): the
 * unprivileged CPU instructions and the console write. Linked into the EFI stub and into the
 * native Linux programs alike; what differs per host (physical memory, firmware calls, rdmsr,
 * the kernel jump) stays in host-efi.c and host-linux.c.
 */
#include <stdint.h>
#include "runtime.h"
#include "stub.h"

/* --- CPU */

/* EAX, EBX, ECX, EDX of CPUID leaf `leaf`, subleaf `subleaf`, into r[0..3]. */
static void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(subleaf));
}

void Z_hostZ_cpuid(struct Z_host_instance_t *h, u32 leaf, u32 subleaf, u32 registers) {
  (void)h;
  uint32_t r[4];
  cpuid(leaf, subleaf, r);
  rt_write_words(registers, 4, r);
}

void Z_hostZ_readTsc(struct Z_host_instance_t *h, u32 halves) {
  (void)h;
  uint32_t r[2];
  __asm__ volatile("rdtsc" : "=a"(r[0]), "=d"(r[1]));
  rt_write_words(halves, 2, r);
}

u32 Z_hostZ_readRandom(struct Z_host_instance_t *h, u32 halves) {
  (void)h;
  uint32_t features[4];
  cpuid(1, 0, features);
  if (!(features[2] & (1u << 30))) return 0; /* no RDRAND */
  for (int attempt = 0; attempt < 10; attempt++) {
    uint64_t value;
    uint8_t ok;
    __asm__ volatile("rdrand %0; setc %1" : "=r"(value), "=qm"(ok));
    if (ok) {
      uint32_t r[2] = {(uint32_t)value, (uint32_t)(value >> 32)};
      rt_write_words(halves, 2, r);
      return 1;
    }
  }
  return 0;
}

/* BMI2 is CPUID leaf 7 (subleaf 0), EBX bit 8; a CPU whose highest leaf is below 7 has none. */
uint32_t rt_cpu_has_bmi2(void) {
  static int known = -1;
  if (known < 0) {
    uint32_t r[4];
    cpuid(0, 0, r);
    const uint32_t highest = r[0];
    r[1] = 0;
    if (highest >= 7) cpuid(7, 0, r);
    known = (r[1] >> 8) & 1 && !platform_cpu_baseline();
  }
  return (uint32_t)known;
}

/* A hint, which a host may ignore. The wasm2c stage replaces every call of it with an inline
 * prefetch (compiler/wasm2c.ts inlinePrefetch), so this definition only completes the import. */
void Z_hostZ_prefetch(struct Z_host_instance_t *h, u32 bytes, u32 index) {
  (void)h;
  (void)bytes;
  (void)index;
}

/* --- console */

void Z_hostZ_consoleWrite(struct Z_host_instance_t *h, u32 bytes, u32 offset, u32 length) {
  (void)h;
  platform_console_write((const char *)rt_heap_bytes(bytes, 1, offset, length), (size_t)length);
}

