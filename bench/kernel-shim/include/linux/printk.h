/* efistub bench shim: the preboot decoders report through error(), never printk. */
#ifndef EFISTUB_SHIM_LINUX_PRINTK_H
#define EFISTUB_SHIM_LINUX_PRINTK_H
#define KERN_DEBUG ""
#define KERN_ERR ""
#define KERN_WARNING ""
#define printk(...) ((void)0)
#define pr_debug(...) ((void)0)
#define pr_err(...) ((void)0)
#define pr_warn(...) ((void)0)
#endif
