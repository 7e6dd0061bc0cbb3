/* efistub bench shim: nothing is allocated from the kernel heap in a preboot build. */
#include <linux/types.h>
