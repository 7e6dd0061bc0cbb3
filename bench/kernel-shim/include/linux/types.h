/* efistub bench shim: the kernel's basic types, from the compiler's freestanding headers
 * (the preboot decoders need only fixed-width integers, size_t and bool). */
#ifndef EFISTUB_SHIM_LINUX_TYPES_H
#define EFISTUB_SHIM_LINUX_TYPES_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u8 __u8;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef s32 __s32;
typedef u16 __le16;
typedef u32 __le32;
typedef u64 __le64;
typedef u16 __be16;
typedef u32 __be32;
typedef long ssize_t;
typedef unsigned int gfp_t;
#define BITS_PER_LONG 64
#endif
