/* efistub bench shim: the configuration the x86_64 preboot decoders see (Debian's 6.1 config:
 * CONFIG_X86, CONFIG_X86_64, CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS), and IS_ENABLED() as
 * include/linux/kconfig.h defines it (1 when the option is defined as 1, else 0). Kbuild passes
 * its kconfig.h with -include; preboot.h includes this one first. */
#ifndef EFISTUB_SHIM_LINUX_KCONFIG_H
#define EFISTUB_SHIM_LINUX_KCONFIG_H
#define __KERNEL__ 1
#define CONFIG_X86 1
#define CONFIG_X86_64 1
#define CONFIG_64BIT 1
#define CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS 1
/* x86 byte order, as asm/byteorder.h (linux/byteorder/little_endian.h) announces it. */
#define __LITTLE_ENDIAN 1234
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x) ___is_defined(x)
#define ___is_defined(val) ____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk) __take_second_arg(arg1_or_junk 1, 0)
#define IS_ENABLED(option) __is_defined(option)
#endif
