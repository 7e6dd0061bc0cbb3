/* efistub bench shim: the compiler annotations the decoders use. */
#ifndef EFISTUB_SHIM_LINUX_COMPILER_H
#define EFISTUB_SHIM_LINUX_COMPILER_H
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#ifndef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#endif
#define noinline __attribute__((__noinline__))
#define fallthrough __attribute__((__fallthrough__))
#define __force
#define __aligned(x) __attribute__((__aligned__(x)))
#define __packed __attribute__((__packed__))
#define __maybe_unused __attribute__((__unused__))
#define __init
#define __initdata
#define __section(s) __attribute__((__section__(s)))
#define barrier() __asm__ __volatile__("" : : : "memory")
#define __must_check
#define BUILD_BUG_ON(condition) _Static_assert(!(condition), #condition)
#endif
