/* efistub bench shim */
#include <linux/compiler.h>
