/* assert.h for the freestanding EFI build: a failed assertion is a trap (it prints and returns
 * to the firmware like any other). */
#ifndef EFISTUB_ASSERT_H
#define EFISTUB_ASSERT_H
void efistub_assert_failed(const char *expression);
#define assert(expression) ((expression) ? (void)0 : efistub_assert_failed(#expression))
#endif
