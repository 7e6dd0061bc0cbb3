/* efistub bench shim: the memory functions the preboot code links against (misc.c and
 * arch/x86/boot/compressed/string.c provide them at boot; here the C library does). */
#ifndef EFISTUB_SHIM_LINUX_STRING_H
#define EFISTUB_SHIM_LINUX_STRING_H
#include <linux/types.h>
void *memcpy(void *dest, const void *src, size_t n);
void *memmove(void *dest, const void *src, size_t n);
void *memset(void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif
