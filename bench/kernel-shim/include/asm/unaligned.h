/* efistub bench shim: unaligned little/big-endian access, as asm-generic/unaligned.h gives on
 * x86 (plain loads; memcpy compiles to one mov). */
#ifndef EFISTUB_SHIM_ASM_UNALIGNED_H
#define EFISTUB_SHIM_ASM_UNALIGNED_H
#include <linux/types.h>
#include <linux/string.h>
/* As include/linux/unaligned/packed_struct.h: a packed one-member struct makes the access
 * unaligned-safe whatever the pointer's constness. */
#define get_unaligned(p) \
  ({ const struct { __typeof__(*(p)) x; } __attribute__((__packed__)) *q_ = (const void *)(p); q_->x; })
#define put_unaligned(v, p) \
  do { struct { __typeof__(*(p)) x; } __attribute__((__packed__)) *q_ = (void *)(p); q_->x = (v); } while (0)
static inline u16 get_unaligned_le16(const void *p) { u16 v; __builtin_memcpy(&v, p, 2); return v; }
static inline u32 get_unaligned_le32(const void *p) { u32 v; __builtin_memcpy(&v, p, 4); return v; }
static inline u64 get_unaligned_le64(const void *p) { u64 v; __builtin_memcpy(&v, p, 8); return v; }
static inline u16 get_unaligned_be16(const void *p) { return __builtin_bswap16(get_unaligned_le16(p)); }
static inline u32 get_unaligned_be32(const void *p) { return __builtin_bswap32(get_unaligned_le32(p)); }
static inline u64 get_unaligned_be64(const void *p) { return __builtin_bswap64(get_unaligned_le64(p)); }
static inline void put_unaligned_le16(u16 v, void *p) { __builtin_memcpy(p, &v, 2); }
static inline void put_unaligned_le32(u32 v, void *p) { __builtin_memcpy(p, &v, 4); }
static inline void put_unaligned_le64(u64 v, void *p) { __builtin_memcpy(p, &v, 8); }
static inline void put_unaligned_be16(u16 v, void *p) { put_unaligned_le16(__builtin_bswap16(v), p); }
static inline void put_unaligned_be32(u32 v, void *p) { put_unaligned_le32(__builtin_bswap32(v), p); }
static inline void put_unaligned_be64(u64 v, void *p) { put_unaligned_le64(__builtin_bswap64(v), p); }
#endif
