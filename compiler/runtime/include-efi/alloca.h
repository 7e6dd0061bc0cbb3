/* alloca.h for the freestanding EFI build. */
#ifndef EFISTUB_ALLOCA_H
#define EFISTUB_ALLOCA_H
#define alloca(size) __builtin_alloca(size)
#endif
