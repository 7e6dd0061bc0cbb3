/* efistub bench shim: the handful of <linux/kernel.h> helpers the decoders use. */
#ifndef EFISTUB_SHIM_LINUX_KERNEL_H
#define EFISTUB_SHIM_LINUX_KERNEL_H
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/string.h>
#include <linux/limits.h>
#include <linux/printk.h>
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(type, a, b) ((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#define max_t(type, a, b) ((type)(a) > (type)(b) ? (type)(a) : (type)(b))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define BUG_ON(c) do { if (c) __builtin_trap(); } while (0)
#define WARN_ON(c) (!!(c))
/* x86 is little-endian. */
#define le16_to_cpu(x) ((u16)(x))
#define le32_to_cpu(x) ((u32)(x))
#define le64_to_cpu(x) ((u64)(x))
#define cpu_to_le16(x) ((u16)(x))
#define cpu_to_le32(x) ((u32)(x))
#define cpu_to_le64(x) ((u64)(x))
#define be32_to_cpu(x) __builtin_bswap32(x)
#define cpu_to_be32(x) __builtin_bswap32(x)
static inline u32 le32_to_cpup(const u32 *p) { u32 v; memcpy(&v, p, 4); return v; }
static inline u16 le16_to_cpup(const u16 *p) { u16 v; memcpy(&v, p, 2); return v; }
#endif
