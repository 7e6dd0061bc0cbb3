/* stdlib.h for the freestanding EFI build: wasm-rt.h includes it; nothing in the stub
 * allocates through malloc (memory comes from AllocatePages, see host-efi.c). */
#ifndef EFISTUB_STDLIB_H
#define EFISTUB_STDLIB_H
#include <stddef.h>
void abort(void) __attribute__((noreturn));
#endif
