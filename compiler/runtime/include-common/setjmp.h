/*
 * setjmp.h for the Wasm runtime, on both hosts: the compiler's own setjmp/longjmp builtins.
 * wasm2c uses setjmp for exceptions and traps; __builtin_setjmp needs no C library, works
 * freestanding under UEFI, and saves only what the builtin longjmp restores (five words).
 */
#ifndef EFISTUB_SETJMP_H
#define EFISTUB_SETJMP_H
typedef void *jmp_buf[5];
#define setjmp(buffer) __builtin_setjmp(buffer)
/* __builtin_longjmp's value must be 1: callers that need a reason keep it elsewhere. */
#define longjmp(buffer, value) __builtin_longjmp(buffer, 1)
#endif
