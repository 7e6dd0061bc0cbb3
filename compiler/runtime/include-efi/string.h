/* string.h for the freestanding EFI build: the four functions clang and wasm2c call
 * (defined in libc-efi.c). */
#ifndef EFISTUB_STRING_H
#define EFISTUB_STRING_H
#include <stddef.h>
void *memcpy(void *destination, const void *source, size_t length);
void *memmove(void *destination, const void *source, size_t length);
void *memset(void *destination, int value, size_t length);
int memcmp(const void *a, const void *b, size_t length);
size_t strlen(const char *text);
#endif
