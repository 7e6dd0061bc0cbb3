/* efistub bench shim: module metadata means nothing in a preboot build. */
#ifndef EFISTUB_SHIM_LINUX_MODULE_H
#define EFISTUB_SHIM_LINUX_MODULE_H
#include <linux/export.h>
#define MODULE_LICENSE(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_AUTHOR(x)
#define MODULE_VERSION(x)
#endif
