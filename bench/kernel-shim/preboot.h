/*
 * preboot.h: what arch/x86/boot/compressed/misc.c sets up before it #includes a
 * lib/decompress_*.c (linux 6.1): STATIC is "static", the heap is a range [free_mem_ptr,
 * free_mem_end_ptr) that <linux/decompress/mm.h>'s bump allocator hands out, memzero is memset,
 * memmove is an ordinary function. misc.c makes malloc/free visible (MALLOC_VISIBLE) because it
 * is one program with one decoder; here seven decoders are linked into one program, so each keeps
 * its allocator static to its own object file.
 */
#ifndef EFISTUB_BENCH_PREBOOT_H
#define EFISTUB_BENCH_PREBOOT_H
#include <linux/kconfig.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/string.h>

#define STATIC static
static unsigned long free_mem_ptr;
static unsigned long free_mem_end_ptr;
#define memzero(s, n) memset((s), 0, (n))
#define memmove memmove
#include <linux/decompress/mm.h>
#endif
