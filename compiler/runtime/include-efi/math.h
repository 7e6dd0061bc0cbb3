/* math.h for the freestanding EFI build: the functions wasm2c's output calls (libc-efi.c). */
#ifndef EFISTUB_MATH_H
#define EFISTUB_MATH_H
double fabs(double x);
double floor(double x);
double ceil(double x);
double trunc(double x);
double nearbyint(double x);
double sqrt(double x);
double copysign(double x, double y);
float fabsf(float x);
float floorf(float x);
float ceilf(float x);
float truncf(float x);
float nearbyintf(float x);
float sqrtf(float x);
float copysignf(float x, float y);
#define isnan(x) __builtin_isnan(x)
#define signbit(x) __builtin_signbit(x)
#define INFINITY __builtin_inff()
#define NAN __builtin_nanf("")
#endif
