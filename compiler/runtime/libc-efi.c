/*
 * libc-efi.c: the handful of C library functions the EFI build needs, because UEFI gives no
 * C library: memory functions (clang emits calls to them for struct copies), the rounding
 * functions wasm2c's output calls for f64 arithmetic, and _fltused (the MSVC-environment
 * linker marker for floating-point use).
 *
 * The memory functions copy and fill eight bytes at a time. `rep movsb`/`rep stosb` would be
 * shorter, but are slow under QEMU's TCG, where the boot tests and benchmarks run: with the
 * decoders' bulk copies (porffor patch 012's memory.copy) going through memmove, the lz4
 * payload's decompress stage took about 750 ms with `rep movsb` and 490 ms with these loops
 * (same stub otherwise, the two images booted alternately, 4 runs each, the stage log's TSC
 * time). The functions carry no_builtin so clang's loop idiom recognition cannot turn their
 * loops back into calls to themselves.
 */
#include <stddef.h>
#include <stdint.h>

int _fltused = 0;

/* An 8-byte word at any alignment: the access clang emits is one unaligned mov. */
typedef uint64_t __attribute__((may_alias, aligned(1))) unaligned_u64;

__attribute__((no_builtin)) void *memcpy(void *destination, const void *source, size_t length) {
  uint8_t *d = destination;
  const uint8_t *s = source;
  for (; length >= 8; length -= 8, d += 8, s += 8) *(unaligned_u64 *)d = *(const unaligned_u64 *)s;
  for (; length > 0; length--) *d++ = *s++;
  return destination;
}

__attribute__((no_builtin)) void *memmove(void *destination, const void *source, size_t length) {
  uint8_t *d = destination;
  const uint8_t *s = source;
  /* Forward is safe unless the destination starts inside the source: a word is read before the
   * bytes it may overlap are written, both ways. */
  if (d <= s || d >= s + length) return memcpy(destination, source, length);
  d += length;
  s += length;
  for (; length >= 8; length -= 8) {
    d -= 8;
    s -= 8;
    *(unaligned_u64 *)d = *(const unaligned_u64 *)s;
  }
  while (length-- > 0) *--d = *--s;
  return destination;
}

__attribute__((no_builtin)) void *memset(void *destination, int value, size_t length) {
  uint8_t *d = destination;
  const uint64_t word = (uint8_t)value * 0x0101010101010101ull;
  for (; length >= 8; length -= 8, d += 8) *(unaligned_u64 *)d = word;
  for (; length > 0; length--) *d++ = (uint8_t)value;
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
