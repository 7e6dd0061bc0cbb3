/* efistub bench shim */
#ifndef EFISTUB_SHIM_LINUX_EXPORT_H
#define EFISTUB_SHIM_LINUX_EXPORT_H
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#endif
