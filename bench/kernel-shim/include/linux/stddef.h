/* efistub bench shim */
#include <linux/types.h>
