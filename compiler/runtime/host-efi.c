/*
 * host-efi.c: efi_main and the host functions of stub-src/host.d.ts, for the real stub.
 *
 * This file is the whole C side of the stub and stays boring on purpose: it instantiates the
 * wasm2c module, runs the TypeScript's efiMain, and implements the host boundary (physical
 * memory, firmware calls, CPU instructions, console, the jump to the kernel). It knows only
 * the few firmware offsets it needs for itself (console output and page allocation for the
 * Wasm heap); every table the stub walks is described in stub-src/efi/.
 *
 * Every path ends in one exit line, `efistub: exit: status=0x<hex>`, then a return to the
 * firmware: tools (efistub run, the QEMU tests) read it to learn the outcome.
 */
#include <stdint.h>
#include "runtime.h"
#include "stub.h"

#define EFIAPI __attribute__((ms_abi))
typedef uint64_t efi_status;
typedef void *efi_handle;

#define EFI_ERROR_BIT (1ull << 63)
#define EFI_ACCESS_DENIED (EFI_ERROR_BIT | 15)
#define EFI_ABORTED (EFI_ERROR_BIT | 21)
#define EFI_UNSUPPORTED (EFI_ERROR_BIT | 3)
#define EFI_INVALID_PARAMETER (EFI_ERROR_BIT | 2)
#define FOLDED_ERROR_BIT 0x80000000u

/* UEFI 2.10 §4.3 (EFI_SYSTEM_TABLE), §4.4 (EFI_BOOT_SERVICES), §12.4 (SIMPLE_TEXT_OUTPUT):
 * only the slots this file uses; stub-src/efi/tables.ts has the full description. */
#define SYSTEM_TABLE_CON_OUT 64
#define SYSTEM_TABLE_BOOT_SERVICES 96
#define BOOT_SERVICES_ALLOCATE_PAGES 40
#define BOOT_SERVICES_FREE_PAGES 48
#define BOOT_SERVICES_ALLOCATE_POOL 64
#define TEXT_OUTPUT_OUTPUT_STRING 8
#define ALLOCATE_ANY_PAGES 0
#define EFI_LOADER_DATA 2

typedef efi_status(EFIAPI *allocate_pages_fn)(uint32_t type, uint32_t memory_type, uint64_t pages, uint64_t *address);
typedef efi_status(EFIAPI *free_pages_fn)(uint64_t address, uint64_t pages);
typedef efi_status(EFIAPI *allocate_pool_fn)(uint32_t memory_type, uint64_t size, void **buffer);
typedef efi_status(EFIAPI *output_string_fn)(void *self, const uint16_t *text);
typedef uint64_t(EFIAPI *firmware_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                       uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

/* The Wasm heap holds the compressed kernel and the decompressed vmlinux with its relocations
 * (Debian's 6.1: 8 + 66 MB) besides the decoders' tables. wasm-rt halves the request until the
 * firmware grants it, so a small machine still runs the stub (and a kernel that fits). */
#ifndef EFISTUB_HEAP_RESERVE_MIB
#define EFISTUB_HEAP_RESERVE_MIB 256
#endif
#define MAX_FIRMWARE_ARGUMENTS 12
#define MAX_WRITE_GRANTS 64
#define SCRATCH_BYTES 4096

static efi_handle image_handle;
static uint8_t *system_table;
static uint8_t *boot_services;
static void *console_out;

static inline void *table_pointer(const uint8_t *table, unsigned offset) {
  void *value;
  memcpy(&value, table + offset, sizeof value);
  return value;
}

/* --- platform hooks for wasm-rt.c */

/* After ExitBootServices the firmware's console is gone: COM1 is driven directly (a 16550 at
 * I/O port 0x3f8, the port OVMF's serial console uses; on a machine without one the writes go
 * nowhere). The transmit-holding-register-empty bit (LSR bit 5) is polled a bounded number of
 * times so a missing or stuck UART cannot hang the boot. */
#define COM1_DATA 0x3f8
#define COM1_LINE_STATUS 0x3fd
#define LSR_TRANSMIT_EMPTY 0x20
static int boot_services_exited;

static inline uint8_t port_in8(uint16_t port) {
  uint8_t value;
  __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
  return value;
}
static inline void port_out8(uint16_t port, uint8_t value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }

static void serial_put(char c) {
  for (int spin = 0; spin < 100000 && !(port_in8(COM1_LINE_STATUS) & LSR_TRANSMIT_EMPTY); spin++) {
  }
  port_out8(COM1_DATA, (uint8_t)c);
}

void Z_hostZ_bootServicesExited(struct Z_host_instance_t *h) {
  (void)h;
  boot_services_exited = 1;
}

void platform_console_write(const char *text, size_t length) {
  if (boot_services_exited) {
    for (size_t i = 0; i < length; i++) {
      char c = text[i];
      if (c == '\n') serial_put('\r');
      serial_put((c >= 0x20 && c < 0x7f) || c == '\n' ? c : '?');
    }
    return;
  }
  if (!console_out) return;
  output_string_fn output = (output_string_fn)table_pointer(console_out, TEXT_OUTPUT_OUTPUT_STRING);
  uint16_t buffer[130];
  size_t used = 0;
  for (size_t i = 0; i < length; i++) {
    char c = text[i];
    if (c == '\n') buffer[used++] = '\r';
    buffer[used++] = (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' ? (uint16_t)c : (uint16_t)'?';
    if (used >= 126) {
      buffer[used] = 0;
      output(console_out, buffer);
      used = 0;
    }
  }
  if (used) {
    buffer[used] = 0;
    output(console_out, buffer);
  }
}

void *platform_allocate_pages(uint64_t bytes) {
  allocate_pages_fn allocate = (allocate_pages_fn)table_pointer(boot_services, BOOT_SERVICES_ALLOCATE_PAGES);
  uint64_t address = 0;
  uint64_t pages = (bytes + 4095) / 4096;
  if (allocate(ALLOCATE_ANY_PAGES, EFI_LOADER_DATA, pages, &address) & EFI_ERROR_BIT) return NULL;
  /* Not cleared here (runtime.h): wasm-rt clears linear memory as it grows, which spares
   * clearing a large reservation the stub never uses. */
  return (void *)(uintptr_t)address;
}

void platform_free_pages(void *address, uint64_t bytes) {
  free_pages_fn free_pages = (free_pages_fn)table_pointer(boot_services, BOOT_SERVICES_FREE_PAGES);
  free_pages((uint64_t)(uintptr_t)address, (bytes + 4095) / 4096);
}

void *platform_allocate_small(size_t bytes) {
  allocate_pool_fn allocate = (allocate_pool_fn)table_pointer(boot_services, BOOT_SERVICES_ALLOCATE_POOL);
  void *buffer = NULL;
  if (allocate(EFI_LOADER_DATA, bytes, &buffer) & EFI_ERROR_BIT) return NULL;
  memset(buffer, 0, bytes);
  return buffer;
}

uint64_t platform_heap_reserve_bytes(void) { return (uint64_t)EFISTUB_HEAP_RESERVE_MIB << 20; }
/* The stub takes the BMI2 copies wherever the CPU has BMI2. */
int platform_cpu_baseline(void) { return 0; }

void efistub_assert_failed(const char *expression) {
  rt_console_print("efistub: runtime: assertion failed: ");
  rt_console_print(expression);
  rt_console_print("\n");
  wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
}

void abort(void) { wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE); }

/* --- physical memory: reads anywhere, writes only where granted */

struct write_grant { uint64_t start, end; };
static struct write_grant write_grants[MAX_WRITE_GRANTS];
static unsigned write_grant_count;
static uint64_t refused_writes;
static uint8_t *scratch_page;

static inline uint64_t join(u32 lo, u32 hi) { return ((uint64_t)hi << 32) | lo; }

static int writable(uint64_t start, uint64_t length) {
  if (start + length < start) return 0;
  for (unsigned i = 0; i < write_grant_count; i++) {
    if (start >= write_grants[i].start && start + length <= write_grants[i].end) return 1;
  }
  refused_writes++;
  return 0;
}

static u32 fold_status(uint64_t status) {
  return ((uint32_t)(status & 0x7fffffffu) | ((status & EFI_ERROR_BIT) ? FOLDED_ERROR_BIT : 0));
}

static uint64_t unfold_status(uint32_t folded) {
  return (folded & FOLDED_ERROR_BIT) ? (EFI_ERROR_BIT | (folded & 0x7fffffffu)) : folded;
}

u32 Z_hostZ_physRead8(struct Z_host_instance_t *h, u32 lo, u32 hi) {
  (void)h; return *(volatile uint8_t *)(uintptr_t)join(lo, hi);
}
u32 Z_hostZ_physRead16(struct Z_host_instance_t *h, u32 lo, u32 hi) {
  (void)h; uint16_t v; memcpy(&v, (void *)(uintptr_t)join(lo, hi), 2); return v;
}
u32 Z_hostZ_physRead32(struct Z_host_instance_t *h, u32 lo, u32 hi) {
  (void)h; uint32_t v; memcpy(&v, (void *)(uintptr_t)join(lo, hi), 4); return v;
}

static u32 phys_write(uint64_t address, uint32_t value, unsigned width) {
  if (!writable(address, width)) return fold_status(EFI_ACCESS_DENIED);
  memcpy((void *)(uintptr_t)address, &value, width);
  return 0;
}
u32 Z_hostZ_physWrite8(struct Z_host_instance_t *h, u32 lo, u32 hi, u32 v) { (void)h; return phys_write(join(lo, hi), (uint32_t)v, 1); }
u32 Z_hostZ_physWrite16(struct Z_host_instance_t *h, u32 lo, u32 hi, u32 v) { (void)h; return phys_write(join(lo, hi), (uint32_t)v, 2); }
u32 Z_hostZ_physWrite32(struct Z_host_instance_t *h, u32 lo, u32 hi, u32 v) { (void)h; return phys_write(join(lo, hi), (uint32_t)v, 4); }

u32 Z_hostZ_physCopy(struct Z_host_instance_t *h, u32 dlo, u32 dhi, u32 slo, u32 shi, u32 length) {
  (void)h;
  uint64_t destination = join(dlo, dhi);
  if (!writable(destination, (uint64_t)length)) return fold_status(EFI_ACCESS_DENIED);
  memmove((void *)(uintptr_t)destination, (void *)(uintptr_t)join(slo, shi), (size_t)length);
  return 0;
}

u32 Z_hostZ_physFill(struct Z_host_instance_t *h, u32 dlo, u32 dhi, u32 value, u32 length) {
  (void)h;
  uint64_t destination = join(dlo, dhi);
  if (!writable(destination, (uint64_t)length)) return fold_status(EFI_ACCESS_DENIED);
  memset((void *)(uintptr_t)destination, (int)(uint32_t)value, (size_t)length);
  return 0;
}

u32 Z_hostZ_physToHeap(struct Z_host_instance_t *h, u32 bytes, u32 offset, u32 slo, u32 shi, u32 length) {
  (void)h;
  memcpy(rt_heap_bytes(bytes, 1, offset, length), (void *)(uintptr_t)join(slo, shi), (size_t)length);
  return 0;
}

u32 Z_hostZ_heapToPhys(struct Z_host_instance_t *h, u32 dlo, u32 dhi, u32 bytes, u32 offset, u32 length) {
  (void)h;
  uint64_t destination = join(dlo, dhi);
  uint8_t *source = rt_heap_bytes(bytes, 1, offset, length);
  if (!writable(destination, (uint64_t)length)) return fold_status(EFI_ACCESS_DENIED);
  memcpy((void *)(uintptr_t)destination, source, (size_t)length);
  return 0;
}

u32 Z_hostZ_physGrantWrite(struct Z_host_instance_t *h, u32 lo, u32 hi, u32 length) {
  (void)h;
  uint64_t start = join(lo, hi);
  if (write_grant_count == MAX_WRITE_GRANTS || start + (uint64_t)length < start) {
    return fold_status(EFI_ACCESS_DENIED);
  }
  write_grants[write_grant_count].start = start;
  write_grants[write_grant_count].end = start + (uint64_t)length;
  write_grant_count++;
  return 0;
}

u32 Z_hostZ_scratchAddressLo(struct Z_host_instance_t *h) { (void)h; return (uint32_t)(uintptr_t)scratch_page; }
u32 Z_hostZ_scratchAddressHi(struct Z_host_instance_t *h) { (void)h; return (uint32_t)((uint64_t)(uintptr_t)scratch_page >> 32); }

/* --- firmware */

u32 Z_hostZ_imageHandleLo(struct Z_host_instance_t *h) { (void)h; return (uint32_t)(uintptr_t)image_handle; }
u32 Z_hostZ_imageHandleHi(struct Z_host_instance_t *h) { (void)h; return (uint32_t)((uint64_t)(uintptr_t)image_handle >> 32); }
u32 Z_hostZ_systemTableLo(struct Z_host_instance_t *h) { (void)h; return (uint32_t)(uintptr_t)system_table; }
u32 Z_hostZ_systemTableHi(struct Z_host_instance_t *h) { (void)h; return (uint32_t)((uint64_t)(uintptr_t)system_table >> 32); }

u32 Z_hostZ_efiCall(struct Z_host_instance_t *h, u32 flo, u32 fhi, u32 halves, u32 count) {
  (void)h;
  uint64_t arguments[MAX_FIRMWARE_ARGUMENTS] = {0};
  if (count > MAX_FIRMWARE_ARGUMENTS) return fold_status(EFI_INVALID_PARAMETER);
  const uint8_t *words = rt_heap_bytes(halves, 4, 0, count * 8);
  for (unsigned i = 0; i < (unsigned)count; i++) {
    uint32_t lo, hi;
    memcpy(&lo, words + i * 8, 4);
    memcpy(&hi, words + i * 8 + 4, 4);
    arguments[i] = ((uint64_t)hi << 32) | lo;
  }
  firmware_fn function = (firmware_fn)(uintptr_t)join(flo, fhi);
  /* MS x64: the caller owns the stack arguments, so passing the maximum count is harmless. */
  uint64_t status = function(arguments[0], arguments[1], arguments[2], arguments[3], arguments[4], arguments[5],
                             arguments[6], arguments[7], arguments[8], arguments[9], arguments[10], arguments[11]);
  return fold_status(status);
}

/* --- CPU: cpuid, rdtsc, rdrand and the console are in host-common.c; rdmsr needs ring 0 */

u32 Z_hostZ_readMsr(struct Z_host_instance_t *h, u32 msr, u32 halves) {
  (void)h;
  uint32_t r[2];
  __asm__ volatile("rdmsr" : "=a"(r[0]), "=d"(r[1]) : "c"((uint32_t)msr));
  rt_write_words(halves, 2, r);
  return 0;
}

/* --- leaving: the kernel must not inherit the firmware's CS 0x38 (it triple-faults SEV-ES
 * guests, see shared/reference), so the stub loads its own GDT with the kernel's boot
 * selectors (__BOOT_CS 0x10, __BOOT_DS 0x18; Documentation/arch/x86/boot.rst, 64-bit protocol).
 * 0x08 is a 32-bit code segment, used only by the paging switch below (the kernel's own
 * __KERNEL32_CS has the same value). */

static const uint64_t boot_gdt[4] __attribute__((aligned(16))) = {
  0,
  0x00cf9a000000ffffull, /* 0x08: 32-bit code, 4 GiB */
  0x00af9a000000ffffull, /* 0x10: 64-bit code, present, DPL 0 */
  0x00cf92000000ffffull, /* 0x18: data, 4 GiB, writable */
};

#define CR4_LA57 (1ull << 12)
#define CR4_PCIDE (1ull << 17)
#define PAGE_TABLE_ADDRESS 0x000ffffffffff000ull
#define TRAMPOLINE_GDT 0x800  /* offsets in the trampoline page */
#define TRAMPOLINE_STACK_TOP 0x1000

/* The paging switch's 32-bit half (AMD APM vol. 2 §5.3 and Intel SDM vol. 3 §4.1.2: CR4.LA57
 * changes only with paging off, that is outside long mode). Copied to the trampoline page and
 * entered in compatibility mode through CS 0x08 with ebx = the new CR3, ecx = the new CR4,
 * edi = its own address, esi = boot_params, ebp = the kernel entry (all below 4 GiB). Paging
 * off leaves long mode; CR4 and CR3 change; paging on re-enters long mode (EFER.LME stays
 * set) with the new depth; a far return to CS 0x10 and the jump to the kernel follow. */
extern const uint8_t paging_switch_start[], paging_switch_end[];
__asm__(
    ".text\n"
    ".globl paging_switch_start\n"
    ".globl paging_switch_end\n"
    ".code32\n"
    "paging_switch_start:\n"
    "  movl %cr0, %eax\n"
    "  andl $0x7fffffff, %eax\n"
    "  movl %eax, %cr0\n"
    "  movl %ecx, %cr4\n"
    "  movl %ebx, %cr3\n"
    "  orl $0x80000000, %eax\n"
    "  movl %eax, %cr0\n"
    "  leal (paging_switch_64 - paging_switch_start)(%edi), %eax\n"
    "  pushl $0x10\n"
    "  pushl %eax\n"
    "  lretl\n"
    ".code64\n"
    "paging_switch_64:\n"
    "  movl $0x18, %eax\n"
    "  movl %eax, %ds\n"
    "  movl %eax, %es\n"
    "  movl %eax, %ss\n"
    "  movl %eax, %fs\n"
    "  movl %eax, %gs\n"
    "  movl %esi, %esi\n" /* the upper halves are undefined after 32-bit code */
    "  movl %ebp, %ebp\n"
    "  jmpq *%rbp\n"
    "paging_switch_end:\n");

static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }

/* Prepares the trampoline pages for a switch to `levels`; returns the new CR3 (0 when the
 * switch is impossible: a page-table address above 4 GiB cannot be loaded from 32-bit code). */
static uint64_t paging_switch_prepare(uint8_t *trampoline, unsigned levels) {
  uint64_t cr3 = read_cr3() & PAGE_TABLE_ADDRESS;
  uint64_t *top = (uint64_t *)(trampoline + 4096);
  uint64_t new_cr3;
  if (levels == 5) {
    /* One PML5 entry covering the first 256 TiB with the firmware's PML4: the same map. */
    memset(top, 0, 4096);
    top[0] = cr3 | 0x3; /* present, writable */
    new_cr3 = (uint64_t)(uintptr_t)top;
  } else {
    /* Down to 4 levels: the PML4 the firmware's PML5 entry 0 points at maps the same low half. */
    new_cr3 = ((const uint64_t *)(uintptr_t)cr3)[0] & PAGE_TABLE_ADDRESS;
  }
  if (new_cr3 >> 32) return 0;
  memcpy(trampoline, paging_switch_start, (size_t)(paging_switch_end - paging_switch_start));
  memcpy(trampoline + TRAMPOLINE_GDT, boot_gdt, sizeof boot_gdt);
  return new_cr3;
}

u32 Z_hostZ_enterKernel(struct Z_host_instance_t *h, u32 elo, u32 ehi, u32 blo, u32 bhi, u32 levels, u32 trampoline_address) {
  (void)h;
  uint64_t entry = join(elo, ehi), boot_params = join(blo, bhi);
  if (!entry || !boot_params) return fold_status(EFI_INVALID_PARAMETER);
  int la57 = (read_cr4() & CR4_LA57) != 0;
  int switching = (levels == 5 && !la57) || (levels == 4 && la57);
  if (levels != 0 && levels != 4 && levels != 5) return fold_status(EFI_INVALID_PARAMETER);
  if (switching) {
    uint8_t *trampoline = (uint8_t *)(uintptr_t)trampoline_address;
    if (!trampoline_address || (trampoline_address & 0xfff) || ehi || bhi || !writable(trampoline_address, 8192)) {
      return fold_status(EFI_INVALID_PARAMETER);
    }
    uint64_t new_cr3 = paging_switch_prepare(trampoline, levels);
    if (!new_cr3) return fold_status(EFI_UNSUPPORTED);
    uint64_t new_cr4 = ((read_cr4() & ~CR4_PCIDE) & ~CR4_LA57) | (levels == 5 ? CR4_LA57 : 0);
    struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr = {
        sizeof boot_gdt - 1, (uint64_t)(uintptr_t)(trampoline + TRAMPOLINE_GDT)};
    uint64_t registers[5] = {new_cr3, new_cr4, trampoline_address, blo, elo};
    __asm__ volatile(
        "cli\n\t"
        "cld\n\t"
        "lgdt %0\n\t"
        /* Flat data selectors now: the 32-bit half pushes through SS. */
        "movl $0x18, %%eax\n\t"
        "movl %%eax, %%ds\n\t"
        "movl %%eax, %%es\n\t"
        "movl %%eax, %%ss\n\t"
        "movq %1, %%rax\n\t"
        "movq 0(%%rax), %%rbx\n\t"
        "movq 8(%%rax), %%rcx\n\t"
        "movq 16(%%rax), %%rdi\n\t"
        "movq 24(%%rax), %%rsi\n\t"
        "movq 32(%%rax), %%rbp\n\t"
        "leaq " "4096" "(%%rdi), %%rsp\n\t"
        /* PCID off while still in long mode: clearing CR0.PG with CR4.PCIDE set faults. */
        "movq %%cr4, %%rax\n\t"
        "andq $~(1 << 17), %%rax\n\t"
        "movq %%rax, %%cr4\n\t"
        "pushq $0x08\n\t"
        "pushq %%rdi\n\t"
        "lretq\n\t"
        :
        : "m"(gdtr), "r"(registers)
        : "rax", "rbx", "rcx", "rdi", "rsi", "memory");
    __builtin_unreachable();
  }
  struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr = {sizeof boot_gdt - 1, (uint64_t)(uintptr_t)boot_gdt};
  __asm__ volatile(
      "cli\n\t"
      "cld\n\t"
      "lgdt %0\n\t"
      "pushq $0x10\n\t"
      "leaq 1f(%%rip), %%rax\n\t"
      "pushq %%rax\n\t"
      "lretq\n"
      "1:\n\t"
      "movl $0x18, %%eax\n\t"
      "movl %%eax, %%ds\n\t"
      "movl %%eax, %%es\n\t"
      "movl %%eax, %%ss\n\t"
      "movl %%eax, %%fs\n\t"
      "movl %%eax, %%gs\n\t"
      "movq %2, %%rsi\n\t"
      "jmpq *%1\n\t"
      :
      : "m"(gdtr), "r"(entry), "r"(boot_params)
      : "rax", "rsi", "memory");
  __builtin_unreachable();
}

/* --- entry */

static Z_stub_instance_t stub_instance;

static efi_status finish(efi_status status) {
  rt_console_print("efistub: exit: status=0x");
  rt_console_print_hex(status);
  rt_console_print("\n");
  return status;
}

efi_status EFIAPI efi_main(efi_handle handle, void *table) {
  image_handle = handle;
  system_table = table;
  boot_services = table_pointer(system_table, SYSTEM_TABLE_BOOT_SERVICES);
  console_out = table_pointer(system_table, SYSTEM_TABLE_CON_OUT);

  scratch_page = platform_allocate_pages(SCRATCH_BYTES);
  if (!scratch_page) {
    rt_console_print("efistub: runtime: cannot allocate the scratch page\n");
    return finish(EFI_ABORTED);
  }
  memset(scratch_page, 0, SCRATCH_BYTES);
  write_grants[0].start = (uint64_t)(uintptr_t)scratch_page;
  write_grants[0].end = write_grants[0].start + SCRATCH_BYTES;
  write_grant_count = 1;

  efi_status status;
  if (rt_enter() == 0) {
    wasm_rt_init();
    Z_stub_init_module();
    Z_stub_instantiate(&stub_instance, (struct Z_host_instance_t *)0);
    Z_stubZ_m(&stub_instance); /* module top level: tables built at load */
    /* porffor gives every function two hidden (value, type) parameter pairs, new.target and
     * this; efiMain uses neither. */
    status = unfold_status(RT_EXPORT_VALUE(Z_stubZ_efiMain(&stub_instance, RT_NO_HIDDEN)));
  } else {
    rt_console_print("efistub: trap: ");
    rt_console_print(rt_trap_reason());
    rt_console_print("\n");
    status = EFI_ABORTED;
  }
  if (refused_writes) {
    rt_console_print("efistub: runtime: refused physical writes: 0x");
    rt_console_print_hex(refused_writes);
    rt_console_print("\n");
  }
  wasm_rt_free_memory(Z_stubZ_Z24(&stub_instance));
  platform_free_pages(scratch_page, SCRATCH_BYTES);
  return finish(status);
}
