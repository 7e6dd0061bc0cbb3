/* efistub bench shim: the errno values the decoders return. */
#ifndef EFISTUB_SHIM_LINUX_ERRNO_H
#define EFISTUB_SHIM_LINUX_ERRNO_H
#define EINVAL 22
#define ENOMEM 12
#define EFAULT 14
#endif
