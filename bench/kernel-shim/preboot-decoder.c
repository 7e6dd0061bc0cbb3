/*
 * preboot-decoder.c: one of the kernel's boot-time decoders, compiled as misc.c compiles it
 * (preboot.h, then the lib/decompress_*.c file #included), with one entry the bench driver calls.
 * bench/decoders.ts compiles this file once per format with -DKERNEL_FORMAT_<NAME> and
 * -DKERNEL_ENTRY=kernel_decode_<name>, against the sources extracted from linux-source-6.1 into
 * out/bench/linux/ and the shim headers in bench/kernel-shim/include/.
 */
#include "preboot.h"

#if defined(KERNEL_FORMAT_GZIP)
#include "lib/decompress_inflate.c"
#elif defined(KERNEL_FORMAT_BZIP2)
#include "lib/decompress_bunzip2.c"
#elif defined(KERNEL_FORMAT_LZMA)
#include "lib/decompress_unlzma.c"
#elif defined(KERNEL_FORMAT_XZ)
#include "lib/decompress_unxz.c"
#elif defined(KERNEL_FORMAT_LZO)
#include "lib/decompress_unlzo.c"
#elif defined(KERNEL_FORMAT_LZ4)
#include "lib/decompress_unlz4.c"
#elif defined(KERNEL_FORMAT_ZSTD)
#include "lib/decompress_unzstd.c"
#else
#error "define KERNEL_FORMAT_<NAME>"
#endif

/*
 * As misc.c's extract_kernel: __decompress(input_data, input_len, NULL, NULL, output,
 * output_len, NULL, error), where input_len counts kbuild's 4-byte size trailer and output_len is
 * that size. The heap is reset first, as a fresh boot would find it.
 */
int KERNEL_ENTRY(unsigned char *input, long input_length, unsigned char *output, long output_length,
                 unsigned char *heap, unsigned long heap_size, void (*error)(char *message)) {
  free_mem_ptr = (unsigned long)heap;
  free_mem_end_ptr = (unsigned long)heap + heap_size;
  malloc_ptr = 0;
  malloc_count = 0;
  return __decompress(input, input_length, NULL, NULL, output, output_length, NULL, error);
}
