/*
 * host-linux.c: the host functions of stub-src/host.d.ts for a native Linux program built from
 * the same wasm2c output as the EFI stub, for differential tests and benchmarks.
 *
 * "Physical memory" is an arena owned by this process: physical address A is arena byte A, so
 * addresses are the same on every run and nothing outside the arena can be touched. Reads past
 * the arena trap; writes obey the same grant rule as under UEFI. There is no firmware: efiCall,
 * readMsr and enterKernel refuse with EFI_UNSUPPORTED, so stub code that needs them reports
 * that error exactly as it would on firmware that lacks a service.
 *
 * Usage: stub-native  — runs the module's top level, then efiMain, prints the exit line
 * `efistub: exit: status=0x<hex>` and exits 0 for EFI_SUCCESS, 1 otherwise, 3 on a trap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "runtime.h"
#include "stub.h"

#define EFI_ERROR_BIT (1ull << 63)
#define EFI_ACCESS_DENIED (EFI_ERROR_BIT | 15)
#define EFI_UNSUPPORTED (EFI_ERROR_BIT | 3)
#define EFI_ABORTED (EFI_ERROR_BIT | 21)
#define FOLDED_ERROR_BIT 0x80000000u

#ifndef EFISTUB_HEAP_RESERVE_MIB
#define EFISTUB_HEAP_RESERVE_MIB 1024
#endif
#define ARENA_BYTES (64ull << 20)
#define SCRATCH_ADDRESS 0x1000ull
#define SCRATCH_BYTES 4096
#define MAX_WRITE_GRANTS 64

static uint8_t *arena;

/* --- platform hooks */

void platform_console_write(const char *text, size_t length) { fwrite(text, 1, length, stdout); }

/* EFISTUB_POISON_PAGES=1: the first POISON_LIMIT bytes of every reservation are filled with
 * 0xa5 first, as memory from AllocatePages may hold anything: test/native/heap-zeroing.test.ts
 * shows the runtime clears what becomes linear memory (runtime.h). */
#define POISON_LIMIT (64ull << 20)

void *platform_allocate_pages(uint64_t bytes) {
  /* Reserved, not committed: Linux hands out zero pages on first touch. */
  void *memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED) return NULL;
  const char *poison = getenv("EFISTUB_POISON_PAGES");
  if (poison && poison[0] == '1') memset(memory, 0xa5, bytes < POISON_LIMIT ? bytes : POISON_LIMIT);
  return memory;
}

void platform_free_pages(void *address, uint64_t bytes) { munmap(address, bytes); }
/* EFISTUB_CPU_BASELINE=1: the code for any x86-64 even on a CPU with BMI2 (tests run both). */
int platform_cpu_baseline(void) {
  const char *baseline = getenv("EFISTUB_CPU_BASELINE");
  return baseline && baseline[0] == '1';
}
void *platform_allocate_small(size_t bytes) { return calloc(1, bytes); }
uint64_t platform_heap_reserve_bytes(void) { return (uint64_t)EFISTUB_HEAP_RESERVE_MIB << 20; }

/* --- physical memory (the arena) */

struct write_grant { uint64_t start, end; };
static struct write_grant write_grants[MAX_WRITE_GRANTS];
static unsigned write_grant_count;
static uint64_t refused_writes;

static inline uint64_t join(u32 lo, u32 hi) { return ((uint64_t)hi << 32) | lo; }

static u32 fold_status(uint64_t status) {
  return ((uint32_t)(status & 0x7fffffffu) | ((status & EFI_ERROR_BIT) ? FOLDED_ERROR_BIT : 0));
}

static uint8_t *arena_at(uint64_t address, uint64_t length) {
  if (address + length < address || address + length > ARENA_BYTES) wasm_rt_trap(WASM_RT_TRAP_OOB);
  return arena + address;
}

static int writable(uint64_t start, uint64_t length) {
  if (start + length >= start) {
    for (unsigned i = 0; i < write_grant_count; i++) {
      if (start >= write_grants[i].start && start + length <= write_grants[i].end) return 1;
    }
  }
  refused_writes++;
  return 0;
}

u32 Z_hostZ_physRead8(struct Z_host_instance_t *h, u32 lo, u32 hi) { (void)h; return *arena_at(join(lo, hi), 1); }
u32 Z_hostZ_physRead16(struct Z_host_instance_t *h, u32 lo, u32 hi) {
  (void)h; uint16_t v; memcpy(&v, arena_at(join(lo, hi), 2), 2); return v;
}
u32 Z_hostZ_physRead32(struct Z_host_instance_t *h, u32 lo, u32 hi) {
  (void)h; uint32_t v; memcpy(&v, arena_at(join(lo, hi), 4), 4); return v;
}

static u32 phys_write(uint64_t address, uint32_t value, unsigned width) {
  if (!writable(address, width)) return fold_status(EFI_ACCESS_DENIED);
  memcpy(arena_at(address, width), &value, width);
  return 0;
}
u32 Z_hostZ_physWrite8(struct Z_host_instance_t *h, u32 lo, u32 hi, u32 v) { (void)h; return phys_write(join(lo, hi), (uint32_t)v, 1); }
u32 Z_hostZ_physWrite16(struct Z_host_instance_t *h, u32 lo, u32 hi, u32 v) { (void)h; return phys_write(join(lo, hi), (uint32_t)v, 2); }
u32 Z_hostZ_physWrite32(struct Z_host_instance_t *h, u32 lo, u32 hi, u32 v) { (void)h; return phys_write(join(lo, hi), (uint32_t)v, 4); }

u32 Z_hostZ_physCopy(struct Z_host_instance_t *h, u32 dlo, u32 dhi, u32 slo, u32 shi, u32 length) {
  (void)h;
  uint64_t destination = join(dlo, dhi), n = (uint64_t)length;
  if (!writable(destination, n)) return fold_status(EFI_ACCESS_DENIED);
  memmove(arena_at(destination, n), arena_at(join(slo, shi), n), n);
  return 0;
}

u32 Z_hostZ_physFill(struct Z_host_instance_t *h, u32 dlo, u32 dhi, u32 value, u32 length) {
  (void)h;
  uint64_t destination = join(dlo, dhi), n = (uint64_t)length;
  if (!writable(destination, n)) return fold_status(EFI_ACCESS_DENIED);
  memset(arena_at(destination, n), (int)(uint32_t)value, n);
  return 0;
}

u32 Z_hostZ_physToHeap(struct Z_host_instance_t *h, u32 bytes, u32 offset, u32 slo, u32 shi, u32 length) {
  (void)h;
  memcpy(rt_heap_bytes(bytes, 1, offset, length), arena_at(join(slo, shi), (uint64_t)length), (size_t)length);
  return 0;
}

u32 Z_hostZ_heapToPhys(struct Z_host_instance_t *h, u32 dlo, u32 dhi, u32 bytes, u32 offset, u32 length) {
  (void)h;
  uint64_t destination = join(dlo, dhi), n = (uint64_t)length;
  uint8_t *source = rt_heap_bytes(bytes, 1, offset, length);
  if (!writable(destination, n)) return fold_status(EFI_ACCESS_DENIED);
  memcpy(arena_at(destination, n), source, n);
  return 0;
}

u32 Z_hostZ_physGrantWrite(struct Z_host_instance_t *h, u32 lo, u32 hi, u32 length) {
  (void)h;
  uint64_t start = join(lo, hi);
  if (write_grant_count == MAX_WRITE_GRANTS || start + (uint64_t)length < start) return fold_status(EFI_ACCESS_DENIED);
  write_grants[write_grant_count].start = start;
  write_grants[write_grant_count].end = start + (uint64_t)length;
  write_grant_count++;
  return 0;
}

u32 Z_hostZ_scratchAddressLo(struct Z_host_instance_t *h) { (void)h; return (u32)SCRATCH_ADDRESS; }
u32 Z_hostZ_scratchAddressHi(struct Z_host_instance_t *h) { (void)h; return 0; }

/* --- firmware: none here */

u32 Z_hostZ_imageHandleLo(struct Z_host_instance_t *h) { (void)h; return 0; }
u32 Z_hostZ_imageHandleHi(struct Z_host_instance_t *h) { (void)h; return 0; }
u32 Z_hostZ_systemTableLo(struct Z_host_instance_t *h) { (void)h; return 0; }
u32 Z_hostZ_systemTableHi(struct Z_host_instance_t *h) { (void)h; return 0; }
u32 Z_hostZ_efiCall(struct Z_host_instance_t *h, u32 flo, u32 fhi, u32 halves, u32 count) {
  (void)h; (void)flo; (void)fhi; (void)halves; (void)count;
  return fold_status(EFI_UNSUPPORTED);
}

/* --- CPU: cpuid, rdtsc, rdrand and the console are in host-common.c */

u32 Z_hostZ_readMsr(struct Z_host_instance_t *h, u32 msr, u32 halves) {
  (void)h; (void)msr; (void)halves;
  return fold_status(EFI_UNSUPPORTED); /* ring 3 */
}

/* No firmware to leave: recorded so a test can see the stub called it (and printing goes on). */
int host_boot_services_exited;
void Z_hostZ_bootServicesExited(struct Z_host_instance_t *h) {
  (void)h;
  host_boot_services_exited = 1;
}

u32 Z_hostZ_enterKernel(struct Z_host_instance_t *h, u32 elo, u32 ehi, u32 blo, u32 bhi, u32 levels, u32 trampoline) {
  (void)h; (void)elo; (void)ehi; (void)blo; (void)bhi; (void)levels; (void)trampoline;
  return fold_status(EFI_UNSUPPORTED);
}

/* --- entry (the decompression tool brings its own: tool-decompress-linux.c) */

#ifndef EFISTUB_HOST_LINUX_NO_MAIN


static Z_stub_instance_t stub_instance;

int main(void) {
  arena = platform_allocate_pages(ARENA_BYTES);
  if (!arena) {
    fprintf(stderr, "efistub: runtime: cannot reserve the physical-memory arena\n");
    return 2;
  }
  write_grants[0].start = SCRATCH_ADDRESS;
  write_grants[0].end = SCRATCH_ADDRESS + SCRATCH_BYTES;
  write_grant_count = 1;

  uint64_t status;
  int exit_code;
  if (rt_enter() == 0) {
    wasm_rt_init();
    Z_stub_init_module();
    Z_stub_instantiate(&stub_instance, NULL);
    Z_stubZ_m(&stub_instance);
    /* porffor gives every function two hidden (value, type) parameter pairs, new.target and
     * this; efiMain uses neither. */
    uint32_t folded = RT_EXPORT_VALUE(Z_stubZ_efiMain(&stub_instance, RT_NO_HIDDEN));
    status = (folded & FOLDED_ERROR_BIT) ? (EFI_ERROR_BIT | (folded & 0x7fffffffu)) : folded;
    exit_code = status == 0 ? 0 : 1;
  } else {
    printf("efistub: trap: %s\n", rt_trap_reason());
    status = EFI_ABORTED;
    exit_code = 3;
  }
  if (refused_writes) printf("efistub: runtime: refused physical writes: 0x%llx\n", (unsigned long long)refused_writes);
  printf("efistub: exit: status=0x%llx\n", (unsigned long long)status);
  fflush(stdout);
  return exit_code;
}
#endif
