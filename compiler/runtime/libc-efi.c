/*
 * libc-efi.c: the handful of C library functions the EFI build needs, because UEFI gives no
 * C library: memory functions (clang emits calls to them for struct copies), the rounding
 * functions wasm2c's output calls for f64 arithmetic, and _fltused (the MSVC-environment
 * linker marker for floating-point use).
 *
 * The memory functions use `rep movsb/stosb` in inline assembly so clang cannot turn them back
 * into calls to themselves.
 */
#include <stddef.h>
#include <stdint.h>

int _fltused = 0;

void *memcpy(void *destination, const void *source, size_t length) {
  void *d = destination;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(source), "+c"(length) : : "memory");
  return destination;
}

void *memmove(void *destination, const void *source, size_t length) {
  uint8_t *d = destination;
  const uint8_t *s = source;
  if (d <= s || d >= s + length) return memcpy(destination, source, length);
  /* Overlap with the destination above the source: copy backwards. */
  d += length - 1;
  s += length - 1;
  __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(length) : : "memory");
  return destination;
}

void *memset(void *destination, int value, size_t length) {
  void *d = destination;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(length) : "a"(value) : "memory");
  return destination;
}

int memcmp(const void *a, const void *b, size_t length) {
  const volatile uint8_t *x = a, *y = b;
  for (size_t i = 0; i < length; i++) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

size_t strlen(const char *text) {
  const volatile char *t = text;
  size_t length = 0;
  while (t[length]) length++;
  return length;
}

/* --- rounding, IEEE 754 binary64: integers of magnitude ≥ 2^52 (and NaN, ±inf) are their own
 * rounding; below that the int64 conversion is exact. copysign keeps the sign of -0.x → -0. */

#define TWO_POW_52 4503599627370496.0

double fabs(double x) {
  uint64_t bits;
  __builtin_memcpy(&bits, &x, 8);
  bits &= ~(1ull << 63);
  __builtin_memcpy(&x, &bits, 8);
  return x;
}

double copysign(double x, double y) {
  uint64_t bx, by;
  __builtin_memcpy(&bx, &x, 8);
  __builtin_memcpy(&by, &y, 8);
  bx = (bx & ~(1ull << 63)) | (by & (1ull << 63));
  __builtin_memcpy(&x, &bx, 8);
  return x;
}

double trunc(double x) {
  if (!(fabs(x) < TWO_POW_52)) return x;
  return copysign((double)(int64_t)x, x);
}

double floor(double x) {
  double t = trunc(x);
  return t > x ? t - 1.0 : t;
}

double ceil(double x) {
  double t = trunc(x);
  return t < x ? copysign(t + 1.0, x) : t;
}

double nearbyint(double x) {
  if (!(fabs(x) < TWO_POW_52)) return x;
  /* Adding and subtracting 2^52 rounds to an integer in the current mode (nearest-even). */
  volatile double shifted = fabs(x) + TWO_POW_52;
  return copysign(shifted - TWO_POW_52, x);
}

double sqrt(double x) {
  double r;
  __asm__("sqrtsd %1, %0" : "=x"(r) : "x"(x));
  return r;
}

float fabsf(float x) { return (float)fabs(x); }
float copysignf(float x, float y) { return (float)copysign(x, y); }
float truncf(float x) { return (float)trunc(x); }
float floorf(float x) { return (float)floor(x); }
float ceilf(float x) { return (float)ceil(x); }
float nearbyintf(float x) { return (float)nearbyint(x); }
float sqrtf(float x) {
  float r;
  __asm__("sqrtss %1, %0" : "=x"(r) : "x"(x));
  return r;
}
