/* malloc.h for the freestanding EFI build: wasm2c includes it on MSVC-like targets for alloca. */
#ifndef EFISTUB_MALLOC_H
#define EFISTUB_MALLOC_H
#define _alloca(size) __builtin_alloca(size)
#endif
