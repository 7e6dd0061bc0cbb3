/* efistub bench shim */
#ifndef EFISTUB_SHIM_LINUX_BITOPS_H
#define EFISTUB_SHIM_LINUX_BITOPS_H
#include <linux/types.h>
static inline int fls(unsigned int x) { return x ? 32 - __builtin_clz(x) : 0; }
/* Index of the highest set bit; undefined for 0, as the kernel's. */
static inline unsigned long __fls(unsigned long x) { return 63 - __builtin_clzl(x); }
#endif
