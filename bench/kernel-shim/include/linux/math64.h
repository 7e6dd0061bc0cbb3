/* efistub bench shim: 64-bit division is native on x86_64. */
#ifndef EFISTUB_SHIM_LINUX_MATH64_H
#define EFISTUB_SHIM_LINUX_MATH64_H
#include <linux/types.h>
static inline u64 div_u64(u64 dividend, u32 divisor) { return dividend / divisor; }
#endif
