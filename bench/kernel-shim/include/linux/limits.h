/* efistub bench shim */
#ifndef EFISTUB_SHIM_LINUX_LIMITS_H
#define EFISTUB_SHIM_LINUX_LIMITS_H
#include <stdint.h>
#define INT_MAX 0x7fffffff
#define INT_MIN (-INT_MAX - 1)
#define UINT_MAX 0xffffffffu
#define LONG_MAX 0x7fffffffffffffffL
#define ULONG_MAX 0xffffffffffffffffUL
#define U8_MAX 0xff
#define U16_MAX 0xffff
#define U32_MAX 0xffffffffu
#define S32_MAX 0x7fffffff
#define U64_MAX 0xffffffffffffffffULL
#endif
