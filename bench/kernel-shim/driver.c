/*
 * driver.c: main() of out/bench/kernel-decoders, the kernel's own boot-time decoders (one
 * preboot-decoder.c object per format) run on a kbuild payload in memory.
 *
 *   kernel-decoders FORMAT PAYLOAD OUTPUT
 *
 * Reads PAYLOAD (compressed data + kbuild's 4-byte little-endian size; for gzip the size is its
 * ISIZE), decodes it once into a fresh buffer of that size as misc.c's extract_kernel does,
 * writes the result to OUTPUT (so the caller can check it) and prints one line:
 *   ok format=<name> input=<bytes> output=<bytes> seconds=<decode-only time>
 *   error format=<name> status=<__decompress result> text=<the decoder's error() message>
 * seconds covers the __decompress call only: no file I/O, no allocation of the buffers (the
 * output's pages are first touched by the decoder, as with the efistub tool).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int kernel_decoder(unsigned char *input, long input_length, unsigned char *output, long output_length,
                           unsigned char *heap, unsigned long heap_size, void (*error)(char *message));
kernel_decoder kernel_decode_gzip, kernel_decode_xz, kernel_decode_lzma, kernel_decode_zstd, kernel_decode_lz4,
    kernel_decode_bzip2, kernel_decode_lzo;

static const struct { const char *name; kernel_decoder *decode; } decoders[] = {
  { "gzip", kernel_decode_gzip }, { "xz", kernel_decode_xz }, { "lzma", kernel_decode_lzma },
  { "zstd", kernel_decode_zstd }, { "lz4", kernel_decode_lz4 }, { "bzip2", kernel_decode_bzip2 },
  { "lzo", kernel_decode_lzo },
};

/* misc.c's BOOT_HEAP_SIZE is 64 KiB (4 MiB for bzip2, 192 KiB for zstd); more costs nothing. */
#define HEAP_SIZE (64u << 20)

static const char *error_message;

/* misc.c's error() prints and halts; here the message is kept and the decoder's status says the rest. */
static void record_error(char *message) {
  if (!error_message) error_message = message;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: kernel-decoders FORMAT PAYLOAD OUTPUT\n");
    return 2;
  }
  kernel_decoder *decode = NULL;
  for (size_t i = 0; i < sizeof decoders / sizeof decoders[0]; i++) {
    if (strcmp(argv[1], decoders[i].name) == 0) decode = decoders[i].decode;
  }
  if (!decode) { fprintf(stderr, "kernel-decoders: unknown format %s\n", argv[1]); return 2; }

  FILE *file = fopen(argv[2], "rb");
  if (!file) { fprintf(stderr, "kernel-decoders: cannot read %s\n", argv[2]); return 2; }
  fseek(file, 0, SEEK_END);
  long input_length = ftell(file);
  fseek(file, 0, SEEK_SET);
  unsigned char *input = malloc(input_length > 0 ? (size_t)input_length : 1);
  if (!input || input_length < 4 || fread(input, 1, (size_t)input_length, file) != (size_t)input_length) {
    fprintf(stderr, "kernel-decoders: cannot read %s\n", argv[2]);
    return 2;
  }
  fclose(file);
  uint32_t output_length = (uint32_t)input[input_length - 4] | (uint32_t)input[input_length - 3] << 8 |
                           (uint32_t)input[input_length - 2] << 16 | (uint32_t)input[input_length - 1] << 24;
  unsigned char *output = malloc(output_length ? output_length : 1);
  unsigned char *heap = malloc(HEAP_SIZE);
  if (!output || !heap) { fprintf(stderr, "kernel-decoders: out of memory\n"); return 2; }

  /* Touched before the clock starts, as the efistub tool prepares its output buffer: both sides
   * time the decode into memory already there, without the page faults of a first write. */
  memset(output, 0, output_length);
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  int status = decode(input, input_length, output, output_length, heap, HEAP_SIZE, record_error);
  clock_gettime(CLOCK_MONOTONIC, &end);
  double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;

  if (status != 0 || error_message) {
    printf("error format=%s status=%d text=%s\n", argv[1], status, error_message ? error_message : "(none)");
    return 1;
  }
  FILE *out = fopen(argv[3], "wb");
  if (!out || fwrite(output, 1, output_length, out) != output_length || fclose(out) != 0) {
    fprintf(stderr, "kernel-decoders: cannot write %s\n", argv[3]);
    return 2;
  }
  printf("ok format=%s input=%ld output=%u seconds=%.6f\n", argv[1], input_length, output_length, seconds);
  return 0;
}
